"""Which arguments a function may modify in place, read from the notebook's source (parsed, never run).

A purity cell (``*-purity``) asks that a function leave its inputs alone.
Running the function shows only what it did on the grader's inputs, in the
process that ran it: a function that copies its input only when it sees it
is being graded (its caller's frame, the user id, whether the array is a
private copy …) looks pure there. So the trusted side also reads the source,
here, and a purity cell is earned only when the run showed no change **and**
this reading finds no way for the function to write through an argument the
grader gave it as an array or a list (:meth:`Reading.verdict`; a parameter
given a number, such as ``temperature``, may be rebound freely).

**What counts as a write through a parameter** ``p``, on any path through
the function and the notebook's helpers it calls (followed with their own
arguments, :data:`MAX_CALL_DEPTH` deep): an augmented assignment
(``p -= m``), an item or attribute assignment or ``del`` (``p[0] = 1``,
``p.shape = …``) on a name that may be ``p`` or a view of it; a method that
changes its object (``p.sort()``, ``fill``, ``resize``, ``put``,
``setflags``, list ``append``/``extend``/``insert``/``pop``/``clear``/
``remove``/``reverse``, dict and set updates, ``__iadd__`` …,
:data:`MUTATING_METHODS`); ``p`` given as ``out=`` (or in an output
position: a ufunc's arguments after its inputs, the position of a
parameter named ``out``) or ``overwrite_p=True`` to a library function;
the library functions that write their first argument
(:data:`WRITES_FIRST`: ``np.copyto``, ``np.put``, ``np.place``,
``np.putmask``, ``np.fill_diagonal``, ``np.random.shuffle``, ``ufunc.at``,
``operator.isub`` …). And, because the grader cannot follow it: ``p`` kept
where another piece of code may write through it later (an attribute, a
global, a container that is not a local variable) or handed to a callable
the reader cannot identify (one chosen at run time, a module the reader
does not know to leave its arguments alone).

**What may be ``p``** (the aliases): the name itself, plain assignment and
unpacking, basic slicing and indexing, ``.T``/``.real``/``.flat`` and the
other attributes that are views, the methods and functions that return
views or their argument itself (:data:`VIEW_METHODS`,
:data:`VIEW_FUNCTIONS`: ``reshape``, ``ravel``, ``view``, ``np.asarray``,
``np.atleast_2d``, ``np.squeeze``, ``np.moveaxis`` …; ``np.array(…,
copy=False)``; ``astype(…, copy=False)``), the loop variable of ``for row
in p``, ``a or p``; a container built from ``p`` (``[p, q]``, ``list(p)``,
``p.copy()`` of a list) *holds* it, and what is taken out of it may be
``p``. A new array (arithmetic, ``np.array(p)``, ``p.copy()`` of an array,
``np.exp(p)`` and every other library call not listed) is not ``p``.

The reading is flow-sensitive (``z = z - z.max(); z /= s`` rebinds ``z`` to
a new array before the division, which is then no write) and joins
branches (a write in one branch counts, whatever the condition). A callable
handed to a library function with an argument (``map``, ``functools.reduce``,
``itertools.starmap``, ``np.apply_along_axis``) is read as called the way
that function calls it; by an unknown one, with any of its arguments anywhere.
Another contract function of the problem set is charged in its own cell (its
calls are answered by the reference while graded), so its writes do not count
for its callers.

**What the reader cannot vouch for** makes the cell unearned too
(:attr:`Reading.unreadable`, said in words): a contract function that is
not a ``def``, a ``lambda`` or an instance of a notebook class (a
function made by a factory, decorated by a notebook decorator, imported from
a module); code the reader does not see (``exec``, ``eval``, ``compile``,
an IPython magic inside a function, ``%run``, importing a module that is
not a known library); code that reaches into running frames or the
interpreter (``sys._getframe``, frame attributes, ``sys.settrace``,
``sys.setprofile``, ``sys.monitoring``, audit hooks, ``gc``, ``ctypes``,
``inspect``'s frame functions, ``get_ipython()``); names
rebound where the reader cannot see it (``globals()``, ``vars()``,
``locals()``, ``sys.modules``, ``__main__``, a function's
``__code__``/``__globals__``/``__closure__``/``__defaults__``, the
attributes of a library the reader trusts (:data:`LIBRARY_ROOTS`) or of a
notebook class set from outside, ``global softmax`` in a function); and the reader's own bounds (time, steps, call depth, nesting).
Only cells a student wrote are looked at for these (the course's own cells
are trusted). Inside the body of a top-level function that is only ever
called by name, such code counts against the readings that reach that
function; anywhere else (top-level code, class bodies, a function handed
around as a value, which a thread or a hook may run at any time), against
every reading of the notebook.

*Why our own reader*: no maintained library reads Python source for writes
through arguments with NumPy's semantics (views, ``out=``, a ufunc's output
positions); linters flag mutable default arguments only, and the one purity
checker found (Flython, experimental) reads CPython bytecode, which this
project no longer depends on the layout of.

Bounded work on untrusted text: cells are parsed by
:mod:`autograder.model.pysource` within its bounds, each reading stops at
:data:`MAX_STEPS` steps, :data:`MAX_ANALYSES` function analyses or
:data:`TIME_BUDGET_S` seconds (and says so), and a syntax tree too deep to
walk is unreadable rather than an error.
"""

from __future__ import annotations

import ast
import builtins
import functools
import hashlib
import importlib
import inspect
import re
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from autograder.model.pysource import import_names, nodes, parse as _parse, python_source

# ---------------------------------------------------------------------------------------------------------------
# Tables: what library code does with its arguments

#: Methods that change the object they are called on (ndarray, list, dict, set), and in-place operators.
MUTATING_METHODS = frozenset({
    # ndarray
    "sort", "fill", "resize", "put", "itemset", "setfield", "setflags", "partition", "byteswap",
    # list, dict, set
    "append", "extend", "insert", "pop", "clear", "remove", "reverse", "update", "setdefault", "popitem", "add",
    "discard", "difference_update", "intersection_update", "symmetric_difference_update",
    # special methods that change the object
    "__setitem__", "__delitem__", "__setattr__", "__delattr__", "__setstate__", "__init__", "__array_finalize__",
    "__iadd__", "__isub__", "__imul__", "__imatmul__", "__itruediv__", "__ifloordiv__", "__imod__", "__ipow__",
    "__ilshift__", "__irshift__", "__iand__", "__ixor__", "__ior__",
})
#: Methods whose result is their object, a view of it, or holds its items (a list's ``copy`` is shallow).
VIEW_METHODS = frozenset({
    "view", "reshape", "ravel", "transpose", "swapaxes", "squeeze", "diagonal", "getfield", "__array__",
    "__getitem__", "__iter__", "__reversed__", "__enter__", "item", "items", "values", "keys", "get", "copy",
    "__copy__", "tolist", "flatten", "conj", "conjugate", "astype", "__array_wrap__", "to_device",
})
#: Attributes of an array that are not views of it (everything else — ``T``, ``real``, ``flat``, ``base``,
#: ``data``, a bound method … — may be).
FRESH_ATTRIBUTES = frozenset({"shape", "size", "ndim", "dtype", "itemsize", "nbytes", "strides", "flags",
                              "__len__", "__class__", "device"})
#: Special methods that are plainly reads (any other ``__x__`` called on an argument counts as a write).
READING_SPECIALS = frozenset({
    "__len__", "__getitem__", "__contains__", "__iter__", "__reversed__", "__array__", "__copy__", "__deepcopy__",
    "__repr__", "__str__", "__format__", "__bool__", "__float__", "__int__", "__index__", "__hash__", "__eq__",
    "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__add__", "__sub__", "__mul__", "__truediv__",
    "__floordiv__", "__mod__", "__pow__", "__matmul__", "__neg__", "__pos__", "__abs__", "__radd__", "__rsub__",
    "__rmul__", "__rtruediv__", "__rpow__", "__rmatmul__", "__sizeof__", "__enter__", "__exit__", "__array_wrap__",
})
#: ndarray methods with an output argument: its position among the method's positional arguments.
METHOD_OUT_POSITION = {
    "all": 1, "any": 1, "argmax": 1, "argmin": 1, "choose": 1, "clip": 2, "compress": 2, "cumprod": 2,
    "cumsum": 2, "dot": 1, "max": 1, "mean": 2, "min": 1, "prod": 2, "round": 1, "std": 2, "sum": 2, "take": 2,
    "trace": 4, "var": 2,
}
#: Methods of library objects that write their first argument (``rng.shuffle(z)``, ``np.add.at(z, i, 1)``).
ARGUMENT_WRITING_METHODS = frozenset({"shuffle", "at"})

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
    "builtins.memoryview", "builtins.iter", "builtins.next", "builtins.reversed", "builtins.vars", "builtins.super",
})
#: Modules whose every function may return a view of its argument (masked arrays share their data).
VIEW_PREFIXES = ("numpy.ma.",)
#: Library functions whose result holds references to its arguments' items (``list(z)``, ``sorted(rows)``).
HOLDING_FUNCTIONS = frozenset({
    "builtins.list", "builtins.tuple", "builtins.sorted", "builtins.zip", "builtins.enumerate", "builtins.filter",
    "builtins.map", "builtins.dict", "builtins.set", "builtins.frozenset", "builtins.min", "builtins.max",
    "builtins.getattr", "builtins.slice", "builtins.type", "copy.copy", "functools.reduce",
    "itertools.chain", "itertools.islice", "itertools.product", "itertools.permutations", "itertools.cycle",
    "itertools.repeat", "itertools.tee", "itertools.zip_longest", "itertools.accumulate", "itertools.starmap",
    "operator.getitem", "operator.itemgetter", "operator.attrgetter", "functools.partial",
})
#: Library functions that never hand back what they were given: plain numbers or new objects.
FRESH_BUILTINS = frozenset({
    "len", "abs", "float", "int", "bool", "complex", "str", "repr", "format", "print", "isinstance", "issubclass",
    "hasattr", "id", "hash", "range", "round", "sum", "any", "all", "divmod", "pow", "chr", "ord", "hex", "bin",
    "oct", "callable", "ascii", "bytes", "bytearray", "object", "NotImplementedError", "ValueError", "TypeError",
    "RuntimeError", "ZeroDivisionError", "ArithmeticError", "OverflowError", "IndexError", "KeyError",
    "Exception", "AssertionError", "FloatingPointError", "StopIteration", "property", "staticmethod",
    "classmethod",
})
#: Roots of the modules whose functions are library code that leaves its arguments alone unless the tables above
#: say otherwise; all are loaded before any student code runs, so a file of the student's cannot stand in for one.
LIBRARY_ROOTS = frozenset({"numpy", "scipy", "math", "cmath", "builtins", "operator", "functools", "itertools",
                           "copy", "warnings", "contextlib"})
#: Modules (roots) a notebook may import whatever else it does: the standard library and common scientific
#: packages. Importing any other module runs code the reader does not see.
KNOWN_PACKAGES = frozenset({
    "numpy", "scipy", "matplotlib", "pandas", "seaborn", "sklearn", "sympy", "mpmath", "IPython", "ipywidgets",
    "tqdm", "statsmodels", "selfcheck", "mpl_toolkits", "PIL",
}) | frozenset(getattr(sys, "stdlib_module_names", ()))
#: Standard modules loaded before any student code runs: their names cannot be taken by a file a notebook wrote.
LOADED_MODULES = frozenset({"numpy", "scipy", "matplotlib", "math", "cmath", "sys", "os", "builtins", "warnings",
                            "functools", "itertools", "operator", "collections", "copy", "re", "types", "typing",
                            "abc", "contextlib", "time", "io", "json", "enum", "numbers", "selfcheck"})

# ---------------------------------------------------------------------------------------------------------------
# What the reader cannot vouch for, anywhere in a student's cells

#: Dotted names (or prefixes) whose use means code reaches into frames or the interpreter, or runs code the
#: reader does not see, or rebinds names where the reader cannot see it.
OPAQUE_NAMES = {
    "sys._getframe": "reaches into running frames", "sys._current_frames": "reaches into running frames",
    "sys.settrace": "installs a tracer", "sys.setprofile": "installs a profiler",
    "sys.monitoring": "installs monitoring callbacks", "sys.addaudithook": "installs an audit hook",
    "sys.modules": "reaches modules through sys.modules", "sys._clear_type_cache": "changes the interpreter",
    "threading.settrace": "installs a tracer", "threading.setprofile": "installs a profiler",
    "threading.settrace_all_threads": "installs a tracer", "threading.setprofile_all_threads": "installs a profiler",
    "inspect.currentframe": "reaches into running frames", "inspect.stack": "reaches into running frames",
    "inspect.trace": "reaches into running frames", "inspect.getouterframes": "reaches into running frames",
    "inspect.getinnerframes": "reaches into running frames", "gc": "walks the interpreter's objects (gc)",
    "ctypes": "uses ctypes (raw memory)", "__main__": "reaches the notebook's namespace as a module",
    "importlib": "imports modules by computed names", "runpy": "runs a module's file", "marshal": "loads code",
    "types.FunctionType": "builds functions from code objects", "types.CodeType": "builds code objects",
    "types.LambdaType": "builds functions from code objects", "pickle.load": "unpickles objects",
    "pickle.loads": "unpickles objects", "dill": "unpickles objects", "code": "runs code given as text",
    "codeop": "compiles code given as text", "IPython.get_ipython": "uses the IPython shell",
    "_testcapi": "uses the interpreter's internals",
    "numpy.ctypeslib": "uses raw memory (numpy.ctypeslib)", "mmap": "maps memory",
}
#: Names whose call runs or reaches what the reader does not see.
OPAQUE_CALLS = {
    "exec": "runs code given as text", "eval": "runs code given as text", "compile": "compiles code given as text",
    "__import__": "imports modules by computed names", "globals": "reaches the notebook's names through globals()",
    "locals": "reaches names through locals()", "vars": "reaches names through vars()",
    "breakpoint": "enters the debugger", "get_ipython": "uses the IPython shell",
}
#: Attributes that reach into frames, code, closures, namespaces.
OPAQUE_ATTRIBUTES = {
    "f_locals": "reaches into running frames", "f_globals": "reaches into running frames",
    "f_back": "reaches into running frames", "f_trace": "reaches into running frames",
    "tb_frame": "reaches into running frames", "gi_frame": "reaches into running frames",
    "cr_frame": "reaches into running frames", "ag_frame": "reaches into running frames",
    "__code__": "reads or replaces a function's code", "__globals__": "reaches a function's globals",
    "__closure__": "reaches a function's closure", "cell_contents": "reaches a function's closure",
    "__defaults__": "changes a function's defaults", "__kwdefaults__": "changes a function's defaults",
    "__dict__": "reaches an object's namespace", "__builtins__": "reaches the builtins",
    "user_ns": "reaches the notebook's namespace", "user_global_ns": "reaches the notebook's namespace",
    "ctypes": "reaches an array's raw memory", "__array_interface__": "reaches an array's raw memory",
    "__array_struct__": "reaches an array's raw memory",
}
#: File writes (a module the notebook wrote could then be imported under a library's name): library functions …
_FILE_WRITERS = ("shutil.", "os.rename", "os.replace", "os.symlink", "os.link", "os.open", "os.write", "os.mkfifo",
                 "numpy.save", "numpy.savez", "numpy.savetxt", "zipfile.", "tarfile.", "tempfile.", "io.open",
                 "codecs.open", "pathlib.")
#: … and methods whose names say so (``open`` with a mode that writes is looked at on its own).
_FILE_WRITING_METHODS = frozenset({"write_text", "write_bytes", "tofile", "extractall", "symlink_to", "hardlink_to",
                                   "rename", "touch", "mkdir"})
#: IPython line magics that run no code of the notebook's.
_QUIET_MAGICS = frozenset({"matplotlib", "config", "precision", "pwd", "who", "whos", "who_ls", "ls", "pip",
                           "conda", "env", "pdoc", "pinfo", "pinfo2", "psearch", "lsmagic", "magic", "page",
                           "history", "xmode", "colors", "autocall", "automagic", "doctest_mode", "pprint"})
#: IPython magics that run the rest of their line as Python (read as such).
_CODE_MAGICS = frozenset({"time", "timeit", "prun", "capture"})
#: Options before the code of ``%timeit -n 10 -r 3 f()`` (and ``%prun -s cumulative f()``).
_MAGIC_OPTIONS = re.compile(r"^(?:-[A-Za-z]\S*(?:\s+[\w.]+(?=\s)(?!\s*=))?\s+)*")
_MAGIC = re.compile(r"^(\s*)(?:[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*)?([!%]{1,2})\s*([A-Za-z_]\w*)?(.*)$")

# ---------------------------------------------------------------------------------------------------------------
# Bounds

#: At most this many expression and statement steps per reading …
MAX_STEPS = 200_000
#: … this many analyses of a function (each call site with its own arguments) …
MAX_ANALYSES = 400
#: … calls followed this deep …
MAX_CALL_DEPTH = 12
#: … and this long (seconds). Past any of them the reading cannot vouch for the function.
TIME_BUDGET_S = 2.0
#: Loops are read again until nothing changes, at most this many times (the values only grow).
MAX_LOOP_ROUNDS = 12
#: A shown line of code is cut to this many characters.
MAX_SHOWN = 80


class _Unreadable(Exception):
    """The reading stops: it cannot vouch for the function (the message says why, to the student)."""


# ---------------------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Write:
    """Evidence that the function may write through one of its parameters.

    Attributes
    ----------
    param : str
        The parameter (``"*args"`` or ``"**kwargs"`` for the packed ones).
    line : int
        The line in its cell (1-based).
    owner : str
        The function whose code it is (the function read, or a helper it calls).
    code : str
        That line, shortened.
    how : str
        What the line does, in words (``"an in-place operator (`-=`) on it"``).
    """

    param: str
    line: int
    owner: str
    code: str
    how: str

    def describe(self, function: str) -> str:
        whose = "its cell" if self.owner == function else f"the cell defining `{self.owner}`, which it calls"
        return f"{self.how} (line {self.line} of {whose}: `{self.code}`)"


@dataclass(frozen=True)
class Signature:
    """The parameters of one definition the name may be bound to."""

    positional: tuple  # names, in order
    vararg: str | None = None
    keyword_only: tuple = ()
    kwarg: str | None = None

    def receivers(self, args, kwargs):
        """The parameters (``"*args"``, ``"**kwargs"`` for the packed ones) given a mutable value, or None when the
        call does not fit (it raises TypeError before the body runs)."""
        out = set()
        if len(args) > len(self.positional) and self.vararg is None:
            return None
        for i, value in enumerate(args):
            if mutable(value):
                out.add(self.positional[i] if i < len(self.positional) else "*args")
        named = set(self.positional) | set(self.keyword_only)
        for key, value in kwargs.items():
            if key not in named and self.kwarg is None:
                return None
            if mutable(value):
                out.add(key if key in named else "**kwargs")
        return out


@dataclass(frozen=True)
class Definition:
    """What one definition of the function may do to its parameters."""

    signature: Signature
    writes: tuple  # of Write, at most a few per parameter


@dataclass(frozen=True)
class Reading:
    """What the source says about ``function``'s parameters: the writes found, or why it cannot say.

    ``definitions`` holds one :class:`Definition` per definition the name may
    be bound to when the check runs (more than one when a cell binds it
    conditionally); ``unreadable`` is the reason the reading cannot vouch for
    the function (``""`` when it can).
    """

    function: str
    definitions: tuple = ()
    unreadable: str = ""

    def verdict(self, args=(), kwargs=None) -> tuple:
        """``(kind, detail)`` when a call with ``args``/``kwargs`` may modify an argument, else ``("", "")``.

        ``kind`` is ``"mutation"`` (a write through a parameter given an array
        or a list) or ``"unverifiable"`` (the source cannot vouch for the
        function, and the call gives it an array or a list). Only the types of
        the arguments are looked at, never their values.
        """
        kwargs = dict(kwargs or {})
        if self.unreadable:
            if any(mutable(v) for v in list(args) + list(kwargs.values())):
                return "unverifiable", (f"the grader cannot tell from your source whether `{self.function}` leaves "
                                        f"its inputs alone: {self.unreadable}")
            return "", ""
        for definition in self.definitions:
            receivers = definition.signature.receivers(args, kwargs)
            if not receivers:
                continue
            for write in definition.writes:
                if write.param in receivers:
                    name = write.param if write.param.startswith("*") else f"`{write.param}`"
                    return "mutation", (f"`{self.function}` may modify its argument {name} in place: "
                                        f"{write.describe(self.function)}")
        return "", ""


def mutable(value) -> bool:
    """Whether a call could change ``value`` in place: arrays (0-d too), lists, dicts, sets, other objects; not
    numbers, strings or tuples of them."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, np.generic)):
        return False
    if isinstance(value, (tuple, frozenset)):
        return any(mutable(v) for v in value)
    return True


# ---------------------------------------------------------------------------------------------------------------
# Abstract values


@dataclass(frozen=True)
class _Fn:
    """A function or lambda of the notebook (``closure``: the enclosing function's names, for a nested one)."""

    node: ast.AST = field(compare=False)
    key: int = 0  # id(node): what compares
    owner: str = ""
    cell: int = -1
    closure: tuple = ()  # ((name, _V), …)
    defaults: tuple = ()  # ((parameter, _V), …) of a nested function: its defaults may be the caller's arguments


@dataclass(frozen=True)
class _Cls:
    """A class of the notebook (calling it makes an instance)."""

    name: str


@dataclass(frozen=True)
class _Inst:
    """An instance of a class of the notebook."""

    name: str


@dataclass(frozen=True)
class _Lib:
    """A named library object held as a value (``[np.copyto]``, ``map(np.ndarray.sort, rows)``), or (``kind``
    ``"unbound"``) a method to call on the first argument (``operator.methodcaller("sort")``)."""

    dotted: str
    kind: str = "lib"


@dataclass(frozen=True)
class _Bound:
    """A method of a notebook instance, with what ``self`` is."""

    cls: str
    attr: str
    this: "_V"


@dataclass(frozen=True)
class _V:
    """What an expression may evaluate to, as far as the parameters go.

    ``origins``: parameters it may be (or be a view of): a write into it is a
    write through them. ``holds``: parameters whose items it may hold (a
    list built from them): what is taken out of it may be them. ``kind``:
    ``"array"`` (an ndarray the library made: storing into it copies),
    ``"num"`` (a number), ``"lib"`` (a library object: its methods are library
    code), ``"type"`` (a class: its attributes are unbound methods),
    ``"unbound"`` (an unbound method, named by ``dotted``), ``"anymethod"`` (a
    method chosen at run time), ``""`` (unknown). ``dotted``: the library
    name it stands for. ``callees``: the notebook callables it may be.
    """

    origins: frozenset = frozenset()
    holds: frozenset = frozenset()
    kind: str = ""
    dotted: str = ""
    callees: frozenset = frozenset()

    @property
    def reaches(self) -> frozenset:
        return self.origins | self.holds


_FRESH = _V()
_NUM = _V(kind="num")
_ARRAY = _V(kind="array")
#: Another contract function of the problem set that the cells above do not define (a call is carried forward).
_CARRIED = _V(kind="carried")


def _join(a: _V, b: _V) -> _V:
    if a == b:
        return a
    return _V(a.origins | b.origins, a.holds | b.holds, a.kind if a.kind == b.kind else "",
              a.dotted if a.dotted == b.dotted else "", a.callees | b.callees)


def _join_env(a, b):
    if a is None:
        return None if b is None else dict(b)
    if b is None:
        return dict(a)
    out = dict(a)
    for name, value in b.items():
        out[name] = _join(out[name], value) if name in out else value
    return out


def _element(v: _V) -> _V:
    """An item taken out of ``v`` (indexing, iteration, unpacking): what it holds, and the callables it holds."""
    return _V(origins=v.reaches, holds=v.reaches, callees=v.callees)


def _callables(v: _V) -> frozenset:
    """The callables ``v`` may be or hold: notebook callables, and named library objects (:class:`_Lib`)."""
    return v.callees | (frozenset({_Lib(v.dotted, v.kind)}) if v.kind in ("lib", "unbound") and v.dotted
                        else frozenset())


# ---------------------------------------------------------------------------------------------------------------
# The notebook's definitions


@dataclass
class _Binding:
    """One way a top-level name may be bound: ``node`` a def, class or value expression, or None (unknown)."""

    node: ast.AST | None
    cell: int
    kind: str  # "def", "class", "value", "import", "unknown"
    why: str = ""  # for "unknown": how it is bound, in words


#: Readings already made, by ``(digest of the reader's history, function)``: a reading depends only on the
#: contract and the cells added (their text, place, author, completeness), so a notebook whose cells so far are
#: those of one read before (the course's cells, a common solution) gets that reading without a second analysis.
#: Readings are frozen; the oldest entry goes first past :data:`MAX_CACHED_READINGS`.
_READINGS: dict = {}
_READINGS_LOCK = threading.Lock()
MAX_CACHED_READINGS = 4096


class InPlaceReader:
    """The notebook's source as the purity cells read it: cells added in order, one :class:`Reading` per function.

    ``add(cell)`` reads one more executed cell: a string, or an object with
    ``text``, ``index`` and ``student`` (the engine's
    :class:`~autograder.engine.static.Source`); only a student's cells are
    searched for what the reader cannot vouch for. ``contract``: the problem
    set's graded functions, whose own writes are charged to their own purity
    cells, not to a caller's (their errors are carried forward).
    """

    def __init__(self, cells=(), contract=()):
        self.contract = frozenset(contract)
        self.bindings: dict = {}  # name -> [_Binding]
        self.classes: dict = {}  # name -> ClassDef
        self.lines: dict = {}  # cell index -> its Python lines
        self.opaque: list = []  # (cell, line, reason): what makes every reading unreadable
        self.opaque_in: dict = {}  # id(top-level def) -> (name, cell, line, reason): what makes readings reaching it
        self.escaped: set = set()  # names a student's cell uses other than by calling them
        self.magic_lines: dict = {}  # cell index -> {line: magic} (magics inside blocks)
        self.rebound: dict = {}  # name -> reason: bound by `global` in a function, or its attributes set
        self.writes_files: tuple | None = None  # (cell, line) of the first file a student's cell writes
        self.imports: list = []  # (cell, line, module root): imports of modules that are not always loaded
        self.import_aliases: dict = {}  # name -> dotted module or object, from every cell's imports
        self._read = 0
        self._cache: dict = {}
        # what was read, as one digest (see :data:`_READINGS`): the contract, then each add()'s arguments
        self._history = hashlib.sha256(repr(sorted(self.contract)).encode()).digest()
        for cell in cells:
            self.add(cell)

    # -- cells -----------------------------------------------------------------------------------------------------
    def add(self, cell, *, index: int | None = None, student: bool = True, complete: bool = True) -> None:
        """Read one more executed cell: its text (with ``index``, its place in the notebook, and ``student``,
        whether a student wrote it), or an object with ``text``, ``index`` and ``student``. ``complete=False``: the
        cell stopped early (an error, a timeout), so what it binds may or may not be bound: the bindings before it
        are kept as candidates too."""
        if not isinstance(cell, str):
            index, student, cell = getattr(cell, "index", index), getattr(cell, "student", True), cell.text
        text = str(cell)
        index = self._read if index is None else int(index)
        student = bool(student)
        self._read += 1
        self._cache.clear()
        self._history = hashlib.sha256(self._history + repr((index, student, complete, text)).encode()).digest()
        code = _python(text)
        read = None if code is None else _definitions(code)
        if read is None:
            if student:
                self._unparsed(index, text, code)
            return  # (a cell that does not parse does not run either)
        tree, lines, imports, bindings, classes = read  # (one tree for all: its nodes are what readings compare)
        self.lines[index] = lines
        self.import_aliases.update(imports)
        for name, node, kind, why, conditional in bindings:
            self._bind(name, _Binding(node, index, kind, why), conditional or not complete)
        self.classes.update(classes)
        if student:
            self._read_magics(index, text, code, tree)
            self._read_opaque(index, tree)

    def _where(self, cell: int, line: int, which: str = "a cell") -> str:
        """``line 3 of a cell: `code``` (the code shortened, without backticks)."""
        lines = self.lines.get(cell, [])
        code = _short(lines[line - 1]).replace("`", "'") if 0 < line <= len(lines) else ""
        return f"line {line} of {which}: `{code}`" if code else f"line {line} of {which}"

    def _opaque(self, cell: int, line: int, reason: str) -> None:
        if len(self.opaque) < 20:
            self.opaque.append((cell, line, reason))

    def _unparsed(self, index: int, text: str, code) -> None:
        """A student's cell that is not Python: a cell magic (``%%writefile`` writes a file; most others run code
        the reader does not see), or a syntax error (which runs nothing)."""
        first = next((line.strip() for line in text.split("\n") if line.strip()), "")
        if code is not None or not first.startswith("%%"):
            return
        name = (first[2:].split() or [""])[0]
        if name in ("html", "HTML", "latex", "markdown", "svg", "javascript", "js"):
            return
        if name in ("writefile", "file"):
            self.writes_files = self.writes_files or (index, 1)
            return
        self._opaque(index, 1, f"runs the cell magic `%%{name}`, whose code the grader does not read")

    def _read_magics(self, index: int, text: str, code: str, tree) -> None:
        """IPython escapes (the lines :func:`python_source` neutralised): a magic inside a function is code the
        reader does not see there (:meth:`_Analysis._magics_inside`); elsewhere ``%time``/``%timeit``/``%prun``/
        ``%capture`` run the rest of their line, read here as the cell's own code, other magics that run code
        make every reading unverifiable, and the quiet ones (``%matplotlib``, ``%config`` …) and shell commands
        (``!ls``: a program, no Python of the notebook's) change nothing. A line inside a string is not one."""
        raw, read = text.split("\n"), code.split("\n")
        if len(raw) != len(read):  # (IPython's own transformer changed the lines: every escape line counts)
            changed = [i for i, line in enumerate(raw, start=1) if _MAGIC.match(line)]
        else:
            changed = [i for i, (a, b) in enumerate(zip(raw, read), start=1) if a != b]
        if not changed:
            return
        every = nodes(tree)
        strings = [(n.lineno, n.end_lineno) for n in every if isinstance(n, ast.Constant)
                   and isinstance(n.value, (str, bytes)) and n.end_lineno and n.end_lineno > n.lineno]
        functions = [(n.lineno, n.end_lineno) for n in every
                     if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
        for number in changed:
            if any(start < number <= end for start, end in strings):
                continue
            m = _MAGIC.match(raw[number - 1])
            if m is None or m.group(2).startswith("!"):
                continue
            name, rest = m.group(3) or "", _MAGIC_OPTIONS.sub("", m.group(4).strip(), count=1)
            if any(start <= number <= end for start, end in functions):
                self.magic_lines.setdefault(index, {})[number] = f"%{name}"
            elif name in _CODE_MAGICS and rest:
                inner = _definitions(rest)
                if inner is None:
                    self._opaque(index, number, f"runs `%{name}` with code the grader cannot read")
                    continue
                self._read_opaque(index, inner[0], number - 1)
                for bound, node, kind, why, _conditional in inner[3]:
                    self._bind(bound, _Binding(node, index, kind, why), True)  # (where in the cell: unsure)
            elif name not in _QUIET_MAGICS and name not in _CODE_MAGICS:
                self._opaque(index, number, f"runs the IPython magic `%{name}`, whose code the grader does not read")

    def _read_opaque(self, index: int, tree, offset: int = 0) -> None:
        """What in a student's cell the source cannot vouch for (see the module's doc).

        Inside the body of a top-level function, it counts against the readings that reach that function
        (:attr:`opaque_in`), as long as the function is only ever called by name (:attr:`escaped`: a function
        handed around as a value may run at any time, from a thread, a finalizer, a hook); anywhere else
        (top-level code, class bodies, decorators, defaults), against every reading (:attr:`opaque`).
        """
        imports = dict(self.import_aliases)
        every = nodes(tree)
        for node in every:
            import_names(node, imports)
        called = {id(n.func) for n in every if isinstance(n, ast.Call)}
        for node in every:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in called:
                self.escaped.add(node.id)
            elif isinstance(node, ast.Global):
                for name in node.names:
                    self.rebound.setdefault(name, f"`{name}` is rebound by a function (`global {name}`, line "
                                                  f"{node.lineno + offset} of cell {index})")
        for statement, body_of in _top_level_parts(tree.body):
            for node in (n for part in statement for n in nodes(part)):
                line = getattr(node, "lineno", 1) + offset
                for reason in self._opaque_reasons(index, line, node, imports):
                    if body_of is None:
                        self._opaque(index, line, reason)
                    elif id(body_of) not in self.opaque_in:
                        self.opaque_in[id(body_of)] = (body_of.name, index, line, reason)

    def _opaque_reasons(self, index: int, line: int, node, imports: dict) -> list:
        """Why one syntax node keeps the source from vouching for a function (none for most)."""
        out = []
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for dotted in _imported_modules(node):
                root = dotted.split(".")[0]
                if root not in KNOWN_PACKAGES:
                    out.append(f"imports `{dotted}`, a module whose code the grader does not read")
                elif root not in LOADED_MODULES:
                    self.imports.append((index, line, root))
                reason = _opaque_name(dotted)
                if reason:
                    out.append(f"{reason}: `{dotted}`")
        elif isinstance(node, ast.Attribute):
            if node.attr in OPAQUE_ATTRIBUTES:
                out.append(f"{OPAQUE_ATTRIBUTES[node.attr]}: `.{node.attr}`")
            dotted = _dotted(node, imports)
            reason = _opaque_name(dotted) if dotted else None
            if reason:
                out.append(f"{reason}: `{dotted}`")
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                out += self._attribute_store(index, line, node, imports)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in OPAQUE_CALLS:
                out.append(f"{OPAQUE_CALLS[node.id]}: `{node.id}`")
            elif node.id in OPAQUE_ATTRIBUTES:
                out.append(f"{OPAQUE_ATTRIBUTES[node.id]}: `{node.id}`")
            dotted = imports.get(node.id)
            reason = _opaque_name(dotted) if dotted else None
            if reason:
                out.append(f"{reason}: `{dotted}`")
        elif isinstance(node, ast.Call):
            out += self._call_flags(index, line, node, imports)
        elif isinstance(node, ast.ClassDef) and node.keywords:
            out.append(f"the class `{node.name}` has a metaclass or class keywords")
        return out

    def _attribute_store(self, index, line, node, imports) -> list:
        base = node.value
        while isinstance(base, (ast.Attribute, ast.Subscript, ast.Call)):
            base = base.func if isinstance(base, ast.Call) else base.value
        if not isinstance(base, ast.Name):
            return []
        dotted = _dotted(node.value, imports) or imports.get(base.id, "")
        if dotted.split(".")[0] in LIBRARY_ROOTS:  # (what the reader takes for library code must stay it)
            return [f"sets an attribute of a library the grader reads as such: `{_short(ast.unparse(node))}`"]
        if base.id in self.bindings and any(b.kind in ("def", "class") for b in self.bindings[base.id]):
            self.rebound.setdefault(base.id, f"an attribute of `{base.id}` is set from outside: "
                                             f"`{_short(ast.unparse(node))}`")
        return []

    def _call_flags(self, index, line, node, imports) -> list:
        out = []
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in ("setattr", "delattr") and isinstance(func, ast.Name) and node.args:
            target = node.args[0]
            attr = node.args[1] if len(node.args) > 1 else None
            constant = isinstance(attr, ast.Constant) and isinstance(attr.value, str)
            library = (_dotted(target, imports) or "").split(".")[0] in LIBRARY_ROOTS
            if not constant or attr.value.startswith("__") or library or (
                    isinstance(target, ast.Name) and target.id in self.bindings):
                out.append(f"sets attributes with `{name}`: `{_short(ast.unparse(node))}`")
        dotted = _dotted(func, imports) or ""
        if self.writes_files is None and (dotted.startswith(_FILE_WRITERS) or (
                isinstance(func, ast.Attribute) and func.attr in _FILE_WRITING_METHODS) or (
                name == "open" and _writes(node))):
            self.writes_files = (index, line)
        return out

    def _bind(self, name: str, binding: _Binding, conditional: bool) -> None:
        if conditional:
            self.bindings.setdefault(name, []).append(binding)
        else:
            self.bindings[name] = [binding]

    # -- readings --------------------------------------------------------------------------------------------------
    def reading(self, function: str) -> Reading:
        """What the cells read so far say about ``function``'s parameters (cached until the next :meth:`add`)."""
        if function not in self._cache:
            key = (self._history, function)
            found = _READINGS.get(key)
            if found is None:
                found = self._reading(function)
                if not found.unreadable.startswith("reading it took longer"):  # (the host's speed, not the text)
                    with _READINGS_LOCK:  # (the engine's worker threads share it)
                        if len(_READINGS) >= MAX_CACHED_READINGS:
                            _READINGS.pop(next(iter(_READINGS)))
                        _READINGS[key] = found
            self._cache[function] = found
        return self._cache[function]

    def _reading(self, function: str) -> Reading:
        handed = [(cell, line, f"{reason}, in `{name}`, which the notebook hands around (it may run at any time)")
                  for name, cell, line, reason in self.opaque_in.values() if name in self.escaped]
        if self.opaque or handed:
            cell, line, reason = (self.opaque + handed)[0]
            return Reading(function, unreadable=f"the notebook {reason} ({self._where(cell, line)})")
        if self.writes_files is not None and self.imports:
            cell, line, root = self.imports[0]
            return Reading(function, unreadable=f"the notebook writes files ({self._where(*self.writes_files)}) and "
                                                f"imports `{root}` ({self._where(cell, line)}), which could then "
                                                "be one of them")
        if function in self.rebound:
            return Reading(function, unreadable=self.rebound[function])
        candidates = self.bindings.get(function, [])
        if not candidates:
            return Reading(function, unreadable=f"`{function}` is not defined by a `def` the grader can read")
        try:
            analysis = _Analysis(self, function)
            definitions = tuple(analysis.definition(b) for b in candidates)
        except _Unreadable as exc:
            return Reading(function, unreadable=str(exc))
        except RecursionError:
            return Reading(function, unreadable="its code is nested too deeply for the grader to read")
        return Reading(function, definitions)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _opaque_name(dotted: str):
    for prefix, reason in OPAQUE_NAMES.items():
        if dotted == prefix or dotted.startswith(prefix + "."):
            return reason
    return None


def _writes(call: ast.Call) -> bool:
    """``open(…)`` with a mode that writes, or one the reader cannot read."""
    mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(c in mode.value for c in "wax+")
    return True


def _imported_modules(node):
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        return ["." * node.level + (node.module or "")]
    return [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]


def _dotted(node, imports: dict):
    """The dotted name of an attribute chain on an imported name (``np.random.shuffle``), or None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in imports:
        return ".".join([imports[node.id], *reversed(parts)])
    return None


def _top_level_parts(statements):
    """``(parts, def)`` for each top-level statement (blocks descended into): a function's body comes apart from its
    decorators, defaults and annotations (``def`` is that function), everything else whole (``def`` None)."""
    todo = list(reversed(statements))
    while todo:
        node = todo.pop()
        blocks = _blocks(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            outer = list(node.decorator_list) + list(args.defaults) + [d for d in args.kw_defaults if d] + [
                a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs if a.annotation] + (
                [node.returns] if node.returns else [])
            yield [ast.Expr(e) for e in outer] + [ast.Module(body=[], type_ignores=[])], None
            yield list(node.body), node
        elif blocks:
            head = [getattr(node, name) for name in ("test", "iter", "target", "subject") if getattr(node, name, None)]
            head += [item for item in getattr(node, "items", [])]
            head += [h for h in getattr(node, "handlers", []) if h.type is not None]
            head += [case.pattern for case in getattr(node, "cases", [])]
            yield head, None
            for block in blocks:
                todo.extend(reversed(block))
        else:
            yield [node], None


def _blocks(node):
    """The statement lists inside a compound statement (not a def's or a class's)."""
    if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While)):
        return [node.body, node.orelse]
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [node.body]
    if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
        return [node.body, node.orelse, node.finalbody] + [h.body for h in node.handlers]
    if type(node).__name__ == "Match":
        return [case.body for case in node.cases]
    return []


@functools.lru_cache(maxsize=256)
def _python(text: str):
    """:func:`python_source` of a cell's text, once per text (the course's cells recur in every notebook)."""
    return python_source(text)


@functools.lru_cache(maxsize=256)
def _definitions(code: str) -> tuple:
    """What a cell defines, read once per text (the course's cells recur in every notebook of a batch):
    ``(tree, lines, imports, bindings, classes)``, or None when it is not Python; ``bindings`` lists ``(name, node,
    kind, why, conditional)`` in order, a binding inside a block (if/for/while/with/try/match) conditional: it keeps
    the ones before it."""
    tree = _parse(code)
    if tree is None:
        return None
    imports = {}
    for node in nodes(tree):
        import_names(node, imports)
    bindings, classes = [], {}

    def read(statements, conditional):
        for node in statements:
            blocks = _blocks(node)
            for name, binding in _bound_names(node):
                bindings.append((name, binding.node, binding.kind, binding.why, conditional or bool(blocks)))
            for block in blocks:
                read(block, True)
            if isinstance(node, ast.ClassDef):
                classes[node.name] = node

    read(tree.body, False)
    return tree, tuple(code.split("\n")), imports, tuple(bindings), classes


def _bound_names(node, cell: int = -1):
    """``(name, _Binding)`` for each name a top-level statement binds (blocks are read on their own)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [(node.name, _Binding(node, cell, "def"))]
    if isinstance(node, ast.ClassDef):
        return [(node.name, _Binding(node, cell, "class"))]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names = {}
        import_names(node, names)
        return [(name, _Binding(ast.Constant(dotted), cell, "import")) for name, dotted in names.items()]
    if isinstance(node, ast.Assign):
        out = []
        for target in node.targets:
            out += _assigned(target, node.value, cell)
        return out
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return _assigned(node.target, node.value, cell)
    out = []
    stores = [n for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))]
    if isinstance(node, (ast.If, ast.While)):
        stores = [n for n in ast.walk(node.test) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        stores = [n for n in ast.walk(node.target) if isinstance(n, ast.Name)] + [
            n for n in ast.walk(node.iter) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        stores = [n for item in node.items for n in ast.walk(item) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, ast.Store)]
    elif _blocks(node):
        stores = []
    for name in stores:
        kind = type(node).__name__
        out.append((name.id, _Binding(None, cell, "unknown", f"`{name.id}` is bound by a `{kind.lower()}` statement "
                                                          f"(line {node.lineno} of its cell)")))
    if isinstance(node, (ast.Try,)) or type(node).__name__ == "TryStar":
        for handler in node.handlers:
            if handler.name:
                out.append((handler.name, _Binding(None, cell, "unknown", f"`{handler.name}` is an exception")))
    if type(node).__name__ == "Match":
        for case in node.cases:
            for sub in ast.walk(case.pattern):
                for name in filter(None, [getattr(sub, "name", None), getattr(sub, "rest", None)]):
                    out.append((name, _Binding(None, cell, "unknown", f"`{name}` is bound by a `match` pattern")))
    return out


def _assigned(target, value, cell):
    if isinstance(target, ast.Name):
        return [(target.id, _Binding(value, cell, "value"))]
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) and len(
            target.elts) == len(value.elts) and not any(isinstance(e, ast.Starred) for e in target.elts):
        return [pair for t, v in zip(target.elts, value.elts) for pair in _assigned(t, v, cell)]
    return [(n.id, _Binding(None, cell, "unknown", f"`{n.id}` is bound by unpacking"))
            for n in ast.walk(target) if isinstance(n, ast.Name)]


# ---------------------------------------------------------------------------------------------------------------
# Library objects, found in this process's modules (never imported because a notebook named them)


#: The public subpackages of NumPy and SciPy: imported here when a notebook names one (never another module), so
#: that what the reader finds does not depend on what this process happened to load.
SUBPACKAGES = frozenset({
    "numpy.linalg", "numpy.fft", "numpy.random", "numpy.ma", "numpy.lib", "numpy.lib.stride_tricks",
    "numpy.polynomial", "numpy.char", "numpy.rec", "numpy.emath", "numpy.strings",
    "scipy.linalg", "scipy.special", "scipy.stats", "scipy.optimize", "scipy.integrate", "scipy.interpolate",
    "scipy.signal", "scipy.sparse", "scipy.fft", "scipy.fftpack", "scipy.ndimage", "scipy.spatial",
    "scipy.cluster", "scipy.constants", "scipy.odr", "scipy.io",
})


#: Seconds spent importing :data:`SUBPACKAGES` (not counted against a reading's time budget).
_imports_s = [0.0]


def _load(name: str) -> None:
    """Import ``name`` when it is one of :data:`SUBPACKAGES` and not loaded yet."""
    if name in SUBPACKAGES and name not in sys.modules:
        started = time.monotonic()
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 — absent from this installation: the name stays unknown
            pass
        _imports_s[0] += time.monotonic() - started


@functools.lru_cache(maxsize=4096)
def _resolve(dotted: str):
    """The library object ``dotted`` names, looked up among loaded modules (NumPy's and SciPy's subpackages
    imported first, :data:`SUBPACKAGES`); None when absent."""
    parts = dotted.split(".")
    if parts[0] not in LIBRARY_ROOTS:
        return None
    for cut in range(2, len(parts) + 1):
        _load(".".join(parts[:cut]))
    for cut in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        obj = module
        for attr in parts[cut:]:
            try:
                obj = inspect.getattr_static(obj, attr)
            except AttributeError:
                return None
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        return obj
    return None


_CANONICAL: dict = {}


#: The subpackages of :data:`SUBPACKAGES` the sandbox loads before any student code (the zygote's warm
#: imports), hence those the notebooks use: :func:`load_tables` imports them ahead of the first reading.
USUAL_SUBPACKAGES = ("scipy.linalg", "scipy.special", "scipy.stats")


def load_tables() -> None:
    """Import :data:`USUAL_SUBPACKAGES` and resolve the tables' library names now (SciPy's stats alone takes
    half a second): the engine calls it while the sandbox warms up, rather than in the batch's first readings,
    whose worker would wait for it."""
    for name in USUAL_SUBPACKAGES:
        _load(name)
    _canonical("builtins.len")


def _canonical(dotted: str) -> str:
    """The table name of a library object reached under another name (``np.random.mtrand.shuffle``)."""
    if not _CANONICAL:
        for table in (WRITES_FIRST, VIEW_FUNCTIONS, HOLDING_FUNCTIONS):
            for name in table:
                obj = _resolve(name)
                if obj is not None and not isinstance(obj, (int, float, str, bool)):
                    _CANONICAL.setdefault(id(obj), (obj, name))
    obj = _resolve(dotted)
    found = _CANONICAL.get(id(obj)) if obj is not None else None
    return found[1] if found is not None and found[0] is obj else dotted


def _out_positions(obj) -> tuple:
    """:func:`_output_parameters`, cached per object (an unhashable one is read every time)."""
    try:
        return _cached_outputs(obj)
    except TypeError:
        return _output_parameters(obj)


@functools.lru_cache(maxsize=4096)
def _cached_outputs(obj) -> tuple:
    return _output_parameters(obj)


def _output_parameters(obj) -> tuple:
    """``(positions, names)`` of a library callable's output parameters (``out``, ``overwrite_<param>``)."""
    if isinstance(obj, np.ufunc):
        return tuple(range(obj.nin, obj.nin + obj.nout)), ("out",)
    params = _signature_parameters(obj)
    if params is None:
        params = _doc_parameters(obj)
    positions, names = [], []
    for i, p in enumerate(params):
        if p.name == "out" or p.name.startswith("overwrite_"):
            names.append(p.name)
            if p.name == "out" and p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                              inspect.Parameter.POSITIONAL_OR_KEYWORD):
                positions.append(i)
    return tuple(positions), tuple(names)


def _unreadable_signature(obj) -> bool:
    """Neither ``inspect.signature`` nor the first line of the docstring says what ``obj``'s parameters are;
    cached per object (an unhashable one is read every time): ``inspect.signature`` of a C function parses
    its text signature, a tenth of a notebook's purity reading when read at every call."""
    try:
        return _cached_unreadable(obj)
    except TypeError:
        return _read_unreadable(obj)


@functools.lru_cache(maxsize=4096)
def _cached_unreadable(obj) -> bool:
    return _read_unreadable(obj)


def _read_unreadable(obj) -> bool:
    if isinstance(obj, np.ufunc):
        return False
    return _signature_parameters(obj) is None and not _doc_parameters(obj)


def _signature_parameters(obj):
    """``inspect.signature(obj)``'s parameters, or None when it says nothing about them: it cannot be read, or
    (a compiled callable) it is only ``(*args, **kwargs)``, which CPython 3.14 gives for f2py's Fortran
    wrappers (``scipy.linalg.lapack.dgetrf``) where 3.11 to 3.13 raise."""
    try:
        params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return None
    if not inspect.isfunction(obj) and params and all(
            p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD) for p in params):
        return None
    return params


def _doc_parameters(obj) -> list:
    """The parameters of a C function read from the first line of its docstring (``dot(a, b, out=None)``)."""
    first = (getattr(obj, "__doc__", None) or "").strip().split("\n", 1)[0]
    m = re.match(r"^(?:[\w,\s]+=\s*)?[\w.]+(\(.*\))", first)  # (f2py's "lu,piv,info = dgetrf(a,[overwrite_a])")
    if not m:
        return []
    text = re.sub(r"\[,?\s*([^\]]*)\]", r", \1", m.group(1)).replace("(, ", "(")
    tree = _parse(f"def f{text}: pass")
    if tree is None:
        return []
    args = tree.body[0].args
    kind = inspect.Parameter
    return ([inspect.Parameter(a.arg, kind.POSITIONAL_ONLY) for a in args.posonlyargs]
            + [inspect.Parameter(a.arg, kind.POSITIONAL_OR_KEYWORD) for a in args.args]
            + [inspect.Parameter(a.arg, kind.KEYWORD_ONLY) for a in args.kwonlyargs])


# ---------------------------------------------------------------------------------------------------------------
# Reading one function


@dataclass
class _Scope:
    """The function being read: its node, whose code it is, its local names, what ``return`` gave."""

    fn: _Fn
    record: bool  # whether its writes count (not inside another contract function)
    local: set
    declared_global: set
    returned: _V = _FRESH
    loops: list = field(default_factory=list)  # [(breaks, continues)] envs, innermost last


class _Call:
    """One call's argument values: ``star`` is what ``*a``/``**k`` spread (landing anywhere); ``env`` the caller's
    names, for a nested function's late-bound closure."""

    def __init__(self, node, args, kwargs, star, env):
        self.node, self.args, self.kwargs, self.star, self.env = node, list(args), dict(kwargs), star, env
        self.values = self.args + list(self.kwargs.values()) + ([star] if star is not None else [])
        self.reached = frozenset().union(*(v.reaches for v in self.values)) if self.values else frozenset()


#: Method names of the objects a grader's argument can be (ndarray, list, tuple, dict, str, NumPy scalars).
_KNOWN_METHODS = frozenset(name for kind in (np.ndarray, list, tuple, dict, str, np.float64) for name in dir(kind))
#: Attributes of an array that are views of it (or its buffer).
_VIEW_ATTRIBUTES = frozenset({"T", "mT", "real", "imag", "flat", "base", "data", "ctypes"})
#: Views of an ndarray that are ndarrays (so that indexing them with a mask copies).
_ARRAY_VIEWS = frozenset({"view", "reshape", "ravel", "transpose", "swapaxes", "squeeze", "diagonal"})


class _Analysis:
    """One reading: the function ``function`` and what it calls, with the root parameters as origins."""

    def __init__(self, reader: InPlaceReader, function: str):
        self.reader = reader
        self.function = function
        self.writes: dict = {}  # param -> [Write]
        self.steps = 0
        self.analyses = 0
        self.started = time.monotonic() - _imports_s[0]  # (imports made while reading are not counted)
        self.memo: dict = {}
        self.active: set = set()
        self.depth = 0
        self.globals_resolving: set = set()

    # -- entry -----------------------------------------------------------------------------------------------------
    def definition(self, binding: _Binding) -> Definition:
        """The :class:`Definition` of one binding of the function under reading."""
        value = self._binding_value(self.function, binding)
        signature, fn, this = self._entry(value, binding)
        self.writes, self.memo = {}, {}
        params = list(signature.positional) + list(signature.keyword_only)
        args = [_V(origins=frozenset({p})) for p in params]
        bound = dict(zip(params, args))
        if signature.vararg:
            bound[signature.vararg] = _V(holds=frozenset({"*args"}))
        if signature.kwarg:
            bound[signature.kwarg] = _V(holds=frozenset({"**kwargs"}))
        if this is not None:
            bound[_params(fn.node)[0]] = this
        self._run(fn, bound, record=True)
        writes = tuple(w for ws in self.writes.values() for w in ws)
        return Definition(signature, writes)

    def _entry(self, value: _V, binding: _Binding):
        """``(signature, _Fn, self value or None)`` of what the name is bound to, or :class:`_Unreadable`."""
        callees = list(value.callees)
        if value.dotted and not callees:
            raise _Unreadable(f"`{self.function}` is bound to `{value.dotted}`, not to code of the notebook")
        if binding.why and not callees:
            raise _Unreadable(binding.why)
        if len(callees) != 1:
            raise _Unreadable(f"`{self.function}` is not bound to one `def` or `lambda` the grader can read (line "
                              f"{getattr(binding.node, 'lineno', '?')} of cell {binding.cell})")
        callee = callees[0]
        if isinstance(callee, _Fn):
            node = callee.node
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.decorator_list:
                raise _Unreadable(f"`{self.function}` is decorated (`@{_short(ast.unparse(node.decorator_list[0]))}`"
                                  "), so the function called is not the code below the decorator")
            return _signature(node), callee, None
        if isinstance(callee, _Inst):
            method = self._method(callee.name, "__call__")
            if method is None:
                raise _Unreadable(f"`{self.function}` is an instance of `{callee.name}`, whose `__call__` the grader "
                                  "cannot read")
            sig = _signature(method.node)
            return Signature(sig.positional[1:], sig.vararg, sig.keyword_only, sig.kwarg), method, _V(
                callees=frozenset({callee}))
        raise _Unreadable(f"`{self.function}` is not bound to a `def` or `lambda` the grader can read")

    # -- bookkeeping -----------------------------------------------------------------------------------------------
    def _step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Unreadable(f"reading it took more than {MAX_STEPS:,} steps")
        if self.steps % 1024 == 0 and time.monotonic() - self.started - _imports_s[0] > TIME_BUDGET_S:
            raise _Unreadable(f"reading it took longer than {TIME_BUDGET_S:g} s")

    def _write(self, scope: _Scope, v: _V, node, how: str) -> None:
        """``v`` (its origins) is written at ``node``."""
        self._record(scope, v.origins, node, how)

    def _escape(self, scope: _Scope, v: _V, node, how: str) -> None:
        """``v`` (what it is or holds) goes where the grader cannot follow it."""
        self._record(scope, v.reaches, node, how)

    def _record(self, scope: _Scope, params, node, how: str) -> None:
        if not scope.record or not params:
            return
        lines = self.reader.lines.get(scope.fn.cell, [])
        line = getattr(node, "lineno", 1)
        code = _short(lines[line - 1]).replace("`", "'") if 0 < line <= len(lines) else ""
        for param in params:
            found = self.writes.setdefault(param, [])
            if len(found) < 3:
                found.append(Write(param, line, scope.fn.owner, code, how))

    # -- globals ---------------------------------------------------------------------------------------------------
    def _global(self, name: str) -> _V:
        """What a global name of the notebook may be, at the check's point in the notebook."""
        if name in self.reader.rebound:
            return _FRESH
        candidates = self.reader.bindings.get(name)
        if not candidates and name in self.reader.contract:
            return _CARRIED  # answered by the reference while graded (its own cells judge it)
        if not candidates:
            return _V(kind="lib", dotted=f"builtins.{name}") if hasattr(builtins, name) else _FRESH
        if name in self.globals_resolving:
            return _FRESH
        self.globals_resolving.add(name)
        try:
            out = None
            for binding in candidates:
                v = self._binding_value(name, binding)
                out = v if out is None else _join(out, v)
            return out
        finally:
            self.globals_resolving.discard(name)

    def _binding_value(self, name: str, binding: _Binding) -> _V:
        if binding.kind == "def":
            if any(not self._library_decorator(d) for d in binding.node.decorator_list):
                return _FRESH  # a notebook decorator's wrapper is called, not this body: an unknown callable
            return _V(callees=frozenset({_Fn(binding.node, id(binding.node), name, binding.cell)}))
        if binding.kind == "class":
            return _V(callees=frozenset({_Cls(name)}), kind="")
        if binding.kind == "import":
            return _V(kind="lib", dotted=binding.node.value)
        if binding.kind == "value":
            node = binding.node
            if isinstance(node, ast.Lambda):
                return _V(callees=frozenset({_Fn(node, id(node), name, binding.cell)}))
            if isinstance(node, ast.Name):
                return self._global(node.id)
            if isinstance(node, ast.Attribute):
                base = self._module_value(node.value)
                if base.dotted:
                    return _V(kind="lib", dotted=f"{base.dotted}.{node.attr}")
                return _FRESH
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args and not node.keywords:
                base = self._global(node.func.id)
                classes = [c for c in base.callees if isinstance(c, _Cls)]
                if classes and len(classes) == len(base.callees):
                    return _V(callees=frozenset(_Inst(c.name) for c in classes))
            return _FRESH
        return _FRESH

    def _library_decorator(self, node) -> bool:
        """Whether a decorator is a library object (``functools.lru_cache``, ``np.vectorize``), whose wrapper calls
        the function with the arguments it is given."""
        target = node.func if isinstance(node, ast.Call) else node
        value = self._module_value(target)
        return value.kind == "lib" and value.dotted.split(".")[0] in LIBRARY_ROOTS

    def _module_value(self, node) -> _V:
        if isinstance(node, ast.Name):
            return self._global(node.id)
        if isinstance(node, ast.Attribute):
            base = self._module_value(node.value)
            return _V(kind="lib", dotted=f"{base.dotted}.{node.attr}") if base.dotted else _FRESH
        return _FRESH

    def _method(self, cls: str, attr: str, seen=None):
        """The notebook function ``cls.attr`` is (through notebook base classes), or None."""
        seen = seen or set()
        node = self.reader.classes.get(cls)
        if node is None or cls in seen:
            return None
        seen.add(cls)
        cell = next((b.cell for b in self.reader.bindings.get(cls, []) if b.node is node), -1)
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == attr:
                if any(not (isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod"))
                       for d in stmt.decorator_list):
                    raise _Unreadable(f"the method `{cls}.{attr}` is decorated")
                return _Fn(stmt, id(stmt), f"{cls}.{attr}", cell)
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and any(
                    isinstance(t, ast.Name) and t.id == attr for t in (
                        stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])):
                raise _Unreadable(f"`{cls}.{attr}` is not a `def` the grader can read")
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in self.reader.classes:
                found = self._method(base.id, attr, seen)
                if found is not None:
                    return found
            elif not (isinstance(base, ast.Name) and base.id == "object"):
                raise _Unreadable(f"the class `{cls}` inherits from `{_short(ast.unparse(base))}`, whose methods the "
                                  "grader does not read")
        return None

    # -- functions -------------------------------------------------------------------------------------------------
    def _run(self, fn: _Fn, bound: dict, record: bool) -> _V:
        """Read ``fn``'s body with its parameters bound as given; its result."""
        key = (fn.key, fn.closure, tuple(sorted(bound.items(), key=lambda kv: kv[0])), record)
        if key in self.memo:
            return self.memo[key]
        if key in self.active:  # recursion: the reading in progress finds its writes
            return _V(holds=frozenset().union(*(v.reaches for v in bound.values())) if bound else frozenset())
        self.analyses += 1
        if self.analyses > MAX_ANALYSES:
            raise _Unreadable(f"it calls more functions than the grader follows ({MAX_ANALYSES})")
        if self.depth >= MAX_CALL_DEPTH:
            raise _Unreadable(f"its calls nest deeper than the grader follows ({MAX_CALL_DEPTH})")
        node = fn.node
        self._magics_inside(fn)
        opaque = self.reader.opaque_in.get(fn.key)
        if opaque is not None and record:
            name, cell, line, reason = opaque
            raise _Unreadable(f"`{name}` {reason} ({self.reader._where(cell, line, 'its cell')})")
        self.active.add(key)
        self.depth += 1
        try:
            scope = _Scope(fn, record, _local_names(node), _declared_global(node))
            env = dict(fn.closure)
            for name in _params(node):
                env[name] = bound.get(name, _FRESH)
            if isinstance(node, ast.Lambda):
                result = self._expr(node.body, env, scope)
            else:
                self._block(node.body, env, scope)
                result = scope.returned
        finally:
            self.depth -= 1
            self.active.discard(key)
        self.memo[key] = result
        return result

    def _magics_inside(self, fn: _Fn) -> None:
        magics = self.reader.magic_lines.get(fn.cell)
        node = fn.node
        if not magics or not hasattr(node, "end_lineno"):
            return
        for line, name in magics.items():
            if node.lineno <= line <= node.end_lineno:
                raise _Unreadable(f"`{fn.owner}` runs the IPython magic `{name}` (line {line} of its cell), whose "
                                  "code the grader does not read")

    def _closure(self, node, env, scope) -> _Fn:
        """A nested def or lambda as a callee: the enclosing function's names (all of them, so that a local name
        is never read as a global) and its defaults, evaluated here."""
        args = node.args
        values = [self._expr(d, env, scope) for d in list(args.defaults) + [d for d in args.kw_defaults if d]]
        defaults = tuple(sorted(((k, v) for k, v in zip(_defaulted(node), values) if v != _FRESH),
                                key=lambda kv: kv[0]))
        names = {name: _FRESH for name in scope.local}
        names.update(env)
        closure = tuple(sorted(names.items(), key=lambda kv: kv[0]))
        return _Fn(node, id(node), scope.fn.owner, scope.fn.cell, closure, defaults)

    # -- statements ------------------------------------------------------------------------------------------------
    def _block(self, statements, env, scope):
        for stmt in statements:
            if env is None:
                return None
            env = self._stmt(stmt, env, scope)
        return env

    def _stmt(self, node, env, scope):
        self._step()
        if isinstance(node, ast.Expr):
            self._expr(node.value, env, scope)
        elif isinstance(node, ast.Assign):
            parts = None
            if isinstance(node.value, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred)
                                                                         for e in node.value.elts):
                parts = [self._expr(e, env, scope) for e in node.value.elts]
                value = _V(holds=frozenset().union(*(p.reaches for p in parts)) if parts else frozenset(),
                           kind="py", callees=frozenset().union(*(_callables(p) for p in parts)) if parts else
                           frozenset())
            else:
                value = self._expr(node.value, env, scope)
            for target in node.targets:
                self._assign(target, value, env, scope, parts)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self._assign(node.target, self._expr(node.value, env, scope), env, scope)
        elif isinstance(node, ast.AugAssign):
            self._augassign(node, env, scope)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self._delete(target, env, scope)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                scope.returned = _join(scope.returned, self._expr(node.value, env, scope))
            return None
        elif isinstance(node, ast.Raise):
            if node.exc is not None:
                self._expr(node.exc, env, scope)
            if node.cause is not None:
                self._expr(node.cause, env, scope)
            return None
        elif isinstance(node, ast.If):
            self._expr(node.test, env, scope)
            return _join_env(self._block(node.body, dict(env), scope), self._block(node.orelse, dict(env), scope))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            return self._for(node, env, scope)
        elif isinstance(node, ast.While):
            return self._while(node, env, scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                v = self._expr(item.context_expr, env, scope)
                if item.optional_vars is not None:
                    self._assign(item.optional_vars, _V(origins=v.origins, holds=v.holds), env, scope)
            return self._block(node.body, env, scope)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            return self._try(node, env, scope)
        elif isinstance(node, (ast.Break, ast.Continue)):
            if scope.loops:
                which = 0 if isinstance(node, ast.Break) else 1
                scope.loops[-1][which].append(dict(env))
            return None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._nested(node, env, scope)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = {}
            import_names(node, names)
            for name, dotted in names.items():
                env[name] = _V(kind="lib", dotted=dotted)
        elif isinstance(node, ast.Assert):
            self._expr(node.test, env, scope)
            if node.msg is not None:
                self._expr(node.msg, env, scope)
        elif type(node).__name__ == "Match":
            subject = self._expr(node.subject, env, scope)
            out = None
            for case in node.cases:
                branch = dict(env)
                for sub in ast.walk(case.pattern):
                    for name in filter(None, [getattr(sub, "name", None), getattr(sub, "rest", None)]):
                        branch[name] = _element(subject) if subject.reaches else _FRESH
                if case.guard is not None:
                    self._expr(case.guard, branch, scope)
                out = _join_env(out, self._block(case.body, branch, scope))
            return _join_env(out, env)
        elif isinstance(node, (ast.Global, ast.Nonlocal, ast.Pass)):
            pass
        else:
            raise _Unreadable(f"`{scope.fn.owner}` uses a statement the grader does not read "
                              f"(`{type(node).__name__}`, line {getattr(node, 'lineno', '?')})")
        return env

    def _for(self, node, env, scope):
        iterable = self._expr(node.iter, env, scope)
        item = _element(iterable) if iterable.reaches else (_ARRAY if iterable.kind == "array" else _FRESH)

        def enter(head):
            body_env = dict(head)
            self._assign(node.target, item, body_env, scope)
            return body_env

        return self._loop(node, env, scope, enter)

    def _while(self, node, env, scope):
        def enter(head):
            self._expr(node.test, head, scope)
            return dict(head)

        return self._loop(node, env, scope, enter)

    def _loop(self, node, env, scope, enter):
        """A ``for`` or ``while`` loop read to a fixed point: ``enter(head)`` is the state at the top of the body
        (the target bound, or the test read); then the ``else`` block, joined with every ``break``."""
        head = dict(env)
        breaks = []
        for _ in range(MAX_LOOP_ROUNDS):
            body_env = enter(head)
            scope.loops.append(([], []))
            try:
                end = self._block(node.body, body_env, scope)
            finally:
                loop_breaks, continues = scope.loops.pop()
            breaks += loop_breaks
            for extra in continues:
                end = _join_env(end, extra)
            new_head = _join_env(head, end)
            if new_head == head:
                break
            head = new_head
        else:
            raise _Unreadable("a loop the grader could not finish reading")
        out = self._block(node.orelse, dict(head), scope)
        for extra in breaks:
            out = _join_env(out, extra)
        return out

    def _try(self, node, env, scope):
        seen = dict(env)  # every state the body passes through: where an exception may leave it
        body_env = dict(env)
        for stmt in node.body:
            if body_env is None:
                break
            body_env = self._stmt(stmt, body_env, scope)
            seen = _join_env(seen, body_env)
        ends = [self._block(node.orelse, dict(body_env), scope) if body_env is not None else None]
        # an exception may carry anything the body could reach (`raise ValueError(z)`, then `e.args[0]`)
        carried = frozenset().union(*(v.reaches for v in seen.values())) if seen else frozenset()
        for handler in node.handlers:
            handler_env = dict(seen)
            if handler.type is not None:
                self._expr(handler.type, handler_env, scope)
            if handler.name:
                handler_env[handler.name] = _V(holds=carried)
            ends.append(self._block(handler.body, handler_env, scope))
        out = None
        for end in ends:
            out = _join_env(out, end)
        if node.finalbody:
            self._block(node.finalbody, dict(_join_env(out, seen)), scope)  # (also when an exception passes)
            out = self._block(node.finalbody, out, scope) if out is not None else None
        return out

    def _nested(self, node, env, scope) -> None:
        """A def or class inside the function: its body is read now (writes through the closure), and the name is
        bound to it for later calls."""
        for decorator in getattr(node, "decorator_list", []):
            self._expr(decorator, env, scope)
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                self._expr(base, env, scope)
            for stmt in node.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._nested(stmt, env, scope)
            env[node.name] = _FRESH
            return
        fn = self._closure(node, env, scope)
        self._run(fn, dict(fn.defaults), scope.record)  # as defined: parameters fresh but for defaults
        if node.decorator_list:
            env[node.name] = _FRESH  # (called through the decorator: its calls are read as unknown callables)
        else:
            env[node.name] = _V(callees=frozenset({fn}))

    # -- assignment ------------------------------------------------------------------------------------------------
    def _assign(self, target, value: _V, env, scope, parts=None) -> None:
        """Bind ``target`` to ``value`` (``parts``: the values of a tuple display's items, for ``a, b = x, y``)."""
        if isinstance(target, ast.Name):
            if target.id in scope.declared_global:
                self._escape(scope, value, target, f"stores it in the global `{target.id}`")
            env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if parts is not None and len(parts) == len(target.elts) and not any(
                    isinstance(e, ast.Starred) for e in target.elts):
                for t, v in zip(target.elts, parts):
                    self._assign(t, v, env, scope)
                return
            item = _element(value) if value.reaches else (_ARRAY if value.kind == "array" else _FRESH)
            for t in target.elts:
                if isinstance(t, ast.Starred):
                    self._assign(t.value, _V(holds=value.reaches), env, scope)
                else:
                    self._assign(t, item, env, scope)
        elif isinstance(target, ast.Starred):
            self._assign(target.value, _V(holds=value.reaches), env, scope)
        elif isinstance(target, ast.Subscript):
            base = self._expr(target.value, env, scope)
            self._expr(target.slice, env, scope)
            if base.origins:
                self._write(scope, base, target, "an assignment into it")
            if value.reaches:
                self._store_into(target.value, base, value, env, scope, target)
        elif isinstance(target, ast.Attribute):
            base = self._expr(target.value, env, scope)
            if base.origins:
                self._write(scope, base, target, f"sets its attribute `{target.attr}`")
            if value.reaches:
                self._escape(scope, value, target, f"stores it in an attribute (`.{target.attr}`), where the grader "
                                                   "cannot follow it")

    def _store_into(self, base_node, base: _V, value: _V, env, scope, node) -> None:
        """``value`` is stored into the container ``base`` (an item assignment or a method like ``append``)."""
        if base.kind == "array":
            return  # an ndarray copies what is stored into it
        if isinstance(base_node, ast.Name) and base_node.id in scope.local and base_node.id not in \
                scope.declared_global:
            current = env.get(base_node.id, _FRESH)
            env[base_node.id] = _join(current, _V(holds=value.reaches))
            return
        self._escape(scope, value, node, "stores it in a container the grader cannot follow")

    def _augassign(self, node, env, scope) -> None:
        value = self._expr(node.value, env, scope)
        op = _OPERATORS.get(type(node.op), "?")
        target = node.target
        grows = op in ("+", "*", "|") and value.kind not in ("num", "array")  # list += items, set |= items
        if isinstance(target, ast.Name):
            current = env[target.id] if target.id in env else self._name(target.id, env, scope)
            if current.origins:
                self._write(scope, current, node, f"an in-place operator (`{op}=`) on it")
            if target.id in scope.declared_global and value.reaches:
                self._escape(scope, value, node, f"stores it in the global `{target.id}`")
            if current.kind == "num":  # a number: `total += x` makes a new object
                env[target.id] = _ARRAY if value.kind == "array" else _FRESH if value.reaches else _NUM
            else:
                env[target.id] = _V(current.origins, current.holds | (value.reaches if grows else frozenset()),
                                    current.kind)
        elif isinstance(target, ast.Subscript):
            base = self._expr(target.value, env, scope)
            self._expr(target.slice, env, scope)
            if base.reaches and base.kind != "array":
                # rows[i] += x changes the item in place when it is a list or an array: an item may be a parameter
                self._write(scope, _V(origins=base.reaches), node, f"an in-place operator (`{op}=`) on it")
            elif base.origins:
                self._write(scope, base, node, f"an in-place operator (`{op}=`) on it")
            if value.reaches:
                self._store_into(target.value, base, value, env, scope, node)
        elif isinstance(target, ast.Attribute):
            base = self._expr(target.value, env, scope)
            if base.origins:
                self._write(scope, base, node, f"an in-place operator (`{op}=`) on its attribute `{target.attr}`")
            if value.reaches:
                self._escape(scope, value, node, "stores it in an attribute, where the grader cannot follow it")

    def _delete(self, target, env, scope) -> None:
        if isinstance(target, ast.Name):
            env.pop(target.id, None)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._delete(t, env, scope)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            base = self._expr(target.value, env, scope)
            if isinstance(target, ast.Subscript):
                self._expr(target.slice, env, scope)
            if base.origins:
                self._write(scope, base, target, "`del` on it")

    # -- expressions -----------------------------------------------------------------------------------------------
    def _name(self, name: str, env, scope) -> _V:
        if name in env:
            return env[name]
        if name in scope.local and name not in scope.declared_global:
            return _FRESH  # (not bound yet on this path)
        return self._global(name)

    def _expr(self, node, env, scope) -> _V:
        self._step()
        if isinstance(node, ast.Constant):
            return _NUM if isinstance(node.value, (int, float, complex)) and not isinstance(node.value, bool) else \
                _V(kind="lib")
        if isinstance(node, ast.Name):
            return self._name(node.id, env, scope)
        if isinstance(node, ast.Attribute):
            return self._attribute(self._expr(node.value, env, scope), node.attr)
        if isinstance(node, ast.Subscript):
            base = self._expr(node.value, env, scope)
            self._expr(node.slice, env, scope)
            if not base.reaches:
                return _ARRAY if base.kind == "array" else _V(callees=base.callees)
            if base.kind == "array" and isinstance(node.slice, (ast.Compare, ast.List, ast.BoolOp)):
                return _ARRAY  # boolean or list indexing of an ndarray copies
            return _V(origins=base.reaches, holds=base.reaches, kind=base.kind if base.kind == "array" else "",
                      callees=base.callees)
        if isinstance(node, ast.Call):
            return self._call(node, env, scope)
        if isinstance(node, ast.BinOp):
            left, right = self._expr(node.left, env, scope), self._expr(node.right, env, scope)
            return self._binop(node, left, right)
        if isinstance(node, ast.UnaryOp):
            operand = self._expr(node.operand, env, scope)
            return _NUM if operand.kind == "num" else _ARRAY if operand.kind == "array" else _FRESH
        if isinstance(node, ast.BoolOp):
            out = None
            for value in node.values:
                v = self._expr(value, env, scope)
                out = v if out is None else _join(out, v)
            return out
        if isinstance(node, ast.Compare):
            self._expr(node.left, env, scope)
            for comparator in node.comparators:
                self._expr(comparator, env, scope)
            return _FRESH
        if isinstance(node, ast.IfExp):
            self._expr(node.test, env, scope)
            return _join(self._expr(node.body, env, scope), self._expr(node.orelse, env, scope))
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            held, callees = frozenset(), frozenset()
            for elt in node.elts:
                v = self._expr(elt.value if isinstance(elt, ast.Starred) else elt, env, scope)
                held |= v.reaches
                callees |= _callables(v)
            return _V(holds=held, kind="py", callees=callees)
        if isinstance(node, ast.Dict):
            held, callees = frozenset(), frozenset()
            for key, value in zip(node.keys, node.values):
                if key is not None:
                    held |= self._expr(key, env, scope).reaches
                v = self._expr(value, env, scope)
                held |= v.reaches
                callees |= _callables(v)
            return _V(holds=held, kind="py", callees=callees)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self._comprehension(node, env, scope)
        if isinstance(node, ast.NamedExpr):
            v = self._expr(node.value, env, scope)
            self._assign(node.target, v, env, scope)
            return v
        if isinstance(node, ast.Lambda):
            fn = self._closure(node, env, scope)
            self._run(fn, dict(fn.defaults), scope.record)
            return _V(callees=frozenset({fn}))
        if isinstance(node, ast.Starred):
            return _element(self._expr(node.value, env, scope))
        if isinstance(node, ast.JoinedStr):
            for value in node.values:
                self._expr(value, env, scope)
            return _V(kind="lib")
        if isinstance(node, ast.FormattedValue):
            self._expr(node.value, env, scope)
            if node.format_spec is not None:
                self._expr(node.format_spec, env, scope)
            return _V(kind="lib")
        if isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None:
                    self._expr(part, env, scope)
            return _FRESH
        if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await)):
            if node.value is not None:
                self._expr(node.value, env, scope)
            return _FRESH
        raise _Unreadable(f"`{scope.fn.owner}` uses an expression the grader does not read "
                          f"(`{type(node).__name__}`, line {getattr(node, 'lineno', '?')})")

    def _binop(self, node, left: _V, right: _V) -> _V:
        kinds = {left.kind, right.kind}
        if isinstance(node.op, (ast.Add, ast.Mult, ast.BitOr, ast.BitAnd, ast.BitXor)) and not (
                "array" in kinds or (isinstance(node.op, ast.Add) and "num" in kinds)
                or (isinstance(node.op, ast.Mult) and _float_constant(node))):
            held = left.reaches | right.reaches  # list + list, list * n, dict | dict: new containers of the items
            if held:
                return _V(holds=held)
        if "array" in kinds:
            return _ARRAY
        return _NUM if kinds == {"num"} else _FRESH

    def _comprehension(self, node, env, scope) -> _V:
        inner = dict(env)
        for gen in node.generators:
            iterable = self._expr(gen.iter, inner, scope)
            item = _element(iterable) if iterable.reaches else _FRESH
            self._assign(gen.target, item, inner, scope)
            for cond in gen.ifs:
                self._expr(cond, inner, scope)
        if isinstance(node, ast.DictComp):
            held = self._expr(node.key, inner, scope).reaches | self._expr(node.value, inner, scope).reaches
        else:
            v = self._expr(node.elt, inner, scope)
            held = v.reaches
        targets = {n.id for gen in node.generators for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
        for name, value in inner.items():  # (`:=` inside binds in the function)
            if name not in targets and env.get(name) != value:
                env[name] = _join(env.get(name, _FRESH), value)
        return _V(holds=held, kind="py")

    def _attribute(self, base: _V, attr: str) -> _V:
        if base.dotted and base.kind == "lib":
            return _V(kind="lib", dotted=f"{base.dotted}.{attr}")
        if base.kind == "type":
            return _V(kind="unbound", dotted=attr)
        callees = frozenset(_Bound(c.name, attr, base) for c in base.callees if isinstance(c, _Inst))
        callees |= frozenset(m for c in base.callees if isinstance(c, _Cls)
                             for m in [self._method(c.name, attr)] if m is not None)
        if attr == "__class__":
            return _V(kind="type")
        if base.reaches and attr not in FRESH_ATTRIBUTES:
            if attr in _VIEW_ATTRIBUTES or attr.startswith("__array"):
                return _V(origins=base.origins, holds=base.holds,
                          kind="array" if base.kind == "array" and attr in ("T", "mT", "real", "imag") else "")
            return _V(origins=base.origins, holds=base.holds, kind="bound", dotted=attr)  # a method of it
        if callees:
            return _V(callees=callees)
        if base.kind in ("lib", "array", "py", "num"):
            return _V(kind="lib")
        return _FRESH

    # -- calls -----------------------------------------------------------------------------------------------------
    def _call(self, node: ast.Call, env, scope) -> _V:
        func = node.func
        receiver = None
        if isinstance(func, ast.Attribute):
            receiver = self._expr(func.value, env, scope)
            fv = self._attribute(receiver, func.attr)
        else:
            fv = self._expr(func, env, scope)
        args, star = [], None
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                v = self._expr(arg.value, env, scope)
                star = v if star is None else _join(star, v)
            else:
                args.append(self._expr(arg, env, scope))
        kwargs = {}
        for kw in node.keywords:
            v = self._expr(kw.value, env, scope)
            if kw.arg is None:
                star = v if star is None else _join(star, v)
            else:
                kwargs[kw.arg] = v
        call = _Call(node, args, kwargs, star, env)
        for v in call.values:  # a method of an argument, handed to a call: whoever gets it may call it
            if v.kind == "anymethod" or (v.kind == "bound" and (v.dotted in MUTATING_METHODS or (
                    v.dotted.startswith("__") and v.dotted not in READING_SPECIALS))):
                self._write(scope, v, node, f"hands its method `.{v.dotted or '?'}` to "
                                            f"`{_short(ast.unparse(node.func))}`")
        handed = frozenset(c for v in call.values for c in _callables(v))
        if handed and not fv.callees and call.reached:
            # a library (or unknown) function given callables and an argument may call them with it (map,
            # functools.reduce, np.apply_along_axis …): as the function calls them, where it is known
            for invocation in self._invocations(call, fv):
                for callee in handed:
                    self._call_callee(callee, invocation, scope)
        if isinstance(func, ast.Attribute) and not (receiver.dotted and receiver.kind == "lib") and not fv.callees \
                and receiver.kind not in ("type", "bound", "unbound"):
            result = self._method_call(call, receiver, func.attr, scope)
        else:
            result = self._call_value(call, fv, scope)
        notebook = frozenset(c for c in handed if not isinstance(c, _Lib))
        if notebook:  # what np.vectorize(f) or functools.partial(f) returns calls f
            result = _V(result.origins, result.holds, result.kind, result.dotted, result.callees | notebook)
        return result

    def _invocations(self, call: "_Call", fv: _V) -> list:
        """How the library function ``fv`` calls a callable it is given, as argument values (:class:`_Call`);
        a function not known here may give it any of its arguments anywhere."""
        name = _canonical(fv.dotted) if fv.dotted and fv.kind == "lib" else ""
        node, args, env = call.node, call.args, call.env
        data = [v for v in args if not _callables(v)]
        if name == "builtins.map" and len(args) >= 2 and call.star is None:
            return [_Call(node, [_element(v) for v in args[1:]], {}, None, env)]
        if name in ("builtins.filter", "builtins.sorted", "builtins.min", "builtins.max") and data:
            return [_Call(node, [_element(data[0])], {}, None, env)]
        if name == "functools.reduce" and len(args) >= 2:
            acc = _element(args[1]) if len(args) < 3 else _join(_element(args[1]), args[2])
            return [_Call(node, [acc, acc], {}, None, env)]
        if name == "itertools.starmap" and len(args) >= 2:
            return [_Call(node, [], {}, _element(args[1]), env)]
        if name == "numpy.apply_along_axis" and len(args) >= 3 and call.star is None:
            row = _V(origins=args[2].reaches, holds=args[2].reaches, kind="array")
            return [_Call(node, [row, *args[3:]], call.kwargs, None, env)]
        return [_Call(node, [], {}, _V(holds=call.reached), env)]

    def _call_callee(self, callee, call: "_Call", scope) -> _V:
        """Call one notebook callable (a function, a class, an instance, a bound method)."""
        if isinstance(callee, _Fn):
            return self._call_fn(callee, call, scope)
        if isinstance(callee, _Cls):
            init = self._method(callee.name, "__init__")
            instance = _V(callees=frozenset({_Inst(callee.name)}))
            if init is not None:
                self._call_fn(init, call, scope, this=instance)
            return instance
        if isinstance(callee, _Inst):
            method = self._method(callee.name, "__call__")
            return _FRESH if method is None else self._call_fn(method, call, scope, this=_V(callees=frozenset({callee})))
        if isinstance(callee, _Bound):
            method = self._method(callee.cls, callee.attr)
            return _FRESH if method is None else self._call_fn(method, call, scope, this=callee.this)
        if isinstance(callee, _Lib):
            return self._call_value(call, _V(kind=callee.kind, dotted=callee.dotted), scope)
        return _FRESH

    def _call_fn(self, fn: _Fn, call: "_Call", scope: _Scope, this: _V | None = None) -> _V:
        """Call the notebook function ``fn``: its parameters bound to the call's argument values."""
        node = fn.node
        params = _params(node)
        sig = _signature(node)
        bound = {}
        values = ([this] if this is not None else []) + list(call.args)
        for i, v in enumerate(values):
            if i < len(sig.positional):
                bound[sig.positional[i]] = v
            elif sig.vararg:
                bound[sig.vararg] = _join(bound.get(sig.vararg, _FRESH), _V(holds=v.reaches))
        for key, v in call.kwargs.items():
            if key in params:
                bound[key] = v
            elif sig.kwarg:
                bound[sig.kwarg] = _join(bound.get(sig.kwarg, _FRESH), _V(holds=v.reaches))
        if call.star is not None and call.star.reaches:  # spread arguments may land on any parameter
            for name in params:
                if name in (sig.vararg, sig.kwarg):
                    bound[name] = _join(bound.get(name, _FRESH), _V(holds=call.star.reaches))
                else:
                    bound[name] = _join(bound.get(name, _FRESH), _element(call.star))
        for name, v in fn.defaults:
            if name not in bound:
                bound[name] = v
        if fn.closure and call.env is not None:  # late binding: the names as they are at the call, too
            merged = dict(fn.closure)
            for name in merged:
                if name in call.env:
                    merged[name] = _join(merged[name], call.env[name])
            fn = _Fn(fn.node, fn.key, fn.owner, fn.cell, tuple(sorted(merged.items(), key=lambda kv: kv[0])),
                     fn.defaults)
        record = scope.record and not (fn.owner in self.reader.contract and fn.owner != self.function)
        return self._run(fn, {k: v for k, v in bound.items() if v != _FRESH}, record)

    def _call_value(self, call: "_Call", fv: _V, scope) -> _V:
        """Call ``fv``: notebook callables, a library object, an unbound method, or something unknown."""
        node = call.node
        out = None
        if fv.callees:
            spread = call
            if fv.holds:  # functools.partial(f, z): f gets z too
                spread = _Call(node, call.args, call.kwargs, _join(call.star or _FRESH, _V(holds=fv.holds)), call.env)
            for callee in fv.callees:
                v = self._call_callee(callee, spread, scope)
                out = v if out is None else _join(out, v)
            if not fv.dotted:
                return out
        if fv.dotted and fv.kind == "lib":
            v = self._library_call(call, fv.dotted, scope)
        elif fv.kind == "bound":
            v = self._method_call(call, _V(origins=fv.origins, holds=fv.holds), fv.dotted, scope)
        elif fv.kind == "unbound" and (call.args or call.star is not None):
            receiver = call.args[0] if call.args else _element(call.star)
            v = self._method_call(_Call(node, call.args[1:], call.kwargs, call.star, call.env), receiver, fv.dotted,
                                  scope)
        elif fv.kind == "carried":
            v = _ARRAY
        elif fv.kind == "anymethod":
            self._write(scope, fv, node, "calls a method of it chosen at run time")
            v = _V(origins=fv.origins, holds=fv.holds)
        elif call.reached or fv.reaches:
            self._escape(scope, _V(holds=call.reached | fv.reaches), node,
                         f"passes it to `{_short(ast.unparse(node.func))}`, a callable the grader cannot identify")
            v = _V(holds=call.reached | fv.reaches)
        else:
            v = _FRESH
        return v if out is None else _join(out, v)

    def _method_call(self, call: "_Call", receiver: _V, attr: str, scope) -> _V:
        """``receiver.attr(…)`` where ``receiver`` is not a library module or a notebook object."""
        node, args, kwargs, star = call.node, call.args, call.kwargs, call.star
        if receiver.origins and (attr in MUTATING_METHODS or (attr.startswith("__") and attr.endswith("__")
                                                              and attr not in READING_SPECIALS)):
            if not (attr == "byteswap" and not args and not kwargs):
                self._write(scope, receiver, node, f"calls `.{attr}()` on it")
        self._outputs(call, METHOD_OUT_POSITION.get(attr, -1), ("out",), f".{attr}()", scope,
                      spread=attr in METHOD_OUT_POSITION)
        if attr in ARGUMENT_WRITING_METHODS and not receiver.reaches and (args or star is not None):
            first = args[0] if args else _element(star)
            self._write(scope, _V(origins=first.reaches), node, f"passes it to `.{attr}()`, which changes it")
        if attr in ("append", "extend", "insert", "add", "update", "setdefault", "__setitem__", "appendleft") and \
                not receiver.origins:
            for v in [v for v in args if v.reaches] + ([star] if star is not None and star.reaches else []):
                self._store_into(node.func.value, receiver, v, call.env, scope, node)
        if receiver.reaches:
            if attr == "astype":
                copy = next((k.value for k in node.keywords if k.arg == "copy"), None)
                if copy is None and len(args) < 5 or isinstance(copy, ast.Constant) and copy.value is True:
                    return _ARRAY
                return _V(origins=receiver.reaches, holds=receiver.reaches, kind="array")
            if attr in ("copy", "__deepcopy__") and receiver.kind == "array":
                return _ARRAY
            if attr in VIEW_METHODS:
                keeps = attr not in ("copy", "__copy__", "tolist", "flatten", "items", "values", "keys")
                return _V(origins=receiver.reaches if keeps else frozenset(), holds=receiver.reaches,
                          kind="array" if receiver.kind == "array" and attr in _ARRAY_VIEWS else "")
            if attr in ("pop", "popitem", "__next__"):
                return _element(receiver)
            if attr not in _KNOWN_METHODS:  # not a method of an array, a list, a dict: it may hand back its object
                return _V(origins=receiver.origins, holds=receiver.reaches)
            return _ARRAY if receiver.kind == "array" else _FRESH
        if receiver.kind in ("array", "lib", "py", "num"):
            return _ARRAY if receiver.kind == "array" else _V(kind="lib")
        passed = frozenset().union(*(v.reaches for v in call.values)) if call.values else frozenset()
        if passed:
            self._escape(scope, _V(holds=passed), node, f"passes it to `.{attr}()` of an object the grader cannot "
                                                        "identify")
            return _V(holds=passed)
        return _FRESH

    def _outputs(self, call: "_Call", position: int, names, what: str, scope, spread: bool = True) -> None:
        """An argument given as an output (``out=``, ``output=``, the position of one) is written; with
        ``spread``, so is one spread with ``*``/``**`` (it may land there)."""
        node = call.node
        for key in names:
            v = call.kwargs.get(key)
            if v is not None and v.reaches:
                self._write(scope, _V(origins=v.reaches), node, f"passes it as `{key}=` to `{what}`")
        if position >= 0 and len(call.args) > position and call.args[position].reaches:
            self._write(scope, _V(origins=call.args[position].reaches), node, f"passes it as the output of `{what}`")
        if spread and call.star is not None and call.star.reaches and (position >= 0 or names):
            self._write(scope, _V(origins=call.star.reaches), node, f"may pass it as the output of `{what}`")

    def _library_call(self, call: "_Call", dotted: str, scope) -> _V:
        """A call of the library object ``dotted`` (a module's function, a class, a method of one)."""
        node, args, kwargs, star, reached = call.node, call.args, call.kwargs, call.star, call.reached
        root = dotted.split(".")[0]
        if root not in LIBRARY_ROOTS:
            if reached:
                self._escape(scope, _V(holds=reached), node, f"passes it to `{dotted}`, library code the grader "
                                                             "does not read")
                return _V(holds=reached)
            return _FRESH
        name = _canonical(dotted)
        bare = name.rsplit(".", 1)[-1]
        obj = _resolve(dotted)
        parent = _resolve(dotted.rsplit(".", 1)[0]) if "." in dotted else None
        owner = getattr(obj, "__objclass__", None)
        first = args[0] if args else (_element(star) if star is not None else None)
        if isinstance(parent, np.ufunc) and not isinstance(obj, np.ufunc):  # np.add.at, np.add.reduce
            if bare == "at" and first is not None:
                self._write(scope, _V(origins=first.reaches), node, f"passes it to `{dotted}`, which changes it")
            self._outputs(call, {"reduce": 3, "accumulate": 3, "reduceat": 4}.get(bare, -1), ("out",), dotted, scope)
            return _ARRAY
        if owner in (np.ndarray, list, dict, set, object) and first is not None:  # np.ndarray.sort(z)
            return self._method_call(_Call(node, args[1:], kwargs, star, call.env), first, bare, scope)
        if root == "builtins" and bare == "getattr" and args:
            attr = node.args[1] if len(node.args) > 1 else None
            if isinstance(attr, ast.Constant) and isinstance(attr.value, str):
                return self._attribute(args[0], attr.value)
            if args[0].reaches:
                return _V(origins=args[0].reaches, holds=args[0].holds, kind="anymethod")
            return _V(kind="lib") if args[0].dotted or args[0].kind == "lib" else _FRESH
        if root == "builtins" and bare == "type" and len(args) == 1:
            return _V(kind="type")
        if name == "operator.methodcaller":  # a callable that calls that method of its argument
            method = node.args[0] if node.args else None
            return _V(kind="unbound", dotted=method.value if isinstance(method, ast.Constant) and isinstance(
                method.value, str) else "__unknown__")
        if root == "builtins" and bare == "setattr" and len(args) > 2 and args[2].reaches:
            self._escape(scope, args[2], node, "stores it in an attribute (`setattr`), where the grader cannot "
                                               "follow it")
        if name in WRITES_FIRST and first is not None:
            self._write(scope, _V(origins=first.reaches), node, f"passes it to `{dotted}`, which changes it")
        if obj is not None and callable(obj) and not isinstance(obj, type) and _unreadable_signature(obj):
            # a compiled function whose parameters cannot be read (LAPACK's wrappers): any output keyword, any
            # argument after the first
            obj = None
        if obj is not None and callable(obj):
            positions, names = _out_positions(obj)
            for position in positions:
                self._outputs(call, position, (), dotted, scope)
            self._outputs(call, -1, tuple(n for n in names if n == "out"), dotted, scope)
            for key in names:
                if key.startswith("overwrite_"):
                    self._overwrite(call, obj, key, scope, dotted)
        elif obj is None and root in ("numpy", "scipy"):  # unknown here: any argument after the first may be an output
            self._outputs(call, -1, ("out", "output"), dotted, scope)
            for v in args[1:]:
                if v.reaches:
                    self._write(scope, _V(origins=v.reaches), node, f"passes it to `{dotted}`, which the grader "
                                                                    "cannot look up")
            for key in kwargs:
                if key.startswith("overwrite_"):
                    self._overwrite(call, None, key, scope, dotted)
        if name in ("numpy.array", "numpy.asarray", "numpy.asanyarray"):
            copy = next((k.value for k in node.keywords if k.arg == "copy"), None)
            if (name == "numpy.array" and copy is None and star is None) or (
                    isinstance(copy, ast.Constant) and copy.value is True):
                return _ARRAY
            return _V(origins=reached, holds=reached, kind="array")
        if name in VIEW_FUNCTIONS or name.startswith(VIEW_PREFIXES):
            return _V(origins=reached, holds=reached, kind="array" if root == "numpy" else "")
        if name in HOLDING_FUNCTIONS or (root == "builtins" and bare not in FRESH_BUILTINS and reached):
            return _V(holds=reached)
        if root == "builtins":
            return _NUM if bare in ("len", "float", "int", "abs", "round", "sum", "pow", "divmod") else _V(kind="lib")
        if root in ("math", "cmath"):
            return _NUM
        if root in ("numpy", "scipy") and not isinstance(obj, type):
            return _ARRAY
        return _V(kind="lib")

    def _overwrite(self, call: "_Call", obj, key: str, scope, dotted: str) -> None:
        """``overwrite_a=<anything but a false constant>``: the argument bound to ``a`` may be overwritten."""
        node = call.node
        try:
            names = list(inspect.signature(obj).parameters) if obj is not None else []
        except (TypeError, ValueError):
            names = []
        flag = next((k.value for k in node.keywords if k.arg == key), None)
        if flag is None and key in names and names.index(key) < len(node.args):
            flag = node.args[names.index(key)]
        if flag is None and call.star is None:
            return  # (not given: the default, False)
        if isinstance(flag, ast.Constant) and not flag.value:
            return
        param = key[len("overwrite_"):]
        target = call.kwargs.get(param)
        if target is None and param in names and names.index(param) < len(call.args):
            target = call.args[names.index(param)]
        if target is None:
            target = _V(holds=call.reached)
        if target.reaches:
            self._write(scope, _V(origins=target.reaches), node, f"lets `{dotted}` overwrite it (`{key}=`)")


_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
              ast.Pow: "**", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&",
              ast.BitXor: "^"}


def _float_constant(node: ast.BinOp) -> bool:
    return any(isinstance(side, ast.Constant) and isinstance(side.value, (float, complex))
               for side in (node.left, node.right))


def _params(node) -> list:
    args = node.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def _signature(node) -> Signature:
    args = node.args
    return Signature(tuple(a.arg for a in args.posonlyargs + args.args), args.vararg.arg if args.vararg else None,
                     tuple(a.arg for a in args.kwonlyargs), args.kwarg.arg if args.kwarg else None)


def _defaulted(node) -> list:
    """The parameters with defaults, in the order of ``args.defaults`` then ``kw_defaults``."""
    args = node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    out = positional[len(positional) - len(args.defaults):] if args.defaults else []
    return out + [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]


@functools.lru_cache(maxsize=1024)
def _local_names(node) -> frozenset:
    """The names a function binds (its locals), parameters included; nested functions' own names excluded."""
    names = set(_params(node))
    todo = list(node.body) if isinstance(node.body, list) else [node.body]
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
            found = {}
            import_names(sub, found)
            names.update(found)
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            names.add(sub.name)
        todo.extend(ast.iter_child_nodes(sub))
    return frozenset(names)


@functools.lru_cache(maxsize=1024)
def _declared_global(node) -> frozenset:
    out = set()
    todo = list(node.body) if isinstance(node.body, list) else []
    while todo:
        sub = todo.pop()
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(sub, (ast.Global, ast.Nonlocal)):
            out.update(sub.names)
        todo.extend(ast.iter_child_nodes(sub))
    return frozenset(out)
