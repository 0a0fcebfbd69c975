"""How many cores this process may use: its CPU affinity and its cgroup's CPU quota.

``os.cpu_count()`` counts the machine's cores. A container is usually narrowed otherwise: a CPU quota
(``docker run --cpus 2``, a Kubernetes CPU limit, a CI runner's plan) leaves every core visible and lets the
process use only so many core-seconds a second; a cpuset (``--cpuset-cpus``, ``taskset``) narrows its affinity.
A grader that sized its worker pool by ``os.cpu_count()`` on a 64-core host under a 2-core quota would start 65
sandboxed children (each a copy of the zygote, about 100 MB) and make them take turns on two cores.

:func:`cores` is the smallest of the three: the machine's cores, the affinity, the quota rounded up (cgroup v2's
``cpu.max``, v1's ``cpu.cfs_quota_us`` over ``cpu.cfs_period_us``, the tightest on the way from the process's own
cgroup to its hierarchy's root, since a parent's limit binds its children). Our own: loky's ``cpu_count`` does this
too, but reads only the cgroup at the mount point (not the process's own below it) and imports its process
executor and cloudpickle with it, 0.1 s of every command's start for one number.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from pathlib import Path

__all__ = ["cores", "quota"]

#: Where a process's cgroups and the hierarchies' mount points are listed (arguments of :func:`quota` in tests).
PROC_CGROUP = Path("/proc/self/cgroup")
PROC_MOUNTINFO = Path("/proc/self/mountinfo")


def cores() -> int:
    """The cores this process may use: the machine's, narrowed by its CPU affinity and its cgroup's CPU quota
    (rounded up: a quota of 1.5 cores is 2); at least 1."""
    count = os.cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        count = min(count, len(os.sched_getaffinity(0)))
    limit = quota()
    if limit is not None:
        count = min(count, math.ceil(limit))
    return max(1, count)


def quota(proc_cgroup: Path = PROC_CGROUP, mountinfo: Path = PROC_MOUNTINFO) -> float | None:
    """The CPU quota of this process's cgroups in cores (quota over period, the tightest from its cgroup up to the
    root), or None where none is set or none can be read (not Linux, no cgroup file system mounted)."""
    try:
        memberships = proc_cgroup.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
        mounts = mountinfo.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError:
        return None
    limits = []
    for line in memberships:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":  # cgroup v2: one hierarchy, cpu.max holds "quota period" or "max period"
            limits += _limits(_mount(mounts, "cgroup2", None), path, _v2)
        elif "cpu" in controllers.split(","):  # cgroup v1: the cpu controller's own hierarchy
            limits += _limits(_mount(mounts, "cgroup", "cpu"), path, _v1)
    return min(limits) if limits else None


def _mount(mounts: list[str], fstype: str, controller: str | None) -> tuple[str, Path] | None:
    """``(root within the hierarchy, mount point)`` of the first mount of ``fstype`` (with ``controller`` among its
    options for v1), from /proc/self/mountinfo's lines (``id parent dev root point options … - fstype source
    super-options``)."""
    for line in mounts:
        head, sep, tail = line.partition(" - ")
        fields, rest = head.split(), tail.split()
        if not sep or len(fields) < 5 or len(rest) < 3 or rest[0] != fstype:
            continue
        if controller is None or controller in rest[2].split(","):
            return _unescaped(fields[3]), Path(_unescaped(fields[4]))
    return None


def _unescaped(field: str) -> str:
    """A mountinfo field made plain: the kernel writes space, tab, newline and backslash as octal ``\\ooo``.
    (autograder/perimeter/confinement/view.py reads mount points the same way; the sandbox imports nothing of the model, nor the
    model of the sandbox, so each layer has its own.)"""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), field)


def _limits(mount: tuple[str, Path] | None, path: str, read: Callable[[Path], float | None]) -> list[float]:
    """The quotas (in cores) set on the way from the cgroup ``path`` up to the root of the hierarchy mounted at
    ``mount``, each read by ``read(folder)``."""
    if mount is None:
        return []
    root, point = mount
    relative = path[len(root):] if root != "/" and path.startswith(root) else path
    folder = point / relative.lstrip("/")
    found = []
    while True:
        try:
            limit = read(folder)
        except (OSError, ValueError):
            limit = None
        if limit is not None:
            found.append(limit)
        if folder == point or point not in folder.parents:
            return found
        folder = folder.parent


def _v2(folder: Path) -> float | None:
    quota_us, period_us = (folder / "cpu.max").read_text(encoding="ascii").split()
    return None if quota_us == "max" else _cores(int(quota_us), int(period_us))


def _v1(folder: Path) -> float | None:
    quota_us = int((folder / "cpu.cfs_quota_us").read_text(encoding="ascii"))
    return _cores(quota_us, int((folder / "cpu.cfs_period_us").read_text(encoding="ascii")))


def _cores(quota_us: int, period_us: int) -> float | None:
    """A quota in cores; None for no quota (v1 writes -1)."""
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None
