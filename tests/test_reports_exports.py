"""Exports from a results folder: Canvas's gradebook import CSV, a plain LMS CSV, a JUnit report.

Canvas's format (its gradebook import): a header ``Student, ID, SIS User ID, SIS Login ID, Section`` and one
column per assignment (``Name (id)`` fills an existing assignment), a ``Points Possible`` row, one row per
student matched by ``ID``; a blank cell changes nothing. Every number must equal grades.csv's (one results
model); every text cell is formula-safe, whatever the mapping file or the student ids hold.
"""

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograder.model.course import GRADE_CELLS
from autograder.model.results import load_results
from autograder.model.roster import RosterError, read_mapping
from autograder.reports.junit import junit_xml
from autograder.reports.lms import CANVAS_COLUMNS, ExportError, canvas_rows, plain_rows
from tests.reports_fixtures import SETS, full, g, make_result, score, write_class, write_result

MAPPING = """course_id,lms_id,name,sis_user_id,sis_login_id,section
ada,40001,"Lovelace, Ada",s1001,ada.lovelace,Section 1
ben,40002,"Bennet, Ben",s1002,ben.bennet,Section 1
cleo,40003,"=HYPERLINK(""https://evil"",""x"")",+s1003,@cleo,-Section 2
dan,40004,"Dan
Newline, Dan",s1004,dan,Section 2
eve,40005,Eve,s1005,eve,Section 2
fay,40006,Fay,s1006,fay,Section 2
hal,40008,Hal,s1008,hal,Section 2
zed,40026,Zed,s1026,zed,Section 2
nia,40014,"No Submission, Nia",s1014,nia,Section 2
"""


@pytest.fixture()
def folder(tmp_path):
    write_class(tmp_path / "results")
    (tmp_path / "map.csv").write_text(MAPPING, encoding="utf-8")
    return tmp_path


def parse(rows) -> list:
    """Write ``rows`` as CSV and read them back, as a spreadsheet would."""
    from autograder.reports.lms import csv_text

    return list(csv.reader(io.StringIO(csv_text(rows))))


def grades_csv(results_dir) -> dict:
    """``student -> {ps: score text}`` from the engine's own grades.csv."""
    from autograder.model.grades import write_grades_csv

    with open(write_grades_csv(results_dir), encoding="utf-8") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


def test_canvas_csv_has_canvas_columns_points_possible_and_the_grades_of_grades_csv(folder):
    results = load_results(folder / "results")
    rows = parse(canvas_rows(results, read_mapping(folder / "map.csv")))
    sets = list(SETS)
    assert rows[0] == [*CANVAS_COLUMNS, *sets]
    assert rows[1] == ["Points Possible", "", "", "", "", *(g(full(ps)) for ps in sets)]
    assert all(len(r) == len(rows[0]) for r in rows), "no id or name shifts a row's columns"
    by_id = {r[1]: r for r in rows[2:]}
    expected = grades_csv(folder / "results")
    course_of = {m.lms_id: m.course_id for m in read_mapping(folder / "map.csv").values()}
    for lms_id, row in by_id.items():
        student = course_of[lms_id]
        if student == "nia":
            assert row[5:] == [""] * 5, "no submission: a blank cell (Canvas keeps what it has)"
            continue
        assert row[5:] == [expected[student][ps] for ps in sets], student
    assert by_id["40001"][:5] == ["Lovelace, Ada", "40001", "s1001", "ada.lovelace", "Section 1"]


def test_every_text_cell_is_formula_safe(folder):
    rows = parse(canvas_rows(load_results(folder / "results"), read_mapping(folder / "map.csv")))
    cleo = next(r for r in rows if r[1] == "40003")
    assert cleo[:5] == ["'=HYPERLINK(\"https://evil\",\"x\")", "40003", "'+s1003", "'@cleo", "'-Section 2"]
    dan = next(r for r in rows if r[1] == "40004")
    assert dan[0] == "Dan\nNewline, Dan", "a newline stays inside its quoted cell"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) and not (cell.startswith("-") and not
                                                                              cell[1:].replace(".", "").isdigit())


def test_students_with_results_must_be_mapped(folder):
    results = load_results(folder / "results")
    mapping = read_mapping(folder / "map.csv")
    del mapping["cleo"]
    with pytest.raises(ExportError, match=r"1 student\(s\) with results are not in the mapping file: 'cleo'"):
        canvas_rows(results, mapping)
    rows = canvas_rows(results, mapping, skip_unmapped=True)
    assert "40003" not in [r[1] for r in rows]


def test_zero_for_a_missing_submission_and_renamed_columns(folder):
    rows = parse(canvas_rows(load_results(folder / "results"), read_mapping(folder / "map.csv"),
                             columns={"ps1_softmax": "PS1: softmax (12345)"}, missing="zero"))
    assert rows[0][5] == "PS1: softmax (12345)"
    assert next(r for r in rows if r[1] == "40014")[5:] == ["0"] * 5
    with pytest.raises(ExportError, match="ps9: no results for that problem set"):
        canvas_rows(load_results(folder / "results"), read_mapping(folder / "map.csv"), columns={"ps9": "x"})


@pytest.mark.parametrize("text, error", [
    ("name,section\nAda,S1\n", "no course_id and no lms_id column"),
    ("course_id,lms_id\nada,1\nada,2\n", "course id 'ada' is listed twice"),
    ("course_id,lms_id\nada,1\nben,1\n", "LMS id '1' is given to both 'ada' and 'ben'"),
    ("course_id,lms_id\nada,\n", "line 2: course_id and lms_id are both needed"),
])
def test_a_wrong_mapping_file_is_refused_with_what_to_change(tmp_path, text, error):
    (tmp_path / "map.csv").write_text(text)
    with pytest.raises(RosterError, match=error.replace("(", r"\(").replace(")", r"\)")):
        read_mapping(tmp_path / "map.csv")


def test_a_canvas_gradebook_export_with_a_course_id_column_is_a_mapping(tmp_path):
    """Canvas's own export (its headers, its Points Possible row) plus one course_id column."""
    (tmp_path / "canvas.csv").write_text(
        "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,course_id\n"
        '"Lovelace, Ada",40001,s1001,ada.lovelace,Section 1,ada\n')
    (ada,) = read_mapping(tmp_path / "canvas.csv").values()
    assert (ada.course_id, ada.lms_id, ada.name, ada.sis_login_id) == ("ada", "40001", "Lovelace, Ada", "ada.lovelace")


def test_plain_csv_one_row_per_student_with_total(folder):
    results = load_results(folder / "results")
    rows = parse(plain_rows(results, read_mapping(folder / "map.csv")))
    assert rows[0][:3] == ["lms_id", "course_id", "name"] and rows[0][-2:] == ["total", "max_total"]
    expected = grades_csv(folder / "results")
    for row in rows[1:]:
        if row[1] != "nia":
            assert row[-2] == expected[row[1]]["total"] and row[-1] == g(sum(full(ps) for ps in SETS)), row
    without_map = parse(plain_rows(results))
    assert [r[1] for r in without_map[1:]] == sorted(expected), "every student with results, by course id"


def test_junit_report_one_suite_per_submission_and_escaped(tmp_path):
    write_class(tmp_path / "r")
    hostile = make_result("x\x1b[31m<b>&\"'", "ps1_softmax", failing={
        "softmax-basic": ("raised", "raised ValueError: \x00\x07 bad", "Hint \x1b[0m"),
    })
    write_result(tmp_path / "r", hostile)
    results = load_results(tmp_path / "r")
    root = ET.fromstring(junit_xml(results))  # parses: no character XML cannot hold
    suites = root.findall("testsuite")
    assert len(suites) == len(results)
    assert int(root.get("failures")) == sum(len([t for t in r.tests if not t.passed]) for r in results)
    name = f"ben/ps1_softmax: {g(score('ben', 'ps1_softmax'))} / {g(full('ps1_softmax'))} autograded points"
    ben = next(s for s in suites if s.get("name") == name)
    failed = {c.get("name"): c.find("failure") for c in ben.findall("testcase") if c.find("failure") is not None}
    cells = dict(GRADE_CELLS["ps1_softmax"])
    assert set(failed) == {f"{gid}: 0 / {g(cells[gid])} points" for gid in ("softmax-stability", "log_softmax-stability")
                           if gid in cells}
    assert "Hint: Large logits overflow" in failed[f"softmax-stability: 0 / {g(cells['softmax-stability'])} points"].text
    bad = next(s for s in suites if "\\x1b[31m" in s.get("name"))
    assert "<b>&\"'" in bad.get("name"), "markup is text in XML (escaped by ElementTree, read back as text)"
    case = next(c for c in bad.findall("testcase") if c.find("failure") is not None)
    assert "raised ValueError: \\x00\\x07 bad" in case.find("failure").text, "control characters written \\xNN"


def run_export(*args, cwd):
    return subprocess.run([sys.executable, "-m", "autograder", "export", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_export_command(folder):
    ok = run_export("results", "--lms", "canvas", "--map", "map.csv", "--out", "canvas.csv", cwd=folder)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "Wrote canvas.csv: 9 student(s), 5 problem set(s)."
    assert (folder / "canvas.csv").read_text().startswith("Student,ID,SIS User ID,SIS Login ID,Section,ps1_softmax")
    (folder / "short.csv").write_text("course_id,lms_id\nada,1\n")
    refused = run_export("results", "--lms", "canvas", "--map", "short.csv", "--out", "c2.csv", cwd=folder)
    assert refused.returncode == 1 and "not in the mapping file" in refused.stderr and not (folder / "c2.csv").exists()
    assert run_export("results", "--lms", "canvas", "--out", "c3.csv", cwd=folder).returncode == 1
    assert run_export("nowhere", "--junit", "--out", "j.xml", cwd=folder).returncode == 2
    junit = run_export("results", "--junit", "--out", "junit.xml", cwd=folder)
    assert junit.returncode == 0 and ET.parse(folder / "junit.xml").getroot().tag == "testsuites"
    plain = run_export("results", "--lms", "csv", "--out", "plain.csv", cwd=folder)
    assert plain.returncode == 0 and json.dumps(plain.stderr) == '""'
