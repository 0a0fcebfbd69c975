"""Scores into nbgrader's ``gradebook.db``, so ``nbgrader export`` and formgrader show them.

Through nbgrader's own :class:`nbgrader.api.Gradebook`. What must exist for a
score to count, and what this creates when it is missing (``nbgrader
generate_assignment`` creates the first three from the source notebooks; we
update them in place, so running both is fine):

* the **assignment** (one per problem set), with the course id of the course's
  ``nbgrader_config.py``;
* its **notebook** (named after the notebook file without ``.ipynb``; ours is
  ``<ps>``);
* one **grade cell** per graded cell (``grade_id``) with its ``max_score`` and
  ``cell_type="code"`` – the assignment's max score is their sum;
* the **student**;
* the **submission** (``SubmittedAssignment``; creating it mirrors the
  assignment: a ``SubmittedNotebook`` and one ``Grade`` per grade cell);
* per graded cell, the **grade**'s ``auto_score`` (and ``needs_manual_grade =
  False``). A ``manual_score`` an instructor entered in formgrader is left
  alone, and wins, as in nbgrader.
"""

from __future__ import annotations

from pathlib import Path

from autograder.reports.results import load_results, problem_sets

CONFIG_FILE = "nbgrader_config.py"


def course_directory(course_dir="."):
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


def _notebook_name(gb, ps: str, grade_ids) -> str:
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


def _timestamp(course_dir: Path, coursedir, student: str, ps: str):
    """The submission time from nbgrader's ``timestamp.txt``, or None.

    The file is in the student's folder, so it is read like student data: a
    regular file only (a symbolic link is not followed), at most 100 bytes,
    and only a time nbgrader can parse is used.
    """
    import os

    from autograder.model.files import is_regular_file

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


def write_gradebook(results_dir, course_dir=".", results=None, db_url=None, course_id=None) -> dict:
    """Write the scores of ``results_dir`` into the gradebook of ``course_dir``.

    Returns ``{"db_url", "course_id", "assignments", "students", "submissions",
    "grades", "skipped"}``; ``skipped`` lists submissions whose results.json
    could not be read (nothing is written for them).
    """
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    course_dir = Path(course_dir).resolve()
    results = load_results(results_dir) if results is None else results
    coursedir = course_directory(course_dir)
    db_url = db_url or coursedir.db_url
    course_id = coursedir.course_id if course_id is None else course_id
    written = {"db_url": db_url, "course_id": course_id, "assignments": 0, "students": 0,
               "submissions": 0, "grades": 0, "skipped": []}
    readable = [r for r in results if not r.unreadable]
    written["skipped"] = [f"{r.student}/{r.assignment}" for r in results if r.unreadable]
    ensure_tools_on_path()
    with warnings.catch_warnings(), Gradebook(db_url, course_id) as gb:
        # nbgrader's add_submission builds objects outside the session: SQLAlchemy warns, harmlessly
        warnings.simplefilter("ignore", category=SAWarning)
        notebooks = _write_assignments(gb, readable, written)
        for student in sorted({r.student for r in readable}):
            gb.update_or_create_student(student)
            written["students"] += 1
        for r in readable:
            _write_submission(gb, r, notebooks[r.assignment], course_dir, coursedir, written)
    return written


def _write_assignments(gb, readable, written: dict) -> dict:
    """Each problem set of ``readable`` as an assignment, its notebook and its grade cells; ``{ps: notebook}``.

    A grade cell's max score is the largest any results.json gives it.
    """
    notebooks = {}
    for ps in problem_sets(readable):
        cells: dict = {}
        for r in readable:
            if r.assignment == ps:
                for t in r.tests:
                    cells[t.name] = max(cells.get(t.name, 0.0), t.max_score)
        gb.update_or_create_assignment(ps)
        nb = notebooks[ps] = _notebook_name(gb, ps, cells)
        gb.update_or_create_notebook(nb, ps)
        for grade_id, max_score in cells.items():
            gb.update_or_create_grade_cell(grade_id, nb, ps, max_score=max_score, cell_type="code")
        written["assignments"] += 1
    return notebooks


def _write_submission(gb, r, nb: str, course_dir, coursedir, written: dict) -> None:
    """One submission and its auto scores (a grade cell created after the submission is mirrored), committed."""
    from nbgrader.api import Grade, MissingEntry

    kwargs = {}
    stamp = _timestamp(course_dir, coursedir, r.student, r.assignment)
    if stamp:
        kwargs["timestamp"] = stamp
    submission = gb.update_or_create_submission(r.assignment, r.student, **kwargs)
    submitted_nb = gb.find_submission_notebook(nb, r.assignment, r.student)
    for t in r.tests:
        try:
            grade = gb.find_grade(t.name, nb, r.assignment, r.student)
        except MissingEntry:
            # the grade cell was created after the submission: mirror it now
            cell = gb.find_grade_cell(t.name, nb, r.assignment)
            grade = Grade(cell_id=cell.id, notebook=submitted_nb)
            gb.db.add(grade)
        grade.auto_score = float(t.score)
        grade.needs_manual_grade = False
        written["grades"] += 1
    gb.db.commit()
    del submission
    written["submissions"] += 1
