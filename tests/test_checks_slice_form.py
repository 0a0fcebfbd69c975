"""A stack of slices handed over one slice at a time (autograder/checks/slice_form.py).

The cutting and joining are checked against NumPy's own reductions and ``scipy.special``'s functions (the reference
values of a stack are those of its slices, by the contract's definition of ``axis``); the grading consequences (which
cells a function written for one slice keeps) are the zoo's (``tests/test_zoo.py``: ``ps6-entropy-flat-sum``,
``softmax-sum-without-keepdims``, and ``softmax-global-max``, which the slice form must not forgive).
"""

import numpy as np
import pytest
from scipy import special

from autograder.checks.by_name import checks_for
from autograder.checks.evaluate import LocalTarget, evaluate
from autograder.checks.slice_form import MAX_SLICES, STACK_CELLS, WAYS, SlicedTarget, SliceForm, cut

ONE_SLICE = """
import math
import numpy as np

def logsumexp(z, axis=-1):
    if np.ndim(z) != 1:
        raise ValueError("z: one 1-D slice only")
    m = max(z)
    return m + math.log(sum(math.exp(v - m) for v in z))

def softmax(z, axis=-1, temperature=1.0):
    z = np.asarray(z, dtype=float)
    if z.ndim != 1:
        raise ValueError("z: one 1-D slice only")
    e = np.exp((z - z.max()) / temperature)
    return e / e.sum()

def kl_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return float(np.sum(p * np.log(p / q)))

def flagged(z, axis=-1):
    z = np.asarray(z, dtype=float)
    if z[0] < 0:
        raise ValueError("z: a negative first entry")
    np.seterr(all="warn")
    return float(np.log(np.exp(z).sum()))

def list_softmax(z, axis=-1):
    z = list(z)
    m = max(z)
    e = [math.exp(v - m) for v in z]
    return [v / sum(e) for v in e]

def rows_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)

def rows_logsumexp(z, axis=-1):
    m = np.max(z, axis=1, keepdims=True)
    return m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))

def squash_in_place(z, axis=-1):
    z *= 0.5
    return z

def bce_one_slice(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if p.ndim != 1:
        raise ValueError("p: one 1-D slice only")
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))

def bce_row_layout(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    n, m = y.shape
    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p), axis=1)

def bce_per_element(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return -(y * np.log(p) + (1 - y) * np.log1p(-p))
"""


@pytest.fixture
def target():
    namespace = {"__name__": "__main__"}
    exec(compile(ONE_SLICE, "<one slice>", "exec"), namespace)
    return LocalTarget(namespace)


def test_a_2d_stack_is_cut_into_its_rows_along_the_default_axis():
    z = np.arange(6.0).reshape(2, 3)
    plan = cut((z,), {}, SliceForm())
    assert [list(args[0]) for args in plan.calls] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert plan.kwargs == {} and plan.batch == (2,)


def test_an_axis_is_cut_along_and_given_as_minus_1():
    z = np.arange(24.0).reshape(2, 3, 4)
    plan = cut((z,), {"axis": 1}, SliceForm())
    assert len(plan.calls) == 8 and plan.kwargs == {"axis": -1} and plan.batch == (2, 4)
    # C order over the other axes: (0, :, 0), (0, :, 1), …
    np.testing.assert_array_equal(plan.calls[1][0], z[0, :, 1])


def test_a_nested_list_is_cut_into_lists_along_its_last_axis_and_into_arrays_across():
    rows = [[1.0, 2.0], [3.0, 4.0]]
    along = cut((rows,), {}, SliceForm())
    assert [args[0] for args in along.calls] == [[1.0, 2.0], [3.0, 4.0]]
    assert all(type(args[0]) is list for args in along.calls)
    across = cut((rows,), {"axis": 0}, SliceForm())
    assert [list(args[0]) for args in across.calls] == [[1.0, 3.0], [2.0, 4.0]]


def test_two_stacks_are_cut_together_and_the_other_arguments_are_kept():
    p, q = np.full((2, 2), 0.5), np.array([[0.9, 0.1], [0.2, 0.8]])
    plan = cut((p, q, "kept"), {}, SliceForm(arrays=2))
    assert [(list(a), list(b), c) for a, b, c in plan.calls] == [([0.5, 0.5], [0.9, 0.1], "kept"),
                                                                ([0.5, 0.5], [0.2, 0.8], "kept")]


def test_every_way_is_named_and_no_other():
    assert set(WAYS) == {"slices", "rows"}
    with pytest.raises(ValueError, match="way"):
        cut((np.ones((2, 2)),), {}, SliceForm(), "columns")


def test_as_rows_a_stack_is_one_2d_array_of_its_slices_and_a_1d_input_one_row():
    z = np.arange(24.0).reshape(2, 3, 4)
    plan = cut((z,), {"axis": 1}, SliceForm(), "rows")
    assert len(plan.calls) == 1 and plan.kwargs == {"axis": -1}
    np.testing.assert_array_equal(plan.calls[0][0], np.moveaxis(z, 1, -1).reshape(8, 3))
    assert cut(([1.0, 2.0],), {}, SliceForm(), "rows").calls == (([[1.0, 2.0]],),)
    assert cut((np.ones((2, 3)),), {}, SliceForm(), "rows") is None  # its rows already: the same call


@pytest.mark.parametrize("args, kwargs, form", [
    ((np.ones(3),), {}, SliceForm()),                                   # one slice already
    ((np.ones((2, 3)),), {"axis": 2}, SliceForm()),                     # not an axis of the input
    ((np.ones((2, 3)),), {"axis": 1.0}, SliceForm()),                   # not an integer
    ((np.ones((2, 3)),), {"axis": True}, SliceForm()),                  # a bool is no axis
    ((np.ones((2, 3)), np.ones(3)), {}, SliceForm(arrays=2)),           # stacks of different shapes
    ((np.ones((2, 0)),), {}, SliceForm()),                              # empty slices
    ((np.ones((MAX_SLICES + 1, 2)),), {}, SliceForm()),                 # too many slices
    ((["a", "b"],), {}, SliceForm()),                                   # not numbers
])
def test_a_call_that_cannot_be_cut_is_made_as_it_stands(args, kwargs, form):
    assert cut(args, kwargs, form) is None


def test_the_largest_stack_is_cut():
    assert len(cut((np.ones((MAX_SLICES, 2)),), {}, SliceForm()).calls) == MAX_SLICES


def test_one_slice_code_gives_the_stacks_results(target):
    """Joined as the contract's function would give them: scipy.special on the whole stack is the reference."""
    z = np.random.default_rng(7).normal(size=(2, 3, 4))
    sliced = SlicedTarget(target, SliceForm(reduces=True))
    for axis in (0, 1, 2, -1):
        out = sliced.call("logsumexp", (z,), {"axis": axis})
        assert out.status == "returned"
        np.testing.assert_allclose(out.value, special.logsumexp(z, axis=axis), rtol=1e-13)
    soft = SlicedTarget(target, SliceForm(reduces=False))
    for axis in (0, 1, 2):
        out = soft.call("softmax", (z,), {"axis": axis, "temperature": 2.0})
        np.testing.assert_allclose(out.value, special.softmax(z / 2.0, axis=axis), rtol=1e-13)
    p, q = special.softmax(z, axis=-1), special.softmax(-z, axis=-1)
    out = SlicedTarget(target, SliceForm(arrays=2)).call("kl_divergence", (p, q), {})
    np.testing.assert_allclose(out.value, np.sum(special.rel_entr(p, q), axis=-1), rtol=1e-12)


def test_a_slice_that_raises_stands_for_the_call_and_warnings_are_kept(target):
    sliced = SlicedTarget(target, SliceForm())
    raised = sliced.call("flagged", (np.array([[1.0, 2.0], [-1.0, 0.0]]),), {})
    assert raised.status == "raised" and raised.error_type == "ValueError"
    warned = sliced.call("flagged", (np.array([[1000.0, 0.0], [0.0, 1.0]]),), {})
    assert warned.status == "returned" and any("overflow" in w for w in warned.warnings)


def test_a_write_into_a_slice_is_a_write_into_the_input(target):
    out = SlicedTarget(target, SliceForm(reduces=False)).call("squash_in_place", (np.ones((2, 2)),), {})
    assert out.status == "returned" and out.mutated == ("argument 1",)


def test_a_slice_whose_result_is_not_one_number_fails_the_join(target):
    out = SlicedTarget(target, SliceForm(reduces=True)).call("softmax", (np.ones((2, 3)),), {})
    assert out.status == "returned" and out.value is None and "of shape (3,) for 1 slice" in out.value_type


#: problem set -> {function with a stack: the aspects that judge its stack}
_STACKED = {
    "ps1_softmax": dict.fromkeys(("logsumexp", "softmax", "log_softmax"), STACK_CELLS),
    # (-basic is one point, or one code: a slice, not a stack)
    "ps3_gaussian": {"gaussian_log_likelihood": STACK_CELLS, "mvn_log_pdf": ("batch", "shape")},
    "ps4_bernoulli": dict.fromkeys(("binary_cross_entropy", "binary_cross_entropy_with_logits"), STACK_CELLS),
    "ps5_gaussian_kl": {"vae_kl": ("batch", "shape")},
    "ps6_information": dict.fromkeys(("entropy", "kl_divergence", "js_divergence"), STACK_CELLS),
}


@pytest.mark.parametrize("ps", sorted(_STACKED))
def test_the_cells_that_judge_the_stack_have_no_slice_form_and_the_others_know_them(ps):
    for check in checks_for(ps).values():
        aspect = check.grade_id.rsplit("-", 1)[1]
        cells = _STACKED[ps].get(check.function)
        if cells is None:
            assert check.slice_form is None, check.grade_id
        elif aspect in cells or (aspect == "purity" and ps == "ps4_bernoulli"):  # (their purity: SliceForm.purity)
            assert check.slice_form is None, check.grade_id
        else:
            assert check.slice_form is not None and check.slice_form.cells == cells, check.grade_id
            assert check.stack_cells and {c.grade_id.rsplit("-", 1)[1] for c in check.stack_cells} <= set(cells)


@pytest.mark.parametrize("cells", [(), ["basic"], ("basic", 1)])
def test_a_slice_form_names_its_stack_cells_as_a_tuple_of_aspects(cells):
    with pytest.raises(ValueError, match="cells"):
        SliceForm(cells=cells)


def test_a_function_right_on_every_stack_the_stack_cells_ask_gets_no_second_look():
    """softmax shifted by the whole array's maximum: -basic and -axis pass, so -stability judges it on stacks."""
    namespace = {"__name__": "__main__"}
    exec(compile("""
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=axis, keepdims=True)
""", "<global max>", "exec"), namespace)
    checks = checks_for("ps1_softmax")
    target = LocalTarget(namespace)
    assert evaluate(checks["softmax-basic"], target).passed and evaluate(checks["softmax-axis"], target).passed
    assert not evaluate(checks["softmax-stability"], target).passed


def test_code_for_a_batch_of_rows_gives_the_stacks_results_as_rows(target):
    """A fixed axis=1 with kept dimensions: right as rows, for a 1-D input and along any axis of a 3-D one."""
    z = np.random.default_rng(8).normal(size=(2, 3, 4))
    rows = SlicedTarget(target, SliceForm(reduces=True), "rows")
    np.testing.assert_allclose(rows.call("rows_logsumexp", (z[0, 0],), {}).value, special.logsumexp(z[0, 0]),
                               rtol=1e-13)
    for axis in (0, 1, 2):
        out = rows.call("rows_logsumexp", (z,), {"axis": axis})
        np.testing.assert_allclose(out.value, special.logsumexp(z, axis=axis), rtol=1e-13)
        out = SlicedTarget(target, SliceForm(reduces=False), "rows").call("rows_softmax", (z,), {"axis": axis})
        np.testing.assert_allclose(out.value, special.softmax(z, axis=axis), rtol=1e-13)


def test_slices_whose_results_are_lists_are_joined_as_numbers(target):
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]])
    out = SlicedTarget(target, SliceForm(reduces=False)).call("list_softmax", (z,), {})
    np.testing.assert_allclose(out.value, special.softmax(z, axis=-1), rtol=1e-14)


def test_as_rows_a_1d_input_that_gives_a_result_is_judged_as_it_gave_it(target):
    """Code that branches on the input's axes is judged on its own 1-D branch (a real cs224n softmax: no shift
    for a vector, a shift for rows); only a 1-D call that gives nothing is handed over as one row."""
    namespace = {"__name__": "__main__"}
    exec(compile("""
import numpy as np

def branches(z, axis=-1):
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        return np.exp(z) / np.exp(z).sum()
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
""", "<branches>", "exec"), namespace)
    rows = SlicedTarget(LocalTarget(namespace), SliceForm(reduces=False), "rows")
    with np.errstate(all="ignore"):
        out = rows.call("branches", (np.array([1000.0, 999.0]),), {})
    assert np.isnan(out.value).all() and not rows.cut_last
    out = SlicedTarget(target, SliceForm(reduces=False), "rows").call("rows_softmax", (np.array([1000.0, 999.0]),), {})
    np.testing.assert_allclose(out.value, special.softmax([1000.0, 999.0]), rtol=1e-14)


def test_a_failure_judged_as_rows_shows_the_call_as_it_was_handed_over():
    """A softmax written for a batch of rows (a fixed axis=1, no shift) fails -stability as rows: its Input line is
    the call made, the public 1-D input as one row, which the student can make; the probe's own 1-D call (which
    raises on this code) is not shown as if it had returned."""
    namespace = {"__name__": "__main__"}
    exec(compile("""
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    e = np.exp(np.asarray(z, dtype=float) / temperature)
    return e / np.sum(e, axis=1, keepdims=True)
""", "<rows, no shift>", "exec"), namespace)
    result = evaluate(checks_for("ps1_softmax")["softmax-stability"], LocalTarget(namespace))
    assert not result.passed and WAYS["rows"] in result.message, result.message
    assert "Input, as it was handed over: softmax(array([[" in result.message, result.message
    assert " Input: softmax(array([1" not in result.message, result.message


def test_a_mean_over_every_element_is_the_calls_means_averaged(target):
    """The cross-entropies' one number (SliceForm.mean): a function for one slice, and one for (n, m) rows that keeps a
    mean per row, give the mean over every element of a stack of any shape; per-element results fail the join. The
    reference is the loss written out on the whole stack (its definition: the mean over all elements)."""
    rng = np.random.default_rng(9)
    p, y = rng.uniform(0.05, 0.95, size=(2, 3, 4)), rng.uniform(size=(2, 3, 4))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))
    form = SliceForm(arrays=2, mean=True)
    out = SlicedTarget(target, form).call("bce_one_slice", (p, y), {})
    np.testing.assert_allclose(out.value, expected, rtol=1e-13)
    for stack in ((p, y), (p[0, 0], y[0, 0])):  # (a 1-D input: one row)
        out = SlicedTarget(target, form, "rows").call("bce_row_layout", stack, {})
        np.testing.assert_allclose(out.value, -np.mean(stack[1] * np.log(stack[0]) + (1 - stack[1]) * np.log1p(-stack[0])),
                                   rtol=1e-13)
    odd = SlicedTarget(target, form).call("bce_per_element", (p, y), {})
    assert odd.value is None and "of shape (4,) for 1 slice" in odd.value_type


def test_a_sum_and_a_mean_are_not_one_form():
    with pytest.raises(ValueError, match="total, mean"):
        SliceForm(total=True, mean=True)
