"""The zygote's view of the files (``root`` and ``userns`` modes): an allowlist of the host, made its root once.

:func:`enter_view` leaves the host's network and mount namespaces and makes
the root of the new mount namespace a fresh read-only tmpfs holding only an
*allowlist*: the interpreter and its libraries (the virtualenv, the Python
prefix, ``/usr``, the loader's files) bound read-only, a synthetic
``/etc/passwd``, five device nodes, and empty mount points. The course, the
folders beside it, ``/root``, ``/home``, ``/work``, ``/var/tmp`` and the
host's ``/proc`` are simply not there (the host's ``/proc`` is kept at
:data:`HOST_PROC` for the zygote, and each child unmounts it). What it returns,
a :class:`View`, says where this process reads other processes from from then
on, and which folders of the view a child's own ``/tmp`` would cover.

Standard library only: this module runs in the zygote (and in a child, for its
own mounts: :func:`bind_read_only`).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from autograder.perimeter.confinement.paths import inside, minimal_paths
from autograder.perimeter.confinement.syscalls import (
    CLONE_NEWNET,
    CLONE_NEWNS,
    KEEP_FLAGS,
    MNT_DETACH,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    mount,
    pivot_root,
    umount,
    unshare,
)

#: Where the child's writable tmpfs is mounted (inside the view); its working folder is ``SANDBOX/work``.
SANDBOX = "/sandbox"
#: The host's /proc inside the zygote's view (the zygote needs it to find and kill processes);
#: each child unmounts it before any student code runs.
HOST_PROC = "/.hostproc"
#: Host paths shown read-only in the view besides the interpreter's own: what the C libraries, the
#: dynamic loader and ``/bin/sh`` (IPython's ``!``) need. Missing ones are skipped.
SYSTEM_PATHS = ("/usr", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                "/etc/alternatives", "/etc/fonts", "/etc/mime.types")
DEVICES = ("null", "zero", "full", "random", "urandom")


@dataclass(frozen=True)
class View:
    """Where this process stands in the filesystem: ``proc``, where it reads other processes from (``/proc``, or
    :data:`HOST_PROC` once in the view), and ``under_tmp``, the view's folders under ``/tmp`` or ``/dev/shm`` (a
    checkout and its virtualenv in ``/tmp``), which each child's own tmpfs covers, so that
    :func:`autograder.perimeter.confinement.namespaces.enter_child_namespaces` binds them back, read-only."""

    proc: str = "/proc"
    under_tmp: tuple[str, ...] = ()


def bind_read_only(source: str, target: str, proc: str = "/proc") -> None:
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
    for point in mounts_below(target, proc):
        keep = os.statvfs(point).f_flag
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
        for st_flag, ms_flag in KEEP_FLAGS.items():
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


def mounts_below(target: str, proc: str = "/proc") -> list[str]:
    """The mount points at or below ``target`` in this process's mount namespace, shortest first (from
    ``mountinfo`` of ``proc``); ``[target]`` when it cannot be read."""
    target = os.path.realpath(target)
    try:
        with open(f"{proc}/self/mountinfo", "rb") as fh:
            lines = fh.read().decode("utf-8", "surrogateescape").splitlines()
    except OSError:
        return [target]
    points = []
    for line in lines:
        fields = line.split(" ")
        if len(fields) > 4:
            point = _unescape_mount_point(fields[4])
            if inside(point, target) and point not in points:
                points.append(point)
    return sorted(points, key=len) or [target]


def cover_files(paths: Iterable[str]) -> list[str]:
    """Cover each existing file of ``paths`` with an empty read-only file (bind of ``/dev/null``), in this mount
    namespace; returns the paths covered.

    The zygote covers the library files that define the forbidden functions
    (:func:`autograder.perimeter.guard.arming.prepare`), once they are imported: the
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


def _no_interpreters(root: str, view: list[str]) -> list[str]:
    """Make the Python interpreters of the view impossible to execute (a bind of each onto itself, ``noexec``).

    The children are forked, never executed, so they need no interpreter
    binary; a second interpreter started by a submission would run without
    the guard that makes the forbidden functions unusable
    (:mod:`autograder.perimeter.guard.arming`). Returns the paths made non-executable.
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
            if real in done or not os.path.isfile(root + real) or not any(inside(real, v) for v in view):
                continue
            try:
                mount(root + real, root + real, None, MS_BIND)
                keep = os.statvfs(root + real).f_flag
                flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
                for st_flag, ms_flag in KEEP_FLAGS.items():
                    if keep & st_flag:
                        flags |= ms_flag
                mount(None, root + real, None, flags)
                done.add(real)
            except OSError:
                pass
    return sorted(done)


def _relink(root: str, path: str, view: list[str]) -> None:
    """Recreate the symlink ``path`` (``/bin -> usr/bin``) in the view when it leads into it."""
    try:
        link = os.readlink(path)
    except OSError:
        return
    if any(inside(os.path.realpath(path), v) for v in view) and not os.path.lexists(root + path):
        os.makedirs(os.path.dirname(root + path), exist_ok=True)
        os.symlink(link, root + path)


def enter_view(base: str, needed: Iterable[str], hidden: Iterable[str] = (),
               uid_names: Collection[int] = ()) -> tuple[dict[str, Any], View]:
    """Leave the host's network and mount namespaces; make an allowlist of it the root (zygote).

    ``base`` is an empty folder of ours (the new root is a tmpfs mounted on
    it); ``needed`` the interpreter's paths (:func:`autograder.perimeter.supervision.zygote_parent.interpreter_paths`);
    ``hidden`` paths that must stay invisible even when inside a needed path
    (the course, when the virtualenv holds it). Returns a report,
    ``{"netns", "mountns", "view", "errors"}``, and where this process now
    stands (a :class:`View`; the one it stood in when the mount namespace could
    not be made).
    """
    errors: list[str] = []
    report: dict[str, Any] = {"netns": False, "mountns": False, "view": [], "errors": errors}
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
        return report, View()
    root = os.path.realpath(base)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755")
    view = minimal_paths(list(SYSTEM_PATHS) + list(needed))
    for path in view:
        bind_read_only(path, root + path)
    for path in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        _relink(root, path, view)
    _cover_hidden(root, view, hidden)
    report["no_interpreter"] = _no_interpreters(root, view)
    _write_etc(root, uid_names)
    _make_mount_points(root)
    _pivot_into(root)
    report["mountns"] = True
    report["view"] = view
    return report, View(HOST_PROC, tuple(path for path in view if path.startswith(("/tmp/", "/dev/shm/"))))


def _cover_hidden(root: str, view: list[str], hidden: Iterable[str]) -> None:
    """Cover each hidden path that lies inside a needed path of the view (an empty tmpfs, or /dev/null for a file).

    A path the interpreter needs stays; outside the view a path is invisible anyway.
    """
    covered: list[str] = []
    for target in sorted({os.path.realpath(h) for h in hidden if h and os.path.exists(h)}, key=len):
        # a needed path that holds a hidden one (the course installed into the virtualenv): cover it
        if target in view or not any(inside(target, v) for v in view) or any(inside(target, c) for c in covered):
            continue
        covered.append(target)
        if os.path.isdir(target):
            mount("tmpfs", root + target, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k,mode=0755")
        else:
            mount("/dev/null", root + target, None, MS_BIND)


def _write_etc(root: str, uid_names: Collection[int]) -> None:
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
