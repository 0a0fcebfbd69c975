"""The cluster recipes of docs/instructors.md ("Grading on a cluster"), run as printed.

Each ``<!-- doc-run: cluster NAME -->`` block is taken from the guide and run by ``bash`` in a fresh course
folder (the examples' class in ``submitted/``, this checkout's ``.venv`` beside it), with the variables its
scheduler sets: Slurm's ``SLURM_JOB_ID``, ``SLURM_CPUS_PER_TASK``, ``SLURM_ARRAY_TASK_ID`` and
``SLURM_ARRAY_TASK_COUNT``; a Kubernetes Indexed Job's ``JOB_COMPLETION_INDEX`` (and the Job's own
``SHARDS``); the Dask Helm chart's ``DASK_SCHEDULER_ADDRESS``. Every recipe must give the grades a local run
gives (``testkit.same_grades``). The Dask scheduler and workers are real (``dask scheduler``/``dask worker``
as the Slurm script starts them, or a ``LocalCluster`` of worker processes); Slurm's ``srun`` is imitated by
a script that drops its options and runs the command once (one task; there is no Slurm here), which is all
the recipe asks of it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from distributed import LocalCluster

from autograder.engine.batch import grade_batch
from testkit.same_grades import differences

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "instructors.md"
EXAMPLES = ROOT / "examples" / "submissions"
PS = "ps1_softmax"
SRUN = """#!/bin/sh
# srun imitated: drop srun's own options, run the command once
while [ $# -gt 0 ]; do case "$1" in --*) shift ;; *) break ;; esac; done
exec "$@"
"""


def recipes() -> dict:
    """``{name: shell text}`` of the guide's cluster blocks."""
    text = GUIDE.read_text(encoding="utf-8")
    found = re.findall(r"<!-- doc-run: cluster ([\w-]+) -->\n```bash\n(.*?)```", text, flags=re.S)
    return dict(found)


def test_the_guide_has_every_recipe():
    assert set(recipes()) == {"dask-address", "slurm-dask", "helm-dask", "slurm-array", "k8s-indexed", "merge-shards"}


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """The class graded on this machine: what every recipe must give."""
    tmp = tmp_path_factory.mktemp("local")
    summary = grade_batch(_course(tmp) / "submitted", tmp / "results")
    assert summary.ok and summary.graded >= 5
    return tmp / "results"


def _course(folder: Path) -> Path:
    """A course folder: the examples' ps1 submissions, and this checkout's virtual environment."""
    for student in sorted(p for p in EXAMPLES.iterdir() if (p / PS).is_dir()):
        shutil.copytree(student / PS, folder / "submitted" / student.name / PS)
    (folder / ".venv").symlink_to(ROOT / ".venv")
    return folder


def _run(course: Path, script: str, env: dict, timeout: float = 600) -> str:
    """``script`` by bash in ``course`` with ``env`` added; its output. Whatever it left running in the
    background (the Slurm script's scheduler and worker) is stopped once it has ended, as Slurm ends a job's
    steps with the job."""
    full = {**os.environ, "PATH": f"{course / 'bin'}:{os.environ['PATH']}", **env}
    log = course / f"recipe-{len(list(course.glob('recipe-*.log')))}.log"
    with open(log, "w") as out:  # (a file, not a pipe: background steps keep a pipe open after bash ends)
        proc = subprocess.Popen(["bash", "-c", script], cwd=course, env=full, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    text = log.read_text(errors="replace")
    assert code == 0, text[-4000:]
    return text


def test_slurm_array_then_merge(tmp_path, expected):
    course = _course(tmp_path)
    n = 3
    for i in range(1, n + 1):
        _run(course, recipes()["slurm-array"], {"SLURM_JOB_ID": "4242", "SLURM_ARRAY_JOB_ID": "4242",
                                               "SLURM_ARRAY_TASK_ID": str(i), "SLURM_ARRAY_TASK_COUNT": str(n),
                                               "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": str(n)})
    assert sorted(p.name for p in (course / "shards").iterdir()) == ["1", "2", "3"]
    _run(course, recipes()["merge-shards"], {})
    assert differences(expected, course / "results") == []


def test_kubernetes_indexed_job_then_merge(tmp_path, expected):
    course = _course(tmp_path)
    n = 2
    for index in range(n):
        _run(course, recipes()["k8s-indexed"], {"JOB_COMPLETION_INDEX": str(index), "SHARDS": str(n)})
    assert sorted(p.name for p in (course / "shards").iterdir()) == ["0", "1"]
    _run(course, recipes()["merge-shards"], {})
    assert differences(expected, course / "results") == []


def test_slurm_batch_script_with_dask(tmp_path, expected):
    course = _course(tmp_path)
    (course / "bin").mkdir()
    (course / "bin" / "srun").write_text(SRUN)
    (course / "bin" / "srun").chmod(0o755)
    # (whether the file is there is asked at the script's end, while its scheduler runs: the scheduler deletes
    # its file as it exits, which it does once _run stops the job's steps)
    out = _run(course, recipes()["slurm-dask"] + '\ntest -f "$scheduler" && echo "scheduler file there: $scheduler"\n',
               {"SLURM_JOB_ID": "4243", "SLURM_CPUS_PER_TASK": "2", "SLURM_NTASKS": "2"})
    assert f"scheduler file there: {course / 'dask-scheduler-4243.json'}" in out, "the scheduler file the script names"
    assert differences(expected, course / "results") == [], out[-2000:]


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=":0",
                      silence_logs=50) as c:
        yield c


def test_helm_chart_pod_reads_the_address_the_chart_sets(tmp_path, expected, cluster):
    course = _course(tmp_path)
    _run(course, recipes()["helm-dask"], {"DASK_SCHEDULER_ADDRESS": cluster.scheduler_address})
    assert differences(expected, course / "results") == []


def test_any_scheduler_by_its_address(tmp_path, expected, cluster):
    course = _course(tmp_path)
    _run(course, recipes()["dask-address"], {"DASK_SCHEDULER": cluster.scheduler_address})
    assert differences(expected, course / "results") == []
