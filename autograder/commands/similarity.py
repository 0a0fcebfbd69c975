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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submitted", metavar="SUBMITTED_DIR", help="folder of <student>/<ps>/<ps>.ipynb")
    parser.add_argument("--out", required=True, metavar="DIR", help="where similarity.html and similarity.json go")
    add_threshold_argument(parser)
    parser.add_argument("--assignment", action="extend", nargs="+", default=None, metavar="ID",
                        help="only these problem sets")
    parser.add_argument("--student", action="extend", nargs="+", default=None, metavar="ID",
                        help="only these students")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="processes reading notebooks (default: all cores)")
    parser.add_argument("--course", default=None, metavar="DIR",
                        help="course directory, for its released notebooks (default: this repository)")


def add_threshold_argument(parser: argparse.ArgumentParser) -> None:
    """``--threshold``, by default :data:`autograder.similarity.index.THRESHOLD`."""
    from autograder.similarity.index import THRESHOLD

    parser.add_argument("--threshold", type=float, default=THRESHOLD, metavar="S",
                        help=f"report pairs scoring S or more (default {THRESHOLD}; 1 = identical code of typical "
                             "length that nobody else wrote)")


def write(submitted, out, threshold=None, course=None, assignments=None, students=None, workers=None):
    """Write the report; its summary. Raises ``LayoutError``/``ValueError`` for the caller to report."""
    from autograder.model.course import ROOT
    from autograder.similarity import similarity_report
    from autograder.similarity.index import THRESHOLD

    return similarity_report(submitted, out, course_dir=course or ROOT, assignments=assignments, students=students,
                             threshold=THRESHOLD if threshold is None else threshold, workers=workers)


def summary_line(summary) -> str:
    """What the report found, in one line."""
    from autograder.model.files import SIMILARITY_HTML

    found = sum(1 for n in summary.per_function.values() if n)
    return (f"Similarity: {summary.notebooks} notebook(s) read in {summary.duration_s:.1f} s; {summary.pairs} pair(s) "
            f"reported in {found} function(s): {summary.out / SIMILARITY_HTML}")


def run(args) -> int:
    from autograder.model.submissions import LayoutError

    if args.workers is not None and args.workers < 1:
        print("error: --workers must be positive", file=sys.stderr)
        return 2
    if not 0 < args.threshold <= 10:
        print(f"error: --threshold must be a number in (0, 10], got {args.threshold}", file=sys.stderr)
        return 2
    try:
        summary = write(args.submitted, args.out, args.threshold, args.course, args.assignment, args.student,
                        args.workers)
    except (LayoutError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary_line(summary))
    return 0
