"""nbgrader_io/collapsed_cells.py: what formgrader shows collapsed is the course's own code, and nothing else.

The page itself, in formgrader and Chromium, is ``tests/test_formgrader_page.py`` (end to end); here the
preprocessor on the course's source notebooks, and on what a student controls: a cell's metadata and source.
"""

from __future__ import annotations

import copy
import json
import shutil

import nbformat
import pytest
from traitlets.config import Config

from autograder.model.course import ROOT
from autograder.nbgrader_io import autograded
from autograder.nbgrader_io.collapsed_cells import CollapseCourseCells, collapsed

PS = "ps2_cross_entropy"


@pytest.fixture
def course(tmp_path):
    shutil.copytree(ROOT / "source" / PS, tmp_path / "source" / PS)
    return tmp_path


def _render(course, nb, resources=None):
    config = Config()
    config.CourseDirectory.root = str(course)
    resources = resources if resources is not None else {"assignment_id": PS, "notebook_id": PS}
    return CollapseCourseCells(config=config).preprocess(nbformat.from_dict(copy.deepcopy(nb)), resources)[0]


def _source(course) -> dict:
    return json.loads((course / "source" / PS / f"{PS}.ipynb").read_text(encoding="utf-8"))


def _by_id(nb) -> dict:
    return {c["metadata"].get("nbgrader", {}).get("grade_id"): c for c in nb["cells"]}


def test_the_course_cells_are_collapsed_and_the_students_work_is_not(course):
    nb = _source(course)
    shown = _by_id(_render(course, nb))
    original = _by_id(nb)
    for gid in ("self-check", "data-digits", "demo-kl", "fig-train", "cross_entropy-basic"):
        text = "".join(original[gid]["source"])
        assert shown[gid]["source"] == collapsed(text) and len(shown[gid]["source"].splitlines()) == 2, gid
        assert shown[gid]["source"].splitlines()[0] == text.splitlines()[0]
    opening = "".join(original["title"]["source"])
    assert shown["title"]["source"] == collapsed(opening, markdown=True)
    assert shown["title"]["source"].startswith("# Problem set 2 — ") and "collapsed for the grader" in shown["title"]["source"]
    for gid in ("cross_entropy", "cross_entropy_grad", "cross_entropy_grad-derivation", "derive-cross_entropy_grad",
                "task-cross_entropy", "choice-learning_rate", "sec-kl", "checks-cross_entropy", "report-learning_rate"):
        assert shown[gid]["source"] == original[gid]["source"], gid


def test_a_test_cell_without_its_hidden_tests_is_collapsed_too(course):
    """Our --gradebook writes test cells without their hidden part (autograded.py): still the course's."""
    nb = _source(course)
    cell = _by_id(nb)["cross_entropy-stability"]
    cell["source"] = autograded._clear_hidden_tests("".join(cell["source"]))
    assert "HIDDEN" not in cell["source"]
    assert "collapsed for the grader" in _by_id(_render(course, nb))["cross_entropy-stability"]["source"]


@pytest.mark.parametrize("gid", ["data-digits", "self-check", "cross_entropy-basic", "data-mine", "demo-kl", "title"])
def test_a_cell_that_differs_from_the_course_s_is_shown_whole(course, gid):
    """A student cannot hide code from the person grading: a cell with a course cell's metadata (or a new data-…
    id) and other source is shown in full."""
    nb = _source(course)
    cell = copy.deepcopy(_by_id(nb)["data-digits"])
    cell["metadata"]["nbgrader"]["grade_id"] = gid
    cell["source"] = "#@title Data: nothing to see\nimport os\nos.system('echo sneaky')\n"
    nb["cells"] = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != gid] + [cell]
    assert _by_id(_render(course, nb))[gid]["source"] == cell["source"]


@pytest.mark.parametrize("resources", [{}, {"assignment_id": "..", "notebook_id": PS},
                                       {"assignment_id": PS, "notebook_id": "../x"},
                                       {"assignment_id": "nope", "notebook_id": PS}])
def test_without_a_course_notebook_to_compare_with_nothing_is_collapsed(course, resources):
    nb = _source(course)
    assert _render(course, nb, resources)["cells"] == nbformat.from_dict(nb)["cells"]


def test_nbgrader_s_own_converters_say_which_notebook_too(course):
    nb = _source(course)
    shown = _by_id(_render(course, nb, {"nbgrader": {"assignment": PS, "notebook": PS, "student": "ann"}}))
    assert "collapsed for the grader" in shown["self-check"]["source"]


def test_the_course_configuration_lists_the_preprocessor():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert "autograder.nbgrader_io.collapsed_cells.CollapseCourseCells" in config.HTMLExporter.preprocessors
