"""The results model (autograder/model/results.py): the schema results.json keeps, and a tolerant reader.

results.json is read by the reports, merged across shards and by other tools
(Gradescope's schema): its keys and their order are part of the contract,
pinned here on a hand-written file, and a result read back writes the same
bytes. A folder the instructor edited (or an older tool wrote) still loads.
"""

import json

import pytest

from autograder.model.results import (
    MAX_ITEMS,
    Execution,
    SubmissionResult,
    TestResult,
    fmt_points,
    read_result,
    write_results,
)

#: A results.json as the engine writes it (keys in the order they are written).
FILE = {
    "score": 2.0, "max_score": 6.0, "pending_points": 3.0, "student": "ada", "assignment": "ps1_softmax",
    "tests": [
        {"name": "softmax-basic", "score": 2.0, "max_score": 2.0, "status": "passed", "output": "ok",
         "message": "ok", "hint": "", "kind": "passed"},
        {"name": "softmax-stable", "score": 0.0, "max_score": 1.0, "status": "failed",
         "output": "overflow\nHint: subtract the max", "message": "overflow", "hint": "subtract the max",
         "kind": "value"},
        {"name": "softmax-derivation", "score": None, "max_score": 3.0, "status": "pending",
         "output": "Awaiting manual grading: your instructor reads this answer and gives its points.",
         "message": "Awaiting manual grading: your instructor reads this answer and gives its points.",
         "hint": "", "kind": "manual"},
    ],
    "execution": {"cells": [{"index": 3, "grade_id": "softmax", "status": "ok", "error": "", "duration_s": 0.01}],
                  "duration_s": 0.5, "stdout_truncated": False, "output_bytes": 12, "sandbox": {"timeout_s": 30}},
    "tamper": [], "flags": [{"cell": 3, "reason": "dynamic import"}], "student_code": {"softmax": "def softmax(z): ..."},
    "answers": {"softmax-derivation": "$\\partial_j p_i = p_i(\\delta_{ij} - p_j)$"},
    "notes": [],
}


def test_a_result_read_back_writes_the_same_bytes(tmp_path):
    path = write_results(tmp_path / "ada" / "ps1_softmax" / "results.json", FILE)
    result = read_result(path)
    assert result.to_json() == FILE and list(result.to_json()) == list(FILE)
    assert [list(t.to_json()) for t in result.tests] == [list(t) for t in FILE["tests"]]
    again = write_results(tmp_path / "again.json", result)
    assert again.read_bytes() == path.read_bytes()
    assert result.passed == 1 and result.tests[1].output == "overflow\nHint: subtract the max"
    # what the writer cut is not cut again when read (the feedback page shows what the file says)
    long = SubmissionResult("ada", "ps1_softmax", 0.0, 1.0, [TestResult("softmax-basic", 0.0, 1.0, False, "x" * 9000)],
                            notes=["n"] * 500)
    first = write_results(tmp_path / "long.json", long)
    assert write_results(tmp_path / "long2.json", read_result(first)).read_bytes() == first.read_bytes()


def test_a_notebook_not_graded_scores_zero_on_every_cell_with_the_reason():
    result = SubmissionResult.not_graded("ada", "ps1_softmax", [("softmax-basic", 2), ("softmax-stable", 1)], 3.0,
                                         "invalid JSON", grading_error="")
    data = result.to_json()
    assert "grading_error" not in data and data["notes"] == ["invalid JSON"]
    assert data["execution"] == {"cells": [], "duration_s": 0.0, "stdout_truncated": False, "sandbox": {}}
    assert [(t["score"], t["max_score"], t["kind"]) for t in data["tests"]] == [(0.0, 2.0, "unreadable"),
                                                                              (0.0, 1.0, "unreadable")]
    assert data["tests"][0]["message"] == "The notebook could not be graded: invalid JSON."
    failed = SubmissionResult.not_graded("ada", "ps1_softmax", [], 3.0, "the grader failed", "ValueError: x")
    assert list(failed.to_json())[-1] == "grading_error" and failed.flagged


def test_an_edited_or_foreign_file_still_loads_with_defaults(tmp_path):
    path = tmp_path / "bob" / "ps1_softmax" / "results.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({
        "score": "NaN", "tests": [{"grade_id": "softmax-basic", "score": True, "max_score": 1,
                                   "output": "wrong\nHint: exp then normalise"}, "junk"],
        "execution": [1, 2], "notes": ["n"] * (MAX_ITEMS + 50), "flags": ["eval seen", {"cell": True}],
        "student_code": ["not", "a", "dict"],
    }))
    r = read_result(path)
    assert (r.student, r.assignment, r.score, r.max_score) == ("bob", "ps1_softmax", 0.0, 1.0)
    t = r.tests[0]  # a bool is not a score; the hint is split off a Gradescope-only output
    assert (t.name, t.score, t.passed, t.message, t.hint) == ("softmax-basic", 0.0, False, "wrong",
                                                               "exp then normalise")
    assert len(r.tests) == 1 and r.execution == Execution() and r.student_code == {}
    assert len(r.notes) == MAX_ITEMS + 1  # what the writer keeps: MAX_ITEMS and its "… and N more"
    assert r.flags == [{"cell": None, "reason": "eval seen"}, {"cell": None, "reason": "flagged by the sandbox"}]
    path.write_text("{half a file")
    broken = read_result(path)
    assert broken.unreadable.startswith("JSONDecodeError") and broken.flagged and broken.tests == []


def test_points_are_written_as_people_write_them():
    assert [fmt_points(x) for x in (2.0, 1.5, 1 / 3, 1234567.0)] == ["2", "1.5", "0.33", "1234567"]
    assert fmt_points(1 / 3, 4) == "0.3333" and fmt_points(7.5, 4) == "7.5"
    assert TestResult("a-b", 1.0, 1.0, True).to_json()["status"] == "passed"


def test_an_answer_awaiting_grading_is_pending_never_zero_never_earned(tmp_path):
    """A derivation no person has graded: ``score`` null and status "pending" in the file, in no score,
    counted in ``pending_points``; graded by hand it is an ordinary score with the grader's comment."""
    result = read_result(write_results(tmp_path / "ada" / "ps1_softmax" / "results.json", FILE))
    answer = result.tests[2]
    assert answer.pending and answer.manual and answer.score is None and answer.status == "pending"
    assert (result.score, result.pending_points, result.max_score) == (2.0, 3.0, 6.0)
    assert (result.autograded_score, result.autograded_max_score) == (2.0, 3.0)
    assert result.passed == 1 and [t.name for t in result.pending] == ["softmax-derivation"]
    assert SubmissionResult.scored("ada", "ps1_softmax", 6.0, result.tests).score == 2.0
    assert result.answers == FILE["answers"]
    # a written answer awaits grading; a blank or missing one is not answered: 0 at once, as nbgrader scores it
    written = TestResult.ungraded_answer("softmax-derivation", 3, "p - t, by the chain rule")
    blank = TestResult.ungraded_answer("softmax-derivation", 3, "  YOUR ANSWER HERE\n")
    emptied = TestResult.ungraded_answer("softmax-derivation", 3, "")
    missing = TestResult.ungraded_answer("softmax-derivation", 3, None)
    assert written.pending and written.manual and not written.unanswered
    for t in (blank, emptied, missing):
        assert (t.score, t.pending, t.unanswered, t.manual, t.status) == (0.0, False, True, True, "failed")
        assert TestResult.from_json(t.to_json()) == t
    assert "Not answered" in blank.message and "YOUR ANSWER HERE" in blank.message and "missing" in missing.message
    # an edited file that drops the score of a manual test does not turn it into 0 points
    data = json.loads(json.dumps(FILE))
    del data["tests"][2]["score"], data["tests"][2]["status"]
    assert SubmissionResult.from_json(data).tests[2].pending
    graded = TestResult.graded_by_hand("softmax-derivation", 2.0, 3.0, "sign error in the last line")
    assert graded.to_json()["score"] == 2.0 and graded.status == "failed" and not graded.pending
    assert graded.message == "Graded by your instructor: 2 / 3 points. Comment: sign error in the last line"
    assert TestResult.graded_by_hand("softmax-derivation", 3.0, 3.0).status == "passed"


#: What a results.json may hold, and whether it is a complete result (kept when a batch resumes, a cell of
#: grades.csv). Where the rule changed when the model became the one reader (before, any JSON object with
#: the keys "score" and "tests" was kept on resume, but grades.csv then skipped or crashed on it):
#: ``was`` is (kept on resume, grades.csv cell) under the old rule.
COMPLETENESS = [
    # (name, file bytes, complete?, was)
    ("written by the engine", json.dumps(FILE).encode(), True, (True, "2")),
    ("an older version: no pending_points, answers", b'{"score": 1.5, "tests": []}', True, (True, "1.5")),
    ("a grading error (complete; resume re-grades it)", b'{"score": 0, "tests": [], "grading_error": "x"}', True,
     (False, "0")),
    ("empty (a killed writer; ours is atomic)", b"", False, (False, None)),
    ("truncated", b'{"score": 1, "te', False, (False, None)),
    ("not UTF-8", b'{"score": 1, "tests": [], "student": "\xff"}', False, (False, None)),
    ("not an object", b"[1, 2]", False, (False, None)),
    ("nested too deep to parse", b"[" * 100_000, False, ("crashed", "crashed")),
    ("no score (e.g. a summary.json)", b'{"tests": []}', False, (False, None)),
    ("no tests", b'{"score": 3}', False, (False, None)),
    # stricter than before: these were kept on resume, so never graded again, yet missing from grades.csv
    ("score not a number", b'{"score": "abc", "tests": []}', False, (True, None)),
    ("score null", b'{"score": null, "tests": []}', False, (True, None)),
    ("score NaN", b'{"score": NaN, "tests": []}', False, (True, None)),
    ("score infinite", b'{"score": 1e400, "tests": []}', False, (True, None)),
    ("score too wide for a float", b'{"score": 1' + b"0" * 400 + b', "tests": []}', False, (True, "crashed")),
    # stricter than before: our writer never writes these, so an edit made them; grading again is safe
    ("score a string of a number", b'{"score": "3", "tests": []}', False, (True, "3")),
    ("score a boolean", b'{"score": true, "tests": []}', False, (True, "1")),
    ("tests not a list", b'{"score": 3, "tests": null}', False, (True, "3")),
]


@pytest.mark.parametrize("name, raw, complete, was", COMPLETENESS, ids=[c[0] for c in COMPLETENESS])
def test_a_complete_result_is_one_resume_keeps_and_grades_csv_counts(tmp_path, name, raw, complete, was):
    """One rule, the model's (SubmissionResult.complete): a file kept when a batch resumes is always a cell of
    grades.csv, and a file that is not complete is graded again and left out of grades.csv; reading never
    raises (the reports show what they can)."""
    from autograder.model.grades import grades_table

    path = tmp_path / "ada" / "ps1_softmax" / "results.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)
    result = read_result(path)
    assert result.complete is complete, (result.unreadable, result.incomplete)
    assert bool(result.unreadable or result.incomplete) is not complete
    _, rows = grades_table(tmp_path)
    assert (rows[0][1] if rows else None) == (fmt_points(result.score, 4) if complete else None)


def test_the_one_walker_reads_student_folders_not_hidden_ones(tmp_path):
    """What the engine never writes (it grades no hidden folder of submitted/) is not a submission for the
    reports or for merge either: a ``.ipynb_checkpoints`` or ``.cache`` folder beside the students is left out."""
    from autograder.model.results import result_files
    from autograder.model.shards import merge_folders

    for student, ps in (("ada", "ps1_softmax"), (".cache", "ps1_softmax"), ("ada", ".ipynb_checkpoints"),
                        ("ben", "ps1_softmax")):
        path = tmp_path / "shard" / student / ps / "results.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({**FILE, "student": student, "assignment": ps}))
    found = [(p.parent.parent.name, p.parent.name) for p in result_files(tmp_path / "shard")]
    assert found == [("ada", "ps1_softmax"), ("ben", "ps1_softmax")]
    assert merge_folders([tmp_path / "shard"], tmp_path / "merged")["submissions"] == 2
    assert sorted(p.name for p in (tmp_path / "merged").iterdir()) == ["ada", "ben"]


def test_a_file_larger_than_any_results_json_is_unreadable_not_read(tmp_path, monkeypatch):
    """A shard's results.json comes from another machine: the reader takes at most ``MAX_FILE_BYTES`` of it
    (a 10 GB file must not fill the merging machine's memory), and says why it gave up."""
    from autograder.model import results

    path = tmp_path / "ada" / "ps1_softmax" / "results.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(FILE))
    size = path.stat().st_size
    monkeypatch.setattr(results, "MAX_FILE_BYTES", size)
    assert read_result(path).complete and read_result(path).score == 2.0
    monkeypatch.setattr(results, "MAX_FILE_BYTES", size - 1)
    big = read_result(path)
    assert not big.complete and big.score == 0 and "larger than" in big.unreadable
    assert (big.student, big.assignment) == ("ada", "ps1_softmax")


@pytest.mark.parametrize("answer,warned", [
    ("My derivation:\n\n![image.png](attachment:image.png)", True),  # a photo pasted into the cell
    ("![](derivation.jpg)", True),
    ('<IMG src="x.png" width=300>', True),
    (r"$\frac{\partial}{\partial z_i} \log \sum_j e^{z_j} = \mathrm{softmax}(z)_i$, see [the notes](x.html)", False),
    ("$a < b$ and ![not closed", False),
    ("![" * 100_000, False),  # (49,000 of them cost the grader 10 s of the GIL: the pattern rescanned each line)
    ("![see [1]](scan.png)", False),  # (an alt text holding `[`: not taken for an image, the price of one pass)
])
def test_an_answer_holding_an_image_is_told_what_the_grader_sees_of_it(answer, warned):
    """A picture pasted into the answer cell is shown to the person grading; a linked file or an <img> tag only as
    its text (a student's markdown never becomes markup: docs/instructors.md): the student is told so while there
    is time to paste or type the derivation instead."""
    message = TestResult.ungraded_answer("logsumexp-derivation", 10, answer).message
    assert message.startswith("Awaiting grading")
    assert ("a picture pasted into the cell (PNG or JPEG, up to 5 MB each" in message) == warned
    assert ("reaches them only as its text" in message) == warned
