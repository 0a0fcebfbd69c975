"""The model: what the rest of the product agrees on, importing nothing else of it.

* :mod:`.course`  – the course plan: problem sets, contract functions, graded cells and points
* :mod:`.results` – the results model (``TestResult``, ``Execution``, ``SubmissionResult``),
  the bounded results.json writer and tolerant reader, the one point formatter
* :mod:`.grades`  – grades.csv
* :mod:`.summary` – summary.json, one schema for autograde and merge
* :mod:`.shards`  – shards' results folders combined into one (``merge``): copied, conflicts refused
* :mod:`.ids`     – a student id's display, folder and CSV forms
* :mod:`.files`   – the output file names and the one atomic, readable writer
* :mod:`.submission_time` – when a submission was handed in, read where each platform records it
* :mod:`.deadlines` – a course's due dates, extensions and late policy; the course file deadlines.toml
* :mod:`.late_policy` – the built-in late policies
* :mod:`.lateness` – one submission against its due date: results.json's ``late`` record, in words
* :mod:`.penalties` – the late-penalty step: deadlines applied to results, never to grading
"""
