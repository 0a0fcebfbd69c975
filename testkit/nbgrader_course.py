"""nbgrader end to end: a course folder, submissions, both graders and their scores per graded cell.

Test scaffolding shared by the end-to-end tests (``tests/test_nbgrader_e2e.py``,
``tests/test_parity.py``) and the grading benchmark
(``benchmarks/grading_throughput.py``, which puts the repository root on
``sys.path`` and imports this module): build a temporary nbgrader course
folder (:func:`make_course`), write submissions (:func:`write_submissions`),
run plain ``nbgrader autograde`` (:func:`nbgrader_autograde`) and our engine
(:func:`engine_autograde`), and read their scores back per graded cell
(:func:`gradebook_scores` through :class:`nbgrader.api.Gradebook`,
:func:`engine_scores`) to compare them (:func:`disagreements`).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from autograder.model.course import ANSWER_CELLS, GRADE_CELLS, PROBLEM_SETS, ROOT

CONFIG_FILE = "nbgrader_config.py"
#: Ceiling for one nbgrader command (per notebook it is seconds; this only stops a wedged run).
NBGRADER_TIMEOUT_PER_NOTEBOOK = 120


# --------------------------------------------------------------------------- environment


def tool_env() -> dict:
    """The environment for nbgrader and our CLI as subprocesses.

    This interpreter's bin/ first on PATH (nbgrader's gradebook runs
    ``alembic`` from PATH; the kernel spec runs ``python``), one BLAS thread
    per process (the machine's cores are the graders' to share out).
    """
    bindir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": os.pathsep.join([bindir, os.environ.get("PATH", "")]),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def nbgrader_command() -> list:
    return [sys.executable, "-m", "nbgrader"]


class Timing(NamedTuple):
    """How long a command took: wall-clock seconds, and CPU seconds of it and every process it waited for."""

    wall: float
    cpu: float


def run_logged(cmd, cwd, timeout, log: Path) -> Timing:
    """Run ``cmd`` with its output in ``log``. Raises RuntimeError with the log's tail when it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.run(cmd, cwd=cwd, env=tool_env(), stdout=out, stderr=subprocess.STDOUT,
                              timeout=timeout)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {proc.returncode} (log: {log}):\n{tail}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu)


# --------------------------------------------------------------------------- notebooks


def read_json(path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def as_notebook(nb: dict):
    """An :mod:`nbformat` notebook node of a notebook dict (what nbclient executes)."""
    import nbformat

    return nbformat.reads(json.dumps(nb), as_version=4)


def write_submissions(submitted: Path, notebooks: dict, extras: dict | None = None) -> Path:
    """Write ``{(student, ps): notebook dict}`` in nbgrader's layout ``<student>/<ps>/<ps>.ipynb``.

    ``extras`` (``{(student, ps): {file name: text}}``) adds files handed in beside a notebook written here.
    """
    submitted = Path(submitted)
    for (student, ps), nb in notebooks.items():
        folder = submitted / student / ps
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{ps}.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        for name, text in (extras or {}).get((student, ps), {}).items():
            (folder / name).write_text(text, encoding="utf-8")
    return submitted


# --------------------------------------------------------------------------- nbgrader


def make_course(folder: Path, problem_sets=PROBLEM_SETS, *, gradebook: bool = True, log: Path | None = None) -> Path:
    """An nbgrader course folder: ``nbgrader_config.py`` and ``source/`` copied from this repository.

    With ``gradebook``, ``nbgrader generate_assignment "*"`` runs there (the
    stock command, with its database), so the gradebook knows every
    assignment and its grade cells, and ``release/`` is nbgrader's own.
    Without, the committed ``release/`` is copied (byte-identical: a test of
    ``tests/test_release.py`` checks it).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / CONFIG_FILE, folder / CONFIG_FILE)
    for ps in problem_sets:
        shutil.copytree(ROOT / "source" / ps, folder / "source" / ps,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    if gradebook:
        run_logged([*nbgrader_command(), "generate_assignment", "*", "--force"], folder, 600,
                   log or folder / "generate_assignment.log")
    else:
        for ps in problem_sets:
            shutil.copytree(ROOT / "release" / ps, folder / "release" / ps)
    return folder


def nbgrader_autograde(course: Path, n_notebooks: int, log: Path | None = None) -> Timing:
    """``nbgrader autograde "*"`` over everything in ``<course>/submitted/``."""
    course = Path(course)
    return run_logged([*nbgrader_command(), "autograde", "*"], course,
                      60 + NBGRADER_TIMEOUT_PER_NOTEBOOK * max(1, n_notebooks), log or course / "autograde.log")


def nbgrader_autograde_parts(course: Path, parts: list, log_dir: Path | None = None,
                             extras: dict | None = None) -> list:
    """Stock ``nbgrader autograde "*"`` over several batches at once, one process each.

    nbgrader grades one notebook at a time, each in a fresh kernel, into one SQLite gradebook. So
    each part (``{(student, ps): notebook}``) is graded in its own copy of the generated course
    (``<course>-1`` …, each with a copy of the gradebook), all at the same time. A notebook
    (``(student, ps)``) belongs to one part; ``extras`` as in :func:`write_submissions`. Returns the
    course folders; read them with :func:`gradebook_scores`.

    The kernels talk to nbgrader over Unix sockets (``--KernelManager.transport=ipc``), not TCP:
    Jupyter picks a free TCP port and only then does the kernel bind it, so kernels started at the
    same moment by several processes can pick the same port ("Address already in use", then "Kernel
    died before replying to kernel_info"). Each part has its own socket prefix, an absolute path,
    because nbgrader and the kernel (started in the notebook's folder) would each resolve a relative
    one against their own working directory.
    """
    course = Path(course)
    folders, procs = [], []
    sockets = Path(tempfile.mkdtemp(prefix="nbgrader-ipc-"))  # short: a Unix socket path has at most 107 bytes
    try:
        for i, notebooks in enumerate(parts):
            folder = course.with_name(f"{course.name}-{i + 1}")
            shutil.copytree(course, folder)
            write_submissions(folder / "submitted", notebooks, extras)
            folders.append(folder)
            out = open((log_dir or folder) / f"autograde-{folder.name}.log", "w", encoding="utf-8")  # noqa: SIM115
            ipc = ["--KernelManager.transport=ipc", f"--KernelManager.ip={sockets / f'part{i + 1}'}"]
            procs.append((subprocess.Popen([*nbgrader_command(), "autograde", "*", *ipc], cwd=folder,
                                           env=tool_env(), stdout=out, stderr=subprocess.STDOUT), out))
        limit = 60 + NBGRADER_TIMEOUT_PER_NOTEBOOK * max(1, max(len(nbs) for nbs in parts))
        for proc, out in procs:
            proc.wait(timeout=limit)
            out.close()
            if proc.returncode != 0:
                tail = Path(out.name).read_text(encoding="utf-8", errors="replace")[-4000:]
                raise RuntimeError(f"nbgrader autograde exited {proc.returncode} (log: {out.name}):\n{tail}")
    finally:
        for proc, out in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            out.close()
        shutil.rmtree(sockets, ignore_errors=True)
    return folders


def gradebook_scores(course: Path) -> dict:
    """``{(student, ps): {grade_id: auto_score}}`` read from the course's gradebook.db.

    Only submissions nbgrader autograded (a gradebook notebook submission
    with grades) appear.
    """
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}", "probdl") as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                for nb in sub.notebooks:
                    scores[(sub.student.id, assignment.name)] = {
                        g.name: (None if g.auto_score is None else float(g.auto_score)) for g in nb.grades
                    }
    return scores


# --------------------------------------------------------------------------- our engine


def engine_command(submitted: Path, results: Path, course: Path, workers: int | None, *extra) -> list:
    cmd = [sys.executable, "-m", "autograder", "autograde", str(submitted), "--out", str(results),
           "--course", str(course)]
    if workers:
        cmd += ["--workers", str(workers)]
    return cmd + list(extra)


def engine_autograde(submitted: Path, results: Path, course: Path, workers: int | None = None, *extra,
                     log: Path | None = None) -> Timing:
    """``python -m autograder autograde`` (its default outputs, reports included, unless ``extra`` says)."""
    return run_logged(engine_command(submitted, results, course, workers, *extra), ROOT, 1800,
                      log or Path(results).parent / "engine.log")


def engine_scores(results: Path) -> dict:
    """``{(student, ps): {grade_id: score}}`` from every ``results/<student>/<ps>/results.json``; a manually
    graded answer cell no person has graded yet is None (nbgrader's gradebook leaves its auto score None too)."""
    scores = {}
    for path in sorted(Path(results).glob("*/*/results.json")):
        data = read_json(path)
        scores[(data["student"], data["assignment"])] = {  # an answer awaiting grading: None, as in nbgrader
            t["name"]: None if t["score"] is None else float(t["score"]) for t in data["tests"]}
    return scores


def disagreements(nbgrader: dict, engine: dict, expected) -> list:
    """``(student, ps, grade_id, nbgrader score, engine score)`` wherever the two differ.

    ``expected`` lists the ``(student, ps)`` submitted; a grader that has no
    score for one shows as None. Answer cells are compared too: a written
    answer is left for a person by both (None in both; nbgrader gives a
    *blank* answer 0 by itself, the engine leaves it pending too, so
    like is compared with like only when the answers are written).
    """
    out = []
    for student, ps in sorted(expected):
        a, b = nbgrader.get((student, ps), {}), engine.get((student, ps), {})
        for gid, _ in GRADE_CELLS[ps] + ANSWER_CELLS[ps]:
            if a.get(gid) != b.get(gid):
                out.append((student, ps, gid, a.get(gid), b.get(gid)))
    return out


def shared_once(tmp_path_factory, name: str, compute):
    """``compute(folder)`` once per pytest session, even with pytest-xdist workers; its JSON result.

    The first worker to ask computes under a file lock, in a folder of the
    session's base temporary directory (shared by the workers of one run);
    the others wait and read the result. Without xdist it simply computes.
    ``compute`` returns JSON-serialisable data.
    """
    import fcntl

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    done = root / f"{name}.json"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return json.loads(done.read_text(encoding="utf-8"))
        folder = root / name
        if folder.exists():
            shutil.rmtree(folder)  # a worker before us failed half-way
        data = compute(folder)
        tmp = done.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, done)
        return data
