"""Numbers about a class, shared by the HTML report, the terminal table and ``--json``.

Everything is computed from a list of :class:`~autograder.model.results.SubmissionResult`
and comes out in a fixed order, so two runs on the same results (or merged
shards of one batch) give identical reports.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

from autograder.model.invariant import known
from autograder.model.results import SubmissionResult, TestResult, problem_sets
from autograder.reports.grouping import by_student, students

#: How many distinct mistakes to list per graded cell.
TOP_MISTAKES = 3


def ps_max_scores(results: Iterable[SubmissionResult]) -> dict[str, float]:
    """``ps -> max_score`` (the largest seen, so an unreadable result does not lower it)."""
    out: dict[str, float] = {}
    for r in results:
        out[r.assignment] = max(out.get(r.assignment, 0.0), r.max_score)
    return {ps: out[ps] for ps in problem_sets(results)}


def student_rows(results: Iterable[SubmissionResult]) -> list[dict[str, Any]]:
    """One row per student: ``{"student", "scores": {ps: score|None}, "total", "max_total", "pending":
    {ps: points}, "pending_total", "late_penalty", "flags"}``.

    A problem set the student did not submit scores ``None`` and counts 0 in the total. Scores are
    the points earned so far, after any late penalty (``late_penalty``: the points late submissions
    lost); ``pending`` holds, per problem set, the points of answer cells still
    awaiting grading (only problem sets with some), ``pending_total`` their sum.
    """
    maxes = ps_max_scores(results)
    max_total = sum(maxes.values())
    rows = []
    for student, subs in by_student(results).items():
        scores = {ps: (subs[ps].score if ps in subs else None) for ps in maxes}
        flags = []
        for ps, r in subs.items():
            if r.unreadable:
                flags.append(f"{ps}: unreadable results")
            if r.tamper:
                flags.append(f"{ps}: test cells changed")
            bad = [c for c in r.cell_problems if c.get("status") in ("error", "timeout")]
            if any(c.get("status") == "timeout" for c in bad):
                flags.append(f"{ps}: timeout")
            elif bad:
                flags.append(f"{ps}: cell errors")
            if r.grading_error:
                flags.append(f"{ps}: the grader failed on it (score 0 recorded): {r.not_run_reason or 'see summary.json'}")
            elif r.not_run and not bad:
                flags.append(f"{ps}: not graded: {r.not_run_reason or 'the notebook could not be run'}")
            for f in r.flags[:5]:
                where = f"cell {f['cell']}: " if f.get("cell") is not None else ""
                flags.append(f"{ps}: to look at: {where}{f['reason']}")
            if r.late is not None and r.late.unknown_time:
                flags.append(f"{ps}: submission time unknown ({r.late.time_detail}): no late penalty applied")
        pending = {ps: subs[ps].pending_points for ps in maxes if ps in subs and subs[ps].pending_points}
        rows.append({
            "student": student,
            "scores": scores,
            "total": sum(s for s in scores.values() if s is not None),
            "max_total": max_total,
            "pending": pending,
            "pending_total": sum(pending.values()),
            "late_penalty": sum(r.late_penalty for r in subs.values()),
            "flags": flags,
        })
    return rows


#: Failure kinds that are about the whole notebook, not about one graded cell.
NOT_RUN_KINDS = ("unreadable",)
#: A function still the untouched template (it raises ``NotImplementedError``): not a mistake.
NOT_ATTEMPTED_KINDS = ("not-attempted",)

#: A graded cell separates strong from weak submissions when its corrected item–total
#: correlation is at least this (the usual rule of thumb: below 0.2 discriminates poorly).
MIN_DISCRIMINATION = 0.2
#: Fewer submissions than this and no cell is flagged (the correlation is too noisy).
MIN_N_FOR_FLAG = 5


#: What a failed test without a hint was, in an instructor's words (one line per failure kind).
KIND_LABELS = {
    "missing": "Function not defined: the notebook did not run, or the function has another name",
    "forbidden": "Uses a ready-made library version of the function",
    "raised": "Raised an exception on valid input",
    "timeout": "The call did not finish within the time limit",
    "crashed": "The call ended the Python process",
    "no-raise": "Did not raise ValueError on invalid input",
    "wrong-exception": "Raised another exception than ValueError on invalid input",
    "type": "Returned something other than numbers",
    "shape": "Returned a result of the wrong shape",
    "nonfinite": "Returned nan or inf where the result is finite (or missed an infinity)",
    "value": "Wrong values (no known mistake recognised)",
    "warning": "Raised a RuntimeWarning",
    "mutation": "Modified an input in place (or its code may)",
    "unverifiable": "Purity could not be judged from the source (code the grader cannot read)",
    "lists": "Gave another result for nested lists than for arrays",
    "stub": "Computes nothing (a stub): the property cannot be judged",
    "no-result": "Raised on every input of a property cell: the property cannot be judged",
    "unreadable": "The notebook could not be read (invalid JSON, empty file …)",
    "not-attempted": "Not attempted yet",
}


def mistake_label(test: TestResult) -> str:
    """How a failed test is grouped in the item analysis: its hint, else what its kind of failure means."""
    if test.hint:
        return test.hint
    kind = test.kind or "failed"
    return KIND_LABELS.get(kind, f"Failed ({kind.replace('-', ' ')})")


def discrimination(item_scores: Sequence[float], rest_scores: Sequence[float]) -> float | None:
    """Corrected item–total correlation: Pearson's r of a cell's points with the rest of the score.

    .. math:: r = \\frac{\\sum_k (x_k - \\bar x)(y_k - \\bar y)}
                      {\\sqrt{\\sum_k (x_k - \\bar x)^2 \\sum_k (y_k - \\bar y)^2}}

    with :math:`x_k` the points submission :math:`k` got on the cell and
    :math:`y_k` its score on the *other* cells of the problem set (so the
    cell does not correlate with itself). For a pass/fail cell this is the
    point-biserial correlation.

    Parameters
    ----------
    item_scores, rest_scores : sequence of float
        One value per submission, same length.

    Returns
    -------
    float or None
        ``r`` in [-1, 1]; None with fewer than 3 submissions or when either
        side does not vary (every submission passed, or failed, the cell).
    """
    import numpy as np

    x = np.asarray(item_scores, dtype=np.float64)
    y = np.asarray(rest_scores, dtype=np.float64)
    if x.size < 3 or x.shape != y.shape:
        return None
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(dx @ dx), float(dy @ dy)
    if sxx <= 0.0 or syy <= 0.0:
        return None
    return float(np.clip((dx @ dy) / np.sqrt(sxx * syy), -1.0, 1.0))


def _item_row(item: dict[str, Any]) -> dict[str, Any]:
    n = len(item["scores"]) + item["pending"]  # the notebooks that were read
    mistakes = sorted(item["mistakes"].items(), key=lambda kv: (-kv[1], kv[0]))
    r = discrimination([x for x, _ in item["pairs"]], [y for _, y in item["pairs"]])
    flag = ""
    if len(item["pairs"]) >= MIN_N_FOR_FLAG and r is not None and r < MIN_DISCRIMINATION:
        flag = (f"does not separate strong from weak submissions (r = {r:.2f} < {MIN_DISCRIMINATION}): "
                "check that it tests what it should")
    return {
        "grade_id": item["grade_id"],
        "max_score": item["max_score"],
        "n": n,
        "passed": item["passed"],
        "not_run": item["not_run"],
        "not_attempted": item["not_attempted"],
        "pass_rate": item["passed"] / n if n else 0.0,
        "difficulty": item["passed"] / n if n else 0.0,
        "discrimination": None if r is None else round(r, 4),
        "flag": flag,
        "mean_score": sum(item["scores"]) / len(item["scores"]) if item["scores"] else 0.0,
        "manual": item["manual"],
        "pending": item["pending"],
        "not_answered": item["not_answered"],
        "mistakes": [{"label": label, "count": count} for label, count in mistakes[:TOP_MISTAKES]],
        "other_mistakes": sum(count for _, count in mistakes[TOP_MISTAKES:]),
    }


def item_analysis(results: Sequence[SubmissionResult]) -> dict[str, list[dict[str, Any]]]:
    """``ps -> [item]`` per graded cell, in notebook order.

    An item is ``{"grade_id", "max_score", "n", "passed", "not_run", "not_attempted", "pass_rate",
    "difficulty", "discrimination", "flag", "mean_score", "manual", "pending", "not_answered", "mistakes":
    [{"label", "count"}], "other_mistakes"}`` with the most frequent mistakes first. ``manual`` marks an
    answer cell a person grades; ``pending`` counts its submissions still awaiting that (they are in ``n``,
    but in no score, mean or correlation: their points are not known yet), ``not_answered`` those left as
    released (0 points, in every statistic), and ``passed`` its full marks given by hand. ``difficulty`` is the pass rate
    (classical test theory's p-value); ``discrimination`` the corrected item–total correlation
    (:func:`discrimination`); ``flag`` says why a cell with at least
    :data:`MIN_N_FOR_FLAG` such submissions does not separate strong from weak ones. Functions left as
    the template count in ``not_attempted``, not as mistakes. A notebook that could not be read says
    nothing about any cell: it counts in ``not_run`` only, and in none of the other numbers (``n``, the
    pass rate, the mean, the discrimination): it is a submission's problem, shown once per problem set
    (:func:`unreadable_notebooks`), not a mistake under every cell.
    """
    out: dict = {}
    for ps in problem_sets(results):
        subs = [r for r in results if r.assignment == ps]
        items: dict = {}
        for r in subs:
            for t in r.tests:
                item = items.setdefault(t.name, {"grade_id": t.name, "max_score": 0.0, "scores": [],
                                                    "pairs": [], "passed": 0, "not_run": 0, "not_attempted": 0,
                                                    "manual": False, "pending": 0, "not_answered": 0,
                                                    "mistakes": Counter()})
                item["max_score"] = max(item["max_score"], t.max_score)
                item["manual"] = item["manual"] or t.manual
                if t.pending:  # awaiting a person: its points are not known, so it is in no statistic
                    item["pending"] += 1
                    continue
                if t.kind in NOT_RUN_KINDS:  # a notebook that never ran says nothing about a cell
                    item["not_run"] += 1
                    continue
                score = known(t.score, "a test that is not pending has a score")
                item["scores"].append(score)
                item["pairs"].append((score, sum(u.earned for u in r.tests) - score))
                if t.passed:
                    item["passed"] += 1
                elif t.kind in NOT_ATTEMPTED_KINDS:
                    item["not_attempted"] += 1
                elif t.manual:  # graded by hand (the comment is for the student, not a mistake label), or blank
                    item["not_answered"] += int(t.unanswered)
                else:
                    item["mistakes"][mistake_label(t)] += 1
        out[ps] = [_item_row(item) for item in items.values()]
    return out


def unreadable_notebooks(results: Iterable[SubmissionResult]) -> dict[str, int]:
    """``ps -> how many of its notebooks could not be read`` (every graded cell of theirs failed as
    ``unreadable``), for the problem sets that have any."""
    out: dict = {}
    for r in results:
        if r.tests and all(t.kind in NOT_RUN_KINDS for t in r.tests):
            out[r.assignment] = out.get(r.assignment, 0) + 1
    return out


def distribution(values: Iterable[float]) -> dict[str, Any]:
    values = list(values)
    if not values:
        return {"n": 0, "mean": None, "median": None, "min": None, "max": None}
    return {
        "n": len(values),
        "mean": round(statistics.fmean(values), 4),
        "median": round(statistics.median(values), 4),
        "min": min(values),
        "max": max(values),
    }


def ps_summary(results: Sequence[SubmissionResult]) -> dict[str, dict[str, Any]]:
    """``ps -> {"max_score", "n", "mean", "median", "min", "max", "full_marks", "pending_submissions",
    "pending_points"}``: scores are the points earned so far; ``pending_submissions`` counts the
    submissions with answer cells awaiting grading, ``pending_points`` adds up those points."""
    maxes = ps_max_scores(results)
    out = {}
    for ps, max_score in maxes.items():
        subs = [r for r in results if r.assignment == ps]
        scores = [r.score for r in subs]
        d = distribution(scores)
        d["max_score"] = max_score
        d["full_marks"] = sum(1 for s in scores if max_score and s >= max_score)
        d["pending_submissions"] = sum(1 for r in subs if r.pending_points)
        d["pending_points"] = float(sum(r.pending_points for r in subs))
        out[ps] = d
    return out


def class_summary(results: Sequence[SubmissionResult], rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    rows = student_rows(results) if rows is None else rows
    totals = [row["total"] for row in rows]
    d = distribution(totals)
    d["max_score"] = rows[0]["max_total"] if rows else 0.0
    d["students"] = len(students(results))
    d["submissions"] = len(results)
    d["flagged"] = sum(1 for r in results if r.flagged)
    d["pending_submissions"] = sum(1 for r in results if r.pending_points)
    d["pending_answers"] = sum(len(r.pending) for r in results)
    d["pending_points"] = float(sum(r.pending_points for r in results))
    return d


class ClassStats:
    """Every statistic of a class, each computed once, for the three renderers.

    ``report.html``, the terminal tables and ``--json`` all show the same
    numbers: :func:`autograder.reports.write_reports` computes them once
    (``stats.of(results)``) and hands this object to each renderer; a renderer
    given a plain list of results makes its own.
    """

    def __init__(self, results: Iterable[SubmissionResult]) -> None:
        self.results = list(results)

    @cached_property
    def max_scores(self) -> dict[str, float]:
        return ps_max_scores(self.results)

    @cached_property
    def rows(self) -> list[dict[str, Any]]:
        return student_rows(self.results)

    @cached_property
    def items(self) -> dict[str, list[dict[str, Any]]]:
        return item_analysis(self.results)

    @cached_property
    def problem_sets(self) -> dict[str, dict[str, Any]]:
        return ps_summary(self.results)

    @cached_property
    def overall(self) -> dict[str, Any]:
        return class_summary(self.results, self.rows)


def of(results: Iterable[SubmissionResult] | ClassStats) -> ClassStats:
    """``results`` as :class:`ClassStats` (itself when it already is one)."""
    return results if isinstance(results, ClassStats) else ClassStats(results)

