"""A batch: plan it, grade every submission with N workers, write the batch files.

:func:`grade_batch` is the engine's entry point (the CLI and the demo call it);
``on_event`` lets a caller follow along (progress bars, live tables). Its steps:

1. **plan** – :func:`autograder.engine.batch_plan.plan_batch`: the submissions scanned (no symlink followed;
   everything not graded listed with a reason), this shard's students, and
   which submissions already have results (a rerun keeps them, except those
   whose grading failed);
2. **load** – each problem set's source notebook and checks once
   (:func:`autograder.engine.grading_run.load_assignment`); a problem set that cannot be loaded is the
   instructor's error, reported per submission in ``summary.failed``;
3. **grade** – by one of two runners of the same :class:`~autograder.engine.grading_run.GradingRun`, side by
   side: the local pool (:mod:`autograder.engine.local_pool`), whose worker threads, two sandbox slots each (in
   turns: :data:`~autograder.engine.zygote_keeper.SLOTS_PER_WORKER`), share one zygote kept alive by
   :class:`~autograder.engine.zygote_keeper.ZygoteKeeper`, or a Dask cluster (:mod:`autograder.engine.dask_runner`,
   with ``cluster``). Whatever goes wrong in the parent while
   grading one submission (a broken zygote twice in a row, a grader bug
   triggered by what the child sent, a result that cannot be written)
   becomes **that submission's** results.json: score 0, the reason, and the
   details in ``summary.grading_errors`` for the instructor; the batch goes on;
4. **finish** – grades.csv and summary.json, owned by the ``sudo`` user.

Each results.json records when its submission was handed in (``submitted``,
:func:`autograder.engine.batch_plan.submission_time`): nbgrader's ``timestamp.txt`` beside the
notebook, or the time the caller read where its platform keeps it (Gradescope's
metadata, the CI's push or pipeline time: ``submitted_at``). A result kept from an
earlier run gets its time read again (a corrected ``timestamp.txt`` counts without
grading again). No penalty is computed here: that is the reports' step.

Ctrl-C (``KeyboardInterrupt`` in the main thread) stops the batch quickly:
nothing more is handed out, the sandbox is closed (its children killed), the
submissions in flight are dropped (no half-graded result is written), and
the batch files are written for what finished; ``summary.interrupted`` says
so and a rerun grades the rest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from autograder.checks.forbidden import ALL as ALL_FORBIDDEN
from autograder.engine import reference_process, required_mode
from autograder.engine.batch_plan import SubmissionTimes, plan_batch, refresh_times, submission_results_path
from autograder.engine.disk_incidents import Room
from autograder.engine.grading_run import BatchSummary, Emit, GradingRun, Loaded, forbidden_names, load_assignment
from autograder.engine.local_pool import LocalPool
from autograder.engine.zygote_keeper import SLOTS_PER_WORKER, ZygoteKeeper
from autograder.model import course
from autograder.model import results as results_model
from autograder.model import summary as summary_file
from autograder.model.cores import cores
from autograder.model.files import SUMMARY_FILE, StrPath, hand_over, make_dirs
from autograder.model.grades import write_grades_csv
from autograder.model.submission_time import SubmissionTime
from autograder.model.submissions import Submission
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision.zygote_parent import DISK_FULL, GraderError, default_hidden
from autograder.reading.library import load_tables

#: What :func:`grade_batch` calls at each event: ``on_event(kind, submission, data)`` (see there).
OnEvent = Callable[[str, Submission | None, Any], None]


__all__ = ["default_workers", "grade_batch"]


def default_workers() -> int:
    """Worker threads when the caller names none: one more than the cores this process may use
    (:func:`autograder.model.cores.cores`: a container's CPU quota or cpuset counts, not the host's cores).

    A worker alternates between the parent (reading and judging, under the GIL) and its child (running the
    submission), and waits at every request in between; with one worker per core a core idles whenever both
    wait at once. Measured on 2 cores, the benchmark's 30-student batch: 9.59 s with 3 workers against 9.90 s
    with 2 (5 runs each, alternated).
    """
    return cores() + 1


def _account_missing(todo: Iterable[Submission], results_dir: Path, summary: BatchSummary, emit: Emit) -> None:
    """A submission of ``todo`` with neither a results.json nor a failure entry is a failure."""
    if summary.interrupted:
        return
    done = {(f["student"], f["assignment"]) for f in summary.failed}
    for sub in todo:
        if (sub.student, sub.assignment) not in done and not results_model.read_result(
                submission_results_path(results_dir, sub)).complete:
            summary.failed.append({"student": sub.student, "assignment": sub.assignment,
                                   "error": "not graded: a worker stopped before reaching it"})
            emit("failed", sub, "not graded")


def grade_batch(submitted_dir: StrPath, results_dir: StrPath, *, workers: int | None = None,
                assignments: Iterable[str] | None = None, students: Iterable[str] | None = None,
                shard: tuple[int, int] | None = None, force: bool = False, course_dir: StrPath | None = None,
                limits: Limits | None = None, on_event: OnEvent | None = None, hide: Iterable[StrPath] = (),
                submitted_at: SubmissionTime | SubmissionTimes | None = None,
                cluster: str | None = None, sandbox: str | None = None) -> BatchSummary:
    """Grade every submission of ``submitted_dir`` into ``results_dir``.

    ``shard`` is ``(i, n)``; ``on_event(kind, submission, data)`` is called
    (under a lock) with ``kind`` in ``start`` (data: counts), ``graded``
    (data: results), ``skipped`` (data: results path), ``failed`` (data:
    error text). ``submitted_at``: the submission time of every submission of the batch, read by the caller
    where its platform records it (default: each folder's ``timestamp.txt``). ``cluster``: a Dask scheduler's
    address (or scheduler file, or ``env``) to grade on instead of this machine's workers
    (:mod:`autograder.engine.dask_runner`; planned, timed and written here all the same). ``sandbox``: the weakest
    sandbox mode to grade in (:mod:`autograder.engine.required_mode`): in a weaker one nothing is graded, every
    submission is failed with why and ``summary.refused`` says it. Returns a
    :class:`BatchSummary`; ``summary.ok`` is False only
    when some submission got no results.json because of the instructor's
    setup (a problem set that cannot be loaded, a sandbox that cannot start).

    Raises
    ------
    LayoutError
        The submissions folder is missing or empty, or the filters match
        nothing (:func:`autograder.model.submissions.scan`).
    """
    started = time.monotonic()
    course_dir = Path(course_dir or course.ROOT).resolve()
    submitted_dir, results_dir = Path(submitted_dir).resolve(), Path(results_dir).resolve()
    limits = limits or Limits()
    summary = BatchSummary(str(submitted_dir), str(results_dir), shard=f"{shard[0]}/{shard[1]}" if shard else None)
    emit = _emitter(on_event, summary)
    room = Room()
    plan = plan_batch(submitted_dir, results_dir, course_dir, assignments, students, shard, force)
    todo, kept, summary.not_graded, summary.total = plan.todo, plan.kept, plan.not_graded, len(plan.todo + plan.kept)
    make_dirs(results_dir)
    refresh_times(kept, results_dir, submitted_at)
    for sub in kept:
        summary.skipped_existing += 1
        emit("skipped", sub, submission_results_path(results_dir, sub))
    emit("start", None, {"total": summary.total, "todo": len(todo), "skipped": summary.skipped_existing})
    keeper, launch_error = None, ""
    threads = min(max(1, int(workers or default_workers())), len(todo)) if todo else 0
    if todo:
        summary.workers = threads
    try:
        if _runs_code(todo) and cluster is None:  # the sandbox warms up (seconds of imports) while the checks load
            hidden = default_hidden(course_dir, submitted_dir, results_dir) + [str(h) for h in hide]
            keeper, launch_error = _launch(hidden, threads)
        loaded = _load_assignments(course_dir, todo, summary, emit)
        todo = [s for s in todo if s.assignment in loaded]
        if keeper is not None and not _runs_code(todo):  # nothing left to run in it: not waited for
            keeper.close()
        if todo and cluster is not None:
            _grade_on_cluster(cluster, todo, loaded, results_dir, limits, summary, emit, submitted_at, room)
        elif todo:
            _grade(todo, loaded, results_dir, limits, threads, keeper, launch_error, summary, emit, submitted_at, room,
                   sandbox)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        # (the pool's exit waits for its thread: grade_batch leaves none behind, and the reports may fork)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="closing-the-sandbox") as pool:
            closed = _close_meanwhile(pool, keeper, summary)
            try:
                reference_process.close_all()
                _account_missing(todo, results_dir, summary, emit)
                _finish(summary, results_dir, started, room)
            finally:
                if closed is not None:
                    closed.result()
    return summary


def _close_meanwhile(pool: ThreadPoolExecutor, keeper: ZygoteKeeper | None,
                     summary: BatchSummary) -> Future[None] | None:
    """Close ``keeper``'s zygote in ``pool``'s thread while the batch files are written: its spare children killed
    and checked gone, slot by slot (0.2 s of the zygote's time at the end of the 30-student batch, which the grader
    spent waiting). The close's future (its ``result()`` raises what the close raised); None without a zygote."""
    if keeper is None:
        return None
    summary.zygote_restarts = keeper.restarts  # (all counted: no worker is left to restart it)
    return pool.submit(keeper.close)


def _emitter(on_event: OnEvent | None, summary: BatchSummary) -> Emit:
    """``emit(kind, submission, data)``: ``on_event`` under a lock; a display that fails becomes a
    warning of the summary, never a failure of the grading."""
    lock = threading.Lock()

    def emit(kind: str, sub: Submission | None, data: Any = None) -> None:
        if on_event is not None:
            with lock:
                try:
                    on_event(kind, sub, data)
                except Exception as exc:  # noqa: BLE001
                    warning = f"the progress display failed ({type(exc).__name__}: {exc})"[:300]
                    if warning not in summary.warnings:
                        summary.warnings.append(warning)

    return emit


def _runs_code(todo: Iterable[Submission]) -> bool:
    """Whether a submission of ``todo`` has a notebook to run in the sandbox (one with a ``problem``, e.g. an
    empty folder or two notebooks under other names, gets its score 0 and reason without it)."""
    return any(not sub.problem for sub in todo)


def _launch(hidden: list[str], workers: int) -> tuple[ZygoteKeeper | None, str]:
    """``(keeper, "")`` with the zygote's process started, or ``(None, why)`` when it cannot start."""
    try:
        return ZygoteKeeper(hidden, SLOTS_PER_WORKER * workers, prepare=ALL_FORBIDDEN).launch(), ""
    except (GraderError, OSError) as exc:
        return None, str(exc)


def _load_assignments(course_dir: Path, todo: list[Submission], summary: BatchSummary,
                      emit: Emit) -> dict[str, Loaded]:
    """``{problem set: (source, checks)}`` of the problem sets in ``todo`` that load; the submissions of
    one that does not are failed with the reason (the instructor's to fix)."""
    loaded: dict[str, Loaded] = {}
    for ps in sorted({s.assignment for s in todo}):
        try:
            loaded[ps] = load_assignment(course_dir, ps)
            summary.warnings.extend(loaded[ps][0].warnings)
        except GraderError as exc:
            for sub in (s for s in todo if s.assignment == ps):
                summary.failed.append({"student": sub.student, "assignment": ps, "error": str(exc)})
                emit("failed", sub, str(exc))
    return loaded


def _grade(todo: list[Submission], loaded: Mapping[str, Loaded], results_dir: Path, limits: Limits, workers: int,
           keeper: ZygoteKeeper | None, launch_error: str, summary: BatchSummary, emit: Emit,
           submitted_at: SubmissionTime | SubmissionTimes | None = None, room: Room | None = None,
           required: str | None = None) -> None:
    """Wait for the launched sandbox, then grade ``todo`` with ``workers`` threads (without a sandbox when
    none of them has a notebook to run: ``summary.sandbox`` then stays empty, as for a batch that ran nothing)."""
    if not _runs_code(todo):
        LocalPool(GradingRun(loaded, results_dir, limits, keeper, summary, emit, submitted_at, room), todo).run(workers)
        return
    run = GradingRun(loaded, results_dir, limits, keeper, summary, emit, submitted_at, room)
    try:
        if keeper is None:
            raise GraderError(launch_error)
        load_tables()  # (the purity reader's libraries, while the zygote still imports: not in a first reading)
        run.prepare()  # (what every result records it was graded with, meanwhile too)
        keeper.ready(forbidden_names(checks for _, checks in loaded.values()))
    except (GraderError, OSError) as exc:
        for sub in todo:
            summary.failed.append({"student": sub.student, "assignment": sub.assignment,
                                   "error": f"the sandbox could not start: {exc}"})
            emit("failed", sub, "the sandbox could not start")
        return
    summary.sandbox = keeper.sandbox
    summary.sandbox["line"] = summary_file.sandbox_line(summary.sandbox)
    summary.refused = required_mode.refusal(required, summary.sandbox)
    if summary.refused:  # a weaker sandbox than the instructor requires: nothing runs in it
        for sub in todo:
            summary.failed.append({"student": sub.student, "assignment": sub.assignment, "error": summary.refused})
            emit("failed", sub, "the sandbox is weaker than required")
        return
    if summary.sandbox.get("one_at_a_time"):  # no cgroup: a submission's processes together are not limited
        workers = summary.workers = 1
    LocalPool(run, todo).run(workers)
    summary.incidents, lines = run.ledger.report(keeper.disk_incidents(), run.started)
    summary.warnings.extend(lines)


def _grade_on_cluster(cluster: str, todo: list[Submission], loaded: Mapping[str, Loaded], results_dir: Path,
                      limits: Limits, summary: BatchSummary, emit: Emit,
                      submitted_at: SubmissionTime | SubmissionTimes | None, room: Room) -> None:
    """Grade ``todo`` on the Dask cluster ``cluster``, recording each outcome through a :class:`GradingRun` as a
    local batch does; a cluster that cannot be used fails every submission with the reason (the instructor's to
    fix). Each worker's sandbox watches its own disk (``uid`` mode): a run a full disk spoilt is graded again there,
    as a local batch's is, and each worker's incidents come back in ``summary.incidents``, with its name
    (:mod:`.dask_runner`)."""
    from autograder.engine import dask_runner  # (the optional extra `pip install .[dask]`: only with --dask)

    run = GradingRun(loaded, results_dir, limits, None, summary, emit, submitted_at, room)
    run.prepare()  # (what every result records it was graded with: before the first result, not under its lock)
    try:
        dask_runner.grade_on_dask(cluster, run, todo, forbidden_names(checks for _, checks in loaded.values()))
    except GraderError as exc:
        for sub in todo:
            if not results_model.read_result(submission_results_path(results_dir, sub)).complete:
                run.fail(sub, str(exc))
    except KeyboardInterrupt:
        run.stop.set()
        summary.interrupted = True


def _finish(summary: BatchSummary, results_dir: Path, started: float, room: Room) -> None:
    """grades.csv and summary.json, handed to the ``sudo`` user. Raises ``OSError`` when the disk stays full."""
    summary.duration_s = time.monotonic() - started
    summary.notebooks_per_s = summary.graded / summary.duration_s if summary.graded and summary.duration_s > 0 else 0.0
    try:
        summary.grades_csv = str(room.retry(lambda: write_grades_csv(results_dir)))
        summary.summary_json = str(room.retry(lambda: summary_file.write(results_dir / SUMMARY_FILE,
                                                                         [summary.to_dict()])))
    except OSError as exc:
        if exc.errno not in DISK_FULL:
            raise
        raise OSError(exc.errno, f"grades.csv and summary.json could not be written in {results_dir}: the disk is "
                                 f"full ({exc.strerror}); what was graded is kept: run again once there is room") \
            from None
    hand_over(results_dir)
