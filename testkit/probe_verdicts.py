"""Every implementation the tests hold of some functions, graded cell by cell: the verdicts a probe change must keep.

    python -m testkit.probe_verdicts FUNCTION ... --out FILE       the verdicts, as JSON
    python -m testkit.probe_verdicts --compare BEFORE AFTER       what differs between two such files

A check's probes may change (a smaller input with the same property: issue 85) when every implementation the
project holds is graded the same before and after. For each function named, those are: every zoo specimen of its
problem set (of every function there, since a cell's calls may reach another function through errors carried
forward), each zoo specimen of the function rewritten by every rule of :mod:`testkit.rewrites` that applies, the
real-code corpus's fixtures and the developer's own corpus where there is one (:mod:`testkit.corpus.load`), the
independent versions of :mod:`testkit.independent` and the similarity benchmark's hand-written copies of them
(``testkit/realcode/heldout`` and ``tuning``). Each is graded in process with the problem set's checks
(:func:`testkit.zoo.grade`, as ``tests/test_zoo.py`` grades), and every cell's verdict recorded: passed or not, the
failure's kind, the hint shown; the message too, which names the failing probe (a probe's label may change with
it), compared apart.

Run it on the tree before the change and on the tree after (``--out``), then ``--compare`` the two files: it
prints every implementation whose verdict changed on some cell, and exits 1 when one did.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from autograder.model.course import ROOT, problem_set_of_function
from testkit.corpus import load as corpus
from testkit.independent import INDEPENDENT
from testkit.rewrites import REWRITES, Split, rewritten
from testkit.zoo import Specimen, grade, zoo

#: The similarity benchmark's copies written here of the independent versions (committed).
REALCODE = ROOT / "testkit" / "realcode"


def _header(text: str) -> dict[str, str]:
    """A hand copy's ``# key: value`` lines before its first blank line."""
    head: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        key, _, value = line.lstrip("# ").partition(":")
        head[key.strip()] = value.strip()
    return head


def implementations(function: str) -> Iterator[tuple[str, Specimen, tuple[str, ...] | None]]:
    """``(problem set, specimen, cells)`` of every implementation held of ``function`` (``cells``: a rewrite's
    two cells, else None)."""
    ps = problem_set_of_function(function)
    for specimen in zoo(ps):
        yield ps, specimen, None
    for specimen in zoo(ps):
        if specimen.function != function:
            continue
        for rule in REWRITES:
            if rule.correct_only and not specimen.correct:
                continue
            text = rewritten(specimen.source, function, rule)
            if text is None:
                continue
            named = Specimen(f"{specimen.name}~{rule.name}", function, specimen.source, specimen.hint,
                             specimen.mistake)
            yield ps, named, ((text.above, text.cell) if isinstance(text, Split) else (text,))
    for found in (*corpus.fixtures(), *corpus.specimens()):
        if found.function == function:
            yield ps, Specimen(f"corpus:{found.id}", function, found.source), None
    for i, source in enumerate(INDEPENDENT.get(function, ())):
        yield ps, Specimen(f"independent:{function}:{i}", function, source), None
    for half in ("heldout", "tuning"):
        for path in sorted((REALCODE / half).glob(f"{function}-*.py.txt")):
            text = path.read_text(encoding="utf-8")
            if _header(text).get("function") == function:
                yield ps, Specimen(f"realcode:{half}/{path.name}", function, text), None


def verdicts(functions: list[str]) -> dict[str, dict[str, list[str | bool]]]:
    """``{implementation: {grade_id: [passed, kind, hint, message]}}`` for every implementation of ``functions``."""
    out: dict[str, dict[str, list[str | bool]]] = {}
    for function in functions:
        for ps, specimen, cells in implementations(function):
            if specimen.name in out:
                continue
            try:
                results = grade(ps, specimen, cells)
            except Exception as exc:  # noqa: BLE001 — recorded: a grading that fails is a verdict too
                out[specimen.name] = {"(grading)": [False, "error", "", f"{type(exc).__name__}: {exc}"]}
                continue
            out[specimen.name] = {gid: [r.passed, r.kind, r.hint, r.message] for gid, r in results.items()}
    return out


def compare(before: dict, after: dict) -> list[str]:
    """The lines that say what differs: an implementation only one file has, a cell whose passed, kind or hint
    differ (``VERDICT``), and apart from those, a message that differs (``message``)."""
    lines = [f"only before: {name}" for name in sorted(set(before) - set(after))]
    lines += [f"only after: {name}" for name in sorted(set(after) - set(before))]
    messages = []
    for name in sorted(set(before) & set(after)):
        for gid in sorted(set(before[name]) | set(after[name])):
            a, b = before[name].get(gid), after[name].get(gid)
            if a is None or b is None or a[:3] != b[:3]:
                lines.append(f"VERDICT {name} {gid}: {a[:3] if a else None} -> {b[:3] if b else None}")
            elif a[3] != b[3]:
                messages.append(f"message {name} {gid}:\n    {a[3]}\n    {b[3]}")
    return lines + messages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("functions", nargs="*", metavar="FUNCTION")
    parser.add_argument("--out", type=Path, help="write the verdicts here (JSON)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        before, after = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        lines = compare(before, after)
        changed = [line for line in lines if not line.startswith("message")]
        print("\n".join(lines))
        cells = sum(len(v) for v in before.values())
        print(f"{len(before)} implementations, {cells} cell verdicts before; {len(changed)} verdicts differ, "
              f"{len(lines) - len(changed)} messages differ")
        return 1 if changed else 0
    if not args.functions or args.out is None:
        parser.error("name the functions and --out, or --compare two files")
    found = verdicts(args.functions)
    args.out.write_text(json.dumps(found, indent=0, sort_keys=True), encoding="utf-8")
    print(f"{len(found)} implementations, {sum(len(v) for v in found.values())} cell verdicts -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
