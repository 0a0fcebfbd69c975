"""How long the similarity report takes for a large class: 1,000 students × 6 problem sets by default.

Writes a class of real notebooks (:func:`testkit.similarity_class.write_large_class`: every student
writes every function, each a lightly disguised version drawn from the independent versions of
:mod:`testkit.similarity_class`, and 20 students copy a classmate's notebooks, disguised) into a
temporary folder, then runs ``similarity_report`` on it as ``python -m autograder similarity`` does
and prints the time, the CPU time of this process and its workers, the notebooks per second and what
was reported. The time to write the class is printed apart and not counted. The class is drawn from
the 8 to 19 versions of each function, so most of its code is shared by dozens of students and weighs
nothing: this measures time; how well copies are found is measured by tests/test_similarity_detection.py.

    .venv/bin/python benchmarks/similarity_scale.py                 # 1,000 students, all cores
    .venv/bin/python benchmarks/similarity_scale.py --students 200 --workers 1
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.similarity.run import similarity_report
from testkit.similarity_class import write_large_class


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _host_speed() -> tuple:
    """``(CPU s, wall s)`` of a fixed pure-Python loop: this machine is shared, and its speed moves from one
    hour to the next (docs/performance.md); the ratio says what share of a core this process got."""
    started, wall = time.process_time(), time.monotonic()
    total = 0
    for i in range(3_000_000):
        total += i % 7
    return time.process_time() - started, time.monotonic() - wall


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        submitted = Path(tmp) / "submitted"
        started = time.monotonic()
        notebooks = write_large_class(submitted, args.students)
        print(f"wrote {notebooks:,} notebooks of {args.students:,} students in {time.monotonic() - started:.1f} s "
              "(not counted)")
        started, cpu = time.monotonic(), _cpu()
        summary = similarity_report(submitted, Path(tmp) / "report", workers=args.workers)
        wall, cpu = time.monotonic() - started, _cpu() - cpu
    cpu_loop, wall_loop = _host_speed()
    print(f"host: a fixed loop took {cpu_loop:.2f} CPU-s in {wall_loop:.2f} s (the machine's load: "
          f"{os.getloadavg()[0]:.1f} over {os.cpu_count()} cores)")
    print(f"similarity report: {summary.notebooks:,} notebooks in {wall:.1f} s with {args.workers} worker(s) "
          f"({summary.notebooks / wall:.0f} notebooks/s, {cpu:.1f} CPU-s), {summary.pairs} pair(s) reported in "
          f"{sum(1 for n in summary.per_function.values() if n)} of {len(summary.per_function)} functions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
