"""A notebook cell as Python: IPython's escapes neutralised, parsed within bounds, trees cached.

Read by the trusted side, never executed: the engine's static analysis
(:mod:`autograder.reading`) and the similarity report
(:mod:`autograder.similarity`) read a submission's cells through
:func:`python_source` and :func:`parse`. Both are linear in the cell's length
but for IPython's own transformer, which only small cells reach
(:data:`MAX_IPYTHON_CHARS`). A parse that fails (a syntax error, a tree too
deep for the parser, no memory) gives ``None``, never an exception; :func:`parse_checked` says which.
"""

from __future__ import annotations

import ast
import re
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from IPython.core.inputtransformer2 import TransformerManager

#: Largest cell given to IPython's transformer when the linear pass is not enough.
MAX_IPYTHON_CHARS = 20_000

_transformer: TransformerManager | None = None
_ESCAPE = re.compile(r"^(\s*)(?:([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*))?[!%]")
_HELP = re.compile(r"^\s*(?:\?{1,2}[\w.]+\??|[\w.]+\?{1,2})\s*$")  # obj?, obj??, ?obj, ??obj: help, runs nothing
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}


def python_source(cell: str) -> str | None:
    """The cell as plain Python with IPython's escapes neutralised, or None when it is not Python.

    ``!cmd`` and ``%magic`` lines become ``pass`` (``x = !ls`` becomes
    ``x = None``), ``obj?`` and ``?obj`` lines ``pass``; a ``%%time``-like cell magic is
    dropped, any other cell magic makes the cell not Python. Linear in the
    cell's length. When that is still not valid Python, a small cell goes
    through IPython's own transformer.
    """
    lines = cell.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = lines[first].lstrip()[2:].split(maxsplit=1)
        if not name or name[0] not in _PYTHON_CELL_MAGICS:
            return None
        lines[first] = ""
    out = []
    continued = False  # (a shell or magic line ending in a backslash goes on on the next line)
    for line in lines:
        m = None if continued else _ESCAPE.match(line)
        if continued:
            out.append("")
        elif m:
            out.append(f"{m.group(1)}{m.group(2) or ''}{'None' if m.group(2) else 'pass'}")
        elif _HELP.match(line):
            out.append(line[: len(line) - len(line.lstrip())] + "pass")
        else:
            out.append(line)
        continued = (continued or m is not None) and line.rstrip().endswith("\\")
    code = "\n".join(out)
    tree, deep = parse_checked(code)
    if tree is not None or deep:  # (a tree too deep to build here is Python all the same: IPython cannot help)
        return code
    if len(cell) > MAX_IPYTHON_CHARS:
        return None
    cell = "\n".join(lines)  # (a %%time-like first line blanked: IPython reads the code under it as its own)
    global _transformer
    if _transformer is None:
        from IPython.core.inputtransformer2 import TransformerManager

        # (IPython leaves TransformerManager.__init__ unannotated: a call --strict calls untyped)
        _transformer = TransformerManager()  # type: ignore[no-untyped-call]
    try:
        return _transformer.transform_cell(cell)
    except Exception:  # noqa: BLE001 — a cell IPython cannot read does not run either
        return None


#: Parsed cells by their text, most recently used last: the given cells, and often the same code, recur
#: in every submission of a batch. Cells of at most :data:`PARSED_CELL_CHARS` characters are kept, and
#: :data:`PARSED_CACHE_CHARS` characters in all (their trees: a few MB at most, whatever the cells hold).
_PARSED: OrderedDict[str, ast.Module | None] = OrderedDict()
_PARSED_LOCK = threading.Lock()
_parsed_chars = 0
PARSED_CELL_CHARS, PARSED_CACHE_CHARS = 20_000, 300_000


def parse(code: str) -> ast.Module | None:
    """``ast.parse(code)``, or None when it is not valid Python or too deep to parse here; cached (the trees are
    only read)."""
    return parse_checked(code)[0]


def parse_checked(code: str) -> tuple[ast.Module | None, bool]:
    """``(tree, too_deep)``: :func:`parse`'s tree, and whether a None is for a tree too deep (or too large) to be
    built here rather than a syntax error. ``ast.parse`` builds the tree within a depth the interpreter bounds
    (CPython 3.11: its recursion limit counted from the caller's own depth; 3.12 and later: a C recursion limit, the
    C stack on 3.14), so code the grader cannot parse may still run where it is executed (a submission that raised
    its own recursion limit, or called from a shallower stack): such code is Python the
    grader did not read, never code that runs nothing; and the failure depends on where the parse was called
    from, so it is not cached."""
    global _parsed_chars
    with _PARSED_LOCK:
        if code in _PARSED:
            _PARSED.move_to_end(code)
            return _PARSED[code], False
    try:
        tree: ast.Module | None = ast.parse(code)
    except (SyntaxError, ValueError):
        tree = None
    except (RecursionError, MemoryError):
        return None, True
    with _PARSED_LOCK:
        if code not in _PARSED and len(code) <= PARSED_CELL_CHARS:
            _PARSED[code] = tree
            _parsed_chars += len(code)
            while _parsed_chars > PARSED_CACHE_CHARS:
                _parsed_chars -= len(_PARSED.popitem(last=False)[0])
    return tree, False


def without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    """A function's (or module's) statements without its docstring: a first statement that is a string constant."""
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return body[1:]
    return body


def nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` (``tree`` first), in the order of :func:`ast.walk`, as a list.

    The same breadth-first order as ``list(ast.walk(tree))``, in half the time (no generator per node): the
    grader's readings walk every student cell of every notebook several times.
    """
    out: list[ast.AST] = [tree]
    append = out.append
    for node in out:  # (the list grows while it is read: breadth first, as ast.walk's queue)
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        append(item)
            elif isinstance(value, ast.AST):
                append(value)
    return out


def import_names(node: ast.AST, into: dict[str, str], relative: bool = True) -> None:
    """Put in ``into`` the names an import statement binds, as dotted library names (``import numpy as np``:
    ``np`` -> ``numpy``; ``from scipy import special``: ``special`` -> ``scipy.special``; ``import a.b``: ``a``).
    A relative import (``from .m import f``) keeps its dots, or binds nothing when not ``relative``; a star
    import binds nothing."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                into[alias.asname] = alias.name
            else:
                root = alias.name.split(".")[0]
                into[root] = root
    elif isinstance(node, ast.ImportFrom) and (relative or not node.level):
        module = ("." * node.level) + (node.module or "")
        for alias in node.names:
            if alias.name != "*":
                into[alias.asname or alias.name] = f"{module}.{alias.name}"
