"""Grade the corpus through the real engine: one notebook a specimen, all in one batch.

``python -m testkit.corpus.grade [--folder DIR] [ID ...]`` grades a developer's real-code corpus (by default
``testkit/corpus/specimens``, which is never committed) and prints every specimen graded otherwise than its label
says; exit status 1 when there is one. ``tests/test_corpus.py`` runs the same on the fixtures written here.

Each specimen is handed in as a student would hand it in: the release notebook of its problem set
with the specimen in its function's solution cell and the reference solutions in the others
(:func:`testkit.fill.filled_release`), student named after the specimen. The batch is graded by
:func:`autograder.engine.batch.grade_batch` (sandboxed children, checks on the trusted side, purity
read from the notebook as the engine reads it), and each ``results.json`` is read back.

:func:`misgradings` then compares the grades with the labels: a correct specimen must earn every
autograded point; a broken one must lose points, only in its own function's cells and only in cells that a
property the reference found wrong explains (:data:`EXPLAINED_BY`: a specimen labelled ``values`` alone keeps
its shape, axis, temperature, stability, edges and errors cells), with every hint matching its header's ``hint``
pattern (each hint names one of its mistakes; where no hint is given, the message that
says which property failed on which input must), and without losing its purity cell unless it changes an
input (or computes wrong values, which costs the purity cell of a function that raises on its inputs, or uses
a forbidden library function, which costs every cell of its own).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.checks.generic_hints import GENERIC_HINTS
from autograder.engine.batch import grade_batch
from autograder.model.course import function_of
from autograder.model.results import results_path
from testkit.corpus import load
from testkit.fill import filled_release

#: A cell (its grade id's suffix) -> the reference's properties (:data:`testkit.corpus.load.PROPERTIES`) whose failure
#: may cost it. A cell not listed is charged only by the property of its own name. Values underlie every cell that
#: compares values on inputs of a kind (soft targets, batches, tails, high dimensions...); a cell on a batch or on
#: broadcast inputs is also the container's; one in the tails or at D in the hundreds also stability's; logsumexp's
#: and softmax's stability cells hold the slice of only -inf, which the reference calls an edge; and a wrong value
#: costs the purity cell of a function that raises on its inputs (docs/contract.md). ``forbidden`` costs every cell.
EXPLAINED_BY: dict[str, frozenset] = {
    "basic": frozenset({"values"}),
    "soft": frozenset({"values"}),
    "properties": frozenset({"values", "edges"}),
    "limits": frozenset({"values", "edges"}),
    "support": frozenset({"values", "edges"}),
    "batch": frozenset({"values", "shape"}),
    "broadcast": frozenset({"values", "shape"}),
    "tails": frozenset({"values", "stability"}),
    "highdim": frozenset({"values", "stability"}),
    "conditioning": frozenset({"values", "stability"}),
    "stability": frozenset({"stability", "edges"}),
    "purity": frozenset({"purity", "values"}),
}


#: Hints that name no mistake by design, but point at the cells that do (a purity cell whose calls all raised has no
#: two results to judge, and sends the student to the cells that compare values): not held to a specimen's pattern.
POINTERS = frozenset(h.text for h in GENERIC_HINTS if h.mistake == "raises-everywhere")


def explained_by(grade_id: str) -> frozenset:
    """The properties whose failure may cost the cell ``grade_id`` (see :data:`EXPLAINED_BY`)."""
    cell = grade_id[len(function_of(grade_id)) + 1:]
    return EXPLAINED_BY.get(cell, frozenset({cell}))


@dataclass(frozen=True)
class Cell:
    """One graded cell's result as results.json records it."""

    grade_id: str
    score: float
    max_score: float
    message: str
    hint: str

    @property
    def lost(self) -> bool:
        return self.score < self.max_score


def notebook(specimen) -> dict:
    """The notebook a specimen is handed in as: the release of its problem set, its source in its function's
    solution cell, the reference solutions in the others (:func:`testkit.fill.filled_release`)."""
    return filled_release(specimen.problem_set, {specimen.function: specimen.source})


def hand_in(specimens, submitted: Path, notebook_of=notebook) -> None:
    """Write each specimen's notebook (``notebook_of(specimen)``) in nbgrader's layout:
    ``submitted/<id>/<ps>/<ps>.ipynb``."""
    for s in specimens:
        path = Path(submitted) / s.id / s.problem_set / f"{s.problem_set}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(notebook_of(s)), encoding="utf-8")


def grade_all(specimens, workdir: Path, workers: int = 2, notebook_of=notebook) -> dict:
    """``{specimen id: {grade_id: Cell}}`` of the autograded cells, every specimen graded in one batch (each handed
    in as ``notebook_of(specimen)``)."""
    workdir = Path(workdir)
    hand_in(specimens, workdir / "submitted", notebook_of)
    summary = grade_batch(workdir / "submitted", workdir / "results", workers=workers)
    if not summary.ok or summary.grading_errors:  # (a grader bug is not a grade: said with what it was, and where)
        raise RuntimeError(f"the batch did not grade every notebook: {summary.failed or summary.grading_errors}")
    out = {}
    for s in specimens:
        data = json.loads(results_path(workdir / "results", s.id, s.problem_set).read_text(encoding="utf-8"))
        out[s.id] = {t["name"]: Cell(t["name"], float(t["score"]), float(t["max_score"]), t.get("message", ""),
                                     t.get("hint", ""))
                     for t in data["tests"] if t.get("kind") != "manual" and t.get("score") is not None}
    return out


def misgrading(specimen, cells: dict) -> str:
    """Empty when ``cells`` grade ``specimen`` as labelled; else what is wrong, cell by cell with the grader's words."""
    lost = {gid: c for gid, c in cells.items() if c.lost}
    if specimen.correct:
        return "; ".join(f"{gid} lost {c.max_score - c.score:g}: {_short(c.message)}"
                         + (f" [hint: {_short(c.hint)}]" if c.hint else "") for gid, c in lost.items())
    problems = []
    elsewhere = {gid: c for gid, c in lost.items() if function_of(gid) != specimen.function}
    own = {gid: c for gid, c in lost.items() if function_of(gid) == specimen.function}
    problems += [f"{gid} lost outside {specimen.function}: {_short(c.message)}" for gid, c in elsewhere.items()]
    if not own:
        problems.append(f"no cell of {specimen.function} lost points (broken: {', '.join(specimen.broken)})")
    if "forbidden" in specimen.broken:  # (docs/contract.md: a function that uses one earns none of its points)
        problems += [f"{gid} kept its points, though the function uses a forbidden library function"
                     for gid, c in cells.items() if function_of(gid) == specimen.function and not c.lost]
    else:
        problems += [f"{gid} lost, but no property it judges is wrong (broken: {', '.join(specimen.broken)}): "
                     f"{_short(c.message)}" for gid, c in own.items() if not explained_by(gid) & set(specimen.broken)]
    hinted = [c for c in own.values() if c.hint and c.hint not in POINTERS]
    unnamed = [c for c in hinted if not re.search(specimen.hint, c.hint, re.I)]
    if unnamed:  # every hint, not one of them: a hint on one cell may not name a mistake the specimen lacks
        problems.append("a hint names no mistake of the specimen: "
                        + "; ".join(f"{c.grade_id}: {_short(c.hint)}" for c in unnamed))
    elif own and not hinted and not any(re.search(specimen.hint, _what_happened(c.message), re.I) for c in own.values()):
        problems.append("no hint, and no message names the mistake: "
                        + "; ".join(f"{c.grade_id}: {_short(c.message)}" for c in own.values()))
    return "; ".join(problems)


def _what_happened(message: str) -> str:
    """A cell's message without the summary it starts with ("softmax: … along `axis` …. Failed on …"): every
    message of a cell opens with the property it judges, whose words would otherwise name any mistake of it."""
    failed = message.find("Failed")
    return message[failed:] if failed >= 0 else message


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testkit.corpus.grade", description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=load.SPECIMENS, help="the specimens' folder (<ps>/<id>.py.txt)")
    parser.add_argument("ids", nargs="*", help="only these specimens")
    args = parser.parse_args(argv)
    chosen = [s for s in load.specimens(args.folder) if not args.ids or s.id in args.ids]
    if not chosen:
        print(f"no specimen under {args.folder} (the real-code corpus is kept out of the repository: "
              "testkit/corpus/README.md says how to keep one)")
        return 1
    with tempfile.TemporaryDirectory() as folder:
        graded = grade_all(chosen, Path(folder))
    found = {s.id: misgrading(s, graded[s.id]) for s in chosen}
    for specimen_id, problem in found.items():
        if problem:
            print(f"{specimen_id}: {problem}")
    bad = sum(bool(p) for p in found.values())
    print(f"{len(chosen)} specimens from {len({s.repo for s in chosen})} repositories "
          f"({sum(s.correct for s in chosen)} correct): {bad} graded otherwise than labelled")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
