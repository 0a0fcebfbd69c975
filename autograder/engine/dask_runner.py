"""A batch graded on a Dask cluster: one task per submission, notebooks and results travelling as bytes.

``python -m autograder autograde SUBMITTED --out RESULTS --dask ADDRESS`` plans the batch here, on the
instructor's machine, exactly as a local run does (:mod:`autograder.engine.batch`: which submissions, which
shard, which were graded before, when each was handed in), and hands the grading itself to a running Dask
cluster: the one a university's Slurm or PBS gives through dask-jobqueue, a Kubernetes cluster through the
Dask Helm chart or dask-kubernetes, or ``distributed.LocalCluster`` on one machine. Why Dask and not a
scheduler of our own: it already schedules, reschedules the tasks of a lost worker, and runs where
universities and companies already run it.

The two sides:

- **on each worker** (:class:`GraderPlugin`, registered by the client): the same sandbox as a local run —
  one zygote per worker process, two slots per worker thread, the grading itself
  :func:`autograder.engine.zygote_keeper.grade_in_sandbox` — and a private folder where a task's notebook is written
  for the time it is graded (no shared filesystem is assumed: the notebook arrives as bytes, and the result
  leaves as the bytes of its results.json). A worker refuses to grade with another version of the grader
  than the client's (:func:`grader_fingerprint`: the checks, references and engine that decide points), so
  a cluster with an old install on some node never grades part of a class differently. In ``uid`` mode a
  worker's disk incidents (who filled its disk, who was graded again) travel back with each result, for the
  client's ``summary.json``.
- **on the client** (:func:`grade_on_dask`): at most :data:`WINDOW_PER_THREAD` tasks per worker thread in
  flight (a class of 60,000 notebooks never sits in the scheduler's memory at once); each result written
  once, by the client, through the same writer as a local run (so each student appears exactly once, with
  the submission time the client read); the problem set's source notebook sent once per problem set as a
  task of its own (recomputed by the scheduler if the worker that held it is lost).

**A lost worker** (a node preempted, a pod evicted) costs nothing: Dask gives its tasks to other workers.
**A notebook whose grading kills its worker** (the sandbox makes that impossible for student code; a
grader bug or the node's out-of-memory killer might not) ends, after Dask's own limit on worker deaths
(``distributed.scheduler.allowed-failures``, 3 by default), in ``KilledWorker``. Dask cannot tell which of
the tasks that ran on a dead worker killed it, so such a submission is not judged then: it is a *suspect*,
graded again once every other task of the batch is done, **alone on the cluster**. If it kills a worker
again there (nothing else ran), it is the cause: its result is a crash (score 0, the reason, and
``grading_error`` for the instructor), never retried again. A neighbour that was only in the wrong place
passes its solo run and gets its own grade. **A cluster that stops answering** (workers that die before
Dask counts the death, a scheduler with no workers left) never holds the batch forever: a window in which
no task finishes within a notebook's whole budget and a minute makes its tasks suspects, and a suspect
with no result alone within that time is its submission's crash (``ClusterTimeout``), unless the cluster has no
worker left then: a cluster with no worker (none within that time after a window with no result, before a
suspect's turn, or at its end) is the cluster's failure, not the notebook's, and every submission not graded yet
is listed as not graded (``summary.failed``, a rerun grades them) without waiting again. **Any other failure of a
task on the cluster** (a worker whose sandbox could not start, a connection lost) is tried once more alone
after the rest before the submission is listed as not graded (``summary.failed``; a grader of another
version on a worker is said at once).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import queue
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

# (this module is imported only with --dask: distributed is the optional extra `pip install .[dask]`)
from distributed import Client, Future, Worker, WorkerPlugin, get_worker, wait
from distributed.scheduler import KilledWorker

import autograder
from autograder.checks.forbidden import ALL as ALL_FORBIDDEN
from autograder.engine.disk_incidents import Ledger, Room, warning_line
from autograder.engine.grade import unreadable_results
from autograder.engine.grading_run import GradingRun, Loaded, load_assignment
from autograder.engine.zygote_keeper import SLOTS_PER_WORKER, ZygoteKeeper, grade_in_sandbox
from autograder.model.ids import display
from autograder.model.notebook import Unreadable, read_bounded
from autograder.model.results import SubmissionResult
from autograder.model.submissions import Submission
from autograder.model.summary import sandbox_line
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision import held_folder
from autograder.perimeter.supervision.zygote_parent import GraderError, default_hidden

#: The name the worker side is registered under (one per worker process).
PLUGIN = "probdl-grader"
#: Tasks in flight per worker thread of the cluster: enough to keep every thread busy while results travel,
#: few enough that a large class is never all in the scheduler's memory at once.
WINDOW_PER_THREAD = 4
#: Seconds to wait for a cluster at ADDRESS before giving up (the instructor's error, said so).
CONNECT_TIMEOUT_S = 30

__all__ = ["GraderPlugin", "grade_on_dask", "grader_fingerprint", "scheduler_address"]


def grader_fingerprint() -> str:
    """A SHA-256 of what decides points: every ``.py`` file of the grader and of the reference solutions.

    A worker compares it with the client's before it grades anything: the same version everywhere, or no
    grading (a node with another install would grade part of the class differently).
    """
    digest = hashlib.sha256()
    solutions = importlib.util.find_spec("solutions")
    if solutions is None or solutions.origin is None:
        raise RuntimeError("the solutions package is not installed with the grader (pyproject.toml installs it)")
    roots = [Path(autograder.__file__).resolve().parent, Path(solutions.origin).resolve().parent]
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            digest.update(path.relative_to(root.parent).as_posix().encode())
            digest.update(b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def scheduler_address(value: str, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """``Client``'s keyword for ``--dask VALUE``: an address (``tcp://host:8786``, or ``host:8786``), ``env``
    (the address in ``DASK_SCHEDULER_ADDRESS``, which the Dask Helm chart sets in its pods), or else the path
    of a scheduler file (as ``dask scheduler --scheduler-file`` writes it on a cluster's shared disk; it may
    not exist yet when the grader starts beside the scheduler).

    Raises
    ------
    ValueError
        ``env`` without ``DASK_SCHEDULER_ADDRESS``, or an empty value.
    """
    value = value.strip()
    if value == "env":
        value = environ.get("DASK_SCHEDULER_ADDRESS", "").strip()
        if not value:
            raise ValueError("--dask env: DASK_SCHEDULER_ADDRESS is not set (the Dask Helm chart sets it in its pods; "
                             "elsewhere give the scheduler's address, e.g. --dask tcp://scheduler:8786)")
    if not value:
        raise ValueError("--dask wants a scheduler address (tcp://host:8786), a scheduler file, or 'env'")
    if "://" in value or re.fullmatch(r"[A-Za-z0-9_.-]+:[0-9]+", value):
        return {"address": value}
    return {"scheduler_file": value}


def _connect(address: str) -> Client:
    """A client of the cluster at ``address`` (:func:`scheduler_address`) with at least one worker.

    Raises
    ------
    GraderError
        Nothing answers there within :data:`CONNECT_TIMEOUT_S`, or the cluster has no worker.
    """
    where = scheduler_address(address)
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    file = where.get("scheduler_file")
    while file is not None and not Path(file).is_file():
        if time.monotonic() > deadline:
            raise GraderError(f"no Dask scheduler file appeared at {file} in {CONNECT_TIMEOUT_S} s (is the "
                              "scheduler started with --scheduler-file there?)")
        time.sleep(0.2)
    try:
        client = Client(**where, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise GraderError(f"no Dask cluster answered at {address} ({type(exc).__name__}: {exc})") from None
    try:
        client.wait_for_workers(1, timeout=max(1.0, deadline - time.monotonic()))
    except TimeoutError:
        client.close()
        raise GraderError(f"the Dask cluster at {address} has no worker") from None
    return client


# -- the worker side ---------------------------------------------------------------------------------------


class _WorkerGrader:
    """What one worker process keeps between tasks: its sandbox, its slots, the problem sets it loaded."""

    def __init__(self, threads: int, fingerprint: str, name: str = ""):
        self.fingerprint = fingerprint
        self.name = name  # the Dask worker's name, for the disk's incidents
        self.lock = threading.RLock()
        folder, self.folder_lock = held_folder.make(held_folder.DASK_WORKER)  # (0700; removed by the next if killed)
        self.folder = Path(folder)
        self.slot_count = SLOTS_PER_WORKER * max(1, threads)
        self.slots: queue.Queue = queue.Queue()
        for slot in range(self.slot_count):
            self.slots.put(slot)
        self.keeper: ZygoteKeeper | None = None
        self.armed = False  # the keeper's zygote has the batch's forbidden names (ready)
        self.room = Room()  # (uid mode: a run spoilt by a full disk is graded again once there is room)
        self.ledger = Ledger()  # (uid mode: the runs and gradings again, for the report of the disk's incidents)
        self.started, self.started_wall = time.monotonic(), time.time()
        self.forbidden: tuple = ()
        self.loaded: dict = {}  # (problem set, SHA-256 of its source) -> (source, checks)

    def problem_set(self, assignment: str, source_bytes: bytes) -> Loaded:
        """(source, checks) of ``assignment`` from its source notebook's bytes, loaded once per worker."""
        key = (assignment, hashlib.sha256(source_bytes).hexdigest())
        with self.lock:  # (re-entrant: warm holds it)
            if key not in self.loaded:
                course = self.folder / "course" / key[1][:16]
                path = course / "source" / assignment / f"{assignment}.ipynb"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(source_bytes)
                self.loaded[key] = load_assignment(course, assignment)
            return self.loaded[key]

    def sandbox(self, forbidden: tuple) -> ZygoteKeeper:
        """The worker's zygote, with the batch's forbidden names armed (restarted when they change)."""
        with self.lock:
            if self.keeper is not None and (self.keeper.closed or self.forbidden != forbidden):
                self.keeper.close()
                self.keeper = None
            if self.keeper is None:
                self.keeper = ZygoteKeeper(default_hidden(self.folder), self.slot_count, prepare=ALL_FORBIDDEN).launch()
            if not self.armed:
                self.keeper.ready(forbidden)
                self.forbidden, self.armed = forbidden, True
            return self.keeper

    def warm(self, sources: Mapping[str, bytes], forbidden: tuple) -> None:
        """What the batch's first tasks would wait for, done as the worker joins it: the zygote launched, the batch's
        problem sets loaded with their references while it imports, then armed (as a local batch overlaps them).
        A failure here is left to the tasks, which meet it again and report it as theirs."""
        try:
            with self.lock:
                if self.keeper is None:
                    self.keeper = ZygoteKeeper(default_hidden(self.folder), self.slot_count,
                                               prepare=ALL_FORBIDDEN).launch()
                for assignment, data in sources.items():
                    self.problem_set(assignment, data)
            self.sandbox(forbidden)
        except Exception:  # noqa: BLE001 — (a task that needs what failed tries again and says why)
            with self.lock:
                if self.keeper is not None and not self.armed:
                    self.keeper.close()
                    self.keeper = None

    def grade(self, assignment: str, source_bytes: bytes, student: str, notebook: bytes, limits: Limits,
              forbidden: tuple, fingerprint: str) -> tuple:
        if fingerprint != self.fingerprint:
            raise GraderError("this Dask worker has another version of the grader than the machine that planned the "
                              "batch (its checks, references or engine differ): install the same version on every "
                              "worker")
        source, checks = self.problem_set(assignment, source_bytes)
        keeper = self.sandbox(forbidden)
        slot = self.slots.get()
        work = Path(tempfile.mkdtemp(dir=self.folder))
        try:
            path = work / f"{assignment}.ipynb"
            path.write_bytes(notebook)
            data = grade_in_sandbox(keeper, slot, path, student, assignment, source, checks, limits,
                                    self.report(keeper), self.room, self.ledger)
            return json.dumps(data.to_json()).encode(), self.report(keeper), self.disk(keeper)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            self.slots.put(slot)

    def disk(self, keeper: ZygoteKeeper) -> dict:
        """This worker's disk incidents so far (``uid`` mode; none elsewhere), as a local batch reports them
        (:meth:`~autograder.engine.disk_incidents.Ledger.report`), ``at_s`` from :attr:`started_wall`: each
        task's answer carries them all, and the client keeps the one made last on each worker (incidents only
        accumulate: a report made later holds every earlier one's)."""
        made = time.monotonic()  # (answers of two threads may reach the client in either order: it keeps the last made)
        incidents = keeper.disk_incidents() if keeper.watched else []
        entries, _ = self.ledger.report(incidents, self.started)
        return {"worker": self.name, "started_wall": self.started_wall, "made": made, "incidents": entries}

    @staticmethod
    def report(keeper: ZygoteKeeper) -> dict:
        """The sandbox's report as a local batch has it in ``summary.sandbox`` (its line included)."""
        report = keeper.sandbox
        report["line"] = sandbox_line(report)
        return report

    def close(self) -> None:
        with self.lock:
            if self.keeper is not None:
                self.keeper.close()
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder_lock.close()


#: Held while a worker process sets up its grader (the plugin itself travels pickled: no lock in it).
_SETTING_UP = threading.Lock()


class GraderPlugin(WorkerPlugin):
    """Registered by the client on every worker, those that join later included (a restarted one too), with the
    batch's problem sets' source notebooks and forbidden names: each worker warms its sandbox for them as it
    joins (:meth:`_WorkerGrader.warm`, in a thread of its own), not in its first tasks."""

    idempotent = False

    def __init__(self, sources: Mapping[str, bytes] | None = None, forbidden: tuple = ()) -> None:
        self.grader: _WorkerGrader | None = None
        self.sources, self.forbidden = dict(sources or {}), tuple(forbidden)

    def setup(self, worker: Worker) -> None:
        grader = self.ready(worker)
        if self.sources:
            threading.Thread(target=grader.warm, args=(self.sources, self.forbidden), name="probdl-warm",
                             daemon=True).start()

    def ready(self, worker: Worker) -> _WorkerGrader:
        """The worker's grader, set up now if its setup raised (Dask logs that) or has not run."""
        with _SETTING_UP:  # (a worker's threads: one grader per worker process)
            if self.grader is None:
                self.grader = _WorkerGrader(worker.state.nthreads, grader_fingerprint(), str(worker.name))
            return self.grader

    def teardown(self, worker: Worker) -> None:
        if self.grader is not None:
            self.grader.close()


def _source(data: bytes) -> bytes:
    """A problem set's source notebook as a task of its own (the scheduler recomputes it when lost)."""
    return data


def _grade_task(source_bytes: bytes, assignment: str, student: str, notebook: bytes, limits: Limits,
                forbidden: tuple, fingerprint: str) -> tuple:
    """One submission, on a worker: ``(results.json bytes, the worker's sandbox report)``."""
    worker = get_worker()
    plugin = cast("GraderPlugin | None", worker.plugins.get(PLUGIN))  # (the client registers it as PLUGIN)
    if plugin is None:
        raise GraderError("this Dask worker has no grader set up (the client registers it; was it restarted "
                          "without the plugin?)")
    return plugin.ready(worker).grade(assignment, source_bytes, student, notebook, limits, forbidden, fingerprint)


# -- the client side ---------------------------------------------------------------------------------------


#: Times a task is graded again because the problem set's source task was lost under it (Dask's KilledWorker
#: names the source task then, not the grading task): beyond that, the cluster's failure, said as such.
MAX_SOURCE_LOSSES = 2


@dataclass
class _Task:
    sub: Submission
    notebook: bytes
    solo: bool = False
    source_losses: int = 0  # times the problem set's source task was lost with its workers under this task


class _Client:
    """One batch's submissions through one Dask client, in a bounded window."""

    def __init__(self, client: Client, run: GradingRun, forbidden: tuple[str, ...]) -> None:
        self.client, self.run = client, run
        self.forbidden = forbidden
        self.fingerprint = grader_fingerprint()
        self.sources: dict = {}
        self.suspects: list = []
        self.counter = 0
        self.workerless = False  # the cluster had no worker for a whole bound (see has_worker)
        self.disks: dict = {}  # (worker, its grader's start) -> the latest report of its disk's incidents
        self.keys: dict[str, str] = {}  # a grading task's key -> its submission, "student/problem set"
        self.processing: dict[str, set] = {}  # worker -> the grading tasks it held at the last look
        self.names: dict[str, str] = {}  # worker -> its name
        self.lost: list[dict] = []  # [{"worker", "name", "at_s", "notebooks"}] (summary.json's lost_workers)

    def source(self, assignment: str) -> Future:
        if assignment not in self.sources:
            source, _ = self.run.loaded[assignment]
            data = Path(source.path).read_bytes()
            self.sources[assignment] = self.client.submit(_source, data, pure=False,
                                                          key=f"probdl-source-{assignment}-{self.counter}")
        return self.sources[assignment]

    def submit(self, task: _Task) -> Future:
        self.counter += 1
        sub = task.sub
        key = f"probdl-grade-{sub.assignment}-{hashlib.sha256(sub.student.encode()).hexdigest()[:16]}-{self.counter}"
        self.keys[key] = f"{display(sub.student)}/{sub.assignment}"
        return self.client.submit(_grade_task, self.source(sub.assignment), sub.assignment, sub.student,
                                  task.notebook, self.run.limits, self.forbidden, self.fingerprint, key=key,
                                  pure=False, retries=0)

    def finish(self, task: _Task, future: Future) -> None:
        """A task's outcome written (or the submission made a suspect, or a failure of the setup)."""
        sub = task.sub
        source, _ = self.run.loaded[sub.assignment]
        try:
            raw, sandbox, disk = future.result()
        except KilledWorker as exc:
            if f"'probdl-source-{sub.assignment}-" in str(exc) and task.source_losses < MAX_SOURCE_LOSSES:
                # the problem set's notebook (a task of its own) died with workers killed by another task: this
                # notebook was never graded, so it is graded again (alone, after the rest) with a new source task
                task.source_losses += 1
                self.sources.pop(sub.assignment, None)
                self.suspects.append(task)
                return
            if not task.solo:
                self.suspects.append(task)
                return
            data = unreadable_results(sub.student, sub.assignment, source,
                                      "grading this notebook stopped the grading worker every time, the last time "
                                      "alone on the cluster; your instructor will look at it",
                                      f"KilledWorker: {str(exc)[:2000]}")
        except GraderError as exc:
            self.run.fail(sub, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 — the cluster's failure, never the batch's
            if not task.solo:  # (a worker's sandbox that could not start beside a dying one, a connection lost)
                self.suspects.append(task)  # once more, alone on the cluster, before it is said to have failed
                return
            self.run.fail(sub, f"the Dask cluster could not grade it ({type(exc).__name__}: {str(exc)[:500]})")
            return
        else:
            data = SubmissionResult.from_json(json.loads(raw), sub.student, sub.assignment)
            if not self.run.summary.sandbox:
                self.run.summary.sandbox = dict(sandbox)
            kept = self.disks.get((disk["worker"], disk["started_wall"]))
            if kept is None or disk["made"] >= kept["made"]:
                self.disks[(disk["worker"], disk["started_wall"])] = disk
        if sub.note:
            data.notes.append(sub.note)
        self.run.write(sub, source, data)

    def grade(self, tasks: list, window: int) -> None:
        """Every task in a window of ``window``, then each suspect alone.

        A window in which nothing finishes within :meth:`bound` seconds (a cluster whose workers keep dying
        before Dask counts the deaths, or that has stopped) makes every task in it a suspect; a suspect that
        does not finish alone within the bound is its submission's crash: a batch never waits forever. A
        cluster found with no worker after such a window, given a bound to have one again (:meth:`has_worker`),
        is sent nothing more: every submission not graded yet is listed as not graded, without more waiting.
        """
        pending = iter(tasks)
        owner: dict = {}  # key -> (task, future)

        def submit_next() -> bool:
            for task in pending:
                future = self.submit(task)
                owner[future.key] = (task, future)
                return True
            return False

        while len(owner) < window and submit_next():
            pass
        while owner:
            done = self.wait([f for _, f in owner.values()], "FIRST_COMPLETED")
            if not done:
                for key, (_, future) in list(owner.items()):
                    future.cancel()
                    self.suspects.append(owner.pop(key)[0])
                if not self.has_worker():  # (a cluster with none for a bound: the rest is not sent to wait there)
                    self.suspects.extend(pending)
                    break
            for future in done:
                task, _ = owner.pop(future.key)
                self.finish(task, future)
                future.release()
            if self.run.stop.is_set():
                self.client.cancel([f for _, f in owner.values()])
                return
            while len(owner) < window and submit_next():
                pass
        for task in self.suspects:  # alone on the cluster: nothing else of the batch is in flight now
            task.solo = True
            if not self.has_worker():
                self.run.fail(task.sub, f"not graded: the Dask cluster had no worker for {self.bound():.0f} s when "
                              "this notebook's turn came (rerun the batch to grade it)")
                continue
            future = self.submit(task)
            done = self.wait([future], "ALL_COMPLETED")
            if done:
                self.finish(task, future)
                continue
            future.cancel()
            if not self.has_worker(wait=False):
                self.run.fail(task.sub, "not graded: the Dask cluster had no worker left when this notebook, graded "
                              f"alone, had given no result for {self.bound():.0f} s (rerun the batch to grade it; if "
                              "the cluster loses its workers again while this notebook is graded, it may be the cause)")
                continue
            source, _ = self.run.loaded[task.sub.assignment]
            self.run.write(task.sub, source, unreadable_results(
                task.sub.student, task.sub.assignment, source, "grading this notebook stopped the grading worker, or "
                f"did not finish on the cluster within {self.bound():.0f} s, the last time alone on the cluster; your "
                "instructor will look at it", f"ClusterTimeout: no result within {self.bound():.0f} s"))

    def incidents(self) -> list[dict]:
        """Every worker's disk incidents, as ``summary.json`` has a local batch's (``at_s`` and ``until_s`` from
        the batch's start, on this machine's clock), each with the worker it happened on."""
        batch_wall = time.time() - (time.monotonic() - self.run.started)
        merged = []
        for disk in self.disks.values():
            shift = disk["started_wall"] - batch_wall
            for entry in disk["incidents"]:
                until = entry["until_s"]
                merged.append({**entry, "worker": disk["worker"], "at_s": round(entry["at_s"] + shift, 3),
                               "until_s": None if until is None else round(until + shift, 3)})
        return sorted(merged, key=lambda e: (e["at_s"], e["worker"]))

    def has_worker(self, wait: bool = True) -> bool:
        """Whether the cluster has a worker now (or, with ``wait``, within :meth:`bound` seconds). A cluster found
        without one is not waited for again in this batch: its remaining suspects are not graded (a rerun grades
        them), rather than each waiting a bound and then charged a crash that was the cluster's."""
        if self.workerless:
            return False
        try:
            if self.client.nthreads():
                return True
            if wait:
                self.client.wait_for_workers(1, timeout=self.bound())
                return True
        except (OSError, TimeoutError):  # (none came in time, or the scheduler is gone: no worker either way)
            pass
        self.workerless = True
        return False

    def wait(self, futures: list, return_when: str) -> set:
        """The futures of ``futures`` done within :meth:`bound` seconds (``distributed.wait``, through this
        batch's client), looking every :data:`LOOK_S` seconds for workers lost meanwhile (:meth:`look`)."""
        deadline = time.monotonic() + self.bound()
        while True:
            try:
                with self.client.as_current():
                    done, _ = wait(futures, timeout=max(0.1, min(LOOK_S, deadline - time.monotonic())),
                                   return_when=return_when)
                finished = set(done)
            except TimeoutError:  # (distributed raises it when nothing, or not all, is done in time)
                finished = {f for f in futures if f.done()} if return_when == "ALL_COMPLETED" else set()
            self.look()
            if (finished and return_when != "ALL_COMPLETED") or len(finished) == len(futures):
                return finished
            if time.monotonic() >= deadline:
                return set()

    def look(self) -> None:
        """Which worker holds which grading task now; a worker gone since the last look is recorded with the
        notebooks it held (Dask gives them to other workers: the results are whole, the cost is time), in
        ``summary.json``'s ``lost_workers`` and, as a warning, in the log."""
        try:
            now = {worker: {k for k in keys if k in self.keys} for worker, keys in self.client.processing().items()}
            for worker, info in self.client.scheduler_info().get("workers", {}).items():
                self.names[worker] = str(info.get("name", ""))
        except (OSError, TimeoutError, KeyError, AttributeError):  # (the scheduler is gone: has_worker says so)
            return
        for worker, held in self.processing.items():
            if worker not in now:
                notebooks = sorted(self.keys[k] for k in held)
                at = round(time.monotonic() - self.run.started, 1)
                self.lost.append({"worker": worker, "name": self.names.get(worker, ""), "at_s": at,
                                  "notebooks": notebooks})
                self.run.summary.warnings.append(lost_worker_line(self.lost[-1]))  # (the log's line, at the end)
        self.processing = now

    def bound(self) -> float:
        """Seconds a notebook's grading may take on the cluster: its whole budget in the sandbox, and a minute
        to send it and its result."""
        return float(self.run.limits.budget_s) + 60.0


#: Seconds between two looks at which worker holds which task (:meth:`_Client.look`).
LOOK_S = 2.0


def lost_worker_line(entry: dict) -> str:
    """The log's line of a worker lost mid-batch."""
    name = f" ({entry['name']})" if entry.get("name") else ""
    held = entry["notebooks"]
    what = (f"the {len(held)} notebook(s) it was grading ({', '.join(held[:10])}{' …' if len(held) > 10 else ''}) "
            "were graded again on other workers") if held else "it was grading no notebook of this batch"
    return f"Dask worker {entry['worker']}{name} was lost {entry['at_s']:g} s into the batch: {what}."


def _task(run: GradingRun, sub: Submission) -> _Task | None:
    """The submission's bytes, read here with the local run's bounds (no link followed); ``None`` when it has
    no notebook to send (its result, the same a local run writes, is written here)."""
    source, _ = run.loaded[sub.assignment]
    reason = sub.problem or ("no notebook was found in the submission folder" if sub.path is None else "")
    if not reason:
        try:
            return _Task(sub, read_bounded(cast(Path, sub.path)))  # (no reason: it has a path)
        except Unreadable as exc:
            reason = str(exc)
    data = unreadable_results(sub.student, sub.assignment, source, reason, "")
    if sub.note and not sub.problem:
        data.notes.append(sub.note)
    run.write(sub, source, data)
    return None


def grade_on_dask(address: str, run: GradingRun, todo: list[Submission], forbidden: list[str]) -> None:
    """Grade ``todo`` on the Dask cluster at ``address`` (see :func:`scheduler_address`), writing each
    result through ``run`` (a :class:`autograder.engine.grading_run.GradingRun`: its writer, its failures, its
    stop), beside the local pool (:mod:`autograder.engine.local_pool`), which records through the same.

    Raises
    ------
    GraderError
        The cluster cannot be reached, or has no worker.
    """
    client = _connect(address)
    try:
        sources = {ps: Path(source.path).read_bytes() for ps, (source, _) in run.loaded.items()}
        client.register_plugin(GraderPlugin(sources, tuple(sorted(forbidden))), name=PLUGIN)
        threads = run.summary.workers = sum(client.nthreads().values()) or 1
        tasks = [t for t in (_task(run, sub) for sub in todo) if t is not None]
        runner = _Client(client, run, tuple(sorted(forbidden)))
        try:
            runner.grade(tasks, WINDOW_PER_THREAD * threads)
        finally:
            runner.look()  # (a worker lost after the last look: the last results can all arrive in one wait)
            run.summary.lost_workers = runner.lost
            run.summary.incidents = runner.incidents()
            run.summary.warnings.extend(warning_line(entry) for entry in run.summary.incidents)
    finally:
        client.close()
