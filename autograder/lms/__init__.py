"""Grades posted where the course keeps them: ``python -m autograder passback`` (LTI 1.3 AGS, Canvas, Moodle).

Reads a results folder through the results model only (grades.csv and each results.json); one job per
module: the config file, the credentials, the HTTP session, the grades to post and their student-visible
comment, the roster, the LTI token, AGS, NRPS, Canvas, Moodle, the plan (what changes), and the run.
"""
