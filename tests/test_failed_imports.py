"""sandbox/failed_imports.py: an import at a cell's top level that fails skips itself, not the rest of the cell."""

from __future__ import annotations

import ast

import pytest

from autograder.sandbox.failed_imports import SkipFailedImports


def run(source: str) -> dict:
    """``source`` run as a cell is, through the transformer (as IPython's shell does with its ast_transformers)."""
    tree = SkipFailedImports().visit(ast.parse(source))
    namespace: dict = {}
    exec(compile(tree, "<cell>", "exec"), namespace)
    return namespace


def test_a_missing_module_is_skipped_and_the_rest_of_the_cell_runs():
    ns = run("import no_such_module_here\nfrom no_such_module_here import x\nimport math\ny = math.sqrt(4)\n")
    assert ns["y"] == 2.0 and "no_such_module_here" not in ns and "x" not in ns


def test_a_later_use_of_what_it_would_bind_still_fails_where_it_stands():
    with pytest.raises(NameError):
        run("import no_such_module_here\nz = no_such_module_here.f()\n")


def test_future_imports_blocks_and_the_students_own_handling_are_left_alone():
    source = ("from __future__ import annotations\nif True:\n    import no_such_module_here\n")
    with pytest.raises(ModuleNotFoundError):  # (inside a block: the student's code, as written)
        run(source)
    tree = SkipFailedImports().visit(ast.parse(source))
    assert isinstance(tree.body[0], ast.ImportFrom), "a __future__ import must stay first"
    ns = run("try:\n    import no_such_module_here as m\nexcept ImportError:\n    m = None\n")
    assert ns["m"] is None


def test_an_error_other_than_a_failed_import_still_stops_the_cell():
    with pytest.raises(ZeroDivisionError):
        run("import math\nx = 1 / 0\ny = 2\n")
