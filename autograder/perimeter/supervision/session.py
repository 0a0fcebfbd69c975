"""Run a submission's cells in its sandboxed child: the session of one submission (the perimeter's trusted half).

:class:`Session` owns the child of one submission, and reads everything it sends within bounds. It runs the cells, each
under a wall timeout, and when a cell or a call hangs or kills the process it
kills the slot, spawns a fresh child, replays the cells that had completed
(skipping the one that hung or crashed) and goes on — up to
``limits.max_respawns`` times and within ``limits.budget_s`` for the whole
submission. The checks reach the submission's functions through it with
:class:`~autograder.engine.remote_target.RemoteTarget` (whose answers :mod:`.answers` decodes).

Round trips between processes are the main cost of grading a notebook, so
both the cells and the probes of a check go out as *streams*: one request,
one answer per item as soon as it is ready, each answer under its own
timeout (:meth:`Session.stream`, :meth:`Session.next`); answers not needed
are drained.

Cells run in notebook order up to each graded cell (:meth:`Session.run_cells`
with ``upto``), so a restart replays only the cells above the check under
way. Errors carried forward make a call two-way: while its answer is
awaited, the child may ask for the reference's result of the other contract
functions of the problem set, and :meth:`Session._receive` answers within
that call's window, deadline and bounds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, cast

from autograder.perimeter.child_runtime import wire
from autograder.perimeter.child_runtime.carry_forward import (
    MAX_CARRIED_CALLS,
    MAX_CARRIED_ELEMENTS,
    MAX_CARRIED_RESULT,
    elements,
    leads_to,
    result_bound,
)
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision.answers import error_text
from autograder.perimeter.supervision.zygote_parent import Child, ChildError, GraderError, Zygote, ZygoteLost

#: Callback messages the child may send while one answer is awaited (answered or declined);
#: more ends the child. An honest child stops asking after ``MAX_CARRIED_CALLS`` itself.
MAX_CALLBACK_MESSAGES = MAX_CARRIED_CALLS + 16


#: The trusted side's answer to a carried-forward call, ``answer(function, args, kwargs)``: a reply for the child
#: (:func:`autograder.engine.reference_process.answer`).
Answer = Callable[[str, tuple[Any, ...], dict[str, Any]], dict[str, Any]]
#: A cell's error text (``"Name: message"``) as it may be shown once the child has seen hidden inputs (the engine's
#: ``hidden_error``: what the checks show of a hidden probe's exception).
Shown = Callable[[str], str]


def _present(child: Child | None, why: str) -> Child:
    """``child``, which the session's own logic guarantees is there (``why``); a grader's bug otherwise."""
    if child is None:
        raise RuntimeError("the grader's own invariant broke: " + why)
    return child


class GaveUp(Exception):
    """No more children for this submission (respawn cap or time budget)."""


class CellRun:
    """One executed cell of the rebuilt notebook and how it went."""

    def __init__(self, index: int, grade_id: str | None, source: str) -> None:
        self.index, self.grade_id, self.source = index, grade_id, source
        self.status = "pending"  # ok | error | timeout | skipped
        self.error = ""
        self.fatal = False  # it hung or ended the process: never run again
        self.duration_s = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "grade_id": self.grade_id, "status": self.status, "error": self.error,
                "duration_s": round(self.duration_s, 4)}


def _ended(status: dict[str, Any]) -> str:
    if status.get("stopped"):  # the grader stopped it (the disk watch): why, not the signal
        return f"stopped: {status['stopped']}"
    if status.get("ended") == "signal":
        name = status.get("signal_name", "")
        why = {
            "SIGSEGV": "a segmentation fault",
            "SIGXCPU": "the CPU time limit",
            "SIGKILL": "SIGKILL (out of memory or killed)",
            "SIGABRT": "an abort",
            "SIGBUS": "a bus error",
        }.get(name, name)
        return f"killed by {why}"
    if status.get("ended") == "exit":
        return f"exited with code {status.get('exitcode')}"
    return "ended"


class Session:
    """The sandboxed execution of one submission."""

    def __init__(self, zygote: Zygote, slot: int, cells: Iterable[CellRun], limits: Limits,
                 forbidden: Iterable[str] = (), *, shown_after_probe: Shown) -> None:
        self.zygote, self.slot, self.limits = zygote, slot, limits
        self.shown_after_probe = shown_after_probe  # a cell's error once the child may hold hidden inputs
        self.forbidden = tuple(forbidden)  # armed in every child before any cell (see _ensure_child)
        self.cells = list(cells)
        self.child: Child | None = None
        self.pending = 0  # answers of the current stream not read yet
        # the window: names whose callbacks are answered while a call's answer is awaited
        self.carry: tuple[str, ...] = ()
        self.caller: str | None = None  # the function whose call is awaited
        # (function, args, kwargs) -> reply: the trusted side's carried-forward answer
        self.answer: Answer | None = None
        # caller -> the functions answered for it so far (never a circle, see _callback)
        self.asked: dict[str | None, set[str]] = {}
        # caller -> every carried-forward function it asked for, answered or declined
        self.calls: dict[str | None, set[str]] = {}
        self.answered: list[str] = []  # the functions answered, in order (a check's share: grade.py's circle rule)
        self.carried: list[str] = []  # of those, the ones the reference answered (not declined), in order
        self.spawns = 0
        self.respawns = 0
        self.events: list[str] = []  # what happened, for the notes
        self.gave_up = ""
        self.output: dict[str, Any] = {"bytes": 0, "truncated": False}
        self.sandbox: dict[str, Any] = {}
        self.probed = False  # a check's call was sent: from now on the child may hold hidden inputs
        self.output_at_probe: int | None = None
        self.started = time.monotonic()
        self.deadline = self.started + limits.budget_s

    # -- child lifecycle -------------------------------------------------------
    def _timeout(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            if self.child is not None:
                self._kill()
            self._give_up(f"the time budget of {self.limits.budget_s:g} s for this notebook ran out")
        return min(self.limits.timeout_s, remaining)

    def _give_up(self, why: str) -> NoReturn:
        if not self.gave_up:
            self.gave_up = why
            self.events.append(f"grading stopped early: {why}")
        raise GaveUp(self.gave_up)

    def _kill(self, wait: bool = False) -> dict[str, Any]:
        """Kill the slot; with ``wait`` return how the child ended (for a crash)."""
        child, self.child = self.child, None
        self.pending = 0
        self.carry = ()
        if child is None:
            return {}
        self._collect(child)
        child.close()
        status: dict[str, Any] = self.zygote.kill(self.slot, wait=wait).get("status", {})
        return status

    def _check_zygote(self, exc: ChildError) -> None:
        """Raise :class:`ZygoteLost` when the child ended because its zygote did (a restart killed it): then
        the call or cell under way is not the submission's doing and is graded again, never scored."""
        child = self.child
        if child is not None and self.zygote.lost(child):
            self.child, self.pending, self.carry = None, 0, ()
            self._collect(child)
            child.close()
            raise ZygoteLost(f"the sandbox's zygote ended while this notebook was being graded ({exc})")

    def _fail(self, exc: ChildError) -> NoReturn:
        """The child hung or died: kill the slot, say how it ended, re-raise."""
        self._check_zygote(exc)
        status = self._kill(wait=exc.kind == "crashed")
        if exc.kind == "crashed":
            exc.detail = _ended(status)
        raise exc

    def _collect(self, child: Child) -> None:
        """Add up what each child printed (each reports its own count)."""
        self.output = {
            "bytes": self.output["bytes"] + child.output["bytes"],
            "truncated": self.output["truncated"] or child.output["truncated"],
        }

    def _note_probe(self, msg: dict[str, Any]) -> None:
        """A check's call is about to be sent: the output count is taken now and reported as it stands (a
        count the child reports later could carry a hidden input out, see :meth:`reported_output`)."""
        if not self.probed and msg.get("op") in ("call", "calls"):
            self.probed = True
            current = self.child.output if self.child is not None else {"bytes": 0}
            self.output_at_probe = self.output["bytes"] + current["bytes"]

    def reported_output(self) -> dict[str, Any]:
        """What results.json says the notebook printed: the byte count as of the first hidden probe (all of
        it when no call was made), and whether any output was cut."""
        total = dict(self.output)
        if self.child is not None:
            total = {"bytes": total["bytes"] + self.child.output["bytes"],
                     "truncated": total["truncated"] or self.child.output["truncated"]}
        if self.output_at_probe is not None:
            total["bytes"] = min(total["bytes"], self.output_at_probe)
        return total

    def _ensure_child(self) -> None:
        """A live child with every completed cell replayed; raises :class:`GaveUp`."""
        while self.child is None:
            if self.gave_up:
                raise GaveUp(self.gave_up)
            if self.spawns > 0:
                if self.respawns >= self.limits.max_respawns:
                    self._give_up(f"the notebook's process had to be restarted {self.respawns} times")
                self.respawns += 1
            self._timeout()
            self.child = self.zygote.spawn(self.slot, self.limits)
            self.spawns += 1
            if not self.sandbox:
                self.sandbox = dict(self.child.sandbox)
            try:  # the problem set's forbidden objects refuse student code from the first cell on
                reply = self.child.request({"op": "arm", "names": list(self.forbidden)}, self._timeout())
            except ChildError as exc:
                self._check_zygote(exc)
                self._kill(wait=True)
                continue
            if reply.get("armed") is not True:
                raise GraderError(f"a sandboxed child could not be armed: {error_text(reply, 'no reason given', 300)}")
            replay = [c for c in self.cells if c.status in ("ok", "error") and not c.fatal]
            if not replay:
                continue
            try:
                self.child.send({"op": "runs", "sources": [c.source for c in replay]})
            except ChildError as exc:
                self._check_zygote(exc)
                self._kill(wait=True)
                continue
            for cell in replay:
                try:
                    reply = self._receive()
                except ChildError as exc:
                    status = self._kill(wait=exc.kind == "crashed")
                    self.events.append(
                        f"cell {cell.index} {'hung' if exc.kind == 'timeout' else 'crashed'} when it was re-run "
                        f"after a restart; it is skipped from now on"
                    )
                    cell.status = "timeout" if exc.kind == "timeout" else "error"
                    cell.error = cell.error or f"crashed on re-run ({_ended(status)})"
                    cell.fatal = True
                    break
                if reply.get("status") != cell.status:
                    self.events.append(f"cell {cell.index} gave a different result when re-run after a restart")

    # -- requests and streams ----------------------------------------------------
    def _receive(self) -> dict[str, Any]:
        """The child's next answer, under one timeout; callbacks before it are answered on the way.

        Errors carried forward: while a call's answer is awaited, the child
        may ask for the reference's result of a contract function in
        :attr:`carry` (``{"op": "callback", …}``, see ``child._stubs_asking_the_parent``).
        Each is answered here and the wait goes on, within the same
        deadline. Bounds, whatever the child sends: at most
        ``MAX_CARRIED_CALLS`` answers and ``MAX_CARRIED_ELEMENTS`` argument
        elements per awaited answer (beyond, or outside a call's window,
        the callback is declined and the child runs the student's own
        function), at most :data:`MAX_CALLBACK_MESSAGES` messages (beyond,
        the child is ended as broken), and the deadline covers the parent's
        own work too.
        """
        deadline = time.monotonic() + self._timeout()
        asked = answered = size = 0
        child = _present(self.child, "a request is under way: _ensure_child made it")
        while True:
            try:
                reply = child.receive(max(0.0, deadline - time.monotonic()))
            except ChildError as exc:
                self._check_zygote(exc)
                raise
            if reply.get("op") != "callback":
                return reply
            asked += 1
            if asked > MAX_CALLBACK_MESSAGES:
                raise ChildError("crashed", f"it asked the grader more than {MAX_CALLBACK_MESSAGES} questions "
                                            "during one call")
            answer, cost = self._callback(reply, answered, size)
            if "declined" not in answer:
                answered, size = answered + 1, size + cost
            try:
                child.send(answer)
            except wire.WireError:
                child.send({"declined": "the answer is too large to send"})

    def _callback(self, msg: dict[str, Any], answered: int, size: int) -> tuple[dict[str, Any], int]:
        """The answer to one callback and the elements it cost (see :meth:`_receive`)."""
        name = msg.get("function")
        if self.answer is None or not isinstance(name, str) or name not in self.carry:
            return {"declined": "not a carried-forward function of the call under way"}, 0
        self.calls.setdefault(self.caller, set()).add(name)
        if answered >= MAX_CARRIED_CALLS:
            return {"declined": "too many calls"}, 0
        # (caller None when a request names no function: leads_to compares it as any name, though its annotation
        # says str)
        if leads_to(self.asked, name, cast(str, self.caller)):
            # ``name``'s own calls were answered by the reference of the caller (or of one that
            # leads to it): answering now would credit both without either computing anything.
            # An honest child never asks (CalleeStubs skips a callee that refers to the caller).
            return {"declined": "a circle of carried-forward functions"}, 0
        try:
            args, kwargs = wire.from_wire(msg.get("args")), wire.from_wire(msg.get("kwargs"))
        except (wire.WireError, RecursionError) as exc:
            return {"declined": f"unreadable arguments: {str(exc)[:100]}"}, 0
        if not isinstance(args, tuple) or not isinstance(kwargs, dict):
            return {"declined": "unreadable arguments"}, 0
        cost = elements(args) + elements(kwargs) + min(result_bound(args, kwargs), MAX_CARRIED_RESULT + 1)
        if size + cost > MAX_CARRIED_ELEMENTS + MAX_CARRIED_RESULT:
            return {"declined": "arguments or result too large"}, 0
        self.asked.setdefault(self.caller, set()).add(name)
        self.answered.append(name)
        reply = self.answer(name, args, kwargs)
        if "declined" not in reply:
            self.carried.append(name)
        return reply, cost

    def _child_for(self, msg: dict[str, Any]) -> Child:
        """The live child that is to take request ``msg`` (a stream drained first, the probe noted)."""
        self.drain()
        self._ensure_child()
        self._note_probe(msg)
        return _present(self.child, "_ensure_child made it")

    def request(self, msg: dict[str, Any], carry: tuple[str, ...] = ()) -> dict[str, Any]:
        """One request to the child; raises :class:`ChildError` (after recovering) or :class:`GaveUp`.

        ``carry``: the callbacks answered while waiting (a ``call``; see :meth:`_receive`).
        """
        child = self._child_for(msg)
        try:
            child.send(msg)
            self.carry, self.caller = tuple(carry), msg.get("function")
            return self._receive()
        except ChildError as exc:
            self._fail(exc)
        finally:
            self.carry = ()

    def stream(self, msg: dict[str, Any], count: int, carry: tuple[str, ...] = (), payload: bytes | None = None) -> None:
        """Send a request whose ``count`` answers are then read with :meth:`next`.

        ``payload``: the request already framed (:func:`wire.encode_message`), sent instead of ``msg``,
        whose ``function`` still names the call awaited.
        """
        child = self._child_for(msg)
        try:
            child.send(msg if payload is None else payload)
        except ChildError as exc:
            self._fail(exc)
        self.pending = count
        self.carry, self.caller = tuple(carry), msg.get("function")

    def next(self) -> dict[str, Any]:
        """The next answer of the current stream (each under its own timeout)."""
        if not self.pending:
            raise RuntimeError("no stream is pending")
        try:
            reply = self._receive()
        except ChildError as exc:
            self._fail(exc)
        self.pending -= 1
        if not self.pending:
            self.carry = ()
        return reply

    def drain(self) -> None:
        """Read (and drop) what is left of the current stream (its callbacks are declined)."""
        self.carry = ()
        while self.pending:
            try:
                self.next()
            except ChildError as exc:
                self.events.append(f"a look-ahead call whose answer was not needed "
                                   f"{'hung' if exc.kind == 'timeout' else 'crashed'}; the process was restarted")
            except GaveUp:
                return

    # -- cells -----------------------------------------------------------------
    def run_cells(self, upto: int | None = None) -> None:
        """Run the cells not run yet among the first ``upto`` (all by default), in order.

        Grading in notebook order calls this up to each graded cell's
        position, then evaluates that cell's check: a respawn meanwhile
        replays only the cells that completed, i.e. those above it.
        """
        todo = [c for c in self.cells[:upto] if c.status == "pending"]
        while todo:
            try:
                self.stream({"op": "runs", "sources": [c.source for c in todo]}, len(todo))
            except GaveUp:
                break
            except ChildError as exc:  # died before the first cell answered
                todo[0].fatal, todo[0].status = True, "error"
                todo[0].error = f"the Python process died while running this cell ({exc.detail})"
                todo = todo[1:]
                continue
            started = time.monotonic()
            for k, cell in enumerate(todo):
                try:
                    reply = self.next()
                except GaveUp:
                    todo = todo[k:]
                    break
                except ChildError as exc:
                    cell.duration_s = time.monotonic() - started
                    cell.fatal = True
                    if exc.kind == "timeout":
                        cell.status = "timeout"
                        cell.error = f"the cell did not finish within {self.limits.timeout_s:g} s; it was stopped"
                    else:
                        cell.status = "error"
                        cell.error = f"the Python process died while running this cell ({exc.detail})"
                    self.events.append(f"cell {cell.index}: {cell.error}; later cells ran in a fresh process")
                    todo = todo[k + 1:]
                    break
                now = time.monotonic()
                cell.duration_s, started = now - started, now
                cell.status = "ok" if reply.get("status") == "ok" else "error"
                cell.error = error_text(reply, "the cell raised an error") if cell.status == "error" else ""
                if self.probed:  # it may hold a hidden input the checks gave the functions: shown as for a
                    cell.error = self.shown_after_probe(cell.error)  # hidden probe, duration to 0.1 s
                    cell.duration_s = round(cell.duration_s, 1)
            else:
                todo = []
            if self.gave_up:
                break
        if self.gave_up:
            for cell in self.cells:
                if cell.status == "pending":
                    cell.status, cell.error = "skipped", f"not run: {self.gave_up}"

    def close(self) -> None:
        try:
            if self.child is not None:
                self._kill()
        finally:
            self.child = None

    @property
    def duration_s(self) -> float:
        return time.monotonic() - self.started
