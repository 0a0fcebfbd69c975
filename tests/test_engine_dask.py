"""Grading on a Dask cluster (``autograde --dask``): the same grades as a local run, each student once, a lost
worker costing nothing, a notebook that kills its worker graded as a crash without taking a neighbour.

The clusters are real: ``distributed.LocalCluster`` with worker *processes* (each with its nanny, which
restarts a worker that dies, as a cluster's do), talking TCP on loopback; every worker grades in its own
sandbox (its own zygote), from notebooks sent as bytes.

The notebook that kills its worker is planted by a worker plugin of this test that ``os._exit``\\ s the worker
process when the task of one student starts: student code cannot do that through the sandbox (its children
run in their own PID namespace under their own uid), so the fault is injected where a grader bug or the
node's out-of-memory killer would strike, in the worker process itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import dask
import pytest
from distributed import Client, LocalCluster, WorkerPlugin

from autograder.engine import dask_runner, zygote_keeper
from autograder.engine.batch import grade_batch
from autograder.model.results import read_result
from testkit.same_grades import differences

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "submissions"
#: Two problem sets of the examples' class keep the module to a minute on two cores.
SETS = ["ps1_softmax", "ps4_bernoulli"]


def _class(tmp_path: Path) -> Path:
    """The examples' class, its two problem sets, in nbgrader's layout."""
    submitted = tmp_path / "submitted"
    for student in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        for ps in SETS:
            if (student / ps).is_dir():
                shutil.copytree(student / ps, submitted / student.name / ps)
    return submitted


def _cluster(**config) -> LocalCluster:
    with dask.config.set(config):
        return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                            silence_logs=50)


@pytest.fixture(scope="module", autouse=True)
def _patient_clusters():
    """A ``distributed.deploy`` cluster closes a worker's nanny for good when no worker of its name is registered
    ``lost-worker-timeout`` (15 s by default) after one was removed: on a loaded host (a CI runner with the suite on
    both cores), the killer test's workers, killed again and again, can be given up that way, and the batch's last
    suspects then find no worker at all (graded as not graded, see
    :func:`test_suspects_with_no_worker_on_the_cluster_are_not_graded_not_charged`). These tests are about the
    grader, not that timer; docs/instructors.md tells instructors to raise it on busy nodes too."""
    with dask.config.set({"distributed.deploy.lost-worker-timeout": "10 minutes"}):
        yield


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The class and its results from this machine's engine."""
    tmp = tmp_path_factory.mktemp("local")
    submitted = _class(tmp)
    summary = grade_batch(submitted, tmp / "results", assignments=SETS)
    assert summary.ok and summary.graded == summary.total >= 8
    return submitted, tmp / "results", summary.total


@pytest.fixture(scope="module")
def cluster():
    with _closing(_cluster()) as c:  # (a test kills one of its workers)
        yield c


def _events():
    seen = Counter()

    def on_event(kind, sub, data):
        if kind in ("graded", "failed"):
            seen[(kind, sub.student, sub.assignment)] += 1

    return seen, on_event


def _worker_pids(address) -> dict:
    with Client(address, set_as_default=False) as client:
        return client.run(os.getpid)


def test_same_grades_as_local_each_student_once(local, cluster, tmp_path):
    submitted, expected, total = local
    seen, on_event = _events()
    summary = grade_batch(submitted, tmp_path / "results", assignments=SETS, cluster=cluster.scheduler_address,
                          on_event=on_event)
    assert summary.ok, summary.failed
    assert summary.graded == total and not summary.grading_errors
    assert set(seen.values()) == {1} and len(seen) == total, "each submission recorded exactly once"
    assert differences(expected, tmp_path / "results") == []
    assert summary.sandbox.get("mode"), "the workers' sandbox is reported as a local batch's"
    assert summary.workers == 2, "the cluster's threads"


def test_a_worker_lost_mid_batch_costs_nothing(local, cluster, tmp_path):
    submitted, expected, total = local
    victim = sorted(_worker_pids(cluster.scheduler_address).values())[0]
    seen, count = Counter(), Counter()

    def on_event(kind, sub, data):
        seen[(kind, sub.student, sub.assignment)] += 1
        count[kind] += 1
        if kind == "graded" and count[kind] == 3:  # mid-batch: the worker dies with whatever it holds
            os.kill(victim, signal.SIGKILL)

    summary = grade_batch(submitted, tmp_path / "results", assignments=SETS, cluster=cluster.scheduler_address,
                          on_event=on_event)
    assert victim not in _worker_pids(cluster.scheduler_address).values(), "the worker was killed (and restarted)"
    assert summary.ok and summary.graded == total and not summary.grading_errors
    assert set(seen.values()) == {1} and len(seen) == total
    assert differences(expected, tmp_path / "results") == []
    # the loss is recorded: the worker, when, the notebooks it held (graded again elsewhere), in summary.json and the log
    assert len(summary.lost_workers) == 1, summary.lost_workers
    lost = summary.lost_workers[0]
    assert lost["worker"].startswith("tcp://") and lost["at_s"] > 0
    graded = {f"{student}/{ps}" for kind, student, ps in seen if kind == "graded"}
    assert set(lost["notebooks"]) <= graded
    written = json.loads((tmp_path / "results" / "summary.json").read_text())
    assert json.dumps(written).count(lost["worker"]) >= 2, "in lost_workers and in the warnings"
    assert any(w.startswith(f"Dask worker {lost['worker']}") and "was lost" in w for w in summary.warnings)


def _settle(address, deadline_s=30.0):
    """Wait, at most ``deadline_s``, until the cluster's worker processes answer and stay the same for a second: the
    nannies' last restarts done before a test closes a cluster whose workers it killed (see :func:`_closing`)."""
    deadline, last = time.monotonic() + deadline_s, None
    while time.monotonic() < deadline:
        try:
            pids = tuple(sorted(_worker_pids(address).values()))
        except Exception:  # noqa: BLE001 — a worker that died under the call: asked again
            pids = None
        if pids and pids == last:
            return
        last = pids
        time.sleep(1.0)


@contextmanager
def _closing(cluster):
    """``cluster``, closed at the end once its workers have settled (:func:`_settle`). distributed's own close of a
    nanny whose worker process is being started again can still fail ("can only join a started process",
    an AssertionError of distributed.process): that is the teardown of a cluster this test made, after every
    assertion about the grading, and is let pass; any other error of the close is raised."""
    try:
        yield cluster
    finally:
        _settle(cluster.scheduler_address)
        try:
            cluster.close()
        except AssertionError as exc:
            if "can only join a started process" not in str(exc):
                raise


class _KillOn(WorkerPlugin):
    """Ends the worker process the moment a task of ``student`` starts on it (see the module docstring)."""

    def __init__(self, student: str):
        self.marker = hashlib.sha256(student.encode()).hexdigest()[:16]

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and isinstance(key, str) and self.marker in key:
            os._exit(17)


def test_a_notebook_that_kills_its_worker_is_a_crash_and_spares_its_neighbours(local, tmp_path):
    submitted, expected, total = local
    killer = "eve"
    assert (submitted / killer).is_dir()
    seen, on_event = _events()
    allowed = 1  # distributed.scheduler.allowed-failures (3 by default): deaths before Dask calls it KilledWorker
    with _closing(_cluster(**{"distributed.scheduler.allowed-failures": allowed})) as c:
        with Client(c.scheduler_address, set_as_default=False) as client:
            client.register_plugin(_KillOn(killer), name="kill-on")
        summary = grade_batch(submitted, tmp_path / "results", assignments=SETS, cluster=c.scheduler_address,
                              on_event=on_event)
    assert summary.ok and summary.graded == total, (summary.failed, summary.graded, total)
    assert set(seen.values()) == {1} and len(seen) == total
    crashed = {e["student"] for e in summary.grading_errors}
    assert crashed == {killer}, summary.grading_errors
    for ps in SETS:
        result = read_result(tmp_path / "results" / killer / ps / "results.json")
        # (Dask's KilledWorker; or, where the worker died before Dask counted the death, the runner's bound)
        assert result.score == 0 and result.grading_error.startswith(("KilledWorker", "ClusterTimeout"))
        assert "stopped the grading worker" in result.tests[0].message
    # every neighbour's grade is its own, as a local run gives it
    assert [d for d in differences(expected, tmp_path / "results") if not d.startswith(f"{killer}/")] == []


def test_scheduler_address_forms(tmp_path):
    assert dask_runner.scheduler_address("tcp://10.0.0.5:8786") == {"address": "tcp://10.0.0.5:8786"}
    assert dask_runner.scheduler_address("scheduler:8786") == {"address": "scheduler:8786"}
    file = tmp_path / "scheduler.json"  # (not there yet: the grader may start before the scheduler writes it)
    assert dask_runner.scheduler_address(str(file)) == {"scheduler_file": str(file)}
    assert dask_runner.scheduler_address("env", {"DASK_SCHEDULER_ADDRESS": "tcp://s:8786"}) == {"address": "tcp://s:8786"}
    with pytest.raises(ValueError, match="DASK_SCHEDULER_ADDRESS is not set"):
        dask_runner.scheduler_address("env", {})


def test_no_cluster_at_the_address_fails_every_submission_with_the_reason(local, tmp_path, monkeypatch):
    submitted, _, total = local
    monkeypatch.setattr(dask_runner, "CONNECT_TIMEOUT_S", 2)
    summary = grade_batch(submitted, tmp_path / "results", assignments=SETS, cluster="tcp://127.0.0.1:9")
    assert not summary.ok and len(summary.failed) == total
    assert all("no Dask cluster answered at tcp://127.0.0.1:9" in f["error"] for f in summary.failed)


def test_a_worker_with_another_grader_refuses(local, cluster, tmp_path, monkeypatch):
    submitted, _, total = local
    monkeypatch.setattr(dask_runner, "grader_fingerprint", lambda: "an older release")  # the client's side only
    summary = grade_batch(submitted, tmp_path / "results", assignments=["ps1_softmax"],
                          cluster=cluster.scheduler_address)
    assert not summary.ok and summary.failed
    assert all("another version of the grader" in f["error"] for f in summary.failed)


def test_a_task_with_no_result_within_the_bound_is_not_waited_for(monkeypatch):
    """The runner's waits are bounded (:meth:`dask_runner._Client.bound`): a task still running when the bound
    passes comes back as not done, so a stuck cluster makes suspects and crashes, never a batch that hangs."""
    with _cluster() as c, Client(c.scheduler_address, set_as_default=False) as client:
        runner = dask_runner._Client(client, SimpleNamespace(limits=SimpleNamespace(budget_s=0.0)), ())
        monkeypatch.setattr(dask_runner._Client, "bound", lambda self: 0.5)
        slow, quick = client.submit(time.sleep, 30, pure=False), client.submit(sum, [1, 2], pure=False)
        started = time.monotonic()
        assert runner.wait([slow], "ALL_COMPLETED") == set() and time.monotonic() - started < 10
        assert runner.wait([slow, quick], "FIRST_COMPLETED") == {quick}
        client.cancel([slow])


def test_a_cluster_failure_is_tried_once_more_alone_before_the_submission_is_not_graded():
    """A task that fails on the cluster for a reason of the cluster's (here: an OSError out of the worker) is not
    the submission's: it becomes a suspect, graded again alone after the rest; only a failure alone too makes it
    not graded, with the reason."""
    failed = []
    run = SimpleNamespace(loaded={"ps1_softmax": (None, None)}, fail=lambda sub, error: failed.append(error))
    runner = dask_runner._Client(None, run, ())
    task = dask_runner._Task(SimpleNamespace(student="ann", assignment="ps1_softmax", note=""), b"{}")

    def result():
        raise OSError("the sandbox could not start")

    broken = SimpleNamespace(result=result)
    runner.finish(task, broken)
    assert runner.suspects == [task] and failed == []
    task.solo = True
    runner.finish(task, broken)
    assert failed == ["the Dask cluster could not grade it (OSError: the sandbox could not start)"]


def _tasks(*students: str) -> list:
    return [dask_runner._Task(SimpleNamespace(student=s, assignment="ps1_softmax", note=""), b"{}") for s in students]


def _workerless_runner():
    """A runner on a cluster with no worker, none coming within a bound: (runner, [(student, reason) not graded],
    [results written], [bounds waited for a worker])."""
    failed, written, waits = [], [], []

    def wait_for_workers(n, timeout):
        waits.append(timeout)
        raise TimeoutError

    client = SimpleNamespace(nthreads=dict, wait_for_workers=wait_for_workers)
    run = SimpleNamespace(loaded={"ps1_softmax": (None, None)}, limits=SimpleNamespace(budget_s=120.0),
                          fail=lambda sub, error: failed.append((sub.student, error)),
                          write=lambda *args: written.append(args), stop=SimpleNamespace(is_set=lambda: False))
    return dask_runner._Client(client, run, ()), failed, written, waits


def test_suspects_with_no_worker_on_the_cluster_are_not_graded_not_charged():
    """A cluster left with no worker (its nannies given up, a scheduler whose workers are gone) is the cluster's
    failure: the first suspect waits one bound for a worker, then it and every suspect after it are listed as not
    graded with the reason (a rerun grades them), without another wait and without a crash charged to them."""
    runner, failed, written, waits = _workerless_runner()
    runner.suspects = _tasks("ann", "bob")
    runner.grade([], window=2)
    assert written == [] and waits == [180.0], "one bound waited for, for the first suspect only"
    assert [s for s, _ in failed] == ["ann", "bob"]
    assert all(e.startswith("not graded: the Dask cluster had no worker for 180 s") for _, e in failed)


def test_a_cluster_that_lost_every_worker_mid_batch_is_sent_nothing_more(monkeypatch):
    """A window with no result in which the cluster has no worker left, nor one within a bound: the window's
    tasks and every task not sent yet are not graded (a rerun grades them), after one bound, not a bound per
    window of the class."""
    runner, failed, written, waits = _workerless_runner()
    submitted = []

    def submit(task):
        submitted.append(task.sub.student)
        return SimpleNamespace(key=task.sub.student, cancel=lambda: None)

    monkeypatch.setattr(runner, "submit", submit)
    monkeypatch.setattr(runner, "wait", lambda futures, return_when: set())  # (no result within the bound)
    students = [f"s{i:02d}" for i in range(10)]
    runner.grade(_tasks(*students), window=4)
    assert submitted == students[:4] and written == [], "the first window only"
    assert sorted(s for s, _ in failed) == students and waits == [180.0]
    assert all("had no worker for 180 s" in e for _, e in failed)


def test_a_scheduler_that_cannot_be_asked_is_a_cluster_with_no_worker():
    """The question itself failing (the scheduler's connection closed: an OSError) is an answer, not the batch's
    end: no worker, and the submissions left are not graded, with the reason."""
    runner, failed, _, waits = _workerless_runner()

    def gone():
        raise OSError("the scheduler's connection was closed")

    runner.client.nthreads = gone
    runner.suspects = _tasks("ann")
    runner.grade([], window=2)
    assert runner.workerless and waits == [] and [s for s, _ in failed] == ["ann"]


def test_a_suspect_whose_solo_run_ends_with_no_worker_left_is_not_graded_not_charged(monkeypatch):
    """A suspect with no result alone within the bound is a crash (``ClusterTimeout``) only while the cluster still
    has a worker; a cluster with none left then failed, not the notebook, and the suspects after it are not
    waited for."""
    runner, failed, written, _ = _workerless_runner()
    workers = [{"tcp://w:1": 1}, {}]  # a worker when the first suspect is sent, none when its bound has passed
    runner.client.nthreads = lambda: workers.pop(0) if workers else {}
    monkeypatch.setattr(runner, "submit", lambda task: SimpleNamespace(key="k", cancel=lambda: None))
    monkeypatch.setattr(runner, "wait", lambda futures, return_when: set())  # (no result within the bound)
    runner.suspects = _tasks("ann", "bob")
    runner.grade([], window=2)
    assert written == [] and [s for s, _ in failed] == ["ann", "bob"]
    assert failed[0][1].startswith("not graded: the Dask cluster had no worker left when this notebook, graded alone")


def test_a_worker_whose_grader_setup_did_not_happen_sets_it_up_on_its_first_task():
    """Dask only logs a worker plugin's setup that raised: the plugin's grader is then made by the first task that
    needs it (once per worker process), instead of the task failing with "no grader set up"."""
    plugin = dask_runner.GraderPlugin()  # (registered, its setup never run or failed)
    worker = SimpleNamespace(state=SimpleNamespace(nthreads=2), name="tcp://10.0.0.7:40331")
    grader = plugin.ready(worker)
    try:
        assert plugin.grader is grader and plugin.ready(worker) is grader, "one grader per worker process"
        assert grader.slot_count == zygote_keeper.SLOTS_PER_WORKER * 2, "its slots: so many per worker thread"
    finally:
        grader.close()
