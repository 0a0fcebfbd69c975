"""``python -m autograder autograde SUBMITTED_DIR --out RESULTS_DIR …``

Grades a folder of submissions (nbgrader's layout) in the sandbox and prints
a plain summary. The work is :func:`autograder.engine.batch.grade_batch`;
richer displays hook into it through ``on_event`` and the returned
:class:`~autograder.engine.batch.BatchSummary`.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submitted", metavar="SUBMITTED_DIR", help="folder of <student>/<ps>/<ps>.ipynb")
    parser.add_argument("--out", required=True, metavar="RESULTS_DIR", help="where results.json and grades.csv go")
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="parallel workers (default: all cores)")
    parser.add_argument("--assignment", action="extend", nargs="+", default=None, metavar="ID",
                        help="only these problem sets")
    parser.add_argument("--student", action="extend", nargs="+", default=None, metavar="ID", help="only these students")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="wall-clock limit per cell and per call (default 10)")
    parser.add_argument("--memory", type=int, default=2048, metavar="MB",
                        help="address-space limit of a submission's process (default 2048)")
    parser.add_argument("--shard", default=None, metavar="i/n",
                        help="grade only shard i of n (1-based; split by a hash of the student id)")
    parser.add_argument("--force", action="store_true", help="regrade submissions that already have results")
    parser.add_argument("--course", default=None, metavar="DIR", help="course directory (default: this repository)")
    from autograder.reports import add_report_arguments  # --json, --gradebook [COURSE_DIR], --no-reports

    add_report_arguments(parser)


def print_summary(summary, out=sys.stdout, table=True) -> None:
    from autograder.engine.results import grades_table

    p = lambda *a: print(*a, file=out)  # noqa: E731
    p(f"Graded {summary.graded} notebook(s), kept {summary.skipped_existing} from an earlier run, "
      f"{len(summary.failed)} failed to grade — {summary.duration_s:.1f} s, "
      f"{summary.notebooks_per_s:.1f} notebooks/s with {summary.workers} worker(s)"
      + (f", shard {summary.shard}" if summary.shard else "") + ".")
    sb = summary.sandbox
    if sb:
        parts = ["unprivileged uid per worker" if sb.get("uid_drop") else "same uid as the grader (not root)",
                 "no network" if sb.get("netns") else "network NOT isolated",
                 f"hidden: {', '.join(sb.get('hidden', []))}" if sb.get("mountns") else "course files NOT hidden"]
        p("Sandbox: " + "; ".join(parts) + ".")
    header, rows = grades_table(summary.results_dir)
    if not table:
        pass
    elif rows and len(rows) <= 60:
        widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
        for r in [header] + rows:
            p("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
    elif rows:
        p(f"{len(rows)} students.")
    p(f"Results: {summary.results_dir}  (grades.csv, summary.json)")
    for f in summary.failed:
        print(f"FAILED to grade {f['student']}/{f['assignment']}: {f['error']}", file=sys.stderr)
    for warning in getattr(summary, "warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    if summary.ignored:
        p(f"Ignored folders that are not problem sets of the course: {', '.join(summary.ignored[:10])}"
          + (" …" if len(summary.ignored) > 10 else ""))


def run(args) -> int:
    from autograder.engine.batch import grade_batch, parse_shard
    from autograder.engine.sandbox import Limits

    try:
        shard = parse_shard(args.shard) if args.shard else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.timeout <= 0 or args.memory <= 0 or (args.workers is not None and args.workers < 1):
        print("error: --timeout, --memory and --workers must be positive", file=sys.stderr)
        return 2
    limits = Limits(timeout_s=args.timeout, memory_mb=args.memory, budget_s=max(120.0, 12 * args.timeout))
    from autograder.reports.table import batch_progress

    try:
        with batch_progress() as on_event:
            summary = grade_batch(args.submitted, args.out, workers=args.workers, assignments=args.assignment,
                                  students=args.student, shard=shard, force=args.force, course_dir=args.course,
                                  limits=limits, on_event=on_event)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reports = not args.no_reports
    print_summary(summary, out=sys.stderr if args.json else sys.stdout, table=not reports)
    if reports:  # feedback.html per submission, report.html, the rich grade table (or --json), --gradebook
        from autograder.reports import write_reports

        write_reports(summary.results_dir, json_output=args.json, gradebook=args.gradebook)
    return 0 if summary.ok else 1
