"""source/ and release/ notebooks: consistent with the course plan, release not stale, nothing leaked.

* The release is what ``source/`` generates today, byte for byte (a stale
  release fails here; ``python -m autograder release`` fixes it).
* A release notebook carries no solution, no hidden test, no outputs, and the
  graded cells and points of ``autograder/model/course.py``; nothing but it and
  ``requirements.txt`` is released: the self-check module and the data are in
  its set-up and data cells, written from ``student_side/`` (locked, collapsed,
  within the grading engine's caps, and holding nothing of the references).
* A source notebook follows the cell conventions the engine relies on.
* ``python -m autograder release --check`` detects staleness without writing.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.commands.release import add_arguments, run
from autograder.model import notebook as engine_notebook
from autograder.model.course import (
    ANSWER_CELLS,
    FUNCTIONS,
    GRADE_CELLS,
    ROOT,
    SELF_CHECK_CELL,
    is_answer_cell,
    is_data_cell,
    problem_set_of_checks_module,
)
from autograder.release import inline
from autograder.release.generate import (
    CONFIG_FILE,
    generate_release,
    normalise,
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
    """``{relative path: bytes}`` of a release folder, without bytecode Python may write there
    (``__pycache__/``: git-ignored, never released, as nbgrader's own ignore list leaves it out)."""
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
        elif gid.startswith(("choice-", "report-", "predict-")):   # a training section's open choice, its one sentence, a prediction
            assert not meta.get("locked"), f"cell {gid!r} is the student's to edit"
        else:
            assert meta.get("locked"), f"cell {gid!r} must be locked (read-only)"
    first_code, second_code = [c for c in nb.cells if c.cell_type == "code"][:2]
    assert nbg(first_code)["grade_id"] == SELF_CHECK_CELL, "the set-up cell is the first code cell"
    assert nbg(second_code)["grade_id"] == "imports" and "import numpy as np" in second_code.source


# ------------------------------------------------------------------- the command


def course_copy(tmp_path: Path, problem_sets) -> Path:
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / CONFIG_FILE, course / CONFIG_FILE)
    shutil.copytree(ROOT / inline.STUDENT_SIDE, course / inline.STUDENT_SIDE)
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
    assert sorted(p.name for p in course.iterdir()) == [CONFIG_FILE, "release", "source", inline.STUDENT_SIDE]
    assert sorted(p.name for p in (course / "release" / ps).iterdir()) == [f"{ps}.ipynb", inline.REQUIREMENTS]
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


def _cell(path: Path, grade_id: str):
    [cell] = [c for c in read(path).cells if nbg(c).get("grade_id") == grade_id]
    return cell


def test_student_side_is_written_into_every_notebook(tmp_path):
    """student_side/ is the one place of the self-check module, the requirements and the data: release writes
    them into every source notebook (and its requirements.txt copy) before nbgrader releases it, and --check
    names a source notebook that is behind."""
    sets = ["ps1_softmax", "ps2_cross_entropy", "ps6_information"]   # (ps2 and ps6 both carry digits.csv.gz)
    course = course_copy(tmp_path, sets)
    side = course / inline.STUDENT_SIDE
    (side / inline.SELFCHECK).write_text((side / inline.SELFCHECK).read_text() + "\n# a new line\n")
    (side / inline.REQUIREMENTS).write_text("numpy>=1.25\nscipy >= 1.11  # a comment\n")
    digits = bytes(range(256)) * 3
    (side / "data" / "digits.csv.gz").write_bytes(digits)
    behind = [f"source/{ps}/{name} (not up to date with {inline.STUDENT_SIDE}/)"
              for ps in sets for name in (f"{ps}.ipynb", inline.REQUIREMENTS)]
    assert stale_files(course, sets)[:len(behind)] == behind
    assert cli(course) == 0
    assert stale_files(course) == []
    for ps in sets:
        for folder in ("source", "release"):
            notebook = course / folder / ps / f"{ps}.ipynb"
            setup = _cell(notebook, SELF_CHECK_CELL).source
            assert "\n# a new line\n'''\n" in setup and "selfcheck.start(('numpy>=1.25', 'scipy>=1.11'))" in setup
            assert (course / folder / ps / inline.REQUIREMENTS).read_text().startswith("numpy>=1.25")
            if ps != "ps1_softmax":
                data = _cell(notebook, "data-digits").source
                assert inline.data_call("digits.csv.gz", digits) in data
                assert data.startswith("#@title Data: ")   # the instructor's lines are kept
    # a data cell as the instructor writes it, keep_data("<file>"), is expanded by the release
    source = course / "source" / "ps2_cross_entropy" / "ps2_cross_entropy.ipynb"
    nb = read(source)
    data = next(c for c in nb.cells if nbg(c).get("grade_id") == "data-digits")
    data.source = data.source.replace(inline.data_call("digits.csv.gz", digits), 'keep_data("digits.csv.gz")')
    source.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    assert stale_files(course, ["ps2_cross_entropy"])[0].startswith("source/ps2_cross_entropy/ps2_cross_entropy.ipynb")
    assert cli(course, "--assignment", "ps2_cross_entropy") == 0
    assert inline.data_call("digits.csv.gz", digits) in _cell(source, "data-digits").source
    assert stale_files(course) == []


@pytest.mark.parametrize("broken, message", [
    (lambda side: (side / inline.REQUIREMENTS).write_text("numpy\n"), "expected 'name>=version'"),
    (lambda side: (side / inline.SELFCHECK).write_text("x = '''\n"), "cannot be written into a r'''"),
    (lambda side: (side / "data" / "digits.csv.gz").unlink(), "digits.csv.gz"),
    (lambda side: (side / inline.SELFCHECK).unlink(), "selfcheck.py"),
], ids=["requirement", "triple-quote", "data-file", "selfcheck"])
def test_an_incomplete_student_side_is_refused_naming_what(tmp_path, capsys, broken, message):
    course = course_copy(tmp_path, ["ps2_cross_entropy"])
    before = (course / "source" / "ps2_cross_entropy" / "ps2_cross_entropy.ipynb").read_bytes()
    broken(course / inline.STUDENT_SIDE)
    assert cli(course) == 2
    assert message in capsys.readouterr().err
    assert (course / "source" / "ps2_cross_entropy" / "ps2_cross_entropy.ipynb").read_bytes() == before


def test_a_data_cell_names_one_file_of_student_side():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('keep_data("../../etc/passwd")', metadata={"nbgrader": {"grade_id": "data-x"}})]
    with pytest.raises(inline.ReleaseError, match="a file name, not a path"):
        inline.inline_cells(nb, ROOT, "ps_x")
    nb.cells[0].source = "# no call"
    with pytest.raises(inline.ReleaseError, match=r"exactly one keep_data"):
        inline.inline_cells(nb, ROOT, "ps_x")
    nb.cells[0].source = 'keep_data("digits.csv.gz")'
    inline.inline_cells(nb, ROOT, "ps_x")
    assert nb.cells[0].metadata["jupyter"] == {"source_hidden": True} and nb.cells[0].metadata["cellView"] == "form"


# ------------------------------------------------- what the release carries for a notebook to run alone


@pytest.mark.parametrize("ps", RELEASED_PS)
def test_the_inlined_cells_are_locked_collapsed_and_within_the_engines_caps(ps):
    """The set-up and data cells are locked and collapsed (JupyterLab, Notebook 7, VS Code; Colab's form view),
    and no cell of a release notebook (so of an honest submission) comes near what the grading engine refuses
    to read: a cell of more than ``MAX_CELL_CHARS`` characters (the whole notebook is far under its byte cap)."""
    path = ROOT / "release" / ps / f"{ps}.ipynb"
    nb = read(path)
    inlined = [c for c in nb.cells if nbg(c).get("grade_id") == SELF_CHECK_CELL or is_data_cell(nbg(c).get("grade_id"))]
    assert len(inlined) == 1 + (ps in ("ps2_cross_entropy", "ps4_bernoulli", "ps6_information"))
    for cell in inlined:
        assert cell.metadata.get("editable") is False and cell.metadata.get("deletable") is False, nbg(cell)["grade_id"]
        assert cell.metadata["jupyter"] == {"source_hidden": True} and cell.metadata["cellView"] == "form"
        assert cell.source.startswith("#@title "), "Colab's form view shows the title line"
    assert max(len(c.source) for c in nb.cells) < 0.85 * engine_notebook.MAX_CELL_CHARS
    assert path.stat().st_size < engine_notebook.MAX_NOTEBOOK_BYTES / 50
    engine_notebook.check_cells(json.loads(path.read_text(encoding="utf-8"))["cells"])   # (raises past a cap)


def checks_modules(ps: str) -> list[Path]:
    """The modules of ``ps``'s hidden checks: ``autograder/checks/<ps>.py`` and the parts a large one is split into,
    ``<ps>_<part>.py`` (``model.course.problem_set_of_checks_module``, by which the Gradescope bundle leaves them all
    out of another set's)."""
    folder = ROOT / "autograder" / "checks"
    return [folder / f"{ps}.py", *sorted(p for p in folder.glob(f"{ps}_*.py") if problem_set_of_checks_module(p.name) == ps)]


def _code_lines(path: Path) -> set[str]:
    """The statements' lines (stripped, over 20 characters) of a Python file, docstrings and comments left out."""
    text = path.read_text(encoding="utf-8")
    skip = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            skip |= set(range(body[0].lineno, body[0].end_lineno + 1))
    return {line.strip() for number, line in enumerate(text.splitlines(), 1)
            if number not in skip and len(line.strip()) > 20 and not line.strip().startswith("#")}


@pytest.mark.parametrize("ps", RELEASED_PS)
def test_the_release_holds_no_line_of_the_references_or_the_checks(ps):
    """Nothing but the notebook and its requirements.txt is released, and what the release writes into the
    notebook (the set-up and data cells) and beside it holds no statement of ``solutions/`` or of the problem
    set's hidden checks (the other cells: ``test_release_leaks_nothing``, against the source's solution and
    hidden-test regions)."""
    assert sorted(p.name for p in (ROOT / "release" / ps).iterdir()) == [f"{ps}.ipynb", inline.REQUIREMENTS]
    truth = {line for line in _code_lines(ROOT / "solutions" / f"{ps}.py") | _code_lines(ROOT / "solutions" / "_validate.py")
             if not line.startswith("def ")}   # (the signatures are the contract: each stub starts with one)
    checks = {line for path in checks_modules(ps) for line in _code_lines(path)}
    assert len(truth) > 5 and len(checks) > 5
    notebook = read(ROOT / "release" / ps / f"{ps}.ipynb")
    inlined = [c.source for c in notebook.cells
               if nbg(c).get("grade_id") == SELF_CHECK_CELL or is_data_cell(nbg(c).get("grade_id"))]
    inlined.append((ROOT / "release" / ps / inline.REQUIREMENTS).read_text(encoding="utf-8"))
    lines = {line.strip() for source in inlined for line in source.splitlines()}
    assert not (truth | checks) & lines, sorted((truth | checks) & lines)[:5]
    assert not re.search(r"\b(solutions|autograder)\b", "\n".join(inlined)), "the set-up cell uses nothing of the grader"


# ------------------------------------------------------------------ slow: nbgrader itself


@pytest.mark.slow
def test_same_bytes_as_stock_nbgrader(stock_nbgrader):
    """Our gradebook-free pipeline writes what plain `nbgrader generate_assignment "*"` writes, for every
    problem set (the course of the ``stock_nbgrader`` fixture, tests/conftest.py)."""
    assert stock_nbgrader["release_differs"] == [], (
        f"release/ differs from stock nbgrader's in {stock_nbgrader['folder']}/course/release")
