"""source/ and release/ notebooks: consistent with the course plan, release not stale, nothing leaked.

* The release is what ``source/`` generates today, byte for byte (a stale
  release fails here; ``python -m autograder release`` fixes it).
* A release notebook carries no solution, no hidden test, no outputs, and the
  graded cells and points of ``autograder/model/course.py``.
* A source notebook follows the cell conventions the engine relies on.
* ``python -m autograder release --check`` detects staleness without writing.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.model.course import ANSWER_CELLS, FUNCTIONS, GRADE_CELLS, ROOT, is_answer_cell
from autograder.commands.release import add_arguments, run
from autograder.release.generate import (
    CONFIG_FILE,
    SELFCHECK,
    generate_release,
    normalise,
    selfcheck_copies,
    source_problem_sets,
    stale_files,
)

SOURCE_PS = source_problem_sets(ROOT)
RELEASED_PS = sorted(p.parent.name for p in (ROOT / "release").glob("*/*.ipynb") if p.stem == p.parent.name)
SOLUTION_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)
HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
FORBIDDEN_IMPORT = re.compile(r"^\s*(from|import)\s+(solutions|autograder)\b", re.M)
LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "run_check")


def nbg(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def read(path: Path):
    return nbformat.read(str(path), as_version=4)


def graded(nb) -> tuple:
    """The autograded test cells, ``(grade_id, points)``."""
    return tuple((nbg(c)["grade_id"], nbg(c)["points"]) for c in nb.cells if nbg(c).get("grade") and not is_answer_cell(nbg(c)))


def answers(nb) -> tuple:
    """The manually graded answer cells, ``(grade_id, points)``."""
    return tuple((nbg(c)["grade_id"], nbg(c)["points"]) for c in nb.cells if is_answer_cell(nbg(c)))


def solution_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and nbg(c).get("solution")]


def top_level_functions(source: str) -> set[str]:
    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(source))  # cells may hold magics
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


# ---------------------------------------------------------------- staleness


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release")
    generate_release(ROOT, out_dir=out)
    return out


def test_there_is_something_to_release():
    assert SOURCE_PS, "no source/<ps>/<ps>.ipynb found"
    assert set(SOURCE_PS) <= set(FUNCTIONS), f"source notebooks for unknown problem sets: {set(SOURCE_PS) - set(FUNCTIONS)}"


def released_files(folder) -> dict:
    """``{relative path: bytes}`` of a release folder, without the bytecode Python writes beside
    ``selfcheck.py`` whenever something imports it there (``__pycache__/``: git-ignored, never released,
    as nbgrader's own ignore list leaves it out)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.relative_to(folder).parts} if folder.is_dir() else {}


@pytest.mark.parametrize("ps", SOURCE_PS)
def test_release_is_not_stale(ps, regenerated):
    fresh = released_files(regenerated / ps)
    committed = released_files(ROOT / "release" / ps)
    assert f"{ps}.ipynb" in fresh
    assert committed.keys() == fresh.keys(), (
        f"release/{ps}/ holds {sorted(committed)}, source/ generates {sorted(fresh)}: run `python -m autograder release`")
    stale = [rel for rel in fresh if committed[rel] != fresh[rel]]
    assert not stale, f"release/{ps}/{stale} differ from what source/ generates: run `python -m autograder release`"


def test_generation_is_deterministic(regenerated, tmp_path):
    ps = SOURCE_PS[0]
    again = generate_release(ROOT, [ps], out_dir=tmp_path)
    assert again == [tmp_path / ps / f"{ps}.ipynb"]
    assert again[0].read_bytes() == (regenerated / ps / f"{ps}.ipynb").read_bytes()


def test_normalise_is_idempotent_and_drops_run_state():
    nb = read(ROOT / "source" / SOURCE_PS[0] / f"{SOURCE_PS[0]}.ipynb")
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.execution_count = 7
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    code.metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:00.000000Z"}
    once = normalise(nbformat.writes(nb))
    assert normalise(once) == once
    cell = next(c for c in nbformat.reads(once, as_version=4).cells if c.cell_type == "code")
    assert cell.execution_count is None and cell.outputs == [] and "execution" not in cell.metadata


# ------------------------------------------------------------ release notebooks


@pytest.mark.parametrize("ps", RELEASED_PS)
def test_release_has_a_source(ps):
    assert ps in SOURCE_PS, f"release/{ps}/ has no source/{ps}/{ps}.ipynb"


@pytest.mark.parametrize("ps", RELEASED_PS)
def test_release_leaks_nothing(ps):
    path = ROOT / "release" / ps / f"{ps}.ipynb"
    text = path.read_text(encoding="utf-8")
    nb = read(path)
    for cell in nb.cells:
        where = f"release/{ps} cell {nbg(cell).get('grade_id', cell.get('id'))!r}"
        for marker in LEAK_MARKERS:
            assert marker not in cell.source, f"{where} contains {marker!r}"
        if cell.cell_type == "code":
            assert not FORBIDDEN_IMPORT.search(cell.source), f"{where} imports solutions/autograder"
            assert cell.outputs == [] and cell.execution_count is None, f"{where} has outputs"
    assert "run_check" not in text

    solutions = solution_cells(nb)
    assert solutions, f"release/{ps} has no solution cells"
    for cell in solutions:
        assert "raise NotImplementedError" in cell.source, f"solution cell {nbg(cell)['grade_id']!r} is not a stub"

    if ps in SOURCE_PS:
        source = read(ROOT / "source" / ps / f"{ps}.ipynb")
        solution_lines = {
            line.strip()
            for cell in source.cells if nbg(cell).get("solution")
            for region in SOLUTION_REGION.findall(cell.source)
            for line in region.splitlines() if len(line.strip()) > 20
        }
        hidden_lines = {
            line.strip()
            for cell in source.cells if nbg(cell).get("grade")
            for region in HIDDEN_REGION.findall(cell.source)
            for line in region.splitlines() if line.strip()
        }
        assert solution_lines, f"source/{ps} has no solution regions to compare with"
        released_lines = {line.strip() for cell in nb.cells for line in cell.source.splitlines()}
        leaked = sorted((solution_lines | hidden_lines) & released_lines)
        assert not leaked, f"release/{ps} contains source solution / hidden-test lines: {leaked}"


@pytest.mark.parametrize("ps", RELEASED_PS)
def test_release_grades_as_planned(ps):
    nb = read(ROOT / "release" / ps / f"{ps}.ipynb")
    assert graded(nb) == GRADE_CELLS[ps], "graded cells (grade_id, points) differ from autograder/model/course.py"
    assert answers(nb) == ANSWER_CELLS[ps], "answer cells (grade_id, points) differ from autograder/model/course.py"
    for cell in nb.cells:
        if nbg(cell).get("grade") and not is_answer_cell(nbg(cell)):  # an answer cell is the student's to write
            assert cell.metadata.get("editable") is False and cell.metadata.get("deletable") is False, (
                f"graded cell {nbg(cell)['grade_id']!r} is not locked in the release")
    defined = [fn for c in solution_cells(nb) for fn in FUNCTIONS[ps] if fn in top_level_functions(c.source)]
    assert defined == list(FUNCTIONS[ps]), "the release stubs must define each contract function once, in order"


# ------------------------------------------------------------- source notebooks


@pytest.mark.parametrize("ps", SOURCE_PS)
def test_source_matches_course_plan(ps):
    nb = read(ROOT / "source" / ps / f"{ps}.ipynb")
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    assert graded(nb) == GRADE_CELLS[ps], "graded cells (grade_id, points) differ from autograder/model/course.py"
    assert answers(nb) == ANSWER_CELLS[ps] and all(points > 0 for _, points in answers(nb))

    ids = [nbg(c).get("grade_id") for c in nb.cells]
    assert None not in ids, "every cell needs nbgrader metadata with a grade_id"
    assert len(ids) == len(set(ids)), "grade_ids must be unique"

    for fn in FUNCTIONS[ps]:
        defining = [c for c in solution_cells(nb) if fn in top_level_functions(c.source)]
        assert len(defining) == 1, f"{fn} must be defined at top level in exactly one solution cell"
        assert nbg(defining[0])["grade_id"] == fn
        assert SOLUTION_REGION.search(defining[0].source), f"the solution cell of {fn} has no solution region"


@pytest.mark.parametrize("ps", SOURCE_PS)
def test_source_cell_conventions(ps):
    nb = read(ROOT / "source" / ps / f"{ps}.ipynb")
    for cell in nb.cells:
        meta = nbg(cell)
        gid = meta["grade_id"]
        assert meta.get("schema_version") == 3, gid
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"source cell {gid!r} was saved with outputs"
        if is_answer_cell(meta):  # "Derive it yourself": the student writes it, a person grades it
            assert cell.cell_type == "markdown" and not meta.get("locked") and meta.get("points"), gid
        elif meta.get("grade"):
            assert meta.get("locked") and not meta.get("solution"), f"graded cell {gid!r} must be locked"
            hidden = HIDDEN_REGION.findall(cell.source)
            assert len(hidden) == 1, f"graded cell {gid!r} needs one hidden-tests block"
            assert f'run_check("{gid}", globals())' in hidden[0], f"graded cell {gid!r} must run its own check"
            assert re.search(r"^\s*assert\b", cell.source, re.M), f"graded cell {gid!r} has no visible assert"
        elif meta.get("solution"):
            assert not meta.get("locked") and cell.cell_type == "code", f"solution cell {gid!r}"
        else:
            assert meta.get("locked"), f"cell {gid!r} must be locked (read-only)"
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert nbg(first_code)["grade_id"] == "imports" and "import numpy as np" in first_code.source


# ------------------------------------------------------------------- the command


def course_copy(tmp_path: Path, problem_sets) -> Path:
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / CONFIG_FILE, course / CONFIG_FILE)
    for ps in problem_sets:
        shutil.copytree(ROOT / "source" / ps, course / "source" / ps)
    return course


def cli(course: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return run(parser.parse_args(["--course-dir", str(course), *argv]))


def test_release_command_and_check(tmp_path, capsys):
    ps = SOURCE_PS[0]
    course = course_copy(tmp_path, [ps])
    assert cli(course, "--check") == 1  # nothing released yet
    assert f"release/{ps}/{ps}.ipynb" in capsys.readouterr().err

    assert cli(course, "--assignment", ps) == 0
    released = course / "release" / ps / f"{ps}.ipynb"
    assert released.is_file()
    # nbgrader's by-products (gradebook.db, logs) stay out of the course folder
    assert sorted(p.name for p in course.iterdir()) == [CONFIG_FILE, "release", "source"]
    assert sorted(p.name for p in (course / "release" / ps).iterdir()) == [f"{ps}.ipynb", "selfcheck.py"]
    assert cli(course, "--check") == 0

    released.write_text(released.read_text(encoding="utf-8").replace("YOUR CODE HERE", "edited"), encoding="utf-8")
    edited = released.read_bytes()
    capsys.readouterr()
    assert cli(course, "--check", "--assignment", ps) == 1
    assert f"release/{ps}/{ps}.ipynb" in capsys.readouterr().err
    assert released.read_bytes() == edited, "--check must not write"

    (course / "release" / "ps_gone").mkdir()
    assert stale_files(course) == [f"release/{ps}/{ps}.ipynb", "release/ps_gone/ (no source/ps_gone/ps_gone.ipynb)"]
    assert cli(course) == 0 and stale_files(course, [ps]) == []


def test_the_edited_selfcheck_is_copied_to_every_problem_set(tmp_path, capsys):
    """selfcheck.py is one file kept as a plain copy in every source/<ps>/ (stock nbgrader releases a folder's
    own files; no symlinks, for Windows): the instructor edits any one copy, and release copies it to the
    others, a new problem set included; when more than one copy differs, release says so and writes nothing."""
    sets = SOURCE_PS[:3]
    course = course_copy(tmp_path, sets)
    first, second, third = (course / "source" / ps / SELFCHECK for ps in sets)
    assert selfcheck_copies(course) == {}
    edited = first.read_bytes() + b"\n# a row for the new problem set\n"
    second.write_bytes(edited)
    assert stale_files(course, [sets[0]])[:2] == [f"source/{sets[0]}/{SELFCHECK} (not the edited copy)",
                                                  f"source/{sets[2]}/{SELFCHECK} (not the edited copy)"]
    assert cli(course) == 0
    for ps in sets:
        assert (course / "source" / ps / SELFCHECK).read_bytes() == edited
        assert (course / "release" / ps / SELFCHECK).read_bytes() == edited
    assert stale_files(course) == []
    # a problem set added without its copy gets it
    shutil.copytree(course / "source" / sets[0], course / "source" / "ps_new", ignore=shutil.ignore_patterns("*.py"))
    (course / "source" / "ps_new" / f"{sets[0]}.ipynb").rename(course / "source" / "ps_new" / "ps_new.ipynb")
    assert selfcheck_copies(course) == {course / "source" / "ps_new" / SELFCHECK: edited}
    # two copies edited differently: which one wins is the instructor's call
    first.write_bytes(b"# one edit\n")
    third.write_bytes(b"# another edit\n")
    capsys.readouterr()
    assert cli(course) == 2
    assert "differ in more than one place" in capsys.readouterr().err
    assert second.read_bytes() == edited and first.read_bytes() == b"# one edit\n"


# ------------------------------------------------------------------ slow: nbgrader itself


@pytest.mark.slow
def test_same_bytes_as_stock_nbgrader(stock_nbgrader):
    """Our gradebook-free pipeline writes what plain `nbgrader generate_assignment "*"` writes, for every
    problem set (the course of the ``stock_nbgrader`` fixture, tests/conftest.py)."""
    assert stock_nbgrader["release_differs"] == [], (
        f"release/ differs from stock nbgrader's in {stock_nbgrader['folder']}/course/release")
