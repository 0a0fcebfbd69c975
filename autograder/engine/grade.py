"""Grade one submission: read, restore, run in the sandbox, check, score.

Everything here runs in the trusted parent. The child only executes cells
and answers calls; the checks (:func:`autograder.checks.evaluate.evaluate`)
compare its plain answers with the references computed here, and the points
come from the source notebook's metadata.
"""

from __future__ import annotations

import time

from autograder.checks.evaluate import evaluate
from autograder.course import function_of
from autograder.engine.execute import CellRun, RemoteTarget, Session
from autograder.engine.notebook import SourceNotebook, Unreadable, load_submission
from autograder.engine import static
from autograder.engine.restore import rebuild


def _test_entry(result, points: float, extra: str = "") -> dict:
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
    tests = []
    analysis = static.Notebook(  # forbidden uses and tampering flags, read from the source in this process
        [static.Source(c.index, c.source, student=c.origin != "source") for c in rebuilt.cells if c.runs],
        contract={function_of(gid) for gid, _ in source.tests})
    try:
        session.run_cells()
        target = RemoteTarget(session, analysis)
        failed_cells = {run.grade_id: run for run in runs if run.grade_id and run.status != "ok"}
        for grade_id, points in source.tests:
            target.prefetch(checks[grade_id])
            result = evaluate(checks[grade_id], target)
            target.finish()
            extra = ""
            broken = failed_cells.get(function_of(grade_id))
            if broken is not None and result.kind == "missing":
                extra = f"The cell that defines it failed: {broken.error}"
            tests.append(_test_entry(result, points, extra))
    finally:
        session.close()

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
