"""One graded function of one notebook, normalised and fingerprinted: what the index compares.

The code is what the function's graded calls run (:mod:`.graded`): its
*entries* (the function bound to its name, the class whose ``__call__``
runs, the expression it is bound to) and what they reach by name in the
notebook as it was when the tests ran: its helper functions, and the classes
it makes or uses (their ``__init__``, ``__call__`` and the methods its code
names: ``.forward``, ``self._step``), repeatedly. A helper or class the code
never reaches plays no part, however alike.

The steps, in order: the code is bounded (:mod:`.bounds`), a function looked up in a table
written as itself (:mod:`.tables`), the helpers inlined (:mod:`.inline`), the wrappings taken
off (:mod:`.unwrap`), the noise and dead code removed (:mod:`.prune`),
single-use temporaries written where they are read (:mod:`.temporaries`),
loops over rows written as the vectorised call (:mod:`.vectorise`),
equivalent spellings written one way (:mod:`.canonical`), the independent
statements put in canonical order (:mod:`.reorder`), the tree written as
tokens (:mod:`.tokens`) and fingerprinted (:mod:`.fingerprints`). The parsed
trees are only read: every step works on a copy. Each token remembers the
definition it came from (the function, a helper or a class) and its line
there, so that a match is shown in the code as written.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.model.pysource import nodes
from autograder.reading.graded import Binding, Graded
from autograder.similarity.bounds import MAX_TOKENS, NEVER, Deadline, too_large
from autograder.similarity.branches import one_way_branches
from autograder.similarity.canonical import canonical_forms
from autograder.similarity.clone import Function, clone
from autograder.similarity.fingerprints import fingerprints
from autograder.similarity.inline import inline_all, inline_helpers
from autograder.similarity.prune import prune
from autograder.similarity.reorder import canonical_order
from autograder.similarity.tables import look_up_tables, tables_in, unread_tables
from autograder.similarity.temporaries import drop_copies, hoist_repeated, inline_temporaries, rebound_apart
from autograder.similarity.tokens import Key, Namer, Token, bound_names, local_imports, statement_key, token_stream
from autograder.similarity.unwrap import drop_imports, unwrap
from autograder.similarity.vectorise import vectorise

#: The attribute naming the definition a syntax node was written in (set on copies only).
PIECE = "_similarity_piece"
#: The attribute marking a method's copy (its ``self`` removed: :func:`_without_self`).
_METHOD = "_similarity_method"
#: Methods of a class that run when it is made or called, whatever the code names.
ALWAYS_RUN = ("__new__", "__init__", "__post_init__", "__call__")
_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.Raise, ast.Assert)
#: Notebook names followed from the graded code, at most (helpers, classes, what they name).
MAX_REACHED = 200


@dataclass
class Document:
    """A function ready to compare.

    ``hashes``/``positions``: its fingerprints and where each starts in the
    token stream; ``places``: ``(piece, line)`` of each token, ``piece`` an
    index into ``pieces`` (the keys of the definitions its tokens come from:
    the entry first, then its helpers and classes); ``size``: tokens in the
    stream; ``problem``: why it is not compared (then it has no fingerprints).
    """

    hashes: np.ndarray
    positions: np.ndarray
    places: np.ndarray
    pieces: tuple[str, ...] = ()
    size: int = 0
    problem: str = ""


def _empty(problem: str) -> Document:
    empty = np.empty(0, dtype=np.int64)
    return Document(empty, empty, np.empty((0, 2), dtype=np.int64), problem=problem)


def _as_function(binding: Binding, name: str) -> ast.FunctionDef:
    """The code an entry or a reached expression runs, as a function (a copy of nothing: built anew)."""
    node = binding.expression()
    body: list[ast.stmt] = [ast.Return(node, lineno=node.lineno, col_offset=node.col_offset)]
    out = ast.FunctionDef(name, ast.arguments([], [], None, [], [], None, []), body, [], None,
                          lineno=node.lineno, col_offset=node.col_offset)
    if sys.version_info >= (3, 12):  # (a field from 3.12 on: before, nothing reads it)
        out.type_params = []
    return out


def _is_partial(func: ast.expr, imports: dict[str, str], names: dict[str, Binding]) -> bool:
    """``func`` names ``functools.partial`` through the notebook's imports (not a name the notebook rebound)."""
    if isinstance(func, ast.Name):
        return func.id not in names and imports.get(func.id) == "functools.partial"
    return isinstance(func, ast.Attribute) and func.attr == "partial" and isinstance(func.value, ast.Name) \
        and func.value.id not in names and imports.get(func.value.id) == "functools"


def _positional(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[str, ast.expr | None]]:
    """``[(name, default or None)]`` of a function's positional parameters."""
    params = function.args.posonlyargs + function.args.args
    defaults: list[ast.expr | None] = [None] * (len(params) - len(function.args.defaults))
    return [(a.arg, d) for a, d in zip(params, defaults + list(function.args.defaults))]


def _callee_parameters(func: ast.expr, names: dict[str, Binding]) -> list[tuple[str, ast.expr | None]] | None:
    """The positional parameters (with their defaults) of what ``func`` calls: a ``def`` of the notebook (a lambda
    too), or a method of one of its classes called on an instance (``obj.method``, ``Cls().method``: ``self``
    left out); else None."""
    if isinstance(func, ast.Name):
        binding = names.get(func.id)
        node = binding.node if binding is not None and binding.kind == "def" else None
        return _positional(node) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
    if not isinstance(func, ast.Attribute):
        return None
    owner = func.value.func if isinstance(func.value, ast.Call) else func.value
    binding = names.get(owner.id) if isinstance(owner, ast.Name) else None
    if binding is None or binding.kind not in ("class", "instance"):
        return None
    for item in binding.class_node().body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == func.attr:
            return _positional(item)[1:]
    return None


def _partial_function(binding: Binding, name: str, imports: dict[str, str], names: dict[str, Binding],
                      ) -> ast.FunctionDef | None:
    """``functools.partial(f, a, k=b)`` bound to the contract name, as the function it is: ``def name(rest):
    return f(a, rest, k=b)``, ``rest`` the parameters of ``f`` that ``a`` and ``k`` leave open (so that ``f`` is
    written in, and the methods of an object it binds are reached and written in too); None when it is not
    such a call, or what ``f`` takes is not known."""
    expr = binding.node
    if not (isinstance(expr, ast.Call) and expr.args and _is_partial(expr.func, imports, names)) \
            or any(isinstance(a, ast.Starred) for a in expr.args) or any(k.arg is None for k in expr.keywords):
        return None
    func, bound = expr.args[0], expr.args[1:]
    params = _callee_parameters(func, {**names, **dict(binding.names)})
    if params is None or len(bound) > len(params):
        return None
    rest = [(p, d) for p, d in params[len(bound):] if p not in {k.arg for k in expr.keywords}]
    call = ast.Call(clone(func), [clone(a) for a in bound] + [ast.Name(p, ast.Load()) for p, _ in rest],
                    [ast.keyword(k.arg, clone(k.value)) for k in expr.keywords])
    out = _as_function(binding, name)
    defaults = [clone(d) for _, d in rest if d is not None]  # (the trailing ones, as in any signature)
    out.args = ast.arguments([], [ast.arg(p) for p, _ in rest], None, [], [], None, defaults)
    out.body = [ast.Return(call)]
    return ast.fix_missing_locations(ast.copy_location(out, expr))


class _Reach:
    """What the entries reach by name: helper functions (inlined), classes' methods and expressions (kept)."""

    def __init__(self, names: dict[str, Binding], contract: frozenset[str], own: str = "",
                 cells: frozenset[int] = frozenset()) -> None:
        self.names = names
        self.contract = contract
        # a contract function written in the graded function's own cell is one of its helpers (a student who
        # renames it, or writes it in, changes nothing); one written in its own cell is compared on its own
        self.own = own
        self.cells = cells
        # name -> (key, FunctionDef): helpers the inliner may write in
        self.functions: dict[str, tuple[str, Function]] = {}
        self.classes: dict[str, ast.ClassDef] = {}     # key -> ClassDef
        # (key, FunctionDef): expressions and methods, compared after the entry
        self.kept: list[tuple[str, Function]] = []
        self.attributes: set[str] = set()
        self.methods: set[tuple[str, str]] = set()  # (class key, method name) already kept
        self.todo: list[tuple[ast.AST, dict[str, Binding]]] = []

    def binding(self, name: str, binding: Binding | None, local: dict[str, Binding]) -> None:
        if binding is None or len(self.functions) + len(self.classes) + len(self.kept) > MAX_REACHED:
            return
        for option in (binding.options if binding.kind == "either" else (binding,)):
            if option.kind == "def" and name not in self.functions and name != self.own and (
                    name not in self.contract or option.cell >= 0 and option.cell in self.cells):
                self.functions[name] = (option.key, option.function())
                self.todo.append((option.function(), {}))
            elif option.kind in ("class", "instance") and option.key not in self.classes:
                self.classes[option.key] = option.class_node()
                self.todo.append((option.class_node(), dict(option.names)))
            elif option.kind == "expr" and all(option.node is not node for _, node in self.kept) \
                    and option.node is not None:
                self.kept.append((option.key, _as_function(option, name)))
                self.todo.append((option.node, dict(option.names)))

    def walk(self) -> None:
        while self.todo:
            root, local = self.todo.pop()
            for node in nodes(root):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    self.binding(node.id, local.get(node.id, self.names.get(node.id)), local)
                elif isinstance(node, ast.Attribute):
                    self.attributes.add(node.attr)
            if not self.todo:
                self._methods()

    def _methods(self) -> None:
        for key, cls in list(self.classes.items()):
            for item in cls.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and (key, item.name) not in self.methods \
                        and (item.name in ALWAYS_RUN or item.name in self.attributes):
                    self.methods.add((key, item.name))
                    self.kept.append((key, item))
                    self.todo.append((item, {}))

    def members(self) -> frozenset[str]:
        """Method and attribute names the reached classes define (their names are the student's choice)."""
        out = set()
        for cls in self.classes.values():
            for node in nodes(cls):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out.add(node.name)
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                        and isinstance(node.value, ast.Name) and node.value.id == "self":
                    out.add(node.attr)
        return frozenset(out - set(ALWAYS_RUN))


def _pruned(function: Function, tables: dict[str, dict[object, str]]) -> Function:
    """``function`` (a copy) without its noise and dead code, so that a helper with a line after its
    ``return`` can still be written in, nor one whose ``return`` stands in a ``with`` block; a function
    looked up in one of the notebook's ``tables`` written as itself (:mod:`.tables`)."""
    look_up_tables(function, tables)
    unwrap(function)
    prune(function)
    one_way_branches(function)
    rebound_apart(function)
    return function


def _is_method(node: Function, reach: _Reach) -> bool:
    """Whether ``node`` (or the original of a copy of it) is a method of a reached class."""
    return getattr(node, _METHOD, False) or any(
        node is item for cls in reach.classes.values() for item in cls.body)


def _without_self(method: Function) -> Function:
    """A method's copy without its first parameter (``self``, ``cls``: not part of the computation), marked."""
    decorators = {d.id for d in method.decorator_list if isinstance(d, ast.Name)}
    if "staticmethod" not in decorators and method.args.posonlyargs:
        method.args.posonlyargs = method.args.posonlyargs[1:]
    elif "staticmethod" not in decorators and method.args.args:
        method.args.args = method.args.args[1:]
    setattr(method, _METHOD, True)
    return method


def _entry_function(binding: Binding, name: str, reach: _Reach, imports: dict[str, str],
                    ) -> tuple[str, Function | None]:
    """``(key, function)`` an entry's graded call runs first (a class's ``__call__`` or ``__init__``, the
    function a ``functools.partial`` calls)."""
    if binding.kind == "def":
        return binding.key, binding.function()
    if binding.kind == "expr":
        return binding.key, _partial_function(binding, name, imports, reach.names) or _as_function(binding, name)
    wanted = ("__call__",) if binding.kind == "instance" else ("__new__", "__init__")
    for item in binding.class_node().body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in wanted:
            reach.methods.add((binding.key, item.name))
            return binding.key, item
    return binding.key, None


def _given_statements(tree: ast.AST, key: Key) -> set[bytes]:
    """The keys of the simple statements of ``tree`` (at any depth)."""
    return {key(n) for n in nodes(tree) if isinstance(n, _SIMPLE) and n is not tree}


def _without_given(tree: ast.AST, key: Key, given: frozenset[bytes]) -> None:
    """Remove from ``tree`` the simple statements the release wrote (``given``: their keys), at any depth."""
    todo = [tree]
    while todo:
        node = todo.pop()
        for name in ("body", "orelse", "finalbody"):
            block: Any = getattr(node, name, None)  # (an AST field: a list of statements where it is read)
            if isinstance(block, list) and node is not tree or name == "body" and node is tree:
                kept = [s for s in block if not (isinstance(s, _SIMPLE) and key(s) in given)]
                block[:] = kept or block[:1]
                todo.extend(block)
        for handler in getattr(node, "handlers", []):
            todo.append(handler)


def _stream(trees: list[Function], imports: dict[str, str], helpers: frozenset[str], contract: frozenset[str],
            members: frozenset[str], deadline: Deadline, given: frozenset[bytes] = frozenset()) -> list[Token]:
    """The token stream of ``trees``, each normalised (:func:`_normalised`), the statements the release
    wrote (``given``: their keys) removed, and its statements ordered."""
    stream: list[Token] = []
    for tree in trees:
        deadline.check()
        namer = Namer(bound_names(tree), local_imports(tree, imports), helpers, contract, members)
        _normalised(tree, namer, deadline)
        # (one key for both: neither changes a simple statement, the only ones either asks about, or what is in it)
        key = statement_key(namer)
        if given:
            _without_given(tree, key, given)
        canonical_order(tree, key)
        token_stream(tree, namer, out=stream, piece_attribute=PIECE)
        if len(stream) > MAX_TOKENS:
            break
    return stream[:MAX_TOKENS]


def _normalised(tree: Function, namer: Namer, deadline: Deadline) -> None:
    """Wrappings off, noise out, temporaries in, loops vectorised, spellings made one, what that leaves behind
    tidied, and what is written twice in one statement named once."""
    unwrap(tree)
    drop_imports(tree)
    prune(tree)
    inline_temporaries(tree)
    deadline.check()
    vectorise(tree)
    one_way_branches(tree)
    canonical_forms(tree, statement_key(namer), namer)
    prune(tree)
    drop_copies(tree)
    inline_temporaries(tree)
    hoist_repeated(tree)
    # the operands ordered again: a temporary written in since orders by what it now holds
    canonical_forms(tree, statement_key(namer), namer)


def document(graded: Graded, imports: dict[str, str], contract: Collection[str] = frozenset(),
             deadline: Deadline = NEVER, name: str = "", given: frozenset[bytes] = frozenset()) -> Document:
    """The :class:`Document` of one contract function's graded code (:class:`.graded.Graded`; only read).

    Parameters
    ----------
    graded : autograder.reading.graded.Graded
        Its entries and the notebook's names when its tests ran.
    imports : dict
        The notebook's import aliases (``np -> numpy``).
    contract : collection of str
        The problem set's function names, written as themselves (each is compared on its own).
    deadline : autograder.similarity.bounds.Deadline
        The notebook's time; :class:`~autograder.similarity.bounds.Exceeded` once it is over.
    name : str
        The contract function's name.
    given : frozenset
        The statements the release wrote (:func:`given_code_of`): they are not the student's, and go.
    """
    if graded.problem:
        return _empty(graded.problem)
    contract = frozenset(contract)
    reach = _Reach(graded.names, contract, name, frozenset(b.cell for b in graded.entries if b.cell >= 0))
    entries: list[tuple[str, Function]] = []
    for binding in graded.entries:
        key, function = _entry_function(binding, name, reach, imports)
        if binding.kind in ("class", "instance"):
            reach.binding(binding.class_node().name, binding, {})
        if function is not None:
            entries.append((key, function))
            reach.todo.append((function, dict(binding.names) if binding.kind == "expr" else {}))
    reach.walk()
    deadline.check()
    code = [node for _, node in entries] + [node for _, node in reach.functions.values()] + \
        [node for _, node in reach.kept]
    problem = too_large(code)
    if problem:
        return _empty(f"not compared: {problem}")
    tables = tables_in(reach.names)
    helpers = {n: _pruned(clone(node, **{PIECE: key}), tables) for n, (key, node) in reach.functions.items()}
    methods = [(key, node) for key, node in reach.kept if _is_method(node, reach)]
    names = [node.name for _, node in methods]
    helpers.update({"." + node.name: _pruned(_without_self(clone(node, **{PIECE: key})), tables)
                    for key, node in methods if names.count(node.name) == 1 and node.name not in ALWAYS_RUN})
    trees: list[Function] = []
    kept: list[Function] = []
    inlined: set[str] = set()
    done = {id(node) for _, node in entries}
    for key, function in entries + [k for k in reach.kept if id(k[1]) not in done]:
        if _is_method(function, reach) and "." + function.name in inlined:
            continue  # written in where it is called: not counted twice
        copy = _pruned(clone(function, **{PIECE: key}), tables)
        out, left, written = inline_all(_without_self(copy) if _is_method(function, reach) else copy, helpers)
        trees.append(out)
        kept += left
        inlined |= written
    for k in kept:
        if ("." + k.name if _is_method(k, reach) else k.name) not in inlined and all(
                k.name != o.name or getattr(k, PIECE, "") != getattr(o, PIECE, "") for o in trees):
            trees.append(k)
    for name, (key, node) in reach.functions.items():  # reached only as a value (returned, passed on): its own
        if name not in inlined and all(node.name != o.name or key != getattr(o, PIECE, "") for o in trees):
            trees.append(inline_all(_pruned(clone(node, **{PIECE: key}), tables), helpers)[0])
    trees = unread_tables(trees, tables)
    deadline.check()
    problem = too_large(trees)
    if problem:
        return _empty(f"not compared: {problem} once its helpers are written in")
    helper_names = frozenset(reach.functions) | frozenset(c.name for c in reach.classes.values())
    stream = _stream(trees, imports, helper_names, contract, reach.members(), deadline, given)
    pieces = tuple(dict.fromkeys([entries[0][0] if entries else ""] + [piece for _, piece, _ in stream]))
    number = {key: i for i, key in enumerate(pieces)}
    hashes, positions = fingerprints([token for token, _, _ in stream])
    places = np.array([(number[piece], line) for _, piece, line in stream], dtype=np.int64).reshape(-1, 2)
    return Document(hashes, positions, places, pieces, len(stream))


def given_code_of(tree: ast.Module, imports: dict[str, str], contract: Collection[str] = frozenset(),
                  ) -> tuple[np.ndarray, set[bytes]]:
    """``(fingerprints, statements)`` of given code (a released cell's tree), written as a student's would
    be: each function on its own (each class's methods too) and the cell's other statements together; the
    statements are the keys of its functions' simple statements once normalised (a starter's lines)."""
    streams, statements = [], set()
    functions = [n for n in nodes(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for node in functions:
        function = inline_helpers(clone(node), {})[0]
        streams.append(_stream([function], imports, frozenset(), frozenset(contract), frozenset(), NEVER))
        namer = Namer(bound_names(function), local_imports(function, imports), frozenset(), frozenset(contract))
        statements |= _given_statements(function, statement_key(namer))
    rest = ast.Module([n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                   ast.ClassDef))], [])
    streams.append(token_stream(rest, Namer(bound_names(rest), imports, frozenset(), frozenset(contract))))
    found = [fingerprints([token for token, _, _ in stream])[0] for stream in streams]
    return np.unique(np.concatenate([np.empty(0, dtype=np.int64)] + found)), statements
