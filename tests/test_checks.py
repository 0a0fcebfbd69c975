"""The hidden checks as data: registry, probes, references, determinism, speed, no leaks.

Problem sets whose checks module is not written yet are skipped, not failed.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import operator
import re
import time

import numpy as np
import pytest

from autograder.checks import references as references_module
from autograder.checks.by_name import checks_for
from autograder.checks.evaluate import LocalTarget, evaluate
from autograder.checks.generic_hints import GENERIC_HINTS
from autograder.checks.references import reference_function
from autograder.model.course import FUNCTIONS, GRADE_CELLS, PROBLEM_SETS, ROOT, function_of
from autograder.perimeter.child_runtime.invoke import invoke


def checks_or_skip(ps):
    try:
        return checks_for(ps)
    except ModuleNotFoundError as exc:
        if exc.name == f"autograder.checks.{ps}":
            pytest.skip(f"autograder/checks/{ps}.py is not written yet")
        raise


def reference_namespace(ps):
    return {fn: reference_function(fn) for fn in FUNCTIONS[ps]}


def plain_values(value):
    """The float arrays of a plain outcome value (a tuple for several returned values)."""
    if isinstance(value, tuple):
        return [v for item in value for v in plain_values(item)]
    return [] if value is None else [np.asarray(value, dtype=float)]


# ---------------------------------------------------------------- the registry


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_graded_cell_has_exactly_one_check(ps):
    checks = checks_or_skip(ps)
    module = importlib.import_module(f"autograder.checks.{ps}")
    assert len(module.CHECKS) == len(checks), "a grade_id appears twice in CHECKS"
    assert list(checks) == [gid for gid, _ in GRADE_CELLS[ps]], "checks and GRADE_CELLS differ (or their order does)"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_check_tests_the_function_its_grade_id_names(ps):
    for gid, check in checks_or_skip(ps).items():
        assert check.function == function_of(gid), gid
        assert check.function in FUNCTIONS[ps], gid
        assert check.probes, f"{gid} has no probes"
        assert all(p.expect in ("value", "raises", "call", "relation") for p in check.probes), gid


# ----------------------------------------------------------- probes vs reference


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_reference_behaves_as_each_probe_expects(ps):
    """``raises`` probes make the reference raise ValueError; the others return values
    that are finite (unless the label says the result is infinite) and never nan,
    without any RuntimeWarning."""
    for gid, check in checks_or_skip(ps).items():
        ref = reference_function(check.function)
        for probe in check.probes:
            where = f"{gid} / {probe.label}"
            outcome = invoke(ref, probe.args, probe.kwargs)
            if probe.expect == "raises":
                assert (outcome.status, outcome.error_type) == ("raised", "ValueError"), where
                continue
            assert outcome.status == "returned", f"{where}: {outcome.error_type}: {outcome.error_message}"
            assert not [w for w in outcome.warnings if w.startswith("RuntimeWarning")], (where, outcome.warnings)
            for arr in plain_values(outcome.value):
                assert not np.isnan(arr).any(), f"{where}: the reference returned nan"
                if "inf" not in probe.label.lower():
                    assert np.isfinite(arr).all(), f"{where}: the reference returned an infinite value"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_reference_passes_every_check(ps):
    namespace = reference_namespace(ps)
    failed = {}
    for gid, check in checks_or_skip(ps).items():
        result = evaluate(check, LocalTarget(namespace))
        if not result.passed:
            failed[gid] = result.feedback()
        # what a student reads for a passed cell is written as sentences: "passed — the mean …",
        # never "passed. the mean …" (no sentence of it starts in lower case)
        assert result.message.startswith(f"{check.function}: passed — "), result.message
        assert not re.search(r"[.!?] [a-z]", result.message), result.message
    assert not failed, failed


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
            and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
        )
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_probes_are_deterministic(ps):
    """Building the checks module twice from its source gives identical probes."""
    checks_or_skip(ps)
    path = ROOT / "autograder" / "checks" / f"{ps}.py"
    builds = []
    for i in range(2):
        spec = importlib.util.spec_from_file_location(f"_determinism_{ps}_{i}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        builds.append(module.CHECKS)
    first, second = builds
    assert [c.grade_id for c in first] == [c.grade_id for c in second]
    for a, b in zip(first, second):
        assert len(a.probes) == len(b.probes), a.grade_id
        for pa, pb in zip(a.probes, b.probes):
            assert (pa.label, pa.expect, pa.public) == (pb.label, pb.expect, pb.public), a.grade_id
            assert _same(pa.args, pb.args) and _same(pa.kwargs, pb.kwargs), f"{a.grade_id} / {pa.label}"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_grading_a_problem_set_against_the_reference_is_fast(ps):
    """Printed, not asserted: the goal is < 1 s per problem set (references included)."""
    checks = checks_or_skip(ps)
    namespace = reference_namespace(ps)
    functions = {check.function for check in checks.values()}
    for key in [k for k in references_module._REFERENCES if k[0] in functions]:
        del references_module._REFERENCES[key]  # a cold cache: references are part of the cost
    start = time.perf_counter()
    for check in checks.values():
        evaluate(check, LocalTarget(namespace))
    cold = time.perf_counter() - start
    start = time.perf_counter()
    for check in checks.values():
        evaluate(check, LocalTarget(namespace))
    warm = time.perf_counter() - start
    print(f"\n{ps}: {len(checks)} checks graded against the reference in {cold:.3f} s "
          f"(references computed), {warm:.3f} s (references cached)")


# ------------------------------------------------------------------- no leaks

_NUMBER = re.compile(r"\d[\d.]*")


def _signature(value):
    """The first 6 significant digits of ``repr(value)``; None when it has fewer."""
    mantissa = repr(abs(float(value))).split("e")[0]
    digits = mantissa.replace(".", "").lstrip("0")
    return digits[:6] if len(digits) >= 6 else None


def _digit_runs(text):
    return [run.replace(".", "") for run in _NUMBER.findall(text)]


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_no_text_reveals_a_hidden_reference_value(ps):
    """No summary, hint or probe label contains the leading digits of a hidden probe's
    reference value (values with fewer than 6 significant digits, like 0.5 or 1000,
    carry no information and are not checked)."""
    leaks = []
    for gid, check in checks_or_skip(ps).items():
        texts = [check.summary] + [h.text for h in check.hints] + [h.text for h in GENERIC_HINTS]
        texts += [p.label for p in check.probes]
        runs = [run for text in texts for run in _digit_runs(text)]
        ref = reference_function(check.function)
        for probe in check.probes:
            if probe.public or probe.expect != "value":
                continue
            outcome = invoke(ref, probe.args, probe.kwargs)
            for arr in plain_values(outcome.value):
                for v in arr.ravel()[:20000]:
                    sig = _signature(v) if np.isfinite(v) and v != 0 else None
                    if sig and any(sig in run for run in runs):
                        leaks.append((gid, probe.label, float(v)))
    assert not leaks, leaks


def test_the_leak_guard_recognises_a_leak():
    assert _signature(-2.4076059644443806) == "240760"
    assert _signature(1000.0) is None
    assert any("240760" in run for run in _digit_runs("the answer is ≈ -2.40760596"))


# --------------------------------------- mvn_log_pdf: the reference vs exact arithmetic

_BITS = 160  # fixed-point fraction bits: every input here is exact at this scale (_fixed checks it)


def _fixed(v):
    num, den = float(v).as_integer_ratio()  # exact: den is a power of two
    if (num << _BITS) % den:
        raise ValueError(f"{float(v)!r} is not exact with {_BITS} fraction bits: raise _BITS")
    return (num << _BITS) // den


def exact_mvn_log_pdf(x, mu, cov):
    """log N(x; mu, cov) of the float64 inputs as given, in exact integer arithmetic.

    The float64 inputs are exact in fixed point with 160 fraction bits (checked); a
    Cholesky factorisation and forward substitution in that fixed point (Python
    integers: no LAPACK, no floating point), then the logarithms with mpmath at 40
    digits. Each operation rounds by at most 2^-160 (7e-49); amplified by the
    dimension times the condition number (300 × 1e10 here) that stays below 1e-35
    relative, against float64's 1e-16 and the check's tolerance of 1e-8.
    Returns a list of mpmath numbers, one per row of ``x``.
    """
    import mpmath

    cov = np.asarray(cov, dtype=float)
    d = cov.shape[0]
    a = [[_fixed(v) for v in row] for row in cov]
    L = [[0] * d for _ in range(d)]
    mul = operator.mul
    for j in range(d):
        lj = L[j]
        s = (a[j][j] << _BITS) - sum(map(mul, lj[:j], lj[:j]))
        assert s > 0, "not positive definite"
        lj[j] = math.isqrt(s)
        for i in range(j + 1, d):
            li = L[i]
            li[j] = ((a[i][j] << _BITS) - sum(map(mul, li[:j], lj[:j]))) // lj[j]
    out = []
    with mpmath.workdps(40):
        scale = mpmath.mpf(2) ** _BITS
        logdet = 2 * mpmath.fsum(mpmath.log(mpmath.mpf(L[i][i]) / scale) for i in range(d))
        const = d * mpmath.log(2 * mpmath.pi)
        mu_fixed = [_fixed(m) for m in np.asarray(mu, dtype=float)]
        for row in np.atleast_2d(np.asarray(x, dtype=float)):
            diff = [_fixed(v) - m for v, m in zip(row, mu_fixed)]
            y = [0] * d
            for i in range(d):
                y[i] = ((diff[i] << _BITS) - sum(map(mul, L[i][:i], y[:i]))) // L[i][i]
            maha = mpmath.mpf(sum(v * v for v in y)) / scale**2
            out.append(-(const + logdet + maha) / 2)
    return out


def test_the_exact_mvn_log_pdf_agrees_with_a_closed_form():
    cov = np.array([[4.0, 1.2, 0.0], [1.2, 2.0, -0.5], [0.0, -0.5, 1.0]])
    x, mu = np.array([1.0, -2.0, 0.5]), np.array([0.25, 0.0, -1.0])
    diff = x - mu
    closed = -0.5 * (3 * np.log(2 * np.pi) + np.log(np.linalg.det(cov)) + diff @ np.linalg.solve(cov, diff))
    (exact,) = exact_mvn_log_pdf(x, mu, cov)
    assert abs(float(exact) - closed) <= 1e-14 * abs(closed)


def test_the_mvn_reference_is_accurate_on_the_ill_conditioned_probes():
    """The reference is within a quarter of the check's rtol of the exact log density on
    every probe of mvn_log_pdf-conditioning, so the tolerance measures the submission."""
    pytest.importorskip("mpmath")
    check = checks_or_skip("ps3_gaussian")["mvn_log_pdf-conditioning"]
    ref = reference_function("mvn_log_pdf")
    worst = []
    for probe in check.probes:
        rtol = check.rtol if probe.rtol is None else probe.rtol
        exact = np.array([float(v) for v in exact_mvn_log_pdf(*probe.args)])
        got = np.atleast_1d(np.asarray(ref(*probe.args), dtype=float))
        rel = float(np.max(np.abs(got - exact) / np.abs(exact)))
        worst.append((probe.label, rel))
        assert rel <= rtol / 4, f"{probe.label}: the reference is off by {rel:.2g} relative (rtol {rtol:g})"
    print("\nmvn_log_pdf reference vs exact:", ", ".join(f"{label}: {rel:.1e}" for label, rel in worst))


def test_purity_twins_pass_the_same_numbers_as_arrays():
    """A list probe's twin is an earlier probe of the same check with the same numbers as NumPy arrays."""
    from autograder.checks.by_name import all_checks

    pairs = 0
    for check in all_checks().values():
        for index, probe in enumerate(check.probes):
            if probe.twin is None:
                continue
            twin = check.probes[probe.twin]
            assert probe.twin < index and not check.compare_values, check.grade_id
            assert probe.kwargs == twin.kwargs and len(probe.args) == len(twin.args), (check.grade_id, index)
            assert any(isinstance(a, list) for a in probe.args), (check.grade_id, index)
            for a, b in zip(probe.args, twin.args):
                assert isinstance(b, np.ndarray) or not isinstance(a, list), (check.grade_id, index)
                assert np.array_equal(np.asarray(a), np.asarray(b)), (check.grade_id, index)
            pairs += 1
    purity = [c for c in all_checks().values() if c.grade_id.endswith("-purity")]
    assert purity and all(not c.compare_values and any(p.twin is not None for p in c.probes) for c in purity)
    assert pairs >= len(purity)
