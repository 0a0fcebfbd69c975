"""Rules that recognise a failure's signature: small predicates to compose.

A hint rule is ``Hint(text, when)`` where ``when`` takes a
:class:`~autograder.checks.check.Failure`. Rules are evaluated in the trusted
grading process; :func:`matches` recomputes a known *wrong* formula on the
probe's inputs and asks whether the submission returned exactly that.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np

from autograder.sandbox.invoke import WARNINGS_LOCK, NotNumbers, to_plain
from autograder.checks.check import memo_by_identity


def kind(*kinds):
    """The failure is of one of these kinds (``nonfinite``, ``shape`` …)."""
    return lambda f: f.kind in kinds


def nonfinite():
    return kind("nonfinite")


def warned(text=""):
    """A RuntimeWarning whose message contains ``text`` was raised."""
    return lambda f: f.outcome is not None and any(
        w.startswith("RuntimeWarning") and text in w for w in f.outcome.warnings
    )


def raised(error_type):
    return lambda f: f.outcome is not None and f.outcome.status == "raised" and f.outcome.error_type == error_type


def label_has(text):
    """The failing probe's label mentions ``text``."""
    return lambda f: f.probe is not None and text in f.probe.label


def all_of(*preds):
    return lambda f: all(p(f) for p in preds)


def any_of(*preds):
    return lambda f: any(p(f) for p in preds)


def _close(a, b, rtol, atol=1e-12):
    if isinstance(a, tuple) or isinstance(b, tuple):
        if not (isinstance(a, tuple) and isinstance(b, tuple)) or len(a) != len(b):
            return False
        return all(_close(x, y, rtol, atol) for x, y in zip(a, b))
    if a is None or b is None or a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


#: Each wrong formula's result on each probe (:func:`wrong_value`).
_WRONG_VALUES: dict = {}
_RAISED = object()


def wrong_value(wrong, probe):
    """The plain result of the known-wrong formula ``wrong`` on ``probe``'s inputs, or :data:`_RAISED`.

    Called with private copies of the arguments, floating-point warnings
    silenced. Computed once per formula and probe and cached
    (:func:`~autograder.checks.check.memo_by_identity`: a probe's inputs never
    change, and the high-dimension probes make some formulas cost
    milliseconds per call): a batch recomputes each mistake once, not once
    per submission that made it.
    """

    def compute():
        try:
            # Silence warnings.warn too (np.std with ddof >= n warns that way), so that a wrong formula
            # behaves the same whatever the caller's warning filters (pytest turns them into errors).
            with WARNINGS_LOCK, np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return to_plain(wrong(*copy.deepcopy(probe.args), **copy.deepcopy(probe.kwargs)))
        except (Exception, NotNumbers):  # noqa: BLE001 — whatever the wrong formula raises, it is the mistake's own outcome
            return _RAISED

    return memo_by_identity(_WRONG_VALUES, (wrong, probe), compute)


def matches(wrong, rtol=1e-6, atol=1e-12):
    """The submission returned what the known-wrong formula ``wrong`` returns.

    ``wrong`` is called with the probe's arguments (private copies, once per
    probe: :func:`wrong_value`). A wrong formula that raises, or returns the
    same as the reference, never matches. ``atol`` is the absolute tolerance
    of both comparisons; pass ``atol=0`` where the results that tell the
    formulas apart are tiny (``sigmoid(-700)`` is 1e-304: with the default
    1e-12 every such value looks like 0).
    """

    def rule(f):
        if f.outcome is None or f.outcome.status != "returned" or f.probe is None:
            return False
        alt = wrong_value(wrong, f.probe)
        if alt is _RAISED:
            return False
        got = f.outcome.value
        if isinstance(got, tuple) and not isinstance(alt, tuple):
            try:
                got = np.asarray(got, dtype=np.float64)
            except (TypeError, ValueError):
                return False
        if f.reference is not None and _close(alt, f.reference, 1e-12, atol):
            return False
        return _close(got, alt, rtol, atol)

    return rule
