"""One target's passback: students matched, each problem set planned against the LMS, then posted, counted.

Two steps, so that what a run would change is known before anything is sent, and a dry run is the first alone:

* :func:`plan` only reads: the roster matched, each problem set's slot in the LMS found (a line item that is
  not there yet is to be created), its current results read and every grade decided (:mod:`autograder.lms.plan`);
* :func:`execute` sends the plan: a slot created where needed, then each problem set's grades posted.

:func:`send` does both (the first alone with ``dry_run``). It takes the grades (:mod:`autograder.lms.scores`: a
caller that posts only some grades filters this list first), a target (:class:`~autograder.lms.ags.AgsTarget`,
:class:`~autograder.lms.canvas.CanvasTarget`, :class:`~autograder.lms.moodle.MoodleTarget`: each answers
``members()``, ``open(names, maximum)``, ``create(names, maximum)``, ``current(slot)``,
``post_many(slot, todo, progress)`` and ``fix(error)``) and the roster, and returns a :class:`Report` with one
:class:`Item` per grade:

* ``posted`` (or, in a dry run, ``would post``): new, an update of the autograder's own grade, or an
  ``--overwrite`` of a person's;
* ``unchanged``: the LMS holds this grade already (nothing is sent: a second run posts nothing);
* ``skipped``: the student is matched to nobody, or the LMS holds a grade a person entered (:mod:`autograder.lms.plan`);
* ``failed``: the problem set could not be opened or read (no such assignment, a refused token, an answer
  that cannot be read) or the LMS refused this student's grade; the reason names the student, the problem set
  and the fix;
* ``not sent``: the run stopped before it (:class:`~autograder.lms.transport.StopRun`: no access token, the
  run's time for waiting spent); :attr:`Report.stopped` says why.

A failure is its own problem set's or student's: the others go on. A stop ends the run, and the report still
names every grade posted before it. Nothing here prints; every reason that may quote an LMS passes through the
run's redactor.
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
from autograder.lms.transport import HttpError, Interrupted, LmsError, StopRun
from autograder.model.invariant import known
from autograder.model.results import ps_key
from autograder.model.roster import LmsStudent

POSTED, WOULD_POST, SKIPPED, FAILED, NOT_SENT = "posted", "would post", "skipped", "failed", "not sent"


class Target(Protocol):
    """An LMS as :func:`send` uses it (:class:`~autograder.lms.ags.AgsTarget`,
    :class:`~autograder.lms.canvas.CanvasTarget`, :class:`~autograder.lms.moodle.MoodleTarget`). A problem set's
    slot is what ``open`` gives (a line item, an assignment) and the others take back."""

    name: str
    warnings: list[str]

    def members(self) -> list[Member] | None:
        """The course's students (None: this target lists none)."""

    def open(self, names: ProblemSetNames, maximum: float) -> Any:
        """A problem set's slot in the LMS, found and checked against ``maximum``; None when there is none yet
        and the target may create it (nothing is sent to create it here)."""

    def create(self, names: ProblemSetNames, maximum: float) -> Any:
        """The slot ``open`` found missing, created."""

    def current(self, slot: Any) -> dict[str, Current]:
        """Each LMS id's current result in ``slot`` (an answer that cannot be read raises :class:`LmsError`)."""

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
    outcome: str               # POSTED, WOULD_POST, UNCHANGED, SKIPPED, FAILED, NOT_SENT
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
    notes: list[str] = field(default_factory=list)   # what the run did besides grades (a line item created)
    stopped: str = ""                                # why the run stopped before its end ("": it did not)

    def counts(self) -> Counter[str]:
        return Counter(item.outcome for item in self.items)

    @property
    def failed(self) -> bool:
        return bool(self.stopped) or any(item.outcome in (FAILED, NOT_SENT) for item in self.items)


@dataclass
class ProblemSetPlan:
    """What a run changes in one problem set: its slot (None: to be created first) and the items to post."""

    names: ProblemSetNames
    maximum: float
    slot: Any
    todo: list[Item] = field(default_factory=list)


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


class _Run:
    """One run's report, its progress (called once per grade) and what a stop does to the grades not sent yet."""

    def __init__(self, target: Target, report: Report, redact: Callable[[str], str], progress: Progress) -> None:
        self.target, self.report, self.redact, self._progress = target, report, redact, progress
        self._told: set[int] = set()

    def progress(self, grade: Grade) -> None:
        if id(grade) not in self._told:
            self._told.add(id(grade))
            self._progress(grade)

    def add(self, item: Item) -> None:
        self.report.items.append(item)
        self.progress(item.grade)

    def settle(self, item: Item, error: LmsError | None) -> None:
        """``item`` posted (``error`` None) or failed."""
        if error is not None:
            item.outcome, item.why = FAILED, self.redact(_reason(self.target, error, item.grade))
        self.progress(item.grade)

    def stop(self, cause: StopRun, pending: list[Item]) -> None:
        """The run stops (``cause``): every item of ``pending`` is not sent."""
        self.report.stopped = self.redact(str(cause))
        for item in pending:
            item.outcome, item.why = NOT_SENT, self.redact(f"{item.grade.student}, {item.grade.ps}: not sent (the run "
                                                           "stopped)")
            self.progress(item.grade)


def plan(target: Target, grades: list[Grade], config: PassbackConfig,
         mapping: Mapping[str, LmsStudent] | None = None, *, overwrite: bool = False, dry_run: bool = False,
         redact: Callable[[str], str] = str, progress: Progress | None = None,
         ) -> tuple[Report, list[ProblemSetPlan]]:
    """The report of what would change, and each problem set's plan: read only, nothing is sent that changes the
    LMS. ``progress(grade)`` is called once per grade whose fate is known here (all but those to post)."""
    run = _Run(target, Report(target.name, dry_run), redact, progress or (lambda grade: None))
    report = run.report
    try:
        found, _ = match(config, mapping, target, {g.student for g in grades})
    except (LmsError, StopRun) as exc:
        cause = exc if isinstance(exc, StopRun) else StopRun(_reason_alone(target, exc))
        items = [Item(g, None, NOT_SENT) for g in grades]
        report.items += items
        run.stop(cause, items)
        return report, []
    report.unmatched_students, report.unmatched_members = found.students, found.members
    unmatched = dict(found.students)
    by_ps: dict[str, list[Grade]] = {}
    for grade in grades:
        by_ps.setdefault(grade.ps, []).append(grade)
    plans: list[ProblemSetPlan] = []
    order = sorted(by_ps, key=ps_key)
    for n, ps in enumerate(order):
        here = by_ps[ps]
        matched = [g for g in here if g.student in found.to_lms]
        for g in here:
            if g.student not in found.to_lms:
                run.add(Item(g, None, SKIPPED, "unmatched: " + unmatched[g.student]))
        if not matched:
            continue
        names, maximum = config.names(ps), max(g.maximum for g in matched)
        try:
            slot = target.open(names, maximum)
            current = target.current(slot) if slot is not None else {}
        except LmsError as exc:
            for g in matched:
                item = Item(g, found.to_lms[g.student], FAILED)
                report.items.append(item)
                run.settle(item, exc)
            continue
        except StopRun as exc:
            rest = [Item(g, found.to_lms.get(g.student), NOT_SENT) for p in order[n:] for g in by_ps[p]
                    if g.student in found.to_lms]
            report.items += rest
            run.stop(exc, rest)
            return report, []
        todo: list[Item] = []
        for g in matched:
            lms_id = found.to_lms[g.student]
            decision = decide(g, current.get(lms_id), overwrite)
            item = Item(g, lms_id, UNCHANGED, decision.why, current.get(lms_id))
            report.items.append(item)
            if decision.action == CONFLICT:
                item.outcome = SKIPPED
                held = known(item.current, "decide: a conflict is with a grade the LMS holds")
                item.why = redact(f"{g.student}, {g.ps}: {conflict_reason(decision, held, g)}")
            elif decision.action == POST:
                item.outcome = WOULD_POST if dry_run else POSTED
                todo.append(item)
                if dry_run:
                    run.progress(g)
                continue
            run.progress(g)
        if slot is None and todo:
            report.notes.append(f"{'would create' if dry_run else 'created'} the line item {names.label!r} for {ps} "
                                f"(out of {maximum:g})")
        if todo:
            plans.append(ProblemSetPlan(names, maximum, slot, todo))
    report.warnings = [redact(w) for w in target.warnings]
    return report, plans


def _reason_alone(target: Target, error: LmsError) -> str:
    return str(error) + (f"; {target.fix(error)}" if isinstance(error, HttpError) else "")


def execute(target: Target, report: Report, plans: list[ProblemSetPlan], *, redact: Callable[[str], str] = str,
            progress: Progress | None = None) -> Report:
    """Send ``plans`` (from :func:`plan`): each problem set's slot created where needed, then its grades posted.
    ``report`` is updated in place (and returned): a grade that failed says why; a stop leaves every grade after
    it ``not sent`` and :attr:`Report.stopped` set."""
    run = _Run(target, report, redact, progress or (lambda grade: None))
    for n, p in enumerate(plans):
        later = [item for q in plans[n + 1:] for item in q.todo]
        by_id = {known(i.lms_id, "planned: matched"): i for i in p.todo}
        try:
            slot = p.slot if p.slot is not None else target.create(p.names, p.maximum)
            answered = target.post_many(slot, [(lms_id, i.grade) for lms_id, i in by_id.items()], run.progress)
        except Interrupted as stopped:
            for lms_id, error in stopped.done.items():
                run.settle(by_id[lms_id], error)
            rest = [i for lms_id, i in by_id.items() if lms_id not in stopped.done]
            if stopped.unknown:
                for item in rest:
                    run.settle(item, LmsError(f"{stopped.unknown}: look at the grades in {target.name}, then run "
                                              "passback again (a grade that landed is recognised, not posted twice)"))
                rest = []
            elif rest:
                run.settle(rest[0], LmsError(f"not posted: {stopped.cause}"))
                rest = rest[1:]
            run.stop(stopped.cause, rest + later)
            return report
        except StopRun as exc:
            run.stop(exc, p.todo + later)
            return report
        except LmsError as exc:  # the slot could not be created: its grades fail, the others go on
            for item in p.todo:
                run.settle(item, exc)
            continue
        for lms_id, item in by_id.items():
            run.settle(item, answered.get(lms_id, LmsError("the LMS's answer for this student was not received")))
    report.warnings = [redact(w) for w in target.warnings]
    return report


def send(target: Target, grades: list[Grade], config: PassbackConfig, mapping: Mapping[str, LmsStudent] | None = None,
         *, dry_run: bool = False, overwrite: bool = False, redact: Callable[[str], str] = str,
         progress: Progress | None = None) -> Report:
    """Post ``grades`` to ``target`` (see the module docstring): :func:`plan`, then, unless ``dry_run``,
    :func:`execute`. ``progress(grade)`` is called once per grade, when its fate is known (for a progress bar of
    ``len(grades)`` steps)."""
    report, plans = plan(target, grades, config, mapping, overwrite=overwrite, dry_run=dry_run, redact=redact,
                         progress=progress)
    if dry_run or report.stopped:
        return report
    return execute(target, report, plans, redact=redact, progress=progress)
