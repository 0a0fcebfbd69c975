"""The grader's own invariants, where the types cannot see them: a value the logic above guarantees is there.

``known(self.child, "_ensure_child made it")`` is the value when it is not
None, and otherwise raises :class:`RuntimeError` with a message that starts
with :data:`PREFIX` and says why it should have held: a bug of the grader's,
never something a submission did, so nothing catches it as a submission's
failure. It replaces ``if x is None: raise RuntimeError(...)`` written out at
each place, and it narrows ``T | None`` to ``T`` for mypy.

Not ``assert``: ``python -O`` (``PYTHONOPTIMIZE``, which a course machine or
a Docker image may set) removes asserts, and the grader would then go on with
None where it counted on a value, failing later and further from the cause,
or worse, writing a wrong result. The check is one comparison, and it always
runs.

Every layer may use it (the model is imported by all but the sandbox and
the references, which import nothing of the product).
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")

#: What every such message starts with.
PREFIX = "the grader's own invariant broke: "


def known(value: T | None, what: str) -> T:
    """``value``, which the grader's own logic guarantees is not None here; ``what`` says why (where it was set,
    what was checked above), and is the rest of the :class:`RuntimeError`'s message when it is None after all."""
    if value is None:
        raise RuntimeError(PREFIX + what)
    return value
