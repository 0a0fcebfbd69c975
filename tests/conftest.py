"""Shared fixtures and options of the test suite.

* ``empty_gradebook``: nbgrader's gradebook.db, created once.
* ``stock_nbgrader``: one course graded by stock nbgrader and by our engine, once per run.
* Worker groups for ``--dist loadgroup`` (``make test``): the tests of a module-scoped fixture, and those of
  a costly session fixture, each run on one worker.
* ``--host-users``: run the tests marked ``host_users``, which create a user on the
  host (``useradd``) to run part of the suite as an ordinary user. Without it they
  are skipped, saying how to run them; ``.ci/run`` runs them after ``make test``.
* ``--container``: run the tests marked ``container`` (``tests/test_container.py``: the grader in a real
  podman/runc container, built by ``.ci/container``); skipped without it, saying how; ``.ci/run`` runs them.
* ``--end-to-end``: also run the end-to-end tests (:data:`END_TO_END`: the product against the outside software
  it promises to work with, and the red teams' attack batches), which ``make test`` leaves out so that it stays
  a few minutes; ``make test-e2e`` runs only them, ``make test-all`` everything, ``.ci/run`` both parts; a file
  named on the command line runs whatever it is. The run's last lines say how many were left out and how to run
  them (:func:`left_out_line`).
* The run's last line before pytest's own counts names every reason a test was skipped, with how many
  (:func:`skip_line`), so that nothing passes by skipping unnoticed.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

# One BLAS thread per process, as `make test` sets it, also for a bare `pytest`: two xdist workers
# share two cores already, and idle OpenBLAS threads spin (set before anything imports NumPy).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the BLAS threads are set, above)

HOST_USERS = ".venv/bin/python -m pytest --end-to-end -m host_users --host-users"
CONTAINER = ".venv/bin/python -m pytest --end-to-end -m container --container"

#: The end-to-end test modules, by what makes them end to end (each costs seconds to minutes of both cores: the
#: whole of them is about two thirds of the suite's CPU). A test that asks for the ``stock_nbgrader`` fixture is
#: end to end wherever it is. ``make test`` runs everything else: the checks, the zoo, the real-code corpus, the
#: references, the readers, the engine's own sandbox, batch and integrity tests, the reports, the release.
END_TO_END = {
    "stock nbgrader": (  # and its Jupyter kernels, parity, its late plugin, its gradebook
        "test_grader_cells", "test_late_nbgrader", "test_manual_grading", "test_nbgrader_e2e",
        "test_nbgrader_integrity", "test_nbgrader_kernel_warnings", "test_parity", "test_reports_gradebook"),
    "a browser": (  # headless Chromium, axe-core
        "test_reports_a11y", "test_reports_layout", "test_similarity_layout", "test_regrades_a11y",
        "test_formgrader_page"),
    "the platforms": (  # Gradescope, LTI, Dask, the cluster recipes and the README's commands as printed
        "test_gradescope", "test_lms_lti", "test_lms_demo", "test_engine_dask", "test_cluster_recipes",
        "test_reports_readme", "test_regrades_passback"),
    "attack batches": (  # the red teams, hostile batches, signals and kills
        "test_redteam_uid_mode", "test_redteam_templates", "test_redteam_static_reading", "test_redteam_similarity",
        "test_engine_robustness", "test_engine_batch_hostile", "test_engine_interrupt", "test_engine_kill_resume"),
    "the benchmarks": (  # their quick runs
        "test_benchmarks", "test_benchmark_throughput", "test_similarity_benchmark"),
}
_END_TO_END_MODULES = {f"tests/{name}.py" for names in END_TO_END.values() for name in names}


def pytest_addoption(parser):
    parser.addoption("--host-users", action="store_true", default=False,
                     help="run the tests that create a host user (marked host_users; .ci/run does)")
    parser.addoption("--container", action="store_true", default=False,
                     help="run the tests in a real container (marked container; root, podman; .ci/run does)")
    parser.addoption("--end-to-end", action="store_true", default=False,
                     help="also run the end-to-end tests (make test-all; make test-e2e runs only them)")


#: Session fixtures that are costly enough to keep their tests on one xdist worker (the others never wait).
COSTLY_SESSION_FIXTURES = ("stock_nbgrader",)


def _xdist_group(item) -> str | None:
    """The worker group of ``item`` (``--dist loadgroup``): tests that share a costly fixture run on one worker,
    so it is computed once and no other worker waits for it; everything else is spread test by test."""
    for name in COSTLY_SESSION_FIXTURES:
        if name in item.fixturenames:
            return name
    info = getattr(item, "_fixtureinfo", None)
    for name in item.fixturenames:
        defs = info.name2fixturedefs.get(name, ()) if info is not None else ()
        if any(d.scope == "module" for d in defs):
            return item.nodeid.split("::")[0]
    return None


#: Test modules whose tests mostly wait (for a batch to reach midway before a signal, a timeout, a browser):
#: started early, beside the stock-nbgrader fixture's two nbgrader processes, which use the core they leave.
WAITING_MODULES = ("tests/test_engine_interrupt.py", "tests/test_engine_kill_resume.py", "tests/test_reports_layout.py",
                   "tests/test_engine_robustness.py", "tests/test_engine_batch_hostile.py", "tests/test_engine_batch.py",
                   "tests/test_gradescope.py")


def _run_order(items, units) -> list:
    """``items`` in the order the workers take them (``make test`` passes ``--no-loadscope-reorder``, so xdist
    hands out work units in collection order): the stock-nbgrader group first (the longest unit), then the
    modules that mostly wait, then the other units, largest first, so that single short tests fill the end.
    ``units`` holds each item's work unit: its xdist group, or its own node id."""
    size = Counter(units)

    def key(index):
        item, unit = items[index], units[index]
        tier = 0 if unit in COSTLY_SESSION_FIXTURES else 1 if item.nodeid.split("::")[0] in WAITING_MODULES else 2
        return tier, -size[unit], index

    return [items[index] for index in sorted(range(len(items)), key=key)]


@pytest.fixture(autouse=True)
def _numpy_error_state_left_as_found():
    """Fail a test that leaves NumPy's error state changed, and put it back.

    ``np.seterr`` is process-wide: a specimen that calls it, run in process, silenced ``np.log(0)``'s warning for
    every later test on its worker (CI found it as a missing warning in tests/test_nbgrader_kernel_warnings.py).
    """
    before = np.geterr()
    yield
    after = np.geterr()
    if after != before:
        np.seterr(**before)
        pytest.fail(f"this test left NumPy's error state changed ({before} -> {after}): run what calls np.seterr "
                    "inside `with np.errstate():`, which puts it back")


def is_end_to_end(item) -> bool:
    """Whether ``item`` is one of the end-to-end tests (:data:`END_TO_END`, or it asks for stock nbgrader)."""
    return item.nodeid.split("::")[0] in _END_TO_END_MODULES or "stock_nbgrader" in item.fixturenames


def _named(config) -> set[Path]:
    """The test files named on the command line (``pytest tests/test_parity.py``, or a test in it): asked for by
    name, they run, end to end or not. A folder (``make test``'s ``tests``) names none."""
    files = (Path(config.invocation_params.dir, arg.split("::")[0]) for arg in config.args)
    return {f.resolve() for f in files if f.suffix == ".py"}


def _mark_end_to_end(items) -> None:
    """Mark the end-to-end tests ``end_to_end`` (before ``-m`` is applied: ``-m end_to_end`` selects them)."""
    for item in items:
        if is_end_to_end(item):
            item.add_marker(pytest.mark.end_to_end)


class _LeaveOutEndToEnd:
    """Without ``--end-to-end``, deselect the end-to-end tests that ``-k`` and ``-m`` left (last: the count is of
    tests this run would have run) but those of a file named on the command line."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        if not config.getoption("--end-to-end"):
            _leave_out_end_to_end(config, items)


def pytest_configure(config):
    config.pluginmanager.register(_LeaveOutEndToEnd(), "leave-out-end-to-end")


def _leave_out_end_to_end(config, items) -> None:
    """Deselect the end-to-end tests but those of a file named on the command line, and keep their number for
    :func:`left_out_line`."""
    named = _named(config)
    left_out = [item for item in items if item.get_closest_marker("end_to_end") and Path(item.path).resolve() not in named]
    if not left_out:
        return
    config.hook.pytest_deselected(items=left_out)
    dropped = set(left_out)
    items[:] = [item for item in items if item not in dropped]
    # (pytest-xdist's workers collect, and its controller prints the summary: the count travels in workeroutput)
    getattr(config, "workeroutput", {})["end_to_end_left_out"] = len(left_out)
    config.stash[_LEFT_OUT] = len(left_out)


_LEFT_OUT = pytest.StashKey[int]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """(pytest-xdist's controller) the number of end-to-end tests a worker left out."""
    count = getattr(node, "workeroutput", {}).get("end_to_end_left_out")
    if count is not None:
        node.config.stash[_LEFT_OUT] = count


def left_out_line(config) -> str | None:
    """The line that says how many end-to-end tests this run left out, and how to run them; None if none."""
    count = config.stash.get(_LEFT_OUT, 0)
    if not count:
        return None
    return (f"end to end: {count} test(s) not run here ({', '.join(END_TO_END)}): `make test-e2e` runs them, "
            f"`make test-all` everything; CI runs both")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    _mark_end_to_end(items)
    skip = pytest.mark.skip(reason=f"creates a host user (useradd): run `{HOST_USERS}` as root to include it")
    skip_container = pytest.mark.skip(reason=f"runs real containers (podman, runc, a Debian root built once): run "
                                             f"`{CONTAINER}` as root to include it")
    units = []
    for item in items:
        if "host_users" in item.keywords and not config.getoption("--host-users"):
            item.add_marker(skip)
        if item.get_closest_marker("container") and not config.getoption("--container"):
            item.add_marker(skip_container)
        group = _xdist_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
        units.append(group or item.nodeid)
    items[:] = _run_order(items, units)


def _skip_reason(report) -> str:
    """Why a skipped test report was skipped (``pytest.skip``'s message, or a skip marker's reason)."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ").strip() or "no reason given"


def skip_line(reports) -> str:
    """One line: how many tests were skipped, each reason with its count (most frequent first)."""
    reasons = Counter(_skip_reason(r) for r in reports if r.skipped)
    if not reasons:
        return "skipped: none"
    parts = [f"{count} × {reason}" for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
    return f"skipped: {sum(reasons.values())} test(s): " + "; ".join(parts)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """After pytest's summaries (outermost, so after its short test summary too), :func:`skip_line`: the line
    just above pytest's counts."""
    yield
    left_out = left_out_line(terminalreporter.config)
    if left_out is not None:
        terminalreporter.write_line(left_out, yellow=True, bold=True)
    line = skip_line(terminalreporter.stats.get("skipped", []))
    terminalreporter.write_line(line, yellow=line != "skipped: none", bold=True)


# --------------------------------------------------------------------------- stock nbgrader, once per run

INSTRUCTOR, UNTOUCHED = "instructor", "untouched"

#: A selfcheck.py a student might hand in beside the notebook (``untouched`` does, in every problem set): it
#: would pass every visible assert, so graders must run the course's set-up cell and never import a file handed
#: in (tests/test_nbgrader_e2e.py); it prints :data:`HOSTILE_MARK` if anything imports it.
HOSTILE_MARK = "a selfcheck.py handed in beside the notebook was imported"
HOSTILE_SELFCHECK = f"""\
import contextlib
print({HOSTILE_MARK!r})
def library_calls(fn):
    return []
needs_your = contextlib.nullcontext
"""


#: The late scenario (tests/test_late_nbgrader.py): ps1 is due LATE_DUE in the course's gradebook,
#: the course's nbgrader_config.py says ``penalty_method = "zero"`` (and accepts the students' claimed times,
#: ``c.Deadlines.claimed_times``, as stock nbgrader believes timestamp.txt), and two students hand in a correct ps1
#: with nbgrader's timestamp.txt, six days late and on time. Other submissions have no timestamp.txt, which
#: nbgrader takes as on time: the other tests' scores are not changed by it.
LATE_DUE = "2026-03-01 23:59:00 UTC"
LATE_SCENARIO = {"lena-late": "2026-03-07 23:59:01.000000 UTC", "otto-on-time": "2026-03-01 20:00:00.000000 UTC"}


def late_scenario(course) -> None:
    """The course's late policy and ps1's due date, set as an instructor sets them (nbgrader's config and
    ``nbgrader db assignment add``)."""
    from testkit import nbgrader_course as nbc

    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
        # the times are the students' own timestamp.txt, as stock nbgrader reads them: the course accepts them
        fh.write('c.Deadlines.claimed_times = "accept"\n')
    nbc.run_logged([*nbc.nbgrader_command(), "db", "assignment", "add", "ps1_softmax", f"--duedate={LATE_DUE}"],
                   course, 120, course / "duedate.log")


#: A student's own cell dressed as the cell for the grader (autograder/nbgrader_io/for_the_grader.py drops it).
IMITATION = "**For the grader** (from the source notebook): the rubric says full marks for any answer."


def imitate_the_grader_cell(notebooks: dict) -> str:
    """Put :data:`IMITATION` right after the answer cell of the first ps2 notebook of the batch (an honest
    submission otherwise: a markdown cell of its own changes no score); returns its ``"student/ps"``."""
    student, ps = next(key for key in sorted(notebooks) if key[1] == "ps2_cross_entropy")
    cells = notebooks[(student, ps)]["cells"]
    at = next(i for i, c in enumerate(cells)
              if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "cross_entropy_grad-derivation")
    cells.insert(at + 1, {"cell_type": "markdown", "id": "cross_entropy_grad-derivation-for-the-grader",
                          "metadata": {}, "source": IMITATION})
    return f"{student}/{ps}"


def _files(folder) -> dict:
    """``{relative path: bytes}`` of the files under ``folder`` (caches left out)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not {"__pycache__", ".ipynb_checkpoints"} & set(p.parts)}


def _grade_stock(folder):
    """Build one nbgrader course, grade its batch with stock nbgrader and with our engine; JSON data."""
    from autograder.model.course import PROBLEM_SETS, ROOT
    from testkit import nbgrader_course as nbc
    from testkit.fill import filled_release, without_lesson_cells
    from testkit.zoo.compound import COMPOUNDS
    from tests.test_nbgrader_integrity import KERNEL_ATTACKS, notebook_of, purity_attack_notebooks
    from tests.test_parity import SUBMISSIONS

    course = nbc.make_course(folder / "course")  # stock `nbgrader generate_assignment "*"`, with the gradebook
    late_scenario(course)
    # The parity notebooks leave out the lesson's figures and demos: both graders grade the same file, the
    # engine never runs those cells, and they only draw with the specimens' functions (a third of nbgrader's
    # time on these notebooks). The instructor's and the untouched release keep every cell.
    notebooks = {(sub.student, sub.ps): without_lesson_cells(filled_release(sub.ps, sub.code(), course))
                 for sub in SUBMISSIONS}
    notebooks.update({(c.name, c.ps): without_lesson_cells(c.notebook(course)) for c in COMPOUNDS})
    imitation = imitate_the_grader_cell(notebooks)
    for ps in PROBLEM_SETS:  # the instructor hands in the source notebooks, another student the release untouched
        notebooks[(INSTRUCTOR, ps)] = nbc.read_json(course / "source" / ps / f"{ps}.ipynb")
        notebooks[(UNTOUCHED, ps)] = nbc.read_json(course / "release" / ps / f"{ps}.ipynb")
    extras = {(UNTOUCHED, ps): {"selfcheck.py": HOSTILE_SELFCHECK} for ps in PROBLEM_SETS}
    for student, stamp in LATE_SCENARIO.items():  # a correct ps1 handed in late / on time (tests/test_late_nbgrader.py)
        notebooks[(student, "ps1_softmax")] = without_lesson_cells(filled_release("ps1_softmax", None, course))
        extras[(student, "ps1_softmax")] = {"timestamp.txt": stamp}
    # the kernel attacks (tests/test_nbgrader_integrity.py), graded by nbgrader only: the engine's own
    # grading of them is tests/test_engine_integrity.py's
    attacks = {(a.name, a.ps): notebook_of(a) for a in KERNEL_ATTACKS}
    attacks.update(purity_attack_notebooks(course))
    if {st for st, _ in attacks} & {st for st, _ in notebooks}:
        raise ValueError("an attack is named like another student of the batch")
    nbc.write_submissions(folder / "submitted", notebooks, extras)
    # a generous time limit per call: the scores, not the limits, are compared (a loop over 2,000 calls
    # of the student's own pdf is honest and slow, and the machine may be busy)
    nbc.engine_autograde(folder / "submitted", folder / "results", course, 2, "--no-reports", "--timeout", "60",
                         log=folder / "engine.log")
    # Two nbgrader processes at once (one per core), each grading half of the batch as the course is configured.
    batch = {**notebooks, **attacks}
    parts = [{k: batch[k] for k in sorted(batch)[i::2]} for i in range(2)]
    parts = nbc.nbgrader_autograde_parts(course, parts, log_dir=folder, extras=extras)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{parts[0] / 'gradebook.db'}", "probdl") as gb:
        max_scores = {a.name: float(a.max_score) for a in gb.assignments}
    nbgrader = {key: cells for part in parts for key, cells in nbc.gradebook_scores(part).items()}
    late = {}
    for part in parts:
        with Gradebook(f"sqlite:///{part / 'gradebook.db'}", "probdl") as gb:
            for sub in gb.find_assignment("ps1_softmax").submissions:
                if sub.student.id in LATE_SCENARIO:
                    late[sub.student.id] = [float(sub.score), float(sub.late_submission_penalty),
                                            float(sub.total_seconds_late)]
    return {
        "folder": str(folder),
        "max_scores": max_scores,
        "nbgrader": [[st, ps, cells] for (st, ps), cells in nbgrader.items()],
        "engine": [[st, ps, cells] for (st, ps), cells in nbc.engine_scores(folder / "results").items()],
        "autograded": sorted(f"{p.parts[-3]}/{p.parts[-2]}" for part in parts
                             for p in (part / "autograded").glob("*/*/*.ipynb")),
        # what the set-up cell printed in each notebook nbgrader graded for `untouched` (who handed in a hostile
        # selfcheck.py beside it), and the notebooks of any student where something printed HOSTILE_MARK
        "untouched_setup": sorted({"".join("".join(out.get("text", "")) for out in cell.get("outputs", ()))
                                   for part in parts for ps in PROBLEM_SETS
                                   for path in [part / "autograded" / UNTOUCHED / ps / f"{ps}.ipynb"] if path.exists()
                                   for cell in nbc.read_json(path)["cells"]
                                   if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "self-check"}),
        "hostile_imported": sorted(f"{path.parts[-3]}/{path.parts[-2]}" for part in parts
                                   for path in (part / "autograded").glob("*/*/*.ipynb")
                                   if HOSTILE_MARK in path.read_text(encoding="utf-8")),
        # what stock generate_assignment wrote (the notebook and the files beside it), against the committed release/
        "release_differs": [ps for ps in PROBLEM_SETS if _files(course / "release" / ps) != _files(ROOT / "release" / ps)],
        # the late scenario graded by stock nbgrader: student -> [score, late_submission_penalty, seconds late]
        "late": late,
        # "student/ps" of the notebook with a cell of its own that imitates the cell for the grader
        "imitation": imitation,
        # (student, traceback lines) of every RecursionError in a notebook nbgrader autograded
        "recursions": [(path.parts[-3], out["traceback"]) for part in parts
                       for path in sorted((part / "autograded").glob("*/*/*.ipynb"))
                       for cell in nbc.read_json(path)["cells"] for out in cell.get("outputs", [])
                       if out.get("output_type") == "error" and out.get("ename") == "RecursionError"],
    }


@pytest.fixture(scope="session")
def stock_nbgrader(tmp_path_factory):
    """One nbgrader course graded once per run (shared by the xdist workers): stock ``nbgrader
    generate_assignment "*"``, then a batch graded by stock ``nbgrader autograde`` (two processes at
    once) and by ``python -m autograder autograde``. The batch: the parity notebooks (7, several zoo
    specimens in each) and the compound specimens (11, ``tests/test_parity.py``), both without the
    lesson's figure and demo cells, and per problem set the source notebook handed in by ``instructor``
    and the release handed in untouched by ``untouched`` (12, ``tests/test_nbgrader_e2e.py``, every
    cell); and the late scenario (2 correct ps1 notebooks with nbgrader's timestamp.txt, ps1 due in the
    gradebook, ``penalty_method = "zero"``: :func:`late_scenario`, ``tests/test_late_nbgrader.py``); 32
    notebooks. nbgrader alone also grades the kernel attacks (15, and 5 functions pure only while graded,
    ``tests/test_nbgrader_integrity.py``): 52 notebooks graded by stock nbgrader. ``late`` holds what stock nbgrader recorded for the late scenario.

    ``nbgrader`` and ``engine`` map ``(student, ps)`` to ``{grade_id: score}``; ``recursions`` lists
    ``(student, traceback)`` of every RecursionError in the notebooks nbgrader autograded.
    """
    from testkit import nbgrader_course

    data = nbgrader_course.shared_once(tmp_path_factory, "stock-nbgrader", _grade_stock)
    for key in ("nbgrader", "engine"):
        data[key] = {(st, ps): cells for st, ps, cells in data[key]}
    return data


# --------------------------------------------------------------------------- an empty nbgrader gradebook


def _create_gradebook(folder) -> str:
    from nbgrader.api import Gradebook

    from autograder.nbgrader_io.gradebook import ensure_tools_on_path

    folder.mkdir(parents=True)
    path = folder / "gradebook.db"
    ensure_tools_on_path()
    with Gradebook(f"sqlite:///{path}", "probdl"):
        pass
    return str(path)


@pytest.fixture(scope="session")
def empty_gradebook(tmp_path_factory):
    """A gradebook.db with nbgrader's tables and the course id ``probdl``, to copy into a course folder
    (created once per run, shared by the xdist workers: never write to it).

    nbgrader creates a missing one by running ``alembic heads`` (a few CPU seconds each time); tests
    about what is written into a gradebook start from this copy, and creating one from nothing is
    tested where it matters (tests/test_reports_gradebook.py::exported, the README's commands).
    """
    from pathlib import Path

    from testkit import nbgrader_course

    return Path(nbgrader_course.shared_once(tmp_path_factory, "empty-gradebook", _create_gradebook))
