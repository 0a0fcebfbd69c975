"""``python -m autograder similarity SUBMITTED_DIR --out DIR …``

Compares the students' code, graded function by graded function, and writes
``DIR/similarity.html`` (ranked pairs, groups, side-by-side pages) and
``DIR/similarity.json``; the work is :func:`autograder.similarity.run.similarity_report`.
The notebooks are read as data, never run. ``autograde --similarity`` writes
the same report into ``RESULTS_DIR/similarity/`` and links it from the class report.

Exit status: 0 when the report was written (whatever it found); 2 for a wrong
command line or submissions folder (with the expected layout).
"""

from __future__ import annotations

import argparse
import sys

from autograder.model.course import ROOT
from autograder.model.submissions import LayoutError
from autograder.similarity.index import THRESHOLD


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submitted", metavar="SUBMITTED_DIR", help="folder of <student>/<ps>/<ps>.ipynb")
    parser.add_argument("--out", required=True, metavar="DIR", help="where similarity.html and similarity.json go")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, metavar="S",
                        help=f"report pairs scoring S or more (default {THRESHOLD}; 1 = identical code of typical "
                             "length that nobody else wrote)")
    parser.add_argument("--assignment", action="extend", nargs="+", default=None, metavar="ID",
                        help="only these problem sets")
    parser.add_argument("--student", action="extend", nargs="+", default=None, metavar="ID",
                        help="only these students")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="processes reading notebooks (default: the cores this process may use)")
    parser.add_argument("--course", default=None, metavar="DIR",
                        help="course directory, for its released notebooks (default: this repository)")


def run(args: argparse.Namespace) -> int:
    from autograder.similarity.run import similarity_report  # (copydetect and matplotlib, 0.9 s: not for --help)

    if args.workers is not None and args.workers < 1:
        print("error: --workers must be positive", file=sys.stderr)
        return 2
    if not 0 < args.threshold <= 10:
        print(f"error: --threshold must be a number in (0, 10], got {args.threshold}", file=sys.stderr)
        return 2
    try:
        summary = similarity_report(args.submitted, args.out, course_dir=args.course or ROOT,
                                    assignments=args.assignment, students=args.student, threshold=args.threshold,
                                    workers=args.workers)
    except (LayoutError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary.line())
    return 0
