"""A function's uses of forbidden library objects, read from the source in the trusted parent.

The checks find a ready-made implementation (``scipy.special.softmax`` …) by
walking the live function's bytecode in the child
(:mod:`autograder.perimeter.guard.forbidden_walk`), where a submission could have
tampered with the tools the walk uses. This reads the same thing from the
cells' text instead, and the engine reports a forbidden use when either finds
one. It follows the notebook's imports and aliases (``import scipy.special as
sp``, ``f = sp.softmax``, ``a, b = sp.softmax, np.exp``, ``getattr`` with a
constant name, ``__import__``/``importlib.import_module`` with a constant
name), containers of library functions (``F = {"s": sp.softmax}``), attribute
chains and imports inside the function, classes and instances, and the
notebook's own functions it calls — never another contract function of the
problem set: each is graded on its own, its mistakes not carried forward.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

from autograder.model.pysource import import_names, nodes
from autograder.reading.definitions import Definitions, FunctionNode


def uses(definitions: Definitions, function: str, forbidden: Iterable[str], skip: Iterable[str] = (),
         ) -> tuple[str, ...]:
    """Which of ``forbidden`` (dotted names or module prefixes) ``function`` uses, not looking into the notebook's
    functions named in ``skip`` (the other contract functions) unless it is ``function`` itself."""
    names = tuple(forbidden)
    skipped = frozenset(skip)
    found = set()

    def note(dotted: str | None) -> None:
        if dotted:
            for name in names:
                if dotted == name or dotted.startswith(name + "."):
                    found.add(name)

    candidates = definitions.candidates(function)
    if not any(b.kind in ("def", "lambda") for b in candidates):
        for binding in candidates:
            note(binding.dotted)  # softmax = scipy.special.softmax
    for binding in candidates:
        for member in binding.members:
            note(member)
    seen: set[str] = set()
    todo = [function]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in _bodies(definitions, name):
            _scan(definitions, node, function, skipped, note, todo)
    return tuple(sorted(found))


def _bodies(definitions: Definitions, name: str) -> list[FunctionNode]:
    """The function nodes behind a notebook name: its defs and lambdas, every method of a class, the methods of
    the class of an instance."""
    out: list[FunctionNode] = []
    for binding in definitions.candidates(name):
        if binding.kind in ("def", "lambda"):
            out.append(binding.code())
        elif binding.kind in ("class", "instance"):
            out += [n for n in ast.walk(binding.class_node()) if isinstance(n, (ast.FunctionDef,
                                                                                 ast.AsyncFunctionDef, ast.Lambda))]
    return out


def _scan(definitions: Definitions, node: FunctionNode, function: str, skip: frozenset[str],
          note: Callable[[str | None], None], todo: list[str]) -> None:
    """Note the library names one function node uses; queue the notebook names it reaches."""
    local_imports: dict[str, str] = {}
    local_names: set[str] = set()
    args = node.args
    for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
        if a is not None:
            local_names.add(a.arg)
    body = node.body if isinstance(node.body, list) else [node.body]
    # default arguments and decorators run in the enclosing scope, and count as this function's
    outer = list(args.defaults) + [d for d in args.kw_defaults if d is not None] + list(
        getattr(node, "decorator_list", []))
    inside = [n for stmt in body for n in nodes(stmt)]
    for sub in inside:
        import_names(sub, local_imports, relative=False)
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            local_names.add(sub.id)
    for sub in inside:  # a local alias of what the function imported (`sp = scipy.special`), in the order written
        if isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name):
            dotted = definitions.dotted(sub.value, local_imports, local_names)
            if dotted is not None:
                local_imports[sub.targets[0].id] = dotted
    for dotted in local_imports.values():
        note(dotted)
    for sub, (imports, names) in [(n, (local_imports, local_names)) for n in inside] + \
            [(n, ({}, set())) for expr in outer for n in nodes(expr)]:
        if isinstance(sub, (ast.Attribute, ast.Name, ast.Call)):
            note(definitions.dotted(sub, imports, names))
        if isinstance(sub, ast.Name) and sub.id not in names:
            kinds = {b.kind for b in definitions.candidates(sub.id)}
            for binding in definitions.candidates(sub.id):
                for member in binding.members:
                    note(member)
            callable_here = kinds & {"def", "lambda"} and (sub.id not in skip or sub.id == function)
            if callable_here or kinds & {"class", "instance"}:
                todo.append(sub.id)
