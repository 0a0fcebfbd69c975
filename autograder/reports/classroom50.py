"""One submission's grade as Classroom50 records it: the grade part of ``result.json`` (schema
``classroom50/result/v1``) and ``release-body.md``, the feedback a student reads on the submission's release.

Classroom50 (foundation50/classroom50, where courses went when GitHub Classroom ended on 28 August 2026) runs
the teacher's ``autograder.py`` in each student's checkout and collects ``result.json``. Its runner and its
gradebook (``runner.py``/``collect_scores.py``'s ``validate_result``) accept only **whole, non-negative
points**: ``score`` and ``max-score`` integers, ``score <= max-score``, and ``tests`` of ``test-name``
(non-empty), ``passed`` (a boolean), ``score``/``max-score`` (integers, ``score <= max-score``). We map, from
the results model (:attr:`~autograder.model.results.SubmissionResult.autograded_points`, the one denominator
every platform records):

* ``tests``: one per autograded cell, in notebook order, named by its grade_id, its points or 0;
* ``score``: the autograded cells' points; ``max-score``: the problem set's autograded maximum, the same for
  every student whatever they answered (a derivation a person grades is never in it);
* the late penalty is Classroom50's: its runner records the submission time (``datetime``) and its gradebook
  marks late submissions against the due date set there, so none is taken here (nor whole points lost to it);
* ``status``/``summary``: ``success`` when every autograded cell passed, else ``failure`` (``error`` is the
  runner's, for a grading that did not happen);
* ``release-body.md``: the points, the cells that failed with the message and hint the feedback page shows
  (each in a fence no backtick run of the text can close: nothing a student's error text holds becomes
  Markdown, a mention or a link), the derivations a person grades, restored test cells and the notes. Never
  hidden test source, reference values or a model answer: results.json holds none.

:class:`NotWholePoints` is raised for a course whose cells are worth fractional points: Classroom50 cannot
record them, and rounding them would give a student points they did not earn (or take some away).
"""

from __future__ import annotations

import re
from typing import Any

from autograder.model.results import SubmissionResult, fmt_points

#: The schema Classroom50's runner and gradebook accept.
SCHEMA = "classroom50/result/v1"
#: The longest release body written (GitHub refuses a release body over 125,000 characters).
MAX_BODY = 60_000


class NotWholePoints(ValueError):
    """A problem set whose autograded cells are not all worth whole points: Classroom50 records integers."""


def _whole(x: float, what: str) -> int:
    if float(x) != int(x):
        raise NotWholePoints(f"{what} is worth {fmt_points(x)} points: Classroom50 records whole points only "
                             "(give every graded cell whole points in source/, or grade this course elsewhere)")
    return int(x)


def grade(result: SubmissionResult) -> dict[str, Any]:
    """``{"score", "max-score", "tests", "status", "summary"}`` of ``result`` (see the module docstring).

    Raises
    ------
    NotWholePoints
        A cell is worth fractional points.
    """
    person = result.answer_cells
    auto = [t for t in result.tests if t.name not in person]
    earned = [_whole(t.earned, f"{t.name}'s score") for t in auto]
    maxima = [_whole(t.max_score, t.name) for t in auto]
    tests: list[dict[str, Any]] = [{"test-name": t.name, "passed": bool(t.passed), "score": e, "max-score": m}
                                   for t, e, m in zip(auto, earned, maxima, strict=True)]
    points = result.autograded_points
    score, max_score = sum(earned), sum(maxima)
    if max_score != points.max_score or score != points.raw:  # (one rule: the model's)
        raise NotWholePoints(f"the autograded points {fmt_points(points.raw)} / {fmt_points(points.max_score)} are "
                             "not whole")
    passed = sum(1 for t in auto if t.passed)
    summary = f"probdl autograder: {score}/{max_score} autograded points ({passed} of {len(tests)} graded cells passed)"
    if points.pending:
        summary += f"; {fmt_points(points.pending)} points of derivations await grading by your instructor"
    return {"score": score, "max-score": max_score, "tests": tests,
            "status": "success" if passed == len(tests) else "failure", "summary": summary}


def _fence(text: str) -> str:
    """A fence longer than any run of backticks in ``text`` (at least three)."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _inline(text: str) -> str:
    """One line of course-controlled text (grade ids) for a table cell: no newline, pipe or markup."""
    return re.sub(r"[^A-Za-z0-9_.\- ]", "_", " ".join(str(text).split()))[:200]


def release_body(result: SubmissionResult) -> str:
    """``release-body.md``: what a student may see about this submission (see the module docstring)."""
    g = grade(result)
    person = result.answer_cells
    lines = [f"### {_inline(result.assignment)}: {g['score']} / {g['max-score']} autograded points", ""]
    passed = sum(1 for t in g["tests"] if t["passed"])
    lines.append(f"{passed} of {len(g['tests'])} graded cells passed.")
    hand = [t for t in result.tests if t.name in person]
    for t in hand:
        if t.pending:
            said = "awaits grading by your instructor"
        elif t.unanswered:
            said = "was not answered (the cell is as released): 0 points"
        elif t.kind == "manual":
            said = f"was graded by your instructor: {fmt_points(t.earned)} / {fmt_points(t.max_score)}"
        else:
            said = "could not be read (see below)"
        lines.append(f"The derivation `{_inline(t.name)}` ({fmt_points(t.max_score)} points) {said}; its points are "
                     "not in this score.")
    lines += ["", "| graded cell | points | result |", "|---|---:|---|"]
    by_name = {t.name: t for t in result.tests}
    for t in g["tests"]:
        kind = by_name[t["test-name"]].kind
        said = "passed" if t["passed"] else ("not attempted" if kind == "not-attempted" else "failed")
        lines.append(f"| `{_inline(t['test-name'])}` | {t['score']} / {t['max-score']} | {said} |")
    failed = [by_name[t["test-name"]] for t in g["tests"] if not t["passed"]]
    shown = [t for t in failed if t.output.strip()]
    if shown:
        lines += ["", "#### What failed", ""]
        groups: dict[str, list[str]] = {}  # one text, once: an unreadable notebook says why on every cell
        for t in shown:
            groups.setdefault(t.output.strip(), []).append(t.name)
        for text, names in groups.items():
            fence = _fence(text)
            lines += [", ".join(f"**`{_inline(n)}`**" for n in names), "", f"{fence}text", text, fence, ""]
    notes = [*(f"Test cells are restored before grading: {n}" for n in result.tamper), *result.notes]
    if notes:
        text = "\n".join(f"- {n}" for n in notes)
        fence = _fence(text)
        lines += ["", "#### Notes", "", f"{fence}text", text, fence]
    body = "\n".join(lines) + "\n"
    if len(body) > MAX_BODY:
        body = body[:MAX_BODY].rsplit("\n", 1)[0] + "\n\n(… the rest is cut: it was too long for a release.)\n"
    return body
