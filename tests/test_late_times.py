"""Submission times, read where each platform records them (autograder/model/submission_time.py).

nbgrader's timestamp.txt is parsed as ``nbgrader.utils.parse_utc`` parses it wherever nbgrader reads a zone
right (compared on the formats nbgrader writes and on generated times), and a zone abbreviation as the
course's zone means it, or refused (tests/test_redteam_times.py has the attacks); Gradescope's
``created_at``; the CI's own record of the push (GitHub's ``repository.pushed_at``; GitLab's record of
the job through its API, else the pipeline variable read as a claim), never a commit date. A time that is
missing or not a time is recorded as such, with the reason.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.model.submission_time import (
    GITHUB_SOURCE,
    GITLAB_SOURCE,
    MISSING,
    RECORDED,
    UNREADABLE,
    SubmissionTime,
    from_ci,
    from_gradescope,
    from_timestamp_file,
    parse_utc,
)

UTC = UTC


def nbgrader_parse(text):
    from nbgrader.utils import parse_utc as theirs

    return theirs(text).replace(tzinfo=UTC)


#: What nbgrader writes (``CourseDirectory.timestamp_format`` with a zone name or an offset) and what people type.
FORMATS = ["2026-03-07 23:59:01.000000 UTC", "2026-03-07 23:59:01.000000 Europe/Berlin",
           "2026-03-07 23:59:01.000000 America/Los_Angeles", "2026-03-07 23:59:01 +0100", "2026-03-07 23:59:01 -3600",
           "2026-03-07 23:59:01", "2026-03-07T23:59:01Z", "2026-03-07T23:59:01.123456+05:30",
           "2018-07-01T14:22:32.365935-07:00", "March 7 2026 11:59 pm"]


@pytest.mark.parametrize("text", FORMATS)
def test_times_are_read_as_nbgrader_reads_them(text):
    assert parse_utc(text) == nbgrader_parse(text)
    assert parse_utc(text).tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
       st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York", "+0200", "-0530", ""]))
def test_generated_times_agree_with_nbgrader(moment, zone):
    text = moment.strftime("%Y-%m-%d %H:%M:%S.%f") + (f" {zone}" if zone else "")
    assert parse_utc(text) == nbgrader_parse(text)


@pytest.mark.parametrize("text", ["yesterday-ish", "2026-13-45 25:61:00 UTC", "99999999999999999999",
                                  "2026-03-07 23:59:01 Mars/Olympus", "2026-03-07 23:59:01.000000 PST"])
def test_what_is_not_a_time_raises_value_error_and_so_does_a_zone_that_cannot_be_read(text):
    """nbgrader reads the last two as UTC (an unknown zone name, an abbreviation dateutil does not know)."""
    with pytest.raises(ValueError):
        parse_utc(text)


def test_timestamp_file_recorded(tmp_path):
    (tmp_path / "timestamp.txt").write_text("2026-03-07 23:59:01.000000 UTC\n")
    t = from_timestamp_file(tmp_path)
    assert (t.status, t.source, t.at) == (RECORDED, "timestamp.txt", datetime(2026, 3, 7, 23, 59, 1, tzinfo=UTC))
    assert not t.trusted and t.raw.startswith("2026-03-07") and t.received is not None, \
        "the student's file is a claim, kept with when it reached this side"


@pytest.mark.parametrize("content, why", [
    (None, "no timestamp.txt"), ("", "is empty"), ("   \n", "is empty"), ("next tuesday", "holds no time"),
    ("2026-03-07 " * 40, "longer than a time"), (b"\xff\xfe\x00", "holds no time"),
])
def test_missing_or_garbled_timestamp_is_said_never_on_time(tmp_path, content, why):
    if isinstance(content, bytes):
        (tmp_path / "timestamp.txt").write_bytes(content)
    elif content is not None:
        (tmp_path / "timestamp.txt").write_text(content)
    t = from_timestamp_file(tmp_path)
    assert t.at is None and not t.known and t.status == (MISSING if content is None else UNREADABLE)
    assert why in t.detail


def test_a_linked_timestamp_is_not_followed(tmp_path):
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("2020-01-01 00:00:00 UTC")
    folder = tmp_path / "sub"
    folder.mkdir()
    os.symlink(secret, folder / "timestamp.txt")
    t = from_timestamp_file(folder)
    assert t.status == UNREADABLE and t.at is None and "not a regular file" in t.detail


def test_the_record_round_trips_and_reads_tolerantly():
    t = SubmissionTime(datetime(2026, 3, 7, 23, 59, 1, 250, tzinfo=UTC), "timestamp.txt")
    assert SubmissionTime.from_json(json.loads(json.dumps(t.to_json()))) == t
    assert SubmissionTime.from_json("2026") is None
    bad = SubmissionTime.from_json({"at": "never", "source": "x", "status": "recorded"})
    assert bad.status == UNREADABLE and bad.at is None
    assert SubmissionTime.from_json({"at": None, "status": "recorded"}).status == MISSING


#: Gradescope's submission_metadata.json, as its autograder documentation shows it.
GRADESCOPE_METADATA = {
    "id": 123456, "created_at": "2018-07-01T14:22:32.365935-07:00",
    "assignment": {"due_date": "2018-06-30T23:00:00.000000-07:00", "group_size": 4, "group_submission": True,
                   "id": 25828, "course_id": 1234, "late_due_date": None,
                   "release_date": "2018-06-02T00:00:00.000000-07:00", "title": "PS1", "total_points": "29.0"},
    "submission_method": "upload",
    "users": [{"email": "student@example.com", "id": 1234, "name": "Student User"}],
    "previous_submissions": [],
}


def test_gradescope_created_at():
    t = from_gradescope(GRADESCOPE_METADATA)
    assert t.known and t.at == datetime(2018, 7, 1, 21, 22, 32, 365935, tzinfo=UTC) and "Gradescope" in t.source
    assert from_gradescope({}).status == MISSING
    assert from_gradescope({"created_at": "soon"}).status == UNREADABLE


def test_gitlab_pipeline_time_not_the_commit_date():
    env = {"GITLAB_CI": "true", "CI_PIPELINE_CREATED_AT": "2026-03-08T10:00:00Z",
           "CI_COMMIT_TIMESTAMP": "2026-03-01T00:00:00+00:00"}  # the student's own commit date: not used
    t = from_ci(env)
    assert (t.at, t.source) == (datetime(2026, 3, 8, 10, 0, tzinfo=UTC), GITLAB_SOURCE)
    assert not t.trusted, "a pipeline variable can set CI_PIPELINE_CREATED_AT: a claim"
    assert from_ci({"GITLAB_CI": "true"}).status == MISSING


def test_github_push_time_not_the_head_commit_timestamp(tmp_path):
    pushed = int(datetime(2026, 3, 8, 10, 0, tzinfo=UTC).timestamp())
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"head_commit": {"timestamp": "2026-03-01T00:00:00Z"},  # forgeable: not used
                                 "repository": {"pushed_at": pushed}}))
    t = from_ci({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(event)})
    assert (t.at, t.source) == (datetime(2026, 3, 8, 10, 0, tzinfo=UTC), GITHUB_SOURCE)
    event.write_text(json.dumps({"repository": {"pushed_at": "2026-03-08T10:00:00Z"}}))  # workflow_dispatch
    assert from_ci({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(event)}).at == t.at
    event.write_text(json.dumps({"repository": {}}))
    assert from_ci({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(event)}).status == MISSING
    assert from_ci({}).status == MISSING and "not running in GitHub Actions or GitLab CI" in from_ci({}).detail


def test_times_are_exact_to_the_microsecond():
    a, b = parse_utc("2026-03-07 23:59:00.000001 UTC"), parse_utc("2026-03-07 23:59:00.000000 UTC")
    assert a - b == timedelta(microseconds=1)
