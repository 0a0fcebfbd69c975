#!/usr/bin/env python
"""Grading throughput: plain ``nbgrader autograde`` against our engine, on the same batch.

    python benchmarks/grading_throughput.py [--students N] [--workers N] [--assignment ID …] [--keep DIR]
                                            [--engine-only]

1. Generates a batch: ``--students`` students (default 50) × every problem
   set of the course (or the ``--assignment`` ones). Every notebook is the released notebook with its solution cells
   filled in — by the reference solution of ``source/`` or by an
   implementation from the bug zoo (``testkit/zoo/``), correct or wrong, in a
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
   each, the ratio of their CPU a notebook (``CPU a notebook vs nbgrader: <X>x``); the last line is
   ``speedup vs nbgrader: <X>x`` (wall-clock).

``--engine-only`` grades the batch with our engine alone and prints its
time (no ratio: nbgrader's side takes minutes of both cores); for iterating
on the engine's speed, the figure to report is still the full run's.

``--keep DIR`` keeps both course folders (submissions, nbgrader's autograded
notebooks and gradebook, our results) under ``DIR`` instead of a temporary
directory.

Building the course folders, running both graders and reading their scores
back per graded cell is :mod:`testkit.nbgrader_course`, which the end-to-end
tests (``tests/test_nbgrader_e2e.py``, ``tests/test_parity.py``) use too.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder.engine.batch import default_workers  # noqa: E402
from autograder.model.course import PROBLEM_SETS  # noqa: E402
from testkit.fill import filled_release, written_answers  # noqa: E402
from testkit.nbgrader_course import (  # noqa: E402
    disagreements,
    engine_autograde,
    engine_scores,
    gradebook_scores,
    make_course,
    nbgrader_autograde,
    write_submissions,
)

# --------------------------------------------------------------------------- the batch


def batch(students: int, seed: int = 2026, problem_sets=PROBLEM_SETS) -> dict:
    """``{(student, ps): {function: zoo Specimen}}``, the deterministic mix of the benchmark.

    Per problem set, about a third of the students hand in the reference
    solutions, a third swap in one correct zoo implementation and a third one
    or two wrong ones (functions without a specimen of the wanted kind keep
    the reference).
    """
    from testkit.zoo import zoo

    rng = random.Random(seed)
    plan = {}
    for i in range(students):
        student = f"student{i + 1:03d}"
        for ps in problem_sets:
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


#: a formula of a derivation answer: display ($$…$$) or inline ($…$)
FORMULA = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)


def own_answers(ps: str, student: str, course_dir: Path = ROOT) -> dict:
    """``grade_id -> text``: the model answer of each derivation, with every formula made the student's own (a
    thin space and the student's name as text at its end), so that no two students hand in one formula: a
    class's derivations are written by each student (a report that kept a formula it had converted for another
    student would otherwise be measured at a gain no class gives it)."""
    mark = rf"\,\text{{{student}}}"

    def own(m: re.Match) -> str:
        return f"$${m.group(1)}{mark}$$" if m.group(1) is not None else f"${m.group(2)}{mark}$"

    return {gid: FORMULA.sub(own, text) for gid, text in written_answers(ps, course_dir).items()}


def build_batch(submitted: Path, plan: dict, course_dir: Path = ROOT) -> dict:
    """Write the plan's notebooks (each student's derivations their own: :func:`own_answers`); returns
    ``{(student, ps): "reference" | "correct" | "wrong"}``."""
    kinds, notebooks = {}, {}
    for (student, ps), swap in plan.items():
        notebooks[(student, ps)] = filled_release(ps, {fn: s.source for fn, s in swap.items()}, course_dir,
                                                  answers=own_answers(ps, student, course_dir))
        kinds[(student, ps)] = ("wrong" if any(not s.correct for s in swap.values())
                                else "correct" if swap else "reference")
    write_submissions(submitted, notebooks)
    return kinds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=50, metavar="N", help="students in the batch (default 50)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="our engine's workers (default: the engine's own, one more than the cores)")
    parser.add_argument("--assignment", action="append", choices=PROBLEM_SETS, metavar="ID", dest="assignments",
                        help="grade only this problem set (repeatable; default: every problem set)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the course folders, submissions and results in DIR")
    parser.add_argument("--engine-only", action="store_true",
                        help="grade with our engine only (no nbgrader run, no speedup printed)")
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
        workers = args.workers or default_workers()
        problem_sets = [ps for ps in PROBLEM_SETS if ps in (args.assignments or PROBLEM_SETS)]
        nbg_course = make_course(work / "nbgrader-course", problem_sets)
        eng_course = make_course(work / "engine-course", problem_sets, gradebook=False)
        plan = batch(args.students, problem_sets=problem_sets)
        kinds = build_batch(nbg_course / "submitted", plan, nbg_course)
        shutil.copytree(nbg_course / "submitted", eng_course / "submitted")
        n = len(kinds)
        counts = {k: sum(v == k for v in kinds.values()) for k in ("reference", "correct", "wrong")}
        print(f"batch: {args.students} students x {len(problem_sets)} problem sets = {n} notebooks "
              f"({counts['reference']} reference solutions, {counts['correct']} with a correct zoo "
              f"implementation, {counts['wrong']} with zoo bugs)", flush=True)

        t_engine = engine_autograde(eng_course / "submitted", eng_course / "results", eng_course, workers,
                                    log=work / "engine.log")
        engine = engine_scores(eng_course / "results")
        print(f"engine (python -m autograder autograde, {workers} workers): {n} notebooks in {t_engine.wall:.1f} s "
              f"= {n / t_engine.wall:.2f} notebooks/s ({1000 * t_engine.cpu / n:.0f} CPU ms per notebook)",
              flush=True)

        if args.engine_only:
            if args.keep:
                print(f"kept in {work}")
            return 0
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
        print(f"CPU a notebook vs nbgrader: {t_nbg.cpu / t_engine.cpu:.1f}x")
        print(f"speedup vs nbgrader: {t_nbg.wall / t_engine.wall:.1f}x")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
