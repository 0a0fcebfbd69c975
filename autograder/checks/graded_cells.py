"""The graded test cells of a source notebook, as the functions' declarations make them.

A graded test cell (grade_id ``<function>-<aspect>``) is two parts, each written in one place:

* what the student runs and reads, the **visible part**: the lesson's own self-check (a first line saying what the
  cell checks, the asserts on the public inputs and their messages), written in the source notebook and kept here
  as it is, except the first statement of a ``-basic`` cell, the self-check of forbidden library calls, which is the
  same in every set and written here (:func:`library_assert`);
* what the declaration says (``autograder/checks/<ps>.py``): the cell's **points** (nbgrader's metadata, which the
  course plan and nbgrader read) and the **hidden part**, the one call into the checks (:func:`hidden_part`).

:func:`written` makes a notebook's graded cells what the declarations say: each declared aspect's cell with its points
and hidden part, a new cell for an aspect the notebook lacks (its summary as its first line, right after the
function's cells above it, else after its "What the next cells check" list or its solution cell; the lesson then
writes its visible asserts: ``python -m tests.declared`` says so), and no cell for an aspect no declaration names (a
function or an aspect taken out). ``python -m autograder declare`` runs it on every source notebook (``make
release`` does, first).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from autograder.checks.check import Check
from autograder.checks.declaration import FunctionChecks
from autograder.model.course import function_of, is_test_cell

#: Where the visible part ends and nbgrader's hidden tests begin.
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"


def hidden_part(grade_id: str) -> str:
    """The hidden part of a graded cell: the one call into the checks, between nbgrader's markers."""
    return (f'{BEGIN_HIDDEN}\nfrom autograder.checks import run_check\nrun_check("{grade_id}", globals())\n'
            "### END HIDDEN TESTS")


def library_assert(function: str) -> str:
    """The self-check of forbidden library calls, the second line of every ``-basic`` cell (the set-up cell's
    ``library_calls``, whose list is the function's declaration's)."""
    return (f"assert not library_calls({function}), \\\n"
            f"    f\"{function} uses {{', '.join(library_calls({function}))}}: a library's ready-made version of a "
            f"function this problem set asks you to write, so {function} earns no points. Write it yourself with "
            "NumPy (see 'What you may use' at the top).\"\n")


def _visible(check: Check, declared: FunctionChecks, visible: str) -> str:
    """``visible`` with the library assert where a ``-basic`` cell of a function with a forbidden list has it: after
    the cell's first line."""
    if check.grade_id != f"{check.function}-basic" or not declared.forbidden:
        return visible
    wanted = library_assert(check.function)
    if wanted in visible:
        return visible
    first, newline, rest = visible.partition("\n")
    return first + newline + wanted + rest


def new_cell(check: Check, declared: FunctionChecks) -> dict[str, Any]:
    """A graded cell the notebook lacks, as nbgrader's toolbar makes one: the check's summary as its first line,
    then the hidden part (the visible asserts are the lesson's to write)."""
    visible = _visible(check, declared, f"# {check.function}-{check.grade_id.rsplit('-', 1)[1]}: {check.summary}\n\n")
    return {"cell_type": "code", "execution_count": None, "id": check.grade_id,
            "metadata": {"nbgrader": {"grade": True, "grade_id": check.grade_id, "locked": True,
                                      "points": check.points, "schema_version": 3, "solution": False,
                                      "task": False}},
            "outputs": [], "source": _lines(visible + hidden_part(check.grade_id))}


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _grade_id(cell: Mapping[str, Any]) -> str:
    return str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))


def _is_graded(cell: Mapping[str, Any]) -> bool:
    return is_test_cell(cell.get("metadata", {}).get("nbgrader", {}))


def written(notebook: Mapping[str, Any], checks: Mapping[str, Check],
            declarations: Mapping[str, FunctionChecks]) -> tuple[dict[str, Any], list[str]]:
    """``(the notebook with its graded cells as the declarations say, what changed in words)``.

    ``checks``: the problem set's ``grade_id -> Check`` in declaration order; ``declarations``: its
    ``function -> FunctionChecks``. ``notebook`` is not changed.
    """
    nb = copy.deepcopy(dict(notebook))
    cells: list[dict[str, Any]] = nb["cells"]
    said: list[str] = []
    gone = [c for c in cells if _is_graded(c) and _grade_id(c) not in checks]
    for cell in gone:
        said.append(f"removed the graded cell {_grade_id(cell)} (no declaration names it)")
    cells[:] = [c for c in cells if not (_is_graded(c) and _grade_id(c) not in checks)]
    for gid, check in checks.items():
        declared = declarations[check.function]
        at = next((i for i, c in enumerate(cells) if _is_graded(c) and _grade_id(c) == gid), None)
        if at is None:
            cells.insert(_place(cells, check, checks), new_cell(check, declared))
            said.append(f"added the graded cell {gid} ({check.points:g} points): write its visible asserts")
            continue
        cell = cells[at]
        meta = cell["metadata"]["nbgrader"]
        if meta.get("points") != check.points:
            said.append(f"{gid}: {meta.get('points')} -> {check.points:g} points")
            meta["points"] = check.points
        visible = _source(cell).partition(BEGIN_HIDDEN)[0]
        text = _visible(check, declared, visible) + hidden_part(gid)
        if text != _source(cell):
            said.append(f"{gid}: its hidden part or its library self-check written")
            cell["source"] = _lines(text)
    return nb, said


def _place(cells: list[dict[str, Any]], check: Check, checks: Mapping[str, Check]) -> int:
    """Where a new cell of ``check`` goes: after its function's graded cells declared before it, else after the
    function's "What the next cells check" list, else after its solution cell, else at the end."""
    before = list(checks)[:list(checks).index(check.grade_id)]
    mine = [g for g in before if function_of(g) == check.function]
    for i in range(len(cells) - 1, -1, -1):
        if _is_graded(cells[i]) and _grade_id(cells[i]) in mine:
            return i + 1
    for anchor in (f"checks-{check.function}", check.function):
        for i, cell in enumerate(cells):
            if _grade_id(cell) == anchor:
                return i + 1
    return len(cells)
