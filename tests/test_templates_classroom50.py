"""``ci-templates/classroom50/autograder.py``, run as Classroom50's runner runs it.

Classroom50 (foundation50/classroom50) replaced GitHub Classroom when that ended on 28 August 2026. Its runner
(``cli/gh-teacher/skeleton/dotgithub/scripts/runner.py``) runs the teacher's per-assignment ``autograder.py`` as
``[python3, autograder.py]`` with the student's checkout as the working folder and the workflow's environment plus
USERNAME, OWNER, ASSIGNMENT_TYPE, COMMIT_URL, RELEASE_URL, REVIEW_URL and CLASSROOM50_BUNDLE_DIR; a non-zero exit
is an infrastructure failure (the runner writes its own 0/0 ``error`` result); otherwise it reads ``result.json``,
stamps ``owner``, ``assignment_type``, ``datetime`` and ``graded_at`` over it, validates it, and synthesises
``release-body.md`` and ``status``/``summary`` only when the autograder wrote none. :func:`classroom50_runner` does
those steps (written here from that contract, not copied), and :func:`v1_errors` checks what the runner's and the
gradebook's ``validate_result`` check: the identity fields, ``submission`` a ``submit/*`` tag, the links and
``datetime`` non-empty strings, ``score``/``max-score`` non-negative integers (never booleans) with score <= max,
and every test a non-empty ``test-name``, a boolean ``passed`` and integer ``score <= max-score``.

The grader is this checkout's (``PROBDL_GRADER_PYTHON``, behind tests/ci_runner.py's recorder, so every Python
the autograder starts is seen); the release archive's own checks (its hash, its members) run for real.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.model.course import GRADE_CELLS, ROOT
from tests import engine_helpers
from tests.ci_runner import CANARY, Runner
from tests.test_redteam_templates import (
    AUTO_MAX,
    PS,
    assert_isolated,
    assert_no_shadow_ran,
    assert_no_solution_text,
    hostile_repository,
)

TEMPLATE = ROOT / "ci-templates" / "classroom50" / "autograder.py"
SLUG = "ps1-softmax"  # Classroom50's assignment slugs are [a-z0-9-]: the problem set is named in autograder.py
CLASSROOM = "probdl-2026"


def teacher_autograder(bundle: Path, **constants) -> Path:
    """The template as a teacher sets it up in the config repository: its constants edited, nothing else."""
    text = TEMPLATE.read_text()
    for name, value in {"TIMEOUT": 10, **constants}.items():
        text, n = re.subn(rf"^{name} = .*?(  #|$)", f"{name} = {value!r}\\1", text, count=1, flags=re.M)
        assert n == 1, name
    bundle.mkdir(parents=True, exist_ok=True)
    (bundle / "autograder.py").write_text(text)
    return bundle / "autograder.py"


def student_checkout(path: Path, files: dict | None = None, notebook: dict | None = None) -> Path:
    """A student's checkout: a git repository with the notebook committed (or ``files``)."""
    path.mkdir(parents=True, exist_ok=True)
    if files is None:
        engine_helpers.write_notebook(path / f"{PS}.ipynb", notebook or engine_helpers.submission(PS, correct=True))
    else:
        for name, data in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_bytes(data)
    git = ["git", "-C", str(path), "-c", "user.name=s", "-c", "user.email=s@s", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "--quiet"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "--quiet", "--allow-empty", "-m", "Submit"], check=True)
    return path


@dataclass
class Outcome:
    exit_status: int
    result: dict
    body: str
    outputs: dict
    log: str
    errors: list


def v1_errors(data, classroom: str, assignment: str, owner: str, assignment_type: str = "individual") -> list:
    """What Classroom50's ``validate_result`` refuses in a result.json (see the module docstring); [] when valid."""
    def count(x):
        return isinstance(x, int) and not isinstance(x, bool) and x >= 0

    if not isinstance(data, dict):
        return ["not a JSON object"]
    errors = []
    for key, want in (("schema", "classroom50/result/v1"), ("classroom", classroom), ("assignment", assignment),
                      ("assignment_type", assignment_type)):
        if data.get(key) != want:
            errors.append(f"{key} is {data.get(key)!r}, want {want!r}")
    if not isinstance(data.get("owner"), str) or data["owner"].lower() != owner.lower():
        errors.append(f"owner is {data.get('owner')!r}")
    if not str(data.get("submission", "")).startswith("submit/"):
        errors.append("submission must be a submit/* string")
    for key in ("commit", "release", "review", "datetime"):
        if not isinstance(data.get(key), str) or not data[key]:
            errors.append(f"{key} must be a non-empty string")
    if not count(data.get("score")) or not count(data.get("max-score")):
        errors.append("score and max-score must be non-negative integers")
    elif data["score"] > data["max-score"]:
        errors.append("score > max-score")
    tests = data.get("tests")
    if not isinstance(tests, list):
        return [*errors, "tests is not a list"]
    for i, t in enumerate(tests):
        if not isinstance(t, dict) or not isinstance(t.get("test-name"), str) or not t["test-name"]:
            errors.append(f"tests[{i}].test-name")
        elif not isinstance(t.get("passed"), bool):
            errors.append(f"tests[{i}].passed")
        elif not count(t.get("score")) or not count(t.get("max-score")) or t["score"] > t["max-score"]:
            errors.append(f"tests[{i}] score/max-score")
    return errors


def runner_python() -> str:
    """The runner's own ``python3`` (the autograder needs only the standard library)."""
    return shutil.which("python3", path="/usr/bin:/usr/local/bin") or sys.executable


def classroom50_runner(autograder: Path, checkout: Path, base: Path, runner: Runner | None = None,
                       **variables) -> Outcome:
    """One submission through Classroom50's runner steps (see the module docstring)."""
    temp = base / "runner-temp"
    temp.mkdir(parents=True, exist_ok=True)
    output = temp / "github_output"
    output.write_text("")
    for stale in ("result.json", "release-body.md"):
        (checkout / stale).unlink(missing_ok=True)
    owner = variables.pop("OWNER", "ada-lovelace")
    sha = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    repo, server, tag = f"{CLASSROOM}/{CLASSROOM}-{SLUG}-{owner}", "https://github.com", "submit/2026-11-20T10-00-00Z-abc1234"
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(base / "home"), "LANG": "C.UTF-8",
           "GITHUB_ACTIONS": "true", "RUNNER_TEMP": str(temp), "GITHUB_OUTPUT": str(output),
           "GITHUB_REPOSITORY": repo, "GITHUB_SHA": sha, "GITHUB_SERVER_URL": server, "GITHUB_ACTOR": owner,
           "GITHUB_TOKEN": CANARY, "PAGES_BASE_URL": f"https://{CLASSROOM}.github.io/classroom50",
           "CLASSROOM": CLASSROOM, "ASSIGNMENT": SLUG, "SUBMISSION_TAG": tag,
           # what the runner passes through to the entrypoint
           "USERNAME": owner, "OWNER": owner, "ASSIGNMENT_TYPE": "individual",
           "COMMIT_URL": f"{server}/{repo}/commit/{sha}", "RELEASE_URL": f"{server}/{repo}/releases/tag/submit%2F2026",
           "REVIEW_URL": f"{server}/{repo}/commit/{sha}", "CLASSROOM50_BUNDLE_DIR": str(autograder.parent),
           "PROBDL_GRADER_PYTHON": str(runner.bin / "python") if runner else sys.executable, **variables}
    env = {k: v for k, v in env.items() if v is not None}
    proc = subprocess.run([runner_python(), str(autograder)], cwd=checkout, env=env, capture_output=True, text=True,
                          timeout=900)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    if proc.returncode != 0:  # the runner's error path: its own 0/0 result, status=error
        return Outcome(proc.returncode, json.loads((checkout / "result.json").read_text() or "{}"),
                       (checkout / "release-body.md").read_text(), outputs, proc.stdout + proc.stderr, [])
    result = json.loads((checkout / "result.json").read_text())
    result.update(owner=owner, assignment_type="individual", datetime="2026-11-20T10:00:00Z",
                  graded_at=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    errors = v1_errors(result, CLASSROOM, SLUG, owner)
    body = (checkout / "release-body.md").read_text()
    return Outcome(0, result, body, outputs, proc.stdout + proc.stderr, errors)


# --- the demo's notebooks -------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_runner_contract_holds_on_the_demos_notebooks(tmp_path):
    """Every ps1 notebook of the demo class (full marks, an overflowing softmax, deleted test cells, invalid JSON, a
    forbidden SciPy call, a wrong temperature): a valid v1 result, its score the engine's own autograded points for
    that notebook, one maximum (the set's autograded 40) for every student, exit status 0 for each."""
    autograder = teacher_autograder(tmp_path / "bundle")
    demo = sorted((ROOT / "examples" / "submissions").glob(f"*/{PS}/{PS}.ipynb"))
    assert len(demo) == 6
    reference = tmp_path / "reference"
    for nb in demo:
        (reference / "submitted" / nb.parent.parent.name / PS).mkdir(parents=True)
        shutil.copy(nb, reference / "submitted" / nb.parent.parent.name / PS / nb.name)
    engine = subprocess.run([sys.executable, "-m", "autograder", "autograde", str(reference / "submitted"), "--out",
                             str(reference / "results"), "--timeout", "10", "--no-reports"], capture_output=True,
                            text=True, timeout=900)
    assert engine.returncode == 0, engine.stderr[-2000:]
    seen = {}
    for nb in demo:
        student = nb.parent.parent.name
        checkout = student_checkout(tmp_path / student, {f"{PS}.ipynb": nb.read_bytes()})
        out = classroom50_runner(autograder, checkout, tmp_path / f"run-{student}", OWNER=student)
        assert out.exit_status == 0, out.log[-3000:]
        assert out.errors == [], (student, out.errors)
        from autograder.model.results import read_result
        engine_points = read_result(reference / "results" / student / PS / "results.json").autograded_points
        assert out.result["score"] == engine_points.raw, student
        assert out.result["max-score"] == AUTO_MAX == engine_points.max_score
        assert [t["test-name"] for t in out.result["tests"]] == [gid for gid, _ in GRADE_CELLS[PS]]
        assert out.outputs["status"] == ("success" if out.result["score"] == AUTO_MAX else "failure")
        assert out.outputs["summary"].startswith(f"probdl autograder: {out.result['score']}/40 autograded points")
        assert f"{out.result['score']} / 40 autograded points" in out.body
        assert_no_solution_text(checkout / "result.json", checkout / "release-body.md")
        seen[student] = out.result["score"]
        if student == "ada":
            (tmp_path / "ada-result.json").write_text(json.dumps(out.result, indent=2))
    assert seen["ada"] == 40 and seen["fay"] == 0 and 0 < seen["ben"] < 40, seen
    fay = (tmp_path / "fay" / "release-body.md").read_text()
    assert "could not be read" in fay and "not valid JSON" in fay or "could not be graded" in fay


@pytest.mark.slow
def test_a_hostile_checkout_is_graded_by_the_graders_own_code(tmp_path):
    runner = Runner(tmp_path / "runner")
    markers = tmp_path / "markers"
    checkout = hostile_repository(tmp_path / "checkout", markers)
    student_checkout(checkout, files={})
    autograder = teacher_autograder(tmp_path / "bundle")
    out = classroom50_runner(autograder, checkout, tmp_path, runner)
    assert out.exit_status == 0 and out.errors == [], out.log[-3000:]
    assert out.result["score"] == AUTO_MAX == out.result["max-score"], "the grader's own result, not the student's"
    assert_no_shadow_ran(markers)
    assert_isolated(runner, checkout)
    assert CANARY not in (checkout / "result.json").read_text() + out.body
    assert not list(Path(tmp_path / "runner-temp").glob("probdl-classroom50-*")), "the grader's folder is removed"


@pytest.mark.parametrize("kind", ["link to the course's source notebook", "folder", "no notebook"])
def test_no_regular_notebook_gets_zero_with_the_reason(tmp_path, kind):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    if kind == "folder":
        engine_helpers.write_notebook(checkout / f"{PS}.ipynb" / f"{PS}.ipynb", engine_helpers.submission(PS, correct=True))
    elif kind == "no notebook":
        (checkout / "notes.txt").write_text("my work")
    else:
        (checkout / f"{PS}.ipynb").symlink_to(ROOT / "source" / PS / f"{PS}.ipynb")
    student_checkout(checkout, files={})
    out = classroom50_runner(teacher_autograder(tmp_path / "bundle"), checkout, tmp_path)
    assert out.exit_status == 0, out.log[-2000:]
    assert out.errors == [] and out.result["score"] == 0 and out.result["max-score"] == AUTO_MAX
    assert len(out.result["tests"]) == len(GRADE_CELLS[PS]) and not any(t["passed"] for t in out.result["tests"])
    assert out.outputs["status"] == "failure"
    words = {"folder": "a folder, not a notebook file", "no notebook": "no notebook",
             "link to the course's source notebook": "symbolic link"}[kind]
    assert words in out.body, out.body
    assert_no_solution_text(checkout / "result.json", checkout / "release-body.md")


def _archive(path: Path, members: dict, link: str | None = None) -> str:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if link:
            info = tarfile.TarInfo(link)
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(info)
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", ["wrong hash", "missing archive", "a link in the archive", "no grader in it"])
def test_the_release_archive_is_checked_before_anything_is_installed(tmp_path, case):
    """Without PROBDL_GRADER_PYTHON the archive named in autograder.py is installed: only with the hash written
    there, only plain files, and only a grader. Each failure is an infrastructure failure: exit status non-zero,
    the reason in result.json (and the log), so Classroom50 records an error, not a grade."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    members = {"probdl-grader/pyproject.toml": b"[project]\n", "probdl-grader/autograder/__init__.py": b""}
    if case == "no grader in it":
        members = {"README.md": b"hello"}
    digest = _archive(bundle / "grader.tar.gz", members, link="probdl-grader/x" if "link" in case else None)
    if case == "wrong hash":
        digest = "1" * 64
    if case == "missing archive":
        (bundle / "grader.tar.gz").unlink()
    autograder = teacher_autograder(bundle, GRADER_ARCHIVE="grader.tar.gz", GRADER_SHA256=digest)
    checkout = student_checkout(tmp_path / "checkout")
    out = classroom50_runner(autograder, checkout, tmp_path, PROBDL_GRADER_PYTHON=None)
    assert out.exit_status == 1
    said = {"wrong hash": "not GRADER_SHA256", "missing archive": "is not beside autograder.py",
            "a link in the archive": "is not a plain file of the release",
            "no grader in it": "holds no grader"}[case]
    assert said in out.result["error"] and said in out.log and out.outputs["status"] == "error"
    assert "::error title=probdl autograder::" in out.log
    assert out.result["score"] == 0 and out.result["tests"] == []


def test_outside_the_runner_it_says_so(tmp_path):
    checkout = student_checkout(tmp_path / "checkout")
    out = classroom50_runner(teacher_autograder(tmp_path / "bundle"), checkout, tmp_path, CLASSROOM=None,
                             SUBMISSION_TAG=None)
    assert out.exit_status == 1 and "CLASSROOM, SUBMISSION_TAG not set" in out.log


def test_the_template_is_standard_library_only_and_names_its_release():
    """The runner's python3 has nothing installed: the template imports the standard library alone, and the
    constants a teacher sets are at its top."""
    import ast

    tree = ast.parse(TEMPLATE.read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported - set(sys.stdlib_module_names)
    names = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    assert {"PROBLEM_SET", "GRADER_RELEASE", "GRADER_ARCHIVE", "GRADER_SHA256", "TIMEOUT", "SANDBOX"} <= names
    assert os.access(TEMPLATE, os.R_OK)


def test_the_guides_release_archive_commands_run_as_printed(tmp_path):
    """docs/ci.md's commands that make the release archive, run as printed in a grader repository with a remote; the
    archive they make is what the autograder takes: the hash sha256sum prints, a grader folder inside."""
    import importlib.util

    text = (ROOT / "docs" / "ci.md").read_text()
    block = re.search(r"```bash\n((?:\s*git tag.*\n)(?:.*\n)*?)\s*```", text)
    assert block, "docs/ci.md's Classroom50 steps make the archive"
    lines = [ln.strip() for ln in block.group(1).splitlines() if ln.strip()]
    assert lines[0].startswith("git tag v1.2.0") and lines[-1] == "sha256sum probdl-grader-v1.2.0.tar.gz"
    grader = tmp_path / "grader"
    shutil.copytree(ROOT, grader, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "results*", "demo-course",
                                                              "*.egg-info", ".pytest_cache", ".mypy_cache", ".ruff_cache"))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    subprocess.run(["git", "init", "--quiet", "--bare", str(tmp_path / "origin.git")], check=True)
    for argv in (["init", "--quiet"], ["add", "-A"], ["commit", "--quiet", "-m", "course"],
                 ["remote", "add", "origin", str(tmp_path / "origin.git")]):
        subprocess.run([*git, *argv], cwd=grader, check=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    proc = subprocess.run(["bash", "-e", "-c", "\n".join(lines)], cwd=grader, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    archive = grader / "probdl-grader-v1.2.0.tar.gz"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert proc.stdout.split() == [digest, archive.name]
    assert archive.stat().st_size < 10 * 1024 * 1024, "within Classroom50's bundle limit"
    spec = importlib.util.spec_from_file_location("classroom50_autograder", TEMPLATE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = module._extract(archive, tmp_path / "extracted")
    assert (found / "constraints.txt").is_file() and (found / "source" / PS / f"{PS}.ipynb").is_file()
    assert "v1.2.0" in subprocess.run(["git", "--git-dir", str(tmp_path / "origin.git"), "tag"], capture_output=True,
                                      text=True).stdout
