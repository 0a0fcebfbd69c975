"""Student-like notebooks: the release with its solution cells filled in.

What a student hands back is the release notebook with code in its solution
cells. The example submissions (``examples/make_submissions.py``), the
grading benchmark and the parity tests all build submissions this way, from
the reference solutions in ``source/`` and code of their own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from autograder.model import derivations
from autograder.model.course import FUNCTIONS, ROOT, is_answer_cell, is_lesson_cell
from autograder.model.notebook import cell_text, nbgrader_meta

_SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def _read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def reference_cells(ps: str, course_dir: Path = ROOT) -> dict:
    """``function -> source`` of the source notebook's solution cells, solution markers dropped."""
    nb = _read(Path(course_dir) / "source" / ps / f"{ps}.ipynb")
    out = {}
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and meta.get("grade_id") in FUNCTIONS[ps]:
            out[meta["grade_id"]] = _SOLUTION_MARKER.sub("", cell_text(cell))
    missing = set(FUNCTIONS[ps]) - set(out)
    if missing:
        raise ValueError(f"source/{ps}: no solution cell for {sorted(missing)}")
    return out


def other_solution_cells(ps: str, course_dir: Path = ROOT) -> dict:
    """``grade_id -> source`` of the source's other solution code cells (not a contract function's: an ungraded
    helper the training steps with, such as ps4's ``logit_gradient``, or an open choice), solution markers
    dropped: a good student fills them too."""
    nb = _read(Path(course_dir) / "source" / ps / f"{ps}.ipynb")
    return {meta["grade_id"]: _SOLUTION_MARKER.sub("", cell_text(cell)) for cell in nb["cells"]
            for meta in [nbgrader_meta(cell)] if cell.get("cell_type") == "code" and meta.get("solution")
            and meta.get("grade_id") not in FUNCTIONS[ps] and not is_answer_cell(meta)}


def written_answers(ps: str, course_dir: Path = ROOT) -> dict:
    """``grade_id -> text`` a good student writes in each answer cell: the source's model answer, without its
    heading and without the rubric (``autograder.model.derivations``: the rubric is the grader's; a cell
    without the layout is taken whole)."""
    nb = _read(Path(course_dir) / "source" / ps / f"{ps}.ipynb")
    models = derivations.model_answers(nb)
    return {nbgrader_meta(c)["grade_id"]: models.get(nbgrader_meta(c)["grade_id"], cell_text(c))
            .removeprefix(derivations.MODEL_ANSWER).strip() + "\n"
            for c in nb["cells"] if is_answer_cell(nbgrader_meta(c))}


def filled_release(ps: str, code: dict | None = None, course_dir: Path = ROOT, answers: dict | None = None) -> dict:
    """The release notebook of ``ps`` (as JSON data) with every solution cell filled in.

    ``code`` maps a contract function to the source of its cell; functions
    not in ``code`` get the reference solution (from ``source/``), and the other solution code cells theirs
    (:func:`other_solution_cells`). ``answers``
    maps a manually graded answer cell's grade_id to the student's text;
    answer cells not in it get the source's model answer (:func:`written_answers`), unless ``answers``
    is ``{}`` (then every answer is left as released, ``YOUR ANSWER HERE``).
    The release is read from ``<course_dir>/release/``. Outputs are cleared.
    """
    nb = _read(Path(course_dir) / "release" / ps / f"{ps}.ipynb")
    written = {} if answers == {} else {**written_answers(ps, course_dir), **(answers or {})}
    sources = {**other_solution_cells(ps, course_dir), **reference_cells(ps, course_dir), **(code or {}), **written}
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and meta.get("grade_id") in sources:
            cell["source"] = sources[meta["grade_id"]]
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return nb


def add_cell_before(nb: dict, grade_id: str, source: str) -> None:
    """A code cell of the student's, holding ``source``, added to ``nb`` just before the cell ``grade_id``."""
    at = next(i for i, c in enumerate(nb["cells"]) if nbgrader_meta(c).get("grade_id") == grade_id)
    nb["cells"].insert(at, {"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
                            "execution_count": None})


def without_lesson_cells(nb: dict) -> dict:
    """``nb`` without the lesson's figure and demo cells (``course.is_lesson_cell``), as a student may hand it
    in: nbgrader puts back graded cells only, and the grading engine never runs lesson cells."""
    return {**nb, "cells": [cell for cell in nb["cells"] if not is_lesson_cell(nbgrader_meta(cell).get("grade_id"))]}
