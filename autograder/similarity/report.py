"""The similarity report's files: ``similarity.json``, ``similarity.html`` and a side-by-side page per pair.

``similarity.json`` lists every reported pair as ``{"problem_set", "function",
"students": [a, b], "score", "page", "why"}`` (display ids, ``a`` before ``b`` in
sort order; ``page`` the side-by-side view, relative to the folder; ``why`` what
matches, how rare it is in the class, what share is starter code), highest
score first within each function; every group of three or more students whose
versions are alike (``"groups"``, reported or not, whatever their size); what
the class looked like per function (the cutoff a pair needed); and the notes of
what was not compared. ``similarity.html`` shows the same, ranked, with the
students reported together for several functions; ``pairs/<ps>/<function>/<n>.html``
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
from typing import Any

import jinja2
import numpy as np
from markupsafe import Markup

from autograder.model.files import SIMILARITY_HTML, SIMILARITY_JSON, StrPath, make_dirs, write_atomic, write_json_atomic
from autograder.similarity.clusters import repeated_pairs
from autograder.similarity.corpus import Entry, Note
from autograder.similarity.document import Document
from autograder.similarity.index import Compared, Pair
from autograder.similarity.regions import Lines, matched_lines

PAIRS_DIR = "pairs"
#: Notes listed on the page (similarity.json has them all).
MAX_NOTES_SHOWN = 200
#: The same as the grader's pages: nothing is loaded, no script runs.
CSP = "default-src 'none'; style-src 'unsafe-inline'"
#: What the score is, written into similarity.json.
SCORE_MEANING = ("weighted share of fingerprints the two versions have in common, rare ones weighing more (versions "
                 "alike as a group count once): 1 for two versions of typical length, identical once normalised, "
                 "that no other group of the class wrote; a pair is reported when it also stands out from the "
                 "function's own pairs (cutoff); see docs/instructors.md, 'Similar submissions'")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("autograder.similarity", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(CSP=Markup(CSP))
    return env


def _render(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)


def _fmt(score: float) -> str:
    return f"{score:.2f}"


def _definitions(entry: Entry, lines: Lines) -> list[dict[str, Any]]:
    out = []
    for piece, shown in enumerate(entry.shown):
        rows = []
        for offset, text in enumerate(shown.text.split("\n")):
            number = shown.line + offset
            region = lines.get((piece, number), 0)
            rows.append({"number": number, "text": text, "region": region, "colour": (region - 1) % 6 + 1})
        out.append({"name": shown.name, "cell": shown.cell, "first": shown.line, "lines": rows})
    return out


def _why(compared: Compared, pair: Pair, regions: int, starter: float) -> str:
    """Why a pair is listed, in words: what matches, how rare it is in the class, what share is starter code."""
    if pair.alike > 2:  # (students with the same version: it is theirs, and the holders count other groups)
        others = (f"{pair.alike} students handed in this version nearly the same (each pair of them is listed); "
                  + ("no other student of the class wrote it" if pair.holders == 0 else
                     f"{pair.holders} other version(s) of the class have it too"))
    else:
        others = ("nobody else in the class wrote it" if pair.holders == 0 else
                  f"{pair.holders} other version(s) of the class have it too")
    return (f"{regions} matched region(s), {pair.shared} fingerprints of their own in common; {others}; "
            f"{round(100 * starter)} % of what they share is starter code (not counted); their evidence "
            f"{pair.evidence:.1f} (fingerprints in common, each counted by how rare it is in the class) stands out "
            f"from this function's other pairs (it needed {compared.needed:.1f}); the score is higher than "
            f"{100 * pair.percentile:.1f} % of this function's {_pairs(len(compared.entries)):,} pairs")


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _starter_share(doc_a: Document, doc_b: Document, given: np.ndarray) -> float:
    """The share of the fingerprints two versions have in common that the release wrote."""
    both = np.intersect1d(doc_a.hashes, doc_b.hashes)
    return float(np.isin(both, given).mean()) if len(both) else 0.0


def _pair_page(out: Path, ps: str, fn: str, rank: int, compared: Compared, pair: Pair, given: np.ndarray,
               ) -> tuple[str, str]:
    """Write one pair's page; ``(its path, why it is listed)``."""
    a, b = compared.entries[pair.a], compared.entries[pair.b]
    lines_a, lines_b = matched_lines(a.document, b.document, compared.counted)
    page = f"{PAIRS_DIR}/{ps}/{fn}/{rank}.html"
    regions = len(set(lines_a.values()))
    why = _why(compared, pair, regions, _starter_share(a.document, b.document, given))
    write_atomic(out / page, _render(
        "pair.html.j2", title=f"{fn}: {a.student} and {b.student}", back=f"../../../{SIMILARITY_HTML}#{ps}-{fn}",
        problem_set=ps, function=fn, score=_fmt(pair.score), shared=pair.shared, regions=regions, why=why,
        a={"student": a.student, "how": a.how, "definitions": _definitions(a, lines_a)},
        b={"student": b.student, "how": b.how, "definitions": _definitions(b, lines_b)}))
    return page, why


def write_report(out: StrPath, results: list[tuple[str, str, Compared, np.ndarray]],
                 notes: list[Note], summary: dict[str, Any]) -> dict[str, Any]:
    """Write the report's files into ``out`` and return the content of similarity.json.

    ``results`` is ``[(problem set, function, Compared, given fingerprints)]`` in course order;
    ``notes`` ``[(student, problem set, function, reason)]``; ``summary`` what the run read
    (``submitted``, ``notebooks``, ``students``, ``threshold``, ``small_class``).
    """
    out = make_dirs(out)
    pairs_json: list[dict[str, Any]] = []
    groups_json: list[dict[str, Any]] = []
    functions: list[dict[str, Any]] = []
    found: dict[str, Any] = {}
    for ps, fn, compared, given in results:
        listed = []
        for rank, pair in enumerate(compared.pairs, 1):
            a, b = compared.entries[pair.a].student, compared.entries[pair.b].student
            page, why = _pair_page(out, ps, fn, rank, compared, pair, given)
            pairs_json.append({"problem_set": ps, "function": fn, "students": [a, b],
                               "score": round(pair.score, 4), "page": page, "why": why})
            listed.append({"a": a, "b": b, "score": _fmt(pair.score), "shared": pair.shared, "page": page,
                           "why": why})
            found.setdefault(ps, {}).setdefault(fn, []).append((a, b, pair.score))
        groups = []
        for group in compared.groups:
            members = [compared.entries[i].student for i in group.members]
            groups.append({"members": members, "size": len(members), "reported": True,
                           "top": _fmt(group.top), "share": f"{100 * len(members) / len(compared.entries):.0f}"})
            groups_json.append({"problem_set": ps, "function": fn, "students": members, "reported": True,
                                "top": round(group.top, 4)})
        function_notes = sum(1 for _, nps, nfn, _ in notes if nps == ps and nfn == fn)
        functions.append({"problem_set": ps, "function": fn, "anchor": f"{ps}-{fn}", "compared": len(compared.entries),
                          "above": compared.above, "p95": _fmt(compared.quantiles[0]),
                          "p99": _fmt(compared.quantiles[1]), "quantiles": compared.quantiles,
                          "cutoff": _fmt(compared.cutoff), "needed": f"{compared.needed:.1f}",
                          "informative": compared.informative, "short": compared.short, "pairs": listed,
                          "groups": groups, "not_compared": function_notes})
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
    data = {"score": SCORE_MEANING, "threshold": summary["threshold"], "pairs": pairs_json, "groups": groups_json,
            "functions": [{k: f[k] for k in ("problem_set", "function", "compared", "above", "short", "not_compared",
                                             "informative")}
                          | {"p95": round(f["quantiles"][0], 4), "p99": round(f["quantiles"][1], 4),
                             "cutoff": float(f["cutoff"]), "needed": float(f["needed"])}
                          for f in functions],
            "not_compared": [{"student": s, "problem_set": ps, "function": fn, "reason": r} for s, ps, fn, r in notes]}
    write_json_atomic(out / SIMILARITY_JSON, data)
    return data
