"""Which answer a hand grade was given to: a resubmission's changed answer is not silently given the earlier points.

A person grades a derivation in formgrader on the notebook ``--gradebook`` wrote in ``autograded/`` (see
:mod:`autograder.nbgrader_io.autograded`). Each answer cell there records a digest of the answer it shows
(:data:`KEY` in the cell's metadata, :func:`answer_digest`). When the student's answer is graded again — a
resubmission, ``autograde --force`` — and its text is not the one that notebook showed, the points a person gave
were given to an earlier answer: the gradebook's grade is marked "needs manual grade" again (nbgrader's own
autograde does the same whenever a manual score exists) and the result says the grade is to be reviewed
(:func:`to_review`). The points still count, as nbgrader counts a manual score (``nbgrader export`` and
grades.csv stay equal), until the person saves the grade again in formgrader, which clears the mark.

An ``autograded/`` notebook written before digests were recorded, one that is missing or unreadable, or an answer
cell without a digest, says nothing: the grade is then taken as given to the answer (as before).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from autograder.model.course import is_answer_cell
from autograder.model.notebook import Unreadable, read_bounded

#: The answer cell's metadata key (``metadata[KEY]["answer_sha256"]``) that holds the digest of the answer shown.
KEY = "probdl"


def answer_digest(text: str | None) -> str:
    """The SHA-256 (hex) of an answer's text as UTF-8 (lone surrogates kept as they are); of ``""`` for None."""
    return hashlib.sha256((text or "").encode("utf-8", "surrogatepass")).hexdigest()


def shown_answers(path: Path | None) -> dict[str, str]:
    """``{grade_id: digest}`` of the answers the ``autograded/`` notebook at ``path`` shows (written by
    :func:`autograder.nbgrader_io.autograded.build`); ``{}`` when there is none, or it cannot be read (the file is
    the course's, read bounded all the same: it holds students' text)."""
    if path is None:
        return {}
    try:
        data = json.loads(read_bounded(path))
    except (Unreadable, ValueError, RecursionError):
        return {}
    cells = data.get("cells") if isinstance(data, dict) else None
    shown: dict[str, str] = {}
    for cell in cells if isinstance(cells, list) else []:
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        if not isinstance(meta, dict):
            continue
        nbgrader, ours = meta.get("nbgrader"), meta.get(KEY)
        if isinstance(nbgrader, dict) and is_answer_cell(nbgrader) and isinstance(ours, dict):
            gid, digest = nbgrader.get("grade_id"), ours.get("answer_sha256")
            if isinstance(gid, str) and isinstance(digest, str):
                shown[gid] = digest
    return shown


def to_review(grade: Any, shown: dict[str, str], grade_id: str, answer: str | None) -> bool:
    """Whether the hand grade ``grade`` (nbgrader's ``Grade``) of answer cell ``grade_id`` was given to an earlier
    answer: it has a manual score, and either the gradebook marks it as needing a manual grade again (an earlier
    run found the answer changed, or nbgrader's autograde ran) or the answer formgrader showed (``shown``, from
    :func:`shown_answers`) is not ``answer``."""
    if grade is None or grade.manual_score is None:
        return False
    changed = grade_id in shown and shown[grade_id] != answer_digest(answer)
    return bool(grade.needs_manual_grade) or changed
