"""A locked cell as the student was given it: the source's text, or the release's (nbgrader's hidden tests removed).

Used where a submitted cell is compared with its source: the engine's tamper report (was a locked cell edited?,
:mod:`autograder.engine.restore`) and the recognition of a cell that lost its nbgrader metadata
(:mod:`autograder.model.recognise`). Two texts are the same when they differ only in whitespace at the ends of
lines and blank lines around them (front ends strip or add those).
"""

from __future__ import annotations

import functools
import re

_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.S | re.M)


@functools.lru_cache(maxsize=4096)
def normal_text(text: str) -> str:
    """``text`` without whitespace at the ends of its lines and without blank lines around it (once per text: a
    batch's notebooks hold the same locked cells, compared with their sources twice each)."""
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).strip()


@functools.lru_cache(maxsize=1024)
def strip_hidden_tests(source: str) -> str:
    """``source`` without nbgrader's hidden tests, once per source text (every submission of a batch runs the
    same locked cells)."""
    return _HIDDEN.sub("", source)


@functools.lru_cache(maxsize=1024)
def given_forms(source: str) -> tuple[str, str]:
    """The normal forms a locked cell's copy may have (:func:`same_as_given`), once per source text: every
    submission of a batch has the same locked cells."""
    return normal_text(source), normal_text(strip_hidden_tests(source))


def given_text(source: str, cell_type: str) -> str:
    """A source cell's text as the student was given it: a code cell's without nbgrader's hidden tests."""
    return strip_hidden_tests(source) if cell_type == "code" else source


def same_as_given(submitted: str, source: str) -> bool:
    """Whether the student's copy of a locked cell is what they were given: the source's text, or that text with
    nbgrader's hidden tests removed (the release)."""
    return normal_text(submitted) in given_forms(source)
