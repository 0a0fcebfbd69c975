"""The course layout: problem sets, their functions, graded cells and points.

Nothing of it is written here: it is read from the source notebooks, where each thing is written once.

* the problem sets (:data:`PROBLEM_SETS`): the folders ``source/<ps>/`` holding a ``<ps>.ipynb``, in the
  order of their names (``ps1_…`` to ``ps6_…``);
* a problem set's contract functions (:data:`FUNCTIONS`), in notebook order: the ``<function>`` of its
  autograded test cells' grade_ids ``<function>-<aspect>``, each once, in the order of its first test cell;
* the graded cells and their points, in the cells' nbgrader metadata: the autograded test cells
  (:data:`GRADE_CELLS`) and the manually graded answer cells (:data:`ANSWER_CELLS`).

What else a function needs is declared beside it and checked against this plan: its reference
(``solutions/<ps>.py``), its checks (``autograder/checks/<ps>.py``, which refuse a function or a grade_id
this plan does not have), its row in ``docs/contract.md`` (``tests/test_contract_doc.py``). What is made
from the plan is regenerated: the notebook's points table (``make release``, ``autograder/release/opening.py``),
its "What the next cells check" lists (``python -m testkit.zoo.checklists``, run by ``make release``), the
functions of ``student_side/selfcheck.py``'s table (``make release``). docs/contributing.md, "Add a function",
walks through it.
"""

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

#: Repository root; it is also the nbgrader course directory.
ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"

_NBGRADER_METADATA: dict[str, tuple[dict[str, Any], ...]] = {}


def _nbgrader_metadata(ps: str) -> tuple[dict[str, Any], ...]:
    """The nbgrader metadata of every cell of ``source/<ps>/<ps>.ipynb`` (``{}`` for a cell without), read once."""
    if ps not in _NBGRADER_METADATA:
        notebook = json.loads((SOURCE / ps / f"{ps}.ipynb").read_text(encoding="utf-8"))
        _NBGRADER_METADATA[ps] = tuple(cell.get("metadata", {}).get("nbgrader", {}) for cell in notebook["cells"])
    return _NBGRADER_METADATA[ps]


def solution_functions(ps: str) -> tuple[str, ...]:
    """The grade_ids of ``ps``'s solution cells that are not graded, in notebook order: the functions its notebook
    asks a student to write (the contract's, before their graded cells are written, and ungraded ones such as
    ps4's ``logit_gradient``)."""
    return tuple(meta["grade_id"] for meta in _nbgrader_metadata(ps)
                 if meta.get("solution") and not meta.get("grade") and meta.get("grade_id"))


def is_answer_cell(meta: Mapping[str, Any]) -> bool:
    """nbgrader metadata of a **manually graded answer** cell: ``solution`` and ``grade``, with points.

    The student writes the answer (in this course a markdown derivation) and a
    person grades it in nbgrader's formgrader; nothing automatic decides its
    points. Its grade_id is ``<function>-<aspect>`` like a test cell's (e.g.
    ``cross_entropy_grad-derivation``), so it belongs to a contract function.
    """
    return bool(meta.get("grade")) and bool(meta.get("solution"))


def is_test_cell(meta: Mapping[str, Any]) -> bool:
    """nbgrader metadata of an **autograded test** cell: ``grade`` without ``solution``."""
    return bool(meta.get("grade")) and not meta.get("solution")


def function_of(grade_id: str) -> str:
    """The contract function a grade_id tests: the part before the last ``-``."""
    return grade_id.rsplit("-", 1)[0]


def functions_graded_in(metadata: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The contract functions a notebook asks for, given its cells' nbgrader metadata (in order): the
    ``<function>`` of each autograded test cell's grade_id ``<function>-<aspect>``, once each, in the order of its
    first test cell."""
    return tuple(dict.fromkeys(function_of(meta["grade_id"]) for meta in metadata if is_test_cell(meta)))


#: Problem-set id -> the contract functions it asks for, in notebook order: read from the source notebooks'
#: autograded test cells (:func:`functions_graded_in`), the one place a function is declared for the course.
#: (A copy of the package without ``source/``, an installed wheel, knows no problem set.)
FUNCTIONS = {ps.name: functions_graded_in(_nbgrader_metadata(ps.name)) for ps in sorted(SOURCE.iterdir())
             if (ps / f"{ps.name}.ipynb").is_file()} if SOURCE.is_dir() else {}

PROBLEM_SETS = tuple(FUNCTIONS)

#: All 21 contract functions, in course order.
ALL_FUNCTIONS = tuple(fn for fns in FUNCTIONS.values() for fn in fns)

#: What nbgrader's release puts in a manually graded markdown answer cell (``ClearSolutions.text_stub``
#: of the course's ``nbgrader_config.py``; a test keeps the two equal). An answer that still reads
#: this (or nothing) was not written.
ANSWER_STUB = "YOUR ANSWER HERE"


def is_blank_answer(text: str | None) -> bool:
    """An answer cell left as the release gave it: empty, or only :data:`ANSWER_STUB`."""
    return not isinstance(text, str) or text.strip() in ("", ANSWER_STUB)


class _CellPlan(Mapping[str, tuple[tuple[str, float], ...]]):
    """Problem-set id -> graded cells as ``(grade_id, points)``, in notebook order, of one kind.

    Read from the source notebooks' nbgrader metadata, which is the one place
    a graded cell and its points are written: nbgrader's cell toolbar edits
    it, the release and the engine read it. Loaded on first use, once per
    process. ``kind`` picks the cells: :func:`is_test_cell` or :func:`is_answer_cell`.
    """

    def __init__(self, kind: Callable[[Mapping[str, Any]], bool]) -> None:
        self._kind = kind
        self._cells: dict[str, tuple[tuple[str, float], ...]] = {}

    def __getitem__(self, ps: str) -> tuple[tuple[str, float], ...]:
        if ps not in FUNCTIONS:
            raise KeyError(ps)
        if ps not in self._cells:
            metas = _nbgrader_metadata(ps)
            self._cells[ps] = tuple((meta["grade_id"], _number(meta["points"])) for meta in metas if self._kind(meta))
        return self._cells[ps]

    def __iter__(self) -> Iterator[str]:
        return iter(FUNCTIONS)

    def __len__(self) -> int:
        return len(FUNCTIONS)


def _number(points: Any) -> int | float:
    return int(points) if float(points).is_integer() else float(points)


#: Problem-set id -> autograded test cells as (grade_id, points), grade_id = "<function>-<aspect>".
GRADE_CELLS = _CellPlan(is_test_cell)

#: Problem-set id -> manually graded answer cells as (grade_id, points): the derivations a person
#: grades in formgrader. Their points are pending until then, never counted as 0 or as earned.
ANSWER_CELLS = _CellPlan(is_answer_cell)


#: Locked code cells that only illustrate the lesson (figures and demos) have a
#: grade_id starting with one of these. The grading engine does not run them:
#: they often call the student's functions thousands of times for a plot, and
#: they define nothing a solution or a check needs (a test keeps it so).
LESSON_CELL_PREFIXES = ("fig-", "demo-")


def is_lesson_cell(grade_id: str | None) -> bool:
    return grade_id is not None and grade_id.startswith(LESSON_CELL_PREFIXES)  # ("" starts with neither)


#: The locked set-up cell, the first code cell of every notebook: it carries the students' self-check
#: module (``student_side/selfcheck.py``, written into it by the release) and imports its helpers. The
#: grading engine never runs it: its own checks run on the trusted side.
SELF_CHECK_CELL = "self-check"

#: Locked code cells that hold a data file for a training section (its bytes in base64, written by the
#: release from ``student_side/data/``) have a grade_id starting with this. The engine never runs them:
#: only lesson cells read their data.
DATA_CELL_PREFIX = "data-"


def is_data_cell(grade_id: str | None) -> bool:
    return grade_id is not None and grade_id.startswith(DATA_CELL_PREFIX)  # ("" starts with neither)


def grader_skips(grade_id: str | None) -> bool:
    """A locked cell the grading engine does not run: a lesson cell, the set-up cell or a data cell."""
    return is_lesson_cell(grade_id) or grade_id == SELF_CHECK_CELL or is_data_cell(grade_id)


def problem_set_of(grade_id: str) -> str:
    """The problem-set id whose notebook holds ``grade_id``."""
    return problem_set_of_function(function_of(grade_id))


def problem_set_of_function(fn: str) -> str:
    """The problem-set id that asks for contract function ``fn``."""
    for ps, fns in FUNCTIONS.items():
        if fn in fns:
            return ps
    raise KeyError(f"no problem set asks for a function named {fn!r}")


def problem_set_of_checks_module(filename: str) -> str | None:
    """The problem set whose hidden checks the module ``filename`` of ``autograder/checks/`` holds: ``<ps>.py``, or
    ``<ps>_<part>.py``, a part a large set's checks are split into (``ps6_information_hints.py``); ``None`` for
    the modules every set shares (``check.py``, ``evaluate.py``, …)."""
    for ps in PROBLEM_SETS:
        if filename == f"{ps}.py" or (filename.startswith(f"{ps}_") and filename.endswith(".py")):
            return ps
    return None


def max_score(ps: str) -> float:
    """Every point of ``ps``: its autograded cells and its answer cells (nbgrader's assignment max score)."""
    return autograded_max_score(ps) + answer_max_score(ps)


def autograded_max_score(ps: str) -> float:
    """The points of ``ps`` that the engine grades (its test cells)."""
    return float(sum(points for _, points in GRADE_CELLS[ps]))


def answer_max_score(ps: str) -> float:
    """The points of ``ps`` that a person grades (its answer cells)."""
    return float(sum(points for _, points in ANSWER_CELLS[ps]))


def source_notebook(ps: str) -> Path:
    return SOURCE / ps / f"{ps}.ipynb"


def course_source_notebook(course_dir: str | os.PathLike[str], ps: str) -> Path | None:
    """The source notebook of ``ps`` in the course folder ``course_dir``: its ``source/<ps>/<ps>.ipynb``, else
    this repository's (:func:`source_notebook`, the one the engine grades with by default); None when neither
    exists."""
    for path in (Path(course_dir) / "source" / ps / f"{ps}.ipynb", source_notebook(ps)):
        if path.is_file():
            return path
    return None


def release_notebook(ps: str) -> Path:
    return RELEASE / ps / f"{ps}.ipynb"
