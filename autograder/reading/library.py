"""NumPy, SciPy and the builtins as the purity reading knows them: what returns its argument, what writes it.

:mod:`autograder.reading.writes` finds a write through an argument only
where it is certain (docs/contract.md): a method that changes its object,
a library function that writes its first argument or an output argument,
and the names that are the argument itself or a view of it. These tables say
which library callables do what; a test calls every public NumPy function on
an array and fails on one that returns a view of it or writes it and is not
listed here (``tests/test_reading_purity.py``). Library objects are found
among the modules this process has loaded — never imported because a notebook
named them, except NumPy's and SciPy's public subpackages
(:data:`SUBPACKAGES`), so that a lookup does not depend on what happened to
be loaded.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib
import inspect
import re
import sys
import threading
from collections.abc import Callable
from typing import cast

import numpy as np

from autograder.model.pysource import parse
from autograder.reading.names import LIBRARY_ROOTS

#: Methods that change the object they are called on (ndarray, list, dict, set), and in-place operators.
MUTATING_METHODS = frozenset({
    "sort", "fill", "resize", "put", "itemset", "setfield", "setflags", "partition", "byteswap",
    "append", "extend", "insert", "pop", "clear", "remove", "reverse", "update", "setdefault", "popitem", "add",
    "discard", "difference_update", "intersection_update", "symmetric_difference_update",
    "__setitem__", "__delitem__", "__setattr__", "__delattr__", "__setstate__", "__init__", "__array_finalize__",
    "__iadd__", "__isub__", "__imul__", "__imatmul__", "__itruediv__", "__ifloordiv__", "__imod__", "__ipow__",
    "__ilshift__", "__irshift__", "__iand__", "__ixor__", "__ior__",
})
#: Methods whose result is their object or a view of it.
VIEW_METHODS = frozenset({"view", "reshape", "ravel", "transpose", "swapaxes", "squeeze", "diagonal", "getfield",
                          "__array__", "__iter__", "__reversed__", "__enter__", "conj", "conjugate",
                          "__array_wrap__", "to_device"})
#: Methods whose result is an item of their object.
ITEM_METHODS = frozenset({"__getitem__", "get", "pop", "__next__"})
#: Attributes of an array that are views of it.
VIEW_ATTRIBUTES = frozenset({"T", "mT", "real", "imag", "flat", "base", "data"})
#: Special methods that are plainly reads (any other ``__x__`` called on an argument counts as a write).
READING_SPECIALS = frozenset({
    "__len__", "__getitem__", "__contains__", "__iter__", "__reversed__", "__array__", "__copy__", "__deepcopy__",
    "__repr__", "__str__", "__format__", "__bool__", "__float__", "__int__", "__index__", "__hash__", "__eq__",
    "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__add__", "__sub__", "__mul__", "__truediv__",
    "__floordiv__", "__mod__", "__pow__", "__matmul__", "__neg__", "__pos__", "__abs__", "__radd__", "__rsub__",
    "__rmul__", "__rtruediv__", "__rpow__", "__rmatmul__", "__sizeof__", "__enter__", "__exit__", "__array_wrap__",
    "__next__",
})
#: ndarray methods with an output argument: its position among the method's positional arguments.
METHOD_OUT_POSITION = {
    "all": 1, "any": 1, "argmax": 1, "argmin": 1, "choose": 1, "clip": 2, "compress": 2, "cumprod": 2,
    "cumsum": 2, "dot": 1, "max": 1, "mean": 2, "min": 1, "prod": 2, "round": 1, "std": 2, "sum": 2, "take": 2,
    "trace": 4, "var": 2,
}
#: Methods of library objects that write their first argument (``rng.shuffle(z)``, ``np.add.at(z, i, 1)``).
ARGUMENT_WRITING_METHODS = frozenset({"shuffle", "at"})
#: Method names of the objects a grader's argument can be (ndarray, list, tuple, dict, str, NumPy scalars).
KNOWN_METHODS = frozenset(name for kind in (np.ndarray, list, tuple, dict, str, np.float64) for name in dir(kind))

#: Library functions that write their first argument (by name: the object is compared when it can be found).
WRITES_FIRST = frozenset({
    "numpy.copyto", "numpy.put", "numpy.place", "numpy.putmask", "numpy.fill_diagonal", "numpy.put_along_axis",
    "numpy.random.shuffle", "numpy.ndarray.sort",
    "builtins.setattr", "builtins.delattr", "builtins.object.__setattr__", "builtins.object.__delattr__",
    "operator.setitem", "operator.delitem", "operator.__setitem__", "operator.__delitem__",
    "operator.iadd", "operator.isub", "operator.imul", "operator.imatmul", "operator.itruediv",
    "operator.ifloordiv", "operator.imod", "operator.ipow", "operator.ilshift", "operator.irshift",
    "operator.iand", "operator.ixor", "operator.ior", "operator.iconcat",
    "operator.__iadd__", "operator.__isub__", "operator.__imul__", "operator.__itruediv__",
})
#: Library functions whose result is an argument itself or a view of one (``np.asarray(z)`` is ``z``).
VIEW_FUNCTIONS = frozenset({
    "numpy.asarray", "numpy.asanyarray", "numpy.ascontiguousarray", "numpy.asfortranarray",
    "numpy.asarray_chkfinite", "numpy.require", "numpy.atleast_1d", "numpy.atleast_2d", "numpy.atleast_3d",
    "numpy.squeeze", "numpy.expand_dims", "numpy.reshape", "numpy.ravel", "numpy.transpose",
    "numpy.matrix_transpose", "numpy.permute_dims", "numpy.moveaxis", "numpy.swapaxes", "numpy.rollaxis",
    "numpy.flip", "numpy.fliplr", "numpy.flipud", "numpy.rot90", "numpy.diagonal", "numpy.diag", "numpy.real",
    "numpy.imag", "numpy.broadcast_to", "numpy.broadcast_arrays", "numpy.split", "numpy.array_split",
    "numpy.hsplit", "numpy.vsplit", "numpy.dsplit", "numpy.unstack", "numpy.nditer", "numpy.frombuffer",
    "numpy.ndarray", "numpy.asmatrix", "numpy.matrix", "numpy.meshgrid", "numpy.ix_",
    "numpy.lib.stride_tricks.as_strided", "numpy.lib.stride_tricks.sliding_window_view",
    "numpy.memmap", "numpy.recarray", "numpy.rec.array", "numpy.char.asarray", "numpy.char.array",
    "numpy.float64", "numpy.double", "numpy.from_dlpack", "numpy.linalg.diagonal", "numpy.linalg.matrix_transpose",
    "numpy.polyder", "numpy.polyint", "numpy.real_if_close", "numpy.trim_zeros",
    "builtins.memoryview", "builtins.iter", "builtins.next", "builtins.reversed",
})
#: Modules whose every function may return a view of its argument (masked arrays share their data).
VIEW_PREFIXES = ("numpy.ma.",)
#: Library functions whose result holds its arguments' items (``list(z)`` holds the rows of ``z``).
HOLDING_FUNCTIONS = frozenset({"builtins.list", "builtins.tuple", "builtins.sorted", "builtins.set",
                               "builtins.frozenset", "builtins.filter", "itertools.chain", "itertools.islice",
                               "itertools.cycle"})
#: Library functions whose result is an item of their first argument.
ITEM_FUNCTIONS = frozenset({"builtins.min", "builtins.max"})

#: The public subpackages of NumPy and SciPy: imported here when a notebook names one (never another module), so
#: that what the reading finds does not depend on what this process happened to load.
SUBPACKAGES = frozenset({
    "numpy.linalg", "numpy.fft", "numpy.random", "numpy.ma", "numpy.lib", "numpy.lib.stride_tricks",
    "numpy.polynomial", "numpy.char", "numpy.rec", "numpy.emath", "numpy.strings",
    "scipy.linalg", "scipy.special", "scipy.stats", "scipy.optimize", "scipy.integrate", "scipy.interpolate",
    "scipy.signal", "scipy.sparse", "scipy.fft", "scipy.fftpack", "scipy.ndimage", "scipy.spatial",
    "scipy.cluster", "scipy.constants", "scipy.odr", "scipy.io",
})
#: The subpackages the sandbox loads before any student code (the zygote's warm imports), hence those the
#: notebooks use: :func:`load_tables` imports them ahead of the first reading.
USUAL_SUBPACKAGES = ("scipy.linalg", "scipy.special", "scipy.stats")


def _load(name: str) -> None:
    """Import ``name`` when it is one of :data:`SUBPACKAGES` and not loaded yet."""
    if name in SUBPACKAGES and name not in sys.modules:
        with contextlib.suppress(Exception):  # absent from this installation: the name stays unknown
            importlib.import_module(name)


@functools.lru_cache(maxsize=4096)
def resolve(dotted: str) -> object | None:
    """The library object ``dotted`` names, looked up among loaded modules (NumPy's and SciPy's subpackages
    imported first); None when absent or not under :data:`~autograder.reading.names.LIBRARY_ROOTS`."""
    parts = dotted.split(".")
    if parts[0] not in LIBRARY_ROOTS:
        return None
    for cut in range(2, len(parts) + 1):
        _load(".".join(parts[:cut]))
    for cut in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        obj: object = module
        for attr in parts[cut:]:
            try:
                obj = inspect.getattr_static(obj, attr)
            except AttributeError:
                return None
        return obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
    return None


_CANONICAL: dict[int, tuple[object, str]] = {}
_CANONICAL_LOCK = threading.Lock()
#: A library callable's output parameters: ``(positions, names, params)`` (:func:`output_parameters`).
Outputs = tuple[tuple[int, ...], tuple[str, ...], tuple[str, ...]]


def load_tables() -> None:
    """Import :data:`USUAL_SUBPACKAGES` and resolve the tables' names now (SciPy's stats alone takes half a
    second): the engine calls it while the sandbox warms up, rather than in the batch's first readings."""
    for name in USUAL_SUBPACKAGES:
        _load(name)
    canonical("builtins.len")


def canonical(dotted: str) -> str:
    """The table name of a library object reached under another name (``numpy.random.mtrand.shuffle``)."""
    if not _CANONICAL:
        # (filled once, under a lock, and published whole: a second grading thread that saw it half filled read a
        # library function's other name as no table's, and that thread's reading was kept for every notebook alike)
        with _CANONICAL_LOCK:
            if not _CANONICAL:
                table_names: dict[int, tuple[object, str]] = {}
                for table in (WRITES_FIRST, VIEW_FUNCTIONS, HOLDING_FUNCTIONS, ITEM_FUNCTIONS):
                    for name in table:
                        obj = resolve(name)
                        if obj is not None and not isinstance(obj, (int, float, str, bool)):
                            table_names.setdefault(id(obj), (obj, name))
                _CANONICAL.update(table_names)
    obj = resolve(dotted)
    found = _CANONICAL.get(id(obj)) if obj is not None else None
    return found[1] if found is not None and found[0] is obj else dotted


def output_parameters(obj: Callable[..., object]) -> Outputs:
    """``(positions, names)`` of a library callable's output parameters (``out``, ``overwrite_<param>``) and
    ``params``, its parameter names in order; cached per object (an unhashable one is read every time)."""
    try:
        return _cached_outputs(obj)
    except TypeError:
        return _read_outputs(obj)


@functools.lru_cache(maxsize=4096)
def _cached_outputs(obj: Callable[..., object]) -> Outputs:
    return _read_outputs(obj)


def _read_outputs(obj: Callable[..., object]) -> Outputs:
    if isinstance(obj, np.ufunc):
        return tuple(range(obj.nin, obj.nin + obj.nout)), ("out",), ()
    params = _signature_parameters(obj)
    if params is None:
        params = _doc_parameters(obj)
    positions: list[int] = []
    names: list[str] = []
    for i, p in enumerate(params):
        if p.name == "out" or p.name.startswith("overwrite_"):
            names.append(p.name)
            if p.name == "out" and p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                              inspect.Parameter.POSITIONAL_OR_KEYWORD):
                positions.append(i)
    return tuple(positions), tuple(names), tuple(p.name for p in params)


def _signature_parameters(obj: Callable[..., object]) -> list[inspect.Parameter] | None:
    """``inspect.signature(obj)``'s parameters, or None when it says nothing about them: it cannot be read, or
    (a compiled callable) it is only ``(*args, **kwargs)``, which CPython 3.14 gives for f2py's Fortran wrappers
    (``scipy.linalg.lapack.dgetrf``) where 3.11 to 3.13 raise."""
    try:
        params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return None
    if not inspect.isfunction(obj) and params and all(
            p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD) for p in params):
        return None
    return params


def _doc_parameters(obj: object) -> list[inspect.Parameter]:
    """The parameters of a C function read from the first line of its docstring (``dot(a, b, out=None)``)."""
    first = (getattr(obj, "__doc__", None) or "").strip().split("\n", 1)[0]
    m = re.match(r"^(?:[\w,\s]+=\s*)?[\w.]+(\(.*\))", first)  # (f2py's "lu,piv,info = dgetrf(a,[overwrite_a])")
    if not m:
        return []
    text = re.sub(r",\s*,", ",", m.group(1).replace("[", ",").replace("]", "")).replace("(,", "(")
    tree = parse(f"def f{text}: pass")
    if tree is None:
        return []
    args = cast(ast.FunctionDef, tree.body[0]).args  # (the tree of `def f…: pass`)
    kind = inspect.Parameter
    return ([kind(a.arg, kind.POSITIONAL_ONLY) for a in args.posonlyargs]
            + [kind(a.arg, kind.POSITIONAL_OR_KEYWORD) for a in args.args]
            + [kind(a.arg, kind.KEYWORD_ONLY) for a in args.kwonlyargs])
