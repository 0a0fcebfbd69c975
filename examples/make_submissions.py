"""Generate the demo's example submissions from the course's own notebooks.

    python examples/make_submissions.py

writes ``examples/submissions/<student>/<ps>/<ps>.ipynb`` (nbgrader's
"submitted" layout, with a ``timestamp.txt`` each) and
``examples/submissions/README.md``. Every notebook starts as the released
notebook (``release/<ps>/<ps>.ipynb``, what students get); its solution cells
are then filled in:

* with the reference solution of ``source/<ps>/<ps>.ipynb`` (the code between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION``, markers dropped), or
* with a wrong implementation from the bug zoo (``testkit/zoo/``), whose hint the
  checks' own tests guarantee.

Some submissions are also damaged on purpose: a deleted and an edited test
cell, invalid JSON, an empty file, an endless loop. Rerun after the source or
release notebooks change; the output is deterministic.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "submissions"
sys.path.insert(0, str(ROOT))

from autograder.model.course import FUNCTIONS, PROBLEM_SETS  # noqa: E402
from testkit.fill import filled_release, reference_cells  # noqa: E402
from testkit.zoo import zoo  # noqa: E402

#: student -> ps -> what to do. ``bugs``: zoo specimens replacing solution cells;
#: ``tamper``: (grade_id, new source or None to delete); ``loop``: function whose cell
#: ends in an endless loop; ``file``: "invalid-json" or "empty".
CLASS = {
    "ada": {ps: {} for ps in PROBLEM_SETS},
    "ben": {
        "ps1_softmax": {"bugs": ["softmax-naive-overflow", "log_softmax-log-of-softmax"]},
        "ps2_cross_entropy": {},
        "ps6_information": {"bugs": ["ps6-kl-swapped", "ps6-bayes-multiplies-likelihoods"]},
    },
    "cleo": {
        "ps3_gaussian": {"bugs": ["gaussian_log_pdf-sigma-as-variance", "gaussian_log_likelihood-sigma-as-variance"]},
        "ps4_bernoulli": {"bugs": ["ps4-bce-keras-clip"]},
        "ps6_information": {"bugs": ["ps6-entropy-nan-zero-log-zero", "ps6-map-lambda-inverted"]},
    },
    "dan": {
        "ps2_cross_entropy": {"bugs": ["cross_entropy-sum-not-mean"]},
        "ps5_gaussian_kl": {"bugs": ["ps5-gaussian-kl-reversed", "ps5-vae-kl-sum-everything"]},
    },
    "eve": {
        "ps1_softmax": {
            "bugs": ["softmax-naive-overflow"],
            "tamper": [("softmax-stability", None), ("logsumexp-basic", "# I checked this by hand\npass\n")],
        },
        "ps4_bernoulli": {"bugs": ["ps4-sigmoid-naive"]},
    },
    "fay": {
        "ps1_softmax": {"file": "invalid-json"},
        "ps2_cross_entropy": {"file": "empty"},
    },
    "gus": {
        "ps1_softmax": {"bugs": ["softmax-scipy"]},
        "ps3_gaussian": {"loop": "gaussian_mle"},
    },
    "hana": {
        "ps1_softmax": {"bugs": ["softmax-multiplies-temperature", "logsumexp-keeps-dims"]},
        "ps5_gaussian_kl": {"bugs": ["ps5-mvn-kl-inv-det"]},
    },
}

#: What each student shows, for examples/submissions/README.md.
STORIES = {
    "ada": "full marks on every problem set",
    "ben": "ps1: textbook softmax that overflows, `log(softmax(z))`; ps2 correct; "
           "ps6: KL with its arguments swapped, likelihoods multiplied (underflow)",
    "cleo": "ps3: sigma used as a variance; ps4: binary cross-entropy with epsilon clipping; "
            "ps6: nan from 0·log 0 in the entropy, λ inverted (prior_std² / noise_std²) in the MAP weights",
    "dan": "ps2: cross-entropy summed instead of averaged; ps5: reversed KL, VAE KL summed over every axis",
    "eve": "ps1: naive softmax, and deleted the stability test cell and emptied another (both restored); "
           "ps4: sigmoid that overflows",
    "fay": "broken files: ps1 is invalid JSON (a save cut short), ps2 is an empty file",
    "gus": "ps1: calls `scipy.special.softmax` (no points for it); ps3: an endless loop left in a cell",
    "hana": "ps1: multiplies by the temperature, keeps the reduced axis; ps5: `inv`/`det` for the MVN KL",
}

LOOP = (
    "\n\n# checking how the estimate settles as n grows\n"
    "n = 10\n"
    "while n > 0:\n"
    "    n += 1\n"
)
def specimen(ps: str, name: str):
    """The zoo specimen ``name`` of ``ps``; None for one of a function the course no longer asks for (the student
    then hands that cell in as the reference, like the rest)."""
    for s in zoo(ps):
        if s.name == name:
            return s
    if importlib.import_module(f"testkit.zoo.{ps}").ZOO and any(
            s.name == name for s in importlib.import_module(f"testkit.zoo.{ps}").ZOO):
        return None
    function = name.split("-", 1)[0]  # (a specimen is named after its function; its data may have left with it)
    if function not in FUNCTIONS[ps] and callable(getattr(importlib.import_module(f"solutions.{ps}"), function, None)):
        return None
    raise SystemExit(f"testkit/zoo/{ps}.py has no specimen named {name!r}")


def build(ps: str, plan: dict) -> dict:
    """The submitted notebook (as JSON data) for one plan."""
    code = {}
    for name in plan.get("bugs", ()):
        s = specimen(ps, name)
        if s is not None:
            code[s.function] = s.source
    if plan.get("loop"):
        code[plan["loop"]] = reference_cells(ps)[plan["loop"]].rstrip("\n") + LOOP
    nb = filled_release(ps, code)
    tamper = dict(plan.get("tamper", ()))
    cells = []
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in tamper:
            if tamper[gid] is None:
                continue
            cell = {**cell, "source": tamper[gid]}
        cells.append(cell)
    return {**nb, "cells": cells}


def write(out: Path, student: str, ps: str, plan: dict, index: int) -> Path:
    folder = out / student / ps
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ps}.ipynb"
    text = json.dumps(build(ps, plan), indent=1, ensure_ascii=False) + "\n"
    kind = plan.get("file")
    if kind == "empty":
        text = ""
    elif kind == "invalid-json":
        text = text[: len(text) // 2]  # the save was cut short
    path.write_text(text, encoding="utf-8")
    minute = 10 + index % 50
    (folder / "timestamp.txt").write_text(f"2026-11-20 17:{minute:02d}:00.000000 UTC\n", encoding="utf-8")
    return path


def readme() -> str:
    lines = [
        "# Example submissions",
        "",
        "Generated by `python examples/make_submissions.py` from `release/` and `source/` (do not edit by hand).",
        "nbgrader's submitted layout: `<student>/<problem set>/<problem set>.ipynb` plus `timestamp.txt`.",
        "`python -m autograder demo` grades them.",
        "",
        "| student | problem sets | what the submission shows |",
        "|---|---|---|",
    ]
    for student, plans in CLASS.items():
        lines.append(f"| `{student}` | {', '.join(plans)} | {STORIES[student]} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder to (re)create (default: {OUT.relative_to(ROOT)})")
    out = parser.parse_args(argv).out
    if out.exists():
        shutil.rmtree(out)
    paths = []
    for student, plans in CLASS.items():
        for ps, plan in plans.items():
            paths.append(write(out, student, ps, plan, len(paths)))
    (out / "README.md").write_text(readme(), encoding="utf-8")
    print(f"wrote {len(paths)} submissions of {len(CLASS)} students to {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
