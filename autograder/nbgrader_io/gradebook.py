"""Scores into nbgrader's ``gradebook.db`` and notebooks into ``autograded/``, so ``nbgrader export``
and formgrader show them; and the hand-graded points back from there.

Through nbgrader's own :class:`nbgrader.api.Gradebook`. What must exist for a
score to count, and what this creates when it is missing (``nbgrader
generate_assignment`` creates the first three from the source notebooks; we
do the same, through the same preprocessors, so running both is fine):

* the **assignment** (one per problem set), with the course id of the course's
  ``nbgrader_config.py``;
* its **notebook** (named after the notebook file without ``.ipynb``; ours is
  ``<ps>``) with its cells, stored by nbgrader's own ``SaveCells`` after the
  preprocessors ``generate_assignment`` runs before it (:func:`save_cells`):
  one **grade cell** per graded cell (``grade_id``, ``max_score``,
  ``cell_type``: code for a test cell, markdown for an answer cell – the
  assignment's max score is their sum), the solution and source cells.
  Without a source notebook, the grade cells come from results.json;
* the **student**;
* the **submission** (``SubmittedAssignment``; creating it mirrors the
  assignment: a ``SubmittedNotebook``, one ``Grade`` per grade cell, one
  ``Comment`` per solution cell);
* per autograded cell, the **grade**'s ``auto_score`` (and ``needs_manual_grade =
  False``); per **answer cell** (manually graded: a derivation), no auto score
  and ``needs_manual_grade = True`` until a person grades it, which is what
  formgrader lists as "needs manual grade"; an answer left as released gets
  ``auto_score = 0``, ``needs_manual_grade = False`` and nbgrader's auto comment
  "No response.", as nbgrader's autograde gives it. A ``manual_score`` an
  instructor entered in formgrader is left alone, and wins, as in nbgrader;
* the submission's **time** (the one the grader recorded, :mod:`autograder.model.submission_time`) and
  its **late penalty** (``SubmittedNotebook.late_submission_penalty``, as nbgrader's
  ``AssignLatePenalties`` records it; computed by :mod:`autograder.model.penalties` from the course's
  deadlines), so ``nbgrader export`` gives the same final score as grades.csv. Due dates and
  extensions are the gradebook's own and are never written here;
* the **autograded notebook** formgrader shows, ``autograded/<student>/<ps>/<ps>.ipynb``
  (:mod:`autograder.nbgrader_io.autograded`).

:func:`read_hand_grades` is the way back: the ``manual_score`` (plus extra
credit) and comment a person gave an answer cell, as that test's result, so
results.json, grades.csv, the feedback pages, the class report and every
export include the hand-graded points.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from autograder.model.course import course_source_notebook as source_notebook  # (the course's)
from autograder.model.course import is_blank_answer
from autograder.model.files import StrPath, is_regular_file
from autograder.model.invariant import known
from autograder.model.notebook import MAX_CELL_CHARS, OVERSIZED_ASK, Unreadable, read_bounded
from autograder.model.results import IMAGE_IN_ANSWER, SubmissionResult, TestResult, load_results, problem_sets
from autograder.model.submissions import graded_notebook
from autograder.nbgrader_io.autograded import autograded_path, build, write_autograded
from autograder.nbgrader_io.graded_answers import shown_answers, to_review

if TYPE_CHECKING:
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory

CONFIG_FILE = "nbgrader_config.py"


def course_directory(course_dir: StrPath = ".") -> CourseDirectory:
    """nbgrader's ``CourseDirectory`` for ``course_dir``, configured by its ``nbgrader_config.py``."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    course_dir = Path(course_dir).resolve()
    config = Config()
    if (course_dir / CONFIG_FILE).exists():
        config = PyFileConfigLoader(CONFIG_FILE, path=str(course_dir)).load_config()
    coursedir = CourseDirectory(config=config)
    if "root" not in config.get("CourseDirectory", {}):
        coursedir.root = str(course_dir)
    return coursedir


def ensure_tools_on_path() -> None:
    """nbgrader runs the ``alembic`` executable when it creates a gradebook: make it findable.

    It sits beside this interpreter in the virtual environment, which is not on
    ``PATH`` when ``.venv/bin/python`` is called without activating the venv.
    """
    import os
    import shutil
    import sys

    if shutil.which("alembic") is None:
        bindir = str(Path(sys.executable).parent)
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def _notebook_name(gb: Gradebook, ps: str, grade_ids: Iterable[str]) -> str:
    """The gradebook notebook that already holds these grade cells, else ``ps``."""
    from nbgrader.api import MissingEntry

    try:
        assignment = gb.find_assignment(ps)
    except MissingEntry:
        return ps
    for notebook in assignment.notebooks:
        names = {cell.name for cell in notebook.grade_cells}
        if names & set(grade_ids):
            return notebook.name
    return ps


def _timestamp(course_dir: Path, coursedir: CourseDirectory, student: str, ps: str) -> str | None:
    """The submission time from nbgrader's ``timestamp.txt``, or None.

    The file is in the student's folder, so it is read like student data: a
    regular file only (a symbolic link is not followed), at most 100 bytes,
    and only a time nbgrader can parse is used.
    """
    import os

    try:
        path = Path(coursedir.format_path(coursedir.submitted_directory, student, ps)) / "timestamp.txt"
    except Exception:  # noqa: BLE001 — nbgrader internals; the plain layout is the fallback
        path = course_dir / "submitted" / student / ps / "timestamp.txt"
    if not is_regular_file(path):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            text = fh.read(100).decode("utf-8", errors="replace").strip()
        from nbgrader.utils import parse_utc

        parse_utc(text)
    except Exception:  # noqa: BLE001 — unreadable or not a time: the gradebook keeps its default
        return None
    return text or None


def save_cells(coursedir: CourseDirectory, db_url: str, ps: str, notebook: str, source_path: StrPath) -> bool:
    """Store the notebook's cells as ``nbgrader generate_assignment`` does: its own preprocessors, in its order.

    ``LockCells``, ``ClearSolutions``, ``ClearOutput``, ``CheckCellMetadata``,
    ``ComputeChecksums`` then ``SaveCells`` (the course's configuration), on
    the source notebook: grade cells (code or markdown, with points),
    solution cells and source cells, exactly as nbgrader would store them.
    nbgrader refuses to change the cells of a notebook that already has
    submissions; then nothing is changed and this returns False (the grade
    cells the results need are added one by one by :func:`write_gradebook`).
    """
    import nbformat
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
        SaveCells,
    )

    nb = nbformat.read(str(source_path), as_version=nbformat.NO_CONVERT)
    resources = {"nbgrader": {"notebook": notebook, "assignment": ps, "db_url": db_url}}
    try:
        for step in (LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums, SaveCells):
            nb, resources = step(config=coursedir.config).preprocess(nb, resources)
    except RuntimeError:  # "Cannot add or remove cells … because there are submissions associated with it"
        return False
    return True


def write_gradebook(results_dir: StrPath, course_dir: StrPath = ".", results: list[SubmissionResult] | None = None,
                    db_url: str | None = None, course_id: str | None = None) -> dict[str, Any]:
    """Write the scores of ``results_dir`` into the gradebook of ``course_dir``, and its autograded notebooks.

    Returns ``{"db_url", "course_id", "assignments", "students", "submissions",
    "grades", "pending", "to_review", "late_penalties", "autograded", "skipped"}``: ``pending`` counts the
    answer cells that await manual grading, ``to_review`` those whose hand grade was given to an earlier
    answer (marked "needs manual grade" again), ``late_penalties`` the submissions given a late
    penalty (recorded as nbgrader does), ``autograded`` the notebooks written
    for formgrader; ``skipped`` lists submissions whose results.json could not
    be read (nothing is written for them).
    """
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    course_dir = Path(course_dir).resolve()
    results = load_results(results_dir) if results is None else results
    coursedir = course_directory(course_dir)
    db_url = db_url or coursedir.db_url
    course_id = coursedir.course_id if course_id is None else course_id
    written: dict[str, Any] = {"db_url": db_url, "course_id": course_id, "assignments": 0, "students": 0,
               "submissions": 0, "grades": 0, "pending": 0, "to_review": 0, "late_penalties": 0, "autograded": 0,
               "skipped": []}
    readable = [r for r in results if not r.unreadable]
    written["skipped"] = [f"{r.student}/{r.assignment}" for r in results if r.unreadable]
    ensure_tools_on_path()
    sources = {ps: source_notebook(course_dir, ps) for ps in problem_sets(readable)}
    with warnings.catch_warnings():
        # nbgrader's add_submission builds objects outside the session: SQLAlchemy warns, harmlessly
        warnings.simplefilter("ignore", category=SAWarning)
        with Gradebook(db_url, course_id) as gb:
            names = {}
            for ps in sources:
                gb.update_or_create_assignment(ps)
                names[ps] = _notebook_name(gb, ps, {t.name for r in readable if r.assignment == ps for t in r.tests})
        for ps, path in sources.items():
            if path is not None:
                save_cells(coursedir, db_url, ps, names[ps], path)
        with Gradebook(db_url, course_id) as gb:
            notebooks = _write_assignments(gb, readable, names, written)
            for student in sorted({r.student for r in readable}):
                gb.update_or_create_student(student)
                written["students"] += 1
            for r in readable:
                _write_submission(gb, r, notebooks[r.assignment], course_dir, coursedir, written)
    for r in readable:
        if sources.get(r.assignment) is not None:
            path = autograded_path(coursedir, r.student, r.assignment, notebooks[r.assignment])
            if path is not None:
                submitted = _submitted_cells(course_dir, coursedir, r)  # (for the pictures pasted in an answer)
                write_autograded(path, build(cast(Path, sources[r.assignment]), r, submitted))  # (source checked)
                written["autograded"] += 1
    return written


def _submitted_cells(course_dir: Path, coursedir: CourseDirectory, r: SubmissionResult) -> list[Any] | None:
    """The cells of the notebook ``r`` graded, read as a submission is (a regular file, no link followed, bounded:
    :func:`~autograder.model.notebook.read_bounded`); None when there is none to read. Only the pictures pasted in
    an answer are taken from it (:mod:`autograder.nbgrader_io.answer_pictures`), so any failure is None."""
    if not any(IMAGE_IN_ANSWER.search(text[:MAX_CELL_CHARS]) or OVERSIZED_ASK in text for text in r.answers.values()):
        return None  # (no answer holds an image: nothing to read)
    try:
        folder = Path(coursedir.format_path(coursedir.submitted_directory, r.student, r.assignment))
    except Exception:  # noqa: BLE001 — nbgrader internals; the plain layout is the fallback
        folder = course_dir / "submitted" / r.student / r.assignment
    path = graded_notebook(str(folder), r.assignment)
    try:
        data = json.loads(read_bounded(path)) if path is not None else None
    except (Unreadable, ValueError, RecursionError):
        return None
    cells = data.get("cells") if isinstance(data, dict) else None
    return cells if isinstance(cells, list) else None


def _write_assignments(gb: Gradebook, readable: list[SubmissionResult], names: dict[str, str],
                       written: dict[str, Any]) -> dict[str, str]:
    """Each problem set's grade cells that the results name and the gradebook lacks (or whose points
    changed); ``{ps: notebook}``. A grade cell's max score is the largest any results.json gives it."""
    from nbgrader.api import MissingEntry

    for ps, nb in names.items():
        cells: dict = {}
        for r in readable:
            if r.assignment == ps:
                for t in r.tests:
                    cells[t.name] = (max(cells.get(t.name, (0.0, ""))[0], t.max_score),
                                     "markdown" if t.manual else "code")
        gb.update_or_create_notebook(nb, ps)
        for grade_id, (max_score, cell_type) in cells.items():
            try:
                cell = gb.find_grade_cell(grade_id, nb, ps)
            except MissingEntry:
                gb.update_or_create_grade_cell(grade_id, nb, ps, max_score=max_score, cell_type=cell_type)
                if cell_type == "markdown":  # an answer cell is a solution cell too: formgrader's comment box
                    gb.update_or_create_solution_cell(grade_id, nb, ps)
            else:
                if cell.max_score != max_score:
                    gb.update_or_create_grade_cell(grade_id, nb, ps, max_score=max_score)
        written["assignments"] += 1
    return names


def _write_submission(gb: Gradebook, r: SubmissionResult, nb: str, course_dir: Path, coursedir: CourseDirectory,
                      written: dict[str, Any]) -> None:
    """One submission and its auto scores (grades and comments of cells created after the submission are
    mirrored), committed. Answer cells get no auto score: a person grades them (again, when the points they have
    were given to an earlier answer: read before its ``autograded/`` notebook is written anew)."""
    from nbgrader.api import Comment, Grade, MissingEntry

    shown = shown_answers(autograded_path(coursedir, r.student, r.assignment, nb))
    kwargs: dict[str, Any] = {}
    stamp: datetime | str | None
    if r.submitted is not None:  # the time the grader recorded (timestamp.txt, Gradescope, the CI's)
        stamp = r.submitted.at if r.submitted.known else None
    else:  # a result graded before times were recorded: nbgrader's file, if the course folder has it
        stamp = _timestamp(course_dir, coursedir, r.student, r.assignment)
    if stamp:
        kwargs["timestamp"] = stamp
    submission = gb.update_or_create_submission(r.assignment, r.student, **kwargs)
    submitted_nb = gb.find_submission_notebook(nb, r.assignment, r.student)
    for cell in gb.find_notebook(nb, r.assignment).solution_cells:
        try:
            gb.find_comment(cell.name, nb, r.assignment, r.student)
        except MissingEntry:  # the solution cell was created after the submission: mirror it now
            gb.db.add(Comment(cell_id=cell.id, notebook=submitted_nb))
    gb.db.flush()
    for t in r.tests:
        try:
            grade = gb.find_grade(t.name, nb, r.assignment, r.student)
        except MissingEntry:
            # the grade cell was created after the submission: mirror it now
            cell = gb.find_grade_cell(t.name, nb, r.assignment)
            grade = Grade(cell_id=cell.id, notebook=submitted_nb)
            gb.db.add(grade)
        # (an answer whose hand grade was given to an earlier answer, blanked since or not, is listed again)
        review = t.manual and to_review(grade, shown, t.name, r.answers.get(t.name))
        written["to_review"] += int(review)
        if t.unanswered:  # left as released: 0, not listed for grading (nbgrader's autograde does the same)
            grade.auto_score = 0.0
            grade.needs_manual_grade = review
            _answer_comment(gb, t.name, nb, r)
        elif t.manual:  # a person's to grade: no auto score, listed for grading until a manual score exists
            grade.auto_score = None
            grade.needs_manual_grade = grade.manual_score is None or review
            written["pending"] += int(grade.manual_score is None)
            _answer_comment(gb, t.name, nb, r)
        else:
            grade.auto_score = float(known(t.score, "an autograded test has a score"))
            grade.needs_manual_grade = False
        written["grades"] += 1
    # the late penalty as nbgrader's AssignLatePenalties records it: on the notebook, None when there is none
    penalty = r.late_penalty
    submitted_nb.late_submission_penalty = penalty if penalty > 0 else None
    written["late_penalties"] += int(penalty > 0)
    gb.db.commit()
    del submission
    written["submissions"] += 1


#: nbgrader's own auto comment for a solution cell left as released (``SaveAutoGrades._add_comment``).
NO_RESPONSE = "No response."


def _answer_comment(gb: Gradebook, name: str, nb: str, r: SubmissionResult) -> None:
    """nbgrader's "No response." on an answer left blank (what its autograde writes), else no auto comment."""
    from nbgrader.api import MissingEntry

    try:
        comment = gb.find_comment(name, nb, r.assignment, r.student)
    except MissingEntry:
        return
    comment.auto_comment = NO_RESPONSE if is_blank_answer(r.answers.get(name, "")) else None


def read_hand_grades(results: Iterable[SubmissionResult], course_dir: StrPath = ".", db_url: str | None = None,
                     course_id: str | None = None) -> list[SubmissionResult]:
    """The results whose answer cells a person graded (or un-graded) in the gradebook since; updated copies.

    For each answer cell of each readable result: a ``manual_score`` in the
    gradebook (with its extra credit, as nbgrader's ``Grade.score`` counts it)
    makes the test :meth:`~autograder.model.results.TestResult.graded_by_hand`
    with the grader's comment (to be reviewed when it was given to an earlier answer:
    :func:`~autograder.nbgrader_io.graded_answers.to_review`); no manual score makes it pending again. Only
    results that changed are returned, their score recomputed; the gradebook
    is only read (and not created when it does not exist yet).
    """
    import dataclasses

    from nbgrader.api import Gradebook, MissingEntry

    course_dir = Path(course_dir).resolve()
    coursedir = course_directory(course_dir)
    db_url = db_url or coursedir.db_url
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).is_file():
        return []
    course_id = coursedir.course_id if course_id is None else course_id
    changed = []
    ensure_tools_on_path()
    with Gradebook(db_url, course_id) as gb:
        for r in results:
            manual = [t for t in r.tests if t.manual]
            if r.unreadable or not manual:
                continue
            nb = _notebook_name(gb, r.assignment, {t.name for t in manual})
            shown = shown_answers(autograded_path(coursedir, r.student, r.assignment, nb))
            tests, differs = [], False
            for t in r.tests:
                new = t
                if t.manual:
                    try:
                        grade = gb.find_grade(t.name, nb, r.assignment, r.student)
                        comment = gb.find_comment(t.name, nb, r.assignment, r.student).manual_comment
                    except MissingEntry:
                        grade, comment = None, None
                    if grade is not None and grade.manual_score is not None:
                        score = float(grade.manual_score) + float(grade.extra_credit or 0.0)
                        review = to_review(grade, shown, t.name, r.answers.get(t.name))
                        new = TestResult.graded_by_hand(t.name, score, t.max_score, comment or "", review)
                    elif grade is not None and not t.pending and not t.unanswered:  # a manual score removed
                        new = TestResult.ungraded_answer(t.name, t.max_score, r.answers.get(t.name))
                differs = differs or new != t
                tests.append(new)
            if differs:
                # the raw score changed: a late penalty is recomputed from it by the late-penalty step
                changed.append(dataclasses.replace(r, tests=tests, score=float(sum(t.earned for t in tests)), late=None))
    return changed
