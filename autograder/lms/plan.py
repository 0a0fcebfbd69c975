"""What changes: one student's grade here against the LMS's current result, decided before anything is posted.

For each matched student and problem set, :func:`decide` compares the :class:`~autograder.lms.scores.Grade`
with the LMS's :class:`Current` result and says what to do:

========================================================  ===========  =============================
the LMS has                                               decision     why
========================================================  ===========  =============================
nothing (no result, no score, no tag)                     post         ``new``
the autograder's tag, and its score equals the tag's      unchanged    when grade and comment are
(or no score while the tag says points are pending)                    the ones to post; else post
                                                                       ``update``
a score equal to this grade, not posted by the autograder unchanged    already there
another score, not the autograder's (or the autograder's  skipped      ``conflict``: entered by a
tag with a different score: changed after it was posted)               person; ``--overwrite`` posts
the autograder's tag but no score any more                skipped      ``conflict``: removed by a person
========================================================  ===========  =============================

The autograder's grades are recognised by the tag it wrote beside them and reads back
(:mod:`autograder.lms.comment`), never by the account that set them: a teacher's token sets grades as the
teacher, and a grade the teacher typed in by hand is then the teacher's all the same. The comment is the one to
post when the tag's digest is this comment's (or, for a tag without one, when the texts are equal), however the
LMS renders it.

Scores compare as fractions of their maximum when the LMS scales them (a line item out of 100 holds 35/43
as 81.4), equal within :data:`TOLERANCE` points (grades.csv keeps 4 decimals, some LMSs 2). Re-running after
a post therefore finds every grade unchanged and posts nothing; a grade changed by hand in the LMS is never
replaced without ``--overwrite``.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.lms.comment import Tag, parse_tag
from autograder.lms.scores import Grade
from autograder.model.results import fmt_points

#: Two scores closer than this (in points) are the same grade.
TOLERANCE = 0.005

POST, UNCHANGED, CONFLICT = "post", "unchanged", "conflict"


@dataclass(frozen=True)
class Current:
    """A student's result in the LMS as its API gives it (``None``: not given)."""

    score: float | None = None
    maximum: float | None = None
    comment: str | None = None

    @property
    def tag(self) -> Tag | None:
        return parse_tag(self.comment)

    def text(self) -> str:
        if self.score is None:
            return "—"
        return f"{fmt_points(self.score)}/{fmt_points(self.maximum)}" if self.maximum else fmt_points(self.score)


@dataclass(frozen=True)
class Decision:
    action: str   # POST, UNCHANGED or CONFLICT
    why: str      # new, update, overwrite, same, conflict


def _in(score: float, maximum: float | None, target_maximum: float) -> float:
    """``score`` out of ``maximum`` expressed out of ``target_maximum`` (unchanged when the LMS gave no maximum)."""
    if maximum is None or maximum <= 0 or abs(maximum - target_maximum) <= TOLERANCE:
        return score
    return score * target_maximum / maximum


def same(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE


def _matches_tag(current: Current, tag: Tag) -> bool:
    """The LMS still holds the grade the tag was posted with (no score: the platform drops a pending one)."""
    if current.score is None:
        return tag.pending > 0
    return same(_in(current.score, current.maximum, tag.maximum), tag.score)


def _same_comment(current: Current, tag: Tag, here: Tag, grade: Grade) -> bool:
    """The LMS holds the comment to post: by the digests of both tags, else by the text."""
    if tag.digest and here.digest:
        return tag.digest == here.digest
    return (current.comment or "").strip() == grade.comment.strip()


def decide(grade: Grade, current: Current | None, overwrite: bool = False) -> Decision:
    """What to do with ``grade`` given the LMS's ``current`` result (the table of the module docstring)."""
    tag = current.tag if current is not None else None
    if current is None or (current.score is None and tag is None):
        return Decision(POST, "new")
    score = None if current.score is None else _in(current.score, current.maximum, grade.maximum)
    if tag is not None and _matches_tag(current, tag):
        here = parse_tag(grade.comment) or Tag(grade.score, grade.maximum, grade.pending)
        unchanged = (same(tag.score, grade.score) and same(tag.maximum, grade.maximum)
                     and same(tag.pending, grade.pending) and _same_comment(current, tag, here, grade))
        return Decision(UNCHANGED, "same") if unchanged else Decision(POST, "update")
    if score is None:
        if tag is None:
            return Decision(POST, "new")
        return Decision(POST, "overwrite") if overwrite else Decision(CONFLICT, "removed")
    if same(score, grade.score):
        return Decision(UNCHANGED, "same")
    return Decision(POST, "overwrite") if overwrite else Decision(CONFLICT, "conflict")


def grade_text(grade: Grade) -> str:
    """``36/43`` or ``36/43 (+3 pending)``."""
    text = f"{fmt_points(grade.score)}/{fmt_points(grade.maximum)}"
    return text + (f" (+{fmt_points(grade.pending)} pending)" if grade.pending > 0 else "")


def conflict_reason(decision: Decision, current: Current, grade: Grade) -> str:
    """Why a grade was not posted, and the fix."""
    if decision.why == "removed":
        return ("the grade the autograder posted was removed in the LMS since; nothing posted (pass --overwrite "
                "to post it again)")
    return (f"the LMS holds {current.text()}, which the autograder did not post (entered by a person?), and this "
            f"grade is {grade_text(grade)}; nothing posted (check it, then pass --overwrite to replace it)")
