"""How late one submission was and what it cost: the ``"late"`` record of results.json, and its words.

Written by the late-penalty step (:mod:`autograder.model.penalties`) whenever the
course gives the problem set a due date, and read by every output that shows a
total, so they all say the same thing::

    "late": {"status": "late", "due": "2025-03-07T22:59:00+00:00", "extension_s": 0.0,
             "submitted": "2025-03-14T09:00:01+00:00", "time_source": "timestamp.txt", "time_detail": "",
             "seconds_late": 554401.0, "raw_score": 29.0, "penalty": 29.0,
             "policy": "a late submission scores 0", "source": "nbgrader gradebook.db and nbgrader_config.py"}

``time_trusted``: the time is the platform's record (False: the student's own file or a variable
the student could set: a *claimed* time); ``time_flag``: why the student's time was not believed, or why the
platform's record was read the stricter way (:func:`autograder.model.submission_time.judged`,
:class:`~autograder.model.submission_time.Exchange`); ``time_claimed``: what a claimed time said;
``claims_accepted``: the course accepts claimed times (``claimed_times = "accept"``), so a plausible one
counts as it says — else it counts as when it reached the grader (``submitted``). ``time_reading`` (written,
derived from those) says it in one word: ``"platform"``, ``"claimed, accepted"``, ``"claimed, as received"``
or ``"claimed, not believed"``. ``status``: ``"on_time"``, ``"late"`` (``penalty`` points off, maybe 0 under a
policy without penalty), ``"grace"`` (late within the policy's grace period: nothing off)
or ``"unknown_time"`` (no readable submission time: nothing off, and the submission
is flagged for the instructor until its time is known; see docs/contract.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from autograder.model.late_policy import duration_words
from autograder.model.submission_time import as_utc

ON_TIME, LATE, GRACE, UNKNOWN_TIME = "on_time", "late", "grace", "unknown_time"
STATUSES = (ON_TIME, LATE, GRACE, UNKNOWN_TIME)
#: How the time that counts was read (``Lateness.time_reading``).
READ_PLATFORM, READ_ACCEPTED, READ_RECEIVED, READ_NOT_BELIEVED = (
    "platform", "claimed, accepted", "claimed, as received", "claimed, not believed")


def when(moment: datetime | None) -> str:
    """A time as the pages show it: ``2025-03-07 22:59 UTC`` (seconds only when not 0)."""
    if moment is None:
        return "unknown"
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%d %H:%M" + (":%S" if moment.second or moment.microsecond else "") + " UTC")


def _points(x: float) -> str:
    x = round(float(x), 2)
    return str(int(x)) if x == int(x) else f"{x:g}"


@dataclass(frozen=True)
class Lateness:
    """One submission against its due date (see the module docstring for the fields)."""

    status: str
    due: datetime | None
    extension_s: float
    submitted: datetime | None
    time_source: str
    time_detail: str
    seconds_late: float
    raw_score: float
    penalty: float
    policy: str
    source: str
    time_trusted: bool = True
    time_flag: str = ""
    time_claimed: datetime | None = None
    claims_accepted: bool = False

    @property
    def time_reading(self) -> str:
        """How the time that counts was read: the platform's record, or a claim accepted, read as when it reached
        the grader, or not believed."""
        if self.time_trusted:
            return READ_PLATFORM
        if self.time_flag:
            return READ_NOT_BELIEVED
        return READ_ACCEPTED if self.claims_accepted else READ_RECEIVED

    @property
    def claimed(self) -> bool:
        """The time is the student's claim (whatever was made of it)."""
        return not self.time_trusted

    @property
    def penalised(self) -> bool:
        return self.status == LATE and self.penalty > 0

    @property
    def unknown_time(self) -> bool:
        return self.status == UNKNOWN_TIME

    # -- words ------------------------------------------------------------------------------------------

    def due_words(self) -> str:
        text = f"due {when(self.due)}"
        return text + (f", with an extension of {duration_words(self.extension_s)}" if self.extension_s > 0 else "")

    def line(self) -> str:
        """What the student and the instructor read, e.g. "Submitted 27 h after the due date (due 2025-03-07
        22:59 UTC): −2.9 points (10% off per started day late)."; and, for a time the student wrote, that
        it is the student's (and why it was not believed, when it was not)."""
        return self._line() + self._whose()

    def _whose(self) -> str:
        if self.time_flag and self.time_trusted:
            return f" The time was read the stricter way: {self.time_flag}."
        if self.time_flag:
            return f" The time the student's file gave was not believed ({self.time_flag}); the stricter reading counts."
        if not self.time_trusted and self.status != UNKNOWN_TIME:
            if self.claims_accepted:
                return (f" The time is the student's own ({self.time_source}): the platform keeps no other record of "
                        "it here, and the course accepts the students' own times.")
            said = f", which says {when(self.time_claimed)}" if self.time_claimed is not None else ""
            return (f" The time counted is when the file reached the grader: the only other is the student's own "
                    f"({self.time_source}{said}), which no record here confirms, so the stricter reading counts.")
        return ""

    def _line(self) -> str:
        if self.status == UNKNOWN_TIME:
            return (f"The submission time could not be read ({self.time_detail or 'no time recorded'}); {self.due_words()}. "
                    "No late penalty is applied until your instructor has checked the time.")
        if self.status == ON_TIME:
            return f"Submitted on time ({when(self.submitted)}; {self.due_words()})."
        late = f"Submitted {duration_words(self.seconds_late)} after the due date ({self.due_words()})"
        if self.status == GRACE:
            return late + ", within the grace period: no points off."
        if self.penalty > 0:
            return late + f": −{_points(self.penalty)} points ({self.policy})."
        return late + f": no points off ({self.policy})."

    def short(self) -> str:
        """For tables: ``"5 d 19 h late: −29"``, ``"on time"``, ``"time unknown"``."""
        if self.status == UNKNOWN_TIME:
            return "time unknown" + (" (flagged)" if self.time_flag else "")
        if self.status == ON_TIME:
            return "on time" + (" (time flagged)" if self.time_flag else "")
        text = f"{duration_words(self.seconds_late)} late" + (" (time flagged)" if self.time_flag else "")
        if self.status == GRACE:
            return text + " (grace)"
        return text + (f": −{_points(self.penalty)}" if self.penalty > 0 else ": no penalty")

    # -- the file ---------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "due": self.due.isoformat() if self.due else None,
                "extension_s": self.extension_s, "submitted": self.submitted.isoformat() if self.submitted else None,
                "time_source": self.time_source, "time_detail": self.time_detail, "seconds_late": self.seconds_late,
                "raw_score": self.raw_score, "penalty": self.penalty, "policy": self.policy, "source": self.source,
                "time_trusted": self.time_trusted, "time_flag": self.time_flag,
                "time_claimed": self.time_claimed.isoformat() if self.time_claimed else None,
                "claims_accepted": self.claims_accepted, "time_reading": self.time_reading}

    @classmethod
    def from_json(cls, data: object, score: float) -> Lateness | None:
        """Tolerant: None unless ``data`` is such an object with a known status; ``score`` (the file's) stands
        in for a missing raw score."""
        if not isinstance(data, dict) or data.get("status") not in STATUSES:
            return None

        def moment(key: str) -> datetime | None:
            try:
                return as_utc(datetime.fromisoformat(str(data[key]))) if data.get(key) else None
            except ValueError:
                return None

        def number(key: str, default: float = 0.0) -> float:
            value = data.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value \
                    and abs(value) != float("inf"):
                return float(value)
            return default

        def text(key: str) -> str:
            return str(data.get(key) or "")[:1000]

        raw = number("raw_score", score)
        trusted = data["time_trusted"] if isinstance(data.get("time_trusted"), bool) else True
        return cls(data["status"], moment("due"), number("extension_s"), moment("submitted"), text("time_source"),
                   text("time_detail"), number("seconds_late"), raw, min(max(number("penalty"), 0.0), max(raw, 0.0)),
                   text("policy"), text("source"), trusted, text("time_flag"), moment("time_claimed"),
                   data.get("claims_accepted") is True)
