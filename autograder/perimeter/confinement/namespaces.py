"""Namespaces: the zygote's user namespace (``userns`` mode), a network namespace per slot, and each child's own
mount, PID and IPC namespaces (``root`` and ``userns`` modes).

Per child: new mount, PID and IPC namespaces (as root
:func:`fork_in_pid_namespace` and :func:`enter_child_namespaces`: the child
is forked straight into its PID namespace, whose init is a small program; in
``userns`` mode :func:`isolate_child`: two processes of the zygote's own make
them). The child's writable storage is one size-limited tmpfs (working folder,
``/tmp``, ``/dev/shm``) that exists only in its mount namespace; its
``/proc`` shows only its own PID namespace. When the namespace's init ends,
the kernel kills every process of the namespace, and the tmpfs and the SysV
IPC objects vanish with the namespaces: there is nothing to clean up, so
cleanup cannot fail.

Standard library only: this module runs in the zygote and in the child.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
from typing import NoReturn

from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.confinement.processes import wait_status
from autograder.perimeter.confinement.syscalls import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    MNT_DETACH,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    PR_SET_DUMPABLE,
    PR_SET_PDEATHSIG,
    drop_capabilities,
    mount,
    prctl,
    setns,
    umount,
    unshare,
)
from autograder.perimeter.confinement.view import HOST_PROC, SANDBOX, View, bind_read_only


def enter_user_namespace() -> None:
    """Become "root" of a new user namespace that maps only our own uid and gid (ordinary users).

    Must be called while the process has a single thread. Raises ``OSError``
    when the kernel does not allow unprivileged user namespaces.
    """
    uid, gid = os.getuid(), os.getgid()
    unshare(CLONE_NEWUSER)
    for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
        with open(f"/proc/self/{name}", "w") as fh:
            fh.write(text)


def slot_networks(slots: int, proc: str) -> list[int]:
    """One new network namespace per worker slot, each held by an open descriptor (no interface up in any).

    Made from the zygote once it has its own network namespace (after
    :func:`.view.enter_view`), which it returns to. A slot's children join their
    slot's (:func:`join_network`): two submissions graded at the same time
    share no network namespace, so not even an abstract Unix socket connects
    them. ``proc``: where this process reads its own ``/proc`` from (:attr:`.view.View.proc`).
    Raises ``OSError`` when a namespace cannot be made.
    """
    home = os.open(f"{proc}/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    fds = []
    try:
        for _ in range(slots):
            unshare(CLONE_NEWNET)
            fds.append(os.open(f"{proc}/self/ns/net", os.O_RDONLY | os.O_CLOEXEC))
            setns(home, CLONE_NEWNET)
    except OSError:
        for fd in fds:
            os.close(fd)
        raise
    finally:
        os.close(home)
    return fds


def join_network(fd: int) -> None:
    """Enter the network namespace held by ``fd`` (a slot's, :func:`slot_networks`) and close ``fd``."""
    try:
        setns(fd, CLONE_NEWNET)
    finally:
        os.close(fd)


def end_like(status: int) -> NoReturn:
    """Exit the way a child with wait status ``status`` ended (outside a PID namespace's init)."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        with contextlib.suppress(OSError, ValueError):
            signal.signal(sig, signal.SIG_DFL)  # (not allowed for SIGKILL and SIGSTOP: they are default)
        with contextlib.suppress(OSError):
            os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


#: Where the init of a child's PID namespace comes from as root (:func:`fork_in_pid_namespace`): a program that
#: reads its standard input until it ends. Any of these will do (coreutils' ``cat``: in every Linux image).
NAMESPACE_INIT = ("/usr/bin/cat", "/bin/cat")


def namespace_init() -> str | None:
    """The program of :data:`NAMESPACE_INIT` this system has (None: children are isolated by :func:`isolate_child`)."""
    return next((path for path in NAMESPACE_INIT if os.access(path, os.X_OK)), None)


def fork_in_pid_namespace(init: str, home: int) -> tuple[int, tuple[int, int] | None]:
    """``os.fork()``, the child born in a new PID namespace (as root: returning here takes ``setns``).

    The namespace's init (its PID 1) is ``init`` (:func:`namespace_init`),
    spawned without copying this process's memory (``posix_spawn``), with a
    pipe for standard input whose other end only the caller holds. The child
    is the namespace's PID 2 and the caller's own child, which waits for it
    directly (no process relays how it ended). The init ends when that end is
    closed or the caller dies, or by :func:`end_pid_namespace`; the kernel then
    kills every process left in the namespace. The caller's next forks are
    born in its own PID namespace again (``home``: a descriptor of its
    ``/proc/self/ns/pid``).

    Returns ``(child's pid, (init's pid, the pipe's end))`` in the caller and
    ``(0, None)`` in the child. If the fork fails, the namespace is ended and
    the error raised.
    """
    read_end, hold = os.pipe()  # (both close-on-exec: the init gets the one as its standard input only)
    init_pid = pid = None
    try:
        unshare(CLONE_NEWPID)
        try:
            init_pid = os.posix_spawn(init, [os.path.basename(init)], {}, setsid=True, file_actions=[
                (os.POSIX_SPAWN_DUP2, read_end, 0), (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_DUP2, 1, 2)])
            pid = os.fork()
        finally:
            if pid != 0:  # (the caller, whether the fork failed or not: the child stays where it was born)
                setns(home, CLONE_NEWPID)
    except BaseException:
        if init_pid is not None:
            end_pid_namespace(init_pid, hold)
        else:
            os.close(hold)
        raise
    finally:
        os.close(read_end)
    if pid == 0:
        os.close(hold)
        return 0, None
    return pid, (init_pid, hold)


def end_pid_namespace(init_pid: int, hold: int) -> None:
    """End a namespace of :func:`fork_in_pid_namespace` now: its init is killed, which kills the rest.

    The init's exit completes once the caller has reaped its own child in the namespace (the kernel waits for
    every process of the namespace to be gone), so the caller never waits for the init before that child.
    """
    with contextlib.suppress(OSError):
        os.kill(init_pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.close(hold)


def enter_child_namespaces(limits: Limits, uid: int | None, view: View) -> str:
    """In a child of :func:`fork_in_pid_namespace` (as root): its own mount and IPC namespaces.

    The mounts of :func:`isolate_child` (the tmpfs on :data:`SANDBOX`, a ``/proc`` of the child's PID
    namespace, the host's unmounted) without its two extra processes. Returns the working folder.
    """
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the zygote died: nothing of ours stays
    unshare(CLONE_NEWNS | CLONE_NEWIPC)
    _mount_child_tmpfs(limits, uid, view)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    umount(HOST_PROC, MNT_DETACH)
    return f"{SANDBOX}/work"


def isolate_child(limits: Limits, uid: int | None, keep_fd: int, view: View) -> str:
    """In a process just forked from the zygote: enter the child's own namespaces (``userns`` mode, or root
    without :func:`namespace_init`).

    Forks twice. This process (*A*, outside) unshares mount, PID and IPC
    namespaces, mounts the child's tmpfs on :data:`SANDBOX` (``work/``,
    ``tmp/``, ``shm/``; ``/tmp`` and ``/dev/shm`` are bound to the last two)
    and waits. Its child *B* is the init of the new PID namespace: it mounts
    a ``/proc`` of that namespace, unmounts the host's, drops every
    capability and waits for *C*, which returns from this function (in the
    namespaces, ``/proc`` fresh) to run student code. When C ends, B ends;
    the kernel then kills whatever C left behind in the namespace, and the
    tmpfs and the IPC objects go with the last process. A and B end the way C
    did (its wait status travels up a pipe), so the zygote still learns that a
    child "exited with code 3" or was "killed by SIGSEGV".

    Only ``keep_fd`` (the child's socket) must stay open in C; A and B close it.
    Returns the working folder (in C). Raises ``OSError`` (in A) when a
    namespace or a mount cannot be made.
    """
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the zygote died: nothing of ours stays
    unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC)
    _mount_child_tmpfs(limits, uid, view)
    status_r, status_w = os.pipe()
    pid_b = os.fork()
    if pid_b:  # A
        os.close(status_w)
        os.close(keep_fd)
        status_b = wait_status(pid_b)
        data = os.read(status_r, 8)
        end_like(int.from_bytes(data, "big", signed=True) if len(data) == 8 else status_b)
    # B: init of the new PID namespace
    os.close(status_r)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    umount(HOST_PROC, MNT_DETACH)
    pid_c = os.fork()
    if pid_c == 0:  # C
        os.close(status_w)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        return f"{SANDBOX}/work"
    os.close(keep_fd)
    try:
        drop_capabilities()
        prctl(PR_SET_DUMPABLE, 0)
    except OSError:
        pass
    status_c = wait_status(pid_c)
    os.write(status_w, status_c.to_bytes(8, "big", signed=True))
    os._exit(0)


def _mount_child_tmpfs(limits: Limits, uid: int | None, view: View) -> None:
    """The child's tmpfs on :data:`SANDBOX` (``work/``, ``tmp/``, ``shm/`` owned by ``uid``), bound on /tmp and
    /dev/shm; its own pseudo-terminals when devpts allows (IPython's ``!``)."""
    mount("tmpfs", SANDBOX, "tmpfs", MS_NOSUID | MS_NODEV,
          f"size={max(1, int(limits.workdir_mb))}m,nr_inodes={limits.workdir_files},mode=0755")
    for sub in ("work", "tmp", "shm"):
        path = f"{SANDBOX}/{sub}"
        os.mkdir(path, 0o700)
        if uid is not None:
            os.chown(path, uid, uid)
    kept = []
    for i, path in enumerate(view.under_tmp):  # hold them before /tmp is covered
        hold = f"{SANDBOX}/.keep{i}"
        bind_read_only(path, hold, view.proc)
        kept.append((hold, path))
    mount(f"{SANDBOX}/tmp", "/tmp", None, MS_BIND)
    mount(f"{SANDBOX}/shm", "/dev/shm", None, MS_BIND)
    for hold, path in kept:
        bind_read_only(hold, path, view.proc)
        umount(hold, MNT_DETACH)
    try:  # pseudo-terminals of its own (IPython's `!` runs commands in one)
        mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620")
        mount("/dev/pts/ptmx", "/dev/ptmx", None, MS_BIND)
    except OSError:
        pass
