"""``python -m autograder autograde SUBMITTED_DIR --out RESULTS_DIR …``

Grades a folder of submissions (nbgrader's layout) in the sandbox, writes
every file (results, grades.csv, summary.json, then the feedback pages and
the class report), and only then prints: a closed pipe (``| head -1``) loses
output, never files. The work is :func:`autograder.engine.batch.grade_batch`.

The course's deadlines (:mod:`autograder.nbgrader_io.course_deadlines`) are read first, so a
mistake in them stops the command before anything is graded; they are applied to the results
when the reports are written (:mod:`autograder.model.penalties`), never while grading.

Exit status: 0 when every submission got a results.json, whatever it scored
(a submission that broke its own grading gets score 0 and the reason);
1 when the instructor's setup left some without one (a problem set that
cannot be loaded, a sandbox that cannot start); 2 for a wrong command line
or submissions folder (with the expected layout); 130 when interrupted, after
writing the reports of what finished and one line saying how to resume.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from autograder.engine.batch import grade_batch
from autograder.engine.batch_plan import SubmissionTimes, parse_shard
from autograder.engine.grading_run import BatchSummary
from autograder.model.course import ROOT
from autograder.model.deadlines import DeadlinesError
from autograder.model.files import SIMILARITY_DIR
from autograder.model.grades import grades_table
from autograder.model.submission_time import Exchange, SubmissionTime, from_ci, from_text
from autograder.model.submissions import LayoutError
from autograder.nbgrader_io.course_deadlines import course_folder, load
from autograder.nbgrader_io.course_gradebook import gradebook_of
from autograder.perimeter.confinement.limits import Limits
from autograder.reports.after_grading import add_report_arguments, apply_deadlines, show_reports, write_reports
from autograder.reports.table import batch_progress, summary_lines

#: Exit status after Ctrl-C (128 + SIGINT), as shells do.
INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submitted", metavar="SUBMITTED_DIR", help="folder of <student>/<ps>/<ps>.ipynb")
    parser.add_argument("--out", required=True, metavar="RESULTS_DIR", help="where results.json and grades.csv go")
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="parallel workers (default: one more than the cores this process may use: a container's CPU quota or cpuset counts)")
    parser.add_argument("--assignment", action="extend", nargs="+", default=None, metavar="ID",
                        help="only these problem sets")
    parser.add_argument("--student", action="extend", nargs="+", default=None, metavar="ID", help="only these students")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="wall-clock limit per cell and per call (default 10)")
    parser.add_argument("--memory", type=int, default=2048, metavar="MB",
                        help="address-space limit of a submission's process (default 2048)")
    parser.add_argument("--shard", default=None, metavar="i/n",
                        help="grade only shard i of n (1-based; balanced, deterministic by student: every shard "
                             "needs the same folder and filters)")
    parser.add_argument("--force", action="store_true", help="regrade submissions that already have results")
    parser.add_argument("--course", default=None, metavar="DIR", help="course directory (default: this repository); "
                        "its deadlines.toml, or its gradebook's due dates and nbgrader_config.py's late policy, "
                        "apply (with --gradebook, that course folder's)")
    parser.add_argument("--submitted-at", default=None, metavar="WHEN",
                        help="where each notebook's submission time is read: 'ci' (the push time GitHub recorded; "
                        "on GitLab the pipeline time, which a pipeline variable can set), 'ci=<GitLab API URL>' "
                        "(GitLab's own record of the job, asked with its job token), 'exchange=<nbgrader inbound "
                        "folder>' (when nbgrader's exchange received each submission), or a time such as "
                        "2025-03-07T23:59:00Z (default: nbgrader's timestamp.txt beside each notebook, which the "
                        "student's nbgrader submit writes: read as the student's claim)")
    parser.add_argument("--dask", default=None, metavar="ADDRESS",
                        help="grade on a running Dask cluster instead of this machine: its scheduler's address "
                             "(tcp://host:8786), a scheduler file, or 'env' (DASK_SCHEDULER_ADDRESS); needs "
                             "`pip install .[dask]` here and the same grader on every worker")
    parser.add_argument("--similarity", action="store_true",
                        help="also compare the students' code (RESULTS_DIR/similarity/, linked from the class report; "
                             "`python -m autograder similarity` writes it alone)")
    add_report_arguments(parser)  # --json, --gradebook [COURSE_DIR], --no-reports


def resume_line(summary: BatchSummary) -> str:
    """The one line printed after an interruption."""
    return (f"Interrupted: {summary.graded} notebook(s) graded in this run, {summary.skipped_existing} kept from "
            f"earlier, of {summary.total}; run the same command again to grade the rest (finished results are kept).")


def print_batch(summary: BatchSummary, out: TextIO = sys.stdout, table: bool = True, submitted_label: str = "") -> None:
    """The engine's summary; with ``table``, a plain grade table (when the rich reports are off)."""
    for line in summary_lines(summary, submitted_label):
        print(line, file=out)
    header, rows = grades_table(summary.results_dir) if table else ([], [])
    if table and rows and len(rows) <= 60:
        widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
        for r in [header] + rows:
            print("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))),
                  file=out)
    elif table and rows:
        print(f"{len(rows)} students.", file=out)
    print(f"Results: {summary.results_dir}  (grades.csv, summary.json)", file=out)
    for e in summary.grading_errors:
        print(f"grading failed for {e['student']}/{e['assignment']} (score 0 recorded, to look at): "
              f"{e['error'].splitlines()[0][:300] if e['error'] else ''}", file=sys.stderr)
    for f in summary.failed:
        print(f"FAILED to grade {f['student']}/{f['assignment']}: {f['error']}", file=sys.stderr)
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _usage_error(message: str, as_json: bool) -> int:
    print(f"error: {message}", file=sys.stderr)
    if as_json:
        print(json.dumps({"version": 1, "error": message}), flush=True)
    return 2


def submitted_at(value: str | None) -> SubmissionTime | SubmissionTimes | None:
    """``--submitted-at``: None (each folder's timestamp.txt), the CI's recorded time (``ci``, or
    ``ci=<GitLab API URL>`` for GitLab's own record), nbgrader's exchange (``exchange=<inbound folder>``), or a
    given time.

    Raises
    ------
    ValueError
        A time that cannot be read (the message names the option).
    """
    if value is None:
        return None
    kind, _, where = value.strip().partition("=")
    if kind.lower() == "ci":
        return from_ci(os.environ, api=where.strip() or None)
    if kind.lower() == "exchange":
        if not where.strip() or not Path(where.strip()).is_dir():
            raise ValueError(f"--submitted-at exchange=DIR: {where!r} is not a folder (nbgrader's "
                             "<exchange root>/<course id>/inbound)")
        return Exchange(where.strip())
    time = from_text(value, "--submitted-at")
    if not time.known:
        raise ValueError(f"--submitted-at: expected 'ci', 'ci=<GitLab API URL>', 'exchange=<inbound folder>' or a "
                         f"time such as 2025-03-07T23:59:00Z, not {value!r}")
    return time
def _similarity(args: argparse.Namespace, summary: BatchSummary) -> str:
    """``--similarity``: the report written into RESULTS_DIR/similarity/; the line that says so (or why not)."""
    from autograder.similarity.run import similarity_report  # (copydetect and matplotlib, 0.9 s: with --similarity)

    try:
        found = similarity_report(args.submitted, Path(summary.results_dir) / SIMILARITY_DIR,
                                  course_dir=args.course or ROOT, assignments=args.assignment, students=args.student,
                                  workers=args.workers)
    except ValueError as exc:
        return f"Similarity: not written ({exc})"
    except Exception as exc:  # noqa: BLE001 — written after every grade and page: nothing here may take them away
        return f"Similarity: not written ({type(exc).__name__}: {str(exc)[:200]}); the grades and feedback are"
    return found.line()


def run(args: argparse.Namespace) -> int:
    try:
        shard = parse_shard(args.shard) if args.shard else None
        when = submitted_at(args.submitted_at)
        deadlines = load(course_folder(args.gradebook, args.course))  # checked before anything is graded
    except (ValueError, DeadlinesError) as exc:
        return _usage_error(str(exc), args.json)
    if args.timeout <= 0 or args.memory <= 0 or (args.workers is not None and args.workers < 1):
        return _usage_error("--timeout, --memory and --workers must be positive", args.json)
    if args.dask is not None and importlib.util.find_spec("distributed") is None:
        return _usage_error("--dask needs Dask's distributed scheduler: install the grader with its extra, "
                            "pip install '.[dask]' (or pip install 'dask[distributed]')", args.json)
    if args.similarity and shard:
        return _usage_error("--similarity compares the whole class, not a shard: run `python -m autograder "
                            "similarity SUBMITTED_DIR --out RESULTS_DIR/similarity` once", args.json)
    limits = Limits(timeout_s=args.timeout, memory_mb=args.memory, budget_s=max(120.0, 12 * args.timeout))
    try:
        with batch_progress() as on_event:
            summary = grade_batch(args.submitted, args.out, workers=args.workers, assignments=args.assignment,
                                  students=args.student, shard=shard, force=args.force, course_dir=args.course,
                                  limits=limits, on_event=on_event, submitted_at=when, cluster=args.dask)
    except LayoutError as exc:
        return _usage_error(str(exc), args.json)
    except OSError as exc:  # the disk stayed full: nothing more can be written (grade_batch says what is kept)
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        print(f"error: {exc.strerror}", file=sys.stderr)
        if args.json:
            print(json.dumps({"version": 1, "error": exc.strerror}), flush=True)
        return 1
    data = None
    if args.no_reports and deadlines is not None:  # results and grades.csv say the late penalties all the same
        apply_deadlines(summary.results_dir, deadlines)
    if not args.no_reports:  # every file first: feedback.html per submission, report.html, --gradebook
        data = write_reports(summary.results_dir, gradebook=gradebook_of(args.gradebook), show=False,
                             deadlines=deadlines, course=course_folder(args.gradebook, args.course),
                             publish_answers=args.publish_answers)
    # the similarity report last: whatever a submission does to it, every grade and page above is written
    similar = _similarity(args, summary) if args.similarity and not summary.interrupted else None
    if similar and data is not None and not similar.startswith("Similarity: not written"):
        write_reports(summary.results_dir, feedback=False, show=False, deadlines=deadlines,  # report.html links it
                      course=course_folder(args.gradebook, args.course))
    print_batch(summary, out=sys.stderr if args.json else sys.stdout, table=args.no_reports,
                  submitted_label=args.submitted)
    if similar:
        print(similar, file=sys.stderr if args.json else sys.stdout)
    if data is not None:
        show_reports(summary.results_dir, data, json_output=args.json)
    if summary.interrupted:
        print(resume_line(summary), file=sys.stderr)
        return INTERRUPTED
    return 0 if summary.ok else 1
