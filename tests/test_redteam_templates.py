"""Red team of the CI templates: a student's repository written to steer them, run through their own steps.

Every shipped template runs here as its runner would (:mod:`tests.ci_runner`: each step's shell read from
the template itself, the runner's variables set, in a temporary folder) against a hostile repository:

* files that take over an interpreter started in it or on its path: a package ``autograder/`` (a shim that
  writes results of 43/43, as the red team's did), ``numpy/``, ``pip/``, ``json.py``, ``base64.py``,
  ``sitecustomize.py``, ``usercustomize.py``, a ``.pth`` file, a ``conftest.py``; each writes a marker
  file when it runs, and none may;
* results the student committed: ``results/…/results.json`` of 43/43, a ``junit.xml`` of passes;
* links where the notebook should be: to the grader's own source notebook (the reference solutions) at
  the path the template fetches it to, and at the old one beside the checkout; a folder, a FIFO, a device;
* names a shell mishandles: a newline in a folder, a leading ``-rf``, ``$(…)``, Unicode, 255 bytes.

What must hold, each asserted: the grader's own code graded (its results, its sandbox line); no solution
text in what is uploaded or posted; no secret (:data:`~tests.ci_runner.CANARY`) in the environment of any
Python that ran after the fetch; every Python isolated (``-I``) and started outside the student's folder;
the grader told only an allowlist of variables; a link, folder or device refused with its reason.
The GitLab student template, the two instructor pipelines and the Gradescope bundle's ``run_autograder`` are
attacked here, the Classroom50 autograder in tests/test_templates_classroom50.py (docs/threat-model.md, "The CI
templates").
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.model.course import ANSWER_CELLS, GRADE_CELLS, ROOT
from tests import ci_runner, engine_helpers, tooling
from tests.ci_runner import CANARY, RELEASE_TAG, Runner

PS = "ps1_softmax"
AUTO_MAX = sum(points for _, points in GRADE_CELLS[PS])  # ps1's autograded points (40)
HAND_MAX = sum(points for _, points in ANSWER_CELLS[PS])  # its derivation's, graded by a person (10)
SHADOWS = ("autograder", "numpy", "pip", "json", "base64", "sitecustomize", "usercustomize", "pth", "conftest")
#: Variables the grader may see (the templates' allowlists).
GRADER_VARIABLES = {"PATH", "HOME", "LANG", "SUDO_UID", "SUDO_GID", "GITHUB_ACTIONS", "GITHUB_EVENT_PATH",
                    "GITLAB_CI", "CI_PIPELINE_CREATED_AT", "AUTOGRADER_SANDBOX_MODE", "PWD", "SHLVL", "_",
                    "LC_CTYPE"}


def solution_lines() -> set:
    """Lines of the reference solutions in ps1's source notebook that no honest submission of these tests holds
    (what a followed link to the source would bring into results.json's ``student_code`` and feedback.html)."""
    nb = json.loads((ROOT / "source" / PS / f"{PS}.ipynb").read_text())
    honest = json.dumps(engine_helpers.submission(PS, correct=True))
    lines = set()
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, re.S):
            lines |= {line.strip() for line in region.splitlines() if len(line.strip()) > 25}
    lines = {line for line in lines if json.dumps(line)[1:-1] not in honest}
    assert len(lines) > 5
    return lines


def assert_no_solution_text(*places) -> None:
    """No line of the reference solutions in any file of ``places`` (files or folders)."""
    truth = solution_lines()
    for place in map(Path, places):
        for path in [place] if place.is_file() else place.rglob("*"):
            if path.is_file() and not path.is_symlink():
                text = path.read_text(errors="replace")
                found = [t for t in truth if t in text or json.dumps(t)[1:-1] in text]
                assert not found, f"{path}: {found[:2]}"


def hostile_repository(repo: Path, markers: Path, notebook: dict | None = None) -> Path:
    """The student's repository: the notebook (a correct ps1 unless given) and every shadow of
    :data:`SHADOWS`, each writing ``markers/<name>`` if anything runs it; results the student made up."""
    markers.mkdir(parents=True, exist_ok=True)

    def mark(name):
        return f"open({str(markers / name)!r}, 'w').write('ran')\n"

    repo.mkdir(parents=True, exist_ok=True)
    engine_helpers.write_notebook(repo / f"{PS}.ipynb", notebook or engine_helpers.submission(PS, correct=True))
    fake = {"score": 43, "max_score": 43, "pending_points": 0, "tests": [], "late": {}, "assignment": PS}
    for name in ("autograder", "numpy", "pip"):
        (repo / name).mkdir()
        (repo / name / "__init__.py").write_text(mark(name))
        (repo / name / "__main__.py").write_text(
            mark(name) + "import os\nos.makedirs('results/student/ps1_softmax', exist_ok=True)\n"
            f"open('results/student/ps1_softmax/results.json', 'w').write({json.dumps(json.dumps(fake))})\n")
    for name in ("json", "base64", "sitecustomize", "usercustomize", "conftest"):
        (repo / f"{name}.py").write_text(mark(name))
    (repo / "zz-steer.pth").write_text(f"import os; {mark('pth').strip()}\n")
    (repo / "results" / "student" / PS).mkdir(parents=True)
    (repo / "results" / "student" / PS / "results.json").write_text(json.dumps(fake))
    (repo / "results" / "student" / PS / "feedback.html").write_text("<p>43 / 43</p>")
    (repo / "junit.xml").write_text('<testsuites><testsuite name="x" tests="1"><testcase name="all"/></testsuite>'
                                    "</testsuites>")
    return repo


def assert_no_shadow_ran(markers: Path) -> None:
    assert sorted(p.name for p in markers.iterdir()) == [], "a file of the student's ran"


def interpreter_flags(argv: list) -> list:
    """The interpreter's own options of a Python command line (before ``-m``, ``-c``, ``-`` or a script)."""
    flags = []
    for arg in argv:
        if arg in ("-m", "-c", "-") or not arg.startswith("-"):
            break
        flags.append(arg)
    return flags


def grader_command(argv: list) -> list:
    """``[command, …]`` of a ``python … -m autograder command …`` line, else ``[]``."""
    if "-m" in argv and argv[argv.index("-m") + 1:argv.index("-m") + 2] == ["autograder"]:
        return argv[argv.index("-m") + 2:]
    return []


def assert_isolated(runner: Runner, student: Path) -> None:
    """Every Python of the job ran with -I, outside the student's folder, and saw no secret; the grader that
    grades saw only the allowlist of variables."""
    calls = runner.calls()
    assert calls, "no Python ran"
    for call in calls:
        assert "-I" in interpreter_flags(call["argv"]), call["argv"]
        assert not Path(call["cwd"]).resolve().is_relative_to(student.resolve()), call
        assert call["secrets"] == [], call
        if grader_command(call["argv"])[:1] == ["autograde"]:
            assert set(call["env"]) <= GRADER_VARIABLES, sorted(set(call["env"]) - GRADER_VARIABLES)
    assert any(grader_command(c["argv"])[:1] == ["autograde"] for c in calls), "the grader graded"


# --- GitLab: ci-templates/gitlab-student.yml ------------------------------------------------------------------------

class GitLabJob:
    """The student template's job: the project folder, the grader's server behind a URL rewrite."""

    def __init__(self, base: Path, **variables):
        self.base = base
        self.runner = Runner(base)
        self.project = base / "builds" / "student" / "project"
        self.server = base / "server" / "probdl-grader"
        self.commit = ci_runner.grader_repository(self.server)
        data = ci_runner.gitlab(ci_runner.GITLAB_STUDENT)
        self.job = data["autograde"]
        variables = {**ci_runner.gitlab_variables(ci_runner.GITLAB_STUDENT),
                     "GRADER_DIR": str(base / "tmp" / "probdl-grader"), "WORK_DIR": str(base / "tmp" / "probdl-work"),
                     **variables}
        (base / "tmp").mkdir()
        # a GitLab under a relative URL root (/gitlab): the template must keep it
        url = f"https://gitlab.example:8443/gitlab/{variables['GRADER_PROJECT']}.git"
        self.variables = {
            **variables, "GITLAB_CI": "true", "CI_PROJECT_DIR": str(self.project), "CI_SERVER_HOST": "gitlab.example",
            "CI_SERVER_PORT": "8443", "CI_SERVER_URL": "https://gitlab.example:8443/gitlab",
            "CI_PIPELINE_CREATED_AT": "2026-01-01T00:00:00Z", "GRADER_TOKEN": CANARY, "CI_JOB_TOKEN": CANARY,
            "CI_REPOSITORY_URL": f"https://gitlab-ci-token:{CANARY}@gitlab.example:8443/gitlab/s/p.git",
            # the GitLab server: the grader's repository, reached through the URL the template builds
            "GIT_CONFIG_GLOBAL": str(base / "gitconfig")}
        (base / "gitconfig").write_text(f'[url "{self.server}"]\n\tinsteadOf = {url}\n')
        # git behind a recorder: each command line, and what its credential helper would give for the server
        self.git_log = base / "git-calls.jsonl"
        real = shutil.which("git")
        (self.runner.bin / "git").write_text(
            "#!/bin/sh\n"
            f'printf "%s\\0" "$@" >> "{self.git_log}"; printf "\\n" >> "{self.git_log}"\n'
            'if [ "$1" = fetch ]; then printf "protocol=https\\nhost=gitlab.example:8443\\n\\n" | '
            f'"{real}" credential fill > "{base}/credential.txt" 2>&1; fi\n'
            f'exec "{real}" "$@"\n')
        (self.runner.bin / "git").chmod(0o755)

    def git_calls(self) -> list:
        return [line.split("\0")[:-1] for line in self.git_log.read_text().splitlines()] if self.git_log.exists() else []

    def run(self, *sections):
        script = "\n".join(line for section in sections for line in self.job[section])
        return self.runner.run(script, self.project, self.runner.env(**self.variables), gitlab=True)


@pytest.mark.slow
def test_gitlab_student_template_grades_with_its_own_code_whatever_the_project_holds(tmp_path):
    job = GitLabJob(tmp_path)
    markers = tmp_path / "markers"
    hostile_repository(job.project, markers)
    proc = job.run("before_script", "script")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"Points {AUTO_MAX}/{AUTO_MAX} autograded, {HAND_MAX} awaiting grading" in proc.stdout.splitlines()
    assert_no_shadow_ran(markers)
    assert_isolated(job.runner, job.project)
    data = json.loads((job.project / "results" / "student" / PS / "results.json").read_text())
    assert data["score"] == AUTO_MAX and data["execution"]["sandbox"]["mode"], "the grader's results, not the student's"
    junit = (job.project / "junit.xml").read_text()
    assert f"{AUTO_MAX} / {AUTO_MAX} autograded points ({HAND_MAX} awaiting grading)" in junit, "the grader's JUnit"
    assert_no_solution_text(job.project / "results", job.project / "junit.xml")
    assert not Path(job.variables["GRADER_DIR"]).exists()
    for path in [*(job.project / "results").rglob("*"), job.project / "junit.xml"]:
        assert not path.is_file() or CANARY not in path.read_text()


@pytest.mark.parametrize("kind", ["link to the grader's source notebook", "folder", "fifo"])
def test_gitlab_student_template_takes_only_a_regular_notebook(tmp_path, kind):
    job = GitLabJob(tmp_path)
    job.project.mkdir(parents=True)
    (job.project / "results" / "student" / PS).mkdir(parents=True)  # the student's own "results"
    (job.project / "results" / "student" / PS / "results.json").write_text('{"score": 43}')
    target = job.project / f"{PS}.ipynb"
    if kind == "folder":
        engine_helpers.write_notebook(target / f"{PS}.ipynb", engine_helpers.submission(PS, correct=True))
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(Path(job.variables["GRADER_DIR"]) / "source" / PS / f"{PS}.ipynb")
    proc = job.run("before_script", "script")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"commit the notebook file {PS}.ipynb itself" in proc.stdout, proc.stdout
    assert f"Points 0/{AUTO_MAX}" in proc.stdout.splitlines(), "0 with the reason, never nothing"
    data = json.loads((job.project / "results" / "student" / PS / "results.json").read_text())
    assert data["score"] == 0 and "no notebook to grade" in data["notes"][0], "the grader's, not the student's"
    assert "0 / 40 autograded points" in (job.project / "junit.xml").read_text()
    assert_no_solution_text(job.project / "results", job.project / "junit.xml")


@pytest.mark.parametrize("ref, refused", [(RELEASE_TAG, False), ("main", True), ("commit", False)])
def test_gitlab_student_template_fetches_only_a_named_release(tmp_path, ref, refused):
    job = GitLabJob(tmp_path)
    job.project.mkdir(parents=True)
    job.variables["GRADER_REF"] = job.commit if ref == "commit" else ref
    fetch = [line for line in job.job["before_script"] if "git fetch" in line]
    proc = job.runner.run("\n".join(job.job["before_script"][:job.job["before_script"].index(fetch[0]) + 1]),
                          job.project, job.runner.env(**job.variables), gitlab=True)
    assert (proc.returncode != 0) is refused, proc.stdout + proc.stderr
    if refused:
        assert "is not a release of your-group/probdl-grader" in proc.stdout
    else:
        assert f"({job.commit})" in proc.stdout
        assert (Path(job.variables["GRADER_DIR"]) / "constraints.txt").is_file()
        assert not (Path(job.variables["GRADER_DIR"]) / ".git").exists(), "no git metadata (no URL) is kept"
    assert CANARY not in proc.stdout + proc.stderr
    fetches = [argv for argv in job.git_calls() if argv[:1] == ["fetch"]]
    assert fetches and all(CANARY not in arg for argv in job.git_calls() for arg in argv), "no token on a command line"
    assert "https://gitlab.example:8443/gitlab/your-group/probdl-grader.git" in fetches[0], "the relative root is kept"
    assert f"password={CANARY}" in (tmp_path / "credential.txt").read_text(), "git gets the token from its helper"


# --- the instructor pipelines and Gradescope's run_autograder --------------------------------------------------------

def hostile_class(submitted: Path, markers: Path) -> Path:
    """A collected class (nbgrader's layout) whose students' folders hold the shadows beside their notebooks,
    one student's notebook a link to the course's source notebook."""
    hostile_repository(submitted / "mallory" / PS, markers)
    shutil.rmtree(submitted / "mallory" / PS / "results")
    link = submitted / "linker" / PS / f"{PS}.ipynb"
    link.parent.mkdir(parents=True)
    link.symlink_to(ROOT / "source" / PS / f"{PS}.ipynb")
    return submitted


@pytest.mark.slow
def test_instructor_pipelines_grade_a_hostile_class_with_their_own_code(tmp_path):
    """GitHub's "Grade this shard" then "Merge", and GitLab's ``grade`` then ``merge``: the students' files
    beside their notebooks never run, the linked notebook is refused, no Python sees a secret."""
    github = ci_runner.github_job(ci_runner.GITHUB_INSTRUCTOR, "grade")
    gitlab = ci_runner.gitlab(ci_runner.GITLAB_INSTRUCTOR)
    for platform in ("github", "gitlab"):
        base = tmp_path / platform
        markers = base / "markers"
        hostile_class(base / "submitted", markers)
        runner = Runner(base)
        if platform == "github":
            merge = ci_runner.github_job(ci_runner.GITHUB_INSTRUCTOR, "merge")
            env = runner.env(SUBMISSIONS="submitted", ASSIGNMENT="", SHARD="1/1", TIMEOUT="30",
                             GITHUB_TOKEN=CANARY, ACTIONS_RUNTIME_TOKEN=CANARY)
            proc = runner.run(ci_runner.github_step(github, "Grade this shard")["run"], base, env)
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
            shutil.copytree(base / "results", base / "shards" / "results-shard-1")
            shutil.rmtree(base / "results")
            proc = runner.run(ci_runner.github_step(merge, "Merge")["run"], base, env)
        else:
            env = runner.env(**ci_runner.gitlab_variables(ci_runner.GITLAB_INSTRUCTOR), CI_NODE_INDEX="1",
                             CI_NODE_TOTAL="1", CI_JOB_TOKEN=CANARY, CI_PROJECT_DIR=str(base))
            proc = runner.run("\n".join(gitlab["grade"]["script"] + gitlab["merge"]["script"]), base, env, gitlab=True)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert_no_shadow_ran(markers)
        assert_isolated(runner, base / "submitted")
        results = base / "results"
        assert json.loads((results / "mallory" / PS / "results.json").read_text())["score"] == AUTO_MAX
        linker = json.loads((results / "linker" / PS / "results.json").read_text())
        assert linker["score"] == 0 and "symbolic link" in json.dumps(linker)
        assert_no_solution_text(results)


@pytest.mark.slow
def test_gradescope_run_autograder_grades_an_upload_with_its_own_code(tmp_path):
    """The bundle's run_autograder on an upload holding the shadows, and on one whose notebook is a link to
    the bundle's own source notebook."""
    from tests.test_gradescope import bundle_python

    build = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", PS, "--out", str(tmp_path)],
                           capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    for case in ("shadows", "link"):
        root = tmp_path / case
        (root / "source").mkdir(parents=True)
        with zipfile.ZipFile(tmp_path / f"{PS}.zip") as zf:
            zf.extractall(root / "source")
        shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
        (root / "run_autograder").chmod(0o755)
        (root / "results").mkdir()
        markers = root / "markers"
        if case == "shadows":
            hostile_repository(root / "submission", markers)
        else:
            markers.mkdir()
            (root / "submission").mkdir()
            (root / "submission" / f"{PS}.ipynb").symlink_to(root / "source" / "course" / "source" / PS / f"{PS}.ipynb")
        runner = Runner(root)
        env = runner.env(AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=bundle_python(root), GRADESCOPE_TOKEN=CANARY)
        proc = subprocess.run([str(root / "run_autograder")], cwd=root / "submission", env=env, capture_output=True,
                              text=True, timeout=900)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert_no_shadow_ran(markers)
        data = json.loads((root / "results" / "results.json").read_text())
        if case == "shadows":
            assert sum(t.get("score") or 0 for t in data["tests"]) == AUTO_MAX, data.get("output")
        else:
            assert data["score"] == 0 and "symbolic link" in data.get("output", ""), data.get("output")
        assert_no_solution_text(root / "results")
        assert CANARY not in (root / "results" / "results.json").read_text()


#: Student ids holding the characters GitHub's artifacts refuse in a path, one each (a class collected from
#: anywhere: the ids are folder names someone else chose).
ARTIFACT_HOSTILE_IDS = [f"mallory{c}{i}" for i, c in enumerate('":<>|*?')]

#: ``@actions/artifact``'s own check of an upload's paths (what ``actions/upload-artifact`` runs on the files its
#: ``path:`` matches, relative to their common folder): prints "ok" or the error that fails the upload.
_UPLOAD_PATHS = """
const {getUploadZipSpecification} = require(process.argv[1] + '/lib/internal/upload/upload-zip-specification');
const files = JSON.parse(process.argv[3]);
try { getUploadZipSpecification(files, process.argv[2]); console.log('ok'); } catch (e) { console.log(e.message); }
"""


def artifact_accepts(package: str, root: Path, files: list) -> str:
    """What GitHub's artifact library says of uploading ``files`` (absolute paths under ``root``): "ok" or why not."""
    proc = subprocess.run(["node", "-e", _UPLOAD_PATHS, package, str(root), json.dumps([str(f) for f in files])],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.slow
def test_instructor_pipeline_uploads_every_shard_whatever_the_student_ids(tmp_path):
    """GitHub's "Grade this shard" on a class whose ids hold ``"``, ``:``, ``<``, ``>``, ``|``, ``*`` or ``?``: the
    shard's results folder (its artifact ``results-shard-i``) and the merged feedback (artifact ``feedback``) are
    paths GitHub's own artifact library accepts. Before, such a student's results folder was named as the id, and
    one refused path fails the whole upload: every student of the shard lost their grade in the merge, and the
    class its feedback."""
    package = tooling.actions_artifact()
    base = tmp_path / "github"
    for student in ["ada", *ARTIFACT_HOSTILE_IDS]:
        engine_helpers.write_notebook(base / "submitted" / student / PS / f"{PS}.ipynb",
                                      engine_helpers.submission(PS, correct=True))
    runner = Runner(base, python=ci_runner.checkout_python(base, tmp_path / "venv"))  # (the job's checkout: base)
    env = runner.env(SUBMISSIONS="submitted", ASSIGNMENT="", SHARD="1/1", TIMEOUT="30")
    grade = ci_runner.github_job(ci_runner.GITHUB_INSTRUCTOR, "grade")
    proc = runner.run(ci_runner.github_step(grade, "Grade this shard")["run"], base, env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = base / "results"
    shard = sorted(p for p in results.rglob("*") if p.is_file())
    feedback = sorted(results.glob("*/*/results.json")) + sorted(results.glob("*/*/feedback.html"))
    assert len(feedback) == 2 * (1 + len(ARTIFACT_HOSTILE_IDS)), "every student graded"
    assert artifact_accepts(package, results, shard) == "ok"
    assert artifact_accepts(package, results, feedback) == "ok"
    # the library refuses what it must: the check is GitHub's, not a stand-in that accepts anything
    control = tmp_path / "control" / "a:b" / "results.json"
    control.parent.mkdir(parents=True)
    control.write_text("{}")
    assert "Colon" in artifact_accepts(package, tmp_path / "control", [control])


def test_gitlab_student_jobs_side_by_side_never_share_a_folder():
    """On a shell executor GitLab runs jobs of several students' projects side by side on one machine, and the
    template deletes its folders before it fetches the grader: with fixed folders (/tmp/probdl-work), one student's
    job deleted another's grader and work mid-grading. Each job's folders now carry its job id (GitLab expands
    ``$CI_JOB_ID`` in ``variables:``), under /tmp, outside the project."""
    one, two = (ci_runner.gitlab_variables(ci_runner.GITLAB_STUDENT, {"CI_JOB_ID": job}) for job in ("101", "102"))
    for name in ("GRADER_DIR", "WORK_DIR"):
        assert one[name] != two[name] and one[name].startswith("/tmp/") and two[name].startswith("/tmp/"), name
    assert len({one["GRADER_DIR"], one["WORK_DIR"], two["GRADER_DIR"], two["WORK_DIR"]}) == 4
