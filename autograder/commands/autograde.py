"""``python -m autograder autograde SUBMITTED_DIR --out RESULTS_DIR …``

Grades a folder of submissions (nbgrader's layout) in the sandbox, writes
every file (results, grades.csv, summary.json, then the feedback pages and
the class report), and only then prints: a closed pipe (``| head -1``) loses
output, never files. The work is :func:`autograder.engine.batch.grade_batch`.

The course's deadlines (:mod:`autograder.nbgrader_io.course_deadlines`) are read first, so a
mistake in them stops the command before anything is graded; they are applied to the results
when the reports are written (:mod:`autograder.model.penalties`), never while grading.

With ``--previous OLD`` the run is a regrade: OLD (an earlier run's results folder) is checked before anything
is graded (:mod:`autograder.model.previous`: another course's, problem sets' or major version's results are
refused), and once graded the new results are set against it (:mod:`autograder.model.regrade_step`):
``changes.csv``, ``changes.html`` and ``regrade.json`` in the new folder, ``--keep-higher`` and the
``--decisions`` on regrade requests applied. Nothing under OLD is written.

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

from autograder.engine import required_mode
from autograder.engine.batch import grade_batch
from autograder.engine.batch_plan import SubmissionTimes, parse_shard
from autograder.engine.grading_run import BatchSummary
from autograder.model.course import ROOT
from autograder.model.deadlines import DeadlinesError
from autograder.model.files import SIMILARITY_DIR
from autograder.model.grades import grades_table
from autograder.model.invariant import known
from autograder.model.previous import Previous, read_previous
from autograder.model.regrade_requests import Decided, read_decisions
from autograder.model.regrade_step import RegradeRun, lines, regrade_step
from autograder.model.results import SubmissionResult
from autograder.model.submission_time import Exchange, SubmissionTime, from_ci, from_text
from autograder.model.submissions import LayoutError
from autograder.nbgrader_io.course_deadlines import course_folder, load
from autograder.nbgrader_io.course_gradebook import gradebook_of
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.confinement.modes import MODES
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
    parser.add_argument("--sandbox", default=None, choices=MODES, metavar="MODE",
                        help="the weakest sandbox mode to grade in: root > uid > userns > weak (default: the strongest "
                             "available, weak included with a warning); in a weaker mode nothing is graded, and the "
                             "error says why that mode is not available here and what to do (docs/instructors.md, "
                             "\"Sandbox modes\")")
    parser.add_argument("--similarity", action="store_true",
                        help="also compare the students' code (RESULTS_DIR/similarity/, linked from the class report; "
                             "`python -m autograder similarity` writes it alone)")
    parser.add_argument("--previous", default=None, metavar="OLD",
                        help="grade again against an earlier run's results folder OLD (never written): writes "
                             "RESULTS_DIR/changes.csv (each graded cell whose points moved, and why), changes.html "
                             "(linked from the class report) and regrade.json (the run)")
    parser.add_argument("--keep-higher", action="store_true",
                        help="with --previous: keep each student's earlier total for a problem set where the new one "
                             "is lower (results, feedback and grades.csv say so)")
    parser.add_argument("--decisions", default=None, metavar="FILE",
                        help="with --previous: apply the instructor's decisions on regrade requests (the "
                             "decisions.csv that `python -m autograder requests OLD` wrote, filled in)")
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


def _previous(args: argparse.Namespace) -> tuple[Previous | None, list[Decided]]:
    """``--previous`` and ``--decisions``, checked before anything is graded (raises ValueError with the reason)."""
    if args.previous is None:
        if args.keep_higher or args.decisions:
            raise ValueError("--keep-higher and --decisions need --previous OLD (the earlier run's results folder)")
        return None, []
    if args.shard:
        raise ValueError("--previous compares a whole class: grade without --shard (or merge the shards first and "
                         "grade again with --previous)")
    previous = read_previous(args.previous, args.out, args.course or ROOT)
    return previous, read_decisions(args.decisions) if args.decisions else []


def _regrade_options(args: argparse.Namespace) -> dict[str, object]:
    """What regrade.json records of the command line."""
    return {"decisions": str(Path(args.decisions).resolve()) if args.decisions else None,
            "submitted": str(Path(args.submitted).resolve()), "out": str(Path(args.out).resolve()),
            "course": str(Path(args.course).resolve()) if args.course else None, "assignment": args.assignment,
            "student": args.student, "force": args.force, "gradebook": args.gradebook, "timeout": args.timeout,
            "memory": args.memory, "submitted_at": args.submitted_at}


def _refused_options(args: argparse.Namespace, shard: object) -> str | None:
    """Why these options cannot grade together (or here), or None."""
    if args.timeout <= 0 or args.memory <= 0 or (args.workers is not None and args.workers < 1):
        return "--timeout, --memory and --workers must be positive"
    if args.dask is not None and importlib.util.find_spec("distributed") is None:
        return ("--dask needs Dask's distributed scheduler: install the grader with its extra, "
                "pip install '.[dask]' (or pip install 'dask[distributed]')")
    if why := required_mode.check_request(args.sandbox):  # AUTOGRADER_SANDBOX_MODE too: checked once, here
        return why
    if args.sandbox is not None and args.dask is not None:
        return ("--sandbox is checked on this machine's sandbox, not yet on a Dask cluster's workers: "
                "each worker's mode is in summary.json (sandbox) and every results.json "
                "(execution.sandbox.mode)")
    if args.similarity and shard:
        return ("--similarity compares the whole class, not a shard: run `python -m autograder "
                "similarity SUBMITTED_DIR --out RESULTS_DIR/similarity` once")
    return None


def run(args: argparse.Namespace) -> int:
    try:
        shard = parse_shard(args.shard) if args.shard else None
        when = submitted_at(args.submitted_at)
        deadlines = load(course_folder(args.gradebook, args.course))  # checked before anything is graded
        previous, decided = _previous(args)  # so are an earlier run and the decisions on regrade requests
    except (ValueError, DeadlinesError) as exc:  # (PreviousError and RequestsError are ValueErrors)
        return _usage_error(str(exc), args.json)
    if why := _refused_options(args, shard):
        return _usage_error(why, args.json)
    limits = Limits(timeout_s=args.timeout, memory_mb=args.memory, budget_s=max(120.0, 12 * args.timeout))
    try:
        with batch_progress() as on_event:
            summary = grade_batch(args.submitted, args.out, workers=args.workers, assignments=args.assignment,
                                  students=args.student, shard=shard, force=args.force, course_dir=args.course,
                                  limits=limits, on_event=on_event, submitted_at=when, cluster=args.dask,
                                  sandbox=args.sandbox)
    except LayoutError as exc:
        return _usage_error(str(exc), args.json)
    except OSError as exc:  # the disk stayed full: nothing more can be written (grade_batch says what is kept)
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        print(f"error: {exc.strerror}", file=sys.stderr)
        if args.json:
            print(json.dumps({"version": 1, "error": exc.strerror}), flush=True)
        return 1
    if summary.refused:
        print(f"error: {summary.refused}", file=sys.stderr)
        if args.json:
            print(json.dumps({"version": 1, "error": summary.refused}), flush=True)
        return 1
    data = None
    done: list[RegradeRun] = []

    def step(results: list[SubmissionResult]) -> list[SubmissionResult]:  # the regrade, once the results are in
        regraded, found = regrade_step(summary.results_dir, results, known(previous, "bound with --previous"),
                                       keep_higher=args.keep_higher, decided=decided, deadlines=deadlines,
                                       options=_regrade_options(args))
        done.append(found)
        return regraded

    regrade = step if previous is not None and not summary.interrupted else None
    if args.no_reports and (deadlines is not None or regrade is not None):  # results and grades.csv say the
        results = apply_deadlines(summary.results_dir, deadlines)           # late penalties all the same
        if regrade is not None:
            regrade(results)
    if not args.no_reports:  # every file first: feedback.html per submission, report.html, --gradebook
        data = write_reports(summary.results_dir, gradebook=gradebook_of(args.gradebook), show=False,
                             deadlines=deadlines, course=course_folder(args.gradebook, args.course),
                             publish_answers=args.publish_answers, regrade=regrade)
        if done:
            data["regrade"] = done[0].record
    # the similarity report last: whatever a submission does to it, every grade and page above is written
    similar = _similarity(args, summary) if args.similarity and not summary.interrupted else None
    if similar and data is not None and not similar.startswith("Similarity: not written"):
        write_reports(summary.results_dir, feedback=False, show=False, deadlines=deadlines,  # report.html links it
                      course=course_folder(args.gradebook, args.course))
    print_batch(summary, out=sys.stderr if args.json else sys.stdout, table=args.no_reports,
                  submitted_label=args.submitted)
    if similar:
        print(similar, file=sys.stderr if args.json else sys.stdout)
    for line in lines(done[0], args.previous, summary.results_dir, page=data is not None) if done else ():
        print(line, file=sys.stderr if args.json or line.startswith("warning:") else sys.stdout)
    if previous is not None and summary.interrupted:
        print(f"The regrade against {args.previous} is written when the run completes.", file=sys.stderr)
    if data is not None:
        show_reports(summary.results_dir, data, json_output=args.json)
    if summary.interrupted:
        print(resume_line(summary), file=sys.stderr)
        return INTERRUPTED
    return 0 if summary.ok else 1
