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
"""

from __future__ import annotations

import ast


class SkipFailedImports(ast.NodeTransformer):
    """The transformer (an ``ast.NodeTransformer``, as IPython's ``InteractiveShell.ast_transformers`` take)."""

    def visit_Module(self, node: ast.Module) -> ast.Module:
        node.body = [_guarded(statement) for statement in node.body]
        return node


def _guarded(statement: ast.stmt) -> ast.stmt:
    """``statement`` inside ``try: … except ImportError: pass`` when it is an import (not of ``__future__``)."""
    if not isinstance(statement, (ast.Import, ast.ImportFrom)) or (
            isinstance(statement, ast.ImportFrom) and statement.module == "__future__"):
        return statement
    handler = ast.ExceptHandler(type=ast.Name("ImportError", ast.Load()), name=None, body=[ast.Pass()])
    guarded = ast.Try(body=[statement], handlers=[handler], orelse=[], finalbody=[])
    return ast.fix_missing_locations(ast.copy_location(guarded, statement))
