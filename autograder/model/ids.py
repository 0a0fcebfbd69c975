"""Student ids from folder names: shown safely everywhere, stored in a folder of their own.

A student id is the name of a folder under ``submitted/``, chosen by whoever
made the folder (a GitHub Classroom repository name, a zip's contents …), so
it can be anything a file system allows: bytes that are not UTF-8, control
characters and terminal escapes (OSC-8 links, colours), rich markup
(``[link=…]``), HTML, spreadsheet formulas (``=HYPERLINK(…)``), newlines with
triple backticks, or the name of a file the batch writes (``grades.csv``).

Three forms, each safe for one purpose:

* ``raw`` – the name as the OS gives it (``str``; undecodable bytes are lone
  surrogates, Python's ``surrogateescape``); only used to open the folder;
* ``display`` – printable text, **injective**: every character that is not
  printable (control, format, bidi override, undecodable byte) and the
  backslash itself are written as backslash escapes (``\\x1b``, ``\\u202e``,
  ``\\\\``), so two different folders never show the same id. JSON, HTML,
  the terminal and CSV still need their own escaping (markup, ``<``, formulas):
  :func:`csv_cell` here, ``rich.markup.escape``/``Text`` and ``html.escape`` there;
* ``folder`` – the results folder name: the display id itself when it is a
  plain name (printable, no path separator, not hidden, not a name the batch
  writes beside the student folders, none of the characters an artifact of
  GitHub Actions refuses in a path, :data:`ARTIFACT_REFUSED`), otherwise a
  sanitised name plus ``~`` and a SHA-256 prefix of the raw bytes. Plain names
  never contain ``~``, so the mapping is injective too: every student gets a
  folder of their own.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

from autograder.model.files import (
    CHANGES_FILE,
    CHANGES_HTML,
    FEEDBACK_FILE,
    GRADES_FILE,
    REGRADE_FILE,
    REPORT_FILE,
    RESULTS_FILE,
    SIMILARITY_DIR,
    SUMMARY_FILE,
)

#: Files (and folders) the batch writes beside the student folders of a results folder.
RESERVED = frozenset({GRADES_FILE, SUMMARY_FILE, REPORT_FILE, FEEDBACK_FILE, RESULTS_FILE, SIMILARITY_DIR,
                      CHANGES_FILE, CHANGES_HTML, REGRADE_FILE, "index.html", "gradebook.db", "shards", "not_graded"})

#: Characters GitHub's artifacts refuse in a file's path (``@actions/artifact``, which ``actions/upload-artifact``
#: v4 is built on: one such path fails the whole upload) and Windows refuses in a file name. An id holding one is
#: no plain folder name: a student named ``a:b`` would otherwise stop the upload of their whole shard's results
#: (``.github/workflows/autograde.yml``), and of the merged feedback of the class.
ARTIFACT_REFUSED = frozenset('":<>|*?')

#: Longest id kept as its own folder name (longer ones are shortened and hashed).
MAX_FOLDER_CHARS = 100

#: Characters a cell may start with that spreadsheets read as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: What :func:`csv_cell` puts a ``'`` before: a formula's start, and a ``'`` (so that every cell reads back as one text).
ESCAPED_START = (*FORMULA_START, "'")

_UNSAFE_FOLDER_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


#: Characters whose doubling starts a command in CI logs: GitHub Actions reads a line whose text starts with
#: ``::`` as a workflow command (``::warning …::``, ``::stop-commands::``) and ``##[…]`` anywhere as a
#: legacy one; Azure Pipelines reads ``##vso[…]``. :func:`display` writes the first of two as ``\\x3a`` or
#: ``\\x23``, so no id ever holds ``::`` or ``##``. (GitLab's collapsible sections need an escape
#: character, which is never printable.)
CI_DOUBLED = frozenset(":#")


def display(raw: str) -> str:
    r"""Printable, injective text of a name: ``"a\x1b[31mb"`` → ``"a\\x1b[31mb"``.

    Parameters
    ----------
    raw : str
        A file name as :func:`os.listdir` returns it (undecodable bytes as
        surrogates ``\udc80``–``\udcff``).

    Returns
    -------
    str
        Every character that is printable (``str.isprintable``) and not a
        backslash kept; a backslash doubled; an undecodable byte ``\xNN``;
        any other character ``\xNN``, ``\uNNNN`` or ``\UNNNNNNNN``; the first
        of ``::`` or ``##`` as ``\x3a`` or ``\x23`` (:data:`CI_DOUBLED`).
    """
    out = []
    text = str(raw)
    for i, ch in enumerate(text):
        code = ord(ch)
        if ch in CI_DOUBLED and text[i + 1:i + 2] == ch:  # `::` and `##`: CI log commands (see CI_DOUBLED)
            out.append(f"\\x{code:02x}")
        elif ch == "\\":
            out.append("\\\\")
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def raw_bytes(raw: str) -> bytes:
    """The bytes of a file name as the OS has them (inverse of ``os.fsdecode``)."""
    return os.fsencode(raw)


def is_plain(name: str) -> bool:
    """Whether ``name`` can be a results folder as it is (see the module docstring)."""
    return (
        0 < len(name) <= MAX_FOLDER_CHARS
        and name == display(name)
        and "/" not in name and "~" not in name and not ARTIFACT_REFUSED.intersection(name)
        and not name.startswith((".", " ")) and not name.endswith(" ")
        and name.lower() not in RESERVED
    )


def folder_name(raw: str) -> str:
    """The results folder of a student: the id itself when plain, else ``<sanitised>~<hash>``."""
    shown = display(raw)
    if is_plain(shown):
        return shown
    stem = _UNSAFE_FOLDER_CHARS.sub("_", shown).strip("._")[:40] or "student"
    return f"{stem}~{hashlib.sha256(raw_bytes(raw)).hexdigest()[:12]}"


@dataclass(frozen=True)
class StudentId:
    """One student id in its three forms (see the module docstring)."""

    raw: str

    @property
    def display(self) -> str:
        return display(self.raw)

    @property
    def folder(self) -> str:
        return folder_name(self.raw)

    @property
    def bytes(self) -> bytes:
        return raw_bytes(self.raw)


def csv_cell(value: object) -> str:
    """A CSV cell that no spreadsheet runs as a formula, and that stands for one text only.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading ``'`` (the usual rule: the spreadsheet then shows it as
    text), and so does text starting with ``'`` itself: ``'@ben`` is then
    the cell of ``@ben`` alone, and the student who names their folder
    ``'@ben`` gets ``''@ben`` (with one form for both, two students shared a
    row of grades.csv, and a roster copied from it could give one's grade to
    the other). :func:`from_csv_cell` reads a cell back. Numbers are written by
    the caller as numbers and are not affected: only pass text here.
    """
    text = str(value)
    return "'" + text if text.startswith(ESCAPED_START) else text


def from_csv_cell(cell: str) -> str:
    """The text :func:`csv_cell` wrote as ``cell`` (a cell it did not escape is that text itself)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(ESCAPED_START) else cell
