"""``python -m autograder late RESULTS_DIR``: recompute every late penalty and total, without grading.

After a due date moved, an extension was granted or the late policy changed: the course's deadlines
(:mod:`autograder.reports.course_deadlines`: ``--gradebook`` or ``--course`` folder) are applied to the
results again (:mod:`autograder.model.penalties`), and everything that shows a total is written again from
the results alone — each results.json's ``late`` record and score, grades.csv, the feedback pages,
report.html, summary.json's class and, with ``--gradebook``, the penalties in nbgrader's gradebook. No
notebook is run. Then the grade table and the late submissions are printed (``--json``: the summary).

Exit status: 0 written; 2 no results in RESULTS_DIR, or deadlines that cannot be read (the message names
the file and the field; nothing is written).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def add_arguments(parser) -> None:
    from autograder.reports import add_report_arguments

    parser.add_argument("results_dir", metavar="RESULTS_DIR", help="a results folder (autograde --out, or merged)")
    parser.add_argument("--course", default=None, metavar="DIR",
                        help="the course folder whose deadlines apply (deadlines.toml, or its gradebook's due dates "
                        "and nbgrader_config.py's late policy; default: this repository, or the --gradebook folder)")
    add_report_arguments(parser)


def run(args) -> int:
    from autograder.model.deadlines import DeadlinesError
    from autograder.model.results import result_files
    from autograder.reports import show_reports, write_reports
    from autograder.reports.course_deadlines import course_folder, load

    results_dir = Path(args.results_dir)
    if not result_files(results_dir):
        print(f"late: no results in {results_dir} (expected <student>/<ps>/results.json, what `autograde --out` "
              "writes)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        deadlines = load(course_folder(args.gradebook, args.course))
    except DeadlinesError as exc:
        print(f"late: {exc}", file=sys.stderr)
        return 2
    data = write_reports(results_dir, gradebook=args.gradebook, feedback=not args.no_reports, show=False,
                         course=course_folder(args.gradebook, args.course), publish_answers=args.publish_answers,
                         deadlines=deadlines)
    seconds = time.perf_counter() - started
    print(f"Recomputed {len(data.get('submissions') or [])} submission(s) in {seconds:.1f} s, no notebook run"
          + ("" if deadlines is not None else " (the course sets no due date: scores without late penalties)")
          + ".", file=sys.stderr)
    show_reports(results_dir, data, json_output=args.json)
    return 0
