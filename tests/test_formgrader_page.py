"""The grader's page opens on the work (issue 81): formgrader, for real, in a real Chromium, with screenshots.

A course with all six problem sets; one student hands in each, filled with the reference solutions and the model
answers; our engine grades them with ``--gradebook`` (which writes the ``autograded/`` notebooks formgrader shows).
Then nbgrader's formgrader (``jupyter server`` with nbgrader's extension, the course's ``nbgrader_config.py``)
serves each submission's page, and headless Chromium lays it out at 1280 × 900 CSS pixels, as an instructor's
browser would: the first answer to grade by hand (the derivation's score box) must start within the first
5,000 px, where it sat ~10,000 px down before (behind the 460-line set-up cell, and in ps2 the 1,016-line data
cell). :mod:`autograder.nbgrader_io.collapsed_cells` collapses those cells to their title line in the HTML.

Positive control: the same course with the collapsing preprocessor taken out of its ``nbgrader_config.py`` puts
every set's first derivation below the limit. A screenshot of the top 5,000 px of each page (and of the page
before) is written to the test's folder, and to ``$PROBDL_SCREENSHOTS`` when set; each must be a real PNG of
that size, not a blank page.
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest

from autograder.model.course import ANSWER_CELLS, PROBLEM_SETS
from testkit import nbgrader_course
from testkit.fill import filled_release
from tests.browser import Browser
from tests.test_manual_grading import Formgrader

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 1280, 900
#: Where the first derivation's score box must start, in CSS pixels from the top of formgrader's page.
LIMIT_PX = 5000
#: The line of the course's nbgrader_config.py that collapses the set-up and data cells (left out: the control).
COLLAPSE_LINE = 'c.HTMLExporter.preprocessors = ["autograder.nbgrader_io.collapsed_cells.CollapseCourseCells"]'
STUDENT = "ann"

#: The top of a page's first derivation, and the page's height, in CSS pixels (a promise is awaited: the
#: page's fonts loaded first).
MEASURE = """document.fonts.ready.then(() => {{
  const box = document.getElementById({gid!r});
  const panel = box && box.closest('.nbgrader_cell');
  return {{top: panel ? panel.getBoundingClientRect().top + window.scrollY : null,
           height: document.documentElement.scrollHeight,
           collapsed: [...document.querySelectorAll('.input_area')].filter(a => a.textContent.includes(
               "collapsed for the grader")).length}};
}})"""


def _build(folder: Path, empty_gradebook: Path) -> dict:
    course = nbgrader_course.make_course(folder / "course", PROBLEM_SETS, gradebook=False)  # the committed release
    shutil.copy(empty_gradebook, course / "gradebook.db")
    nbgrader_course.write_submissions(course / "submitted", {
        (STUDENT, ps): filled_release(ps, course_dir=course) for ps in PROBLEM_SETS})
    nbgrader_course.engine_autograde(course / "submitted", course / "results", course, 2, "--gradebook", str(course),
                                     log=folder / "engine.log")
    return {"course": str(course)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, empty_gradebook) -> Path:
    return Path(nbgrader_course.shared_once(tmp_path_factory, "formgrader_page_course",
                                            lambda folder: _build(folder, empty_gradebook))["course"])


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def _pages(course: Path, folder: Path, tag: str) -> dict:
    """``{ps: (top of the first derivation, page height, collapsed cells)}`` of each set's formgrader page, with a
    screenshot ``<tag>-<ps>.png`` of its top in ``folder``."""
    out = {}
    folder.mkdir(parents=True, exist_ok=True)
    fg = Formgrader(course, folder / f"jupyter-{tag}.log")
    try:
        fg.wait()
        with Browser() as browser:
            for ps in PROBLEM_SETS:
                listed = {s["student"]: s for s in fg.request("GET", f"/formgrader/api/submitted_notebooks/{ps}/{ps}")}
                url = f"http://127.0.0.1:{fg.port}/formgrader/submissions/{listed[STUDENT]['id']}/?token={fg.token}"
                page = browser.open_url(url, WIDTH, HEIGHT)
                first = ANSWER_CELLS[ps][0][0]
                found = page.evaluate(MEASURE.format(gid=first))
                assert found["top"] is not None, f"{ps}: no score box for {first} on formgrader's page"
                shot = browser.screenshot(page, folder / f"{tag}-{ps}.png", min(found["height"], LIMIT_PX))
                assert _png_size(shot) == (WIDTH, min(found["height"], LIMIT_PX)) and len(shot) > 20_000, (ps, tag)
                browser.close(page)
                out[ps] = (round(found["top"]), found["height"], found["collapsed"])
    finally:
        fg.close()
    wanted = os.environ.get("PROBDL_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        for png in folder.glob(f"{tag}-*.png"):
            shutil.copy(png, Path(wanted) / png.name)
    return out


@pytest.fixture(scope="module")
def measured(graded, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("formgrader-pages")
    before = folder / "course-before"
    shutil.copytree(graded, before)
    config = before / "nbgrader_config.py"
    text = config.read_text(encoding="utf-8")
    assert COLLAPSE_LINE in text, "the course's nbgrader_config.py collapses the set-up and data cells"
    config.write_text(text.replace(COLLAPSE_LINE, ""), encoding="utf-8")
    pages = {"after": _pages(graded, folder / "shots", "after"), "before": _pages(before, folder / "shots", "before")}
    print(f"\nformgrader pages at {WIDTH} px wide (first derivation's top, page height; screenshots in {folder}):")
    for ps in PROBLEM_SETS:
        (b_top, b_height, _), (a_top, a_height, _) = pages["before"][ps], pages["after"][ps]
        print(f"  {ps:20s} before {b_top:>6} of {b_height:>6} px   now {a_top:>5} of {a_height:>6} px")
    return pages


#: Sets whose first derivation still comes too late in the notebook for formgrader's page even with the course's
#: cells collapsed. May only shrink; empty since ps6 asks its derivation first (section 1, "MAP estimation, on
#: paper"): after its four functions it started ~9,900 px down, and their solutions and score boxes alone are
#: ~6,700 px, so no collapsing could bring it within the limit.
TOO_LATE: frozenset[str] = frozenset()


@pytest.mark.parametrize("ps", [pytest.param(ps, marks=pytest.mark.xfail(strict=True, reason="TOO_LATE"))
                                if ps in TOO_LATE else ps for ps in PROBLEM_SETS])
def test_formgrader_opens_on_the_first_derivation(measured, ps):
    top, _, collapsed = measured["after"][ps]
    assert collapsed >= 1, f"{ps}: the set-up cell is not collapsed on formgrader's page"
    assert top <= LIMIT_PX, f"{ps}: the first derivation starts {top} px down formgrader's page (at most {LIMIT_PX})"


def test_the_page_as_it_was_puts_the_derivation_below_the_fold(measured):
    """Positive control: without the collapsing preprocessor, ps1's and ps2's first derivations are far down (the
    issue measured ~10,000 px on ps1), and nothing is collapsed."""
    for ps in ("ps1_softmax", "ps2_cross_entropy"):
        top, _, collapsed = measured["before"][ps]
        assert collapsed == 0 and top > LIMIT_PX, (ps, top)
