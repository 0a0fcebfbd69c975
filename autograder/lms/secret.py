"""Credentials that never show: a :class:`Secret` prints as its name, and a :class:`Redactor` scrubs them.

The tool's private key, the Canvas and Moodle tokens and every access token the LTI platform hands out are
held as :class:`Secret`: ``str()``, ``repr()`` and f-strings give ``<secret NAME>``, pickling is refused, and
the value comes out only through :meth:`Secret.reveal`, at the one place that sends it. What passback prints
(an error's text, an LMS's answer quoted in it) goes through the run's :class:`Redactor` first, which
replaces every registered value, and every line of a PEM key, by ``<secret NAME>``: a platform that echoes a
bearer token back in its error page does not get it printed.
"""

from __future__ import annotations

from typing import NoReturn

#: Shorter values are not scrubbed from text (they would match ordinary words); no credential is this short.
MIN_SCRUBBED = 8


class Secret:
    """A credential: shown as ``<secret NAME>``, its value only through :meth:`reveal`."""

    __slots__ = ("_value", "name")

    def __init__(self, value: str, name: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name}: expected a non-empty text, got {type(value).__name__}")
        self._value = value
        self.name = name

    def reveal(self) -> str:
        """The value itself: for the request that sends it, and nothing else."""
        return self._value

    def __repr__(self) -> str:
        return f"<secret {self.name}>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> NoReturn:
        raise TypeError(f"{self!r} cannot be pickled")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class Redactor:
    """Every registered secret's value replaced in a text (``redactor(text)``)."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}  # value -> the secret's name

    def add(self, secret: Secret) -> Secret:
        """Register ``secret`` (and each long line of it: a PEM key is quoted line by line); returns it."""
        value = secret.reveal()
        for part in [value, *value.splitlines()]:
            part = part.strip()
            if len(part) >= MIN_SCRUBBED and "-----" not in part:
                self._values[part] = secret.name
        return secret

    def __call__(self, text: object) -> str:
        text = str(text)
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, f"<secret {self._values[value]}>")
        return text
