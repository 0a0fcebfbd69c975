"""``python -m autograder late RESULTS_DIR``: recompute every late penalty and total, without grading.

After a due date moved, an extension was granted or the late policy changed: the course's deadlines
(:mod:`autograder.nbgrader_io.course_deadlines`: ``--gradebook`` or ``--course`` folder) are applied to the
results again (:mod:`autograder.model.penalties`), and everything that shows a total is written again from
the results alone — each results.json's ``late`` record and score, grades.csv, the feedback pages,
report.html, summary.json's class and, with ``--gradebook``, the penalties in nbgrader's gradebook. No
notebook is run. Then the grade table and the late submissions are printed (``--json``: the summary).

Exit status: 0 written; 2 no results in RESULTS_DIR, or deadlines that cannot be read (the message names
the file and the field; nothing is written).
"""

from __future__ import annotations

import argparse
import sys

from autograder.model.deadlines import DeadlinesError
from autograder.nbgrader_io.course_deadlines import course_folder, load
from autograder.nbgrader_io.course_gradebook import gradebook_of
from autograder.reports.after_grading import NoResults, add_report_arguments, recompute


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results_dir", metavar="RESULTS_DIR", help="a results folder (autograde --out, or merged)")
    parser.add_argument("--course", default=None, metavar="DIR",
                        help="the course folder whose deadlines apply (deadlines.toml, or its gradebook's due dates "
                        "and nbgrader_config.py's late policy; default: this repository, or the --gradebook folder)")
    add_report_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        course = course_folder(args.gradebook, args.course)
        recompute(args.results_dir, lambda: load(course), gradebook=gradebook_of(args.gradebook), course=course,
                  feedback=not args.no_reports, json_output=args.json, publish_answers=args.publish_answers)
    except (NoResults, DeadlinesError) as exc:
        print(f"late: {exc}", file=sys.stderr)
        return 2
    return 0
