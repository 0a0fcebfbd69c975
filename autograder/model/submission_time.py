"""When a submission was handed in, read from the most trusted record each platform keeps.

One record, :class:`SubmissionTime`, written into results.json by whoever grades
(``"submitted"``) and read by the late-penalty step, whatever the platform. Each
says whether it is the platform's own record (``trusted``) or the student's claim:

* **Gradescope** – ``created_at`` of ``/autograder/submission_metadata.json``, the
  platform's record (:func:`from_gradescope`);
* **GitLab** – GitLab's own record of the job, asked of its API with the job's token
  at a URL written in the course's command line (``--submitted-at ci=<API URL>``,
  :func:`from_ci`); without one, ``CI_PIPELINE_CREATED_AT``, which a pipeline variable
  can set where the project lets developers set them: read as a claim;
* **GitHub** – ``repository.pushed_at`` of the event payload the runner writes
  (``GITHUB_EVENT_PATH``; no workflow can set a ``GITHUB_*`` variable), the push time
  GitHub's server recorded. A commit's date is never used: the student sets it;
* **nbgrader** – the change time of the submission's folder in the exchange's
  ``inbound/`` (:class:`Exchange`: set by the file system when the student's
  ``nbgrader submit`` wrote it, on the instructor's side, and no process can set it
  back) — the folder ``collect`` took, told by its content. Without the exchange,
  ``timestamp.txt`` beside the notebook, which the student's own ``nbgrader submit``
  writes: a claim (:func:`from_timestamp_file`), kept with the time the file reached
  the grader's side (its change time).

A time is parsed as nbgrader writes it (:func:`parse_utc`); a zone *abbreviation*
(``PST``, ``JST``: what nbgrader writes for ``c.Exchange.timezone``) means what it
means in the course's zone, and without one it is refused, never read as UTC. A claim
is judged by the late-penalty step (:func:`judged`): one before the release, after it
reached the grader, earlier than the student's previous submission, far from the
course's dates or repeating the stamp of another of the student's submissions is
flagged and read the stricter way; a plausible one is read the stricter way too —
as when it reached the grader, an upper bound of the truth — unless the course accepts
claimed times (``claimed_times = "accept"``): a claim never earns what the platform's
record would not. A time that is missing or cannot be read is recorded as such
(``status`` ``"missing"`` or ``"unreadable"``, with the reason), never as on time.
Everything the student wrote is read as student data (a regular file only, no link
followed, at most :data:`MAX_BYTES`).
"""

from __future__ import annotations

import filecmp
import json
import os
import re
import stat
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateutil.parser
import dateutil.tz

from autograder.model.files import StrPath, is_regular_file

if TYPE_CHECKING:
    from autograder.model.submissions import Submission

#: nbgrader's file beside a collected notebook.
TIMESTAMP_FILE = "timestamp.txt"
#: The most read of a timestamp.txt (nbgrader's own is about 33 bytes).
MAX_BYTES = 200

RECORDED, MISSING, UNREADABLE = "recorded", "missing", "unreadable"
#: What a time is (``SubmissionTime.kind``): the platform's own record, or the student's claim.
PLATFORM, CLAIMED = "platform", "claimed"
#: How a course reads a plausible claim (``claimed_times``): the stricter way (when it reached the grader), or
#: as it says (the instructor's explicit choice).
STRICTER, ACCEPT = "stricter", "accept"
CLAIMED_TIMES = (STRICTER, ACCEPT)


@dataclass(frozen=True)
class SubmissionTime:
    """A submission's time (``at``, timezone-aware UTC) and where it was read (``source``).

    ``status`` is ``"recorded"`` (``at`` is set), ``"missing"`` (the platform's record
    is absent) or ``"unreadable"`` (it holds no time); ``detail`` says why for the last two.
    ``trusted``: the platform's own record (False: what the student wrote or could set);
    ``raw``: a claim's text as read (read again with the course's zone); ``received``:
    when the claim reached the grader's side (an upper bound of the true time);
    ``previous``: the time of the student's previous graded submission, when known;
    ``flag``: why a claim was not believed (set by :func:`judged`), or why the exchange's record was read the
    stricter way; ``claimed``: what a claim said, once :func:`judged` read it (``at`` is then the time that
    counts: the claim itself only when the course accepts claimed times).
    """

    at: datetime | None
    source: str
    status: str = RECORDED
    detail: str = ""
    trusted: bool = True
    raw: str = ""
    received: datetime | None = None
    previous: datetime | None = None
    flag: str = ""
    claimed: datetime | None = None

    @property
    def known(self) -> bool:
        return self.status == RECORDED and self.at is not None

    @property
    def kind(self) -> str:
        """``"platform"`` (the platform's own record) or ``"claimed"`` (what the student wrote or could set)."""
        return PLATFORM if self.trusted else CLAIMED

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment is not None else None

        out: dict[str, Any] = {"at": iso(self.at), "source": self.source, "status": self.status, "detail": self.detail,
               "trusted": self.trusted, "kind": self.kind}
        out.update({k: v for k, v in (("raw", self.raw), ("received", iso(self.received)),
                                      ("previous", iso(self.previous)), ("flag", self.flag),
                                      ("claimed", iso(self.claimed))) if v})
        return out

    @classmethod
    def from_json(cls, data: object) -> SubmissionTime | None:
        """Tolerant: None for anything that is not such an object; a bad ``at`` reads as unreadable. A record
        written before ``trusted`` was is trusted unless it came from timestamp.txt."""
        if not isinstance(data, dict):
            return None
        source, status, detail, raw, flag = (str(data.get(k) or "")[:500]
                                             for k in ("source", "status", "detail", "raw", "flag"))
        trusted = data["trusted"] if isinstance(data.get("trusted"), bool) else source != TIMESTAMP_FILE

        def moment(key: str) -> datetime | None:
            try:
                return as_utc(datetime.fromisoformat(str(data[key]))) if data.get(key) is not None else None
            except (TypeError, ValueError):
                return None

        extra: dict[str, Any] = dict(trusted=trusted, raw=raw, received=moment("received"), previous=moment("previous"),
                     flag=flag, claimed=moment("claimed"))
        at = None
        if data.get("at") is not None:
            at = moment("at")
            if at is None:
                return cls(None, source, UNREADABLE, f"not a time in results.json: {str(data['at'])[:80]!r}",
                           **extra)
        if status not in (RECORDED, MISSING, UNREADABLE) or (status == RECORDED and at is None):
            status = MISSING if at is None else RECORDED
        return cls(at, source, status, detail, **extra)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive one is taken as UTC (nbgrader stores naive UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


#: Zone names read as UTC whatever the course's zone.
_UTC_NAMES = frozenset({"UTC", "GMT", "UT", "Z", "ZULU", "ETC/UTC", "ETC/GMT"})
_ABBREVIATION = re.compile(r"^[A-Za-z]{1,6}$")


class ZoneError(ValueError):
    """A time whose zone cannot be read without the course's zone (the message says what to set)."""


def _zone(name: str, course_zone: str | None, year: int | None) -> tzinfo:
    """The zone ``name`` stands for: UTC, an IANA zone, or an abbreviation of the course's zone (the offset it
    has there: ``PST`` is UTC-8 in America/Los_Angeles); :class:`ZoneError` otherwise."""
    if name.upper() in _UTC_NAMES:
        return UTC
    if "/" in name:
        zone = dateutil.tz.gettz(name)
        if zone is None:
            raise ZoneError(f"{name!r} is not a time zone")
        return zone
    if not _ABBREVIATION.match(name):
        raise ZoneError(f"{name!r} is not a time zone")
    if not course_zone:
        raise ZoneError(f"the zone abbreviation {name!r} is read in the course's time zone, and none is set "
                        "(nbgrader_config.py: c.Exchange.timezone; deadlines.toml: timezone)")
    try:
        zone = ZoneInfo(course_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ZoneError(f"the course's time zone {course_zone!r} is not a time zone") from None
    for month in range(1, 13):  # the offsets the course's zone has that year, and their abbreviations
        for day in (1, 15):
            probe = datetime(year or 2000, month, day, 12, tzinfo=zone)
            if probe.tzname() == name.upper() or probe.tzname() == name:
                return timezone(cast(timedelta, probe.utcoffset()), name)  # (aware: an offset, never None)
    written = sorted({cast(str, datetime(year or 2000, m, 1, tzinfo=zone).tzname()) for m in (1, 7)})  # (aware: named)
    raise ZoneError(f"{name!r} is not an abbreviation of the course's time zone {course_zone} (it writes {written})")


def parse_utc(text: str, course_zone: str | None = None) -> datetime:
    """A time as ``nbgrader.utils.parse_utc`` reads it, as an aware UTC datetime, but for its zone.

    Three space-separated parts are date, time and zone (``2025-03-07 23:59:00.000000 UTC``,
    ``… Europe/Berlin``, ``… +0100``, ``… PST``: what ``nbgrader submit`` writes with
    ``c.Exchange.timezone``); anything else goes to ``dateutil.parser.parse`` (ISO 8601 with or
    without offset). A time without a zone is UTC (nbgrader stores naive UTC). A zone
    *abbreviation* means the offset it has in ``course_zone`` (an IANA name); nbgrader, which
    hands it to ``dateutil.tz.gettz``, reads 17 of 23 common ones (PST, PDT, JST …) as UTC:
    here, one the course's zone does not write, or any without a course zone, raises
    :class:`ZoneError`. An unknown zone name raises too.

    Written here rather than imported: ``import nbgrader.utils`` costs about 1.4 s (the
    package imports its server extensions), paid in every Gradescope run and CI job;
    tests/test_late_times.py holds the two equal wherever nbgrader reads a zone right.

    Raises
    ------
    ValueError
        ``text`` is not a time (dateutil's ``ParserError`` is a ``ValueError``; an
        out-of-range date raises ``OverflowError``, turned into ``ValueError`` here), or its zone
        cannot be read (:class:`ZoneError`).
    """
    def zones(name: str | None, offset: int | None) -> tzinfo | int | None:
        if not name:
            return offset
        if offset is not None and name.upper() not in _UTC_NAMES:
            return dateutil.tz.tzoffset(name, offset)
        return _zone(name, course_zone, year)

    year: int | None = None
    try:
        parts = text.split(" ")
        found = re.search(r"\b(\d{4})-\d{2}-\d{2}", text)
        year = int(found.group(1)) if found else None
        if len(parts) == 3 and not re.fullmatch(r"[+-]\d{4}", parts[2]):
            moment = dateutil.parser.parse(" ".join(parts[:2] + ["TZ"]), tzinfos={"TZ": zones(parts[2], None)})
        elif len(parts) == 3:
            moment = dateutil.parser.parse(" ".join(parts[:2] + ["TZ"]), tzinfos={"TZ": int(parts[2])})
        else:
            moment = dateutil.parser.parse(text, tzinfos=zones)
    except OverflowError as exc:
        raise ValueError(f"out of range: {exc}") from None
    if moment.tzinfo is not None:
        moment = (moment - cast(timedelta, moment.utcoffset())).replace(tzinfo=None)  # (aware: an offset)
    return moment.replace(tzinfo=UTC)


def _parsed(text: str, source: str, trusted: bool = True, received: datetime | None = None) -> SubmissionTime:
    """A time read from ``source``: recorded, or unreadable with the text quoted (cut); a claim keeps its text."""
    text = text.strip()
    raw = "" if trusted else text[:MAX_BYTES]
    if not text:
        return SubmissionTime(None, source, UNREADABLE, f"{source} is empty", trusted, raw, received)
    try:
        return SubmissionTime(parse_utc(text), source, trusted=trusted, raw=raw, received=received)
    except (ValueError, TypeError) as exc:
        return SubmissionTime(None, source, UNREADABLE, f"{source} holds no time ({text[:60]!r}: {exc})"[:300],
                              trusted, raw, received)


def from_timestamp_file(folder: StrPath) -> SubmissionTime:
    """The time in ``folder/timestamp.txt`` (nbgrader's, written by the student's ``nbgrader submit``), read as
    student data: a claim, with the time the file reached this side (its change time, which nothing the
    student runs can set back)."""
    path = Path(folder) / TIMESTAMP_FILE
    if not os.path.lexists(path):
        return SubmissionTime(None, TIMESTAMP_FILE, MISSING, f"no {TIMESTAMP_FILE} beside the notebook", False)
    if not is_regular_file(path):
        return SubmissionTime(None, TIMESTAMP_FILE, UNREADABLE, f"{TIMESTAMP_FILE} is not a regular file (a link?)",
                              False)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            received = datetime.fromtimestamp(os.fstat(fh.fileno()).st_ctime, UTC)
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        return SubmissionTime(None, TIMESTAMP_FILE, UNREADABLE, f"{TIMESTAMP_FILE} cannot be read ({exc.strerror})",
                              False)
    if len(raw) > MAX_BYTES:
        return SubmissionTime(None, TIMESTAMP_FILE, UNREADABLE, f"{TIMESTAMP_FILE} is longer than a time", False,
                              received=received)
    return _parsed(raw.decode("utf-8", errors="replace"), TIMESTAMP_FILE, trusted=False, received=received)


GRADESCOPE_SOURCE = "Gradescope (submission_metadata.json created_at)"


def from_gradescope(metadata: object) -> SubmissionTime:
    """``created_at`` of Gradescope's ``submission_metadata.json`` (an object already parsed)."""
    if not isinstance(metadata, dict) or metadata.get("created_at") in (None, ""):
        return SubmissionTime(None, GRADESCOPE_SOURCE, MISSING, "submission_metadata.json has no created_at")
    return _parsed(str(metadata["created_at"])[:MAX_BYTES], GRADESCOPE_SOURCE)


GITLAB_SOURCE = "GitLab pipeline (CI_PIPELINE_CREATED_AT)"
GITLAB_API_SOURCE = "GitLab's record of the job (API /job)"
GITHUB_SOURCE = "GitHub push (repository.pushed_at)"
#: Bytes of GitLab's answer read, at most (a job's record is a few kB).
MAX_API_BYTES = 1_000_000
#: Seconds GitLab's API is given to answer.
API_TIMEOUT_S = 20


def _gitlab_api(api: str, token: str) -> SubmissionTime:
    """GitLab's record of the running job (``GET <api>/job`` with its job token): when its pipeline was made."""
    request = urllib.request.Request(api.rstrip("/") + "/job", headers={"JOB-TOKEN": token})
    try:
        with urllib.request.urlopen(request, timeout=API_TIMEOUT_S) as answer:  # (the course's URL, not the environment's)
            body = answer.read(MAX_API_BYTES + 1)
        job = json.loads(body[:MAX_API_BYTES].decode("utf-8"))
        pipeline = job.get("pipeline") if isinstance(job.get("pipeline"), dict) else {}
        value = pipeline.get("created_at") or job["created_at"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, urllib.error.URLError) as exc:
        return SubmissionTime(None, GITLAB_API_SOURCE, MISSING, f"GitLab's API did not give the job's record "
                              f"({type(exc).__name__}: {str(exc)[:120]})")
    return _parsed(str(value)[:MAX_BYTES], GITLAB_API_SOURCE)


def from_ci(env: Mapping[str, str], api: str | None = None) -> SubmissionTime:
    """The time the CI platform recorded for the push being graded, from the job's environment ``env``.

    GitLab: with ``api`` (its API URL, written in the course's command line, never read from the
    environment a pipeline variable can set), GitLab's own record of the job, asked with
    ``CI_JOB_TOKEN`` (a forged token gets no answer: the time is missing, and said so); without
    it, ``CI_PIPELINE_CREATED_AT``, read as a claim. GitHub Actions: ``repository.pushed_at`` of
    the event payload (``GITHUB_EVENT_PATH``): for a push, seconds since the epoch set by GitHub's
    server; for other events an ISO time of the repository's last push. Neither is a commit date,
    which the student sets.
    """
    if env.get("GITLAB_CI") or env.get("CI_PIPELINE_CREATED_AT") or api:
        if api:
            if not env.get("CI_JOB_TOKEN"):
                return SubmissionTime(None, GITLAB_API_SOURCE, MISSING, "CI_JOB_TOKEN is not set")
            return _gitlab_api(api, str(env["CI_JOB_TOKEN"]))
        value = env.get("CI_PIPELINE_CREATED_AT")
        if not value:
            return SubmissionTime(None, GITLAB_SOURCE, MISSING, "CI_PIPELINE_CREATED_AT is not set", False)
        found = _parsed(str(value)[:MAX_BYTES], GITLAB_SOURCE, trusted=False,
                        received=datetime.now(UTC))
        return replace(found, detail=found.detail or "a pipeline variable can set CI_PIPELINE_CREATED_AT where the "
                       "project lets developers set them; --submitted-at ci=<GitLab API URL> reads GitLab's record")
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
                return SubmissionTime(datetime.fromtimestamp(pushed, UTC), GITHUB_SOURCE)
            except (OverflowError, OSError, ValueError):
                return SubmissionTime(None, GITHUB_SOURCE, UNREADABLE, f"pushed_at {pushed!r} is out of range")
        return _parsed(str(pushed)[:MAX_BYTES], GITHUB_SOURCE)
    return SubmissionTime(None, "CI", MISSING, "not running in GitHub Actions or GitLab CI (no GITHUB_ACTIONS, "
                          "no GITLAB_CI in the environment)")


EXCHANGE_SOURCE = "nbgrader exchange (the inbound folder's change time)"


class Exchange:
    """nbgrader's exchange, for the time of each submission: when the folder ``nbgrader collect`` took,
    ``<student>+<assignment>+<timestamp>[+<random>]`` in ``inbound`` (``<exchange root>/<course id>/inbound``), last
    changed — the newest change time of the folder and of everything in it, set by the file system and never set
    back. The student's timestamp.txt beside the notebook is read too, and a difference of more than
    :data:`TOLERANCE` said.

    ``inbound`` is every student's to write (nbgrader's layout; ``nbgrader submit --student=<anyone>`` names a folder
    after anyone, and makes it ``0777``), so neither a folder's name, nor the timestamp.txt in it, nor its own change
    time is believed alone:

    * the folder taken is the one ``collect`` copied, told by its **content**: the one whose files are, byte for
      byte, those of the submission graded (its notebook, its timestamp.txt). Its name and its timestamp.txt are the
      student's to write: a second folder with a later name whose timestamp.txt repeats an earlier, on-time folder's
      stamp was taken for that earlier folder when the folder was told by the stamp. With none whose content
      matches (a folder changed since ``collect`` took it), the newest of the student's folders: the stricter
      reading;
    * its time is the newest change of the folder *and of every file in it* (links followed, as ``collect`` copies
      them): a file written over in place after the deadline changes no folder's entries, only its own change time.
      Past :data:`MAX_ENTRIES` entries, or an entry that cannot be looked at, the time is when it was read (never
      earlier than the truth);
    * a **stamp repeated** across the student's folders (the taken folder's timestamp.txt equal to another's, or
      to the time in another's name) is flagged (``flag``), and the stricter reading counts: the latest time of the
      folders that carry it. (nbgrader writes a new stamp, to the microsecond, at every submission.)
    """

    TOLERANCE = timedelta(minutes=2)
    #: The most entries of a submission's folder looked at (a notebook, timestamp.txt, a secret, a few data files).
    MAX_ENTRIES = 20_000
    #: The most files of a submission compared with a folder of the exchange, and the largest compared.
    MAX_COMPARED, MAX_COMPARED_BYTES = 64, 200_000_000

    def __init__(self, inbound: StrPath) -> None:
        self.inbound = Path(inbound)

    def for_submission(self, sub: Submission) -> SubmissionTime:
        student = getattr(sub, "raw_student", None) or sub.student
        prefix = f"{student}+{sub.assignment}+"
        try:
            found = sorted((e for e in os.scandir(self.inbound) if e.name.startswith(prefix)
                            and e.is_dir(follow_symlinks=False)), key=lambda e: e.name)
        except OSError as exc:
            return SubmissionTime(None, EXCHANGE_SOURCE, MISSING, f"the exchange's inbound folder cannot be read "
                                  f"({exc.strerror})")
        if not found:
            return SubmissionTime(None, EXCHANGE_SOURCE, MISSING, f"no {prefix}… folder in the exchange's inbound")
        directory = getattr(sub, "directory", None)
        claim = from_timestamp_file(directory) if directory is not None else None
        changed = {e.name: self._changed(e.path) for e in found}
        taken, how = self._taken(found, prefix, Path(directory) if directory is not None else None)
        at, unread = max(changed[e.name] for e in taken)
        details = [unread] if unread else []
        if how:
            details.append(how)
        flag = ""
        stamps = {e.name: _stamp(e.path) for e in found}
        named = {e.name: _name_stamp(e.name, prefix) for e in found}
        own = {stamps[e.name] for e in taken} - {""}
        sharing = [e for e in found if e not in taken and (stamps[e.name] in own or named[e.name] in own)]
        if sharing:
            at = max([at, *(changed[e.name][0] for e in sharing)])
            flag = (f"the timestamp.txt handed in ({', '.join(sorted(own))[:80]}) repeats that of the student's other "
                    f"folder{'s' if len(sharing) > 1 else ''} in the exchange ({', '.join(e.name for e in sharing)[:200]}); "
                    "the latest of their times counts")
        earlier = sorted(t for t, _ in changed.values() if t < at)
        if claim is not None and claim.known and claim.at is not None and abs(claim.at - at) > self.TOLERANCE:
            details.append(f"the student's timestamp.txt said {claim.at.isoformat()} (not used)")
        return SubmissionTime(at, EXCHANGE_SOURCE, detail="; ".join(details), previous=earlier[-1] if earlier else None,
                              flag=flag)

    def _taken(self, found: list[os.DirEntry[str]], prefix: str,
               directory: Path | None) -> tuple[list[os.DirEntry[str]], str]:
        """``(folders, how)``: the student's folder(s) ``collect`` copied — those whose content is the submission's —
        and, when it could not be told that way, which was taken instead and why."""
        if directory is not None:
            same = [e for e in found if self._same_content(directory, Path(e.path))]
            if same:
                return same, ""
        return found, ("no folder in the exchange holds what was graded (one changed since collect took it?), so "
                       "its time is the newest of the student's folders there: the stricter reading")

    def _same_content(self, submitted: Path, folder: Path) -> bool:
        """Every regular file directly in ``submitted`` (the notebook, timestamp.txt, …) is in ``folder``, a regular
        file (no link) with the same bytes; within :data:`MAX_COMPARED` files of :data:`MAX_COMPARED_BYTES`."""
        try:
            files = [e for e in os.scandir(submitted) if e.is_file(follow_symlinks=False)]
            if not files or len(files) > self.MAX_COMPARED:
                return False
            for e in files:
                theirs = os.stat(folder / e.name, follow_symlinks=False)
                if not stat.S_ISREG(theirs.st_mode) or theirs.st_size != e.stat(follow_symlinks=False).st_size \
                        or theirs.st_size > self.MAX_COMPARED_BYTES \
                        or not filecmp.cmp(e.path, folder / e.name, shallow=False):
                    return False
        except OSError:
            return False
        return True

    def _changed(self, folder: str) -> tuple[datetime, str]:
        """``(time, why)``: the newest change time of ``folder`` and of everything in it (links followed: ``collect``
        copies what they point at), why empty; or now, and why, when there is more than :data:`MAX_ENTRIES` or
        something cannot be looked at."""
        now = datetime.now(UTC)
        too_many = (now, f"its folder in the exchange holds more than {self.MAX_ENTRIES} files and folders, so its "
                         "time is when the grader read it (which files changed last was not looked at)")
        unreadable = (now, "part of its folder in the exchange could not be looked at, so its time is when the grader "
                           "read it")
        try:
            newest = os.stat(folder, follow_symlinks=False).st_ctime
            seen: set[tuple[int, int]] = set()
            count = 0
            for top, dirs, files in os.walk(folder, followlinks=True, onerror=_raise):
                info = os.stat(top)
                if (info.st_dev, info.st_ino) in seen:  # (a link back up: collect would not finish either)
                    return unreadable
                seen.add((info.st_dev, info.st_ino))
                newest = max(newest, info.st_ctime)
                for name in dirs + files:
                    count += 1
                    if count > self.MAX_ENTRIES:
                        return too_many
                    path = os.path.join(top, name)
                    newest = max(newest, os.stat(path, follow_symlinks=False).st_ctime, os.stat(path).st_ctime)
        except (OSError, ValueError):
            return unreadable
        return datetime.fromtimestamp(newest, UTC), ""


def _name_stamp(name: str, prefix: str) -> str:
    """The time in an exchange folder's name, as written (``ada+ps1+<time>+<random>`` → ``<time>``)."""
    return name[len(prefix):].split("+", 1)[0].strip()


def _stamp(folder: str) -> str:
    """The text of ``folder``'s timestamp.txt (stripped; "" when there is none, it is a link or not a time's size)."""
    found = from_timestamp_file(folder)
    return found.raw.strip() if found.raw else ""


def _raise(exc: OSError) -> None:
    raise exc


def from_text(text: str, source: str) -> SubmissionTime:
    """A time given on the command line (``--submitted-at 2025-03-07T23:59Z``) by the instructor, parsed as
    nbgrader would."""
    return _parsed(text, source)


#: A claim further than this from the due date is far from the course's dates.
FAR = timedelta(days=365)
#: A claim later than it reached the grader's side by more than this is in the future.
SKEW = timedelta(minutes=5)


def judged(t: SubmissionTime, due: datetime | None, course_zone: str | None = None,
           released: datetime | None = None, now: datetime | None = None, claims: str = STRICTER,
           repeats: str = "") -> SubmissionTime:
    """A claim (``not t.trusted``) read with the course's zone and judged; ``at`` is then the time that counts and
    ``claimed`` what the claim said. A platform's record is returned as it is.

    One before the release, later than it reached the grader's side (or than ``now``), earlier than the
    student's previous submission, more than :data:`FAR` from the due date, or repeating the stamp of another of
    the student's submissions (``repeats`` names it) is *flagged* (``flag``) and read the stricter way: the time it
    reached the grader's side (``received``) when known, else the previous submission's, else unknown.

    A plausible claim cannot be told from the truth, so it never earns what the platform's record would not:
    with ``claims`` :data:`STRICTER` (the default) it is read as when it reached the grader's side too (an upper
    bound of the true time; unknown when that is not known); only with :data:`ACCEPT`, the course's explicit
    choice (``claimed_times = "accept"``), does it count as it says."""
    if t.trusted:
        return t
    if t.raw and (not t.known or course_zone):
        try:
            t = replace(t, at=parse_utc(t.raw, course_zone), status=RECORDED, detail="")
        except (ValueError, TypeError) as exc:
            return replace(t, at=None, status=UNREADABLE, detail=f"{t.source} holds no time we can read "
                           f"({t.raw[:60]!r}: {exc})"[:300])
    if not t.known or t.at is None:  # (known: a time, never None)
        return t
    at = t.at
    t = replace(t, claimed=at)
    now = now or datetime.now(UTC)
    reasons = []
    if released is not None and at < released:
        reasons.append(f"it is before the problem set was released ({released.isoformat()})")
    if at > (t.received or now) + SKEW or at > now + SKEW:
        reasons.append("it is later than the file reached the grader, or than now")
    if t.previous is not None and at < t.previous:
        reasons.append(f"it is earlier than the student's previous submission ({t.previous.isoformat()})")
    if due is not None and abs(at - due) > FAR:
        reasons.append("it is more than a year from the due date")
    if repeats:
        reasons.append(f"it repeats the time of the student's {repeats} (nbgrader writes a new one each submission)")
    if not reasons:
        if claims == ACCEPT:
            return t
        if t.received is None:
            return replace(t, at=None, status=UNREADABLE, detail=f"{t.source} is the student's claim, which the "
                           "course does not accept, and when it reached the grader is not known")
        return replace(t, at=max(t.received, at))
    flag = f"{t.source} said {at.isoformat()}, not believed: " + "; ".join(reasons)
    stricter = t.received if t.received is not None else (
        t.previous if t.previous is not None and t.previous > at else None)
    if stricter is None:
        return replace(t, at=None, status=UNREADABLE, flag=flag, detail=flag)
    return replace(t, at=stricter, flag=flag)
