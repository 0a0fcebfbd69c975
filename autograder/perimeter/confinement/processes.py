"""A slot's processes: found from a ``/proc``, waited for, and killed (as their uid, or as a tree).

As root (``root`` and ``uid`` modes) a slot is a uid, and
:func:`kill_uid_processes` kills everything of it at once: ``kill(-1,
SIGKILL)`` from a helper that switched to that uid, which the zygote's small
root process (:func:`killer_server`) forks on request. In ``userns`` mode the
zygote kills what is left in a child's PID namespace, in ``weak`` mode the
process tree and the zygote's orphans (:func:`kill_tree`; the zygote is a child
subreaper). Every function that reads processes is given the ``/proc`` to read
(:attr:`.view.View.proc`: the host's, once the zygote is in its view, is
mounted elsewhere).

Standard library only: this module runs in the zygote and its killer.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from typing import NoReturn


def wait_status(pid: int) -> int:
    """``waitpid`` for ``pid``, again when interrupted; 0 when it is not this process's child."""
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return 0
        except InterruptedError:
            continue


def forked(run: Callable[[], object]) -> int:
    """Fork a child that calls ``run()`` and ends there: with status 0 when it returned, 1 when it raised.

    The child never returns into the caller's code (its stack and ``finally`` blocks are the parent's), and
    ``os._exit`` ends it without the parent's exit handlers or buffered output.

    Returns
    -------
    int
        The child's pid, in the parent.
    """
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            run()
            code = 0
        finally:
            os._exit(code)
    return pid


def kill_uid_processes(uid: int, gid: int, passes: int = 2) -> bool:
    """In a fresh helper process: become ``uid`` and SIGKILL every process of it.

    ``kill(-1, SIGKILL)`` as an unprivileged user signals exactly the
    processes whose real or saved uid is ``uid`` (the helper itself aside),
    atomically with respect to fork: a process forking during the walk
    either has its child in the walk or is already dying, so the fork fails.
    Callers verify with :func:`uid_processes` and repeat if needed.
    """
    def helper() -> None:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        for _ in range(passes):
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)

    pid = forked(helper)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def uid_processes(uid: int, proc: str) -> dict[int, str | None]:
    """``pid -> state letter`` of the processes whose real uid is ``uid`` (from ``proc``)."""
    out = {}
    for pid, text in proc_files(proc, "status", 1024):
        state = ruid = None
        for line in text.split(b"\n"):
            if line.startswith(b"State:"):
                state = line.split()[1].decode()
            elif line.startswith(b"Uid:"):
                ruid = int(line.split()[1])
                break
        if ruid == uid:
            out[pid] = state
    return out


def proc_files(proc: str, name: str, size: int = -1) -> Iterator[tuple[int, bytes]]:
    """``(pid, the first size bytes of <proc>/<pid>/<name>)`` for every process whose file can be read."""
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(f"{proc}/{entry}/{name}", "rb") as fh:
                data = fh.read(size)
        except OSError:
            continue
        yield int(entry), data


def proc_state(pid: int, proc: str) -> str | None:
    """The state letter of ``pid`` (``"Z"`` for a zombie), or None when it is gone."""
    try:
        with open(f"{proc}/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return None


def killer_server(sock: socket.socket) -> NoReturn:
    """A small root process that kills slots on request: ``uid,gid`` in, ``ok`` out.

    It is forked from the zygote before the heavy imports, so forking a
    helper from it is cheap.
    """
    req = struct.Struct(">ii")
    while True:
        try:
            data = sock.recv(req.size, socket.MSG_WAITALL)
        except OSError:
            break
        if len(data) < req.size:
            break
        uid, gid = req.unpack(data)
        ok = kill_uid_processes(uid, gid)
        try:
            sock.sendall(b"\x01" if ok else b"\x00")
        except OSError:
            break
    os._exit(0)


def proc_children(proc: str) -> dict[int, int]:
    """``pid -> ppid`` of every process, from ``proc``."""
    out = {}
    for pid, data in proc_files(proc, "stat"):
        rest = data[data.rfind(b")") + 2:].split()
        if len(rest) > 1:
            out[pid] = int(rest[1])
    return out


def descendants(root_pids: Iterable[int], table: dict[int, int]) -> set[int]:
    """Every descendant of ``root_pids`` in ``table`` (``pid -> ppid``: :func:`proc_children`)."""
    kids: dict[int, list[int]] = {}
    for pid, ppid in table.items():
        kids.setdefault(ppid, []).append(pid)
    out: set[int] = set()
    stack = list(root_pids)
    while stack:
        pid = stack.pop()
        for child in kids.get(pid, ()):
            if child not in out:
                out.add(child)
                stack.append(child)
    return out


def kill_tree(pids: Iterable[int], proc: str) -> None:
    """SIGKILL ``pids``, their process groups and all their descendants (non-root mode), read from ``proc``."""
    pids = set(pids)
    for _ in range(5):
        table = proc_children(proc)
        victims = (set(pids) | descendants(pids, table)) & set(table)
        if not victims:
            return
        for pid in victims:
            for kill in (os.killpg, os.kill):
                with contextlib.suppress(OSError):
                    kill(pid, signal.SIGKILL)
        time.sleep(0.001)
