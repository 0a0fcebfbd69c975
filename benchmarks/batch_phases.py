#!/usr/bin/env python
"""Where ``python -m autograder autograde`` spends its wall-clock, phase by phase, on one run.

    python benchmarks/batch_phases.py SUBMITTED_DIR --out RESULTS_DIR [any other autograde option …]

Runs the autograde command in this process with a timing wrapper around each of its steps (the
problem sets loaded, the sandbox launched, the batch files written, the reports and their parts) and a
timestamp at each notebook graded, then prints each step's start and duration and its share of the
command's time, and when the first and the last notebook were graded. Nothing is sampled: what is not
a wrapped step (the imports, the grading between the first and last notebook) is read from the gaps.

For a kept batch of the throughput benchmark (``benchmarks/grading_throughput.py --keep DIR``)::

    python benchmarks/batch_phases.py DIR/engine-course/submitted --out /tmp/results \\
        --course DIR/engine-course

docs/performance.md ("Grading throughput, round by round") shows what a round learnt from it. The wrappers name the engine's
private steps: a step renamed away is said at once (``KeyError``), not silently left out.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STARTED = time.perf_counter()

from autograder import cli  # noqa: E402
from autograder.commands import autograde  # noqa: E402
from autograder.engine import batch  # noqa: E402
from autograder.reports import after_grading, report  # noqa: E402

#: ``(module, attribute, label)`` of every step timed, where the command looks it up.
STEPS = (
    (batch, "_launch", "sandbox launched (its imports go on meanwhile)"),
    (batch, "_load_assignments", "problem sets loaded (sources, checks, references)"),
    (batch, "_finish", "batch files (grades.csv, summary.json)"),
    (autograde, "grade_batch", "grade_batch (the whole grading)"),
    (autograde, "write_reports", "reports (all of them)"),
    (after_grading, "load_results", "  results read"),
    (after_grading, "write_feedback_pages", "  feedback pages"),
    (report, "write_report", "  report.html"),
)


def _timed(record: list[tuple[str, float, float]], label: str, step: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(step)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return step(*args, **kwargs)
        finally:
            record.append((label, began - STARTED, time.perf_counter() - began))

    return wrapper


def _graded_times(times: list[float]) -> None:
    """Record the time of every ``graded`` event of the batch (through its event emitter)."""
    emitter = batch._emitter
    lock = threading.Lock()

    def timed_emitter(on_event: Any, summary: Any) -> Any:
        emit = emitter(on_event, summary)

        def each(kind: str, sub: Any, data: Any = None) -> None:
            if kind == "graded":
                with lock:
                    times.append(time.perf_counter() - STARTED)
            emit(kind, sub, data)

        return each

    batch._emitter = timed_emitter


def main(argv: list[str]) -> int:
    record: list[tuple[str, float, float]] = []
    graded: list[float] = []
    for module, name, label in STEPS:
        setattr(module, name, _timed(record, label, vars(module)[name]))  # (KeyError: a step renamed away)
    _graded_times(graded)
    code = cli.main(["autograde", *argv])
    total = time.perf_counter() - STARTED
    print(f"\nphases of `autograde {' '.join(argv)}` ({total:.2f} s in all)")
    print(f"{'step':52s} {'start s':>8s} {'took s':>8s} {'share':>6s}")
    for label, start, took in sorted(record, key=lambda r: r[1]):
        print(f"{label:52s} {start:8.2f} {took:8.2f} {took / total:6.1%}")
    if graded:
        first, last = min(graded), max(graded)
        print(f"{'notebooks graded: ' + str(len(graded)):52s} {first:8.2f} {last - first:8.2f} "
              f"{(last - first) / total:6.1%}   (the first at start, then until the last)")
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
