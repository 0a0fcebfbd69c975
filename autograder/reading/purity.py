"""A purity cell's evidence from the source: the certain writes a function makes, or what hides its code.

A ``*-purity`` cell asks that a function leave its inputs alone. It is lost
only on evidence (docs/contract.md, "Inputs are not modified in place"): an
input the grader's calls saw changed (the call's own comparison,
:mod:`autograder.perimeter.child_runtime.invoke`), a statement of the function — or of a
notebook function it calls by name — that certainly writes into an argument
(:mod:`autograder.reading.writes`), or a construct of the notebook that
hides what runs (:data:`~autograder.reading.names.OPAQUE`'s entries that
hide, reached by the function). A :class:`Reading` holds the last two for
one function; :meth:`Reading.verdict` applies them to one call's arguments.
Where the reading is unsure — an object of a type it cannot tell, a value
kept in an attribute, a method, a class hierarchy, a callable object — it
finds no write, and the function keeps the cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Write:
    """A statement that writes through one of the function's parameters.

    Attributes
    ----------
    param : str
        The parameter (``"*args"`` or ``"**kwargs"`` for the packed ones).
    line : int
        The line in its cell (1-based).
    owner : str
        The function whose code it is (the function read, or a notebook function it calls).
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

    positional: tuple[str, ...]  # names, in order
    vararg: str | None = None
    keyword_only: tuple[str, ...] = ()
    kwarg: str | None = None

    def receivers(self, args: Sequence[object], kwargs: Mapping[str, object]) -> set[str] | None:
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
    """What one definition of the function certainly writes through its parameters."""

    signature: Signature
    writes: tuple[Write, ...]  # at most a few per parameter


@dataclass(frozen=True)
class Reading:
    """What the source says about ``function``'s parameters: the writes found, or what hides its code.

    ``definitions`` holds one :class:`Definition` per definition the name may
    be bound to when the check runs (more than one when a cell binds it
    conditionally, none when it is not bound to code the reading reads);
    ``unreadable`` is what hides the function's code from the reading (``""``
    when nothing does); ``steps`` what reading it cost.
    """

    function: str
    definitions: tuple[Definition, ...] = ()
    unreadable: str = ""
    steps: int = 0
    seterr: str = ""  # where the notebook calls np.seterr (:attr:`~.notebook.NotebookReading.seterr`), or ""

    def verdict(self, args: Sequence[object] = (), kwargs: Mapping[str, object] | None = None) -> tuple[str, str]:
        """``(kind, detail)`` when a call with ``args``/``kwargs`` may modify an argument, else ``("", "")``.

        ``kind`` is ``"mutation"`` (a statement that certainly writes through a
        parameter given an array or a list) or ``"unverifiable"`` (code that
        hides what runs reaches the function, and the call gives it an array or
        a list). Only the types of the arguments are looked at, never their
        values.
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


def mutable(value: object) -> bool:
    """Whether a call could change ``value`` in place: arrays (0-d too), lists, dicts, sets, other objects; not
    numbers, strings or tuples of them."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, np.generic)):
        return False
    if isinstance(value, (tuple, frozenset)):
        return any(mutable(v) for v in value)
    return True
