#!/usr/bin/env python
"""What a child's PID namespace costs the zygote, made the two ways (root only).

    python benchmarks/child_forks.py [--rounds N]

In a process the zygote's size (the zygote's :data:`~autograder.perimeter.child_runtime.preload.WARM_MODULES` imported),
``--rounds`` times each, alternately, a child that exits at once, born in a new PID namespace:

* **outer parent** (``userns`` mode's way, and root's before): a fork *A* unshares the PID namespace and
  forks its init *B*, which forks the child *C*; B relays how C ended up a pipe, A ends like that (the
  process structure of :func:`autograder.perimeter.confinement.namespaces.isolate_child`, without its mounts, which both ways
  make);
* **thin init** (root's way): :func:`autograder.perimeter.confinement.namespaces.fork_in_pid_namespace` (the init is
  ``cat``, spawned without copying the process) and :func:`~autograder.perimeter.confinement.namespaces.end_pid_namespace`.

Prints milliseconds per child (wall-clock, and CPU of this process and its children) and the ratio
``outer parent / thin init``. The grading figure stays ``benchmarks/grading_throughput.py``'s.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder.perimeter.child_runtime.preload import WARM_MODULES  # noqa: E402
from autograder.perimeter.confinement import namespaces, syscalls  # noqa: E402


def outer_parent() -> None:
    pid_a = os.fork()
    if pid_a == 0:  # A
        syscalls.unshare(syscalls.CLONE_NEWPID)
        status_r, status_w = os.pipe()
        pid_b = os.fork()
        if pid_b:
            os.close(status_w)
            os.waitpid(pid_b, 0)
            os.read(status_r, 8)
            os._exit(0)
        pid_c = os.fork()  # B, the namespace's init
        if pid_c == 0:  # C
            os._exit(3)
        status = os.waitpid(pid_c, 0)[1]
        os.write(status_w, status.to_bytes(8, "big", signed=True))
        os._exit(0)
    os.waitpid(pid_a, 0)


def thin_init(init: str, home: int) -> None:
    pid, namespace = namespaces.fork_in_pid_namespace(init, home)
    if pid == 0:
        os._exit(3)
    os.waitpid(pid, 0)
    namespaces.end_pid_namespace(*namespace)
    os.waitpid(namespace[0], 0)


def cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="children made each way (default 200)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        parser.error("run as root: a new PID namespace and the way back to this one need CAP_SYS_ADMIN")
    init = namespaces.namespace_init()
    if init is None:
        parser.error(f"none of {', '.join(namespaces.NAMESPACE_INIT)} is here")
    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in WARM_MODULES:
        importlib.import_module(name)
    home = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    ways = {"outer parent": outer_parent, "thin init": lambda: thin_init(init, home)}
    totals = {name: [0.0, 0.0] for name in ways}
    for _ in range(2):  # alternately, twice, so that a change of the host's speed touches both
        for name, make in ways.items():
            wall, spent = time.perf_counter(), cpu()
            for _ in range(args.rounds // 2):
                make()
            totals[name][0] += time.perf_counter() - wall
            totals[name][1] += cpu() - spent
    rounds = 2 * (args.rounds // 2)
    for name, (wall, spent) in totals.items():
        print(f"{name}: {1000 * wall / rounds:.2f} ms per child ({1000 * spent / rounds:.2f} CPU ms)")
    ratio = totals["outer parent"][0] / totals["thin init"][0]
    print(f"outer parent/thin init: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
