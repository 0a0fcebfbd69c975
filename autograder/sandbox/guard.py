"""Forbidden library functions made unusable in the process that runs student code.

UNTRUSTED SIDE. The grading engine's zygote calls :func:`prepare` once, before
any child exists, with every forbidden name of the batch; each sandboxed child
then calls :func:`arm` with its own problem set's names before it runs a line
of student code (the plain-nbgrader kernel does both at start-up). From then
on, in that process, a forbidden object refuses to compute for student code
and says why (:class:`ForbiddenFunctionError`), by whatever path it is
reached: its module attribute, an alias, ``from … import``, a default
argument, an instance or decorator holding it, a container, an unpickled
copy (pickle stores only the name), a reload or a second import of its module.

How, for each kind of object (a *group*: the forbidden object and the code
that is its implementation):

* a Python function (``scipy.special.logsumexp``) keeps its identity, but its
  ``__code__`` becomes a small *gate*; so do the functions it wraps
  (``__wrapped__``, a decorator's closure) and the private helpers of its
  module that it calls (``_logsumexp``). Every reference anywhere now runs the
  gate, whoever took it and when;
* an instance (``scipy.stats.norm``) or a class: every function of its class
  becomes a gate (and the module's private helpers they call); the generic
  base-class methods that call them stay, but cannot compute anything alone;
* a ufunc or a builtin (``scipy.special.expit``): every reference the heap
  holds (module dicts, containers, attributes, closures) is replaced by a
  gate function; the original is then held by this module's audit hook only;
* a module prefix (``torch``): cannot be imported.

A gate asks the audit hook (``sys.audit``) whether its caller may compute.
The answer depends on the call stack only, read by the hook: going up from
the gate, past the group's own frames (its gates and implementation, and
base-class methods running on an instance of the forbidden class) and past
library frames that do not mention the group, the first frame that stops the
walk must be **library code that names the forbidden object in its own
bytecode** (``logsumexp(...)`` in ``scipy.stats._discrete_distns``): a
building block that uses it internally keeps working. A frame of student code
stops the walk with a refusal, so handing the forbidden object to a library
function (``np.apply_along_axis(logsumexp, …)``, a frozen distribution built
by hand) does not help. "Library code" is a code object that existed in a
library module when :func:`prepare` ran, matched by identity *and* with its
own module's globals: code compiled by the submission (``exec`` with a
library module's globals, ``compile`` with a library file name, a function
given a fake ``__module__``) is never library code, and a library code object
run with other globals is not either.

Where the implementation lives: the original code (or ufunc) is reachable
only from the audit hook's own constants; a gate receives it on its
evaluation stack, which no Python code can read, and no frame holds it in a
variable. What would lead to it is refused by the hook once armed: reading
the code object of an implementation frame or function (``f_code``,
``__code__``), ``gc.get_objects``/``get_referrers``/``get_referents``,
``ctypes``, adding another audit hook, replacing a gate's ``__code__``,
opening the library files that define a group (source, bytecode cache,
extension) and importing its modules again.

What it cannot stop, and the static analysis flags (``autograder.engine.static``):
code that changes a library module's globals or attributes so that a
building block that may use a forbidden object becomes a pass-through, a
function built from a library code object with a closure of its own, and a
second interpreter started by the submission (the grading engine's sandbox
makes the interpreter not executable inside it). It also cannot stop a
student from writing the function, which is the point.

Standard library and NumPy only: this module runs in the zygote, the child
and the plain-nbgrader kernel.
"""

from __future__ import annotations

import builtins
import gc
import importlib
import importlib.util
import linecache
import opcode
import os
import sys
import threading
import time
import types

import numpy as np

#: The audit events a gate raises to ask for its implementation, and that arm a process.
EVENT_CALL = "probdl.forbidden"
EVENT_ARM = "probdl.arm"
EVENT_PREPARE = "probdl.prepare"


#: The CPython versions whose bytecode :func:`_seal` and the gates are written for (tested on each).
SUPPORTED = ((3, 11), (3, 12), (3, 13))


class ForbiddenFunctionError(RuntimeError):
    """A forbidden library object was called from student code (or handed by it to a library function)."""


class GuardUnavailable(RuntimeError):
    """This interpreter is not one the guard supports: forbidden functions could not be made unusable."""


def unsupported(version=None, implementation=None) -> str | None:
    """Why the guard cannot run in this interpreter (or the one described), None when it can.

    The gates rewrite CPython bytecode, whose format changes between minor
    versions; on any other interpreter the guard refuses to start rather than
    grade with forbidden functions left usable.
    """
    version = tuple(sys.version_info[:2] if version is None else version[:2])
    implementation = sys.implementation.name if implementation is None else implementation
    if implementation == "cpython" and version in SUPPORTED:
        return None
    known = f"{SUPPORTED[0][0]}.{SUPPORTED[0][1]} to {SUPPORTED[-1][0]}.{SUPPORTED[-1][1]}"
    this = f"{'CPython' if implementation == 'cpython' else implementation} {version[0]}.{version[1]}"
    return (f"this grader supports CPython {known}, and this is {this}: it makes the problem set's forbidden "
            "library functions unusable by rewriting their bytecode, which it cannot do here, so it grades "
            f"nothing rather than grade with them usable. Install the course with Python {known}.")


def message(name: str) -> str:
    """What a refusal says for the forbidden dotted ``name``."""
    return (f"{name} is not available while grading this problem set: it is a ready-made version of what "
            "the problem set asks you to write. Write it yourself with NumPy.")


# ---------------------------------------------------------------------------
# sealed functions: free variables become constants, no globals at all

# (-1 for an opcode this version lacks: importing the module never fails, :func:`prepare` refuses instead)
_LOAD_DEREF, _LOAD_CONST, _COPY_FREE_VARS, _NOP, _EXTENDED_ARG = (
    opcode.opmap.get(n, -1) for n in ("LOAD_DEREF", "LOAD_CONST", "COPY_FREE_VARS", "NOP", "EXTENDED_ARG"))
_CELL_OPS = {opcode.opmap[n] for n in ("STORE_DEREF", "DELETE_DEREF", "LOAD_CLOSURE", "LOAD_CLASSDEREF", "MAKE_CELL")
             if n in opcode.opmap}


def _seal(fn, keep=()):
    """``fn`` rebuilt so that its free variables (but ``keep``) are constants of its code, and it has no globals.

    A frame's ``f_locals`` shows the free variables of its function; constants
    are reachable only through the code object, whose reading the hook refuses
    for sealed code. With an empty ``__builtins__`` a global lookup fails
    instead of reaching something the submission may have replaced. (CPython
    3.11+ bytecode: ``LOAD_DEREF`` and ``LOAD_CONST`` have the same size.)
    """
    code = fn.__code__
    if code.co_cellvars:
        raise ValueError(f"cannot seal {fn.__name__}: it has cell variables")
    free = code.co_freevars
    cells = dict(zip(free, fn.__closure__ or ()))
    base = code.co_nlocals
    kept = tuple(n for n in free if n in keep)
    consts = list(code.co_consts)
    raw = bytearray(code.co_code)
    extended = False
    for i in range(0, len(raw), 2):
        op, arg = raw[i], raw[i + 1]
        if op in _CELL_OPS or (extended and op in (_LOAD_DEREF, _COPY_FREE_VARS)):
            raise ValueError(f"cannot seal {fn.__name__}: {opcode.opname[op]}")
        extended = op == _EXTENDED_ARG
        if op == _COPY_FREE_VARS:
            raw[i:i + 2] = bytes([_COPY_FREE_VARS, len(kept)]) if kept else bytes([_NOP, 0])
        elif op == _LOAD_DEREF:
            name = free[arg - base]
            if name in kept:
                raw[i + 1] = base + kept.index(name)
            else:
                consts.append(cells[name].cell_contents)
                if len(consts) > 255:
                    raise ValueError(f"cannot seal {fn.__name__}: too many constants")
                raw[i:i + 2] = bytes([_LOAD_CONST, len(consts) - 1])
    new = code.replace(co_code=bytes(raw), co_consts=tuple(consts), co_freevars=kept)
    return types.FunctionType(new, {"__builtins__": {}}, fn.__name__, None,
                              tuple(cells[n] for n in kept) or None)


def _gate_code(audit, key, error, text, sanitize, nfree):
    """A sealed gate for ``key`` with ``nfree`` free variables kept (to match the closure of the function it
    replaces the code of)."""
    names = [f"c{i}" for i in range(nfree)]
    src = (f"def outer(audit, key, error, text, sanitize, catch, {', '.join(names)}):\n"
           "    def gate(*args, **kwargs):\n"
           + "".join(f"        {n}\n" for n in names) + _GATE_BODY[sanitize is not None]
           + "    return gate\n")
    scope = {}
    exec(compile(src, "<probdl gate>", "exec"), {"__builtins__": {}}, scope)  # (our own template)
    return _seal(scope["outer"](audit, key, error, text, sanitize, Exception, *([None] * nfree)),
                 keep=names).__code__


_GATE_BODY = {
    False: ("        box = []\n"
            "        audit('probdl.forbidden', key, box)\n"
            "        if not box:\n"
            "            raise error(text)\n"
            "        return box.pop()(*args, **kwargs)\n"),
    True: ("        args, kwargs = sanitize(args, kwargs)\n"
           "        box = []\n"
           "        audit('probdl.forbidden', key, box)\n"
           "        if not box:\n"
           "            raise error(text)\n"
           "        problem = None\n"
           "        try:\n"
           "            return box.pop()(*args, **kwargs)\n"
           "        except catch as exc:\n"
           "            problem = sanitize(exc, None)\n"
           "        raise problem\n"),
}


def _sanitizer(asarray, allowed, dtype_base, type_, id_, str_, tuple_, isinstance_, TypeError_, ValueError_,
               RuntimeError_):
    """``sanitize(args, kwargs)``: the arguments a ufunc may see; ``sanitize(exc, None)``: what to raise
    instead of an exception a ufunc raised (``UFuncTypeError.ufunc`` is the ufunc itself).

    NumPy hands a ufunc to ``__array_ufunc__`` of its arguments' classes (and of
    ``out=``), so an argument whose type is not exactly an ndarray, a NumPy or
    Python number, a string, a dtype or ``None`` is converted with
    ``np.asarray`` first; types are compared by identity (``allowed``: ids of
    those types), so no class of the submission can pass for one.
    """

    def sanitize(args, kwargs):
        if kwargs is None:
            if isinstance_(args, TypeError_):
                return TypeError_(str_(args)[:1000])
            if isinstance_(args, ValueError_):
                return ValueError_(str_(args)[:1000])
            return RuntimeError_(str_(args)[:1000])
        out = []
        for a in args:
            out.append(a if id_(type_(a)) in allowed else asarray(a))
        clean = {}
        for k, v in kwargs.items():
            t = type_(v)
            if v is None or id_(t) in allowed or id_(v) in allowed or isinstance_(v, dtype_base):
                clean[k] = v
            elif t is tuple_:
                items = []
                for x in v:
                    items.append(x if x is None or id_(type_(x)) in allowed else asarray(x))
                clean[k] = tuple_(items)
            else:
                clean[k] = asarray(v)
        return tuple_(out), clean

    return sanitize


def _sanitize_types() -> frozenset:
    """Ids of the types whose instances a ufunc may see as they are (see :func:`_sanitizer`)."""
    kinds = {np.ndarray, int, float, bool, complex, str}
    kinds.update(t for t in np.sctypeDict.values() if isinstance(t, type))
    return frozenset(id(t) for t in kinds)


# ---------------------------------------------------------------------------
# the audit hook


def _hook_factory(S):
    """The audit hook over the state ``S`` (a dict of private containers and C functions, see :func:`prepare`)."""
    ident, getframe, stat = S["ident"], S["getframe"], S["stat"]
    inside, armed, active, prefixes_on = S["inside"], S["armed"], S["active"], S["prefixes_on"]
    gate_codes, impls, key_group, lib = S["gate_codes"], S["impls"], S["key_group"], S["lib"]
    machinery, mro_codes, classes, self_names = S["machinery"], S["mro_codes"], S["classes"], S["self_names"]
    protected_codes, protected_files, protected_modules = S["protected_codes"], S["protected_files"], S["modules"]
    gated_functions, groups_of_name, prefixes = S["gated_functions"], S["groups_of_name"], S["prefixes"]
    hidden = S["hidden"]
    FrameType, FunctionType = S["FrameType"], S["FunctionType"]
    generator_types, code_attrs, tuple_, list_, int_, str_, bytes_, len_, id_, type_ = (
        S["generator_types"], S["code_attrs"], tuple, list, int, str, bytes, len, id, type)
    RuntimeError_, PermissionError_, ImportError_, OSError_ = RuntimeError, PermissionError, ImportError, OSError
    getattr_ = getattr
    dict_, extend = dict, S["extend"]

    def hook(event, args):
        me = ident()
        if me in inside:
            return
        if event == "probdl.forbidden":
            if type_(args) is not tuple_ or len_(args) != 2:
                return
            key, box = args
            if type_(key) is not int_ or type_(box) is not list_ or box:
                return
            inside.add(me)
            try:
                caller = getframe(1)
                code_id = gate_codes.get(key)
                if code_id is None or id_(caller.f_code) != code_id:
                    return
                group = key_group[key]
                if group not in active:
                    box.append(impls[key])
                    return
                frame = caller.f_back
                own, mro, cls = machinery[group], mro_codes.get(group), classes.get(group)
                while frame is not None:
                    code = frame.f_code
                    cid = id_(code)
                    if cid in own:
                        frame = frame.f_back
                        continue
                    if mro is not None and cid in mro:
                        name = self_names.get(cid)
                        if name is not None and id_(type_(frame.f_locals.get(name))) in cls:
                            frame = frame.f_back
                            continue
                    entry = lib.get(cid)
                    if entry is None or entry[1] != id_(frame.f_globals):
                        return  # code of the submission: refused
                    if group in entry[2]:
                        box.append(impls[key])
                        return  # library code that names the forbidden object itself
                    frame = frame.f_back  # a library function that does not: look further up
                return
            finally:
                inside.discard(me)
        if event == "probdl.prepare":
            if armed:
                raise RuntimeError_("this process is armed: nothing more can be prepared")
            if len_(args) == 3 and type_(args[0]) is tuple_ and type_(args[1]) is tuple_ and type_(args[2]) is dict_:
                inside.add(me)
                try:
                    extend(S, args[0], args[1], args[2])
                finally:
                    inside.discard(me)
            return
        if event == "probdl.arm":
            if armed:
                raise RuntimeError_("the forbidden functions of this process are already set")
            names = args[0] if type_(args) is tuple_ and len_(args) == 1 else ()
            if type_(names) is not tuple_:
                raise RuntimeError_("probdl.arm wants a tuple of names")
            for name in names:
                if type_(name) is str_:
                    for group in groups_of_name.get(name, ()):
                        active.add(group)
                    if name in prefixes:
                        prefixes_on.append(name)
            armed.append(True)
            return
        if not armed:
            return
        if event == "object.__getattr__":
            if len_(args) == 2 and args[1] in code_attrs:
                obj = args[0]
                t = type_(obj)
                if t is FrameType or t is FunctionType or t in generator_types:
                    inside.add(me)
                    try:
                        code = getattr_(obj, args[1])
                    finally:
                        inside.discard(me)
                    if id_(code) in protected_codes:
                        raise RuntimeError_("the code of a forbidden library function is not readable while "
                                            "grading")
            return
        if event == "object.__setattr__":
            if len_(args) >= 2 and args[1] == "__code__" and id_(args[0]) in gated_functions:
                raise RuntimeError_("a forbidden library function cannot be changed while grading")
            return
        if event == "import":
            name = args[0] if len_(args) else None
            if type_(name) is str_:
                if name in protected_modules:
                    raise ImportError_(f"{name} cannot be imported again while grading: it defines functions "
                                       "this problem set forbids")
                for prefix in hidden:
                    if name == prefix or name.startswith(prefix + "."):
                        raise ImportError_(f"{name} cannot be imported while grading")
                for prefix in prefixes_on:
                    if name == prefix or name.startswith(prefix + "."):
                        raise ImportError_(f"{name} is not available while grading this problem set: it ships "
                                           "ready-made versions of what the problem set asks you to write")
            return
        if event == "open":
            path = args[0] if len_(args) else None
            if type_(path) is str_ or type_(path) is bytes_:
                try:
                    st = stat(path)
                except OSError_:
                    return
                if (st.st_dev, st.st_ino) in protected_files:
                    raise PermissionError_("this library file defines functions the problem set forbids; it "
                                           "cannot be read while grading")
            return
        if event == "sys.addaudithook":
            raise RuntimeError_("no audit hooks may be added while grading")
        if event in ("gc.get_objects", "gc.get_referrers", "gc.get_referents") or event.startswith("ctypes."):
            raise RuntimeError_(f"{event} is not available while grading")

    return hook


# ---------------------------------------------------------------------------
# preparing: groups, gates, the library's code, the hook


def _lookup(dotted):
    """The object a dotted name refers to, importing its module; None if absent."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        modname = ".".join(parts[:cut])
        try:
            obj = sys.modules.get(modname) or importlib.import_module(modname)
        except Exception:  # noqa: BLE001 — not installed, or not a module
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
            if obj is None:
                return None
        return obj
    return None


#: The instructions whose name the library scan reads: ``opcode -> (kind, shift)``, the name being
#: ``co_names[oparg >> shift]``. LOAD_GLOBAL's lowest bit says "push NULL" (from 3.11), LOAD_ATTR's "method"
#: (from 3.12, where LOAD_METHOD is gone).
_NAME_OPS = {opcode.opmap[name]: (kind, shift) for name, kind, shift in (
    ("LOAD_GLOBAL", "global", 1), ("LOAD_NAME", "global", 0),
    ("LOAD_ATTR", "attr", 1 if sys.version_info >= (3, 12) else 0), ("LOAD_METHOD", "attr", 0),
    ("IMPORT_NAME", "import", 0), ("IMPORT_FROM", "from", 0)) if opcode.opmap.get(name, 256) < 256}
_CACHE = opcode.opmap.get("CACHE", -1)


def _name_ops(code):
    """``(kind, name)`` for each instruction of ``code``, in order: ``kind`` is that of :data:`_NAME_OPS`
    (``"global"``, ``"attr"``, ``"import"``, ``"from"``) with the name it loads, or None (and None) for any
    other instruction. Inline caches and EXTENDED_ARG prefixes are not instructions.

    What ``dis.get_instructions`` says of the same code, read straight from ``co_code`` (the deoptimised
    bytecode): about a tenth of its time, which matters because :func:`prepare` reads every library
    function that may name a forbidden object, in every zygote and plain-nbgrader kernel.
    """
    raw, names, extended = code.co_code, code.co_names, 0
    for i in range(0, len(raw), 2):
        op = raw[i]
        if op == _CACHE:
            continue
        arg = raw[i + 1] | extended
        if op == _EXTENDED_ARG:
            extended = arg << 8
            continue
        extended = 0
        spec = _NAME_OPS.get(op)
        yield (None, None) if spec is None else (spec[0], names[arg >> spec[1]])


def _nested(code):
    yield code
    for const in code.co_consts:
        if type(const) is types.CodeType:
            yield from _nested(const)


def _unwrap_member(value):
    """The functions behind one class attribute (a function, staticmethod, classmethod or property)."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        return [f for f in (value.fget, value.fset, value.fdel) if isinstance(f, types.FunctionType)]
    return [value] if isinstance(value, types.FunctionType) else []


def _members(roots, name_hint=None):
    """The functions to gate for ``roots``: themselves, what they wrap, and the private helpers of their own
    module they call by name (transitively)."""
    out, todo = {}, list(roots)
    while todo:
        fn = todo.pop()
        if not isinstance(fn, types.FunctionType) or id(fn) in out:
            continue
        out[id(fn)] = fn
        wrapped = getattr(fn, "__wrapped__", None)
        if isinstance(wrapped, types.FunctionType):
            todo.append(wrapped)
        for cell in fn.__closure__ or ():
            try:
                inner = cell.cell_contents
            except ValueError:
                continue
            if isinstance(inner, types.FunctionType) and inner.__name__ in (fn.__name__, name_hint):
                todo.append(inner)
        for code in _nested(fn.__code__):
            for kind, name in _name_ops(code):
                if kind == "global" and name.startswith("_"):
                    helper = fn.__globals__.get(name)
                    if isinstance(helper, types.FunctionType) and helper.__module__ == fn.__module__ \
                            and helper.__globals__ is fn.__globals__:
                        todo.append(helper)
    return list(out.values())


def _kind(obj) -> str:
    """``prefix`` (a module, or nothing installed), ``function``, ``class``, ``instance`` (of a library
    class), ``replace`` (a ufunc, a builtin or another object of a compiled type: its references are replaced)."""
    if obj is None or isinstance(obj, types.ModuleType):
        return "prefix"
    if isinstance(obj, types.FunctionType):
        return "function"
    if isinstance(obj, type):
        return "class"
    if any(isinstance(f, types.FunctionType) for value in vars(type(obj)).values() for f in _unwrap_member(value)):
        return "instance"
    return "replace"


class _Group:
    """One forbidden name: what is gated for it, and what counts as its own frames."""

    def __init__(self, gid, name, obj):
        self.gid, self.name, self.obj = gid, name, obj
        self.kind = _kind(obj)
        self.cls = obj if self.kind == "class" else type(obj) if self.kind == "instance" else None
        self.members = []  # functions whose __code__ becomes a gate
        self.targets = []  # objects referred to by library code (for the static references)
        self.gate = None  # "replace": the gate function that stands for the object


def _library_modules():
    """``id(module __dict__) -> module`` of every loaded module but ``__main__``."""
    return {id(m.__dict__): m for name, m in list(sys.modules.items())
            if isinstance(m, types.ModuleType) and name != "__main__" and getattr(m, "__dict__", None) is not None}


def _chain_objects(code, g):
    """The objects the attribute chains loaded by ``code`` reach, resolved now in its globals ``g``."""
    chains, chain = [], None
    for kind, name in _name_ops(code):
        if kind == "global":
            chain = ["global", name]
            chains.append(chain)
        elif kind == "import":
            chain = ["import", *name.split(".")]
            chains.append(chain)
        elif chain is not None and (kind == "attr" or (kind == "from" and chain[0] == "import")):
            chain.append(name)
        else:
            chain = None
    out = []
    for kind, first, *rest in chains:
        obj = g.get(first, getattr(builtins, first, None)) if kind == "global" else sys.modules.get(first)
        if obj is None and kind == "import":
            continue
        out.append(obj)
        for attr in rest:
            try:
                obj = getattr(obj, attr)
            except Exception:  # noqa: BLE001 — a lazy attribute that fails, a missing one
                break
            out.append(obj)
    return out


#: Whether this process has the hook (its state lives in the hook only, never in this module).
_INSTALLED: list = []


def prepare(names, hidden_modules=()) -> dict:
    """Gate every object of the dotted ``names`` in this process (installing the audit hook the first time).

    Nothing is refused until :func:`arm` names the groups that apply: an unarmed
    gate computes for anyone. Call it before any untrusted code runs, in a
    process with a single thread; called again before :func:`arm`, it adds the
    names not prepared yet. The work is done by the hook itself (the event
    ``probdl.prepare``), which alone holds the state: no module attribute or
    object reachable from student code does.

    Parameters
    ----------
    names : iterable of str
        Dotted names of library objects (``"scipy.special.logsumexp"``) or
        module prefixes (``"torch"``), as in ``autograder.checks.forbidden``.
    hidden_modules : iterable of str
        Packages that, once armed, cannot be imported nor their files read
        whatever the names (the plain-nbgrader kernel hides ``solutions``,
        loaded before).

    Returns
    -------
    dict
        The process's totals: ``{"groups": {name: kind}, "gated": functions
        and objects gated, "unreplaced": [references that could not be
        replaced], "library_codes": n, "paths": [files that define a group],
        "seconds": t}``.

    Raises
    ------
    TypeError
        When a name is not a string.
    RuntimeError
        When this process is armed already.
    GuardUnavailable
        When this interpreter is not one the guard supports (:func:`unsupported`), before anything changes.
    """
    why = unsupported()
    if why is not None:
        raise GuardUnavailable(why)
    names = tuple(names)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"prepare: `names` must hold dotted names as str, got {type(name).__name__}")
    if not _INSTALLED:
        state = _state([])
        hook = _seal(_hook_factory(state))
        state["protected_codes"].add(id(hook.__code__))
        state["keep"].append(hook.__code__)
        sys.addaudithook(hook)
        _INSTALLED.append(True)
        del state, hook  # from now on only the hook holds them
    box = {}
    sys.audit(EVENT_PREPARE, names, tuple(str(m) for m in hidden_modules), box)
    if "groups" not in box:
        raise RuntimeError("the guard's audit hook did not answer (another hook in the way?)")
    return box


def _extend(S, names, hidden_modules, box) -> None:
    """The work of :func:`prepare`, run by the hook on ``S``; the report goes into ``box``."""
    started = time.perf_counter()
    done = S["groups"]
    known = {g.name for g in done}
    fresh = sorted(set(names) - known)
    groups = [_Group(len(done) + i, name, _lookup(name)) for i, name in enumerate(fresh)]
    if groups or hidden_modules:
        functions = [o for o in gc.get_objects() if type(o) is types.FunctionType]
        for group in groups:
            _plan_group(group)
        _add_groups(S, groups)
        gates, protected = {}, set()
        for group in groups:
            _make_gates(S, group, gates, protected)
        _library_codes(S, groups, functions)
        # an implementation's code stays secret only where no other (ungated) function runs it too
        shared = {id(f.__code__) for f in functions if id(f) not in S["gated_functions"]}
        S["protected_codes"].update(p for p in protected if p not in shared)
        _protect_files(S, groups)
        _hide(S, hidden_modules)
        done.extend(groups)
        for group in groups:  # the gates go in last: the scan above read the original code
            for fn in group.members:
                fn.__code__ = gates[id(fn)]
            if group.gate is not None:
                S["unreplaced"] += _replace_everywhere(group.obj, group.gate, group.name,
                                                       {id(g) for g in done} | {id(v) for v in S.values()})
        for path in list(linecache.cache):
            if path in S["paths"]:
                del linecache.cache[path]
    S["seconds"].append(time.perf_counter() - started)
    box.update({
        "groups": {g.name: g.kind for g in done},
        "gated": sum(len(g.members) + (g.gate is not None) for g in done),
        "unreplaced": list(S["unreplaced"]),
        "library_codes": len(S["lib"]),
        "paths": sorted(S["paths"]),
        "seconds": round(sum(S["seconds"]), 3),
    })


def _make_gates(S, group, gates, protected) -> None:
    """The gate of each member of ``group`` (``gates``: function id -> gate code), or its gate function."""
    text = message(group.name)
    if group.kind == "prefix":
        return
    if group.kind == "replace":
        key = len(S["impls"]) + 1
        sanitize = _seal(_sanitizer(np.asarray, _sanitize_types(), np.dtype, type, id, str, tuple, isinstance,
                                    TypeError, ValueError, RuntimeError))
        code = _gate_code(sys.audit, key, ForbiddenFunctionError, text, sanitize, 0)
        name = getattr(group.obj, "__name__", group.name.rsplit(".", 1)[-1])
        gate = types.FunctionType(code, {"__builtins__": {}}, name)
        gate.__qualname__, gate.__doc__ = name, getattr(group.obj, "__doc__", None)
        group.gate = gate
        S["gated_functions"].add(id(gate))
        _register_key(S, group, key, code, group.obj)
        protected.add(id(sanitize.__code__))
        S["keep"].append(sanitize.__code__)
        return
    for fn in group.members:
        key = len(S["impls"]) + 1
        code = _gate_code(sys.audit, key, ForbiddenFunctionError, text, None, len(fn.__code__.co_freevars))
        impl = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                                  tuple(types.CellType(c.cell_contents) if _full(c) else types.CellType()
                                        for c in fn.__closure__ or ()) or None)
        impl.__kwdefaults__ = dict(fn.__kwdefaults__) if fn.__kwdefaults__ else None
        impl.__qualname__ = fn.__qualname__
        for original in _nested(fn.__code__):
            S["machinery"][group.gid].add(id(original))
            protected.add(id(original))
        gates[id(fn)] = code
        S["gated_functions"].add(id(fn))
        _register_key(S, group, key, code, impl)


def _register_key(S, group, key, code, impl) -> None:
    S["gate_codes"][key] = id(code)
    S["impls"][key] = impl
    S["key_group"][key] = group.gid
    S["machinery"][group.gid].add(id(code))
    S["keep"].append(code)


def _full(cell) -> bool:
    try:
        _ = cell.cell_contents
        return True
    except ValueError:
        return False


def _plan_group(group: _Group) -> None:
    """Which functions gate ``group`` (and which objects library code may name for it)."""
    obj = group.obj
    if group.kind == "prefix":
        return
    if group.kind == "function":
        group.members = _members([obj], obj.__name__)
        group.targets = [obj, *group.members]
    elif group.kind in ("instance", "class"):
        roots = [f for value in vars(group.cls).values() for f in _unwrap_member(value)]
        group.members = _members(roots)
        group.targets = [obj, *group.members]
    else:
        group.targets = [obj]


def _state(groups) -> dict:
    """The hook's private state (see :func:`_hook_factory`), with ``groups`` added."""
    S = {
        "ident": threading.get_ident, "getframe": sys._getframe, "stat": os.stat,
        "inside": set(), "armed": [], "active": set(), "prefixes_on": [],
        "gate_codes": {}, "impls": {}, "key_group": {}, "lib": {},
        "machinery": {}, "mro_codes": {}, "classes": {}, "self_names": {},
        "protected_codes": set(), "protected_files": set(), "modules": set(), "paths": set(),
        "gated_functions": set(), "groups_of_name": {}, "prefixes": set(), "keep": [], "hidden": [],
        "groups": [], "unreplaced": [], "seconds": [], "extend": _extend,
        "FrameType": types.FrameType, "FunctionType": types.FunctionType,
        "generator_types": (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType),
        "code_attrs": frozenset({"f_code", "gi_code", "cr_code", "ag_code", "__code__"}),
    }
    _add_groups(S, groups)
    return S


def _add_groups(S, groups) -> None:
    """Add ``groups`` to the state ``S`` (its containers are the hook's: changed in place)."""
    for group in groups:
        S["machinery"][group.gid] = set()
        S["groups_of_name"].setdefault(group.name, []).append(group.gid)
        if group.kind == "prefix":
            S["prefixes"].add(group.name)
        if group.cls is not None:
            S["classes"][group.gid] = {id(group.cls)} | {id(c) for c in type.__subclasses__(group.cls)}
            codes = set()
            for klass in group.cls.__mro__[1:]:
                for value in vars(klass).values():
                    for f in _unwrap_member(value):
                        for code in _nested(f.__code__):
                            codes.add(id(code))
                            if code.co_argcount:
                                S["self_names"][id(code)] = code.co_varnames[0]
                            S["keep"].append(code)
            S["mro_codes"][group.gid] = codes


def _library_codes(S, groups, functions) -> None:
    """Every code object of a library function, by identity, with its module's globals and the groups it
    names itself (read from its bytecode, resolved now)."""
    modules = _library_modules()
    targets = {}
    for group in groups:
        for obj in group.targets:
            targets.setdefault(id(obj), set()).add(group.gid)
    trigger = set()
    for group in groups:
        for obj in group.targets:
            name = getattr(obj, "__name__", None)
            if isinstance(name, str):
                trigger.add(name)
        trigger.add(group.name.rsplit(".", 1)[-1])
    lib, seen = S["lib"], set()
    for fn in functions:
        g = fn.__globals__
        if id(g) not in modules:
            continue
        for code in _nested(fn.__code__):
            if id(code) in seen:
                continue
            seen.add(id(code))
            refs = frozenset()
            if trigger.intersection(code.co_names):
                found = set()
                for obj in _chain_objects(code, g):
                    found |= targets.get(id(obj), set())
                refs = frozenset(found)
            old = lib.get(id(code))
            lib[id(code)] = (code, id(g), refs | old[2] if old is not None else refs)


def _protect_files(S, groups) -> None:
    """The files and modules that define a group: not readable, not importable again."""
    paths = set()
    for group in groups:
        if group.kind == "prefix":
            continue
        for fn in group.members:
            paths.add(fn.__code__.co_filename)
            S["modules"].add(fn.__module__)
        owners = [name for name, m in list(sys.modules.items()) if isinstance(m, types.ModuleType)
                  and any(getattr(m, "__dict__", {}).get(k) is group.obj for k in _names_of(group))]
        for name in owners:
            S["modules"].add(name)
            path = getattr(sys.modules[name], "__file__", None)
            if isinstance(path, str) and group.kind == "replace":
                paths.add(path)
    for path in list(paths):
        if path.endswith(".py"):
            try:
                paths.add(importlib.util.cache_from_source(path))
            except (NotImplementedError, ValueError):
                pass
    for path in paths:
        _protect(S, path)


def _protect(S, path) -> None:
    """``path`` not readable once armed: by its inode (any name or link to it) and by its name."""
    try:
        st = os.stat(path)
    except OSError:
        return
    S["protected_files"].add((st.st_dev, st.st_ino))
    S["paths"].add(path)


def _hide(S, packages) -> None:
    """``packages`` (top-level names): not importable once armed, their files not readable."""
    for package in packages:
        S["hidden"].append(str(package))
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        folders = list(spec.submodule_search_locations or []) if spec is not None and \
            spec.submodule_search_locations else []
        for folder in folders:
            for dirpath, _dirs, files in os.walk(folder):
                for name in files:
                    _protect(S, os.path.join(dirpath, name))


def _names_of(group):
    return {group.name.rsplit(".", 1)[-1], getattr(group.obj, "__name__", None)} - {None}


def _replace_everywhere(original, gate, name, skip=()) -> list:
    """Replace every reference the heap holds to ``original`` by ``gate``; what could not be replaced."""
    unreplaced = []
    todo = [(original, gate, 0)]
    skip = {id(todo), *skip}
    while todo:
        old, new, depth = todo.pop()
        for ref in gc.get_referrers(old):
            if id(ref) in skip or ref is todo or isinstance(ref, types.FrameType):
                continue
            # (plain loops: a comprehension here would hold `old` in a cell, itself a referrer to replace)
            if isinstance(ref, dict):
                for k, v in list(ref.items()):
                    if v is old:
                        ref[k] = new
                    if k is old:
                        ref[new] = ref.pop(old)
            elif type(ref) is list:
                for i, v in enumerate(ref):
                    if v is old:
                        ref[i] = new
            elif isinstance(ref, tuple) and depth < 4:
                items = []
                for v in ref:
                    items.append(new if v is old else v)
                todo.append((ref, type(ref)(*items) if hasattr(ref, "_fields") else tuple(items), depth + 1))
            elif isinstance(ref, types.CellType):
                ref.cell_contents = new
            elif isinstance(ref, types.FunctionType) and depth and (ref.__defaults__ is old):
                ref.__defaults__ = new
            elif hasattr(type(ref), "__slots__") or hasattr(ref, "__dict__"):
                done = False
                for k, v in list(getattr(ref, "__dict__", {}).items()):
                    if v is old:
                        object.__setattr__(ref, k, new)
                        done = True
                for klass in type(ref).__mro__:
                    for slot in getattr(klass, "__slots__", ()) if not isinstance(
                            getattr(klass, "__slots__", ()), str) else (klass.__slots__,):
                        try:
                            if getattr(ref, slot) is old:
                                object.__setattr__(ref, slot, new)
                                done = True
                        except (AttributeError, TypeError):
                            pass
                if not done:
                    unreplaced.append(f"{name}: a {type(ref).__module__}.{type(ref).__qualname__}")
            else:
                unreplaced.append(f"{name}: a {type(ref).__module__}.{type(ref).__qualname__}")
    return unreplaced


def arm(names) -> None:
    """From now on, in this process, the forbidden objects of ``names`` refuse student code (once per process).

    Raises
    ------
    RuntimeError
        When this process was armed already (nobody can change what applies afterwards).
    GuardUnavailable
        When this interpreter is not one the guard supports (:func:`unsupported`).
    """
    why = unsupported()
    if why is not None:
        raise GuardUnavailable(why)
    sys.audit(EVENT_ARM, tuple(str(n) for n in names))
