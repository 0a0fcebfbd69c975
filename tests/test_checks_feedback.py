"""Feedback never carries a hidden probe's values, even when a submission tries to put them there.

The strongest form of "hidden inputs stay hidden": for a hidden probe, the
feedback text must not depend on the probe's values at all. Each leaky
function below smuggles its input out through one channel a student
controls (exception message, exception class name, warning text, the type
of what it returns, the values, the shape); it is graded on the hidden
probes and on the same probes with other values, and both feedbacks must be
identical, character for character.
"""

import dataclasses
import math
import warnings

import numpy as np
import pytest

from autograder.checks import ps3_gaussian, ps5_gaussian_kl
from autograder.checks.by_name import checks_for
from autograder.checks.compare import compare
from autograder.checks.evaluate import LocalTarget, evaluate
from autograder.checks.forbidden import linear_algebra_allowed
from autograder.checks.shown import call_text


def _stable_softmax(z, axis=-1, temperature=1.0):
    x = np.asarray(z, dtype=float) / temperature
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=axis, keepdims=True)


def _code(z) -> str:
    return repr(np.asarray(z, dtype=float).ravel()[:4].tolist())


def leak_message(z, axis=-1, temperature=1.0):
    raise RuntimeError(f"my inputs were {_code(z)}")


def leak_class_name(z, axis=-1, temperature=1.0):
    raise type("E" + _code(z).encode().hex(), (Exception,), {})()


def leak_warning(z, axis=-1, temperature=1.0):
    warnings.warn(_code(z), RuntimeWarning, stacklevel=2)
    return _stable_softmax(z, axis, temperature)


def leak_type(z, axis=-1, temperature=1.0):
    return type("T" + _code(z).encode().hex(), (), {})()


def leak_values(z, axis=-1, temperature=1.0):
    first = float(np.nan_to_num(np.asarray(z, dtype=float).ravel()[0], posinf=0.0, neginf=0.0))
    return _stable_softmax(z, axis, temperature) * (1 + 1.5e-3 * (1 + abs(first) % 1 / 2))  # rel. error 1.5e-3 … 2.3e-3


def leak_shape(z, axis=-1, temperature=1.0):
    first = float(np.nan_to_num(np.asarray(z, dtype=float).ravel()[0], posinf=0.0, neginf=0.0))
    return np.zeros((0, 7 + int(abs(first) * 1000) % 997))


def _hidden(check):
    """``check`` with its hidden probes only (a relation keeps its related calls, which are hidden with it)."""
    keep = [i for i, p in enumerate(check.probes) if not p.public]
    where = {old: new for new, old in enumerate(keep)}
    probes = tuple(dataclasses.replace(check.probes[i], uses=tuple(where[u] for u in check.probes[i].uses))
                   for i in keep)
    return dataclasses.replace(check, probes=probes)


def _leaky_check(leak):
    """The cell a leak is tried on: softmax-stability (its hidden calls), or for a leak through the values and the
    shape softmax-basic, which compares values with the reference (a relation compares the function with itself,
    so values it makes up to depend on its input decide how far apart its calls are)."""
    cell = "softmax-basic" if leak in (leak_values, leak_shape) else "softmax-stability"
    return _hidden(checks_for("ps1_softmax")[cell])


def _other_values(probe):
    """The same probe with different numbers (same shapes, same -inf mask)."""
    def move(a):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            return np.where(np.isfinite(a), a * 1.37 + 0.11, a)
        return a

    return dataclasses.replace(probe, args=tuple(move(a) for a in probe.args))


@pytest.mark.parametrize("leak", [leak_message, leak_class_name, leak_warning, leak_type, leak_values, leak_shape],
                         ids=lambda f: f.__name__)
def test_feedback_on_hidden_probes_does_not_depend_on_their_values(leak):
    check = _leaky_check(leak)
    target = LocalTarget({"softmax": leak})
    first = evaluate(check, target)
    second = evaluate(dataclasses.replace(check, probes=tuple(_other_values(p) for p in check.probes)), target)
    assert not first.passed
    assert first.feedback() == second.feedback(), (first.feedback(), second.feedback())
    assert "0x" not in first.message and "[" not in first.message.split("Failed on", 1)[1], first.message


def test_masked_feedback_still_says_what_kind_of_thing_went_wrong():
    said = {leak.__name__: evaluate(_leaky_check(leak), LocalTarget({"softmax": leak})).message
            for leak in (leak_message, leak_class_name, leak_warning, leak_type, leak_values)}
    assert "raised RuntimeError: (its message is not shown" in said["leak_message"]
    assert "an exception of a class defined in your code" in said["leak_class_name"]
    assert "RuntimeWarning (its message is not shown" in said["leak_warning"]
    assert "an object of a class defined in your code" in said["leak_type"]
    assert "every entry differs from the correct result; the largest relative error is of order 1e-03" \
        in said["leak_values"]


def test_library_messages_and_warnings_stay_readable_on_hidden_probes():
    def keeps_dims_wrong(z, axis=-1, temperature=1.0):
        x = np.asarray(z, dtype=float)
        return np.exp(x) / np.exp(x).sum(axis=axis)  # broadcasting error on 2-D, overflow on large logits

    # (the cell as its calls are made: its second look, one slice at a time, would show the overflow instead)
    stability = dataclasses.replace(checks_for("ps1_softmax")["softmax-stability"], slice_form=None)
    result = evaluate(_hidden(stability), LocalTarget({"softmax": keeps_dims_wrong}))
    assert "operands could not be broadcast together with shapes (…,…) (…,)" in result.message, result.message
    assert result.hint.startswith("A per-slice result (a maximum or a sum) does not line up")


def test_a_public_probe_shows_the_students_own_message():
    check = checks_for("ps1_softmax")["softmax-basic"]
    result = evaluate(check, LocalTarget({"softmax": leak_message}))
    assert check.probes[0].public and "my inputs were [1.0, 2.0, 3.0]" in result.message


def _sums_over_a_missing_axis(z, axis=-1, temperature=1.0):
    x = np.asarray(z, dtype=float)
    return np.exp(x) / np.exp(x).sum(axis=2)


def test_a_subclass_of_value_error_is_named_as_itself_and_as_a_value_error():
    """NumPy's AxisError counts as the ValueError the contract asks for (the call writes its class before its
    message); the message read "raised ValueError: AxisError: axis 2 …", now "raised AxisError (a ValueError): …",
    on hidden probes as on public ones (the numbers masked there)."""
    check = checks_for("ps1_softmax")["softmax-basic"]
    shown_public = evaluate(check, LocalTarget({"softmax": _sums_over_a_missing_axis})).message
    assert "raised AxisError (a ValueError): axis 2 is out of bounds for array of dimension 1" in shown_public
    shown_hidden = evaluate(_hidden(check), LocalTarget({"softmax": _sums_over_a_missing_axis})).message
    assert "raised AxisError (a ValueError): axis … is out of bounds for array of dimension …" in shown_hidden
    assert "ValueError: AxisError" not in shown_public + shown_hidden


def _logsumexp_base_2_unguarded(z, axis=-1):
    x = np.asarray(z, dtype=float)
    m = x.max(axis=axis, keepdims=True)  # (a slice of only -inf: -inf - -inf is nan)
    return np.squeeze(m + np.log2(np.exp2(x - m).sum(axis=axis, keepdims=True)), axis=axis)


def test_a_reduction_along_the_axis_asked_is_never_told_it_runs_along_another():
    """NLTK's base-2 log-sum-exp gives nan for a slice of only -inf. On the 2-D probe at the default axis, the rule
    for a reduction along a fixed axis 1 computed exactly the unguarded formula there (axis 1 is the axis asked), and
    told the student "The reduction runs along another axis than `axis`". A fixed-axis formula now says nothing
    where its axis is the one asked."""
    result = evaluate(checks_for("ps1_softmax")["logsumexp-stability"],
                      LocalTarget({"logsumexp": _logsumexp_base_2_unguarded}))
    assert not result.passed and "nan" in result.message
    assert "another axis" not in result.hint, result.hint


def _logsumexp_of_one_list(z, axis=-1):
    values = np.asarray(z, dtype=float).tolist()
    top = max(values)
    return top + math.log(math.fsum(math.exp(v - top) for v in values if not math.isinf(v)))


def test_math_functions_given_a_row_are_told_as_code_for_one_flat_vector():
    """Code written for one vector with ``math`` (``math.isinf(v)`` on each entry) raises "must be real number, not
    list" on a 2-D input: the hint for code written for one flat vector names it."""
    result = evaluate(checks_for("ps1_softmax")["logsumexp-basic"], LocalTarget({"logsumexp": _logsumexp_of_one_list}))
    assert "must be real number, not list" in result.message
    assert "one flat vector" in result.hint, result.hint


def _cross_entropy_in_float32(logits, targets):
    z = np.asarray(logits, dtype=np.float32)
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(z)), np.asarray(targets)].mean())


def test_a_loss_computed_in_float32_is_not_told_it_adds_an_epsilon():
    """A cross-entropy in float32 is off by about 1e-8 relative, and landed within the epsilon rule's old 1e-6 of a
    1e-8 epsilon by chance (a real course's code was told "An epsilon added inside the log", and by the argmax rule's
    epsilon forms that its soft targets were reduced to their argmax); those rules now recompute their formulas to
    1e-12, as ps6's does, and the hint for values close to but not as close as float64 names float32."""
    result = evaluate(checks_for("ps2_cross_entropy")["cross_entropy-basic"],
                      LocalTarget({"cross_entropy": _cross_entropy_in_float32}))
    assert not result.passed
    assert "An epsilon added inside the log" not in result.hint and "float32" in result.hint, result.hint


def _ends_its_sentence(z, axis=-1, temperature=1.0):
    raise ValueError("setting an array element with a sequence.")


def test_a_message_that_ends_its_own_sentence_is_not_given_a_second_full_stop():
    """NumPy's message ends with a full stop; the sentence around it (``… raised ValueError: <message>. Input: …``)
    adds none then (a corpus specimen showed "sequence.. Input")."""
    result = evaluate(checks_for("ps1_softmax")["softmax-basic"], LocalTarget({"softmax": _ends_its_sentence}))
    assert "with a sequence. Input: softmax(" in result.message and ".." not in result.message, result.message


def _saturated_at_1e13(z):
    """A sigmoid guarded by hand with a constant no hint rule knows (1e-13 below z = -30)."""
    z = np.asarray(z, dtype=float)
    return np.where(z < -30.0, 1e-13, 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, None))))


def test_a_hidden_failure_without_a_hint_is_told_on_a_public_input_that_fails_the_same_way():
    """A hidden probe's message shows neither the input nor the value: where a public probe further down the cell
    fails the same way, that one is told (the student can run it); a failure of another kind is not (it may be
    another mistake's), and a hinted hidden failure is told as it is."""
    from autograder.checks.declaration import ProblemSetChecks  # (here only: a check made for this test)
    from autograder.checks.probe import Probe

    sigmoid = ProblemSetChecks("ps4_bernoulli").function("sigmoid")
    check = sigmoid.check("stability", summary="tails.", atol=0.0, why_reference="a test's own check.", probes=(
        Probe("a hidden tail", (np.array([-50.0, -60.0]),)),
        Probe("z = 1 (fine)", (np.array([1.0]),), public=True),
        Probe("the public tail [-40.0]", (np.array([-40.0]),), public=True),
    ))
    found = evaluate(check, LocalTarget({"sigmoid": _saturated_at_1e13}))
    assert not found.passed and not found.hint
    assert "the public tail [-40.0]" in found.message and "where your function returned 1e-13" in found.message
    assert "a hidden tail" not in found.message

    def raises_there(z):  # fails the public probe in another way
        if np.any(np.asarray(z) == -40.0):
            raise ValueError("no")
        return _saturated_at_1e13(z)

    other = evaluate(check, LocalTarget({"sigmoid": raises_there}))
    assert "a hidden tail" in other.message and "the public tail" not in other.message


def test_a_relative_error_is_told_as_its_nearest_power_of_ten():
    """An error of 99 % is "of order 1e+00", not the floor's "1e-01" (a student would read that as nearly right)."""
    for got, said in ((1e-4, "1e+00"), (0.7e-2, "1e-01"), (1.002e-2, "1e-03"), (1.2, "1e+02")):
        kind, detail = compare(np.array([got]), np.array([1.0e-2]), 1e-10, 0.0, reveal=False)
        assert kind == "value" and f"the relative error is of order {said}" in detail, (got, detail)


def test_a_hidden_probe_says_nan_where_an_infinity_was_expected_and_nan_came():
    """A slice of only -inf on a hidden probe: "got another value there" left a student to guess whether the result
    was finite; nan is no number of the input's, so it is said (a finite value stays unsaid)."""
    nan = compare(np.array([np.nan, 1.0]), np.array([-np.inf, 1.0]), 1e-10, 0.0, reveal=False)[1]
    assert nan == "expected an infinite value in some entries, got nan there", nan
    finite = compare(np.array([-700.0, 1.0]), np.array([-np.inf, 1.0]), 1e-10, 0.0, reveal=False)[1]
    assert finite == "expected an infinite value in some entries, got another value there", finite


def test_a_value_near_the_correct_one_is_shown_with_the_digits_that_tell_them_apart():
    """A variance with 1e-6 added returned 2.00000025 where 2 is right, and was shown as "returned 2": nothing a
    student could see was wrong. Within 1e-5 of the correct value it is shown with every digit its float needs."""
    near = compare(np.array(2.00000025), np.array(2.0), 1e-10, 0.0)[1]
    assert near.endswith("where your function returned 2.00000025"), near
    far = compare(np.array(2.5), np.array(2.0), 1e-10, 0.0)[1]
    assert far.endswith("where your function returned 2.5"), far


def test_one_number_is_told_as_the_value_and_an_array_by_its_entries():
    """A result of one number has no "entries" to count, and no "largest" error among one."""
    one = compare(np.array(5.0), np.array(1.0), 1e-10, 0.0)[1]
    assert one.startswith("the value differs from the correct result; the relative error is 4"), one
    hidden = compare(np.array(5.0), np.array(1.0), 1e-10, 0.0, reveal=False)[1]
    assert hidden.startswith("the value differs from the correct result; the relative error is of order"), hidden
    assert compare(np.array(np.nan), np.array(1.0), 1e-10, 0.0)[1] == "got nan where the result is finite"
    many = compare(np.array([5.0, 1.0]), np.array([1.0, 1.0]), 1e-10, 0.0)[1]
    assert many.startswith("1 of 2 entries differ from the correct result; the largest relative error is 4"), many


def test_an_expected_nan_is_called_nan_not_an_infinite_value():
    """A relation's expected value can be nan (it comes from the function's own nan result, e.g. 0·log 0 in a loss
    at y = 0): the message said "expected an infinite value" there; it names what was expected, hidden or shown."""
    for reveal in (True, False):
        kind, detail = compare(np.array([1.0, 0.5]), np.array([1.0, np.nan]), 1e-10, 0.0, reveal=reveal)
        assert kind == "nonfinite" and "expected nan" in detail and "infinite" not in detail, detail
        kind, detail = compare(np.array([1.0, 0.5]), np.array([1.0, -np.inf]), 1e-10, 0.0, reveal=reveal)
        assert kind == "nonfinite" and "expected an infinite value" in detail, detail


def _mvn_kl_inv_det(mu1, cov1, mu2, cov2):
    mu1, cov1, mu2, cov2 = (np.asarray(a, dtype=float) for a in (mu1, cov1, mu2, cov2))
    inv2, d = np.linalg.inv(cov2), mu2 - mu1
    return 0.5 * (np.trace(inv2 @ cov1) + d @ inv2 @ d - len(mu1) + np.log(np.linalg.det(cov2) / np.linalg.det(cov1)))


def test_a_large_array_in_the_input_line_is_summarised_so_the_whole_call_is_shown():
    """A D = 300 input written out in full took a real KL's message past its length bound, cut inside the first
    argument; NumPy's summary (first and last entries, the shape) shows every argument of the call (the visible
    example is D = 200 now: issue 85)."""
    result = evaluate(checks_for("ps5_gaussian_kl")["mvn_kl-highdim"], LocalTarget({"mvn_kl": _mvn_kl_inv_det}))
    line = result.message.split(" Input: ", 1)[1]
    assert not result.passed and line.startswith("mvn_kl(np.full((200,), 0.0), array([") and line.endswith(").")
    assert line.count("np.full((200,), ") == 2 and line.count("shape=(200, 200)") == 2 and len(line) < 2000, line


def test_an_array_of_several_axes_is_one_line_of_the_input_line_that_python_reads_back():
    """NumPy writes a 2-D array's rows on lines of their own, and a 3-D one's blocks apart by blank lines: the Input:
    line joins them, and what it shows is still the call, as Python reads it."""
    z = np.arange(12.0).reshape(2, 3, 2)
    line = call_text("softmax", (z, np.ones((2, 3))), {"axis": 0})
    assert "\n" not in line and "]], [[" in line and "], [" in line, line
    args = eval(line.replace("softmax(", "(", 1).replace(", axis=0)", ")"), {"array": np.array, "np": np})  # (ours)
    np.testing.assert_array_equal(args[0], z)
    big = call_text("mvn_kl", (np.arange(900.0).reshape(30, 30),), {})
    assert "\n" not in big and "shape=(30, 30)" in big, big


def test_an_array_of_one_number_throughout_is_shown_as_the_np_full_that_makes_it():
    """np.full((2, 3, 4), 1/3) was written out as 24 entries of 0.3333333333333333 (twice for a divergence): it is
    shown as the np.full call, which makes the same array bit for bit; -0.0 beside 0.0, or nan, is not one number."""
    line = call_text("entropy", (np.full((2, 3, 4), 1 / 3),), {"axis": 1})
    assert line == "entropy(np.full((2, 3, 4), 0.3333333333333333), axis=1)", line
    made = eval(line.replace("entropy(", "(", 1).replace(", axis=1)", ",)"), {"np": np})[0]  # (our own text)
    assert made.dtype == np.float64 and np.array_equal(made, np.full((2, 3, 4), 1 / 3))
    assert call_text("f", (np.array([0.0, -0.0]),), {}) == "f(array([0., -0.]))"
    assert "np.full" not in call_text("f", (np.array([np.nan, np.nan]),), {})
    assert call_text("f", (np.ones(3, dtype=int),), {}) == "f(array([1, 1, 1]))"


def test_the_input_line_shows_every_digit_two_nearly_equal_inputs_need():
    """Two distributions 1e-10 apart were shown as the same 8-digit arrays, so the call a student copied was another:
    every float is written with the digits that make it itself, and the columns' alignment spaces are left out."""
    p = np.array([0.25874220637767364, 0.01267213406183382, 0.1903451756766999, 0.5382404838837925])
    q = np.array([0.2587422063807545, 0.01267213407487658, 0.1903451761757995, 0.5382404833685694])
    line = call_text("kl_divergence", (p, q), {})
    args = eval(line.replace("kl_divergence(", "(", 1), {"array": np.array})  # (our own text)
    assert np.array_equal(args[0], p) and np.array_equal(args[1], q), line
    assert call_text("softmax", (np.array([2.0, 1.0, 0.1]),), {}) == "softmax(array([2., 1., 0.1]))"


def _zip_over_mu(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    return float(sum(np.sum(-0.5 * ((xi - mi) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi))
                     for xi, mi in zip(x, mu)))


def test_a_loop_over_a_number_is_told_on_hidden_probes_too():
    """NumPy's "iteration over a 0-d array" names no input, so a hidden probe shows it, with the hint that names the
    loop over an argument that is one number here (real code zips the points with their means)."""
    result = evaluate(_hidden(checks_for("ps3_gaussian")["gaussian_log_likelihood-tails"]),
                      LocalTarget({"gaussian_log_likelihood": _zip_over_mu}))
    assert "raised TypeError: iteration over a 0-d array." in result.message, result.message
    assert result.hint.startswith("The code loops over an argument"), result.hint


def test_a_relations_nan_is_said_to_come_from_the_functions_own_results_and_numbers_are_plain():
    """A BCE that takes the log of the label gives nan at y = 0 and 1, so the soft-label relation derives nan from it:
    "expected nan, got np.float64(0.61…)" read as if the answer were nan, in NumPy's repr. Now the relation's nan is
    said to be what the function's own results give, and the number is written as a number."""
    against = "what your function's own results on the related calls give through the relation"
    kind, detail = compare(np.array([0.6108643020548935]), np.array([np.nan]), 1e-10, 0.0, against=against)
    assert kind == "nonfinite" and detail == f"{against} is nan (at index (0,)), and this call gave 0.610864", detail
    kind, detail = compare(np.array([56.8714801442912]), np.array([np.inf]), 1e-10, 0.0)
    assert kind == "nonfinite" and detail == "expected an infinite value (at index (0,)), got 56.8715", detail


def test_what_the_gaussian_sets_allow_is_said_one_way():
    """ps3 and ps5 forbid SciPy's Gaussians and name the linear-algebra building blocks they allow in one phrase (the
    notebook's 'What you may use' and a forbidden use's message read it)."""
    assert ps3_gaussian.PS.allowed == ("NumPy and the linear-algebra building blocks np.linalg.cholesky, "
                                       "scipy.linalg.solve_triangular, cho_factor and cho_solve")
    assert ps5_gaussian_kl.PS.allowed == ("NumPy and the linear-algebra building blocks np.linalg.cholesky, slogdet, "
                                          "scipy.linalg.solve_triangular and cho_solve")
    assert linear_algebra_allowed("a", "b", "c") == "NumPy and the linear-algebra building blocks a, b and c"
    with pytest.raises(ValueError, match="names: expected two or more"):
        linear_algebra_allowed("np.linalg.cholesky")
