"""Forbidden library calls and tampering, read from the submission's source in the trusted parent.

The checks detect a ready-made implementation (``scipy.special.softmax``…)
by inspecting the live function's bytecode, and that inspection runs in the
child, where the submission could have tampered with the tools it uses
(``dis``, ``importlib``, ``builtins``). This module reads the same thing
from the cells' text instead — parsed, never executed — and the engine
reports a forbidden use when either finds one.

What it follows (:meth:`Notebook.uses`): imports and aliases (``import
scipy.special as sp``, ``from scipy.special import softmax as sm``, ``f =
sp.softmax``, ``a, b = sp.softmax, np.exp``), ``getattr`` with a constant
name, ``__import__``/``importlib.import_module`` with a constant name,
containers of library functions (``F = {"s": sp.softmax}``, lists, tuples,
``dict(...)``), attribute chains and imports inside the function, and the
notebook's own helper functions it calls — but never another contract
function of the problem set (``contract``): each is graded on its own, and
its mistakes are not carried forward.

What it cannot resolve becomes a *flag* (:attr:`Notebook.flags`, a list of
``{"cell": index, "reason": text}``; results.json ``flags``): a
library attribute chosen at run time (``getattr(np, name)``), imports of
computed names, ``eval``/``exec``, reaching into frames or closures,
``gc``, threads, ``ctypes``, ``sys.modules``, replacing a library's
attributes (``np.array_equal = …``). A flag is evidence for the
instructor, not a verdict: the score does not change.

Bounded work on untrusted text: a cell is parsed only up to
:data:`MAX_CELL_CHARS` characters and a notebook up to
:data:`MAX_TOTAL_CHARS` (larger ones are flagged, not parsed), IPython's
escapes (``!``, ``%``, ``?``) are neutralised line by line in linear time,
IPython's own transformer (which re-reads a cell once per escape) only sees
small cells, and the analysis stops at :data:`TIME_BUDGET_S` (flagged).
"""

from __future__ import annotations

import ast
import threading
import time
from dataclasses import dataclass

from autograder.model.pysource import import_names, nodes, parse as _parse, python_source

#: Largest cell parsed in the parent (characters). A solution cell is a few kB.
MAX_CELL_CHARS = 100_000
#: Largest total of cells parsed in the parent (characters).
MAX_TOTAL_CHARS = 1_000_000
#: Wall-clock budget of one notebook's analysis (seconds).
TIME_BUDGET_S = 10.0
#: At most this many flags per notebook, each reason at most this long.
MAX_FLAGS, MAX_REASON = 20, 200
#: The flags' reasons already read, by ``(cell code, the notebook's aliases above it)``, of which they are a
#: function (:meth:`Notebook._read_flags`): a cell every notebook shares is walked once per batch. Oldest first
#: out past :data:`MAX_CACHED_FLAG_READINGS`.
_FLAG_READINGS: dict = {}
_FLAG_READINGS_LOCK = threading.Lock()
MAX_CACHED_FLAG_READINGS = 4096

@dataclass(frozen=True)
class Source:
    """One executed cell: its index in the rebuilt notebook, its text, and whether a student wrote it."""

    index: int
    text: str
    student: bool = True


def _const_str(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _top_level(statements):
    """Module-level statements, looking into if/for/while/with/try blocks (not into defs)."""
    todo = list(reversed(statements))
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try, getattr(ast, "TryStar", ast.Try))):
            inner = list(node.body) + list(getattr(node, "orelse", [])) + list(getattr(node, "finalbody", []))
            for handler in getattr(node, "handlers", []):
                inner += handler.body
            todo.extend(reversed(inner))


def _targets(target, value):
    """``(name, value node)`` pairs of an assignment, unpacking ``a, b = x, y``."""
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
            and len(target.elts) == len(value.elts):
        return [pair for t, v in zip(target.elts, value.elts) for pair in _targets(t, v)]
    return []


#: Attribute names that reach into frames, closures or code objects.
_INTERNALS = {
    "f_back": "reaches into the call stack (frames)", "f_locals": "reaches into the call stack (frames)",
    "f_globals": "reaches into the call stack (frames)", "tb_frame": "reaches into the call stack (frames)",
    "gi_frame": "reaches into the call stack (frames)", "cr_frame": "reaches into the call stack (frames)",
    "__closure__": "reads or changes a function's closure", "cell_contents": "reads or changes a function's closure",
    "__code__": "reads or replaces a function's code", "__globals__": "reads or changes a function's globals",
    "__defaults__": "changes a function's defaults", "__kwdefaults__": "changes a function's defaults",
    "__builtins__": "reaches the builtins", "__subclasses__": "walks the class hierarchy",
    "__wrapped__": "unwraps a decorated function", "f_code": "reads code objects (frames)",
    "co_consts": "reads code objects", "co_code": "reads code objects",
}
#: Dotted names (or module prefixes) whose use is flagged, with the reason.
_SUSPECT = {
    "gc": "walks the interpreter's objects (gc)",
    "threading": "starts threads (they can run while the grader calls the functions)",
    "_thread": "starts threads (they can run while the grader calls the functions)",
    "ctypes": "uses ctypes (raw memory access)",
    "sys.modules": "changes or reads sys.modules",
    "sys._getframe": "reaches into the call stack (frames)",
    "sys.settrace": "installs a tracer", "sys.setprofile": "installs a profiler",
    "inspect.currentframe": "reaches into the call stack (frames)",
    "inspect.stack": "reaches into the call stack (frames)",
    "inspect.getouterframes": "reaches into the call stack (frames)",
    "builtins": "changes or reads the builtins module",
    "importlib.reload": "reloads a module",
    "importlib.util.spec_from_file_location": "loads a module from a file of its choosing",
    "runpy": "runs a module's file", "marshal": "loads code objects (marshal)",
    "pickle.loads": "unpickles objects", "pickle.load": "unpickles objects", "dill": "unpickles objects",
    "types.FunctionType": "builds functions from code objects", "types.CodeType": "builds code objects",
    "socket": "uses sockets (the grader talks to the notebook's process over one)",
    "_socket": "uses sockets (the grader talks to the notebook's process over one)",
    "selectors": "waits on file descriptors", "select": "waits on file descriptors",
    "os.fdopen": "opens a file descriptor it did not open itself", "os.dup": "duplicates file descriptors",
    "os.dup2": "duplicates file descriptors", "os.read": "reads raw file descriptors",
    "os.write": "writes raw file descriptors", "os.readv": "reads raw file descriptors",
    "os.writev": "writes raw file descriptors", "os.sendfile": "copies between file descriptors",
    "os.listdir": "lists folders (the process's own descriptors are in /proc/self/fd)",
    "sys.addaudithook": "installs an audit hook", "sys.audit": "raises audit events",
    "signal": "installs signal handlers", "autograder": "imports the grader's own modules",
    "solutions": "imports the course's reference solutions", "sys.path": "changes where modules are imported from",
    "os.walk": "searches the filesystem", "os.scandir": "searches the filesystem", "glob": "searches the filesystem",
    "subprocess": "starts other programs", "os.system": "starts other programs", "os.popen": "starts other programs",
    "os.execv": "starts other programs", "os.execve": "starts other programs", "os.execl": "starts other programs",
    "os.posix_spawn": "starts other programs", "pty": "starts other programs",
    "multiprocessing.reduction": "passes file descriptors between processes",
}
#: Text in a string constant that points at the process's own descriptors and memory.
_PROC_PATHS = ("/proc/", "/dev/fd", "/proc")
_RUNTIME_CODE = {"eval", "exec", "compile"}


class Notebook:
    """What the cells define at top level: aliases of library objects, containers, functions; and flags.

    Cells are read in notebook order; :meth:`add` reads one more, so that the
    state after the cells above a graded cell is what its check sees.
    ``cells``: strings or :class:`Source`; ``contract``: the problem set's
    graded function names, into which :meth:`uses` does not descend.
    """

    def __init__(self, cells=(), contract=()):
        self.aliases = {}  # name -> dotted library name
        self.containers = {}  # name -> [dotted library names] (dicts, lists, tuples, sets of them)
        self.functions = {}
        self.classes = {}  # name -> ClassDef
        self.instances = {}  # name -> the name of the notebook class it is an instance of
        self.contract = frozenset(contract)
        self.flags = []
        self._started, self._total, self._read = time.monotonic(), 0, 0
        for cell in cells:
            self.add(cell)

    def add(self, cell) -> None:
        """Read one more cell (a string or a :class:`Source`), within the size and time budget."""
        src = cell if isinstance(cell, Source) else Source(self._read, str(cell))
        self._read += 1
        if len(src.text) > MAX_CELL_CHARS or self._total + len(src.text) > MAX_TOTAL_CHARS:
            self.flag(src.index, f"a cell of {len(src.text):,} characters was not analysed (longer than "
                      f"{MAX_CELL_CHARS:,}, or the notebook past {MAX_TOTAL_CHARS:,}): forbidden calls in it "
                      "are not detected from the source")
            return
        if time.monotonic() - self._started > TIME_BUDGET_S:
            self.flag(src.index, f"the analysis ran out of its {TIME_BUDGET_S:g} s; later cells were not read")
            return
        self._total += len(src.text)
        code = python_source(src.text)
        tree = None if code is None else _parse(code)
        if tree is None:
            return
        self._read_definitions(tree)
        if src.student:
            self._read_flags(src.index, code, tree)

    # -- definitions -----------------------------------------------------------
    def _read_definitions(self, tree):
        for node in _top_level(tree.body):
            import_names(node, self.aliases, relative=False)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[node.name] = node
                self.aliases.pop(node.name, None)
                self.containers.pop(node.name, None)
                self.instances.pop(node.name, None)
            elif isinstance(node, ast.ClassDef):
                self.classes[node.name] = node
                for table in (self.aliases, self.containers, self.functions, self.instances):
                    table.pop(node.name, None)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                for name, value in _targets(node.targets[0], node.value):
                    self._assign(name, value)

    def _assign(self, name, value):
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in self.classes:
            self.instances[name] = value.func.id  # log_softmax = LogSoftmax(): its __call__ and the rest
            self.functions.pop(name, None)
            self.aliases.pop(name, None)
            return
        if isinstance(value, ast.Lambda):
            self.functions[name] = value
            self.aliases.pop(name, None)
            self.containers.pop(name, None)
            return
        dotted = self.dotted(value, {}, set())
        if dotted:  # (other assignments keep an alias: `except ImportError: sp = None`)
            self.aliases[name] = dotted
            self.functions.pop(name, None)
            return
        members = [self.dotted(v, {}, set()) for v in self._elements(value)]
        members = [m for m in members if m]
        if members:
            self.containers[name] = members

    @staticmethod
    def _elements(value):
        if isinstance(value, ast.Subscript):  # [sp.softmax][0], {"s": sp.softmax}["s"]
            value = value.value
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            return list(value.elts)
        if isinstance(value, ast.Dict):
            return list(value.values)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in (
                "dict", "list", "tuple", "set"):
            return [kw.value for kw in value.keywords] + [
                e for a in value.args if isinstance(a, (ast.List, ast.Tuple, ast.Set)) for e in a.elts]
        return []

    def dotted(self, node, local_imports: dict, local_names: set):
        """The dotted library name ``node`` stands for (``sp.softmax`` → ``scipy.special.softmax``), or None.

        Follows aliases, attribute chains, ``getattr(x, "const")``,
        ``__import__("a.b")`` (``a``; ``a.b`` with a fromlist) and
        ``importlib.import_module("a.b")``.
        """
        parts = []
        while True:
            if isinstance(node, ast.Attribute):
                parts.append(node.attr)
                node = node.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                    and len(node.args) >= 2 and _const_str(node.args[1]) and node.func.id not in local_names:
                parts.append(_const_str(node.args[1]))
                node = node.args[0]
            else:
                break
        base = None
        if isinstance(node, ast.Name):
            if node.id in local_imports:
                base = local_imports[node.id]
            elif node.id in local_names:
                return None
            elif node.id in self.aliases:
                base = self.aliases[node.id]
        elif isinstance(node, ast.Call) and node.args and _const_str(node.args[0]):
            name = _const_str(node.args[0])
            func = self.dotted(node.func, local_imports, local_names) if not (
                isinstance(node.func, ast.Name) and node.func.id == "__import__") else "__import__"
            if func == "__import__":
                fromlist = node.args[3] if len(node.args) > 3 else next(
                    (kw.value for kw in node.keywords if kw.arg == "fromlist"), None)
                base = name if fromlist is not None and not (
                    isinstance(fromlist, (ast.List, ast.Tuple)) and not fromlist.elts) else name.split(".")[0]
            elif func == "importlib.import_module":
                base = name
        if base is None:
            return None
        return ".".join([base, *reversed(parts)])

    # -- flags -----------------------------------------------------------------
    def flag(self, cell: int, reason: str) -> None:
        entry = {"cell": int(cell), "reason": str(reason)[:MAX_REASON]}
        if len(self.flags) < MAX_FLAGS and entry not in self.flags:
            self.flags.append(entry)

    def _read_flags(self, index: int, code: str, tree) -> None:
        """Flag what cell ``index`` (its ``code`` and the ``tree`` of it) does that cannot be resolved."""
        key = (code, tuple(sorted(self.aliases.items())))
        reasons = _FLAG_READINGS.get(key)
        if reasons is None:
            reasons = self._flag_reasons(tree)
            with _FLAG_READINGS_LOCK:  # (the engine's worker threads share it)
                if len(_FLAG_READINGS) >= MAX_CACHED_FLAG_READINGS:
                    _FLAG_READINGS.pop(next(iter(_FLAG_READINGS)))
                _FLAG_READINGS[key] = reasons
        for reason in reasons:
            self.flag(index, reason)

    def _flag_reasons(self, tree) -> tuple:
        """The reasons to flag one cell's ``tree``, in order (they depend on it and :attr:`aliases` only)."""
        out = []
        imports = {}
        every = nodes(tree)
        for node in every:
            import_names(node, imports, relative=False)
        names = dict(self.aliases)
        names.update(imports)

        def suspect(dotted):
            for prefix, reason in _SUSPECT.items():
                if dotted == prefix or dotted.startswith(prefix + "."):
                    return f"{reason}: `{dotted}`"
            return None

        for dotted in imports.values():
            reason = suspect(dotted)
            if reason:
                out.append(reason)
        for node in every:
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(
                    p in node.value[:4096] for p in _PROC_PATHS):
                out.append("reads /proc or /dev/fd (where the process finds its own descriptors, among them "
                           "the grader's channel)")
            if isinstance(node, ast.Attribute) and node.attr in _INTERNALS:
                out.append(f"{_INTERNALS[node.attr]}: `.{node.attr}`")
            elif isinstance(node, ast.Name) and node.id in _INTERNALS:
                out.append(f"{_INTERNALS[node.id]}: `{node.id}`")
            if isinstance(node, (ast.Attribute, ast.Name)):
                dotted = self.dotted(node, imports, set())
                reason = suspect(dotted) if dotted else None
                if reason:
                    out.append(reason)
                if dotted and isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
                    out.append(f"replaces a library's attribute: `{dotted}`")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                fn, args = node.func.id, node.args
                if fn in _RUNTIME_CODE:
                    out.append(f"runs code built at run time: `{fn}(…)`")
                elif fn in ("getattr", "setattr", "delattr") and args:
                    target = self.dotted(args[0], imports, set())
                    if target and (fn != "getattr" or len(args) < 2 or not _const_str(args[1])):
                        what = "a library attribute chosen at run time" if fn == "getattr" else \
                            "replaces a library's attribute"
                        out.append(f"{what}: `{fn}({target}, …)`")
                elif fn == "__import__" and (not args or not _const_str(args[0])):
                    out.append("imports a module whose name is computed at run time: `__import__(…)`")
            if isinstance(node, ast.Call) and self.dotted(node.func, imports, set()) == "importlib.import_module" \
                    and (not node.args or not _const_str(node.args[0])):
                out.append("imports a module whose name is computed at run time: `importlib.import_module(…)`")
        return tuple(out)

    # -- forbidden uses --------------------------------------------------------
    def uses(self, function: str, forbidden, skip=()) -> tuple:
        """Which of ``forbidden`` (dotted names or module prefixes) ``function`` uses.

        Descends into the notebook's helper functions it calls, not into the
        other contract functions of the problem set (``contract``, and the
        names in ``skip``: graded on their own, their errors carried
        forward); a contract name that is an alias of a library object still
        counts.
        """
        forbidden = tuple(forbidden)
        skip = self.contract | frozenset(skip)
        found = set()

        def note(dotted):
            if dotted:
                for name in forbidden:
                    if dotted == name or dotted.startswith(name + "."):
                        found.add(name)

        if function in self.aliases and function not in self.functions:
            note(self.aliases[function])  # softmax = scipy.special.softmax
        for member in self.containers.get(function, ()):
            note(member)
        seen, todo = set(), [function]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for node in self._bodies(name):
                self._scan(node, function, skip, note, todo)
        return tuple(sorted(found))

    def _bodies(self, name):
        """The function nodes behind a notebook name: a function or lambda, every method of a class, the
        methods of the class of an instance."""
        if name in self.functions:
            return [self.functions[name]]
        cls = self.classes.get(self.instances.get(name, name))
        if cls is None:
            return []
        return [n for n in ast.walk(cls) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]

    def _scan(self, node, function, skip, note, todo) -> None:
        """Note the library names one function node uses; queue the notebook names it reaches."""
        local_imports, local_names = {}, set()
        args = node.args
        for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if a is not None:
                local_names.add(a.arg)
        body = node.body if isinstance(node.body, list) else [node.body]
        # default arguments and decorators run in the enclosing scope, and count as this function's
        outer = list(args.defaults) + [d for d in args.kw_defaults if d is not None] + list(
            getattr(node, "decorator_list", []))
        inside = [n for stmt in body for n in nodes(stmt)]
        for sub in inside:
            import_names(sub, local_imports, relative=False)
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                local_names.add(sub.id)
        for dotted in local_imports.values():
            note(dotted)
        for sub, scope in [(n, (local_imports, local_names)) for n in inside] + \
                [(n, ({}, set())) for expr in outer for n in nodes(expr)]:
            imports, names = scope
            if isinstance(sub, (ast.Attribute, ast.Name, ast.Call)):
                note(self.dotted(sub, imports, names))
            if isinstance(sub, ast.Name) and sub.id not in names:
                for member in self.containers.get(sub.id, ()):
                    note(member)
                if (sub.id in self.functions and (sub.id not in skip or sub.id == function)) \
                        or sub.id in self.classes or sub.id in self.instances:
                    todo.append(sub.id)
