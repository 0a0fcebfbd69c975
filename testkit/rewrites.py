"""The same solution cell written another way, as real code writes it: rewrites that change nothing the contract grades.

docs/contract.md grades what a function computes and does to its inputs, never how it is written, so each rewrite
here must leave a cell's grade as it was: a correct function keeps every point, and a wrong one loses the same cells
with hints naming the same mistakes. Each rule imitates what course and library code does (a layer object, a
decorator, NumPy imported without its alias, the helpers in a cell above, ...). ``tests/test_rewrites.py`` holds the
zoo to it in process and the reference solutions through the engine; ``python -m testkit.corpus.rewritten`` sweeps a
developer's real-code corpus (every rule on every specimen it applies to) through the engine.

A rule takes the cell's syntax tree and the contract function's name and returns the rewritten tree, two cells
(:class:`Split`: a cell the student added above, then the solution cell) or None where it does not apply. Rules marked
``correct_only`` preserve what a *correct* function computes but may change what a wrong one shows (a defensive copy
undoes an in-place write, ``np.errstate`` silences the warning a stability hint reads), so they are applied to
correct code only. The source comes back through :func:`ast.unparse`: comments and layout are not kept.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable
from dataclasses import dataclass

from autograder.checks.by_name import all_declarations
from autograder.model.course import FUNCTIONS
from autograder.model.pysource import nodes, without_docstring

#: Every contract function's name: a rule never moves one into another cell, nor binds one (a helper named
#: ``logsumexp`` in the ``log_softmax`` cell is that cell's answer; in a cell of its own it would be another).
CONTRACT = frozenset(fn for fns in FUNCTIONS.values() for fn in fns)

#: Arguments of a small call each contract function answers (the public examples' kind), for the rules that run a
#: demonstration at the bottom of the cell, as students do: each function's declaration states them (``demo=`` in
#: ``autograder/checks/<ps>.py``).
DEMO_ARGUMENTS = {fn: declared.demo for fn, declared in all_declarations().items()}
#: The functions whose first argument is an array of floats in every valid call (a copy of it is harmless).
FLOAT_FIRST = frozenset({"logsumexp", "softmax", "log_softmax", "entropy", "sigmoid", "gaussian_mle", "vae_kl"})


@dataclass(frozen=True)
class Split:
    """A rule's answer in two cells: ``above``, a code cell the student added before the solution cell, and
    ``cell``, the solution cell."""

    above: str
    cell: str


@dataclass(frozen=True)
class Rewrite:
    """One way of writing the same function: ``apply(tree, function)`` (see the module docstring)."""

    name: str
    #: the real code it imitates
    what: str
    apply: Callable[[ast.Module, str], ast.Module | Split | None]
    #: preserves a correct function's grade only (see the module docstring)
    correct_only: bool = False
    #: puts the function's code where a construct that hides what runs costs more (a class, a decorator, a table:
    #: docs/contract.md charges such a construct by where it stands), so code with one is not held to its own grade
    moves_code: bool = False


def rewritten(source: str, function: str, rule: Rewrite) -> str | Split | None:
    """``source`` (a solution cell defining ``function``) rewritten by ``rule``; None where the rule does not apply."""
    tree = ast.parse(source)
    out = rule.apply(tree, function)
    if out is None or isinstance(out, Split):
        return out
    text = ast.unparse(ast.fix_missing_locations(out)) + "\n"
    compile(text, f"<{rule.name}>", "exec")  # (a rule that wrote invalid code is this module's bug: raised here)
    return text


# --------------------------------------------------------------------------- what the rules look at


def _target(tree: ast.Module, fn: str) -> tuple[int, ast.FunctionDef] | tuple[None, None]:
    """The top-level ``def`` of ``fn`` the cell leaves bound: its last (a second one may wrap the first)."""
    for i in range(len(tree.body) - 1, -1, -1):
        node = tree.body[i]
        if isinstance(node, ast.FunctionDef) and node.name == fn:
            return i, node
    return None, None


def _body_start(f: ast.FunctionDef) -> int:
    """Where the function's statements start: after its docstring."""
    return len(f.body) - len(without_docstring(f.body))


def _prepend(f: ast.FunctionDef, statements: list[ast.stmt]) -> None:
    """``statements`` made the first of ``f``'s (after its docstring)."""
    start = _body_start(f)
    f.body[start:start] = statements


def _enclose(f: ast.FunctionDef, block: ast.With | ast.Try) -> None:
    """``f``'s statements (after its docstring) moved into ``block``, which takes their place."""
    start = _body_start(f)
    block.body = f.body[start:]
    f.body[start:] = [block]


def _first_argument(f: ast.FunctionDef) -> str | None:
    """The name of ``f``'s first positional parameter, None without one."""
    positional = f.args.posonlyargs + f.args.args
    return positional[0].arg if positional else None


def _forward(name: str, args: ast.arguments) -> ast.Call:
    """``name(<the arguments of a function with ``args``, passed on as received>)``."""
    positional: list[ast.expr] = [ast.Name(a.arg, ast.Load()) for a in args.posonlyargs + args.args]
    if args.vararg:
        positional.append(ast.Starred(ast.Name(args.vararg.arg, ast.Load()), ast.Load()))
    keywords = [ast.keyword(a.arg, ast.Name(a.arg, ast.Load())) for a in args.kwonlyargs]
    if args.kwarg:
        keywords.append(ast.keyword(None, ast.Name(args.kwarg.arg, ast.Load())))
    return ast.Call(ast.Name(name, ast.Load()), positional, keywords)


def _function(name: str, args: ast.arguments, body: list[ast.stmt]) -> ast.FunctionDef:
    """``def name(<args>): <body>`` (parsed, so that its fields are those of this Python's syntax tree)."""
    node = _statements(f"def {name}(): pass")[0]
    if not isinstance(node, ast.FunctionDef):
        raise TypeError(f"not a function: {name!r}")
    node.args, node.body = copy.deepcopy(args), body
    return node


def _class(name: str, body: list[ast.stmt]) -> ast.ClassDef:
    """``class name: <body>`` (parsed, as :func:`_function`)."""
    node = _statements(f"class {name}: pass")[0]
    if not isinstance(node, ast.ClassDef):
        raise TypeError(f"not a class: {name!r}")
    node.body = body
    return node


def _names(tree: ast.AST) -> set[str]:
    """Every name the cell binds or reads, its functions, classes and parameters included."""
    out = {n.id for n in nodes(tree) if isinstance(n, ast.Name)}
    out |= {n.name for n in nodes(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    return out | {n.arg for n in nodes(tree) if isinstance(n, ast.arg)}


def _top(tree: ast.Module) -> int:
    """Where a statement goes to stand first in the cell: after its docstring and ``from __future__`` imports."""
    at = 0
    for node in tree.body:
        docstring = at == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if not (docstring or isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            break
        at += 1
    return at


def _fresh(tree: ast.AST, base: str) -> str:
    """``base``, or ``base`` with a number, whichever the cell does not use yet (thinc's code has its own ``Ops``)."""
    taken = _names(tree) | {a.asname or a.name for n in nodes(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                            for a in n.names}
    return next(name for name in (base, *(f"{base}{k}" for k in range(2, 100))) if name not in taken)


def _statements(text: str) -> list[ast.stmt]:
    return ast.parse(text).body


# --------------------------------------------------------------------------- the rules


def _as_it_stands(tree: ast.Module, fn: str) -> ast.Module:
    return tree


def _numpy_without_alias(tree: ast.Module, fn: str) -> ast.Module | None:
    names = _names(tree)
    if "np" not in names or "numpy" in names:
        return None
    for node in nodes(tree):
        if isinstance(node, ast.Name) and node.id == "np":
            node.id = "numpy"
        elif isinstance(node, ast.Import):
            node.names = [ast.alias("numpy") if a.name == "numpy" and a.asname == "np" else a for a in node.names]
    tree.body.insert(_top(tree), ast.Import([ast.alias("numpy")]))
    return tree


def _numpy_functions_imported(tree: ast.Module, fn: str) -> ast.Module | None:
    taken, picked = _names(tree), set()

    class Calls(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.Call:
            self.generic_visit(node)
            f = node.func
            if (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "np"
                    and f.attr not in taken and f.attr not in CONTRACT):
                picked.add(f.attr)
                node.func = ast.Name(f.attr, ast.Load())
            return node

    Calls().visit(tree)
    if not picked:
        return None
    tree.body.insert(_top(tree), ast.ImportFrom("numpy", [ast.alias(p) for p in sorted(picked)], 0))
    return tree


def _numpy_imported_inside(tree: ast.Module, fn: str) -> ast.Module | None:
    _, f = _target(tree, fn)
    if f is None or "np" not in _names(f):
        return None
    _prepend(f, [ast.Import([ast.alias("numpy", "np")])])
    return tree


def _behind_a_forwarder(tree: ast.Module, fn: str,
                        route: Callable[[ast.FunctionDef], tuple[list[ast.stmt], ast.expr]]) -> ast.Module | None:
    """``fn``'s code moved into ``_<fn>_impl`` (or that with a number), and ``fn`` defined again to pass its
    arguments on as received to the callee ``route(impl)`` names, after the statements it gives (they stand
    between the two ``def``s); None where ``fn`` has no ``def``."""
    i, f = _target(tree, fn)
    if i is None or f is None:
        return None
    impl = copy.deepcopy(f)
    impl.name = _fresh(tree, f"_{fn}_impl")
    between, callee = route(impl)
    call = _forward("_", f.args)
    call.func = callee
    tree.body[i:i + 1] = [impl, *between, _function(fn, f.args, [ast.Return(call)])]
    return tree


def _wrapper_of_implementation(tree: ast.Module, fn: str) -> ast.Module | None:
    return _behind_a_forwarder(tree, fn, lambda impl: ([], ast.Name(impl.name, ast.Load())))


def _decorated(tree: ast.Module, fn: str) -> ast.Module | None:
    i, f = _target(tree, fn)
    if i is None or f is None:
        return None
    logged = _fresh(tree, "_logged")
    f.decorator_list.insert(0, ast.Name(logged, ast.Load()))
    tree.body[i:i] = _statements(f"import functools\n\ndef {logged}(fn):\n    @functools.wraps(fn)\n"
                                 "    def wrapper(*args, **kwargs):\n        return fn(*args, **kwargs)\n"
                                 "    return wrapper\n")
    return tree


def _static_method(tree: ast.Module, fn: str) -> ast.Module | None:
    i, f = _target(tree, fn)
    if i is None or f is None or f.decorator_list:
        return None
    f.decorator_list = [ast.Name("staticmethod", ast.Load())]
    ops = _fresh(tree, "Ops")
    tree.body[i:i + 1] = [_class(ops, [f]), *_statements(f"{fn} = {ops}.{fn}")]
    return tree


def _callable_object(tree: ast.Module, fn: str) -> ast.Module | None:
    i, f = _target(tree, fn)
    if i is None or f is None or f.decorator_list:
        return None
    call = copy.deepcopy(f)
    call.name = "__call__"
    call.args.posonlyargs, call.args.args = [], [ast.arg("self"), *call.args.posonlyargs, *call.args.args]
    layer = _fresh(tree, "Layer")
    tree.body[i:i + 1] = [_class(layer, [call]), *_statements(f"{fn} = {layer}()")]
    return tree


def _looked_up_in_a_table(tree: ast.Module, fn: str) -> ast.Module | None:
    def route(impl: ast.FunctionDef) -> tuple[list[ast.stmt], ast.expr]:
        table = _fresh(tree, "IMPLEMENTATIONS")
        return _statements(f"{table} = {{{fn!r}: {impl.name}}}"), ast.parse(f"{table}[{fn!r}]", mode="eval").body

    return _behind_a_forwarder(tree, fn, route)


def _inner_function(tree: ast.Module, fn: str) -> ast.Module | None:
    _, f = _target(tree, fn)
    if f is None:
        return None
    inner = copy.deepcopy(f)
    inner.name, inner.decorator_list = _fresh(tree, "_inner"), []
    start = _body_start(f)
    f.body[start:] = [inner, ast.Return(_forward(inner.name, f.args))]
    return tree


def _locals_renamed(tree: ast.Module, fn: str) -> ast.Module | None:
    _, f = _target(tree, fn)
    if f is None or any(isinstance(n, (ast.Global, ast.Nonlocal, ast.FunctionDef, ast.Lambda, ast.ClassDef))
                        for n in nodes(f) if n is not f):
        return None
    if _names(f) & {"eval", "exec", "locals", "vars"}:  # (code that names its variables in strings)
        return None
    a = f.args
    params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x]}
    local = {n.id for n in nodes(f) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} - params
    if not local:
        return None
    for node in nodes(f):
        if isinstance(node, ast.Name) and node.id in local:
            node.id += "_value"
    return tree


def _annotated(tree: ast.Module, fn: str) -> ast.Module | None:
    _, f = _target(tree, fn)
    if f is None:
        return None
    for a in f.args.posonlyargs + f.args.args + f.args.kwonlyargs:
        a.annotation = a.annotation or ast.Constant("np.ndarray")
    f.returns = f.returns or ast.Name("Any", ast.Load())
    if not _body_start(f):
        f.body.insert(0, ast.Expr(ast.Constant(f"Compute {fn}, as the notebook asks.")))
    tree.body.insert(_top(tree), *_statements("from typing import Any, Optional"))
    return tree


def _future_imports(tree: ast.Module, fn: str) -> ast.Module:
    tree.body.insert(0, ast.ImportFrom("__future__", [ast.alias(n) for n in ("annotations", "division")], 0))
    return tree


def _kept_in_a_global(tree: ast.Module, fn: str, base: str, initial: str,
                      update: Callable[[ast.FunctionDef], str | None]) -> ast.Module | None:
    """``fn`` with a module-level global of its own (``base``, or ``base`` with a number), bound to ``initial``
    above the ``def`` and updated by the function's first statement: ``<name> <update(f)>`` (``+= 1``,
    ``= z``); None where ``fn`` has no ``def`` or ``update`` gives None."""
    i, f = _target(tree, fn)
    how = None if f is None else update(f)
    if i is None or f is None or how is None:
        return None
    name = _fresh(tree, base)
    _prepend(f, _statements(f"global {name}\n{name} {how}"))
    tree.body.insert(i, *_statements(f"{name} = {initial}"))
    return tree


def _call_counter(tree: ast.Module, fn: str) -> ast.Module | None:
    return _kept_in_a_global(tree, fn, "CALLS", "0", lambda f: "+= 1")


def _last_input_kept(tree: ast.Module, fn: str) -> ast.Module | None:
    def keep_first(f: ast.FunctionDef) -> str | None:
        first = _first_argument(f)
        return None if first is None else f"= {first}"

    return _kept_in_a_global(tree, fn, "LAST_INPUT", "None", keep_first)


def _data_arguments_renamed(tree: ast.Module, fn: str) -> ast.Module | None:
    _, f = _target(tree, fn)
    if f is None:
        return None
    a = f.args
    positional = a.posonlyargs + a.args
    data = positional[:len(positional) - len(a.defaults)]  # (the defaults belong to the last positional ones)
    renamed = {p.arg: f"{p.arg}_in" for p in data}
    if not renamed or _names(f) & set(renamed.values()) or _names(f) & {"eval", "exec", "locals", "vars"}:
        return None
    for node in nodes(f):
        if isinstance(node, ast.arg) and node.arg in renamed:
            node.arg = renamed[node.arg]
        elif isinstance(node, ast.Name) and node.id in renamed:
            node.id = renamed[node.id]
    return tree


def _options_keyword_only(tree: ast.Module, fn: str) -> ast.Module | None:
    _, f = _target(tree, fn)
    if f is None or not f.args.defaults or f.args.vararg:
        return None
    a = f.args
    first = len(a.args) - len(a.defaults)
    a.kwonlyargs, a.kw_defaults = a.args[first:] + a.kwonlyargs, [*a.defaults, *a.kw_defaults]
    a.args, a.defaults = a.args[:first], []
    return tree


def _helpers_in_a_cell_above(tree: ast.Module, fn: str) -> Split | None:
    i, f = _target(tree, fn)
    others = [n for n in tree.body if n is not f]
    if f is None or not others or (_names(ast.Module(others, [])) & (CONTRACT - {fn})):
        return None
    return Split(ast.unparse(ast.Module(others, [])) + "\n", ast.unparse(ast.Module([f], [])) + "\n")


def _demonstrated_below(tree: ast.Module, fn: str) -> ast.Module:
    tree.body += _statements(f"import numpy as np\nprint({fn}({DEMO_ARGUMENTS[fn]}))")
    return tree


def _demonstrated_under_main(tree: ast.Module, fn: str) -> ast.Module:
    tree.body += _statements(f"if __name__ == '__main__':\n    import numpy as np\n"
                             f"    example = {fn}({DEMO_ARGUMENTS[fn]})\n    print('example:', example)")
    return tree


def _floating_point_errors_ignored(tree: ast.Module, fn: str) -> ast.Module | None:
    _, f = _target(tree, fn)
    if f is None:
        return None
    errstate = ast.parse("__import__('numpy').errstate(over='ignore', under='ignore')", mode="eval").body
    _enclose(f, ast.With([ast.withitem(errstate)], []))
    return tree


def _input_copied(tree: ast.Module, fn: str) -> ast.Module | None:
    _, f = _target(tree, fn)
    first = None if f is None else _first_argument(f)
    if f is None or fn not in FLOAT_FIRST or first is None:
        return None
    _prepend(f, _statements(f"import numpy as _numpy\n{first} = _numpy.array({first}, dtype=float)"))
    return tree


def _errors_raised_as_value_errors(tree: ast.Module, fn: str) -> ast.Module | None:
    _, f = _target(tree, fn)
    if f is None:
        return None
    guard = ast.parse("try:\n    pass\nexcept (TypeError, IndexError) as exc:\n"
                      "    raise ValueError(f'bad input: {exc}') from exc").body[0]
    if not isinstance(guard, ast.Try):
        return None
    _enclose(f, guard)
    return tree


REWRITES: tuple[Rewrite, ...] = (
    Rewrite("as-it-stands", "the cell printed again without comments (ast.unparse)", _as_it_stands),
    Rewrite("numpy-without-alias", "import numpy, then numpy.exp(...)", _numpy_without_alias),
    Rewrite("numpy-functions-imported", "from numpy import exp, log, ...", _numpy_functions_imported),
    Rewrite("numpy-imported-inside", "import numpy as np as the function's first statement", _numpy_imported_inside),
    Rewrite("wrapper-of-implementation", "def f(...): return _f_impl(...)", _wrapper_of_implementation),
    Rewrite("decorated", "a functools.wraps decorator of the cell's own", _decorated, moves_code=True),
    Rewrite("static-method", "a static method of a class, bound to the contract name", _static_method,
            moves_code=True),
    Rewrite("callable-object", "a layer object: f = Layer(), the code in __call__", _callable_object,
            moves_code=True),
    Rewrite("looked-up-in-a-table", "dispatch through a dict of implementations", _looked_up_in_a_table,
            moves_code=True),
    Rewrite("inner-function", "the body moved into a nested function the contract function calls", _inner_function),
    Rewrite("locals-renamed", "other names for the function's own variables", _locals_renamed),
    Rewrite("annotated", "type hints and a docstring", _annotated),
    Rewrite("future-imports", "from __future__ import annotations, division (copied from a module)",
            _future_imports),
    Rewrite("call-counter", "a module-level counter the function increments (global)", _call_counter),
    Rewrite("last-input-kept", "the last input kept in a global, as debugging code does", _last_input_kept),
    Rewrite("data-arguments-renamed", "other names for the arguments without a default (z as x)",
            _data_arguments_renamed),
    Rewrite("options-keyword-only", "the arguments with a default keyword-only (def f(z, *, axis=-1))",
            _options_keyword_only),
    Rewrite("helpers-in-a-cell-above", "the imports and helpers in a code cell the student added above",
            _helpers_in_a_cell_above),
    Rewrite("demonstrated-below", "a print of the function on a small input at the bottom of the cell",
            _demonstrated_below, correct_only=True),
    Rewrite("demonstrated-under-main", "an example under if __name__ == '__main__'", _demonstrated_under_main,
            correct_only=True),
    Rewrite("floating-point-errors-ignored", "the body under np.errstate(over='ignore', under='ignore')",
            _floating_point_errors_ignored, correct_only=True),
    Rewrite("input-copied", "the first argument copied to a float array first", _input_copied, correct_only=True),
    Rewrite("errors-raised-as-value-errors", "TypeError and IndexError raised again as ValueError",
            _errors_raised_as_value_errors, correct_only=True),
)
