"""The grader's own invariants, where the types cannot see them: a value the logic above guarantees is there.

``known(self.child, "_ensure_child made it")`` is the value when it is not
None, and otherwise raises :class:`RuntimeError` with a message that starts
with :data:`PREFIX` and says why it should have held: a bug of the grader's,
never something a submission did (where one fires while a notebook is graded,
the batch records the grader's failure for that notebook, for the instructor
to look at, and goes on with the others). It replaces ``if x is None: raise RuntimeError(...)`` written out at
each place, and it narrows ``T | None`` to ``T`` for mypy. :func:`of_type`
does the same for a value of a known class (a syntax node whose kind a
binding's kind says), narrowing it as ``isinstance`` would.

Not ``assert``: ``python -O`` (``PYTHONOPTIMIZE``, which a course machine or
a Docker image may set) removes asserts, and the grader would then go on with
None where it counted on a value, failing later and further from the cause,
or worse, writing a wrong result. The check is one comparison, and it always
runs.

Every layer may use it (the model is imported by all but the sandbox and
the references, which import nothing of the product).
"""

from __future__ import annotations

from typing import TypeVar, overload

T = TypeVar("T")
_B = TypeVar("_B")
_C = TypeVar("_C")

#: What every such message starts with.
PREFIX = "the grader's own invariant broke: "


def known(value: T | None, what: str) -> T:
    """``value``, which the grader's own logic guarantees is not None here; ``what`` says why (where it was set,
    what was checked above), and is the rest of the :class:`RuntimeError`'s message when it is None after all."""
    if value is None:
        raise RuntimeError(PREFIX + what)
    return value


@overload
def of_type(value: object, kind: type[T], what: str) -> T: ...
@overload
def of_type(value: object, kind: tuple[type[T], type[_B]], what: str) -> T | _B: ...
@overload
def of_type(value: object, kind: tuple[type[T], type[_B], type[_C]], what: str) -> T | _B | _C: ...
def of_type(value: object, kind: type[object] | tuple[type[object], ...], what: str) -> object:
    """``value``, which the grader's own logic guarantees is an instance of ``kind`` (a class, or a tuple of them as
    ``isinstance`` takes); ``what`` says why, as for :func:`known`."""
    if not isinstance(value, kind):
        raise RuntimeError(PREFIX + what)
    return value
