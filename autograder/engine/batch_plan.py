"""A batch's plan: which submissions it grades, where each one's results go, and when each was handed in.

* which: :func:`plan_batch` – the submissions folder scanned (:func:`autograder.model.submissions.scan`: no
  symlink followed, everything not graded listed with a reason), this shard's students (:func:`split_shards`,
  ``--shard i/n``: :func:`parse_shard`), and those whose results an earlier run leaves standing (a rerun keeps
  them, except those whose grading failed);
* where: :func:`submission_results_path`, ``results/<student>/<ps>/results.json``;
* when: :func:`submission_time` – the platform's record read by the caller, else nbgrader's ``timestamp.txt``
  beside the notebook; a kept result's time is read again (:func:`refresh_times`).

:mod:`autograder.engine.batch` grades what this plans.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple, Protocol

from autograder.model import course
from autograder.model import results as results_model
from autograder.model.files import StrPath
from autograder.model.ids import raw_bytes
from autograder.model.submission_time import SubmissionTime, from_timestamp_file
from autograder.model.submissions import NotGraded, Submission, scan

__all__ = ["Plan", "SubmissionTimes", "collect_submissions", "known_assignments", "parse_shard", "plan_batch",
           "refresh_times", "split_shards", "submission_results_path", "submission_time"]


class SubmissionTimes(Protocol):
    """Where each submission's time is read, one submission at a time: nbgrader's exchange
    (:class:`autograder.model.submission_time.Exchange`)."""

    def for_submission(self, sub: Submission) -> SubmissionTime: ...


def split_shards(notebooks: Mapping[str, int], n: int) -> dict[str, int]:
    """``{student: shard}``: the students split into ``n`` shards (numbered 1 to ``n``), balanced and
    deterministic.

    ``notebooks`` maps each student id to the number of notebooks they handed in. The students are dealt
    out most notebooks first, ties in the order of a SHA-256 of the id's bytes (as the file system has
    them, so a name that is not UTF-8 works too), each to the shard with the fewest notebooks so far, then
    the fewest students, then the lowest number. So shards differ by at most one student when every student
    handed in as many notebooks (4 students in 3 shards: 2, 1, 1), and in work by at most one student's
    notebooks otherwise; with more shards than students some shards are empty. The split depends on the
    students alone (not on the order they are listed in), the same on every machine and every run, but on
    all of them: every shard must be given the same submissions folder and filters, as the CI templates do.
    """
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"split_shards: n must be an integer >= 1, not {n!r}")

    def order(student: str) -> tuple[int, bytes, str]:
        return -notebooks[student], hashlib.sha256(raw_bytes(student)).digest(), student

    load = {i: (0, 0) for i in range(1, n + 1)}  # shard -> (notebooks, students)
    owner = {}
    for student in sorted(notebooks, key=order):
        i = min(load, key=lambda k: (*load[k], k))
        owner[student] = i
        load[i] = (load[i][0] + notebooks[student], load[i][1] + 1)
    return owner


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(2, 4)``."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard wants i/n, e.g. 1/4, not {text!r}") from None
    if not (n >= 1 and 1 <= i <= n):
        raise ValueError(f"--shard {text}: need 1 <= i <= n")
    return i, n


def known_assignments(course_dir: StrPath) -> set[str]:
    """The course's problem sets, and any other ``source/<ps>/<ps>.ipynb`` of ``course_dir``."""
    known = set(course.PROBLEM_SETS)
    source = Path(course_dir) / "source"
    if source.is_dir():
        known.update(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())
    return known


def collect_submissions(submitted_dir: StrPath, assignments: Iterable[str] | None = None,
                        students: Iterable[str] | None = None, course_dir: StrPath | None = None,
                        ignored: list[NotGraded] | None = None) -> list[Submission]:
    """The submissions of ``submitted_dir`` (see :func:`autograder.model.submissions.scan`).

    ``ignored``, a list, gets a :class:`~autograder.model.submissions.NotGraded`
    for everything that will not be graded. Raises ``LayoutError``.
    """
    plan = scan(submitted_dir, known_assignments(course_dir or course.ROOT), assignments, students)
    if ignored is not None:
        ignored.extend(plan.not_graded)
    return plan.submissions


class Plan(NamedTuple):
    """A batch's submissions: :func:`plan_batch`'s answer."""

    #: this shard's submissions to grade now
    todo: list[Submission]
    #: this shard's submissions whose results an earlier run leaves standing
    kept: list[Submission]
    #: ``[{"path", "reason", "suggestion"}]``: what under submitted/ is not graded (summary.json's ``not_graded``)
    not_graded: list[dict[str, str]]


def plan_batch(submitted_dir: Path, results_dir: Path, course_dir: Path, assignments: Iterable[str] | None,
               students: Iterable[str] | None, shard: tuple[int, int] | None, force: bool) -> Plan:
    """To grade and kept from an earlier run, of this shard; and what is not graded.

    Without ``force``, a submission is kept when its results.json is
    :attr:`~autograder.model.results.SubmissionResult.complete` and the grader did not fail on it.
    """
    plan = scan(submitted_dir, known_assignments(course_dir), assignments, students)
    subs = plan.submissions
    if shard:
        owner = split_shards(Counter(s.raw_student or s.student for s in subs), shard[1])
        subs = [s for s in subs if owner[s.raw_student or s.student] == shard[0]]
    todo: list[Submission] = []
    kept: list[Submission] = []
    for sub in subs:
        old = None if force else results_model.read_result(submission_results_path(results_dir, sub))
        (kept if old is not None and old.complete and not old.grading_error else todo).append(sub)
    return Plan(todo, kept, [n.to_dict() for n in plan.not_graded])


def submission_time(sub: Submission, given: SubmissionTime | SubmissionTimes | None = None,
                    previous: SubmissionTime | None = None) -> SubmissionTime:
    """When ``sub`` was handed in: ``given`` (the platform's record, read by the caller; or a source with
    ``for_submission(sub)``, such as nbgrader's exchange), else nbgrader's ``timestamp.txt`` in its folder
    (missing or unreadable said so, never taken as on time). ``previous``: the time recorded when the
    student's previous submission was graded (a claim earlier than it is flagged)."""
    if given is not None:
        return given.for_submission(sub) if hasattr(given, "for_submission") else given
    if sub.directory is None:
        return SubmissionTime(None, "timestamp.txt", "missing", "the submission's folder is unknown", False)
    found = from_timestamp_file(sub.directory)
    if previous is not None and previous.known and found.known and previous.at != found.at:
        found = dataclasses.replace(found, previous=previous.at)
    return found


def refresh_times(kept: Iterable[Submission], results_dir: Path,
                   given: SubmissionTime | SubmissionTimes | None) -> None:
    """Read the submission time of each result kept from an earlier run again; rewrite the ones that changed."""
    for sub in kept:
        path = submission_results_path(results_dir, sub)
        old = results_model.read_result(path)
        new = submission_time(sub, given)
        if old.complete and old.submitted != new:
            old.submitted = new
            results_model.write_results(path, old)


def submission_results_path(results_dir: StrPath, sub: Submission) -> Path:
    """Where ``sub``'s results.json goes (its student folder from :mod:`autograder.model.ids`)."""
    return results_model.results_path(results_dir, sub.results_folder, sub.assignment)
