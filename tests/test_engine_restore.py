"""Locked cells come from the source, whatever the submission did to them; tampering is reported."""

import copy
import json

import pytest

from autograder.engine import restore
from autograder.model import course
from autograder.model.notebook import (
    SubmittedCell,
    Unreadable,
    cell_text,
    load_source,
    load_submission,
    read_cells,
)
from testkit.fill import filled_release
from tests import engine_helpers

PS = "ps1_softmax"


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = engine_helpers.write_notebook(tmp_path_factory.mktemp("course") / f"{PS}.ipynb", engine_helpers.source_notebook(PS))
    return load_source(path, PS)


def cells_of(nb):
    return copy.deepcopy(nb["cells"])


def rebuild(source, cells):
    """:func:`restore.rebuild` of ``cells``: a notebook's cells as the JSON the tests edit (read as the model reads
    a submission, :func:`read_cells`), or as :func:`load_submission` read them."""
    typed = all(isinstance(c, SubmittedCell) for c in cells)
    return restore.rebuild(source, cells if typed else read_cells(cells))


def index_of(cells, grade_id):
    return next(i for i, c in enumerate(cells) if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def restored_tests(rebuilt):
    return [c.grade_id for c in rebuilt.cells if c.is_test]


def test_points_come_from_the_source_metadata(source):
    assert source.tests == [(gid, float(p)) for gid, p in course.GRADE_CELLS[PS]]
    assert source.max_score == course.max_score(PS)
    answers = [gid for gid, _ in course.ANSWER_CELLS[PS]]  # answer cells are solution cells too (Markdown)
    assert [s for s in source.solution_ids if s not in answers] == list(course.FUNCTIONS[PS])


def test_an_untouched_submission_has_no_tamper_notes(source):
    rebuilt = rebuild(source, cells_of(engine_helpers.submission(PS, correct=True)))
    assert rebuilt.tamper == [] and rebuilt.notes == []
    assert restored_tests(rebuilt) == [gid for gid, _ in source.tests]
    assert set(rebuilt.student_code) == set(course.FUNCTIONS[PS]) | {gid for gid, _ in course.ANSWER_CELLS[PS]}
    assert rebuilt.student_code["softmax"] == engine_helpers.CORRECT[PS]["softmax"]
    runs = [c for c in rebuilt.cells if c.runs]
    assert [c.grade_id for c in runs] == ["imports", *course.FUNCTIONS[PS]]
    assert not any("HIDDEN" in c.source for c in runs)


def test_deleted_test_cells_are_restored(source):
    cells = cells_of(engine_helpers.submission(PS, correct=True))
    del cells[index_of(cells, "softmax-stability")]
    del cells[index_of(cells, "imports")]
    rebuilt = rebuild(source, cells)
    assert restored_tests(rebuilt) == [gid for gid, _ in source.tests]
    assert any("`softmax-stability` was deleted" in t for t in rebuilt.tamper)
    assert any("`imports` was deleted" in t for t in rebuilt.tamper)
    imports = next(c for c in rebuilt.cells if c.grade_id == "imports")
    assert imports.runs and "import numpy as np" in imports.source


def test_edited_test_cells_are_restored(source):
    cells = cells_of(engine_helpers.submission(PS, correct=True))
    i = index_of(cells, "logsumexp-basic")
    cells[i]["source"] = "pass  # I removed the asserts"
    cells[i]["metadata"]["nbgrader"]["points"] = 100
    j = index_of(cells, "imports")
    cells[j]["source"] = "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
    rebuilt = rebuild(source, cells)
    assert any("`logsumexp-basic` was edited" in t for t in rebuilt.tamper)
    assert any("metadata of `logsumexp-basic`" in t for t in rebuilt.tamper)
    assert any("`imports` was edited" in t for t in rebuilt.tamper)
    restored = next(c for c in rebuilt.cells if c.grade_id == "logsumexp-basic")
    assert "run_check" not in restored.source and "assert callable(logsumexp)" in restored.source
    assert "allclose" not in next(c for c in rebuilt.cells if c.grade_id == "imports").source


def test_duplicated_test_cells_are_removed(source):
    cells = cells_of(engine_helpers.submission(PS, correct=True))
    dup = cells[index_of(cells, "softmax-basic")]
    cells.insert(0, copy.deepcopy(dup))
    cells.append(copy.deepcopy(dup))
    rebuilt = rebuild(source, cells)
    assert restored_tests(rebuilt) == [gid for gid, _ in source.tests]
    assert any("`softmax-basic` appears 3 times" in t for t in rebuilt.tamper)


def test_reordered_cells_go_back_to_source_order(source):
    cells = cells_of(engine_helpers.submission(PS, correct=True))
    moved = cells.pop(index_of(cells, "log_softmax-stability"))
    cells.insert(1, moved)
    sol = cells.pop(index_of(cells, "log_softmax"))
    cells.insert(2, sol)
    rebuilt = rebuild(source, cells)
    assert restored_tests(rebuilt) == [gid for gid, _ in source.tests]
    assert any("reordered" in t and "`log_softmax-stability`" in t for t in rebuilt.tamper)
    assert any("`log_softmax` were moved" in n for n in rebuilt.notes)
    order = [c.grade_id for c in rebuilt.cells if c.grade_id]
    assert order == [c.grade_id for c in source.cells if c.grade_id]


def test_extra_student_cells_stay_where_they_were(source):
    nb = engine_helpers.submission(PS, correct=True, extra_after={"softmax": ["HELPER = 1"], "log_softmax": ["y = 2"]},
                            extra_before=["x = 0"])
    rebuilt = rebuild(source, cells_of(nb))
    texts = [c.source for c in rebuilt.cells]
    assert texts[0] == "x = 0"
    assert texts.index("HELPER = 1") == texts.index(engine_helpers.CORRECT[PS]["softmax"]) + 1
    assert texts.index("y = 2") == texts.index(engine_helpers.CORRECT[PS]["log_softmax"]) + 1
    assert rebuilt.tamper == []
    assert sum(1 for c in rebuilt.cells if c.origin == "student") == 3


def test_missing_and_duplicated_solution_cells_are_noted_not_tampering(source):
    cells = cells_of(engine_helpers.submission(PS, correct=True))
    del cells[index_of(cells, "softmax")]
    i = index_of(cells, "logsumexp")
    cells.insert(i + 1, copy.deepcopy(cells[i]))
    rebuilt = rebuild(source, cells)
    assert rebuilt.tamper == []
    assert any("`softmax` is missing" in n for n in rebuilt.notes)
    assert any("`logsumexp` appears 2 times" in n for n in rebuilt.notes)
    assert "softmax" not in rebuilt.student_code
    assert sum(1 for c in rebuilt.cells if c.runs and "def logsumexp" in c.source) == 2


def test_malformed_cells_are_ignored_with_a_note(source):
    cells = cells_of(engine_helpers.submission(PS, correct=True)) + ["not a cell", {"cell_type": "weird"}]
    rebuilt = rebuild(source, cells)
    assert len([n for n in rebuilt.notes if "not a well-formed" in n]) == 2


@pytest.mark.parametrize("content,reason", [
    ("", "empty"),
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not a notebook"),
    (json.dumps({"nbformat": 3, "worksheets": []}), "nbformat 4"),
    (json.dumps({"nbformat": 4}), "no list of cells"),
    (b"\xff\xfe\x00garbage", "UTF-8"),
    ("[" * 100000 + "]" * 100000, "JSON"),
])
def test_unreadable_notebooks_say_why(tmp_path, content, reason):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(Unreadable, match=reason):
        load_submission(path)


def test_the_released_form_of_a_test_cell_is_not_tampering(source):
    """nbgrader's release removes the hidden tests from test cells: that copy is the untouched one."""
    cells = cells_of(engine_helpers.submission(PS, correct=True))
    for cell in cells:
        if "### BEGIN HIDDEN TESTS" in cell["source"]:
            cell["source"] = cell["source"].split("### BEGIN HIDDEN TESTS")[0].rstrip() + "\n\n"
    assert rebuild(source, cells).tamper == []


# --- cells that lost their nbgrader metadata (autograder/model/recognise.py), on the course's own notebook --------
@pytest.fixture(scope="module")
def course_source():
    return load_source(course.ROOT / "source" / PS / f"{PS}.ipynb", PS)


def _bare(cell):
    cell = {**cell, "metadata": {}}
    cell.pop("id", None)
    return cell


def _scratch(text):
    return {"cell_type": "code", "metadata": {}, "source": text, "outputs": [], "execution_count": None}


def test_a_solution_cell_that_lost_its_metadata_is_recognised_in_its_place_by_what_it_defines(course_source):
    cells = filled_release(PS)["cells"]
    i = index_of(cells, "softmax")
    cells[i] = _bare(cells[i])
    cells.insert(i, _scratch("print('trying things')"))  # a scratch cell first, in the same place
    rebuilt = rebuild(course_source, cells)
    assert rebuilt.student_code["softmax"] == cell_text(cells[i + 1])
    assert rebuilt.notes == ["1 cell had lost its nbgrader metadata and was recognised: `softmax` by its place"]
    order = [c.source for c in rebuilt.cells if c.runs]
    assert order.index("print('trying things')") < order.index(cell_text(cells[i + 1]))  # the order as handed in


def test_a_cell_outside_its_place_is_not_taken_for_the_solution_cell_but_still_runs(course_source):
    cells = filled_release(PS)["cells"]
    moved = _bare(cells.pop(index_of(cells, "softmax")))
    cells.append(moved)  # after other known cells: no longer in softmax's place
    rebuilt = rebuild(course_source, cells)
    assert "softmax" not in rebuilt.student_code
    assert "solution cell `softmax` is missing from the submission" in rebuilt.notes
    assert any(c.origin == "student" and c.runs and c.source == cell_text(moved) for c in rebuilt.cells)


def test_a_bare_copy_of_a_locked_cell_that_is_there_stays_the_students(course_source):
    cells = filled_release(PS)["cells"]
    j = index_of(cells, "imports")
    cells.insert(j + 1, _bare(cells[j]))
    rebuilt = rebuild(course_source, cells)
    assert rebuilt.notes == [] and rebuilt.tamper == []
    assert [c.origin for c in rebuilt.cells if c.source == cell_text(cells[j])] == ["source", "student"]


def test_a_byte_order_mark_and_windows_line_ends_change_nothing(course_source, tmp_path):
    """Some Windows editors save a UTF-8 byte-order mark and CRLF line ends: the notebook reads and rebuilds as the
    plain one (no cell counted edited), where json.loads alone refuses the mark."""
    plain = filled_release(PS)
    windows = {**plain, "cells": [{**c, "source": cell_text(c).replace("\n", "\r\n")} for c in plain["cells"]]}
    path = tmp_path / f"{PS}.ipynb"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(windows).encode("utf-8"))
    rebuilt, expected = rebuild(course_source, load_submission(path)), rebuild(course_source, plain["cells"])
    assert rebuilt.tamper == [] and rebuilt.notes == []
    assert {k: v.replace("\r\n", "\n") for k, v in rebuilt.student_code.items()} == expected.student_code


def test_the_set_up_cell_of_an_earlier_release_is_recognised_by_its_title(course_source):
    """A notebook started from an earlier release carries an earlier self-check module in its set-up cell; stripped
    of its metadata, that cell is still the set-up cell (never run by the grader), not code of the student's."""
    cells = [_bare(c) for c in filled_release(PS)["cells"]]
    i = next(k for k, c in enumerate(cells) if "SELFCHECK = r'''" in cell_text(c))
    cells[i] = {**cells[i], "source": cell_text(cells[i]).replace("def library_calls(fn):", "def library_calls(fn):\n"
                                                                   "    # (an earlier release's version)")}
    rebuilt = rebuild(course_source, cells)
    assert not any(c.origin == "student" for c in rebuilt.cells), [c.source[:60] for c in rebuilt.cells
                                                                    if c.origin == "student"]
    assert rebuilt.tamper == ["locked cell `self-check` was edited (cell 1); restored from the source"]


def test_a_test_cell_copied_to_hold_the_students_code_runs_as_theirs(course_source):
    """JupyterLab copies a cell with its metadata: a student who pastes a copy of a test cell and writes their
    function in it ran that code in their notebook. The source's test cell stands in its place; the changed copy
    runs as the student's own cell (it used to be dropped with the unchanged duplicates, and the function with it),
    before or after the original."""
    for before in (False, True):
        cells = filled_release(PS)["cells"]
        i = index_of(cells, "softmax")
        code = cell_text(cells[i])
        cells[i] = {**cells[i], "source": "def softmax(z, axis=-1, temperature=1.0):\n    raise NotImplementedError()\n"}
        j = index_of(cells, "softmax-basic")
        cells.insert(j + (0 if before else 1), {**copy.deepcopy(cells[j]), "source": code})
        rebuilt = rebuild(course_source, cells)
        mine = [c for c in rebuilt.cells if c.origin == "student" and c.source == code]
        assert len(mine) == 1 and mine[0].runs
        restored = [c for c in rebuilt.cells if c.grade_id == "softmax-basic"]
        assert len(restored) == 1 and restored[0].origin == "source"
        assert rebuilt.tamper == [f"graded test cell `softmax-basic` appears 2 times; the source's stands in its "
                                  f"place; the changed copy (cell {j if before else j + 1}) runs as the student's own"]
