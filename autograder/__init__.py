"""Grading for the probability-foundations course.

Subpackages are named for the stage they serve:

* ``autograder.checks``  – declarative hidden checks (data) and their evaluation
* ``autograder.release`` – ``source/`` → ``release/`` through nbgrader
* ``autograder.engine``  – sandboxed, parallel grading of submissions
* ``autograder.reports`` – results files, feedback pages, reports, gradebook

Importing this package imports nothing heavy; the CLI imports each stage lazily.
"""
