"""The comment posted beside a grade: what a student may see of their problem set, and the autograder's tag.

Built from the results model alone, and only from numbers and names the student already has: the points
(after any late penalty), the autograded points and how many checks passed, the names of the graded cells
that lost points (the ``grade_id`` of cells in the released notebook), the points graded by hand and those
still awaiting a person, and the due date's verdict. Never a check's message or hint (they can quote a probe),
never hidden test source, reference values, the student's own answer text or a model answer; the feedback
page is where details are. For example::

    ps1_softmax: 36 / 43 points.
    Autograded: 36 / 40 (12 of 14 checks passed); points lost in: softmax-stability, log_softmax-stability.
    Awaiting your instructor: 3 points (answers graded by hand).
    Your feedback page for ps1_softmax has the details of each check.
    [probdl-autograder 36/43 +3 pending #5d41402abc]

The last line is the **tag**, the autograder's marker: the grade this comment was posted with, and a digest of
the lines above it (the first 10 hex digits of their SHA-256, whitespace and markup aside). It is how passback
recognises its own writes — by what it wrote and reads back, never by the account that wrote it (a teacher's
token writes as the teacher): every LMS gives its current result with its comment (LTI AGS results, Canvas
submission comments, Moodle's feedback comments), and the tag tells whether the grade there is still the one
the autograder posted (the tag's numbers equal the grade) or was changed since by a person (they differ),
which passback then does not overwrite without ``--overwrite`` (:mod:`autograder.lms.plan`). The digest makes
comments idempotent: the comment there is the one to post when its digest is this one's, however the LMS
renders the text (Moodle gives plain text back as HTML), so nothing is posted again for it.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from autograder.model.lateness import ON_TIME
from autograder.model.results import SubmissionResult, TestResult, fmt_points

TAG_NAME = "probdl-autograder"
_NUMBER = r"(\d+(?:\.\d+)?)"
_TAG = re.compile(rf"\[{TAG_NAME} {_NUMBER}/{_NUMBER}(?: \+{_NUMBER} pending)?(?: #([0-9a-f]{{10}}))?\]\s*\Z")
#: Markup an LMS may put around a plain-text comment it gives back (Moodle: ``<br />``, a closing ``</p>``).
_MARKUP = re.compile(r"<[^<>]{0,200}>")
#: A graded cell's name as the released notebook has it (anything else in a results.json is not shown).
_CELL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,80}\Z")
#: At most this many lost cells are named.
MAX_NAMED = 8


@dataclass(frozen=True)
class Tag:
    """The grade a comment was posted with, and the digest of the comment's text above the tag ("" in a tag
    written before digests were)."""

    score: float
    maximum: float
    pending: float = 0.0
    digest: str = ""


def digest(text: str) -> str:
    """The digest a tag carries of the comment's ``text`` above it: markup and entities an LMS adds taken out,
    whitespace collapsed, then the first 10 hex digits of SHA-256."""
    plain = " ".join(html.unescape(_MARKUP.sub(" ", text)).split())
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()[:10]


def tag_text(tag: Tag) -> str:
    """``[probdl-autograder 36/43 +3 pending #5d41402abc]`` (4 decimals at most, as grades.csv)."""
    pending = f" +{fmt_points(tag.pending, 4)} pending" if tag.pending > 0 else ""
    mark = f" #{tag.digest}" if tag.digest else ""
    return f"[{TAG_NAME} {fmt_points(tag.score, 4)}/{fmt_points(tag.maximum, 4)}{pending}{mark}]"


def parse_tag(comment: object) -> Tag | None:
    """The tag at the end of ``comment`` (markup an LMS wrapped it in aside), or None (no comment, or not one
    the autograder wrote)."""
    if not isinstance(comment, str):
        return None
    found = _TAG.search(_MARKUP.sub("", comment[-400:]).strip()[-200:])
    if not found:
        return None
    return Tag(float(found.group(1)), float(found.group(2)), float(found.group(3) or 0.0), found.group(4) or "")


def _names(tests: Iterable[TestResult]) -> str:
    names = [t.name for t in tests if _CELL_NAME.match(t.name)]
    shown = ", ".join(names[:MAX_NAMED])
    return shown + (f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")


def student_comment(result: SubmissionResult, score: float, maximum: float) -> str:
    """The comment for ``result`` posted with ``score`` of ``maximum`` points (see the module docstring)."""
    ps = result.assignment if _CELL_NAME.match(result.assignment) else "this problem set"
    lines = [f"{ps}: {fmt_points(score)} / {fmt_points(maximum)} points."]
    auto = result.autograded
    if result.not_run or result.grading_error:
        lines.append("Your notebook could not be graded as it was handed in; your feedback page says why.")
    elif auto:
        lost = [t for t in auto if t.earned < t.max_score]
        line = (f"Autograded: {fmt_points(result.autograded_score)} / {fmt_points(result.autograded_max_score)} "
                f"({sum(1 for t in auto if t.passed)} of {len(auto)} checks passed)")
        named = _names(lost)
        lines.append(line + (f"; points lost in: {named}." if named else "."))
    by_hand = [t for t in result.tests if t.graded_by_person]
    if by_hand:
        lines.append(f"Graded by your instructor: {fmt_points(sum(t.earned for t in by_hand))} / "
                     f"{fmt_points(sum(t.max_score for t in by_hand))} points.")
    if result.pending_points > 0:
        lines.append(f"Awaiting your instructor: {fmt_points(result.pending_points)} points (answers graded by hand).")
    if result.late is not None and result.late.status != ON_TIME:
        lines.append(f"Due date: {result.late.short()}.")
    lines.append(f"Your feedback page for {ps} has the details of each check.")
    body = "\n".join(lines)
    return body + "\n" + tag_text(Tag(score, maximum, result.pending_points, digest(body)))
