"""A seccomp filter for the ``uid`` mode's children: no network, no shared IPC objects, no io_uring, no keyrings.

Without namespaces a child shares the machine's network and its System V and
POSIX IPC with every other process. This filter (a classic BPF program,
``Documentation/userspace-api/seccomp_filter.rst``; installed with
``prctl(PR_SET_SECCOMP)`` after ``PR_SET_NO_NEW_PRIVS``, inherited by every
process the child starts, never removable) refuses, with ``EACCES``/``EPERM``:

* ``socket`` for any family but ``AF_UNIX`` (no IP, raw, packet or netlink
  socket: the network is unreachable, while ``socketpair`` and Unix sockets work);
* ``shmget``, ``semget``, ``msgget`` and ``mq_open`` (no System V or POSIX IPC
  object can be created or looked up, so none is shared between worker slots or
  left behind);
* ``io_uring_setup`` (io_uring can open sockets past this filter);
* ``add_key``, ``request_key``, ``keyctl`` (a uid's kernel keyring outlives its processes);
* every system call of another ABI than the process's own (``int 0x80`` or x32
  calls on x86-64 would use other numbers).

It is a deny list on top of the container runtime's own profile (which already
refuses what needs privileges), kept to what isolates one submission from
another and from the network. Supported on x86-64 and AArch64; elsewhere
:func:`install` raises ``OSError`` and the mode says the network is not isolated.

Standard library only: this module runs in the child.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import socket

from autograder.perimeter.confinement.syscalls import libc

PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
_OFFSET_NR, _OFFSET_ARCH, _OFFSET_ARG0 = 0, 4, 16  # struct seccomp_data (the low half of args[0], little-endian)
X32_SYSCALL_BIT = 0x40000000

#: ``machine -> (AUDIT_ARCH_*, socket, {refused call: number})``
ARCHES = {
    "x86_64": (0xC000003E, 41, {"shmget": 29, "semget": 64, "msgget": 68, "mq_open": 240, "add_key": 248,
                                "request_key": 249, "keyctl": 250, "io_uring_setup": 425}),
    "aarch64": (0xC00000B7, 198, {"shmget": 194, "semget": 190, "msgget": 186, "mq_open": 180, "add_key": 217,
                                  "request_key": 218, "keyctl": 219, "io_uring_setup": 425}),
}

class _Instruction(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]


#: One instruction: ``(code, jump if true, jump if false, constant)``, the jumps as offsets (or, while the program
#: is written, as labels: ``None`` is the next instruction).
Instruction = tuple[int, int, int, int]


def program(machine: str | None = None) -> list[Instruction]:
    """The filter as ``[(code, jt, jf, k)]`` for ``machine`` (default: this one); raises ``OSError`` for an
    architecture it does not know."""
    machine = machine or platform.machine()
    if machine not in ARCHES:
        raise OSError(errno.ENOSYS, f"no seccomp filter for {machine}")
    arch, socket_nr, refused = ARCHES[machine]
    # (instruction, jump if true, jump if false, constant), jumps to labels
    code: list[tuple[int, str | None, str | None, int] | str] = [
            (_LD_W_ABS, None, None, _OFFSET_ARCH),
            (_JEQ_K, None, "other ABI", arch),
            (_LD_W_ABS, None, None, _OFFSET_NR),
            (_JGE_K, "other ABI", None, X32_SYSCALL_BIT),
            (_JEQ_K, "socket", None, socket_nr)]
    code += [(_JEQ_K, "refuse", None, number) for number in sorted(refused.values())]
    code += [(_RET_K, None, None, RET_ALLOW),
             "refuse", (_RET_K, None, None, RET_ERRNO | errno.EPERM),
             "socket", (_LD_W_ABS, None, None, _OFFSET_ARG0),
             (_JEQ_K, None, "other family", socket.AF_UNIX),
             (_RET_K, None, None, RET_ALLOW),
             "other family", (_RET_K, None, None, RET_ERRNO | errno.EACCES),
             "other ABI", (_RET_K, None, None, RET_ERRNO | errno.ENOSYS)]
    labels: dict[str, int] = {}
    instructions: list[tuple[int, str | None, str | None, int]] = []
    for item in code:
        if isinstance(item, str):
            labels[item] = len(instructions)
        else:
            instructions.append(item)
    out = []
    for at, (op, jt, jf, k) in enumerate(instructions):
        offset = [0 if label is None else labels[label] - at - 1 for label in (jt, jf)]
        if min(offset) < 0 or max(offset) > 255:
            raise RuntimeError(f"jump out of range at {at}")  # (a bug in the program above, never input)
        out.append((op, offset[0], offset[1], k))
    return out


def install() -> None:
    """Install the filter in this process (``PR_SET_NO_NEW_PRIVS`` must be set); raises ``OSError``."""
    code = program()
    instructions = (_Instruction * len(code))(*[_Instruction(*i) for i in code])
    prog = _Program(len(code), ctypes.cast(instructions, ctypes.POINTER(_Instruction)))
    if libc.prctl(ctypes.c_int(PR_SET_SECCOMP), ctypes.c_ulong(SECCOMP_MODE_FILTER),
                   ctypes.c_void_p(ctypes.addressof(prog)), ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"seccomp filter: {os.strerror(err)}")
