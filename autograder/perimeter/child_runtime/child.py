"""The sandboxed child: runs one submission's cells, then answers calls.

UNTRUSTED SIDE. This code runs in a process forked from the zygote for one
submission; after :func:`serve` confines it (see :mod:`.confine`) it executes
student code. It imports nothing that knows the right answers: only the
standard library, NumPy, IPython, matplotlib, :mod:`.wire`, :mod:`.confine`
and the copies of :mod:`autograder.perimeter.child_runtime.invoke` and the modules beside it that the zygote imported and
took out of ``sys.modules`` (``tools`` below, :func:`.preload.import_call_tools`). Whatever it answers is validated by the parent, which
compares with the references and awards points; nothing here can raise a
score.

Requests (one JSON message each, see :mod:`.wire`):

* ``{"op": "arm", "names": [str]}`` → ``{"armed": true}``: the forbidden objects of these names never
  compute from now on (the zygote's :class:`~autograder.perimeter.guard.arming.Guard`, through ``tools.arm``;
  once per process, before any cell)
* ``{"op": "defined", "function": str}`` → ``{"why": str}`` (``""``: a callable)
* ``{"op": "forbidden", "function": str, "names": [str], "skip": [str]}`` → ``{"used": [str]}``
* ``{"op": "call", "function": str, "args": wire, "kwargs": wire}`` → ``{"outcome": wire outcome}``
* ``{"op": "runs", "sources": [str]}`` and ``{"op": "calls", "function": str, "calls": [[args, kwargs]]}``
  → one answer per item, in order, each sent as soon as it is ready (a stream); a cell's is
  ``{"status": "ok"|"error", "error": str}``, a call's ``{"outcome": wire outcome}``
* ``{"op": "settle", "function": str}`` → ``{"found": [[what, when]]}``: the function's checks are over; what its
  calls' inputs showed since its first call, compared once more now (``tools.InputWatch``: an input changed after
  its call, a thread or timer left running), and those inputs forgotten
* a ``call``/``calls`` request may list ``"carry": [str]``, contract functions whose errors are carried
  forward: while the call runs, the child may send ``{"op": "callback", "function", "args", "kwargs"}``
  and waits for the parent's answer before it goes on (see :func:`_stubs_asking_the_parent`)

Every answer carries ``"output": {"bytes": n, "truncated": bool}`` (what the cells printed is counted,
never kept: nothing reads it). These are the requests the grader sends (``autograder/engine/``), and no
others: the child stops when its socket closes. Tests that look inside a child answer more
(``testkit/probe_zygote.py``, through :func:`serve`'s ``extend``).
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import sys
import tempfile
import types
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TextIO

import numpy as np

from autograder.perimeter.child_runtime import on_first_use, wire
from autograder.perimeter.child_runtime.failed_imports import SkipFailedImports
from autograder.perimeter.confinement import confine
from autograder.perimeter.confinement.limits import Limits

ERROR_TEXT = 500
#: A child's answer to one request (a JSON object).
Reply = dict[str, Any]


# ---------------------------------------------------------------------------
# built in the zygote, before any fork


def make_shell() -> Any:
    """An IPython shell for the children: no history file, Agg plots, quiet magics."""
    import matplotlib

    matplotlib.use("Agg")
    on_first_use.install(matplotlib, "pyplot", _quiet_figures)
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.autocall = 0
    config.InteractiveShell.xmode = "Plain"  # tracebacks are never shown: skip the costly formatting
    shell: Any = InteractiveShell.instance(config=config)  # (patched below: IPython's types do not say so)

    def matplotlib_magic(line: str = "") -> None:
        """``%matplotlib …``: plots are rendered with Agg and discarded; nothing to switch (nor ``pyplot`` to run
        for it: matplotlib switches the backend of a ``pyplot`` it finds in ``sys.modules``, and one not run yet
        has no backend to switch)."""
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None or on_first_use.has_run(pyplot):
            matplotlib.use("Agg")
            return
        del sys.modules["matplotlib.pyplot"]
        try:
            matplotlib.use("Agg")
        finally:
            sys.modules["matplotlib.pyplot"] = pyplot

    def ask_exit() -> NoReturn:
        """``exit()``/``quit()`` in a cell: an error of that cell, like ``sys.exit()``."""
        raise SystemExit("exit() was called")

    def pylab_magic(line: str = "") -> None:
        """``%pylab …``: as in Jupyter, NumPy's and pylab's names put in the notebook's namespace (not with
        ``--no-import-all``), by IPython's own ``import_pylab``; plots are rendered with Agg and discarded."""
        from IPython.core.pylabtools import import_pylab  # (only for a notebook that asks: most never do)

        matplotlib.use("Agg")
        import_pylab(shell.user_ns, import_all="--no-import-all" not in line.split())  # type: ignore[no-untyped-call]

    shell.ask_exit = ask_exit
    shell.ast_transformers.append(SkipFailedImports())  # (an import that fails skips itself, not its cell)
    shell.register_magic_function(matplotlib_magic, "line", "matplotlib")
    shell.register_magic_function(pylab_magic, "line", "pylab")
    shell.logger  # noqa: B018 — a lazy property that imports IPython.core.logger on first use
    shell.run_cell("pass", store_history=False, silent=True)  # warm up the compiler machinery
    return shell


def _quiet_figures(pyplot: types.ModuleType) -> None:
    """What a child does to ``pyplot`` when its code first uses it (:mod:`.on_first_use`). Figures are never looked
    at when grading: showing them and laying them out (text extents, mathtext parsing: ~0.5 s per figure cell) are
    skipped; drawing and savefig work. (The lesson's figure cells are never run by the engine,
    ``course.grader_skips``: a student's own figure cell pays for ``pyplot``, 0.17 s, in its child.)"""
    from matplotlib.figure import Figure

    setattr(pyplot, "show", lambda *args, **kwargs: None)  # noqa: B010 — (a module's attribute, by its name)
    Figure.tight_layout = lambda self, *args, **kwargs: None  # type: ignore[method-assign]


def _close_figures(has_run: Callable[[object], bool]) -> Callable[[str], object]:
    """``close(which)`` of a ``pyplot`` that has run (one not run yet has no figure to close, and is not run for it)."""

    def close(which: str) -> object:
        pyplot = sys.modules.get("matplotlib.pyplot")
        return pyplot.close(which) if pyplot is not None and has_run(pyplot) else None

    return close


# ---------------------------------------------------------------------------
# output capture


class _OutputState:
    """How much the cells printed: ``total`` characters (bytes, for binary writes); ``truncated`` past ``cap``."""

    def __init__(self, cap: int):
        self.cap = cap
        self.total = 0

    @property
    def truncated(self) -> bool:
        return self.total > self.cap

    def add(self, n: int) -> None:
        self.total += n


class _CountedBinary(io.RawIOBase):
    def __init__(self, state: _OutputState, fd: int):
        self._state, self._fd = state, fd

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:  # (a bytes-like object: counted, never written)
        n = memoryview(data).nbytes  # a bytes-like object, as a binary stream takes; counted, never copied
        self._state.add(n)
        return n

    def fileno(self) -> int:
        return self._fd


class CountedOutput(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` of the child: counts what is written and keeps none of it."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, state: _OutputState, fd: int):
        self._state, self._fd = state, fd
        self.buffer = _CountedBinary(state, fd)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._fd

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._state.add(len(text))
        return len(text)

    def flush(self) -> None:
        pass


# ---------------------------------------------------------------------------
# in the child


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:ERROR_TEXT]


def _errno_of(exc: BaseException) -> dict[str, int]:
    """``{"errno": n}`` for an ``OSError`` that carries one (the grader tells a full disk from a broken sandbox
    by it), else ``{}``."""
    number = getattr(exc, "errno", None) if isinstance(exc, OSError) else None
    return {"errno": number} if isinstance(number, int) else {}


def _too_large(value: object) -> bool:
    if isinstance(value, np.ndarray):
        return value.size > wire.MAX_ELEMENTS
    if isinstance(value, tuple):
        return sum(v.size for v in value if isinstance(v, np.ndarray)) > wire.MAX_ELEMENTS
    return False


def _dispose(keep_fd: int, sockets: Iterable[socket.socket]) -> None:
    """Close every inherited descriptor but ``keep_fd`` and the standard streams."""
    for s in sockets:
        try:
            fd = s.detach()  # so that no finaliser closes a reused number later
            if fd >= 0 and fd != keep_fd:
                os.close(fd)
        except OSError:
            pass
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 1 << 16)


def _redirect_stdio(workdir: str, cap: int) -> _OutputState:
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    log = os.open(os.path.join(workdir, ".output"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    state = _OutputState(cap)
    sys.stdout = CountedOutput(state, 1)
    sys.stderr = CountedOutput(state, 2)
    return state


def _names(value: object) -> tuple[str, ...]:
    return tuple(str(n) for n in value[:64]) if isinstance(value, list) else ()


def _stubs_asking_the_parent(sock: socket.socket, tools: Any, send: Callable[..., None], recv: Callable[..., Any],
                             to_wire: Callable[[object], Any], from_wire: Callable[[Any], Any]) -> Callable[..., Any]:
    """``stubs(namespace, caller, names)``: errors carried forward for one call (``tools.CalleeStubs``).

    During a ``call`` whose request lists ``"carry"`` names, the notebook's
    own functions of those names are stubs that ask the parent: the stub
    sends ``{"op": "callback", "function", "args", "kwargs"}`` and blocks
    for the parent's ``{"value"}`` / ``{"raised", "message"}`` /
    ``{"declined"}``; then the call goes on. Arguments that cannot be sent
    (not numbers) are not asked about: the student's own function runs.
    """
    import threading

    lock = threading.Lock()  # a submission calling a stub from threads must not interleave messages

    def ask(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            msg = {"op": "callback", "function": name, "args": to_wire(tuple(args)), "kwargs": to_wire(dict(kwargs))}
        except (wire.WireError, TypeError, ValueError, RecursionError) as exc:
            return {"declined": str(exc)[:200]}
        with lock:
            send(sock, msg)
            return recv(sock)

    def stubs(namespace: dict[str, Any], caller: str, names: Iterable[str]) -> Any:
        return tools.CalleeStubs(namespace, caller, names, ask, from_wire, probe_circles=True)

    return stubs


def _confine(sock_fd: int, uid: int | None, limits: Limits, workdir: str, inherited: Iterable[socket.socket],
             nproc_base: int, caps: bool, report: dict[str, Any] | None) -> tuple[socket.socket, _OutputState]:
    """Confine this process (:func:`.confine.confine_child`), point its homes and stdio at ``workdir``, say hello.

    Returns ``(socket, output state)``. When anything fails it reports the
    error on the socket if it can and exits with status 70: student code
    never runs unconfined.
    """
    sock = None
    try:
        _dispose(sock_fd, inherited)
        sock = socket.socket(fileno=sock_fd)
        applied = dict(report or {})
        applied.update(confine.confine_child(limits, uid, workdir, nproc_base, caps=caps))
        for var in ("HOME", "TMPDIR", "MPLCONFIGDIR", "IPYTHONDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
            os.environ[var] = workdir
        tempfile.tempdir = None
        sys.argv = [""]
        state = _redirect_stdio(workdir, limits.output_cap)
        wire.send(sock, {"op": "hello", "pid": os.getpid(), "sandbox": applied})
        return sock, state
    except BaseException as exc:  # noqa: BLE001 — cannot confine: never run student code
        try:
            if sock is not None:
                wire.send(sock, {"op": "error", "error": _describe(exc), **_errno_of(exc)})
        finally:
            os._exit(70)


def _cell_runner(run_cell: Callable[..., Any], close_figures: Callable[[str], object], out_writer: TextIO,
                 err_writer: TextIO) -> Callable[[str], Reply]:
    """``run(source) -> {"status": "ok"} | {"status": "error", "error"}``: one cell in the IPython shell.

    Whatever the cell does (raise, exit, leave ``sys.stdout`` unusable), the
    next cell gets working stdout/stderr (``out_writer``, ``err_writer``) and
    no open figures.
    """

    def run(source: str) -> Reply:
        # A cell that left no usable stdout/stderr (``sys.stdout = None``) would make every
        # later cell fail inside IPython; give the next cell ours back.
        if not callable(getattr(sys.stdout, "write", None)):
            sys.stdout = out_writer
        if not callable(getattr(sys.stderr, "write", None)):
            sys.stderr = err_writer
        try:
            result = run_cell(source, store_history=True)
        except BaseException as exc:  # noqa: BLE001 — nothing a cell does may end the loop
            return {"status": "error", "error": _describe(exc)}
        finally:
            with contextlib.suppress(BaseException):
                close_figures("all")
        err = result.error_before_exec or result.error_in_exec
        if err is not None:
            return {"status": "error", "error": _describe(err)}
        return {"status": "ok"}

    return run


def _caller(user_ns: dict[str, Any], invoke_fn: Callable[..., Any], stubs: Callable[..., Any],
            from_wire: Callable[[Any], Any], outcome_to_wire: Callable[[Any], Any], watch: Any = None
            ) -> Callable[..., Reply]:
    """``call(name, args, kwargs, carry=()) -> {"outcome": wire}``: one call of a notebook function.

    ``carry`` names the contract functions answered by the trusted side during
    the call (errors carried forward). A value too large, or one that cannot
    be encoded, is replaced by ``None`` with a description. ``watch``: where each
    call's inputs are kept to be compared again (``tools.InputWatch``).
    """

    def call(name: str, args: Any, kwargs: Any, carry: tuple[str, ...] = ()) -> Reply:
        fn = user_ns.get(name)
        args, kwargs = tuple(from_wire(args)), dict(from_wire(kwargs))
        with stubs(user_ns, name, carry):
            outcome = invoke_fn(fn, args, kwargs, watch, name)
        if _too_large(outcome.value):
            outcome.value, outcome.value_type = None, "an array too large to send back"
        try:
            return {"outcome": outcome_to_wire(outcome)}
        except Exception as exc:  # noqa: BLE001
            return {"outcome": {"status": "returned", "value": None,
                                "value_type": f"something that cannot be sent back ({_describe(exc)})",
                                "error_type": "", "error_message": "", "warnings": [], "mutated": [],
                                "lingering": list(outcome.lingering)}}

    return call


def serve(sock_fd: int, uid: int | None, limits: Limits, workdir: str, shell: Any, tools: Any,
          inherited: Iterable[socket.socket] = (), nproc_base: int = 0, caps: bool = False,
          report: dict[str, Any] | None = None, extend: Callable[[], dict[str, Callable[[Any], Reply]]] | None = None
          ) -> NoReturn:
    """Confine this freshly forked process, then serve requests. Never returns.

    ``caps``: drop every capability too; ``report``: more facts for the hello's ``sandbox``.
    ``extend``: for tests only (the grader passes None): called once, confined and before any request,
    it returns more requests to answer, ``{op: handler(msg) -> reply}`` (``testkit/probe_zygote.py``).
    """
    # (60 lines: the request loop stays whole so that every branch uses the locals bound below,
    # before student code runs; the steps it calls are _confine, _cell_runner and _caller.)
    sock, state = _confine(sock_fd, uid, limits, workdir, inherited, nproc_base, caps, report)

    # Bound now: student code may rebind module attributes later, not these locals.
    user_ns = shell.user_ns
    describe, forbidden_uses = tools.describe_definition, tools.forbidden_uses
    to_wire, from_wire = wire.to_wire, wire.from_wire
    recv, send = wire.recv, wire.send
    arm = tools.arm
    run = _cell_runner(shell.run_cell, _close_figures(on_first_use.has_run), sys.stdout, sys.stderr)
    stubs = _stubs_asking_the_parent(sock, tools, send, recv, to_wire, from_wire)
    watch = tools.InputWatch()  # each call's inputs, compared again after the next call and at "settle"
    call = _caller(user_ns, tools.invoke, stubs, from_wire, wire.outcome_to_wire, watch)
    more = dict(extend()) if extend is not None else {}

    while True:
        try:
            msg = recv(sock)
        except BaseException:  # noqa: BLE001 — parent gone or garbage: stop
            break
        op = msg.get("op") if isinstance(msg, dict) else None
        reply: Reply
        try:
            if op == "arm":  # before any cell: this problem set's forbidden objects never compute again
                arm(tuple(str(n) for n in msg.get("names", ())[:256]))
                reply = {"armed": True}
            elif op == "defined":
                reply = {"why": describe(user_ns, str(msg["function"]))}
            elif op == "forbidden":
                fn = user_ns.get(str(msg["function"]))
                reply = {"used": [str(u) for u in forbidden_uses(fn, tuple(str(n) for n in msg["names"]),
                                                                 _names(msg.get("skip")))]}
            elif op == "settle":
                reply = {"found": [list(pair) for pair in watch.settle(str(msg["function"]))]}
            elif op == "call":
                reply = call(str(msg["function"]), msg["args"], msg["kwargs"], _names(msg.get("carry")))
            elif op in ("runs", "calls"):  # a stream: one answer per item, sent as soon as it is ready
                items = msg["sources"] if op == "runs" else msg["calls"]
                for item in items:
                    try:
                        if op == "runs":
                            answer = run(str(item))
                        else:
                            answer = call(str(msg["function"]), item[0], item[1], _names(msg.get("carry")))
                    except BaseException as exc:  # noqa: BLE001
                        answer = {"error": _describe(exc)}
                    answer["output"] = {"bytes": state.total, "truncated": state.truncated}
                    send(sock, answer)
                continue
            elif op in more:
                reply = more[op](msg)
            else:
                reply = {"error": f"unknown request {op!r}"}
        except BaseException as exc:  # noqa: BLE001
            reply = {"error": _describe(exc)}
        reply["output"] = {"bytes": state.total, "truncated": state.truncated}
        try:
            send(sock, reply)
        except BaseException:  # noqa: BLE001
            break
    os._exit(0)
