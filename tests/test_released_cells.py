"""Plain ``nbgrader autograde`` reports a changed test cell, and no longer every untouched one
(autograder/nbgrader_io/released_cells.py; jupyter/nbgrader#1961)."""

from __future__ import annotations

import logging
import shutil

import nbformat
from nbgrader.preprocessors import OverwriteCells

from autograder.model.course import RELEASE, ROOT, SOURCE
from autograder.nbgrader_io.gradebook import course_directory, save_cells
from autograder.nbgrader_io.released_cells import OverwriteReleasedCells

PS = "ps1_softmax"


def _warnings(preprocessor_class, nb, course, db_url) -> tuple:
    """``(the warnings preprocessor_class logs on nb, the notebook it gives)``, configured as the course is."""
    pre = preprocessor_class(config=course_directory(course).config)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    pre.log.addHandler(handler)
    try:
        out, _ = pre.preprocess(nb, {"nbgrader": {"notebook": PS, "assignment": PS, "db_url": db_url}})
    finally:
        pre.log.removeHandler(handler)
    return [r.getMessage() for r in records if r.levelno >= logging.WARNING], out


def test_only_a_changed_test_cell_is_reported(tmp_path, empty_gradebook):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", course)
    shutil.copy2(empty_gradebook, course / "gradebook.db")
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    # the gradebook as `nbgrader generate_assignment` fills it (its own preprocessors, on the source notebook)
    from nbgrader.api import Gradebook

    with Gradebook(db_url, "probdl") as gb:
        gb.update_or_create_assignment(PS)
    assert save_cells(course_directory(course), db_url, PS, PS, SOURCE / PS / f"{PS}.ipynb")
    released = nbformat.read(str(RELEASE / PS / f"{PS}.ipynb"), as_version=nbformat.NO_CONVERT)
    source = nbformat.read(str(SOURCE / PS / f"{PS}.ipynb"), as_version=nbformat.NO_CONVERT)
    n_tests = sum(1 for c in released.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code")

    stock, _ = _warnings(OverwriteCells, nbformat.from_dict(released), course, db_url)
    assert len(stock) == n_tests == 15 and all("'checksum'" in w for w in stock), "nbgrader's own false alarm"

    quiet, out = _warnings(OverwriteReleasedCells, nbformat.from_dict(released), course, db_url)
    assert quiet == []
    # the hidden tests are back, exactly as nbgrader's OverwriteCells restores them
    _, stock_out = _warnings(OverwriteCells, nbformat.from_dict(released), course, db_url)
    assert [c.source for c in out.cells] == [c.source for c in stock_out.cells]
    graded = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
              if c.metadata.get("nbgrader", {}).get("locked")}
    assert all(c.source == graded[c.metadata["nbgrader"]["grade_id"]] for c in out.cells
               if c.metadata.get("nbgrader", {}).get("locked"))

    edited = nbformat.from_dict(released)
    cell = next(c for c in edited.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax-basic")
    cell.source = "pass  # the student emptied the test cell"
    found, out = _warnings(OverwriteReleasedCells, edited, course, db_url)
    assert len(found) == 1 and "'checksum' for cell softmax-basic has changed" in found[0]
    assert next(c for c in out.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax-basic").source \
        == graded["softmax-basic"], "restored from the gradebook, hidden tests included"
