"""``autograded/<student>/<ps>/<ps>.ipynb``: the notebook nbgrader's formgrader shows for grading by hand.

Formgrader renders, for each submission, the notebook at nbgrader's
``autograded`` path (``CourseDirectory.autograded_directory``) and puts a
score box beside every cell whose nbgrader metadata says it is graded: the
instructor reads the student's derivation there and gives its points. Our
engine never writes that folder while grading (it runs the notebook in a
sandbox, not in nbgrader's kernel), so ``--gradebook`` builds it from what
is trusted and what results.json holds:

* every cell of the **source** notebook, in its order, with its nbgrader
  metadata (grade_id, points, solution/grade/locked: what formgrader needs);
* the student's own text in the solution cells (``student_code``) and in the
  answer cells (``answers``); the student's extra cells are not shown (they
  earn nothing) and a first cell says so;
* after each answer cell, a cell "For the grader" with the source's model
  answer and rubric (:func:`autograder.model.derivations.grader_notes`): what
  the person grading applies, never in a student's notebook;
* each autograded test cell with the engine's verdict as its output: nothing
  when it passed, an error output with the message and hint when it did not
  (as ``nbgrader autograde`` shows a failing test), its hidden part removed by
  nbgrader's own ``ClearHiddenTests``.

The student's markdown is hostile: formgrader renders it as HTML without
sanitising it (its ``formgrade`` template runs ``markdown2html`` on the cell
source, raw HTML passed through), so a ``<script>`` or a ``javascript:`` link
in a derivation would run in the instructor's logged-in Jupyter.
:func:`neutral_markdown` breaks every way markdown has to emit markup of the
writer's choosing, the same way inside and outside math (which region is
math is the renderer's decision, so it is not guessed here).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.model import derivations
from autograder.model.course import ANSWER_STUB, is_answer_cell
from autograder.model.files import StrPath, make_dirs, write_atomic
from autograder.model.invariant import known
from autograder.model.results import IMAGE_IN_ANSWER, SubmissionResult, TestResult, fmt_points
from autograder.nbgrader_io import answer_pictures
from autograder.nbgrader_io.graded_answers import KEY, answer_digest

if TYPE_CHECKING:
    from nbgrader.coursedir import CourseDirectory

NBFORMAT_MINOR = 5


#: A zero-width space: invisible in text and in MathJax, and it ends what markdown would read as markup.
ZWSP = "\u200b"


def neutral_markdown(text: str) -> str:
    """``text`` as markdown that renders the same to a reader but emits no markup of the writer's choosing.

    * every ``<`` is followed by a zero-width space: no raw HTML tag (``<script>``,
      ``<img onerror=…>``), comment or autolink (``<javascript:…>``) can open,
      since a tag name must follow ``<`` at once; the reader still sees ``<``,
      in text and in LaTeX (``$a < b$``), which an ``&lt;`` entity would
      break inside math;
    * every ``](`` and ``]:`` gets one too: no inline link or image and no link
      reference definition, so no ``javascript:`` URL reaches an ``href``.
    """
    text = str(text).replace("<", "<" + ZWSP)
    return text.replace("](", "]" + ZWSP + "(").replace("]:", "]" + ZWSP + ":")


def _meta(cell: dict[str, Any]) -> dict[str, Any]:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _clear_hidden_tests(text: str) -> str:
    """The test cell's source without its hidden part, by nbgrader's own ``ClearHiddenTests``."""
    from nbformat.v4 import new_code_cell
    from nbgrader.preprocessors import ClearHiddenTests

    cell = new_code_cell(text)
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return cell.source


def _verdict(test: TestResult | None) -> list[dict[str, Any]]:
    """The outputs of a graded test cell: none when it passed, nbgrader's error output when not."""
    if test is None or test.passed or test.pending:
        return []
    score = known(test.score, "a test that is not pending has a score")
    lines = [test.message] + ([f"Hint: {test.hint}"] if test.hint else [])
    return [{"output_type": "error", "ename": "Failed", "evalue": test.message,
             "traceback": [f"Failed: {fmt_points(score)} / {fmt_points(test.max_score)} points", *lines]}]


def _header(result: SubmissionResult) -> dict[str, Any]:
    pending = (f" {fmt_points(result.pending_points)} points of answers await grading by hand: give them in the "
               "score boxes of the answer cells below." if result.pending_points else "")
    text = (f"**Autograded by probdl-autograder** (not by `nbgrader autograde`): "
            f"{fmt_points(result.score)} / {fmt_points(result.max_score)} points so far.{pending}\n\n"
            "The cells are the source notebook's, with the student's own solution and answer cells; a failed "
            "test cell shows the grader's message as its output, and each answer is followed by a cell \"For the "
            "grader\" with the model answer and the rubric (not in the student's notebook). Cells the student "
            "added are not shown "
            "(they earn nothing); the submission itself is in `submitted/`. Markup in the student's answers is "
            "shown as text.")
    return {"cell_type": "markdown", "id": "probdl-autograded", "metadata": {}, "source": neutral_markdown(text)}


def build(source_path: StrPath, result: SubmissionResult, submitted: Any = None) -> dict[str, Any]:
    """The autograded notebook (nbformat 4 JSON data) of ``result`` on the source notebook at ``source_path``;
    ``submitted``: the submitted notebook's cells, from which the pictures pasted in an answer are shown
    (:mod:`.answer_pictures`; None: none are)."""
    source = json.loads(Path(source_path).read_text(encoding="utf-8"))
    tests = {t.name: t for t in result.tests}
    notes = derivations.grader_notes(source)
    cells = [_header(result)]
    for cell in source.get("cells", []):
        cell = copy.deepcopy(cell)
        meta = _meta(cell)
        gid: Any = meta.get("grade_id")  # (whatever the notebook's metadata holds)
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        if is_answer_cell(meta):
            text = result.answers.get(gid)
            cell["source"] = (neutral_markdown(text) if text is not None
                              else f"*(no answer cell `{gid}` in the submission)*")
            shown, unshown = answer_pictures.pictures(submitted, gid, text) if text is not None else ([], 0)
            if text is not None and (unshown or (not shown and IMAGE_IN_ANSWER.search(text))):  # (results.py)
                where = f"the submitted notebook, `submitted/{result.student}/{result.assignment}/`"
                cell["source"] += neutral_markdown(
                    f"\n\n*(This answer holds more images, shown here as their text only (a linked file, an <img> "
                    f"tag, or not a PNG or JPEG picture): they are in {where}.)*" if shown else
                    f"\n\n*(This answer holds an image, shown here as its text only: the picture is in {where}.)*")
            if shown and cell.get("cell_type") == "markdown":  # (a code cell holds no attachments)
                answer_pictures.attach(cell, str(gid), shown)
            if cell.get("cell_type") != "markdown":  # a code answer cell: shown as code, never run
                cell["source"] = text if text is not None else ANSWER_STUB
            if text is not None:  # which answer a grade given here is for (graded_answers)
                cell.setdefault("metadata", {})[KEY] = {"answer_sha256": answer_digest(text)}
        elif meta.get("solution"):
            code = result.student_code.get(gid)
            cell["source"] = code if code is not None else f"# (no solution cell `{gid}` in the submission)"
        elif meta.get("grade") and cell.get("cell_type") == "code":
            cell["source"] = _clear_hidden_tests(_source(cell))
            cell["outputs"] = _verdict(tests.get(gid))
        cells.append(cell)
        if is_answer_cell(meta) and gid in notes:
            cells.append(derivations.grader_cell(gid, notes[gid], {c.get("id") for c in source.get("cells", [])},
                                                 imitated=derivations.imitates_the_grader_cell(result.answers.get(gid))))
    return {"cells": cells, "metadata": source.get("metadata", {}), "nbformat": 4, "nbformat_minor": NBFORMAT_MINOR}


def autograded_path(coursedir: CourseDirectory, student: str, assignment: str, notebook: str) -> Path | None:
    """Where formgrader looks for this submission's notebook; None when the id is no safe folder name.

    A student id is a folder name under ``submitted/``, but it is checked
    again here: it must be one path component (no separator, not ``.`` or
    ``..``, no NUL), and the path must stay inside the ``autograded`` folder.
    """
    if not student or student in (".", "..") or any(c in student for c in ("/", "\0")):
        return None
    root = Path(coursedir.root).resolve() / coursedir.autograded_directory
    path = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment)) / f"{notebook}.ipynb"
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return path


def write_autograded(path: StrPath, notebook: dict[str, Any]) -> Path:
    """Write the notebook atomically (its folders ``0755``, the file ``0644``)."""
    make_dirs(Path(path).parent)
    return write_atomic(path, json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
