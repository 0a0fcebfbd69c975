"""passback --to moodle: Moodle's web services mocked with ``responses`` (the REST protocol, JSON format).

The answers are those Moodle documents for the five functions passback calls (core_enrol_get_enrolled_users,
mod_assign_get_assignments, mod_assign_get_grades with its warnings, mod_assign_get_submission_status with the
feedback comment beside a grade, mod_assign_save_grades), its errors HTTP 200 with ``exception``/``errorcode``.
A comment is given back as Moodle formats plain text (escaped, ``<br />`` at each line) unless
``moodlewssettingraw`` asks for it as saved. The token travels in the form body, never in the address; who
graded is recorded (``grader``) as Moodle does, the token's user for what passback saves.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qsl

import pytest
import responses

from autograder.cli import main
from autograder.lms.moodle import form
from tests.lms_fixtures import PEOPLE, grades_csv, write_graded_class

URL = "https://moodle.example.edu"
TOKEN = "0f2c9a7b41d8e3f6a5b0c9d8e7f6a5b4"
WS_USER = 2
MOODLE_IDS = {"ada": 31, "ben": 32, "cleo": 33, "dan": 34, "eve": 35, "nia": 36}
PS1, PS2 = 7, 8


#: The functions that only read.
READS = {"core_webservice_get_site_info", "core_enrol_get_enrolled_users", "mod_assign_get_assignments",
         "mod_assign_get_grades", "mod_assign_get_submission_status"}


class FakeMoodle:
    def __init__(self, user=WS_USER):
        self.grades = {}     # (assign id, user id) -> {"grade", "grader", "feedback"}
        self.calls = []
        self.refuse = set()
        self.token = TOKEN
        self.user = user     # the token's user: what passback saves is graded by them
        self.withhold = False  # mod_assign_get_grades withholds the grades (warning 1, as without the capability)
        self.forbid_writes = False  # a dry run's platform: any function that is not a read fails the test
        self.writes = []

    def grade_by_hand(self, aid, uid, grade, grader, feedback=""):
        """A teacher grades in the assignment's grader (their own words, if any, as the comment)."""
        self.grades[(aid, uid)] = {"grade": float(grade), "grader": grader, "feedback": feedback}

    def answer(self, request):
        data = dict(parse_qsl(request.body))
        self.calls.append((request.url, data))
        if data.get("wstoken") != self.token:
            return 200, {}, json.dumps({"exception": "moodle_exception", "errorcode": "invalidtoken",
                                        "message": "Invalid token - token not found"})
        fn = data["wsfunction"]
        if fn not in READS:
            self.writes.append(fn)
            if self.forbid_writes:
                return 200, {}, json.dumps({"exception": "x", "errorcode": "nopermissions",
                                            "message": f"a dry run called {fn}"})
        if fn == "core_webservice_get_site_info":
            return 200, {}, json.dumps({"sitename": "Uni", "username": "autograder", "userid": self.user,
                                        "siteurl": URL, "functions": []})
        if fn == "core_enrol_get_enrolled_users":
            users = [{"id": uid, "username": c, "fullname": c.title(), "email": f"{c}@uni.example",
                      "idnumber": f"s{uid}", "roles": [{"roleid": 5, "name": "", "shortname": "student",
                                                         "sortorder": 0}]} for c, uid in MOODLE_IDS.items()]
            users.append({"id": 3, "username": "teacher", "fullname": "T", "roles": [{"shortname": "editingteacher"}]})
            return 200, {}, json.dumps(users)
        if fn == "mod_assign_get_assignments":
            return 200, {}, json.dumps({"courses": [{"id": 5, "fullname": "Probability", "assignments": [
                {"id": PS1, "cmid": 70, "course": 5, "name": "PS1: softmax", "grade": 40},
                {"id": PS2, "cmid": 71, "course": 5, "name": "PS2", "grade": 35}]}], "warnings": []})
        if fn == "mod_assign_get_grades":
            aid = int(data["assignmentids[0]"])
            if self.withhold:
                return 200, {}, json.dumps({"assignments": [], "warnings": [
                    {"item": "module", "itemid": 70, "warningcode": "1", "message": "No access rights in module context"},
                    {"item": "assignment", "itemid": aid, "warningcode": "3", "message": "No grades found"}]})
            grades = [{"id": i, "userid": uid, "attemptnumber": 0, "timecreated": 1, "timemodified": 2,
                       "grader": g["grader"], "grade": f"{g['grade']:.5f}"}
                      for i, ((a, uid), g) in enumerate(sorted(self.grades.items())) if a == aid]
            if not grades:
                return 200, {}, json.dumps({"assignments": [], "warnings": [
                    {"item": "assignment", "itemid": aid, "warningcode": "3", "message": "No grades found"}]})
            return 200, {}, json.dumps({"assignments": [{"assignmentid": aid, "grades": grades}], "warnings": []})
        if fn == "mod_assign_get_submission_status":
            aid, uid = int(data["assignid"]), int(data["userid"])
            g = self.grades.get((aid, uid))
            answer = {"lastattempt": {"submissionsenabled": True, "locked": False, "graded": g is not None,
                                      "canedit": False, "cansubmit": False, "extensionduedate": 0,
                                      "blindmarking": False, "gradingstatus": "graded" if g else "notgraded",
                                      "usergroups": []}, "warnings": []}
            if g is not None:
                text = g["feedback"]
                if data.get("moodlewssettingraw") != "1":  # format_text of FORMAT_PLAIN: escaped, nl2br
                    text = html.escape(text).replace("\n", "<br />\n")
                answer["feedback"] = {
                    "grade": {"id": 1, "userid": uid, "attemptnumber": 0, "timecreated": 1, "timemodified": 2,
                              "grader": g["grader"], "grade": f"{g['grade']:.5f}"},
                    "gradefordisplay": f"{g['grade']:.2f}&nbsp;/&nbsp;40.00", "gradeddate": 2,
                    "plugins": [{"type": "comments", "name": "Feedback comments", "editorfields": [
                        {"name": "comments", "description": "Feedback comments", "text": text,
                         "format": 2 if data.get("moodlewssettingraw") == "1" else 1}]}]}
            return 200, {}, json.dumps(answer)
        if fn == "mod_assign_save_grades":
            aid, uid = int(data["assignmentid"]), int(data["grades[0][userid]"])
            if uid in self.refuse:
                return 200, {}, json.dumps({"exception": "invalid_parameter_exception", "errorcode": "invalidparameter",
                                            "message": "Invalid parameter value detected"})
            self.grades[(aid, uid)] = {"grade": float(data["grades[0][grade]"]), "grader": self.user,
                                       "feedback": data["grades[0][plugindata][assignfeedbackcomments_editor][text]"]}
            return 200, {}, "null"
        return 200, {}, json.dumps({"exception": "x", "errorcode": "invalidrecord", "message": f"no {fn}"})


@pytest.fixture()
def moodle(monkeypatch):
    fake = FakeMoodle()
    monkeypatch.setenv("MOODLE_TOKEN", TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, URL + "/webservice/rest/server.php", callback=fake.answer)
        yield fake


@pytest.fixture()
def course(tmp_path):
    write_graded_class(tmp_path / "results")
    (tmp_path / "passback.toml").write_text(f"""
[moodle]
url = "{URL}"
course_id = 5
token_env = "MOODLE_TOKEN"

[roster]
match = "username"

[problem_sets.ps1_softmax]
moodle_assignment = {PS1}

[problem_sets.ps2_cross_entropy]
moodle_assignment = {PS2}
""")
    return tmp_path


def passback(course, capsys, *extra):
    code = main(["passback", str(course / "results"), "--to", "moodle", "--config", str(course / "passback.toml"),
                 *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_grades_are_saved_equal_to_grades_csv_and_a_second_run_saves_nothing(moodle, course, capsys):
    code, out, err = passback(course, capsys)
    assert code == 0, out + err
    student = {uid: c for c, uid in MOODLE_IDS.items()}
    saved = {(student[uid], "ps1_softmax" if aid == PS1 else "ps2_cross_entropy"): g["grade"]
             for (aid, uid), g in moodle.grades.items()}
    assert saved == {k: v for k, v in grades_csv(course / "results").items() if k[0] in PEOPLE}
    assert "late: −7" in moodle.grades[(PS2, MOODLE_IDS["cleo"])]["feedback"]
    assert all("wstoken" not in url for url, _ in moodle.calls)  # the token in the body, never the address
    assert "zed: no LMS student has username zed" in out and "posted 7" in out
    saves = sum(1 for _, d in moodle.calls if d["wsfunction"] == "mod_assign_save_grades")
    code, out, _ = passback(course, capsys)
    assert code == 0 and "posted 0, unchanged 7" in out
    assert sum(1 for _, d in moodle.calls if d["wsfunction"] == "mod_assign_save_grades") == saves


def test_a_grade_another_moodle_user_gave_is_left_alone(moodle, course, capsys):
    moodle.grade_by_hand(PS1, MOODLE_IDS["ben"], 25.0, grader=3)
    code, out, _ = passback(course, capsys)
    assert code == 0 and moodle.grades[(PS1, MOODLE_IDS["ben"])]["grade"] == 25.0
    assert "ben, ps1_softmax: the LMS holds 25/40, which the autograder did not post" in out
    assert passback(course, capsys, "--overwrite")[0] == 0 and moodle.grades[(PS1, MOODLE_IDS["ben"])]["grade"] == 31.0


def test_a_refused_student_fails_alone_and_a_refused_token_stops_with_the_fix(moodle, course, capsys, monkeypatch):
    moodle.refuse.add(MOODLE_IDS["cleo"])
    code, out, _ = passback(course, capsys)
    assert code == 1 and re.search(r"cleo, ps2_cross_entropy: saving cleo's grade for ps2_cross_entropy: HTTP 422 "
                                   r"\(invalidparameter: .*\); Moodle refused this grade", out)
    assert "posted 6, unchanged 0, skipped 1, failed 1" in out
    monkeypatch.setenv("MOODLE_TOKEN", "9" * 32)
    code, out, err = passback(course, capsys)
    assert code == 1 and "HTTP 401 (invalidtoken" in err and "Manage tokens" in err and "9" * 32 not in out + err


def test_moodle_parameters_are_written_as_moodle_reads_them():
    assert form("", {"assignmentid": 7, "grades": [{"userid": 31, "plugindata": {"x": {"text": "a", "format": 2}}}]}) == [
        ("assignmentid", "7"), ("grades[0][userid]", "31"), ("grades[0][plugindata][x][text]", "a"),
        ("grades[0][plugindata][x][format]", "2")]
