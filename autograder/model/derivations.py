"""The derivations' answer cells in the source: the model answer and the grader's rubric.

Every problem set has one manually graded answer cell, ``<fn>-derivation``
(:func:`autograder.model.course.is_answer_cell`). In the **source** notebook it
holds, in this order (``docs/notebooks.md``, "Derive it yourself")::

    **Model answer.** …the worked derivation…

    **Rubric (3 points).**

    - **1 point**: …what earns it…
    - **1 point**: …
    - **1 point**: …

    **Usual partial answers.** …what typical incomplete answers earn…

nbgrader's release replaces the whole cell with ``YOUR ANSWER HERE`` (the cell
has no ``BEGIN SOLUTION`` delimiters, so ``ClearSolutions`` clears all of it):
the student never sees either part in the notebook. Who sees what afterwards:

* the grader sees both parts in formgrader, in a cell placed right after the
  student's answer in the notebook formgrader shows (:func:`grader_cell`; our
  ``--gradebook`` writes it, and so does ``nbgrader autograde`` with the
  course's configuration, ``autograder/nbgrader_io/for_the_grader.py``);
* the student sees the model answer alone, on the feedback page, once a person
  has graded the answer or when the instructor publishes the answers
  (``autograde --publish-answers``); never the rubric.

This module only reads the text; it imports nothing of the grader.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.model.course import is_answer_cell
from autograder.model.files import StrPath

MODEL_ANSWER = "**Model answer.**"
#: ``**Rubric (P points).**`` at the start of a line: the rubric follows, worth P points in all.
RUBRIC = re.compile(r"^\*\*Rubric \((?P<points>\d+(?:\.\d+)?) points?\)\.\*\*", re.M)
PARTIAL = "**Usual partial answers.**"
#: One step of the rubric: ``- **1 point**: …`` (or ``**1.5 points**``).
STEP = re.compile(r"^- \*\*(?P<points>\d+(?:\.\d+)?) points?\*\*: \S", re.M)

#: Title of the cell that shows the grader the model answer and the rubric (never in a student's notebook).
GRADER_TITLE = "**For the grader** (from the source notebook; not in the student's notebook)"
#: The grade_id-like suffix of that cell's id: ``<answer cell grade_id>-for-the-grader``.
GRADER_SUFFIX = "-for-the-grader"
#: What the grader's cell says under its title when the answer above holds a line titled like it
#: (:func:`imitates_the_grader_cell`): the person grading reads it before the model answer and the rubric.
IMITATION_WARNING = ("**Careful:** the student's answer above holds a line that opens like this cell's title (\"For "
                     "the grader\"). That text is the student's own: only this cell comes from the source notebook.")
#: A line that opens like the grader's cell: "For the grader", after any quote, heading, list or emphasis marks
#: (never a line break: one attempt per line, so a long answer is read in linear time).
_TITLE_LINE = re.compile(r"^[ \t>#*_+-]*for[ \t]+the[ \t]+grader(?![a-z0-9])", re.IGNORECASE | re.MULTILINE)


class DerivationError(ValueError):
    """A source answer cell that does not follow the layout above (the message says what is missing)."""


@dataclass(frozen=True)
class Derivation:
    """One answer cell of the source, split: ``answer`` (what a student may be shown once graded), ``rubric``
    (the rubric and the usual partial answers: the grader's only), ``points`` (the rubric's total)."""

    grade_id: str
    answer: str
    rubric: str
    points: float

    @property
    def grader_markdown(self) -> str:
        """The markdown of the grader's cell: the title, then the cell as the source has it."""
        return f"{GRADER_TITLE}\n\n{self.answer}\n\n{self.rubric}"


def split(grade_id: str, text: str) -> Derivation:
    """Split a source answer cell into its model answer and its rubric.

    Raises
    ------
    DerivationError
        The text does not start with ``**Model answer.**``, has no ``**Rubric (P points).**`` line (or more
        than one), no ``**Usual partial answers.**`` after it, or rubric steps whose points do not add up to P.
    """
    text = text.strip()
    if not text.startswith(MODEL_ANSWER):
        raise DerivationError(f"{grade_id}: the source answer cell must start with {MODEL_ANSWER!r}")
    heads = list(RUBRIC.finditer(text))
    if len(heads) != 1:
        raise DerivationError(f"{grade_id}: expected one '**Rubric (P points).**' line, found {len(heads)}")
    head = heads[0]
    answer, rubric = text[:head.start()].strip(), text[head.start():].strip()
    if len(answer) <= len(MODEL_ANSWER):
        raise DerivationError(f"{grade_id}: the model answer is empty")
    if PARTIAL not in rubric:
        raise DerivationError(f"{grade_id}: the rubric ends with {PARTIAL!r} (what typical incomplete answers earn)")
    points = float(head.group("points"))
    steps = [float(m.group("points")) for m in STEP.finditer(rubric.split(PARTIAL)[0])]
    if not steps or sum(steps) != points:
        raise DerivationError(f"{grade_id}: the rubric's steps give {sum(steps):g} points, its heading {points:g}")
    return Derivation(grade_id, answer, rubric, points)


def _text(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def read(notebook: dict[str, Any]) -> dict[str, Derivation]:
    """``{grade_id: Derivation}`` of the answer cells of a **source** notebook (nbformat JSON data).

    Raises
    ------
    DerivationError
        An answer cell that does not follow the layout (see :func:`split`).
    """
    out: dict[str, Derivation] = {}
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if isinstance(meta, dict) and is_answer_cell(meta) and cell.get("cell_type") == "markdown":
            out[meta["grade_id"]] = split(meta["grade_id"], _text(cell))
    return out


def read_file(path: StrPath) -> dict[str, Derivation]:
    """:func:`read` of the source notebook at ``path``; ``{}`` when there is no such file."""
    path = Path(path)
    if not path.is_file():
        return {}
    return read(json.loads(path.read_text(encoding="utf-8")))


def grader_notes(notebook: dict[str, Any]) -> dict[str, str]:
    """``{grade_id: markdown}`` of the grader's cell of each answer cell of a **source** notebook.

    Tolerant, for a course's own notebooks: an answer cell that does not follow the layout (no rubric yet)
    is shown to the grader as the source has it, under the same title, rather than refused (the course's
    own notebooks are held to the layout by ``tests/test_derivations.py``).
    """
    out: dict[str, str] = {}
    for grade_id, text in _markdown_answers(notebook):
        try:
            out[grade_id] = split(grade_id, text).grader_markdown
        except DerivationError:
            out[grade_id] = f"{GRADER_TITLE}\n\n{text.strip()}"
    return out


def model_answers(notebook: dict[str, Any]) -> dict[str, str]:
    """``{grade_id: the model answer}`` (the part a student may be shown, never the rubric) of a **source**
    notebook's answer cells that follow the layout; the others have none to show."""
    out: dict[str, str] = {}
    for grade_id, text in _markdown_answers(notebook):
        with contextlib.suppress(DerivationError):
            out[grade_id] = split(grade_id, text).answer
    return out


def _markdown_answers(notebook: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """``(grade_id, text)`` of each markdown answer cell of ``notebook``, in order."""
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if isinstance(meta, dict) and is_answer_cell(meta) and cell.get("cell_type") == "markdown":
            yield meta["grade_id"], _text(cell)


def grader_cell(grade_id: str, markdown: str, taken: Collection[str] = (), imitated: bool = False) -> dict[str, Any]:
    """The markdown cell (nbformat 4.5 JSON data) that shows the grader ``markdown`` (:func:`grader_notes`)
    right after the answer cell ``grade_id``; ``imitated``: the answer holds a line titled like this cell
    (:func:`imitates_the_grader_cell`), and :data:`IMITATION_WARNING` comes first under the title.

    It has no nbgrader metadata (formgrader shows it as text, nothing grades it) and the id
    ``<grade_id>-for-the-grader`` (with a number after it if ``taken`` holds that id already), by which
    :func:`is_grader_cell` recognises it.
    """
    cell_id, n = grade_id + GRADER_SUFFIX, 1
    while cell_id in taken:
        n += 1
        cell_id = f"{grade_id}{GRADER_SUFFIX}-{n}"
    if imitated and markdown.startswith(GRADER_TITLE):
        markdown = f"{GRADER_TITLE}\n\n{IMITATION_WARNING}{markdown[len(GRADER_TITLE):]}"
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": markdown}


def imitates_the_grader_cell(answer: str | None) -> bool:
    """Whether the student's ``answer`` holds a line that opens like the grader's cell ("**For the grader** …",
    in any case, after any heading, quote, list or emphasis marks): text the person grading could take for the course's
    model answer and rubric. A separate cell of the student's that does so is dropped
    (:func:`claims_to_be_for_the_grader`); inside the answer it is the student's to write, so the grader's cell
    below says so (:func:`grader_cell`)."""
    return answer is not None and _TITLE_LINE.search(str(answer)) is not None


def is_grader_cell(cell: dict[str, Any]) -> bool:
    """A cell :func:`grader_cell` made: its id ends with the suffix and its text opens with the title."""
    return isinstance(cell, dict) and GRADER_SUFFIX in str(cell.get("id", "")) and _text(cell).startswith(GRADER_TITLE)


def claims_to_be_for_the_grader(cell: dict[str, Any]) -> bool:
    """A markdown cell of the student's own (no grade_id) whose text opens like the grader's cell: in a student's
    notebook, an imitation (the grader's cell is never in a student's notebook), which the grader's tools drop
    before adding their own. The student's answer cells are never such a cell."""
    meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
    return (isinstance(cell, dict) and cell.get("cell_type") == "markdown" and not meta.get("grade_id")
            and opens_like_the_grader_cell(_text(cell)))


def opens_like_the_grader_cell(text: str) -> bool:
    """``text`` opens as the grader's cell does (its bold title): in a cell of the student's, an imitation."""
    return str(text).lstrip().startswith(GRADER_TITLE.split(" (")[0])
