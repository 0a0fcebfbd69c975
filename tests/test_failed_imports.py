"""perimeter/child_runtime/failed_imports.py: an import at a cell's top level that fails skips itself, not the rest of the cell."""

from __future__ import annotations

import ast

import pytest

from autograder.perimeter.child_runtime import failed_imports
from autograder.perimeter.child_runtime.failed_imports import SkipFailedImports
from autograder.reading import cells


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


def shell_run(cell: str):
    """``cell`` run by a real IPython shell with the transformer, as the children's shell runs it (child.make_shell)."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.ast_transformers[:] = [SkipFailedImports()]
    shell.user_ns.pop("after", None)
    return shell, shell.run_cell(cell, silent=True)


def test_an_extension_that_is_not_installed_and_its_magic_skip_themselves():
    """PyMC's examples open with `%load_ext watermark` and `%watermark -v -p numpy`: where watermark is not installed
    both lines raised (ModuleNotFoundError, then UsageError) and stopped the cell; now they are skipped."""
    shell, result = shell_run("%load_ext no_such_extension_here\n%no_such_magic_here -v -p numpy\nafter = 2\n")
    assert result.error_in_exec is None and shell.user_ns["after"] == 2
    tree = SkipFailedImports().visit(ast.parse(shell.transform_cell("%load_ext x\n%watermark -v\n%time y = 1\n")))
    assert [type(s).__name__ for s in tree.body] == ["Try", "If", "If"]


def test_a_magic_the_shell_has_runs_as_written_errors_included():
    shell, result = shell_run("%timeit -n 1 -r 1 pass\nafter = 2\n")
    assert result.error_in_exec is None and shell.user_ns["after"] == 2
    shell, result = shell_run("%timeit -n 1 -r 1 1 / 0\nafter = 2\n")  # (its error stops the cell, as in Jupyter)
    assert isinstance(result.error_in_exec, ZeroDivisionError) and "after" not in shell.user_ns
    shell, result = shell_run("x = %no_such_magic_here\nafter = 2\n")  # (not a line of its own: left alone)
    assert result.error_in_exec is not None and "after" not in shell.user_ns
    shell, result = shell_run("%%no_such_cell_magic_here\nafter = 2\n")  # (a cell magic: the cell is its own)
    assert result.error_in_exec is not None and "after" not in shell.user_ns


def test_the_extension_magics_are_the_readings():
    """The sandbox may not import the reading (tests/test_layers.py): its copy of the magics that load an extension
    is held to the reading's, which reads them as imports."""
    assert set(failed_imports.EXTENSION_MAGICS) == cells.EXTENSION_MAGICS
