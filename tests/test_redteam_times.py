"""Red team: submission times a student tries to set, and what the late-penalty step makes of each.

Issue 52's attacks on late work, each with what must hold:

* a ``timestamp.txt`` saying 12 hours before the deadline for a submission 3.5 days late: with nbgrader's
  exchange, the time it received the submission counts (the file's claim is named, not used); without
  it, the claim never earns what a record would not: it counts as when the file reached the grader (an
  upper bound of the truth), unless the course accepts claimed times (``claimed_times = "accept"``, the
  instructor's explicit choice), and every page, the class report's list of claimed times first, says which
  (issue 83: before, the forged claim was graded on time, 40 against 20 for the honest late one);
* under the exchange, a second folder with a later name whose timestamp.txt repeats an earlier, on-time
  folder's stamp: the folder collect took is told by its content, and its own time counts, the repeated
  stamp flagged (issue 83: before, the earlier folder's time was taken, 40 against 15); across a plain
  folder's problem sets, one stamp claimed twice is flagged and read the stricter way;
* a year-0001 time, a time after the file reached the grader, one earlier than the student's previous
  submission, one before the release: flagged, and read the stricter way (when it reached the grader);
* a zone abbreviation, what nbgrader writes for ``c.Exchange.timezone``: read as the course's zone means it
  (23 common ones, against the IANA database), refused without a course zone, never read as UTC;
* GitLab's ``CI_PIPELINE_CREATED_AT`` set by a pipeline variable: a claim (flagged when implausible);
  GitLab's own record, asked of its API with the job token at the course's URL, is the platform's; a
  forged token gets no time, never a chosen one;
* a Gradescope group: its deadline does not depend on the order its members are listed in.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from autograder.model.deadlines import Deadlines, DeadlinesError, parse_deadlines
from autograder.model.late_policy import Amount, LatePolicy
from autograder.model.lateness import LATE, ON_TIME, UNKNOWN_TIME
from autograder.model.penalties import assess
from autograder.model.submission_time import (
    EXCHANGE_SOURCE,
    GITLAB_API_SOURCE,
    RECORDED,
    Exchange,
    SubmissionTime,
    ZoneError,
    from_ci,
    from_timestamp_file,
    judged,
    parse_utc,
)
from autograder.nbgrader_io.course_deadlines import exchange_zone, gradescope_deadlines

UTC = UTC
PS = "ps1_softmax"
DUE = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
#: 10 % of 40 points off per started day, as in the issue's figures (40 → 22.8 after 3.5 days would be 4 days).
POLICY = LatePolicy(method="per_day", deduct=Amount(10.0, percent=True))


def _result(submitted, student="ada"):
    return SimpleNamespace(complete=True, student=student, assignment=PS, raw_score=40.0, max_score=40.0,
                           submitted=submitted)


def _deadlines(**kw):
    return Deadlines(due={PS: DUE}, policy=POLICY, source="deadlines.toml", **kw)


def _late_folder(tmp_path, claim: str):
    """A submission folder whose timestamp.txt claims ``claim``; the file reached us now (its change time)."""
    folder = tmp_path / "submitted" / "ada" / PS
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text(claim)
    return folder


# -- a forged timestamp.txt ---------------------------------------------------------------------------------------


def test_with_the_exchange_the_time_it_received_the_submission_counts_not_the_file(tmp_path):
    folder = _late_folder(tmp_path, "2026-03-01 11:59:00.000000 UTC")  # "12 hours before the deadline"
    inbound = tmp_path / "exchange" / "course" / "inbound"
    (inbound / "ada+ps1_softmax+2026-03-01 11:59:00.000000 UTC").mkdir(parents=True)
    received = datetime.fromtimestamp(os.stat(inbound / "ada+ps1_softmax+2026-03-01 11:59:00.000000 UTC").st_ctime,
                                      UTC)
    t = Exchange(inbound).for_submission(SimpleNamespace(student="ada", raw_student="ada", assignment=PS,
                                                         directory=folder))
    assert t.trusted and t.source == EXCHANGE_SOURCE and t.at == received
    assert "timestamp.txt said 2026-03-01T11:59:00" in t.detail, "the claim is named, not used"
    late = assess(_result(t), Deadlines(due={PS: received - timedelta(days=3.5)}, policy=POLICY))
    assert late.status == LATE and late.penalty == 16.0, "3.5 days late: four started days of 10 %"


def test_a_folder_too_large_to_look_through_is_timed_when_read_and_says_so(tmp_path, monkeypatch):
    """A submission's folder in the exchange with more entries than the grader looks at (a student's virtual
    environment handed in with the notebook) is timed when it is read, never earlier than the truth, and the time's
    detail says why, so that an instructor who sees it late knows what to check."""
    monkeypatch.setattr(Exchange, "MAX_ENTRIES", 5)
    folder = _late_folder(tmp_path, "2026-03-01 11:59:00.000000 UTC")
    inbound = tmp_path / "exchange" / "course" / "inbound"
    taken = inbound / "ada+ps1_softmax+2026-03-01 11:59:00.000000 UTC"
    for k in range(6):
        (taken / "venv" / f"f{k}").mkdir(parents=True)
    before = datetime.now(UTC)
    t = Exchange(inbound).for_submission(SimpleNamespace(student="ada", raw_student="ada", assignment=PS,
                                                         directory=folder))
    assert t.trusted and t.at >= before
    assert "holds more than 5 files and folders, so its time is when the grader read it" in t.detail, t.detail


def _claims(tmp_path, due_after_received: timedelta, **deadlines):
    """Two students without a platform's record: eve's timestamp.txt claims 12 h before the due date, hal's
    honestly 20 h after it; both files reached the grader at the same moment, ``due_after_received`` after the
    due date. Their late records under ``deadlines``."""
    out = {}
    received = None
    for student, offset in (("eve", -timedelta(hours=12)), ("hal", timedelta(hours=20))):
        folder = tmp_path / "submitted" / student / PS
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("")
        received = received or datetime.fromtimestamp(os.stat(folder / "timestamp.txt").st_ctime, UTC)
        due = received - due_after_received
        (folder / "timestamp.txt").write_text((due + offset).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
        out[student] = assess(_result(from_timestamp_file(folder), student), Deadlines(
            due={PS: due}, policy=LatePolicy(method="per_day", deduct=Amount(50.0, percent=True)), **deadlines))
    return out


def test_without_a_trusted_record_a_forged_claim_earns_no_more_than_the_honest_one(tmp_path):
    """No platform's record: eve's forged on-time claim and hal's honest late one are both read as when the
    files reached the grader (22 h after the due date), so both lose what that record costs: 20 of 40. Before,
    eve's claim was believed: 40 against hal's 20."""
    late = _claims(tmp_path, timedelta(hours=22))
    assert [late[s].status for s in ("eve", "hal")] == [LATE, LATE]
    assert late["eve"].raw_score - late["eve"].penalty == late["hal"].raw_score - late["hal"].penalty == 20.0
    eve = late["eve"]
    assert not eve.time_trusted and eve.time_reading == "claimed, as received" and not eve.time_flag
    assert eve.time_claimed is not None and eve.submitted - eve.time_claimed >= timedelta(hours=34)
    assert "The time counted is when the file reached the grader" in eve.line() and "which says" in eve.line()
    assert eve.to_json()["time_reading"] == "claimed, as received"


def test_a_course_that_accepts_claimed_times_reads_them_as_they_say_and_says_so(tmp_path):
    late = _claims(tmp_path, timedelta(hours=22), claimed_times="accept")
    assert (late["eve"].status, late["eve"].penalty, late["hal"].penalty) == (ON_TIME, 0.0, 20.0)
    assert late["eve"].time_reading == "claimed, accepted"
    assert "the course accepts the students' own times" in late["eve"].line()


def test_a_claim_whose_arrival_is_not_known_is_unknown_unless_accepted():
    claim = SubmissionTime(DUE - timedelta(hours=1), "timestamp.txt", trusted=False)
    assert assess(_result(claim), _deadlines()).status == UNKNOWN_TIME
    assert assess(_result(claim), _deadlines(claimed_times="accept")).status == ON_TIME


def test_the_choice_is_the_courses_data_in_either_place(tmp_path):
    from traitlets.config import Config

    from autograder.nbgrader_io.course_deadlines import claimed_times

    assert parse_deadlines({"claimed_times": "accept"}).claimed_times == "accept"
    assert parse_deadlines({}).claimed_times == "stricter"
    with pytest.raises(DeadlinesError, match='claimed_times: expected "stricter"'):
        parse_deadlines({"claimed_times": "yes"})
    config = Config()
    assert claimed_times(config) == "stricter"
    config.Deadlines.claimed_times = "accept"
    assert claimed_times(config) == "accept"
    config.Deadlines.claimed_times = "trust me"
    with pytest.raises(DeadlinesError, match="c.Deadlines.claimed_times"):
        claimed_times(config)


def test_one_stamp_claimed_for_two_problem_sets_is_flagged_and_read_the_stricter_way():
    """A folder handed in again under another problem set's name keeps its timestamp.txt: nbgrader writes a new
    stamp, to the microsecond, at each submission, so a repeat is a copy. Even in a course that accepts claims,
    the repeated one is not believed."""
    from autograder.model.penalties import repeated_claims  # (new in issue 83: the module imports without it)

    raw = "2026-03-01 11:59:00.123456 UTC"
    received = datetime(2026, 3, 4, tzinfo=UTC)
    results = [SimpleNamespace(complete=True, student="ada", assignment=ps, raw_score=40.0, max_score=40.0,
                               submitted=SubmissionTime(parse_utc(raw), "timestamp.txt", trusted=False, raw=raw,
                                                        received=received), late=None, score=40.0)
               for ps in (PS, "ps2_cross_entropy")]
    assert repeated_claims(results) == {("ada", PS): "ps2_cross_entropy submission",
                                        ("ada", "ps2_cross_entropy"): "ps1_softmax submission"}
    deadlines = Deadlines(due={PS: DUE, "ps2_cross_entropy": DUE}, policy=POLICY, claimed_times="accept")
    late = assess(results[0], deadlines, repeated_claims(results)[("ada", PS)])
    assert "it repeats the time of the student's ps2_cross_entropy submission" in late.time_flag
    assert late.submitted == received and late.status == LATE and late.time_reading == "claimed, not believed"


# -- the exchange: the folder collect took, by its content ------------------------------------------------------


def _exchange_folder(inbound, name, stamp, notebook):
    folder = inbound / name
    folder.mkdir(parents=True)
    (folder / f"{PS}.ipynb").write_text(notebook)
    (folder / "timestamp.txt").write_text(stamp)
    return folder


def test_a_later_folder_repeating_an_earlier_stamp_is_timed_by_its_own_change_and_flagged(tmp_path):
    """Ada hands in a draft on time (T1), then the finished notebook after the due date (T2), and writes T1 into
    the second folder's timestamp.txt. collect takes the second (the newest time in its name) and copies its
    timestamp.txt, T1. Before: the folder was told by that stamp, the first folder's time counted, and the late
    notebook was graded on time."""
    inbound = tmp_path / "exchange" / "course" / "inbound"
    t1, t2 = "2026-03-01 11:59:00.000000 UTC", "2026-03-04 09:00:00.000000 UTC"
    first = _exchange_folder(inbound, f"ada+{PS}+{t1}+abc", t1, '{"draft": true}')
    time.sleep(0.05)
    second = _exchange_folder(inbound, f"ada+{PS}+{t2}+def", t1, '{"finished": true}')  # the stamp, edited
    submitted = tmp_path / "submitted" / "ada" / PS  # what collect copied
    shutil.copytree(second, submitted)
    changed = {f: datetime.fromtimestamp(max(os.stat(p).st_ctime for p in (f, *f.iterdir())), UTC)
               for f in (first, second)}
    t = Exchange(inbound).for_submission(SimpleNamespace(student="ada", raw_student="ada", assignment=PS,
                                                         directory=submitted))
    assert t.trusted and t.at == changed[second], "the folder collect took, told by its content"
    assert f"repeats that of the student's other folder in the exchange (ada+{PS}+{t1}+abc)" in t.flag
    due = changed[first] + (changed[second] - changed[first]) / 2  # between the two hand-ins
    late = assess(_result(t), Deadlines(due={PS: due}, policy=POLICY))
    assert late.status == LATE and late.penalty == 4.0 and "read the stricter way" in late.line()


def test_the_same_content_in_two_folders_counts_the_later(tmp_path):
    inbound = tmp_path / "exchange" / "course" / "inbound"
    t1, t2 = "2026-03-01 11:59:00.000000 UTC", "2026-03-04 09:00:00.000000 UTC"
    _exchange_folder(inbound, f"ada+{PS}+{t1}+abc", t1, "{}")
    time.sleep(0.05)
    second = _exchange_folder(inbound, f"ada+{PS}+{t2}+def", t1, "{}")  # a copy, handed in again late
    submitted = tmp_path / "submitted" / "ada" / PS
    shutil.copytree(second, submitted)
    t = Exchange(inbound).for_submission(SimpleNamespace(student="ada", raw_student="ada", assignment=PS,
                                                         directory=submitted))
    assert t.at == datetime.fromtimestamp(max(os.stat(p).st_ctime for p in (second, *second.iterdir())), UTC)


def test_without_a_folder_holding_what_was_graded_the_newest_counts(tmp_path):
    inbound = tmp_path / "exchange" / "course" / "inbound"
    t1, t2 = "2026-03-01 11:59:00.000000 UTC", "2026-03-04 09:00:00.000000 UTC"
    _exchange_folder(inbound, f"ada+{PS}+{t2}+def", t2, "{}")
    time.sleep(0.05)
    newest = _exchange_folder(inbound, f"ada+{PS}+{t1}+abc", t1, "{}")  # made later, with an older name
    submitted = tmp_path / "submitted" / "ada" / PS
    submitted.mkdir(parents=True)
    (submitted / f"{PS}.ipynb").write_text('{"changed": "since"}')
    t = Exchange(inbound).for_submission(SimpleNamespace(student="ada", raw_student="ada", assignment=PS,
                                                         directory=submitted))
    assert t.at == datetime.fromtimestamp(max(os.stat(p).st_ctime for p in (newest, *newest.iterdir())), UTC)
    assert "the newest of the student's folders there: the stricter reading" in t.detail


# -- implausible claims: flagged, read the stricter way -----------------------------------------------------------


@pytest.mark.parametrize("claim, why", [
    ("0001-01-01 00:00:00.000000 UTC", "more than a year from the due date"),
    ("2099-03-01 12:00:00.000000 UTC", "later than the file reached the grader"),
])
def test_an_implausible_claim_is_flagged_and_read_as_when_it_reached_the_grader(tmp_path, claim, why):
    t = from_timestamp_file(_late_folder(tmp_path, claim))
    late = assess(_result(t), _deadlines())
    assert why in late.time_flag and late.submitted == t.received, "the stricter reading: when it arrived"
    assert late.status == LATE and late.penalty > 0 and "not believed" in late.line()
    assert "(time flagged)" in late.short()


def test_a_claim_earlier_than_the_previous_submission_is_flagged():
    previous = datetime(2026, 3, 2, 10, tzinfo=UTC)
    claim = SubmissionTime(datetime(2026, 3, 1, 9, tzinfo=UTC), "timestamp.txt", trusted=False,
                           received=datetime(2026, 3, 3, 9, tzinfo=UTC), previous=previous)
    late = assess(_result(claim), _deadlines())
    assert "earlier than the student's previous submission" in late.time_flag
    assert late.submitted == datetime(2026, 3, 3, 9, tzinfo=UTC) and late.status == LATE


def test_a_claim_before_the_release_is_flagged():
    deadlines = parse_deadlines({"due": {PS: "2026-03-01T23:59:00Z"}, "released": {PS: "2026-02-20T09:00:00Z"},
                                 "policy": {"method": "per_day", "deduct": "10%"}})
    claim = SubmissionTime(datetime(2026, 2, 1, tzinfo=UTC), "timestamp.txt", trusted=False,
                           received=datetime(2026, 3, 5, tzinfo=UTC))
    late = assess(_result(claim), deadlines)
    assert "before the problem set was released" in late.time_flag and late.status == LATE


def test_a_claim_with_nothing_to_read_it_by_is_unknown_and_flagged_never_on_time():
    claim = SubmissionTime(datetime(1, 1, 1, tzinfo=UTC), "timestamp.txt", trusted=False)
    late = assess(_result(claim), _deadlines())
    assert late.status == UNKNOWN_TIME and late.time_flag and late.penalty == 0


def test_a_platform_record_is_never_second_guessed():
    record = SubmissionTime(datetime(2026, 3, 1, 12, tzinfo=UTC), "Gradescope (submission_metadata.json created_at)")
    assert judged(record, DUE) is record


# -- zones: as the course means them, or refused ------------------------------------------------------------------

#: Abbreviations nbgrader writes (``%Z``) for common course zones, and a local time of the year they are used in.
ABBREVIATIONS = [
    ("PST", "America/Los_Angeles", 1), ("PDT", "America/Los_Angeles", 7), ("MST", "America/Denver", 1),
    ("MDT", "America/Denver", 7), ("CST", "America/Chicago", 1), ("CDT", "America/Chicago", 7),
    ("EST", "America/New_York", 1), ("EDT", "America/New_York", 7), ("AKST", "America/Anchorage", 1),
    ("AKDT", "America/Anchorage", 7), ("HST", "Pacific/Honolulu", 1), ("JST", "Asia/Tokyo", 1),
    ("KST", "Asia/Seoul", 1), ("IST", "Asia/Kolkata", 1), ("CET", "Europe/Berlin", 1),
    ("CEST", "Europe/Berlin", 7), ("EET", "Europe/Athens", 1), ("EEST", "Europe/Athens", 7),
    ("WEST", "Europe/Lisbon", 7), ("BST", "Europe/London", 7), ("AEST", "Australia/Sydney", 7),
    ("AEDT", "Australia/Sydney", 1), ("NZDT", "Pacific/Auckland", 1),
]


@pytest.mark.parametrize("abbreviation, zone, month", ABBREVIATIONS)
def test_an_abbreviation_is_read_as_the_course_zone_means_it(abbreviation, zone, month):
    local = datetime(2026, month, 10, 23, 59, 1)
    text = local.strftime("%Y-%m-%d %H:%M:%S.%f ") + abbreviation
    expected = local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert local.replace(tzinfo=ZoneInfo(zone)).tzname() == abbreviation, "what nbgrader writes there"
    assert parse_utc(text, zone) == expected
    with pytest.raises(ZoneError, match="course's time zone"):
        parse_utc(text)  # no course zone: refused, never UTC (nbgrader reads 17 of these 23 as UTC)


def test_a_pacific_course_late_student_loses_what_the_course_zone_says(tmp_path):
    t = from_timestamp_file(_late_folder(tmp_path, "2026-03-02 23:00:00.000000 PST"))  # 31 h late in PST
    assert t.status != RECORDED, "read without the course's zone: not a time, and not UTC either"
    late = assess(_result(t), _deadlines(zone="America/Los_Angeles", claimed_times="accept"))
    assert late.submitted == datetime(2026, 3, 3, 7, tzinfo=UTC) and late.status == LATE and late.penalty == 8.0
    assert assess(_result(t), _deadlines()).status == UNKNOWN_TIME, "refused loudly without a zone"


def test_an_abbreviation_the_course_zone_does_not_write_is_refused():
    with pytest.raises(ZoneError, match="not an abbreviation of the course's time zone"):
        parse_utc("2026-03-02 23:00:00.000000 JST", "America/Los_Angeles")


def test_nbgrader_exchange_zone_is_read_from_its_configuration():
    from traitlets.config import Config

    config = Config()
    config.Exchange.timezone = "Asia/Tokyo"
    assert exchange_zone(config) == "Asia/Tokyo" and exchange_zone(Config()) == ""


# -- CI: a variable a pipeline user sets, and GitLab's own record -------------------------------------------------


class _GitLab(BaseHTTPRequestHandler):
    TOKEN = "job-token-of-the-running-job"

    def do_GET(self):  # (http.server names it)
        if self.path != "/api/v4/job" or self.headers.get("JOB-TOKEN") != self.TOKEN:
            self.send_response(401)
            self.end_headers()
            return
        body = json.dumps({"id": 1, "created_at": "2026-03-05T10:00:01Z",
                           "pipeline": {"id": 7, "created_at": "2026-03-05T10:00:00Z"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def gitlab():
    server = HTTPServer(("127.0.0.1", 0), _GitLab)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v4"
    server.shutdown()


def test_gitlab_record_asked_with_the_job_token_at_the_course_url_is_the_platforms(gitlab):
    forged = {"GITLAB_CI": "true", "CI_PIPELINE_CREATED_AT": "2026-03-01T12:00:00Z", "CI_JOB_TOKEN": _GitLab.TOKEN}
    t = from_ci(forged, api=gitlab)
    assert t.trusted and t.source == GITLAB_API_SOURCE and t.at == datetime(2026, 3, 5, 10, tzinfo=UTC)
    wrong = from_ci({**forged, "CI_JOB_TOKEN": "a-token-of-my-own"}, api=gitlab)
    assert not wrong.known, "a forged token gets no time, never the variable's"


def test_a_pipeline_variable_is_a_claim_and_flagged_when_implausible():
    t = from_ci({"GITLAB_CI": "true", "CI_PIPELINE_CREATED_AT": "2001-01-01T00:00:00Z"})
    late = assess(_result(t), _deadlines())
    assert not t.trusted and "more than a year" in late.time_flag and late.status == LATE


# -- Gradescope groups ----------------------------------------------------------------------------------------------


def test_a_gradescope_group_deadline_does_not_depend_on_member_order(tmp_path):
    general = {"due_date": "2026-03-01T23:59:00Z", "release_date": "2026-02-20T00:00:00Z"}
    plain = {"name": "A", "assignment": {"due_date": "2026-03-01T23:59:00Z"}}
    extended = {"name": "B", "assignment": {"due_date": "2026-03-03T23:59:00Z"}}
    found = [gradescope_deadlines({"assignment": general, "users": users}, PS, "group", tmp_path)
             for users in ([plain, extended], [extended, plain])]
    assert [d.due_for("group", PS)[0] for d in found] == [datetime(2026, 3, 3, 23, 59, tzinfo=UTC)] * 2
    assert found[0].released[PS] == datetime(2026, 2, 20, tzinfo=UTC)
