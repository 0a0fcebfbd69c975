"""A check's declaration as a digest, and its hint rules' apart: the evidence a regrade names "the check" by.

A graded cell's points are decided by its :class:`~autograder.checks.check.Check` (probes, tolerances,
properties judged, forbidden names, the relations and forms it judges with) and its reference in
``solutions/``; its hint rules decide only what the student is told. :func:`problem_set_digests` gives, per
grade_id, a digest of each of the three, recorded in results.json (:mod:`autograder.model.graded_with`) so that
a later ``autograde --previous`` can tell "the check was corrected" from "the student's code changed".

A declaration is walked, not pickled or ``repr``-ed: data by value (NumPy arrays by dtype, shape and bytes;
floats on a grid :data:`FLOAT_BITS` bits finer than their array's largest; dicts and sets in a sorted order), functions by their **source text**
(cut from its file's syntax tree, so that the digest is the same under every CPython, whose bytecode differs), their
defaults and closures, and the functions of the product their code names (a hint rule's helpers), followed
once each. Nothing in it depends on the process (no ``id``, no address, no hash seed), so two runs of the same
course give the same digests. Written here, not taken from a library: what a check *is* for this purpose
(fields compared, hints apart, code by source) is the checks' own definition.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import functools
import hashlib
import inspect
import linecache
import re
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from autograder.checks.check import Check
from autograder.checks.references import reference_function
from autograder.model.course import function_of
from autograder.model.graded_with import DIGEST_DIGITS, GradedWith, course_id, digest_texts, grader_version
from autograder.model.notebook import SourceNotebook

#: Modules whose functions a walked function's code may name and are followed (the product's own).
FOLLOWED = ("autograder.", "solutions.")
#: How deep a declaration is walked (a check's data is a few levels deep; helpers a few calls).
MAX_DEPTH = 40
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
#: How finely a digest reads floats: 2**-FLOAT_BITS of the largest magnitude in their array (about 10 significant
#: digits of it). A probe computed at import with another BLAS or CPU differs in its last bits, and an entry that is
#: 0 up to rounding (a covariance's off-diagonal) by far more, relatively (measured: ps3's and ps5's covariances,
#: ps6's design matrix, under CPython 3.13's NumPy build against 3.11's); no correction of a check does that.
FLOAT_BITS = 32
_MASK = ~((1 << (52 - FLOAT_BITS)) - 1) & ((1 << 64) - 1)


class _Walk:
    """One digest: what has been fed, and the objects seen (a back-reference stands for a second visit)."""

    def __init__(self, skip_hints: bool) -> None:
        self.h = hashlib.sha256()
        self.seen: dict[int, int] = {}
        self.keep: list[Any] = []  # (what ``seen`` holds ids of stays alive while walking)
        self.skip_hints = skip_hints

    def put(self, tag: str, data: bytes | str = b"") -> None:
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        self.h.update(tag.encode() + len(raw).to_bytes(8, "big") + raw)

    def digest(self) -> str:
        return self.h.hexdigest()[:DIGEST_DIGITS]

    def walk(self, obj: Any, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            self.put("deep")
            return
        if obj is None or isinstance(obj, (bool, int, str, bytes)):
            self.put(type(obj).__name__, repr(obj))
            return
        if isinstance(obj, float):
            self.put("float", _coarse(np.array([obj])))
            return
        if isinstance(obj, complex):
            self.put("complex", f"{obj.real.hex()},{obj.imag.hex()}")
            return
        if isinstance(obj, enum.Enum):
            self.put("enum", f"{type(obj).__qualname__}.{obj.name}")
            return
        if isinstance(obj, (np.ndarray, np.generic)):
            self._array(np.asarray(obj), depth)
            return
        if id(obj) in self.seen:
            self.put("again", str(self.seen[id(obj)]))
            return
        self.seen[id(obj)] = len(self.seen)
        self.keep.append(obj)
        if isinstance(obj, (list, tuple)):
            self.put(type(obj).__name__, str(len(obj)))
            for item in obj:
                self.walk(item, depth + 1)
        elif isinstance(obj, dict):
            self._unordered("dict", [(k, v) for k, v in obj.items()], depth)
        elif isinstance(obj, (set, frozenset)):
            self._unordered("set", [(k, None) for k in obj], depth)
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            self._dataclass(obj, depth)
        elif isinstance(obj, functools.partial):
            self.put("partial")
            for part in (obj.func, obj.args, obj.keywords):
                self.walk(part, depth + 1)
        elif isinstance(obj, types.MethodType):
            self.put("method")
            self.walk(obj.__func__, depth + 1)
            self.walk(obj.__self__, depth + 1)
        elif isinstance(obj, types.FunctionType):
            self._function(obj, depth)
        elif isinstance(obj, (types.BuiltinFunctionType, type, types.ModuleType)) or callable(obj) and \
                getattr(obj, "__module__", None) and getattr(obj, "__qualname__", None):
            self.put("named", f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', getattr(obj, '__name__', ''))}")
        elif hasattr(obj, "__dict__"):
            self.put("object", type(obj).__qualname__)
            self._unordered("vars", list(vars(obj).items()), depth)
        else:
            self.put("other", _ADDRESS.sub("", f"{type(obj).__qualname__}:{obj!r}"))

    def _array(self, a: np.ndarray, depth: int) -> None:
        self.put("array", f"{a.dtype.str}{a.shape}")
        if a.dtype.hasobject:
            for item in a.ravel().tolist():
                self.walk(item, depth + 1)
        else:
            self.put("bytes", _coarse(a))

    def _unordered(self, tag: str, pairs: list[tuple[Any, Any]], depth: int) -> None:
        """Pairs fed in the order of their keys' own digests (not of the process's hash seed)."""
        keyed = []
        for key, value in pairs:
            sub = _Walk(self.skip_hints)
            sub.walk(key)
            keyed.append((sub.digest(), key, value))
        self.put(tag, str(len(keyed)))
        for key_digest, _, value in sorted(keyed, key=lambda t: t[0]):
            self.put("key", key_digest)
            self.walk(value, depth + 1)

    def _dataclass(self, obj: Any, depth: int) -> None:
        self.put("dataclass", type(obj).__qualname__)
        for f in dataclasses.fields(obj):
            if not f.compare or (self.skip_hints and f.name == "hints"):  # (linked checks are not compared either)
                continue
            self.put("field", f.name)
            self.walk(getattr(obj, f.name), depth + 1)

    def _function(self, fn: types.FunctionType, depth: int) -> None:
        self.put("function", f"{fn.__module__}.{fn.__qualname__}")
        self.put("source", _source(fn.__code__))
        self.walk(fn.__defaults__, depth + 1)
        self.walk(fn.__kwdefaults__, depth + 1)
        for cell in fn.__closure__ or ():
            try:
                self.walk(cell.cell_contents, depth + 1)
            except ValueError:  # an empty cell (a name bound later)
                self.put("empty")
        for name in sorted(_names(fn.__code__)):
            value = fn.__globals__.get(name)
            if isinstance(value, types.FunctionType) and str(value.__module__).startswith(FOLLOWED):
                self.put("global", name)
                self.walk(value, depth + 1)


def _coarse(a: np.ndarray) -> bytes:
    """``a``'s numbers as a digest reads them: a float array (real or complex) as its largest finite magnitude cut to
    :data:`FLOAT_BITS` bits of mantissa, each finite entry on a grid of that magnitude times 2**-FLOAT_BITS, and
    where its infinities and nans are; any other array as its bytes."""
    a = np.ascontiguousarray(a)
    if a.dtype.kind == "c":
        a = a.view(np.float64 if a.dtype == np.complex128 else np.float32)
    if a.dtype.kind != "f":
        return a.tobytes()
    a = a.astype(np.float64)
    finite = np.isfinite(a)
    scale = float(np.max(np.abs(a[finite]))) if finite.any() else 0.0
    grid = np.zeros(a.shape, dtype=np.int64)
    if scale > 0:
        grid[finite] = np.rint(a[finite] / scale * 2.0 ** FLOAT_BITS).astype(np.int64)
    kinds = np.where(finite, 0, np.where(np.isnan(a), 1, np.where(a > 0, 2, 3))).astype(np.int8)
    return (np.array([scale]).view(np.uint64) & np.uint64(_MASK)).tobytes() + grid.tobytes() + kinds.tobytes()


@functools.cache
def _definitions(filename: str) -> dict[tuple[int, str], list[str]] | None:
    """``(first line, name) -> [source segments]`` of every function and lambda of a file (a lambda's name is
    ``<lambda>``; a decorated function starts at its first decorator, as its code object does); None when the file
    cannot be read or parsed."""
    text = "".join(linecache.getlines(filename))
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    lines = _LINE.findall(text)  # (once a file: ast.get_source_segment splits the whole file again for each node)
    out: dict[tuple[int, str], list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            decorators = getattr(node, "decorator_list", [])
            first = min([node.lineno] + [d.lineno for d in decorators])
            name = getattr(node, "name", "<lambda>")
            out.setdefault((first, name), []).append(_segment(lines, node))
    return out


#: A line with its end (``\r\n``, ``\r`` or ``\n``; a form feed ends none), as :func:`ast.get_source_segment` splits.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _segment(lines: list[str], node: ast.AST) -> str:
    """``ast.get_source_segment(text, node, padded=False) or ""`` from ``text``'s :data:`_LINE` lines."""
    end_line, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
    if end_line is None or end_col is None:
        return ""
    start, col = node.lineno - 1, node.col_offset  # type: ignore[attr-defined]
    if end_line - 1 == start:
        return lines[start].encode()[col:end_col].decode()
    first = lines[start].encode()[col:].decode()
    last = lines[end_line - 1].encode()[:end_col].decode()
    return "".join([first, *lines[start + 1:end_line - 1], last])


@functools.cache
def _source(code: types.CodeType) -> str:
    """A code object's source text, cut from its file's syntax tree (the same under every CPython:
    ``inspect.getsource`` finds a block's end with the tokenizer, which CPython 3.12 changed); its bytecode's names
    and constants where there is no source."""
    found = _definitions(code.co_filename)
    segments = found.get((code.co_firstlineno, code.co_name)) if found is not None else None
    if segments:
        return "\n".join(segments)
    try:
        return inspect.getsource(code)
    except (OSError, TypeError):
        return f"{code.co_names}{[c for c in code.co_consts if not isinstance(c, types.CodeType)]!r}"


def _names(code: types.CodeType) -> set[str]:
    """Every global name ``code`` and the code nested in it use."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def declaration_digest(check: Check) -> str:
    """The digest of what decides ``check``'s points: everything it declares but its hint rules."""
    walk = _Walk(skip_hints=True)
    walk.walk(check)
    return walk.digest()


def hints_digest(check: Check) -> str:
    """The digest of ``check``'s hint rules (what the student is told about a failure)."""
    walk = _Walk(skip_hints=False)
    walk.walk(check.hints)
    return walk.digest()


@functools.cache
def reference_digest(function: str) -> str:
    """The digest of a contract function's reference in ``solutions/`` (its source and the helpers it calls)."""
    walk = _Walk(skip_hints=False)
    walk.walk(reference_function(function))
    return walk.digest()


def problem_set_digests(checks: Mapping[str, Check]) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """``(checks, hints, references)``: ``{grade_id: digest}`` of each check's declaration and of its hints, and
    ``{function: digest}`` of each function's reference (:mod:`autograder.model.graded_with`)."""
    declared = {gid: declaration_digest(check) for gid, check in checks.items()}
    hinted = {gid: hints_digest(check) for gid, check in checks.items()}
    references = {}
    for function in sorted({function_of(gid) for gid in checks}):
        try:
            references[function] = reference_digest(function)
        except (ImportError, AttributeError, ValueError):  # a function without a reference: its checks say so
            continue
    return declared, hinted, references


def given_digest(source: SourceNotebook) -> str:
    """The digest of a problem set's source notebook as graded: its graded cells with their points, and the text of
    its code cells but the solutions (the code given, the test cells). The lesson's text and a model answer are not
    graded with: editing them moves no point, so they are no reason."""
    return digest_texts(f"{c.cell_type}\0{c.grade_id or ''}\0{c.points}\0{c.source if c.cell_type == 'code' else ''}"
                        for c in source.cells if (c.cell_type == "code" and not c.solution) or c.grade)


def problem_set_evidence(source: SourceNotebook, checks: Mapping[str, Check]) -> GradedWith:
    """The part of ``graded_with`` every submission of a problem set shares: the grader, the course (the
    ``course_id`` of the course folder ``source`` is in), the checks', hints' and references' digests and the
    course's notebook (:mod:`autograder.model.graded_with`)."""
    declared, hinted, references = problem_set_digests(checks)
    return GradedWith(grader=grader_version(), course=course_id(Path(source.path).parent.parent.parent),
                      checks=declared, hints=hinted, references=references, given=given_digest(source))
