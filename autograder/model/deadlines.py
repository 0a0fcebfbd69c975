"""A course's deadlines: due dates per problem set, extensions, the late policy; and the course file.

:class:`Deadlines` is what the late-penalty step (:mod:`autograder.model.penalties`)
needs, wherever it came from: an nbgrader course's gradebook and ``nbgrader_config.py``
(:mod:`autograder.nbgrader_io.course_deadlines`), Gradescope's submission metadata, or the
course file ``deadlines.toml`` read here (:func:`read_deadlines_file`)::

    # deadlines.toml, beside nbgrader_config.py
    timezone = "Europe/Berlin"        # for due dates written without an offset (default: UTC), and what a
                                      # zone abbreviation in a submission time (CET, CEST) means
    claimed_times = "stricter"        # a time only the student vouches for (timestamp.txt without nbgrader's
                                      # exchange): read as when it reached the grader ("stricter", the default),
                                      # or as it says ("accept": your choice, for students you trust)

    [released]                        # optional: when each problem set was handed out
    ps1_softmax = 2025-02-28T09:00:00

    [due]
    ps1_softmax = 2025-03-07T23:59:00          # a TOML date-time, or a string "2025-03-07 23:59"
    ps2_cross_entropy = 2025-03-14T23:59:00+01:00

    [policy]
    method = "per_day"                 # none | zero | per_hour | per_day
    deduct = "10%"                     # per started hour/day: points (2.5) or a share of the set's points
    cap = "50%"                        # optional: at most this much in all
    grace = "15m"                      # optional: this late costs nothing
    zero_after = "7d"                  # optional: later than this scores 0

    [extensions]
    ada = "2d"                         # every problem set
    ben = { ps1_softmax = "36h" }      # one problem set

Durations are ``<number><unit>`` terms, units ``w d h m s`` (``"1d12h"``, ``"90m"``), or a
number of seconds. An extension moves the due date of that student; one given for a problem
set replaces one given for every set (nbgrader's extensions do not stack either).
Every mistake in the file is a :class:`DeadlinesError` naming the file and the field.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from autograder.model.files import StrPath
from autograder.model.late_policy import METHODS, Amount, LatePolicy, Policy
from autograder.model.submission_time import CLAIMED_TIMES, STRICTER

#: The course file's name, at the top of the course folder.
DEADLINES_FILE = "deadlines.toml"
#: An nbgrader course's due dates and extensions, exported from its gradebook (which git ignores) into a file
#: the course commits, so that CI, which has no gradebook, grades with them (:func:`format_gradebook_export`).
GRADEBOOK_EXPORT = "nbgrader-deadlines.toml"

_TERM = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(w|d|h|m|s)\s*", re.IGNORECASE)
_UNIT_S = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


class DeadlinesError(ValueError):
    """The course's deadlines cannot be read: the message names the file and the field."""


@dataclass(frozen=True)
class Deadlines:
    """Due dates (``ps -> aware UTC datetime``), extensions and the policy of one course.

    ``extensions`` maps ``(student, ps)`` — ``ps`` None for every problem set — to a
    :class:`~datetime.timedelta`. ``zone`` is the course's time zone (an IANA name, "" when it sets
    none): a submission time written with a zone abbreviation (``PST``) means what it means there;
    ``released`` maps a problem set to when it was handed out (a claimed time before it is flagged). ``policy`` answers ``penalty(student, assignment, score,
    max_score, seconds_late)`` and ``describe()`` (:class:`~autograder.model.late_policy.LatePolicy`
    or an nbgrader plugin's wrapper). ``source`` says where all this was read, for the pages.
    ``claimed_times``: how a plausible time only the student vouches for is read,
    :data:`~autograder.model.submission_time.STRICTER` (as when it reached the grader: the default) or
    :data:`~autograder.model.submission_time.ACCEPT` (as it says: the instructor's explicit choice).
    """

    due: dict[str, datetime] = field(default_factory=dict)
    extensions: dict[tuple[str, str | None], timedelta] = field(default_factory=dict)
    policy: Policy = LatePolicy()
    source: str = ""
    zone: str = ""
    released: dict[str, datetime] = field(default_factory=dict)
    claimed_times: str = STRICTER

    def extension(self, student: str, assignment: str) -> timedelta:
        """The student's extension for the problem set (one for that set wins over one for every set)."""
        return self.extensions.get((student, assignment), self.extensions.get((student, None), timedelta(0)))

    def due_for(self, student: str, assignment: str) -> tuple[datetime | None, timedelta]:
        """``(due date with the extension, extension)``; ``(None, 0)`` when the problem set has no due date."""
        due = self.due.get(assignment)
        if due is None:
            return None, timedelta(0)
        ext = self.extension(student, assignment)
        return due + ext, ext


def parse_duration(value: object, where: str) -> timedelta:
    """``"1d12h"``, ``"90m"``, ``"2w"`` or a number of seconds, as a timedelta (>= 0).

    Raises
    ------
    DeadlinesError
        Not a duration (``where`` names the field).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise DeadlinesError(f"{where}: expected a duration such as \"2d\", \"36h\" or \"90m\", not {value!r}")
    if isinstance(value, (int, float)) or re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", value):
        seconds = float(value)
    else:
        text, pos, seconds = value.strip(), 0, 0.0
        while pos < len(text) and (m := _TERM.match(text, pos)) is not None and m.end() > pos:  # (anchored: one pass)
            seconds += float(m.group(1)) * _UNIT_S[m.group(2).lower()]
            pos = m.end()
        if not text or pos != len(text):
            raise DeadlinesError(f"{where}: expected a duration such as \"2d\", \"36h\", \"1d12h\" or \"90m\" "
                                 f"(units w d h m s), not {value!r}")
    if not (seconds >= 0 and seconds < 1e10):
        raise DeadlinesError(f"{where}: expected a duration of 0 or more (and under 300 years), not {value!r}")
    return timedelta(seconds=seconds)


def parse_amount(value: object, where: str) -> Amount:
    """``2.5`` (points) or ``"10%"`` (of the problem set's points) as an :class:`Amount`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return Amount(float(value))
    if isinstance(value, str):
        text = value.strip()
        number = text[:-1].strip() if text.endswith("%") else text
        try:
            x = float(number)
        except ValueError:
            x = -1.0
        if 0 <= x < float("inf"):
            return Amount(x, percent=text.endswith("%"))
    raise DeadlinesError(f"{where}: expected points (a number such as 2.5) or a share of the problem set's "
                         f"points (\"10%\"), 0 or more, not {value!r}")


def _zone(name: object, where: str) -> timezone | ZoneInfo:
    if name is None:
        return UTC
    if not isinstance(name, str) or not name.strip():
        raise DeadlinesError(f"{where}: expected a time zone name such as \"Europe/Berlin\" or \"UTC\", not {name!r}")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise DeadlinesError(f"{where}: {name!r} is not a time zone (expected a name such as \"Europe/Berlin\", "
                             "\"America/New_York\" or \"UTC\")") from None


def parse_due(value: object, zone: tzinfo, where: str) -> datetime:
    """A due date (a TOML date-time or date, or an ISO string) as an aware UTC datetime; a time
    without an offset is in ``zone``; a date alone means the end of that day (23:59:59)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise DeadlinesError(f"{where}: expected a date and time such as 2025-03-07T23:59:00 or "
                                 f"\"2025-03-07 23:59\", not {value!r}") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    if not isinstance(value, datetime):
        raise DeadlinesError(f"{where}: expected a date and time such as 2025-03-07T23:59:00, not {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _known(name: str, known: Collection[str] | None, where: str) -> str:
    if known is not None and name not in known:
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        raise DeadlinesError(f"{where}: {name!r} is not a problem set of this course"
                             + (f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(known))})"))
    return name


def _policy(table: object, where: str) -> LatePolicy:
    if not isinstance(table, dict):
        raise DeadlinesError(f"{where}: expected a table ([policy]) with method = \"per_day\" and so on")
    unknown = sorted(set(table) - {"method", "deduct", "cap", "grace", "zero_after"})
    if unknown:
        raise DeadlinesError(f"{where}.{unknown[0]}: not a policy field (fields: method, deduct, cap, grace, zero_after)")
    method = table.get("method", "none")
    if method not in METHODS:
        raise DeadlinesError(f"{where}.method: expected one of {', '.join(repr(m) for m in METHODS)}, not {method!r}")
    if method in ("per_hour", "per_day") and "deduct" not in table:
        raise DeadlinesError(f"{where}.deduct: needed with method = {method!r} (points, or a share such as \"10%\")")
    return LatePolicy(
        method=method,
        deduct=parse_amount(table.get("deduct", 0), f"{where}.deduct"),
        cap=parse_amount(table["cap"], f"{where}.cap") if "cap" in table else None,
        grace_s=parse_duration(table.get("grace", 0), f"{where}.grace").total_seconds(),
        zero_after_s=parse_duration(table["zero_after"], f"{where}.zero_after").total_seconds()
        if "zero_after" in table else None)


def _extensions(table: object, known: Collection[str] | None,
                where: str) -> dict[tuple[str, str | None], timedelta]:
    if not isinstance(table, dict):
        raise DeadlinesError(f"{where}: expected a table ([extensions]) of student = \"2d\" or "
                             "student = { ps1_softmax = \"36h\" }")
    out: dict[tuple[str, str | None], timedelta] = {}
    for student, value in table.items():
        if isinstance(value, dict):
            for ps, duration in value.items():
                out[(student, _known(ps, known, f"{where}.{student}"))] = parse_duration(duration,
                                                                                       f"{where}.{student}.{ps}")
        else:
            out[(student, None)] = parse_duration(value, f"{where}.{student}")
    return out


def parse_deadlines(data: dict[str, Any], known: Collection[str] | None = None,
                    name: str = DEADLINES_FILE) -> Deadlines:
    """:class:`Deadlines` from the course file's parsed TOML ``data``; ``known``: the course's problem sets."""
    unknown = sorted(set(data) - {"timezone", "claimed_times", "due", "released", "policy", "extensions"})
    if unknown:
        raise DeadlinesError(f"{name}: {unknown[0]!r} is not a field of this file (fields: timezone, claimed_times, "
                             "[due], [released], [policy], [extensions])")
    claims = data.get("claimed_times", STRICTER)
    if claims not in CLAIMED_TIMES:
        raise DeadlinesError(f"{name}: claimed_times: expected \"stricter\" (a time only the student vouches for "
                             "counts as when it reached the grader) or \"accept\" (it counts as it says), not "
                             f"{claims!r}")
    zone = _zone(data.get("timezone"), f"{name}: timezone")
    due_table = data.get("due", {})
    if not isinstance(due_table, dict):
        raise DeadlinesError(f"{name}: [due] must be a table of problem set = date and time")
    due = {_known(ps, known, f"{name}: [due]"): parse_due(value, zone, f"{name}: [due] {ps}")
           for ps, value in due_table.items()}
    released_table = data.get("released", {})
    if not isinstance(released_table, dict):
        raise DeadlinesError(f"{name}: [released] must be a table of problem set = date and time")
    released = {_known(ps, known, f"{name}: [released]"): parse_due(value, zone, f"{name}: [released] {ps}")
                for ps, value in released_table.items()}
    return Deadlines(due=due, extensions=_extensions(data.get("extensions", {}), known, f"{name}: [extensions]"),
                     policy=_policy(data.get("policy", {}), f"{name}: [policy]"), source=name,
                     zone=str(data.get("timezone") or "").strip(), released=released, claimed_times=claims)


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, for every character JSON escapes)."""
    return json.dumps(str(text), ensure_ascii=False)


def format_gradebook_export(due: dict[str, datetime], extensions: dict[tuple[str, str], timedelta]) -> str:
    """The text of :data:`GRADEBOOK_EXPORT`: ``due`` (ps -> aware datetime) and ``extensions`` ((student, ps)
    -> timedelta), in the course file's format, sorted, times in UTC, so the same gradebook always writes the
    same bytes. Its late policy is not in it: an nbgrader course keeps that in ``nbgrader_config.py``."""
    lines = [
        "# Written by the grader from nbgrader's gradebook.db (which git ignores): its due dates and extensions,",
        "# so that grading in CI, where there is no gradebook, applies them. Commit this file. Do not edit it:",
        "# change the gradebook (nbgrader db assignment add --duedate, python -m autograder extension) and run",
        "# any command that reads it (autograde, late, merge, export); the late policy stays in nbgrader_config.py.",
        'timezone = "UTC"',
        "",
        "[due]",
    ]
    for ps in sorted(due):
        lines.append(f"{_toml_string(ps)} = {due[ps].astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}")
    by_student: dict[str, dict[str, timedelta]] = {}
    for (student, ps), length in extensions.items():
        by_student.setdefault(student, {})[ps] = length
    if by_student:
        lines += ["", "[extensions]"]
    for student in sorted(by_student):
        cells = ", ".join(f"{_toml_string(ps)} = {_toml_string(f'{length.total_seconds():g}s')}"
                          for ps, length in sorted(by_student[student].items()))
        lines.append(f"{_toml_string(student)} = {{ {cells} }}")
    return "\n".join(lines) + "\n"


def read_deadlines_file(path: StrPath, known: Collection[str] | None = None) -> Deadlines:
    """The course file at ``path`` (see the module docstring).

    Raises
    ------
    DeadlinesError
        The file cannot be read, is not TOML, or a field is wrong (the message names it).
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DeadlinesError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise DeadlinesError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise DeadlinesError(f"{path}: not valid TOML ({exc})") from None
    return parse_deadlines(data, known, path.name)
