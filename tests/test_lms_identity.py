"""Passback attacked through the one thing a student names: their submission folder.

A folder name is the student id of grades.csv (:mod:`autograder.model.ids`), and the only key passback has from a
grade to an LMS user (:mod:`autograder.lms.roster`). These tests name a folder after a classmate's so that
both read back as one cell of grades.csv. Each runs the real command against the fake LTI platform
(tests/lti_platform.py) and asserts that every grade lands on its own student's record, or on nobody's.
"""

from __future__ import annotations

import pytest

from autograder.cli import main
from autograder.lms.lti_token import public_jwk
from autograder.lms.scores import GradesError, read_grades
from autograder.lms.secret import Secret
from autograder.model.grades import write_grades_csv
from autograder.model.ids import csv_cell, from_csv_cell
from tests.lms_fixtures import PEOPLE, write_graded_class, write_roster
from tests.lti_platform import Platform, learners, rsa_pem
from tests.reports_fixtures import make_result, write_result
from tests.test_lms_lti import KID, write_config


@pytest.fixture(scope="module")
def tool_key():
    return rsa_pem()


def start_platform(tool_key, people):
    members = learners(people)
    return Platform(public_jwk(Secret(tool_key, "key"), KID), members).start()


def passback(course, config, capsys, *extra):
    code = main(["passback", str(course / "results"), "--to", "lti", "--config", str(config), *extra])
    out, err = capsys.readouterr()
    return code, out + err


def test_a_folder_named_as_a_classmates_grades_csv_cell_neither_blocks_the_class_nor_takes_their_grade(
        tmp_path, tool_key, capsys):
    """grades.csv writes ``@ben`` as ``'@ben`` (no spreadsheet runs it). A classmate who named their folder
    ``'@ben`` was written as ``'@ben`` too: two rows of one name, each result paired with the last of them, so
    whenever the two scores differed the whole class was refused ("does not hold what the results hold"), for good;
    and an instructor who copied ``'@ben`` from grades.csv into the roster, as the docs say, gave ben's LMS record
    the classmate's grade. A cell now stands for one id (the classmate's is ``''@ben``), and the roster reads ids
    as grades.csv shows them: both are posted, each to its own LMS user, and the class with them."""
    victim, attacker = "@ben", "'@ben"
    assert csv_cell(victim) == "'@ben" and csv_cell(attacker) == "''@ben"
    people = {**PEOPLE, victim: ("u-atben", "atben@uni.example"), attacker: ("u-mallory", "mallory@uni.example")}
    results = tmp_path / "results"
    write_graded_class(results)
    write_result(results, make_result(victim, "ps1_softmax"))  # 40/40
    write_result(results, make_result(attacker, "ps1_softmax", failing={  # 35/40
        "softmax-stability": ("nonfinite", "nan", "")}))
    write_grades_csv(results)
    rows = (results / "grades.csv").read_text().splitlines()
    assert sum(row.startswith("'@ben,") for row in rows) == 1 and sum(row.startswith("''@ben,") for row in rows) == 1
    (tmp_path / "tool-key.pem").write_text(tool_key)
    write_roster(tmp_path / "roster.csv", {csv_cell(c): p for c, p in people.items()})  # copied from grades.csv
    platform = start_platform(tool_key, people)
    try:
        code, out = passback(tmp_path, write_config(tmp_path, platform), capsys)
        assert code == 0, out
        stored = platform.stored()
        assert stored[("PS1: softmax", "u-atben")][0] == 40.0
        assert stored[("PS1: softmax", "u-mallory")][0] == 35.0
        assert stored[("PS1: softmax", "u-ada")][0] == 40.0  # and the class is posted
    finally:
        platform.stop()
    # grades.csv still checked cell by cell: swap the two rows' ps1 cells and nothing is posted
    first, second = [i for i, row in enumerate(rows) if row.startswith(("'@ben,", "''@ben,"))]
    a, b = rows[first].split(","), rows[second].split(",")
    a[1], b[1] = b[1], a[1]
    rows[first], rows[second] = ",".join(a), ",".join(b)
    (results / "grades.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(GradesError, match="does not hold what the results hold"):
        read_grades(results)


def test_a_roster_row_copied_from_grades_csv_is_the_student_it_was_written_for():
    """The roster's course ids as grades.csv shows them, or as the folders are named: each is one student."""
    for student in ("ada", "@ben", "'@ben", "''x", "'plain", "=1+1", "-x", "\tx"):
        assert from_csv_cell(csv_cell(student)) == student
    assert len({csv_cell(s) for s in ("@ben", "'@ben", "''@ben")}) == 3
    assert from_csv_cell("@ben") == "@ben" and from_csv_cell("'plain") == "'plain"  # (typed as the folder is named)
