"""The shortcuts the grader takes for speed give what the plain ways give.

Each shortcut here replaced a slower way of computing the same thing (see docs/performance.md, "Grading
throughput, round by round"); these tests compare the two on real inputs, so a later change cannot make them differ.
"""

import ast
import json

import numpy as np
import pytest

from autograder.engine.batch import default_workers
from autograder.model.cores import cores
from autograder.model.course import PROBLEM_SETS, ROOT
from autograder.model.pysource import nodes, parse, python_source
from autograder.perimeter.child_runtime.invoke import _changed
from testkit.zoo import all_specimens


def _course_cells():
    for ps in PROBLEM_SETS:
        notebook = json.loads((ROOT / "source" / ps / f"{ps}.ipynb").read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                yield "".join(cell["source"])
    for _, specimen in all_specimens():
        yield specimen.source


def test_nodes_is_ast_walk_as_a_list():
    """Every cell of every source notebook and every zoo specimen: the same nodes, the same objects, in the
    same order as ``ast.walk`` (the readings that use ``nodes`` depend on the order: the first reason found is
    the one reported)."""
    trees = [t for t in (parse(python_source(text) or "") for text in _course_cells()) if t is not None]
    assert len(trees) > 300
    for tree in trees:
        walked, listed = list(ast.walk(tree)), nodes(tree)
        assert len(walked) == len(listed) and all(a is b for a, b in zip(walked, listed))
    part = trees[0].body[-1]  # a subtree too
    assert [id(n) for n in nodes(part)] == [id(n) for n in ast.walk(part)]


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128", "int16", "bool", "uint8", "complex64"])
def test_an_in_place_change_is_read_from_the_bits(dtype):
    """``_changed`` compares an argument's bits (read as unsigned integers where the item size allows, else as
    bytes): any write is a change, a copy is not, a view of another layout is compared element by element."""
    base = (np.arange(24).reshape(4, 6) % 2 == 0) if dtype == "bool" else np.arange(24).reshape(4, 6).astype(dtype)
    assert not _changed(base, base.copy())
    strided = base[:, ::2]
    assert not _changed(strided, strided.copy())
    changed = strided.copy()
    changed[1, 1] = not changed[1, 1] if dtype == "bool" else changed[1, 1] + 1
    assert _changed(strided, changed)
    assert _changed(base, base.reshape(6, 4).copy())  # the same bytes in another shape


def test_the_bits_tell_what_equality_does_not():
    """A write of -0.0 over 0.0, or of another NaN, changes the argument though ``==`` cannot tell."""
    z = np.array([0.0, np.nan, 1.0])
    signed = z.copy()
    signed[0] = -0.0
    assert _changed(z, signed)
    payload = z.copy()
    payload.view(np.uint64)[1] ^= 1  # still a NaN, another payload
    assert np.isnan(payload[1]) and _changed(z, payload)


def test_one_worker_more_than_the_cores():
    assert default_workers() == cores() + 1
