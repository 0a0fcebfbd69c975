"""Run a command as root the way a container without ``CAP_SYS_ADMIN`` runs it: namespaces and mounts refused.

``python -m testkit.container_like [--expose PATH]… [--no-landlock] [--tmp-mb N] [--uid-map N] COMMAND…`` (root only)
execs ``COMMAND`` in a process where a
seccomp filter refuses what Docker's and podman's default profiles refuse a container's root without
``CAP_SYS_ADMIN``: ``unshare``, ``setns``, ``clone`` with a namespace flag, ``clone3`` (``ENOSYS``, so
the C library falls back to ``clone``), ``mount``, ``umount2``, ``pivot_root`` and the new mount API
(``EPERM``). The grader there chooses its ``uid`` mode by itself, as in a real container, so the tests
on this host exercise the automatic choice and that mode's attacks (the real containers are
``tests/test_container.py``'s). ``--no-landlock`` also answers ``ENOSYS`` to Landlock's calls, as a
container runtime from before 2022 does.

``--tmp-mb N`` mounts a fresh tmpfs of ``N`` MB on ``/tmp`` (in the private mount namespace below): the
zygote's folders, its slots' working folders and whatever the command writes under ``/tmp`` are then on a
small filesystem of their own, as in a container whose ``/tmp`` is its disk, so that a test can fill it
without touching the host's (a checkout, its interpreter or an exposed folder that lies under ``/tmp``, as a
CI clone may, is bound back at its path). ``--uid-map N`` runs the command as root of a user namespace that maps ``N``
uids (``0`` to ``N - 1``, onto host uids from :data:`OUTER_UID`): a container under Docker's
``userns-remap`` or rootless podman maps 65,536.

Before the filter, in a private mount namespace of its own, every folder on the way to the interpreter
and this checkout (and each ``--expose`` path) that other users cannot enter (``/root``, mode 0700, where pyenv installs Python) is
covered by a tmpfs that shows only the entries on that way, bound back: in a container image the
interpreter is readable by every user, and the ``uid`` mode's children (a uid of their own) need that.
Nothing on the host changes, and it ends with the command.

Test scaffolding, not part of the product.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import platform
import sys
import tempfile
from pathlib import Path

from autograder.model.course import ROOT
from autograder.perimeter.confinement import seccomp, syscalls
from autograder.perimeter.confinement.processes import forked

#: Namespace flags of clone(2) (CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
#: CLONE_NEWPID, CLONE_NEWNET), as Docker's default profile masks them.
CLONE_NAMESPACES = 0x7E020000
_JSET_K = 0x45  # BPF_JMP | BPF_JSET | BPF_K
#: ``machine -> (AUDIT_ARCH_*, clone, clone3, {refused call: number})``
REFUSED = {
    "x86_64": (0xC000003E, 56, 435, {"unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
                                     "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
                                     "fsmount": 432, "fspick": 433, "mount_setattr": 442}),
    "aarch64": (0xC00000B7, 220, 435, {"unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41,
                                       "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
                                       "fsmount": 432, "fspick": 433, "mount_setattr": 442}),
}


#: Where ``--uid-map`` maps uid 0 of its user namespace on the host (and the rest after it): uids no account uses.
OUTER_UID = 300000


#: Landlock's three calls, the same number on every architecture: what a runtime from before 2022 answers
#: ``ENOSYS`` to (``--no-landlock``).
LANDLOCK_CALLS = (444, 445, 446)


def program(machine: str | None = None, landlock: bool = True) -> list:
    """The filter as ``[(code, jt, jf, k)]`` (other ABIs are let through: the product's own filter refuses them);
    without ``landlock``, its calls answer ``ENOSYS`` too."""
    arch, clone, clone3, refused = REFUSED[machine or platform.machine()]
    numbers = sorted(refused.values())
    unknown = [clone3] + ([] if landlock else list(LANDLOCK_CALLS))
    n, u = len(numbers), len(unknown)
    # 0 ld arch | 1 jeq arch | 2 ld nr | 3.. jeq unknown | jeq clone | jeq refused … | allow | eperm | enosys
    # | clone: ld flags | jset namespaces | eperm | allow
    allow, eperm, enosys = 4 + u + n, 5 + u + n, 6 + u + n
    flags = 7 + u + n
    prog = [(seccomp._LD_W_ABS, 0, 0, seccomp._OFFSET_ARCH),
            (seccomp._JEQ_K, 0, allow - 2, arch),
            (seccomp._LD_W_ABS, 0, 0, seccomp._OFFSET_NR)]
    prog += [(seccomp._JEQ_K, enosys - (3 + i) - 1, 0, number) for i, number in enumerate(unknown)]
    prog.append((seccomp._JEQ_K, flags - (3 + u) - 1, 0, clone))
    prog += [(seccomp._JEQ_K, eperm - (4 + u + i) - 1, 0, number) for i, number in enumerate(numbers)]
    prog += [(seccomp._RET_K, 0, 0, seccomp.RET_ALLOW),
             (seccomp._RET_K, 0, 0, seccomp.RET_ERRNO | errno.EPERM),
             (seccomp._RET_K, 0, 0, seccomp.RET_ERRNO | errno.ENOSYS),
             (seccomp._LD_W_ABS, 0, 0, seccomp._OFFSET_ARG0),
             (_JSET_K, 0, 1, CLONE_NAMESPACES),
             (seccomp._RET_K, 0, 0, seccomp.RET_ERRNO | errno.EPERM),
             (seccomp._RET_K, 0, 0, seccomp.RET_ALLOW)]
    return prog


def refuse_namespaces(landlock: bool = True) -> None:
    """Install the filter in this process (root: no ``PR_SET_NO_NEW_PRIVS`` needed, so setuid programs and the
    grader's own uid switch keep working as in a container)."""
    code = program(landlock=landlock)
    instructions = (seccomp._Instruction * len(code))(*[seccomp._Instruction(*i) for i in code])
    prog = seccomp._Program(len(code), ctypes.cast(instructions, ctypes.POINTER(seccomp._Instruction)))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(ctypes.c_int(seccomp.PR_SET_SECCOMP), ctypes.c_ulong(seccomp.SECCOMP_MODE_FILTER),
                  ctypes.c_void_p(ctypes.addressof(prog)), ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        raise OSError(ctypes.get_errno(), "installing the filter")


def blocked_folders(paths) -> dict:
    """``{folder others cannot enter: {its entries on the way to one of paths}}``, outermost first."""
    blocked: dict = {}
    for path in paths:
        path = Path(path).resolve()
        for folder in reversed(path.parents):
            if folder != Path("/") and not os.stat(folder).st_mode & 0o001:
                blocked.setdefault(folder, set()).add(path.relative_to(folder).parts[0])
    return dict(sorted(blocked.items(), key=lambda kv: len(kv[0].parts)))


def expose_as_in_an_image(also=()) -> None:
    """:func:`expose` the interpreter, this checkout and ``also``, as a container image has them."""
    expose([sys.base_prefix, sys.prefix, os.path.realpath(sys.executable), ROOT, *also])


def expose(paths) -> None:
    """In a private mount namespace: cover each folder on the way to ``paths`` that others cannot enter with a
    tmpfs holding only the entries on the way, bound back (the files are not copied)."""
    syscalls.unshare(syscalls.CLONE_NEWNS)
    syscalls.mount(None, "/", None, syscalls.MS_REC | syscalls.MS_PRIVATE)
    for folder, entries in blocked_folders(paths).items():
        held = []
        for entry in sorted(entries):
            if (folder / entry).is_dir():
                point = tempfile.mkdtemp(prefix="probdl-expose-")
            else:
                handle, point = tempfile.mkstemp(prefix="probdl-expose-")
                os.close(handle)
            syscalls.mount(str(folder / entry), point, None, syscalls.MS_BIND | syscalls.MS_REC)
            held.append((entry, point))
        syscalls.mount("tmpfs", str(folder), "tmpfs", 0, "mode=0755,size=1m")
        for entry, point in held:
            target = folder / entry
            if os.path.isdir(point):
                target.mkdir()
            else:
                target.touch()
            syscalls.mount(point, str(target), None, syscalls.MS_BIND | syscalls.MS_REC)
            syscalls.umount(point)
            (os.rmdir if os.path.isdir(point) else os.unlink)(point)


def small_tmp(mb: int, keep=()) -> None:
    """In this process's private mount namespace (:func:`expose` made it): a fresh tmpfs of ``mb`` MB on /tmp.

    The folders of ``keep`` that lie under /tmp (a checkout cloned there, its virtual environment, an exposed
    folder) are bound back at the same paths, so that the command still finds them; what they hold stays on
    the host's disk, and everything else under /tmp is on the new filesystem."""
    held = []
    for folder in _folders_under_tmp(keep):
        point = tempfile.mkdtemp(prefix="probdl-keep-", dir="/var/tmp" if os.path.isdir("/var/tmp") else "/")
        syscalls.mount(str(folder), point, None, syscalls.MS_BIND | syscalls.MS_REC)
        held.append((folder, point))
    syscalls.mount("tmpfs", "/tmp", "tmpfs", syscalls.MS_NOSUID | syscalls.MS_NODEV, f"size={int(mb)}m,mode=1777")
    for folder, point in held:
        folder.mkdir(parents=True, exist_ok=True)
        syscalls.mount(point, str(folder), None, syscalls.MS_BIND | syscalls.MS_REC)
        syscalls.umount(point)
        os.rmdir(point)


def _folders_under_tmp(paths) -> list:
    """The outermost existing folders of ``paths`` (a file stands for its folder) that lie under /tmp."""
    tmp = Path("/tmp").resolve()
    folders = set()
    for path in paths:
        path = Path(path).resolve()
        folder = path if path.is_dir() else path.parent
        if tmp in folder.parents:
            folders.add(folder)
    return sorted(f for f in folders if not any(other in f.parents for other in folders))


def enter_mapped_user_namespace(width: int, outer: int = OUTER_UID) -> None:
    """Become root of a new user namespace mapping uids and gids ``0 … width - 1`` onto ``outer …`` (a helper,
    still root of the host, writes the maps, which a process cannot write for itself beyond its own uid).
    Call it single-threaded."""
    ready_r, ready_w = os.pipe()
    done_r, done_w = os.pipe()

    def write_maps() -> None:
        os.close(ready_w)
        os.close(done_r)
        os.read(ready_r, 1)
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{os.getppid()}/{name}", "w") as fh:
                fh.write(f"0 {outer} {width}\n")
        os.write(done_w, b"x")

    pid = forked(write_maps)
    os.close(ready_r)
    os.close(done_w)
    syscalls.unshare(syscalls.CLONE_NEWUSER)
    os.write(ready_w, b"x")
    answered = os.read(done_r, 1)
    os.waitpid(pid, 0)
    if answered != b"x":
        raise OSError(errno.EPERM, f"the maps of a {width}-wide user namespace could not be written")
    os.setgroups([])
    os.setresgid(0, 0, 0)
    os.setresuid(0, 0, 0)


def zygote_python(folder, expose_also=(), landlock: bool = True, tmpdir=None) -> str:
    """A program that runs this interpreter as :func:`main` runs a command (namespaces refused, the interpreter
    and ``expose_also`` reachable by other users): a zygote's ``python``
    (:class:`autograder.perimeter.supervision.zygote_parent.Zygote`), so that it starts as in a container. Written
    into ``folder``. ``tmpdir``: the zygote's ``TMPDIR``, where the ``uid`` mode makes its slots' folders (a
    :func:`private_disk`, so that the disk watch sees no other writer of the host)."""
    import shlex

    path = Path(folder) / "container-like-python"
    exposed = [*expose_also, *([tmpdir] if tmpdir is not None else [])]  # (the children reach their slots' folders)
    options = "".join(f" --expose {shlex.quote(str(p))}" for p in exposed) + ("" if landlock else " --no-landlock")
    python = shlex.quote(sys.executable)
    # (TMPDIR for the zygote alone: container_like's own folders, made before the exec, stay in the host's /tmp)
    tmp = f"env TMPDIR={shlex.quote(str(tmpdir))} " if tmpdir is not None else ""
    path.write_text(f'#!/bin/sh\nexec {python} -m testkit.container_like{options} -- {tmp}{python} "$@"\n')
    path.chmod(0o755)
    return str(path)


@contextlib.contextmanager
def private_disk(folder, mb: int = 1024):
    """A fresh tmpfs of ``mb`` MB mounted on ``folder`` (made if needed) while inside, for a ``uid``-mode zygote's
    ``TMPDIR`` (:func:`zygote_python`): its slots' folders are then on a filesystem no other program of the host
    writes to, as a container's disk is, so that the grader's disk watch (which counts the whole filesystem's
    growth, and stops the running slots to find who holds growth no folder explains) never meets the host's other
    writers. On the host's ``/tmp`` a busy machine's writers (another test run, a build) were such growth, and a
    test's child was stopped in the middle of its cell (``crashed: connection closed``). Root only."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    syscalls.mount("tmpfs", str(folder), "tmpfs", syscalls.MS_NOSUID | syscalls.MS_NODEV, f"size={int(mb)}m,mode=0755")
    try:
        yield folder
    finally:
        syscalls.umount(str(folder))


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    also, landlock, tmp_mb, uid_map = [], True, 0, 0
    while argv[:1] in (["--expose"], ["--no-landlock"], ["--tmp-mb"], ["--uid-map"]):
        if argv[0] == "--no-landlock":
            landlock, argv = False, argv[1:]
        elif len(argv) > 1 and argv[0] == "--expose":
            also.append(argv[1])
            argv = argv[2:]
        elif len(argv) > 1 and argv[1].isdigit():
            tmp_mb, uid_map = (int(argv[1]), uid_map) if argv[0] == "--tmp-mb" else (tmp_mb, int(argv[1]))
            argv = argv[2:]
        else:
            break
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("usage: python -m testkit.container_like [--expose PATH]… [--no-landlock] [--tmp-mb N] [--uid-map N] "
              "[--] COMMAND…", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("testkit.container_like: root only (a container's root is what it imitates)", file=sys.stderr)
        return 2
    expose_as_in_an_image(also)
    if tmp_mb:
        small_tmp(tmp_mb, keep=[sys.base_prefix, sys.prefix, os.path.realpath(sys.executable), ROOT, *also])
    if uid_map:
        enter_mapped_user_namespace(uid_map)
    refuse_namespaces(landlock)
    os.execvp(argv[0], argv)
    return 127


if __name__ == "__main__":
    raise SystemExit(main())
