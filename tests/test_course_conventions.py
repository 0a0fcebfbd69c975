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
    """The engine runs neither lesson cells (fig-, demo-) nor the self-check import, nor a graded cell's
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
