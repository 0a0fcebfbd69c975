"""What a batch does about the disk in ``uid`` mode: whose grading a full disk or a stop spoilt, who caused it.

The sandbox's disk watch (:mod:`autograder.perimeter.supervision.disk_watch`) stops a slot
whose submission writes more than its share, and records when the disk was
nearly full. A submission is never scored on a run that something outside it
spoilt: :meth:`Ledger.spoilt` says why a run must be graded again (its child
was stopped while the grader looked for a submission filling the disk, or the
disk was nearly full while it ran, so a write of its cells, of its sandbox or of
its results may have failed), and the batch grades it again once there is room
(:data:`MAX_REGRADES` times at most; a run spoilt after that is not scored: the
submission is listed as failed to grade, for the instructor to rerun, unless only
its own cells said the disk was full, words it could forge: that run is scored,
with a note). A submission that was itself stopped keeps its result: the cell that
wrote too much says so.

:meth:`Ledger.report` turns the incidents into ``summary.json``'s ``incidents``
and the terminal's warnings: for each, which submission caused it (the one
graded on the stopped slot at that moment), what it did, and which submissions
were graded again because of it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from autograder.perimeter.supervision.disk_watch import Incident
from autograder.perimeter.supervision.zygote_parent import DISK_FULL

T = TypeVar("T")

#: How many times one submission is graded again because the disk filled up or a neighbour's stop spoilt its run.
MAX_REGRADES = 3


@dataclass(frozen=True)
class Run:
    """One submission graded (or being graded) on one slot, from ``started`` to ``ended`` (monotonic seconds)."""

    slot: int
    key: str  # "student/assignment"
    started: float
    ended: float


def _during(incident: Incident, run: Run) -> bool:
    """Whether ``incident`` happened while ``run`` was being graded: a moment within it, or a window overlapping
    it (a nearly full disk, from the last look that found room; a search that stopped slots one at a time)."""
    if incident.kind == "low":
        until = incident.until if incident.until is not None else float("inf")
        return incident.at <= run.ended and until >= run.started
    if incident.until is not None:
        return incident.at <= run.ended and incident.until >= run.started
    return run.started <= incident.at <= run.ended


#: How a cell's error says that the disk was full (an ``OSError``'s text, as the child reports it).
DISK_FULL_TEXT = ("[Errno 28]", "[Errno 122]")
#: Why a run is graded again when only its cells' errors say the disk was full (words a submission can forge:
#: after :data:`MAX_REGRADES` such runs, the last is scored, with a note).
CELL_FOUND_DISK_FULL = "the disk was full when one of its cells wrote to it"


def scored_after_all(why: str) -> bool:
    """Whether a run spoilt again after :data:`MAX_REGRADES` gradings again, because ``why``, is scored after all
    (with :func:`last_grading_note`): only when its own cells alone said the disk was full, words a submission can
    forge, so that forging them gains nothing but time. Any other reason is never a score (:func:`not_scored`)."""
    return why == CELL_FOUND_DISK_FULL


def not_scored(why: str) -> str:
    """The failure recorded for a submission whose every grading was spoilt, the last because ``why``: the
    instructor's to rerun once the disk has room."""
    return (f"graded {MAX_REGRADES + 1} times and each grading spoilt, the last because {why}: not scored; "
            "once the disk has room, run the same autograde command again (it grades only what is missing)")


def last_grading_note(why: str) -> str:
    """The note on a result scored after all (:func:`scored_after_all`): the student's and the instructor's."""
    return (f"This notebook was graded {MAX_REGRADES + 1} times because {why}; this is the last grading, which may "
            "have been affected too: your instructor will look at it.")


def spoilt(incidents: list[Incident], run: Run, cell_errors: Iterable[object] = ()) -> str:
    """Why ``run`` must be graded again ('' when its result stands): a stop of its slot that was not for its own
    doing, a nearly full disk while it ran, or a cell of it that found the disk full (``cell_errors``; where its
    share is watched, a full disk is never a submission's own doing) — unless it is what filled the disk."""
    own = [i for i in incidents if i.slot == run.slot and (i.kind in ("over", "hidden", "low") and _during(i, run) or (
        i.kind in ("over", "hidden") and i.at >= run.ended))]  # (a look just after it: its folder's until the next run)
    if not own and any(text in str(error) for error in cell_errors for text in DISK_FULL_TEXT):
        return CELL_FOUND_DISK_FULL
    for incident in incidents:
        if not _during(incident, run):
            continue
        if run.slot in incident.stopped and incident.slot != run.slot:
            return "its sandbox was stopped while the grader looked for a submission filling the disk"
        if incident.kind == "low" and not own:
            return "the disk was nearly full while it was graded"
    return ""


@dataclass
class Ledger:
    """The runs of a batch, the incidents' culprits and the submissions graded again (thread-safe)."""

    runs: list[Run] = field(default_factory=list)
    regraded: list[tuple[Run, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def ran(self, run: Run) -> None:
        with self._lock:
            self.runs.append(run)

    def again(self, run: Run, why: str) -> None:
        with self._lock:
            self.regraded.append((run, why))

    def culprit(self, incident: Incident) -> str:
        """``student/assignment`` last graded on the incident's slot when it happened ('' for none): what a slot's
        folder holds is its last run's until the slot is killed and the folder emptied, so a watch that looks just
        after the run ended (a child that stopped itself when its own writes failed, on a loaded host) still names
        it; the slot's next run starts later, and is charged from then on. Hidden bytes were held by the run on
        the slot at the stop that freed them (``until``), which may have started after the search began (``at``);
        a nearly full disk's slot is the one holding most when the watch first found it low (``at``'s tick)."""
        seen = incident.until if incident.kind == "hidden" and incident.until is not None else incident.at
        with self._lock:
            runs = [r for r in self.runs if incident.slot is not None and r.slot == incident.slot
                    and r.started <= seen]
        return max(runs, key=lambda r: r.started).key if runs else ""

    def report(self, incidents: list[Incident], started: float) -> tuple[list[dict], list[str]]:
        """``(incidents for summary.json, one warning line each)``: what happened, who caused it, who was graded
        again because of it (``at`` and ``until`` in seconds from the batch's start)."""
        with self._lock:
            regraded = list(self.regraded)
        entries, lines = [], []
        for incident in incidents:
            culprit = self.culprit(incident)
            again = sorted({run.key for run, _ in regraded if _during(incident, run) and run.key != culprit})
            entry = {"kind": incident.kind, "submission": culprit, "detail": incident.detail,
                     "at_s": round(incident.at - started, 3),
                     "until_s": None if incident.until is None else round(incident.until - started, 3),
                     "graded_again": again}
            entries.append(entry)
            lines.append(warning_line(entry))
        return entries, lines


def warning_line(entry: dict) -> str:
    """The terminal's warning for one entry of ``summary.json``'s ``incidents`` (:meth:`Ledger.report`)."""
    who = entry["submission"] or "something other than the submissions"
    what = {"over": f"{who} was stopped: it wrote {entry['detail']}",
            "hidden": f"{who} was stopped: it held {entry['detail']}",
            "outside": f"the disk grew by {entry['detail']}",  # (the detail says by whom: not a submission)
            "low": f"{entry['detail']} (filled by {who})"}.get(entry["kind"], entry["detail"])
    again = entry["graded_again"]
    where = f" (on the Dask worker {entry['worker']})" if entry.get("worker") else ""
    return "disk: " + what + where + (f"; graded again because of it: {', '.join(again[:20])}" if again else "")


#: How long a batch waits for room on a full disk before it writes a result or grades a submission again.
DISK_WAIT_S = 60.0


class Room:
    """Waiting for room on a full disk (a flood is emptied within a moment of its stop; another writer may free
    its files), :data:`DISK_WAIT_S` at most, and once per batch: after a wait that found none, the next ones give
    up at once until a write succeeds again."""

    def __init__(self) -> None:
        self.none = threading.Event()

    def retry(self, write: Callable[[], T]) -> T:
        """``write()``, again every half second while it fails for a full disk, until it succeeds or the wait is
        over (then its ``OSError``)."""
        deadline = time.monotonic() + (0.0 if self.none.is_set() else DISK_WAIT_S)
        while True:
            try:
                out = write()
            except OSError as exc:
                if exc.errno not in DISK_FULL:
                    raise
                if time.monotonic() >= deadline:
                    self.none.set()
                    raise
                time.sleep(0.5)
                continue
            self.none.clear()
            return out

    def wait(self, low: Callable[[], bool]) -> None:
        """Wait while ``low()`` (the sandbox's disk is nearly full), as long as :meth:`retry` would."""
        deadline = time.monotonic() + (0.0 if self.none.is_set() else DISK_WAIT_S)
        while low():
            if time.monotonic() >= deadline:
                self.none.set()
                return
            time.sleep(0.2)
