"""A notebook's source read in order, within its budget: the flags for a person, forbidden uses, purity evidence.

The grader's one reading of a submission, in its trusted process
(docs/architecture.md, "Reading student source"): :meth:`NotebookReading.add`
reads each executed cell as it runs — its text, its place, whether a student
wrote it (the course's own cells are trusted: they bind names but are not
searched) and whether it completed — and then

* :attr:`NotebookReading.flags` are what a person should look at
  (:mod:`autograder.reading.flags`, results.json ``flags``);
* :meth:`NotebookReading.uses` is a function's forbidden uses
  (:mod:`autograder.reading.forbidden`);
* :meth:`NotebookReading.reading` is a function's purity evidence
  (:class:`~autograder.reading.purity.Reading`): its certain writes
  (:mod:`autograder.reading.writes`), or what hides its code — a construct
  that hides what runs at top level, in a class, or in a function handed
  around (it may run at any time), against every function; inside the body of
  a top-level function called only by name, against the functions that reach
  it.

Bounded work on untrusted text: a cell is read only up to
:data:`MAX_CELL_CHARS` characters and a notebook up to
:data:`MAX_TOTAL_CHARS` (larger ones are flagged, not read); the reading's own
work is budgeted (:mod:`autograder.reading.budget`: steps and the reading
thread's CPU time, never the time cells take to run). What could not be read
is flagged where the reading stopped, the flags raised before stay, and no
purity cell judged after it rests on code the grader did not read.
"""

from __future__ import annotations

import ast
import builtins
import functools
import hashlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from autograder.model.invariant import known
from autograder.reading import forbidden
from autograder.reading.budget import Budget, OutOfBudget
from autograder.reading.cells import read_cell, short
from autograder.reading.definitions import Binding, Definitions
from autograder.reading.flags import CellFlags, read_flags
from autograder.reading.parameters import left_at_default, signature
from autograder.reading.purity import Definition, Reading, Signature
from autograder.reading.values import FRESH, Fn, Value, join
from autograder.reading.writes import Reader

#: Largest cell read (characters). A solution cell is a few kB.
MAX_CELL_CHARS = 100_000
#: Largest total of cells read (characters).
MAX_TOTAL_CHARS = 1_000_000
#: At most this many flags per notebook, each reason at most this long.
MAX_FLAGS, MAX_REASON = 20, 200
#: Steps one function's purity reading may take.
MAX_READING_STEPS = 200_000
#: Purity readings kept, by ``(digest of the cells read, function)``: a reading depends only on the contract and
#: the cells added (text, place, author, completeness), so a notebook whose cells so far are those of one read
#: before (the course's cells, a common solution) gets that reading again; the oldest goes first.
MAX_CACHED_READINGS = 4096
_READINGS: dict[tuple[bytes, str], Reading] = {}
#: The forbidden uses found (:meth:`NotebookReading.uses`), by ``(digest of the cells read, function, names, the
#: functions not looked into)``, kept as the readings are.
_USES: dict[tuple[bytes, str, tuple[str, ...], frozenset[str]], tuple[str, ...]] = {}
_READINGS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Source:
    """One executed cell: its index in the notebook, its text, and whether a student wrote it."""

    index: int
    text: str
    student: bool = True


class NotebookReading:
    """The cells read so far (:meth:`add`, in notebook order) and what they say.

    ``contract``: the problem set's graded functions (each judged on its own code: the others' are not read into
    it, their errors are carried forward), or a mapping of each to the signature the grader's calls of it fit (its
    reference's): a parameter of its definition that none of them gives a value to is read at its constant default
    (:func:`~autograder.reading.parameters.left_at_default`). ``budget``: what the reading may spend (a fresh
    :class:`Budget`).
    """

    def __init__(self, cells: Iterable[str | Source] = (), contract: Iterable[str] | Mapping[str, Signature] = (),
                 budget: Budget | None = None) -> None:
        self.contract = frozenset(contract)
        self.signatures: dict[str, Signature] = dict(contract) if isinstance(contract, Mapping) else {}
        self.budget = budget or Budget()
        self.definitions = Definitions()
        self.flags: list[dict[str, Any]] = []  # {"cell", "reason"}, for results.json
        self.lines: dict[int, tuple[str, ...]] = {}  # cell index -> its lines, for the messages
        self.hidden: list[tuple[int, int, str]] = []  # (cell, line, reason): hides code from every reading
        # (cell, def line) -> (name, cell, line, reason): against the readings reaching it
        self.hidden_in: dict[tuple[int, int], tuple[str, int, int, str]] = {}
        self.escaped: set[str] = set()  # names a student's cell uses other than by calling them
        self.rebound: dict[str, str] = {}  # name -> why: rebound where the code does not show it
        self.writes_file: Place | None = None  # where the first file a student's cell writes is written
        # (cell, line, root, when): modules not loaded before student code, `when` the import's place in the run
        # (the cell's rank among those read, its line), None for one in a function's or a loop's body (it may run
        # after the lines below it)
        self.imports: list[tuple[int, int, str, tuple[int, int] | None]] = []
        self.absent: list[tuple[int, int, str, tuple[int, int] | None]] = []  # (the same): those not installed here
        self.shell: Place | None = None  # where a student's cell runs its first shell command (`!cmd`)
        self.undefined_magics: list[tuple[int, int, str]] = []  # (cell, line, `%name`): magics IPython does not have
        self.defines_magics: tuple[int, int] | None = None  # (cell, line) of the first thing that can define one
        self.unread = ""  # why part of the notebook was not read ("" while all was)
        self.seterr = ""  # where a student's cell first calls np.seterr (``line 2 of cell 5: `…```), for the messages
        self._total, self._read = 0, 0
        self._cache: dict[str, Reading] = {}
        self._history = hashlib.sha256(repr(sorted((name, self.signatures.get(name)) for name in self.contract))
                                       .encode()).digest()
        for cell in cells:
            self.add(cell)

    # -- cells -----------------------------------------------------------------------------------------------------
    def add(self, cell: str | Source, *, index: int | None = None, student: bool = True,
            complete: bool = True) -> None:
        """Read one more executed cell: its text, or a :class:`Source` (any object with ``text``, ``index`` and
        ``student``). ``complete=False``: the cell stopped early (an error, a timeout), so what it binds may or may
        not be bound: the bindings before it stay candidates too."""
        if not isinstance(cell, str):
            index, student, cell = getattr(cell, "index", index), getattr(cell, "student", True), cell.text
        text, student = str(cell), bool(student)
        index = self._read if index is None else int(index)
        self._read += 1
        self._cache.clear()
        self._history = hashlib.sha256(self._history + f"{index},{student:d},{complete:d},".encode()
                                       + text.encode("utf-8", "surrogatepass")).digest()
        if len(text) > MAX_CELL_CHARS or self._total + len(text) > MAX_TOTAL_CHARS:
            self.flag(index, f"a cell of {len(text):,} characters was not analysed (longer than {MAX_CELL_CHARS:,}, "
                             f"or the notebook past {MAX_TOTAL_CHARS:,}): forbidden calls in it are not detected "
                             "from the source")
            if student:  # (the course's own cells are trusted: not reading one hides nothing of the student's)
                self._not_read(index, f"has a cell the grader did not read (cell {index}: {len(text):,} characters)")
            return
        if self.budget.exhausted:
            self._not_read(index, f"was not read past cell {index} (the reading ran out of its budget)")
            return
        self._total += len(text)
        try:
            with self.budget.working():
                self._read_cell(index, text, student, complete)
        except OutOfBudget as exc:
            self.flag(index, f"the reading ran out of its budget ({exc}): cell {index} and the cells below it "
                             "were not read")
            self._not_read(index, f"was not read past cell {index} (the reading ran out of its budget)")
        except RecursionError:
            self.flag(index, f"cell {index} is nested too deeply to be read")
            self._not_read(index, f"has a cell nested too deeply to be read (cell {index})")

    def _read_cell(self, index: int, text: str, student: bool, complete: bool) -> None:
        cell = read_cell(text)
        self.budget.spend(max(cell.size, 1))
        if cell.unreadable:  # (Python the grader could not read, not a syntax error, which runs nothing)
            self.flag(index, f"cell {index} was not analysed ({cell.unreadable}): forbidden calls in it are not "
                             "detected from the source")
            if student:
                self._not_read(index, f"has a cell the grader could not read (cell {index}: {cell.unreadable})")
            return
        if cell.tree is not None:
            raw = tuple(text.split("\n"))  # (as written, where the lines match: `!ls` shows as itself, not `pass`)
            self.lines[index] = raw if len(raw) == len(cell.lines) else cell.lines
            self.definitions.add(cell.tree, index, conditional=not complete)
            for magic in cell.magics:  # the code of `%time …` runs in the notebook's namespace
                inner = read_cell(magic.code) if magic.code and magic.inside is None else None
                if inner is not None and inner.tree is not None:
                    self.definitions.add(inner.tree, index, conditional=True)
        if student:
            self._note(index, read_flags(cell, self.definitions.aliases))

    def _note(self, index: int, found: CellFlags) -> None:
        """What a student's cell showed (:class:`~autograder.reading.flags.CellFlags`)."""
        for flag in found.flags:
            self.flag(index, flag.reason)
            if not flag.hides:
                continue
            if flag.owner is None:
                self.hidden.append((index, flag.line, flag.reason))
            else:
                self.hidden_in.setdefault((index, flag.owner[1]), (flag.owner[0], index, flag.line, flag.reason))
        self.escaped |= found.escaped
        for name, why in found.rebound:
            self.rebound.setdefault(name, why)
        for name, code in found.attribute_set:
            if any(b.kind in ("def", "class") for b in self.definitions.candidates(name)):
                self.rebound.setdefault(name, f"an attribute of `{name}` is set from outside: `{code}`")
        rank = self._read  # (this cell's place among those read: the order they run in)
        if found.writes_file and self.writes_file is None:
            self.writes_file = Place(index, found.writes_file, rank)
        self.imports += [(index, line, root, None if deferred else (rank, line)) for line, root, deferred in found.imports]
        self.absent += [(index, line, root, None if deferred else (rank, line)) for line, root, deferred in found.absent]
        if found.shell and self.shell is None:
            self.shell = Place(index, found.shell, rank)
        self.undefined_magics += [(index, line, name) for line, name in found.undefined_magics]
        if found.defines_magics and self.defines_magics is None:
            self.defines_magics = (index, found.defines_magics)
        if found.seterr and not self.seterr:
            self.seterr = self._where(index, found.seterr)

    def _not_read(self, index: int, why: str) -> None:
        self.unread = self.unread or why

    def flag(self, cell: int, reason: str) -> None:
        entry = {"cell": int(cell), "reason": str(reason)[:MAX_REASON]}
        if len(self.flags) < MAX_FLAGS and entry not in self.flags:
            self.flags.append(entry)

    def _where(self, cell: int, line: int, which: str = "a cell") -> str:
        """``line 3 of a cell: `code``` (the code shortened, without backticks)."""
        lines = self.lines.get(cell, ())
        code = short(lines[line - 1]).replace("`", "'") if 0 < line <= len(lines) else ""
        return f"line {line} of {which}: `{code}`" if code else f"line {line} of {which}"

    # -- what the cells say ----------------------------------------------------------------------------------------
    def uses(self, function: str, names: Iterable[str], skip: Iterable[str] = ()) -> tuple[str, ...]:
        """Which of ``names`` (dotted names or module prefixes) ``function`` uses (:mod:`~.forbidden`): a function of
        the cells read so far, kept as the readings are (a notebook whose cells so far are another's gets its
        answer again)."""
        names, skipped = tuple(names), self.contract | frozenset(skip)
        key = (self._history, function, names, skipped)
        found = _USES.get(key)
        if found is None:
            found = forbidden.uses(self.definitions, function, names, skipped)
            with _READINGS_LOCK:
                if len(_USES) >= MAX_CACHED_READINGS:
                    _USES.pop(next(iter(_USES)))
                _USES[key] = found
        return found

    def reading(self, function: str) -> Reading:
        """What the cells read so far say about ``function``'s purity (cached until the next :meth:`add`)."""
        if function in self._cache:
            return self._cache[function]
        if self.unread:  # (read before the cache: a notebook read to its end may share these cells)
            self._cache[function] = Reading(function, unreadable=f"the notebook {self.unread}")
            return self._cache[function]
        key = (self._history, function)
        found = _READINGS.get(key)
        try:
            with self.budget.working():
                if found is not None:
                    self.budget.spend(found.steps)  # (a reading read before costs what it cost then)
                else:
                    found = self._reading(function)
        except OutOfBudget as exc:
            found = Reading(function, unreadable=f"the reading of the notebook ran out of its budget ({exc})")
        if not self.budget.exhausted and not self.unread and key not in _READINGS:
            with _READINGS_LOCK:  # (the engine's worker threads share it)
                if len(_READINGS) >= MAX_CACHED_READINGS:
                    _READINGS.pop(next(iter(_READINGS)))
                _READINGS[key] = found
        if self.seterr:  # (notebook-wide, not part of the reading kept for other notebooks with these cells)
            found = replace(found, seterr=self.seterr)
        self._cache[function] = found
        return found

    def _reading(self, function: str) -> Reading:
        hidden = self._hidden_everywhere()
        if hidden:
            return Reading(function, unreadable=hidden)
        if function in self.rebound:
            return Reading(function, unreadable=self.rebound[function])
        entries = [e for e in (self._entry(function, b) for b in self.definitions.candidates(function)) if e]
        for fn, _sig, _this in entries:
            hidden = self._hidden_reached(fn.cell, fn.node, function)
            if hidden:
                return Reading(function, unreadable=hidden)
        reader = Reader(_World(self, function), MAX_READING_STEPS)
        try:
            definitions = tuple(Definition(sig, reader.definition(fn, this, left_at_default(
                fn.node, sig, self.signatures.get(function)))) for fn, sig, this in entries)
        except RecursionError:
            return Reading(function, unreadable="its code is nested too deeply for the grader to read",
                           steps=reader.steps)
        except OutOfBudget as exc:
            if self.budget.exhausted:
                raise
            return Reading(function, unreadable=str(exc), steps=reader.steps)
        return Reading(function, definitions, steps=reader.steps)

    def _hidden_everywhere(self) -> str:
        """What hides code from every reading: part of the notebook not read, code that hides what runs outside
        the body of a function called by name, a module file the notebook may have written and imported."""
        if self.unread:
            return f"the notebook {self.unread}"
        handed = [(cell, line, f"{reason}, in `{name}`, which the notebook hands around (it may run at any time)")
                  for name, cell, line, reason in self.hidden_in.values() if name in self.escaped]
        if self.hidden or handed:
            cell, line, reason = (self.hidden + handed)[0]
            return f"the notebook {reason} ({self._where(cell, line)})"
        after_write = _run_after(self.writes_file, self.imports + self.absent)
        if self.writes_file is not None and after_write:
            cell, line, root, _ = after_write[0]
            return (f"the notebook writes files ({self._where(*self.writes_file[:2])}) and imports `{root}` "
                    f"({self._where(cell, line)}), which could then be one of them")
        after_shell = _run_after(self.shell, self.absent)
        if self.shell is not None and after_shell:  # (a program may have written the one a library is not)
            cell, line, root, _ = after_shell[0]
            return (f"the notebook runs a shell command ({self._where(*self.shell[:2])}) and imports `{root}` "
                    f"({self._where(cell, line)}), which is not installed where it is graded: the command could "
                    "have written it")
        if self.defines_magics is not None and self.undefined_magics:  # (else it ran nothing: line skipped, cell raised)
            cell, line, name = self.undefined_magics[0]
            return (f"the notebook uses `{name}` ({self._where(cell, line)}), which IPython does not have where it "
                    f"is graded, and can define magics of its own ({self._where(*self.defines_magics)}): the grader "
                    f"does not read what `{name}` runs")
        return ""

    def _hidden_reached(self, cell: int, start: ast.AST, function: str) -> str:
        """What hides code in the top-level functions ``start`` (of cell ``cell``) reaches by name, itself
        included."""
        todo: list[tuple[int, ast.AST]] = [(cell, start)]
        seen: set[int] = set()
        while todo:
            cell, node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (cell, node.lineno) in self.hidden_in:
                name, at, line, reason = self.hidden_in[(cell, node.lineno)]
                return f"`{name}` {reason} ({self._where(at, line, 'its cell')})"
            for name in _names_loaded(node):
                if name in self.contract and name != function:
                    continue  # (judged on its own: its calls are answered by the reference)
                todo += [(b.cell, b.code()) for b in self.definitions.candidates(name) if b.kind == "def"]
        return ""

    def _entry(self, function: str, binding: Binding) -> tuple[Fn, Signature, Value | None] | None:
        """``(Fn, Signature, self value or None)`` of the code a binding of ``function`` runs, or None when the
        reading does not read it (a decorated def, a factory's result, an object without a readable
        ``__call__``): then only what the calls show counts."""
        if binding.kind in ("def", "lambda") and self.readable(binding):
            code = binding.code()
            return Fn(code, id(code), function, binding.cell), signature(code), None
        if binding.kind == "instance":
            method = self._method(binding.class_node(), "__call__", set())
            if method is not None:
                cls, node = method
                cell = next((b.cell for b in self.definitions.candidates(cls.name) if b.node is cls), binding.cell)
                return Fn(node, id(node), f"{cls.name}.__call__", cell), signature(node, method=True), FRESH
        return None

    def _method(self, cls: ast.ClassDef, name: str, seen: set[int],
                ) -> tuple[ast.ClassDef, ast.FunctionDef | ast.AsyncFunctionDef] | None:
        """``(class, def)`` of the method ``name`` of a notebook class, through notebook base classes; None when
        it is not a plain ``def`` there."""
        if id(cls) in seen:
            return None
        seen.add(id(cls))
        for stmt in cls.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
                return (cls, stmt) if not stmt.decorator_list else None
        for base in cls.bases:
            for b in self.definitions.candidates(base.id) if isinstance(base, ast.Name) else ():
                found = self._method(b.class_node(), name, seen) if b.kind == "class" else None
                if found is not None:
                    return found
        return None

    @staticmethod
    def readable(binding: Binding) -> bool:
        """A lambda, or a ``def`` without decorators: the code a call of the name runs. A decorator's wrapper runs
        instead of the body (a notebook's may copy the arguments or not; ``np.vectorize`` hands it numbers,
        ``functools.cache`` refuses arrays), so what the body writes is not certainly written into the caller's
        argument."""
        code = binding.code()
        return isinstance(code, ast.Lambda) or not code.decorator_list  # (a "lambda" binding holds the lambda)


class _World:
    """The notebook as the purity reading of one function sees it (:class:`~autograder.reading.writes.Reader`)."""

    def __init__(self, reading: NotebookReading, function: str) -> None:
        self.reading, self.function = reading, function

    def lines(self, cell: int) -> tuple[str, ...]:
        return self.reading.lines.get(cell, ())

    def pay(self, steps: int) -> None:
        self.reading.budget.spend(steps)

    def lookup(self, name: str) -> Value:
        """What a global name is when the check runs: a notebook function it reads, a library object, or unknown
        (another contract function, answered by the reference while graded, included)."""
        reading = self.reading
        candidates = reading.definitions.candidates(name)
        if name in reading.rebound or (name in reading.contract and name != self.function):
            return FRESH
        if not candidates:
            return Value(kind="lib", dotted=f"builtins.{name}") if hasattr(builtins, name) else FRESH
        out: Value | None = None
        for b in candidates:
            if b.kind in ("def", "lambda") and reading.readable(b):
                code = b.code()
                v = Value(fns=frozenset({Fn(code, id(code), name, b.cell)}))
            elif b.dotted:
                v = Value(kind="lib", dotted=b.dotted)
            else:
                v = FRESH
            out = v if out is None else join(out, v)
        return known(out, "candidates is not empty")


class Place(NamedTuple):
    """Where a student's cell does something: the cell, the line, and the cell's rank among those read (the order
    they run in)."""

    cell: int
    line: int
    rank: int


def _run_after(place: Place | None, imports: list[tuple[int, int, str, tuple[int, int] | None]],
               ) -> list[tuple[int, int, str, tuple[int, int] | None]]:
    """The ``imports`` that may run after ``place`` (a file written, a shell command): those that stand after it, and
    those in a function's or a loop's body, which may run again after it. One that ran before cannot load what was written
    later (a module, once imported, is taken from ``sys.modules``; reloading one is a construct of the table)."""
    if place is None:
        return []
    return [entry for entry in imports if entry[3] is None or entry[3] > (place.rank, place.line)]


@functools.lru_cache(maxsize=2048)
def _names_loaded(node: ast.AST) -> frozenset[str]:
    """The names a function's code loads (nested functions included)."""
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))

