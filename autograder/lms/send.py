"""One target's passback: students matched, each problem set planned against the LMS, posted, counted.

:func:`send` takes the grades (:mod:`autograder.lms.scores`), a target (:class:`~autograder.lms.ags.AgsTarget`,
:class:`~autograder.lms.canvas.CanvasTarget`, :class:`~autograder.lms.moodle.MoodleTarget`: each answers
``members()``, ``open(names, maximum)``, ``current(slot)``, ``post_many(slot, todo, progress)`` and
``fix(error)``) and the roster, and returns a :class:`Report` with one :class:`Item` per grade:

* ``posted`` (or, in a dry run, ``would post``): new, an update of the autograder's own grade, or an
  ``--overwrite`` of a person's;
* ``unchanged``: the LMS holds this grade already (nothing is sent: a second run posts nothing);
* ``skipped``: the student is matched to nobody, or the LMS holds a grade a person entered (:mod:`autograder.lms.plan`);
* ``failed``: the problem set could not be opened (no such assignment, a refused token) or the LMS refused
  this student's grade; the reason names the student, the problem set and the fix.

A failure is its own problem set's or student's: the others go on. Nothing here prints; every reason that
may quote an LMS passes through the run's redactor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from autograder.lms import roster as matching
from autograder.lms.config import PassbackConfig, ProblemSetNames
from autograder.lms.plan import CONFLICT, POST, UNCHANGED, Current, conflict_reason, decide
from autograder.lms.roster import Member, RosterMatch
from autograder.lms.scores import Grade, Progress
from autograder.lms.transport import HttpError, LmsError
from autograder.model.invariant import known
from autograder.model.results import ps_key
from autograder.model.roster import LmsStudent

POSTED, WOULD_POST, SKIPPED, FAILED = "posted", "would post", "skipped", "failed"


class Target(Protocol):
    """An LMS as :func:`send` uses it (:class:`~autograder.lms.ags.AgsTarget`,
    :class:`~autograder.lms.canvas.CanvasTarget`, :class:`~autograder.lms.moodle.MoodleTarget`). A problem set's
    slot is what ``open`` gives (a line item, an assignment) and the others take back."""

    name: str
    warnings: list[str]

    def members(self) -> list[Member] | None:
        """The course's students (None: this target lists none)."""

    def open(self, names: ProblemSetNames, maximum: float) -> Any:
        """A problem set's slot in the LMS, found (or created) and checked against ``maximum``."""

    def current(self, slot: Any) -> dict[str, Current]:
        """Each LMS id's current result in ``slot``."""

    def post_many(self, slot: Any, todo: list[tuple[str, Grade]], progress: Progress | None = None,
                  ) -> dict[str, LmsError | None]:
        """Each ``(LMS id, grade)`` posted: ``LMS id -> None`` (posted) or its error."""

    def fix(self, error: HttpError) -> str:
        """What to do about ``error``."""


@dataclass
class Item:
    """One grade's fate."""

    grade: Grade
    lms_id: str | None
    outcome: str               # POSTED, WOULD_POST, UNCHANGED, SKIPPED, FAILED
    why: str = ""              # new, update, overwrite, same, unmatched, conflict, or the failure's reason
    current: Current | None = None


@dataclass
class Report:
    target: str
    dry_run: bool
    items: list[Item] = field(default_factory=list)
    unmatched_students: list[tuple[str, str]] = field(default_factory=list)  # [(course id, why)]
    unmatched_members: list[tuple[str, str, str]] = field(default_factory=list)   # [(LMS id, name, why)]
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(item.outcome for item in self.items)

    @property
    def failed(self) -> bool:
        return any(item.outcome == FAILED for item in self.items)


def match(config: PassbackConfig, mapping: Mapping[str, LmsStudent] | None, target: Target,
          students: Collection[str]) -> tuple[RosterMatch, list[Member] | None]:
    """``(RosterMatch, members)``: the roster file or the LMS's member list, as the passback file says."""
    members = target.members()
    if config.roster.match:
        if members is None:
            raise LmsError(f"[roster] match: {target.name} gives no member list here")
        return matching.from_members(members, config.roster.match, students), members
    return matching.from_file(known(mapping, "a roster file's rows: read_config asks for [roster] file or match"),
                              students, members), members


def _reason(target: Target, error: LmsError, grade: Grade) -> str:
    text = str(error)
    if isinstance(error, HttpError):
        text += f"; {target.fix(error)}"
    return f"{grade.student}, {grade.ps}: {text}"


def send(target: Target, grades: list[Grade], config: PassbackConfig, mapping: Mapping[str, LmsStudent] | None = None,
         *, dry_run: bool = False, overwrite: bool = False, redact: Callable[[str], str] = str,
         progress: Progress | None = None) -> Report:
    """Post ``grades`` to ``target`` (see the module docstring). ``progress(grade)`` is called once per grade,
    when its fate is known (for a progress bar of ``len(grades)`` steps)."""
    progress = progress or (lambda grade: None)
    report = Report(target.name, dry_run)
    found, _ = match(config, mapping, target, {g.student for g in grades})
    report.unmatched_students, report.unmatched_members = found.students, found.members
    unmatched = dict(found.students)
    by_ps: dict[str, list[Grade]] = {}
    for grade in grades:
        by_ps.setdefault(grade.ps, []).append(grade)
    for ps in sorted(by_ps, key=ps_key):
        here = by_ps[ps]
        matched = [g for g in here if g.student in found.to_lms]
        for g in here:
            if g.student not in found.to_lms:
                report.items.append(Item(g, None, SKIPPED, "unmatched: " + unmatched[g.student]))
                progress(g)
        if not matched:
            continue
        try:
            slot = target.open(config.names(ps), max(g.maximum for g in matched))
            current = target.current(slot)
        except LmsError as exc:
            for g in matched:
                report.items.append(Item(g, found.to_lms[g.student], FAILED, redact(_reason(target, exc, g))))
                progress(g)
            continue
        todo: list[tuple[str, Grade]] = []
        items: dict[str, Item] = {}
        for g in matched:
            lms_id = found.to_lms[g.student]
            decision = decide(g, current.get(lms_id), overwrite)
            item = Item(g, lms_id, UNCHANGED, decision.why, current.get(lms_id))
            if decision.action == CONFLICT:
                item.outcome = SKIPPED
                held = known(item.current, "decide: a conflict is with a grade the LMS holds")
                item.why = redact(f"{g.student}, {g.ps}: {conflict_reason(decision, held, g)}")
            elif decision.action == POST:
                item.outcome = WOULD_POST if dry_run else POSTED
                todo.append((lms_id, g))
                items[lms_id] = item
            report.items.append(item)
            if item.outcome != POSTED:
                progress(g)
        if dry_run or not todo:
            continue
        answered = target.post_many(slot, todo, progress)
        for lms_id, item in items.items():
            error = answered.get(lms_id, LmsError("the LMS's answer for this student was not received"))
            if error is not None:
                item.outcome, item.why = FAILED, redact(_reason(target, error, item.grade))
    report.warnings = [redact(w) for w in target.warnings]
    return report
