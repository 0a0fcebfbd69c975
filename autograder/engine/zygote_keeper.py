"""The batch's one zygote kept alive, and one submission graded in it whatever happens to the zygote.

:class:`ZygoteKeeper` owns the restart policy (one owner, a cap per batch), for a local batch
(:mod:`autograder.engine.batch`) and for each Dask worker (:mod:`autograder.engine.dask_runner`).
:func:`grade_in_sandbox` is the retry and regrade policy of one submission around it, the one both a local batch's
workers (:meth:`autograder.engine.local_pool.LocalPool.grade_one`) and a Dask worker
(:mod:`autograder.engine.dask_runner`) grade through: two attempts when the sandbox broke under it, and a run
that a full disk or a neighbour's flood spoilt graded again once there is room.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from typing import Any

from autograder.checks.check import Check
from autograder.engine import disk_incidents, grade
from autograder.engine.disk_incidents import MAX_REGRADES, Ledger, Room, Run, spoilt
from autograder.model import results as results_model
from autograder.model.files import StrPath
from autograder.model.invariant import known
from autograder.model.notebook import SourceNotebook
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision.disk_watch import Incident
from autograder.perimeter.supervision.zygote_parent import DiskFull, GraderError, Zygote, ZygoteLost

#: Sandbox slots per worker thread, taken in turns (by the local pool's threads and a Dask worker's alike): the
#: zygote forks a slot's next child (its spare) when the slot's child is killed, and that takes 10-25 ms (a fork of a
#: 140 MB process, three in ``userns`` mode, the namespaces, the mounts). With one slot a worker waited for it at
#: every notebook (5 s of the 30-student batch's 2 workers); with two the spare of the slot it takes next was forked
#: a whole notebook earlier. Each slot keeps its own uid, cgroup and network namespace; at most one child per worker
#: runs student code at a time.
SLOTS_PER_WORKER = 2



class ZygoteKeeper:
    """The batch's one zygote, kept alive.

    Restart policy, one owner: the :class:`~autograder.perimeter.supervision.zygote_parent.Zygote`
    object is the batch's for its whole life, and only its
    :meth:`~autograder.perimeter.supervision.zygote_parent.Zygote.restart` replaces its process —
    when a spawn fails, or when a worker finds it dead (:meth:`get`) — at
    most :data:`~autograder.perimeter.supervision.zygote_parent.MAX_RESTARTS` times in the batch,
    all counted in ``summary.zygote_restarts``. A call or cell that was cut
    by a restart (its child died with the zygote) is never scored: the
    session raises :class:`~autograder.perimeter.supervision.zygote_parent.ZygoteLost` and the
    submission is graded again. Once the cap is reached, or when a zygote
    cannot be started, :meth:`get` raises ``GraderError`` and the rest of
    the batch is the instructor's to fix.
    """

    def __init__(self, hide: Iterable[StrPath], slots: int, forbidden: Iterable[str] = (),
                 prepare: Iterable[str] = ()) -> None:
        self._args: dict[str, Any] = dict(hide=hide, slots=slots, forbidden=forbidden, prepare=prepare)
        self._lock = threading.Lock()
        self._zygote: Zygote | None = None
        self.closed = False

    def launch(self) -> ZygoteKeeper:
        """Start the zygote's process; it warms up while the caller loads the checks (see :meth:`ready`)."""
        self._zygote = Zygote(**self._args)
        try:
            self._zygote.launch()
        except BaseException:
            self._zygote.close()
            raise
        return self

    def ready(self, forbidden: Iterable[str]) -> ZygoteKeeper:
        """Wait for the launched zygote and arm ``forbidden`` in it (and in every restart of it)."""
        self._args["forbidden"] = sorted(forbidden)
        known(self._zygote, "ready() follows launch()").ready(self._args["forbidden"])
        return self

    @property
    def sandbox(self) -> dict[str, Any]:
        return dict(self._zygote.sandbox) if self._zygote is not None else {}

    @property
    def restarts(self) -> int:
        return self._zygote.restarts if self._zygote is not None else 0

    def get(self, broken: Zygote | None = None) -> Zygote:
        """The zygote; with ``broken`` (it failed a submission), restarted first if it is dead."""
        with self._lock:
            if self.closed:
                raise GraderError("the batch was stopped")
            z = self._zygote
        z = known(z, "get() follows launch()")
        if broken is not None and not z.alive:
            z.restart(z.generation, "the sandbox's zygote died")
        return z

    def close(self) -> None:
        with self._lock:
            self.closed = True
            if self._zygote is not None:
                self._zygote.close()

    def disk_incidents(self, after: float | None = None) -> list[Incident]:
        """What the sandbox's disk watch saw (``uid`` mode; else none); with ``after``, once it has looked at the
        disk since then (:meth:`autograder.perimeter.supervision.zygote_parent.Zygote.disk_incidents`)."""
        return self._zygote.disk_incidents(after) if self._zygote is not None else []

    @property
    def watched(self) -> bool:
        """Whether a disk watch holds the slots to their shares (``uid`` mode)."""
        return self._zygote is not None and self._zygote.watch is not None

    def disk_low(self) -> bool:
        """Whether the slots' disk is nearly full now (``uid`` mode; else False, and once the batch was stopped:
        nothing is graded again then, so nothing waits for room)."""
        return self._zygote is not None and not self.closed and self._zygote.disk_low()

    def wrote(self, path: StrPath) -> None:
        """The grader wrote ``path``: not a slot's growth, if it is on the slots' disk."""
        if self._zygote is not None:
            self._zygote.wrote(path)


def grade_in_sandbox(keeper: ZygoteKeeper, slot: int, path: StrPath | None, student: str, assignment: str,
                     source: SourceNotebook, checks: Mapping[str, Check], limits: Limits,
                     sandbox_report: dict[str, Any], room: Room | None = None,
                     ledger: Ledger | None = None) -> results_model.SubmissionResult:
    """One submission graded in ``keeper``'s sandbox, slot ``slot``: its result, whatever it did.

    In ``uid`` mode, where the disk is shared and watched, a run that a full disk or a neighbour's stop spoilt
    (:func:`autograder.engine.disk_incidents.spoilt`) is graded again once there is room (``room``), up to
    :data:`~autograder.engine.disk_incidents.MAX_REGRADES` times, in the same slot after the wait; spoilt every
    time, it raises ``GraderError`` (not scored), unless only its own cells said the disk was full (scored, with
    a note). There, each run and each
    grading again is recorded in ``ledger``, for the report of the disk's incidents (who caused each, who was
    graded again because of it: :meth:`~autograder.engine.disk_incidents.Ledger.report`).

    Two attempts when the sandbox broke under it (a restart cut by a neighbour's restart costs none: those
    are capped per batch); a grader bug the submission triggered, or two broken attempts, is its result with
    score 0, the reason and ``grading_error``. Raises ``GraderError`` when the sandbox cannot be started
    (the instructor's problem, as when the batch was stopped). A local batch's workers and a Dask worker both
    grade through here.
    """
    room, regrades = room or Room(), 0
    while True:
        data, why, run = _graded_once(keeper, slot, path, student, assignment, source, checks, limits,
                                      sandbox_report)
        if ledger is not None and keeper.watched:
            ledger.ran(run)
        if data is not None and not why:
            return data
        if regrades == MAX_REGRADES:
            if data is None or not disk_incidents.scored_after_all(why):  # (None: the disk was full at its start)
                raise GraderError(disk_incidents.not_scored(why))
            data.notes.append(disk_incidents.last_grading_note(why))
            return data
        regrades += 1
        if ledger is not None:
            ledger.again(run, why)
        room.wait(keeper.disk_low)


def _graded_once(keeper: ZygoteKeeper, slot: int, path: StrPath | None, student: str, assignment: str,
                 source: SourceNotebook, checks: Mapping[str, Check], limits: Limits,
                 sandbox_report: dict[str, Any]) -> tuple[results_model.SubmissionResult | None, str, Run]:
    """``(result, why it is spoilt, the run)``: the result None when the disk was full as its sandbox was made."""
    started = time.monotonic()
    try:
        data = _graded(keeper, slot, path, student, assignment, source, checks, limits, sandbox_report)
    except DiskFull as exc:
        data, why = None, f"the disk was full when its sandbox was made ({str(exc)[:500]})"
    run = Run(slot, f"{student}/{assignment}", started, time.monotonic())
    return data, (why if data is None else spoilt_run(keeper, run, data)), run


def _where(exc: BaseException, frames: int = 3) -> str:
    """`` (at file:line in function < …)``: the innermost ``frames`` frames of a grader bug, for the instructor's
    summary.json (a rare bug, such as a SystemError that a rerun does not repeat, is then found from its report)."""
    where = [f"{os.path.basename(frame.filename)}:{frame.lineno} in {frame.name}"
             for frame in traceback.extract_tb(exc.__traceback__)[-frames:]]
    return f" (at {' < '.join(reversed(where))})" if where else ""


def spoilt_run(keeper: ZygoteKeeper, run: Run, data: results_model.SubmissionResult) -> str:
    """Why ``run`` (its result ``data``) must be graded again: '' if its result stands, as always outside the
    ``uid`` mode, where the disk is shared and watched (:func:`autograder.engine.disk_incidents.spoilt`). Judged
    on what the watch saw in a look after the run ended: a disk that filled just before, or a search still
    stopping slots when the run's stopped child ended, are then in the incidents."""
    if not keeper.watched:
        return ""
    return spoilt(keeper.disk_incidents(after=run.ended), run, [cell.get("error", "") for cell in data.execution.cells])


def _graded(keeper: ZygoteKeeper, slot: int, path: StrPath | None, student: str, assignment: str,
            source: SourceNotebook, checks: Mapping[str, Check], limits: Limits,
            sandbox_report: dict[str, Any]) -> results_model.SubmissionResult:
    """One grading, with two attempts when the sandbox broke under it; ``DiskFull`` raised."""
    attempts, error = 2, ""
    while attempts > 0:
        z = keeper.get()
        try:
            return grade.grade_submission(path, student, assignment, source, checks, z, slot, limits, sandbox_report)
        except DiskFull:
            raise
        except GraderError as exc:
            error = f"GraderError: {exc}"
            if not isinstance(exc, ZygoteLost):  # (a neighbour's restart costs no attempt: capped per batch)
                attempts -= 1
            keeper.get(broken=z)
        except Exception as exc:  # noqa: BLE001 — a grader bug this submission triggered
            error = f"{type(exc).__name__}: {str(exc)[:2000]}{_where(exc)}"
            break
    return grade.unreadable_results(student, assignment, source, "the grader failed while grading this notebook "
                                    f"({error.split(':', 1)[0]}); your instructor will look at it", error)
