"""Evaluate a check against a submission: probes → outcomes → one verdict.

The submission is reached through a *target* with three methods, so the same
evaluation serves both ways of grading:

* :class:`LocalTarget` – the notebook's own namespace (``run_check`` inside
  a Jupyter kernel, i.e. plain ``nbgrader autograde``);
* the grading engine's child process (``autograder.engine``), which answers
  the same three questions over a pipe.

References come from ``solutions/`` in this (trusted) process and are cached
for the life of the process, i.e. computed once per batch
(:mod:`autograder.checks.references`).

Purity is lost only on evidence: a call changed an input (the call's own
comparison when it returned, again after the function's next call and when
its checks end: :class:`~autograder.perimeter.child_runtime.invoke.InputWatch`,
asked through :meth:`Target.settle`), a call left a thread or a timer running,
or the target's reading of the source (:meth:`Target.writes`,
:mod:`autograder.reading.purity`) finds a statement that certainly writes
through an array or list argument of that probe, or code that hides what runs
reaching the function. Where the reading is unsure, the function keeps the
cell.

Errors are carried forward (:func:`~autograder.checks.callees.carried_callees`): while a probe calls
the function under test, its calls of the problem set's other contract
functions are answered by :func:`~autograder.checks.callees.answer_for_stub` (the reference, in this
process; :class:`~autograder.perimeter.child_runtime.carry_forward.CalleeStubs` swaps the notebook's
definitions for stubs during the call only), and forbidden-use detection
does not look into them. Both targets do this, so they agree by
construction: :class:`LocalTarget` calls :func:`~autograder.checks.callees.answer_for_stub` directly,
the engine's child asks the parent over the wire.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, Protocol, TypeAlias

import numpy as np

from autograder.checks import shown
from autograder.checks.callees import answer_for_stub, carried_callees
from autograder.checks.changes import judges_own_work
from autograder.checks.check import Check, CheckResult
from autograder.checks.compare import Mismatch, as_values, compare, compare_nonfinite, container
from autograder.checks.failure import Failure, Hint
from autograder.checks.generic_hints import GENERIC_HINTS
from autograder.checks.probe import Probe, Within
from autograder.checks.references import reference
from autograder.checks.second_look import second_look
from autograder.checks.stub_failure import own_work_failure, stub_failure
from autograder.model.course import GRADE_CELLS, problem_set_of_function
from autograder.model.invariant import known
from autograder.perimeter.child_runtime import invoke as _invoke
from autograder.perimeter.child_runtime import wire
from autograder.perimeter.child_runtime.carry_forward import CalleeStubs
from autograder.perimeter.guard.forbidden_walk import forbidden_uses
from autograder.reading.notebook import NotebookReading
from autograder.reading.purity import Reading


class Target(Protocol):
    def defined(self, function: str) -> str:
        """``""`` when ``function`` is a callable defined by the submission, else why not."""

    def forbidden_uses(self, function: str, names: tuple, skip: tuple = ()) -> tuple:
        """Which of ``names`` the function uses (see :func:`~autograder.perimeter.guard.forbidden_walk.forbidden_uses`), not
        looking into the notebook's functions named in ``skip``."""

    def call(self, function: str, args: tuple, kwargs: dict, carry: tuple = ()) -> _invoke.Outcome:
        """Call the function once on the probe's inputs; during the call, the notebook's
        functions named in ``carry`` are answered by :func:`~autograder.checks.callees.answer_for_stub` (see
        :class:`~autograder.perimeter.child_runtime.carry_forward.CalleeStubs`)."""

    def writes(self, function: str) -> Reading | None:
        """The purity evidence the submission's source holds for ``function``
        (:class:`~autograder.reading.purity.Reading`), or None when this target holds no source."""

    def settle(self, function: str) -> tuple[tuple[str, str], ...]:
        """The end of ``function``'s checks: what its calls' inputs and what the calls left running showed, over
        all of its calls since the first (:meth:`InputWatch.settle <autograder.perimeter.child_runtime.invoke.
        InputWatch.settle>`: ``(what, when)`` pairs), or ``()`` where this target keeps no inputs."""

    # Optional: ``evidence(function, args, kwargs, carry) -> Outcome | None``, the outcome of one more call for a
    # hint rule's evidence (:func:`_evidence`), or None where getting it could change a grade (a target without
    # it gives hint rules only the probes already called).


class LocalTarget:
    """A submission whose functions live in a namespace of this process.

    Carried-forward calls go through the engine's wire codec both ways, as
    they do between the engine's child and parent, so that both targets hand
    the function under test the same values. ``source``: an
    :class:`~autograder.reading.notebook.NotebookReading` of the cells that made
    the namespace (purity is then judged from it too, as the engine does);
    without one, purity rests on the call alone (checks' own unit tests).
    ``watch``: where the calls' inputs are kept to be compared again after the
    function's next call and when its checks end, shared by the targets of one
    notebook's checks (as the engine's child keeps one); by default this
    target's own.
    """

    def __init__(self, namespace: dict[str, Any], source: NotebookReading | None = None,
                 watch: _invoke.InputWatch | None = None) -> None:
        self.namespace = namespace
        self.source = source
        self.watch = _invoke.InputWatch() if watch is None else watch

    def settle(self, function: str) -> tuple[tuple[str, str], ...]:
        return self.watch.settle(function)

    def writes(self, function: str) -> Reading | None:
        return self.source.reading(function) if self.source is not None else None

    def evidence(self, function: str, args: tuple, kwargs: dict, carry: tuple = ()) -> _invoke.Outcome:
        """One more call for a hint rule's evidence: in this process, as :meth:`call` (a function that passed
        the check would have been called on every probe)."""
        return self.call(function, args, kwargs, carry)

    def defined(self, function: str) -> str:
        return _invoke.describe_definition(self.namespace, function)

    def forbidden_uses(self, function: str, names: tuple, skip: tuple = ()) -> tuple:
        return forbidden_uses(self.namespace[function], names, skip)

    def call(self, function: str, args: tuple, kwargs: dict, carry: tuple = ()) -> _invoke.Outcome:
        fn = self.namespace[function]
        carried: list[str] = []
        with self.stubs(function, carry, carried):
            outcome = _invoke.invoke(fn, args, kwargs, self.watch, function)
        return replace(outcome, carried=tuple(dict.fromkeys(carried)))

    def stubs(self, function: str, names: Iterable[str], carried: list[str] | None = None) -> CalleeStubs:
        """``function``'s calls of ``names`` answered by :func:`~autograder.checks.callees.answer_for_stub` (a context
        manager); the names the reference answered (not declined) are appended to ``carried``."""
        def ask(name: str, args: tuple, kwargs: dict) -> dict:
            reply = _ask_here(name, args, kwargs)
            if carried is not None and "declined" not in reply:
                carried.append(name)
            return reply

        return CalleeStubs(self.namespace, function, names, ask, wire.from_wire, probe_circles=True)


#: How a probe's verdict names its failure: ``fail(kind, detail)`` (the probe, outcome and reference filled in).
Fail: TypeAlias = Callable[[str, str], Failure]


def _ask_here(function: str, args: tuple, kwargs: dict) -> dict:
    try:
        args, kwargs = wire.from_wire(wire.to_wire(tuple(args))), wire.from_wire(wire.to_wire(dict(kwargs)))
    except wire.WireError as exc:
        return {"declined": str(exc)}
    return answer_for_stub(function, args, kwargs)


def _guards_errors(check: Check, probe: Probe | None) -> bool:
    """``probe`` is a valid-input value probe of an error-handling check."""
    return (probe is not None and probe.expect == "value"
            and any(p.expect == "raises" for p in check.probes))


def _message(check: Check, failure: Failure) -> str:
    where = f" on {failure.probe.label}" if failure.probe is not None else ""
    input_line = ""
    if failure.probe is not None and failure.probe.public:
        input_line = f" Input: {shown.call_text(check.function, failure.probe.args, failure.probe.kwargs)}."
    why = ""
    if _guards_errors(check, failure.probe):
        why = (" This cell's points for raising ValueError are earned only by a function that also "
               "computes correct results on valid input.")
    stop = "" if failure.detail.endswith(".") else "."  # (a message shown as it is may end with its own)
    return (f"{check.function}: {check.summary} Failed{where}: {failure.detail}{stop}{input_line}{why}"
            f"{_carried_note(check, failure)}")


def _seterr_note(target: Target, function: str, failure: Failure) -> str:
    """Why a RuntimeWarning the student's own notebook hides shows here: it calls np.seterr (docs/contract.md)."""
    if "the call raised RuntimeWarning" not in failure.detail:
        return ""
    reading = target.writes(function)
    if reading is None or not reading.seterr:
        return ""
    return (f" (Your notebook calls np.seterr, {reading.seterr}, which hides this warning there; the grader calls "
            f"each function with NumPy's warnings on, since np.seterr is not part of the function. Call it in "
            f"`with np.errstate(all='warn'):` to see the warning.)")


def _carried_note(check: Check, failure: Failure) -> str:
    """Where the failing call's calls of other contract functions were answered by their references (errors carried
    forward): say so, since the function then did not run as it does in the student's notebook."""
    carried = getattr(failure.outcome, "carried", ())
    if not carried:
        return ""
    names = " and ".join(f"`{name}`" for name in carried)
    return (f" In this call, {check.function}'s calls of {names} were answered by a correct {names} (a mistake "
            f"there is charged in its own cells, not again here): what failed is {check.function}'s own code.")


def hint_for(check: Check, failure: Failure) -> Hint | None:
    """The first of ``check``'s rules, then :data:`~autograder.checks.generic_hints.GENERIC_HINTS`, that explains ``failure``
    (:meth:`Hint.explains`), or None: then the failure's message stands alone."""
    for rule in tuple(check.hints) + GENERIC_HINTS:
        if rule.explains(failure):
            return rule
    return None


def _hint(check: Check, failure: Failure) -> str:
    rule = hint_for(check, failure)
    return rule.text if rule is not None else ""


def _same_ending(a: _invoke.Outcome, b: _invoke.Outcome) -> bool:
    """Two calls ended alike: the same values (to the last few ulps), or both with an exception."""
    if a.status != b.status:
        return False
    if a.status == "raised":
        return True  # neither gave a result: whatever each raised, the cells that compare values judge it
    if a.status != "returned":
        return True
    return compare(a.value, b.value, 1e-12, 0.0) is None if b.value is not None else a.value is None


def judge(check: Check, probe: Probe, outcome: _invoke.Outcome, ref: _invoke.Outcome,
          twin: _invoke.Outcome | None = None, used: tuple = (), reading: Reading | None = None) -> Failure | None:
    """The :class:`Failure` of one probe, or ``None`` when it passed.

    ``twin`` is the outcome of the probe's array twin (:attr:`Probe.twin`);
    ``used`` the values of the probes a relation probe uses
    (:attr:`Probe.uses`), which have passed already, as values (:func:`~autograder.checks.compare.as_values`:
    in their reference's container); ``reading`` what the
    source says the function may do to its arguments (a check with
    ``no_mutation`` fails when it may write through an array or list argument
    of this probe, or code that hides what runs reaches it: :meth:`Reading.verdict`).
    For a hidden probe,
    the student's own text (exception class and message, warning text, type
    names) is shown only as far as :mod:`shown` allows.

    Values are compared as values: a result whose container differs from the
    reference's only by axes of length 1 (or an array standing for a tuple) is
    compared entry by entry, and its container is judged by the function's
    ``-shape`` cell alone (:attr:`Check.container`), so a kept axis costs that
    cell and no other.
    """

    def fail(kind: str, detail: str) -> Failure:
        return Failure(kind, detail, probe, outcome, ref.value)

    public = probe.public
    if probe.differs_from is not None:
        return None  # (evidence of the function's own work only, judged with the probe it changes: own_work_failure)
    ended = _no_result(check, outcome, public, fail)
    if ended is not None:
        return ended
    if probe.expect == "raises":
        return _raise_verdict(outcome, public, fail)
    if not check.compare_values:
        # A property check: the values are other checks' business (one mistake, one charge).
        return _property_failure(check, probe, outcome, ref, twin, reading, fail)
    if outcome.status == "raised":
        return fail("raised", "raised " + shown.raised(public, outcome.error_type, outcome.error_message))
    if outcome.value is None and outcome.value_type not in ("NoneType", ""):
        return fail("type", f"returned {shown.type_name(public, outcome.value_type)}, which is not numbers")
    runtime = [w for w in outcome.warnings if w.startswith("RuntimeWarning")]
    value = as_values(outcome.value, ref.value)   # the container is the -shape cell's business
    if probe.expect == "value":
        rtol = check.rtol if probe.rtol is None else probe.rtol
        atol = check.atol if probe.atol is None else probe.atol
        mismatch = compare(value, ref.value, rtol, atol, check.returns, reveal=public)
        if mismatch:
            return fail(*mismatch)
        right = "the result is right but "
    else:
        if value is None:
            return fail("type", "returned None (is a `return` statement missing?)")
        mismatch = shape_of(value, ref.value, check.returns, public) if check.shapes else None
        if not mismatch and check.finite:
            mismatch = finite_pattern(value, ref.value, public)
        if not mismatch and probe.relation is not None:
            mismatch = _relation_mismatch(check, probe, value, list(used))
        if mismatch:
            return fail(*mismatch)
        right = ""
    if check.no_warnings and runtime and probe.warnings_judged:
        kind, also = "warning", ""
        if probe.expect != "value" and compare(value, ref.value, check.rtol, check.atol, check.returns):
            # The values were not judged here (a relation's other call): they are off too, so the advice
            # is about values, not "right values, but a warning" (the verdict is the same either way), and
            # the message says so, since a hint may then name the values' mistake.
            kind, also = "value", ", and its result is not the correct one either"
        return fail(kind, f"{right}the call raised {shown.warning(public, runtime[0])}{also}")
    return _purity(check, probe, outcome, reading, fail)


def _no_result(check: Check, outcome: _invoke.Outcome, public: bool, fail: Fail) -> Failure | None:
    """The failure of a call that left nothing to judge: the function is missing, the call timed out or crashed."""
    if outcome.status == "missing":
        return fail("missing", outcome.error_message or f"`{check.function}` is not defined")
    if outcome.status == "timeout":
        return fail("timeout", "the call did not finish within the time limit (an endless loop?)")
    if outcome.status == "crashed":
        details = outcome.error_message or "no details" if public else ""
        return fail("crashed", f"the call ended the Python process{f' ({details})' if details else ''}")
    return None


def _raise_verdict(outcome: _invoke.Outcome, public: bool, fail: Fail) -> Failure | None:
    """A probe that expects a ValueError: ``None`` when the call raised one, else its failure."""
    if outcome.status == "raised" and outcome.error_type == "ValueError":
        return None
    if outcome.status == "raised":
        return fail("wrong-exception", "expected a ValueError, got "
                    + shown.raised(public, outcome.error_type, outcome.error_message))
    return fail("no-raise", "expected a ValueError naming the bad argument, but the call returned normally")


def _property_failure(check: Check, probe: Probe, outcome: _invoke.Outcome, ref: _invoke.Outcome,
                      twin: _invoke.Outcome | None, reading: Reading | None, fail: Fail) -> Failure | None:
    """A property check's verdict (values are other cells'): a nested list like its array, no RuntimeWarning,
    the container (a ``-shape`` cell), then purity."""
    public = probe.public
    runtime = [w for w in outcome.warnings if w.startswith("RuntimeWarning")]
    if twin is not None and not _same_ending(outcome, twin):
        return fail("lists", "the nested-list input did not give the same result as the same numbers "
                             "passed as a NumPy array")
    if check.no_warnings and runtime and probe.warnings_judged:
        return fail("warning", f"the call raised {shown.warning(public, runtime[0])}")
    if check.container:
        if outcome.status == "raised":
            return fail("raised", "raised " + shown.raised(public, outcome.error_type, outcome.error_message))
        if outcome.value is None and outcome.value_type not in ("NoneType", ""):
            return fail("type", f"returned {shown.type_name(public, outcome.value_type)}, which is not numbers")
        mismatch = container(outcome.value, ref.value, check.returns, public)
        if mismatch:
            return fail(*mismatch)
    return _purity(check, probe, outcome, reading, fail)


def _purity(check: Check, probe: Probe, outcome: _invoke.Outcome, reading: Reading | None, fail: Fail) -> Failure | None:
    """The inputs are left alone: the call changed none of them, and the source certainly writes through none. A
    call that changed one is told the statement too where the source shows it (the line to change)."""
    if not check.no_mutation:
        return None
    kind, detail = reading.verdict(probe.args, probe.kwargs) if reading is not None else ("", "")
    if outcome.mutated:
        where = f"; {detail}" if kind == "mutation" else ""
        names = ", ".join(n for n in outcome.mutated if _ARGUMENT.fullmatch(n)) or "an argument"
        return fail("mutation", f"the call modified its input ({names}) in place{where}")
    if outcome.lingering:
        return fail("lingering", LINGERING_TEXT[outcome.lingering[0]])
    if kind:
        return fail(kind, detail)
    return None


#: How the child names an argument it saw changed (``invoke._arg_names``): anything else it sends is not shown.
_ARGUMENT = re.compile(r"argument \d{1,3}|`[A-Za-z_][A-Za-z0-9_]{0,40}`")

#: What a call left running (:attr:`~autograder.perimeter.child_runtime.invoke.Outcome.lingering`), in words.
LINGERING_TEXT = {
    "thread": "the call left a thread it started running after it returned (still alive a moment later): such a "
              "thread can change the inputs when nothing looks, so the function must finish its work, threads "
              "included, before it returns",
    "timer": "the call left a timer armed after it returned (signal.setitimer or signal.alarm): its handler can "
             "change the inputs when nothing looks, so the function must finish its work before it returns",
}

#: What :meth:`Target.settle` found, in words (``(what, when)``: :meth:`InputWatch.settle
#: <autograder.perimeter.child_runtime.invoke.InputWatch.settle>`); a pair not listed here is not shown.
SETTLED_TEXT = {
    ("changed", "call"): "one of its calls in the function's other cells modified its input in place",
    ("changed", "next"): "an input of one of its calls changed after that call had returned, when the function was "
                         "called next: a function must not keep the array it was given and change it later",
    ("changed", "end"): "an input of one of its calls changed after that call had returned (compared again when "
                        "the function's checks ended): a function must not keep the array it was given and change "
                        "it later",
    **{(what, "call"): f"one of its calls in the function's other cells: {text}" for what, text in
       LINGERING_TEXT.items()},
}


def _settled(check: Check, target: Target) -> Failure | None:
    """A ``-purity`` cell's evidence from every call of its function (:meth:`Target.settle`, asked once its checks
    are over): an input changed after its call, or a thread or timer a call left running; else None."""
    settle = getattr(target, "settle", None)
    found = settle(check.function) if settle is not None else ()
    texts = [(what, SETTLED_TEXT[what, when]) for what, when in found if (what, when) in SETTLED_TEXT]
    if not texts:
        return None
    what, text = texts[0]
    return Failure("mutation" if what == "changed" else "lingering", text)


def shape_of(got: _invoke.Plain, ref: _invoke.Plain, returns: tuple[str, ...], reveal: bool) -> Mismatch:
    """``(kind, detail)`` when ``got`` is not numbers of the reference's shape (its values are not looked at)."""
    if ref is None or isinstance(ref, tuple):
        return None
    if isinstance(got, np.ndarray) and got.shape == ref.shape:
        return None
    found = compare(got, ref, np.inf, np.inf, returns, reveal=reveal)
    return found if found and found[0] in ("type", "shape") else None


def finite_pattern(got: _invoke.Plain, ref: _invoke.Plain, reveal: bool) -> Mismatch:
    """``("nonfinite", detail)`` when ``got`` is not finite where ``ref`` is, or lacks ``ref``'s infinities.

    Judges the pattern only: where the result is finite, and the infinities
    the contract names (a slice of only -inf, p > 0 where q = 0), never the
    finite values. Results that do not line up with the reference's shape
    are left to the relation (or to ``-basic``): only finiteness is asked of
    them.
    """
    if isinstance(ref, tuple) or isinstance(got, tuple):
        if isinstance(ref, tuple) and isinstance(got, tuple) and len(ref) == len(got):
            for g, r in zip(got, ref):
                found = finite_pattern(g, r, reveal)
                if found:
                    return found
        return None
    if ref is None:
        return None
    got, ref = np.asarray(got, dtype=float), np.asarray(ref, dtype=float)
    if got.shape == ref.shape and np.isfinite(ref).all() and np.isfinite(got).all():
        return None  # the common case, at the cost of two isfinite
    if got.shape != ref.shape and got.size == ref.size:
        got = got.reshape(ref.shape)  # entry by entry: the shape is another cell's business
    try:
        got_b, ref_b = np.broadcast_arrays(got, ref)
    except ValueError:
        if np.isfinite(ref).all() and not np.isfinite(got).all():
            return "nonfinite", "got a non-finite value (nan or inf) where the result is finite"
        return None
    return compare_nonfinite(got_b, ref_b, reveal)


def _relation_mismatch(check: Check, probe: Probe, got: _invoke.Plain, values: list[_invoke.Plain]) -> Mismatch:
    """``(kind, detail)`` when ``got`` is not what ``probe.relation`` derives from ``values``."""
    relation = known(probe.relation, "the caller judges a probe with a relation only")
    expected_of = relation.expected
    try:
        with np.errstate(all="ignore"):
            if expected_of is None:  # (a relation never given its expected: as calling None did, a TypeError)
                raise TypeError("the relation has no expected")
            expected = expected_of(*values, got) if relation.uses_result else expected_of(*values)
    except Exception:  # noqa: BLE001 — results that cannot be combined (shapes, types) do not satisfy it
        return "shape", (f"{relation.name}: the results of the related calls could not be combined with this "
                         f"one ({relation.statement}); check the shape of what your function returns")
    slack: float | np.ndarray = 0.0
    if isinstance(expected, Within):
        expected, slack = expected.value, np.asarray(expected.slack, dtype=float)
    try:
        expected = _invoke.to_plain(expected)
    except _invoke.NotNumbers:
        return "type", f"{relation.name}: the related calls did not return numbers"
    if relation.shape_free and isinstance(got, np.ndarray) and isinstance(expected, np.ndarray):
        if got.size == expected.size:
            got = got.reshape(expected.shape)
        elif got.size == 1 and expected.size > 1:  # one number for many: a reduction the values cells charge
            got = np.broadcast_to(got.reshape(()), expected.shape)
    rtol = relation.rtol if probe.rtol is None else probe.rtol
    atol = relation.atol if probe.atol is None else probe.atol
    many = len(values) > 1
    if not values:
        against = f"what {relation.statement} requires"
    else:
        against = (f"what your function's own result{'s' if many else ''} on the related call{'s' if many else ''} "
                   f"give{'' if many else 's'} through {relation.statement}")
    found = compare(got, expected, rtol, atol + slack, check.returns, reveal=probe.public, against=against)
    if found:
        return found[0], f"{relation.name}: {found[1]}"
    return None


def not_attempted(outcome: _invoke.Outcome) -> bool:
    """The call hit the template's ``raise NotImplementedError()``: the function is not written yet."""
    return outcome.status == "raised" and outcome.error_type == "NotImplementedError"


def _first_cell(check: Check) -> str:
    """The grade_id of the function's first graded cell in notebook order (``check``'s own if it is not one)."""
    try:
        cells = [gid for gid, _ in GRADE_CELLS[problem_set_of_function(check.function)]]
    except (KeyError, OSError, ValueError):
        return check.grade_id
    mine = [gid for gid in cells if gid.rsplit("-", 1)[0] == check.function]
    return mine[0] if mine and check.grade_id in cells else check.grade_id


def _forbidden_result(check: Check, used: tuple) -> CheckResult:
    """No points for a function that uses a ready-made version: said (and advised) once, in its first cell."""
    names = ", ".join(used)
    first = _first_cell(check)
    if first != check.grade_id:
        return CheckResult(check.grade_id, check.function, False,
                           f"{check.function}: no points here either: it uses {names} (see `{first}`).", "",
                           "forbidden")
    allowed = f" with {check.allowed}" if check.allowed else " with NumPy"
    return CheckResult(
        check.grade_id, check.function, False,
        f"{check.function}: uses {names}, a ready-made version of what this problem asks you to write, so it earns "
        f"no points on this function (in this cell or its others).",
        f"Write it yourself{allowed}.",
        "forbidden",
    )


#: The exception class name of a forbidden object's refusal (``autograder.perimeter.guard.refusal.ForbiddenFunctionError``).
FORBIDDEN_ERROR = "ForbiddenFunctionError"


def _evidence(check: Check, target: Target, carry: tuple, outcomes: list, failed: int) -> Callable[[], tuple]:
    """:attr:`Failure.others` for a failure on probe ``failed`` of the probes whose ``outcomes`` are at hand:
    ``(probe, outcome, reference value, used)`` for the check's other probes (``used``: the failing probe's
    relation uses it), computed on the first request, once.

    The outcomes at hand are read first; the later ones come from the
    target's :meth:`~Target.evidence` (where it has one): answers it can give
    without changing any grade (the engine's look-ahead answers, which its
    child computes anyway), read in probe order and up to the first that
    did not end in a result or an exception.
    """
    kept: list = []

    def others() -> tuple:
        if kept:
            return kept[0]
        uses = set(check.probes[failed].uses)
        seen = [(p, o, reference(check, i).value, i in uses)
                for i, (p, o) in enumerate(zip(check.probes, outcomes)) if i != failed and p.expect != "raises"]
        ask = getattr(target, "evidence", None)
        if ask is not None:
            for index in range(len(outcomes), len(check.probes)):
                probe = check.probes[index]
                outcome = ask(check.function, probe.args, probe.kwargs, carry)
                if outcome is None or outcome.status not in ("returned", "raised"):
                    break
                if probe.expect != "raises":
                    seen.append((probe, outcome, reference(check, index).value, False))
        kept.append(tuple(seen))
        return kept[0]

    return others


def evaluate(check: Check, target: Target) -> CheckResult:
    """Run every probe of ``check`` against ``target``; all must pass.

    A ``-purity`` cell (``no_mutation``), the last of its function's cells, ends the function's checks: then
    everything its calls showed since the first (:meth:`Target.settle`) is purity evidence too.
    """
    found = _evaluate_forms(check, target)
    if not check.no_mutation:
        return found
    failure = _settled(check, target)  # (asked whatever the verdict: the target forgets the function's inputs)
    if failure is None or not found.passed:
        return found
    return CheckResult(check.grade_id, check.function, False, _message(check, failure), _hint(check, failure),
                       failure.kind)


def _evaluate_forms(check: Check, target: Target) -> CheckResult:
    """:func:`evaluate`'s probes, as declared and in the forms that keep a cell."""
    found = _evaluate(check, target)
    if found.passed or found.kind in ("missing", "forbidden", "not-attempted"):
        return found
    # the same inputs in the contract's other form (Check.other_form), or each stack of slices handed over one
    # slice at a time (Check.slice_form): a function written for one form, or for one slice, is charged for that
    # in the cells that judge it, not again here; where these fail too, the first failure stands
    if check.other_form is not None:
        other = _evaluate(check.other_form, target)
        if other.passed:
            return other
    # (a list for an array: charged in the function's -purity cell, not again here, where that cell is lost; where
    # the arrays fail too, that failure is this cell's, and is the one told)
    if check.array_form is not None and check.purity_cell is not None \
            and not _evaluate(check.purity_cell, target).passed:
        arrays = _evaluate(check.array_form, target)
        if arrays.passed:
            return arrays
        found = arrays
    # (a function that computes nothing as the probes stand, a placeholder, is not looked at again: summed or
    # stacked slice by slice, its one number would become numbers that vary)
    if check.slice_form is not None and found.kind != "stub" \
            and any(not _evaluate(c, target).passed for c in check.stack_cells):
        return second_look(check, target, found, _evaluate)
    return found


#: Failure kinds that a public probe tells better than a hidden one (its input, the entry and the value shown): where
#: the first failure of a cell is such a one, on a hidden probe and with no hint to explain it, the cell's later
#: probes are still called, and the first public one that fails in the same way is told instead (a timeout, a crash or
#: a write into the input ends the cell where it happens; a hinted failure is told as it is).
_TOLD_WITH_ITS_INPUT = ("value", "nonfinite", "shape", "type", "raised", "no-raise", "wrong-exception", "warning")


def _evaluate(check: Check, target: Target) -> CheckResult:
    """:func:`evaluate` on the probes as declared."""

    def result(failure: Failure, hint: str | None = None) -> CheckResult:
        if hint is None:  # (a hint already sought for this failure is not sought again)
            hint = _hint(check, failure)
        message = _message(check, failure) + _seterr_note(target, check.function, failure)
        return CheckResult(check.grade_id, check.function, False, message, hint, failure.kind)

    why = target.defined(check.function)
    if why:
        return result(Failure("missing", why))
    carry = carried_callees(check.function)
    if check.forbidden:
        used = target.forbidden_uses(check.function, tuple(check.forbidden), carry)
        if used:
            return _forbidden_result(check, used)
    reading = target.writes(check.function) if check.no_mutation else None
    outcomes, refs = [], []
    hidden: Failure | None = None  # the first failure, on a probe whose input is not shown, with no hint
    for index, probe in enumerate(check.probes):
        outcome = target.call(check.function, probe.args, probe.kwargs, carry)
        if outcome.status == "raised" and outcome.error_type == FORBIDDEN_ERROR:
            # a forbidden object refused to compute in the process that ran the call (see sandbox.guard),
            # reached by a path the source reading did not follow
            return _forbidden_result(check, tuple([n for n in check.forbidden if n in outcome.error_message][:1]
                                                  or ["a forbidden library function"]))
        if not_attempted(outcome):
            return CheckResult(check.grade_id, check.function, False,
                               f"{check.function}: not attempted yet (it still raises NotImplementedError).",
                               "", "not-attempted")
        outcomes.append(outcome)
        refs.append(reference(check, index))
        twin = outcomes[probe.twin] if probe.twin is not None else None
        used = tuple(as_values(outcomes[i].value, refs[i].value) for i in probe.uses)
        failure = judge(check, probe, outcome, refs[-1], twin, used, reading)
        if failure is None:
            continue
        failure = replace(failure, others=_evidence(check, target, carry, outcomes, index))
        if hidden is None:
            if probe.public or failure.kind not in _TOLD_WITH_ITS_INPUT:
                return result(failure)
            rule = hint_for(check, failure)
            if rule is not None:
                return result(failure, rule.text)
            hidden = failure  # told only by its message, on an input not shown: a public failure below says more
        elif probe.public and failure.kind == hidden.kind:  # (another kind may be another mistake's, or a symptom)
            return result(failure)
        elif failure.kind not in _TOLD_WITH_ITS_INPUT:
            break
    if hidden is not None:
        return result(hidden, "")  # (no rule explains it: sought above)
    if not check.compare_values:
        failure = stub_failure(check, outcomes)
        if failure is not None:
            return result(failure)
    elif not check.compares_with_reference:
        judged = [i for i, p in enumerate(check.probes) if p.expect != "raises"]
        failure = stub_failure(check, [outcomes[i] for i in judged], [refs[i] for i in judged],
                               tuple(check.probes[i] for i in judged))
        if failure is not None:
            return result(failure)
    if judges_own_work(check.grade_id.rsplit("-", 1)[1], check.probes, check.compare_values):
        failure = own_work_failure(check, outcomes, refs)
        if failure is not None:
            return result(failure)
    # "passed — <summary>": the summary starts in lower case (often with a formula), so it follows a dash,
    # never a full stop
    return CheckResult(check.grade_id, check.function, True, f"{check.function}: passed — {check.summary}")
