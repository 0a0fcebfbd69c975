"""What ``make release`` writes from a notebook's graded cells: its points table, the self-check's functions.

A function is declared once for the course, by its graded cells in the source notebook
(:func:`autograder.model.course.functions_graded_in`: the ``<function>`` of each test cell's grade_id
``<function>-<aspect>``); its points are those cells' nbgrader metadata, its signature the ``def`` of its
solution cell (grade_id ``<function>``). Two things repeat them, and are written here, before nbgrader releases
the notebooks (:func:`autograder.release.inline.source_updates`):

* the **points table** of the opening cell (the first cell), under ``### What you will implement``: one row per
  function (its signature, its test cells with their points), one per answer cell after its function's row
  (``derivation for `fn` (Markdown, graded by hand)``), and the total;
* the **functions of** ``student_side/selfcheck.py``'s ``PROBLEM_SETS`` table (the first tuple of each problem
  set's row; the forbidden names beside them are written by hand, as in ``autograder/checks/forbidden.py``).

Everything here is a function of the notebooks' text, so the release stays byte-deterministic.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from autograder.model.course import function_of, functions_graded_in, is_answer_cell, is_test_cell

if TYPE_CHECKING:
    from nbformat import NotebookNode

HEADING = "### What you will implement"
_TABLE = re.compile(r"(?P<head>^### What you will implement\n\n)(?P<table>.*?)(?P<tail>\n\n|\Z)", re.S | re.M)
#: The widest line written into student_side/selfcheck.py (the project's line length).
MAX_LINE = 120


class OpeningError(ValueError):
    """A notebook lacks what its points table or the self-check table is made from; the message says what to write."""


def _metadata(nb: NotebookNode) -> list[dict[str, Any]]:
    return [cell.metadata.get("nbgrader", {}) for cell in nb.cells]


def _points(points: float | str) -> str:
    return f"{float(points):g}"


def signature(nb: NotebookNode, function: str, where: str) -> str:
    """``function(args)`` as the ``def`` of its solution cell (grade_id ``function``) writes it."""
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and meta.get("grade_id") == function:
            try:
                tree = ast.parse(cell.source)
            except SyntaxError as exc:
                raise OpeningError(f"{where}: the solution cell {function!r} does not parse ({exc.msg})") from None
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and node.name == function:
                    return f"{function}({ast.unparse(node.args)})"
            raise OpeningError(f"{where}: the solution cell {function!r} defines no function {function}")
    raise OpeningError(f"{where}: no solution cell for {function!r}: a code cell with nbgrader metadata "
                       f'solution: true, grade: false, grade_id: "{function}", holding `def {function}(…)`')


def points_table(nb: NotebookNode, where: str) -> str:
    """The markdown table of what the notebook ``nb`` grades (see the module docstring)."""
    metas = _metadata(nb)
    tests = [(m["grade_id"], m["points"]) for m in metas if is_test_cell(m)]
    answers = [(m["grade_id"], m["points"]) for m in metas if is_answer_cell(m)]
    rows = ["| function | graded cells (points) |", "|---|---|"]
    for function in functions_graded_in(metas):
        cells = ", ".join(f"`{gid}` ({_points(p)})" for gid, p in tests if function_of(gid) == function)
        rows.append(f"| `{signature(nb, function, where)}` | {cells} |")
        for gid, p in answers:
            if function_of(gid) == function:
                aspect = gid.rsplit("-", 1)[1]
                rows.append(f"| {aspect} for `{function}` (Markdown, graded by hand) | `{gid}` ({_points(p)}) |")
    autograded = sum(float(p) for _, p in tests)
    by_hand = sum(float(p) for _, p in answers)
    total = f"**{_points(autograded + by_hand)} points**"
    if answers:
        total += f": {_points(autograded)} autograded, {_points(by_hand)} graded by hand"
    rows.append(f"| **total** | {total} |")
    return "\n".join(rows)


def write_points_table(nb: NotebookNode, where: str) -> None:
    """Write :func:`points_table` into the opening cell of ``nb`` (changed in place) under :data:`HEADING`."""
    opening = nb.cells[0]
    match = _TABLE.search(opening.source) if opening.cell_type == "markdown" else None
    if match is None:
        raise OpeningError(f"{where}: the first cell has no '{HEADING}' heading followed by a blank line "
                           "(make release writes the points table under it; docs/notebooks.md)")
    opening.source = (opening.source[:match.start("table")] + points_table(nb, where)
                      + opening.source[match.end("table"):])


def _tuple(names: Iterable[str], indent: int) -> list[str]:
    """Lines of a Python tuple of strings, at most :data:`MAX_LINE` characters, the first at ``indent``."""
    items = [f'"{name}"' for name in names]
    one = "(" + ", ".join(items) + ("," if len(items) == 1 else "") + "),"
    if indent + len(one) <= MAX_LINE:
        return [" " * indent + one]
    lines, line = [], " " * indent + "("
    for item in items:
        if len(line) + len(item) + 2 > MAX_LINE:
            lines.append(line.rstrip())
            line = " " * (indent + 1)
        line += item + ", "
    lines.append(line[:-2] + "),")
    return lines


def selfcheck_table(text: str, functions: Mapping[str, Iterable[str]], where: str = "student_side/selfcheck.py") -> str:
    """``text`` (selfcheck.py's) with each problem set's functions in ``PROBLEM_SETS`` written from ``functions``."""
    for ps, names in functions.items():
        row = re.compile(rf'(?P<head>^    "{re.escape(ps)}": \(\n)(?P<names>        \(.*?\),\n)'
                         r'(?P<tail>        \()', re.S | re.M)
        match = row.search(text)
        if match is None:
            raise OpeningError(f'{where}: PROBLEM_SETS has no row for {ps!r}; write one: "{ps}": (\n'
                               "        (its functions), (the library functions they may not use)),\n"
                               f"as for the other problem sets (the forbidden names of autograder/checks/{ps}.py)")
        text = text[:match.start("names")] + "\n".join(_tuple(names, 8)) + "\n" + text[match.end("names"):]
    return text
