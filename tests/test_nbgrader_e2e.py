"""End to end with the real tools: Jupyter kernels (nbclient) and stock ``nbgrader autograde``.

* Every source notebook, hidden tests included, runs top to bottom in a
  Jupyter kernel (nbgrader's own: the instructor hands the source notebooks
  in, below), and every graded cell passes: its visible asserts and its
  hidden ``run_check`` (which prints ``<function>: passed``), with nothing on
  stderr (nbgrader scores a test cell with stderr output 0).
  Every figure cell draws a figure, and every number the lesson's prose states
  is the one its lesson cells print (``tests/lesson_claims.py``).
* In a temporary nbgrader course folder (``source/`` and ``nbgrader_config.py``
  copied, stock ``nbgrader generate_assignment "*"`` with its gradebook),
  stock ``nbgrader autograde "*"`` grades two students on every problem set:
  ``instructor`` hands in the source notebooks themselves, ``untouched`` the
  released notebooks as generated. Read back from nbgrader's gradebook
  (``nbgrader.api.Gradebook``), cell by cell: full marks for the first, 0 and
  an autograded notebook (no crash) for the second.
* The release notebook with its solution cells filled from source (hidden
  tests stripped, as students run it), executed in a fresh kernel: no cell
  raises, and the visible checks of each notebook take under 2 seconds — the
  kernel's own CPU time around each graded cell, so a busy machine does not
  count; best of two runs (the second re-runs the graded cells in the same
  kernel). Its lesson cells (figures, demos) are not run there again: they
  draw and print what the prose says in the source notebook above, in
  nbgrader's kernel, which runs the same cells with the same solutions under
  the course's kernel hook; what the release lacks — the hidden tests — is
  checked not to be needed: every name a release cell reads is bound by a
  cell above it (``test_every_name_a_release_cell_reads_is_bound_above_it``).

The nbgrader course is built and graded once per test session, with the
parity batch and the kernel attacks (the ``stock_nbgrader`` fixture of
``tests/conftest.py``).
"""

from __future__ import annotations

import builtins
import contextlib
import symtable
import tempfile
from pathlib import Path

import pytest

from autograder.model.notebook import cell_text, grade_id_of
from autograder.model.course import ANSWER_CELLS, GRADE_CELLS, PROBLEM_SETS, function_of, is_lesson_cell, max_score
from testkit import nbgrader_course
from tests import lesson_claims, student_side
from tests.conftest import INSTRUCTOR, UNTOUCHED
from testkit.fill import filled_release

pytestmark = pytest.mark.slow


#: Seconds the visible checks of one notebook may take (what the notebooks promise a student).
VISIBLE_BUDGET_S = 2.0


def nbg(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@contextlib.contextmanager
def kernel_client(nb, cwd: Path):
    """An nbclient client for ``nb`` with a python3 kernel running in ``cwd``; errors are recorded, not raised.

    The kernel talks over Unix sockets in a short temporary folder, not TCP: a free TCP port is picked
    before the kernel binds it, so two workers starting kernels at the same moment can pick the same one
    (as in ``nbgrader_course.nbgrader_autograde_parts``)."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="e2e-ipc-") as sockets:  # short: a socket path has ≤ 107 bytes
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel"))
        client = NotebookClient(nb, km=km, timeout=120, kernel_name="python3", allow_errors=True,
                                record_timing=True, resources={"metadata": {"path": str(cwd)}})
        with client.setup_kernel():
            yield client


def outputs_of(cell, kind):
    if kind == "error":
        return [o for o in cell.outputs if o.output_type == "error"]
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == kind)


def error_text(cell) -> str:
    return "; ".join(f"{o.ename}: {o.evalue}" for o in outputs_of(cell, "error"))


# ------------------------------------------------------------ the source notebook, run by nbgrader


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_source_notebook_runs_with_hidden_checks(ps, stock_nbgrader):
    """source/<ps>/<ps>.ipynb as the instructor has it, run top to bottom by stock ``nbgrader autograde``
    in a fresh kernel (``instructor`` hands it in: the autograded notebook holds every output):
    every cell runs, every hidden check passes with nothing on stderr, every figure is drawn and
    every number the prose states is printed."""
    import nbformat

    path = Path(stock_nbgrader["folder"]).glob(f"course-*/autograded/{INSTRUCTOR}/{ps}/{ps}.ipynb")
    found = sorted(path)
    assert len(found) == 1, f"nbgrader wrote no autograded notebook for {INSTRUCTOR}/{ps}"
    nb = nbformat.read(str(found[0]), as_version=4)
    failures = []
    graded = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        gid = nbg(cell).get("grade_id")
        if outputs_of(cell, "error"):
            failures.append(f"{gid}: raised {error_text(cell)}")
        if not nbg(cell).get("grade"):
            continue
        graded += 1
        assert "run_check(" in cell.source, f"{gid}: the source cell has no hidden check"
        if f"{function_of(gid)}: passed" not in outputs_of(cell, "stdout"):
            failures.append(f"{gid}: its hidden check did not report 'passed'")
        if outputs_of(cell, "stderr"):
            failures.append(f"{gid}: wrote to stderr (nbgrader scores that 0): {outputs_of(cell, 'stderr')[:300]}")
    assert graded == len(GRADE_CELLS[ps])
    failures += lesson_claims.failures(ps, nb)  # every figure drawn, every number in the prose computed
    assert not failures, "\n".join(failures)


# ------------------------------------------------------------ stock nbgrader autograde


@pytest.fixture(scope="module")
def nbgrader_run(stock_nbgrader):
    """The course graded by stock nbgrader once per run (``stock_nbgrader`` in tests/conftest.py)."""
    return {"course": stock_nbgrader["folder"], "max_scores": stock_nbgrader["max_scores"],
            "scores": stock_nbgrader["nbgrader"], "autograded": stock_nbgrader["autograded"],
            "selfcheck_copies": stock_nbgrader["selfcheck_copies"]}


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_nbgrader_gives_the_source_notebook_full_marks(ps, nbgrader_run):
    assert nbgrader_run["max_scores"][ps] == max_score(ps)  # the answer cells' points too
    scores = nbgrader_run["scores"].get((INSTRUCTOR, ps))
    assert scores is not None, f"nbgrader did not grade {INSTRUCTOR}/{ps} (see {nbgrader_run['course']})"
    # the model answer awaits a person in nbgrader too (no auto score)
    assert scores == {**{gid: float(points) for gid, points in GRADE_CELLS[ps]}, **{gid: None for gid, _ in ANSWER_CELLS[ps]}}


def test_nbgrader_grades_with_the_courses_selfcheck_not_a_submitted_one(nbgrader_run):
    """nbgrader autograde overwrites a submission's files with the source folder's (its exclude_overwriting is
    empty): the self-check module it runs is the course's, whatever the student handed in beside the notebook."""
    assert nbgrader_run["selfcheck_copies"] == [student_side.selfcheck_file(PROBLEM_SETS[0]).read_text(encoding="utf-8")]


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_nbgrader_gives_the_untouched_release_zero_without_crashing(ps, nbgrader_run):
    assert f"{UNTOUCHED}/{ps}" in nbgrader_run["autograded"], "nbgrader wrote no autograded notebook"
    scores = nbgrader_run["scores"].get((UNTOUCHED, ps))
    assert scores is not None, f"nbgrader did not grade {UNTOUCHED}/{ps} (see {nbgrader_run['course']})"
    # nbgrader gives an answer left as released 0 by itself (its auto score of an unchanged solution cell)
    assert scores == {gid: 0.0 for gid, _ in GRADE_CELLS[ps] + ANSWER_CELLS[ps]}


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_engine_grades_the_source_and_the_untouched_release_as_nbgrader_does(ps, stock_nbgrader):
    """Both graders, one batch: the engine gives the instructor's source notebook and the untouched release
    the same score as stock nbgrader on every autograded cell, and leaves the source's written answers to a
    person as nbgrader does (nbgrader's 0 for an answer left blank is its own: the engine leaves it pending,
    ``nbgrader_course.disagreements``)."""
    blank_answers = {gid for gid, _ in ANSWER_CELLS[ps]}  # the untouched release's: compared by nobody
    for student in (INSTRUCTOR, UNTOUCHED):
        key = (student, ps)
        assert key in stock_nbgrader["engine"], f"the engine did not grade {student}/{ps}"
        differ = [(gid, a, b) for _, _, gid, a, b in
                  nbgrader_course.disagreements(stock_nbgrader["nbgrader"], stock_nbgrader["engine"], [key])
                  if student == INSTRUCTOR or gid not in blank_answers]
        assert not differ, f"{student}/{ps}: (grade_id, nbgrader, engine) scores differ: {differ}"


# ------------------------------------------------------------ the release as a student runs it


#: Kernel CPU seconds since the last mark, printed (the kernel's own time: other load on the machine does not count).
_MARK, _SINCE = "_cpu_mark = __import__('time').process_time()", "print(__import__('time').process_time() - _cpu_mark)"


def _cpu_seconds(client, index) -> float:
    from nbformat.v4 import new_code_cell

    cell = new_code_cell(_SINCE)
    client.execute_cell(cell, index)
    return float(outputs_of(cell, "stdout"))


def _timed(client, cell, index) -> float:
    from nbformat.v4 import new_code_cell

    client.execute_cell(new_code_cell(_MARK), index)
    client.execute_cell(cell, index)
    return _cpu_seconds(client, index)


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_release_runs_and_visible_checks_take_under_two_seconds(ps, tmp_path):
    """The release with the reference solutions filled in (what a good student runs; hidden tests
    stripped by nbgrader) runs top to bottom without an error, and the visible checks of the notebook
    take under 2 s of the kernel's CPU time (best of two runs: the second re-runs the graded cells in
    the same kernel). The lesson cells are left out: they run, draw and print what the prose says in
    the source notebook (``test_source_notebook_runs_with_hidden_checks``: the same cells and
    solutions, in nbgrader's kernel with the course's hook), and the release binds every name they
    read (``test_every_name_a_release_cell_reads_is_bound_above_it``)."""
    nb = nbgrader_course.as_notebook(filled_release(ps))  # what a student runs, with the reference solutions
    assert not any("BEGIN HIDDEN TESTS" in c.source or "run_check" in c.source for c in nb.cells)
    graded = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and nbg(c).get("grade")]
    assert [nbg(c)["grade_id"] for _, c in graded] == [gid for gid, _ in GRADE_CELLS[ps]]

    student_side.put_beside(tmp_path, ps)
    runs = [{}, {}]
    with kernel_client(nb, tmp_path) as client:
        for index, cell in enumerate(nb.cells):  # run 1: top to bottom in a fresh kernel
            if cell.cell_type != "code" or is_lesson_cell(nbg(cell).get("grade_id")):
                continue
            if nbg(cell).get("grade"):
                runs[0][nbg(cell)["grade_id"]] = _timed(client, cell, index)
            else:
                client.execute_cell(cell, index)
        for index, cell in graded:  # run 2: the graded cells again, same kernel
            runs[1][nbg(cell)["grade_id"]] = _timed(client, cell, index)
    raised = {nbg(c).get("grade_id") or i: error_text(c) for i, c in enumerate(nb.cells)
              if c.cell_type == "code" and outputs_of(c, "error")}
    assert not raised, f"cells raise with the reference solutions: {raised}"
    best = min(runs, key=lambda r: sum(r.values()))
    slowest = sorted(best.items(), key=lambda kv: -kv[1])[:3]
    assert sum(best.values()) < VISIBLE_BUDGET_S, (
        f"{ps}: visible checks took {sum(best.values()):.2f} s of CPU (best of 2; slowest cells {slowest})")


# ------------------------------------------------------------ the release binds every name its cells read

#: Names a Jupyter kernel gives every cell without a cell binding them.
KERNEL_NAMES = frozenset(dir(builtins)) | {"get_ipython", "display", "In", "Out", "exit", "quit", "_", "__", "___"}


def _scopes(table):
    yield table
    for child in table.get_children():
        yield from _scopes(child)


def names_of(source: str) -> tuple[set, set]:
    """``(bound, read)``: the global names a code cell binds (assignments, imports, ``def``, ``class``) and
    those it reads, its functions, lambdas and comprehensions included (IPython syntax turned into Python
    first, as the kernel does)."""
    from IPython.core.inputtransformer2 import TransformerManager

    top = symtable.symtable(TransformerManager().transform_cell(source), "<cell>", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    read = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    for scope in list(_scopes(top))[1:]:
        read |= {s.get_name() for s in scope.get_symbols() if s.is_global() and s.is_referenced()}
        bound |= {s.get_name() for s in scope.get_symbols() if s.is_declared_global() and s.is_assigned()}
    return bound, read


def unbound_names(sources) -> list:
    """``(index, sorted names)`` of each code cell of ``sources`` (in order) that reads a global name no cell
    above it, nor itself, binds and the kernel does not provide."""
    above, found = set(KERNEL_NAMES), []
    for index, source in enumerate(sources):
        bound, read = names_of(source)
        if read - bound - above:
            found.append((index, sorted(read - bound - above)))
        above |= bound
    return found


def test_unbound_names_finds_a_name_only_hidden_tests_would_bind():
    """The check below can fail: a name read at top level, in a function, a lambda or a comprehension, and
    not bound above, is reported; names bound above, in the cell itself or by the kernel are not."""
    assert unbound_names(["import numpy as np\nx = np.ones(3)", "%matplotlib inline\nprint(x, len(x))"]) == []
    assert unbound_names(["x = 1", "print(run_check)"]) == [(1, ["run_check"])]
    assert unbound_names(["def f():\n    return probes", "g = lambda: y", "z = [w for _ in range(2)]"]) == [
        (0, ["probes"]), (1, ["y"]), (2, ["w"])]
    assert unbound_names(["def f():\n    global t\n    t = 1", "print(t)"]) == []


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_name_a_release_cell_reads_is_bound_above_it(ps):
    """Run top to bottom, no cell of the release (filled with the reference solutions, as
    ``test_release_runs_and_visible_checks_take_under_two_seconds`` runs it) reads a name that only the
    hidden tests, which nbgrader strips from it, or a later cell would bind: so the lesson cells, which
    draw and print what the prose says in the source notebook, need nothing the release lacks."""
    code = [c for c in filled_release(ps)["cells"] if c["cell_type"] == "code"]
    found = [(grade_id_of(code[i]) or f"code cell {i}", names) for i, names in unbound_names(map(cell_text, code))]
    assert not found, f"{ps}: cells read names nothing above them binds: {found}"
