"""The sandbox: namespaces, hidden paths, resource limits, unprivileged uids, killing.

Two layers, applied by the zygote (:mod:`autograder.engine.zygote`):

* once, in the zygote, when it runs as root: a private mount namespace in
  which the course (``solutions/``, ``autograder/``, ``source/``, tests, git
  history), the submissions and results folders and root's home are covered
  by empty read-only tmpfs mounts — except the paths the Python interpreter
  itself needs (its prefix, the virtualenv), which are bind-mounted back —
  plus a fresh ``/tmp`` and ``/dev/shm``, and a network namespace with no
  interface up. Children inherit both.
* per child, right after fork and before any student code:
  :func:`confine_child` — new session, rlimits (address space, CPU,
  processes, file size, open files, no core dumps), a fresh private folder as
  working directory (in the slot's own small tmpfs; HOME, TMPDIR, MPLCONFIGDIR
  point there), no new privileges, and, as root, a drop to the worker slot's
  own uid/gid with no supplementary groups.

Killing a slot kills *every* process of its uid (``kill(-1, SIGKILL)`` from a
helper that switched to that uid), which catches processes that escaped with
``setsid`` or a double fork; each batch reserves its own uids, so concurrent
batches never touch each other's children. Without root, a slot is killed by
process group and by walking the zygote's descendants (orphans are
reparented to the zygote, a child subreaper).

Standard library only: this module runs in the zygote and in the child.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import resource
import signal
import socket
import stat
import struct
import time
from dataclasses import asdict, dataclass

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

#: Sandbox uids/gids are reserved from here up, one per worker slot (see :func:`claim_uids`).
UID_BASE = int(os.environ.get("AUTOGRADER_SANDBOX_UID_BASE", "61000"))

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


@dataclass
class Limits:
    """Resource limits of one submission's child process.

    ``timeout_s`` bounds each cell and each call (wall clock, enforced by the
    parent); ``budget_s`` bounds a whole submission; ``cpu_s`` is the child's
    RLIMIT_CPU; ``output_cap`` the bytes of stdout/stderr kept.
    """

    timeout_s: float = 10.0
    memory_mb: int = 2048
    cpu_s: int = 120
    nproc: int = 32
    fsize_mb: int = 16
    nofile: int = 256
    output_cap: int = 1024 * 1024
    max_respawns: int = 10
    budget_s: float = 120.0
    workdir_mb: int = 64

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Limits":
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})


def is_root() -> bool:
    """Whether the root-only layers (namespaces, hidden paths, per-slot uids) are used.

    ``AUTOGRADER_UNPRIVILEGED_SANDBOX=1`` forces the fallback used without root
    (rlimits, sessions, process-tree killing only), e.g. to test it.
    """
    return os.geteuid() == 0 and os.environ.get("AUTOGRADER_UNPRIVILEGED_SANDBOX") != "1"


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    if hasattr(os, "unshare"):  # Python 3.12+
        os.unshare(flags)
    else:
        _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source, target, fstype, flags=0, data=None) -> None:
    enc = lambda s: None if s is None else os.fsencode(s)  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def umount(target, flags=MNT_DETACH) -> None:
    _check(_libc.umount2(os.fsencode(target), ctypes.c_int(flags)), f"umount {target}")


def prctl(option, arg2=0) -> None:
    _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0)), f"prctl {option}")


# ---------------------------------------------------------------------------
# once, in the zygote


def _inside(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def plan_hiding(targets, needed) -> list:
    """Which paths to cover, and which needed paths to bind back into each.

    Returns ``[(target, is_dir, keeps)]`` in mount order: ``keeps`` are the
    needed paths strictly inside ``target`` (minimal: none inside another).
    """
    needed = sorted({os.path.realpath(p) for p in needed if p and os.path.exists(p)})
    minimal = [p for p in needed if not any(q != p and _inside(p, q) for q in needed)]
    plan = []
    for target in sorted({os.path.realpath(t) for t in targets if t}, key=len):
        if target == "/" or target in minimal or not os.path.lexists(target):
            continue
        covered = any(_inside(target, t) for t, _, _ in plan)
        revealed = any(_inside(target, k) for _, _, keeps in plan for k in keeps)
        if covered and not revealed:
            continue  # already invisible
        keeps = [n for n in minimal if _inside(n, target) and n != target]
        plan.append((target, os.path.isdir(target), keeps))
    return plan


def _cover_dir(target: str, keeps, data: str, read_only: bool) -> None:
    """Mount a tmpfs on ``target`` and bind each of ``keeps`` (inside it) back."""
    fds = [(keep, os.open(keep, os.O_PATH | os.O_CLOEXEC)) for keep in keeps]
    try:
        mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, data)
        for keep, fd in fds:
            dest = os.path.join(target, os.path.relpath(keep, target))
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                os.makedirs(dest, mode=0o755, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
                open(dest, "w").close()
            mount(f"/proc/self/fd/{fd}", dest, None, MS_BIND | MS_REC)
        if read_only:
            mount(None, target, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    finally:
        for _, fd in fds:
            os.close(fd)


def hide(plan) -> list:
    """Cover each planned path (in this mount namespace). Returns the hidden paths."""
    hidden = []
    for target, is_dir, keeps in plan:
        if is_dir:
            _cover_dir(target, keeps, "size=1m,mode=0755", read_only=True)
        else:
            mount("/dev/null", target, None, MS_BIND)
        hidden.append(target)
    return hidden


def setup_zygote_namespaces(hide_targets, needed, tmp_mb: int = 16) -> dict:
    """Enter new mount and network namespaces and hide ``hide_targets`` (root only).

    Returns a report: ``{"mountns", "netns", "hidden", "errors"}``.
    """
    report = {"mountns": False, "netns": False, "hidden": [], "errors": []}
    if not is_root():
        report["errors"].append("not running as root: no namespaces, no hidden paths")
        return report
    try:
        unshare(CLONE_NEWNET)
        report["netns"] = True
    except OSError as exc:
        report["errors"].append(f"network namespace: {exc}")
    try:
        unshare(CLONE_NEWNS)
        mount(None, "/", None, MS_REC | MS_PRIVATE)
    except OSError as exc:
        report["errors"].append(f"mount namespace: {exc}")
        return report
    try:
        report["hidden"] = hide(plan_hiding(hide_targets, needed))
        needed_real = sorted({os.path.realpath(n) for n in needed if n and os.path.exists(n)})
        minimal = [p for p in needed_real if not any(q != p and _inside(p, q) for q in needed_real)]
        for path, mode in (("/tmp", "0755"), ("/dev/shm", "1777")):
            if os.path.isdir(path):
                # A fresh, writable tmpfs; a needed path under it (a checkout in
                # /tmp with its .venv) is bound back, everything else is gone.
                keeps = [n for n in minimal if _inside(n, path) and n != path]
                _cover_dir(path, keeps, f"size={tmp_mb}m,mode={mode}", read_only=False)
                report["hidden"].append(path)
        report["mountns"] = True
    except OSError as exc:
        report["errors"].append(f"hiding paths: {exc}")
    return report


# ---------------------------------------------------------------------------
# per child


def claim_uids(count: int, start: int = UID_BASE, span: int = 4000) -> list:
    """Reserve ``count`` unused uids for this zygote's slots: ``[(uid, lock)]``.

    Each uid is held by binding an abstract UNIX socket named after it (in the
    host's network namespace, before the zygote leaves it), so two batches on
    one machine never share a uid — killing one's slot cannot touch the
    other's children — and a reservation ends with the process that held it.
    Uids known to the system (``/etc/passwd``, ``/etc/group``) are skipped.
    """
    import grp
    import pwd

    claimed = []
    for uid in range(start, start + span):
        if len(claimed) == count:
            break
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        try:
            grp.getgrgid(uid)
            continue
        except KeyError:
            pass
        lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            lock.bind(f"\0probdl-autograder-uid-{uid}".encode())
        except OSError:
            lock.close()
            continue
        claimed.append((uid, lock))
    if len(claimed) < count:
        raise OSError(errno.EAGAIN, f"only {len(claimed)} free sandbox uids from {start}")
    return claimed


def prepare_slot_root(path: str, size_mb: int) -> bool:
    """The folder under which a slot's working directories are made: a tmpfs as root.

    Mounted once per slot (mounting and unmounting cost milliseconds each);
    each submission gets a fresh subfolder (:func:`fresh_workdir`).
    """
    os.makedirs(path, mode=0o755, exist_ok=True)
    if not is_root():
        return False
    mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_mb}m,nr_inodes=8192,mode=0755")
    return True


def fresh_workdir(slot_root: str, uid, serial: int) -> str:
    """Remove what earlier submissions of the slot left, and make a new private folder."""
    import shutil

    for entry in os.listdir(slot_root):
        target = os.path.join(slot_root, entry)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target, ignore_errors=True)
        else:
            try:
                os.unlink(target)
            except OSError:
                pass
    workdir = os.path.join(slot_root, f"w{serial}")
    os.mkdir(workdir, 0o700)
    if uid is not None:
        os.chown(workdir, uid, uid)
    return workdir


def confine_child(limits: Limits, uid, workdir: str, nproc_base: int = 0) -> dict:
    """Apply the per-child limits, in the freshly forked child, before student code.

    Returns what was applied (the ``sandbox`` part of results.json). Raises
    ``OSError`` when a limit that must hold cannot be applied.
    """
    applied = {"setsid": False}
    os.setsid()
    applied["setsid"] = True
    mb = 1024 * 1024
    rl = {
        resource.RLIMIT_AS: limits.memory_mb * mb,
        resource.RLIMIT_CPU: int(limits.cpu_s),
        resource.RLIMIT_FSIZE: limits.fsize_mb * mb,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NOFILE: limits.nofile,
        resource.RLIMIT_NPROC: limits.nproc + nproc_base,
    }
    for which, soft in rl.items():
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY and soft > hard:
            soft = hard
        hard_new = soft + 5 if which == resource.RLIMIT_CPU else soft
        if hard != resource.RLIM_INFINITY:
            hard_new = min(hard_new, hard)
        resource.setrlimit(which, (soft, hard_new))
    applied["rlimits"] = {
        "as_mb": limits.memory_mb,
        "cpu_s": int(limits.cpu_s),
        "nproc": limits.nproc,
        "fsize_mb": limits.fsize_mb,
        "nofile": limits.nofile,
        "core": 0,
    }
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over the size limit: EFBIG, not death
    os.chdir(workdir)
    applied["uid"] = None
    if uid is not None:
        gid = uid
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getuid() != uid or os.geteuid() != uid or os.getgroups():
            raise OSError(errno.EPERM, "could not drop privileges")
        applied["uid"] = uid
        applied["gid"] = gid
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    applied["no_new_privs"] = True
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after setuid, which clears it
    except OSError:
        pass
    return applied


# ---------------------------------------------------------------------------
# killing


def kill_uid_processes(uid: int, gid: int, passes: int = 2) -> bool:
    """In a fresh helper process: become ``uid`` and SIGKILL every process of it.

    ``kill(-1, SIGKILL)`` as an unprivileged user signals exactly the
    processes whose real or saved uid is ``uid`` (the helper itself aside),
    atomically with respect to fork: a process forking during the walk
    either has its child in the walk or is already dying, so the fork fails.
    Callers verify with :func:`uid_processes` and repeat if needed.
    """
    pid = os.fork()
    if pid == 0:  # helper
        code = 1
        try:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            for _ in range(passes):
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def uid_processes(uid: int) -> dict:
    """``pid -> state letter`` of the processes whose real uid is ``uid`` (from /proc)."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as fh:
                text = fh.read(1024)
        except OSError:
            continue
        state = ruid = None
        for line in text.split(b"\n"):
            if line.startswith(b"State:"):
                state = line.split()[1].decode()
            elif line.startswith(b"Uid:"):
                ruid = int(line.split()[1])
                break
        if ruid == uid:
            out[int(name)] = state
    return out


def killer_server(sock: socket.socket) -> None:
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


def proc_children() -> dict:
    """``pid -> ppid`` of every process, from /proc."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        rest = data[data.rfind(b")") + 2:].split()
        if len(rest) > 1:
            out[int(name)] = int(rest[1])
    return out


def descendants(root_pids, table=None) -> set:
    table = proc_children() if table is None else table
    kids = {}
    for pid, ppid in table.items():
        kids.setdefault(ppid, []).append(pid)
    out, stack = set(), list(root_pids)
    while stack:
        pid = stack.pop()
        for child in kids.get(pid, ()):
            if child not in out:
                out.add(child)
                stack.append(child)
    return out


def kill_tree(pids) -> None:
    """SIGKILL ``pids``, their process groups and all their descendants (non-root mode)."""
    for _ in range(5):
        table = proc_children()
        victims = (set(pids) | descendants(pids, table)) & set(table)
        if not victims:
            return
        for pid in victims:
            for fn in (lambda p: os.killpg(p, signal.SIGKILL), lambda p: os.kill(p, signal.SIGKILL)):
                try:
                    fn(pid)
                except OSError:
                    pass
        time.sleep(0.001)
