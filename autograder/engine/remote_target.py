"""The checks' way to a submission's functions: :class:`RemoteTarget`, over its :class:`~autograder.perimeter.supervision.session.Session`.

:class:`RemoteTarget` is the checks' :class:`~autograder.checks.evaluate.Target`
over that session: ``defined``, ``forbidden_uses`` and ``call`` become
requests; outcomes come back as plain data (:mod:`.wire`) and are judged in
this, the trusted, process.

All probes of a check go out as one *stream* (:meth:`RemoteTarget.prefetch`):
one request, one answer per probe as soon as it is ready, each answer under
its own timeout. The checks still consume the answers one by one and stop at
the first failure; answers they did not need are drained (and a look-ahead
call that hangs costs a restart, never a score: only consumed answers count).
A function that hung or crashed twice (:data:`STRIKES`) is not called again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from autograder.checks.callees import carried_callees
from autograder.checks.check import Check, memo_by_identity
from autograder.perimeter.child_runtime import wire
from autograder.perimeter.child_runtime.invoke import Outcome
from autograder.perimeter.supervision import answers
from autograder.perimeter.supervision.session import Answer, GaveUp, Session
from autograder.perimeter.supervision.zygote_parent import ChildError
from autograder.reading.notebook import NotebookReading
from autograder.reading.purity import Reading

#: After this many hangs (or crashes) of one function, later calls of it are not made.
STRIKES = 2


#: The encoded ``calls`` request of each check and carry (:func:`calls_message`).
_CALLS_MESSAGES: dict[Any, bytes] = {}


def calls_message(check: Check, carry: tuple[str, ...]) -> bytes:
    """The framed ``{"op": "calls", …}`` request with every probe of ``check``, encoded once per batch.

    The probes are fixed data of the trusted side, so the request is the
    same for every submission; encoding it (base64 of the arrays, JSON) is
    what costs: 11 MB for ``mvn_kl-highdim``
    (:func:`~autograder.checks.check.memo_by_identity`). Raises
    :class:`wire.WireError` when a probe cannot be sent.
    """

    def encode() -> bytes:
        calls = [[wire.to_wire(tuple(p.args)), wire.to_wire(dict(p.kwargs))] for p in check.probes]
        return wire.encode_message({"op": "calls", "function": check.function, "calls": calls, "carry": list(carry)})

    return memo_by_identity(_CALLS_MESSAGES, (check,), encode, extra=(tuple(carry),))


class RemoteTarget:
    """The checks' Target protocol, answered by the session's child."""

    def __init__(self, session: Session, reading: NotebookReading | None = None, answer: Answer | None = None) -> None:
        self.session = session
        self.reading = reading  # a reading.notebook.NotebookReading: the source read in this process
        session.answer = answer  # callees.answer_for_stub: errors carried forward (see Session._receive)
        self._defined: dict[str, str] = {}
        self._forbidden: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[str, ...]] = {}
        self._strikes: dict[str, tuple[int, str, str]] = {}  # function -> (count, outcome status, message)
        self._ahead: list[Any] | None = None  # [function, [(args, kwargs)], next index] of the current stream
        # a check's look-ahead answers read for a hint, by (function, the probe's args and kwargs objects, carry):
        # a second look at the check (autograder.checks.slice_form) asks for the same evidence again
        self._read: dict[tuple[str, int, int, tuple[str, ...]], Outcome] = {}

    def refresh(self) -> None:
        """More cells ran: what is defined (and what it uses) may have changed."""
        self._defined.clear()
        self._forbidden.clear()

    # -- look-ahead ------------------------------------------------------------
    def prefetch(self, check: Check) -> None:
        """Ask for all probes of ``check`` at once; :meth:`call` then takes the answers in order."""
        fn = check.function
        if self._strikes.get(fn) or len(check.probes) < 2:
            return  # a function that hung or crashed is called one probe at a time
        carry = carried_callees(fn)
        if self.defined(fn) or (check.forbidden and self.forbidden_uses(fn, tuple(check.forbidden), carry)):
            return  # evaluate() will not call it
        try:
            payload = calls_message(check, carry)
            self.session.stream({"op": "calls", "function": fn}, len(check.probes), carry, payload=payload)
        except (ChildError, GaveUp, wire.WireError):
            return
        self._ahead = [fn, [(p.args, p.kwargs) for p in check.probes], 0, carry]

    def finish(self) -> None:
        """After a check: drop the answers it did not need."""
        self._ahead = None
        self._read.clear()
        self.session.drain()

    def _take_ahead(self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                    carry: Iterable[str]) -> Callable[[], dict[str, Any]] | None:
        ahead = self._ahead
        if ahead is None:
            return None
        fn, probes, i, carried = ahead
        if fn == function and i < len(probes) and probes[i][0] is args and probes[i][1] is kwargs \
                and tuple(carry) == carried and self.session.pending:
            ahead[2] += 1
            return self.session.next
        self._ahead = None
        return None

    # -- Target protocol -------------------------------------------------------
    def defined(self, function: str) -> str:
        if function not in self._defined:
            try:
                reply = self.session.request({"op": "defined", "function": function})
                self._defined[function] = answers.definition(reply)
            except (ChildError, GaveUp) as exc:
                return f"`{function}` could not be reached: {exc}"
        return self._defined[function]

    def forbidden_uses(self, function: str, names: tuple, skip: tuple = ()) -> tuple:
        key = (function, tuple(names), tuple(skip))
        if key not in self._forbidden:
            try:
                reply = self.session.request({"op": "forbidden", "function": function, "names": list(names),
                                              "skip": list(skip)})
            except (ChildError, GaveUp):
                return self.reading.uses(function, names, skip) if self.reading is not None else ()
            found = answers.uses(reply, names)
            if self.reading is not None:
                found.update(self.reading.uses(function, names, skip))
            self._forbidden[key] = tuple(sorted(found))
        return self._forbidden[key]

    def settle(self, function: str) -> tuple[tuple[str, str], ...]:
        """The end of ``function``'s checks: what its calls showed in the child since its first call (its inputs
        compared again after each next call and now, what the calls left running), ``(what, when)`` pairs.

        The child's word, and it can only cost the student: an answer that is not a list of known pairs, or no
        answer (a hang, a crash), is no evidence, and the function keeps the cell (a forged "nothing found" needs
        code that reaches into the grader, which the reading of the source flags and charges). A child that
        restarted since the function's first call has forgotten the calls before it.
        """
        try:
            reply = self.session.request({"op": "settle", "function": function})
        except (ChildError, GaveUp):
            return ()
        found = reply.get("found")
        if not isinstance(found, list):
            return ()
        pairs = [tuple(p) for p in found[:16] if isinstance(p, list) and len(p) == 2
                 and all(isinstance(x, str) for x in p)]
        return tuple((str(what)[:20], str(when)[:20]) for what, when in pairs)

    def writes(self, function: str) -> Reading | None:
        """The purity evidence the source holds for ``function`` (read here, never in the child)."""
        return self.reading.reading(function) if self.reading is not None else None

    def evidence(self, function: str, args: tuple, kwargs: dict, carry: tuple = ()) -> Outcome | None:
        """The next answer of the check's stream, for a hint rule's evidence (``evaluate._evidence``), or None.

        Only an answer the child computes anyway (a look-ahead that would
        otherwise be drained): never a new request, and a hang or a crash there
        is what draining it would have cost (a restart), never a strike. An
        answer read here once in a check is given again when asked again (a second
        look at the check, :mod:`autograder.checks.slice_form`, asks again).
        """
        key = (function, id(args), id(kwargs), tuple(carry))
        if key in self._read:
            return self._read[key]
        answer = self._take_ahead(function, args, kwargs, carry)
        if answer is None:
            return None
        try:
            reply = answer()
        except ChildError as exc:
            self._ahead = None
            self.session.events.append(f"a look-ahead call read for a hint {'hung' if exc.kind == 'timeout' else 'crashed'}"
                                       f"; the process was restarted")
            return None
        except GaveUp:
            self._ahead = None
            return None
        outcome = answers.evidence_outcome(reply)
        if outcome is not None:
            self._read[key] = outcome
        return outcome

    def call(self, function: str, args: tuple, kwargs: dict, carry: tuple = ()) -> Outcome:
        count, status, message = self._strikes.get(function, (0, "", ""))
        if count >= STRIKES:
            return Outcome(status=status, error_message=f"{message}; not called again after {count} times")
        answer = self._take_ahead(function, args, kwargs, carry)
        before = len(self.session.carried)  # (a stream's callbacks for this call come before its answer)
        try:
            if answer is not None:
                reply = answer()
            else:
                reply = self.session.request({
                    "op": "call", "function": function, "carry": list(carry),
                    "args": wire.to_wire(tuple(args)), "kwargs": wire.to_wire(dict(kwargs)),
                }, carry)
        except GaveUp as exc:
            return Outcome(status="timeout", error_message=str(exc))
        except ChildError as exc:
            self._ahead = None
            if exc.kind == "timeout":
                outcome = Outcome(status="timeout",
                                  error_message=f"it did not return within {self.session.limits.timeout_s:g} s")
            else:
                outcome = Outcome(status="crashed", error_message=exc.detail)
            if count == 0:
                self._strikes[function] = (1, outcome.status, outcome.error_message)
            else:
                self._strikes[function] = (count + 1, status, message)
            return outcome
        return answers.call_outcome(reply, tuple(dict.fromkeys(self.session.carried[before:])))
