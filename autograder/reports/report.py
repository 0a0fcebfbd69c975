"""``report.html``: the class at a glance, for the instructor.

A grade histogram per problem set and for the total (inline SVG, drawn by
:mod:`~autograder.reports.histogram`), the item analysis (per graded cell: pass rate and the
most frequent hints, i.e. which mistakes the class made), the submissions that
need a look (tampering, cells that failed, notebooks that did not run), and
every student's scores with links to their feedback pages. Answer cells that
await manual grading are counted apart ("pending"): in no score, no mean and
no correlation until a person has graded them.
"""

from __future__ import annotations

import os

from autograder.reports import stats
from autograder.reports.histogram import histogram_svgs
from autograder.reports.jsonout import batch_info
from autograder.reports._html import bar, esc, inline_code, page, write_atomic
from autograder.reports.results import FEEDBACK_FILE, REPORT_FILE, fmt_points, load_results


def _overview(cs) -> str:
    c = cs.overall
    mean = "–" if c["mean"] is None else fmt_points(c["mean"])
    median = "–" if c["median"] is None else fmt_points(c["median"])
    return (
        '<header class="page"><div class="eyebrow">Class report</div><h1>Grades and item analysis</h1>'
        '<div class="stats">'
        f'<div class="stat"><b id="n-students">{c["students"]}</b><span class="muted">students</span></div>'
        f'<div class="stat"><b>{c["submissions"]}</b><span class="muted">submissions</span></div>'
        f'<div class="stat"><b>{mean}</b><span class="muted">mean total / {fmt_points(c["max_score"])}</span></div>'
        f'<div class="stat"><b>{median}</b><span class="muted">median total</span></div>'
        f'<div class="stat"><b>{c["flagged"]}</b><span class="muted">submissions to look at</span></div>'
        + (f'<div class="stat" id="pending"><b>{c["pending_answers"]}</b><span class="muted">answers awaiting '
           f'manual grading ({fmt_points(c["pending_points"])} points, not counted yet)</span></div>'
           if c.get("pending_answers") else "")
        + "</div></header>"
    )


def _histogram(cs) -> str:
    if not cs.results:
        return ""
    return (
        '<section class="card"><h2>Score distribution</h2>'
        '<p class="muted">Per problem set and in total (a missing submission counts 0); the dashed line is the '
        "mean. Hover over a bar for its count.</p>"
        f'<div class="charts">{"".join(histogram_svgs(cs))}</div></section>'
    )


def _per_ps_table(cs) -> str:
    pending = any(d.get("pending_submissions") for d in cs.problem_sets.values())
    rows = []
    for ps, d in cs.problem_sets.items():
        frac = (d["mean"] or 0.0) / d["max_score"] if d["max_score"] else 0.0
        waiting = (f'<td class="num">{d["pending_submissions"]} ({fmt_points(d["pending_points"])} pt)</td>'
                   if pending else "")
        rows.append(
            f'<tr><td><a href="#ps-{esc(ps)}">{esc(ps)}</a></td><td class="num">{d["n"]}</td>'
            f'<td class="num">{fmt_points(d["mean"] or 0)} / {fmt_points(d["max_score"])}</td><td>{bar(frac)}</td>'
            f'<td class="num">{fmt_points(d["median"] or 0)}</td><td class="num">{d["full_marks"]}</td>{waiting}</tr>'
        )
    note = ('<p class="muted">Scores so far: the points of answers awaiting manual grading are in none of them '
            "(the last column: submissions with such answers, and their points).</p>" if pending else "")
    return (
        f'<section class="card"><h2>Problem sets</h2>{note}<div class="table-wrap"><table><thead><tr>'
        '<th>problem set</th><th class="num">submissions</th><th class="num">mean</th><th></th>'
        '<th class="num">median</th><th class="num">full marks</th>'
        + ('<th class="num">awaiting manual grading</th>' if pending else "")
        + f'</tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>'
    )


def _discrimination_cell(it) -> str:
    r = it.get("discrimination")
    text = "–" if r is None else f"{r:.2f}"
    flag = f'<div class="flag">⚑ {esc(it["flag"])}</div>' if it.get("flag") else ""
    return f'<td class="num">{text}{flag}</td>'


def _items(cs) -> str:
    sections = []
    for ps, items in cs.items.items():
        rows = []
        for it in items:
            mistakes = "".join(
                f'<li><span class="count">{m["count"]}×</span> {inline_code(m["label"])}</li>' for m in it["mistakes"]
            )
            if it["other_mistakes"]:
                mistakes += f'<li class="muted">{it["other_mistakes"]} other failure(s)</li>'
            if it.get("not_attempted"):
                mistakes += f'<li class="muted">{it["not_attempted"]} not attempted (the function was left as given)</li>'
            if it["not_run"]:
                mistakes += f'<li class="muted">{it["not_run"]} notebook(s) could not be read</li>'
            if it.get("manual"):
                graded = it["n"] - it["pending"] - it["not_run"]
                mistakes += (f'<li class="muted">answer graded by hand: {graded} graded'
                             + (f', mean {fmt_points(it["mean_score"])} pt' if graded else "")
                             + (f', <strong>{it["pending"]} awaiting manual grading</strong>' if it["pending"] else "")
                             + "</li>")
            mistakes_html = f'<ol class="hints">{mistakes}</ol>' if mistakes else '<span class="muted">none</span>'
            rows.append(
                f'<tr><td class="gid">{esc(it["grade_id"])}</td><td class="num">{fmt_points(it["max_score"])} pt</td>'
                f'<td class="num">{it["passed"]}/{it["n"]} {bar(it["pass_rate"])}</td>{_discrimination_cell(it)}'
                f'<td class="wide">{mistakes_html}</td></tr>'
            )
        sections.append(
            f'<section class="card" id="ps-{esc(ps)}"><h2>Item analysis · {esc(ps)}</h2>'
            '<p class="muted">Per graded cell: its difficulty (how many submissions passed), its discrimination '
            "(the correlation of its points with the rest of the problem set's score: near 0 or negative, the "
            f"cell does not separate strong from weak submissions; ⚑ below {stats.MIN_DISCRIMINATION} with "
            f"{stats.MIN_N_FOR_FLAG} or more notebooks that ran), and the most frequent hints given on failures — "
            "the mistakes the class made. Functions left as given count as not attempted, not as mistakes.</p>"
            '<table class="checks stack"><colgroup><col style="width:230px"><col style="width:52px">'
            '<col style="width:150px"><col style="width:104px"><col></colgroup><thead><tr><th>graded cell</th>'
            '<th class="num">points</th><th class="num">passed</th><th class="num">discrimination</th>'
            f'<th>most frequent mistakes</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
        )
    return "\n".join(sections)


def _not_graded(results_dir) -> str:
    not_graded = batch_info(results_dir)["not_graded"]
    if not not_graded:
        return ""
    rows = "".join(
        f'<tr><td class="gid">{esc(n["path"])}</td><td>{esc(n["reason"])}</td><td>{esc(n["suggestion"])}</td></tr>'
        for n in not_graded
    )
    return (
        '<section class="card" id="not-graded"><h2>Not graded</h2>'
        '<p class="muted">Found in the submissions folder but not graded: these students have no score for it.</p>'
        '<div class="table-wrap"><table><thead><tr><th>path (in the submissions folder)</th><th>why</th>'
        f'<th>what to do</th></tr></thead><tbody>{rows}</tbody></table></div></section>'
    )


def _sandbox(results_dir) -> str:
    sandbox = batch_info(results_dir)["sandbox"]
    lines = [stats.sandbox_line(sb) for sb in (sandbox if isinstance(sandbox, list) else [sandbox])]
    lines = [line for line in lines if line]
    return "".join(f'<p class="muted">{esc(line)}</p>' for line in dict.fromkeys(lines))


def _attention(results, results_dir) -> str:
    flagged = [r for r in results if r.flagged]
    if not flagged:
        return ""
    rows = []
    for r in flagged:
        what = []
        if r.unreadable:
            what.append(f"results.json unreadable: {r.unreadable}")
        what += [f"tamper: {t}" for t in r.tamper]
        if r.grading_error:
            what.append("the grader failed on it (score 0 recorded; details in summary.json)")
        what += [f"to look at: cell {f['cell']}: {f['reason']}" if f.get("cell") is not None
                 else f"to look at: {f['reason']}" for f in r.flags]
        if r.not_run:
            what += list(r.notes)
        for c in r.cell_problems:
            if c.get("status") in ("error", "timeout"):
                gid = f" ({c['grade_id']})" if c.get("grade_id") else ""
                err = str(c.get("error") or "").strip().splitlines()
                what.append(f"cell {c.get('index')}{gid}: {c.get('status')}" + (f": {err[-1]}" if err else ""))
        link = _feedback_link(r, results_dir)
        items = "".join(f"<li>{inline_code(w)}</li>" for w in what)
        rows.append(
            f"<tr><td>{link}</td><td>{esc(r.assignment)}</td>"
            f'<td class="num">{fmt_points(r.score)} / {fmt_points(r.max_score)}</td><td class="wide"><ul>{items}</ul></td></tr>'
        )
    return (
        '<section class="card" id="attention"><h2>Submissions to look at</h2>'
        '<p class="muted">Changed or deleted test cells (restored before grading), cells that raised or timed out, '
        "notebooks that could not be run, what the sandbox flagged.</p>"
        '<table class="stack"><thead><tr><th>student</th><th>problem set</th><th class="num">score</th><th>what happened</th>'
        f'</tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
    )


def _feedback_link(r, results_dir) -> str:
    if r.folder is None:
        return esc(r.student)
    href = os.path.relpath(r.folder / FEEDBACK_FILE, results_dir).replace(os.sep, "/")
    return f'<a href="{esc(href)}">{esc(r.student)}</a>'


def _students(cs, results_dir) -> str:
    maxes = cs.max_scores
    any_pending = any(row["pending_total"] for row in cs.rows)
    by = {(r.student, r.assignment): r for r in cs.results}
    head = "".join(f'<th class="num">{esc(ps)}<br><span class="muted">/ {fmt_points(m)}</span></th>'
                   for ps, m in maxes.items())
    rows = []
    for row in cs.rows:
        cells = []
        for ps in maxes:
            r = by.get((row["student"], ps))
            if r is None:
                cells.append('<td class="num muted">–</td>')
            else:
                href = os.path.relpath(r.folder / FEEDBACK_FILE, results_dir).replace(os.sep, "/") if r.folder else ""
                mark = " ⚠" if r.flagged else ""
                cells.append(f'<td class="num"><a href="{esc(href)}">{fmt_points(r.score)}</a>{mark}</td>')
        pending = (f'<td class="num">{fmt_points(row["pending_total"]) if row["pending_total"] else "–"}</td>'
                   if any_pending else "")
        rows.append(
            f'<tr><td>{esc(row["student"])}</td>{"".join(cells)}'
            f'<td class="num pts">{fmt_points(row["total"])} / {fmt_points(row["max_total"])}</td>{pending}</tr>'
        )
    return (
        '<section class="card" id="students"><h2>Students</h2>'
        '<p class="muted">Each score links to the student\'s feedback page; ⚠ marks a submission to look at.'
        + (" Scores are the points earned so far; <em>pending</em> is what awaits manual grading." if any_pending
           else "")
        + f'</p><div class="table-wrap"><table><thead><tr><th>student</th>{head}<th class="num">total</th>'
        + ('<th class="num">pending</th>' if any_pending else "")
        + f'</tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>'
    )


def render_report(results, results_dir) -> str:
    """The class report as a complete HTML document (links relative to ``results_dir``).

    ``results``: the results, or their :class:`~autograder.reports.stats.ClassStats`.
    """
    cs = stats.of(results)
    if not cs.results:
        body = ('<header class="page"><h1>Class report</h1><p>No results in this folder yet.</p></header>'
                + _not_graded(results_dir))
        return page("Class report", body)
    body = "\n".join([
        _overview(cs),
        _histogram(cs),
        _per_ps_table(cs),
        _not_graded(results_dir),
        _attention(cs.results, results_dir),
        _items(cs),
        _students(cs, results_dir),
        f"<footer>{_sandbox(results_dir)}Generated by probdl-autograder from the results.json files of this "
        "folder.</footer>",
    ])
    return page("Class report", body)


def write_report(results_dir, results=None):
    """Write ``report.html`` into ``results_dir``; returns its path."""
    from pathlib import Path

    results_dir = Path(results_dir)
    results = load_results(results_dir) if results is None else results
    path = results_dir / REPORT_FILE
    write_atomic(path, render_report(results, results_dir))
    return path
