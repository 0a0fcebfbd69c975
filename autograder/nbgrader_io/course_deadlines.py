"""A course's deadlines, read where the instructor keeps them.

* **An nbgrader course** – due dates in the gradebook (``nbgrader db assignment add ps1
  --duedate=…``), extensions on its submissions (nbgrader's ``SubmittedAssignment.extension``,
  set with ``python -m autograder extension``), and the policy in ``nbgrader_config.py``
  (``c.LateSubmissionPlugin.penalty_method``, or ``c.AssignLatePenalties.plugin_class``), applied
  through nbgrader's own ``AssignLatePenalties`` and plugin (:class:`NbgraderPolicy`), so both
  graders give the same penalty;
* **an nbgrader course graded where its gradebook is not** (CI: ``gradebook.db`` is git-ignored) – the due
  dates and extensions every command that reads the gradebook exports into the tracked file
  ``nbgrader-deadlines.toml`` (:func:`~autograder.model.deadlines.format_gradebook_export`), with the
  policy of ``nbgrader_config.py`` as above, so CI's penalties are the gradebook's. Where both are present
  the gradebook is the truth and the file is written again when it differs (a line says so: commit it); a
  gradebook with no due dates beside a file with some is refused (which one is right would be a guess);
* **otherwise** – the course file ``deadlines.toml`` (:mod:`autograder.model.deadlines`);
* **Gradescope** – the due date of the submission's metadata (the student's own, extensions
  included) with the policy of the course folder the autograder was built from.

Both a gradebook with due dates and a ``deadlines.toml`` is an error (which one counts would be
a guess). Neither: no deadlines (no late record, the raw scores). How a time only the student vouches for
is read (``claimed_times``) is ``deadlines.toml``'s field, or in an nbgrader course
``c.Deadlines.claimed_times`` in ``nbgrader_config.py`` (nbgrader itself ignores the section).
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from autograder.model.course import PROBLEM_SETS, ROOT
from autograder.model.deadlines import (
    DEADLINES_FILE,
    GRADEBOOK_EXPORT,
    Deadlines,
    DeadlinesError,
    format_gradebook_export,
    read_deadlines_file,
)
from autograder.model.files import StrPath, hand_over, write_atomic
from autograder.model.invariant import known
from autograder.model.late_policy import LatePolicy, Policy, bounded
from autograder.model.submission_time import CLAIMED_TIMES, STRICTER, as_utc, parse_utc
from autograder.nbgrader_io.gradebook import CONFIG_FILE, course_directory, ensure_tools_on_path

if TYPE_CHECKING:
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.plugins import LateSubmissionPlugin
    from traitlets.config import Config

#: nbgrader's log lines about penalties ("Late submission penalty: …") are not ours to print.
_QUIET = logging.getLogger("autograder.late")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


class _Notebook:
    """What nbgrader's ``_check_late_penalty`` reads of a submitted notebook: its score."""

    def __init__(self, score: float) -> None:
        self.score = score


class NbgraderPolicy:
    """The late policy of an nbgrader course's configuration, applied as ``nbgrader autograde`` applies it.

    nbgrader's ``AssignLatePenalties`` preprocessor, configured by ``nbgrader_config.py``, makes the
    plugin (``LateSubmissionPlugin`` with its ``penalty_method``, or the ``plugin_class`` set); the
    penalty is the plugin's ``late_submission_penalty(student, score, seconds_late)``, then nbgrader's
    ``_check_late_penalty`` bound. :class:`~autograder.nbgrader_io.nbgrader_late.LatePenaltyPlugin` is asked
    through its policy, with the problem set's points (nbgrader reads them from its gradebook).
    """

    def __init__(self, config: Config) -> None:
        from nbgrader.preprocessors import AssignLatePenalties  # (1.4 s to import: only for an nbgrader course)

        self._preprocessor = AssignLatePenalties(config=config, log=_QUIET)
        try:
            self._preprocessor.init_plugin()
        except Exception as exc:  # noqa: BLE001 — the instructor's plugin class: say which, and why
            raise DeadlinesError(f"{CONFIG_FILE}: the late-submission plugin cannot be made "
                                 f"({type(exc).__name__}: {exc})") from None
        self.plugin = self._preprocessor.plugin_inst
        self._own = _own_policy(self.plugin)
        self.grace_s = self._own.grace_s if self._own is not None else 0.0

    def penalty(self, student: str, assignment: str, score: float, max_score: float,
                seconds_late: float) -> float | None:
        if self._own is not None:
            penalty = self._own.penalty(student, assignment, score, max_score, seconds_late)
        else:
            penalty = self.plugin.late_submission_penalty(student, score, seconds_late)
        if penalty is None:
            return None
        checked = self._preprocessor._check_late_penalty(_Notebook(score), penalty)
        return bounded(checked, score)

    def describe(self) -> str:
        cls = type(self.plugin)
        if self._own is not None:
            return self._own.describe()
        if cls.__module__ == "nbgrader.plugins.latesubmission" and cls.__name__ == "LateSubmissionPlugin":
            method = self.plugin.penalty_method
            return ("a late submission scores 0" if method == "zero" else "no late penalty") + \
                f": nbgrader's penalty_method {method!r}"
        doc = (cls.__doc__ or "").strip().splitlines()
        return f"{cls.__name__}" + (f": {doc[0].strip().rstrip('.')}" if doc else "") + " (nbgrader plugin)"


def _own_policy(plugin: LateSubmissionPlugin) -> LatePolicy | None:
    from autograder.nbgrader_io.nbgrader_late import (
        LatePenaltyPlugin,  # imports nbgrader (1.4 s): when a course uses it
    )

    return plugin.policy if isinstance(plugin, LatePenaltyPlugin) else None


def _gradebook_path(coursedir: CourseDirectory) -> Path | None:
    url = coursedir.db_url
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def _gradebook_dates(
        coursedir: CourseDirectory) -> tuple[dict[str, datetime], dict[tuple[str, str | None], timedelta]]:
    """``(due, extensions)`` of the course's gradebook (read only; nothing when there is no gradebook)."""
    from nbgrader.api import Gradebook  # (1.4 s to import: only for a course with a gradebook)

    path = _gradebook_path(coursedir)
    if path is not None and not path.is_file():
        return {}, {}
    ensure_tools_on_path()
    due, extensions = {}, {}
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for assignment in gb.assignments:
            if assignment.duedate is None:
                continue
            due[assignment.name] = as_utc(assignment.duedate)
            for sub in assignment.submissions:
                if sub.extension is not None and sub.extension > timedelta(0):
                    extensions[(sub.student.id, assignment.name)] = sub.extension
    return due, extensions


def _may_have_gradebook(folder: Path) -> bool:
    """A gradebook.db in the folder, or a configuration that puts it elsewhere (``db_url``): only then is
    nbgrader imported (about 1.4 s) to read it."""
    config = folder / CONFIG_FILE
    try:
        elsewhere = config.is_file() and "db_url" in config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        elsewhere = False
    return (folder / "gradebook.db").is_file() or elsewhere


def known_problem_sets(folder: StrPath) -> set[str]:
    """The course's problem sets and any ``source/<ps>/<ps>.ipynb`` of ``folder``."""
    known = set(PROBLEM_SETS)
    source = Path(folder) / "source"
    if source.is_dir():
        known.update(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())
    return known


def load(folder: StrPath) -> Deadlines | None:
    """The deadlines of the course folder ``folder`` (see the module docstring); None when it sets none.

    Raises
    ------
    DeadlinesError
        ``deadlines.toml`` is wrong (the message names the field), the gradebook has due dates and
        ``deadlines.toml`` exists too, the gradebook has none and ``nbgrader-deadlines.toml`` has some, or the
        configured nbgrader plugin cannot be made.
    """
    folder = Path(folder).resolve()
    file, export = folder / DEADLINES_FILE, folder / GRADEBOOK_EXPORT
    coursedir = course_directory(folder) if _may_have_gradebook(folder) else None
    due, extensions = _gradebook_dates(coursedir) if coursedir is not None else ({}, {})
    if due and file.exists():
        raise DeadlinesError(f"{file} and due dates in the nbgrader gradebook ({', '.join(sorted(due))}): keep "
                             "one. An nbgrader course keeps due dates in its gradebook and the policy in "
                             f"{CONFIG_FILE}; remove {DEADLINES_FILE}, or remove the gradebook's due dates.")
    if file.exists():
        return read_deadlines_file(file, known_problem_sets(folder))
    if due and coursedir is not None:  # (due dates come from a gradebook only)
        _export(export, due, extensions)
        return Deadlines(due=due, extensions=extensions, policy=NbgraderPolicy(coursedir.config),
                         source=f"nbgrader gradebook.db and {CONFIG_FILE}", zone=exchange_zone(coursedir.config),
                         claimed_times=claimed_times(coursedir.config))
    if export.exists():
        exported = read_deadlines_file(export, known_problem_sets(folder))
        if coursedir is not None and (gradebook := _gradebook_path(coursedir)) is not None \
                and gradebook.is_file() and exported.due:
            raise DeadlinesError(f"{export} holds due dates ({', '.join(sorted(exported.due))}) and the nbgrader "
                                 "gradebook beside it none: set them again in the gradebook (nbgrader db assignment "
                                 f"add … --duedate=…), or delete {GRADEBOOK_EXPORT} if the course has no due dates")
        config = course_directory(folder).config
        return Deadlines(due=exported.due, extensions=exported.extensions, policy=NbgraderPolicy(config),
                         source=f"{GRADEBOOK_EXPORT} (the gradebook's, exported) and {CONFIG_FILE}",
                         zone=exchange_zone(config), claimed_times=claimed_times(config))
    return None


def _export(path: Path, due: dict[str, datetime], extensions: dict[tuple[str, str | None], timedelta]) -> None:
    """Write the gradebook's due dates and extensions into ``path`` when it does not hold them yet."""
    # (a gradebook's extension is for one problem set: no None; format_gradebook_export's type says so)
    text = format_gradebook_export(due, cast(dict[tuple[str, str], timedelta], extensions))
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    write_atomic(path, text)
    hand_over(path)  # (under sudo: the instructor's file, as everything the grader writes)
    print(f"Wrote {path}: the gradebook's due dates and extensions, for grading in CI (where there is no "
          "gradebook): commit it.", file=sys.stderr)


def exchange_zone(config: Config) -> str:
    """``c.Exchange.timezone`` of an nbgrader configuration: the zone ``nbgrader submit`` writes its times in
    (``UTC``, nbgrader's default, when it is not set)."""
    try:
        zone = config.Exchange.timezone
    except AttributeError:
        return ""
    return zone.strip() if isinstance(zone, str) else ""


def claimed_times(config: Config) -> str:
    """``c.Deadlines.claimed_times`` of an nbgrader configuration: ``"stricter"`` (the default) or ``"accept"``.

    Raises
    ------
    DeadlinesError
        Another value (the message names the setting)."""
    value = config.Deadlines.get("claimed_times", STRICTER) if "Deadlines" in config else STRICTER
    if value not in CLAIMED_TIMES:
        raise DeadlinesError(f"{CONFIG_FILE}: c.Deadlines.claimed_times: expected \"stricter\" (a time only the "
                             "student vouches for counts as when it reached the grader) or \"accept\" (it counts as "
                             f"it says), not {value!r}")
    return str(value)


def policy_of(folder: StrPath) -> tuple[Policy, str]:
    """The late policy of the course folder (``deadlines.toml``'s, else ``nbgrader_config.py``'s) and where
    it was read: for Gradescope, whose metadata gives the due dates."""
    folder = Path(folder).resolve()
    file = folder / DEADLINES_FILE
    if file.exists():
        return read_deadlines_file(file, known_problem_sets(folder)).policy, DEADLINES_FILE
    if (folder / CONFIG_FILE).exists():
        return NbgraderPolicy(course_directory(folder).config), CONFIG_FILE
    return LatePolicy(), ""


def _gradescope_time(value: object, where: str) -> datetime | None:
    try:
        return parse_utc(str(value)) if value not in (None, "") else None
    except ValueError:
        raise DeadlinesError(f"submission_metadata.json: {where} is not a time ({str(value)[:60]!r})") from None


def gradescope_deadlines(metadata: dict[str, Any], assignment: str, student: str,
                         folder: StrPath) -> Deadlines | None:
    """The deadline of one Gradescope submission: the latest of its submitters' own due dates
    (``users[i].assignment.due_date``, which hold the extensions Gradescope granted), else the assignment's
    (``assignment.due_date``); the policy of the course folder. None when Gradescope gives no due date.

    A group's deadline is one rule, whatever the order Gradescope lists its members in: an extension any
    member holds covers the group's submission (Gradescope let the group submit until then). The
    release date (``assignment.release_date``) is kept too.
    """
    general = metadata.get("assignment")
    general = general if isinstance(general, dict) else {}
    users = metadata.get("users")
    users = users if isinstance(users, list) else []
    due = _gradescope_time(general.get("due_date"), "assignment.due_date")
    own = [_gradescope_time(u["assignment"].get("due_date"), f"users[{i}].assignment.due_date")
           for i, u in enumerate(users) if isinstance(u, dict) and isinstance(u.get("assignment"), dict)]
    own = [d for d in own if d is not None]
    latest = max(cast(list[datetime], own)) if own else None  # (the Nones left out above)
    if due is None and latest is None:
        return None
    extensions: dict[tuple[str, str | None], timedelta] = {}
    if due is not None and latest is not None and latest > due:
        extensions[(student, assignment)] = latest - due
    released = _gradescope_time(general.get("release_date"), "assignment.release_date")
    policy, where = policy_of(folder)
    deadline = known(due or latest, "neither None: returned above")
    return Deadlines(due={assignment: deadline}, extensions=extensions, policy=policy,
                     source="Gradescope's due date" + (" (the latest of the group's)" if len(own) > 1 else "")
                     + (f" and the policy of {where}" if where else ""),
                     released={assignment: released} if released is not None else {})


def course_folder(gradebook: StrPath | None = None, course: StrPath | None = None) -> Path:
    """Where a command reads the deadlines: the ``--gradebook`` course folder when given, else ``--course``,
    else this repository (the course folder of ``autograde``'s default)."""
    return Path(gradebook if gradebook is not None else course if course is not None else ROOT)
