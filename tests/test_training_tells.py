"""Training that tells, in ps4 and ps6: the typical mistakes of a trained function change what the cell shows.

The training cells of ps4 (``sigmoid``, ``binary_cross_entropy_with_logits``) and ps6
(``map_linear_regression``) print each number as ``… yours: <number>  correct functions: <number>`` and
mark a number of the student's that differs with ``<- differs`` (``testkit.training_tells.DIFFERS``). Here,
with the zoo's implementations swapped in (``testkit.training_tells.run_training``):

* **every route the task allows trains** and prints exactly what the reference prints: the zoo's correct
  implementations (for ``map_linear_regression``: ``lstsq`` of the stacked system, Cholesky, ``np.linalg.solve``
  of the normal equations, even ``inv``), and the mistakes that only skip validation (a training cell passes
  valid input);
* **each typical mistake tells**: every zoo implementation whose *values* are wrong (a mistake in the code,
  not a stub or a forbidden library call, that loses a cell other than ``-errors`` and ``-purity``: this is
  stricter than ``testkit.training_tells.values_differ``, which exempts mistakes the training's inputs do not
  reach; the few it cannot reach are named with the reason in ``UNSEEN_BY_TRAINING``) makes the cell mark a
  number ``<- differs`` or stop with an error. (A mistake that loses only a
  ``-purity`` cell is neither: a function that modifies its input may change what the cell computes next.)
* ps6's design has full column rank (so "no prior" is one least-squares fit, which every route finds).
"""

from __future__ import annotations

import importlib
import re

import pytest

from autograder.checks.by_name import declarations_for
from autograder.model.course import GRADE_CELLS, source_notebook
from autograder.perimeter.guard.forbidden_walk import forbidden_uses
from testkit.training_tells import run_training, tells
from testkit.zoo import zoo

#: Problem set -> the functions its training cell trains with, whose typical mistakes it must show.
TELLING = {
    "ps4_bernoulli": ("sigmoid", "binary_cross_entropy_with_logits"),
    "ps6_information": ("map_linear_regression",),
}
#: Value mistakes the training's inputs cannot show, each with why (its cells are judged on other inputs).
UNSEEN_BY_TRAINING = {
    "ps4-logits-hard-labels-only": "a mistake of soft labels: the training's labels are all 0 or 1, where a branch "
                                   "on y == 1 is the loss itself",
    "ps4-sigmoid-naive-silenced": "a mistake below z = -709 only, where the training's logits never go: the overflow "
                                  "warning the cell would show there is silenced",
}
#: Aspects whose cells do not judge values.
NOT_VALUES = ("-errors", "-purity")
CASES = [(ps, fn) for ps, fns in TELLING.items() for fn in fns]


def mistake_specimens(ps: str, function: str) -> list:
    """``(specimen, cells lost)`` for each wrong zoo implementation of ``function`` that is a mistake in the code:
    not a stub or the template (no hint, or unlisted in ``LOSES``), not a forbidden library call (the grader's own
    finder, on the specimen exec'd alone)."""
    loses = importlib.import_module(f"testkit.zoo.{ps}").LOSES
    forbidden = declarations_for(ps)[function].forbidden
    order = [gid for gid, _ in GRADE_CELLS[ps]]
    out = []
    for specimen in zoo(ps):
        if specimen.function != function or specimen.correct or not specimen.hint or specimen.name not in loses:
            continue
        namespace = {"__name__": "__zoo__"}
        exec(compile(specimen.source, f"<zoo {specimen.name}>", "exec"), namespace)  # trusted: the course's own zoo
        if not forbidden_uses(namespace[function], forbidden):
            out.append((specimen, sorted(loses[specimen.name], key=order.index)))
    return out


def typical_mistakes(ps: str, function: str) -> list:
    """The zoo's mistakes of ``function`` that lose a cell judging values."""
    return [specimen for specimen, cells in mistake_specimens(ps, function)
            if any(not cell.endswith(NOT_VALUES) for cell in cells) and specimen.name not in UNSEEN_BY_TRAINING]


def same_values(ps: str, function: str) -> list:
    """The zoo's correct implementations of ``function``, and its mistakes that lose only ``-errors`` cells."""
    errors_only = {s.name for s, cells in mistake_specimens(ps, function)
                   if all(cell.endswith("-errors") for cell in cells)}
    return [s for s in zoo(ps) if s.function == function and (s.correct or s.name in errors_only)]


@pytest.mark.parametrize(("ps", "function"), CASES)
def test_every_route_the_task_allows_shows_what_the_reference_shows(ps, function, tmp_path):
    reference = run_training(source_notebook(ps), tmp_path)
    assert "yours: " in reference and not tells(reference), reference
    routes = same_values(ps, function)
    assert len(routes) >= 3, [s.name for s in routes]
    for specimen in routes:
        shown = run_training(source_notebook(ps), tmp_path, solutions={function: specimen.source})
        assert shown == reference, f"{specimen.name}:\n{shown}"


@pytest.mark.parametrize(("ps", "function"), CASES)
def test_each_typical_mistake_changes_what_the_training_cell_shows(ps, function, tmp_path):
    mistakes = typical_mistakes(ps, function)
    assert len(mistakes) >= 5, [s.name for s in mistakes]
    hidden = [s.name for s in mistakes
              if not tells(run_training(source_notebook(ps), tmp_path, solutions={function: s.source}))]
    assert not hidden, f"{ps}: the training cell shows nothing wrong with {hidden}"


def test_a_mistake_set_aside_as_unseen_is_a_value_mistake_of_a_trained_function():
    known = {s.name for ps, fn in CASES for s, cells in mistake_specimens(ps, fn)
             if any(not cell.endswith(NOT_VALUES) for cell in cells)}
    assert set(UNSEEN_BY_TRAINING) <= known, set(UNSEEN_BY_TRAINING) - known


def test_the_map_training_has_one_least_squares_fit(tmp_path):
    """With all 64 pixels and a 1 the 100 training digits gave rank 54 of 65 (blank pixels, and pixels inked in
    one digit only): many least-squares fits, and LinAlgError for np.linalg.solve. The cell's design has full
    column rank and a small condition number (computed there with np.linalg.matrix_rank and np.linalg.cond)."""
    printed = run_training(source_notebook("ps6_information"), tmp_path)
    rows, columns, rank, condition = map(int, re.search(
        r"X\[train\]: (\d+) digits x (\d+) columns, rank (\d+), condition number (\d+)\n", printed).groups())
    assert (rows, rank) == (100, columns) and condition < 1000, printed


#: ps4 trains with the student's own gradient (the ungraded ``logit_gradient`` cell): its typical mistakes.
WRONG_GRADIENTS = {
    "the sign flipped (y - sigma(z))": "return (np.asarray(y, float) - sigmoid(z)) / np.size(z)",
    "the 1/N of the mean forgotten": "return sigmoid(z) - np.asarray(y, float)",
    "the squared error's gradient": "s = sigmoid(z)\n    return 2 * (s - np.asarray(y, float)) * s * (1 - s) / np.size(z)",
    "through sigma'(z) only": "s = sigmoid(z)\n    return s * (1 - s) / np.size(z)",
}


@pytest.mark.parametrize("mistake", list(WRONG_GRADIENTS), ids=list(WRONG_GRADIENTS))
def test_a_wrong_gradient_shows_in_the_ps4_training(mistake, tmp_path):
    source = f"import numpy as np\n\ndef logit_gradient(z, y):\n    {WRONG_GRADIENTS[mistake]}\n"
    shown = run_training(source_notebook("ps4_bernoulli"), tmp_path, solutions={"logit_gradient": source})
    assert tells(shown), f"the training cell shows nothing wrong with a gradient with {mistake}:\n{shown}"


def test_the_ps4_training_steps_with_the_students_gradient(tmp_path):
    """The template's gradient (still `raise NotImplementedError`) stops the training, which says which function."""
    template = "def logit_gradient(z, y):\n    raise NotImplementedError()\n"
    shown = run_training(source_notebook("ps4_bernoulli"), tmp_path, solutions={"logit_gradient": template})
    assert "`logit_gradient`" in shown and "still the template" in shown, shown
