"""Forbidden library calls, read from the submission's source in the trusted parent.

The checks detect a ready-made implementation (``scipy.special.softmax``…)
by inspecting the live function's bytecode, and that inspection runs in the
child, where the submission could have tampered with the tools it uses
(``dis``, ``importlib``, ``builtins``). This module reads the same thing
from the cells' text instead — parsed, never executed — and the engine
reports a forbidden use when either finds one.

What it follows: top-level imports and aliases (``import scipy.special as
sp``, ``from scipy.special import softmax as sm``, ``f = sp.softmax``),
attribute chains and imports inside the function, and the notebook's own
helper functions it calls. Names the function binds itself (arguments,
local assignments) shadow the aliases.
"""

from __future__ import annotations

import ast

_transformer = None


def python_source(cell: str):
    """The cell as plain Python (IPython magics and ``!`` turned into calls), or None."""
    global _transformer
    if _transformer is None:
        from IPython.core.inputtransformer2 import TransformerManager

        _transformer = TransformerManager()
    try:
        return _transformer.transform_cell(cell)
    except Exception:  # noqa: BLE001 — a cell IPython cannot read does not run either
        return None


def _chain(node):
    """``a.b.c`` as ["a", "b", "c"], or None when the root is not a plain name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def _import_aliases(node, into: dict):
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                into[alias.asname] = alias.name
            else:
                root = alias.name.split(".")[0]
                into[root] = root
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        for alias in node.names:
            if alias.name != "*":
                into[alias.asname or alias.name] = f"{node.module}.{alias.name}"


def _top_level(statements):
    """Module-level statements, looking into if/for/while/with/try blocks (not into defs)."""
    for node in statements:
        yield node
        if isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try, getattr(ast, "TryStar", ast.Try))):
            yield from _top_level(node.body)
            yield from _top_level(getattr(node, "orelse", []))
            yield from _top_level(getattr(node, "finalbody", []))
            for handler in getattr(node, "handlers", []):
                yield from _top_level(handler.body)


class Notebook:
    """What the cells define at top level: aliases of library objects and functions.

    Cells are read in notebook order; :meth:`add` reads one more, so that
    the state after the cells above a graded cell is what its check sees.
    """

    def __init__(self, sources=()):
        self.aliases = {}
        self.functions = {}
        for text in sources:
            self.add(text)

    def add(self, text: str) -> None:
        """Read one more cell."""
        code = python_source(text)
        if code is None:
            return
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        for node in _top_level(tree.body):
            _import_aliases(node, self.aliases)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[node.name] = node
                self.aliases.pop(node.name, None)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                if isinstance(node.value, ast.Lambda):
                    self.functions[name] = node.value
                    self.aliases.pop(name, None)
                    continue
                dotted = self.resolve(_chain(node.value), {}, set())
                if dotted:  # (other assignments keep an alias: `except ImportError: sp = None`)
                    self.aliases[name] = dotted
                    self.functions.pop(name, None)

    def resolve(self, chain, local_imports: dict, local_names: set):
        if not chain:
            return None
        root, rest = chain[0], chain[1:]
        if root in local_imports:
            base = local_imports[root]
        elif root in local_names:
            return None
        elif root in self.aliases:
            base = self.aliases[root]
        else:
            return None
        return ".".join([base, *rest])

    def uses(self, function: str, forbidden, skip=()) -> tuple:
        """Which of ``forbidden`` (dotted names or module prefixes) ``function`` uses.

        The notebook's functions named in ``skip`` (the other contract
        functions, graded on their own) are not looked into; a name in
        ``skip`` that is an alias of a library object still counts.
        """
        forbidden = tuple(forbidden)
        found = set()

        def note(dotted):
            if dotted:
                for name in forbidden:
                    if dotted == name or dotted.startswith(name + "."):
                        found.add(name)

        if function in self.aliases and function not in self.functions:
            note(self.aliases[function])  # softmax = scipy.special.softmax
        seen, todo = set(), [function]
        while todo:
            name = todo.pop()
            if name in seen or name not in self.functions:
                continue
            seen.add(name)
            node = self.functions[name]
            local_imports, local_names = {}, set()
            args = node.args
            for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
                if a is not None:
                    local_names.add(a.arg)
            body = node.body if isinstance(node.body, list) else [node.body]
            for sub in (n for stmt in body for n in ast.walk(stmt)):
                _import_aliases(sub, local_imports)
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    local_names.add(sub.id)
            for dotted in local_imports.values():
                note(dotted)
            for sub in (n for stmt in body for n in ast.walk(stmt)):
                if isinstance(sub, (ast.Attribute, ast.Name)):
                    note(self.resolve(_chain(sub), local_imports, local_names))
                if isinstance(sub, ast.Name) and sub.id in self.functions and sub.id not in local_names \
                        and sub.id not in skip:
                    todo.append(sub.id)
        return tuple(sorted(found))
