"""The results model: what one graded submission's results.json holds, typed.

The engine builds a :class:`SubmissionResult` per submission and writes it
(:meth:`SubmissionResult.to_json`, then :func:`write_results`, bounded);
the reports read it back (:meth:`SubmissionResult.from_json`) and nothing
else. One file, one schema, in the bottom layer beside :mod:`autograder.model.files`
and :mod:`autograder.model.summary`, so neither side re-parses the other's dicts.

results.json (Gradescope's results schema, plus the execution record and the
instructor's notes), keys in this order::

    {"score", "max_score", "pending_points", "student", "assignment",
     "tests": [{"name", "score", "max_score", "status", "output", "message", "hint", "kind"}],
     "execution": {"cells": [{"index", "grade_id", "status", "error", "duration_s"}],
                   "duration_s", "stdout_truncated", ["output_bytes"], "sandbox": {...}},
     "tamper": [str], "flags": [{"cell", "reason"}], "student_code": {function: source},
     "answers": {grade_id: text}, "notes": [str], ["grading_error": str],
     ["submitted": {"at", "source", "status", "detail"}], ["late": {...}],
     ["graded_with": {...}], ["regrade": {...}]}

``output`` is ``message`` followed by ``"\\nHint: " + hint`` when there is a
hint (what Gradescope shows). ``grading_error`` is present only when the
grader itself failed on the submission (score 0 recorded with the reason).

**Deadlines.** ``submitted`` is the submission time the grader read where the
platform records it (:mod:`autograder.model.submission_time`); ``late`` is what
the course's deadline made of it (:mod:`autograder.model.lateness`), written
at report time by the late-penalty step (:mod:`autograder.model.penalties`),
never while grading. With a ``late`` record, ``score`` is the total **after**
the late penalty and ``late.raw_score`` the points earned before it; without
one they are the same. Changing a due date, an extension or the policy
rewrites ``late`` and ``score`` from ``late.raw_score``: nothing is graded again.

**Regrades.** ``graded_with`` is the evidence of what decided the points (digests of the checks, the
references, the course's notebook and the student's code: :mod:`autograder.model.graded_with`), written by
the engine; ``regrade`` what grading again against an earlier run changed (:mod:`autograder.model.regrade`).
Under ``--keep-higher`` the score may be the earlier total, kept (``regrade.kept``); the points earned are
then still the sum of the cells (:attr:`SubmissionResult.raw_score`).

**Manually graded answer cells** (``kind: "manual"``, the derivations a
person grades in nbgrader's formgrader) are tests too, in notebook order.
Until a person has graded one, its ``status`` is ``"pending"`` and its
``score`` is ``null``: the points are neither earned nor lost.
``score`` is the points earned so far (autograded and hand-graded),
``max_score`` every point of the notebook, and ``pending_points`` the points
still awaiting grading, so ``score + pending_points`` is the most the
notebook can still reach. ``answers`` holds the student's text of each
answer cell (what the grader reads in formgrader).

Reading is **tolerant and bounded**: the folder is ours but may have been
edited, so a missing or ill-typed field takes its default, numbers that are
not finite become 0, strings and lists are cut (:func:`bound`), and a file
that is not a JSON object (truncated, not UTF-8, nested too deep to parse)
is kept as an unreadable result with the reason.

**Complete** (:attr:`SubmissionResult.complete`) is stricter, and is what
counts as a graded submission: a JSON object whose ``score`` is a finite
number and whose ``tests`` is a list — what :func:`write_results` always
writes, whatever version of this grader wrote it (older files without
``pending_points`` or ``answers`` are complete). Only a complete result is
kept when a batch resumes (without a ``grading_error``) and only a complete
one is a cell of grades.csv; anything else is graded again on resume and
left out of grades.csv, while the reports still show it with its defaults.
So a file kept on resume is always in grades.csv. (Before this was the
model's rule, resume kept any object with the two keys, so a ``score`` of
``"abc"``, ``null`` or ``NaN`` was neither graded again nor in grades.csv, a
string ``"3"`` counted, and an integer too wide for a float stopped
grades.csv; tests/test_results_model.py shows each case.)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from autograder.model.course import ANSWER_CELLS, ANSWER_STUB, PROBLEM_SETS, is_blank_answer
from autograder.model.files import RESULTS_FILE, StrPath, write_json_atomic
from autograder.model.graded_with import GradedWith
from autograder.model.lateness import Lateness
from autograder.model.regrade import Regrade, earned
from autograder.model.submission_time import SubmissionTime

#: Longest list kept in a results.json (notes, tamper lines, cell records).
MAX_ITEMS = 200
#: Longest string kept (messages, errors, notes).
MAX_TEXT = 4_000
#: Longest source kept per function in ``student_code``.
MAX_CODE = 20_000
#: Largest results.json read (a shard's file comes from another machine): above what :func:`write_results`
#: can write, whose lists and strings are bounded (about 50 MB at worst: every kept character escaped).
MAX_FILE_BYTES = 64 << 20

#: The kinds of a test that did not pass (besides a check's own kinds):
#: the notebook could not be read at all.
UNREADABLE = "unreadable"
#: The kind of a manually graded answer cell: a person grades it (pending until then).
MANUAL = "manual"
#: The kind of an answer cell handed in as released (empty, or still "YOUR ANSWER HERE") or missing: 0
#: points at once, as nbgrader's autograde gives an answer cell unchanged from the release, never pending.
NOT_ANSWERED = "not-answered"


#: An image in an answer's markdown: ``![…](…)`` (a file, or a pasted photo's ``attachment:``) or an ``<img>`` tag.
#: Linear in the answer's length: the alt text stops at the next ``[`` (``[^\]\n]*`` scanned every ``![`` to the line's
#: end, so 49,000 ``![`` took the grader 10 s of the GIL, stalling every submission graded beside it).
IMAGE_IN_ANSWER = re.compile(r"!\[[^\[\]\n]*\]\(|<img\b", re.IGNORECASE)
_CUT = re.compile(r"… \([\d,]+ more characters cut\)\Z")
_MORE = re.compile(r"… and [\d,]+ more\Z")


def _cut(text: str, limit: int) -> str:
    """``text`` cut at ``limit`` characters, saying how many were cut; a text already cut stays."""
    if len(text) <= limit:
        return text
    mark = _CUT.search(text, limit)
    if mark and mark.start() <= limit:
        return text
    return text[:limit] + f"… ({len(text) - limit:,} more characters cut)"


def _was_cut(items: list[Any] | tuple[Any, ...]) -> bool:
    """A list :func:`bound` already cut: :data:`MAX_ITEMS` items, then its "… and N more"."""
    return len(items) == MAX_ITEMS + 1 and isinstance(items[-1], str) and bool(_MORE.match(items[-1]))


def bound(value: Any, limit: int = MAX_TEXT, key: str = "") -> Any:
    """A copy of a results.json value that is small and always serialisable.

    Lists longer than :data:`MAX_ITEMS` keep their first items and end with a
    string saying how many were cut (the ``tests`` list is never cut: it has
    one entry per graded cell of the trusted source). Strings are cut at
    ``limit`` characters; integers wider than 63 bits become ``None``, as do
    NaN and infinities (JSON cannot hold them). Idempotent: a value it
    already bounded (a results.json read back) comes out unchanged.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= 63 else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return _cut(value, limit)
    if isinstance(value, dict):
        return {_cut(str(k), 200): bound(v, MAX_CODE if key in ("student_code", "answers") else limit, str(k))
                for k, v in list(value.items())[:MAX_ITEMS]}
    if isinstance(value, (list, tuple)):
        items = [bound(v, limit) for v in list(value[:MAX_ITEMS] if key != "tests" else value)]
        if key != "tests" and _was_cut(value):
            items.append(value[-1])
        elif key != "tests" and len(value) > MAX_ITEMS:
            items.append(f"… and {len(value) - MAX_ITEMS:,} more")
        return items
    return _cut(str(value), limit)


#: The course's precision: every number of points a person or a platform reads (the pages, the CI templates'
#: lines, JUnit, Gradescope, Classroom50) is rounded to this many decimals, so a late penalty of 10 % of 32
#: reads 3.2, never ``3.2000000000000002``, and its remainder 0.01, never ``0.010000000000001563``. (grades.csv
#: and the LMS exports keep 4 decimals: a store a spreadsheet adds up, not a number anyone reads as a grade.)
POINTS_DECIMALS = 2


def round_points(x: float, digits: int = POINTS_DECIMALS) -> float:
    """``x`` points rounded to the course's precision (:data:`POINTS_DECIMALS`); ``-0.0`` is ``0.0``."""
    return round(float(x), digits) + 0.0


def fmt_points(x: float, digits: int = POINTS_DECIMALS) -> str:
    """Points as people write them: ``2.0 -> "2"``, ``1.5 -> "1.5"``, ``1/3 -> "0.33"``.

    Rounded to ``digits`` decimals (the course's precision, :data:`POINTS_DECIMALS`, on pages; 4 in
    grades.csv), no trailing zeros, no exponent for whole numbers.
    """
    x = round(float(x), digits)
    return str(int(x)) if x == int(x) else f"{x:g}"


@dataclass(frozen=True)
class AutogradedPoints:
    """What a platform that records only the autograded cells records (every CI template, Gradescope's autograder,
    Classroom50, JUnit's headline): ``score`` of ``max_score``, both rounded to the course's precision.

    ``max_score`` is the problem set's autograded maximum, the same for every student of the class whatever they
    answered: an answer cell a person grades is never in it, whether it awaits grading, was left blank (``not
    answered``), or belongs to a notebook that could not be read. ``score`` is the autograded cells' points after
    the late penalty (bounded by them: nothing else is earned before a person grades). ``raw`` is before it,
    ``penalty`` what it took off, ``by_hand``/``by_hand_max`` the points a person gave and could give, and
    ``pending`` those still awaiting grading.
    """

    score: float
    max_score: float
    raw: float
    penalty: float
    by_hand: float
    by_hand_max: float
    pending: float


@overload
def _number(value: Any, default: float = 0.0) -> float: ...
@overload
def _number(value: Any, default: None) -> float | None: ...
def _number(value: Any, default: float | None = 0.0) -> float | None:
    """``value`` as a finite float, else ``default`` (booleans are not numbers here)."""
    if isinstance(value, bool):
        return default
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return x if math.isfinite(x) else default


#: What the reader keeps: what the writer keeps, with room for its "… cut" endings, so a file we
#: wrote reads back unchanged and an edited one is still bounded.
READ_TEXT, READ_CODE, READ_ITEMS = 2 * MAX_TEXT, 2 * MAX_CODE, MAX_ITEMS + 1


def _text(value: Any, limit: int = READ_TEXT) -> str:
    return _cut(str(value), limit) if value is not None else ""


def _texts(value: Any) -> list[str]:
    return [_text(x) for x in value[:READ_ITEMS]] if isinstance(value, list) else []


@dataclass(frozen=True)
class TestResult:
    """One graded cell's outcome: ``score`` of ``max_score`` points, why, and a hint.

    ``kind`` names the outcome for the reports: ``"passed"``, a check's kind
    of failure (``"value"``, ``"missing"``, ``"forbidden"`` …),
    ``"not-attempted"`` (the function is still the template),
    ``"unreadable"`` (the notebook could not be read), ``"manual"`` (an
    answer cell a person grades) or ``"not-answered"`` (an answer cell left as
    released, or missing: 0 points, nothing for a person to grade).

    ``score`` is ``None`` exactly when the test is **pending**: an answer cell
    no person has graded yet. Its points are then neither earned nor lost, and
    every report says "awaiting grading" instead of a number.
    """

    __test__ = False  # not a pytest class

    name: str
    score: float | None
    max_score: float
    passed: bool
    message: str = ""
    hint: str = ""
    kind: str = ""

    @classmethod
    def awaiting_grading(cls, name: str, max_score: float, answer: str | None) -> TestResult:
        """A manually graded answer cell that no person has graded yet; ``answer`` is the student's text
        (an answer left blank or missing is :meth:`not_answered` instead: see :meth:`ungraded_answer`)."""
        message = "Awaiting grading: your instructor reads this answer and gives its points."
        if answer is not None and IMAGE_IN_ANSWER.search(answer[:MAX_CODE * 10]):
            message += (" Your answer holds an image: a picture pasted into the cell (PNG or JPEG, up to 5 MB each, six "
                        "and 12 MB in all) is shown to the person grading as you pasted it; a linked picture file or an <img> "
                        "tag of one reaches them only as its text. A derivation typed in the cell (Markdown, with "
                        "LaTeX between $ signs) is the easiest to read.")
        return cls(name, None, float(max_score), False, message, "", MANUAL)

    @classmethod
    def not_answered(cls, name: str, max_score: float, answer: str | None) -> TestResult:
        """An answer cell left as released (empty or ``YOUR ANSWER HERE``), or missing (``answer`` None):
        0 points at once, as nbgrader's autograde scores a solution cell whose checksum is the release's
        (with its auto comment "No response."); nothing awaits a person, who may still give points."""
        if answer is None:
            message = "This answer cell is missing from your notebook: 0 points (there is no answer to grade)."
        else:
            message = (f"Not answered: the cell still reads \"{ANSWER_STUB}\", so it gets 0 points. Write your "
                       "answer in it and hand the notebook in again.")
        return cls(name, 0.0, float(max_score), False, message, "", NOT_ANSWERED)

    @classmethod
    def ungraded_answer(cls, name: str, max_score: float, answer: str | None) -> TestResult:
        """An answer cell before any person graded it: :meth:`not_answered` when left blank or missing
        (:func:`~autograder.model.course.is_blank_answer`), else :meth:`awaiting_grading`."""
        if is_blank_answer(answer):
            return cls.not_answered(name, max_score, answer)
        return cls.awaiting_grading(name, max_score, answer)

    @classmethod
    def graded_by_hand(cls, name: str, score: float, max_score: float, comment: str = "",
                       review: bool = False) -> TestResult:
        """An answer cell a person has graded (in nbgrader's formgrader): ``score`` of ``max_score``
        (extra credit included), and the grader's comment; ``review``: the grade was given to an earlier version
        of the answer (:mod:`autograder.nbgrader_io.graded_answers`), and counts until the person grades it again."""
        message = f"Graded by your instructor: {fmt_points(score)} / {fmt_points(max_score)} points."
        if review:
            message = (f"Graded by your instructor on an earlier version of this answer: {fmt_points(score)} / "
                       f"{fmt_points(max_score)} points. Your answer changed since; your instructor will grade it "
                       "again, and these points count until then.")
        if comment and comment.strip():
            message += f" Comment: {comment.strip()}"
        return cls(name, float(score), float(max_score), float(score) >= float(max_score), _cut(message, MAX_TEXT),
                   "", MANUAL)

    @property
    def pending(self) -> bool:
        """Awaiting grading: no score yet."""
        return self.score is None

    @property
    def manual(self) -> bool:
        """An answer cell graded by a person (pending, graded, or not answered)."""
        return self.kind in (MANUAL, NOT_ANSWERED)

    @property
    def graded_by_person(self) -> bool:
        """An answer cell a person has given points (in formgrader): its model answer may be shown to the student."""
        return self.kind == MANUAL and self.score is not None

    @property
    def unanswered(self) -> bool:
        """An answer cell left as released, or missing: 0 points, nothing for a person to grade."""
        return self.kind == NOT_ANSWERED

    @property
    def earned(self) -> float:
        """The points earned so far (0 while pending: not earned, not lost)."""
        return 0.0 if self.score is None else float(self.score)

    @property
    def status(self) -> str:
        if self.pending:
            return "pending"
        return "passed" if self.passed else "failed"

    @property
    def output(self) -> str:
        """What Gradescope shows: the message, then the hint."""
        return f"{self.message}\nHint: {self.hint}" if self.hint else self.message

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "score": None if self.score is None else float(self.score),
                "max_score": float(self.max_score), "status": self.status, "output": self.output,
                "message": self.message, "hint": self.hint, "kind": self.kind}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TestResult:
        """Tolerant: ``grade_id`` for ``name``; status from the score when absent; message and hint
        split from ``output`` when only that is there (a plain Gradescope file)."""
        name = _text(data.get("name") or data.get("grade_id") or "?")
        score: float | None
        score, max_score = _number(data.get("score")), _number(data.get("max_score"))
        status = data.get("status")
        kind = _text(data.get("kind") or "")
        if status == "pending" or (kind == MANUAL and data.get("score") is None):
            score, passed = None, False  # awaiting a person: never read as 0
        else:
            passed = status == "passed" if status in ("passed", "failed") else bool(max_score) and score >= max_score
        message, hint = data.get("message"), data.get("hint")
        if message is None:
            message, _, hint_part = str(data.get("output") or "").partition("\nHint: ")
            hint = hint if hint is not None else hint_part
        return cls(name, score, max_score, passed, _text(message or ""), _text(hint or ""), kind)


@dataclass(frozen=True)
class Execution:
    """How the notebook ran: one record per executed cell, time, output, the sandbox's report.

    ``cells`` are ``{"index", "grade_id", "status", "error", "duration_s"}``
    (:meth:`autograder.perimeter.supervision.session.CellRun.to_dict`); ``output_bytes`` is
    ``None`` when nothing ran (it is then left out of the file).
    """

    cells: list[dict[str, Any]] = field(default_factory=list)
    duration_s: float = 0.0
    stdout_truncated: bool = False
    output_bytes: int | None = None
    sandbox: dict[str, Any] = field(default_factory=dict)

    @property
    def problems(self) -> list[dict[str, Any]]:
        """Records of cells that raised, timed out or were skipped."""
        return [c for c in self.cells if c.get("status") not in (None, "ok")]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cells": list(self.cells), "duration_s": self.duration_s,
                               "stdout_truncated": self.stdout_truncated}
        if self.output_bytes is not None:
            out["output_bytes"] = self.output_bytes
        out["sandbox"] = dict(self.sandbox)
        return out

    @classmethod
    def from_json(cls, data: Any) -> Execution:
        if not isinstance(data, dict):
            return cls()
        cells = [bound(c, READ_TEXT) for c in data["cells"][:READ_ITEMS] if isinstance(c, dict)] \
            if isinstance(data.get("cells"), list) else []
        output_bytes = data.get("output_bytes")
        sandbox = data.get("sandbox")
        return cls(cells=cells, duration_s=_number(data.get("duration_s")),
                   stdout_truncated=bool(data.get("stdout_truncated")),
                   output_bytes=int(_number(output_bytes)) if output_bytes is not None else None,
                   sandbox=bound(sandbox, READ_TEXT) if isinstance(sandbox, dict) else {})


def _flags(raw: Any) -> list[dict[str, Any]]:
    """``[{"cell": int | None, "reason": str}]`` from what the file holds (a bare string is a reason)."""
    flags: list[dict[str, Any]] = []
    for f in raw[:READ_ITEMS] if isinstance(raw, list) else []:
        if isinstance(f, dict):
            cell = f.get("cell")
            flags.append({"cell": cell if isinstance(cell, int) and not isinstance(cell, bool) else None,
                          "reason": _text(f.get("reason") or "flagged by the sandbox", 2000)})
        elif isinstance(f, str):
            flags.append({"cell": None, "reason": f[:2000]})
    return flags


@dataclass
class SubmissionResult:
    """One submission's results.json, and where it was read from.

    ``path``, ``unreadable`` (why the file could not be read, "" when it
    could) and ``incomplete`` (why what was read is not a complete result,
    see :attr:`complete`) belong to the reader and are not written.
    """

    student: str
    assignment: str
    score: float
    max_score: float
    tests: list[TestResult] = field(default_factory=list)  # one per graded cell, in notebook order
    execution: Execution = field(default_factory=Execution)
    tamper: list[str] = field(default_factory=list)  # what restore put back
    flags: list[dict[str, Any]] = field(default_factory=list)  # [{"cell", "reason"}]: what the sandbox saw
    student_code: dict[str, str] = field(default_factory=dict)  # function -> the student's source
    answers: dict[str, str] = field(default_factory=dict)  # answer cell grade_id -> the student's text
    notes: list[str] = field(default_factory=list)  # for the instructor
    #: Set when the grader itself failed on this submission (score 0 recorded with the reason).
    grading_error: str = ""
    #: When it was handed in, as the platform records it (None: not recorded by this grader's version).
    submitted: SubmissionTime | None = None
    #: What the course's due date made of it (None: no due date); ``score`` is then after its penalty.
    late: Lateness | None = None
    #: What decided the points, for a later regrade (None: not recorded by this grader's version).
    graded_with: GradedWith | None = None
    #: What grading again against an earlier run changed (None: not a regrade).
    regrade: Regrade | None = None
    path: Path | None = None
    unreadable: str = ""
    incomplete: str = ""

    # -- building -------------------------------------------------------------

    @classmethod
    def scored(cls, student: str, assignment: str, max_score: float, tests: list[TestResult],
               **parts: Any) -> SubmissionResult:
        """A result whose score is the sum of its tests' scores (pending answer cells add nothing)."""
        return cls(student, assignment, float(sum(t.earned for t in tests)), max_score, tests, **parts)

    @classmethod
    def not_graded(cls, student: str, assignment: str, graded_cells: Iterable[tuple[str, float]], max_score: float,
                   reason: str, grading_error: str = "") -> SubmissionResult:
        """Score 0 with ``reason`` on every graded cell ``(grade_id, points)``: the notebook could not
        be read, or the grader failed on it (``grading_error`` says how, for the instructor)."""
        message = f"The notebook could not be graded: {reason}."
        tests = [TestResult(gid, 0.0, float(points), False, message, "", UNREADABLE) for gid, points in graded_cells]
        return cls(student, assignment, 0.0, max_score, tests, notes=[reason], grading_error=grading_error,
                   execution=Execution(duration_s=0.0))

    # -- reading --------------------------------------------------------------

    @property
    def folder(self) -> Path | None:
        return None if self.path is None else self.path.parent

    @property
    def passed(self) -> int:
        return sum(1 for t in self.tests if t.passed)

    @property
    def pending(self) -> list[TestResult]:
        """The answer cells awaiting grading."""
        return [t for t in self.tests if t.pending]

    @property
    def pending_points(self) -> float:
        """The points awaiting grading (neither earned nor lost yet)."""
        return float(sum(t.max_score for t in self.tests if t.pending))

    @property
    def answer_cells(self) -> set[str]:
        """The grade_ids a person grades: the answer cells of the result (``kind`` manual or not answered), and, in
        a result whose notebook could not be read (every cell ``unreadable``), those its problem set's source
        notebook declares (:data:`autograder.model.course.ANSWER_CELLS`): never autograded, whatever happened."""
        ids = {t.name for t in self.tests if t.manual}
        if any(t.kind == UNREADABLE for t in self.tests):
            try:
                declared = {gid for gid, _ in ANSWER_CELLS[self.assignment]}
            except (KeyError, OSError, ValueError):  # not a course problem set, or its source cannot be read
                declared = set()
            ids |= {t.name for t in self.tests if t.kind == UNREADABLE and t.name in declared}
        return ids

    @property
    def autograded(self) -> list[TestResult]:
        """The tests the engine graded (every test but the answer cells, :attr:`answer_cells`)."""
        person = self.answer_cells
        return [t for t in self.tests if t.name not in person]

    @property
    def autograded_points(self) -> AutogradedPoints:
        """The autograded points and the autograded maximum, rounded (:class:`AutogradedPoints`)."""
        person = self.answer_cells
        auto = [t for t in self.tests if t.name not in person]
        hand = [t for t in self.tests if t.name in person]
        raw = float(sum(t.earned for t in auto))
        penalty = float(self.late.penalty) if self.late is not None else 0.0
        return AutogradedPoints(score=round_points(max(0.0, raw - penalty)),
                                max_score=round_points(sum(t.max_score for t in auto)),
                                raw=round_points(raw), penalty=round_points(min(penalty, raw)),
                                by_hand=round_points(sum(t.earned for t in hand)),
                                by_hand_max=round_points(sum(t.max_score for t in hand)),
                                pending=round_points(sum(t.max_score for t in hand if t.pending)))

    @property
    def autograded_score(self) -> float:
        return float(sum(t.earned for t in self.autograded))

    @property
    def autograded_max_score(self) -> float:
        return float(sum(t.max_score for t in self.autograded))

    @property
    def raw_score(self) -> float:
        """The points earned before any late penalty (``score`` when there is none, or the cells' sum when
        ``--keep-higher`` may have kept an earlier total)."""
        if self.late is not None:
            return self.late.raw_score
        if self.regrade is not None and self.regrade.keep_higher:
            return earned(self.tests)
        return self.score

    @property
    def autograded_scores(self) -> list[tuple[str, float | None, float]]:
        """``(cell, points, of points)`` of the autograded cells: what the ``graded_with`` seal covers."""
        return [(t.name, t.score, t.max_score) for t in self.autograded]

    @property
    def edited(self) -> bool:
        """The autograded cells' points are not those the grader sealed (the file was edited after grading)."""
        gw = self.graded_with
        return gw is not None and bool(gw.seal) and gw.seal_of(self.autograded_scores) != gw.seal

    @property
    def late_penalty(self) -> float:
        """The points a late submission lost (0 when on time, without a due date, or without a penalty)."""
        return self.late.penalty if self.late is not None else 0.0

    @property
    def cell_problems(self) -> list[dict[str, Any]]:
        """Execution records of cells that raised, timed out or were skipped."""
        return self.execution.problems

    @property
    def not_run(self) -> bool:
        """Nothing of the notebook ran (invalid JSON, empty file …): notes say why."""
        return bool(self.notes) and not self.student_code and self.passed == 0

    @property
    def not_run_reason(self) -> str:
        """Why nothing of the notebook ran (the grader's first note), "" when it ran."""
        return self.notes[0] if self.not_run and self.notes else ""

    @property
    def complete(self) -> bool:
        """A whole result of this grader (see the module docstring): read, with a finite ``score`` and a
        list of ``tests``. What a resumed batch keeps and what grades.csv counts."""
        return not self.unreadable and not self.incomplete

    @property
    def flagged(self) -> bool:
        """Something the instructor should look at: tampering, a failing cell, unreadable results,
        a sandbox flag, a grading error, a due date with no readable submission time."""
        return bool(self.tamper or self.unreadable or self.not_run or self.flags or self.grading_error
                    or (self.late is not None and self.late.unknown_time) or any(
            c.get("status") in ("error", "timeout") for c in self.cell_problems
        ))

    # -- the file -------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The results.json object (unbounded; :func:`write_results` bounds it)."""
        out: dict[str, Any] = {
            "score": float(self.score), "max_score": self.max_score, "pending_points": self.pending_points,
            "student": self.student, "assignment": self.assignment, "tests": [t.to_json() for t in self.tests],
            "execution": self.execution.to_json(), "tamper": list(self.tamper), "flags": list(self.flags),
            "student_code": dict(self.student_code), "answers": dict(self.answers), "notes": list(self.notes),
        }
        if self.grading_error:
            out["grading_error"] = self.grading_error
        if self.submitted is not None:
            out["submitted"] = self.submitted.to_json()
        if self.late is not None:
            out["late"] = self.late.to_json()
        if self.graded_with is not None:
            out["graded_with"] = self.graded_with.to_json()
        if self.regrade is not None:
            out["regrade"] = self.regrade.to_json()
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], student: str = "", assignment: str = "",
                  path: Path | None = None) -> SubmissionResult:
        """From a results.json object, tolerant of missing or ill-typed fields (see the module
        docstring); ``student``/``assignment`` (the folder names) when the file does not say."""
        tests = [TestResult.from_json(t) for t in data.get("tests") or [] if isinstance(t, dict)] \
            if isinstance(data.get("tests"), list) else []
        code, answers = data.get("student_code"), data.get("answers")
        score = _number(data.get("score"), sum(t.earned for t in tests))
        return cls(
            student=_text(data.get("student") or student),
            assignment=_text(data.get("assignment") or assignment),
            score=score,
            max_score=_number(data.get("max_score"), sum(t.max_score for t in tests)),
            tests=tests,
            execution=Execution.from_json(data.get("execution")),
            tamper=_texts(data.get("tamper")),
            flags=_flags(data.get("flags")),
            student_code={_text(k): _text(v, READ_CODE) for k, v in list(code.items())[:READ_ITEMS]}
            if isinstance(code, dict) else {},
            answers={_text(k): _text(v, READ_CODE) for k, v in list(answers.items())[:READ_ITEMS]}
            if isinstance(answers, dict) else {},
            notes=_texts(data.get("notes")),
            grading_error=_text(data.get("grading_error") or ""),
            submitted=SubmissionTime.from_json(data.get("submitted")),
            late=Lateness.from_json(data.get("late"), score),
            graded_with=GradedWith.from_json(data.get("graded_with")),
            regrade=Regrade.from_json(data.get("regrade")),
            path=path,
            incomplete=_incomplete(data),
        )


def _incomplete(data: dict[str, Any]) -> str:
    """Why the results.json object ``data`` is not a complete result ("" when it is): see
    :attr:`SubmissionResult.complete`. A boolean, a string or a number too wide for a float is no score."""
    score = data.get("score")
    if isinstance(score, bool) or not isinstance(score, (int, float)) or _number(score, None) is None:
        return f"'score' is not a finite number ({type(score).__name__})"
    if not isinstance(data.get("tests"), list):
        return f"'tests' is not a list ({type(data.get('tests')).__name__})"
    return ""


def results_path(results_dir: StrPath, student: str, assignment: str) -> Path:
    """``RESULTS/<student folder>/<ps>/results.json`` (the folder from :mod:`autograder.model.ids`)."""
    return Path(results_dir) / student / assignment / RESULTS_FILE


def write_results(path: StrPath, result: SubmissionResult | dict[str, Any]) -> Path:
    """Write a submission's results.json atomically, bounded (:func:`bound`).

    ``result`` is a :class:`SubmissionResult` (or its :meth:`~SubmissionResult.to_json` object).
    """
    data = result.to_json() if isinstance(result, SubmissionResult) else result
    return write_json_atomic(path, {k: bound(v, key=k) for k, v in data.items()})


def read_result(path: StrPath) -> SubmissionResult:
    """The result at ``RESULTS/<student>/<ps>/results.json``: the one reader of results.json.

    A missing or unreadable file (larger than :data:`MAX_FILE_BYTES`, not UTF-8, not JSON, not an
    object, nested too deep to parse or bound) gives a result with score 0 and
    :attr:`~SubmissionResult.unreadable` saying why; never raises for what the file holds. Whether it
    counts as graded is :attr:`~SubmissionResult.complete`. The student and the problem set are the
    folder's names, whatever the file says.
    """
    path = Path(path)
    student, assignment = path.parent.parent.name, path.parent.name
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES >> 20} MB, the most a results.json can hold")
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return SubmissionResult.from_json(data, student, assignment, path)
    except (OSError, ValueError, RecursionError) as exc:
        return SubmissionResult(student, assignment, 0.0, 0.0, path=path, unreadable=f"{type(exc).__name__}: {exc}")


def result_files(results_dir: StrPath) -> list[Path]:
    """Every ``<student>/<ps>/results.json`` under ``results_dir`` (hidden folders left out), by (student, ps).

    The one walker of a results folder: the reports read every file it finds, grades.csv the complete ones.
    """
    root = Path(results_dir)
    if not root.is_dir():
        return []
    return sorted((p for p in root.glob(f"*/*/{RESULTS_FILE}")  # (pathlib's * matches hidden names too)
                   if not p.parent.name.startswith(".") and not p.parent.parent.name.startswith(".")),
                  key=lambda p: (p.parent.parent.name, p.parent.name))


def ps_key(ps: str) -> tuple[int, str]:
    """Sort key: the course's problem sets in course order, then any other id."""
    return (PROBLEM_SETS.index(ps), "") if ps in PROBLEM_SETS else (len(PROBLEM_SETS), ps)


def problem_sets(results: Iterable[SubmissionResult]) -> list[str]:
    """The problem sets of ``results``, in course order (:func:`ps_key`)."""
    return sorted({r.assignment for r in results}, key=ps_key)


def load_results(results_dir: StrPath) -> list[SubmissionResult]:
    """All results of a folder (:func:`read_result` of each file), sorted by (student, problem set)."""
    return sorted((read_result(p) for p in result_files(results_dir)), key=lambda r: (r.student, ps_key(r.assignment)))
