"""One cell's text read once: as Python (IPython's escapes neutralised), its tree, its lines and its magics.

Every reader of a notebook starts from :func:`read_cell`, which parses a text
once whichever reader asks (the course's cells recur in every notebook of a
batch). The escapes :func:`~autograder.model.pysource.python_source`
neutralised are listed as :class:`Magic` lines: ``%time``-like magics run the
rest of their line as Python (read as the cell's own code by the readers), a
magic inside a function is code the reading does not see there, and the others
run code of IPython's. A cell that is not Python at all may be a cell magic
(``%%bash``, ``%%writefile``), named in :attr:`Cell.cell_magic`.
"""

from __future__ import annotations

import ast
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from autograder.model.pysource import MAX_IPYTHON_CHARS, nodes, parse_checked, python_source

#: IPython line magics that run no code of the notebook's.
QUIET_MAGICS = frozenset({"matplotlib", "config", "precision", "pwd", "who", "whos", "who_ls", "ls", "pip",
                          "conda", "env", "pdoc", "pinfo", "pinfo2", "psearch", "lsmagic", "magic", "page",
                          "history", "xmode", "colors", "autocall", "automagic", "doctest_mode", "pprint",
                          "autoreload", "pdb",
                          # they show something and run nothing: a traceback, an object's or a file's source, the
                          # directory history, the logging state, a reference card; ipykernel's autosave interval,
                          # connection details, cleared output and paged files (undefined in the grader's children)
                          "tb", "pdef", "psource", "pfile", "pycat", "dhist", "dirs", "logstate", "quickref",
                          "killbgscripts", "set_env", "autosave", "connect_info", "clear", "less", "more"})
#: The line magics a notebook's IPython has where it is graded: IPython's shell (its aliases of shell commands
#: included: ``%ls``, ``%cp`` …), the extensions IPython ships once loaded (``%autoreload``, ``%aimport``,
#: ``%store``) and ipykernel's (``%autosave`` …), which plain nbgrader's kernels add. Any other — ``%watermark``,
#: whose extension the course does not install, Colab's ``%tensorflow_version`` — raises there and runs nothing,
#: unless the notebook defines magics itself (:data:`MAGIC_DEFINERS`). tests/test_reading_static.py holds both sets
#: to the installed IPython and ipykernel.
DEFINED_LINE_MAGICS = frozenset({
    "aimport", "alias", "alias_magic", "autoawait", "autocall", "automagic", "autoreload", "autosave", "bookmark",
    "cat", "cd", "clear", "code_wrap", "colors", "conda", "config", "connect_info", "cp", "debug", "dhist", "dirs",
    "doctest_mode", "ed", "edit", "env", "gui", "hist", "history", "killbgscripts", "ldir", "less", "lf", "lk", "ll",
    "load", "load_ext", "loadpy", "logoff", "logon", "logstart", "logstate", "logstop", "ls", "lsmagic", "lx",
    "macro", "magic", "mamba", "man", "matplotlib", "micromamba", "mkdir", "more", "mv", "notebook", "page",
    "pastebin", "pdb", "pdef", "pdoc", "pfile", "pinfo", "pinfo2", "pip", "popd", "pprint", "precision", "prun",
    "psearch", "psource", "pushd", "pwd", "pycat", "pylab", "qtconsole", "quickref", "recall", "rehashx",
    "reload_ext", "rep", "rerun", "reset", "reset_selective", "rm", "rmdir", "run", "save", "sc", "set_env", "store",
    "subshell", "sx", "system", "tb", "time", "timeit", "unalias", "unload_ext", "uv", "who", "who_ls", "whos",
    "xdel", "xmode"})
#: The cell magics it has (IPython's: none is ipykernel's or an extension's).
DEFINED_CELL_MAGICS = frozenset({
    "!", "HTML", "SVG", "bash", "capture", "code_wrap", "debug", "file", "html", "javascript", "js", "latex",
    "markdown", "perl", "prun", "pypy", "python", "python2", "python3", "ruby", "script", "sh", "svg", "sx", "system",
    "time", "timeit", "writefile"})
#: What lets a notebook define a magic of its own: IPython's API for it (a name, an attribute, an imported name or a
#: string of one of these), the magics that make one (``%alias``, ``%alias_magic``, ``%rehashx``), an extension it
#: loads that IPython does not ship, and the IPython package itself bound to a name (``import IPython``), from which
#: that API is one attribute away. Where a notebook has one, a magic outside the defined sets may be its own: code
#: the grader does not read.
MAGIC_DEFINERS = frozenset({
    "register_line_magic", "register_cell_magic", "register_line_cell_magic", "register_magic_function",
    "register_magics", "register_alias", "magics_class", "Magics", "line_magic", "cell_magic", "line_cell_magic",
    "define_magic", "define_alias", "soft_define_alias", "magics_manager", "alias_manager", "extension_manager",
    "load_extension", "reload_extension", "load_ipython_extension"})
MAGIC_DEFINING_MAGICS = frozenset({"alias", "alias_magic", "rehashx"})
#: IPython magics that load an extension module by name: read as an import of that module (``%load_ext autoreload``,
#: the habit of many course notebooks, imports IPython's own ``IPython.extensions.autoreload``).
EXTENSION_MAGICS = frozenset({"load_ext", "reload_ext"})
#: Magics that change the working directory (where an import looks first): shown to a person, as a change of
#: ``sys.path`` is, costing nothing (a module written there is the "writes files and imports" rule's).
DIRECTORY_MAGICS = frozenset({"cd", "pushd", "popd"})
#: ``%pylab``: read as ``from pylab import *`` (NumPy and matplotlib's names in the notebook's namespace).
STAR_IMPORT_MAGICS = {"pylab": "pylab"}
#: The extensions IPython ships, which ``%load_ext`` finds under ``IPython.extensions`` (its ``BUILTINS_EXTS``).
IPYTHON_EXTENSIONS = {"autoreload": "IPython.extensions.autoreload", "storemagic": "IPython.extensions.storemagic"}
#: IPython magics that run the rest of their line as Python.
CODE_MAGICS = frozenset({"time", "timeit", "prun", "capture"})
#: Cell magics that run nothing (they display their text).
DISPLAY_CELL_MAGICS = frozenset({"html", "HTML", "latex", "markdown", "svg", "javascript", "js"})
#: Options before the code of ``%timeit -n 10 -r 3 f()`` (and ``%prun -s cumulative f()``).
_MAGIC_OPTIONS = re.compile(r"^(?:-[A-Za-z]\S*(?:\s+[\w.]+(?=\s)(?!\s*=))?\s+)*")
_MAGIC = re.compile(r"^(\s*)(?:[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*)?([!%]{1,2})\s*([A-Za-z_]\w*)?(.*)$")
#: Cells read are kept, most recently used last, up to this many characters in all: the course's cells (570 kB
#: over the six problem sets, data cells of up to 78 kB among them) recur in every notebook of a batch, and
#: their trees are what the readers' caches compare.
CACHED_CHARS = 1_500_000
_CELLS: OrderedDict[str, Cell] = OrderedDict()
_CELLS_LOCK = threading.Lock()
_cached_chars = [0]


@dataclass(frozen=True)
class Magic:
    """An IPython magic line of a Python cell: its line, name, the code after it (``%time`` …), and where it sits:
    ``inside`` is the top-level function whose body holds it, the cell's module when it sits in another function
    (a method, a lambda), None outside functions."""

    line: int
    name: str
    code: str
    inside: ast.AST | None


@dataclass(frozen=True)
class Cell:
    """A cell's text as the readers see it: ``tree`` None when it is not Python (``cell_magic`` then names the
    cell magic it starts with, if any); ``size`` the nodes of its tree (the steps reading it costs)."""

    text: str
    tree: ast.Module | None
    lines: tuple[str, ...] = ()
    size: int = 0
    magics: tuple[Magic, ...] = ()
    cell_magic: str = ""
    shell: tuple[int, ...] = ()  # the lines of its shell commands that may write files (``!cp a b.py``)
    #: why a cell that may run as Python was not read ("" when it was read, or runs nothing): a tree too deep to
    #: build in the grader (which the notebook's own interpreter may build: it can raise its recursion limit), or
    #: a cell too long for IPython's transformer that is not plain Python (IPython may run it: ``/f x`` is
    #: ``f(x)``, ``>>>`` prompts are stripped)
    unreadable: str = ""


def read_cell(text: str) -> Cell:
    """:class:`Cell` of ``text``, read once per text while it is among the :data:`CACHED_CHARS` last read."""
    with _CELLS_LOCK:
        found = _CELLS.get(text)
        if found is not None:
            _CELLS.move_to_end(text)
            return found
    found = _read(text)
    if found.unreadable == TOO_DEEP:
        return found  # (how deep a tree the grader can build depends on where it was called from: not kept)
    with _CELLS_LOCK:
        if text not in _CELLS and len(text) <= CACHED_CHARS // 8:
            _CELLS[text] = found
            _cached_chars[0] += len(text)
            while _cached_chars[0] > CACHED_CHARS:
                _cached_chars[0] -= len(_CELLS.popitem(last=False)[0])
    return found


#: :attr:`Cell.unreadable` of a cell whose tree is too deep to build in the grader.
TOO_DEEP = "nested too deeply to be read"
#: :attr:`Cell.unreadable` of a long cell that is not plain Python.
TOO_LONG_FOR_IPYTHON = f"over {MAX_IPYTHON_CHARS:,} characters and not plain Python: IPython's own syntax may run it"


def _read(text: str) -> Cell:
    code = python_source(text)
    tree, deep = (None, False) if code is None else parse_checked(code)
    if tree is None or code is None:  # (no code: no tree)
        first = next((line.strip() for line in text.split("\n") if line.strip()), "")
        magic = first.startswith("%%") and code is None
        name = (first[2:].split() or [""])[0] if magic else ""
        unreadable = TOO_DEEP if deep else TOO_LONG_FOR_IPYTHON if code is None and not magic \
            and len(text) > MAX_IPYTHON_CHARS else ""
        return Cell(text, None, cell_magic=name, unreadable=unreadable)
    every = nodes(tree)
    changed = _escape_lines(text, code)
    return Cell(text, tree, tuple(code.split("\n")), len(every), _magics(text, changed, tree, every),
                shell=_shell_lines(text, changed))


def _escape_lines(text: str, code: str) -> list[int]:
    """The lines of ``text`` that :func:`python_source` neutralised (``%…`` and ``!…`` escapes, and lines inside a
    string that happen to look like one where IPython's own transformer changed the number of lines: then every
    line that looks like an escape counts)."""
    raw, read = text.split("\n"), code.split("\n")
    if len(raw) != len(read):
        return [i for i, line in enumerate(raw, start=1) if _MAGIC.match(line)]
    return [i for i, (a, b) in enumerate(zip(raw, read, strict=True), start=1) if a != b]


#: Programs a notebook's shell command may run that write no file it could import: listings and status (Colab's
#: `!nvidia-smi`), and pip, which installs into the environment (read-only, and offline, in the sandbox), never into
#: the notebook's folder unless told where (:data:`_PIP_PLACES`).
_READ_ONLY_PROGRAMS = frozenset({"ls", "pwd", "nvidia-smi", "nproc", "free", "df", "du", "whoami", "uname", "date",
                                 "which", "echo", "cat", "head", "tail", "wc", "env", "hostname", "lscpu", "pip",
                                 "pip3"})
_PIP_PLACES = ("-t", "--target", "--prefix", "--root", "-e", "--editable", "--src", "download", "wheel")
#: What makes a command line more than one program reading: redirections, pipes, a second command, a substitution.
_SHELL_COMPOSITION = re.compile(r"[>|;&`]|\$\(")


def _may_write(command: str) -> bool:
    """Whether the shell command ``command`` may write a file: anything but one program of
    :data:`_READ_ONLY_PROGRAMS` run on its own (pip not told to install into a folder)."""
    words = command.split()
    if not words or _SHELL_COMPOSITION.search(command):
        return True
    if words[:3] in (["python", "-m", "pip"], ["python3", "-m", "pip"]):
        words = ["pip", *words[3:]]
    return words[0] not in _READ_ONLY_PROGRAMS or (words[0].startswith("pip") and any(
        w == place or w.startswith(place + "=") for w in words for place in _PIP_PLACES))


def _shell_lines(text: str, changed: list[int]) -> tuple[int, ...]:
    """Of the ``changed`` lines of ``text`` (:func:`_escape_lines`), those IPython runs as shell commands that may
    write a file (``!cmd > f``, ``!cp``; :func:`_may_write`)."""
    raw = text.split("\n")
    return tuple(i for i in changed if (m := _MAGIC.match(raw[i - 1])) is not None and m.group(2).startswith("!")
                 and _may_write(raw[i - 1][m.end(2):]))


def _magics(text: str, changed: list[int], tree: ast.Module, every: list[ast.AST]) -> tuple[Magic, ...]:
    """The magic lines of a cell, of its ``changed`` lines (:func:`_escape_lines`; a line inside a string is not
    one; shell commands, ``!ls``, run a program, no Python of the notebook's, and are left out, and so is the opening
    ``%%capture``, ``%%time`` … of a cell whose code they run, which is read as the cell's own)."""
    raw = text.split("\n")
    if not changed:
        return ()
    strings = [(n.lineno, n.end_lineno) for n in every if isinstance(n, ast.Constant)
               and isinstance(n.value, (str, bytes)) and n.end_lineno and n.end_lineno > n.lineno]
    functions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inner = [n for n in every if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    out = []
    inside: ast.AST | None
    opening = next((i for i, line in enumerate(raw, start=1) if line.strip()), 0)
    for number in changed:
        if any(start < number <= end for start, end in strings):
            continue
        m = _MAGIC.match(raw[number - 1])
        if m is None or m.group(2).startswith("!") or (number == opening and m.group(2) == "%%"):
            continue  # (a `%%time`-like opening line: the cell under it is read as the cell's code, python_source)
        if any(n.lineno <= number <= cast(int, n.end_lineno) for n in inner):  # (ast.parse sets end_lineno)
            inside = next((n for n in functions if n.lineno <= number <= cast(int, n.end_lineno)), tree)
        else:
            inside = None
        out.append(Magic(number, m.group(3) or "", _MAGIC_OPTIONS.sub("", m.group(4).strip(), count=1), inside))
    return tuple(out)


def top_level_parts(statements: Sequence[ast.stmt],
                    ) -> Iterator[tuple[Sequence[ast.AST], ast.FunctionDef | ast.AsyncFunctionDef | None]]:
    """``(parts, def)`` for each top-level statement (blocks descended into): a function's body comes apart from its
    decorators, defaults and annotations (``def`` is that function), everything else whole (``def`` None)."""
    todo = list(reversed(statements))
    while todo:
        node = todo.pop()
        blocks = blocks_of(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            outer = list(node.decorator_list) + list(args.defaults) + [d for d in args.kw_defaults if d] + [
                a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs if a.annotation] + (
                [node.returns] if node.returns else [])
            yield [ast.Expr(e) for e in outer], None
            yield list(node.body), node
        elif blocks:
            head: list[ast.AST] = [getattr(node, name) for name in ("test", "iter", "target", "subject") if getattr(node, name, None)]
            head += list(getattr(node, "items", []))
            head += [h for h in getattr(node, "handlers", []) if h.type is not None]
            head += [case.pattern for case in getattr(node, "cases", [])]
            yield head, None
            for block in blocks:
                todo.extend(reversed(block))
        else:
            yield [node], None


def blocks_of(node: ast.AST) -> list[list[ast.stmt]]:
    """The statement lists inside a compound statement (not a def's or a class's)."""
    if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While)):
        return [node.body, node.orelse]
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [node.body]
    if isinstance(node, (ast.Try, ast.TryStar)):
        return [node.body, node.orelse, node.finalbody] + [h.body for h in node.handlers]
    if isinstance(node, ast.Match):
        return [case.body for case in node.cases]
    return []


def short(text: str, most: int = 80) -> str:
    """``text`` on one line, cut to ``most`` characters (a line of code shown to a student)."""
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"
