#!/usr/bin/env python
"""Grading on a Dask cluster against this machine's engine, on the same batch, in the same run.

    python benchmarks/dask_throughput.py [--students N] [--rounds R] [--assignment ID …]

1. Generates the batch of ``benchmarks/grading_throughput.py`` (``--students`` students, default 30, × every
   problem set: reference solutions, correct and wrong zoo implementations in its deterministic mix).
2. Starts a ``distributed.LocalCluster`` of one worker *process* (``--dask-workers N``: N, each with its own
   sandbox) with as many threads in all as the local engine has workers (the same cores, the same sandbox
   slots), before anything is timed: a course's cluster is already running when it grades.
3. Grades the batch ``--rounds`` times each way, alternately (local, Dask, local, Dask …), each into a fresh
   results folder, and checks that both gave the same grades cell by cell.
4. Prints each run's time, the CPU time per notebook of the local runs (this process and its zygote), the
   CPU a notebook of each way's whole process tree, the ratio ``Dask throughput / local throughput`` (best run of
   each; the goal is ≥ 0.9×), and from the CPU cost
   how many cores a class of 1,000, 10,000 and 100,000 students (every problem set) needs to be graded in
   10 minutes. The last line is ``dask vs local: <X>x``.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from distributed import LocalCluster  # noqa: E402

from autograder.engine.batch import default_workers, grade_batch  # noqa: E402
from autograder.model.course import PROBLEM_SETS  # noqa: E402
from benchmarks.grading_throughput import batch, build_batch  # noqa: E402
from testkit.same_grades import differences  # noqa: E402

#: The class sizes the sizing lines are printed for, and the time they must be graded in.
CLASSES = (1_000, 10_000, 100_000)
DEADLINE_S = 600


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the local engine's zygote and its children)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _tree_cpu() -> float:
    """CPU seconds of this process's whole tree as it stands: each live descendant's own and its reaped children's
    (the cluster's worker processes, their zygotes and sandboxed children), and this process's with its reaped
    children. A difference of two readings is what the tree spent between them."""
    parent: dict[int, int] = {}
    spent: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry)] = int(fields[1])
        spent[int(entry)] = sum(int(x) for x in fields[11:15]) / tick
    me, total = os.getpid(), _cpu()
    for pid in spent:
        up = parent.get(pid)
        while up is not None and up not in (me, 0, 1):
            up = parent.get(up)
        if up == me and pid != me:
            total += spent[pid]
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30, metavar="N", help="students in the batch (default 30)")
    parser.add_argument("--rounds", type=int, default=2, metavar="R", help="runs each way, alternated (default 2)")
    parser.add_argument("--dask-workers", type=int, default=1, metavar="N",
                        help="the cluster's worker processes, the local engine's threads shared out among them "
                             "(default 1)")
    parser.add_argument("--assignment", action="append", choices=PROBLEM_SETS, metavar="ID", dest="assignments",
                        help="grade only this problem set (repeatable; default: every problem set)")
    args = parser.parse_args(argv)
    if args.students < 1 or args.rounds < 1:
        parser.error("--students and --rounds must be at least 1")
    problem_sets = [ps for ps in PROBLEM_SETS if ps in (args.assignments or PROBLEM_SETS)]
    workers = default_workers()
    with tempfile.TemporaryDirectory(prefix="probdl-dask-bench-") as tmp:
        work = Path(tmp)
        build_batch(work / "submitted", batch(args.students, problem_sets=problem_sets))
        n = sum(1 for _ in (work / "submitted").glob("*/*/*.ipynb"))
        print(f"batch: {args.students} students x {len(problem_sets)} problem sets = {n} notebooks", flush=True)
        threads = max(1, math.ceil(workers / args.dask_workers))
        print(f"the cluster: {args.dask_workers} worker process(es) of {threads} thread(s); the local engine: "
              f"{workers} workers", flush=True)
        with LocalCluster(n_workers=args.dask_workers, threads_per_worker=threads, processes=True, dashboard_address=":0",
                          silence_logs=50) as cluster:
            times: dict = {"local": [], "dask": []}
            cpu_local = []
            tree: dict = {"local": [], "dask": []}
            for r in range(args.rounds):
                for way in ("local", "dask"):
                    out = work / f"{way}-{r}"
                    cpu, start, before = _cpu(), time.perf_counter(), _tree_cpu()
                    summary = grade_batch(work / "submitted", out, workers=workers,
                                          cluster=cluster.scheduler_address if way == "dask" else None)
                    wall = time.perf_counter() - start
                    if not summary.ok or summary.graded != n:
                        print(f"{way}: the batch did not grade every notebook ({summary.failed[:3]})")
                        return 1
                    times[way].append(wall)
                    tree[way].append(_tree_cpu() - before)
                    if way == "local":
                        cpu_local.append(_cpu() - cpu)
                    print(f"{way} run {r + 1}: {n} notebooks in {wall:.2f} s = {n / wall:.1f} notebooks/s", flush=True)
            differ = differences(work / "local-0", work / "dask-0")
            print(f"grades: {'identical cell by cell' if not differ else 'DIFFERENT: ' + '; '.join(differ[:5])}")
    per_notebook = min(cpu_local) / n
    print(f"local engine: {1000 * per_notebook:.0f} CPU ms per notebook (this process and its sandbox)")
    for students in CLASSES:
        notebooks = students * len(problem_sets)
        cores = math.ceil(notebooks * per_notebook / DEADLINE_S)
        print(f"a class of {students:,} students ({notebooks:,} notebooks) in {DEADLINE_S // 60} minutes: "
              f"{cores:,} cores of this machine's speed")
    print(f"CPU ms per notebook, the whole tree (this process, the cluster's workers and their sandboxes): local "
          f"{1000 * min(tree['local']) / n:.0f}, dask {1000 * min(tree['dask']) / n:.0f}")
    ratio = min(times["local"]) / min(times["dask"])
    print(f"dask vs local: {ratio:.2f}x")
    return 0 if not differ else 1


if __name__ == "__main__":
    raise SystemExit(main())
