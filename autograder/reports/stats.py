"""Numbers about a class, shared by the HTML report, the terminal table and ``--json``.

Everything is computed from a list of :class:`~autograder.reports.results.Result`
and comes out in a fixed order, so two runs on the same results (or merged
shards of one batch) give identical reports.
"""

from __future__ import annotations

import statistics
from collections import Counter

from autograder.reports.results import by_student, problem_sets, students

#: How many distinct mistakes to list per graded cell.
TOP_MISTAKES = 3


def ps_max_scores(results) -> dict:
    """``ps -> max_score`` (the largest seen, so an unreadable result does not lower it)."""
    out: dict = {}
    for r in results:
        out[r.assignment] = max(out.get(r.assignment, 0.0), r.max_score)
    return {ps: out[ps] for ps in problem_sets(results)}


def student_rows(results) -> list:
    """One row per student: ``{"student", "scores": {ps: score|None}, "total", "max_total", "flags"}``.

    A problem set the student did not submit scores ``None`` and counts 0 in the total.
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
            if r.not_run and not bad:
                flags.append(f"{ps}: notebook not run")
        rows.append({
            "student": student,
            "scores": scores,
            "total": sum(s for s in scores.values() if s is not None),
            "max_total": max_total,
            "flags": flags,
        })
    return rows


#: Failure kinds that are about the whole notebook, not about one graded cell.
NOT_RUN_KINDS = ("unreadable",)


def mistake_label(test: dict) -> str:
    """How a failed test is grouped in the item analysis: its hint, else its kind."""
    if test.get("hint"):
        return test["hint"]
    kind = test.get("kind") or "failed"
    return {
        "missing": "(no hint) function not defined: the notebook did not run, or a wrong name",
        "timeout": "(no hint) the call did not finish within the time limit",
        "crashed": "(no hint) the call ended the Python process",
        "unreadable": "(no hint) the notebook could not be read (invalid JSON, empty file …)",
    }.get(kind, f"(no hint) {kind}")


def item_analysis(results) -> dict:
    """``ps -> [item]`` per graded cell, in notebook order.

    An item is ``{"grade_id", "max_score", "n", "passed", "not_run", "pass_rate", "mean_score",
    "mistakes": [{"label", "count"}], "other_mistakes"}`` with the most frequent mistakes first;
    failures of notebooks that could not be read at all count in ``not_run``, not as mistakes
    (they say nothing about this cell).
    """
    out: dict = {}
    for ps in problem_sets(results):
        items: dict = {}
        for r in results:
            if r.assignment != ps:
                continue
            for t in r.tests:
                item = items.setdefault(t["name"], {"grade_id": t["name"], "max_score": 0.0, "scores": [],
                                                    "passed": 0, "not_run": 0, "mistakes": Counter()})
                item["max_score"] = max(item["max_score"], t["max_score"])
                item["scores"].append(t["score"])
                if t["status"] == "passed":
                    item["passed"] += 1
                elif t.get("kind") in NOT_RUN_KINDS:
                    item["not_run"] += 1
                else:
                    item["mistakes"][mistake_label(t)] += 1
        rows = []
        for item in items.values():
            n = len(item["scores"])
            mistakes = sorted(item["mistakes"].items(), key=lambda kv: (-kv[1], kv[0]))
            rows.append({
                "grade_id": item["grade_id"],
                "max_score": item["max_score"],
                "n": n,
                "passed": item["passed"],
                "not_run": item["not_run"],
                "pass_rate": item["passed"] / n if n else 0.0,
                "mean_score": sum(item["scores"]) / n if n else 0.0,
                "mistakes": [{"label": label, "count": count} for label, count in mistakes[:TOP_MISTAKES]],
                "other_mistakes": sum(count for _, count in mistakes[TOP_MISTAKES:]),
            })
        out[ps] = rows
    return out


def distribution(values) -> dict:
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


def ps_summary(results) -> dict:
    """``ps -> {"max_score", "n", "mean", "median", "min", "max", "full_marks"}``."""
    maxes = ps_max_scores(results)
    out = {}
    for ps, max_score in maxes.items():
        scores = [r.score for r in results if r.assignment == ps]
        d = distribution(scores)
        d["max_score"] = max_score
        d["full_marks"] = sum(1 for s in scores if max_score and s >= max_score)
        out[ps] = d
    return out


def class_summary(results) -> dict:
    rows = student_rows(results)
    totals = [row["total"] for row in rows]
    d = distribution(totals)
    d["max_score"] = rows[0]["max_total"] if rows else 0.0
    d["students"] = len(students(results))
    d["submissions"] = len(results)
    d["flagged"] = sum(1 for r in results if r.flagged)
    return d
