"""``python -m autograder declare [--check]``: write what the functions' declarations say where it repeats.

A contract function is declared once, in ``autograder/checks/<ps>.py`` (``PS.function(…)`` and its aspects'
checks); this command writes, from the declarations, the source notebooks' graded cells (points and hidden call:
:mod:`autograder.checks.graded_cells`) and the rows of the tables that repeat them (docs/contract.md, README.md,
docs/notebooks.md, student_side/selfcheck.py: :mod:`autograder.checks.declared_rows`). ``make release`` runs it
first; ``--check`` writes nothing and names each file that is behind.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from autograder.checks.by_name import checks_for, declarations_for
from autograder.checks.declared_rows import (
    RowsError,
    contract_rows,
    minutes_table,
    readme_rows,
    selfcheck_own_forbidden,
)
from autograder.checks.graded_cells import written
from autograder.model.course import PROBLEM_SETS, ROOT, answer_max_score, source_notebook


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and name the files the declarations would change")


def _notebook_text(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def planned() -> dict[Path, tuple[str, list[str]]]:
    """``path -> (its text as the declarations make it, what changes in words)`` for every file they write."""
    declared = {ps: declarations_for(ps) for ps in PROBLEM_SETS}
    out: dict[Path, tuple[str, list[str]]] = {}
    for ps in PROBLEM_SETS:
        path = source_notebook(ps)
        nb, said = written(json.loads(path.read_text(encoding="utf-8")), checks_for(ps), declared[ps])
        out[path] = (_notebook_text(nb), said)
    rows = (("docs/contract.md", lambda t: contract_rows(t, declared)),
            ("README.md", lambda t: readme_rows(t, declared, {ps: answer_max_score(ps) for ps in PROBLEM_SETS})),
            ("docs/notebooks.md", lambda t: minutes_table(t, declared)),
            ("student_side/selfcheck.py", lambda t: selfcheck_own_forbidden(t, declared)))
    for name, write in rows:
        path = ROOT / name
        out[path] = (write(path.read_text(encoding="utf-8")), [])
    return out


def run(args: argparse.Namespace) -> int:
    try:
        plan = planned()
    except RowsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = [(path, text, said) for path, (text, said) in plan.items()
             if path.read_text(encoding="utf-8") != text]
    if args.check:
        if stale:
            print("behind the declarations; run `python -m autograder declare` (or `make release`):", file=sys.stderr)
            for path, _, said in stale:
                print(f"  {path.relative_to(ROOT)}" + "".join(f"\n    {line}" for line in said), file=sys.stderr)
            return 1
        print("every file is as the declarations say")
        return 0
    for path, text, said in stale:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}" + "".join(f"\n  {line}" for line in said))
    return 0
