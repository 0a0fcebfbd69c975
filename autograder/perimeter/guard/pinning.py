"""The forbidden names resolved in advance: what :func:`.forbidden_walk.forbidden_uses` compares with.

Untrusted side (a leaf: the standard library only). The zygote pins the
batch's forbidden names before any student code runs (:func:`pin`), so that a
submission that replaces ``sys.modules`` entries or library attributes later
cannot hide a use of them; a name not pinned is looked up when asked
(:func:`resolve`).
"""

from __future__ import annotations

from collections.abc import Iterable

from autograder.perimeter.guard.dotted import lookup

#: Objects of forbidden names resolved in advance by :func:`pin` (``None`` for an absent name).
_PINNED: dict[str, object] = {}


def pin(names: Iterable[str]) -> None:
    """Resolve the dotted ``names`` now; :func:`~.forbidden_walk.forbidden_uses` compares with these objects from then on.

    The grading engine's zygote calls it before any student code runs:
    :func:`~.forbidden_walk.forbidden_uses` resolves names such as ``scipy.special.softmax``
    through ``sys.modules`` when asked, and a submission could have replaced
    those entries (or the attributes) by then to hide its use of them. A name
    pinned while absent stays absent (``None``). Pinning again adds or
    refreshes names.

    Parameters
    ----------
    names : iterable of str
        Dotted names of library objects or modules (``"scipy.special.softmax"``).

    Raises
    ------
    TypeError
        When a name is not a string.
    """
    names = list(names)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"pin: `names` must hold dotted names as str, got {type(name).__name__}")
    _PINNED.update({name: lookup(name) for name in names})


def resolve(dotted: str) -> object:
    """The object a dotted name refers to: the pinned one, else :func:`.dotted.lookup`'s."""
    if dotted in _PINNED:
        return _PINNED[dotted]
    return lookup(dotted)
