"""Grade one submission: read, restore, run in the sandbox, check, score.

Everything here runs in the trusted parent. The child only executes cells
and answers calls; the checks (:func:`autograder.checks.evaluate.evaluate`)
compare its plain answers with the references computed here, and the points
come from the source notebook's metadata.

In notebook order, as ``nbgrader autograde`` and "Restart & Run All": the
cells run top to bottom, and each graded cell's check is evaluated when the
cells above it have run, so it sees what they defined and nothing below (a
function defined in a later cell is missing; a scratch cell at the bottom
that rebinds a function does not change its grade).
"""

from __future__ import annotations

import time

from autograder.checks.evaluate import carried_answer, evaluate
from autograder.course import function_of
from autograder.engine.execute import CellRun, RemoteTarget, Session
from autograder.engine.notebook import SourceNotebook, Unreadable, load_submission
from autograder.engine import static
from autograder.engine.restore import rebuild


def _check_points(cells, tests: dict):
    """``(number of executed cells above, [grade_ids])`` per graded test cell, in notebook order.

    A graded cell of the source missing from the rebuilt notebook (it never
    is: restore puts every one back) is checked after all cells.
    """
    points, ran, seen = [], 0, set()
    for cell in cells:
        if cell.runs:
            ran += 1
        elif cell.is_test and cell.grade_id in tests and cell.grade_id not in seen:
            seen.add(cell.grade_id)
            points.append((ran, [cell.grade_id]))
    rest = [gid for gid in tests if gid not in seen]
    if rest:
        points.append((ran, rest))
    return points


def _test_entry(result, extra: str, points: float) -> dict:
    message = result.message + (f" {extra}" if extra and not result.passed else "")
    hint = result.hint if not result.passed else ""
    return {
        "name": result.grade_id,
        "score": float(points) if result.passed else 0.0,
        "max_score": float(points),
        "status": "passed" if result.passed else "failed",
        "output": f"{message}\nHint: {hint}" if hint else message,
        "message": message,
        "hint": hint,
        "kind": result.kind,
    }


def unreadable_results(student: str, assignment: str, source: SourceNotebook, reason: str) -> dict:
    """Score 0 with the reason on every test: the notebook could not be read at all."""
    message = f"The notebook could not be graded: {reason}."
    return {
        "score": 0.0,
        "max_score": source.max_score,
        "student": student,
        "assignment": assignment,
        "tests": [
            {"name": gid, "score": 0.0, "max_score": float(points), "status": "failed", "output": message,
             "message": message, "hint": "", "kind": "unreadable"}
            for gid, points in source.tests
        ],
        "execution": {"cells": [], "duration_s": 0.0, "stdout_truncated": False, "sandbox": {}},
        "tamper": [],
        "flags": [],
        "student_code": {},
        "notes": [reason],
    }


def grade_submission(path, student: str, assignment: str, source: SourceNotebook, checks: dict, zygote,
                     slot: int, limits, sandbox_report: dict | None = None) -> dict:
    """The results.json content of one submission.

    ``checks`` maps every graded grade_id of ``source`` to its
    :class:`~autograder.checks.model.Check`. Raises only when the grader
    itself fails (:class:`~autograder.engine.pool.GraderError`).
    """
    started = time.monotonic()
    if path is None:
        return unreadable_results(student, assignment, source, "no notebook was found in the submission folder")
    try:
        cells = load_submission(path)
    except Unreadable as exc:
        return unreadable_results(student, assignment, source, str(exc))

    rebuilt = rebuild(source, cells)
    runs = [CellRun(c.index, c.grade_id, c.source) for c in rebuilt.cells if c.runs]
    session = Session(zygote, slot, runs, limits)
    # forbidden uses and tampering flags, read from the source in this process, cell by cell as they run
    sources = [static.Source(c.index, c.source, student=c.origin != "source") for c in rebuilt.cells if c.runs]
    analysis = static.Notebook(contract={function_of(gid) for gid, _ in source.tests})
    target = RemoteTarget(session, analysis, carried_answer)
    results, read = {}, 0
    try:
        for upto, grade_ids in _check_points(rebuilt.cells, dict(source.tests)):
            if upto > read:  # cells ran since the last graded cell: what they define counts from here
                for src in sources[read:upto]:
                    analysis.add(src)
                read = upto
                session.run_cells(upto)
                target.refresh()
            above = runs[:upto]
            for grade_id in grade_ids:
                target.prefetch(checks[grade_id])
                result = evaluate(checks[grade_id], target)
                target.finish()
                extra = ""
                broken = [r for r in above if r.grade_id == function_of(grade_id) and r.status != "ok"]
                if broken and result.kind == "missing":
                    extra = f"The cell that defines it failed: {broken[-1].error}"
                results[grade_id] = (result, extra)
        session.run_cells()  # the cells below the last graded cell: their errors are reported
        for src in sources[read:]:
            analysis.add(src)
    finally:
        session.close()
    tests = [_test_entry(*results[grade_id], points) for grade_id, points in source.tests]

    notes = list(rebuilt.notes) + list(session.events)
    errors = [run for run in runs if run.status == "error"]
    if errors:
        notes.append(
            f"{len(errors)} cell(s) raised an error: "
            + "; ".join(f"cell {r.index}{f' (`{r.grade_id}`)' if r.grade_id else ''}: {r.error[:120]}"
                        for r in errors[:5])
        )
    sandbox = dict(sandbox_report or {})
    sandbox.update(session.sandbox)
    sandbox["timeout_s"] = limits.timeout_s
    sandbox["respawns"] = session.respawns
    return {
        "score": float(sum(t["score"] for t in tests)),
        "max_score": source.max_score,
        "student": student,
        "assignment": assignment,
        "tests": tests,
        "execution": {
            "cells": [run.to_dict() for run in runs],
            "duration_s": round(time.monotonic() - started, 4),
            "stdout_truncated": bool(session.output["truncated"]),
            "output_bytes": int(session.output["bytes"]),
            "sandbox": sandbox,
        },
        "tamper": list(rebuilt.tamper),
        "flags": list(analysis.flags),
        "student_code": dict(rebuilt.student_code),
        "notes": notes,
    }
