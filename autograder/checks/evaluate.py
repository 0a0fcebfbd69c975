"""Evaluate a check against a submission: probes → outcomes → one verdict.

The submission is reached through a *target* with three methods, so the same
evaluation serves both ways of grading:

* :class:`LocalTarget` – the notebook's own namespace (``run_check`` inside
  a Jupyter kernel, i.e. plain ``nbgrader autograde``);
* the grading engine's child process (``autograder.engine``), which answers
  the same three questions over a pipe.

References come from ``solutions/`` in this (trusted) process and are cached
for the life of the process, i.e. computed once per batch.
"""

from __future__ import annotations

import importlib
from typing import Protocol

import numpy as np

from autograder.checks import invoke as _invoke
from autograder.checks import shown
from autograder.checks.compare import compare
from autograder.checks.model import Check, CheckResult, Failure, Hint, Probe
from autograder.course import problem_set_of_function


class Target(Protocol):
    def defined(self, function: str) -> str:
        """``""`` when ``function`` is a callable defined by the submission, else why not."""

    def forbidden_uses(self, function: str, names: tuple) -> tuple:
        """Which of ``names`` the function uses (see :func:`invoke.forbidden_uses`)."""

    def call(self, function: str, args: tuple, kwargs: dict) -> _invoke.Outcome:
        """Call the function once on the probe's inputs."""


class LocalTarget:
    """A submission whose functions live in a namespace of this process."""

    def __init__(self, namespace):
        self.namespace = namespace

    def defined(self, function):
        return _invoke.describe_definition(self.namespace, function)

    def forbidden_uses(self, function, names):
        return _invoke.forbidden_uses(self.namespace[function], names)

    def call(self, function, args, kwargs):
        return _invoke.invoke(self.namespace[function], args, kwargs)


_REFERENCES: dict = {}


def reference_function(function: str):
    """The reference implementation of a contract function, from ``solutions/``."""
    module = importlib.import_module(f"solutions.{problem_set_of_function(function)}")
    return getattr(module, function)


def reference(check: Check, index: int) -> _invoke.Outcome:
    """The reference outcome of probe ``index`` of ``check`` (cached).

    The cache is keyed by the function and the probe object itself (kept
    alive in the entry, so its id cannot be reused): a check built ad hoc
    with other probes under a real grade_id never sees another's references.
    """
    probe = check.probes[index]
    key = (check.function, id(probe))
    entry = _REFERENCES.get(key)
    if entry is None or entry[0] is not probe:
        entry = (probe, _invoke.invoke(reference_function(check.function), probe.args, probe.kwargs))
        _REFERENCES[key] = entry
    return entry[1]


#: Hints that apply to every check, after the check's own ones.
GENERIC_HINTS = (
    Hint(
        "Validate with `if …: raise ValueError(\"<argument> …\")` rather than `assert`: asserts "
        "raise AssertionError and disappear under `python -O`.",
        lambda f: f.kind == "wrong-exception" and f.outcome.error_type == "AssertionError",
    ),
    Hint("Add a `return` statement at the end of the function.", lambda f: f.kind == "type" and "None" in f.detail),
    Hint(
        "Work on a copy (`z = np.array(z, dtype=float)`) or use operations that return new arrays "
        "(`z - m` instead of `z -= m`).",
        lambda f: f.kind == "mutation",
    ),
    Hint(
        "Return NumPy values: a float64 array (or a float for reductions), not another type.",
        lambda f: f.kind == "type",
    ),
    Hint(
        "Convert every array argument once at the start (`z = np.asarray(z, dtype=float)`), so that a "
        "nested list and the same numbers as an array are handled alike.",
        lambda f: f.kind == "lists",
    ),
    Hint(
        "Implement the function first: this cell judges how a working function treats its inputs "
        "(unmodified, no RuntimeWarning, lists accepted).",
        lambda f: f.kind == "stub",
    ),
)


def _guards_errors(check: Check, probe: Probe | None) -> bool:
    """``probe`` is a valid-input value probe of an error-handling check."""
    return (probe is not None and probe.expect == "value"
            and any(p.expect == "raises" for p in check.probes))


def _message(check: Check, failure: Failure) -> str:
    where = f" on {failure.probe.label}" if failure.probe is not None else ""
    shown = ""
    if failure.probe is not None and failure.probe.public:
        parts = [repr(a) for a in failure.probe.args] + [f"{k}={v!r}" for k, v in failure.probe.kwargs.items()]
        shown = f" Input: {check.function}({', '.join(parts)})."
    why = ""
    if _guards_errors(check, failure.probe):
        why = (" This cell's points for raising ValueError are earned only by a function that also "
               "computes correct results on valid input.")
    return f"{check.function}: {check.summary} Failed{where}: {failure.detail}.{shown}{why}"


def _hint(check: Check, failure: Failure) -> str:
    for rule in tuple(check.hints) + GENERIC_HINTS:
        try:
            if rule.when(failure):
                return rule.text
        except Exception:  # a rule that cannot judge this failure does not match
            continue
    return ""


def _same_ending(a: _invoke.Outcome, b: _invoke.Outcome) -> bool:
    """Two calls ended alike: the same values (to the last few ulps), or the same exception type."""
    if a.status != b.status:
        return False
    if a.status == "raised":
        return a.error_type == b.error_type
    if a.status != "returned":
        return True
    return compare(a.value, b.value, 1e-12, 0.0) is None if b.value is not None else a.value is None


def _numbers(value):
    """The finite numbers in a plain value (arrays, or tuples of them), flattened."""
    if value is None:
        return np.empty(0)
    if isinstance(value, tuple):
        parts = [_numbers(v) for v in value]
        return np.concatenate(parts) if parts else np.empty(0)
    flat = np.ravel(value)
    return flat[np.isfinite(flat)]


def judge(check: Check, probe: Probe, outcome: _invoke.Outcome, ref: _invoke.Outcome,
          twin: _invoke.Outcome | None = None):
    """The :class:`Failure` of one probe, or ``None`` when it passed.

    ``twin`` is the outcome of the probe's array twin (:attr:`Probe.twin`).
    For a hidden probe, the student's own text (exception class and message,
    warning text, type names) is shown only as far as :mod:`shown` allows.
    """

    def fail(kind, detail):
        return Failure(kind, detail, probe, outcome, ref.value)

    public = probe.public
    if outcome.status == "missing":
        return fail("missing", outcome.error_message or f"`{check.function}` is not defined")
    if outcome.status == "timeout":
        return fail("timeout", "the call did not finish within the time limit (an endless loop?)")
    if outcome.status == "crashed":
        details = outcome.error_message or "no details" if public else ""
        return fail("crashed", f"the call ended the Python process{f' ({details})' if details else ''}")
    if probe.expect == "raises":
        if outcome.status == "raised" and outcome.error_type == "ValueError":
            return None
        if outcome.status == "raised":
            return fail("wrong-exception", "expected a ValueError, got "
                        + shown.raised(public, outcome.error_type, outcome.error_message))
        return fail("no-raise", "expected a ValueError naming the bad argument, but the call returned normally")
    runtime = [w for w in outcome.warnings if w.startswith("RuntimeWarning")]
    if not check.compare_values:
        # A property check: the values are other checks' business (one mistake, one charge).
        if twin is not None and not _same_ending(outcome, twin):
            return fail("lists", "the nested-list input did not give the same result as the same numbers "
                                 "passed as a NumPy array")
        if check.no_warnings and runtime:
            return fail("warning", f"the call raised {shown.warning(public, runtime[0])}")
        if check.no_mutation and outcome.mutated:
            return fail("mutation", f"the call modified its input ({', '.join(outcome.mutated)}) in place")
        return None
    if outcome.status == "raised":
        return fail("raised", "raised " + shown.raised(public, outcome.error_type, outcome.error_message))
    if outcome.value is None and outcome.value_type not in ("NoneType", ""):
        return fail("type", f"returned {shown.type_name(public, outcome.value_type)}, which is not numbers")
    rtol = check.rtol if probe.rtol is None else probe.rtol
    atol = check.atol if probe.atol is None else probe.atol
    mismatch = compare(outcome.value, ref.value, rtol, atol, check.returns, reveal=public)
    if mismatch:
        return fail(*mismatch)
    if check.no_warnings and runtime:
        return fail("warning", f"the result is right but the call raised {shown.warning(public, runtime[0])}")
    if check.no_mutation and outcome.mutated:
        return fail("mutation", f"the call modified its input ({', '.join(outcome.mutated)}) in place")
    return None


def not_attempted(outcome: _invoke.Outcome) -> bool:
    """The call hit the template's ``raise NotImplementedError()``: the function is not written yet."""
    return outcome.status == "raised" and outcome.error_type == "NotImplementedError"


def _stub_failure(check: Check, outcomes: list) -> Failure | None:
    """For a property check: a :class:`Failure` when no working function was there to judge.

    Purity is a property of a function that computes something: at least two
    probes must return numbers and, over all of them, not a single repeated
    number (``np.zeros_like(z)``, ``return 0.0``). Nothing here compares with
    the reference.
    """
    returned = [o for o in outcomes if o.status == "returned" and o.value is not None]
    values = np.concatenate([_numbers(o.value) for o in returned]) if returned else np.empty(0)
    if len(returned) >= 2 and np.unique(values).size >= 2:
        return None
    return Failure("stub", "purity is judged on a function that computes its result, but yours "
                   + ("returned no numbers" if not returned else "returned the same number for every input"))


def evaluate(check: Check, target: Target) -> CheckResult:
    """Run every probe of ``check`` against ``target``; all must pass."""

    def result(failure):
        return CheckResult(
            check.grade_id, check.function, False, _message(check, failure), _hint(check, failure), failure.kind
        )

    why = target.defined(check.function)
    if why:
        return result(Failure("missing", why))
    if check.forbidden:
        used = target.forbidden_uses(check.function, tuple(check.forbidden))
        if used:
            return CheckResult(
                check.grade_id,
                check.function,
                False,
                f"{check.function}: uses {', '.join(used)}, a ready-made version of what this problem asks "
                f"you to write, so it earns no points on this function.",
                "Write it yourself with NumPy (and SciPy building blocks such as xlogy or "
                "solve_triangular where the notebook allows them).",
                "forbidden",
            )
    outcomes = []
    for index, probe in enumerate(check.probes):
        outcome = target.call(check.function, probe.args, probe.kwargs)
        if not_attempted(outcome):
            return CheckResult(check.grade_id, check.function, False,
                               f"{check.function}: not attempted yet (it still raises NotImplementedError).",
                               "", "not-attempted")
        outcomes.append(outcome)
        twin = outcomes[probe.twin] if probe.twin is not None else None
        failure = judge(check, probe, outcome, reference(check, index), twin)
        if failure is not None:
            return result(failure)
    if not check.compare_values:
        failure = _stub_failure(check, outcomes)
        if failure is not None:
            return result(failure)
    return CheckResult(check.grade_id, check.function, True, f"{check.function}: passed. {check.summary}")
