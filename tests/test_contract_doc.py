"""docs/contract.md is the function contract: it must say what the code does.

Every contract function of the course plan appears in the document under its
problem set with exactly the reference solution's signature, the document
names no function the course does not ask for, and no tracked file points
outside the repository for it.
"""

import importlib
import inspect
import re
import subprocess

import pytest

from autograder.model.course import FUNCTIONS, ROOT

DOC = ROOT / "docs" / "contract.md"


def _documented():
    """``{problem set: {function: "signature text"}}`` read from the document's tables."""
    out, ps = {}, None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (ps\d+_\w+)", line)
        if heading:
            ps = heading.group(1)
            out[ps] = {}
            continue
        row = re.match(r"^\| `(\w+)\((.*?)\)` \|", line)
        if row and ps:
            out[ps][row.group(1)] = row.group(2)
    return out


def _signature(fn: str, ps: str) -> str:
    function = getattr(importlib.import_module(f"solutions.{ps}"), fn)
    return ", ".join(str(p) for p in inspect.signature(function).parameters.values())


def test_every_problem_set_is_documented_and_nothing_else():
    documented = _documented()
    assert set(documented) == set(FUNCTIONS)
    for ps, functions in FUNCTIONS.items():
        assert list(documented[ps]) == list(functions), f"{ps}: the document's functions and order differ"


@pytest.mark.parametrize("ps,fn", [(ps, fn) for ps, fns in FUNCTIONS.items() for fn in fns])
def test_signature_matches_the_reference(ps, fn):
    assert _documented()[ps][fn] == _signature(fn, ps), f"docs/contract.md and solutions/{ps}.py disagree on {fn}"


def test_no_tracked_file_points_outside_the_repository():
    # "[.][.]/shared": a path into the folder beside the checkout, written so this file does not match itself
    tracked = subprocess.run(["git", "grep", "-n", "-I", "-E", "-e", "[.][.]/shared"],
                             cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode not in (0, 1):
        pytest.skip(f"not a git checkout: {tracked.stderr.strip()}")
    assert tracked.stdout == "", f"files refer to a folder outside the project:\n{tracked.stdout}"
