"""One submission's way through grading, measured: the rooms (modules) it passes through, and how often it comes back.

A submission is graded by :meth:`autograder.engine.local_pool.LocalPool.grade_one`; this traces that call on the
trusted side (``sys.setprofile`` in the thread that grades it; the child is another process) and reads the
*way* out of the calls it made, not their traffic:

- a **step** is the first call of a public function of one room from another room (a loop over the cells that
  calls the same function a hundred times is one step; a call within a room is no step);
- a **room** is a module of ``autograder``, except the checks, the reading of the source and the perimeter, each
  one room as a package (from the engine's side each does one thing: judge a check, read the source, run the
  child), and :mod:`autograder.model.invariant` (an assertion, no step of the way) is left out;
- a **stay** is a run of consecutive steps in one room; a **return** is a stay in a room the way had left before
  (``stays - rooms``).

Issue 82 counted, following the code by hand, 63 stays in 22 rooms and 41 returns (``model/notebook.py``'s
``cell_text`` alone 11 times); this measure gives 70 stays in 25 rooms and 45 returns on that code (``model.notebook``
10 stays; the sandbox, then ``autograder/sandbox/``, one room) for the demo's first student's ps1
(``examples/submissions/ada/ps1_softmax``); ``tests/test_walk.py`` holds the count where it now is.

``python -m testkit.walk [student problem_set]`` prints the walk of one of the demo's submissions.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from autograder.engine import local_pool
from autograder.engine.batch import grade_batch
from autograder.model.course import ROOT

PACKAGE = ROOT / "autograder"
#: Packages that are one room each (the engine asks each to do one thing).
ROOMS_AS_PACKAGES = ("checks", "reading", "perimeter")
#: Modules whose calls are no step of the way.
NOT_A_STEP = ("model.invariant",)
#: The demo's class, committed (``examples/make_submissions.py`` writes it from the zoo).
EXAMPLES = ROOT / "examples" / "submissions"

#: One call the trace saw: ``(callee module, callee function, caller module)``, modules as ``engine.grade``
#: (``"-"`` for a caller outside the package).
Call = tuple[str, str, str]


def room_of(module: str) -> str:
    """The room of ``module`` (``checks.evaluate`` is in ``checks``)."""
    top = module.split(".")[0]
    return top if top in ROOMS_AS_PACKAGES else module


@dataclass(frozen=True)
class Walk:
    """A submission's way: its steps in order, ``(room, function)``."""

    steps: tuple[tuple[str, str], ...]

    @property
    def stays(self) -> list[tuple[str, list[str]]]:
        """``(room, functions called there)`` for each stay, in order."""
        out: list[tuple[str, list[str]]] = []
        for room, function in self.steps:
            if out and out[-1][0] == room:
                out[-1][1].append(function)
            else:
                out.append((room, [function]))
        return out

    @property
    def rooms(self) -> set[str]:
        return {room for room, _ in self.steps}

    @property
    def returns(self) -> int:
        """How many stays are in a room the way had left before."""
        return len(self.stays) - len(self.rooms)

    def summary(self) -> str:
        return f"{len(self.stays)} stays in {len(self.rooms)} rooms, {self.returns} returns"


def walk_of(calls: Iterable[Call]) -> Walk:
    """The way read out of ``calls`` (in the order made): the first call of each public function of a room from
    another room."""
    seen: set[tuple[str, str]] = set()
    steps = []
    for callee, function, caller in calls:
        if callee in NOT_A_STEP or function.startswith(("_", "<")):
            continue
        room = room_of(callee)
        if room == (room_of(caller) if caller != "-" else "-") or (room, function) in seen:
            continue
        seen.add((room, function))
        steps.append((room, function))
    return Walk(tuple(steps))


def _module(filename: str) -> str | None:
    """``engine.grade`` for a file of the package, else None."""
    path = Path(filename)
    try:
        relative = path.relative_to(PACKAGE)
    except ValueError:
        return None
    return ".".join(relative.with_suffix("").parts)


@contextmanager
def traced_grade_one() -> Iterator[list[Call]]:
    """While inside, every :meth:`LocalPool.grade_one` is traced: the calls of the package it made, in order."""
    calls: list[Call] = []
    original = local_pool.LocalPool.grade_one

    def tracer(frame: FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        callee = _module(frame.f_code.co_filename)
        if callee is None:
            return
        back = frame.f_back
        caller = _module(back.f_code.co_filename) if back is not None else None
        calls.append((callee, frame.f_code.co_name, caller or "-"))

    def grade_one(self: local_pool.LocalPool, slot: int, sub: Any) -> None:
        sys.setprofile(tracer)
        try:
            original(self, slot, sub)
        finally:
            sys.setprofile(None)

    local_pool.LocalPool.grade_one = grade_one  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        local_pool.LocalPool.grade_one = original  # type: ignore[method-assign]


def walk(student: str = "ada", problem_set: str = "ps1_softmax", submitted: Path = EXAMPLES) -> Walk:
    """The way of ``student``'s ``problem_set`` (of ``submitted``, in nbgrader's layout) through one batch of one
    worker (the sandbox started for it)."""
    with tempfile.TemporaryDirectory(prefix="walk-") as results, traced_grade_one() as calls:
        summary = grade_batch(submitted, results, workers=1, assignments=[problem_set], students=[student],
                              force=True)
        if summary.graded != 1:
            raise RuntimeError(f"{student}/{problem_set} was not graded: {summary.failed}")
    return walk_of(calls)


def main(argv: list[str]) -> None:
    way = walk(*argv[:2]) if argv else walk()
    for room, functions in way.stays:
        print(f"{room:<30} {', '.join(functions)}")
    print(way.summary())


if __name__ == "__main__":
    main(sys.argv[1:])
