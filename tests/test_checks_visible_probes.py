"""The visible asserts call the public probes of their cell, and the public probes are what the visible asserts call.

A graded cell's inputs are declared once, as the probes of its check (``autograder/checks/<ps>.py``); those marked
``public=True`` are the ones the lesson shows, in the cell's visible asserts (which the lesson writes, with its own
messages: ``tests/answers_above.py``). Here every visible assert of every source notebook is run with the cell's
function recording its calls (the reference computes the values):

* each call the visible asserts make is a public probe of the cell (its arguments equal, value for value): a student
  sees only inputs the grader also judges, and the feedback of a public probe shows its input;
* each public input of the cell (a probe marked public, but a related call a relation derives from it) is called by
  the visible asserts: what the check calls public, the student has seen.

What does not hold today is listed, cell by cell, in :data:`VISIBLE_NOT_PROBED` and :data:`PUBLIC_NOT_SHOWN` (lists
that may only shrink: ``python -m tests.declared`` holds a new function to both rules from its first cell).
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pytest

from autograder.checks.by_name import checks_for
from autograder.checks.references import reference_function
from autograder.model.course import FUNCTIONS, PROBLEM_SETS, function_of
from tests.test_checks_visible import _cells

#: Visible calls that are no public probe of their cell, by cell (their number): inputs only the visible code asks (a
#: value the hidden check never computes, a derived call written another way), or, where marked, the input of a
#: probe the check keeps hidden (its feedback then never shows an input the student has seen).
VISIBLE_NOT_PROBED = {
    "cross_entropy-basic": 1, "cross_entropy_grad-basic": 1, "mvn_log_pdf-basic": 1,  # a hidden probe's input
    "mvn_log_pdf-conditioning": 2,  # two hidden probes' inputs
    "cross_entropy_grad-soft": 2, "gaussian_log_pdf-tails": 2, "gaussian_log_likelihood-basic": 1,
    "gaussian_log_likelihood-shape": 1, "gaussian_log_likelihood-purity": 2, "gaussian_mle-basic": 1,
    "sigmoid-stability": 1, "binary_cross_entropy-basic": 1, "binary_cross_entropy-shape": 1,
    "binary_cross_entropy_with_logits-stability": 1, "vae_kl-batch": 5, "vae_kl-shape": 1,
    "bayes_posterior-stability": 1,
}
#: Public inputs that no visible assert calls, by cell (their labels).
PUBLIC_NOT_SHOWN = {
    "cross_entropy-basic": ("logits [[2.0, 1.0, 0.1], [0.5, -1.0, 3.0]] with targets [0, 2]",),
    "cross_entropy_grad-basic": ("logits [[2.0, 1.0, 0.1]] with target [0]",),
    "gaussian_log_pdf-tails": ("x=-1000.0, mu=0.0, sigma=0.5",),
    "gaussian_log_likelihood-basic": ("x=[0.0, 1.0, 2.0], mu=0.0, sigma=1.0",),
    "gaussian_log_likelihood-purity": ("the arrays x=[0.5, -1.0, 2.0], mu=[0.0, 0.5, 1.0] with sigma=2.0",
                                       "the same numbers as lists"),
    "mvn_log_pdf-basic": ("x=[1.0, -1.0], mu=[0.0, 0.0], cov=[[2.0, 0.5], [0.5, 1.0]]",),
    "gaussian_kl-properties": ("gaussian_kl(0, 1, 0, 3)", "gaussian_kl(0, 3, 0, 1)"),
    "vae_kl-shape": ("mu = [1.0, 0.0], logvar = [0.0, 0.0]",),
}


def _same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return a is b
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def _is_call_of(call: tuple, probe) -> bool:
    args, kwargs = call
    return (len(args) == len(probe.args) and all(_same(a, b) for a, b in zip(args, probe.args, strict=True))
            and set(kwargs) == set(probe.kwargs) and all(_same(kwargs[k], probe.kwargs[k]) for k in kwargs))


def visible_calls(ps: str) -> dict:
    """``grade_id -> [(args, kwargs), …]``: the calls each graded cell's visible asserts make of its function."""
    setup, graded = _cells(ps)
    out = {}
    for gid, source in graded:
        fn, calls = function_of(gid), []
        reference = reference_function(fn)

        def recorded(*args, _reference=reference, _calls=calls, **kwargs):
            _calls.append((args, kwargs))
            return _reference(*args, **kwargs)

        ns = {"__name__": "__main__"}
        with contextlib.redirect_stdout(io.StringIO()):
            for src in setup:
                exec(compile(src, "<locked cell>", "exec"), ns)
        ns.update({f: reference_function(f) for f in FUNCTIONS[ps]})
        ns[fn] = recorded
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            exec(compile(source, f"<visible asserts of {gid}>", "exec"), ns)
        out[gid] = calls
    return out


def public_inputs(check) -> list:
    """The probes of ``check`` the lesson shows: the public ones but the related calls a relation derives."""
    derived = {u for p in check.probes for u in p.uses}
    return [p for i, p in enumerate(check.probes) if p.public and i not in derived]


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_visible_asserts_call_the_public_probes_and_only_them(ps):
    checks, calls = checks_for(ps), visible_calls(ps)
    not_probed, not_shown = {}, {}
    for gid, made in calls.items():
        public = [p for p in checks[gid].probes if p.public]
        extra = [c for c in made if not any(_is_call_of(c, p) for p in public)]
        if extra:
            not_probed[gid] = len(extra)
        unseen = tuple(p.label for p in public_inputs(checks[gid]) if not any(_is_call_of(c, p) for c in made))
        if unseen:
            not_shown[gid] = unseen
    mine = {gid for gid in calls}
    assert not_probed == {g: n for g, n in VISIBLE_NOT_PROBED.items() if g in mine}, (
        f"source/{ps}/{ps}.ipynb: visible calls that are no public probe of their cell (make them probes, "
        f"public=True, in autograder/checks/{ps}.py): {not_probed}")
    assert not_shown == {g: labels for g, labels in PUBLIC_NOT_SHOWN.items() if g in mine}, (
        f"public probes no visible assert calls (call them in the cell's visible asserts in source/{ps}/{ps}.ipynb, "
        f"or leave them hidden): {not_shown}")
