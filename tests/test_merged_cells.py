"""model/merged_cells.py: cells a key merged (Shift+M) are taken apart where the course's own text shows the seam.

Each test merges cells of the real ps1 release as JupyterLab does (the texts joined by a blank line into the first
cell, which keeps its type and metadata) and partitions the submission as the engine and the similarity report do.
The grades themselves are tested in tests/test_engine_order.py."""

from __future__ import annotations

import copy

from autograder.model.course import ROOT
from autograder.model.notebook import cell_text, grade_id_of, load_source, read_cells
from autograder.model.run_order import partition
from testkit.fill import filled_release

SOURCE = load_source(ROOT / "source" / "ps1_softmax" / "ps1_softmax.ipynb")


def merged(nb: dict, gid: str, count: int = 2, first: int = 0) -> dict:
    """``nb`` with ``count`` cells from the one ``first`` cells after ``gid``'s (negative: before) merged into one,
    as Shift+M does."""
    nb = copy.deepcopy(nb)
    cells = nb["cells"]
    k = next(i for i, c in enumerate(cells) if grade_id_of(c) == gid) + first
    joined = "\n\n".join(cell_text(c) for c in cells[k:k + count])
    cells[k:k + count] = [{**cells[k], "source": joined}]
    return nb


def parts(nb: dict):
    notes: list[str] = []
    return partition(SOURCE.cells, read_cells(copy.deepcopy(nb["cells"])), notes), notes


def test_a_solution_cell_merged_with_the_locked_cell_below_is_taken_apart():
    intact, _ = parts(filled_release("ps1_softmax"))
    got, notes = parts(merged(filled_release("ps1_softmax"), "logsumexp"))
    assert got.primary["logsumexp"].source.rstrip() == intact.primary["logsumexp"].source.rstrip()
    assert got.primary["checks-logsumexp"].source == intact.primary["checks-logsumexp"].source
    assert got.occurrences == intact.occurrences and any("merged with the 1 cell below" in n for n in notes), notes


def test_a_solution_cell_merged_into_its_task_cell_above_is_taken_apart():
    intact, _ = parts(filled_release("ps1_softmax"))
    got, notes = parts(merged(filled_release("ps1_softmax"), "logsumexp", count=3, first=-1))  # task, code, checks
    for gid in ("task-logsumexp", "logsumexp", "checks-logsumexp"):
        assert got.primary[gid].source.strip() == intact.primary[gid].source.strip(), gid
    assert got.primary["logsumexp"].kind == "code"
    assert any("merged into the cell above" in n for n in notes) and any("below it" in n for n in notes), notes


def test_text_that_is_not_the_courses_is_never_cut():
    nb = filled_release("ps1_softmax")
    cell = next(c for c in nb["cells"] if grade_id_of(c) == "logsumexp")
    checks = next(c for c in nb["cells"] if grade_id_of(c) == "checks-logsumexp")
    cell["source"] = cell_text(cell) + "\n\n" + cell_text(checks)  # (the locked cell still there: no merge)
    got, notes = parts(nb)
    assert got.primary["logsumexp"].source == cell["source"] and not any("merged" in n for n in notes)
    nb = merged(filled_release("ps1_softmax"), "logsumexp")
    one = next(c for c in nb["cells"] if grade_id_of(c) == "logsumexp")
    one["source"] = cell_text(one).replace("**What the next cells check.**", "**What the next cells test.**")
    got, notes = parts(nb)  # (the prose edited after the merge: no seam of the course's, left as it is)
    assert got.primary["logsumexp"].source == one["source"] and "checks-logsumexp" not in got.primary
