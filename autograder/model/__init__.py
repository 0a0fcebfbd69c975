"""The model: what the rest of the product agrees on, importing nothing else of it.

* :mod:`.course`  – the course plan: problem sets, contract functions, graded cells and points
* :mod:`.results` – the results model (``TestResult``, ``Execution``, ``SubmissionResult``),
  the bounded results.json writer and tolerant reader, the one point formatter
* :mod:`.grades`  – grades.csv
* :mod:`.summary` – summary.json, one schema for autograde and merge
* :mod:`.ids`     – a student id's display, folder and CSV forms
* :mod:`.files`   – the output file names and the one atomic, readable writer
"""
