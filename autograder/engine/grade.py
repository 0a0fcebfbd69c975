"""Grade one submission: read, restore, run in the sandbox, check, score.

Everything here runs in the trusted parent. The child only executes cells
and answers calls; the checks (:func:`autograder.checks.evaluate.evaluate`)
compare its plain answers with the references computed here, and the points
come from the source notebook's metadata.

Manually graded answer cells (the derivations) are not graded here: each is
recorded as awaiting grading, with the student's text, for a person
to grade in nbgrader's formgrader, or as not answered (0 points) when left as
released (:func:`_answer_results`).

In notebook order, as ``nbgrader autograde`` and "Restart & Run All": the
cells run top to bottom, and each graded cell's check is evaluated when the
cells above it have run, so it sees what they defined and nothing below (a
function defined in a later cell is missing; a scratch cell at the bottom
that rebinds a function does not change its grade).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from autograder.checks import shown
from autograder.checks.by_name import armed
from autograder.checks.check import Check, CheckResult
from autograder.checks.circles import circle, circle_result
from autograder.checks.evaluate import evaluate
from autograder.checks.references import contract
from autograder.engine import reference_process
from autograder.engine.answer_beside import read_beside
from autograder.engine.remote_target import RemoteTarget
from autograder.engine.restore import Cell, Rebuilt, rebuild
from autograder.model.course import FUNCTIONS, function_of
from autograder.model.files import StrPath
from autograder.model.graded_with import GradedWith, digest_texts
from autograder.model.notebook import SourceNotebook, Unreadable, load_submission
from autograder.model.other_notebook import other_problem_set
from autograder.model.results import Execution, SubmissionResult, TestResult
from autograder.model.run_order import partition, run_order
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision.session import CellRun, Session
from autograder.perimeter.supervision.zygote_parent import Zygote
from autograder.reading.graded import graded_definitions
from autograder.reading.notebook import NotebookReading, Source


def _check_points(cells: Iterable[Cell], tests: Mapping[str | None, float]) -> list[tuple[int, list[str]]]:
    """``(number of executed cells above, [grade_ids])`` per graded test cell, in notebook order.

    A graded cell of the source missing from the rebuilt notebook (it never
    is: restore puts every one back) is checked after all cells.
    """
    points: list[tuple[int, list[str]]] = []
    ran, seen = 0, set()
    for cell in cells:
        if cell.runs:
            ran += 1
        elif cell.is_test and cell.grade_id in tests and cell.grade_id not in seen:
            seen.add(cell.grade_id)
            points.append((ran, [cast(str, cell.grade_id)]))  # (nbgrader: a graded cell has a grade_id)
    rest = [cast(str, gid) for gid in tests if gid not in seen]
    if rest:
        points.append((ran, rest))
    return points


def _test_result(result: CheckResult, extra: str, points: float) -> TestResult:
    """The :class:`~autograder.model.results.TestResult` of a check's outcome worth ``points``; ``extra``
    (why the function is missing) joins the message of a failure."""
    message = result.message + (f" {extra}" if extra and not result.passed else "")
    return TestResult(result.grade_id, float(points) if result.passed else 0.0, float(points), result.passed,
                      message, result.hint if not result.passed else "", result.kind)


def unreadable_results(student: str, assignment: str, source: SourceNotebook, reason: str,
                       grading_error: str = "") -> SubmissionResult:
    """Score 0 with the reason on every test: the notebook could not be read (or graded) at all."""
    graded = cast("list[tuple[str, float]]", source.graded)  # (nbgrader gives every graded cell a grade_id)
    return SubmissionResult.not_graded(student, assignment, graded, source.max_score, reason, grading_error)


@dataclass
class _Graded:
    """What running and checking one rebuilt notebook gave (:func:`_run_and_check`)."""

    tests: list  # [TestResult] in the source's order
    runs: list  # [CellRun], every executed cell
    session: Session
    flags: list
    #: the modules the notebook imports that are not installed where it is graded: ``(cell, line, root)``
    absent: list
    #: the line magics IPython does not have where the notebook is graded: ``(cell, line, "%name")``
    missing_magics: list


def grade_submission(path: StrPath | None, student: str, assignment: str, source: SourceNotebook,
                     checks: Mapping[str, Check], zygote: Zygote, slot: int, limits: Limits,
                     sandbox_report: dict[str, Any] | None = None) -> SubmissionResult:
    """The result of one submission: read, rebuild, run and check, record.

    ``checks`` maps every graded grade_id of ``source`` to its
    :class:`~autograder.checks.check.Check`. Raises only when the grader
    itself fails (:class:`~autograder.perimeter.supervision.zygote_parent.GraderError`).
    """
    started = time.monotonic()
    if path is None:
        return unreadable_results(student, assignment, source, "no notebook was found in the submission folder")
    try:
        cells = load_submission(path)
    except Unreadable as exc:
        return unreadable_results(student, assignment, source, str(exc))
    other = other_problem_set(assignment, cells)
    if other is not None:
        return unreadable_results(student, assignment, source, f"it is {other}'s notebook (its cells are that "
                                  f"problem set's), not {assignment}'s — hand in your {assignment}.ipynb")
    rebuilt = rebuild(source, cells)
    forbidden = list(armed(checks))  # (a name only some functions forbid is judged by reading them)
    session = Session(zygote, slot, _runs(rebuilt), limits, forbidden, shown_after_probe=hidden_error)
    graded = _run_and_check(rebuilt, source, checks, session)
    answer_ids = {gid for gid, _ in source.answers}
    answers = {gid: text for gid, text in rebuilt.student_code.items() if gid in answer_ids}
    read_beside(rebuilt.cells, answer_ids, answers, rebuilt.notes, rebuilt.edited_text)
    by_id = {t.name: t for t in graded.tests + _answer_results(source, answers)}
    return SubmissionResult.scored(
        student, assignment, source.max_score, [by_id[gid] for gid, _ in source.graded],
        execution=_execution(graded, limits, sandbox_report, time.monotonic() - started),
        tamper=list(rebuilt.tamper), flags=graded.flags,
        student_code=_shown_code(source, cells, assignment, {gid: text for gid, text in rebuilt.student_code.items()
                                                              if gid not in answer_ids}),
        answers=answers, notes=_notes(rebuilt, graded),
        graded_with=GradedWith(notebook=digest_texts(c.source for c in rebuilt.cells if c.runs and c.origin != "source")),
    )


def _shown_code(source: SourceNotebook, cells: list[Any], assignment: str, code: dict[str, str]) -> dict[str, str]:
    """The code feedback shows per function (issue 83): the solution cell, unless the checks called a definition
    from another cell (a later cell, a copied test cell, that redefined the function, run in notebook order by
    :mod:`autograder.model.run_order`'s rule): then that definition first, read statically on this trusted side
    (:func:`autograder.reading.graded.graded_definitions`), and the solution cell below it. A reading that fails
    leaves the solution cells as they are."""
    try:
        cells = list(cells)  # (partition replaces an oversized or recognised cell: not the caller's list)
        parts = partition(source.cells, cells, [])
        index = {id(cell): i for i, cell in enumerate(cells)}
        order = [(scell, cell, index.get(id(cell), -1)) for scell, cell in run_order(source.cells, parts)]
        called = graded_definitions(order, FUNCTIONS.get(assignment, ()))
    except (RecursionError, MemoryError, ValueError, TypeError, AttributeError, KeyError, IndexError):
        return code
    for fn, text in called.items():
        code[fn] = text + ("\n\n# Your solution cell (its definition was replaced before the checks ran):\n"
                           + code[fn] if code.get(fn, "").strip() else "")
    return code


def hidden_error(text: str) -> str:
    """A cell's error text (``"Name: message"``) as it may be shown once the child has seen hidden inputs:
    what :mod:`autograder.checks.shown` shows of a hidden probe's exception (builtin class names, known
    library messages with the numbers masked), nothing else."""
    if not text:
        return ""
    name, _, message = str(text).partition(": ")
    return shown.raised(False, name, message)


def _answer_results(source: SourceNotebook, answers: Mapping[str, str]) -> list[TestResult]:
    """One :class:`TestResult` per manually graded answer cell: a person grades it, never the engine.

    An answer is awaiting grading (its points neither earned nor lost); one left as released (empty or
    "YOUR ANSWER HERE") or missing is not answered: 0 points, as nbgrader's autograde scores it
    (:meth:`TestResult.ungraded_answer`; docs/contract.md). A person may still give points in formgrader.
    """
    return [TestResult.ungraded_answer(gid, points, answers.get(gid)) for gid, points in source.answers]


def _runs(rebuilt: Rebuilt) -> list[CellRun]:
    return [CellRun(c.index, c.grade_id, c.source) for c in rebuilt.cells if c.runs]


def _run_and_check(rebuilt: Rebuilt, source: SourceNotebook, checks: Mapping[str, Check], session: Session) -> _Graded:
    """Run the cells in order and evaluate each graded cell's check when the cells above it have run.

    Forbidden uses, flags for a person and the purity cells' evidence are read
    from the source in this process (:mod:`autograder.reading`), cell by cell
    as they run; the session is closed on return.
    """
    runs = session.cells
    sources = [Source(c.index, c.source, student=c.origin != "source") for c in rebuilt.cells if c.runs]
    functions = sorted({function_of(cast(str, gid)) for gid, _ in source.tests})  # (nbgrader: a graded cell has one)
    reading = NotebookReading(contract=contract(functions))
    target = RemoteTarget(session, reading, reference_process.answer)
    results, answered, read = {}, {}, 0
    try:
        for upto, grade_ids in _check_points(rebuilt.cells, dict(source.tests)):
            if upto > read:  # cells ran since the last graded cell: what they define counts from here
                session.run_cells(upto)
                for src, run in zip(sources[read:upto], runs[read:upto]):  # (a cell that stopped early may not
                    reading.add(src, complete=run.status == "ok")          # have bound what it defines)
                read = upto
                target.refresh()
            for grade_id in grade_ids:
                target.prefetch(checks[grade_id])
                before = len(session.answered)
                result = evaluate(checks[grade_id], target)
                target.finish()
                results[grade_id] = (result, _why_missing(result, grade_id, runs[:upto]))
                answered[grade_id] = session.answered[before:]
        session.run_cells()  # the cells below the last graded cell: their errors are reported
        for src in sources[read:]:
            reading.add(src)
    finally:
        session.close()
    for grade_id, (result, extra) in results.items():  # no credit through a circle (known once all checks ran)
        callee = circle(result.function, answered[grade_id], session.calls) if result.passed else None
        if callee is not None:
            results[grade_id] = (circle_result(checks[grade_id], callee), extra)
    tests = [_test_result(*results[cast(str, grade_id)], points) for grade_id, points in source.tests]
    return _Graded(tests, runs, session, list(reading.flags), [(c, line, root) for c, line, root, _ in reading.absent],
                   [] if reading.defines_magics is not None else  # (else one may be defined when its line runs)
                   [m for m in reading.undefined_magics if not m[2].startswith("%%")])


def _why_missing(result: CheckResult, grade_id: str, above: list[CellRun]) -> str:
    """When the function is missing because the cell defining it failed: that cell's error."""
    broken = [r for r in above if r.grade_id == function_of(grade_id) and r.status != "ok"]
    return f"The cell that defines it failed: {broken[-1].error}" if broken and result.kind == "missing" else ""


def _notes(rebuilt: Rebuilt, graded: _Graded) -> list[str]:
    """restore's notes, the session's events, and a line on the cells that raised."""
    notes = list(rebuilt.notes) + list(graded.session.events)
    first: dict[str, tuple[int, int]] = {}
    for cell, line, root in graded.absent:
        first.setdefault(root, (cell, line))
    for root, (cell, line) in sorted(first.items())[:5]:  # (sandbox.failed_imports skips the import)
        notes.append(f"the notebook imports `{root}` (cell {cell}, line {line}), which cannot be imported where it is "
                     "graded (not installed there, or refused while grading): there an import of it at a cell's top "
                     "level is skipped, and the rest of its cell runs")
    for cell, line, name in graded.missing_magics[:3]:  # (sandbox.failed_imports skips its line)
        notes.append(f"the notebook uses `{name}` (cell {cell}, line {line}), a magic IPython does not have where it "
                     "is graded: there a line of it at a cell's top level is skipped, and the rest of its cell runs")
    errors = [run for run in graded.runs if run.status == "error"]
    if errors:
        notes.append(
            f"{len(errors)} cell(s) raised an error: "
            + "; ".join(f"cell {r.index}{f' (`{r.grade_id}`)' if r.grade_id else ''}: {r.error[:120]}"
                        for r in errors[:5])
        )
    return notes


def _execution(graded: _Graded, limits: Limits, sandbox_report: dict[str, Any] | None, duration_s: float) -> Execution:
    session = graded.session
    sandbox = dict(sandbox_report or {})
    sandbox.update(session.sandbox)
    sandbox["timeout_s"] = limits.timeout_s
    sandbox["respawns"] = session.respawns
    return Execution(cells=[run.to_dict() for run in graded.runs], duration_s=round(duration_s, 4),
                     stdout_truncated=bool(session.reported_output()["truncated"]),
                     output_bytes=int(session.reported_output()["bytes"]), sandbox=sandbox)
