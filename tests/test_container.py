"""The grader in a real container, as root where namespaces are refused: the demo, an attack class, Gradescope's
bundle, the GitLab instructor pipeline and the GitLab student template.

``.ci/container`` runs a command in a copy of this checkout inside a podman/runc container, as root with the
runtime's default capabilities and a seccomp profile that refuses namespaces and mounts as Docker's default
profile does for a container without ``CAP_SYS_ADMIN`` (Gradescope, GitLab's Docker executor, GitHub container
jobs). One container run does every step below (:mod:`testkit.container_steps`, the steps written by the
module's fixture into a folder bound at ``/share``); each test reads its own step's output:

* ``install``: ``make install``;
* ``demo``: ``make demo``, whose grades, cell by cell, must equal this host's root mode's on the same notebooks
  (:mod:`testkit.same_grades`);
* ``attacks``: ``autograde`` on a class of every bypass of :mod:`testkit.attacks` (the reference found on the
  filesystem and imported or executed among them), a student who copies a classmate's notebook, and an honest
  one; the files readable by every user, as in an image, so that the sandbox is what stops them;
* ``gradescope``: the bundle built, unzipped where Gradescope puts it, its ``setup.sh`` and ``run_autograder``
  run as Gradescope runs them, for an honest upload and one that imports the reference from the bundle;
* ``gitlab-instructor``: ``.gitlab-ci.yml``'s ``before_script``, ``grade`` and ``merge`` commands as written, in a
  copy of the project whose ``submitted/`` is the attack class (``python`` is a fresh environment, as the
  job's image has);
* ``gitlab-student-honest`` and ``gitlab-student-attack``: ``ci-templates/gitlab-student.yml``'s job as written,
  the fetch of the private grader's release replaced by a copy of this checkout in ``$GRADER_DIR``.

Marked ``container``: skipped unless ``--container`` (root, podman; ``.ci/run`` passes it). The container's
``python3`` is Debian's default, CPython 3.14 (``make install`` and the steps' runner use it); the GitLab jobs'
image Python is CPython 3.13 (``python3.13 -m venv``), so both ends of what the grader supports run there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from autograder.model import course
from autograder.model.course import ROOT
from testkit import same_grades
from testkit.attacks import ATTACKS, DISK_FLOOD, classmate_copy
from tests import ci_runner, engine_helpers
from tests.test_redteam_uid_mode import OVERSHOOT_MB

pytestmark = [pytest.mark.container, pytest.mark.slow]

PS = "ps1_softmax"
MAX = course.autograded_max_score(PS)
CHECKOUT = "/checkout/probdl"
#: The attack class: ``student -> (problem set, notebook)``.
HONEST, COPIER, FLOODER = "honest", "copier", "flooder"


def attack_class() -> dict:
    classmate = f"/share/attacks/submitted/{HONEST}/{PS}/{PS}.ipynb"
    notebooks = {a.name: (a.ps, engine_helpers.submission(a.ps, a.code, extra_after=a.after)) for a in ATTACKS}
    notebooks[HONEST] = (PS, engine_helpers.submission(PS, correct=True))
    notebooks[COPIER] = (PS, engine_helpers.submission(PS, {"logsumexp": classmate_copy(classmate),
                                                            "softmax": "# (copied above)\n",
                                                            "log_softmax": "# (copied above)\n"}))
    notebooks[FLOODER] = (PS, engine_helpers.submission(PS, correct=True, extra_after={"logsumexp": [DISK_FLOOD]}))
    return notebooks


def _yaml(path):
    return yaml.safe_load(Path(path).read_text())


def steps() -> list:
    """The container's steps (see the module's docstring)."""
    # (the container's root outlives a run: every step starts from nothing)
    image_python = ["rm -rf /opt/image-python", "python3.13 -m venv /opt/image-python",
                    "export PATH=/opt/image-python/bin:$PATH"]
    project_copy = ("rm -rf {to} && mkdir -p {to} && tar --exclude=./.venv --exclude=./demo-course -C " + CHECKOUT
                    + " -cf - . | tar -C {to} -xf -")
    out = [{"name": "install", "cwd": CHECKOUT, "lines": ["make install"], "timeout": 1800},
           {"name": "demo", "cwd": CHECKOUT, "lines": ["make demo", "cp -r demo-course/results /share/demo/results"]},
           {"name": "attacks", "cwd": CHECKOUT, "lines": [
               ".venv/bin/python -m autograder autograde /share/attacks/submitted --out /share/attacks/results "
               "--timeout 10 --no-reports"]}]
    gradescope = ["rm -rf /autograder /tmp/gs && mkdir -p /autograder/source /tmp/gs",
                  f".venv/bin/python -m autograder gradescope build {PS} --out /tmp/gs",
                  ".venv/bin/python -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "
                  f"/tmp/gs/{PS}.zip /autograder/source",
                  "(cd /autograder/source && bash setup.sh)",
                  "cp /autograder/source/run_autograder /autograder/run_autograder",
                  "chmod +x /autograder/run_autograder"]
    for name in ("honest", "attack"):
        gradescope += ["rm -rf /autograder/submission /autograder/results",
                       "mkdir -p /autograder/submission /autograder/results",
                       f"cp /share/gradescope/{name}.ipynb /autograder/submission/{PS}.ipynb",
                       f"(cd /autograder && ./run_autograder) > /share/gradescope/{name}.log 2>&1",
                       f"cp /autograder/results/results.json /share/gradescope/{name}.json"]
    out.append({"name": "gradescope", "cwd": CHECKOUT, "lines": gradescope, "timeout": 1800})
    instructor = _yaml(ROOT / ".gitlab-ci.yml")
    variables = {k: str(v["value"] if isinstance(v, dict) else v) for k, v in instructor["variables"].items()}
    variables.update(CI_NODE_INDEX="1", CI_NODE_TOTAL="1", CI_PROJECT_DIR="/builds/course",
                     PIP_CACHE_DIR="/root/.cache/pip")
    out.append({"name": "gitlab-instructor", "cwd": "/", "env": variables, "timeout": 1800, "lines": [
        project_copy.format(to="/builds/course"), "cp -r /share/attacks/submitted /builds/course/submitted",
        "cd /builds/course", *image_python, *instructor["default"]["before_script"], *instructor["grade"]["script"],
        *instructor["merge"]["script"], "cp -r shards results /share/gitlab-instructor/"]})
    student = _yaml(ROOT / "ci-templates" / "gitlab-student.yml")
    job = student["autograde"]
    for job_id, name in enumerate(("honest", "attack"), start=101):  # (GitLab expands $CI_JOB_ID in variables)
        env = ci_runner.gitlab_variables(ci_runner.GITLAB_STUDENT, {"CI_JOB_ID": str(job_id)})
        env.update(GITLAB_CI="true", CI_PIPELINE_CREATED_AT=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   CI_PROJECT_DIR="/builds/student")
        before = job["before_script"]
        fetch = next(i for i, line in enumerate(before) if "git fetch" in line)
        out.append({"name": f"gitlab-student-{name}", "cwd": "/", "env": env, "timeout": 1800, "lines": [
            f"rm -rf /builds/student && mkdir -p /builds/student && cp /share/gradescope/{name}.ipynb "
            f"/builds/student/{PS}.ipynb", "cd /builds/student", *image_python,
            'trap \'rm -rf "$GRADER_DIR" "$WORK_DIR"\' EXIT',  # (the job's after_script)
            *before[:fetch],
            project_copy.format(to='"$GRADER_DIR"'),  # (the job fetches the private grader's release here)
            *before[fetch + 1:], *job["script"],
            f"cp -r results junit.xml /share/gitlab-student-{name}/"]})
    return out


def _world_readable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.fixture(scope="module")
def share(tmp_path_factory):
    """The shared folder after the container's run (and this host's root-mode demo, to compare with)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="probdl-container-"))
    try:
        for student, (ps, nb) in attack_class().items():
            engine_helpers.write_notebook(folder / "attacks" / "submitted" / student / ps / f"{ps}.ipynb", nb)
        attack = next(a for a in ATTACKS if a.name == "reference-on-sys-path")
        engine_helpers.write_notebook(folder / "gradescope" / "honest.ipynb", engine_helpers.submission(PS, correct=True))
        engine_helpers.write_notebook(folder / "gradescope" / "attack.ipynb", engine_helpers.submission(PS, attack.code))
        (folder / "steps.json").write_text(json.dumps(steps(), indent=1))
        _world_readable(folder)
        host = subprocess.run([sys.executable, "-m", "autograder", "demo", "--dir", str(folder / "host-demo")],
                              capture_output=True, text=True, timeout=600, cwd=folder)
        assert host.returncode == 0, host.stdout[-2000:] + host.stderr[-2000:]
        run = subprocess.run([str(ROOT / ".ci" / "container"), "--share", str(folder),
                              "python3", f"{CHECKOUT}/testkit/container_steps.py", "/share"],
                             capture_output=True, text=True, timeout=5400)
        (folder / "container.log").write_text(run.stdout + run.stderr)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        yield folder
    finally:
        if os.environ.get("PROBDL_KEEP_CONTAINER_SHARE"):  # (to look at every step's output after a failure)
            print(f"the container's shared folder is kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def step(share: Path, name: str) -> str:
    """What step ``name`` printed; fails with its output unless it ended with status 0."""
    status = (share / name / "status").read_text()
    text = (share / name / "stdout").read_text() + (share / name / "stderr").read_text()
    assert status == "0", f"{name}: status {status}\n{text[-4000:]}"
    return text


def result(folder: Path, student: str, ps: str = PS) -> dict:
    return json.loads((folder / student / ps / "results.json").read_text())


UID_LINE = ("Sandbox: mode uid (root without namespaces); unprivileged uid per slot; no network (seccomp filter); "
            "course files hidden (Landlock)")


def test_make_demo_grades_in_the_uid_mode_as_root_mode_does(share):
    step(share, "install")
    text = " ".join(step(share, "demo").split())  # (the terminal's lines wrapped)
    assert UID_LINE in text and "WARNING" not in text, text[-3000:]
    assert "Traceback" not in text and "could not be graded" not in text
    summary = json.loads((share / "demo" / "results" / "summary.json").read_text())
    assert summary["sandbox"]["mode"] == "uid" and summary["sandbox"]["line"].startswith(UID_LINE)
    if not summary["sandbox"]["cgroup"].get("available"):  # (a container rarely lets root make cgroups)
        assert summary["sandbox"]["one_at_a_time"] and summary["workers"] == 1
    report = (share / "demo" / "results" / "report.html").read_text()
    assert UID_LINE in " ".join(report.split()), "the class report names the mode in the same line"
    host = json.loads((share / "host-demo" / "results" / "summary.json").read_text())
    assert host["sandbox"]["mode"] == "root", "the comparison needs this host's root mode"
    assert same_grades.differences(share / "host-demo" / "results", share / "demo" / "results") == []
    assert len(list((share / "demo" / "results").glob("*/*/results.json"))) == summary["submissions"] >= 20


def test_an_attack_class_gains_nothing_in_the_container(share):
    step(share, "attacks")
    results = share / "attacks" / "results"
    summary = json.loads((results / "summary.json").read_text())
    assert summary["sandbox"]["mode"] == "uid" and summary["failed_to_grade"] == 0
    assert result(results, HONEST)["score"] == MAX
    for attack in ATTACKS:
        data = result(results, attack.name, attack.ps)
        unearned = [t for t in data["tests"] if course.function_of(t["name"]) in attack.unearned
                    and t["kind"] != "manual"]
        assert unearned and all(t["score"] == 0 for t in unearned), (attack.name, [
            (t["name"], t["score"]) for t in unearned if t["score"]])
    for name, reason in (("reference-on-sys-path", "reference solutions"), ("reference-exec", "run time"),
                         (COPIER, "run time")):
        data = result(results, name)
        assert data["score"] == 0, name
        assert "PermissionError" in " ".join(c.get("error", "") for c in data["execution"]["cells"]), name
        assert any(reason in f["reason"] for f in data["flags"]), (name, data["flags"])
    # the disk: the flood is stopped at its share of the container's disk, named, and costs nobody else a point
    over = [i for i in summary["incidents"] if i["kind"] == "over"]
    assert [i["submission"] for i in over] == [f"{FLOODER}/{PS}"], summary["incidents"]
    # (held within its share and what a flood writes before its stop lands: the bound of the uid-mode red team,
    # tests/test_redteam_uid_mode.py's OVERSHOOT_MB, measured there; 151 MB here once, 2026-11-29)
    assert float(over[0]["detail"].split(" MB", 1)[0]) <= 64 + OVERSHOOT_MB, over
    assert any("stopped" in c.get("error", "") for c in result(results, FLOODER)["execution"]["cells"])


def test_the_gradescope_bundle_sets_up_and_grades_in_the_container(share):
    text = step(share, "gradescope")
    assert "Traceback" not in text, text[-3000:]
    for name, score in (("honest", MAX), ("attack", 0)):
        log = (share / "gradescope" / f"{name}.log").read_text()
        data = json.loads((share / "gradescope" / f"{name}.json").read_text())
        assert data["score"] == score, (name, log[-2000:])
        assert data["extra_data"]["sandbox"]["mode"] == "uid" and data["extra_data"]["sandbox"]["line"].startswith(
            UID_LINE)
        assert UID_LINE in " ".join(log.split()) and "Could not grade" not in log and "Traceback" not in log, log
    flags = json.loads((share / "gradescope" / "attack.json").read_text())["extra_data"]["flags"]
    assert any("reference solutions" in f["reason"] for f in flags), flags


def test_the_gitlab_instructor_pipeline_grades_in_the_container(share):
    text = step(share, "gitlab-instructor")
    assert "Traceback" not in text, text[-3000:]
    folder = share / "gitlab-instructor"
    shard = json.loads((folder / "shards" / "shard-1" / "summary.json").read_text())
    assert shard["sandbox"]["mode"] == "uid" and shard["failed_to_grade"] == 0
    assert (folder / "results" / "junit.xml").is_file()
    # the pipeline's results are the plain command's, cell by cell (its course is in /builds/course)
    assert same_grades.differences(share / "attacks" / "results", folder / "results",
                                   renamed={"/builds/course": CHECKOUT}) == []


@pytest.mark.parametrize("name", ["honest", "attack"])
def test_the_gitlab_student_template_grades_in_the_container(share, name):
    text = step(share, f"gitlab-student-{name}")
    # (the attack's derivation is left as released, not answered: nothing awaits grading, and the maximum is the
    # autograded one as for every student, docs/ci.md's one denominator)
    auto, (answer,) = course.autograded_max_score(PS), course.ANSWER_CELLS[PS]
    points = (f"Points {auto:g}/{auto:g} autograded, {answer[1]:g} awaiting grading" if name == "honest"
              else f"Points 0/{auto:g}\n")
    assert points in text, text[-3000:]
    data = result(share / f"gitlab-student-{name}" / "results", "student")
    assert data["execution"]["sandbox"]["mode"] == "uid"
    if name == "attack":  # it found the grader the job cloned into /tmp, and could not read it
        assert any("reference solutions" in f["reason"] for f in data["flags"]), data["flags"]
        assert "PermissionError" in " ".join(c.get("error", "") for c in data["execution"]["cells"])
