"""One planned batch's grading, whichever runner grades it: the local pool or a cluster's, side by side.

A batch is planned once (:mod:`autograder.engine.batch_plan`: which
submissions, which shard, when each was handed in) and its problem sets are
loaded once (:func:`load_assignment`: the source notebook, the checks, the
references); then a runner grades it — the local pool of worker threads
(:mod:`autograder.engine.local_pool`) or a Dask cluster
(:mod:`autograder.engine.dask_runner`) — and records every outcome through
the same :class:`GradingRun` (:meth:`GradingRun.write`, :meth:`GradingRun.fail`),
so that the results and the batch's :class:`BatchSummary` never know which
runner graded them. :mod:`autograder.engine.batch` chooses the runner.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from autograder.checks.by_name import checks_for
from autograder.checks.check import Check
from autograder.checks.digest import problem_set_evidence
from autograder.checks.references import reference
from autograder.engine.batch_plan import SubmissionTimes, submission_results_path, submission_time
from autograder.engine.disk_incidents import Ledger, Room
from autograder.engine.grade import unreadable_results
from autograder.engine.zygote_keeper import ZygoteKeeper
from autograder.model import course
from autograder.model import results as results_model
from autograder.model.files import StrPath
from autograder.model.graded_with import GradedWith, completed
from autograder.model.notebook import SourceNotebook, load_source
from autograder.model.results import SubmissionResult
from autograder.model.submission_time import SubmissionTime
from autograder.model.submissions import Submission
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision.zygote_parent import DISK_FULL, GraderError

#: A problem set as a batch grades it: its source notebook and its checks (``grade_id -> Check``).
Loaded = tuple[SourceNotebook, dict[str, Check]]


class Emit(Protocol):
    """:func:`_emitter`'s ``emit(kind, submission, data=None)``: ``on_event`` under a lock."""

    def __call__(self, kind: str, sub: Submission | None, data: Any = None) -> None: ...


@dataclass
class BatchSummary:
    """What a batch did; :meth:`to_dict` is summary.json."""

    submitted_dir: str
    results_dir: str
    total: int = 0
    graded: int = 0
    skipped_existing: int = 0
    #: ``[{"student", "assignment", "error"}]``: no results.json (the instructor's problem)
    failed: list = field(default_factory=list)
    #: ``[{"student", "assignment", "error"}]``: results.json with score 0 because grading it failed
    grading_errors: list = field(default_factory=list)
    duration_s: float = 0.0
    notebooks_per_s: float = 0.0
    workers: int = 0
    shard: str | None = None
    sandbox: dict = field(default_factory=dict)
    #: ``[{"path", "reason", "suggestion"}]``: what under submitted/ was not graded
    not_graded: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    interrupted: bool = False
    zygote_restarts: int = 0
    #: ``[{"kind", "submission", "detail", "at_s", "until_s", "graded_again"}]``: what the disk watch saw
    #: (``uid`` mode, :mod:`autograder.engine.disk_incidents`)
    incidents: list = field(default_factory=list)
    #: ``[{"worker", "name", "at_s", "notebooks"}]``: Dask workers lost mid-batch and the notebooks in flight there,
    #: which Dask graded again on other workers (:mod:`autograder.engine.dask_runner`)
    lost_workers: list = field(default_factory=list)
    grades_csv: str = ""
    summary_json: str = ""
    #: Why nothing was graded: the sandbox is weaker than the mode required (:mod:`.required_mode`); "" otherwise
    refused: str = ""

    @property
    def ok(self) -> bool:
        """Every submission got a results.json (whatever it scored)."""
        return not self.failed

    @property
    def ignored(self) -> list:
        """Paths (under submitted/) of what was not graded."""
        return [n["path"] for n in self.not_graded]

    def to_dict(self) -> dict:
        """The batch fields of summary.json (:mod:`autograder.model.summary`)."""
        return {
            "submitted_dir": self.submitted_dir,
            "results_dir": self.results_dir,
            "submissions": self.total,
            "graded": self.graded,
            "skipped_existing": self.skipped_existing,
            "failed_to_grade": len(self.failed),
            "failures": self.failed,
            "grading_errors": self.grading_errors,
            "duration_s": round(self.duration_s, 3),
            "notebooks_per_s": round(self.notebooks_per_s, 3),
            "workers": self.workers,
            "shard": self.shard,
            "sandbox": self.sandbox,
            "not_graded": self.not_graded,
            "warnings": self.warnings,
            "interrupted": self.interrupted,
            "zygote_restarts": self.zygote_restarts,
            "incidents": self.incidents,
            "lost_workers": self.lost_workers,
        }


def forbidden_names(check_dicts: Iterable[Mapping[str, Check]]) -> list[str]:
    """Every name any of the checks forbids (pinned in the zygote before student code)."""
    return sorted({name for checks in check_dicts for check in checks.values() for name in check.forbidden})


def load_assignment(course_dir: StrPath, assignment: str) -> Loaded:
    """(source notebook, checks) of one assignment, its references computed; raises GraderError. Loaded once per
    batch (by the machine that plans it, and by each Dask worker from the source notebook's bytes)."""
    path = Path(course_dir) / "source" / assignment / f"{assignment}.ipynb"
    try:
        source = load_source(path, assignment)
    except ValueError as exc:
        raise GraderError(str(exc)) from None
    try:
        checks = checks_for(assignment)
    except ImportError as exc:
        raise GraderError(f"no checks for {assignment}: {exc}") from None
    # (nbgrader: a graded cell has a grade_id)
    tests = cast(list[tuple[str, float]], source.tests)
    missing = [gid for gid, _ in tests if gid not in checks]
    if missing:
        raise GraderError(f"{assignment}: graded cells without a check: {', '.join(missing)}")
    if not source.tests:
        raise GraderError(f"{assignment}: the source notebook has no graded test cells")
    for plan, cells in ((course.GRADE_CELLS, tests), (course.ANSWER_CELLS, source.answers)):
        planned = dict(plan.get(assignment, ())) if assignment in course.FUNCTIONS else {}
        if planned and {gid: float(p) for gid, p in planned.items()} != dict(cells):
            differ = sorted(set(planned) ^ {gid for gid, _ in cells}) or [
                gid for gid, p in cells if float(planned.get(gid, -1)) != p]
            source.warnings.append(f"{assignment}: the source notebook's graded cells or points differ from the "
                                   f"course plan, autograder.model.course ({', '.join(differ[:5])}); the notebook's "
                                   "count")
    # references once per batch, here in one thread (invoke uses warnings.catch_warnings)
    for gid, _ in source.tests:
        for index in range(len(checks[gid].probes)):
            reference(checks[gid], index)
    return source, checks


class GradingRun:
    """The grading of one planned batch, whichever runner grades it: its problem sets (``loaded``), limits and
    results folder, and :meth:`write` and :meth:`fail`, the one way a submission's outcome is recorded (the local
    pool, :class:`~autograder.engine.local_pool.LocalPool`, and a cluster's runner,
    :mod:`autograder.engine.dask_runner`, both record through them); ``stop`` is set when the batch is
    interrupted. ``keeper``: the local sandbox (told what the grader writes), None on a cluster."""

    def __init__(self, loaded: Mapping[str, Loaded], results_dir: Path, limits: Limits,
                 keeper: ZygoteKeeper | None, summary: BatchSummary, emit: Emit,
                 submitted_at: SubmissionTime | SubmissionTimes | None = None, room: Room | None = None) -> None:
        self.loaded, self.results_dir, self.limits = loaded, results_dir, limits
        self.submitted_at = submitted_at
        self.keeper, self.summary, self.emit = keeper, summary, emit
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.ledger = Ledger()  # the runs, for the disk's incidents (uid mode: disk_incidents)
        self.room = room or Room()
        self.evidence: dict[str, GradedWith] = {}  # per problem set: what every result records it was graded with

    def prepare(self) -> None:
        """Every problem set's part of ``graded_with`` now (0.35 CPU-seconds for the six), while the sandbox still
        starts, rather than under the lock in each set's first result."""
        for assignment in self.loaded:
            with self.lock:
                if assignment not in self.evidence:
                    self.evidence[assignment] = problem_set_evidence(*self.loaded[assignment])

    def graded_with(self, sub: Submission, data: SubmissionResult) -> GradedWith:
        """``data``'s ``graded_with`` record (:mod:`autograder.model.graded_with`): its problem set's part,
        computed once, completed with its own."""
        with self.lock:
            if sub.assignment not in self.evidence:
                self.evidence[sub.assignment] = problem_set_evidence(*self.loaded[sub.assignment])
        return completed(self.evidence[sub.assignment], data.graded_with, data.student_code, data.autograded_scores)

    def write(self, sub: Submission, source: SourceNotebook, data: SubmissionResult) -> None:
        path = submission_results_path(self.results_dir, sub)
        before = results_model.read_result(path) if path.exists() else None  # (a resubmission's previous time)
        data.submitted = submission_time(sub, self.submitted_at, before.submitted if before is not None else None)
        data.graded_with = self.graded_with(sub, data)
        try:
            _write_with_room(path, data, self.keeper, self.room)
        except OSError as exc:
            if exc.errno in DISK_FULL:  # still full after waiting: the instructor's to fix (a rerun grades it)
                raise OSError(exc.errno, f"its results could not be written: the disk is full ({exc.strerror})") \
                    from None
            raise
        except Exception as exc:  # noqa: BLE001 — e.g. a value the child forged; the reason instead
            data = unreadable_results(sub.student, sub.assignment, source,
                                      "the grader could not record the results of this notebook",
                                      f"{type(exc).__name__}: {str(exc)[:2000]}")
            data.submitted = submission_time(sub, self.submitted_at)
            data.graded_with = self.graded_with(sub, data)
            _write_with_room(path, data, self.keeper, self.room)
        with self.lock:
            self.summary.graded += 1
            if data.grading_error:
                self.summary.grading_errors.append({"student": sub.student, "assignment": sub.assignment,
                                                    "error": data.grading_error})
        self.emit("graded", sub, data)

    def fail(self, sub: Submission, error: str) -> None:
        if self.stop.is_set():
            return  # interrupted: a rerun grades it
        with self.lock:
            self.summary.failed.append({"student": sub.student, "assignment": sub.assignment, "error": error})
        self.emit("failed", sub, error)


def _write_with_room(path: Path, data: SubmissionResult, keeper: ZygoteKeeper | None, room: Room) -> None:
    """:func:`~autograder.model.results.write_results` once there is room (:class:`Room`); then the disk watch is
    told what the grader wrote."""
    room.retry(lambda: results_model.write_results(path, data))
    if keeper is not None:
        keeper.wrote(path)
