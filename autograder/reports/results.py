"""Read a results folder: ``RESULTS/<student>/<ps>/results.json``, one per submission.

The grading engine writes these files (Gradescope's results schema plus the
execution and tamper notes); everything in :mod:`autograder.reports` is built
from them alone, so reports can be regenerated, merged across shards, or
produced on another machine than the one that graded.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import PROBLEM_SETS, function_of
from autograder.files import FEEDBACK_FILE, GRADES_FILE, REPORT_FILE, RESULTS_FILE  # noqa: F401 (re-exported)


@dataclass
class Result:
    """One submission's results.json, with defaults for anything missing."""

    student: str
    assignment: str
    score: float
    max_score: float
    tests: list = field(default_factory=list)
    execution: dict = field(default_factory=dict)
    tamper: list = field(default_factory=list)
    student_code: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    path: Path | None = None
    #: Why the file could not be read ("" when it could).
    unreadable: str = ""
    #: ``[{"cell", "reason"}]``: what the sandbox saw that an instructor should look at.
    flags: list = field(default_factory=list)
    #: Set when the grader itself failed on this submission (score 0 recorded with the reason).
    grading_error: str = ""

    @property
    def folder(self) -> Path | None:
        return None if self.path is None else self.path.parent

    @property
    def passed(self) -> int:
        return sum(1 for t in self.tests if t.get("status") == "passed")

    @property
    def cell_problems(self) -> list:
        """Execution records of cells that raised, timed out or were skipped."""
        cells = (self.execution or {}).get("cells") or []
        return [c for c in cells if c.get("status") not in (None, "ok")]

    @property
    def not_run(self) -> bool:
        """Nothing of the notebook ran (invalid JSON, empty file …): notes say why."""
        return bool(self.notes) and not self.student_code and self.passed == 0

    @property
    def not_run_reason(self) -> str:
        """Why nothing of the notebook ran (the grader's first note), "" when it ran."""
        return self.notes[0] if self.not_run and self.notes else ""

    @property
    def flagged(self) -> bool:
        """Something the instructor should look at: tampering, a failing cell, unreadable results,
        a sandbox flag, a grading error."""
        return bool(self.tamper or self.unreadable or self.not_run or self.flags or self.grading_error or any(
            c.get("status") in ("error", "timeout") for c in self.cell_problems
        ))


def _number(value, default=0.0) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return default
    return x if math.isfinite(x) else default


def parse_result(data: dict, student: str = "", assignment: str = "", path: Path | None = None) -> Result:
    """A :class:`Result` from a results.json object (tolerant of missing fields)."""
    tests = []
    for t in data.get("tests") or []:
        if not isinstance(t, dict):
            continue
        t = dict(t)
        t["name"] = str(t.get("name") or t.get("grade_id") or "?")
        t["score"] = _number(t.get("score"))
        t["max_score"] = _number(t.get("max_score"))
        if t.get("status") not in ("passed", "failed"):
            t["status"] = "passed" if t["max_score"] and t["score"] >= t["max_score"] else "failed"
        message, hint = t.get("message"), t.get("hint")
        if message is None:
            output = str(t.get("output") or "")
            message, _, hint_part = output.partition("\nHint: ")
            hint = hint if hint is not None else hint_part
        t["message"] = str(message or "")
        t["hint"] = str(hint or "")
        t["kind"] = str(t.get("kind") or "")
        tests.append(t)
    max_score = _number(data.get("max_score"), sum(t["max_score"] for t in tests))
    score = _number(data.get("score"), sum(t["score"] for t in tests))
    code = data.get("student_code") or {}
    flags, raw_flags = [], data.get("flags")
    for f in raw_flags if isinstance(raw_flags, list) else []:
        if isinstance(f, dict):
            cell = f.get("cell")
            flags.append({"cell": cell if isinstance(cell, int) and not isinstance(cell, bool) else None,
                          "reason": str(f.get("reason") or "flagged by the sandbox")[:2000]})
        elif isinstance(f, str):
            flags.append({"cell": None, "reason": f[:2000]})
    return Result(
        student=str(data.get("student") or student),
        assignment=str(data.get("assignment") or assignment),
        score=score,
        max_score=max_score,
        tests=tests,
        execution=data.get("execution") if isinstance(data.get("execution"), dict) else {},
        tamper=[str(x) for x in data.get("tamper") or []],
        student_code={str(k): str(v) for k, v in code.items()} if isinstance(code, dict) else {},
        notes=[str(x) for x in data.get("notes") or []],
        path=path,
        flags=flags,
        grading_error=str(data.get("grading_error") or ""),
    )


def result_files(results_dir) -> list:
    """Every ``<student>/<ps>/results.json`` under ``results_dir``, sorted."""
    return sorted(Path(results_dir).glob(f"*/*/{RESULTS_FILE}"))


def load_result(path) -> Result:
    path = Path(path)
    student, assignment = path.parent.parent.name, path.parent.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        return Result(student, assignment, 0.0, 0.0, path=path, unreadable=f"{type(exc).__name__}: {exc}")
    return parse_result(data, student, assignment, path)


def load_results(results_dir) -> list:
    """All results of a folder, sorted by (student, problem set)."""
    return sorted((load_result(p) for p in result_files(results_dir)), key=lambda r: (r.student, ps_key(r.assignment)))


def ps_key(ps: str):
    """Sort key: the course's problem sets in course order, then any other id."""
    return (PROBLEM_SETS.index(ps), "") if ps in PROBLEM_SETS else (len(PROBLEM_SETS), ps)


def problem_sets(results) -> list:
    return sorted({r.assignment for r in results}, key=ps_key)


def students(results) -> list:
    return sorted({r.student for r in results})


def by_student(results) -> dict:
    """``student -> {ps: Result}``."""
    out: dict = {}
    for r in results:
        out.setdefault(r.student, {})[r.assignment] = r
    return dict(sorted(out.items()))


def test_function(test: dict) -> str:
    """The contract function a test (grade_id) belongs to."""
    return function_of(test["name"]) if "-" in test["name"] else test["name"]


def fmt_points(x: float) -> str:
    """``2.0 -> "2"``, ``1.5 -> "1.5"``, ``1/3 -> "0.33"``."""
    x = round(float(x), 2)
    return str(int(x)) if x == int(x) else f"{x:g}"
