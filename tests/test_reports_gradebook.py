"""Scores in nbgrader's gradebook.db: the real `nbgrader export` reads them back."""

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.model.course import GRADE_CELLS, ROOT
from autograder.model.course import max_score as course_max_score
from autograder.model.ids import csv_cell
from autograder.nbgrader_io.gradebook import write_gradebook
from tests.reports_fixtures import class_results, make_result, write_class

NBGRADER = str(Path(sys.executable).with_name("nbgrader"))


def nbgrader_export(course: Path, *args) -> dict:
    """Run `nbgrader export` in ``course``; ``(assignment, student) -> row``."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([NBGRADER, "export", *args], cwd=course, capture_output=True, text=True, timeout=300,
                          env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(course / "grades.csv", newline="") as fh:
        return {(row["assignment"], row["student_id"]): row for row in csv.DictReader(fh)}


#: The course's own export setting, read from the shipped nbgrader_config.py (the tests use what instructors get).
EXPORT_SETTING = next(line for line in (ROOT / "nbgrader_config.py").read_text().splitlines()
                      if line.startswith("c.ExportApp.plugin_class"))


def class_course(folder: Path, gradebook: Path | None = None, results: list | None = None) -> Path:
    """A course folder with the class's results (or ``results``, some of them); ``gradebook``: a gradebook.db
    to start from (a copy)."""
    course = folder / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(
        f'c = get_config()\nc.CourseDirectory.course_id = "probdl"\n{EXPORT_SETTING}\n')
    write_class(course / "results", results)
    # nbgrader's own submission timestamp, when the collect step left one
    stamp = course / "submitted" / "ada" / "ps1_softmax" / "timestamp.txt"
    stamp.parent.mkdir(parents=True)
    stamp.write_text("2026-11-20 17:59:00.000000 UTC")
    if gradebook is not None:
        shutil.copy(gradebook, course / "gradebook.db")
    return course


#: A submission time in a file outside the course, that a student's timestamp.txt links to.
SECRET_TIME = "2020-01-01 00:00:00 UTC"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The class's scores written into a gradebook.db that does not exist yet, then `nbgrader export`
    with nbgrader's own exporter and with the course's: ``(course, info, rows, nbgrader's bytes, ours)``.

    Two students left a timestamp.txt nbgrader must not use: ben's is a link to a file outside the
    course, cleo's is not a time (:func:`test_a_timestamp_file_is_student_data`)."""
    folder = tmp_path_factory.mktemp("exported")
    course = class_course(folder)
    (folder / "secret").write_text(SECRET_TIME)
    link = course / "submitted" / "ben" / "ps1_softmax" / "timestamp.txt"
    link.parent.mkdir(parents=True)
    link.symlink_to(folder / "secret")
    junk = course / "submitted" / "cleo" / "ps1_softmax" / "timestamp.txt"
    junk.parent.mkdir(parents=True)
    junk.write_text("not a time at all")
    info = write_gradebook(course / "results", course)
    nbgrader_export(course, "--ExportApp.plugin_class=nbgrader.plugins.CsvExportPlugin")
    theirs = (course / "grades.csv").read_bytes()
    rows = nbgrader_export(course)
    return course, info, rows, theirs, (course / "grades.csv").read_bytes()


def test_nbgrader_export_shows_our_scores(exported):
    course, info, rows, _, _ = exported
    expected = {(d["assignment"], d["student"]): d for d in class_results()}
    assert info["submissions"] == len(expected)
    assert info["course_id"] == "probdl"
    assert info["db_url"] == f"sqlite:///{course / 'gradebook.db'}"
    students = {s for _, s in expected}
    problem_sets = {ps for ps, _ in expected}
    assert set(rows) == {(ps, s) for ps in problem_sets for s in students}
    for key, row in rows.items():
        assert float(row["max_score"]) == course_max_score(key[0])  # the answer cells' points too
        if key in expected:
            assert float(row["raw_score"]) == expected[key]["score"], key
            assert float(row["score"]) == expected[key]["score"], key
        else:  # did not submit: nbgrader counts 0
            assert float(row["score"]) == 0.0 and row["timestamp"] == ""
    assert rows[("ps1_softmax", "ada")]["timestamp"].startswith("2026-11-20 17:59:00")


HOSTILE_IDS = ("mallory,,,,26.0,0.0,26.0", '=HYPERLINK("evil.example","ada")', "-2+3", "@SUM(A1)",
               'quote"d', "semi;colon")


@pytest.fixture(scope="module")
def rewritten(tmp_path_factory, exported):
    """The class already in the gradebook (a copy of :func:`exported`'s), the instructor overrides a cell in
    formgrader, then the class is written again with ben's resubmission (one more cell passes) and six new
    students whose folder names are hostile (:data:`HOSTILE_IDS`, each handing in ps1 with full marks), and
    `nbgrader export` runs with the course's exporter: ``(course, rows)``."""
    from nbgrader.api import Gradebook

    course = class_course(tmp_path_factory.mktemp("rewritten"), exported[0] / "gradebook.db")
    db = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(db, "probdl") as gb:  # the instructor overrides one cell in formgrader
        grade = gb.find_grade("softmax-stability", "ps1_softmax", "ps1_softmax", "ben")
        assert grade.auto_score == 0.0 and not grade.needs_manual_grade
        grade.manual_score = 2.0
        gb.db.commit()
    # ben's resubmission is graded again: one more cell passes
    data = next(d for d in class_results() if (d["student"], d["assignment"]) == ("ben", "ps1_softmax"))
    for t in data["tests"]:
        if t["name"] == "log_softmax-stability":
            t.update(score=t["max_score"], status="passed")
            data["score"] += t["max_score"]
    write_class(course / "results", [data] + [make_result(sid, "ps1_softmax") for sid in HOSTILE_IDS])
    write_gradebook(course / "results", course)
    return course, nbgrader_export(course)


def test_rewriting_updates_scores_and_keeps_manual_grades(rewritten):
    """ben's new auto score and the instructor's override both count (:func:`rewritten`)."""
    _, rows = rewritten
    row = rows[("ps1_softmax", "ben")]
    assert float(row["score"]) == 40.0 - 5.0 + 2.0  # new auto score (softmax-stability, 5 points, still lost), manual override kept


def test_gradebook_flag_from_the_command_line(tmp_path, empty_gradebook):
    """`merge … --gradebook COURSE_DIR` (the engine's `autograde` takes the same flag: tests/test_reports_autograde_cli.py)
    writes the results into the course's gradebook; what is written is checked on the whole class by the tests
    above, so the command line gets one problem set of it (ps5: ada and dan)."""
    from autograder.model.course import ROOT

    ps5 = [d for d in class_results() if d["assignment"] == "ps5_gaussian_kl"]
    course = class_course(tmp_path, empty_gradebook, ps5)
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "merge", str(course / "results"), "--out", str(course / "merged"),
         "--gradebook", str(course)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Gradebook:" in proc.stdout
    from nbgrader.api import Gradebook  # what `nbgrader export` reads (exported by the tests above)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "probdl") as gb:
        assert gb.find_submission("ps5_gaussian_kl", "dan").score == 19.0
        assert sum(len(a.submissions) for a in gb.assignments) == len(ps5) == 2


def test_a_timestamp_file_is_student_data(exported):
    """A link or garbage in timestamp.txt neither leaks a file into the gradebook nor stops the export."""
    from autograder.nbgrader_io.gradebook import _timestamp, course_directory

    course, info, rows, _, _ = exported
    coursedir = course_directory(course)
    assert _timestamp(course, coursedir, "ben", "ps1_softmax") is None
    assert _timestamp(course, coursedir, "cleo", "ps1_softmax") is None
    assert _timestamp(course, coursedir, "ada", "ps1_softmax").startswith("2026-11-20")
    assert info["submissions"] == len(class_results())
    assert not any(row["timestamp"].startswith(SECRET_TIME[:10]) for row in rows.values())
    assert rows[("ps1_softmax", "ben")]["timestamp"] == rows[("ps1_softmax", "cleo")]["timestamp"] == ""


def test_export_is_nbgraders_own_file_for_plain_ids(exported):
    """With ordinary ids the course's exporter writes byte for byte what nbgrader's own writes."""
    _, _, _, theirs, ours = exported
    assert ours == theirs


def test_export_no_student_id_shifts_a_row_or_becomes_a_formula(rewritten):
    """A folder name with commas cannot forge columns of its row, and none is run as a formula (the hostile
    students of :func:`rewritten`, in a gradebook that holds the class too)."""
    course, rows = rewritten
    full = float(sum(points for _, points in GRADE_CELLS["ps1_softmax"]))
    students = {s for _, s in rows}
    for sid in HOSTILE_IDS:
        row = rows[("ps1_softmax", csv_cell(sid))]  # one row of its own, the id in one cell
        assert float(row["score"]) == full and float(row["max_score"]) == course_max_score("ps1_softmax")  # answer pending
        assert row["last_name"] == row["first_name"] == row["email"] == ""
    assert not any(s.startswith(("=", "+", "-", "@")) for s in students)
    with open(course / "grades.csv", newline="") as fh:
        assert {len(r) for r in csv.reader(fh)} == {11}


def test_autograded_notebooks_hold_the_students_cells_and_the_verdicts_not_the_answers(exported):
    """What formgrader shows: the source's cells and nbgrader metadata, the student's code in the solution
    cells (never the reference), each failed test cell with the grader's message, no hidden test."""
    import json

    from autograder.model.course import source_notebook
    from tests.reports_fixtures import NAIVE_SOFTMAX

    course, info = exported[:2]
    assert info["autograded"] == len(class_results())
    nb = json.loads((course / "autograded" / "ben" / "ps1_softmax" / "ps1_softmax.ipynb").read_text())
    cells = {c["metadata"].get("nbgrader", {}).get("grade_id"): c for c in nb["cells"]}
    assert cells["softmax"]["source"] == NAIVE_SOFTMAX
    reference = next(c for c in json.loads(source_notebook("ps1_softmax").read_text())["cells"]
                     if c["metadata"].get("nbgrader", {}).get("grade_id") == "softmax")
    assert "".join(reference["source"]) not in json.dumps(nb)
    failed = cells["softmax-stability"]["outputs"]
    assert failed[0]["output_type"] == "error" and "subtract each slice's maximum" in " ".join(failed[0]["traceback"])
    assert cells["softmax-basic"]["outputs"] == []  # passed: no output, as nbgrader shows a passing test
    assert "BEGIN HIDDEN TESTS" not in json.dumps(nb) and "run_check" not in json.dumps(nb)
    assert cells["softmax-stability"]["metadata"]["nbgrader"]["points"] == 5


def test_student_markdown_cannot_emit_markup_in_formgrader():
    """Formgrader renders answers with nbconvert's markdown2html (raw HTML passed through): after
    neutral_markdown, no tag opens and no link forms, in text or in math, and the math still reads right."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    from autograder.nbgrader_io.autograded import ZWSP, autograded_path, neutral_markdown
    from autograder.nbgrader_io.gradebook import course_directory

    attacks = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
               "![x](javascript:alert(1))", "<javascript:alert(1)>", "[y][r]\n\n[r]: javascript:alert(1)",
               "<a href='javascript:alert(1)'>x</a>", "$<script>alert(1)</script>$", "<!-- x --><style>*{}</style>",
               "<svg onload=alert(1)>", "$$\n<iframe src=x>\n$$"]
    for attack in attacks:
        html = MarkdownWithMath(renderer=IPythonRenderer(escape=False)).render(neutral_markdown(attack))
        assert not re.search(r"<(script|img|a|iframe|svg|style|!--)\b", html, re.I), (attack, html)
        assert "javascript:" not in re.sub(r">[^<]*<", "><", html), (attack, html)  # only ever in text
    assert neutral_markdown("$a < b$ and [text]") == f"$a <{ZWSP} b$ and [text]"
    coursedir = course_directory(ROOT)
    assert autograded_path(coursedir, "../x", "ps1_softmax", "ps1_softmax") is None
    assert autograded_path(coursedir, "..", "ps1_softmax", "ps1_softmax") is None
    assert autograded_path(coursedir, "ada", "ps1_softmax", "ps1_softmax") == ROOT / "autograded/ada/ps1_softmax/ps1_softmax.ipynb"


def test_a_hand_grade_given_to_an_earlier_answer_is_marked_to_grade_again(tmp_path):
    """ada's derivation is graded by hand in formgrader (3 of 8), then she resubmits a different derivation and
    the batch grades it again: the 3 points still count (as nbgrader counts a manual score, so `nbgrader export`
    and grades.csv agree), but her result says they were given to her earlier answer and the gradebook marks the
    cell "needs manual grade" again, until the instructor saves a grade for the new answer. bea, graded again on
    the same answer, keeps her grade as it was; cy, who emptied her graded answer, is listed again too."""
    from nbgrader.api import Gradebook

    from autograder.model.course import ANSWER_STUB
    from autograder.model.results import load_results
    from autograder.nbgrader_io.gradebook import read_hand_grades
    from autograder.nbgrader_io.graded_answers import answer_digest, shown_answers

    ps, gid = "ps2_cross_entropy", "cross_entropy_grad-derivation"

    def handed_in(ada_text: str, cy_text: str = "My derivation, first try.") -> list:
        return [make_result(sid, ps, answers={gid: (8, text, None)})
                for sid, text in (("ada", ada_text), ("bea", r"$p - t$, since $\sum_k t_k = 1$"), ("cy", cy_text))]

    course = class_course(tmp_path, results=handed_in(r"$\partial L / \partial z = t - p$"))
    write_gradebook(course / "results", course)
    autograded = course / "autograded" / "ada" / ps / f"{ps}.ipynb"
    assert shown_answers(autograded) == {gid: answer_digest(r"$\partial L / \partial z = t - p$")}
    db = f"sqlite:///{course / 'gradebook.db'}"

    def grade_in_formgrader(student: str, points: float) -> None:  # what formgrader's grade API does
        with Gradebook(db, "probdl") as gb:
            grade = gb.find_grade(gid, ps, ps, student)
            grade.manual_score, grade.needs_manual_grade = points, False
            gb.db.commit()

    def messages() -> dict:
        results = load_results(course / "results")
        by_student = {r.student: r for r in results}
        by_student.update({r.student: r for r in read_hand_grades(results, course)})
        return {sid: next(t for t in r.tests if t.name == gid) for sid, r in by_student.items()}

    def needs_grading() -> dict:
        with Gradebook(db, "probdl") as gb:
            return {sid: gb.find_grade(gid, ps, ps, sid).needs_manual_grade for sid in ("ada", "bea", "cy")}

    grade_in_formgrader("ada", 3.0)
    grade_in_formgrader("bea", 8.0)
    grade_in_formgrader("cy", 2.0)
    first = messages()
    assert first["ada"].message == "Graded by your instructor: 3 / 8 points."
    # ada resubmits another derivation; both are graded again (`autograde --force`)
    shutil.rmtree(course / "results")
    write_class(course / "results", handed_in(r"$\partial L / \partial z = p - t$ (I had the sign wrong)", ANSWER_STUB))
    again = messages()
    assert again["ada"].score == 3.0 and "earlier version of this answer" in again["ada"].message
    assert again["cy"].score == 2.0 and "earlier version of this answer" in again["cy"].message
    assert again["bea"] == first["bea"]
    info = write_gradebook(course / "results", course)
    assert info["to_review"] == 2 and needs_grading() == {"ada": True, "bea": False, "cy": True}
    later = messages()  # (the gradebook's mark, now that the notebook shows the new answers)
    assert "earlier version" in later["ada"].message and "earlier version" in later["cy"].message
    grade_in_formgrader("ada", 8.0)
    grade_in_formgrader("cy", 0.0)
    assert messages()["ada"].message == "Graded by your instructor: 8 / 8 points."
    assert write_gradebook(course / "results", course)["to_review"] == 0
    assert needs_grading() == {"ada": False, "bea": False, "cy": False}
