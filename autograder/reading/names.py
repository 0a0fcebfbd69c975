"""The one table of names the grader treats as opaque or internal, and the modules it knows.

Every reader of student source looks a name up here and nowhere else
(``tests/test_reading_names.py`` fails on a second table): the flags for a
person (:mod:`autograder.reading.flags`) and the purity cells' evidence
(:mod:`autograder.reading.purity`) judge the same construct the same way.

Each entry says why the construct is noted, in words a student reads, and
whether it **hides what runs** — code given as text, frames and tracers,
the interpreter's objects and raw memory, the notebook's namespace reached
around its names, a function's code or closure swapped: code whose effect the
source does not show, or that can reach the grader's own objects in the
process that runs the submission. Such a construct is flagged and costs the
purity cells of the functions it can affect (docs/contract.md). The others
(threads, sockets, raw descriptors, other programs, signals) are flagged
for a person and change no score: they hide no code from the reading.

Keys: a dotted name or module prefix (``sys._getframe``, ``gc``; a builtin as
``builtins.exec``), or an attribute as ``.f_back``.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import sys
import types
from dataclasses import dataclass


@dataclass(frozen=True)
class Opaque:
    """Why a construct is noted, and whether it hides what runs (a flag only when not)."""

    reason: str
    hides: bool = True


_FRAMES = Opaque("reaches into running frames")
_TEXT = Opaque("runs code built at run time")
_CODE = Opaque("builds functions from code objects")
_RAW = Opaque("reaches raw memory")
_OBJECTS = Opaque("walks the interpreter's objects (gc)")
_NAMESPACE = Opaque("reaches the notebook's namespace")
_THREADS = Opaque("starts threads (they can run while the grader calls the functions)", hides=False)
_SOCKETS = Opaque("uses sockets (the grader talks to the notebook's process over one)", hides=False)
_DESCRIPTORS = Opaque("uses raw file descriptors", hides=False)
_PROGRAMS = Opaque("starts other programs", hides=False)
_SEARCH = Opaque("searches the filesystem (the process's own descriptors are in /proc/self/fd)", hides=False)

#: The names whose use the grader notes (see the module's doc for the keys).
OPAQUE = {
    # code given as text, or as code objects
    "builtins.exec": _TEXT, "builtins.eval": _TEXT, "builtins.compile": Opaque("compiles code built at run time"),
    "code": Opaque("runs code given as text"), "codeop": Opaque("compiles code given as text"),
    "runpy": Opaque("runs a module's file"),
    "marshal": Opaque("loads code objects (marshal)"), "pickle.load": Opaque("unpickles objects"),
    "pickle.loads": Opaque("unpickles objects"), "dill": Opaque("unpickles objects"),
    "types.FunctionType": _CODE, "types.LambdaType": _CODE, "types.CodeType": Opaque("builds code objects"),
    ".__code__": Opaque("reads or replaces a function's code"), ".co_code": Opaque("reads code objects"),
    ".co_consts": Opaque("reads code objects"), ".f_code": _FRAMES,
    "importlib.reload": Opaque("reloads a module"),
    "importlib.util": Opaque("loads a module from a file of its choosing"),
    "importlib.machinery": Opaque("loads a module from a file of its choosing"),
    # frames, tracers, hooks
    "sys._getframe": _FRAMES, "sys._current_frames": _FRAMES, "inspect.currentframe": _FRAMES,
    "inspect.stack": _FRAMES, "inspect.trace": _FRAMES, "inspect.getouterframes": _FRAMES,
    "inspect.getinnerframes": _FRAMES, ".f_back": _FRAMES, ".f_locals": _FRAMES, ".f_globals": _FRAMES,
    ".f_trace": _FRAMES, ".tb_frame": _FRAMES, ".gi_frame": _FRAMES, ".cr_frame": _FRAMES, ".ag_frame": _FRAMES,
    "sys.settrace": Opaque("installs a tracer"), "sys.setprofile": Opaque("installs a profiler"),
    "threading.settrace": Opaque("installs a tracer"), "threading.setprofile": Opaque("installs a profiler"),
    "threading.settrace_all_threads": Opaque("installs a tracer"),
    "threading.setprofile_all_threads": Opaque("installs a profiler"),
    "sys.monitoring": Opaque("installs monitoring callbacks"), "sys.addaudithook": Opaque("installs an audit hook"),
    "builtins.breakpoint": Opaque("enters the debugger"),
    # the interpreter's objects and raw memory
    "gc.get_objects": _OBJECTS, "gc.get_referrers": _OBJECTS, "gc.get_referents": _OBJECTS, "gc.garbage": _OBJECTS,
    "gc.callbacks": Opaque("runs code at every garbage collection (gc.callbacks)"),
    ".__subclasses__": Opaque("walks the class hierarchy"),
    "ctypes": Opaque("uses ctypes (raw memory)"), "_testcapi": Opaque("uses the interpreter's internals"),
    "numpy.ctypeslib": _RAW, "mmap": Opaque("maps memory"), ".ctypes": _RAW, ".__array_interface__": _RAW,
    ".__array_struct__": _RAW, "sys._clear_type_cache": Opaque("changes the interpreter"),
    # names reached or rebound around the notebook's own code
    "builtins.globals": Opaque("reaches the notebook's names through globals()"),
    "builtins.locals": Opaque("reaches names through locals()"),
    "builtins.vars": Opaque("reaches names through vars()"),
    "sys.modules": Opaque("reaches modules through sys.modules"), "__main__": _NAMESPACE,
    ".user_ns": _NAMESPACE, ".user_global_ns": _NAMESPACE,
    "builtins.get_ipython": Opaque("uses the IPython shell"), "IPython.get_ipython": Opaque("uses the IPython shell"),
    "IPython.core.getipython": Opaque("uses the IPython shell"),
    ".__globals__": Opaque("reaches a function's globals"), ".__builtins__": Opaque("reaches the builtins"),
    ".__closure__": Opaque("reaches a function's closure"), ".cell_contents": Opaque("reaches a function's closure"),
    ".__defaults__": Opaque("changes a function's defaults"),
    ".__kwdefaults__": Opaque("changes a function's defaults"),
    "autograder": Opaque("imports the grader's own modules"),
    # flagged for a person: they hide no code from the reading
    "solutions": Opaque("imports the course's reference solutions", hides=False),
    "builtins": Opaque("changes or reads the builtins module", hides=False),
    ".__wrapped__": Opaque("unwraps a decorated function", hides=False),
    "sys.path": Opaque("changes where modules are imported from", hides=False),
    "sys.audit": Opaque("raises audit events", hides=False),
    "threading": _THREADS, "_thread": _THREADS, "socket": _SOCKETS, "_socket": _SOCKETS,
    "selectors": Opaque("waits on file descriptors", hides=False),
    "select": Opaque("waits on file descriptors", hides=False),
    "os.fdopen": _DESCRIPTORS, "os.dup": _DESCRIPTORS, "os.dup2": _DESCRIPTORS, "os.read": _DESCRIPTORS,
    "os.write": _DESCRIPTORS, "os.readv": _DESCRIPTORS, "os.writev": _DESCRIPTORS, "os.sendfile": _DESCRIPTORS,
    "multiprocessing.reduction": Opaque("passes file descriptors between processes", hides=False),
    "os.listdir": _SEARCH, "os.walk": _SEARCH, "os.scandir": _SEARCH, "glob": _SEARCH,
    "subprocess": _PROGRAMS, "os.system": _PROGRAMS, "os.popen": _PROGRAMS, "os.execv": _PROGRAMS,
    "os.execve": _PROGRAMS, "os.execl": _PROGRAMS, "os.posix_spawn": _PROGRAMS, "pty": _PROGRAMS,
    "signal": Opaque("installs signal handlers", hides=False),
}

#: The builtins whose value is a namespace (reading it binds nothing, writing through it does), and the
#: attributes through which one is written: what the similarity report cannot follow statically
#: (:mod:`autograder.reading.graded`), named here with the rest of the table.
NAMESPACE_CALLS = frozenset({"globals", "vars", "locals"})
NAMESPACE_ATTRIBUTES = frozenset({"__dict__", "modules", "__builtins__", "user_ns", "user_global_ns", "f_globals",
                                  "__globals__"})

#: Text in a string constant that points at the process's own descriptors and memory (flagged, hides nothing).
PROC_PATHS = ("/proc/", "/dev/fd", "/proc")
PROC_READ = Opaque("reads /proc or /dev/fd (where the process finds its own descriptors, among them the grader's "
                   "channel)", hides=False)
#: What the readers note beside the table: constructs rather than names.
COMPUTED_ATTRIBUTE = Opaque("chooses a library attribute at run time")
COMPUTED_IMPORT = Opaque("imports a module whose name is computed at run time")
LIBRARY_REPLACED = Opaque("replaces a library's attribute")
UNKNOWN_MODULE = Opaque("imports a module whose code the grader does not read")

#: Roots of the modules the readings take as library code: what they name is what NumPy, SciPy … define (all
#: are loaded before any student code runs, so a file of the student's cannot stand in for one); setting one of
#: their attributes replaces a library's code (:data:`LIBRARY_REPLACED`).
LIBRARY_ROOTS = frozenset({"numpy", "scipy", "math", "cmath", "builtins", "operator", "functools", "itertools",
                           "copy", "warnings", "contextlib"})
#: Modules (roots) a notebook may import: the standard library and common scientific packages. Importing any
#: other runs code the reading does not see (:data:`UNKNOWN_MODULE`).
KNOWN_PACKAGES = frozenset({
    "numpy", "scipy", "matplotlib", "pandas", "seaborn", "sklearn", "sympy", "mpmath", "IPython", "ipywidgets",
    "tqdm", "statsmodels", "selfcheck", "mpl_toolkits", "PIL", "pylab",  # (pylab: matplotlib's top-level module)
    "typing_extensions",  # (the typing module's backport: real code imports its Literal, Protocol … for annotations)
}) | frozenset(getattr(sys, "stdlib_module_names", ()))
#: Modules loaded in the sandbox before any student code runs (the zygote's imports: NumPy, SciPy, matplotlib,
#: IPython and what they load): an ``import`` of one finds it in ``sys.modules``, so a file the notebook wrote cannot
#: take its name. ``tests/test_engine_sandbox.py`` checks every one against the zygote's own ``sys.modules``.
LOADED_MODULES = frozenset({
    "numpy", "scipy", "matplotlib", "IPython", "math", "sys", "os", "builtins", "warnings", "functools", "itertools",
    "operator", "collections", "copy", "re", "types", "typing", "abc", "contextlib", "time", "io", "json", "enum",
    "numbers", "random", "pathlib", "pickle", "datetime", "string", "dataclasses", "shutil", "logging", "textwrap",
    "inspect", "ast", "tempfile", "base64", "struct", "traceback", "weakref", "codecs", "threading", "subprocess",
    "heapq", "bisect", "fractions", "decimal", "hashlib", "pprint", "platform", "signal", "socket", "select",
    "array", "queue", "argparse", "locale", "difflib", "calendar", "uuid", "zipfile", "gzip", "urllib", "glob",
})


#: The frameworks whose import is refused while grading, in every problem set and wherever they are installed (the
#: guard, ``autograder/perimeter/guard/refusal.py``; ``autograder/checks/forbidden.py``'s FRAMEWORKS, held equal by a test): an
#: import of one runs nothing where the notebook is graded, as one of a module not installed does.
REFUSED_ROOTS = frozenset({"torch", "jax", "tensorflow"})


@functools.lru_cache(maxsize=1024)
def installed(root: str) -> bool:
    """Whether a top-level module ``root`` can be imported where the notebook is graded (the same interpreter and
    packages as this process): one that cannot (Colab's ``google.colab``, a ``torch`` the course does not install)
    raises ImportError there and runs nothing, unless the notebook writes it (the readers' "writes files and
    imports" rule). ``importlib.util.find_spec`` of a top-level name only searches the path: no package's code
    runs in the grader for it."""
    if not root:  # a relative import: relative to whatever the notebook's __package__ says when it runs
        return True
    if not root.isidentifier() or root in REFUSED_ROOTS:
        return False
    try:
        return importlib.util.find_spec(root) is not None
    except (ImportError, ValueError):
        return True  # (a finder that fails: as if it were there)


def opaque_name(dotted: str) -> tuple[str, Opaque] | None:
    """``(name, Opaque)`` for a dotted name that is an entry or lies under one (``sys._getframe``, ``gc.collect``),
    also when a module on its way is reached as another module's attribute (``os.sys._getframe`` is
    ``sys._getframe``: see :func:`through_modules`), else None."""
    for real in dict.fromkeys((dotted, through_modules(dotted))):
        parts = real.split(".")
        for cut in range(len(parts), 0, -1):
            key = ".".join(parts[:cut])
            if key in OPAQUE:
                return dotted, OPAQUE[key]
    return None


@functools.lru_cache(maxsize=4096)
def through_modules(dotted: str) -> str:
    """``dotted`` spelled from the last module on its way by that module's own name: ``os.sys._getframe`` →
    ``sys._getframe``, ``os.path.join`` → ``posixpath.join`` (most modules keep the modules they import as
    attributes). Read from the loaded modules' own dictionaries (``inspect.getattr_static``: no ``__getattr__`` of a
    module runs); ``dotted`` itself where its first name is no loaded module."""
    parts = dotted.split(".")
    obj: object = sys.modules.get(parts[0])
    real = dotted
    for cut, attr in enumerate(parts[1:], 2):
        if not isinstance(obj, types.ModuleType):
            break
        try:
            obj = inspect.getattr_static(obj, attr)
        except AttributeError:
            break
        if isinstance(obj, types.ModuleType) and isinstance(getattr(obj, "__name__", None), str):
            real = ".".join([obj.__name__, *parts[cut:]])
    return real


#: The standard modules with an entry that hides what runs under their name (``sys._getframe``, ``inspect.stack``,
#: ``gc.get_objects``, ``builtins.exec``): handed around as a value (``m = sys``, ``[inspect][0]``, a default
#: argument), what is reached through them is not read (:data:`MODULE_HANDED`). NumPy's entries are an attribute
#: and a submodule that any alias reaches by name (``xp.ctypeslib``), and ``xp = np`` is how array-API code is written.
HIDING_MODULES = frozenset(key.split(".")[0] for key, entry in OPAQUE.items()
                           if entry.hides and not key.startswith(".")
                           and key.split(".")[0] in getattr(sys, "stdlib_module_names", ()))
MODULE_HANDED = Opaque("hands around a module of the interpreter's internals (what is reached through it is not "
                       "read)")


def hiding_module(dotted: str) -> str | None:
    """The module of :data:`HIDING_MODULES` that ``dotted`` names (``sys``, ``os.sys``), or None."""
    real = through_modules(dotted)
    return real if real in HIDING_MODULES else None


def opaque_attribute(attr: str) -> Opaque | None:
    """The entry of an attribute name (``.f_back``), or None."""
    return OPAQUE.get("." + attr)
