"""A function's parameters as the purity reading binds them: the values a call gives, the literal constants it
passes or leaves at their defaults, and the branches those constants decide.

:mod:`autograder.reading.writes` binds a notebook function's parameters to
what a call gives them (:func:`signature` names those a call fills). A
parameter that is certainly a literal constant — the call passes one
(:func:`constant_arguments`), or leaves the parameter at a constant default
(:func:`constant_defaults`) — is read as that constant's truth, and a branch
on it (``if copy:``, ``if not copy:``) as the constant decides (:func:`truth`).
The function the grader calls is bound the same way for the parameters the
grader's calls never give a value to (:func:`left_at_default`): the contract
does not have them, so every call leaves them at their defaults.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from autograder.reading.definitions import FunctionNode
from autograder.reading.purity import Signature
from autograder.reading.values import Env, Value


def params(node: FunctionNode) -> list[str]:
    args = node.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def signature(node: FunctionNode, method: bool = False) -> Signature:
    """The parameters a call gives values to (``method``: the first, ``self``, is not given)."""
    args = node.args
    positional = tuple(a.arg for a in args.posonlyargs + args.args)
    return Signature(positional[1:] if method else positional, args.vararg.arg if args.vararg else None,
                     tuple(a.arg for a in args.kwonlyargs), args.kwarg.arg if args.kwarg else None)


def constant_defaults(node: FunctionNode) -> dict[str, Value]:
    """The parameters whose default is a literal constant (``copy=True``, ``axis=None``), each as the
    :func:`truth` of that constant: what the parameter is in a call that does not pass it."""
    args = node.args
    nodes = list(args.defaults) + [d for d in args.kw_defaults if d is not None]
    return {name: Value(kind="const", dotted=str(bool(d.value)))
            for name, d in zip(defaulted(node), nodes, strict=True) if isinstance(d, ast.Constant)}


def constant_arguments(node: ast.Call, positional: Sequence[str], names: set[str]) -> dict[str, Value]:
    """The parameters a call passes a literal constant (``copy=True``; positionally, before any ``*spread``), each
    as its :func:`truth`, as :func:`constant_defaults` gives a default."""
    out: dict[str, Value] = {}
    for i, arg in enumerate(node.args):
        if isinstance(arg, ast.Starred) or i >= len(positional):
            break
        if isinstance(arg, ast.Constant):
            out[positional[i]] = Value(kind="const", dotted=str(bool(arg.value)))
    for keyword in node.keywords:
        if keyword.arg in names and isinstance(keyword.value, ast.Constant):
            out[keyword.arg] = Value(kind="const", dotted=str(bool(keyword.value.value)))
    return out


def truth(test: ast.expr, env: Env) -> bool | None:
    """Whether ``test`` (a name, or ``not`` a name) is certainly true or false: a parameter no call passes, at its
    constant default (:func:`constant_defaults`, :func:`left_at_default`), or one the call passes a literal
    (:func:`constant_arguments`); None for anything else, whose both branches are read. So
    ``if copy: a = a.copy()`` with ``copy=True`` never reaches the write below it with ``a`` the argument."""
    negated = False
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, negated = test.operand, not negated
    value = env.get(test.id) if isinstance(test, ast.Name) else None
    if value is None or value.kind != "const" or value.dotted not in ("True", "False"):
        return None
    return (value.dotted == "True") != negated


def defaulted(node: FunctionNode) -> list[str]:
    """The parameters with defaults, in the order of ``args.defaults`` then ``kw_defaults``."""
    args = node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    out = positional[len(positional) - len(args.defaults):] if args.defaults else []
    return out + [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]


def left_at_default(node: FunctionNode, own: Signature, contract: Signature | None) -> dict[str, Value]:
    """The parameters of a contract function's definition (``node``, whose parameters a call fills are ``own``)
    that no call of the grader gives a value to, and whose default is a literal constant: each as
    :func:`constant_defaults` gives it, since every call of the grader leaves it there.

    The grader's calls fit the ``contract``'s signature (the reference's: every probe does), so they give values to
    the parameters named as the contract's, and to those in the positions the contract's positional parameters
    take (``def logsumexp(z, copy=True, axis=-1)`` has ``logsumexp(z, 0)`` give ``copy`` the axis). Those stay the
    reading's roots, with any other parameter the calls may fill (``*args``, ``**kwargs``); none is left at its
    default where the contract is not known (None) or takes ``*args`` or ``**kwargs`` itself."""
    if contract is None or contract.vararg is not None or contract.kwarg is not None:
        return {}
    passed = set(contract.positional) | set(contract.keyword_only) | set(own.positional[:len(contract.positional)])
    defaults = constant_defaults(node)
    return {name: defaults[name] for name in own.positional + own.keyword_only
            if name in defaults and name not in passed}
