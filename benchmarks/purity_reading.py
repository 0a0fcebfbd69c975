#!/usr/bin/env python
"""What reading purity from the source costs the grader, against the static reading it already does.

    python benchmarks/purity_reading.py [--students N] [--rounds N]

The batch of ``benchmarks/grading_throughput.py`` (``--students`` students,
default 30, × every problem set: reference solutions and zoo implementations
in its deterministic mix), as notebooks in memory. Per notebook, as the
engine's parent does it: every executed cell added in order (the course's own
cells marked as such), then every contract function read. Timed for the
forbidden-use reading the engine has always done (``autograder.engine.static``,
its ``uses`` of every function with the problem set's forbidden names) and for
the purity reading (``autograder.checks.inplace``), alternately, ``--rounds``
times over the whole batch (the first round of each is a warm-up). Prints
milliseconds per notebook for each and their ratio; the last line is
``purity/static: <X>x``. It also counts the readings that found a write or
could not vouch for a function: on this honest batch, the zoo's specimens that
work in place.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder.checks import checks_for  # noqa: E402
from autograder.checks.inplace import InPlaceReader  # noqa: E402
from autograder.engine import static  # noqa: E402
from autograder.model.course import FUNCTIONS, PROBLEM_SETS  # noqa: E402
from autograder.model.notebook import cell_text, nbgrader_meta  # noqa: E402
from benchmarks.grading_throughput import batch  # noqa: E402
from testkit.fill import filled_release  # noqa: E402


def notebooks(students: int) -> list:
    """``[(ps, [static.Source])]``: the executed code cells of each notebook, students' cells marked."""
    out = []
    for (_student, ps), swap in sorted(batch(students).items()):
        nb = filled_release(ps, {fn: s.source for fn, s in swap.items()})
        cells = [static.Source(i, cell_text(c), student=bool(nbgrader_meta(c).get("solution")))
                 for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
        out.append((ps, cells))
    return out


def read_static(ps: str, cells: list, forbidden: dict) -> None:
    analysis = static.Notebook(contract=FUNCTIONS[ps])
    for cell in cells:
        analysis.add(cell)
    for fn in FUNCTIONS[ps]:
        analysis.uses(fn, forbidden[fn])


def read_purity(ps: str, cells: list) -> int:
    reader = InPlaceReader(contract=FUNCTIONS[ps])
    for cell in cells:
        reader.add(cell)
    found = 0
    for fn in FUNCTIONS[ps]:
        reading = reader.reading(fn)
        found += bool(reading.unreadable or any(d.writes for d in reading.definitions))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30, metavar="N", help="students in the batch (default 30)")
    parser.add_argument("--rounds", type=int, default=3, metavar="N", help="timed rounds after a warm-up (default 3)")
    args = parser.parse_args(argv)
    batch_ = notebooks(args.students)
    forbidden = {fn: tuple(sorted({n for c in checks_for(ps).values() if c.function == fn for n in c.forbidden}))
                 for ps in PROBLEM_SETS for fn in FUNCTIONS[ps]}
    times = {"static": [], "purity": []}
    found = 0
    for round_ in range(args.rounds + 1):
        started = time.perf_counter()
        for ps, cells in batch_:
            read_static(ps, cells, forbidden)
        static_s = time.perf_counter() - started
        started = time.perf_counter()
        found = sum(read_purity(ps, cells) for ps, cells in batch_)
        purity_s = time.perf_counter() - started
        if round_:  # (the first round warms the caches both keep per cell text)
            times["static"].append(static_s)
            times["purity"].append(purity_s)
    n = len(batch_)
    static_ms = 1000 * min(times["static"]) / n
    purity_ms = 1000 * min(times["purity"]) / n
    functions = sum(len(FUNCTIONS[ps]) for ps, _ in batch_)
    print(f"batch: {args.students} students x {len(PROBLEM_SETS)} problem sets = {n} notebooks, {functions} functions")
    print(f"static reading (forbidden uses): {static_ms:.1f} ms per notebook (best of {args.rounds})")
    print(f"purity reading (in-place writes): {purity_ms:.1f} ms per notebook (best of {args.rounds}); "
          f"{found} of {functions} functions read as writing or not vouched for")
    print(f"purity/static: {purity_ms / static_ms:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
