#!/usr/bin/env python
"""Grading throughput: plain ``nbgrader autograde`` against our engine, on the same batch.

    python benchmarks/grading_throughput.py [--students N] [--workers N] [--keep DIR]

1. Generates a batch: ``--students`` students (default 50) × all five problem
   sets. Every notebook is the released notebook with its solution cells
   filled in — by the reference solution of ``source/`` or by an
   implementation from the bug zoo (``tests/zoo/``), correct or wrong, in a
   deterministic mix (no pathological submissions: no endless loops, no
   crashes, no tampering — the zoo's honest mistakes only).
2. Grades it with ``nbgrader autograde "*"`` in one temporary nbgrader course
   folder (``source/`` and ``nbgrader_config.py`` copied, ``nbgrader
   generate_assignment "*"`` run there with its gradebook, the batch in
   ``submitted/``), and with ``python -m autograder autograde SUBMITTED --out
   RESULTS --workers N --course COURSE`` in another one. Each command is timed
   wall-clock, start-up included (nbgrader's own start-up and gradebook
   connections; our zygote's imports, the report pages our command writes
   by default). The generation steps are not timed.
3. Checks that both gave the same per-cell scores, and prints notebooks/s for
   each; the last line is ``speedup vs nbgrader: <X>x``.

``--keep DIR`` keeps both course folders (submissions, nbgrader's autograded
notebooks and gradebook, our results) under ``DIR`` instead of a temporary
directory.

The module doubles as the helper library of the end-to-end tests
(``tests/test_nbgrader_e2e.py``, ``tests/test_parity.py``): building a
course folder, submissions, running both graders and reading their scores
back per graded cell (nbgrader's through :class:`nbgrader.api.Gradebook`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder.course import GRADE_CELLS, PROBLEM_SETS  # noqa: E402
from autograder.release.fill import filled_release  # noqa: E402

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


def write_submissions(submitted: Path, notebooks: dict) -> Path:
    """Write ``{(student, ps): notebook dict}`` in nbgrader's layout ``<student>/<ps>/<ps>.ipynb``."""
    submitted = Path(submitted)
    for (student, ps), nb in notebooks.items():
        folder = submitted / student / ps
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{ps}.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
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
    """``{(student, ps): {grade_id: score}}`` from every ``results/<student>/<ps>/results.json``."""
    scores = {}
    for path in sorted(Path(results).glob("*/*/results.json")):
        data = read_json(path)
        scores[(data["student"], data["assignment"])] = {t["name"]: float(t["score"]) for t in data["tests"]}
    return scores


def disagreements(nbgrader: dict, engine: dict, expected) -> list:
    """``(student, ps, grade_id, nbgrader score, engine score)`` wherever the two differ.

    ``expected`` lists the ``(student, ps)`` submitted; a grader that has no
    score for one shows as None.
    """
    out = []
    for student, ps in sorted(expected):
        a, b = nbgrader.get((student, ps), {}), engine.get((student, ps), {})
        for gid, _ in GRADE_CELLS[ps]:
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


# --------------------------------------------------------------------------- the batch


def batch(students: int, seed: int = 2026) -> dict:
    """``{(student, ps): {function: zoo Specimen}}``, the deterministic mix of the benchmark.

    Per problem set, about a third of the students hand in the reference
    solutions, a third swap in one correct zoo implementation and a third one
    or two wrong ones (functions without a specimen of the wanted kind keep
    the reference).
    """
    from tests.zoo import zoo

    rng = random.Random(seed)
    plan = {}
    for i in range(students):
        student = f"student{i + 1:03d}"
        for ps in PROBLEM_SETS:
            specimens = zoo(ps)
            kind = (i + PROBLEM_SETS.index(ps)) % 3
            swap = {}
            if kind == 1:
                s = rng.choice([s for s in specimens if s.correct])
                swap[s.function] = s
            elif kind == 2:
                for s in rng.sample([s for s in specimens if not s.correct], rng.choice((1, 2))):
                    swap.setdefault(s.function, s)
            plan[(student, ps)] = swap
    return plan


def build_batch(submitted: Path, plan: dict, course_dir: Path = ROOT) -> dict:
    """Write the plan's notebooks; returns ``{(student, ps): "reference" | "correct" | "wrong"}``."""
    kinds, notebooks = {}, {}
    for (student, ps), swap in plan.items():
        notebooks[(student, ps)] = filled_release(ps, {fn: s.source for fn, s in swap.items()}, course_dir)
        kinds[(student, ps)] = ("wrong" if any(not s.correct for s in swap.values())
                                else "correct" if swap else "reference")
    write_submissions(submitted, notebooks)
    return kinds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=50, metavar="N", help="students in the batch (default 50)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="our engine's workers (default: all cores)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the course folders, submissions and results in DIR")
    args = parser.parse_args(argv)
    if args.students < 1:
        parser.error("--students must be at least 1")

    if args.keep:
        work = args.keep.resolve()
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        tmp = None
    else:
        tmp = tempfile.TemporaryDirectory(prefix="probdl-throughput-")
        work = Path(tmp.name)
    try:
        workers = args.workers or os.cpu_count() or 1
        nbg_course = make_course(work / "nbgrader-course")
        eng_course = make_course(work / "engine-course", gradebook=False)
        plan = batch(args.students)
        kinds = build_batch(nbg_course / "submitted", plan, nbg_course)
        shutil.copytree(nbg_course / "submitted", eng_course / "submitted")
        n = len(kinds)
        counts = {k: sum(v == k for v in kinds.values()) for k in ("reference", "correct", "wrong")}
        print(f"batch: {args.students} students x {len(PROBLEM_SETS)} problem sets = {n} notebooks "
              f"({counts['reference']} reference solutions, {counts['correct']} with a correct zoo "
              f"implementation, {counts['wrong']} with zoo bugs)", flush=True)

        t_engine = engine_autograde(eng_course / "submitted", eng_course / "results", eng_course, workers,
                                    log=work / "engine.log")
        engine = engine_scores(eng_course / "results")
        print(f"engine (python -m autograder autograde, {workers} workers): {n} notebooks in {t_engine.wall:.1f} s "
              f"= {n / t_engine.wall:.2f} notebooks/s ({1000 * t_engine.cpu / n:.0f} CPU ms per notebook)",
              flush=True)

        t_nbg = nbgrader_autograde(nbg_course, n, log=work / "nbgrader-autograde.log")
        nbg = gradebook_scores(nbg_course)
        print(f"nbgrader autograde: {n} notebooks in {t_nbg.wall:.1f} s = {n / t_nbg.wall:.3f} notebooks/s "
              f"({1000 * t_nbg.cpu / n:.0f} CPU ms per notebook)", flush=True)

        missing = [k for k in kinds if k not in nbg or k not in engine]
        differ = disagreements(nbg, engine, kinds)
        print(f"per-cell scores: {'identical' if not differ else 'DIFFERENT'} "
              f"({len(kinds) - len(missing)} of {n} notebooks graded by both, {len(differ)} cells differ)")
        for student, ps, gid, a, b in differ[:20]:
            print(f"  {student}/{ps} {gid}: nbgrader {a}, engine {b}")
        if args.keep:
            print(f"kept in {work}")
        print(f"speedup vs nbgrader: {t_nbg.wall / t_engine.wall:.1f}x")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
