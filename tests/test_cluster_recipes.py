"""The cluster recipes of docs/instructors.md ("Grading on a cluster"), run as printed.

Each ``<!-- doc-run: cluster NAME -->`` block is taken from the guide and run by ``bash`` in a fresh course
folder (the examples' class in ``submitted/``, this checkout's ``.venv`` beside it), with the variables its
scheduler sets: Slurm's ``SLURM_JOB_ID``, ``SLURM_CPUS_PER_TASK``, ``SLURM_ARRAY_TASK_ID`` and
``SLURM_ARRAY_TASK_COUNT``; a Kubernetes Indexed Job's ``JOB_COMPLETION_INDEX`` (and the Job's own
``SHARDS``); the Dask Helm chart's ``DASK_SCHEDULER_ADDRESS`` (in the guide's Job, as the chart writes it for its
Jupyter pod: ``<release>-dask-scheduler:8786``); dask-jobqueue's ``sbatch``/``scancel``, imitated by scripts that
run a submitted job script as Slurm would (``SLURM_JOB_ID`` set, one job at a time: the others stay queued) and
stop it. Every recipe must give the grades a local run gives (``testkit.same_grades``). The Dask scheduler and workers are real (``dask scheduler``/``dask worker``
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


def recipes(kind: str = "bash") -> dict:
    """``{name: text}`` of the guide's cluster blocks of ``kind`` (bash, yaml, python)."""
    text = GUIDE.read_text(encoding="utf-8")
    found = re.findall(rf"<!-- doc-run: cluster ([\w-]+) -->\n```{kind}\n(.*?)```", text, flags=re.S)
    return dict(found)


def test_the_guide_has_every_recipe():
    assert set(recipes()) == {"dask-address", "slurm-dask", "helm-dask", "slurm-array", "k8s-indexed", "merge-shards"}
    assert set(recipes("yaml")) == {"helm-job"} and set(recipes("python")) == {"slurm-jobqueue"}


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


def _chart_address(release: str, port: int = 8786) -> str:
    """``DASK_SCHEDULER_ADDRESS`` as the Dask Helm chart writes it for its Jupyter pod (dask/templates/
    dask-jupyter-deployment.yaml: ``{{ dask.fullname }}-scheduler:{{ scheduler.servicePort }}``, the full name being
    the release's, followed by ``-dask`` unless it holds ``dask``)."""
    full = release if "dask" in release else f"{release}-dask"
    return f"{full}-scheduler:{port}"


def test_helm_job_gives_the_grader_the_schedulers_address(tmp_path, expected, cluster):
    """The guide's Job: a batch/v1 Job that runs the helm-dask command with DASK_SCHEDULER_ADDRESS set as the chart
    sets it in its own pod (before, the recipe's "a Job from the same image" had no address at all). Run here with the
    Job's variables, its service name standing for this test's scheduler (no cluster DNS here)."""
    import yaml

    job = yaml.safe_load(recipes("yaml")["helm-job"])
    assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job"
    spec = job["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Never"
    (container,) = spec["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["DASK_SCHEDULER_ADDRESS"] == _chart_address("grading"), "the address the chart gives its own pods"
    assert "helm install grading dask/dask" in GUIDE.read_text(), "the release the Job names"
    assert container["command"][:2] == ["bash", "-c"]
    assert container["command"][2].strip() == recipes()["helm-dask"].strip(), "the recipe's command, as printed"
    course = _course(tmp_path)
    host_port = cluster.scheduler_address.removeprefix("tcp://")
    address = env["DASK_SCHEDULER_ADDRESS"].replace(_chart_address("grading"), host_port)
    assert "://" not in address, "the chart's form, without a scheme, is what the grader reads"
    _run(course, container["command"][2], {"DASK_SCHEDULER_ADDRESS": address})
    assert differences(expected, course / "results") == []


SBATCH = """#!/bin/bash
# sbatch imitated: the job script copied (dask-jobqueue deletes it once sbatch returns) and run by bash in a
# session of its own with SLURM_JOB_ID, the first job only (the others stay queued: a busy partition)
dir="$(dirname "$0")/../slurm"
mkdir -p "$dir"
exec 9> "$dir/lock" && flock 9  # (dask-jobqueue submits its jobs side by side)
id=$(( $(ls "$dir" | grep -c '\\.sh$') + 1001 ))
cp "${@: -1}" "$dir/$id.sh"
if [ "$id" = 1001 ]; then
  SLURM_JOB_ID=$id SLURM_CPUS_PER_TASK=2 setsid bash "$dir/$id.sh" > "$dir/$id.log" 2>&1 9>&- &
  echo $! > "$dir/$id.pid"
fi
echo "Submitted batch job $id"
"""
SCANCEL = """#!/bin/bash
# scancel imitated: each job's session stopped, and the ids recorded
dir="$(dirname "$0")/../slurm"
for id in "$@"; do
  echo "$id" >> "$dir/cancelled"
  if [ -f "$dir/$id.pid" ]; then kill -TERM -- "-$(cat "$dir/$id.pid")" 2> /dev/null || true; fi
done
"""


def test_dask_jobqueue_script_keeps_the_cluster_for_the_run(tmp_path, expected):
    """The guide's script as printed, run by the course's Python with Slurm's commands imitated: its SLURMCluster
    submits four worker jobs (one starts, three stay queued), grading starts with the first worker up and runs on it
    while the script holds the cluster, and closing the cluster cancels every job. (Before, the recipe was one line,
    and a cluster made in a Python prompt that had ended was gone before autograde connected.) The scheduler listens
    on loopback here (the site's dask config: DASK_JOBQUEUE__SLURM__SCHEDULER_OPTIONS)."""
    course = _course(tmp_path)
    (course / "bin").mkdir()
    for name, text in (("sbatch", SBATCH), ("scancel", SCANCEL)):
        (course / "bin" / name).write_text(text)
        (course / "bin" / name).chmod(0o755)
    (course / "grade_jobqueue.py").write_text(recipes("python")["slurm-jobqueue"])
    out = _run(course, ".venv/bin/python grade_jobqueue.py", {
        "DASK_JOBQUEUE__SLURM__SCHEDULER_OPTIONS": "{'host': '127.0.0.1'}",
        "DASK_DISTRIBUTED__DEPLOY__LOST_WORKER_TIMEOUT": "10 minutes"}, timeout=900)
    slurm = course / "slurm"
    assert sorted(p.name for p in slurm.glob("*.sh")) == ["1001.sh", "1002.sh", "1003.sh", "1004.sh"], out[-2000:]
    assert "distributed.cli.dask_worker" in (slurm / "1001.sh").read_text()
    assert sorted((slurm / "cancelled").read_text().split()) == ["1001", "1002", "1003", "1004"], "closed: cancelled"
    assert differences(expected, course / "results") == [], out[-3000:]
    summary = (course / "results" / "summary.json").read_text()
    assert '"graded": ' in summary
