"""What in one student's cell the grader notes: the constructs of the one table, and the facts they rest on.

One walk of a cell's tree (:func:`read_flags`) finds each use of a name of
:data:`~autograder.reading.names.OPAQUE` (through the notebook's imports and
aliases as they stand above the cell), the constructs beside it (a library
attribute chosen at run time or replaced, a module imported by a computed
name or one whose code the grader does not read, ``/proc`` paths, IPython
magics that run code), each as a :class:`Flag` with its line and the
top-level function whose body holds it; and the facts the notebook's reading
combines across cells: the names used other than by calling them (a function
handed around may run at any time), the names rebound where the code does
not show it (``global`` in a function, an attribute set from outside), the
first file the cell writes and the modules it imports that are not loaded
before the notebook runs. The result depends only on the cell's text and the
aliases above it, so it is kept per pair: a cell every notebook shares is
walked once per batch.
"""

from __future__ import annotations

import ast
import hashlib
import re
import threading
from dataclasses import dataclass

from autograder.model.invariant import known
from autograder.model.pysource import import_names, parse
from autograder.reading.cells import (
    CODE_MAGICS,
    DEFINED_CELL_MAGICS,
    DEFINED_LINE_MAGICS,
    DIRECTORY_MAGICS,
    DISPLAY_CELL_MAGICS,
    EXTENSION_MAGICS,
    IPYTHON_EXTENSIONS,
    MAGIC_DEFINERS,
    MAGIC_DEFINING_MAGICS,
    QUIET_MAGICS,
    STAR_IMPORT_MAGICS,
    Cell,
    read_cell,
    short,
    top_level_parts,
)
from autograder.reading.definitions import Definitions
from autograder.reading.names import (
    COMPUTED_ATTRIBUTE,
    COMPUTED_IMPORT,
    KNOWN_PACKAGES,
    LIBRARY_REPLACED,
    LIBRARY_ROOTS,
    LOADED_MODULES,
    MODULE_HANDED,
    OPAQUE,
    PROC_PATHS,
    PROC_READ,
    UNKNOWN_MODULE,
    Opaque,
    hiding_module,
    installed,
    opaque_attribute,
    opaque_name,
)

#: File writes (a module the notebook wrote could then be imported under a library's name): library functions …
_FILE_WRITERS = ("shutil.", "os.rename", "os.replace", "os.symlink", "os.link", "os.open", "os.write", "os.mkfifo",
                 "numpy.save", "numpy.savez", "numpy.savetxt", "tempfile.", "io.open", "codecs.open")
#: … archives, which write only when opened to write or extracted …
_ARCHIVES = ("zipfile.", "tarfile.")
#: … and methods whose names say so (``open`` with a mode that writes is looked at on its own; a directory made
#: alone, ``mkdir``, holds no module, and cannot stand before an installed package).
_FILE_WRITING_METHODS = frozenset({"write_text", "write_bytes", "tofile", "extractall", "extract", "symlink_to",
                                   "hardlink_to", "touch"})
#: Methods that move a file when given one target and nothing else (``Path.rename``; ``DataFrame.rename(columns=…)``
#: and ``str.replace(a, b)`` are not).
_FILE_MOVING_METHODS = frozenset({"rename", "replace"})
#: The endings of a file that an ``import`` can load (source, bytecode, extension module, a ``.pth`` line): a file
#: written under any other constant name (``results.csv``, ``model.pkl``) cannot be one.
_MODULE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyw", ".pyd", ".so", ".pth")
#: IPython's modules that display things (and cannot define a magic): any other of its modules bound to a name, or
#: the package itself (``import IPython``), reaches the API that can (:data:`~.cells.MAGIC_DEFINERS`).
_IPYTHON_DISPLAY = frozenset({"IPython.display", "IPython.core.display", "IPython.lib.display"})
#: Where an import may run after the lines below it: a function's body (it runs when called) and a loop's.
_RUN_AGAIN = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.For, ast.AsyncFor, ast.While)
#: timeit's functions that run a statement string in the namespace passed as ``globals`` (:func:`_timed_code`).
TIMEIT_CALLS = frozenset({"timeit.timeit", "timeit.repeat", "timeit.Timer"})
#: What a file mode looks like (``"w"``, ``"rb"``, ``"a+"``), as against a file's name.
_MODE = re.compile(r"[rwxabtU+]{1,4}")


#: The top-level function whose body holds a construct: ``(name, line of its def)``; None elsewhere.
Owner = tuple[str, int] | None


@dataclass(frozen=True)
class Flag:
    """One construct noted in a cell: its line, why (with the construct), whether it hides what runs, and the
    top-level function whose body holds it (``(name, line)`` of its ``def``; None elsewhere)."""

    line: int
    reason: str
    hides: bool
    owner: Owner = None


@dataclass(frozen=True)
class CellFlags:
    """What :func:`read_flags` found in one cell."""

    flags: tuple[Flag, ...] = ()
    escaped: frozenset[str] = frozenset()  # names used other than by calling them
    rebound: tuple[tuple[str, str], ...] = ()  # (name, why): bound by `global` in a function
    attribute_set: tuple[tuple[str, str], ...] = ()  # (name, code): an attribute of a top-level name set, or setattr
    writes_file: int = 0  # the line of the first file it writes (0: none)
    #: (line, root, deferred) of the modules it imports not loaded before student code; ``deferred``: the import is
    #: in a function's body or a loop's, so it may run after the lines below it
    imports: tuple[tuple[int, str, bool], ...] = ()
    absent: tuple[tuple[int, str, bool], ...] = ()  # (line, root, deferred) of those not installed where it is graded
    shell: int = 0  # the line of its first shell command (``!cmd``: a program, which may write a module file)
    undefined_magics: tuple[tuple[int, str], ...] = ()  # (line, `%name`): magics IPython does not have (they raise)
    defines_magics: int = 0  # the line of the first thing that can define a magic (cells.MAGIC_DEFINERS)
    seterr: int = 0  # the line of its first `np.seterr(...)` (the grader's calls warn regardless: the messages say so)


_READ: dict[tuple[bytes, tuple[tuple[str, str], ...]], CellFlags] = {}
_READ_LOCK = threading.Lock()
#: Readings kept (by a digest of the cell's text and the aliases above it); the oldest goes first.
MAX_CACHED = 4096


def read_flags(cell: Cell, aliases: dict[str, str]) -> CellFlags:
    """What a student's ``cell`` does that the grader notes, given the notebook's ``aliases`` above it."""
    if cell.tree is None:
        return _cell_magic(cell.cell_magic)
    key = (hashlib.blake2b(cell.text.encode("utf-8", "surrogatepass"), digest_size=16).digest(),
           tuple(sorted(aliases.items())))
    found = _READ.get(key)
    if found is None:
        found = _Walk(cell, aliases).run()
        with _READ_LOCK:  # (the engine's worker threads share it)
            if len(_READ) >= MAX_CACHED:
                _READ.pop(next(iter(_READ)))
            _READ[key] = found
    return found


def _cell_magic(name: str) -> CellFlags:
    """A cell that is not Python: a cell magic (``%%writefile`` writes a file; the others but for display run code
    the reading does not see), or a syntax error, which runs nothing."""
    if not name or name in DISPLAY_CELL_MAGICS:
        return CellFlags()
    if name in ("writefile", "file"):
        return CellFlags(writes_file=1)
    if name not in DEFINED_CELL_MAGICS:
        magic = f"%%{short(name, 40)}"  # (a name of the student's, as long as they made it)
        return CellFlags((Flag(1, _undefined(magic), False),), undefined_magics=((1, magic),))
    return CellFlags((Flag(1, f"runs the cell magic `%%{name}`, whose code the grader does not read", True),))


def _undefined(magic: str) -> str:
    """The flag of a magic outside :data:`~.cells.DEFINED_LINE_MAGICS` (or the cell magics'): shown, costing nothing
    unless the notebook can define magics (:meth:`~.notebook.NotebookReading.reading`). A line magic's line is
    skipped there (:mod:`autograder.perimeter.child_runtime.failed_imports`); a cell magic's cell raises."""
    done = "its cell raises" if magic.startswith("%%") else "its line is skipped"
    return (f"uses `{magic}`, a magic IPython does not have where the notebook is graded: there {done} and runs "
            "nothing (unless the notebook defines it)")


class _Walk:
    """One walk of a cell (see :func:`read_flags`)."""

    def __init__(self, cell: Cell, aliases: dict[str, str]) -> None:
        self.cell = cell
        self.names = Definitions()
        self.names.aliases = dict(aliases)
        self.flags: list[Flag] = []
        self.rebound: list[tuple[str, str]] = []
        self.attribute_set: list[tuple[str, str]] = []
        self.writes_file = 0
        self.imports: list[tuple[int, str, bool]] = []
        self.absent: list[tuple[int, str, bool]] = []
        self.deferred: set[int] = set()  # the ids of the imports (and calls) that may run after a line below them
        self.undefined: list[tuple[int, str]] = []
        self.defines = 0
        self.seterr = 0
        self.skip: set[int] = set()
        self.reached: set[int] = set()

    def run(self) -> CellFlags:
        tree = known(self.cell.tree, "read_flags walks a cell that is Python")
        escaped = self._trees(tree, 0)
        for magic in self.cell.magics:
            owner = (magic.inside.name, magic.inside.lineno) if isinstance(magic.inside, ast.FunctionDef) else None
            if magic.inside is not None:
                if magic.name not in QUIET_MAGICS:  # (a quiet one runs nothing, inside a function too)
                    self.flags.append(Flag(magic.line, f"runs the IPython magic `%{magic.name}` inside a function, "
                                                       "whose code the grader does not read there", True, owner))
            elif magic.name in CODE_MAGICS and magic.code:
                inner = read_cell(magic.code)
                if inner.tree is None:
                    self.flags.append(Flag(magic.line, f"runs `%{magic.name}` with code the grader cannot read", True))
                else:
                    escaped |= self._trees(inner.tree, magic.line - 1)
            elif magic.name in DIRECTORY_MAGICS:
                self.flags.append(Flag(magic.line, f"changes the working directory: `%{magic.name}`", False))
            elif (imported := _as_import(magic.name, magic.code)) is not None:  # %pylab, %load_ext X
                for entry, what in self._import(imported, magic.line):
                    self.flags.append(Flag(magic.line, f"{entry.reason}: `{short(what, 60)}`", entry.hides))
            elif magic.name not in DEFINED_LINE_MAGICS:  # (it raises, unless the notebook defines it: its reading)
                shown = f"%{short(magic.name, 40)}"  # (a name of the student's, as long as they made it)
                self.flags.append(Flag(magic.line, _undefined(shown), False))
                self.undefined.append((magic.line, shown))
            elif magic.name not in QUIET_MAGICS and magic.name not in CODE_MAGICS:
                self.flags.append(Flag(magic.line, f"runs the IPython magic `%{magic.name}`, whose code the grader "
                                                   "does not read", True))
            if magic.name in MAGIC_DEFINING_MAGICS or (magic.name in EXTENSION_MAGICS
                                                       and _extension_may_define(magic.code)):
                self._defines(magic.line)
        return CellFlags(tuple(self.flags), frozenset(escaped), tuple(self.rebound), tuple(self.attribute_set),
                         self.writes_file, tuple(self.imports), tuple(self.absent),
                         self.cell.shell[0] if self.cell.shell else 0, tuple(self.undefined), self.defines,
                         self.seterr)

    def _defines(self, line: int) -> None:
        self.defines = self.defines or line

    def _trees(self, tree: ast.Module, offset: int, inside: Owner = None,
               outer: dict[str, str] | None = None) -> set[str]:
        """Walk one tree (a cell, the code of a ``%time`` line at ``offset``, or a statement ``timeit`` runs with
        the ``outer`` cell's imports, in the function ``inside`` when its call is there); the names it hands
        around."""
        imports: dict[str, str] = dict(outer or {})
        timed = outer is None  # (timeit's strings are read one level down, not within each other)
        every = [n for n in ast.walk(tree)]
        self.deferred |= _run_again(tree)
        for node in every:
            import_names(node, imports, relative=False)
        called = {id(n.func) for n in every if isinstance(n, ast.Call)}
        self.skip = {id(n.func) for n in every if isinstance(n, ast.Call) and n.args  # vars(x) reads x's attributes
                     and isinstance(n.func, ast.Name) and n.func.id == "vars"}
        self.reached = {id(n.value) for n in every if isinstance(n, ast.Attribute)} | {  # (a module used by name)
            id(n.args[0]) for n in every if isinstance(n, ast.Call) and n.args and isinstance(n.func, ast.Name)
            and n.func.id in ("getattr", "hasattr", "setattr", "delattr", "vars")}
        strings: dict[int, tuple[str, ...]] = {}  # (each timeit call's strings, by the call's id)
        for call in (n for n in every if timed and isinstance(n, ast.Call)):
            code = _timed_code(call, self.names.dotted(call.func, imports, set()) or "")
            if code is not None:
                strings[id(call)] = code
                self.skip |= {id(k.value.func) for k in call.keywords if k.arg == "globals"  # (its globals())
                              and isinstance(k.value, ast.Call)}
        escaped = {n.id for n in every if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                   and id(n) not in called}
        escaped |= {f.name for _, f in top_level_parts(tree.body)  # (a decorator is handed the function it decorates)
                    if f is not None and f.decorator_list}
        for node in every:
            if isinstance(node, ast.Global):
                for name in node.names:
                    self.rebound.append((name, f"`{name}` is rebound by a function (`global {name}`, line "
                                               f"{node.lineno + offset} of its cell)"))
        timed_trees = []
        for statement, body_of in top_level_parts(tree.body):
            owner = (body_of.name, body_of.lineno + offset) if body_of is not None else inside
            for node in (n for part in statement for n in ast.walk(part)):
                line = getattr(node, "lineno", 1) + offset
                for entry, what in self._node(node, line, imports):
                    self.flags.append(Flag(line, f"{entry.reason}: `{short(what, 60)}`", entry.hides, owner))
                if id(node) in strings:
                    timed_trees += [(code, line, owner) for code in strings[id(node)]]
        for text, line, owner in timed_trees:  # (after this tree's walk: each _trees call sets self.skip anew)
            timed_tree = parse(text)  # (None: timeit cannot compile it either, and runs nothing)
            if timed_tree is not None:
                escaped |= self._trees(timed_tree, line - 1, owner, imports)
        return escaped

    def _node(self, node: ast.AST, line: int, imports: dict[str, str]) -> list[tuple[Opaque, str]]:
        """``(Opaque, what)`` for one syntax node (none for most); notes the facts it shows."""
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if _binds_magic_api(node) or (isinstance(node, ast.ImportFrom)
                                          and any(a.name in MAGIC_DEFINERS for a in node.names)):
                self._defines(line)
            return self._import(node, line)
        if (isinstance(node, ast.Name) and node.id in MAGIC_DEFINERS) or (
                isinstance(node, ast.Attribute) and node.attr in MAGIC_DEFINERS) or (
                isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in MAGIC_DEFINERS):
            self._defines(line)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(
                p in node.value[:4096] for p in PROC_PATHS):
            return [(PROC_READ, node.value[:40])]
        if isinstance(node, ast.Attribute):
            return self._attribute(node, imports)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in self.skip:
            dotted = self.names.dotted(node, imports, set())
            found = opaque_name(dotted) if dotted else None
            handed = [(MODULE_HANDED, dotted or "")] if self._handed(node, dotted, found) else []  # (`m = sys`)
            if found or node.id in imports:
                return ([(found[1], found[0])] if found else []) + handed
            entry = OPAQUE.get(f"builtins.{node.id}") or (
                opaque_attribute(node.id) if node.id.startswith("__") else None)  # (`__builtins__` as a name)
            return ([(entry, node.id)] if entry else []) + handed  # (handed: a module imported in another cell)
        if isinstance(node, ast.Call):
            return self._call(node, line, imports)
        return []

    def _handed(self, node: ast.expr, dotted: str | None, found: tuple[str, Opaque] | None) -> bool:
        """Whether ``node`` is a module of :data:`~autograder.reading.names.HIDING_MODULES` used as a value rather
        than by name (the base of an attribute, ``getattr``'s object), where no entry that hides what runs is noted
        for it already."""
        return bool(dotted) and id(node) not in self.reached and not (found and found[1].hides) \
            and hiding_module(dotted or "") is not None

    def _import(self, node: ast.Import | ast.ImportFrom, line: int) -> list[tuple[Opaque, str]]:
        out = []
        for dotted in _imported_modules(node):
            root = dotted.split(".")[0]
            if root not in KNOWN_PACKAGES:
                out += self._unknown_module(dotted, line, id(node) in self.deferred)
            elif root not in LOADED_MODULES:
                self.imports.append((line, root, id(node) in self.deferred))
            found = opaque_name(dotted)
            if found:
                out.append((found[1], found[0]))
                break
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names) and not node.level:
            out += [(entry, f"from {node.module} import *") for entry in _star_hides(node.module or "")[:1]]
        return out

    def _unknown_module(self, dotted: str, line: int, deferred: bool = False) -> list[tuple[Opaque, str]]:
        """A module that is neither the standard library nor a known package: its flag where it is installed;
        else none, and it is noted as absent (only a file the notebook writes could be it)."""
        root = dotted.split(".")[0]
        if installed(root):
            return [(UNKNOWN_MODULE, dotted)]
        self.absent.append((line, root, deferred))
        return []

    def _attribute(self, node: ast.Attribute, imports: dict[str, str]) -> list[tuple[Opaque, str]]:
        out = []
        entry = opaque_attribute(node.attr)
        if entry:
            out.append((entry, f".{node.attr}"))
        dotted = self.names.dotted(node, imports, set())
        found = opaque_name(dotted) if dotted else None
        if found and not entry:
            out.append((found[1], found[0]))
        if isinstance(node.ctx, ast.Load) and self._handed(node, dotted, found):
            out.append((MODULE_HANDED, dotted or ""))  # (`m = os.sys`)
        if node.attr == "__dict__" and (owner := self.names.dotted(node.value, imports, set())):
            out.append((COMPUTED_ATTRIBUTE, f"{owner}.__dict__"))  # (a module's namespace: any attribute of it)
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            if dotted:
                out.append((_replaced(dotted), dotted))
            elif isinstance(node.value, ast.Name):
                self.attribute_set.append((node.value.id, short(ast.unparse(node))))
        return out

    def _call(self, node: ast.Call, line: int, imports: dict[str, str]) -> list[tuple[Opaque, str]]:
        func, args = node.func, node.args
        out: list[tuple[Opaque, str]] = []
        name = func.id if isinstance(func, ast.Name) else ""
        if name in ("getattr", "setattr", "delattr") and args:
            target = self.names.dotted(args[0], imports, set())
            computed = len(args) < 2 or not isinstance(args[1], ast.Constant)
            if target and name == "getattr" and computed:
                out.append((COMPUTED_ATTRIBUTE, f"getattr({target}, …)"))
            elif target and name == "getattr":  # (a constant name: that attribute, as `target.name` would be)
                attr = args[1].value if isinstance(args[1], ast.Constant) else None
                found = opaque_name(f"{target}.{attr}") if isinstance(attr, str) else None
                out += [(found[1], found[0])] if found else []
            elif target and name != "getattr":
                out.append((_replaced(target), f"{name}({target}, …)"))
            elif name != "getattr" and isinstance(args[0], ast.Name):
                self.attribute_set.append((args[0].id, short(ast.unparse(node))))
        if name == "vars" and args and (target := self.names.dotted(args[0], imports, set())):
            out.append((COMPUTED_ATTRIBUTE, f"vars({target})"))  # (a module's namespace: any attribute of it)
        dotted = self.names.dotted(func, imports, set()) or ""
        if name == "__import__" or dotted == "importlib.import_module":
            module = args[0].value if args and isinstance(args[0], ast.Constant) and isinstance(
                args[0].value, str) else None
            if module is None:
                out.append((COMPUTED_IMPORT, f"{name or dotted}(…)"))
            elif module.split(".")[0] not in KNOWN_PACKAGES:
                out += self._unknown_module(module, line, id(node) in self.deferred)
            elif module.split(".")[0] not in LOADED_MODULES:  # (as the import statement of it is)
                self.imports.append((line, module.split(".")[0], id(node) in self.deferred))
        if not self.writes_file and _writes_a_module(node, name, dotted):
            self.writes_file = line
        if not self.seterr and dotted == "numpy.seterr":
            self.seterr = line
        return out


def _replaced(dotted: str) -> Opaque:
    """Setting an attribute of a module: it hides what runs when the module is library code the readings trust."""
    if dotted.split(".")[0] in LIBRARY_ROOTS:
        return LIBRARY_REPLACED
    return Opaque(LIBRARY_REPLACED.reason, hides=False)


def _writes_a_module(call: ast.Call, name: str, dotted: str) -> bool:
    """Whether ``call`` may write a file an ``import`` could load: a writing library function or method, ``open``
    with a mode that writes, an archive opened to write or extracted — unless the one file it writes has a constant
    name that no import can load (``open("results.csv", "w")``, ``np.save("w.npy", …)``, ``p.rename("old.txt")``)."""
    func = call.func
    method = func.attr if isinstance(func, ast.Attribute) else ""
    if dotted.startswith(_ARCHIVES):
        writes = _writes(call, default="r", position=1)
    elif name == "open" or (method == "open" and dotted):  # open(file, mode): the builtin, PIL's, gzip's, io's
        writes = _writes(call, default="r", position=1)
    elif method == "open":  # an object's: Path.open(mode), ZipFile(…).open(name, mode)
        writes = _object_open_writes(call)
    elif dotted.startswith(_FILE_WRITERS):
        writes = True
    elif method in _FILE_MOVING_METHODS:
        writes = len(call.args) == 1 and not call.keywords and not isinstance(call.args[0], (ast.Dict, ast.Lambda))
    else:
        writes = method in _FILE_WRITING_METHODS
    return writes and not _no_module_name(_written_file(call, name, dotted, method))


def _written_file(call: ast.Call, name: str, dotted: str, method: str) -> ast.expr | None:
    """The expression naming the one file ``call`` writes, where the reading knows it; else None (an archive
    extracted, a tree copied, a temporary file: any number of files, of any name)."""
    func = call.func
    if dotted in ("os.rename", "os.replace"):
        return call.args[1] if len(call.args) > 1 else None
    if name == "open" or (method == "open" and dotted) or dotted.startswith("numpy.save") or (
            not dotted and method in ("tofile", *_FILE_MOVING_METHODS)):
        return call.args[0] if call.args else None  # (the new name of a renamed file)
    if method in ("open", "write_text", "write_bytes", "touch") and isinstance(func, ast.Attribute):
        receiver = func.value  # Path("results.csv").write_text(…)
        if isinstance(receiver, ast.Call) and receiver.args and isinstance(receiver.func, (ast.Name, ast.Attribute)) \
                and (receiver.func.id if isinstance(receiver.func, ast.Name) else receiver.func.attr) in (
                    "Path", "PurePath", "PosixPath"):
            return receiver.args[-1]
    return None


def _object_open_writes(call: ast.Call) -> bool:
    """An object's ``open``: the first argument that is a mode (``"w"``, ``"rb"``) says; a first argument the reading
    cannot tell might be one."""
    for arg in [k.value for k in call.keywords if k.arg == "mode"] + list(call.args[:2]):
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _MODE.fullmatch(arg.value):
            return _mode_writes(arg.value)
    return bool(call.args) and not isinstance(call.args[0], ast.Constant)


def _writes(call: ast.Call, default: str, position: int) -> bool:
    """An ``open``-like call with a mode (its ``position``-th argument or ``mode=``; ``default`` when absent) that
    writes, or one the reading cannot tell."""
    mode = call.args[position] if len(call.args) > position else next(
        (k.value for k in call.keywords if k.arg == "mode"), ast.Constant(default))
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return _mode_writes(mode.value)
    return True


def _mode_writes(mode: str) -> bool:
    """Whether a file mode (``"w"``, ``"rb"``, ``"a+"``) writes."""
    return any(c in mode for c in "wax+")


def _no_module_name(target: ast.expr | None) -> bool:
    """Whether ``target``, a file's name, is a constant (or an f-string ending in a constant with a dot: an
    extension) that names a file no import can load."""
    if isinstance(target, ast.JoinedStr) and target.values and isinstance(target.values[-1], ast.Constant):
        target = target.values[-1]
        if not (isinstance(target.value, str) and "." in target.value):
            return False
    if not (isinstance(target, ast.Constant) and isinstance(target.value, str)) or target.value.endswith("/"):
        return False
    return not target.value.lower().endswith(_MODULE_SUFFIXES)


def _as_import(name: str, code: str) -> ast.Import | ast.ImportFrom | None:
    """The import a magic makes, read as that statement: ``%pylab`` is ``from pylab import *``, ``%load_ext X`` is
    ``import X`` (IPython's own extensions under ``IPython.extensions``) when its line is module names; else None."""
    if name in STAR_IMPORT_MAGICS:
        return ast.ImportFrom(module=STAR_IMPORT_MAGICS[name], names=[ast.alias(name="*")], level=0)
    modules = _module_names(code)
    if name in EXTENSION_MAGICS and modules:
        return ast.Import(names=[ast.alias(name=IPYTHON_EXTENSIONS.get(m, m)) for m in modules])
    return None


def _module_names(code: str) -> list[str]:
    """The words of a magic's line when every one is a dotted module name (``%load_ext autoreload``), else []."""
    words = code.split()
    return words if all(all(p.isidentifier() for p in w.split(".")) for w in words) else []


def _run_again(tree: ast.AST) -> set[int]:
    """The ids of the imports and calls of ``tree`` that may run after the lines below them (:data:`_RUN_AGAIN`), in
    one pass (nested blocks are not walked again)."""
    out: set[int] = set()
    todo: list[tuple[ast.AST, bool]] = [(tree, False)]
    while todo:
        node, inside = todo.pop()
        inside = inside or isinstance(node, _RUN_AGAIN)
        if inside and isinstance(node, (ast.Import, ast.ImportFrom, ast.Call)):
            out.add(id(node))
        todo.extend((child, inside) for child in ast.iter_child_nodes(node))
    return out


def _star_hides(module: str) -> list[Opaque]:
    """The table's entries that hide code among the public names a star import of ``module`` binds
    (``from inspect import *`` binds ``stack``): the bare names it leaves are not read through the import. The
    libraries' own (``from numpy import *`` binds ``ctypeslib``) are left to the calls, as their names are."""
    if module.split(".")[0] in LIBRARY_ROOTS:
        return []
    return [entry for key, entry in OPAQUE.items() if entry.hides and key.startswith(f"{module}.")
            and "." not in key[len(module) + 1:] and not key[len(module) + 1:].startswith("_")]


def _extension_may_define(code: str) -> bool:
    """Whether ``%load_ext`` of ``code`` may define magics: an extension IPython does not ship that is installed
    where the notebook is graded, or a line that is not module names (a module the notebook wrote is the "writes files
    and imports" rule's)."""
    modules = _module_names(code)
    return not modules or any(m not in IPYTHON_EXTENSIONS and installed(m.split(".")[0]) for m in modules)


def _timed_code(call: ast.Call, dotted: str) -> tuple[str, ...] | None:
    """The set-up and statement strings of ``timeit.timeit(stmt, setup, …, globals=globals())`` (or ``repeat``,
    ``Timer``) when each is a constant string or left out: timeit runs them in the notebook's namespace, as the
    notebook's own code (``%timeit`` is read so), so they are read as such and its ``globals()`` reaches nothing
    else. None for any other call, and for a statement that is not a constant string (a callable: ``globals()``
    then counts as written)."""
    keywords = {k.arg: k.value for k in call.keywords}
    given = keywords.get("globals")
    if dotted not in TIMEIT_CALLS or not (isinstance(given, ast.Call) and isinstance(given.func, ast.Name)
                                          and given.func.id == "globals" and not given.args and not given.keywords):
        return None
    strings: list[str] = []
    for position, name in ((1, "setup"), (0, "stmt")):
        value = call.args[position] if len(call.args) > position else keywords.get(name)
        if value is None:
            continue
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            return None
        strings.append(value.value)
    return tuple(strings)


def _binds_magic_api(node: ast.Import | ast.ImportFrom) -> bool:
    """Whether an import binds a name from which IPython's API for defining magics is reachable: the IPython package
    (``import IPython``, ``import IPython.core.magic``) or a module of it other than those that display things."""
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] == "IPython" and (a.asname is None or a.name not in _IPYTHON_DISPLAY)
                   for a in node.names)
    module = node.module or ""
    if module == "IPython":
        return any(a.name != "display" for a in node.names)
    return module.startswith("IPython.") and module not in _IPYTHON_DISPLAY


def _imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        return ["." * node.level + (node.module or "")]
    return [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
