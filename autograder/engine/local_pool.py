"""The local pool: one planned batch graded by worker threads on this machine, over one zygote.

One of the two runners of a :class:`~autograder.engine.grading_run.GradingRun`
(the other is a Dask cluster's, :mod:`autograder.engine.dask_runner`): worker
threads take the submissions from a queue, each grades its submission in a
slot of the batch's sandbox (:class:`~autograder.engine.zygote_keeper.ZygoteKeeper`,
the retry and regrade policy of :func:`~autograder.engine.zygote_keeper.grade_in_sandbox`,
which a Dask worker uses too) and records the outcome through the run.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable

from autograder.engine import grade  # (as a module: a test replaces grade.grade_submission to plant a grader bug)
from autograder.engine.grading_run import GradingRun
from autograder.engine.zygote_keeper import SLOTS_PER_WORKER, grade_in_sandbox
from autograder.model.invariant import known
from autograder.model.submissions import Submission
from autograder.perimeter.supervision.zygote_parent import GraderError


class LocalPool:
    """``run``'s submissions ``todo`` graded by worker threads of this process (:meth:`run`)."""

    def __init__(self, run: GradingRun, todo: Iterable[Submission]) -> None:
        self.grading = run
        self.work: queue.Queue[Submission] = queue.Queue()
        for sub in todo:
            self.work.put(sub)

    def worker(self, number: int, workers: int) -> None:
        """Worker ``number`` of ``workers``: its submissions take turns among its :data:`SLOTS_PER_WORKER`
        slots (``number``, ``number + workers``, …)."""
        turn = 0
        while not self.grading.stop.is_set():
            try:
                sub = self.work.get_nowait()
            except queue.Empty:
                return
            slot = number + workers * (turn % SLOTS_PER_WORKER)
            turn += 1
            try:
                self.grade_one(slot, sub)
            except BaseException as exc:  # noqa: BLE001 — never lose a submission silently
                if not self.grading.stop.is_set():
                    self.grading.fail(sub, f"{type(exc).__name__}: {exc}")

    def grade_one(self, slot: int, sub: Submission) -> None:
        """Grade ``sub`` in slot ``slot`` and record its outcome (:meth:`GradingRun.write
        <autograder.engine.grading_run.GradingRun.write>` or ``fail``), with the retry
        and regrade policy a Dask worker uses too (:func:`~autograder.engine.zygote_keeper.grade_in_sandbox`)."""
        source, checks = self.grading.loaded[sub.assignment]
        if sub.problem:
            data = grade.unreadable_results(sub.student, sub.assignment, source, sub.problem, "")
        else:
            try:
                data = grade_in_sandbox(known(self.grading.keeper, "a notebook to run has its sandbox (_grade)"), slot,
                                        sub.path, sub.student, sub.assignment, source, checks, self.grading.limits,
                                        self.grading.summary.sandbox, self.grading.room, self.grading.ledger)
            except GraderError as exc:  # the sandbox cannot be started, or a run spoilt every time: not scored
                self.grading.fail(sub, str(exc))
                return
        if self.grading.stop.is_set():
            return  # interrupted while in flight: no half-graded result
        if sub.note:  # graded under another name than <ps>.ipynb: said to the student and the instructor
            data.notes.append(sub.note)
        self.grading.write(sub, source, data)

    def run(self, workers: int) -> None:
        """Grade everything with ``workers`` threads; returns early (``summary.interrupted``) on Ctrl-C."""
        threads = [threading.Thread(target=self.worker, args=(n, workers), name=f"grader-{n}", daemon=True)
                   for n in range(workers)]
        try:
            for t in threads:
                t.start()
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
        except KeyboardInterrupt:
            self.grading.stop.set()
            self.grading.summary.interrupted = True
            if self.grading.keeper is not None:  # (None: nothing of the run needed the sandbox)
                self.grading.keeper.close()  # kills the children: workers waiting on them return at once
            for t in threads:
                t.join(10)
