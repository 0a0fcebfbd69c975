"""``feedback.html``: what one student sees about one submission.

Per graded cell: pass/fail, the points, the message and the hint; per
function: the student's own code (without the template's docstrings). A
function that still raises the template's ``NotImplementedError`` gets one
line, "not attempted yet" and its points, instead of a card per cell. Plus what happened to the notebook
(restored test cells, cells that raised or timed out). Built from
results.json alone, which never holds hidden test source or reference values,
so neither can reach this page; every string is escaped.
"""

from __future__ import annotations

import re

from autograder.model.course import FUNCTIONS
from autograder.reports._html import esc, inline_code, meter, page, write_atomic
from autograder.reports.results import FEEDBACK_FILE, Result, TestResult, fmt_points, load_results, test_function

#: Longest error text shown for one cell (the rest is cut).
MAX_ERROR_CHARS = 2000

_CELL_STATUS = {
    "error": "raised an error",
    "timeout": "was stopped: it ran past the time limit",
    "skipped": "was not run",
}


def _functions_in_order(result: Result) -> list:
    """Functions of the tests and of the student's code, in notebook order."""
    seen: list = []
    for fn in FUNCTIONS.get(result.assignment, ()):
        seen.append(fn)
    for t in result.tests:
        fn = test_function(t)
        if fn not in seen:
            seen.append(fn)
    return [fn for fn in seen if any(test_function(t) == fn for t in result.tests) or fn in result.student_code]


def _notices(result: Result) -> str:
    parts = []
    if result.unreadable:
        parts.append(
            '<div class="notice bad"><h3>No results</h3>'
            f"<p>The grading results for this submission could not be read ({esc(result.unreadable)}). "
            "Ask your instructor.</p></div>"
        )
    if result.tamper:
        items = "".join(f"<li>{inline_code(t)}</li>" for t in result.tamper)
        parts.append(
            '<div class="notice warn"><h3>Test cells were changed</h3>'
            "<p>Test cells are restored from the original notebook before grading, so changing or deleting "
            "them does not change your score. What was found:</p>"
            f"<ul>{items}</ul></div>"
        )
    problems = result.cell_problems
    if problems:
        items = []
        for c in problems:
            where = f"cell {c.get('index')}" if c.get("index") is not None else "a cell"
            if c.get("grade_id"):
                where += f" (<code>{esc(c['grade_id'])}</code>)"
            status = str(c.get("status"))
            text = f"<li>{where} {esc(_CELL_STATUS.get(status, status))}"
            error = str(c.get("error") or "").strip()
            if error:
                if len(error) > MAX_ERROR_CHARS:
                    error = error[:MAX_ERROR_CHARS] + "\n… (cut)"
                text += f'<pre class="error">{esc(error)}</pre>'
            items.append(text + "</li>")
        css = "bad" if any(c.get("status") in ("error", "timeout") for c in problems) else "info"
        parts.append(
            f'<div class="notice {css}"><h3>Running your notebook</h3>'
            "<p>Your notebook was run from top to bottom. These cells did not finish normally; "
            "functions they should have defined may be missing below.</p>"
            f"<ul>{''.join(items)}</ul></div>"
        )
    notes = list(result.notes)
    if result.execution.stdout_truncated:
        notes.append("Your notebook printed a lot of output; only the beginning was kept.")
    if notes:
        items = "".join(f"<li>{inline_code(n)}</li>" for n in notes)
        parts.append(f'<div class="notice info"><h3>Notes from the grader</h3><ul>{items}</ul></div>')
    return "\n".join(parts)


def _test_row(t: TestResult) -> str:
    status = t.status
    label = "passed" if status == "passed" else "failed"
    said = "not attempted" if t.kind == "not-attempted" else label
    hint = f'<div class="hint"><strong>Hint:</strong> {inline_code(t.hint)}</div>' if t.hint else ""
    return (
        f'<tr class="{label}"><td><span class="badge {label}">{said}</span></td>'
        f'<td class="gid">{esc(t.name)}</td>'
        f'<td class="num pts">{fmt_points(t.score)} / {fmt_points(t.max_score)}</td>'
        f'<td class="wide"><div class="message">{inline_code(t.message)}</div>{hint}</td></tr>'
    )


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


def _unfinished_line(fn: str, tests: list) -> str:
    """One line for a function that is not written yet: its name and what it is worth."""
    max_score = sum(t.max_score for t in tests)
    cells = ", ".join(esc(t.name) for t in tests)
    return (
        f'<section class="card unfinished" id="fn-{esc(fn)}"><div class="card-head"><h2><code>{esc(fn)}</code></h2>'
        f'<span class="pts">0 / {fmt_points(max_score)} points</span></div>'
        f'<p class="muted">Not attempted yet: <code>{esc(fn)}</code> still raises <code>NotImplementedError</code>. '
        f"Replace that line with your implementation to earn these points ({cells}).</p></section>"
    )


def _function_section(result: Result, fn: str) -> str:
    tests = [t for t in result.tests if test_function(t) == fn]
    if _not_attempted(tests):
        return _unfinished_line(fn, tests)
    score = sum(t.score for t in tests)
    max_score = sum(t.max_score for t in tests)
    all_passed = bool(tests) and all(t.passed for t in tests)
    rows = "".join(_test_row(t) for t in tests)
    table = (
        '<table class="checks stack"><colgroup><col class="c-status"><col class="c-gid"><col class="c-pts"><col></colgroup>'
        '<thead><tr><th>result</th><th>graded cell</th><th class="num">points</th>'
        f"<th>what was checked</th></tr></thead><tbody>{rows}</tbody></table>"
        if tests
        else '<p class="muted">No graded cells for this function.</p>'
    )
    code = result.student_code.get(fn)
    if code is not None and code.strip():
        opened = "" if all_passed else " open"
        shown = without_docstrings(code).strip("\n").rstrip()
        code_html = (
            f"<details{opened}><summary>Your code</summary>"
            f'<pre class="code"><code>{esc(shown)}</code></pre></details>'
        )
    else:
        code_html = f'<p class="muted">No cell of your notebook defines <code>{esc(fn)}</code>.</p>'
    return (
        f'<section class="card" id="fn-{esc(fn)}"><div class="card-head"><h2><code>{esc(fn)}</code></h2>'
        f'<span class="pts">{fmt_points(score)} / {fmt_points(max_score)} points</span></div>'
        f"{table}{code_html}</section>"
    )


def render_feedback(result: Result) -> str:
    """The feedback page of one submission, as a complete HTML document."""
    fraction = result.score / result.max_score if result.max_score else 0.0
    n = len(result.tests)
    header = (
        '<header class="page">'
        f'<div class="eyebrow">Feedback · problem set {esc(result.assignment)}</div>'
        f"<h1>{esc(result.assignment)} — {esc(result.student)}</h1>"
        f'<div class="score-line"><span class="score-big" id="score">{fmt_points(result.score)}</span> '
        f'<span class="score-max">/ {fmt_points(result.max_score)} points</span></div>'
        f"{meter(fraction)}"
        f'<div class="muted">{result.passed} of {n} graded cells passed.</div>'
        f"{_notices(result)}</header>"
    )
    sections = "\n".join(_function_section(result, fn) for fn in _functions_in_order(result))
    footer = (
        "<footer>Each graded cell calls your function on fixed inputs and compares the result with the "
        "reference implementation. Inputs that are not in your notebook are described in words, "
        "not shown. Your test cells are restored from the original before grading.</footer>"
    )
    return page(f"Feedback: {result.assignment} — {result.student}", f"{header}\n{sections}\n{footer}")


def write_feedback(result: Result) -> object:
    """Write ``feedback.html`` beside the submission's results.json; returns its path."""
    path = result.folder / FEEDBACK_FILE
    write_atomic(path, render_feedback(result))
    return path


def write_feedback_pages(results_dir, results=None) -> list:
    """Write a feedback page for every submission of ``results_dir``; returns the paths."""
    results = load_results(results_dir) if results is None else results
    return [write_feedback(r) for r in results if r.folder is not None]
