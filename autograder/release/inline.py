"""What ``make release`` writes into the source notebooks from ``student_side/``, so that a notebook runs alone.

A release notebook must run on its own (Colab, VS Code, JupyterLab, a download of the ``.ipynb``
only): the students' self-check module and the training data travel inside it. Each is edited in
one place, ``student_side/``, and written into every source notebook that uses it, before nbgrader
releases the notebooks (stock ``nbgrader generate_assignment`` then gives the same release):

* the **set-up cell** (grade_id ``self-check``, the first code cell): generated whole from
  ``student_side/selfcheck.py`` (the module's text, run as the module ``selfcheck``) and the
  ``name>=version`` lines of ``student_side/requirements.txt``, which it checks at run time;
* each **data cell** (grade_id ``data-…``): the instructor writes its title and comments and a call
  ``keep_data("<file>")``; the call is expanded to ``keep_data("<file>", sha256="…", base64=…)``
  with the bytes of ``student_side/data/<file>`` (base64 in lines of 76 characters: a 57.5 kB file
  becomes a 78 kB cell, under the 100,000 characters the grading engine reads of a submitted cell);
* ``source/<ps>/requirements.txt``: a copy of ``student_side/requirements.txt`` (nbgrader releases a
  problem set's own files, so every release folder has one).

Two things made from the notebooks' own graded cells are written with them (:mod:`autograder.release.opening`):
the points table of each notebook's opening cell, and the functions of ``student_side/selfcheck.py``'s table
(before the set-up cells, which carry that file).

Both kinds of cell are locked (nbgrader ``locked``: the engine restores them from the source and never
runs them, ``course.grader_skips``) and collapsed: nbformat's ``jupyter.source_hidden`` (JupyterLab 4
and Notebook 7 then show the first line, the ``#@title`` line, in place of the code) and
``cellView: form`` (Colab, which shows that title as a form instead of the code).
Everything here is a function of the bytes it reads, so the release stays byte-deterministic.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.model.course import SELF_CHECK_CELL, functions_graded_in, is_data_cell
from autograder.model.notebook import MAX_CELL_CHARS  # the longest cell the grading engine reads
from autograder.release import opening

if TYPE_CHECKING:
    from nbformat import NotebookNode

#: The folder of the course that holds what every problem set's students get besides the lesson.
STUDENT_SIDE = "student_side"
SELFCHECK = "selfcheck.py"
REQUIREMENTS = "requirements.txt"
DATA = "data"
#: Cell metadata that shows a cell collapsed: nbformat's own key (JupyterLab, Notebook 7), and Colab's.
COLLAPSED = {"jupyter": {"source_hidden": True}, "cellView": "form"}

_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*(\d+(?:\.\d+)*)$")
_DATA_CALL = re.compile(r'keep_data\(\s*"(?P<name>[^"\\]+)"(?:\s*,\s*sha256="[0-9a-f]*"\s*,\s*'
                        r'base64="""[A-Za-z0-9+/=\s]*""")?\s*\)')

SELF_CHECK_TEMPLATE = """\
#@title Set-up: run this cell first (the self-checks, not graded; you need not read it)
# It checks that the packages of requirements.txt are installed, defines the self-checks `library_calls` (the
# first test cell of each function calls it) and `needs_your` (the figure cells use it), and says in one line when
# a function is still the template. `make release` writes this cell from the course's student_side/selfcheck.py.
SELFCHECK = r'''
{module}'''
import sys, types
selfcheck = sys.modules["selfcheck"] = types.ModuleType("selfcheck")
exec(compile(SELFCHECK, "selfcheck.py", "exec"), vars(selfcheck))
from selfcheck import library_calls, needs_your, keep_data, data_file
selfcheck.start({requirements})"""


class ReleaseError(RuntimeError):
    """The release cannot be generated (nbgrader failed, or ``student_side/`` is incomplete); the message says why."""


def requirements(course_dir: Path) -> tuple[str, ...]:
    """The ``name>=version`` lines of ``student_side/requirements.txt`` (comments and blank lines left out)."""
    path = Path(course_dir) / STUDENT_SIDE / REQUIREMENTS
    lines = []
    for number, line in enumerate(_read(path).decode("utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if not _REQUIREMENT.match(line):
            raise ReleaseError(f"{STUDENT_SIDE}/{REQUIREMENTS} line {number}: {line!r}: expected 'name>=version' "
                               "(the set-up cell checks these at run time)")
        lines.append(re.sub(r"\s+", "", line))
    return tuple(lines)


def self_check_source(module: str, required: tuple[str, ...]) -> str:
    """The set-up cell's source: ``module`` (selfcheck.py's text) run as the module ``selfcheck``."""
    try:
        fits = module.endswith("\n") and ast.literal_eval(f"r'''\n{module}'''") == "\n" + module
    except (SyntaxError, ValueError):
        fits = False
    if not fits:
        raise ReleaseError(f"{STUDENT_SIDE}/{SELFCHECK} cannot be written into a r'''…''' string "
                           "(it holds ''' or ends without a newline)")
    return SELF_CHECK_TEMPLATE.format(module=module, requirements=repr(required))


def data_call(name: str, raw: bytes) -> str:
    """``keep_data("<name>", sha256="…", base64=…)`` for the file's bytes ``raw`` (base64 in a triple-quoted string)."""
    return (f'keep_data("{name}", sha256="{hashlib.sha256(raw).hexdigest()}", base64="""\n'
            f'{base64.encodebytes(raw).decode("ascii")}""")')


def inline_cells(nb: NotebookNode, course_dir: Path, ps: str, module: str | None = None) -> None:
    """Write the set-up cell and the data cells of notebook ``nb`` (an nbformat node, changed in place).

    ``module``: the text of ``student_side/selfcheck.py`` to carry (default: the file's)."""
    side = Path(course_dir) / STUDENT_SIDE
    if module is None:
        module = _read(side / SELFCHECK).decode("utf-8")
    setup = self_check_source(module, requirements(course_dir))
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == SELF_CHECK_CELL:
            cell.source = setup
        elif is_data_cell(gid):
            calls = _DATA_CALL.findall(cell.source)
            if len(calls) != 1:
                raise ReleaseError(f"source/{ps}: the data cell {gid!r} needs exactly one keep_data(\"<file>\") "
                                   f"call naming a file of {STUDENT_SIDE}/{DATA}/ (found {len(calls)})")
            name = calls[0]
            if Path(name).name != name:
                raise ReleaseError(f"source/{ps}: the data cell {gid!r} names {name!r}: a file name, not a path")
            raw = _read(side / DATA / name)
            # (re.sub calls the lambda at once, within this iteration)
            cell.source = _DATA_CALL.sub(lambda _: data_call(name, raw), cell.source)  # noqa: B023
        else:
            continue
        if len(cell.source) > MAX_CELL_CHARS:
            raise ReleaseError(f"source/{ps}: the cell {gid!r} would hold {len(cell.source):,} characters; the "
                               f"grading engine reads at most {MAX_CELL_CHARS:,} of a submitted cell (compress the "
                               "data, or keep fewer rows)")
        cell.metadata.update(COLLAPSED)


def source_updates(course_dir: Path, problem_sets: Iterable[str]) -> dict[Path, bytes]:
    """The files of ``source/`` that differ from what ``student_side/`` makes them: path -> bytes to write.

    First ``student_side/selfcheck.py``, whose table's functions are the source notebooks' (every one of
    ``source/``; :func:`opening.selfcheck_table`). For each problem set: its notebook (set-up and data cells
    written by :func:`inline_cells`, the opening's points table by :func:`opening.write_points_table`, in the
    canonical form nbformat writes, as Jupyter saves it) and its ``requirements.txt`` copy.
    """
    import nbformat

    course_dir = Path(course_dir)
    wanted = _read(course_dir / STUDENT_SIDE / REQUIREMENTS)
    updates = {}
    module_path = course_dir / STUDENT_SIDE / SELFCHECK
    module = _read(module_path).decode("utf-8")
    self_check_source(module, requirements(course_dir))   # what the set-up cell refuses, said first
    try:
        written_module = opening.selfcheck_table(module, _course_functions(course_dir))
    except opening.OpeningError as exc:
        raise ReleaseError(str(exc)) from None
    if written_module != module:
        updates[module_path] = written_module.encode("utf-8")
    for ps in problem_sets:
        folder = course_dir / "source" / ps
        path = folder / f"{ps}.ipynb"
        text = _read(path).decode("utf-8")
        nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
        inline_cells(nb, course_dir, ps, written_module)
        try:
            opening.write_points_table(nb, f"source/{ps}/{ps}.ipynb")
        except opening.OpeningError as exc:
            raise ReleaseError(str(exc)) from None
        written = nbformat.writes(nb) + "\n"
        if written != text:
            updates[path] = written.encode("utf-8")
        copy = folder / REQUIREMENTS
        if not copy.is_file() or copy.read_bytes() != wanted:
            updates[copy] = wanted
    return updates


def _course_functions(course_dir: Path) -> dict[str, tuple[str, ...]]:
    """Problem-set id -> its functions, for every ``source/<ps>/<ps>.ipynb`` of the course folder, by name."""
    functions = {}
    source = course_dir / "source"
    for folder in sorted(source.iterdir()) if source.is_dir() else ():
        path = folder / f"{folder.name}.ipynb"
        if path.is_file():
            cells = json.loads(_read(path).decode("utf-8"))["cells"]
            functions[folder.name] = functions_graded_in(c.get("metadata", {}).get("nbgrader", {}) for c in cells)
    return functions


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReleaseError(f"cannot read {path} ({exc.strerror})") from None
