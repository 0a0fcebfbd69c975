"""The sandbox: an allowlist filesystem view, namespaces, limits, unprivileged uids, killing.

Four modes, chosen once by the zygote (:func:`requested_mode`, recorded as
``sandbox["mode"]``):

* ``root`` (the grader runs as root, e.g. a CI runner under ``sudo``): each
  slot's children run as a uid of their own with no capabilities;
* ``uid`` (root where namespaces are refused: a container without
  ``CAP_SYS_ADMIN``, as on Gradescope, GitLab's Docker executor, GitHub
  container jobs; chosen when :func:`namespaces_refused` says why): each
  slot's children run as a uid of their own, and read, write and execute only
  what a Landlock ruleset allows (:mod:`.landlock`), with no network and no
  shared IPC (:mod:`.seccomp`); see :func:`restrict_uid_child`;
* ``userns`` (an ordinary user, where the kernel allows unprivileged user
  namespaces): the zygote enters a user namespace in which it is "root" over
  its own namespaces only; children drop every capability;
* ``weak`` (no user namespaces, or root that cannot switch uids): rlimits,
  sessions and process-tree killing only, with a loud warning. Nothing below
  the first bullet of each layer.

Layers, in ``root`` and ``userns`` modes:

* once, in the zygote (:func:`enter_view`): a network namespace with no
  interface up, and a mount namespace whose root is a fresh read-only tmpfs
  holding only an *allowlist*: the interpreter and its libraries (the
  virtualenv, the Python prefix, ``/usr``, the loader's files) bound
  read-only, a synthetic ``/etc/passwd``, five device nodes, and empty
  mount points. The course, the folders beside it, ``/root``, ``/home``,
  ``/work``, ``/var/tmp`` and the host's ``/proc`` are simply not there.
* per child: new mount, PID and IPC namespaces (as root
  :func:`fork_in_pid_namespace` and :func:`enter_child_namespaces`: the
  child is forked straight into its PID namespace, whose init is a small
  program; in ``userns`` mode :func:`isolate_child`: two processes of the
  zygote's own make them). The child's writable storage is one size-limited
  tmpfs (working folder, ``/tmp``, ``/dev/shm``) that exists only in its
  mount namespace; its ``/proc`` shows only its own PID namespace. When the
  namespace's init ends, the kernel kills every process of the namespace,
  and the tmpfs and the SysV IPC objects vanish with the namespaces: there
  is nothing to clean up, so cleanup cannot fail.
* per child, before student code (:func:`confine_child`): a new session,
  rlimits, no new privileges, no capabilities, and as root the slot's uid.
  Memory, processes and CPU of a whole submission are bounded by a cgroup per
  slot where the host delegates one (:mod:`.cgroup`).

Killing a slot kills every process of its PID namespace (and, as root, of
its uid: ``kill(-1, SIGKILL)`` from a helper that switched to that uid); in
``weak`` mode it walks the process tree and the zygote's orphans (the zygote
is a child subreaper).

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

from autograder.sandbox import seccomp

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
#: statvfs flag -> mount flag: flags a bind mount must keep when remounted (locked in a user namespace)
_KEEP_FLAGS = {1: MS_RDONLY, 2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC, 1024: MS_NOATIME, 2048: MS_NODIRATIME,
               4096: MS_RELATIME}
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
_SYS_CAPSET = {"x86_64": 126, "aarch64": 91, "riscv64": 91, "ppc64le": 184, "s390x": 185}

MODES = ("root", "uid", "userns", "weak")
#: The modes whose children run as a uid of their own per worker slot (killed with ``kill -1`` as that uid).
UID_MODES = ("root", "uid")
#: Where the child's writable tmpfs is mounted (inside the view); its working folder is ``SANDBOX/work``.
SANDBOX = "/sandbox"
#: The host's /proc inside the zygote's view (the zygote needs it to find and kill processes);
#: each child unmounts it before any student code runs.
HOST_PROC = "/.hostproc"
#: Where this process reads other processes from (``/proc``, or :data:`HOST_PROC` once in the view).
PROC = "/proc"
#: Host paths shown read-only in the view besides the interpreter's own: what the C libraries, the
#: dynamic loader and ``/bin/sh`` (IPython's ``!``) need. Missing ones are skipped.
SYSTEM_PATHS = ("/usr", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                "/etc/alternatives", "/etc/fonts", "/etc/mime.types")
DEVICES = ("null", "zero", "full", "random", "urandom")

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


@dataclass
class Limits:
    """Resource limits of one submission's child process.

    ``timeout_s`` bounds each cell and each call (wall clock, enforced by the
    parent); ``budget_s`` bounds a whole submission; ``cpu_s`` is the child's
    RLIMIT_CPU; ``output_cap`` how much a submission may print (stdout and
    stderr, counted, never kept) before its output is reported truncated;
    ``workdir_mb`` what it may keep on disk (its tmpfs in ``root`` and
    ``userns`` modes, its slot's folder in ``uid`` mode:
    :mod:`autograder.sandbox.disk_watch`), ``fsize_mb`` the largest file.
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

    @property
    def workdir_bytes(self) -> int:
        """The bytes a submission may keep in its working folder, ``/tmp`` and ``/dev/shm`` together."""
        return max(1, int(self.workdir_mb)) * 1024 * 1024

    @property
    def workdir_files(self) -> int:
        """The files and folders it may keep there (128 per MB, at least 256: the tmpfs's ``nr_inodes``)."""
        return max(256, max(1, int(self.workdir_mb)) * 128)

    @classmethod
    def from_dict(cls, data: dict) -> "Limits":
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})


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
            raise ValueError(f"AUTOGRADER_SANDBOX_MODE must be one of {', '.join(MODES)}, not {mode!r}")
        if mode in UID_MODES and os.geteuid() != 0:
            raise ValueError(f"AUTOGRADER_SANDBOX_MODE={mode} needs root")
        return mode
    if os.geteuid() == 0 and os.environ.get("AUTOGRADER_UNPRIVILEGED_SANDBOX") != "1":
        return "root"
    return "userns"


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    if hasattr(os, "unshare"):  # Python 3.12+
        os.unshare(flags)
    else:
        _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def setns(fd: int, nstype: int) -> None:
    if hasattr(os, "setns"):  # Python 3.12+
        os.setns(fd, nstype)
    else:
        _check(_libc.setns(ctypes.c_int(fd), ctypes.c_int(nstype)), "setns")


def slot_networks(slots: int) -> list:
    """One new network namespace per worker slot, each held by an open descriptor (no interface up in any).

    Made from the zygote once it has its own network namespace (after
    :func:`enter_view`), which it returns to. A slot's children join their
    slot's (:func:`join_network`): two submissions graded at the same time
    share no network namespace, so not even an abstract Unix socket connects
    them. Raises ``OSError`` when a namespace cannot be made.
    """
    home = os.open(f"{PROC}/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    fds = []
    try:
        for _ in range(slots):
            unshare(CLONE_NEWNET)
            fds.append(os.open(f"{PROC}/self/ns/net", os.O_RDONLY | os.O_CLOEXEC))
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


def mount(source, target, fstype, flags=0, data=None) -> None:
    enc = lambda s: None if s is None else os.fsencode(s)  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def umount(target, flags=MNT_DETACH) -> None:
    _check(_libc.umount2(os.fsencode(target), ctypes.c_int(flags)), f"umount {target}")


def prctl(option, arg2=0) -> None:
    _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0)), f"prctl {option}")


def _syscall(table: dict, *args) -> int:
    import platform

    number = table.get(platform.machine())
    if number is None:
        raise OSError(errno.ENOSYS, f"unknown system call number on {platform.machine()}")
    return _libc.syscall(ctypes.c_long(number), *args)


def pivot_root(new_root: str, put_old: str) -> None:
    _check(_syscall(_SYS_PIVOT_ROOT, os.fsencode(new_root), os.fsencode(put_old)), "pivot_root")


def drop_bounding_set() -> None:
    """Empty this process's capability bounding set (needs ``CAP_SETPCAP``); raises ``OSError``."""
    for cap in range(64):
        if _libc.prctl(ctypes.c_int(PR_CAPBSET_DROP), ctypes.c_ulong(cap), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0)) != 0:
            if ctypes.get_errno() == errno.EINVAL:  # past the last capability the kernel knows
                break
            raise OSError(ctypes.get_errno(), f"dropping capability {cap} from the bounding set")


def drop_capabilities() -> None:
    """Empty the bounding, effective, permitted and inheritable capability sets of this process.

    With ``PR_SET_NO_NEW_PRIVS`` (set by :func:`confine_child`) no ``execve``
    gives any back, not even to uid 0 inside a user namespace.
    """
    drop_bounding_set()
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # two {effective, permitted, inheritable}: all empty
    _check(_syscall(_SYS_CAPSET, header, data), "capset")


# ---------------------------------------------------------------------------
# once, in the zygote


def _inside(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


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


def minimal_paths(paths) -> list:
    """Existing real paths of ``paths`` with none inside another, sorted."""
    real = sorted({os.path.realpath(p) for p in paths if p and os.path.exists(p)})
    return [p for p in real if p != "/" and not any(q != p and _inside(p, q) for q in real)]


def _bind_read_only(source: str, target: str) -> None:
    """Bind ``source`` on ``target`` (made as a file or folder) with everything mounted below it, then make
    each of those mounts read-only.

    A recursive bind copies the submounts too (a tmpfs mounted inside a
    needed folder), and a remount changes one mount only: so every mount at
    or below ``target`` is remounted read-only, the top one first.
    """
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if not os.path.exists(target):
            open(target, "w").close()
    mount(source, target, None, MS_BIND | MS_REC)
    for point in mounts_below(target):
        keep = os.statvfs(point).f_flag
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
        for st_flag, ms_flag in _KEEP_FLAGS.items():
            if keep & st_flag:
                flags |= ms_flag
        mount(None, point, None, flags)


def _unescape_mount_point(text: str) -> str:
    """A mount point as ``mountinfo`` writes it (space, tab, newline, backslash as ``\\ooo``) made plain."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and len(text[i + 1:i + 4]) == 3 and text[i + 1:i + 4].isdigit():
            out.append(chr(int(text[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def mounts_below(target: str) -> list:
    """The mount points at or below ``target`` in this process's mount namespace, shortest first (from
    ``mountinfo`` of :data:`PROC`); ``[target]`` when it cannot be read."""
    target = os.path.realpath(target)
    try:
        with open(f"{PROC}/self/mountinfo", "rb") as fh:
            lines = fh.read().decode("utf-8", "surrogateescape").splitlines()
    except OSError:
        return [target]
    points = []
    for line in lines:
        fields = line.split(" ")
        if len(fields) > 4:
            point = _unescape_mount_point(fields[4])
            if _inside(point, target) and point not in points:
                points.append(point)
    return sorted(points, key=len) or [target]


def cover_files(paths) -> list:
    """Cover each existing file of ``paths`` with an empty read-only file (bind of ``/dev/null``), in this mount
    namespace; returns the paths covered.

    The zygote covers the library files that define the forbidden functions
    (:func:`autograder.sandbox.guard.prepare`), once they are imported: the
    children never read them, and a submission cannot load a second copy.
    """
    covered = []
    for path in paths:
        if os.path.isfile(path) and not os.path.islink(path):
            try:
                mount("/dev/null", path, None, MS_BIND)
                mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
                covered.append(path)
            except OSError:
                pass
    return covered


def _no_interpreters(root: str, view) -> list:
    """Make the Python interpreters of the view impossible to execute (a bind of each onto itself, ``noexec``).

    The children are forked, never executed, so they need no interpreter
    binary; a second interpreter started by a submission would run without
    the guard that makes the forbidden functions unusable
    (:mod:`autograder.sandbox.guard`). Returns the paths made non-executable.
    """
    done = set()
    folders = {os.path.join(v, "bin") for v in view} | {"/usr/bin", "/usr/local/bin", "/bin"}
    for folder in sorted(folders):
        try:
            names = os.listdir(root + folder)
        except OSError:
            continue
        for name in names:
            if not name.startswith("python"):
                continue
            real = os.path.realpath(os.path.join(folder, name))
            if real in done or not os.path.isfile(root + real) or not any(_inside(real, v) for v in view):
                continue
            try:
                mount(root + real, root + real, None, MS_BIND)
                keep = os.statvfs(root + real).f_flag
                flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
                for st_flag, ms_flag in _KEEP_FLAGS.items():
                    if keep & st_flag:
                        flags |= ms_flag
                mount(None, root + real, None, flags)
                done.add(real)
            except OSError:
                pass
    return sorted(done)


def _relink(root: str, path: str, view) -> None:
    """Recreate the symlink ``path`` (``/bin -> usr/bin``) in the view when it leads into it."""
    try:
        link = os.readlink(path)
    except OSError:
        return
    if any(_inside(os.path.realpath(path), v) for v in view) and not os.path.lexists(root + path):
        os.makedirs(os.path.dirname(root + path), exist_ok=True)
        os.symlink(link, root + path)


def enter_view(base: str, needed, hidden=(), uid_names=()) -> dict:
    """Leave the host's network and mount namespaces; make an allowlist of it the root (zygote).

    ``base`` is an empty folder of ours (the new root is a tmpfs mounted on
    it); ``needed`` the interpreter's paths (:func:`autograder.engine.zygote_parent.interpreter_paths`);
    ``hidden`` paths that must stay invisible even when inside a needed path
    (the course, when the virtualenv holds it). Returns a report:
    ``{"netns", "mountns", "view", "errors"}``. Afterwards :data:`PROC` is
    :data:`HOST_PROC`.
    """
    global PROC
    report = {"netns": False, "mountns": False, "view": [], "errors": []}
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
    root = os.path.realpath(base)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755")
    view = minimal_paths(list(SYSTEM_PATHS) + list(needed))
    for path in view:
        _bind_read_only(path, root + path)
    for path in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        _relink(root, path, view)
    _cover_hidden(root, view, hidden)
    report["no_interpreter"] = _no_interpreters(root, view)
    _write_etc(root, uid_names)
    _make_mount_points(root)
    _pivot_into(root)
    PROC = HOST_PROC
    UNDER_TMP[:] = [path for path in view if path.startswith(("/tmp/", "/dev/shm/"))]
    report["mountns"] = True
    report["view"] = view
    return report


#: Paths of the view under /tmp or /dev/shm (a checkout and its virtualenv in /tmp): each child's own
#: tmpfs covers those folders, so :func:`_mount_child_tmpfs` binds these back, read-only.
UNDER_TMP: list = []


def _cover_hidden(root: str, view: list, hidden) -> None:
    """Cover each hidden path that lies inside a needed path of the view (an empty tmpfs, or /dev/null for a file).

    A path the interpreter needs stays; outside the view a path is invisible anyway.
    """
    covered = []
    for target in sorted({os.path.realpath(h) for h in hidden if h and os.path.exists(h)}, key=len):
        # a needed path that holds a hidden one (the course installed into the virtualenv): cover it
        if target in view or not any(_inside(target, v) for v in view) or any(_inside(target, c) for c in covered):
            continue
        covered.append(target)
        if os.path.isdir(target):
            mount("tmpfs", root + target, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k,mode=0755")
        else:
            mount("/dev/null", root + target, None, MS_BIND)


def _write_etc(root: str, uid_names) -> None:
    """The view's own /etc/passwd, /etc/group (one student per slot uid) and /etc/hosts (localhost only)."""
    os.makedirs(root + "/etc", mode=0o755, exist_ok=True)
    with open(root + "/etc/passwd", "w") as fh:
        fh.write("root:x:0:0:root:/sandbox/work:/bin/sh\n"
                 + "".join(f"student:x:{u}:{u}:student:/sandbox/work:/bin/sh\n" for u in uid_names)
                 + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
    with open(root + "/etc/group", "w") as fh:
        fh.write("root:x:0:\n" + "".join(f"student{u}:x:{u}:\n" for u in uid_names) + "nogroup:x:65534:\n")
    with open(root + "/etc/hosts", "w") as fh:
        fh.write("127.0.0.1 localhost\n")


def _make_mount_points(root: str) -> None:
    """The :data:`DEVICES` bound in, mount points for the child's /proc, /tmp, ptys and the sandbox, the host's /proc."""
    for name in DEVICES:
        dev = root + "/dev/" + name
        os.makedirs(os.path.dirname(dev), mode=0o755, exist_ok=True)
        open(dev, "w").close()
        mount("/dev/" + name, dev, None, MS_BIND)
    for name in ("/proc", "/tmp", "/dev/shm", "/dev/pts", SANDBOX, HOST_PROC, "/.old"):
        os.makedirs(root + name, mode=0o755, exist_ok=True)
    open(root + "/dev/ptmx", "w").close()  # a mount point for the child's own pseudo-terminals
    mount("/proc", root + HOST_PROC, None, MS_BIND | MS_REC)


def _pivot_into(root: str) -> None:
    """Make ``root`` the root of this mount namespace, drop the old root, remount read-only."""
    os.chdir(root)
    pivot_root(".", ".old")
    os.chdir("/")
    umount("/.old", MNT_DETACH)
    os.rmdir("/.old")
    mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


# ---------------------------------------------------------------------------
# per child


def _wait_status(pid: int) -> int:
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return 0
        except InterruptedError:
            continue


def _end_like(status: int) -> None:
    """Exit the way a child with wait status ``status`` ended (outside a PID namespace's init)."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        try:
            signal.signal(sig, signal.SIG_DFL)  # (not allowed for SIGKILL and SIGSTOP: they are default)
        except (OSError, ValueError):
            pass
        try:
            os.kill(os.getpid(), sig)
        except OSError:
            pass
        os._exit(128 + sig)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


#: Where the init of a child's PID namespace comes from as root (:func:`fork_in_pid_namespace`): a program that
#: reads its standard input until it ends. Any of these will do (coreutils' ``cat``: in every Linux image).
NAMESPACE_INIT = ("/usr/bin/cat", "/bin/cat")


def namespace_init() -> str | None:
    """The program of :data:`NAMESPACE_INIT` this system has (None: children are isolated by :func:`isolate_child`)."""
    return next((path for path in NAMESPACE_INIT if os.access(path, os.X_OK)), None)


def fork_in_pid_namespace(init: str, home: int) -> tuple:
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
    try:
        os.kill(init_pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.close(hold)
    except OSError:
        pass


def enter_child_namespaces(limits: "Limits", uid) -> str:
    """In a child of :func:`fork_in_pid_namespace` (as root): its own mount and IPC namespaces.

    The mounts of :func:`isolate_child` (the tmpfs on :data:`SANDBOX`, a ``/proc`` of the child's PID
    namespace, the host's unmounted) without its two extra processes. Returns the working folder.
    """
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the zygote died: nothing of ours stays
    unshare(CLONE_NEWNS | CLONE_NEWIPC)
    _mount_child_tmpfs(limits, uid)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    umount(HOST_PROC, MNT_DETACH)
    return f"{SANDBOX}/work"


def isolate_child(limits: "Limits", uid, keep_fd: int) -> str:
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
    _mount_child_tmpfs(limits, uid)
    status_r, status_w = os.pipe()
    pid_b = os.fork()
    if pid_b:  # A
        os.close(status_w)
        os.close(keep_fd)
        status_b = _wait_status(pid_b)
        data = os.read(status_r, 8)
        _end_like(int.from_bytes(data, "big", signed=True) if len(data) == 8 else status_b)
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
    status_c = _wait_status(pid_c)
    os.write(status_w, status_c.to_bytes(8, "big", signed=True))
    os._exit(0)


def _mount_child_tmpfs(limits: "Limits", uid) -> None:
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
    for i, path in enumerate(UNDER_TMP):  # hold them before /tmp is covered
        hold = f"{SANDBOX}/.keep{i}"
        _bind_read_only(path, hold)
        kept.append((hold, path))
    mount(f"{SANDBOX}/tmp", "/tmp", None, MS_BIND)
    mount(f"{SANDBOX}/shm", "/dev/shm", None, MS_BIND)
    for hold, path in kept:
        _bind_read_only(hold, path)
        umount(hold, MNT_DETACH)
    try:  # pseudo-terminals of its own (IPython's `!` runs commands in one)
        mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620")
        mount("/dev/pts/ptmx", "/dev/ptmx", None, MS_BIND)
    except OSError:
        pass


def fresh_workdir(slot_root: str, uid, serial: int) -> str:
    """``weak`` mode: remove what earlier submissions of the slot left, and make a new private folder.

    Never raises on what a child left: :func:`remove_tree` cannot hit a
    recursion or path-length limit, and a slot folder that still cannot be
    emptied (a file it cannot remove) is moved aside and replaced.
    """
    os.makedirs(slot_root, mode=0o755, exist_ok=True)
    for entry in os.listdir(slot_root):
        remove_tree(slot_root, entry)
    workdir = os.path.join(slot_root, f"w{serial}")
    os.mkdir(workdir, 0o700)
    if uid is not None:
        os.chown(workdir, uid, uid)
    return workdir


def remove_tree(parent: str, name: str) -> bool:
    """Remove ``parent/name`` however deep it is, without recursion; True when it is gone.

    Works one level at a time relative to an open descriptor of ``parent``:
    each sub-folder is first moved up to ``parent`` (under a fresh name), so
    no path ever grows and no stack ever deepens (a 3000-deep tree breaks
    ``shutil.rmtree`` with ``RecursionError`` and paths with
    ``ENAMETOOLONG``). Symlinks are removed, never followed. Folders the
    owner made unreadable are made readable first.
    """
    top = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    todo, serial = [name], 0
    try:
        while todo:
            entry = todo.pop()
            try:
                st = os.stat(entry, dir_fd=top, follow_symlinks=False)
            except FileNotFoundError:
                continue
            if not stat.S_ISDIR(st.st_mode):
                _quietly(os.unlink, entry, dir_fd=top)
                continue
            _quietly(os.chmod, entry, 0o700, dir_fd=top, follow_symlinks=False)
            try:
                fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
            except OSError:
                continue
            try:
                with os.scandir(fd) as it:
                    names = [e.name for e in it]
                for child in names:
                    try:
                        is_dir = stat.S_ISDIR(os.stat(child, dir_fd=fd, follow_symlinks=False).st_mode)
                    except OSError:
                        continue
                    if is_dir:
                        serial += 1
                        flat = f".rm-{os.getpid()}-{serial}"
                        if _quietly(os.rename, child, flat, src_dir_fd=fd, dst_dir_fd=top):
                            todo.append(flat)
                    else:
                        _quietly(os.unlink, child, dir_fd=fd)
            finally:
                os.close(fd)
            _quietly(os.rmdir, entry, dir_fd=top)  # children first: they were moved out, so it is empty
        return not os.path.lexists(os.path.join(parent, name))
    finally:
        os.close(top)


def _quietly(fn, *args, **kwargs) -> bool:
    try:
        fn(*args, **kwargs)
        return True
    except OSError:
        return False


def confine_child(limits: Limits, uid, workdir: str, nproc_base: int = 0, caps: bool = False) -> dict:
    """Apply the per-child limits, in the freshly forked child, before student code.

    ``caps``: drop every capability (``userns`` mode, where the child is uid 0
    of the zygote's user namespace). Returns what was applied (the ``sandbox``
    part of results.json). Raises ``OSError`` when a limit that must hold
    cannot be applied.
    """
    applied = {"setsid": False}
    os.setsid()
    applied["setsid"] = True
    try:  # the out-of-memory killer takes a submission's largest process first, never the grader's
        with open(f"{PROC}/self/oom_score_adj", "w") as fh:
            fh.write("1000")
        applied["oom_score_adj"] = 1000
    except OSError:  # (uid mode: /proc is outside its Landlock ruleset, so restrict_uid_child did it)
        pass
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
    if caps:
        drop_capabilities()
        applied["capabilities"] = "none"
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    applied["no_new_privs"] = True
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after setuid, which clears it
    except OSError:
        pass
    return applied


# ---------------------------------------------------------------------------
# uid mode: root without namespaces


def refused_in_child(attempt) -> str:
    """Call ``attempt()`` in a forked process, so that this one stays as it was: '' when it returned, else why
    it raised (one line). Call it while this process has a single thread."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(read_end)
            try:
                attempt()
                why = b""
            except BaseException as exc:  # noqa: BLE001 — the reason is the answer
                why = (f"{exc.strerror}" if isinstance(exc, OSError) and exc.strerror else str(exc)).encode()
                why = why or type(exc).__name__.encode()
            os.write(write_end, why[:400])
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks = []
    while True:
        data = os.read(read_end, 512)
        if not data:
            break
        chunks.append(data)
    os.close(read_end)
    status = _wait_status(pid)
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
    def attempt():
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
    def attempt():
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)

    return refused_in_child(attempt)


def seccomp_refused() -> str:
    """Why :mod:`.seccomp`'s filter cannot be installed here ('' when it can; tried in a forked process)."""
    def attempt():
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        seccomp.install()

    return refused_in_child(attempt)


def unreadable_paths(paths) -> list:
    """Those of ``paths`` that a uid without groups cannot reach (a folder on the way without ``o+x``, or the
    path itself without ``o+r``): the interpreter under ``/root`` (mode 0700), say. In ``uid`` mode a child
    cannot import a module there that the zygote had not imported before it forked."""
    out = []
    for path in paths:
        real = os.path.realpath(path)
        try:
            need = [(real, stat.S_IROTH | (stat.S_IXOTH if os.path.isdir(real) else 0))]
            folder = os.path.dirname(real)
            while True:
                need.append((folder, stat.S_IXOTH))
                if folder == "/":
                    break
                folder = os.path.dirname(folder)
            if any(os.stat(p).st_mode & bits != bits for p, bits in need):
                out.append(path)
        except OSError:
            continue
    return out


def restrict_uid_child(ruleset, network_filter: bool) -> dict:
    """``uid`` mode, in a process just forked from the zygote, while it is still root: first in line for
    the kernel's out-of-memory killer, an empty capability bounding set (where ``CAP_SETPCAP`` allows), no
    new privileges, then the slot's Landlock ruleset (:mod:`.landlock`; None: the kernel has none) and, with
    ``network_filter``, the seccomp filter (:mod:`.seccomp`).

    :func:`confine_child` then switches to the slot's uid, which clears every
    capability. Returns what was applied; raises ``OSError`` when a layer the
    zygote found available cannot be applied (the child then never runs
    student code).
    """
    applied = {}
    try:  # the largest process of a submission goes first when memory runs out, never the grader
        with open(f"{PROC}/self/oom_score_adj", "w") as fh:
            fh.write("1000")
        applied["oom_score_adj"] = 1000
    except OSError:
        pass
    try:
        drop_bounding_set()
        applied["bounding_set"] = "empty"
    except OSError:  # (no CAP_SETPCAP: no new privileges still keeps execve from granting any)
        applied["bounding_set"] = "kept"
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    if ruleset is not None:
        ruleset.restrict()
        applied["landlock"] = ruleset.version
    if network_filter:
        seccomp.install()
        applied["seccomp"] = True
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
    """``pid -> state letter`` of the processes whose real uid is ``uid`` (from :data:`PROC`)."""
    out = {}
    for pid, text in _proc_files("status", 1024):
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


def _proc_files(name: str, size: int = -1):
    """``(pid, the first size bytes of PROC/<pid>/<name>)`` for every process whose file can be read."""
    for entry in os.listdir(PROC):
        if not entry.isdigit():
            continue
        try:
            with open(f"{PROC}/{entry}/{name}", "rb") as fh:
                data = fh.read(size)
        except OSError:
            continue
        yield int(entry), data


def proc_state(pid: int):
    """The state letter of ``pid`` (``"Z"`` for a zombie), or None when it is gone."""
    try:
        with open(f"{PROC}/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return None


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
    """``pid -> ppid`` of every process, from :data:`PROC`."""
    out = {}
    for pid, data in _proc_files("stat"):
        rest = data[data.rfind(b")") + 2:].split()
        if len(rest) > 1:
            out[pid] = int(rest[1])
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
