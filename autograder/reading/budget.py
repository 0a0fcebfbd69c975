"""The reading's own work, counted where it is done: steps, and the reading thread's CPU seconds.

A notebook's reading (its cells, then a purity reading per function) is
bounded by what the reading itself does, never by the clock on the wall: the
cells execute in the sandbox between two of its steps, and a notebook that
sleeps, or waits on a slow neighbour, must not spend it
(docs/threat-model.md, "The static reading"). Two measures, whichever runs
out first:

* **steps** — syntax nodes walked when a cell is read, statements and
  expressions when a function is read: deterministic, the same on every host,
  so a notebook is read the same way on a laptop and on a busy CI runner;
* **CPU seconds of the reading thread** (``time.thread_time``), counted only
  inside the reading's own calls — a backstop for the work steps do not
  count (parsing, IPython's transformer), never reached by honest code.

What the budget could not pay for is not read, and counts as
docs/contract.md says: a flag says where the reading stopped, the flags raised
before stay, and a purity cell judged after that cannot rest on code the
grader did not read.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Steps one notebook's reading may take (its cells and its purity readings together). An honest notebook of
#: the course takes about 20,000 (``benchmarks/purity_reading.py`` prints the largest of its batch).
MAX_STEPS = 3_000_000
#: CPU seconds of the reading thread, inside the reading's own calls.
MAX_CPU_S = 10.0


class OutOfBudget(Exception):
    """The reading stops here (the message says what ran out)."""


class Budget:
    """What one notebook's reading may still spend: :meth:`spend` steps, inside :meth:`working` blocks."""

    def __init__(self, steps: int = MAX_STEPS, cpu_s: float = MAX_CPU_S) -> None:
        if steps <= 0 or cpu_s <= 0:
            raise ValueError(f"a reading budget must be positive (steps={steps!r}, cpu_s={cpu_s!r})")
        self.steps, self.cpu_s = int(steps), float(cpu_s)
        self.spent_steps, self.spent_cpu_s = 0, 0.0
        self.exhausted = ""  # what ran out, in words ("" while there is budget left)
        self._since: float | None = None  # thread CPU time when the outermost working() block began

    @contextmanager
    def working(self) -> Iterator[None]:
        """Count the reading thread's CPU time spent inside this block (nested blocks count once)."""
        if self._since is not None:
            yield
            return
        self._since = time.thread_time()
        try:
            yield
        finally:
            self.spent_cpu_s += time.thread_time() - self._since
            self._since = None

    def spend(self, steps: int) -> None:
        """Pay ``steps``; raises :class:`OutOfBudget` (and remembers why) when the budget is spent."""
        self.spent_steps += steps
        if self.exhausted:
            raise OutOfBudget(self.exhausted)
        cpu = self.spent_cpu_s + (time.thread_time() - self._since if self._since is not None else 0.0)
        if self.spent_steps > self.steps:
            self.exhausted = f"more than {self.steps:,} steps"
        elif cpu > self.cpu_s:
            self.exhausted = f"more than {self.cpu_s:g} CPU seconds"
        if self.exhausted:
            raise OutOfBudget(self.exhausted)
