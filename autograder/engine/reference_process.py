"""Carried-forward answers of the reference, computed where a blow-up cannot take the grader down.

While a check calls a student's function, the child may ask for the
reference's result of another contract function (errors carried forward,
:func:`autograder.checks.callees.answer_for_stub`); the arguments are the
submission's. Their size is bounded (``MAX_CARRIED_ELEMENTS``), and so is the
result's, read from the arguments' shapes before anything is computed
(``MAX_CARRIED_RESULT``, :func:`autograder.perimeter.child_runtime.carry_forward.result_bound`).
Within those bounds, a call whose result may hold more than :data:`SMALL`
numbers is computed in a **reference process** of this worker thread, not in
the grader: a separate interpreter with an address-space limit of
:data:`MEMORY_MB` above what it holds after loading the references, and the
call's time limit. A call that exceeds either is declined (the student's own
function runs, as for any declined call), the process is restarted for the
next one, and the grader's memory never holds more than the call's encoded
answer. Small calls (nearly all: a probe's rows) stay in this process, where
their cost is bounded by :data:`SMALL`.

Protocol (one :mod:`autograder.perimeter.child_runtime.wire` message each way):
``{"function", "args": wire, "kwargs": wire}`` → the dict of
:func:`~autograder.checks.callees.answer_for_stub`.
"""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from autograder.checks.callees import answer_for_stub
from autograder.checks.references import reference_function
from autograder.model.course import FUNCTIONS
from autograder.model.invariant import known
from autograder.perimeter.child_runtime import wire
from autograder.perimeter.child_runtime.carry_forward import MAX_CARRIED_RESULT, result_bound
from autograder.perimeter.confinement.syscalls import PR_SET_PDEATHSIG, prctl

#: A carried call whose result may hold at most this many numbers is computed in the grader itself.
SMALL = 65_536
#: The reference process's address-space allowance above what it holds once the references are loaded.
MEMORY_MB = 1024
#: Seconds a reference process may take to start (imports NumPy, SciPy and the references).
START_TIMEOUT_S = 60.0

_local = threading.local()
_processes: list = []
_lock = threading.Lock()


class ReferenceProcess:
    """One reference process (started on first use, restarted after a failure)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None
        self.restarts = 0

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ", "HOME")}
        root = str(Path(__file__).resolve().parent.parent.parent)
        env.update(PYTHONPATH=root, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYTHONDONTWRITEBYTECODE="1", AUTOGRADER_REFERENCE_MEMORY_MB=str(MEMORY_MB))
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.engine.reference_process", "--fd",
                                      str(theirs.fileno())], pass_fds=[theirs.fileno()], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self.sock = ours
        hello = wire.recv(self.sock, timeout=START_TIMEOUT_S)
        if not isinstance(hello, dict) or hello.get("op") != "ready":
            raise OSError("the reference process did not start")

    def answer(self, function: str, args: Iterable[Any], kwargs: Mapping[str, Any],
               timeout: float) -> dict[str, Any]:
        """The reference's answer computed in this process's child, or ``{"declined": why}``."""
        try:
            if self.proc is None:
                self._start()
            sock = known(self.sock, "a started reference process has its socket")
            wire.send(sock, {"function": function, "args": wire.to_wire(tuple(args)),
                             "kwargs": wire.to_wire(dict(kwargs))})
            reply = wire.recv(sock, timeout=timeout, max_size=wire.MAX_MESSAGE)
        except (OSError, TimeoutError, wire.WireError, wire.PeerClosed) as exc:
            self.close()
            self.restarts += 1
            kind = "time" if isinstance(exc, TimeoutError) else "memory or time"
            return {"declined": f"the reference could not compute this call within the grader's {kind} limits"}
        if not isinstance(reply, dict):
            return {"declined": "the reference process sent no answer"}
        return reply

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None
        if self.proc is not None:
            try:
                self.proc.kill()
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self.proc = None


def answer(function: str, args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
    """The trusted side's answer to one carried-forward call (see the module docstring)."""
    bound = result_bound(args, kwargs)
    if bound <= SMALL or bound > MAX_CARRIED_RESULT:  # small: here; too large: answer_for_stub declines it
        return answer_for_stub(function, args, kwargs)
    process = getattr(_local, "process", None)
    if process is None:
        process = _local.process = ReferenceProcess()
        with _lock:
            _processes.append(process)
    return process.answer(function, args, kwargs, timeout)


def close_all() -> None:
    """End every reference process (a batch calls it when it finishes)."""
    with _lock:
        for process in _processes:
            process.close()
        _processes.clear()
    _local.__dict__.clear()


def serve(fd: int) -> None:
    """The reference process: load the references, limit the address space, answer until the grader leaves."""
    with contextlib.suppress(OSError):
        prctl(PR_SET_PDEATHSIG, 9)  # the grader died: so do we
    for functions in FUNCTIONS.values():
        for function in functions:
            reference_function(function)
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[0])
    limit = pages * os.sysconf("SC_PAGE_SIZE") + int(os.environ.get("AUTOGRADER_REFERENCE_MEMORY_MB",
                                                                    MEMORY_MB)) * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:  # (never above what the grader itself was given)
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard if hard != resource.RLIM_INFINITY else limit))
    sock = socket.socket(fileno=fd)
    wire.send(sock, {"op": "ready"})
    while True:
        try:
            msg = wire.recv(sock, max_size=wire.MAX_MESSAGE)
        except (OSError, wire.WireError, wire.PeerClosed):
            return
        try:
            reply = answer_for_stub(str(msg["function"]), wire.from_wire(msg["args"]), wire.from_wire(msg["kwargs"]))
        except MemoryError:
            reply = {"declined": "the reference ran out of memory for this call"}
        except Exception as exc:  # noqa: BLE001 — never die on one request
            reply = {"declined": f"{type(exc).__name__}: {str(exc)[:200]}"}
        try:
            wire.send(sock, reply)
        except (MemoryError, wire.WireError):
            wire.send(sock, {"declined": "the reference's answer is too large"})


if __name__ == "__main__":
    serve(int(sys.argv[sys.argv.index("--fd") + 1]))
