"""The forbidden names resolved in advance: what :func:`.forbidden_walk.forbidden_uses` compares with.

Untrusted side (a leaf: the standard library only). The zygote pins the
batch's forbidden names before any student code runs (:meth:`Pins.pin`), so
that a submission that replaces ``sys.modules`` entries or library attributes
later cannot hide a use of them; a name not pinned is looked up when asked
(:meth:`Pins.resolve`). The pins are an object, handed to the walk that uses
them (the zygote makes one and its children's ``forbidden_uses`` take it);
nothing is kept in a module.
"""

from __future__ import annotations

from collections.abc import Iterable

from autograder.perimeter.guard.dotted import lookup


class Pins:
    """Objects of forbidden names resolved in advance (``None`` for a name absent when pinned)."""

    def __init__(self) -> None:
        self._pinned: dict[str, object] = {}

    def pin(self, names: Iterable[str]) -> None:
        """Resolve the dotted ``names`` now; :func:`~.forbidden_walk.forbidden_uses` given these pins compares
        with these objects from then on.

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
        self._pinned.update({name: lookup(name) for name in names})

    def resolve(self, dotted: str) -> object:
        """The object a dotted name refers to: the pinned one, else :func:`.dotted.lookup`'s."""
        if dotted in self._pinned:
            return self._pinned[dotted]
        return lookup(dotted)
