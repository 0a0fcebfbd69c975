"""Per-submission limits over all of a submission's processes: one cgroup per worker slot.

RLIMITs are per process: five processes of 1.5 GB each stay under a 2 GB
``RLIMIT_AS``, and 31 busy processes take 31 shares of the CPU. A cgroup
counts a slot's processes together: memory (RSS and the tmpfs the child
writes), the number of processes, and the CPU (at most one CPU per slot, and
equal weights, so a slot with many busy processes cannot starve another).

The zygote creates ``probdl-autograder-<pid>/slot<i>`` once (where the host
lets it: cgroup v2 with the memory, pids and cpu controllers, else the v1
``memory``, ``pids``, ``cpu`` and ``cpuacct`` hierarchies), keeps a descriptor
of each folder (they stay usable after it leaves the host's mount namespace),
writes the limits before each spawn, and each child joins its slot's groups
before entering its namespaces. Without write access (an ordinary user with
no delegated subtree) nothing is created and the report says why.

Standard library only (runs in the zygote).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any

ROOT = "/sys/fs/cgroup"
PREFIX = "probdl-autograder-"
CPU_PERIOD_US = 100_000


def _own_path(controller: str | None) -> str:
    """This process's cgroup path in a v1 hierarchy (``controller``) or in v2 (None)."""
    try:
        with open("/proc/self/cgroup") as fh:
            for line in fh:
                _, ctrls, path = line.rstrip("\n").split(":", 2)
                if (controller is None and ctrls == "") or (controller in ctrls.split(",")):
                    return path
    except OSError:
        pass
    return "/"


def _read(path: str) -> str:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _remove_stale(parent: str) -> None:
    """Remove the empty groups left by an earlier zygote that was killed."""
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        if name.startswith(PREFIX) and name[len(PREFIX):].isdigit() and not _alive(int(name[len(PREFIX):])):
            base = os.path.join(parent, name)
            for sub in os.listdir(base):
                if os.path.isdir(os.path.join(base, sub)):
                    with contextlib.suppress(OSError):
                        os.rmdir(os.path.join(base, sub))
            with contextlib.suppress(OSError):
                os.rmdir(base)


@dataclass
class SlotGroups:
    """The cgroup folders of one slot (one per hierarchy), as open directory descriptors."""

    fds: dict[str, int] = field(default_factory=dict)  # hierarchy name -> fd of the slot's folder


class Cgroups:
    """The slots' cgroups of one zygote; :attr:`report` says what applies."""

    def __init__(self, slots: int):
        self.slots = int(slots)
        self.version: int | None = None
        self.bases: dict[str, str] = {}  # hierarchy -> base folder path
        # (fd of the parent, base name, fd of the base): for removal from inside the view
        self._base_fds: list[tuple[int, str, int]] = []
        self.groups: list[SlotGroups] = []
        self.report: dict[str, Any] = {"available": False}
        self._limits: dict[int, tuple[int, int, int]] = {}

    # -- set-up --------------------------------------------------------------
    def create(self) -> dict[str, Any]:
        """Create the groups where possible; never raises. Returns :attr:`report`."""
        try:
            if os.path.exists(os.path.join(ROOT, "cgroup.controllers")):
                self._create_v2(ROOT)
            elif "memory" in _read(os.path.join(ROOT, "unified", "cgroup.controllers")).split():
                self._create_v2(os.path.join(ROOT, "unified"))
            else:
                self._create_v1()
        except OSError as exc:
            self.close()
            self.report = {"available": False, "why": f"cgroups could not be set up: {exc}"}
        return self.report

    def _create_v2(self, mount: str) -> None:
        parent = mount if os.geteuid() == 0 else os.path.join(mount, _own_path(None).lstrip("/"))
        enabled = _read(os.path.join(parent, "cgroup.subtree_control")).split()
        missing = [c for c in ("memory", "pids", "cpu") if c not in enabled]
        if missing or not os.access(parent, os.W_OK):
            self.report = {"available": False, "why": f"cgroup v2 at {parent}: not delegated to us "
                           f"(writable: {os.access(parent, os.W_OK)}, controllers missing: {missing})"}
            return
        _remove_stale(parent)
        base = self._make_base(parent)
        self.bases["v2"] = base
        with open(os.path.join(base, "cgroup.subtree_control"), "w") as fh:
            fh.write("+memory +pids +cpu")
        for slot in range(self.slots):
            path = os.path.join(base, f"slot{slot}")
            os.mkdir(path)
            self.groups.append(SlotGroups({"v2": os.open(path, os.O_RDONLY | os.O_DIRECTORY)}))
        self.version = 2
        self.report = {"available": True, "version": 2, "path": base, "paths": {"v2": base}}

    def _create_v1(self) -> None:
        hierarchies = ("memory", "pids", "cpu", "cpuacct")
        parents = {h: os.path.join(ROOT, h, _own_path(h).lstrip("/")) for h in hierarchies}
        usable = {h: p for h, p in parents.items() if os.path.isdir(p) and os.access(p, os.W_OK)}
        if "memory" not in usable or "pids" not in usable:
            self.report = {"available": False, "why": "no writable cgroup v2 with memory+pids, nor cgroup v1 "
                           f"memory and pids hierarchies (writable: {sorted(usable) or 'none'})"}
            return
        for h, parent in usable.items():
            _remove_stale(parent)
            self.bases[h] = self._make_base(parent)
        if "cpu" in self.bases:  # the batch as a whole competes like `slots` ordinary processes
            self._write_path(os.path.join(self.bases["cpu"], "cpu.shares"), str(1024 * self.slots))
        for slot in range(self.slots):
            fds = {}
            for h, base in self.bases.items():
                path = os.path.join(base, f"slot{slot}")
                os.mkdir(path)
                fds[h] = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            self.groups.append(SlotGroups(fds))
        self.version = 1
        self.report = {"available": True, "version": 1, "path": self.bases.get("memory"),
                       "paths": dict(self.bases)}

    def _make_base(self, parent: str) -> str:
        name = f"{PREFIX}{os.getpid()}"
        os.mkdir(os.path.join(parent, name))
        self._base_fds.append((os.open(parent, os.O_RDONLY | os.O_DIRECTORY), name,
                               os.open(os.path.join(parent, name), os.O_RDONLY | os.O_DIRECTORY)))
        return os.path.join(parent, name)

    @staticmethod
    def _write_path(path: str, text: str) -> None:
        with open(path, "w") as fh:
            fh.write(text)

    @staticmethod
    def _write(dir_fd: int, name: str, text: str) -> None:
        fd = os.open(name, os.O_WRONLY, dir_fd=dir_fd)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)

    # -- per spawn -------------------------------------------------------------
    def limit(self, slot: int, memory_mb: int, nproc: int, trusted: int) -> dict[str, Any]:
        """Set the slot's limits (memory over all its processes, process count, one CPU).

        Returns what applies (``{}`` without cgroups). The process count is
        ``nproc`` and the ``trusted`` processes of ours that share the group
        with the child (``userns`` mode: its outer parent and its namespace's
        init, :func:`.namespaces.isolate_child`; else none).
        """
        if not self.report.get("available"):
            return {}
        key = (memory_mb, nproc, trusted)
        applied: dict[str, Any] = {"cgroup": f"v{self.version}", "memory_mb": int(memory_mb), "pids": int(nproc) + trusted,
                   "cpus": 1.0}
        if self._limits.get(slot) == key:
            return applied
        fds = self.groups[slot].fds
        memory, pids = str(int(memory_mb) * 1024 * 1024), str(int(nproc) + trusted)
        if self.version == 2:
            self._write(fds["v2"], "memory.max", memory)
            with contextlib.suppress(OSError):
                self._write(fds["v2"], "memory.swap.max", "0")
            self._write(fds["v2"], "pids.max", pids)
            self._write(fds["v2"], "cpu.max", f"{CPU_PERIOD_US} {CPU_PERIOD_US}")
        else:
            self._write(fds["memory"], "memory.limit_in_bytes", memory)
            with contextlib.suppress(OSError):
                self._write(fds["memory"], "memory.memsw.limit_in_bytes", memory)
            self._write(fds["pids"], "pids.max", pids)
            if "cpu" in fds:
                self._write(fds["cpu"], "cpu.cfs_period_us", str(CPU_PERIOD_US))
                self._write(fds["cpu"], "cpu.cfs_quota_us", str(CPU_PERIOD_US))
            else:
                applied.pop("cpus")
        self._limits[slot] = key
        return applied

    def join(self, slot: int) -> None:
        """Move the calling process (a freshly forked child) into the slot's groups."""
        if not self.report.get("available"):
            return
        for fd in self.groups[slot].fds.values():
            self._write(fd, "cgroup.procs", str(os.getpid()))

    def descriptors(self) -> list[int]:
        return [fd for g in self.groups for fd in g.fds.values()]

    def close(self) -> None:
        """Close the descriptors and remove the (by now empty) groups (works from inside the view)."""
        for fd in self.descriptors():
            with contextlib.suppress(OSError):
                os.close(fd)
        self.groups = []
        for parent_fd, name, base_fd in self._base_fds:
            for slot in range(self.slots):
                with contextlib.suppress(OSError):
                    os.rmdir(f"slot{slot}", dir_fd=base_fd)
            with contextlib.suppress(OSError):
                os.rmdir(name, dir_fd=parent_fd)
            os.close(base_fd)
            os.close(parent_fd)
        self._base_fds, self.bases = [], {}
