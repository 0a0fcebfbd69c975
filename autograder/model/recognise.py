"""Cells that lost their nbgrader metadata, recognised by their text or their place.

A student's notebook can reach the grader with cells that carry no nbgrader metadata at all: cells copied into a
fresh notebook, a solution or answer cell deleted and written again, a round trip through a tool that keeps only
the text (nbgrader's issues #424 and #1398 are such cases). Read by grade_id alone, such a notebook loses points for
nothing it did: its copies of the locked cells run as the student's own code (the set-up cell's self-check module
then makes the purity reading unsure of every function), and an answer written where it belongs counts as missing.

So a cell with no nbgrader metadata is given back the grade_id of

* a locked cell of the source that the submission lacks, when its text is that cell's as the student was given it
  (:func:`autograder.model.given.same_as_given`), in the order they come; the set-up cell also when only its title
  line is the same (a notebook started from an earlier release carries an earlier self-check module, which the
  grader never runs either);
* a solution cell of the source that the submission lacks, when it stands in that cell's place: after the source
  cell that precedes it (found in the submission by grade_id or by the step above) and before any other known cell,
  the first cell there of the solution cell's type — for code, the first that defines one of the names the
  source's solution cell defines (``def softmax``, ``learning_rate = …``).

A recognised cell gets the source cell's nbgrader metadata and grade_id (a copy of the cell: the caller's list is
updated, not the cell), and each recognition is noted for the instructor. Nothing else changes: a locked cell is restored from
the source anyway, and a solution cell's text is the student's. A cell with nbgrader metadata is never re-read.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from autograder.model.course import SELF_CHECK_CELL
from autograder.model.given import given_forms, normal_text
from autograder.model.notebook import SourceCell, SubmittedCell
from autograder.model.pysource import parse, python_source


def recognise(source_cells: Sequence[SourceCell], submitted_cells: list[SubmittedCell], notes: list[str]) -> None:
    """Give back their grade_id to the cells of ``submitted_cells`` that lost their nbgrader metadata (see the
    module docstring), replacing each recognised cell by a copy with the source cell's metadata; notes in
    ``notes``."""
    known = [c for c in source_cells if c.grade_id and (c.protected or c.solution)]
    present = {c.grade_id for c in submitted_cells}
    bare = {i for i, c in enumerate(submitted_cells) if c.well_formed and not c.nbgrader}
    if not bare or all(c.grade_id in present for c in known):
        return
    by_text: dict[str, list[SourceCell]] = {}
    for scell in known:
        if scell.protected and scell.grade_id not in present:
            for form in set(given_forms(scell.source)):
                by_text.setdefault(form, []).append(scell)
    setup = next((c for c in known if c.grade_id == SELF_CHECK_CELL and c.grade_id not in present), None)
    found: dict[int, SourceCell] = {}
    for i in sorted(bare):
        text = submitted_cells[i].source
        candidates = list(by_text.get(normal_text(text), ()))
        if setup is not None and _title(text) == _title(setup.source):
            candidates.append(setup)  # the set-up cell of any release: its module changes, its title line does not
        for scell in candidates:
            if scell.cell_type == submitted_cells[i].kind and scell not in found.values():
                found[i] = scell
                break
    by_text_count = len(found)
    where: dict[str | None, int] = {c.grade_id: i for i, c in reversed(list(enumerate(submitted_cells))) if c.grade_id}
    where.update({scell.grade_id: i for i, scell in found.items()})
    for k, scell in enumerate(known):
        if scell.solution and scell.grade_id not in where:
            place = _in_place(scell, known[k - 1].grade_id if k else None, where, bare - set(found), submitted_cells)
            if place is not None:
                found[place] = scell
                where[scell.grade_id] = place
    for i, scell in found.items():
        submitted_cells[i] = replace(submitted_cells[i], grade_id=scell.grade_id, nbgrader=release_metadata(scell))
    if found:
        by_place = [f"`{s.grade_id}`" for i, s in sorted(found.items()) if s.solution]
        how = ([f"{by_text_count} by their text"] if by_text_count else []) + (
            [f"{', '.join(by_place)} by {'its' if len(by_place) == 1 else 'their'} place"] if by_place else [])
        what = ("1 cell had lost its nbgrader metadata and was" if len(found) == 1
                else f"{len(found)} cells had lost their nbgrader metadata and were")
        notes.append(f"{what} recognised: {'; '.join(how)}")


def _title(text: str) -> str:
    """A cell's first line that is not blank (the set-up cell's ``#@title …``)."""
    return next((line.strip() for line in text.split("\n") if line.strip()), "")


def _in_place(scell: SourceCell, before: str | None, where: dict[str | None, int], free: set[int],
              submitted_cells: list[SubmittedCell]) -> int | None:
    """The index of the free cell that stands in ``scell``'s place (after the cell ``before``), or None."""
    if before is not None and before not in where:
        return None
    start = where[before] + 1 if before is not None else 0
    wanted = _defined_names(scell.source) if scell.cell_type == "code" else set()
    for i in range(start, len(submitted_cells)):
        if i not in free:
            return None  # another known cell: the place is over
        cell = submitted_cells[i]
        if cell.kind != scell.cell_type or not cell.source.strip():
            continue
        text = cell.source
        if scell.cell_type != "code" or (any(name in text for name in wanted) and wanted & _defined_names(text)):
            return i  # (a cell that does not even name one is not parsed)
    return None


def _defined_names(text: str) -> set[str]:
    """The names a code cell's top level defines (functions, classes, assignments to a name)."""
    code = python_source(text)
    tree = parse(code) if code is not None else None
    names: set[str] = set()
    for node in tree.body if tree is not None else ():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def release_metadata(scell: SourceCell) -> dict[str, Any]:
    """The nbgrader metadata of the source cell ``scell``, as its release carries it."""
    meta: dict[str, Any] = {"grade_id": scell.grade_id, "grade": scell.grade, "solution": scell.solution,
                            "locked": scell.locked, "schema_version": 3}
    if scell.grade:
        meta["points"] = scell.points
    return meta
