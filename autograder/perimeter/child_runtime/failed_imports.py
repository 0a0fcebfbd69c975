"""An import that fails where the notebook is graded skips its own statement, not the rest of its cell.

A cell's top-level ``import torch`` — a framework every problem set forbids, which the grading environment need
not install and refuses while grading (:mod:`.guard`) — raised ImportError there and stopped the cell, so a function
the cell went on to define was never defined: 0 on all its cells, though it used no such module and ran in the
student's own Colab, where torch is installed. The contract takes points from a function that *uses* a forbidden
module, not from one that shares a cell with its import.

IPython runs each cell's tree through the shell's ``ast_transformers``; :class:`SkipFailedImports` wraps every
import statement at a cell's top level in ``try: … except ImportError: pass``. The names such an import would bind
stay unbound (a later use raises NameError where it stands), and the rest of the cell runs. A ``from __future__``
import stays as it is (it must come first); imports inside blocks and functions, and the student's own
``try``/``except`` around one, are left alone.

An IPython extension is an import too, and its magics come with it: ``%load_ext watermark`` then ``%watermark -v
-p numpy`` (PyMC's examples open so) stopped their cell where watermark is not installed. A top-level
``%load_ext``/``%reload_ext`` line is guarded as an import is, and a top-level line magic the shell does not have
when the line runs (IPython raises UsageError and runs nothing) is skipped: ``if get_ipython().find_line_magic(name)
is not None:`` around the line IPython wrote for it. A magic the shell has runs as written, errors and all; cell
magics (``%%cython``: the whole cell is the magic's) are left alone.
"""

from __future__ import annotations

import ast

#: The magics that load an extension by its module's name: their line fails as the module's import fails.
EXTENSION_MAGICS = ("load_ext", "reload_ext")


class SkipFailedImports(ast.NodeTransformer):
    """The transformer (an ``ast.NodeTransformer``, as IPython's ``InteractiveShell.ast_transformers`` take)."""

    def visit_Module(self, node: ast.Module) -> ast.Module:
        node.body = [_guarded(statement) for statement in node.body]
        return node


def _guarded(statement: ast.stmt) -> ast.stmt:
    """``statement`` inside ``try: … except ImportError: pass`` when it is an import (not of ``__future__``) or
    loads an extension; inside ``if <the shell has the magic>:`` when it is another line magic; else as it is."""
    magic = _line_magic(statement)
    if magic is not None and magic[1] not in EXTENSION_MAGICS:
        shell, name = magic
        has_it = ast.Compare(ast.Call(ast.Attribute(shell, "find_line_magic", ast.Load()), [ast.Constant(name)], []),
                             [ast.IsNot()], [ast.Constant(None)])
        guarded: ast.stmt = ast.If(test=has_it, body=[statement], orelse=[])
    elif magic is not None or (isinstance(statement, (ast.Import, ast.ImportFrom)) and not (
            isinstance(statement, ast.ImportFrom) and statement.module == "__future__")):
        handler = ast.ExceptHandler(type=ast.Name("ImportError", ast.Load()), name=None, body=[ast.Pass()])
        guarded = ast.Try(body=[statement], handlers=[handler], orelse=[], finalbody=[])
    else:
        return statement
    return ast.fix_missing_locations(ast.copy_location(guarded, statement))


def _line_magic(statement: ast.stmt) -> tuple[ast.expr, str] | None:
    """``(get_ipython(), name)`` when ``statement`` is the line IPython writes for ``%name …`` on a line of its own,
    ``get_ipython().run_line_magic('name', '…')``; else None."""
    call = statement.value if isinstance(statement, ast.Expr) else None
    if not isinstance(call, ast.Call) or not call.args or not isinstance(call.func, ast.Attribute):
        return None
    shell, name = call.func.value, call.args[0]
    if (call.func.attr == "run_line_magic" and isinstance(shell, ast.Call) and isinstance(shell.func, ast.Name)
            and shell.func.id == "get_ipython" and not shell.args and not shell.keywords
            and isinstance(name, ast.Constant) and isinstance(name.value, str)):
        return ast.Call(ast.Name("get_ipython", ast.Load()), [], []), name.value
    return None
