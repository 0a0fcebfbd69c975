"""The similarity report's files: ``similarity.json``, ``similarity.html`` and a side-by-side page per pair.

``similarity.json`` lists every reported pair as ``{"problem_set", "function",
"students": [a, b], "score", "page"}`` (display ids, ``a`` before ``b`` in
sort order; ``page`` the side-by-side view, relative to the folder), highest
score first within each function, with what the class looked like per
function and the notes of what was not compared. ``similarity.html`` shows
the same, ranked, with the groups of students (clusters) and the students
reported together for several functions; ``pairs/<ps>/<function>/<n>.html``
shows the two versions side by side with the matched regions marked.

The pages are Jinja2 templates in ``autograder/similarity/templates/``,
autoescaped: student ids, file names and code are text, never markup. Like
the grader's own pages they load nothing and run no script (a
Content-Security-Policy says so to the browser). Nothing here depends on the
order in which the notebooks were read.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from autograder.model.files import SIMILARITY_HTML, SIMILARITY_JSON, make_dirs, write_atomic, write_json_atomic
from autograder.similarity.clusters import clusters, repeated_pairs
from autograder.similarity.regions import matched_lines

PAIRS_DIR = "pairs"
#: Notes listed on the page (similarity.json has them all).
MAX_NOTES_SHOWN = 200
#: The same as the grader's pages: nothing is loaded, no script runs.
CSP = "default-src 'none'; style-src 'unsafe-inline'"
#: What the score is, written into similarity.json.
SCORE_MEANING = ("weighted share of fingerprints the two versions have in common, rare ones weighing more: 1 for "
                 "two versions of typical length, identical once normalised, that nobody else in the class wrote; "
                 "see docs/instructors.md, 'Similar submissions'")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("autograder.similarity", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(CSP=Markup(CSP))
    return env


def _render(template: str, **context) -> str:
    return _environment().get_template(template).render(**context)


def _fmt(score: float) -> str:
    return f"{score:.2f}"


def _definitions(entry, lines: dict) -> list:
    out = []
    for piece, shown in enumerate(entry.shown):
        rows = []
        for offset, text in enumerate(shown.text.split("\n")):
            number = shown.line + offset
            region = lines.get((piece, number), 0)
            rows.append({"number": number, "text": text, "region": region, "colour": (region - 1) % 6 + 1})
        out.append({"name": shown.name, "cell": shown.cell, "first": shown.line, "lines": rows})
    return out


def _pair_page(out: Path, ps: str, fn: str, rank: int, compared, pair) -> str:
    a, b = compared.entries[pair.a], compared.entries[pair.b]
    lines_a, lines_b = matched_lines(a.document, b.document, compared.counted)
    page = f"{PAIRS_DIR}/{ps}/{fn}/{rank}.html"
    write_atomic(out / page, _render(
        "pair.html.j2", title=f"{fn}: {a.student} and {b.student}", back=f"../../../{SIMILARITY_HTML}#{ps}-{fn}",
        problem_set=ps, function=fn, score=_fmt(pair.score), shared=pair.shared,
        regions=len(set(lines_a.values())),
        a={"student": a.student, "definitions": _definitions(a, lines_a)},
        b={"student": b.student, "definitions": _definitions(b, lines_b)}))
    return page


def write_report(out, results: list, notes: list, summary: dict) -> dict:
    """Write the report's files into ``out`` and return the content of similarity.json.

    ``results`` is ``[(problem set, function, Compared)]`` in course order;
    ``notes`` ``[(student, problem set, function, reason)]``; ``summary``
    what the run read (``submitted``, ``notebooks``, ``students``,
    ``threshold``, ``small_class``).
    """
    out = make_dirs(out)
    pairs_json, functions, found = [], [], {}
    for ps, fn, compared in results:
        listed = []
        for rank, pair in enumerate(compared.pairs, 1):
            a, b = compared.entries[pair.a].student, compared.entries[pair.b].student
            page = _pair_page(out, ps, fn, rank, compared, pair)
            pairs_json.append({"problem_set": ps, "function": fn, "students": [a, b],
                               "score": round(pair.score, 4), "page": page})
            listed.append({"a": a, "b": b, "score": _fmt(pair.score), "shared": pair.shared, "page": page})
            found.setdefault(ps, {}).setdefault(fn, []).append((a, b, pair.score))
        groups = [{"members": [compared.entries[i].student for i in c.members], "pairs": c.pairs, "top": _fmt(c.top)}
                  for c in clusters(compared.pairs) if len(c.members) > 2]
        functions.append({"problem_set": ps, "function": fn, "anchor": f"{ps}-{fn}", "compared": len(compared.entries),
                          "above": compared.above, "p95": _fmt(compared.quantiles[0]),
                          "p99": _fmt(compared.quantiles[1]), "quantiles": compared.quantiles,
                          "short": compared.short, "pairs": listed,
                          "clusters": groups})
    pages = {(p["problem_set"], p["function"], *sorted(p["students"])): p["page"] for p in pairs_json}
    repeated = [{"problem_set": ps, "a": a, "b": b,
                 "functions": [{"function": f, "score": _fmt(s), "page": pages[(ps, f, a, b)]} for f, s in hits]}
                for ps, by_function in found.items() for a, b, hits in repeated_pairs(by_function)]
    shown_notes = [" · ".join(part for part in (student, ps, fn) if part) + f": {reason}"
                   for student, ps, fn, reason in notes]
    write_atomic(out / SIMILARITY_HTML, _render(
        "similarity.html.j2", title="Similar code between students", functions=functions, repeated=repeated,
        notes=shown_notes[:MAX_NOTES_SHOWN], more_notes=max(0, len(shown_notes) - MAX_NOTES_SHOWN),
        threshold=_fmt(summary["threshold"]), submitted=summary["submitted"], notebooks=summary["notebooks"],
        students=summary["students"], small_class=summary["small_class"]))
    data = {"score": SCORE_MEANING, "threshold": summary["threshold"], "pairs": pairs_json,
            "functions": [{k: f[k] for k in ("problem_set", "function", "compared", "above", "short")}
                          | {"p95": round(f["quantiles"][0], 4), "p99": round(f["quantiles"][1], 4)}
                          for f in functions],
            "not_compared": [{"student": s, "problem_set": ps, "function": fn, "reason": r} for s, ps, fn, r in notes]}
    write_json_atomic(out / SIMILARITY_JSON, data)
    return data
