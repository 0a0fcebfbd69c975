"""Classes of submissions for the similarity report's tests and benchmark: independent versions and planted copies.

:func:`versions` gathers, per contract function, the versions written
independently: the reference solution cell, the bug zoo's specimens (right
and wrong; not the stubs) and :data:`testkit.independent.INDEPENDENT`.
:func:`write_class` puts them into a ``submitted/`` folder of real notebooks
(the release with its solution cells filled in): student ``ind-NN`` wrote
version NN of every function, and ``cp-NN`` handed in a disguised copy of
``ind-NN``'s code (:func:`testkit.copier.disguise`), function by function.
:func:`write_large_class` makes a class of any size for the benchmark.
"""

from __future__ import annotations

import difflib
import json
import random
from functools import cache
from pathlib import Path

from autograder.model.course import FUNCTIONS, RELEASE
from autograder.model.notebook import cell_text, nbgrader_meta
from testkit.copier import disguise
from testkit.fill import filled_release, reference_cells
from testkit.independent import versions as independent_versions
from testkit.zoo import zoo


@cache
def release_cells(ps: str) -> dict:
    """``function -> the text of its solution cell in the release`` (the stub every student starts from)."""
    nb = json.loads((RELEASE / ps / f"{ps}.ipynb").read_text(encoding="utf-8"))
    return {nbgrader_meta(c)["grade_id"]: cell_text(c) for c in nb["cells"]
            if nbgrader_meta(c).get("solution") and nbgrader_meta(c).get("grade_id") in FUNCTIONS[ps]}


#: The zoo's degenerate forms (testkit/zoo/degenerate.py: a constant, the identity, an argument handed back) are
#: not versions of a function anyone wrote: left out, as the stubs are (one-liners alike by construction, they made
#: half of some functions' "independent" pairs coincide once they joined the zoo).
DEGENERATE = "-degenerate-"
#: A zoo specimen this alike (difflib's ratio over its lines without comments and blank lines) to a version
#: already taken is an edit of it, not a version written independently: many specimens are the reference with
#: one mistake put in, and counting them as independent pairs would make copying look usual.
EDIT_OF = 0.8


def _lines(source: str) -> list:
    return [line.split("#", 1)[0].strip() for line in source.splitlines() if line.split("#", 1)[0].strip()]


@cache
def versions(ps: str, function: str) -> tuple:
    """``((name, source), …)``: the independently written versions of ``function`` (a zoo specimen that is an
    edit of one already taken, :data:`EDIT_OF`, is left out)."""
    out = [("reference", reference_cells(ps)[function])]
    for s in zoo(ps):
        if s.function != function or s.hint == "" or DEGENERATE in s.name or f"def {function}(" not in s.source:
            continue
        if not any(difflib.SequenceMatcher(None, _lines(s.source), _lines(src)).ratio() >= EDIT_OF for _, src in out):
            out.append((s.name, s.source))
    out += [(f"independent-{i}", source) for i, source in enumerate(independent_versions(function))]
    return tuple(out)


@cache
def _filled(ps: str) -> str:
    """The release of ``ps`` as :func:`testkit.fill.filled_release` fills it (answers written), as JSON text."""
    return json.dumps(filled_release(ps, release_cells(ps)))


def _write(folder: Path, student: str, ps: str, code: dict) -> None:
    """``folder/student/ps/ps.ipynb``: the release with ``code`` in its solution cells (the others as released)."""
    nb = json.loads(_filled(ps))
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("solution") and nbgrader_meta(cell).get("grade_id") in code:
            cell["source"] = code[nbgrader_meta(cell)["grade_id"]]
    path = folder / student / ps / f"{ps}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")


def write_class(folder, seed: int = 0, steps: int = 4) -> dict:
    """Write the class into ``folder`` (``submitted/`` layout); return what is in it.

    Returns
    -------
    dict
        ``(ps, function) -> {"independent": [student, …], "planted": [(original, copy, steps applied), …]}``.
    """
    folder = Path(folder)
    truth, codes = {}, {}
    for ps, functions in FUNCTIONS.items():
        for function in functions:
            found = truth.setdefault((ps, function), {"independent": [], "planted": []})
            for i, (name, source) in enumerate(versions(ps, function)):
                rng = random.Random(f"{seed}-{function}-{name}")
                copy, applied = disguise(source, function, rng.randrange(1 << 30), steps=steps)
                original, copier = f"ind-{i:02d}", f"cp-{i:02d}"
                codes.setdefault((original, ps), {})[function] = source
                codes.setdefault((copier, ps), {})[function] = copy
                found["independent"].append(original)
                found["planted"].append((original, copier, applied))
    for (student, ps), code in codes.items():
        _write(folder, student, ps, code)
    return truth


def write_large_class(folder, students: int, seed: int = 0, copies: int = 20) -> int:
    """A class of ``students`` for the benchmark: each writes a version of every function (drawn from
    :func:`versions`, disguised lightly so that no two are the same text) and ``copies`` students copy a
    classmate's whole notebook, disguised. Returns the number of notebooks written."""
    folder, rng = Path(folder), random.Random(seed)
    written = 0
    for s in range(students):
        student = f"student-{s:04d}"
        for ps, functions in FUNCTIONS.items():
            code = {}
            for function in functions:
                name, source = rng.choice(versions(ps, function))
                code[function] = disguise(source, function, rng.randrange(1 << 30), steps=2)[0]
            _write(folder, student, ps, code)
            written += 1
    for s in range(min(copies, students - 1)):
        original = rng.randrange(copies, students) if students > copies else s + 1
        for ps, functions in FUNCTIONS.items():
            nb = json.loads((folder / f"student-{original:04d}" / ps / f"{ps}.ipynb").read_text(encoding="utf-8"))
            code = {nbgrader_meta(c)["grade_id"]: cell_text(c) for c in nb["cells"]
                    if nbgrader_meta(c).get("grade_id") in functions and nbgrader_meta(c).get("solution")}
            code = {f: disguise(src, f, rng.randrange(1 << 30), steps=4)[0] for f, src in code.items()}
            _write(folder, f"student-{s:04d}", ps, code)
    return written
