"""passback --to canvas: canvasapi against a Canvas course mocked with ``responses`` (tests/canvas_fake.py).

The grades land as grades.csv holds them, through one bulk update per problem set whose Progress is followed
to the end; a second run sends nothing and adds no comment; a grade a teacher changed is left alone without
--overwrite; a failed job is retried student by student, so one refused student fails alone; throttling and
5xx are retried through passback's session on canvasapi's requester; the token is never printed.
"""

from __future__ import annotations

import re
import time
import types

import pytest
import responses
import urllib3.util.retry

import autograder.lms.canvas
from autograder.cli import main
from tests.canvas_fake import BASE, COURSE_ID, TOKEN, CanvasFault, FakeCanvas
from tests.lms_fixtures import PEOPLE, grades_csv, write_graded_class

CANVAS_IDS = {"ada": 101, "ben": 102, "cleo": 103, "dan": 104, "eve": 105, "nia": 106}
PS1, PS2 = 11, 12


@pytest.fixture()
def canvas(monkeypatch):
    waits = []
    fake = FakeCanvas({uid: (c, c.title()) for c, uid in CANVAS_IDS.items()})
    fake.assignment(PS1, "PS1: softmax", 40)
    fake.assignment(PS2, "ps2_cross_entropy", 35)
    fake.waits = waits
    monkeypatch.setenv("CANVAS_TOKEN", TOKEN)
    monkeypatch.setattr(autograder.lms.canvas, "time", types.SimpleNamespace(sleep=waits.append, monotonic=time.monotonic))
    monkeypatch.setattr(urllib3.util.retry, "time", types.SimpleNamespace(sleep=waits.append, time=time.time))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.register(rsps)
        yield fake


@pytest.fixture()
def course(tmp_path):
    write_graded_class(tmp_path / "results")
    rows = ["course_id,lms_id,name"] + [f"{c},{uid},{c.title()}" for c, uid in CANVAS_IDS.items()]
    (tmp_path / "roster.csv").write_text("\n".join(rows) + "\n")
    return tmp_path


def write_config(folder, roster='file = "roster.csv"', ps1=f"canvas_assignment = {PS1}"):
    path = folder / "passback.toml"
    path.write_text(f"""
[canvas]
url = "{BASE}"
course_id = {COURSE_ID}
token_env = "CANVAS_TOKEN"

[roster]
{roster}

[problem_sets.ps1_softmax]
label = "PS1: softmax"
{ps1}

[http]
attempts = 3
backoff = 0.5
""")
    return path


def passback(course, capsys, *extra, config=None):
    code = main(["passback", str(course / "results"), "--to", "canvas", "--config",
                 str(config or write_config(course)), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def landed(canvas, course) -> dict:
    """Canvas's scores as ``(student, ps) -> score``, checked equal to grades.csv for every matched student."""
    student = {uid: c for c, uid in CANVAS_IDS.items()}
    got = {(student[uid], ps): score for aid, ps in ((PS1, "ps1_softmax"), (PS2, "ps2_cross_entropy"))
           for uid, score in canvas.scores(aid).items()}
    assert got == {k: v for k, v in grades_csv(course / "results").items() if k[0] in PEOPLE}
    return got


def test_grades_land_through_one_bulk_update_per_problem_set_followed_to_the_end(canvas, course, capsys):
    code, out, err = passback(course, capsys)
    assert code == 0, out + err
    assert len(landed(canvas, course)) == 7
    assert [aid for aid, _ in canvas.bulk_posts] == [PS1, PS2]
    assert canvas.bulk_posts[1][1][CANVAS_IDS["cleo"]]["posted_grade"] == "22.5"  # after the late penalty
    assert sum(1 for m, p in canvas.calls if p.startswith("/progress/")) == 4  # running, completed; twice
    assert canvas.waits == [0.5, 1.0, 0.5, 1.0]  # between Progress queries, doubling
    comment = canvas.submissions[(PS2, CANVAS_IDS["ben"])]["submission_comments"][-1]["comment"]
    assert "Awaiting your instructor: 3 points" in comment and re.search(
        r"\n\[probdl-autograder 32/35 \+3 pending #[0-9a-f]{10}\]\Z", comment)
    assert "zed: not in the roster file" in out and "106 Nia: roster row nia: no results here" in out
    assert "Summary (canvas): posted 7, unchanged 0, skipped 1, failed 0." in out


def test_a_second_run_sends_nothing_and_adds_no_comment(canvas, course, capsys):
    assert passback(course, capsys)[0] == 0
    comments = sum(len(s["submission_comments"]) for s in canvas.submissions.values())
    code, out, _ = passback(course, capsys)
    assert code == 0 and "posted 0, unchanged 7" in out
    assert len(canvas.bulk_posts) == 2 and not canvas.puts
    assert sum(len(s["submission_comments"]) for s in canvas.submissions.values()) == comments


def test_dry_run_shows_old_to_new_and_sends_nothing(canvas, course, capsys):
    canvas.grade(PS1, CANVAS_IDS["ada"], 40, "[probdl-autograder 39/40]")  # the autograder's earlier grade, then 39
    canvas.submissions[(PS1, CANVAS_IDS["ada"])]["score"] = 39.0
    code, out, _ = passback(course, capsys, "--dry-run")
    assert code == 0 and not canvas.bulk_posts
    assert "ps1_softmax  ada → 101: 39/40 → 40/40  would post (update)" in out
    assert "ps2_cross_entropy  ben → 102: — → 32/35 (+3 pending)  would post (new)" in out
    assert "Summary (canvas, dry run): would post 7, unchanged 0, skipped 1, failed 0." in out


def test_a_grade_a_teacher_changed_is_left_alone_without_overwrite(canvas, course, capsys):
    assert passback(course, capsys)[0] == 0
    canvas.submissions[(PS1, CANVAS_IDS["dan"])]["score"] = 20.0  # SpeedGrader: the tagged comment stays
    code, out, _ = passback(course, capsys)
    assert code == 0 and len(canvas.bulk_posts) == 2 and canvas.scores(PS1)[CANVAS_IDS["dan"]] == 20.0
    assert "dan, ps1_softmax: the LMS holds 20/40, which the autograder did not post" in out
    code, out, _ = passback(course, capsys, "--overwrite")
    assert code == 0 and canvas.scores(PS1)[CANVAS_IDS["dan"]] == 0.0
    assert list(canvas.bulk_posts[-1][1]) == [CANVAS_IDS["dan"]]


def test_a_students_own_comment_is_never_taken_for_the_autograders_tag(canvas, course, capsys):
    """Red team: a teacher set dan's grade to 20 in SpeedGrader, and dan commented on his own submission
    ``[probdl-autograder 20/40]``. Before, passback took the student's comment for its tag, found the teacher's
    score equal to it and replaced that score with the autograder's (dan's grade undone by dan). Now only comments
    of the token's own user are tags: the teacher's grade is a conflict, left alone."""
    assert passback(course, capsys)[0] == 0
    dan = CANVAS_IDS["dan"]
    canvas.submissions[(PS1, dan)]["score"] = 20.0  # the teacher, in SpeedGrader
    canvas.grade(PS1, dan, 20, "[probdl-autograder 20/40]", author=dan)  # dan, on his own submission
    code, out, _ = passback(course, capsys)
    assert code == 0 and canvas.scores(PS1)[dan] == 20.0, out
    assert "dan, ps1_softmax: the LMS holds 20/40, which the autograder did not post" in out


def test_a_failed_job_is_posted_student_by_student_and_a_refused_student_fails_alone(canvas, course, capsys):
    canvas.fail_jobs = True
    canvas.refuse[CANVAS_IDS["ben"]] = 422
    code, out, _ = passback(course, capsys)
    assert len(canvas.bulk_posts) == 2 and len(canvas.puts) == 7  # both jobs failed: each student on their own
    assert code == 1
    assert re.search(r"ben, ps1_softmax: posting ben's grade for ps1_softmax: HTTP 422 \(.*refused for this "
                     r"student.*\); Canvas refused this grade: check that the student is enrolled", out), out
    assert "posted 5, unchanged 0, skipped 1, failed 2" in out  # ben's two grades; the others landed
    expected = {k: v for k, v in grades_csv(course / "results").items() if k[0] in PEOPLE and k[0] != "ben"}
    student = {uid: c for c, uid in CANVAS_IDS.items()}
    now = {(student[uid], ps): s for aid, ps in ((PS1, "ps1_softmax"), (PS2, "ps2_cross_entropy"))
           for uid, s in canvas.scores(aid).items()}
    assert now == expected


def test_a_student_whose_grade_did_not_land_in_a_completed_job_is_a_failure(canvas, course, capsys):
    canvas.refuse[CANVAS_IDS["eve"]] = 422  # the job completes without eve's grade
    code, out, _ = passback(course, capsys)
    assert code == 1 and "Canvas completed the bulk update but eve's score is —" in out
    assert "posted 6, unchanged 0, skipped 1, failed 1" in out


def test_the_assignment_is_found_by_its_name_and_must_have_the_problem_sets_points(canvas, course, capsys):
    code, out, _ = passback(course, capsys, config=write_config(course, ps1=""))
    assert code == 0 and "posted 7" in out  # "PS1: softmax" found by name
    canvas.assignments[PS1]["points_possible"] = 100
    canvas.assignments[PS2]["name"] = "Cross-entropy"
    code, out, _ = passback(course, capsys, config=write_config(course, ps1=""))
    assert code == 1
    assert "has 100 points possible and ps1_softmax 40: set its points possible to 40" in out
    assert "no Canvas assignments named 'ps2_cross_entropy': create it (points possible 35), or set " \
           "[problem_sets.ps2_cross_entropy] canvas_assignment" in out
    assert "failed 7" in out


def test_the_roster_can_come_from_canvas_students_by_login_id(canvas, course, capsys):
    code, out, _ = passback(course, capsys, config=write_config(course, roster='match = "login_id"'))
    assert code == 0 and len(landed(canvas, course)) == 7
    assert "zed: no LMS student has login_id zed" in out and "106 Nia: no results here for its login_id nia" in out


def test_a_roster_id_canvas_does_not_know_is_refused_for_that_student(canvas, course, capsys):
    text = (course / "roster.csv").read_text().replace("dan,104", "dan,999")
    (course / "roster.csv").write_text(text)
    code, out, _ = passback(course, capsys)
    assert code == 0 and "dan: the roster file gives LMS id 999, who is not a student of the LMS course" in out
    assert 999 not in canvas.scores(PS1) and CANVAS_IDS["dan"] not in canvas.scores(PS1)


def test_throttling_and_5xx_are_retried_through_canvasapi(canvas, course, capsys):
    canvas.faults += [CanvasFault("GET", r"/submissions$", 403, "403 Forbidden (Rate Limit Exceeded)", times=1),
                      CanvasFault("POST", r"/update_grades$", 503, times=1),
                      CanvasFault("GET", r"/progress/", 500, times=1)]
    code, out, err = passback(course, capsys)
    assert code == 0, out + err
    assert len(landed(canvas, course)) == 7
    # the throttled read waited (0: urllib3's and our first retry is at once, then 2·backoff …), the 503 and
    # the 500 were sent again by urllib3 on canvasapi's session
    assert sum(1 for m, p in canvas.calls if p.endswith("/update_grades")) == 3
    assert canvas.waits[0] == 0.0 and sum(1 for m, p in canvas.calls if p.endswith(f"/{PS1}/submissions")) >= 3


def test_a_refused_token_stops_the_run_with_the_fix_and_is_never_printed(canvas, course, capsys, monkeypatch):
    monkeypatch.setenv("CANVAS_TOKEN", "7~" + "x" * 64)
    code, out, err = passback(course, capsys)
    assert code == 1 and "HTTP 401" in err and "make a new one" in err
    assert "x" * 16 not in out + err and TOKEN not in out + err and not canvas.bulk_posts


def test_the_token_is_in_no_log_record_of_canvasapi(canvas, course, capsys, caplog):
    """canvasapi logs every request at DEBUG, its headers through clean_headers (masked but for 4 characters)."""
    caplog.set_level("DEBUG")
    assert passback(course, capsys)[0] == 0
    assert caplog.records and not any(TOKEN in r.getMessage() or TOKEN[:-4] in r.getMessage() for r in caplog.records)
