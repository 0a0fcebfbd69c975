"""Grade the corpus rewritten: every rule of :mod:`testkit.rewrites` on every specimen it applies to, through the engine.

``python -m testkit.corpus.rewritten [--folder DIR] [--rule NAME ...] [ID ...]`` rewrites each specimen of a
developer's real-code corpus (by default ``testkit/corpus/specimens``, never committed) by each rule that applies to
it (a rule marked ``correct_only`` on correct specimens only), hands every rewritten specimen in as its specimen is
handed in (:func:`testkit.corpus.grade.notebook`; the helpers a rule moves to a cell above in a code cell the student
added before the solution cell), grades them all in one batch, and judges each by its specimen's label
(:func:`testkit.corpus.grade.misgrading`): the contract grades what a function computes, never how it is written, so
a rewrite must not change a verdict. Prints each rewritten specimen graded otherwise than its label, with the rule;
exit status 1 when there is one.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

from autograder.model.ids import MAX_FOLDER_CHARS
from testkit.corpus import grade, load
from testkit.fill import add_cell_before
from testkit.rewrites import REWRITES, Rewrite, Split, rewritten


@dataclasses.dataclass(frozen=True)
class Variant:
    """A specimen rewritten by one rule: ``specimen`` (its id the rewritten one's, a student folder), the original's
    id and the rule's name, and the cell a :class:`~testkit.rewrites.Split` puts above (empty for none)."""

    specimen: load.CorpusSpecimen
    original: str
    rule: str
    above: str = ""


def variants(specimens: list[load.CorpusSpecimen], rules: tuple[Rewrite, ...] = REWRITES) -> list[Variant]:
    """Every specimen rewritten by every rule of ``rules`` that applies to it."""
    out = []
    for s in specimens:
        for number, rule in enumerate(rules):
            if rule.correct_only and not s.correct:
                continue
            try:
                text = rewritten(s.source, s.function, rule)
            except SyntaxError as exc:  # (a rule's own fault, on code it was not written for: said, not fatal)
                print(f"{s.id}: the rule {rule.name} wrote code that does not compile ({exc.msg}, line {exc.lineno})")
                continue
            if text is None:
                continue
            suffix = f".r{number:02d}"
            above, source = (text.above, text.cell) if isinstance(text, Split) else ("", text)
            new = dataclasses.replace(s, id=s.id[:MAX_FOLDER_CHARS - len(suffix)] + suffix, source=source)
            out.append(Variant(new, s.id, rule.name, above))
    return out


def notebook_of(found: dict[str, Variant]):
    """The notebook of a rewritten specimen: its specimen's, with the cell its rule put above (if any) added."""
    def notebook(specimen: load.CorpusSpecimen) -> dict:
        nb = grade.notebook(specimen)
        above = found[specimen.id].above
        if above:
            add_cell_before(nb, specimen.function, above)
        return nb
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testkit.corpus.rewritten", description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=load.SPECIMENS, help="the specimens' folder (<ps>/<id>.py.txt)")
    parser.add_argument("--rule", action="append", choices=[r.name for r in REWRITES], help="only these rules")
    parser.add_argument("ids", nargs="*", help="only these specimens")
    args = parser.parse_args(argv)
    chosen = [s for s in load.specimens(args.folder) if not args.ids or s.id in args.ids]
    rules = tuple(r for r in REWRITES if not args.rule or r.name in args.rule)
    found = {v.specimen.id: v for v in variants(chosen, rules)}
    if not found:
        print(f"no specimen under {args.folder} that a rule applies to (the real-code corpus is kept out of the "
              "repository: testkit/corpus/README.md says how to keep one)")
        return 1
    with tempfile.TemporaryDirectory() as folder:
        graded = grade.grade_all([v.specimen for v in found.values()], Path(folder), notebook_of=notebook_of(found))
    bad = 0
    for vid, v in found.items():
        problem = grade.misgrading(v.specimen, graded[vid])
        if problem:
            bad += 1
            print(f"{v.original} rewritten as {v.rule}: {problem}")
    print(f"{len(found)} rewritten specimens ({len(rules)} rules, {len(chosen)} specimens, "
          f"{sum(v.specimen.correct for v in found.values())} correct): {bad} graded otherwise than labelled")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
