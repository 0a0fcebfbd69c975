#!/usr/bin/env python
"""What reading purity from the source costs the grader, against the rest of its reading of a notebook.

    python benchmarks/purity_reading.py [--students N] [--rounds N]

The batch of ``benchmarks/grading_throughput.py`` (``--students`` students,
default 30, × every problem set: reference solutions and zoo implementations
in its deterministic mix), as notebooks in memory. Per notebook, as the
engine's parent does it (``autograder.reading.notebook``): every executed
cell added in order (the course's own cells marked as such) and every
function's forbidden uses with the problem set's forbidden names — the static
reading —, then every contract function's purity reading
(``autograder.reading.writes``), ``--rounds`` times over the whole batch (the
first round is a warm-up). Prints milliseconds per notebook for each and their
ratio, for the first reading of the batch (every cell text new: what a notebook the grader has not seen
costs) and for the best later round (the texts cached, as a batch of mostly shared cells finds them; the
purity reading is then a look-up); the last line, ``purity/static: <X>x``, is the first reading's ratio. It
also counts the readings
that found a write or code that hides what runs (on this honest batch, the zoo's
specimens that work in place) and the most steps one notebook's reading spent,
against its budget (``autograder.reading.budget``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder.checks.by_name import checks_for  # noqa: E402
from autograder.model.course import FUNCTIONS, PROBLEM_SETS  # noqa: E402
from autograder.model.notebook import cell_text, nbgrader_meta  # noqa: E402
from autograder.reading.budget import MAX_STEPS  # noqa: E402
from autograder.reading.notebook import NotebookReading, Source  # noqa: E402
from benchmarks.grading_throughput import batch  # noqa: E402
from testkit.fill import filled_release  # noqa: E402


def notebooks(students: int) -> list:
    """``[(ps, [Source])]``: the executed code cells of each notebook, students' cells marked."""
    out = []
    for (_student, ps), swap in sorted(batch(students).items()):
        nb = filled_release(ps, {fn: s.source for fn, s in swap.items()})
        cells = [Source(i, cell_text(c), student=bool(nbgrader_meta(c).get("solution")))
                 for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
        out.append((ps, cells))
    return out


def read_static(ps: str, cells: list, forbidden: dict) -> NotebookReading:
    """The cells read in order and every function's forbidden uses."""
    reading = NotebookReading(contract=FUNCTIONS[ps])
    for cell in cells:
        reading.add(cell)
    for fn in FUNCTIONS[ps]:
        reading.uses(fn, forbidden[fn])
    return reading


def read_purity(ps: str, reading: NotebookReading) -> int:
    """Every function's purity reading; how many found a write or code that hides what runs."""
    found = 0
    for fn in FUNCTIONS[ps]:
        result = reading.reading(fn)
        found += bool(result.unreadable or any(d.writes for d in result.definitions))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30, metavar="N", help="students in the batch (default 30)")
    parser.add_argument("--rounds", type=int, default=3, metavar="N", help="timed rounds after a warm-up (default 3)")
    args = parser.parse_args(argv)
    batch_ = notebooks(args.students)
    forbidden = {fn: tuple(sorted({n for c in checks_for(ps).values() if c.function == fn for n in c.forbidden}))
                 for ps in PROBLEM_SETS for fn in FUNCTIONS[ps]}
    times: dict = {"static": [], "purity": []}
    cold: dict = {}
    found = most = 0
    for round_ in range(args.rounds + 1):
        started = time.perf_counter()
        readings = [(ps, read_static(ps, cells, forbidden)) for ps, cells in batch_]
        static_s = time.perf_counter() - started
        started = time.perf_counter()
        found = sum(read_purity(ps, reading) for ps, reading in readings)
        purity_s = time.perf_counter() - started
        most = max(reading.budget.spent_steps for _, reading in readings)
        if round_:  # (the first round fills the caches both keep per cell text)
            times["static"].append(static_s)
            times["purity"].append(purity_s)
        else:
            cold = {"static": static_s, "purity": purity_s}
    n = len(batch_)
    static_ms = 1000 * min(times["static"]) / n
    purity_ms = 1000 * min(times["purity"]) / n
    cold_static_ms, cold_purity_ms = (1000 * cold[k] / n for k in ("static", "purity"))
    functions = sum(len(FUNCTIONS[ps]) for ps, _ in batch_)
    print(f"batch: {args.students} students x {len(PROBLEM_SETS)} problem sets = {n} notebooks, {functions} functions")
    print(f"static reading (forbidden uses): {cold_static_ms:.1f} ms per notebook read first, "
          f"{static_ms:.1f} ms cached (best of {args.rounds})")
    print(f"purity reading (in-place writes): {cold_purity_ms:.1f} ms per notebook read first, "
          f"{purity_ms:.2f} ms cached (best of {args.rounds}); "
          f"{found} of {functions} functions read as writing or not vouched for")
    print(f"reading budget: at most {most:,} steps per notebook, of {MAX_STEPS:,}")
    print(f"purity/static: {cold_purity_ms / cold_static_ms:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
