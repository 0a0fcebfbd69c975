"""Landlock: which files a child may read, write and execute, as an allowlist the kernel enforces (``uid`` mode).

Landlock is the Linux security module any process can use to restrict itself
and everything it starts (Linux 5.13 and later; the kernel's own
documentation, ``Documentation/userspace-api/landlock.rst``, is the reference
for every constant here). A *ruleset* lists the access rights it handles;
rules grant some of them beneath a file or folder; ``landlock_restrict_self``
makes the calling thread (and every process it forks or executes later) unable
to use a handled right anywhere else. Nothing can lift it afterwards. It needs
no privilege, only ``PR_SET_NO_NEW_PRIVS``.

The grader builds one ruleset per worker slot in the zygote (:func:`allowlist` once,
then :func:`slot_ruleset`), while it is root and can open every path; each child of
the slot restricts itself with it before any student code (:meth:`Ruleset.restrict`).
The ruleset of a slot allows

* reading (files and folder listings) the interpreter, its standard library and
  site-packages and the few system paths the C libraries need (the same list
  as the root mode's view, :data:`autograder.perimeter.confinement.view.SYSTEM_PATHS`),
  except the hidden paths inside them (the course, when it is installed into
  the virtualenv) and the library files that define the forbidden functions;
  a folder that holds such an exception stays listable, its other entries
  readable (Landlock grants rights to a whole hierarchy, so exceptions are made
  by granting each sibling instead);
* executing the programs of ``/usr/bin`` and ``/bin`` (IPython's ``!``) except
  Python interpreters, and the dynamic loader;
* reading and writing five device nodes (``/dev/null``, ``zero``, ``full``,
  ``random``, ``urandom``) and the pseudo-terminals (a pty's owner only may open it);
* everything inside the slot's own folder (its working folder and ``TMPDIR``),
  nothing else: not ``/tmp``, ``/var/tmp``, ``/dev/shm``, ``/proc``, the results.

Where the kernel's ABI allows, the ruleset also refuses TCP (ABI 4), connecting
to abstract Unix sockets and signalling processes made outside the child's own
domain (ABI 6: another slot, the grader).

What Landlock does not restrict: ``stat`` and path walking (a hidden file's
existence and size can be seen, not its contents), memory mapping (the loader
can map a binary it was given as an argument), and anything a file descriptor
already open allows (the child closes every inherited descriptor first).

Standard library only: this module runs in the zygote and the child.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import stat
from collections.abc import Iterable

from autograder.perimeter.confinement.paths import inside
from autograder.perimeter.confinement.syscalls import libc

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # the same on every architecture
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

#: The file-system access rights, bit 0 upwards in the kernel's order (REFER is ABI 2's, TRUNCATE ABI 3's,
#: IOCTL_DEV ABI 5's, the rest ABI 1's).
(EXECUTE, WRITE_FILE, READ_FILE, READ_DIR, REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG, MAKE_SOCK,
 MAKE_FIFO, MAKE_BLOCK, MAKE_SYM, REFER, TRUNCATE, IOCTL_DEV) = (1 << bit for bit in range(16))
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6

#: The file-system rights each ABI knows (a ruleset handles all of them: what no rule grants is refused).
FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
#: Rights that apply to a file (a rule on a file may grant only these).
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
READ = READ_FILE | READ_DIR
DEVICE = READ_FILE | WRITE_FILE | IOCTL_DEV
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
PTYS = ("/dev/ptmx", "/dev/pts")
#: A rule: the rights granted beneath a path.
Rule = tuple[str, int]
#: Where the programs a cell may run with ``!`` are (Python interpreters left out).
PROGRAM_FOLDERS = ("/usr/bin", "/bin", "/usr/local/bin")



class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1  # __attribute__((packed)): 12 bytes
    _layout_ = "ms"  # (CPython 3.14 asks for it with _pack_; the same 12 bytes, offsets 0 and 8; ignored before)
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi() -> tuple[int, str]:
    """``(version, why)``: the kernel's Landlock ABI version (0 when there is none) and, then, why not.

    ``why`` names the cause: a kernel without Landlock or with it disabled at
    boot (``EOPNOTSUPP``), or a container runtime whose seccomp profile
    predates Landlock (``ENOSYS``/``EPERM``; Docker's default profile allows the
    calls since 23.0, containerd's since 1.6, podman's since mid-2022).
    """
    version = libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_size_t(0),
                            ctypes.c_uint32(CREATE_RULESET_VERSION))
    if version > 0:
        return int(version), ""
    err = ctypes.get_errno()
    reasons = {errno.EOPNOTSUPP: "Landlock is disabled in this kernel",
               errno.ENOSYS: "this kernel or the container's seccomp profile does not offer Landlock",
               errno.EPERM: "the container's seccomp profile refuses Landlock"}
    return 0, reasons.get(err, f"Landlock is not available ({os.strerror(err)})")


class Ruleset:
    """A Landlock ruleset being built (in the zygote, as root); :meth:`restrict` applies it (in a child).

    ``version`` is the kernel's ABI (:func:`abi`, at least 1): every right that
    version knows is handled, so whatever no rule grants is refused.
    """

    def __init__(self, version: int):
        if version < 1:
            raise OSError(errno.EOPNOTSUPP, "Landlock is not available")
        self.version = min(int(version), 7)
        self.fs = FS_RIGHTS[min(self.version, 5)]
        attr = _RulesetAttr(self.fs, NET_BIND_TCP | NET_CONNECT_TCP if self.version >= 4 else 0,
                            SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if self.version >= 6 else 0)
        size = 8 if self.version < 4 else 16 if self.version < 6 else 24
        fd = libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(size),
                           ctypes.c_uint32(0))
        if fd < 0:
            err = ctypes.get_errno()
            raise OSError(err, f"landlock_create_ruleset: {os.strerror(err)}")
        self.fd = int(fd)
        self.rules = 0

    def allow(self, path: str, access: int) -> bool:
        """Grant ``access`` beneath ``path`` (a file: its file rights only); False when ``path`` does not exist."""
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
            rights = access & self.fs & (~0 if is_dir else FILE_RIGHTS)
            if not rights:
                return False
            rule = _PathBeneath(rights, fd)
            if libc.syscall(ctypes.c_long(SYS_ADD_RULE), ctypes.c_int(self.fd), ctypes.c_int(RULE_PATH_BENEATH),
                             ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"landlock_add_rule {path}: {os.strerror(err)}")
            self.rules += 1
            return True
        finally:
            os.close(fd)

    def restrict(self) -> None:
        """Restrict this thread and all it starts to the rules (``PR_SET_NO_NEW_PRIVS`` must be set); raises
        ``OSError`` when the kernel refuses."""
        if libc.syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(self.fd), ctypes.c_uint32(0)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"landlock_restrict_self: {os.strerror(err)}")

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _names(folder: str) -> list[str]:
    """The names in ``folder``; none where it cannot be listed."""
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _interpreters(folders: Iterable[str]) -> set[str]:
    """Real paths of the Python interpreters named ``python*`` in ``folders``."""
    found = set()
    for folder in folders:
        for name in _names(folder):
            if name.startswith("python"):
                found.add(os.path.realpath(os.path.join(folder, name)))
    return found


def _loaders() -> set[str]:
    """Real paths of the dynamic loaders (``ld-linux*.so*``, ``ld-musl*``) in the usual library folders: the
    kernel opens one for execution with every dynamically linked program."""
    found = set()
    for folder in ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/lib32", "/usr/lib32"):
        try:
            names = [os.path.join(folder, n) for n in os.listdir(folder)]
        except OSError:
            continue
        subfolders = [p for p in names if os.path.isdir(p) and not os.path.islink(p) and p.endswith("-linux-gnu")]
        for sub in subfolders:
            with contextlib.suppress(OSError):
                names += [os.path.join(sub, n) for n in os.listdir(sub)]
        for path in names:
            if os.path.basename(path).startswith(("ld-linux", "ld64", "ld-musl")) and ".so" in os.path.basename(path):
                found.add(os.path.realpath(path))
    return found


def _except(path: str, access: int, excluded: list[str], rules: list[Rule]) -> None:
    """Append to ``rules`` what grants ``access`` beneath ``path`` except beneath each of ``excluded`` (real
    paths, strictly inside ``path``: a path asked for stays, as in the root mode's view).

    A folder on the way to an exception gets ``READ_DIR`` (listable: its
    entries' names can be seen) and each of its other entries the whole
    ``access``; symbolic links are skipped there (what they lead to is
    granted, or not, under its own path).
    """
    path = os.path.realpath(path)
    inner = [x for x in excluded if inside(x, path) and x != path]
    if not inner:
        rules.append((path, access))
        return
    rules.append((path, access & READ_DIR))
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return
    for name in names:
        entry = os.path.join(path, name)
        if os.path.islink(entry) or entry in inner:
            continue
        _except(entry, access, inner, rules)


def allowlist(readable: Iterable[str], hidden: Iterable[str], interpreter_folders: Iterable[str] = ()) -> list[Rule]:
    """``[(path, rights)]``: what every slot's ruleset grants but its own folder (see the module's docstring).

    ``readable``: the paths to read (the interpreter's and the system's);
    ``hidden``: paths never granted even inside those (the course, the library
    files that define forbidden functions); ``interpreter_folders``: more folders
    whose ``python*`` programs must not be executable (the virtualenv's ``bin``).
    Computed once per batch (listing folders and resolving links: about 0.1 to
    0.3 s); :func:`slot_ruleset` then only opens each path.
    """
    rules: list[Rule] = []
    excluded = sorted({os.path.realpath(h) for h in hidden if h})
    for path in readable:
        _except(path, READ, excluded, rules)
    interpreters = _interpreters(list(PROGRAM_FOLDERS) + list(interpreter_folders))
    programs = set()
    for folder in PROGRAM_FOLDERS:
        for name in _names(folder):
            real = os.path.realpath(os.path.join(folder, name))
            if real not in interpreters and real not in programs and os.path.isfile(real) \
                    and not any(inside(real, x) for x in excluded):
                programs.add(real)
    rules += [(path, READ_FILE | EXECUTE) for path in sorted(programs | _loaders())]
    rules += [(path, DEVICE) for path in DEVICES] + [(path, DEVICE | READ_DIR) for path in PTYS]
    return rules


def slot_ruleset(version: int, rules: Iterable[Rule], slot_folder: str) -> Ruleset:
    """The ruleset of one worker slot: ``rules`` (:func:`allowlist`) and everything inside ``slot_folder``, the
    slot's own folder. Raises ``OSError`` when the kernel refuses it or the folder is missing."""
    ruleset = Ruleset(version)
    try:
        for path, rights in rules:
            ruleset.allow(path, rights)
        if not ruleset.allow(slot_folder, ruleset.fs):
            raise OSError(errno.ENOENT, f"the slot's folder {slot_folder} is missing")
    except BaseException:
        ruleset.close()
        raise
    return ruleset
