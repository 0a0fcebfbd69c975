"""What each contract function's graded calls run, read from the notebook as the grader runs it.

The similarity report compares, and feedback shows, the code that was graded, not the first ``def`` of a
name (:func:`graded_definitions` is what feedback shows). The trusted side decides what that is, from the submission's text
alone: nothing the student's process said while it was graded is believed
(it could point the report at a decoy). The cells are read in the order the
grader runs them (:func:`autograder.model.run_order.run_order`), and their
top-level statements followed as Python would run them, keeping what each
name is bound to:

* ``def`` and ``class`` bind their name; ``f = g`` binds ``f`` to what ``g``
  is then (an alias), ``f = lambda …`` to the lambda, ``f = C(…)`` to an
  instance of ``C`` (its ``__call__`` runs), and any other expression to
  itself (``np.vectorize(_sig)``, ``Softmax().forward``: the code it names), but ``f = C.f`` of a
  ``@staticmethod`` of a notebook class to that method; a ``def`` under a decorator of the notebook's own is
  either (both are compared), unless the decorator only returns a wrapper that calls the function with
  what it is given (``functools.wraps`` allowed): then the ``def``;
  ``from m import f`` to a library's object;
* ``if`` with a test whose value is known (``if True:``, ``if __name__ ==
  "__main__":``) runs its branch; any other ``if``, a loop, ``try``: either
  branch may have run, so the name may be bound to any of them, and all are
  compared;
* ``globals()["f"] = …``, ``setattr(sys.modules[__name__], "f", …)`` and
  ``exec("…")`` of a constant string are read as the binding they make; a
  notebook function called at the top level writes the names it declares
  ``global``; anything else that binds names at run time (``exec`` of a
  computed string, ``globals().update(d)``, ``sys.modules`` tampering) makes
  every name bound before it unknown, and a function that is still unknown
  when it is graded is "not compared", with that reason.

What a function's test cells see is its binding at each of them (a decoy
defined after the tests, or rebound before them, is never compared): the
*entries* (the function, the class whose ``__call__`` runs, the expression),
and the names the notebook had bound then, where its helpers and classes are
found (:mod:`.document` follows them). Bounded: at most :data:`MAX_STATEMENTS`
statements are followed, :data:`MAX_NESTING` blocks deep, and calls of
notebook functions :data:`MAX_CALL_DEPTH` deep.
"""

from __future__ import annotations

import ast
import copy
import sys
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard, cast

from autograder.model.course import function_of, grader_skips
from autograder.model.invariant import known, of_type
from autograder.model.notebook import SourceCell, SubmittedCell, read_cells
from autograder.model.pysource import import_names, nodes, parse, python_source, without_docstring
from autograder.reading.cells import read_cell
from autograder.reading.names import NAMESPACE_ATTRIBUTES, NAMESPACE_CALLS

#: Top-level statements followed per notebook, at most (a notebook of this course has a few hundred).
MAX_STATEMENTS = 20_000
#: Blocks (``if``, ``for``, ``try`` …) followed inside one another, at most.
MAX_NESTING = 30
#: Notebook functions followed into when they are called at the top level (for their ``global`` names).
MAX_CALL_DEPTH = 3
#: Characters of one ``exec``'d constant string read as code.
MAX_EXEC_CHARS = 20_000
#: Lines of one definition kept to be shown side by side (a solution is a few dozen).
MAX_SHOWN_LINES = 400

#: Names whose call binds names at run time in ways the report cannot follow (unless a constant is given).
DYNAMIC_CALLS = frozenset({"exec", "eval", "setattr", "delattr"})
#: Methods of a namespace (a dict) that write into it.
WRITING_METHODS = frozenset({"update", "setdefault", "__setitem__", "pop", "popitem", "clear", "__delitem__"})


@dataclass(frozen=True)
class Shown:
    """A definition as written, for the side-by-side view: its name, cell, first line there and text."""

    name: str
    cell: int
    line: int
    text: str


@dataclass(frozen=True, eq=False)
class Binding:
    """What one name is bound to at one point of the notebook.

    ``kind`` is ``"def"`` (``node`` a function), ``"class"`` or ``"instance"`` (``node`` a class),
    ``"expr"`` (``node`` the expression, ``names`` what the names it reads were bound to then),
    ``"library"`` (``detail`` the dotted name), ``"opaque"`` (``detail`` why it cannot be known) or
    ``"either"`` (``options``: any of them). ``key`` names the piece of code it is shown as.
    """

    kind: str
    node: ast.AST | None = None
    key: str = ""
    detail: str = ""
    names: tuple[tuple[str, Binding], ...] = ()
    options: tuple[Binding, ...] = ()
    given: bool = False

    def function(self) -> ast.FunctionDef | ast.AsyncFunctionDef:
        """``node`` of a ``"def"`` binding: the function."""
        return of_type(self.node, (ast.FunctionDef, ast.AsyncFunctionDef), f"a {self.kind!r} binding holds a def")

    def class_node(self) -> ast.ClassDef:
        """``node`` of a ``"class"`` or ``"instance"`` binding: the class."""
        return of_type(self.node, ast.ClassDef, f"a {self.kind!r} binding holds a class")

    def expression(self) -> ast.expr:
        """``node`` of an ``"expr"`` binding: the expression."""
        return of_type(self.node, ast.expr, f"an {self.kind!r} binding holds an expression")


@dataclass
class Graded:
    """What one contract function's graded calls run.

    ``entries``: the bindings its test cells saw (``def``, ``class``, ``instance`` or ``expr``);
    ``names``: what the notebook's names were bound to then (its helpers and classes are there);
    ``how``: the binding in words, for the report; ``problem``: why it is not compared.
    """

    entries: list[Binding] = field(default_factory=list)
    names: dict[str, Binding] = field(default_factory=dict)
    how: str = ""
    problem: str = ""


@dataclass
class NotebookCode:
    """A notebook read: what each contract function's calls run, the imports, what was shown, problems."""

    graded: dict[str, Graded] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)
    shown: dict[str, Shown] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class _Unknown(Exception):
    """The notebook binds names at run time in a way the report cannot follow (the message says how)."""


def _constant_truth(test: ast.expr) -> bool | None:
    """True or False when ``test`` has a value known without running anything, else None."""
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _constant_truth(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        values = [_constant_truth(v) for v in test.values]
        if isinstance(test.op, ast.And):
            return False if False in values else (True if all(v is True for v in values) else None)
        return True if True in values else (False if all(v is False for v in values) else None)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, right = test.left, test.comparators[0]
        if isinstance(left, ast.Name) and left.id == "__name__" and isinstance(right, ast.Constant):
            left = ast.Constant("__main__")  # a notebook's cells run as __main__
        if isinstance(left, ast.Constant) and isinstance(right, ast.Constant):
            try:
                return bool({ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
                             ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b}
                            [type(test.ops[0])](left.value, right.value))
            except (KeyError, TypeError):
                return None
    return None


def _passes_on(call: ast.expr, callee: str, args: ast.arguments) -> bool:
    """``call`` is ``callee(…)`` given exactly the parameters ``args`` declares, as received."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == callee):
        return False
    positional = [a.arg for a in args.posonlyargs + args.args] + (["*" + args.vararg.arg] if args.vararg else [])
    given = ["*" + a.value.id if isinstance(a, ast.Starred) and isinstance(a.value, ast.Name)
             else a.id if isinstance(a, ast.Name) else "" for a in call.args]
    keywords = {(k.arg, k.value.id) for k in call.keywords if isinstance(k.value, ast.Name)}
    wanted = {(a.arg, a.arg) for a in args.kwonlyargs} | ({(None, args.kwarg.arg)} if args.kwarg else set())
    return given == positional and len(keywords) == len(call.keywords) and keywords == wanted \
        and not args.defaults and not any(args.kw_defaults)


def _forwards(binding: Binding | None) -> bool:
    """A decorator of the notebook's own that returns a wrapper which only calls the function with the arguments
    it is given (``functools.wraps`` allowed): the decorated function is what runs."""
    if binding is None or binding.kind != "def" or isinstance(binding.node, ast.AsyncFunctionDef):
        return False
    decorator = binding.function()
    params = decorator.args
    if decorator.decorator_list or len(params.args) != 1 or params.posonlyargs or params.kwonlyargs \
            or params.vararg or params.kwarg:
        return False
    fn = params.args[0].arg
    body = without_docstring(decorator.body)
    if not (len(body) == 2 and isinstance(body[0], ast.FunctionDef) and isinstance(body[1], ast.Return)
            and isinstance(body[1].value, ast.Name) and body[1].value.id == body[0].name):
        return False
    wrapper = body[0]
    inner = without_docstring(wrapper.body)
    wraps = all(isinstance(d, ast.Call) and (isinstance(d.func, ast.Attribute) and d.func.attr == "wraps"
                                             or isinstance(d.func, ast.Name) and d.func.id == "wraps")
                and len(d.args) == 1 and isinstance(d.args[0], ast.Name) and d.args[0].id == fn and not d.keywords
                for d in wrapper.decorator_list)
    return wraps and len(inner) == 1 and isinstance(inner[0], ast.Return) and inner[0].value is not None \
        and _passes_on(inner[0].value, fn, wrapper.args)


def _static_method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    """The method ``name`` of ``cls`` when it is a ``@staticmethod`` (a function kept in a class), else None."""
    for item in cls.body:
        if isinstance(item, ast.FunctionDef) and item.name == name:
            static = [d for d in item.decorator_list if isinstance(d, ast.Name) and d.id == "staticmethod"]
            return item if static and len(item.decorator_list) == 1 else None
    return None


def _literal(node: ast.expr) -> bool:
    """``node`` is a literal (``-1``, ``"x"``, ``(1, 2)``): what ``ast.literal_eval`` reads."""
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def library_name(node: ast.AST, imports: Mapping[str, str], local: Collection[str]) -> str | None:
    """The library name an attribute chain stands for through the notebook's ``imports`` (name → dotted module
    or object): ``numpy.linalg.slogdet`` for ``np.linalg.slogdet`` when ``np`` is an import and not one of the
    ``local`` names (which hide it); else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in imports and node.id not in local:
        return ".".join([imports[node.id]] + parts[::-1])
    return None


def _lambda_def(node: ast.Lambda, name: str) -> ast.FunctionDef:
    """A lambda written as the ``def`` it stands for (its parameters, ``return`` its body), so that what it calls
    is written into it as a function's helpers are: a lambda that only forwards to a helper is that helper."""
    body: list[ast.stmt] = [ast.Return(node.body, lineno=node.lineno, col_offset=node.col_offset)]
    out = ast.FunctionDef(name, node.args, body, [], None, lineno=node.lineno, col_offset=node.col_offset,
                          end_lineno=node.end_lineno, end_col_offset=node.end_col_offset)
    if sys.version_info >= (3, 12):  # (a field from 3.12 on: before, nothing reads it)
        out.type_params = []
    return out


def _either(options: list[Binding]) -> Binding:
    flat: list[Binding] = []
    for option in options:
        for item in (option.options if option.kind == "either" else (option,)):
            if all(item is not seen for seen in flat):
                flat.append(item)
    return flat[0] if len(flat) == 1 else Binding("either", options=tuple(flat))


def _merge(before: dict[str, Binding], *afters: dict[str, Binding]) -> dict[str, Binding]:
    """The names after one of several paths: a name bound alike on every path keeps its binding."""
    out = {}
    for name in set(before).union(*afters):
        options = [o for o in (a.get(name, before.get(name)) for a in afters) if o is not None]
        if len(options) < len(afters):
            options.append(Binding("opaque", detail=f"{name} may not be bound on every path"))
        out[name] = _either(options)
    return out


def _is_globals_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in NAMESPACE_CALLS \
        and not node.args


def _namespace_attribute(node: object) -> TypeGuard[ast.Attribute]:
    """An attribute through which a namespace can be written (``sys.modules``, ``f.__globals__`` …)."""
    return isinstance(node, ast.Attribute) and node.attr in NAMESPACE_ATTRIBUTES and (
        node.attr != "modules" or isinstance(node.value, ast.Name) and node.value.id == "sys")


def _is_this_module(node: ast.AST) -> bool:
    """``sys.modules[__name__]`` or ``sys.modules["__main__"]``."""
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
        and node.value.attr == "modules" and isinstance(node.value.value, ast.Name) and node.value.value.id == "sys" \
        and ((isinstance(node.slice, ast.Name) and node.slice.id == "__name__")
             or (isinstance(node.slice, ast.Constant) and node.slice.value == "__main__"))


class _Reader:
    """Follows a notebook's top-level statements (see the module docstring)."""

    def __init__(self, contract: Iterable[str]) -> None:
        self.contract = frozenset(contract)
        self.names: dict[str, Binding] = {}
        self.imports: dict[str, str] = {}
        self.shown: dict[str, Shown] = {}
        self.statements = 0
        self.cell = -1
        self.code = ""
        self.given = False

    # -- where a binding is shown ---------------------------------------------------------------------

    def _show(self, node: ast.stmt | ast.expr, name: str) -> str:
        """The key of the piece ``node`` (a definition or a statement) is shown as, recorded once."""
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
        key = name if name not in self.shown or self.shown[name].cell == self.cell and \
            self.shown[name].line == first else f"{name} (cell {self.cell}, line {first})"
        if key not in self.shown:
            lines = self.code.split("\n")[first - 1:(getattr(node, "end_lineno", None) or node.lineno)]
            if len(lines) > MAX_SHOWN_LINES:
                lines = lines[:MAX_SHOWN_LINES] + [f"… ({len(lines) - MAX_SHOWN_LINES:,} more lines not shown)"]
            self.shown[key] = Shown(name, self.cell, first, "\n".join(lines))
        return key

    # -- what an expression is ----------------------------------------------------------------------

    def value(self, expr: ast.expr, statement: ast.stmt | ast.expr) -> Binding:
        if isinstance(expr, ast.Lambda):  # `f = lambda …: body`: the function it is, as a `def` would be
            name = "·".join(self._targets(statement)) or "lambda"
            return Binding("def", _lambda_def(expr, name), self._show(statement, name), detail="lambda",
                           given=self.given)
        element = self._element(expr)
        if element is not None:  # `T["f"]`, `FS[0]` of a dict or list display: the element
            return self.value(element, statement)
        if isinstance(expr, ast.Call) and expr.args and not isinstance(expr.args[0], ast.Starred) \
                and self._is_partial(expr.func) and all(_literal(a) for a in expr.args[1:]) \
                and all(_literal(k.value) for k in expr.keywords):
            # `functools.partial(f, …constants)` runs f (with arguments the grader's calls may fill); one that
            # binds objects stays the expression, so that the objects' classes are reached from it
            return self.value(expr.args[0], statement)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) \
                and f"{expr.value.id}.{expr.attr}" in self.names:  # `obj.f` after `obj.f = g`
            return self.names[f"{expr.value.id}.{expr.attr}"]
        if isinstance(expr, ast.Name):
            if expr.id in self.names:
                return self.names[expr.id]
            if expr.id in self.imports:
                return Binding("library", detail=self.imports[expr.id])
            return Binding("opaque", detail=f"{expr.id} is not bound where it is used")
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) \
                and self.names.get(expr.func.id, Binding("")).kind == "class":
            cls = self.names[expr.func.id]
            return Binding("instance", cls.node, cls.key, names=self._read_names(expr), given=cls.given)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) \
                and self.names.get(expr.value.id, Binding("")).kind == "class":
            cls = self.names[expr.value.id]
            method = _static_method(cls.class_node(), expr.attr)
            if method is not None:  # `f = Ops.f`: the static method's code, as a function of the notebook's
                return Binding("def", method, cls.key, given=cls.given)
        if isinstance(expr, ast.Attribute):
            dotted = library_name(expr, self.imports, self.names)
            if dotted:
                return Binding("library", detail=dotted)
        return Binding("expr", expr, self._show(statement, "·".join(self._targets(statement)) or "expression"),
                       names=self._read_names(expr), given=self.given)

    def _element(self, expr: ast.expr) -> ast.expr | None:
        """The element ``expr`` picks with a constant key from a dict, list or tuple display the notebook bound
        (``T["f"]``, ``FS[0]``), else None."""
        if not (isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name)
                and isinstance(expr.slice, ast.Constant)):
            return None
        held = self.names.get(expr.value.id)
        display = held.node if held is not None and held.kind == "expr" else None
        key = expr.slice.value
        if isinstance(display, ast.Dict):
            found = [v for k, v in zip(display.keys, display.values) if isinstance(k, ast.Constant) and k.value == key]
            return found[-1] if found else None
        if isinstance(display, (ast.List, ast.Tuple)) and isinstance(key, int) and not isinstance(key, bool) \
                and -len(display.elts) <= key < len(display.elts) \
                and not any(isinstance(e, ast.Starred) for e in display.elts):
            return display.elts[key]
        return None

    def _is_partial(self, func: ast.expr) -> bool:
        """``func`` names ``functools.partial`` (or ``partialmethod``) through the notebook's imports."""
        dotted = self.imports.get(func.id) if isinstance(func, ast.Name) and func.id not in self.names else (
            library_name(func, self.imports, self.names) if isinstance(func, ast.Attribute) else None)
        return dotted in ("functools.partial", "functools.partialmethod")

    def _read_names(self, expr: ast.AST) -> tuple[tuple[str, Binding], ...]:
        seen = {}
        for node in nodes(expr):
            if isinstance(node, ast.Name) and node.id in self.names and node.id not in seen:
                seen[node.id] = self.names[node.id]
        return tuple(seen.items())

    @staticmethod
    def _targets(statement: ast.AST) -> list[str]:
        targets = getattr(statement, "targets", None) or [getattr(statement, "target", None)]
        return [t.id for t in targets if isinstance(t, ast.Name)]

    # -- statements ---------------------------------------------------------------------------------

    def run(self, body: list[ast.stmt], depth: int = 0, calls: int = 0) -> None:
        if depth > MAX_NESTING:
            raise _Unknown(f"blocks nested more than {MAX_NESTING} deep at the top level of cell {self.cell}")
        for stmt in body:
            self.statements += 1
            if self.statements > MAX_STATEMENTS:
                raise _Unknown(f"more than {MAX_STATEMENTS:,} top-level statements")
            self.statement(stmt, depth, calls)

    def bind(self, name: str, binding: Binding) -> None:
        self.names[name] = binding
        self.imports.pop(name, None)

    def statement(self, stmt: ast.stmt, depth: int, calls: int) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            binding = Binding("def", stmt, self._show(stmt, stmt.name), given=self.given)
            decorators = [d for d in stmt.decorator_list if self._names_in(d)]
            if decorators and all(isinstance(d, ast.Name) and _forwards(self.names.get(d.id)) for d in decorators):
                # decorators that only call the function with what it is given: the function runs, without them
                bare = copy.copy(stmt)
                bare.decorator_list = [d for d in stmt.decorator_list if d not in decorators]
                binding, decorators = Binding("def", bare, binding.key, given=self.given), []
            if decorators:  # a decorator of the notebook's own may return any code: both are compared
                binding = _either([binding, Binding("expr", stmt.decorator_list[0], binding.key,
                                                    names=self._read_names(stmt), given=self.given)])
            self.bind(stmt.name, binding)
        elif isinstance(stmt, ast.ClassDef):
            self.bind(stmt.name, Binding("class", stmt, self._show(stmt, stmt.name), names=self._read_names(stmt),
                                         given=self.given))
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
                pass  # binds names the report cannot list; a library's (see docs/instructors.md)
            found: dict[str, str] = {}
            import_names(stmt, found, relative=False)
            for name, dotted in found.items():
                self.names.pop(name, None)
                self.imports[name] = dotted
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            self._dynamic(stmt.value, depth, calls)
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                self.assign(target, stmt.value, stmt)
        elif isinstance(stmt, ast.AugAssign):
            self._dynamic(stmt.value, depth, calls)
            if isinstance(stmt.target, ast.Name):
                self.bind(stmt.target.id, Binding("expr", stmt.value, self._show(stmt, stmt.target.id),
                                                  names=self._read_names(stmt), given=self.given))
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    self.names.pop(target.id, None)
                    self.imports.pop(target.id, None)
        elif isinstance(stmt, ast.If):
            truth = _constant_truth(stmt.test)
            if truth is not None:
                self.run(stmt.body if truth else stmt.orelse, depth + 1, calls)
            else:
                self._dynamic(stmt.test, depth, calls)
                self._branches([stmt.body, stmt.orelse], depth, calls)
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            self._dynamic(stmt.test if isinstance(stmt, ast.While) else stmt.iter, depth, calls)
            if isinstance(stmt, ast.For) and isinstance(stmt.target, ast.Name):
                self.bind(stmt.target.id, Binding("opaque", detail=f"{stmt.target.id} is a loop variable"))
            self._branches([[], stmt.body + stmt.orelse], depth, calls)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self._dynamic(item.context_expr, depth, calls)
            self.run(stmt.body, depth + 1, calls)
        elif isinstance(stmt, (ast.Try, ast.TryStar)):
            self.run(stmt.body, depth + 1, calls)
            self._branches([[]] + [h.body for h in stmt.handlers] + ([stmt.orelse] if stmt.orelse else []),
                           depth, calls)
            self.run(stmt.finalbody, depth + 1, calls)
        elif isinstance(stmt, ast.Match):
            self._dynamic(stmt.subject, depth, calls)
            self._branches([[]] + [case.body for case in stmt.cases], depth, calls)
        elif isinstance(stmt, ast.Expr):
            self._dynamic(stmt.value, depth, calls)
        elif isinstance(stmt, (ast.Global, ast.Nonlocal, ast.Pass, ast.Break, ast.Continue, ast.Return,
                               ast.Raise, ast.Assert)):
            for child in ast.iter_child_nodes(stmt):
                self._dynamic(child, depth, calls)
        else:
            self._dynamic(stmt, depth, calls)

    def _branches(self, bodies: list[list[ast.stmt]], depth: int, calls: int) -> None:
        before = dict(self.names)
        before_imports = dict(self.imports)
        afters = []
        for body in bodies:
            self.names = dict(before)
            self.imports = dict(before_imports)
            self.run(body, depth + 1, calls)
            afters.append(self.names)
            before_imports.update(self.imports)
        self.names = _merge(before, *afters)
        self.imports = before_imports

    def _names_in(self, expr: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in self.names for n in nodes(expr))

    def assign(self, target: ast.expr, value: ast.expr, stmt: ast.stmt) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, self.value(value, stmt))
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts) \
                    and not any(isinstance(e, ast.Starred) for e in target.elts + value.elts):
                for t, v in zip(target.elts, value.elts):
                    self.assign(t, v, stmt)
            else:
                for t in target.elts:
                    for name in (n.id for n in nodes(t) if isinstance(n, ast.Name)):
                        self.bind(name, Binding("expr", value, self._show(stmt, name), names=self._read_names(value),
                                                given=self.given))
        elif isinstance(target, ast.Subscript) and _is_globals_call(target.value):
            key = target.slice
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                raise _Unknown(f"cell {self.cell} binds a computed name through globals()[…]")
            self.bind(key.value, self.value(value, stmt))
        elif isinstance(target, ast.Attribute) and _is_this_module(target.value):
            self.bind(target.attr, self.value(value, stmt))
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            # `obj.f = g` at the top level: `obj.f` read later is g (a container of the notebook's functions)
            self.names[f"{target.value.id}.{target.attr}"] = self.value(value, stmt)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, stmt)
        elif any(_namespace_attribute(n) or isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                 and n.func.id in NAMESPACE_CALLS for n in nodes(target)):
            raise _Unknown(f"cell {self.cell} writes into the notebook's namespace ({ast.unparse(target)[:40]})")

    def _dynamic(self, expr: ast.AST | None, depth: int, calls: int) -> None:
        """Read the run-time bindings an expression makes (see the module docstring)."""
        if expr is None:
            return
        parents: dict[int, ast.AST] = {}
        todo = [expr]
        while todo:
            node = todo.pop()
            children = list(ast.iter_child_nodes(node))
            if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                self.bind(node.target.id, self.value(node.value, node))
            if isinstance(node, ast.Call) and self._call_binds(node, parents, depth, calls):
                continue  # read as the binding it makes: its arguments are not looked into again
            if _namespace_attribute(node):
                raise _Unknown(f"cell {self.cell} reaches {node.attr} (names can be bound there at run time)")
            for child in children:
                parents[id(child)] = node
            todo.extend(children)

    def _call_binds(self, node: ast.Call, parents: dict[int, ast.AST], depth: int, calls: int) -> bool:
        """Whether the call ``node`` was read as a binding (or raise :class:`_Unknown` when it cannot be)."""
        func = node.func
        name = func.id if isinstance(func, ast.Name) and func.id not in self.names else ""
        constant = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
        if name == "exec":
            if len(node.args) == 1 and isinstance(constant[0], str) and len(constant[0]) <= MAX_EXEC_CHARS:
                tree = parse(constant[0])
                if tree is not None:  # (a string that is not Python raises: it binds nothing)
                    self.run(tree.body, depth + 1, calls)
                return True
            raise _Unknown(f"cell {self.cell} calls exec(…) on code the report cannot read")
        if name in ("setattr", "delattr") and node.args and _is_this_module(node.args[0]):
            if len(node.args) == 3 and isinstance(constant[1], str):
                self.bind(constant[1], self.value(node.args[2], node))
                return True
            if len(node.args) == 2 and isinstance(constant[1], str):
                self.names.pop(constant[1], None)
                return True
            raise _Unknown(f"cell {self.cell} calls {name}(…) on the notebook's namespace with a computed name")
        if name in ("setattr", "delattr") and node.args and any(
                isinstance(n, ast.Name) and n.id in ("sys", "builtins", "__builtins__") for n in nodes(node.args[0])):
            raise _Unknown(f"cell {self.cell} calls {name}(…) on {ast.unparse(node.args[0])[:40]}")
        if name == "eval":
            if not (len(node.args) == 1 and isinstance(constant[0], str)) or any(
                    isinstance(n, ast.NamedExpr) for n in nodes(parse(f"({constant[0]})") or ast.Module([], []))):
                raise _Unknown(f"cell {self.cell} calls eval(…) on code the report cannot read")
            return True
        if name in NAMESPACE_CALLS and not node.args:
            parent = parents.get(id(node))
            if isinstance(parent, ast.Attribute) and parent.attr in WRITING_METHODS:
                raise _Unknown(f"cell {self.cell} binds names through {name}().{parent.attr}(…)")
            return False
        if isinstance(func, ast.Attribute) and func.attr in ("run_cell", "run_line_magic", "run_cell_magic",
                                                             "import_module", "reload", "ex", "ev"):
            raise _Unknown(f"cell {self.cell} runs code through {func.attr}(…)")
        if isinstance(func, ast.Name) and self.names.get(func.id, Binding("")).kind == "def" \
                and calls < MAX_CALL_DEPTH:
            self._call(self.names[func.id].function(), depth, calls + 1)
        return False

    def _call(self, function: ast.FunctionDef | ast.AsyncFunctionDef, depth: int, calls: int) -> None:
        """A notebook function called at the top level: the names it declares ``global`` and binds."""
        declared = {n for node in nodes(function) if isinstance(node, ast.Global) for n in node.names}
        for node in nodes(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in self.names \
                    and (node.func.id in DYNAMIC_CALLS or node.func.id in NAMESPACE_CALLS and not node.args):
                raise _Unknown(f"{function.name}(), called in cell {self.cell}, calls {node.func.id}(…), which can "
                               "bind names at run time")
            if _namespace_attribute(node):
                raise _Unknown(f"{function.name}(), called in cell {self.cell}, reaches {node.attr}")
        if not declared:
            return
        written = [n for n in nodes(function) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign,
                                                                 ast.FunctionDef, ast.ClassDef))]
        for node in written:
            targets = [node.name] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else [
                t.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                if isinstance(t, ast.Name)]  # (an Assign has one target or more)
            for name in set(targets) & declared:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    new = Binding("def" if isinstance(node, ast.FunctionDef) else "class", node,
                                  self._show(node, name), given=self.given)
                elif isinstance(node, ast.AugAssign):  # `total += x`: an expression, as at the top level
                    new = Binding("expr", node.value, self._show(node, name), names=self._read_names(node),
                                  given=self.given)
                elif node.value is not None:
                    new = self.value(node.value, node)
                else:
                    continue  # (`x: int` binds nothing; Python refuses it for a global name anyway)
                old = self.names.get(name)
                self.bind(name, _either([b for b in (old, new) if b is not None]))


def _describe(binding: Binding, name: str) -> str:
    if binding.kind == "def" and binding.detail == "lambda":
        return f"`{name} = lambda …`"
    if binding.kind == "def":  # (a def's binding holds its FunctionDef, a class's or an instance's its ClassDef)
        real = cast("ast.FunctionDef | ast.AsyncFunctionDef", binding.node).name
        return f"`def {real}`" + ("" if real == name else f" (bound to {name})")
    if binding.kind == "class":
        return f"the class {cast(ast.ClassDef, binding.node).name}"
    if binding.kind == "instance":
        return f"an instance of the class {cast(ast.ClassDef, binding.node).name} (its __call__)"
    if binding.kind == "expr":
        text = ast.unparse(binding.node) if binding.node is not None else "an expression"
        return f"`{name} = {text[:80]}`"
    return binding.kind


def graded_code(order: list[tuple[SourceCell | None, SubmittedCell | None, int]], contract: Collection[str],
                ) -> NotebookCode:
    """What each contract function's test cells see, in a notebook read as the grader runs it.

    Parameters
    ----------
    order : list
        ``[(source cell or None, submitted cell or None, index in the submission or -1)]`` in the
        order the grader runs them (:func:`autograder.model.run_order.run_order`).
    contract : collection of str
        The problem set's function names (one without a test cell is read at the end of the notebook).
    """
    reader = _Reader(contract)
    out = NotebookCode()
    seen_at: dict[str, list[tuple[dict[str, Binding], str]]] = {fn: [] for fn in contract}
    unknown = ""
    for scell, cell, index in order:
        if scell is not None and cell is None:  # a locked cell: the source's own text
            if scell.is_test:
                fn = function_of(known(scell.grade_id, "run_order gives the source cells that have a grade_id"))
                if fn in seen_at:
                    seen_at[fn].append((dict(reader.names), unknown))
                continue
            if scell.cell_type != "code" or grader_skips(scell.grade_id):
                continue
            text, reader.given = scell.source, True
        else:
            if cell is None or cell.kind != "code":
                continue
            text, reader.given = cell.source, False
        code = python_source(text)
        tree = None if code is None else parse(code)
        if tree is None or code is None:  # (no code: no tree)
            unreadable = read_cell(text).unreadable if text.strip() and not reader.given else ""
            if unreadable:  # (it may run: what it binds is unknown from here on, as the grader's reading says)
                out.problems.append(f"cell {index} was not analysed ({unreadable})")
                if not unknown:
                    unknown = f"cell {index} was not analysed ({unreadable})"
                    reader.names = {name: Binding("opaque", detail=unknown) for name in reader.names}
            elif text.strip() and not reader.given:
                out.problems.append(f"cell {index} is not valid Python (it does not run; not read)")
            continue
        reader.cell, reader.code = index, code
        if unknown:
            _imports_only(tree, reader)
            continue
        try:
            reader.run(tree.body)
        except _Unknown as exc:
            unknown = str(exc)
            reader.names = {name: Binding("opaque", detail=unknown) for name in reader.names}
            _imports_only(tree, reader)
    out.imports = reader.imports
    for fn in contract:
        views = seen_at[fn] or [(dict(reader.names), unknown)]
        out.graded[fn] = _graded(fn, views)
    out.shown = reader.shown
    return out


def _imports_only(tree: ast.Module, reader: _Reader) -> None:
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            import_names(stmt, reader.imports, relative=False)


def _graded(fn: str, views: list[tuple[dict[str, Binding], str]]) -> Graded:
    """The :class:`Graded` of ``fn`` from what its test cells saw (``[(names, why unknown)]``)."""
    entries: list[Any] = []
    problems: list[Any] = []
    names: dict[str, Any] = {}
    for seen, unknown in views:
        binding = seen.get(fn)
        if binding is None and unknown:
            binding = Binding("opaque", detail=unknown)
        names.update({k: v for k, v in seen.items() if k not in names})
        options = binding.options if binding is not None and binding.kind == "either" else (binding,)
        for option in options:
            if option is None:
                problems.append("not defined when its test cells run")
            elif option.kind in ("def", "class", "instance", "expr"):
                if all(option is not e for e in entries):
                    entries.append(option)
            elif option.kind == "library":
                problems.append(f"bound to {option.detail}, a library's object, not code of the notebook")
            else:
                problems.append(option.detail)
    if not entries:
        return Graded(problem=f"not compared: {problems[0] if problems else 'not defined'}")
    how = " or ".join(_describe(e, fn) for e in entries)
    if len(views) > 1 and len(entries) > 1:
        how += " (its test cells see different bindings: all are compared)"
    elif len(entries) > 1:
        how += " (bound under a condition: every candidate is compared)"
    if problems:
        how += f"; also {problems[0]}"
    return Graded(entries, names, how)


def notebook_code(cells: list[Any], contract: Collection[str]) -> NotebookCode:
    """:func:`graded_code` of cells (a notebook's JSON list, read as the model reads one) read top to bottom
    without a release (every cell the student's own, no test cell: each function as the notebook leaves it), for
    a notebook outside a course."""
    return graded_code([(None, cell, i) for i, cell in enumerate(read_cells(cells))], contract)


def graded_definitions(order: list[tuple[SourceCell | None, SubmittedCell | None, int]], contract: Collection[str],
                       ) -> dict[str, str]:
    """``{function: text}`` for each contract function whose graded calls ran a definition outside its own
    solution cell (a student's cell after it redefined the function, a copied test cell holding a new ``def``):
    that definition as written, under a line saying where it is, so that feedback shows what the checks called
    (issue 83). Functions graded on their solution cell's own code are not listed.

    ``order`` is :func:`graded_code`'s (the grader's order of cells, :mod:`autograder.model.run_order`).
    """
    code = graded_code(order, contract)
    solution = {scell.grade_id: index for scell, cell, index in order
                if scell is not None and cell is not None and scell.grade_id in contract}
    out = {}
    for fn, graded in code.graded.items():
        shown = [code.shown[e.key] for e in graded.entries if e.key in code.shown]
        if not shown or all(piece.cell == solution.get(fn) for piece in shown):
            continue
        where = " or ".join(f"cell {piece.cell}" for piece in shown)
        parts = [f"# What the checks called ({graded.how}), from your {where}:"]
        parts += [piece.text for piece in shown]
        out[fn] = "\n".join(parts)
    return out
