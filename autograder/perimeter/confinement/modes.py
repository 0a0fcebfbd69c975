"""The sandbox's modes, and the probes the zygote chooses one with.

Four modes, chosen once by the zygote (:func:`requested_mode`, recorded as
``sandbox["mode"]``):

* ``root`` (the grader runs as root, e.g. a CI runner under ``sudo``): each
  slot's children run as a uid of their own (:mod:`.claims`) with no
  capabilities, in namespaces of their own (:mod:`.view`, :mod:`.namespaces`);
* ``uid`` (root where namespaces are refused: a container without
  ``CAP_SYS_ADMIN``, as on Gradescope, GitLab's Docker executor, GitHub
  container jobs; chosen when :func:`namespaces_refused` says why): each
  slot's children run as a uid of their own, and read, write and execute only
  what a Landlock ruleset allows (:mod:`.landlock`), with no network and no
  shared IPC (:mod:`.seccomp`; both applied by :func:`.confine.restrict_uid_child`),
  each slot's share of the disk held by the grader (:mod:`.disk_watch`);
* ``userns`` (an ordinary user, where the kernel allows unprivileged user
  namespaces): the zygote enters a user namespace in which it is "root" over
  its own namespaces only (:func:`.namespaces.enter_user_namespace`); children
  drop every capability;
* ``weak`` (no user namespaces, or root that cannot switch uids): rlimits,
  sessions and process-tree killing only, with a loud warning.

Standard library only: this module runs in the zygote.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from autograder.perimeter.confinement import seccomp
from autograder.perimeter.confinement.processes import forked, wait_status
from autograder.perimeter.confinement.syscalls import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    MS_NODEV,
    MS_NOSUID,
    MS_PRIVATE,
    MS_REC,
    PR_SET_NO_NEW_PRIVS,
    mount,
    prctl,
    unshare,
)

MODES = ("root", "uid", "userns", "weak")
#: How much each mode isolates, for a mode an instructor requires (``autograde --sandbox MODE``): ``root`` (a uid of
#: its own per slot and namespaces) > ``uid`` (a uid of its own per slot, Landlock, seccomp) > ``userns``
#: (namespaces, every slot the grader's own uid mapped) > ``weak`` (limits and killing only).
STRENGTH = {"weak": 0, "userns": 1, "uid": 2, "root": 3}
#: The modes whose children run as a uid of their own per worker slot (killed with ``kill -1`` as that uid).
UID_MODES = ("root", "uid")


def requested_mode() -> str:
    """The mode asked for: ``AUTOGRADER_SANDBOX_MODE`` if set, else ``root`` as root, else ``userns``.

    ``AUTOGRADER_UNPRIVILEGED_SANDBOX=1`` means "as if not root" (``userns``).
    The zygote falls back from ``root`` (not forced) to ``uid`` when the kernel
    refuses namespaces (:func:`namespaces_refused`), from ``uid`` to ``weak``
    when root cannot switch to another uid, and from ``userns`` to ``weak``
    when the kernel refuses a user namespace (:func:`enter_user_namespace`).
    """
    mode = os.environ.get("AUTOGRADER_SANDBOX_MODE", "").strip().lower()
    if mode:
        if mode not in MODES:
            raise ValueError(f"AUTOGRADER_SANDBOX_MODE must be one of {', '.join(MODES)}, not {mode!r}: unset it to "
                             "let the grader choose the strongest mode available")
        if mode in UID_MODES and os.geteuid() != 0:
            raise ValueError(f"AUTOGRADER_SANDBOX_MODE={mode} needs root: run the grader as root (sudo), or unset "
                             "it to let the grader choose")
        return mode
    if os.geteuid() == 0 and os.environ.get("AUTOGRADER_UNPRIVILEGED_SANDBOX") != "1":
        return "root"
    return "userns"


def refused_in_child(attempt: Callable[[], object]) -> str:
    """Call ``attempt()`` in a forked process, so that this one stays as it was: '' when it returned, else why
    it raised (one line). Only while this process runs a single thread (the zygote, at its start): the fork
    would copy a lock another thread holds, never to be released in the copy, which runs Python; RuntimeError
    otherwise."""
    if threading.active_count() > 1:
        raise RuntimeError("refused_in_child forks and runs Python in the copy: call it while this process runs "
                           f"one thread, not {threading.active_count()}")
    read_end, write_end = os.pipe()

    def child() -> None:
        os.close(read_end)
        try:
            attempt()
            said = b""
        except BaseException as exc:  # noqa: BLE001 — the reason is the answer
            said = (f"{exc.strerror}" if isinstance(exc, OSError) and exc.strerror else str(exc)).encode()
            said = said or type(exc).__name__.encode()
        os.write(write_end, said[:400])

    pid = forked(child)
    os.close(write_end)
    chunks = []
    while True:
        data = os.read(read_end, 512)
        if not data:
            break
        chunks.append(data)
    os.close(read_end)
    status = wait_status(pid)
    why = b"".join(chunks).decode("utf-8", "replace")
    if not why and not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        why = "the attempt ended abnormally"
    return why


def namespaces_refused(mount_point: str) -> str:
    """Why the ``root`` mode cannot work here ('' when it can): its namespaces and a tmpfs mount on
    ``mount_point`` (an empty folder), tried in a forked process.

    A container without ``CAP_SYS_ADMIN`` refuses them (Docker's and podman's
    default seccomp profiles refuse ``unshare`` and ``mount`` without it).
    """
    def attempt() -> None:
        try:
            unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC)
        except OSError as exc:
            raise OSError(exc.errno, f"namespaces: {os.strerror(exc.errno) if exc.errno else exc}") from None
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        mount("tmpfs", mount_point, "tmpfs", MS_NOSUID | MS_NODEV, "size=4k")

    return refused_in_child(attempt)


def uid_switch_refused(uid: int) -> str:
    """Why this process cannot become ``uid`` ('' when it can; tried in a forked process): a container
    without ``CAP_SETUID``/``CAP_SETGID``, or whose user namespace does not map ``uid``."""
    def attempt() -> None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)

    return refused_in_child(attempt)


def seccomp_refused() -> str:
    """Why :mod:`.seccomp`'s filter cannot be installed here ('' when it can; tried in a forked process)."""
    def attempt() -> None:
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        seccomp.install()

    return refused_in_child(attempt)
