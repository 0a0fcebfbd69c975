"""A notebook file over the grader's 20 MB is read without its outputs, by a process of its own
(autograder/model/large_notebook.py), wherever a notebook comes in: the engine's reader, a student's repository in
CI, a Gradescope upload. What cannot be read that way is refused with a reason the student can act on, and the
separate process's limits hold against a notebook built to exhaust them."""

import base64
import json
import os

import pytest

from autograder.engine.restore import rebuild
from autograder.model import large_notebook
from autograder.model.course import ROOT
from autograder.model.gradescope_upload import lay_out
from autograder.model.notebook import (
    MAX_NOTEBOOK_BYTES,
    Unreadable,
    cell_text,
    load_source,
    load_submission,
    read_bounded,
    read_cells,
)
from autograder.model.repository_notebook import copy_regular
from testkit.fill import filled_release

PS = "ps1_softmax"


def _with_large_outputs(megabytes: int) -> dict:
    """The reference notebook with a plot's worth of PNG output in its first code cell, ``megabytes`` of it."""
    nb = filled_release(PS)
    png = base64.b64encode(os.urandom(megabytes * 1024 * 1024 * 3 // 4)).decode()
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    first["outputs"] = [{"output_type": "display_data", "metadata": {},
                         "data": {"image/png": png, "text/plain": ["<Figure size 640x480 with 1 Axes>"]}}]
    first["attachments"] = {}
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    path = tmp_path_factory.mktemp("large") / f"{PS}.ipynb"
    path.write_text(json.dumps(_with_large_outputs(30)), encoding="utf-8")
    assert path.stat().st_size > MAX_NOTEBOOK_BYTES
    return path


def test_a_notebook_large_for_its_outputs_is_read_without_them_and_rebuilt_as_the_small_one(large):
    small = filled_release(PS)
    cells = load_submission(large)
    assert [c.source for c in cells] == [cell_text(c) for c in small["cells"]]
    read = json.loads(read_bounded(large))["cells"]  # (what the separate process gave back: no output, no attachment)
    assert all(c.get("outputs", []) == [] and "attachments" not in c for c in read)
    source = load_source(ROOT / "source" / PS / f"{PS}.ipynb", PS)
    big, expected = rebuild(source, cells), rebuild(source, read_cells(small["cells"]))
    assert big.student_code == expected.student_code and big.tamper == [] and big.notes == []


def test_a_students_repository_and_a_gradescope_upload_take_it_without_its_outputs(large, tmp_path):
    copied = copy_regular(large, tmp_path / "ci")
    assert copied.stat().st_size < 1024 * 1024 and json.loads(copied.read_text(encoding="utf-8"))["cells"]
    assert lay_out([large], tmp_path / "gradescope") == []  # copied as it is: the engine reads it as above
    assert (tmp_path / "gradescope" / large.name).stat().st_size == large.stat().st_size


@pytest.mark.parametrize("content,said", [
    (lambda: json.dumps({**filled_release(PS), "cells": filled_release(PS)["cells"] + [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "x = 1\n" * 4_000_000}]}), "its code and text alone are over the limit — remove pasted data"),
    (lambda: "{" * (21 * 1024 * 1024), "not valid UTF-8 JSON — open it in Jupyter and save it again"),
    (lambda: json.dumps(["not", "a", "notebook", "x" * (21 * 1024 * 1024)]), "not a notebook"),
    # ~7 million empty lists: more than the separate process's memory (6 bytes a byte of file, plus 256 MB) holds
    (lambda: "[" + "[]," * 7_000_000 + "[]]", "more memory or time than the grader allows"),
])
def test_what_cannot_be_read_without_outputs_is_refused_with_a_reason(tmp_path, content, said):
    path = tmp_path / f"{PS}.ipynb"
    path.write_text(content(), encoding="utf-8")
    assert path.stat().st_size > MAX_NOTEBOOK_BYTES
    with pytest.raises(Unreadable, match="over the 20 MB the grader reads") as caught:
        load_submission(path)
    assert said in str(caught.value)


def test_a_file_over_the_largest_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / f"{PS}.ipynb"
    with open(path, "wb") as fh:
        fh.truncate(large_notebook.MAX_FILE_BYTES + 1)  # (sparse: no disk used)
    monkeypatch.setattr(large_notebook.subprocess, "Popen", None)  # no process is started for it
    with pytest.raises(Unreadable, match="too large .*the limit is 256 MB"):
        load_submission(path)


def test_modules_beside_the_notebook_are_not_imported_by_the_separate_process(large, tmp_path, monkeypatch):
    """A student's repository is the working folder in CI: a json.py or resource.py committed there must not
    replace the standard library's in the process that parses the notebook (``-I``: no working folder on the path)."""
    for name in ("json.py", "resource.py", "sitecustomize.py"):
        (tmp_path / name).write_text("raise SystemExit(7)\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    assert [c.source for c in load_submission(large)] == [cell_text(c) for c in filled_release(PS)["cells"]]
