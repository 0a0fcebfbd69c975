"""The statements of a function that certainly write into one of its arguments, read from its source.

The rule (docs/contract.md, "Inputs are not modified in place"): a write
counts when a statement writes into a name that is certainly the argument,
or a view of it, on some path through the function and the notebook
functions it calls by name. Certain, because the reading knows what each
step does:

* **writes**: an augmented assignment (``p -= m``); an item or attribute
  assignment or ``del`` on it (``p[0] = 1``, ``p.shape = …``); a method that
  changes its object (``p.sort()``, ``fill``, list ``append`` …,
  :data:`~autograder.reading.library.MUTATING_METHODS`); ``p`` given as
  ``out=`` or in an output position of a library function, or with
  ``overwrite_p=True``; the library functions that write their first
  argument (``np.copyto``, ``np.put`` …, ``rng.shuffle``, ``np.add.at``);
* **the argument**: the parameter itself, plain assignment and unpacking,
  basic slicing and constant indexing, ``.T``/``.real``/``.flat``, the methods
  and functions that return a view or the array itself (``reshape``,
  ``np.asarray``, ``np.moveaxis`` …, :mod:`autograder.reading.library`), the
  rows of ``for row in p`` (and of ``enumerate``/``zip``), the items of a
  list or tuple made of such names, what a notebook function called with it
  returns when that is its argument; across branches and loops, each path on
  its own (``z = z - m; z /= s`` divides a new array), and of a branch on a
  helper's parameter that the call passes a literal, or leaves at a constant
  default, only the path it takes (``if copy: z = z.copy()`` with ``copy=True``;
  :mod:`autograder.reading.parameters`) — as of one on a parameter of the
  function judged that the contract does not have, which the grader's calls
  leave at its default.

Everything else is a new object or one the reading cannot tell, and nothing
written into it counts: a value kept in an attribute or a global, the result
of a call it does not read (a method, an object, a callable chosen at run
time, a library function not in its tables), a class and what its methods do
— the call's own comparison judges those. Another contract function of the
problem set is judged in its own purity cell (its calls are answered by the
reference while graded), so it is not read here.

Bounded: each step is paid for (:mod:`autograder.reading.budget`), calls are
followed :data:`MAX_CALL_DEPTH` deep, values are finitely many
(:mod:`autograder.reading.values`), so loops reach a fixed point; past a bound
the reading stops and says so.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

import numpy as np

from autograder.model.invariant import known
from autograder.reading import library as lib
from autograder.reading.budget import OutOfBudget
from autograder.reading.cells import short
from autograder.reading.definitions import FunctionNode
from autograder.reading.parameters import constant_arguments, constant_defaults, defaulted, params, truth
from autograder.reading.purity import Write
from autograder.reading.values import FRESH, Env, Fn, Value, container, element, join, join_env, reach

#: Calls of the notebook's functions are followed this deep.
MAX_CALL_DEPTH = 12
#: Loops are read again until nothing changes, at most this many times.
MAX_LOOP_ROUNDS = 20
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
              ast.Pow: "**", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&",
              ast.BitXor: "^"}
#: What a function's reading is remembered by: the function, its closure, its parameters' values.
_Key = tuple[int, tuple[tuple[str, Value], ...], tuple[tuple[str, Value], ...]]


class World(Protocol):
    """The notebook as a :class:`Reader` sees it (:class:`autograder.reading.notebook._World`)."""

    def lines(self, cell: int) -> tuple[str, ...]:
        """The Python lines of cell ``cell``."""

    def pay(self, steps: int) -> None:
        """Charge the notebook's budget ``steps``."""

    def lookup(self, name: str) -> Value:
        """What the global ``name`` is when the check runs."""


class _Scope:
    """The function being read: its value, its local names, its ``global`` names, what ``return`` gave."""

    def __init__(self, fn: Fn) -> None:
        self.fn = fn
        self.local = local_names(fn.node)
        self.declared_global = declared_global(fn.node)
        self.returned = FRESH
        self.loops: list[tuple[list[Env], list[Env]]] = []  # [(breaks, continues)] envs, innermost last


class _Call:
    """One call's argument values (``star``: what ``*a`` / ``**k`` of unknown length spread), and the caller's
    names, for a nested function's late-bound closure."""

    def __init__(self, node: ast.Call, args: Iterable[Value], kwargs: Mapping[str, Value], star: Value | None,
                 env: Env) -> None:
        self.node, self.args, self.kwargs, self.star, self.env = node, list(args), dict(kwargs), star, env


class Reader:
    """One function read for certain writes through its parameters.

    ``world`` answers for the notebook: ``lookup(name)`` (what a global name
    is when the check runs), ``lines(cell)``, ``contract`` and ``function``
    (the function being judged); ``pay(steps)`` charges the notebook's budget.
    """

    def __init__(self, world: World, max_steps: int) -> None:
        self.world = world
        self.max_steps = max_steps
        self.steps = 0
        self._unpaid = 0
        self.writes: dict[str, list[Write]] = {}  # param -> [Write]
        self.memo: dict[_Key, Value] = {}
        self.active: set[_Key] = set()
        self.depth = 0

    def definition(self, fn: Fn, this: Value | None = None, left: Mapping[str, Value] | None = None,
                   ) -> tuple[Write, ...]:
        """The writes of ``fn`` (a method when ``this`` is given: its first parameter), its parameters the roots but
        those ``left`` at a constant default by every call (:func:`~autograder.reading.parameters.left_at_default`),
        bound to it."""
        self.writes, self.memo = {}, {}
        bound: Env = {}
        args = fn.node.args
        names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
        for name in names:
            bound[name] = (left or {}).get(name, Value(frozenset({name})))
        if args.vararg:
            bound[args.vararg.arg] = Value(elems=Value(frozenset({"*args"})))
        if args.kwarg:
            bound[args.kwarg.arg] = Value(elems=Value(frozenset({"**kwargs"})))
        if this is not None and names:
            bound[names[0]] = this
        self._run(fn, bound)
        self._pay()
        return tuple(w for ws in self.writes.values() for w in ws)

    # -- bookkeeping -----------------------------------------------------------------------------------------------
    def _step(self) -> None:
        self.steps += 1
        self._unpaid += 1
        if self.steps > self.max_steps:
            raise OutOfBudget(f"reading it took more than {self.max_steps:,} steps")
        if self._unpaid >= 1024:
            self._pay()

    def _pay(self) -> None:
        unpaid, self._unpaid = self._unpaid, 0
        self.world.pay(unpaid)

    def _write(self, scope: _Scope, v: Value, node: ast.AST, how: str) -> None:
        """``v``'s origins are written at ``node``."""
        lines = self.world.lines(scope.fn.cell)
        line = getattr(node, "lineno", 1)
        code = short(lines[line - 1]).replace("`", "'") if 0 < line <= len(lines) else ""
        for param in v.origins:
            found = self.writes.setdefault(param, [])
            if len(found) < 3:
                found.append(Write(param, line, scope.fn.owner, code, how))

    # -- functions -------------------------------------------------------------------------------------------------
    def _run(self, fn: Fn, bound: Env) -> Value:
        """Read ``fn``'s body with its parameters bound as given; its result."""
        key: _Key = (fn.key, fn.closure, tuple(sorted(bound.items(), key=lambda kv: kv[0])))
        if key in self.memo:
            return self.memo[key]
        if key in self.active:
            return FRESH  # recursion: the reading in progress finds its writes
        if self.depth >= MAX_CALL_DEPTH:
            raise OutOfBudget(f"its calls nest deeper than the grader follows ({MAX_CALL_DEPTH})")
        self.active.add(key)
        self.depth += 1
        try:
            scope = _Scope(fn)
            env = dict(fn.closure)
            for name in params(fn.node):
                env[name] = bound.get(name, FRESH)
            if isinstance(fn.node, ast.Lambda):
                result = self._expr(fn.node.body, env, scope)
            else:
                self._block(fn.node.body, env, scope)
                result = scope.returned
        finally:
            self.depth -= 1
            self.active.discard(key)
        self.memo[key] = result
        return result

    def _closure(self, node: FunctionNode, env: Env, scope: _Scope) -> Fn:
        """A nested def or lambda as a value: the enclosing names it may close over (the parameters each may be or
        hold: what a function name is, is looked up where it is called) and its defaults, evaluated here."""
        args = node.args
        values = [self._expr(d, env, scope) for d in list(args.defaults) + [d for d in args.kw_defaults if d]]
        defaults = tuple(sorted(((k, v) for k, v in zip(defaulted(node), values) if v != FRESH),
                                key=lambda kv: kv[0]))
        names = {name: FRESH for name in scope.local}  # (all of them: a local name is never read as a global)
        names.update({name: Value(reach(v)) for name, v in env.items()})
        closure = tuple(sorted(names.items(), key=lambda kv: kv[0]))
        return Fn(node, id(node), scope.fn.owner, scope.fn.cell, closure, defaults)

    # -- statements ------------------------------------------------------------------------------------------------
    def _block(self, statements: Sequence[ast.stmt], env: Env | None, scope: _Scope) -> Env | None:
        for stmt in statements:
            if env is None:
                return None
            env = self._stmt(stmt, env, scope)
        return env

    def _stmt(self, node: ast.stmt, env: Env, scope: _Scope) -> Env | None:
        self._step()
        if isinstance(node, ast.Expr):
            self._expr(node.value, env, scope)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is not None:
                value = self._expr(node.value, env, scope)
                for target in targets:
                    self._assign(target, value, env, scope)
        elif isinstance(node, ast.AugAssign):
            self._augassign(node, env, scope)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self._delete(target, env, scope)
        elif isinstance(node, (ast.Return, ast.Raise)):
            given = node.value if isinstance(node, ast.Return) else node.exc
            result = self._expr(given, env, scope) if given is not None else FRESH
            if isinstance(node, ast.Return):
                scope.returned = join(scope.returned, result)
            elif node.cause is not None:
                self._expr(node.cause, env, scope)
            return None
        elif isinstance(node, ast.If):
            self._expr(node.test, env, scope)
            taken = truth(node.test, env)  # (a parameter at a literal the call passes or its default: one branch)
            if taken is not None:
                return self._block(node.body if taken else node.orelse, dict(env), scope)
            return join_env(self._block(node.body, dict(env), scope), self._block(node.orelse, dict(env), scope))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            return self._loop(node, env, scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                v = self._expr(item.context_expr, env, scope)
                if item.optional_vars is not None:
                    self._assign(item.optional_vars, Value(v.origins, v.elems, v.items), env, scope)
            return self._block(node.body, env, scope)
        elif isinstance(node, (ast.Try, ast.TryStar)):
            return self._try(node, env, scope)
        elif isinstance(node, (ast.Break, ast.Continue)):
            if scope.loops:
                scope.loops[-1][0 if isinstance(node, ast.Break) else 1].append(dict(env))
            return None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._nested(node, env, scope)
        elif isinstance(node, ast.ClassDef):
            env[node.name] = FRESH  # (a class's methods are not followed)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            from_module = node.module if isinstance(node, ast.ImportFrom) and not node.level else None
            from_import = from_module is not None  # (a module is named where the level is 0)
            for alias in node.names:
                module = f"{from_module}.{alias.name}" if from_import else alias.name
                bound = alias.asname or (alias.name if from_import else alias.name.split(".")[0])
                env[bound] = Value(kind="lib", dotted=module if alias.asname or from_import else bound)
        elif isinstance(node, ast.Assert):
            self._expr(node.test, env, scope)
        elif isinstance(node, ast.Match):
            return self._match(node, env, scope)
        return env

    def _match(self, node: ast.Match, env: Env, scope: _Scope) -> Env | None:
        subject = self._expr(node.subject, env, scope)
        out: Env | None = None
        for case in node.cases:
            branch = dict(env)
            for sub in ast.walk(case.pattern):
                for name in filter(None, [getattr(sub, "name", None), getattr(sub, "rest", None)]):
                    branch[name] = subject if isinstance(sub, ast.MatchAs) and sub.pattern is None else element(subject)
            if case.guard is not None:
                self._expr(case.guard, branch, scope)
            out = join_env(out, self._block(case.body, branch, scope))
        return join_env(out, env)

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While, env: Env, scope: _Scope) -> Env | None:
        """A ``for`` or ``while`` loop read to a fixed point (the target bound, or the test read, at the top of the
        body); then the ``else`` block, joined with every ``break``."""
        item = element(self._expr(node.iter, env, scope)) if not isinstance(node, ast.While) else FRESH
        head = dict(env)
        breaks: list[Env] = []
        for _ in range(MAX_LOOP_ROUNDS):
            body_env = dict(head)
            if not isinstance(node, ast.While):
                self._assign(node.target, item, body_env, scope)
            else:
                self._expr(node.test, body_env, scope)
            scope.loops.append(([], []))
            try:
                end = self._block(node.body, body_env, scope)
            finally:
                loop_breaks, continues = scope.loops.pop()
            breaks += loop_breaks
            for extra in continues:
                end = join_env(end, extra)
            new_head = join_env(head, end)
            if new_head == head:
                break
            head = new_head
        else:
            raise OutOfBudget("a loop the grader could not finish reading")
        out = self._block(node.orelse, dict(head), scope)
        for extra in breaks:
            out = join_env(out, extra)
        return out

    def _try(self, node: ast.Try | ast.TryStar, env: Env, scope: _Scope) -> Env | None:
        seen = dict(env)  # every state the body passes through: where an exception may leave it
        body_env: Env | None = dict(env)
        for stmt in node.body:
            if body_env is None:
                break
            body_env = self._stmt(stmt, body_env, scope)
            seen = join_env(seen, body_env)
        ends = [self._block(node.orelse, dict(body_env), scope) if body_env is not None else None]
        for handler in node.handlers:
            handler_env = dict(seen)
            if handler.type is not None:
                self._expr(handler.type, handler_env, scope)
            if handler.name:
                handler_env[handler.name] = FRESH
            ends.append(self._block(handler.body, handler_env, scope))
        out: Env | None = None
        for end in ends:
            out = join_env(out, end)
        if node.finalbody:
            self._block(node.finalbody, dict(join_env(out, seen)), scope)  # (also when an exception passes)
            out = self._block(node.finalbody, out, scope) if out is not None else None
        return out

    def _nested(self, node: ast.FunctionDef | ast.AsyncFunctionDef, env: Env, scope: _Scope) -> None:
        """A def inside the function: its body is read now (writes through the closure), and the name is bound to
        it for later calls (to an unknown callable when a decorator wraps it)."""
        for decorator in node.decorator_list:
            self._expr(decorator, env, scope)
        fn = self._closure(node, env, scope)
        self._run(fn, dict(fn.defaults))
        env[node.name] = FRESH if node.decorator_list else Value(fns=frozenset({fn}))

    # -- assignment ------------------------------------------------------------------------------------------------
    def _assign(self, target: ast.expr, value: Value, env: Env, scope: _Scope) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            starred = [i for i, t in enumerate(target.elts) if isinstance(t, ast.Starred)]
            exact = value.items is not None and len(value.items) == len(target.elts) and not starred
            for i, t in enumerate(target.elts):
                if isinstance(t, ast.Starred):
                    self._assign(t.value, Value(elems=element(value)), env, scope)
                else:
                    self._assign(t, value.items[i] if exact and value.items is not None else element(value), env,
                                 scope)  # (exact: items is not None)
        elif isinstance(target, ast.Starred):
            self._assign(target.value, Value(elems=element(value)), env, scope)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            base = self._expr(target.value, env, scope)
            if isinstance(target, ast.Subscript):
                self._expr(target.slice, env, scope)
                self._write(scope, base, target, "an assignment into it")
            else:
                self._write(scope, base, target, f"sets its attribute `{target.attr}`")

    def _augassign(self, node: ast.AugAssign, env: Env, scope: _Scope) -> None:
        self._expr(node.value, env, scope)
        how = f"an in-place operator (`{_OPERATORS.get(type(node.op), '?')}=`) on it"
        target = node.target
        if isinstance(target, ast.Name):
            current = self._name(target.id, env, scope)
            self._write(scope, current, node, how)
            env[target.id] = current if current.origins else FRESH
        elif isinstance(target, ast.Subscript):
            base = self._expr(target.value, env, scope)
            self._expr(target.slice, env, scope)
            self._write(scope, base, node, how)  # the item is stored back into it …
            self._write(scope, self._subscript(base, target.slice), node, how)  # … after an in-place operator on it
        elif isinstance(target, ast.Attribute):
            base = self._expr(target.value, env, scope)
            self._write(scope, base, node, f"an in-place operator on its attribute `{target.attr}`")

    def _delete(self, target: ast.expr, env: Env, scope: _Scope) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = FRESH
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._delete(t, env, scope)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            base = self._expr(target.value, env, scope)
            if isinstance(target, ast.Subscript):
                self._expr(target.slice, env, scope)
            self._write(scope, base, target, "`del` on it")

    # -- expressions -----------------------------------------------------------------------------------------------
    def _name(self, name: str, env: Env, scope: _Scope) -> Value:
        if name in env:
            return env[name]
        if name in scope.local and name not in scope.declared_global:
            return FRESH  # (not bound yet on this path)
        return self.world.lookup(name)

    def _expr(self, node: ast.expr, env: Env, scope: _Scope) -> Value:
        self._step()
        if isinstance(node, ast.Name):
            return self._name(node.id, env, scope)
        if isinstance(node, ast.Attribute):
            return self._attribute(self._expr(node.value, env, scope), node.attr)
        if isinstance(node, ast.Subscript):
            base = self._expr(node.value, env, scope)
            self._expr(node.slice, env, scope)
            return self._subscript(base, node.slice)
        if isinstance(node, ast.Call):
            return self._call(node, env, scope)
        if isinstance(node, ast.IfExp):
            self._expr(node.test, env, scope)
            taken = truth(node.test, env)
            if taken is not None:
                return self._expr(node.body if taken else node.orelse, env, scope)
        if isinstance(node, (ast.BoolOp, ast.IfExp)):
            out: Value | None = None
            for value in node.values if isinstance(node, ast.BoolOp) else (node.body, node.orelse):
                v = self._expr(value, env, scope)
                out = v if out is None else join(out, v)
            return known(out, "a BoolOp has two values or more, an IfExp two")
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            values = [self._expr(e.value if isinstance(e, ast.Starred) else e, env, scope) for e in node.elts]
            if any(isinstance(e, ast.Starred) for e in node.elts) or isinstance(node, ast.Set):
                return Value(elems=container(values).elems)
            return container(values)
        if isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    self._expr(key, env, scope)
            return Value(elems=container(self._expr(v, env, scope) for v in node.values).elems)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self._comprehension(node, env, scope)
        if isinstance(node, ast.NamedExpr):
            v = self._expr(node.value, env, scope)
            self._assign(node.target, v, env, scope)
            return v
        if isinstance(node, ast.Lambda):
            fn = self._closure(node, env, scope)
            self._run(fn, dict(fn.defaults))
            return Value(fns=frozenset({fn}))
        if isinstance(node, ast.Starred):
            return element(self._expr(node.value, env, scope))
        for child in ast.iter_child_nodes(node):  # arithmetic, comparisons, f-strings …: new values
            if isinstance(child, ast.expr):
                self._expr(child, env, scope)
        return FRESH

    def _subscript(self, base: Value, index: ast.expr) -> Value:
        """``base[index]``: a view of what ``base`` is for a basic index, or the item it holds."""
        if base.items is not None and isinstance(index, ast.Constant) and isinstance(index.value, int) and \
                -len(base.items) <= index.value < len(base.items):
            item = base.items[index.value]
            return join(item, Value(base.origins)) if base.origins else item
        if isinstance(index, ast.Slice) and not base.origins:
            return Value(elems=base.elems)  # a slice of a list: a new list of the same items
        out = base.elems or FRESH
        if base.origins and _basic(index):
            out = join(out, Value(base.origins, base.elems))
        return out

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, env: Env,
                       scope: _Scope) -> Value:
        inner = dict(env)
        for gen in node.generators:
            self._assign(gen.target, element(self._expr(gen.iter, inner, scope)), inner, scope)
            for cond in gen.ifs:
                self._expr(cond, inner, scope)
        if isinstance(node, ast.DictComp):
            self._expr(node.key, inner, scope)
            item = self._expr(node.value, inner, scope)
        else:
            item = self._expr(node.elt, inner, scope)
        targets = {n.id for gen in node.generators for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
        for name, value in inner.items():  # (`:=` inside binds in the function)
            if name not in targets and env.get(name) != value:
                env[name] = join(env.get(name, FRESH), value)
        return Value(elems=item)

    def _attribute(self, base: Value, attr: str) -> Value:
        if base.kind == "lib" and base.dotted:
            return Value(kind="lib", dotted=f"{base.dotted}.{attr}")
        if base.origins and attr in lib.VIEW_ATTRIBUTES:
            return Value(base.origins, base.elems)
        if base.origins and attr in lib.KNOWN_METHODS:
            return Value(base.origins, kind="method", dotted=attr)
        return FRESH

    # -- calls -----------------------------------------------------------------------------------------------------
    def _call(self, node: ast.Call, env: Env, scope: _Scope) -> Value:
        func = node.func
        receiver = self._expr(func.value, env, scope) if isinstance(func, ast.Attribute) else None
        attr = func.attr if isinstance(func, ast.Attribute) else ""  # (read only with a receiver: an attribute)
        fv = self._attribute(receiver, attr) if receiver is not None else self._expr(func, env, scope)
        args: list[Value] = []
        star: Value | None = None
        for arg in node.args:
            if isinstance(arg, ast.Starred) and isinstance(arg.value, (ast.Tuple, ast.List)) and not any(
                    isinstance(e, ast.Starred) for e in arg.value.elts):
                args += [self._expr(e, env, scope) for e in arg.value.elts]  # f(*(a, b)) is f(a, b)
            elif isinstance(arg, ast.Starred):
                v = self._expr(arg.value, env, scope)
                star = v if star is None else join(star, v)
            else:
                args.append(self._expr(arg, env, scope))
        kwargs: dict[str, Value] = {}
        for kw in node.keywords:
            v = self._expr(kw.value, env, scope)
            if kw.arg is None:
                star = v if star is None else join(star, v)
            else:
                kwargs[kw.arg] = v
        call = _Call(node, args, kwargs, star, env)
        if fv.fns:
            out: Value | None = None
            for fn in fv.fns:
                v = self._call_fn(fn, call, scope)
                out = v if out is None else join(out, v)
            return known(out, "fv.fns is not empty")
        if fv.kind == "lib":
            return self._library_call(call, fv.dotted, scope)
        if fv.kind == "method":
            return self._method_call(call, Value(fv.origins), fv.dotted, scope)
        if receiver is not None:
            return self._other_method(call, receiver, attr, scope)
        self._outputs(call, -1, ("out",), _callee(node), scope)
        return FRESH

    def _call_fn(self, fn: Fn, call: _Call, scope: _Scope) -> Value:
        """Call the notebook function ``fn``: its parameters bound to the call's argument values."""
        args = fn.node.args
        positional = [a.arg for a in args.posonlyargs + args.args]
        names = set(params(fn.node))
        bound = dict(fn.defaults)
        extra: Value | None = None
        for i, v in enumerate(call.args):
            if i < len(positional):
                bound[positional[i]] = v
            else:
                extra = v if extra is None else join(extra, v)
        if extra is not None and args.vararg:
            bound[args.vararg.arg] = Value(elems=extra)
        for key, v in call.kwargs.items():
            if key in names:
                bound[key] = v
        if call.star is None:  # (a spread of unknown length may pass any parameter)
            passed = set(positional[:len(call.args)]) | set(call.kwargs)
            for name, value in constant_defaults(fn.node).items():
                if name not in passed:
                    bound[name] = value
        bound.update(constant_arguments(call.node, positional, names))
        if fn.closure and call.env is not None:  # late binding: the names as they are at the call, too
            merged = dict(fn.closure)
            for name in merged:
                if name in call.env:
                    merged[name] = join(merged[name], call.env[name])
            fn = Fn(fn.node, fn.key, fn.owner, fn.cell, tuple(sorted(merged.items(), key=lambda kv: kv[0])),
                    fn.defaults)
        return self._run(fn, {k: v for k, v in bound.items() if v != FRESH})

    def _method_call(self, call: _Call, receiver: Value, attr: str, scope: _Scope) -> Value:
        """``receiver.attr(…)`` where ``receiver`` is (a view of) an argument."""
        if (attr in lib.MUTATING_METHODS or (attr.startswith("__") and attr.endswith("__")
                                             and attr not in lib.READING_SPECIALS)) \
                and not (attr == "byteswap" and not call.args and not call.kwargs):
            self._write(scope, receiver, call.node, f"calls `.{attr}()` on it")
        self._outputs(call, lib.METHOD_OUT_POSITION.get(attr, -1), ("out",), f".{attr}()", scope)
        if attr == "astype":
            copy = next((k.value for k in call.node.keywords if k.arg == "copy"), None)
            return Value(receiver.origins) if isinstance(copy, ast.Constant) and copy.value is False else FRESH
        if attr in lib.VIEW_METHODS:
            return Value(receiver.origins, receiver.elems)
        if attr in lib.ITEM_METHODS:
            return element(receiver)
        return FRESH

    def _other_method(self, call: _Call, receiver: Value, attr: str, scope: _Scope) -> Value:
        """``receiver.attr(…)`` where ``receiver`` is no argument: a new object, a list of rows, an object the
        reading cannot tell."""
        if attr in lib.ARGUMENT_WRITING_METHODS and call.args:
            self._write(scope, call.args[0], call.node, f"passes it to `.{attr}()`, which changes it")
        self._outputs(call, -1, ("out",), f".{attr}()", scope)
        func = call.node.func
        if attr in ("append", "extend", "insert", "add") and isinstance(func, ast.Attribute) and isinstance(
                func.value, ast.Name) and call.args and func.value.id in call.env:  # (func: receiver.attr)
            item = call.args[-1] if attr != "extend" else element(call.args[-1])
            env_value = call.env[func.value.id]
            call.env[func.value.id] = Value(env_value.origins, join(env_value.elems or FRESH, item), None,
                                            env_value.kind, env_value.dotted, env_value.fns)
        if attr in lib.ITEM_METHODS:
            return element(receiver)
        if attr == "copy":
            return Value(elems=receiver.elems)
        return FRESH

    def _outputs(self, call: _Call, position: int, names: Iterable[str], what: str, scope: _Scope) -> None:
        """An argument given as an output (``out=``, the position of one) is written."""
        for key in names:
            v = call.kwargs.get(key)
            if v is not None:
                self._write(scope, Value(reach(v)), call.node, f"passes it as `{key}=` to `{what}`")
        if 0 <= position < len(call.args):
            self._write(scope, Value(reach(call.args[position])), call.node, f"passes it as the output of `{what}`")

    def _library_call(self, call: _Call, dotted: str, scope: _Scope) -> Value:
        """A call of the library object ``dotted`` (a module's function, a class, a method of one)."""
        name = lib.canonical(dotted)
        bare = name.rsplit(".", 1)[-1]
        obj = lib.resolve(dotted)
        parent = lib.resolve(dotted.rsplit(".", 1)[0]) if "." in dotted else None
        args = call.args
        first = args[0] if args else None
        if isinstance(parent, np.ufunc) and not isinstance(obj, np.ufunc):  # np.add.at, np.add.reduce
            if bare == "at" and first is not None:
                self._write(scope, first, call.node, f"passes it to `{dotted}`, which changes it")
            self._outputs(call, {"reduce": 3, "accumulate": 3, "reduceat": 4}.get(bare, -1), ("out",), dotted, scope)
            return FRESH
        if getattr(obj, "__objclass__", None) in (np.ndarray, list, dict, set, object) and first is not None:
            return self._method_call(_Call(call.node, args[1:], call.kwargs, call.star, call.env), first, bare, scope)
        if name == "builtins.getattr" and len(call.node.args) > 1 and first is not None:
            attr = call.node.args[1]
            return self._attribute(first, attr.value) if isinstance(attr, ast.Constant) and isinstance(
                attr.value, str) else FRESH
        if name in lib.WRITES_FIRST and first is not None:
            self._write(scope, first, call.node, f"passes it to `{dotted}`, which changes it")
        self._library_outputs(call, obj, dotted, scope)
        return self._library_result(call, name, dotted)

    def _library_outputs(self, call: _Call, obj: object, dotted: str, scope: _Scope) -> None:
        """What a library callable writes through its output parameters (``out``, ``overwrite_a`` …)."""
        if obj is None or not callable(obj):
            self._outputs(call, -1, ("out", "output"), dotted, scope)
            return
        positions, names, parameters = lib.output_parameters(obj)
        for position in positions:
            self._outputs(call, position, (), dotted, scope)
        self._outputs(call, -1, ("out",), dotted, scope)
        for key in names:
            if not key.startswith("overwrite_"):
                continue
            flag = next((k.value for k in call.node.keywords if k.arg == key), None)
            if flag is None and key in parameters and parameters.index(key) < len(call.node.args):
                flag = call.node.args[parameters.index(key)]
            if flag is None or (isinstance(flag, ast.Constant) and not flag.value):
                continue  # (not given, or false: the default, nothing overwritten)
            param = key[len("overwrite_"):]
            target = call.kwargs.get(param)
            if target is None and param in parameters and parameters.index(param) < len(call.args):
                target = call.args[parameters.index(param)]
            if target is not None:
                self._write(scope, target, call.node, f"lets `{dotted}` overwrite it (`{key}=`)")

    def _library_result(self, call: _Call, name: str, dotted: str) -> Value:
        """What a library call returns, as far as the arguments go."""
        args = call.args
        if name in ("numpy.array", "numpy.asarray", "numpy.asanyarray"):
            copy = next((k.value for k in call.node.keywords if k.arg == "copy"), None)
            if (name == "numpy.array" and copy is None) or (isinstance(copy, ast.Constant) and copy.value is True):
                return FRESH
            return Value(args[0].origins, args[0].elems) if args else FRESH
        if name in lib.VIEW_FUNCTIONS or name.startswith(lib.VIEW_PREFIXES):
            origins = frozenset().union(*(v.origins for v in args)) if args else frozenset()
            elems = [v.elems for v in args if v.elems is not None]
            return Value(origins, elems[0] if len(elems) == 1 else None)
        if name == "builtins.enumerate" and args:
            return Value(elems=Value(items=(FRESH, element(args[0]))))
        if name == "builtins.zip" and args:
            return Value(elems=Value(items=tuple(element(v) for v in args)))
        if name in lib.HOLDING_FUNCTIONS and args:
            return Value(elems=container(element(v) for v in args).elems)
        if name in lib.ITEM_FUNCTIONS and args:
            return element(args[0])
        return FRESH


def _basic(index: ast.expr) -> bool:
    """An index that makes a view: integer constants, slices, ``...``, ``None``, and tuples of them."""
    if isinstance(index, ast.Tuple):
        return all(_basic(e) for e in index.elts)
    if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub):
        index = index.operand
    if isinstance(index, ast.Constant):
        return index.value is None or index.value is Ellipsis or (isinstance(index.value, int)
                                                                  and not isinstance(index.value, bool))
    return isinstance(index, ast.Slice)


def _callee(node: ast.Call) -> str:
    return short(ast.unparse(node.func), 40)


def local_names(node: FunctionNode) -> frozenset[str]:
    """The names a function binds (its locals), parameters included; nested functions' own names excluded."""
    names = set(params(node))
    todo: list[ast.AST] = list(node.body) if isinstance(node.body, list) else [node.body]
    while todo:
        sub = todo.pop()
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(sub.name)
            todo.extend(getattr(sub, "decorator_list", []))
            continue
        if isinstance(sub, ast.Lambda):
            continue
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names.update(alias.asname or alias.name.split(".")[0] for alias in sub.names)
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            names.add(sub.name)
        todo.extend(ast.iter_child_nodes(sub))
    return frozenset(names)


def declared_global(node: FunctionNode) -> frozenset[str]:
    out: set[str] = set()
    todo: list[ast.AST] = list(node.body) if isinstance(node.body, list) else []
    while todo:
        sub = todo.pop()
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(sub, (ast.Global, ast.Nonlocal)):
            out.update(sub.names)
        todo.extend(ast.iter_child_nodes(sub))
    return frozenset(out)
