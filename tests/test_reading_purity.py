"""A purity cell's evidence from the source (autograder/reading/purity.py, writes.py), read without running it.

Each case is a cell defining ``f(z, w=None, t=1.0)`` (or ``softmax`` where the problem set matters) and the verdict
of the reading for a call with array arguments: ``"mutation"`` (a statement that certainly writes through a
parameter given an array), ``""`` (no evidence: the function keeps the cell unless the call itself changed an
input), ``"unverifiable"`` (code that hides what runs reaches the function). Where the reading is unsure (a method,
an object, a callable chosen at run time), it finds nothing, and a write there is the call's to see
(``CAUGHT_BY_THE_CALL``: each still changes the grader's input, and the call reports it). The false-positive traps
are honest code that must keep its purity cell: the survey over the zoo, the independent versions, the references
and their disguised copies is ``test_honest_corpora_are_read_pure`` below; real code of other hands is
tests/test_reading_real_code.py.
"""

from __future__ import annotations

import importlib.util
import inspect
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from autograder.checks.by_name import checks_for
from autograder.checks.forbidden import FRAMEWORKS
from autograder.model.course import FUNCTIONS
from autograder.perimeter.child_runtime.invoke import invoke
from autograder.reading import library, names, notebook
from autograder.reading.cells import read_cell
from autograder.reading.flags import read_flags
from autograder.reading.notebook import NotebookReading
from autograder.reading.purity import Reading, mutable

A = np.arange(6.0).reshape(2, 3)
PS1 = FUNCTIONS["ps1_softmax"]


def reading(*cells, function="f", contract=()):
    return NotebookReading(cells, contract=contract).reading(function)


def verdict(*cells, function="f", args=None, kwargs=None, contract=()):
    args = (A.copy(), A.copy()) if args is None else args
    return reading(*cells, function=function, contract=contract).verdict(args, kwargs or {})


def head(body: str, imports: str = "import numpy as np\n") -> str:
    """A cell defining f(z, w=None, t=1.0) with ``body`` (indented by the caller)."""
    return f"{imports}\ndef f(z, w=None, t=1.0):\n{body}"


# ---------------------------------------------------------------------------------------------------------------
# Writes through a parameter, and through what may be it

WRITES = {
    "augmented assignment": "    z -= 1\n    return z\n",
    "item assignment": "    z[0] = 1\n    return z\n",
    "slice assignment": "    z[:] = 0\n",
    "attribute assignment": "    z.shape = (-1,)\n",
    "del item": "    del z[0]\n",
    "sort": "    z.sort()\n",
    "fill": "    z.fill(0)\n",
    "resize": "    z.resize(6)\n",
    "put": "    z.put([0], [1.0])\n",
    "setflags": "    z.setflags(write=False)\n",
    "partition": "    z.partition(1)\n",
    "list append": "    z.append(1)\n",
    "list extend": "    z.extend([1])\n",
    "list insert": "    z.insert(0, 1)\n",
    "list pop": "    return z.pop()\n",
    "list clear": "    z.clear()\n",
    "list remove": "    z.remove(1)\n",
    "list reverse": "    z.reverse()\n",
    "dunder iadd": "    z.__iadd__(1)\n",
    "dunder setitem": "    z.__setitem__(0, 1)\n",
    "getattr constant": '    getattr(z, "__isub__")(1)\n',
    "bound method kept": "    g = z.sort\n    g()\n",
    "unbound ndarray method": "    np.ndarray.sort(z)\n",
    "object.__setattr__": '    object.__setattr__(z, "shape", (6,))\n',
    "setattr": '    setattr(z, "shape", (6,))\n',
    "out= keyword": "    np.exp(z, out=z)\n",
    "out= in a tuple": "    np.exp(z, out=(z,))\n",
    "ufunc positional out": "    np.exp(z, z)\n",
    "binary ufunc positional out": "    np.subtract(z, 1.0, z)\n",
    "function positional out": "    np.cumsum(z, 0, None, z)\n",
    "method positional out": "    z.clip(0, 1, z)\n",
    "method out=": "    z.sum(axis=0, out=w)\n",
    "ufunc.at": "    np.add.at(z, 0, 1)\n",
    "ufunc.reduce out": "    np.add.reduce(w, 0, None, z)\n",
    "copyto": "    np.copyto(z, 0.0)\n",
    "np.put": "    np.put(z, [0], [1.0])\n",
    "np.place": "    np.place(z, z > 1, 0.0)\n",
    "np.putmask": "    np.putmask(z, z > 1, 0.0)\n",
    "fill_diagonal": "    np.fill_diagonal(z, 0.0)\n",
    "put_along_axis": "    np.put_along_axis(z, np.zeros((2, 1), int), 0.0, axis=1)\n",
    "np.random.shuffle": "    np.random.shuffle(z)\n",
    "Generator.shuffle": "    rng = np.random.default_rng(0)\n    rng.shuffle(z)\n",
    "overwrite_a": "    import scipy.linalg\n    return scipy.linalg.inv(z, overwrite_a=True)\n",
    "overwrite_a positional": "    import scipy.linalg\n    return scipy.linalg.inv(z, True)\n",
    "operator.isub": "    import operator\n    operator.isub(z, 1)\n",
    "operator.setitem": "    import operator\n    operator.setitem(z, 0, 1)\n",
    "spread into out": "    np.subtract(*(z, 1.0, z))\n",
    # aliases
    "plain alias": "    y = z\n    y -= 1\n",
    "chained alias": "    y = x = z\n    x += 1\n",
    "slice view": "    y = z[1:]\n    y *= 2\n",
    "index view": "    y = z[0]\n    y += 1\n",
    "transpose": "    y = z.T\n    y[0] = 1\n",
    "reshape": "    y = z.reshape(-1)\n    y[0] = 1\n",
    "ravel": "    np.ravel(z)[0] = 1\n",
    "view": "    z.view()[0] = 1\n",
    "flat": "    z.flat[0] = 1\n",
    "real": "    z.real[0] = 1\n",
    "np.asarray": "    y = np.asarray(z, dtype=float)\n    y -= y.max()\n",
    "np.asanyarray": "    np.asanyarray(z)[0] = 1\n",
    "np.array copy=False": "    y = np.array(z, copy=False)\n    y += 1\n",
    "astype copy=False": "    y = z.astype(float, copy=False)\n    y += 1\n",
    "atleast_2d": "    np.atleast_2d(z)[0] = 1\n",
    "squeeze": "    np.squeeze(z)[0] = 1\n",
    "expand_dims": "    np.expand_dims(z, 0)[0] = 1\n",
    "transpose function": "    np.transpose(z)[0] = 1\n",
    "moveaxis": "    np.moveaxis(z, 0, -1)[0] = 1\n",
    "broadcast_arrays": "    a, b = np.broadcast_arrays(z, w)\n    a[0] = 1\n",
    "split": "    parts = np.split(z, 2)\n    parts[0][0] = 1\n",
    "memoryview": "    memoryview(z)[0] = 1\n",
    "loop over rows": "    for row in z:\n        row -= row.max()\n",
    "enumerate rows": "    for i, row in enumerate(z):\n        row[0] = i\n",
    "zip rows": "    for a, b in zip(z, w):\n        a += b\n",
    "unpacking": "    a, b = z\n    a += 1\n",
    "tuple display": "    a, b = z, 0\n    a += 1\n",
    "starred": "    a, *rest = z\n    rest[0][0] = 1\n",
    "or": "    y = w or z\n    y += 1\n",
    "if expression": "    y = z if t else w\n    y += 1\n",
    "walrus": "    if (y := z) is not None:\n        y += 1\n",
    "list of rows": "    rows = list(z)\n    rows[0] += 1\n",
    "list holding it": "    pair = [z, w]\n    pair[0][0] = 1\n",
    "comprehension": "    [r.fill(0) for r in z]\n",
    "dict holding it": "    d = {'a': z}\n    d['a'] += 1\n",
    "with as": "    with np.errstate(all='ignore'):\n        y = z\n    y += 1\n",
    "branch": "    if t > 1:\n        z = z.copy()\n    z -= 1\n",
    "one branch only": "    if z.sum() > 1e300:\n        z[np.isnan(z)] = 0\n    return z\n",
    "loop second round": "    x = w\n    for _ in range(3):\n        x *= 2\n        x = z\n",
    "while": "    x = np.zeros(3)\n    while t:\n        x += 1\n        x = z\n",
    "try handler": "    x = np.zeros(3)\n    try:\n        x = z\n        t = 1 / t\n    except ZeroDivisionError:\n        x += 1\n",
    "finally": "    try:\n        x = z\n    finally:\n        x += 1\n",
    "match": "    match t:\n        case _:\n            y = z\n    y += 1\n",
    "nested def": "    def inner(a):\n        a -= 1\n    inner(z)\n",
    "closure": "    def inner():\n        z[0] = 1\n    inner()\n",
    "closure bound later": "    y = None\n    def inner():\n        y[0] = 1\n    y = z\n    inner()\n",
    "default argument": "    def inner(a=z):\n        a[0] = 1\n    inner()\n",
    "lambda": "    (lambda a: a.sort())(z)\n",
    "functools.partial out": "    import functools\n    g = functools.partial(np.subtract, out=z)\n    g(w, 1.0)\n",
    "in-place on an item of a list of rows": "    rows = [r for r in z]\n    rows[0] += 1\n",
    # library callables handed to library functions, called as those functions call them
    "a library function from a list": "    ops = [np.copyto]\n    ops[0](z, 0.0)\n",
    "a library function from a loop": "    for op in (np.copyto,):\n        op(z, 0.0)\n",
    "a library function from a dict": "    ops = {'c': np.copyto}\n    ops['c'](z, 0.0)\n",
    "a local name for it": "    c = np.copyto\n    c(z, 0.0)\n",
    "LAPACK overwrite": "    import scipy.linalg.lapack\n    scipy.linalg.lapack.dgetrf(z, overwrite_a=1)\n",
    "walrus in a comprehension": "    [(y := r) for r in [z]]\n    y += 1\n",
}


#: Real writes the reading is unsure of (a callable handed to a library function, a method chosen at run time,
#: a decorator's wrapper, an exception's arguments …): no evidence from the source; each changes the grader's
#: input, and the call's own comparison reports it. (These were read as writes before the purity cells were
#: judged on evidence only: docs/architecture.md, "Purity on evidence".)
CAUGHT_BY_THE_CALL = {
    "getattr computed": '    getattr(z, "so" + "rt")()\n',
    "type(z) method": "    type(z).sort(z)\n",
    "map": "    list(map(lambda r: r.fill(0), z))\n",
    "apply_along_axis": "    np.apply_along_axis(lambda r: r.sort(), 1, z)\n",
    "reduce with isub": "    import functools, operator\n    functools.reduce(operator.isub, [z, 1.0])\n",
    "starmap into out": "    import itertools\n    list(itertools.starmap(np.subtract, [(w, 1.0, z)]))\n",
    "map into out": "    list(map(np.subtract, [w], [1.0], [z]))\n",
    "map an unbound method": "    list(map(np.ndarray.sort, z))\n",
    "apply_along_axis with out": "    np.apply_along_axis(np.subtract, 1, w, 1.0, z)\n",
    "methodcaller": "    import operator\n    operator.methodcaller('sort')(z)\n",
    "map a methodcaller": "    import operator\n    list(map(operator.methodcaller('fill', 0.0), z))\n",
    "a bound method handed over": "    list(map(z.__setitem__, [0], [1.0]))\n",
    "a decorated helper": "    return _decorated(z)\n",
    "carried by an exception": "    try:\n        raise ValueError(z)\n    except ValueError as e:\n        e.args[0][0] = 1\n",
}


#: Unsure constructs that write nothing: a value kept in an attribute, a global, a container; a callable or a
#: module whose code the reading does not follow. The function keeps its purity cell (they were docked before
#: as "where the grader cannot follow it").
UNSURE_BUT_PURE = {
    "kept in a global": "    CACHE.append(z)\n",
    "kept in an attribute": "    box = Box()\n    box.kept = z\n",
    "global statement": "    global KEPT\n    KEPT = z\n",
    "unknown callable": "    FUNCS[0](z)\n",
    "module the reader does not know": "    import statistics\n    return statistics.mean(z)\n",
    "super": "    super(np.ndarray, z).__setitem__(0, 1.0)\n",  # (object has no __setitem__: it raises, writes nothing)
}

#: Code that hides what runs, inside the function: the cell is not earned, whatever the call showed.
HIDES_INSIDE = {
    "library chosen at run time": "    getattr(np, 'cop' + 'yto')(z, 0.0)\n",
    "frames": "    import sys\n    sys._getframe(1)\n    return z.sum()\n",
    "exec": "    exec('y = 1')\n    return z.sum()\n",
    "closure cells": "    return (lambda: z).__closure__[0].cell_contents.sum()\n",
}


#: What the cases above may use: a global container, a class, a helper wrapped by a notebook decorator whose
#: wrapper writes the argument (the body under the decorator is not what is called).
DEFINITIONS = """import numpy as np
CACHE = []
FUNCS = [print]

class Box:
    pass

def _twice(g):
    def wrapper(a):
        a *= 2
        return g(a)
    return wrapper

@_twice
def _decorated(a):
    return a
"""


@pytest.mark.parametrize("body", list(WRITES.values()), ids=list(WRITES))
def test_a_write_through_an_array_argument_is_found(body):
    kind, detail = verdict(head(body, DEFINITIONS))
    assert kind == "mutation", (body, kind, detail)
    assert "may modify its argument" in detail and "line " in detail, detail


#: Not sorted, so that sorting it changes it.
UNSORTED = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])


def _called(body: str):
    """The outcome of ``f(UNSORTED, UNSORTED)`` run as the grader runs a call (on private copies, compared after)."""
    namespace: dict = {}
    exec(compile(head(body, DEFINITIONS), "<case>", "exec"), namespace)
    return invoke(namespace["f"], (UNSORTED.copy(), UNSORTED.copy()))


@pytest.mark.parametrize("body", list(CAUGHT_BY_THE_CALL.values()), ids=list(CAUGHT_BY_THE_CALL))
def test_a_write_the_reading_is_unsure_of_is_the_calls_to_see(body):
    """No evidence from the source (the function would keep the cell on the source alone), and the call, which
    changes the grader's input, reports it: the cell is lost on that evidence."""
    assert verdict(head(body, DEFINITIONS)) == ("", ""), body
    assert _called(body).mutated, body


@pytest.mark.parametrize("body", list(UNSURE_BUT_PURE.values()), ids=list(UNSURE_BUT_PURE))
def test_what_the_reading_is_unsure_of_and_writes_nothing_keeps_the_cell(body):
    assert verdict(head(body, DEFINITIONS)) == ("", ""), body
    assert not _called(body).mutated, body


@pytest.mark.parametrize("body", list(HIDES_INSIDE.values()), ids=list(HIDES_INSIDE))
def test_code_that_hides_what_runs_inside_the_function_costs_its_cell(body):
    kind, detail = verdict(head(body, "import numpy as np\n"))
    assert kind == "unverifiable" and "`f` " in detail and "line " in detail, (body, detail)


# ---------------------------------------------------------------------------------------------------------------
# Honest code: no write (the false-positive traps)

PURE = {
    "rebound before the division": "    z = z - z.max()\n    z /= t\n    return z\n",
    "np.array copies": "    z = np.array(z, dtype=float)\n    z -= z.max()\n    return z\n",
    "np.asarray copy=True": "    z = np.asarray(z, copy=True)\n    z -= 1\n",
    "copy of an asarray": "    z = np.asarray(z, dtype=float).copy()\n    z -= 1\n",
    "astype copies": "    y = z.astype(float)\n    y += 1\n",
    "ufunc result": "    e = np.exp(z - np.max(z))\n    e /= e.sum()\n    return e\n",
    "arithmetic with a number": "    y = z * 1.0\n    y -= 1\n    y = z + 0.0\n    y -= 1\n",
    "out= a new array": "    out = np.empty_like(z)\n    np.exp(z, out=out)\n    out /= out.sum()\n    return out\n",
    "np.subtract into a new array": "    y = np.subtract(z, 1.0, out=np.empty(np.shape(z)))\n    y *= 2\n",
    "storing into a new array copies": "    out = np.zeros(3)\n    out[0] = z[0]\n    out[1:] = z[1:]\n    out -= 1\n",
    "boolean mask of an asarray copies": "    x = np.asarray(z)\n    pos = x[x > 0]\n    pos *= 2\n",
    "a list of new values": "    vals = []\n    for v in z:\n        vals.append(v * 2.0)\n    vals[0] = 0\n",
    "a number accumulated": "    total = 0.0\n    for v in np.ravel(z):\n        total += v\n    return total\n",
    "scalar parameter": "    t *= 2\n    t /= 3\n    return np.asarray(z) / t\n",
    "copy in both branches": "    if t > 1:\n        z = z.copy()\n    else:\n        z = np.array(z)\n    z -= 1\n",
    "loop rebinding first": "    for _ in range(3):\n        z = z - 1\n        z *= 2\n    return z\n",
    "comprehension of new values": "    rows = [np.exp(r) for r in z]\n    rows[0] /= 2\n    return rows\n",
    "sorted copy": "    y = np.sort(z)\n    y[0] = 0\n    y.sort()\n",
    "method of a new array": "    e = np.exp(z)\n    e.sort()\n    e.fill(0)\n",
    "errstate": "    with np.errstate(divide='ignore'):\n        return np.log(z)\n",
    "vectorize of a helper": "    return np.vectorize(lambda a, b: a + b)(z, w)\n",
    "scipy with default overwrite": "    import scipy.linalg\n    return scipy.linalg.cholesky(z @ z.T + np.eye(2), lower=True)\n",
    "overwrite_a=False": "    import scipy.linalg\n    return scipy.linalg.inv(z, overwrite_a=False)\n",
    "string methods": "    s = ', '.join(str(v) for v in np.ravel(z))\n    return s.replace(',', ';')\n",
    "math on items": "    import math\n    return math.fsum(math.exp(v) for v in np.ravel(z))\n",
    "reduce along an axis": "    return np.logaddexp.reduce(np.asarray(z, dtype=float), axis=-1)\n",
    "del a local": "    y = z\n    del y\n",
    "dead after return": "    return z.sum()\n",
    "map of a ufunc": "    return np.array(list(map(np.exp, z)))\n",
    "apply_along_axis of a reduction": "    return np.apply_along_axis(np.sum, 1, z)\n",
    "sorted with a key": "    return sorted(np.ravel(z), key=abs)\n",
    "reduce with a ufunc": "    import functools\n    return functools.reduce(np.add, list(z))\n",
    "dtype given as a class": "    return np.asarray(z, dtype=np.float64).sum() + np.zeros_like(z, dtype=float).sum()\n",
}


@pytest.mark.parametrize("body", list(PURE.values()), ids=list(PURE))
def test_honest_code_is_not_charged(body):
    assert verdict(head(body)) == ("", ""), body


def test_a_parameter_given_a_number_may_be_rebound_in_place():
    """``temperature *= 2`` rebinds a number: only the parameters the call gives an array or a list count."""
    cell = head("    t *= 2\n    return np.asarray(z) / t\n")
    assert verdict(cell, args=(A.copy(),), kwargs={"t": 2.0}) == ("", "")
    assert verdict(cell, args=(A.copy(), None, 2)) == ("", "")
    kind, detail = verdict(cell, args=(A.copy(),), kwargs={"t": np.array(2.0)})  # a 0-d array is changed in place
    assert kind == "mutation" and "`t`" in detail


def test_which_arguments_count():
    assert not mutable(1.0) and not mutable(np.float64(1)) and not mutable((1.0, 2.0)) and not mutable(None)
    assert mutable(np.array(1.0)) and mutable([1.0]) and mutable(([1.0], 2.0)) and mutable({"a": 1})
    cell = head("    w += 1\n")
    assert verdict(cell, args=(A.copy(),)) == ("", "")  # w not given: its default
    assert verdict(cell, args=(A.copy(), (1.0, 2.0))) == ("", "")  # a tuple of numbers cannot change
    assert verdict(cell, args=(A.copy(), [1.0]))[0] == "mutation"
    assert verdict(cell, args=(A.copy(),), kwargs={"w": A.copy()})[0] == "mutation"
    assert verdict(cell, args=(A.copy(), A.copy(), 1.0, 4.0)) == ("", "")  # TypeError before the body runs
    packed = "import numpy as np\ndef f(*args, **kwargs):\n    args[0][0] = 1\n    kwargs['w'] += 1\n"
    kind, detail = verdict(packed, args=(A.copy(),))
    assert kind == "mutation" and "*args" in detail
    assert verdict(packed, args=(1.0,), kwargs={"w": A.copy()})[0] == "mutation"
    assert verdict(packed, args=(1.0,), kwargs={"w": 2.0}) == ("", "")


# ---------------------------------------------------------------------------------------------------------------
# Helpers, other contract functions, definitions


def test_a_helper_that_writes_its_parameter_is_charged_to_the_caller_where_it_gets_the_argument():
    cells = ("import numpy as np\n\ndef _shift(a):\n    a -= a.max()\n    return a\n",
             "def f(z, w=None, t=1.0):\n    y = _shift(np.array(w))\n    return _shift(np.asarray(z)) + y\n")
    kind, detail = verdict(*cells)
    assert kind == "mutation" and "`z`" in detail and "`_shift`, which it calls" in detail and "line 4" in detail
    assert "`w`" not in detail
    assert verdict(*cells, args=(1.0, A.copy())) == ("", "")  # w is copied before the helper sees it


def test_a_helper_returning_its_argument_is_an_alias():
    cell = ("import numpy as np\n\ndef _flat(a):\n    return a.reshape(-1)\n\ndef _fresh(a):\n    return a * 2.0\n\n"
            "def f(z, w=None, t=1.0):\n    _fresh(w)[0] = 1\n    y = _flat(z)\n    y[0] = 1\n")
    kind, detail = verdict(cell)
    assert kind == "mutation" and "`z`" in detail
    assert verdict(cell, args=(1.0, A.copy())) == ("", "")


def test_recursion_and_mutual_recursion_end():
    cell = ("def g(a, n):\n    return f(a, n - 1) if n else a\n\n"
            "def f(z, w=None, t=1.0):\n    if w:\n        return g(z, w)\n    z[0] = 1\n")
    assert verdict(cell)[0] == "mutation"
    pure = "def f(z, w=0, t=1.0):\n    return f(z, w - 1) if w else 0.0\n"
    assert verdict(pure) == ("", "")


def test_a_notebook_class_and_a_lambda_are_read():
    """An instance's ``__call__`` is read as the function (its own writes are certain); the methods it calls on
    ``self`` are not followed (what ``self`` is, the reading cannot tell): a write there is the call's to see."""
    cls = ("import numpy as np\n\nclass S:\n    def __init__(self, k=2.0):\n        self.k = k\n"
           "    def __call__(self, z, axis=-1):\n        {body}\n"
           "    def _go(self, x, axis):\n        x *= self.k\n        return x\n\nsoftmax = S()\n")
    kind, detail = verdict(cls.format(body="z *= self.k\n        return z"), function="softmax", args=(A.copy(),))
    assert kind == "mutation" and "`S.__call__`" in detail, detail
    through_a_method = cls.format(body="return self._go(np.asarray(z), axis)")
    assert verdict(through_a_method, function="softmax", args=(A.copy(),)) == ("", "")
    namespace: dict = {}
    exec(through_a_method, namespace)
    assert invoke(namespace["softmax"], (A.copy(),)).mutated == ("argument 1",)
    assert verdict("softmax = lambda z, axis=-1: z.sort()\n", function="softmax", args=(A.copy(),))[0] == "mutation"
    assert verdict("import numpy as np\nsoftmax = lambda z, axis=-1: np.exp(z)\n", function="softmax",
                   args=(A.copy(),)) == ("", "")


#: ps1's callers written through another contract function of the set (``{call}``: the callee's call).
CALLERS = {"softmax": "def softmax(z, axis=-1, temperature=1.0):\n    return np.exp({call})\n",
           "log_softmax": "def log_softmax(z, axis=-1):\n    return {call}\n"}
CALLS = {"log_softmax": "log_softmax(z, axis)", "logsumexp": "z - logsumexp(z, axis)"}
#: (callee, caller) of the course: each pair whose two functions ps1 still asks for.
CALLED = [(callee, caller) for callee in CALLS for caller in CALLERS if callee != caller and {callee, caller} <= set(PS1)]


@pytest.mark.parametrize("callee,caller", CALLED, ids=[f"{caller}-through-{callee}" for callee, caller in CALLED])
def test_another_contract_function_is_charged_on_its_own(callee, caller):
    """softmax calling the student's log_softmax (or logsumexp; log_softmax calling logsumexp): at grading the callee
    is answered by the reference (errors carried forward), so its write is the callee's mistake, charged to the
    callee's purity cell only."""
    through = CALLERS[caller].format(call=CALLS[callee])
    cells = (f"import numpy as np\n\ndef {callee}(z, axis=-1):\n    z -= np.max(z)\n    return z\n", through)
    assert verdict(*cells, function=caller, args=(A.copy(),), contract=PS1) == ("", "")
    assert verdict(*cells, function=callee, args=(A.copy(),), contract=PS1)[0] == "mutation"
    alone = "import numpy as np\n" + through
    assert verdict(alone, function=caller, args=(A.copy(),), contract=PS1) == ("", "")


def test_a_binding_in_a_block_keeps_the_earlier_ones():
    pure = "import numpy as np\ndef f(z, w=None, t=1.0):\n    return np.exp(z)\n"
    branch = "import os\nif os.environ.get('X'):\n    def f(z, w=None, t=1.0):\n        z -= 1\n"
    assert verdict(pure, branch)[0] == "mutation"
    assert verdict(branch, pure) == ("", "")  # an unconditional def replaces them


def test_a_cell_that_stopped_early_may_not_have_bound_what_it_defines():
    """A definition after a statement that raised never ran: the engine says the cell did not complete, and the
    definitions before it stay candidates."""
    inplace_def = "def f(z, w=None, t=1.0):\n    z -= 1\n"
    later = "int('x')\nimport numpy as np\ndef f(z, w=None, t=1.0):\n    return np.exp(z)\n"
    reader = NotebookReading()
    reader.add(inplace_def)
    reader.add(later, complete=False)
    assert reader.reading("f").verdict((A.copy(),))[0] == "mutation"
    assert verdict(inplace_def, later) == ("", "")  # (a cell that completed replaces the definition)


def test_a_name_bound_to_code_the_reading_does_not_read_keeps_the_cell():
    """A factory's closure, a partial, a vectorized lambda, a loop variable, a number, a decorated def: no code
    the reading reads as what a call runs (the call judges them; these were "cannot tell from your source" before
    purity was judged on evidence only)."""
    for cell in ("def make():\n    def g(z, w=None, t=1.0):\n        return z\n    return g\nf = make()\n",
                 "import functools\ndef g(z, w=None, t=1.0):\n    return z\nf = functools.partial(g, t=2.0)\n",
                 "import numpy as np\nf = np.vectorize(lambda z: z)\n",
                 "import functools\n@functools.lru_cache\ndef f(z, w=None, t=1.0):\n    return z\n",
                 "for f in [print]:\n    pass\n",
                 "g = 1\n"):
        assert verdict(cell) == ("", ""), cell
    for decorator in ("import functools\n@functools.lru_cache\n", "import numpy as np\n@np.vectorize\n",
                      "def deco(g):\n    return g\n@deco\n"):  # (the wrapper runs, not certainly with the argument)
        assert verdict(decorator + "def f(z, w=None, t=1.0):\n    z -= 1\n    return z\n") == ("", ""), decorator


# ---------------------------------------------------------------------------------------------------------------
# Code that hides what runs


OPAQUE_ANYWHERE = {
    "tracer": "import sys\nsys.settrace(None)\n",
    "profiler": "import sys\nsys.setprofile(lambda *a: None)\n",
    "frames at top level": "import sys\nF = sys._getframe()\n",
    "exec": "exec('x = 1')\n",
    "eval": "y = eval('1')\n",
    "globals": "globals()['f'] = print\n",
    "sys.modules": "import sys\nsys.modules['__main__'].f = print\n",
    "__main__": "import __main__\n",
    "builtins": "import builtins\nbuiltins.len = print\n",
    "a library attribute": "import numpy as np\nnp.max = print\n",
    "setattr on a library": "import numpy as np\nsetattr(np, 'max', print)\n",
    "unknown module": "import jinja2\n",  # (installed where the notebook is graded, and not a known package)
    "relative import": "from . import x\n",
    "gc walking the objects": "import gc\nobjects = gc.get_objects()\n",
    "gc's referrers, through an alias": "import gc as g\nwalk = g.get_referrers\n",
    "gc's callbacks": "import gc\ngc.callbacks.append(print)\n",
    "a star import binding frames": "from inspect import *\nF = stack()\n",
    "a constant getattr": "import sys\nF = getattr(sys, '_getframe')()\n",
    "a module's namespace through vars()": "import sys\nF = vars(sys)['_getframe']()\n",
    "a module's namespace through __dict__": "import sys\nF = sys.__dict__['_getframe']()\n",
    "ctypes": "import ctypes\n",
    "ctypeslib": "import numpy as np\nas_array = np.ctypeslib.as_array\n",
    "get_ipython": "get_ipython().user_ns['f'] = print\n",
    "%run": "%run other.py\n",
    "cell magic": "%%bash\necho hi\n",
    "frames in a function handed around": ("import sys, threading\ndef spy():\n    sys._getframe()\n"
                                           "threading.Thread(target=spy).start()\n"),
    "frames in a function handed to a decorator": ("import sys\ndef logged(fn):\n    return fn\n"
                                                    "@logged\ndef spy():\n    sys._getframe()\n"),
    "file written then imported": "open('statistics.py', 'w').write('x = 1')\nimport statistics\n",
    "module written by a shell command then imported": "!printf 'x = 1' > my_helpers.py\nimport my_helpers\n",
    "module copied by a shell command then imported": "!cp /tmp/helpers.py my_helpers.py\nimport my_helpers\n",
    "pip told to install here, then imported": "!pip install --target . helpers\nimport helpers\n",
    "module file written then imported": "open('my_helpers.py', 'w').write('x = 1')\nimport my_helpers\n",
    "module written through pathlib": "from pathlib import Path\nPath('pandas.py').write_text('x = 1')\n"
                                      "import pandas\n",
    "file renamed into a module": "from pathlib import Path\nPath('notes.txt').rename('pandas.py')\nimport pandas\n",
    "os.rename into a module": "import os\nos.rename('notes.txt', 'pandas.py')\nimport pandas\n",
    "Path.open of a mode the reading cannot tell": "from pathlib import Path\nmode = 'w'\nPath('p.py').open(mode)\n"
                                                  "import pandas\n",
    "archive extracted": "import zipfile\nzipfile.ZipFile('d.zip').extractall('.')\nimport pandas\n",
    "file of a computed name": "name = 'pandas'\nopen(f'{name}.py', 'w').write('x = 1')\nimport pandas\n",
    "module imported by __import__ after the write": "open('pandas.py', 'w').write('x = 1')\npd = __import__('pandas')\n",
    # imports that stand above the write but may run after it
    "import in a function defined before the write": ("def load():\n    import pandas\n    return pandas\n"
                                                      "open('pandas.py', 'w').write('x = 1')\n"),
    "import retried in a loop": ("for attempt in range(2):\n    try:\n        import my_helpers\n"
                                 "    except ImportError:\n        open('my_helpers.py', 'w').write('x = 1')\n"),
    "import in a lambda defined before the write": ("load = lambda: __import__('my_helpers')\n"
                                                    "open('my_helpers.py', 'w').write('x = 1')\n"),
}

#: Writes that cannot make a module (found on real notebooks: pandas' ``rename``, a ``Path`` built, a zip read, a
#: results file of a fixed name), then an import of a package a written module could otherwise stand for.
WRITES_NO_MODULE = {
    "DataFrame.rename": "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\ndf = df.rename(columns={'a': 'b'})\n",
    "a Path built": "from pathlib import Path\nROOT = Path.cwd() / 'data'\nimport pandas\n",
    "a zip read": "import zipfile\nnames = zipfile.ZipFile('d.zip', 'r').namelist()\nimport pandas\n",
    "results written": "with open('prediction.csv', 'w') as fh:\n    fh.write('id,y')\nimport pandas\n",
    "a log of a computed name": "name = 'run'\nopen(f'./{name}.log', 'a').write('x')\nimport pandas\n",
    "a model saved": "import numpy as np\nnp.save('weights.npy', np.zeros(3))\nimport pandas\n",
    "a folder made": "import os\nos.makedirs('out', exist_ok=True)\nfrom pathlib import Path\nPath('o').mkdir()\n"
                     "import pandas\n",
    "a member of a zip read": "import zipfile\nfh = zipfile.ZipFile('d.zip').open('data.csv')\nimport pandas\n",
    "os.rename to a text file": "import os\nos.rename('a.txt', 'b.txt')\nimport pandas\n",
    "str.replace": "s = 'abc'.replace('a', 'b')\nimport pandas\n",
    # the imports at the notebook's top have run before anything is written: nothing written later can be one
    "imports above, a module file written below": ("import pandas as pd\nimport torch\n"
                                                   "open('pandas.py', 'w').write('x = 1')\n"),
    "a library not installed imported above a download": "import torch\n!wget -q http://example.org/torch.py\n",
}


@pytest.mark.parametrize("cell", list(WRITES_NO_MODULE.values()), ids=list(WRITES_NO_MODULE))
def test_a_write_that_cannot_make_a_module_costs_nothing(cell):
    """The 'writes files and imports' rule is for a module the notebook could have written: a file of a constant
    name that no import loads, a folder alone, or no write at all costs no purity cell."""
    assert verdict(head("    return np.exp(z)\n"), cell) == ("", "")


@pytest.mark.parametrize("cell", list(OPAQUE_ANYWHERE.values()), ids=list(OPAQUE_ANYWHERE))
def test_code_the_reader_cannot_see_makes_every_function_unverifiable(cell):
    pure = head("    return np.exp(z)\n")
    kind, detail = verdict(pure, cell)
    assert kind == "unverifiable", (cell, kind, detail)
    assert verdict(pure, cell, args=(1.0,)) == ("", "")  # (a call with numbers only cannot change anything)


@pytest.mark.parametrize("cell", ["import pylab\n", "from pylab import *\n", "import matplotlib.pyplot as plt\n",
                                  "from mpl_toolkits.mplot3d import Axes3D\n", "import pandas as pd\n",
                                  # (annotations: a real JS loss imports Literal from the typing backport)
                                  "from typing_extensions import Literal\n",
                                  "from numpy import *\nfrom math import *\n",
                                  # deep-learning notebooks free memory so (gc's walks of objects still cost)
                                  "import gc\ngc.collect()\ngc.disable()\ngc.enable()\n",
                                  "class Box:\n    pass\nb = Box()\nstate = vars(b), b.__dict__\n"])
def test_a_known_scientific_package_costs_nothing(cell):
    """A notebook's plotting or data import at top level (real code keeps `import pylab as pl` it never uses) is a
    library's, not code of the student's the grader cannot read: no purity cell is lost for it."""
    assert verdict(head("    return np.exp(z)\n"), cell) == ("", "")


@pytest.mark.parametrize("cell", ["from google.colab import drive\ndrive.mount('/content/drive')\n", "import torch\n",
                                  "import my_helpers\n", "!pip install numpy\n",
                                  "!pip install -q tqdm\n!nvidia-smi\nfrom google.colab import drive\n",
                                  "!python -m pip install numpy\nimport torch\nimport seaborn\n"])
def test_a_module_that_cannot_be_imported_where_graded_costs_nothing(cell):
    """Colab's drive, a library the course does not install, a helper file the submission does not bring: the
    import raises there and runs nothing, so no purity cell is lost for it (unless the notebook writes files:
    the tests above)."""
    assert verdict(head("    return np.exp(z)\n"), cell) == ("", "")


def test_a_framework_refused_while_grading_costs_nothing_where_it_is_installed(tmp_path, monkeypatch):
    """A course image may hold torch for other courses: its import is still refused while grading (the guard), so it
    runs nothing there, as a module not installed does; the flag for a module whose code the grader does not read
    (every purity cell) was given it all the same."""
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    names.installed.cache_clear()
    try:
        assert importlib.util.find_spec("torch") is not None
        assert verdict(head("    return np.exp(z)\n"), "import torch\nimport torch.nn as nn\n") == ("", "")
    finally:
        names.installed.cache_clear()
    assert set(FRAMEWORKS) == names.REFUSED_ROOTS, "autograder/checks/forbidden.py's FRAMEWORKS and the reading's"


def test_course_cells_are_not_searched():
    """The course's own cells (the set-up cell runs its module with exec) do not count against a student."""
    pure = head("    return np.exp(z)\n")
    course = SimpleNamespace(text="import sys\nexec(compile('x = 1', 'selfcheck', 'exec'))\nsys.modules['m'] = 1\n",
                             index=0, student=False)
    reader = NotebookReading(contract=())
    reader.add(course)
    reader.add(pure, index=1)
    assert reader.reading("f").verdict((A.copy(),)) == ("", "")


def test_what_a_function_reaches_counts_for_the_functions_that_reach_it():
    cells = ("import sys\nimport numpy as np\n\ndef _debug():\n    return sys._getframe(1).f_code.co_name\n",
             "def f(z, w=None, t=1.0):\n    _debug()\n    return np.exp(z)\n",
             "def g(z, w=None, t=1.0):\n    return np.exp(z)\n")
    kind, detail = verdict(*cells)
    assert kind == "unverifiable" and "`_debug` reaches into running frames" in detail and "line 5" in detail
    assert verdict(*cells, function="g") == ("", "")


def test_a_long_cell_is_read_as_one_tree():
    """A cell too long for the parser's cache is parsed once here all the same: what its functions reach is found."""
    filler = "".join(f"# {'x' * 70}\n" for i in range(400))  # > 20,000 characters
    cells = ("import sys\nimport numpy as np\n" + filler + "def f(z, w=None, t=1.0):\n    sys._getframe()\n"
             "    return np.exp(z)\n",)
    kind, detail = verdict(*cells)
    assert len(cells[0]) > 20_000 and kind == "unverifiable" and "`f` reaches into running frames" in detail


def test_magics():
    pure = head("    return np.exp(z)\n")
    assert verdict("%matplotlib inline\n%timeit -n 3 print(1)\n!ls\n%time total = 1\n" + pure) == ("", "")
    # help, either way round, and a quiet magic inside a function (a plotting helper's %matplotlib) run nothing
    assert verdict("?np.mean\nnp.exp??\n" + pure, "def plot():\n    %matplotlib inline\n    return 1\n") == ("", "")
    # a shell command continued on the next line, and a %%time cell IPython reads its own way (a line `;`): neither
    # is the student's use of the IPython shell (IPython's transformer writes get_ipython() for them)
    assert verdict(pure, "!ls \\\n  -la\nimport numpy as np\n", "%%time\nx = 1\n;\n") == ("", "")
    # %cd (Colab's `%cd /content/drive/MyDrive`) runs nothing: shown to a person, as a change of sys.path is
    assert verdict(pure, "%cd /content/drive/MyDrive\n") == ("", "")
    assert [f["reason"] for f in NotebookReading((pure, "%cd /content\n")).flags] == [
        "changes the working directory: `%cd`"]
    # the code of %time runs in the notebook's namespace: read as the cell's own
    assert verdict(pure, "%time f = lambda z, w=None, t=1.0: z.sort()\n")[0] == "mutation"
    assert verdict(pure, "if True:\n    %time f = lambda z, w=None, t=1.0: z.sort()\n")[0] == "mutation"
    assert verdict(pure, "%time exec('f = 1')\n")[0] == "unverifiable"
    assert verdict(head("    %time z -= 1\n    return z\n"))[0] == "unverifiable"
    assert verdict('def f(z, w=None, t=1.0):\n    """Doc.\n    %run is not a magic in a string\n    """\n'
                   "    return z.sum()\n") == ("", "")


def test_bounds_make_it_unverifiable_never_an_error(monkeypatch):
    deep = "def f(z, w=None, t=1.0):\n    return " + "(" * 90 + "z" + ")" * 90 + "\n"
    assert verdict(deep)[0] in ("", "unverifiable")
    long_body = "".join(f"    y{i} = np.exp(z) + {i}\n" for i in range(400))
    monkeypatch.setattr(notebook, "MAX_READING_STEPS", 500)
    kind, detail = verdict(head(long_body))
    assert kind == "unverifiable" and "steps" in detail
    chain = "".join(f"def h{i}(a):\n    return h{i + 1}(a)\n" for i in range(30)) + "def h30(a):\n    return a\n"
    kind, detail = verdict(chain + "def f(z, w=None, t=1.0):\n    return h0(z)\n")
    assert kind == "unverifiable" and "nest deeper" in detail


def test_the_message_shows_the_line():
    kind, detail = verdict(head("    z = np.asarray(z)\n    z -= z.max(axis=-1, keepdims=True)\n    return z\n"))
    assert detail == ("`f` may modify its argument `z` in place: an in-place operator (`-=`) on it (line 5 of its "
                      "cell: `z -= z.max(axis=-1, keepdims=True)`)")


# ---------------------------------------------------------------------------------------------------------------
# The tables against the installed NumPy


def _arrays(value, depth=0):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (tuple, list)) and depth < 2:
        for item in value:
            yield from _arrays(item, depth + 1)


#: Functions not called by the scan (files, printing, the test runner).
_NOT_CALLED = {"memmap", "fromfile", "save", "savez", "savez_compressed", "savetxt", "load", "loadtxt", "genfromtxt",
               "fromregex", "info", "show_config", "show_runtime", "test", "get_include"}


def test_every_numpy_function_that_returns_a_view_or_writes_its_argument_is_in_the_tables():
    """Each public callable of NumPy (and linalg, fft, stride_tricks, ma) is called on a fresh 2-D array (with
    no, one or two more arguments, the first that works): one whose result shares memory with the array must
    be a view function of the reader's tables, one that changed the array a function that writes it."""
    shares, writes = [], []
    for module, prefix in ((np, "numpy"), (np.linalg, "numpy.linalg"), (np.fft, "numpy.fft"),
                           (np.lib.stride_tricks, "numpy.lib.stride_tricks"), (np.ma, "numpy.ma")):
        for name in sorted(n for n in dir(module) if not n.startswith("_") and n not in _NOT_CALLED):
            obj = getattr(module, name)
            if not callable(obj) or isinstance(obj, np.ufunc) or inspect.ismodule(obj):
                continue
            for extra in ((), (0,), (1,), (0, 1)):
                a = np.arange(1.0, 7.0).reshape(2, 3)
                before = a.copy()
                try:
                    with warnings.catch_warnings(), np.errstate(all="ignore"):
                        warnings.simplefilter("ignore")
                        result = obj(a, *extra)
                except Exception:  # noqa: BLE001 — not callable this way: the next way
                    continue
                dotted = library.canonical(f"{prefix}.{name}")
                if any(np.shares_memory(r, a) for r in _arrays(result)) and not (
                        dotted in library.VIEW_FUNCTIONS or dotted.startswith(library.VIEW_PREFIXES)):
                    shares.append(dotted)
                if not np.array_equal(a, before) and dotted not in library.WRITES_FIRST:
                    writes.append(dotted)
                break
    assert not shares and not writes, {"views not listed": shares, "writers not listed": writes}


def test_method_output_positions_are_numpys():
    """:data:`METHOD_OUT_POSITION` is where each ndarray method takes ``out`` (read from its signature)."""
    for method, position in library.METHOD_OUT_POSITION.items():
        try:
            params = list(inspect.signature(getattr(np.ndarray, method)).parameters)[1:]
        except (TypeError, ValueError):
            pytest.skip("this NumPy's ndarray methods have no signatures")
        assert params.index("out") == position, method


# ---------------------------------------------------------------------------------------------------------------
# The honest corpora


def test_honest_corpora_are_read_pure():
    """Every zoo specimen, independent version and reference is read as the purity cell reads it, on its problem
    set's purity probes: the reading finds a write only where the run shows one (the zoo's specimens that work
    in place), never on code whose calls leave their inputs alone but for the zoo's two specimens that write on
    a path the probes do not take."""
    from testkit.independent import versions as independent
    from testkit.zoo import all_specimens, grade, reference_sources

    found, read = set(), 0
    # (a specimen whose recorded mistake is code the grader cannot read is not honest about its purity: left out)
    versions = [(s.name, s.function, s.source, ps) for ps, s in all_specimens() if "unreadable-code" not in s.mistakes]
    versions += [(f"{fn}-{i}", fn, src, ps) for ps, fns in FUNCTIONS.items() for fn in fns
                 for i, src in enumerate(independent(fn))]
    for name, function, source, ps in versions:
        reader = NotebookReading(contract=FUNCTIONS[ps])
        for text in reference_sources(ps):
            reader.add(text, student=False)
        reader.add(source)
        result: Reading = reader.reading(function)
        read += 1
        probes = checks_for(ps)[f"{function}-purity"].probes
        if any(result.verdict(p.args, p.kwargs)[0] for p in probes):
            found.add(name)
    runs = {s.name for ps, s in all_specimens() if s.name in found
            and "modified its input" in grade(ps, s)[f"{s.function}-purity"].message}
    assert found == runs and read >= 300 and len(runs) >= 4, (read, found - runs, runs)


#: What only the source shows, graded in process as the zoo is (not zoo specimens: the zoo is what students read
#: in their notebooks' check lists): a softmax that works in place except when its caller is the grader's, and an
#: in-place clean-up on a path the grader's inputs never take (no nan among them).
COPIES_ONLY_WHEN_GRADED = '''
import sys
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float)
    if sys._getframe(1).f_code.co_name == "invoke":   # called by the grader: look pure
        x = x.copy()
    x -= np.max(x, axis=axis, keepdims=True)
    x /= temperature
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)
'''
NAN_TO_NEGINF_IN_PLACE = '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    if np.isnan(z).any():
        z[np.isnan(z)] = -np.inf          # treat missing logits as impossible classes
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
'''


LSE_NAN_TO_NEGINF_IN_PLACE = '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    if np.isnan(z).any():
        z[np.isnan(z)] = -np.inf          # treat missing logits as impossible classes
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)), axis=axis)
'''
#: ``(function, source, kind, why)``: each of a function ps1 asks for.
SOURCE_ONLY = [case for case in (
    ("softmax", COPIES_ONLY_WHEN_GRADED, "unverifiable", "`softmax` reaches into running frames"),
    ("log_softmax", NAN_TO_NEGINF_IN_PLACE, "mutation", "an assignment into it (line 7 of its cell"),
    ("logsumexp", LSE_NAN_TO_NEGINF_IN_PLACE, "mutation", "an assignment into it (line 7 of its cell"),
) if case[0] in PS1]


@pytest.mark.parametrize("function,source,kind,why", SOURCE_ONLY, ids=[c[0] for c in SOURCE_ONLY])
def test_what_only_the_source_shows_costs_the_purity_cell_only(function, source, kind, why):
    """Every call of the checks leaves the input alone (the child would report nothing), yet the purity cell is
    lost, saying why, with the hint for it; every other cell of the problem set is kept."""
    from testkit.zoo import Specimen, grade

    results = grade("ps1_softmax", Specimen(f"{function}-source-only", function, source))
    lost = {gid: r for gid, r in results.items() if not r.passed}
    assert set(lost) == {f"{function}-purity"}, {g: r.message for g, r in lost.items()}
    result = lost[f"{function}-purity"]
    assert result.kind == kind and why in result.message, result.message
    assert ("plain code the grader can read" if kind == "unverifiable" else "Work on a copy") in result.hint


# ---------------------------------------------------------------------------------------------------------------
# Warnings stay the child's report: what forging them could gain, a function has by allowed means


WARNS_BUT_RIGHT = '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    {guard}np.exp(z).sum()                  # computed and thrown away: overflows for large z
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)), axis=axis)
'''
NAIVE_SILENCED = '''
import numpy as np

def logsumexp(z, axis=-1):
    with np.errstate(all="ignore"):
        return np.log(np.sum(np.exp(np.asarray(z, dtype=float)), axis=axis))
'''


def test_the_no_warning_property_is_the_functions_own_and_values_are_the_parents():
    """threat-model.md, "What the child says about itself": a function decides its own warnings by allowed means
    (an `np.errstate` inside it is honoured during the grader's call), so a forged report gains nothing more;
    and the stability cell's values are judged in the parent, so a naive formula silenced still fails there."""
    from testkit.zoo import Specimen, grade

    warns = grade("ps1_softmax", Specimen("w", "logsumexp", WARNS_BUT_RIGHT.format(guard="")))
    assert warns["logsumexp-stability"].kind == "warning", warns["logsumexp-stability"].message
    silenced = WARNS_BUT_RIGHT.format(guard="with np.errstate(all='ignore'):\n        ")
    assert grade("ps1_softmax", Specimen("s", "logsumexp", silenced))["logsumexp-stability"].passed
    naive = grade("ps1_softmax", Specimen("n", "logsumexp", NAIVE_SILENCED))["logsumexp-stability"]
    assert not naive.passed and naive.kind in ("value", "nonfinite"), (naive.kind, naive.message)


@pytest.mark.parametrize("cell", [
    'import timeit\nz = np.ones(5)\nprint(timeit.timeit("f(z)", globals=globals(), number=100))\n',
    'from timeit import repeat, Timer\nrepeat("f(z)", "z = np.ones(5)", globals=globals())\n'
    'Timer(stmt="f(z)", setup="pass", globals=globals()).timeit(10)\n',
])
def test_timeit_given_the_notebooks_globals_is_read_as_the_code_it_times(cell):
    """Python's documentation times a function of the notebook's so: ``timeit.timeit("f(z)", globals=globals())``.
    timeit runs its constant strings in that namespace, as ``%timeit f(z)`` runs its line, so they are read as the
    notebook's code and its ``globals()`` costs nothing (it cost every purity cell as a reach around the names)."""
    assert verdict(head("    return np.exp(z)\n"), cell) == ("", "")


@pytest.mark.parametrize("cell", [
    'import timeit\ntimeit.timeit(lambda: f(z), globals=globals())\n',  # (not a string: globals() as written)
    'import timeit, sys\ntimeit.timeit("sys._getframe(1)", globals=globals())\n',  # (what it times, read)
    'import timeit\nns = globals()\ntimeit.timeit("f(z)", globals=ns)\n',
])
def test_what_timeit_runs_is_read_and_globals_otherwise_counts(cell):
    assert verdict(head("    return np.exp(z)\n"), cell)[0] != ""


@pytest.mark.parametrize("statement", ["-" * 10_000 + "1", "x." * 10_000 + "y", "def (:"],
                         ids=["deep-unary", "deep-attribute", "syntax-error"])
def test_a_timed_string_python_cannot_compile_is_read_as_running_nothing(statement):
    """The parser gives up on such a string with MemoryError or RecursionError (or a SyntaxError): timeit cannot
    compile it either, so it runs nothing; the reading neither raises (it did, MemoryError) nor costs a cell."""
    cell = f"import timeit\ntimeit.timeit({statement!r}, globals=globals())\n"
    assert verdict(head("    return np.exp(z)\n"), cell) == ("", "")


@pytest.mark.parametrize("opening", ["%%capture", "%%capture out", "%%time", "%%prun -s cumulative"])
def test_a_cell_run_under_capture_or_time_is_its_own_code_not_a_missing_magic(opening):
    """Colab notebooks open their installs with `%%capture` (to hide pip's output). Its opening line was read as a
    line magic `%capture`, which IPython does not have: shown as missing, and where the notebook binds IPython
    (which can define magics) every purity cell was lost. The cell under it is read as the cell's own code."""
    cell = f"{opening}\n!pip install -q numpy\nz = np.ones(3)\n"
    assert verdict(head("    return np.exp(z)\n", "import numpy as np\nimport IPython\n"), cell) == ("", "")
    found = read_flags(read_cell(cell), {})
    assert found.undefined_magics == () and found.flags == (), found
    assert verdict(head("    return np.exp(z)\n"), f"{opening}\nimport sys\nsys._getframe()\n")[0] != ""


def test_a_call_that_changed_its_input_is_told_the_statement_too():
    """Real code (a VAE practice repository): the write is in a helper, through `out=`, into the array `np.asarray`
    returned as it was given. The run shows which argument changed; the message names the line as well, where the
    source shows it, so that the student knows what to change (it named only "argument 2")."""
    from testkit.zoo import Specimen, grade

    source = '''
import numpy as np

def kl_div_normal(q_mean, q_log_var):
    q_var = np.exp(q_log_var, out=q_log_var)
    return -0.5 * np.sum(1 + q_log_var - q_mean * q_mean - q_var, axis=-1)

def vae_kl(mu, logvar):
    return kl_div_normal(np.asarray(mu, dtype=float), np.asarray(logvar, dtype=float))
'''
    message = grade("ps5_gaussian_kl", Specimen("vae-kl-out-into-input", "vae_kl", source, hint="copy"))[
        "vae_kl-purity"].message
    assert "modified its input (argument 2) in place" in message, message
    assert "`q_var = np.exp(q_log_var, out=q_log_var)`" in message and "kl_div_normal" in message, message
