"""Conventions the grading engine relies on, checked on the real source notebooks."""

import ast

import nbformat
import pytest

from autograder.model.course import PROBLEM_SETS, grader_skips, is_lesson_cell, source_notebook


def _tree(source):
    # IPython magics and shell escapes are not Python; they define nothing.
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines))


def _defined(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _used(tree):
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_cells_the_grader_skips_define_nothing_that_graded_code_uses(ps):
    """The engine runs neither lesson cells (fig-, demo-) nor the set-up and data cells, nor a graded cell's
    visible asserts (only its check, from the trusted side): no solution cell or locked cell it runs may
    need a name that only those cells define."""
    nb = nbformat.read(source_notebook(ps), as_version=4)
    skipped, other = set(), set()
    defined_elsewhere = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        tree = _tree(cell.source)
        if grader_skips(meta.get("grade_id")):
            skipped |= _defined(tree)
        elif meta.get("solution") or (meta.get("locked") and not meta.get("grade")):
            other |= _used(tree)
            defined_elsewhere |= _defined(tree)
    needed = (skipped & other) - defined_elsewhere
    assert not needed, f"{ps}: cells the engine runs use names defined only in cells it skips: {sorted(needed)}"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_lesson_cell_is_locked_and_not_graded(ps):
    nb = nbformat.read(source_notebook(ps), as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if is_lesson_cell(meta.get("grade_id")):
            assert meta.get("locked") and not meta.get("grade") and not meta.get("solution"), meta["grade_id"]


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_answer_cells_are_markdown_derivations_of_the_problem_sets_functions(ps):
    """A manually graded answer cell (solution + grade): markdown, points, no hidden check, not locked, and a
    grade_id ``<function>-<aspect>`` of a function the problem set asks for (its feedback sits with it)."""
    from autograder.model.course import ANSWER_CELLS, FUNCTIONS, function_of, is_answer_cell

    nb = nbformat.read(source_notebook(ps), as_version=4)
    answers = [c for c in nb.cells if is_answer_cell(c.metadata.get("nbgrader", {}))]
    assert [(c.metadata.nbgrader.grade_id, c.metadata.nbgrader.points) for c in answers] == list(ANSWER_CELLS[ps])
    for cell in answers:
        meta = cell.metadata.nbgrader
        assert cell.cell_type == "markdown" and not meta.get("locked"), meta.grade_id
        assert float(meta.points) > 0 and "run_check" not in cell.source and "HIDDEN TESTS" not in cell.source
        assert function_of(meta.grade_id) in FUNCTIONS[ps], f"{meta.grade_id}: not <function>-<aspect>"
        assert cell.source.strip(), f"{meta.grade_id}: the source holds the model answer (the release clears it)"


def test_the_release_stub_of_an_answer_is_the_one_the_grader_knows():
    """nbgrader's release writes ClearSolutions.text_stub into an answer cell; a blank answer is that text."""
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.model.course import ANSWER_STUB, ROOT, is_blank_answer

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert config.ClearSolutions.text_stub == ANSWER_STUB
    assert is_blank_answer(f"\n{ANSWER_STUB}\n") and is_blank_answer("  ") and not is_blank_answer("p - t")
