"""Whether two results folders hold the same grades, cell by cell: ``python -m testkit.same_grades A B``.

For every ``<student>/<ps>/results.json`` of either folder: the total, and per graded cell its name, score,
status and message (hint included), must be equal in both; so must the flags and the cells' statuses.
What may differ between two runs of the same notebooks is left out: durations, the sandbox's description,
times. Used to show that a sandbox mode grades as another does (the demo in a container against this
host's root mode: ``tests/test_container.py``).

Test scaffolding, not part of the product.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _grades(path: Path, renamed: dict) -> dict:
    text = path.read_text(encoding="utf-8")
    for old, new in renamed.items():  # (a message may name a path of the course, e.g. in a PermissionError)
        text = text.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1])
    data = json.loads(text)
    cells = data.get("execution", {}).get("cells", [])
    return {"score": data.get("score"), "max_score": data.get("max_score"),
            "tests": [(t.get("name"), t.get("score"), t.get("status"), t.get("message")) for t in data.get("tests", [])],
            "flags": [(f.get("cell"), f.get("reason")) for f in data.get("flags", [])],
            "cells": [(c.get("index"), c.get("grade_id"), c.get("status")) for c in cells],
            "notes": data.get("notes", []), "tamper": data.get("tamper", [])}


def differences(first, second, renamed=None) -> list:
    """``["<student>/<ps>: what differs", …]`` between the results folders ``first`` and ``second``;
    ``renamed``: ``{path in second's texts: the same path in first's}`` (the course in another folder)."""
    renamed = dict(renamed or {})
    first, second = Path(first), Path(second)
    files = {p.relative_to(first) for p in first.glob("*/*/results.json")}
    others = {p.relative_to(second) for p in second.glob("*/*/results.json")}
    out = [f"{p.parent}: only in {first}" for p in sorted(files - others)]
    out += [f"{p.parent}: only in {second}" for p in sorted(others - files)]
    for rel in sorted(files & others):
        a, b = _grades(first / rel, {}), _grades(second / rel, renamed)
        for key in a:
            if a[key] != b[key]:
                out.append(f"{rel.parent}: {key} differ: {str(a[key])[:300]} | {str(b[key])[:300]}")
    return out


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 2:
        print("usage: python -m testkit.same_grades RESULTS_A RESULTS_B", file=sys.stderr)
        return 2
    found = differences(*argv)
    count = len(list(Path(argv[0]).glob("*/*/results.json")))
    for line in found:
        print(line)
    print(f"{count} results compared: " + ("the same grades, cell by cell" if not found else f"{len(found)} differ"))
    return 1 if found or not count else 0


if __name__ == "__main__":
    raise SystemExit(main())
