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
* The release notebook alone in an empty folder, its solution cells filled
  from source (hidden tests stripped, as students run it), executed in a fresh
  kernel with no network and nothing of the course importable: no cell
  raises, every figure is drawn and every number the prose states is printed
  (the training accuracies too), and the visible checks of each notebook take
  under 2 seconds — the kernel's own CPU time around each graded cell, so a
  busy machine does not count; best of two runs (the second re-runs the
  graded cells in the same kernel). In the same kernel, one function left as
  the template makes its checks say "not attempted" in one line, and a typical
  mistake of the zoo is named by its first failing check. What the release
  lacks — the hidden tests — is checked not to be needed: every name a
  release cell reads is bound by a cell above it
  (``test_every_name_a_release_cell_reads_is_bound_above_it``).

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

import nbformat
import pytest

from autograder.model.course import (
    ANSWER_CELLS,
    GRADE_CELLS,
    PROBLEM_SETS,
    SELF_CHECK_CELL,
    function_of,
    max_score,
    release_notebook,
)
from autograder.model.notebook import cell_text, grade_id_of
from testkit import nbgrader_course
from testkit.fill import filled_release
from testkit.zoo import zoo
from tests import lesson_claims
from tests.conftest import INSTRUCTOR, UNTOUCHED

pytestmark = pytest.mark.slow


#: Seconds the visible checks of one notebook may take (what the notebooks promise a student).
VISIBLE_BUDGET_S = 2.0


def nbg(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@contextlib.contextmanager
def kernel_client(nb, cwd: Path, extra_arguments=()):
    """An nbclient client for ``nb`` with a python3 kernel running in ``cwd``; errors are recorded, not raised.

    The kernel talks over Unix sockets in a short temporary folder, not TCP: a free TCP port is picked
    before the kernel binds it, so two workers starting kernels at the same moment can pick the same one
    (as in ``nbgrader_course.nbgrader_autograde_parts``)."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="e2e-ipc-") as sockets:  # short: a socket path has ≤ 107 bytes
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel"))
        client = NotebookClient(nb, km=km, timeout=120, kernel_name="python3", allow_errors=True,
                                record_timing=True, resources={"metadata": {"path": str(cwd)}},
                                extra_arguments=list(extra_arguments))
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
            "untouched_setup": stock_nbgrader["untouched_setup"], "hostile_imported": stock_nbgrader["hostile_imported"]}


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_nbgrader_gives_the_source_notebook_full_marks(ps, nbgrader_run):
    assert nbgrader_run["max_scores"][ps] == max_score(ps)  # the answer cells' points too
    scores = nbgrader_run["scores"].get((INSTRUCTOR, ps))
    assert scores is not None, f"nbgrader did not grade {INSTRUCTOR}/{ps} (see {nbgrader_run['course']})"
    # the model answer awaits a person in nbgrader too (no auto score)
    assert scores == {**{gid: float(points) for gid, points in GRADE_CELLS[ps]}, **{gid: None for gid, _ in ANSWER_CELLS[ps]}}


def test_nbgrader_runs_the_courses_set_up_cell_and_never_a_file_handed_in(nbgrader_run):
    """nbgrader autograde restores the locked set-up cell from the course (its gradebook) and runs it: the
    self-checks are the ones the notebook carries, and a selfcheck.py that ``untouched`` handed in beside every
    notebook (one that would pass every visible assert) is never imported, by anyone's notebook."""
    assert nbgrader_run["untouched_setup"] == ["Set-up done: the self-checks are ready (not graded).\n"]
    assert nbgrader_run["hostile_imported"] == []


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


# ------------------------------------------------------------ the release as a student runs it: alone


#: Kernel CPU seconds since the last mark, printed (the kernel's own time: other load on the machine does not count).
_MARK, _SINCE = "_cpu_mark = __import__('time').process_time()", "print(__import__('time').process_time() - _cpu_mark)"

#: Run by the kernel before the notebook (``--InteractiveShellApp.exec_files``): no network (every Internet
#: socket refuses to connect, no name resolves), and nothing of the course is importable, so the notebook
#: runs as it would on a student's machine that has it alone.
ISOLATION = '''
import importlib.abc, socket, sys

def _no_network(*args, **kwargs):
    raise OSError("no network here (tests/test_nbgrader_e2e.py): the notebook must not need one")

_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
def _local_only(method):
    def call(self, address, *rest):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _no_network()
        return method(self, address, *rest)
    return call
socket.socket.connect, socket.socket.connect_ex = _local_only(_connect), _local_only(_connect_ex)
socket.getaddrinfo = socket.gethostbyname = socket.create_connection = _no_network

class _NotTheCourse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("autograder", "solutions", "testkit", "tests", "selfcheck"):
            raise ImportError(f"{name}: a student's notebook has nothing of the course beside it")
        return None
sys.meta_path.insert(0, _NotTheCourse())
'''

#: problem set -> a typical mistake of the bug zoo (a specimen's name) and the words of the visible check that
#: names it (the first test cell of its function that fails says so: the property that failed, never the fix's code).
TYPICAL_MISTAKES = {
    "ps1_softmax": ("softmax-naive-overflow", "not nan: exp(1000) overflows to inf"),
    "ps2_cross_entropy": ("cross_entropy-sum-not-mean", "should be the MEAN of the two rows' -log p"),
    "ps3_gaussian": ("gaussian_log_pdf-sigma-as-variance", "sigma = 2 is a standard deviation, not a variance"),
    "ps4_bernoulli": ("ps4-bce-naive-nan", "a log of 0 was computed on the way"),
    "ps5_gaussian_kl": ("ps5-gaussian-kl-sigma-as-variance", "the sigmas are standard deviations"),
    "ps6_information": ("ps6-entropy-bits", "use the natural log (np.log2 would give 1 bit)"),
}


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


def _errors(cells) -> dict:
    return {nbg(c).get("grade_id") or i: error_text(c) for i, c in enumerate(cells)
            if c.cell_type == "code" and outputs_of(c, "error")}


def _with_solution(client, nb, function: str, source: str) -> None:
    """Run ``source`` as ``function``'s solution cell in the kernel (as a student who edits it and runs it)."""
    import copy

    at = next(i for i, c in enumerate(nb.cells) if nbg(c).get("grade_id") == function)
    cell = copy.deepcopy(nb.cells[at])
    cell.source = source
    client.execute_cell(cell, at)
    assert not outputs_of(cell, "error"), error_text(cell)


def _rerun(client, graded, only=None) -> list:
    """Copies of the graded cells (of function ``only``, or all), run again in the kernel, in notebook order."""
    import copy

    done = []
    for index, cell in graded:
        if only is None or function_of(nbg(cell)["grade_id"]) == only:
            again = copy.deepcopy(cell)
            client.execute_cell(again, index)
            done.append(again)
    return done


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_release_notebook_alone_runs_checks_and_trains(ps, tmp_path):
    """The release notebook **alone** in an empty folder, the reference solutions pasted into its solution
    cells (what a good student hands in; hidden tests stripped by nbgrader), run top to bottom in a fresh
    kernel with no network and nothing of the course importable (:data:`ISOLATION`): no cell writes an
    error, the set-up cell says it is done, every graded cell's visible checks pass, every figure is drawn
    and every number the prose states is printed (the training sections' accuracies included,
    ``tests/lesson_claims.py``); the visible checks take under 2 s of the kernel's CPU time (best of two
    runs: the second re-runs the graded cells in the same kernel). Then, in the same kernel:

    * one function back to the template (a student who has not written it yet): each of its graded cells,
      and of a function that calls it, says in one line that it is not attempted (an error all the same,
      so nbgrader scores it 0); every other graded cell still passes;
    * a typical mistake of the bug zoo in its place: the first of its graded cells that fails names the
      mistake (:data:`TYPICAL_MISTAKES`).
    """
    nb = nbgrader_course.as_notebook(filled_release(ps))  # what a student runs, with the reference solutions
    assert not any("BEGIN HIDDEN TESTS" in c.source or "run_check" in c.source for c in nb.cells)
    graded = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and nbg(c).get("grade")]
    assert [nbg(c)["grade_id"] for _, c in graded] == [gid for gid, _ in GRADE_CELLS[ps]]
    folder, isolation = tmp_path / "alone", tmp_path / "isolation.py"
    folder.mkdir()
    (folder / f"{ps}.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    isolation.write_text(ISOLATION, encoding="utf-8")

    runs = [{}, {}]
    with kernel_client(nb, folder, [f"--InteractiveShellApp.exec_files={isolation}"]) as client:
        for index, cell in enumerate(nb.cells):  # run 1: top to bottom in a fresh kernel, every cell
            if cell.cell_type != "code":
                continue
            if nbg(cell).get("grade"):
                runs[0][nbg(cell)["grade_id"]] = _timed(client, cell, index)
            else:
                client.execute_cell(cell, index)
        raised = _errors(nb.cells)
        claims = lesson_claims.failures(ps, nb)
        setup = outputs_of(next(c for c in nb.cells if nbg(c).get("grade_id") == SELF_CHECK_CELL), "stdout")
        for index, cell in graded:  # run 2: the graded cells again, same kernel
            runs[1][nbg(cell)["grade_id"]] = _timed(client, cell, index)

        specimen, words = TYPICAL_MISTAKES[ps]
        [mistake] = [s for s in zoo(ps) if s.name == specimen]
        function = mistake.function
        template = next(c.source for c in read_json_cells(release_notebook(ps)) if nbg(c).get("grade_id") == function)
        _with_solution(client, nb, function, template)
        not_attempted = _rerun(client, graded)
        _with_solution(client, nb, function, mistake.source)
        wrong = _rerun(client, graded, only=function)
        probes = [nbformat.v4.new_code_cell(src) for src in (
            "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/', timeout=5)", "import autograder")]
        for probe in probes:   # the isolation holds: a test of it, in the same kernel
            client.execute_cell(probe, len(nb.cells) - 1)

    assert sorted(p.name for p in folder.iterdir()) == [f"{ps}.ipynb"], "the notebook writes no file beside it"
    assert "no network here" in error_text(probes[0]) and "nothing of the course" in error_text(probes[1]), (
        [error_text(probe) for probe in probes])
    assert not raised, f"cells raise with the reference solutions: {raised}"
    assert not claims, "\n".join(claims)
    assert setup == "Set-up done: the self-checks are ready (not graded).\n"
    best = min(runs, key=lambda r: sum(r.values()))
    slowest = sorted(best.items(), key=lambda kv: -kv[1])[:3]
    assert sum(best.values()) < VISIBLE_BUDGET_S, (
        f"{ps}: visible checks took {sum(best.values()):.2f} s of CPU (best of 2; slowest cells {slowest})")

    line = (f"`{function}` is not attempted yet: it still raises NotImplementedError (the template). Write it in "
            "its solution cell above and run that cell, then this one.")
    said = {}
    for cell in not_attempted:
        errors = outputs_of(cell, "error")
        if errors:
            assert [o.traceback for o in errors] == [[line]] and len(cell.outputs) == 1, (nbg(cell)["grade_id"], cell.outputs)
        said[nbg(cell)["grade_id"]] = bool(errors)
    mine = [gid for gid in said if function_of(gid) == function]
    assert mine and all(said[gid] for gid in mine), said
    others = {function_of(gid) for gid, failed in said.items() if failed} - {function}
    assert others <= CALLERS.get(function, set()), f"only {function}'s cells (and its callers') fail: {said}"

    first = next((c for c in wrong if outputs_of(c, "error")), None)
    assert first is not None, f"{specimen}: no visible check of {function} fails"
    [error] = outputs_of(first, "error")
    assert error.ename == "AssertionError" and words in error.evalue, (specimen, nbg(first)["grade_id"], error.evalue)


#: Contract functions whose reference solution calls another one (``callee -> callers``): left as the template,
#: the callee's "not attempted" also shows in the callers' cells.
CALLERS = {"gaussian_log_pdf": {"gaussian_log_likelihood"}}


def read_json_cells(path: Path) -> list:
    import nbformat

    return nbformat.read(str(path), as_version=4).cells


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
    ``test_the_release_notebook_alone_runs_checks_and_trains`` runs it) reads a name that only the
    hidden tests, which nbgrader strips from it, or a later cell would bind: so the lesson cells, which
    draw and print what the prose says in the source notebook, need nothing the release lacks."""
    code = [c for c in filled_release(ps)["cells"] if c["cell_type"] == "code"]
    found = [(grade_id_of(code[i]) or f"code cell {i}", names) for i, names in unbound_names(map(cell_text, code))]
    assert not found, f"{ps}: cells read names nothing above them binds: {found}"
