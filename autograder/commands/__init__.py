"""The commands of ``python -m autograder`` (dispatched by :mod:`autograder.cli`), one module each.

The only layer that knows all the others: each command wires the engine, the
reports, the release and the similarity report together and stays thin. A
command module exposes ``add_arguments(parser)`` and ``run(args) -> int``, and
imports no other command: what two of them share lives in a layer below
(``tests/test_layers.py`` keeps it so).

* :mod:`.autograde`  – grade a folder of submissions in the sandbox, then write the reports
* :mod:`.merge`      – combine the results of shards into one results folder
* :mod:`.release`    – regenerate ``release/`` from ``source/``
* :mod:`.demo`       – the whole instructor workflow on the bundled example submissions
* :mod:`.export`     – grades for an LMS, or a JUnit report
* :mod:`.gradescope` – a problem set's Gradescope autograder, and grading inside it
* :mod:`.late`       – every late penalty and total written again, nothing graded
* :mod:`.extension`  – a student's extension granted in the nbgrader gradebook
* :mod:`.similarity` – which students' code is unusually alike (also ``autograde --similarity``)
* :mod:`.take_notebook` – a student repository's notebook copied into ``submitted/`` (the student templates)
"""
