"""Feedback for unfinished work: the real release notebook with one function written, graded for real.

A student who has written only ``logsumexp`` of ps1 hands in the release
notebook (template docstrings included). The grading engine runs it in the
sandbox; results.json marks the other functions' cells ``not-attempted``
(no hint, a message that says so), and the feedback page gives each
unfinished function one line with its points, and shows the student's code
without the template's docstring.
"""

import json
import re

import pytest

from autograder.engine.batch import grade_batch
from autograder.model import course
from autograder.model.results import read_result as load_result  # the model's tolerant reader
from autograder.model.results import results_path
from autograder.perimeter.confinement.limits import Limits
from autograder.reports.feedback import render_feedback, without_docstrings

PS = "ps1_softmax"
BODY = """    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)), axis=axis)
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    nb = json.loads(course.release_notebook(PS).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "logsumexp":
            src = "".join(cell["source"])
            assert "raise NotImplementedError()" in src
            cell["source"] = src.replace("    # YOUR CODE HERE\n    raise NotImplementedError()", BODY.rstrip("\n"))
    root = tmp_path_factory.mktemp("unfinished")
    path = root / "submitted" / "sam" / PS / f"{PS}.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    summary = grade_batch(root / "submitted", root / "results", workers=1, limits=Limits(timeout_s=20))
    assert summary.ok
    return results_path(root / "results", "sam", PS)


@pytest.mark.slow
def test_unfinished_functions_are_not_attempted_not_mistakes(graded):
    tests = {t["name"]: t for t in json.loads(graded.read_text())["tests"]}
    for gid, t in tests.items():
        if gid.endswith("-derivation"):  # left as released: not answered (0, as nbgrader scores it), never
            assert (t["kind"], t["status"], t["score"]) == ("not-answered", "failed", 0.0), t  # "not attempted"
            continue
        if course.function_of(gid) == "logsumexp":
            assert t["status"] == "passed", t
            continue
        assert t["kind"] == "not-attempted" and t["score"] == 0.0, t
        assert t["hint"] == "", t  # no "check the temperature first" for a function not written yet
        assert "not attempted yet" in t["message"] and "NotImplementedError: ." not in t["message"], t


@pytest.mark.slow
def test_feedback_gives_one_line_per_unfinished_function_and_the_code_without_the_template_text(graded):
    page = render_feedback(load_result(graded))
    unfinished = [fn for fn in course.FUNCTIONS[PS] if fn != "logsumexp"]
    for fn, points in ((fn, sum(p for gid, p in course.GRADE_CELLS[PS] if course.function_of(gid) == fn))
                       for fn in unfinished):
        section = re.search(rf'<section class="card unfinished" id="fn-{fn}">(.*?)</section>', page, re.S)
        assert section, f"no one-line section for {fn}"
        assert "Not attempted yet" in section.group(1) and f"0 / {points:g} points" in section.group(1)
        assert "<table" not in section.group(1) and "Hint" not in section.group(1)
    assert "Hint:" not in page  # nothing failed that the student wrote
    code = re.search(r'<section class="card" id="fn-logsumexp">.*?<pre class="code"[^>]*><code>(.*?)</code>', page, re.S)
    assert code and "np.squeeze(m + np.log" in code.group(1)
    assert "Parameters" not in code.group(1) and "YOUR CODE HERE" not in code.group(1)


def test_without_docstrings_keeps_code_and_strings_that_are_not_docstrings():
    code = 'def f(x):\n    r"""Doc.\n\n    More.\n    """\n    s = """kept"""\n    return s\n'
    assert without_docstrings(code) == 'def f(x):\n    s = """kept"""\n    return s\n'
    assert without_docstrings("def g(): return 1\n") == "def g(): return 1\n"
