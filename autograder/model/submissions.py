"""Find the submissions in ``submitted/``, and account for everything else found there.

nbgrader's layout is ``submitted/<student>/<problem set>/<notebook>.ipynb``.
:func:`scan` walks it **without following a symbolic link** (a student could
link to the instructor's source notebook or to a classmate's folder) and
returns a :class:`Plan`: the submissions to grade, and every notebook or
folder it will not grade with the reason and, when one is likely, what the
instructor should do (wrong depth → the path it should have; a name in the
wrong case or misspelt → "did you mean"; an unknown problem set; a file that
is not a notebook).

Errors of the instructor (no such folder, an empty one, an unknown
``--assignment``, filters that match nothing) raise :class:`LayoutError`
with the expected layout, before anything is graded.

Hidden entries (``.git``, ``.ipynb_checkpoints`` …) are skipped silently.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.model.files import StrPath
from autograder.model.ids import StudentId, display

#: What a submissions folder must look like (printed with every layout error).
LAYOUT = ("expected layout: SUBMITTED_DIR/<student>/<problem set>/<problem set>.ipynb, "
          "e.g. submitted/ada/ps1_softmax/ps1_softmax.ipynb (what `nbgrader collect` makes)")

#: At most this many entries of one folder are looked at (a folder of a million files is not a course).
MAX_ENTRIES = 10_000


class LayoutError(ValueError):
    """The submissions folder or the filters cannot be graded at all (the instructor's error)."""


@dataclass(frozen=True)
class Submission:
    """One ``<student>/<problem set>/`` folder to grade.

    ``student`` is the display id (:mod:`autograder.model.ids`), ``folder`` the
    name of its results folder, ``path`` the notebook (None when there is none
    to grade; ``problem`` then says why, for the student's results.json).
    """

    student: str
    assignment: str
    path: Path | None
    folder: str = ""
    raw_student: str = ""
    problem: str = ""
    #: Said in the results' notes when the notebook was graded anyway (a lone notebook under another name).
    note: str = ""
    #: The problem-set folder (where nbgrader's timestamp.txt is), None when unknown.
    directory: Path | None = None

    @property
    def results_folder(self) -> str:
        return self.folder or self.student


@dataclass(frozen=True)
class NotGraded:
    """Something under ``submitted/`` that is not graded: where, why, and what to do."""

    path: str
    reason: str
    suggestion: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason, "suggestion": self.suggestion}

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" + (f" — {self.suggestion}" if self.suggestion else "")


@dataclass
class Plan:
    """What :func:`scan` found: submissions to grade and what it will not grade."""

    submissions: list[Submission] = field(default_factory=list)
    not_graded: list[NotGraded] = field(default_factory=list)


def _entries(folder: StrPath) -> list[os.DirEntry[str]]:
    """``os.DirEntry`` of ``folder``, sorted by name, hidden ones left out, at most :data:`MAX_ENTRIES`."""
    out: list[os.DirEntry[str]] = []
    with os.scandir(folder) as it:
        for entry in it:
            if not entry.name.startswith("."):
                out.append(entry)
                if len(out) >= MAX_ENTRIES:
                    break
    return sorted(out, key=lambda e: e.name)


def _kind(entry: os.DirEntry[str]) -> str:
    """``"link"``, ``"dir"``, ``"file"`` or ``"other"``, never following a link."""
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError:
        return "other"
    if stat.S_ISLNK(mode):
        return "link"
    return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"did you mean ps1_softmax?"`` for a name that differs in case or by a typo, else ``""``."""
    names = sorted(known)
    lower = {k.lower(): k for k in names}
    match = lower.get(name.lower()) or next(iter(difflib.get_close_matches(name, names, n=1, cutoff=0.75)), None)
    if match is None:
        match = next(iter(difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.75)), None)
        match = lower.get(match) if match else None
    return f"did you mean {match}?" if match else ""


def unknown_name(name: str, known: Sequence[str], what: str) -> str:
    """``"'ps9' is not a problem set of this course (known: …); did you mean ps1_softmax?"``, ``what`` being
    ``"a problem set of this course"``, where ``name`` is not one of ``known`` (listed in their order); else ``""``."""
    if name in known:
        return ""
    hint = did_you_mean(name, known)
    return f"{name!r} is not {what} (known: {', '.join(known)})" + (f"; {hint}" if hint else "")


def _ps_of_notebook(filename: str, known: Collection[str]) -> str | None:
    stem = filename[:-len(".ipynb")] if filename.endswith(".ipynb") else filename
    if stem in known:
        return stem
    hint = did_you_mean(stem, known)
    return hint[len("did you mean "):-1] if hint else None


LINK_REASON = "a symbolic link: links are never followed or graded"
OTHER_REASON = "neither a file nor a folder (a device, a FIFO or a socket)"


def misnamed_note(name: str, ps: str) -> str:
    """The note of a notebook graded under another name than ``<ps>.ipynb`` (the folder's only one)."""
    return (f"{display(name)} was graded as the {ps} submission: it is the only notebook in the folder, "
            f"but the expected name is {ps}.ipynb (rename it next time).")


def _notebook_of(folder: str, shown: str, ps: str) -> tuple[Path | None, str, list[NotGraded], str]:
    """``(path or None, problem, extra NotGraded, note)`` for a problem-set folder.

    The notebook named ``<ps>.ipynb`` is graded; a folder's only notebook under another name
    (``ps1_softmax-Copy1.ipynb``) is graded too, and ``note`` says so; several under other names
    are not graded (``problem`` says why).
    """
    path, problem, extra = _find_notebook(folder, shown, ps)
    note = misnamed_note(path.name, ps) if path is not None and path.name != f"{ps}.ipynb" else ""
    return path, problem, extra, note


def graded_notebook(folder: str, ps: str) -> Path | None:
    """The notebook of a problem-set folder that a batch grades (``<ps>.ipynb``, or the folder's only one), or None."""
    return _find_notebook(folder, display(Path(folder).name), ps)[0]


def _find_notebook(folder: str, shown: str, ps: str) -> tuple[Path | None, str, list[NotGraded]]:
    """``(path or None, problem, extra NotGraded)`` for a problem-set folder."""
    try:
        entries = _entries(folder)
    except OSError as exc:
        return None, f"the submission folder cannot be read ({exc.strerror})", []
    extra: list[NotGraded] = []
    notebooks = [e for e in entries if e.name.endswith(".ipynb")]
    links = [e for e in notebooks if _kind(e) == "link"]
    files = [e for e in notebooks if _kind(e) == "file"]
    for e in links:
        extra.append(NotGraded(f"{shown}/{display(e.name)}", LINK_REASON, "submit the notebook file itself"))
    preferred = next((e for e in files if e.name == f"{ps}.ipynb"), None)
    if preferred is None and len(files) == 1:
        preferred = files[0]
    if preferred is not None:
        for e in files:
            if e is not preferred:
                extra.append(NotGraded(f"{shown}/{display(e.name)}", f"only {display(preferred.name)} is graded",
                                       "one notebook per problem set"))
        return Path(preferred.path), "", extra
    if links and not files:
        return None, f"the notebook {display(links[0].name)} is a symbolic link; links are not followed", extra
    if files:
        names = ", ".join(display(e.name) for e in files[:5])
        return None, (f"{len(files)} notebooks were found ({names}) and none is named {ps}.ipynb: keep one, "
                      f"named {ps}.ipynb"), extra
    deeper: list[str] = []
    for sub in entries:
        if _kind(sub) == "dir":
            with contextlib.suppress(OSError):
                deeper += [f"{display(sub.name)}/{display(e.name)}" for e in _entries(sub.path)
                           if e.name.endswith(".ipynb") and _kind(e) == "file"]
    if deeper:
        return None, (f"no notebook in {shown}/; {deeper[0]} is one folder too deep: move it to "
                      f"{shown}/{ps}.ipynb"), extra
    others = ", ".join(display(e.name) for e in entries[:5])
    return None, "no notebook was found in the submission folder" + (
        f" (found {others}; a notebook is a .ipynb file)" if others else " (the folder is empty)"), extra


def scan(submitted_dir: StrPath, known: Iterable[str], assignments: Iterable[str] | None = None,
         students: Iterable[str] | None = None) -> Plan:
    """Every submission of ``submitted_dir`` and everything there that will not be graded.

    Parameters
    ----------
    submitted_dir : path
        ``<student>/<problem set>/<notebook>.ipynb`` folders.
    known : collection of str
        The problem sets of the course.
    assignments, students : iterable of str, optional
        Only these problem sets / students (a student matches by raw or display id).

    Returns
    -------
    Plan
        Submissions sorted by (student, problem set); ``not_graded`` in scan order.

    Raises
    ------
    LayoutError
        ``submitted_dir`` is missing, not a folder or holds no student folder;
        ``assignments`` names a problem set the course does not have; the
        filters match no submission.
    """
    root, course = Path(submitted_dir), set(known)
    wanted_ps = _wanted_problem_sets(root, course, assignments)
    wanted_st = set(students) if students else None
    plan = Plan()
    try:
        top = _entries(root)
    except OSError as exc:
        raise LayoutError(f"{root} cannot be read ({exc.strerror})") from None
    for entry in top:
        _scan_top_entry(entry, course, wanted_ps, wanted_st, plan)
    _require_submissions(root, top, plan, wanted_ps, wanted_st)
    plan.submissions.sort(key=lambda s: (s.student, s.assignment))
    return plan


def _wanted_problem_sets(root: Path, known: set[str], assignments: Iterable[str] | None) -> set[str] | None:
    """The ``--assignment`` filter as a set (``None``: all); :class:`LayoutError` for a bad folder or an unknown name."""
    if not root.is_dir():
        raise LayoutError(f"{root} is not a folder of submissions ({'no such folder' if not root.exists() else 'a file'}); "
                          f"{LAYOUT}")
    wanted_ps = set(assignments) if assignments else None
    unknown = sorted((wanted_ps or set()) - known)
    if unknown:
        hints = [h for h in (did_you_mean(u, known) for u in unknown) if h]
        raise LayoutError(f"--assignment {' '.join(unknown)}: not a problem set of this course "
                          f"(known: {', '.join(sorted(known))})" + (f"; {hints[0]}" if hints else ""))
    return wanted_ps


def _scan_top_entry(entry: os.DirEntry[str], known: set[str], wanted_ps: set[str] | None, wanted_st: set[str] | None,
                    plan: Plan) -> None:
    """One entry of the submissions folder: a student folder is scanned, anything else accounted for."""
    kind, shown = _kind(entry), display(entry.name)
    if kind == "link":
        plan.not_graded.append(NotGraded(shown, LINK_REASON, "copy the folder instead of linking it"))
    elif kind == "file" and entry.name.endswith(".ipynb"):
        ps = _ps_of_notebook(entry.name, known)
        plan.not_graded.append(NotGraded(shown, "a notebook directly in the submissions folder",
                                         f"move it to <student>/{ps or '<problem set>'}/"
                                         f"{ps or '<problem set>'}.ipynb"))
    elif kind == "dir":
        sid = StudentId(entry.name)
        if wanted_st is not None and not ({entry.name, sid.display} & wanted_st):
            return
        _scan_student(entry.path, sid, known, wanted_ps, plan)
    elif kind == "other":
        plan.not_graded.append(NotGraded(shown, OTHER_REASON))


def _require_submissions(root: Path, top: list[os.DirEntry[str]], plan: Plan, wanted_ps: set[str] | None,
                         wanted_st: set[str] | None) -> None:
    """:class:`LayoutError` when there is nothing to grade: no student folder, or no submission (filtered or not)."""
    if not any(_kind(e) == "dir" for e in top):
        found = "; ".join(str(n) for n in plan.not_graded[:3])
        raise LayoutError(f"{root} holds no student folder" + (" (it is empty)" if not top else "")
                          + (f" (not graded: {found})" if found else "") + f"; {LAYOUT}")
    if not plan.submissions and (wanted_ps or wanted_st):
        raise LayoutError("no submission matches " + " and ".join(
            f"{flag} {' '.join(sorted(vals))}" for flag, vals in (("--assignment", wanted_ps or ()),
                                                               ("--student", wanted_st or ())) if vals))
    if not plan.submissions:
        found = "".join(f"\n  {n}" for n in plan.not_graded[:20])
        raise LayoutError(f"no submission found in {root}; {LAYOUT}" + (f"\nNot graded:{found}" if found else ""))


def _scan_student(path: str, sid: StudentId, known: set[str], wanted_ps: set[str] | None, plan: Plan) -> None:
    student = sid.display
    try:
        entries = _entries(path)
    except OSError as exc:
        plan.not_graded.append(NotGraded(student, f"the student's folder cannot be read ({exc.strerror})"))
        return
    for entry in entries:
        kind, shown = _kind(entry), f"{student}/{display(entry.name)}"
        if kind == "link":
            plan.not_graded.append(NotGraded(shown, LINK_REASON, "copy the folder instead of linking it"))
        elif kind == "file":
            ps = _ps_of_notebook(entry.name, known) if entry.name.endswith(".ipynb") else None
            if entry.name.endswith(".ipynb"):
                plan.not_graded.append(NotGraded(shown, "a notebook directly in the student's folder (one level "
                                                 "too shallow)", f"move it to {student}/{ps or '<problem set>'}/"
                                                 f"{ps or '<problem set>'}.ipynb"))
            else:
                plan.not_graded.append(NotGraded(shown, "not a notebook (a .ipynb file) and not a problem-set folder"))
        elif kind == "dir" and entry.name in known:
            if wanted_ps is not None and entry.name not in wanted_ps:
                continue
            nb, problem, extra, note = _notebook_of(entry.path, shown, entry.name)
            plan.not_graded.extend(extra)
            plan.submissions.append(Submission(student, entry.name, nb, sid.folder, sid.raw, problem, note,
                                               Path(entry.path)))
        elif kind == "other":
            plan.not_graded.append(NotGraded(shown, OTHER_REASON))
        elif kind == "dir":
            plan.not_graded.append(NotGraded(shown, "not a problem set of this course",
                                             did_you_mean(entry.name, known)
                                             or f"problem sets: {', '.join(sorted(known))}"))
