"""Hand-written results folders in the engine's output format, for the report tests.

The grading engine's contract (``RESULTS/<student>/<ps>/results.json``) is
all the reports read, so they are tested on fixtures written here; the demo
test runs the real engine end to end.
"""

from __future__ import annotations

import json
from pathlib import Path

from autograder.model.course import FUNCTIONS, GRADE_CELLS, function_of
from autograder.model.results import TestResult

OVERFLOW_HINT = (
    "Large logits overflow `np.exp`: subtract each slice's maximum before exponentiating "
    "(`z - z.max(axis=axis, keepdims=True)`); the result is mathematically the same."
)
CLIP_HINT = "Do not clip p with an epsilon: use `scipy.special.xlogy` so that 0 · log 0 = 0 exactly."
VARIANCE_HINT = "`sigma` is a standard deviation: divide by sigma**2 in the exponent, and subtract log(sigma), not ½ log(sigma)."
KL_HINT = "You computed KL(q ‖ p) instead of KL(p ‖ q): the divergence is not symmetric."
MEAN_HINT = "Average over the N rows (`.mean()`), do not sum them."

#: A hostile string: must come out escaped wherever it is shown.
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'

CORRECT_CODE = {
    "logsumexp": "def logsumexp(z, axis=-1):\n    z = np.asarray(z, dtype=float)\n    m = np.max(z, axis=axis, keepdims=True)\n    return np.squeeze(m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)), axis=axis)\n",
    "softmax": "def softmax(z, axis=-1, temperature=1.0):\n    if temperature <= 0:\n        raise ValueError('temperature must be > 0')\n    z = np.asarray(z, dtype=float) / temperature\n    e = np.exp(z - z.max(axis=axis, keepdims=True))\n    return e / e.sum(axis=axis, keepdims=True)\n",
}
NAIVE_SOFTMAX = "def softmax(z, axis=-1, temperature=1.0):\n    e = np.exp(np.asarray(z) / temperature)  # a < b && c > d\n    return e / e.sum(axis=axis, keepdims=True)\n"


def message(grade_id: str, passed: bool, detail: str = "the values differ from the reference") -> str:
    fn = function_of(grade_id)
    if passed:
        return f"{fn}: passed — checks {grade_id.split('-')[-1]}."
    return f"{fn}: checks {grade_id.split('-')[-1]}. Failed on hidden probe: {detail}."


def make_result(student, ps, failing=None, tamper=(), cells=(), code=None, notes=(), answers=None):
    """A results.json dict; ``failing`` maps grade_id -> (kind, detail, hint); ``answers`` maps an answer
    cell's grade_id -> (points, the student's text, the points a person gave or None while pending)."""
    failing = failing or {}
    tests = []
    for grade_id, points in GRADE_CELLS[ps]:
        if grade_id in failing:
            kind, detail, hint = failing[grade_id]
            msg = message(grade_id, False, detail)
            tests.append({
                "name": grade_id, "score": 0.0, "max_score": float(points), "status": "failed",
                "output": f"{msg}\nHint: {hint}" if hint else msg, "message": msg, "hint": hint, "kind": kind,
            })
        else:
            msg = message(grade_id, True)
            tests.append({
                "name": grade_id, "score": float(points), "max_score": float(points), "status": "passed",
                "output": msg, "message": msg, "hint": "", "kind": "",
            })
    for grade_id, (points, text, given) in (answers or {}).items():
        t = (TestResult.ungraded_answer(grade_id, points, text) if given is None
             else TestResult.graded_by_hand(grade_id, given, points))
        tests.append(t.to_json())
    if code is None:
        code = {fn: CORRECT_CODE.get(fn, f"def {fn}(*args):\n    ...  # {student}'s {fn}\n") for fn in FUNCTIONS[ps]}
    return {
        "score": sum(t["score"] or 0.0 for t in tests),
        "max_score": sum(t["max_score"] for t in tests),
        "pending_points": sum(t["max_score"] for t in tests if t["status"] == "pending"),
        "answers": {gid: text for gid, (_, text, _) in (answers or {}).items() if text is not None},
        "student": student,
        "assignment": ps,
        "tests": tests,
        "execution": {"cells": list(cells), "duration_s": 0.25, "stdout_truncated": False, "sandbox": {"uid": 65534}},
        "tamper": list(tamper),
        "student_code": code,
        "notes": list(notes),
    }


def write_result(results_dir, data) -> Path:
    path = Path(results_dir) / data["student"] / data["assignment"] / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    return path


def class_results():
    """A small class: every kind of result the reports must show."""
    overflow = ("nonfinite", "the result has nan/inf where the reference is finite", OVERFLOW_HINT)
    out = []
    for ps in SETS:
        out.append(make_result("ada", ps))
    out.append(make_result("ben", "ps1_softmax", failing={
        "softmax-stability": overflow, "log_softmax-stability": overflow,
    }, code={**CORRECT_CODE, "softmax": NAIVE_SOFTMAX, "log_softmax": "def log_softmax(z, axis=-1):\n    return np.log(softmax(z, axis))\n"}))
    out.append(make_result("ben", "ps4_bernoulli", failing={
        "binary_cross_entropy-edges": ("value", "p in {0, 1}", CLIP_HINT),
    }))
    out.append(make_result("cleo", "ps1_softmax", failing={"softmax-stability": overflow}))
    out.append(make_result("cleo", "ps3_gaussian", failing={
        "gaussian_log_pdf-basic": ("value", "the values differ from the reference", VARIANCE_HINT),
        "gaussian_log_pdf-broadcast": ("value", "the values differ from the reference", VARIANCE_HINT),
        "gaussian_log_likelihood-basic": ("value", "the values differ from the reference", VARIANCE_HINT),
    }))
    out.append(make_result("dan", "ps2_cross_entropy", failing={
        "cross_entropy-basic": ("value", "the values differ from the reference", MEAN_HINT),
        "cross_entropy-soft": ("value", "the values differ from the reference", MEAN_HINT),
    }))
    out.append(make_result("dan", "ps5_gaussian_kl", failing={
        "gaussian_kl-basic": ("value", "the values differ from the reference", KL_HINT),
        "gaussian_kl-broadcast": ("value", "the values differ from the reference", KL_HINT),
    }))
    out.append(make_result("eve", "ps1_softmax", tamper=[
        "test cell softmax-stability was deleted; restored from the source notebook",
        "test cell logsumexp-basic was edited; restored from the source notebook",
    ]))
    # broken notebooks: nothing ran, every test failed with the same reason
    missing = {gid: ("missing", f"`{function_of(gid)}` is not defined", "")
               for gid, _ in GRADE_CELLS["ps1_softmax"]}
    out.append(make_result("fay", "ps1_softmax", failing=missing, code={}, notes=[
        "The notebook is not valid JSON (Expecting ',' delimiter: line 12 column 5); nothing could be run.",
    ]))
    loop = {gid: ("missing", f"`{function_of(gid)}` is not defined", "")
            for gid, _ in GRADE_CELLS["ps3_gaussian"] if not gid.startswith("gaussian_log_pdf")}
    out.append(make_result("hal", "ps3_gaussian", failing=loop, cells=[
        {"index": 3, "grade_id": "gaussian_log_pdf-solution", "status": "ok", "error": ""},
        {"index": 7, "grade_id": "gaussian_log_likelihood-solution", "status": "timeout",
         "error": "the cell ran longer than 5 s and was stopped"},
        {"index": 9, "grade_id": None, "status": "skipped", "error": ""},
    ], code={"gaussian_log_pdf": "def gaussian_log_pdf(x, mu, sigma):\n    ...\n",
             "gaussian_log_likelihood": "def gaussian_log_likelihood(x, mu, sigma):\n    while True:\n        pass\n"}))
    # a hostile student: names and code that try to inject HTML
    out.append(make_result("zed", "ps1_softmax", failing={
        "softmax-basic": ("raised", f"raised ValueError: {XSS}", f"Hint with {XSS}"),
    }, code={"softmax": f"def softmax(z, axis=-1, temperature=1.0):\n    return '{XSS}'\n"},
        tamper=[f"test cell {XSS} was edited"]))
    return out


def points_of(grade_id: str) -> float:
    """The points of a graded cell, as the course declares them (a test computes its totals from the course)."""
    return dict(GRADE_CELLS[grade_id_set(grade_id)])[grade_id]


def grade_id_set(grade_id: str) -> str:
    return next(ps for ps in GRADE_CELLS if grade_id in dict(GRADE_CELLS[ps]))


def full(ps: str) -> float:
    """``ps``'s autograded points, as the course declares them."""
    return float(sum(points for _, points in GRADE_CELLS[ps]))


def score(student: str, ps: str) -> float:
    """What :func:`class_results` gives ``student`` on ``ps`` (its cells' points, but the failing ones)."""
    return next(r["score"] for r in class_results() if r["student"] == student and r["assignment"] == ps)


def g(value: float) -> str:
    """A number as the reports write it: ``40``, ``31.5``."""
    return f"{value:g}"


#: The problem sets the fixture class hands in.
SETS = ("ps1_softmax", "ps2_cross_entropy", "ps3_gaussian", "ps4_bernoulli", "ps5_gaussian_kl")


def write_class(results_dir, results=None) -> list:
    """Write the fixture class into ``results_dir``; returns the results.json paths."""
    return [write_result(results_dir, data) for data in (results or class_results())]


AXIS_HINT = "Reduce along `axis`, not always the last one: `np.max(z, axis=axis, keepdims=True)`."
TEMPERATURE_HINT = "Divide the logits by the temperature before exponentiating: softmax(z / T), not softmax(z) / T."

#: What the batch could not grade (summary.json's ``not_graded``), with paths and advice as long as real ones.
NOT_GRADED = [
    {"path": "bob/ps1_softmax.ipynb", "reason": "a notebook directly in the student's folder (one level too shallow)",
     "suggestion": "move it to bob/ps1_softmax/ps1_softmax.ipynb"},
    {"path": "dan/PS1_Softmax", "reason": "not a problem set of this course", "suggestion": "did you mean ps1_softmax?"},
    {"path": "maximilian-alexander-von-humboldt-universitaet/ps2_cross_entropy/ps2_cross_entropy-Copy1.ipynb",
     "reason": "only ps2_cross_entropy.ipynb is graded", "suggestion": "one notebook per problem set"},
]


def flagged_class_results():
    """:func:`class_results` plus ps1 submissions that make two graded cells "not separate strong from
    weak" (⚑): four strong students fail exactly the axis and temperature cells, a weak one passes them."""
    axis = ("value", "the values differ along axis 0", AXIS_HINT)
    temperature = ("value", "the values differ for temperature 0.5", TEMPERATURE_HINT)
    out = class_results()
    for student in ("gil", "ivy", "jon", "kai"):
        out.append(make_result(student, "ps1_softmax", failing={"logsumexp-axis": axis, "softmax-temperature": temperature}))
    weak = ("softmax-basic", "softmax-axis", "softmax-stability", "log_softmax-basic", "log_softmax-axis",
            "log_softmax-stability", "logsumexp-stability")
    out.append(make_result("lea", "ps1_softmax", failing={gid: ("value", "the values differ from the reference", "")
                                                        for gid in weak}))
    return out


def write_flagged_class(results_dir) -> list:
    """The flagged class and a summary.json whose batch left three things not graded."""
    paths = write_class(results_dir, flagged_class_results())
    (Path(results_dir) / "summary.json").write_text(json.dumps(
        {"sandbox": {"mode": "userns", "netns": True, "mountns": True}, "not_graded": NOT_GRADED}))
    return paths
