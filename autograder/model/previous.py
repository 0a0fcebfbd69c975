"""An earlier run's results folder, read for a regrade (``autograde --previous OLD``): checked, never written.

:func:`read_previous` reads every ``OLD/<student>/<ps>/results.json`` through the results model (each file
bounded like any results folder's: :func:`autograder.model.results.read_result`) and refuses, with a
:class:`PreviousError` naming the folder and what was expected, an OLD that cannot be compared with this
course's grading:

* the same folder as the new run's, or one inside the other (a regrade writes only the new folder);
* no results in it;
* results of another course: a problem set this course does not have, a problem set none of whose graded
  cells this course's notebook has, or another ``course_id`` recorded (:mod:`autograder.model.graded_with`);
* results of another major version of the grader (its scores are not comparable by promise).

Results without a record of what they were graded with (a grader before regrades were recorded) are
compared all the same, their reasons limited to what the results say (:mod:`autograder.model.changes`).
Nothing here writes, moves or creates anything under OLD.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.model.files import StrPath
from autograder.model.graded_with import course_id, digest, grader_version, major
from autograder.model.notebook import load_source
from autograder.model.results import SubmissionResult, load_results, problem_sets, result_files

#: At most this many names are listed in one message.
MAX_NAMED = 6


class PreviousError(ValueError):
    """An earlier results folder that cannot be compared with this run (the message says why and what to do)."""


@dataclass
class Previous:
    """An earlier run's results, checked (see :func:`read_previous`)."""

    folder: Path
    results: list[SubmissionResult]
    #: ``<student>/<ps>`` of results.json files that are not a complete result (listed, not compared)
    incomplete: list[str] = field(default_factory=list)
    #: the grader versions and course ids its results recorded
    graders: list[str] = field(default_factory=list)
    course: str = ""

    @property
    def fingerprint(self) -> str:
        """A digest of what was compared: every result's folder, problem set, score and seal."""
        return digest(*(f"{r.path}\0{r.score!r}\0{r.graded_with.seal if r.graded_with else ''}" for r in self.results))


def _named(items: Iterable[str]) -> str:
    items = sorted(set(items))
    return ", ".join(items[:MAX_NAMED]) + (f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else "")


def course_cells(course_dir: StrPath) -> dict[str, set[str]]:
    """``{problem set: its graded cells' grade_ids}`` of the course folder's source notebooks (``source/<ps>/<ps>.ipynb``)."""
    source = Path(course_dir) / "source"
    out: dict[str, set[str]] = {}
    for folder in sorted(source.iterdir()) if source.is_dir() else []:
        notebook = folder / f"{folder.name}.ipynb"
        if notebook.is_file():
            try:
                out[folder.name] = {gid for gid, _ in load_source(notebook, folder.name).graded if gid}
            except ValueError:
                out[folder.name] = set()
    return out


def _separate(old: Path, new: Path) -> None:
    a, b = old.resolve(), new.resolve()
    if a == b or a in b.parents or b in a.parents:
        raise PreviousError(f"--previous {old} and --out {new} must be two separate folders (neither inside the "
                            "other): a regrade writes only the new folder and leaves the earlier one as it was")


def read_previous(folder: StrPath, new_dir: StrPath, course_dir: StrPath) -> Previous:
    """The earlier run's results in ``folder``, checked against the course folder ``course_dir`` and the new
    run's folder ``new_dir`` (see the module docstring).

    Raises
    ------
    PreviousError
        ``folder`` cannot be compared with this course's grading (the message says why).
    """
    old = Path(folder)
    if not old.is_dir():
        raise PreviousError(f"--previous {old}: not a folder (expected an earlier run's results folder, what "
                            "`autograde --out` wrote)")
    _separate(old, Path(new_dir))
    if not result_files(old):
        raise PreviousError(f"--previous {old}: no results in it (expected <student>/<ps>/results.json, what "
                            "`autograde --out` writes)")
    everything = load_results(old)
    results = [r for r in everything if r.complete]
    incomplete = [f"{r.path.parent.parent.name}/{r.assignment}" for r in everything if not r.complete and r.path]
    cells = course_cells(course_dir)
    foreign = [ps for ps in problem_sets(results) if ps not in cells]
    if foreign:
        raise PreviousError(f"--previous {old} holds problem sets this course does not have ({_named(foreign)}; "
                            f"the course has {_named(cells) or 'none'}): it is another course's results")
    for ps in problem_sets(results):
        graded = {t.name for r in results if r.assignment == ps for t in r.tests}
        if graded and cells[ps] and not graded & cells[ps]:
            raise PreviousError(f"--previous {old}: its {ps} has none of this course's graded cells ({_named(graded)}): "
                                "it is another course's results")
    here = course_id(course_dir)
    courses = {r.graded_with.course for r in results if r.graded_with is not None and r.graded_with.course}
    if here and courses - {here}:
        raise PreviousError(f"--previous {old} was graded for the course {_named(courses - {here})}, this is "
                            f"{here!r} (nbgrader_config.py's course_id): it is another course's results")
    graders = sorted({r.graded_with.grader for r in results if r.graded_with is not None and r.graded_with.grader})
    mine = grader_version()
    other = [v for v in graders if major(v) != major(mine)]
    if other:
        raise PreviousError(f"--previous {old} was graded by version {_named(other)} of the grader, this is {mine}: "
                            "results of another major version are not compared (grade again without --previous, "
                            "or compare with that version)")
    return Previous(old, results, incomplete, graders, here)


def relative(path: Path, start: StrPath) -> str:
    """``path`` relative to ``start`` when it can be, with ``/`` (for links and records)."""
    try:
        return os.path.relpath(path, start).replace(os.sep, "/")
    except ValueError:
        return str(path)
