"""The Examples of the references' docstrings run, and say what they say (numpydoc, as scipy's ``_logsumexp.py``).

A reference may be tested by its docstring's examples (``>>>`` lines, each value from a closed form or mpmath, said
beside it) instead of, or besides, ``tests/test_solutions_<psN>.py`` (``tests/declared.py`` accepts either): this
test runs every such example, with ``np`` in scope.
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

from autograder.model.course import PROBLEM_SETS


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_example_of_a_reference_gives_what_it_shows(ps):
    module = importlib.import_module(f"solutions.{ps}")
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(module, globs={**vars(module), "np": np}):
        runner.run(test, out=lambda text: None)
    failed, tried = runner.summarize(verbose=False)
    assert failed == 0, f"solutions/{ps}.py: {failed} of {tried} examples give something else (run python -m doctest)"


def test_a_wrong_example_is_caught():
    def example():
        """
        >>> 1 + 1
        3
        """

    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder().find(example, "example", globs={}):
        runner.run(test, out=lambda text: None)
    assert runner.summarize(verbose=False).failed == 1
