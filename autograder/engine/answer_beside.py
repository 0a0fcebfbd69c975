"""An answer written in a markdown cell the student added beside its answer cell, read as the answer.

A student who sees "YOUR ANSWER HERE" rendered often inserts a cell of their own below it (or between the question
and it) and writes the derivation there: nbgrader's formgrader shows every cell, so its grader would find it, but
the answer cell itself is left as released, which scores 0 at once and is never listed for a person (nbgrader's
rule, docs/contract.md), and the rebuilt notebook shows a person only the answer cells. So, after the notebook is
rebuilt (:func:`~autograder.engine.restore.rebuild`), the markdown cells a student added right beside an answer
cell — after the known cell before it, and before the known cell after it — are read with it:

* an answer cell left as released, with such cells holding text: their text is the answer;
* an answer cell with an answer, followed by such cells: they are its continuation, shown with it;
* an answer cell left as released, with none, below a question cell the student wrote in (Colab and VS Code do not
  keep nbgrader's locked cells from being edited): what they added after the question's text is the answer (the
  question cell itself is restored from the source, and the tamper report says it was edited).

Markdown cells a student added before an answered cell are left out (notes of theirs, not the answer's); code
cells a student added run as theirs and are never taken for an answer, nor is a markdown cell that opens as the cell
"For the grader" does (an imitation, which plain nbgrader drops too). The answer so read is bounded as one
cell's text is (:data:`~autograder.model.notebook.MAX_CELL_CHARS`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from autograder.model.course import is_blank_answer
from autograder.model.derivations import opens_like_the_grader_cell
from autograder.model.notebook import MAX_CELL_CHARS

#: How the added cells are joined to each other and to the answer (a blank line: separate paragraphs).
JOIN = "\n\n"


def read_beside(cells: list[Any], answer_ids: Collection[str], answers: dict[str, str], notes: list[str],
                edited: Mapping[str, str] | None = None) -> None:
    """Complete ``answers`` (answer grade_id -> its text, as the rebuilt notebook's answer cells hold it) with the
    markdown cells the student added beside each answer cell of ``cells`` (the rebuilt notebook's
    :class:`~autograder.engine.restore.Cell` objects, in order), or with what they wrote in the question cell above it
    (``edited``: a locked markdown cell's grade_id -> the text of the student's copy); one note per answer changed."""
    for k, cell in enumerate(cells):
        gid = cell.grade_id
        if cell.origin != "solution" or gid not in answer_ids or cell.cell_type != "markdown":
            continue
        before = _added(cells[k - 1::-1] if k else [])[::-1]
        after = _added(cells[k + 1:])
        blank = is_blank_answer(answers.get(gid))
        added = [t for t in (before + after if blank else after) if not is_blank_answer(t)]
        if not added and blank:
            _read_in_question(cells[:k], gid, edited or {}, answers, notes)
        if not added:
            continue
        answers[gid] = JOIN.join(([] if blank else [answers.get(gid, "")]) + added)[:MAX_CELL_CHARS]
        n = f"{len(added)} cell{'s' if len(added) > 1 else ''} of its own"
        notes.append(f"the answer to `{gid}` was written in {n} beside its answer cell, which was left as released: "
                     "that text is the answer, for a person to grade" if blank else
                     f"the answer to `{gid}` goes on in {n} below its answer cell: shown with it, for a person to "
                     "grade")


def _read_in_question(above: list[Any], gid: str, edited: Mapping[str, str], answers: dict[str, str],
                      notes: list[str]) -> None:
    """The answer ``gid`` where the student wrote it after the text of the question cell above its answer cell."""
    question = next((c for c in reversed(above) if c.origin != "student"), None)
    if question is None or question.cell_type != "markdown" or question.grade_id not in edited:
        return
    released = question.source.replace("\r\n", "\n").rstrip()
    theirs = edited[question.grade_id].replace("\r\n", "\n")
    if not theirs.startswith(released) or is_blank_answer(theirs[len(released):]):
        return
    answers[gid] = theirs[len(released):].strip()[:MAX_CELL_CHARS]
    notes.append(f"the answer to `{gid}` was written in the question's cell above its answer cell (`{question.grade_id}`"
                 "), which was left as released: what follows the question there is the answer, for a person to grade")


def _added(cells: list[Any]) -> list[str]:
    """The texts of the markdown cells the student added among ``cells``, up to the first cell that is not theirs."""
    texts = []
    for cell in cells:
        if cell.origin != "student":
            break
        if cell.cell_type == "markdown" and not opens_like_the_grader_cell(cell.source):
            texts.append(cell.source)  # (an imitation of the cell "For the grader" is no answer: left out, as
            # plain nbgrader's AddGraderCells drops it, so formgrader never shows it inside the answer it scores)
    return texts
