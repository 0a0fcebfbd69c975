"""When a submission was handed in, read from where each platform records it.

One record, :class:`SubmissionTime`, written into results.json by whoever grades
(``"submitted"``) and read by the late-penalty step, whatever the platform:

* **nbgrader** – ``timestamp.txt`` beside the notebook (what ``nbgrader collect``
  and ``zip_collect`` write), parsed as nbgrader parses it (:func:`parse_utc`);
* **Gradescope** – ``created_at`` of ``/autograder/submission_metadata.json``
  (:func:`from_gradescope`);
* **GitHub / GitLab** (a student's repository graded by its own CI) – a time the
  student cannot write: the pipeline's creation time recorded by GitLab
  (``CI_PIPELINE_CREATED_AT``), the push time recorded by GitHub
  (``repository.pushed_at`` of the event payload). A commit's date is not used: the
  student sets it (``git commit --date``). (:func:`from_ci`.)

A time that is missing or cannot be read is recorded as such
(``status`` ``"missing"`` or ``"unreadable"``, with the reason), never as on time:
the late-penalty step shows it in every output (see docs/contract.md).

The file is the student's: it is read as student data (a regular file only, no
symbolic link followed, at most :data:`MAX_BYTES`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import dateutil.parser
import dateutil.tz

from autograder.model.files import is_regular_file

#: nbgrader's file beside a collected notebook.
TIMESTAMP_FILE = "timestamp.txt"
#: The most read of a timestamp.txt (nbgrader's own is about 33 bytes).
MAX_BYTES = 200

RECORDED, MISSING, UNREADABLE = "recorded", "missing", "unreadable"


@dataclass(frozen=True)
class SubmissionTime:
    """A submission's time (``at``, timezone-aware UTC) and where it was read (``source``).

    ``status`` is ``"recorded"`` (``at`` is set), ``"missing"`` (the platform's record
    is absent) or ``"unreadable"`` (it holds no time); ``detail`` says why for the last two.
    """

    at: datetime | None
    source: str
    status: str = RECORDED
    detail: str = ""

    @property
    def known(self) -> bool:
        return self.status == RECORDED and self.at is not None

    def to_json(self) -> dict:
        return {"at": self.at.isoformat() if self.at is not None else None, "source": self.source,
                "status": self.status, "detail": self.detail}

    @classmethod
    def from_json(cls, data) -> "SubmissionTime | None":
        """Tolerant: None for anything that is not such an object; a bad ``at`` reads as unreadable."""
        if not isinstance(data, dict):
            return None
        source, status, detail = (str(data.get(k) or "")[:500] for k in ("source", "status", "detail"))
        at = None
        if data.get("at") is not None:
            try:
                at = as_utc(datetime.fromisoformat(str(data["at"])))
            except (TypeError, ValueError):
                return cls(None, source, UNREADABLE, f"not a time in results.json: {str(data['at'])[:80]!r}")
        if status not in (RECORDED, MISSING, UNREADABLE) or (status == RECORDED and at is None):
            status = MISSING if at is None else RECORDED
        return cls(at, source, status, detail)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive one is taken as UTC (nbgrader stores naive UTC)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def parse_utc(text: str) -> datetime:
    """A time as ``nbgrader.utils.parse_utc`` reads it, as an aware UTC datetime.

    Three space-separated parts are date, time and zone (``2025-03-07 23:59:00.000000 UTC``,
    ``… Europe/Berlin``, ``… +0100``, what ``nbgrader collect`` writes); anything else
    goes to ``dateutil.parser.parse`` (ISO 8601 with or without offset). A time without
    a zone — or with a zone name dateutil does not know, as in nbgrader — is UTC.

    Written here rather than imported: ``import nbgrader.utils`` costs about 1.4 s (the
    package imports its server extensions), paid in every Gradescope run and CI job;
    tests/test_late_times.py holds the two equal.

    Raises
    ------
    ValueError
        ``text`` is not a time (dateutil's ``ParserError`` is a ``ValueError``; an
        out-of-range date raises ``OverflowError``, turned into ``ValueError`` here).
    """
    try:
        parts = text.split(" ")
        if len(parts) == 3:
            zone = parts[2]
            try:
                zone = int(zone)
            except ValueError:
                zone = dateutil.tz.gettz(zone)
            moment = dateutil.parser.parse(" ".join(parts[:2] + ["TZ"]), tzinfos={"TZ": zone})
        else:
            moment = dateutil.parser.parse(text)
    except OverflowError as exc:
        raise ValueError(f"out of range: {exc}") from None
    if moment.tzinfo is not None:
        moment = (moment - moment.utcoffset()).replace(tzinfo=None)
    return moment.replace(tzinfo=timezone.utc)


def _parsed(text: str, source: str) -> SubmissionTime:
    """A time read from ``source``: recorded, or unreadable with the text quoted (cut)."""
    text = text.strip()
    if not text:
        return SubmissionTime(None, source, UNREADABLE, f"{source} is empty")
    try:
        return SubmissionTime(parse_utc(text), source)
    except (ValueError, TypeError) as exc:
        return SubmissionTime(None, source, UNREADABLE, f"{source} holds no time ({text[:60]!r}: {exc})"[:300])


def from_timestamp_file(folder) -> SubmissionTime:
    """The time in ``folder/timestamp.txt`` (nbgrader's), read as student data."""
    path = Path(folder) / TIMESTAMP_FILE
    if not os.path.lexists(path):
        return SubmissionTime(None, TIMESTAMP_FILE, MISSING, f"no {TIMESTAMP_FILE} beside the notebook")
    if not is_regular_file(path):
        return SubmissionTime(None, TIMESTAMP_FILE, UNREADABLE, f"{TIMESTAMP_FILE} is not a regular file (a link?)")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        return SubmissionTime(None, TIMESTAMP_FILE, UNREADABLE, f"{TIMESTAMP_FILE} cannot be read ({exc.strerror})")
    if len(raw) > MAX_BYTES:
        return SubmissionTime(None, TIMESTAMP_FILE, UNREADABLE, f"{TIMESTAMP_FILE} is longer than a time")
    return _parsed(raw.decode("utf-8", errors="replace"), TIMESTAMP_FILE)


GRADESCOPE_SOURCE = "Gradescope (submission_metadata.json created_at)"


def from_gradescope(metadata) -> SubmissionTime:
    """``created_at`` of Gradescope's ``submission_metadata.json`` (an object already parsed)."""
    if not isinstance(metadata, dict) or metadata.get("created_at") in (None, ""):
        return SubmissionTime(None, GRADESCOPE_SOURCE, MISSING, "submission_metadata.json has no created_at")
    return _parsed(str(metadata["created_at"])[:MAX_BYTES], GRADESCOPE_SOURCE)


GITLAB_SOURCE = "GitLab pipeline (CI_PIPELINE_CREATED_AT)"
GITHUB_SOURCE = "GitHub push (repository.pushed_at)"


def from_ci(env) -> SubmissionTime:
    """The time the CI platform recorded for the push being graded, from the job's environment ``env``.

    GitLab: ``CI_PIPELINE_CREATED_AT`` (ISO 8601, set by GitLab when the pipeline is
    created). GitHub Actions: ``repository.pushed_at`` of the event payload
    (``GITHUB_EVENT_PATH``): for a push, seconds since the epoch set by GitHub's
    server; for other events an ISO time of the repository's last push. Neither is a
    commit date, which the student sets.
    """
    if env.get("GITLAB_CI") or env.get("CI_PIPELINE_CREATED_AT"):
        value = env.get("CI_PIPELINE_CREATED_AT")
        if not value:
            return SubmissionTime(None, GITLAB_SOURCE, MISSING, "CI_PIPELINE_CREATED_AT is not set")
        return _parsed(str(value)[:MAX_BYTES], GITLAB_SOURCE)
    if env.get("GITHUB_ACTIONS") or env.get("GITHUB_EVENT_PATH"):
        try:
            with open(env.get("GITHUB_EVENT_PATH") or "", encoding="utf-8") as fh:
                event = json.load(fh)
            pushed = event["repository"]["pushed_at"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return SubmissionTime(None, GITHUB_SOURCE, MISSING, f"the event payload has no repository.pushed_at "
                                  f"({type(exc).__name__})")
        if isinstance(pushed, (int, float)) and not isinstance(pushed, bool):
            try:
                return SubmissionTime(datetime.fromtimestamp(pushed, timezone.utc), GITHUB_SOURCE)
            except (OverflowError, OSError, ValueError):
                return SubmissionTime(None, GITHUB_SOURCE, UNREADABLE, f"pushed_at {pushed!r} is out of range")
        return _parsed(str(pushed)[:MAX_BYTES], GITHUB_SOURCE)
    return SubmissionTime(None, "CI", MISSING, "not running in GitHub Actions or GitLab CI (no GITHUB_ACTIONS, "
                          "no GITLAB_CI in the environment)")


def from_text(text: str, source: str) -> SubmissionTime:
    """A time given on the command line (``--submitted-at 2025-03-07T23:59Z``), parsed as nbgrader would."""
    return _parsed(text, source)
