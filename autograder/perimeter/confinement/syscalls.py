"""The system calls the sandbox makes that the standard library lacks (or lacks before 3.12), through the C library.

Namespaces (``unshare``, ``setns``), mounts (``mount``, ``umount2``,
``pivot_root``), ``prctl`` and the capability sets, each a thin wrapper that
raises ``OSError`` with the C library's ``errno``; the one handle of the C
library the package uses (:data:`libc`: :mod:`.landlock` and :mod:`.seccomp`
make their calls through it too); the constants of those calls, from the
kernel's headers.

Standard library only: this module runs in the zygote and in the child.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import platform
from typing import Any

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
KEEP_FLAGS = {1: MS_RDONLY, 2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC, 1024: MS_NOATIME, 2048: MS_NODIRATIME,
               4096: MS_RELATIME}
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
_SYS_CAPSET = {"x86_64": 126, "aarch64": 91, "riscv64": 91, "ppc64le": 184, "s390x": 185}

#: The C library (``errno`` kept per call: :func:`check` reads it).
libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
libc.syscall.restype = ctypes.c_long  # (syscall(2) returns a long: Landlock's file descriptors and versions)


def check(ret: int, what: str) -> None:
    """Raise ``OSError`` with the C library's ``errno`` when ``ret`` (a call's result) is not 0."""
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    if hasattr(os, "unshare"):  # Python 3.12+
        os.unshare(flags)
    else:
        check(libc.unshare(ctypes.c_int(flags)), "unshare")


def setns(fd: int, nstype: int) -> None:
    if hasattr(os, "setns"):  # Python 3.12+
        os.setns(fd, nstype)
    else:
        check(libc.setns(ctypes.c_int(fd), ctypes.c_int(nstype)), "setns")


def _encoded(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0, data: str | None = None) -> None:
    """``mount(2)``: ``source`` on ``target`` (a filesystem of type ``fstype``, or a bind or remount by ``flags``)."""
    enc = _encoded
    check(libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def umount(target: str, flags: int = MNT_DETACH) -> None:
    check(libc.umount2(os.fsencode(target), ctypes.c_int(flags)), f"umount {target}")


def prctl(option: int, arg2: int = 0) -> None:
    check(libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0)), f"prctl {option}")


def syscall(table: dict[str, int], *args: Any) -> int:
    """The system call numbered ``table[machine]`` on this machine; ``OSError`` (``ENOSYS``) elsewhere."""
    number = table.get(platform.machine())
    if number is None:
        raise OSError(errno.ENOSYS, f"unknown system call number on {platform.machine()}")
    return int(libc.syscall(ctypes.c_long(number), *args))


def pivot_root(new_root: str, put_old: str) -> None:
    check(syscall(_SYS_PIVOT_ROOT, os.fsencode(new_root), os.fsencode(put_old)), "pivot_root")


def drop_bounding_set() -> None:
    """Empty this process's capability bounding set (needs ``CAP_SETPCAP``); raises ``OSError``."""
    for cap in range(64):
        if libc.prctl(ctypes.c_int(PR_CAPBSET_DROP), ctypes.c_ulong(cap), ctypes.c_ulong(0), ctypes.c_ulong(0),
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
    check(syscall(_SYS_CAPSET, header, data), "capset")
