"""``feedback.html``: what one student sees about one submission.

Per graded cell: pass/fail, the points, the message and the hint; per
function: the student's own code (without the template's docstrings). A
function that still raises the template's ``NotImplementedError`` gets one
line, "not attempted yet" and its points, instead of a card per cell. Plus what happened to the notebook
(restored test cells, cells that raised or timed out), after a regrade what moved and why ("regraded:
softmax-stability +5 — the check was corrected"), the earlier total when it is kept, and the instructor's
answers to the student's regrade requests, and, when the problem set has a due date,
when it was submitted and what lateness cost ("Submitted 27 h after the due date …: −2.9 points"; the
score shown is after that penalty). A manually graded answer cell (a derivation)
shows "awaiting grading" and its points until a person has graded it (then the points and the
grader's comment), with the student's answer as text, and, once a person has
graded it (or when the instructor publishes the answers: ``--publish-answers``),
the model answer from the source notebook's answer cell (never its rubric:
``autograder/model/derivations.py``). Otherwise built from results.json alone,
which never holds hidden test source or reference values, so neither can reach
this page. The markup is ``templates/feedback.html.j2``
(Jinja2, autoescaped: every string from results.json is escaped there).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from autograder.model.cores import cores
from autograder.model.course import FUNCTIONS
from autograder.model.files import FEEDBACK_FILE, StrPath, write_atomic
from autograder.model.invariant import known
from autograder.model.process_pool import map_chunks
from autograder.model.regrade import ACCEPT
from autograder.model.results import UNREADABLE, SubmissionResult, TestResult, fmt_points, load_results
from autograder.reports._html import render
from autograder.reports.grouping import test_function

#: Longest error text shown for one cell (the rest is cut).
MAX_ERROR_CHARS = 2000

_CELL_STATUS = {
    "error": "raised an error",
    "timeout": "was stopped: it ran past the time limit",
    "skipped": "was not run",
}


def _functions_in_order(result: SubmissionResult) -> list:
    """Functions of the tests and of the student's code, in notebook order."""
    seen: list = []
    for fn in FUNCTIONS.get(result.assignment, ()):
        seen.append(fn)
    for t in result.tests:
        fn = test_function(t)
        if fn not in seen:
            seen.append(fn)
    return [fn for fn in seen if any(test_function(t) == fn for t in result.tests) or fn in result.student_code]


def _cells(result: SubmissionResult) -> list:
    """The cells that did not finish normally: ``{"index", "grade_id", "status" (in words), "error" (cut)}``."""
    out = []
    for c in result.cell_problems:
        error = str(c.get("error") or "").strip()
        if len(error) > MAX_ERROR_CHARS:
            error = error[:MAX_ERROR_CHARS] + "\n… (cut)"
        status = str(c.get("status"))
        out.append({"index": c.get("index"), "grade_id": c.get("grade_id") or "",
                    "status": _CELL_STATUS.get(status, status), "error": error})
    return out


#: A docstring that opens a function body (the template's, usually), up to its closing quotes.
_DOCSTRING = re.compile(r'(?P<def>^[ \t]*def [^\n]*:[ \t]*\n)[ \t]*[rRuU]?(?P<q>"""|\'\'\')(?:(?!(?P=q)).){0,20000}?(?P=q)[ \t]*\n',
                        re.MULTILINE | re.DOTALL)


def without_docstrings(code: str) -> str:
    """The student's code with the docstring that opens each ``def`` removed.

    The template's docstrings are the assignment's text, not the student's
    work; what remains is what the student wrote. Bounded (a docstring longer
    than 20,000 characters stays), and the code is never parsed or run.
    """
    return _DOCSTRING.sub(lambda m: m.group("def"), code)


def _not_attempted(tests: list) -> bool:
    """Every graded cell of the function found it still raising the template's NotImplementedError."""
    return bool(tests) and all(t.kind == "not-attempted" for t in tests)


def shown_model_answers(result: SubmissionResult, model_answers: dict, publish: bool = False) -> dict:
    """``{answer cell grade_id: model answer}`` that ``result``'s page shows: those of the answers a person has
    graded, or all of them with ``publish`` (``model_answers``: the problem set's, from its source notebook)."""
    return {t.name: model_answers[t.name] for t in result.tests
            if t.manual and t.name in model_answers and (publish or t.graded_by_person)}


def _function(result: SubmissionResult, fn: str, models: dict | None = None) -> dict:
    """One function's section: its tests, points, the student's answers and code (docstrings dropped).

    ``unfinished``: every autograded cell found the template (its answer cells, if any, are still listed);
    ``pending``: the points of its answer cells that await manual grading; ``answers``: ``[(grade_id, text)]``
    of its answer cells as the student wrote them (shown as text); ``models``: ``[(grade_id, model answer)]``
    of those whose model answer the page shows (:func:`shown_model_answers`).
    """
    tests = [t for t in result.tests if test_function(t) == fn]
    auto = [t for t in tests if not t.manual]
    code = result.student_code.get(fn)
    return {
        "name": fn,
        "tests": tests,
        "unfinished": bool(auto) and _not_attempted(auto),
        "auto_max": sum(t.max_score for t in auto),
        "auto_names": [t.name for t in auto],
        "manual": [t for t in tests if t.manual],
        "score": sum(t.earned for t in tests),
        "max_score": sum(t.max_score for t in tests),
        "pending": sum(t.max_score for t in tests if t.pending),
        "all_passed": bool(auto) and all(t.passed for t in auto),
        "answers": [(t.name, (result.answers.get(t.name) or "").strip()) for t in tests if t.manual],
        "models": [(t.name, (models or {})[t.name]) for t in tests if t.name in (models or {})],
        "code": without_docstrings(code).strip("\n").rstrip() if code is not None and code.strip() else "",
        # a notebook that could not be read (invalid JSON, an empty file …) defines nothing: say why, not that no
        # cell of it defines the function
        "unread": result.not_run_reason if any(t.kind == UNREADABLE for t in tests) else "",
    }


def _test_view(t: TestResult) -> dict[str, str]:
    """How one graded cell is shown: ``label`` (CSS class), ``said`` (the badge), ``points``."""
    if t.pending:
        return {"label": "pending", "said": "awaiting grading", "points": f"– / {fmt_points(t.max_score)}"}
    if t.unanswered:
        return {"label": "failed", "said": "not answered", "points": f"0 / {fmt_points(t.max_score)}"}
    label = "passed" if t.passed else "failed"
    said = "not attempted" if t.kind == "not-attempted" else ("graded by hand" if t.manual else label)
    if t.manual and t.kind != UNREADABLE:
        label = "graded"
    score = known(t.score, "a test that is not pending has a score")
    return {"label": label, "said": said, "points": f"{fmt_points(score)} / {fmt_points(t.max_score)}"}


def regrade_view(result: SubmissionResult) -> dict | None:
    """What a regrade says to the student (None: nothing): ``lines`` ("softmax-stability +5 — the check was
    corrected"), ``late`` (how the late penalty moved), ``kept`` (the earlier total kept, and this regrade's
    points), ``requests`` (each regrade request with the instructor's decision and reply)."""
    g = result.regrade
    if g is None or not (g.changes or g.late or g.total or g.kept or g.requests):
        return None
    tests = {t.name: t for t in result.tests}
    kept = None
    if g.kept and g.previous_score is not None:
        kept = (f"Your earlier total, {fmt_points(g.previous_score)} points, is kept: this regrade gives "
                f"{fmt_points(result.raw_score - result.late_penalty)}, and the course keeps the higher.")
    requests = []
    for r in g.requests:
        of = tests[r.cell].max_score if r.cell in tests else None
        if r.decision == ACCEPT and r.points is not None:
            said = f"Accepted: {fmt_points(r.points)}" + (f" / {fmt_points(of)}" if of is not None else "") + " points"
            said += f" (the check gave {fmt_points(r.graded)})." if r.graded is not None else "."
        else:
            said = "Not accepted: the points stay as graded."
        requests.append({"cell": r.cell or result.assignment, "message": r.message, "said": said, "reply": r.reply,
                         "accepted": r.decision == ACCEPT})
    return {"lines": [c.line() for c in g.changes], "late": g.late, "total": g.total, "kept": kept,
            "requests": requests}


def feedback_view(result: SubmissionResult, model_answers: dict | None = None, publish: bool = False) -> dict:
    """What a student is told about one submission, for the page and for the text version.

    ``title``, ``r`` (the result), ``fraction`` (of full marks), ``cells`` (:func:`_cells`),
    ``cells_failed``, ``notes``, ``functions`` (:func:`_function`, in notebook order), ``shown``
    (:func:`_test_view` per graded cell), ``passed_line`` (how many autograded cells passed, and the
    points awaiting grading), ``manual`` (the notebook has answer cells) and ``late`` (the
    submission against its due date, :class:`~autograder.model.lateness.Lateness`, or None).
    ``model_answers`` (``{grade_id: model answer}`` of the problem set) and ``publish``: see
    :func:`shown_model_answers`. ``regrade``: :func:`regrade_view`.
    """
    notes = list(result.notes)
    if result.execution.stdout_truncated:
        notes.append("Your notebook printed a lot of output; printed output is not graded, and what came past the limit "
                     "was discarded.")
    auto, pending = result.autograded, result.pending
    models = shown_model_answers(result, model_answers or {}, publish)
    kind = "autograded" if len(auto) < len(result.tests) else "graded"
    passed = f"{sum(1 for t in auto if t.passed)} of {len(auto)} {kind} cells passed."
    shown = {t.name: _test_view(t) for t in result.tests}
    for r in result.regrade.requests if result.regrade is not None else ():
        if r.accepted and r.cell in shown:  # (the check's verdict stays beside it: the points are the instructor's)
            shown[r.cell] = {**shown[r.cell], "label": "graded", "said": "regraded"}
    if pending:
        passed += (f" {len(pending)} answer(s) worth {fmt_points(result.pending_points)} points await grading by "
                   "your instructor: those points are not in the score yet.")
    return {
        "title": f"Feedback: {result.assignment} — {result.student}",
        "r": result,
        "fraction": result.score / result.max_score if result.max_score else 0.0,
        "cells": _cells(result),
        "cells_failed": any(c.get("status") in ("error", "timeout") for c in result.cell_problems),
        "notes": notes,
        "functions": [_function(result, fn, models) for fn in _functions_in_order(result)],
        "published": publish,
        "shown": shown,
        "passed_line": passed,
        "manual": any(t.manual for t in result.tests),
        "late": result.late,
        "regrade": regrade_view(result),
    }


def render_feedback(result: SubmissionResult, model_answers: dict | None = None, publish: bool = False) -> str:
    """The feedback page of one submission, as a complete HTML document (``templates/feedback.html.j2``)."""
    return render("feedback.html.j2", **feedback_view(result, model_answers, publish))


def render_feedback_text(result: SubmissionResult, headline: str | None = None) -> str:
    """The same feedback as plain text (``templates/feedback.txt.j2``): what the page says above and between
    the graded cells (score, restored test cells, cells that failed, notes, functions not attempted yet),
    for platforms that show text, such as Gradescope's submission output. The graded cells themselves are
    listed by the platform, one test each. ``headline`` replaces the first line (the score and how many
    cells passed) where the platform counts points otherwise (Gradescope: the autograder's points only)."""
    return render("feedback.txt.j2", headline=headline, **feedback_view(result))


def write_feedback(result: SubmissionResult, model_answers: dict | None = None, publish: bool = False) -> Path:
    """Write ``feedback.html`` beside the submission's results.json; returns its path."""
    path = known(result.folder, "a result read from its results.json") / FEEDBACK_FILE
    write_atomic(path, render_feedback(result, model_answers, publish))
    return path


#: Fewer pages than this are written in the calling process (a page takes about 10 ms, mostly its formulas: a
#: class's derivations, each converted to MathML; forking the workers a few).
PAGES_PARALLEL_FROM = 40
#: Pages handed to a worker at a time.
PAGES_CHUNK = 12

_Page = tuple[SubmissionResult, dict[str, str], bool]


def _write_pages(pages: list[_Page]) -> list[Path]:
    return [write_feedback(result, models, publish) for result, models, publish in pages]


def write_feedback_pages(results_dir: StrPath, results: Iterable[SubmissionResult] | None = None,
                         model_answers: dict[str, dict[str, str]] | None = None, publish: bool = False,
                         workers: int | None = None, meanwhile: Callable[[], object] | None = None) -> list[Path]:
    """Write a feedback page for every submission of ``results_dir``; returns the paths. ``model_answers``:
    ``{ps: {grade_id: model answer}}`` (see :func:`shown_model_answers`).

    ``workers`` processes write them (default: one per core) when there are :data:`PAGES_PARALLEL_FROM` or more
    and this process runs no other thread (else this process does); each page is a function of its result alone,
    so the pages are the same whichever process writes them. ``meanwhile()``, if given, runs in this process while
    they write (:func:`autograder.model.process_pool.map_chunks`).
    """
    results = load_results(results_dir) if results is None else results
    model_answers = model_answers or {}
    pages = [(r, model_answers.get(r.assignment, {}), publish) for r in results if r.folder is not None]
    workers = (cores() if workers is None else workers) if len(pages) >= PAGES_PARALLEL_FROM else 1
    return map_chunks(_write_pages, pages, workers, PAGES_CHUNK, spawn=False, meanwhile=meanwhile)
