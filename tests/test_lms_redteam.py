"""Red team: passback against a hostile or off-spec platform, and a dry run that must change nothing.

Each attack is a platform doing what the spec allows or what platforms do when things go wrong, and each
test says what must hold (issue 83; the first ones failed on the code before it):

* **a dry run changes nothing**: the platforms record every request and refuse any ``POST``, ``PUT``, ``PATCH``
  or ``DELETE`` (but LTI's token request: OAuth2 asks for a form ``POST``, and it changes no gradebook). Before,
  a dry run against LTI created the line items (gradebook columns students see on Canvas);
* **the tool's grades are its tag, never its account**: a Moodle token that belongs to the teacher (as many
  courses make it) saves grades as the teacher, so a grade the teacher typed in by hand looked like the
  autograder's and was overwritten without ``--overwrite``;
* **an answer it cannot read stops that line item**: an AGS results answer that is an object, not the spec's
  list, or a result whose score is a string, was read as "no results" and every grade posted over the
  teacher's, exit 0; Moodle's ``mod_assign_get_grades`` that withholds the grades (warning 1, no permission)
  was read as "no grades" the same way;
* **a failure mid-run ends with the summary, and the right cause**: a token endpoint that fails (503) after
  the first grades were posted printed no summary, named none of the grades posted, and blamed the 503 on the
  client id and key;
* **one run-wide limit on waiting** (``--max-wait``): ``Retry-After: 3600`` on every score was waited out per
  grade (up to 8 minutes a grade at the defaults);
* **Canvas's bulk job is followed to its end and never sent again**: a job that completed, but whose Progress
  answer was lost, was re-sent student by student (each comment twice); a bulk update carried out whose answer
  was lost (502) was sent again by the retries (two jobs, two comments); a job that failed having applied some
  grades re-sent those too;
* **an LTI line item is created once**: a platform that creates it and loses the answer gets no second one.
"""

from __future__ import annotations

import json
import re
import time
import types

import pytest
import responses
import urllib3.util.retry

import autograder.lms.canvas
from autograder.cli import main
from autograder.lms.lti_token import public_jwk
from autograder.lms.secret import Secret
from tests.canvas_fake import BASE, COURSE_ID, TOKEN, FakeCanvas
from tests.lms_fixtures import PEOPLE, grades_csv, write_graded_class, write_roster
from tests.lti_platform import CLIENT_ID, Fault, Platform, learners, rsa_pem
from tests.test_lms_moodle import MOODLE_IDS, PS1, PS2, URL, FakeMoodle

KID = "probdl-redteam"
#: What grades.csv holds for the students the rosters match.
MATCHED = {k for k in PEOPLE if k != "nia"}


@pytest.fixture(scope="module")
def tool_key():
    return rsa_pem()


@pytest.fixture()
def sleeps(monkeypatch):
    """urllib3's and Canvas's waits, recorded instead of slept."""
    waited = []
    monkeypatch.setattr(urllib3.util.retry, "time", types.SimpleNamespace(sleep=waited.append, time=time.time))
    monkeypatch.setattr(autograder.lms.canvas, "time", types.SimpleNamespace(sleep=waited.append,
                                                                             monotonic=time.monotonic))
    return waited


@pytest.fixture()
def platform(tool_key):
    members = learners(PEOPLE)
    p = Platform(public_jwk(Secret(tool_key, "key"), KID), members).start()
    yield p
    p.stop()


@pytest.fixture()
def course(tmp_path, tool_key):
    write_graded_class(tmp_path / "results")
    (tmp_path / "tool-key.pem").write_text(tool_key)
    write_roster(tmp_path / "roster.csv")
    return tmp_path


def lti_config(folder, platform, http="attempts = 4\nbackoff = 0.5\nmax_wait = 30"):
    path = folder / "passback.toml"
    path.write_text(f"""
[lti]
token_url = "{platform.token_url}"
client_id = "{CLIENT_ID}"
key_file = "tool-key.pem"
key_id = "{KID}"
lineitems_url = "{platform.lineitems_url}"

[roster]
file = "roster.csv"

[problem_sets.ps1_softmax]
label = "PS1: softmax"

[http]
{http}
""")
    return path


def passback(course, config, target, capsys, *extra):
    code = main(["passback", str(course / "results"), "--to", target, "--config", str(config), *extra])
    out, err = capsys.readouterr()
    return code, out, err


# --- a dry run changes nothing --------------------------------------------------------------------------------------


def test_a_dry_run_against_lti_sends_no_request_that_changes_anything(course, platform, capsys):
    """Before: the dry run created both line items (POST …/line_items): two gradebook columns on Canvas."""
    platform.forbid_writes = True
    code, out, err = passback(course, lti_config(course, platform), "lti", capsys, "--dry-run")
    assert code == 0, out + err
    assert platform.violations == [] and platform.lineitems == {} and not platform.scores
    assert "Note: would create the line item 'PS1: softmax' for ps1_softmax (out of 40)" in out
    assert "ps1_softmax  ada → u-ada: — → 40/40  would post (new)" in out
    assert "Summary (lti, dry run): would post 7, unchanged 0, skipped 1, failed 0." in out
    # what it read: the token (a POST that changes no gradebook) and the line items; nothing else was asked
    assert {(m, p.split("?")[0]) for m, p, *_ in platform.log} == {
        ("POST", "/login/oauth2/token"), ("GET", "/api/lti/courses/42/line_items")}
    # and the real run afterwards creates them once and posts what the dry run listed
    platform.forbid_writes = False
    code, out, _ = passback(course, lti_config(course, platform), "lti", capsys)
    assert code == 0 and "Summary (lti): posted 7" in out and len(platform.lineitems) == 2
    assert "Note: created the line item 'PS1: softmax' for ps1_softmax (out of 40)" in out


def test_a_dry_run_against_lti_with_results_to_update_reads_only(course, platform, capsys):
    assert passback(course, lti_config(course, platform), "lti", capsys)[0] == 0
    platform.grade_by_hand("PS1: softmax", "u-ada", 12.0, 40.0)
    platform.forbid_writes = True
    code, out, _ = passback(course, lti_config(course, platform), "lti", capsys, "--dry-run", "--overwrite")
    assert code == 0 and platform.violations == []
    assert "ps1_softmax  ada → u-ada: 12/40 → 40/40  would post (overwrite)" in out


def test_a_dry_run_against_canvas_and_moodle_sends_no_change(course, capsys, monkeypatch, sleeps):
    canvas = FakeCanvas({uid: (c, c.title()) for c, uid in CANVAS_IDS.items()})
    canvas.assignment(11, "PS1: softmax", 40)
    canvas.assignment(12, "ps2_cross_entropy", 35)
    canvas.forbid_writes = True
    monkeypatch.setenv("CANVAS_TOKEN", TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        canvas.register(rsps)
        code, out, _ = passback(course, canvas_config(course), "canvas", capsys, "--dry-run")
    assert code == 0 and canvas.violations == [] and "would post 7" in out
    moodle = FakeMoodle()
    moodle.forbid_writes = True
    with moodle_mock(moodle, monkeypatch):
        code, out, _ = passback(course, moodle_config(course), "moodle", capsys, "--dry-run")
    assert code == 0 and moodle.writes == [] and "would post 7" in out


# --- the tool's own grades: the tag it wrote, never the account --------------------------------------------------


def moodle_config(folder):
    path = folder / "moodle.toml"
    path.write_text(f"""
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
    return path


class moodle_mock:
    """Moodle's web services behind ``responses`` for a ``with`` block."""

    def __init__(self, fake, monkeypatch):
        monkeypatch.setenv("MOODLE_TOKEN", fake.token)
        self.fake, self.mock = fake, responses.RequestsMock(assert_all_requests_are_fired=False)

    def __enter__(self):
        self.mock.__enter__()
        self.mock.add_callback(responses.POST, URL + "/webservice/rest/server.php", callback=self.fake.answer)
        return self.fake

    def __exit__(self, *exc):
        return self.mock.__exit__(*exc)


TEACHER = 3


def test_a_teachers_token_does_not_make_the_teachers_own_grade_the_autograders(course, capsys, monkeypatch):
    """The web service token is the teacher's (user 3): passback's grades are saved with grader 3, and so is
    the grade the teacher typed in for ben. Before, "graded by the token's user" made it the autograder's: it
    was replaced without --overwrite."""
    moodle = FakeMoodle(user=TEACHER)
    with moodle_mock(moodle, monkeypatch):
        assert passback(course, moodle_config(course), "moodle", capsys)[0] == 0
        moodle.grade_by_hand(PS1, MOODLE_IDS["ben"], 25.0, grader=TEACHER, feedback="Talk to me about stability.")
        code, out, _ = passback(course, moodle_config(course), "moodle", capsys)
        assert code == 0 and moodle.grades[(PS1, MOODLE_IDS["ben"])]["grade"] == 25.0, out
        assert "ben, ps1_softmax: the LMS holds 25/40, which the autograder did not post" in out
        assert "posted 0, unchanged 6, skipped 2" in out  # ben's (a person's) and zed's (unmatched)
        # its own grades it recognises by the tag it reads back, and nothing is saved twice
        saves = len(moodle.writes)
        assert passback(course, moodle_config(course), "moodle", capsys)[0] == 0 and len(moodle.writes) == saves


def test_a_comment_moodle_gives_back_as_html_is_still_the_one_posted(course, capsys, monkeypatch):
    """Moodle formats a plain-text comment (escaped, <br /> at each line) unless asked for it raw: a platform
    that ignores the request still shows the autograder's tag and digest, so nothing is posted again."""
    moodle = FakeMoodle()
    answer = moodle.answer

    def formatted(request):  # moodlewssettingraw ignored
        request.body = request.body.replace("moodlewssettingraw=1", "moodlewssettingraw=0")
        return answer(request)

    moodle.answer = formatted
    with moodle_mock(moodle, monkeypatch):
        assert passback(course, moodle_config(course), "moodle", capsys)[0] == 0
        saves = len(moodle.writes)
        code, out, _ = passback(course, moodle_config(course), "moodle", capsys)
    assert code == 0 and "posted 0, unchanged 7" in out and len(moodle.writes) == saves


# --- an answer that cannot be read stops its line item ------------------------------------------------------------


def test_an_lti_results_answer_that_is_not_a_list_stops_that_line_item(course, platform, capsys):
    """Before: the object was read as "no results"; every grade was posted again, over ben's hand-entered 38,
    and the run said exit 0."""
    config = lti_config(course, platform)
    assert passback(course, config, "lti", capsys)[0] == 0
    platform.grade_by_hand("PS1: softmax", "u-ben", 38.0, 40.0)
    posted = len(platform.scores)
    answer = platform.answer

    def wrapped(method, path, headers, text):
        status, body, links, media = answer(method, path, headers, text)
        if method == "GET" and re.search(r"/line_items/1/results", path):
            return status, {"results": body, "next": None}, links, media  # an object around the list
        return status, body, links, media

    platform.answer = wrapped
    code, out, _ = passback(course, config, "lti", capsys)
    assert code == 1 and platform.stored()[("PS1: softmax", "u-ben")] == (38.0, 40.0)
    assert len(platform.scores) == posted, "nothing posted to the line item it could not read"
    assert re.search(r"ben, ps1_softmax: results of line item 'PS1: softmax': the platform's answer is not a list "
                     r"of results \(a JSON dict\)", out), out
    assert "posted 0, unchanged 4, skipped 1, failed 3" in out  # ps1's three failed, ps2's four read and unchanged


def test_a_result_whose_score_is_not_a_number_stops_that_line_item(course, platform, capsys):
    config = lti_config(course, platform)
    assert passback(course, config, "lti", capsys)[0] == 0
    key = platform.item_key("PS1: softmax")
    platform.results[(key, "u-dan")] = {**platform.results[(key, "u-dan")], "resultScore": "38", "comment": None}
    posted = len(platform.scores)
    code, out, _ = passback(course, config, "lti", capsys)
    assert code == 1 and len(platform.scores) == posted and platform.results[(key, "u-dan")]["resultScore"] == "38"
    assert "a result the platform gave cannot be read" in out


def test_moodle_withholding_the_grades_stops_the_assignment(course, capsys, monkeypatch):
    """``mod_assign_get_grades`` without the capability answers no grades and warning 1. Before, that was read
    as "no grades": every grade was saved, over the teacher's own."""
    moodle = FakeMoodle()
    moodle.grade_by_hand(PS1, MOODLE_IDS["ben"], 25.0, grader=TEACHER)
    moodle.withhold = True
    with moodle_mock(moodle, monkeypatch):
        code, out, _ = passback(course, moodle_config(course), "moodle", capsys)
    assert code == 1 and moodle.writes == [] and moodle.grades[(PS1, MOODLE_IDS["ben"])]["grade"] == 25.0
    assert "Moodle withheld them (warning 1: No access rights in module context)" in out
    assert "failed 7" in out


def test_a_canvas_score_that_is_not_a_number_stops_that_assignment(canvas, course, capsys):
    canvas.submissions[(11, CANVAS_IDS["dan"])].update(score="12", grade="12")  # off-spec: a string
    code, out, _ = passback(course, canvas_config(course), "canvas", capsys)
    assert code == 1 and "a score Canvas gave cannot be read ('12')" in out
    assert [aid for aid, _ in canvas.bulk_posts] == [12], "nothing posted to ps1's assignment"


# --- a failure mid-run: the summary, with the right cause ----------------------------------------------------------


def test_a_token_endpoint_failing_mid_run_ends_with_the_summary_and_its_cause(course, platform, sleeps, capsys):
    """Two grades are posted, then the platform revokes the token and its token endpoint answers 503 (after
    urllib3's retries). Before: no summary, none of the two named, and "check [lti] client_id … key_id"."""
    answer = platform.answer

    def wrapped(method, path, headers, text):
        answered = answer(method, path, headers, text)
        if method == "POST" and path.endswith("/scores") and len(platform.scores) == 2:
            platform.revoked.update(platform.issued)
            platform.faults.append(Fault("POST", r"/login/oauth2/token", 503, times=4))
        return answered

    platform.answer = wrapped
    code, out, err = passback(course, lti_config(course, platform), "lti", capsys)
    assert code == 1 and len(platform.scores) == 2
    posted = re.findall(r"^  (ps\S+  \S+) → .*  posted \(new\)$", out, re.M)
    assert posted == ["ps1_softmax  ada", "ps1_softmax  ben"], out
    assert re.search(r"Failed:\n  dan, ps1_softmax: not posted: token request to .*: HTTP 503", out), out
    assert "Summary (lti, stopped): posted 2, unchanged 0, skipped 1, failed 1, not sent 4." in out
    assert len(platform.lineitems) == 1, "ps2's line item was not created after the stop"
    stop = next(line for line in out.splitlines() if line.startswith("Stopped: "))
    assert "HTTP 503" in stop and "token endpoint is failing or throttling" in stop
    assert "client_id" not in stop and "key_id" not in stop and "JWK" not in stop
    assert "Not sent (the run stopped first):" in out and "run passback again" in out


def test_a_token_endpoint_failing_at_the_start_is_not_blamed_on_the_registration(course, platform, sleeps, capsys):
    platform.faults.append(Fault("POST", r"/login/oauth2/token", 502, times=4))
    code, out, err = passback(course, lti_config(course, platform), "lti", capsys)
    assert code == 1 and not platform.scores and "Summary (lti, stopped): posted 0" in out
    assert "HTTP 502" in err and "client_id" not in err and "not a problem of the tool's registration" in err


def test_a_token_endpoint_that_cannot_be_reached_stops_at_once(course, platform, sleeps, capsys):
    config = lti_config(course, platform)
    config.write_text(config.read_text().replace(platform.token_url, "http://127.0.0.1:9/login/oauth2/token"))
    code, out, err = passback(course, config, "lti", capsys)
    assert code == 1 and "token endpoint could not be reached" in err and "not sent 7" in out


# --- one run-wide limit on waiting --------------------------------------------------------------------------------


def test_retry_after_an_hour_on_every_score_stops_at_the_runs_limit(course, platform, sleeps, capsys):
    """Before: each grade waited out 3 retries of min(3600, max_wait) seconds (8 minutes a grade at the
    defaults), and there was no run-wide limit."""
    platform.faults.append(Fault("POST", r"/scores$", 429, {"Retry-After": "3600"}, times=1000))
    code, out, err = passback(course, lti_config(course, platform), "lti", capsys, "--max-wait", "100")
    assert code == 1 and sum(sleeps) <= 100 and sleeps == [30, 30, 30], sleeps
    assert re.search(r"Stopped: the LMS \(HTTP 429, Retry-After\) asked to wait 30 s, and the run may wait 10 s more "
                     r"\(--max-wait 100 s in all\)", out), out
    assert "Summary (lti, stopped): posted 0, unchanged 0, skipped 1, failed 2, not sent 5." in out


def test_the_default_limit_bounds_a_run_that_is_throttled_forever(course, platform, sleeps, capsys):
    platform.faults.append(Fault("GET", r"/line_items", 503, {"Retry-After": "120"}, times=10_000))
    code, out, _ = passback(course, lti_config(course, platform, http="attempts = 20\nmax_wait = 120"), "lti", capsys)
    assert code == 1 and sum(sleeps) <= 600 and "(--max-wait 600 s in all)" in out and not platform.scores


# --- Canvas: the bulk job followed to its end, never sent again -------------------------------------------------


CANVAS_IDS = {"ada": 101, "ben": 102, "cleo": 103, "dan": 104, "eve": 105, "nia": 106}


def canvas_config(folder):
    rows = ["course_id,lms_id,name"] + [f"{c},{uid},{c.title()}" for c, uid in CANVAS_IDS.items()]
    (folder / "canvas-roster.csv").write_text("\n".join(rows) + "\n")
    path = folder / "canvas.toml"
    path.write_text(f"""
[canvas]
url = "{BASE}"
course_id = {COURSE_ID}
token_env = "CANVAS_TOKEN"

[roster]
file = "canvas-roster.csv"

[problem_sets.ps1_softmax]
label = "PS1: softmax"
canvas_assignment = 11

[problem_sets.ps2_cross_entropy]
canvas_assignment = 12

[http]
attempts = 3
backoff = 0.5
""")
    return path


@pytest.fixture()
def canvas(monkeypatch, sleeps):
    fake = FakeCanvas({uid: (c, c.title()) for c, uid in CANVAS_IDS.items()})
    fake.assignment(11, "PS1: softmax", 40)
    fake.assignment(12, "ps2_cross_entropy", 35)
    monkeypatch.setenv("CANVAS_TOKEN", TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.register(rsps)
        yield fake


def comments_per_student(canvas) -> dict:
    """``(assignment, user) -> number of the autograder's comments`` (author 1, the token's user)."""
    return {key: sum(1 for c in s["submission_comments"] if c["author_id"] == 1 and "[probdl-autograder" in c["comment"])
            for key, s in canvas.submissions.items() if s["score"] is not None}


def landed_equal_to_grades_csv(canvas, course):
    student = {uid: c for c, uid in CANVAS_IDS.items()}
    got = {(student[uid], ps): score for aid, ps in ((11, "ps1_softmax"), (12, "ps2_cross_entropy"))
           for uid, score in canvas.scores(aid).items()}
    assert got == {k: v for k, v in grades_csv(course / "results").items() if k[0] in MATCHED}


def test_a_job_that_completed_while_its_answer_was_lost_is_not_sent_again(canvas, course, capsys):
    """Canvas applied the grades, then every Progress answer after was lost (502). Before: the job was taken
    as failed and every student posted again one by one: two comments each."""
    canvas.lost_after.add("complete")
    code, out, _ = passback(course, canvas_config(course), "canvas", capsys)
    assert not canvas.puts and len(canvas.bulk_posts) == 2, "never sent again"
    assert set(comments_per_student(canvas).values()) == {1}
    landed_equal_to_grades_csv(canvas, course)
    assert code == 0 and "posted 7, unchanged 0, skipped 1, failed 0" in out, out


def test_a_bulk_update_whose_answer_was_lost_is_not_sent_again(canvas, course, capsys):
    """The update was carried out and the answer lost (502 from a proxy). Before: urllib3 sent the POST again
    (every method was retried on a 5xx): two jobs, two comments each."""
    canvas.lost_after.add("bulk")
    code, out, _ = passback(course, canvas_config(course), "canvas", capsys)
    assert len(canvas.bulk_posts) == 2 and not canvas.puts
    assert set(comments_per_student(canvas).values()) == {1}
    landed_equal_to_grades_csv(canvas, course)
    assert code == 0 and "posted 7" in out, out


def test_a_job_that_failed_after_applying_some_grades_sends_only_the_others(canvas, course, capsys):
    canvas.fail_jobs = True
    canvas.fail_after_applying = {CANVAS_IDS["ada"], CANVAS_IDS["cleo"]}
    code, out, _ = passback(course, canvas_config(course), "canvas", capsys)
    assert code == 0, out
    assert sorted((aid, uid) for aid, uid, _ in canvas.puts) == [(11, 102), (11, 104), (12, 102), (12, 105)], \
        "ben and dan (ps1), ben and eve (ps2): those the failed job had not applied, alone"
    assert set(comments_per_student(canvas).values()) == {1}
    landed_equal_to_grades_csv(canvas, course)


def test_a_job_that_never_ends_stops_at_the_runs_limit_and_sends_nothing_again(canvas, course, capsys, sleeps):
    canvas.never_ends = True
    code, out, _ = passback(course, canvas_config(course), "canvas", capsys, "--max-wait", "20")
    assert code == 1 and not canvas.puts and len(canvas.bulk_posts) == 1 and sum(sleeps) <= 20
    assert "was still running when the run stopped: whether these grades landed is not known" in out
    assert re.search(r"Stopped: following Canvas's job 1 asked to wait .* \(--max-wait 20 s in all\)", out), out
    assert "not sent 4" in out  # ps2's, never sent


# --- LTI: a line item is created once --------------------------------------------------------------------------------


def test_a_line_item_created_while_its_answer_was_lost_is_not_created_twice(course, platform, sleeps, capsys):
    answer = platform.answer

    def wrapped(method, path, headers, text):
        status, body, links, media = answer(method, path, headers, text)
        if method == "POST" and path.rstrip("/").endswith("/line_items"):
            return 502, {"error": "bad gateway"}, {}, "application/json"  # made, and the answer lost
        return status, body, links, media

    platform.answer = wrapped
    config = lti_config(course, platform)
    code, out, _ = passback(course, config, "lti", capsys)
    assert code == 1 and len(platform.lineitems) == 2 and not platform.scores, out
    assert "creating line item 'PS1: softmax': HTTP 502" in out
    platform.answer = answer
    code, out, _ = passback(course, config, "lti", capsys)  # the next run finds them and posts
    assert code == 0 and len(platform.lineitems) == 2 and "posted 7" in out


def test_every_request_a_run_sends_is_in_the_platforms_log_as_json(course, platform, capsys):
    """(A check of the fake: what the tests above count is every request.)"""
    assert passback(course, lti_config(course, platform), "lti", capsys)[0] == 0
    scores = [json.loads(body) for method, path, _, body in platform.log if path.endswith("/scores")]
    assert len(scores) == len(platform.scores) == 7
