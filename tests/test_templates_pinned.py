"""Supply chain of the shipped templates: what they run is named once and for good, and gets only what it needs.

* Every action a GitHub workflow uses is pinned by the full commit id of a release, its tag in a comment
  on the same line (``uses: actions/checkout@<40 hex>  # v4.4.0``); a tag or a branch (``@v4``, ``@main``)
  is refused: the control below feeds the same reader a tag.
* The student templates grade against a grader release the instructor names (``GRADER_REF``: a tag or a
  full commit id, never a branch); tests/test_redteam_templates.py runs their refusal of a branch.
* No ``sudo -E`` (or ``--preserve-env``) anywhere: the grader is started with ``env -i`` and a list of
  variables; the GitHub student template's only secret is the grader checkout's ``token`` input, GitLab's
  is unset right after the fetch that uses it.
* Every Python a template starts runs with ``-I``.
"""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from autograder.model.course import ROOT
from autograder.release.gradescope_bundle import RUN_AUTOGRADER, SETUP_SH
from tests import ci_runner

GITHUB = [ci_runner.GITHUB_STUDENT, ci_runner.GITHUB_INSTRUCTOR]
GITLAB = [ci_runner.GITLAB_STUDENT, ci_runner.GITLAB_INSTRUCTOR]
PIN = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@(?P<ref>\S+)"
                 r"(?:\s+#\s*(?P<tag>\S+))?\s*$")
#: The releases pinned, tag -> commit (read from each action's repository at that tag).
RELEASES = {
    "actions/checkout": ("v4.4.0", "11d5960a326750d5838078e36cf38b85af677262"),
    "actions/setup-python": ("v5.6.0", "a26af69be951a213d495a4c3e4e4022e16d87065"),
    "actions/upload-artifact": ("v4.6.2", "ea165f8d65b6e75b540449e92b4886f43607fa02"),
    "actions/download-artifact": ("v4.3.0", "d3f86a106a0bac45b974a628896c90dbdf5c8093"),
    "classroom-resources/autograding-grading-reporter": ("v1", "d13b5912daf5042ac1b71bc38bdb4a6bcd61d8ca"),
}


def unpinned(text: str) -> list:
    """``(line, why)`` of every ``uses:`` of a workflow not pinned by a full commit id with its tag beside it."""
    bad = []
    for number, line in enumerate(text.splitlines(), 1):
        if not re.match(r"^\s*(?:-\s+)?uses:", line):
            continue
        m = PIN.match(line)
        if m is None:
            bad.append((number, f"not read as owner/repo@ref: {line.strip()}"))
        elif not re.fullmatch(r"[0-9a-f]{40}", m["ref"]):
            bad.append((number, f"{m['action']}@{m['ref']}: a tag or a branch moves; pin the release's commit id"))
        elif not m["tag"]:
            bad.append((number, f"{m['action']}@{m['ref']}: say which release in a comment (# vX.Y.Z)"))
    return bad


@pytest.mark.parametrize("path", GITHUB, ids=lambda p: p.name)
def test_every_action_is_pinned_by_its_release_commit(path):
    text = path.read_text()
    assert unpinned(text) == []
    uses = [PIN.match(line) for line in text.splitlines() if re.match(r"^\s*(?:-\s+)?uses:", line)]
    assert uses, "the workflow uses actions"
    for m in uses:
        assert RELEASES[m["action"]] == (m["tag"], m["ref"]), f"{m['action']}: the release recorded here"


def test_a_tag_or_a_branch_is_refused():
    """The control: the reader refuses what the templates had (``@v4``), a branch, a short id, a missing tag."""
    text = ci_runner.GITHUB_STUDENT.read_text()
    for bad in ("actions/checkout@v4", "actions/checkout@main", "actions/checkout@11d5960",
                "actions/checkout@11d5960a326750d5838078e36cf38b85af677262"):
        broken = text.replace("actions/checkout@11d5960a326750d5838078e36cf38b85af677262  # v4.4.0", bad, 1)
        assert broken != text
        assert len(unpinned(broken)) == 1, bad


@pytest.mark.parametrize("path", [ci_runner.GITHUB_STUDENT, ci_runner.GITLAB_STUDENT], ids=lambda p: p.name)
def test_the_student_templates_name_a_grader_release(path):
    data = yaml.safe_load(path.read_text())
    ref = str((data.get("env") or data.get("variables"))["GRADER_REF"])
    assert re.fullmatch(r"v\d+\.\d+\.\d+|[0-9a-f]{40}", ref), f"GRADER_REF={ref}: a release tag or a commit id"
    assert "docs/ci.md" in path.read_text(), "the template says where moving a class to a new release is explained"


def shipped_texts() -> dict:
    texts = {p.relative_to(ROOT).as_posix(): p.read_text() for p in [*GITHUB, *GITLAB]}
    texts["run_autograder"] = RUN_AUTOGRADER
    texts["setup.sh"] = SETUP_SH
    return texts


def test_no_sudo_hands_the_runners_environment_over():
    for name, text in shipped_texts().items():
        assert not re.search(r"sudo\s+(-\w*E|--preserve-env)", text), name
        for line in text.splitlines():
            if re.search(r"\bsudo\b", line) and "autograder" in line:
                assert "env -i" in line, f"{name}: the grader started under sudo without env -i"
    assert "sudo -E" not in (ROOT / "docs" / "ci.md").read_text()


def test_secrets_reach_only_the_step_that_uses_them():
    wf = ci_runner.load_github(ci_runner.GITHUB_STUDENT)
    job = ci_runner.github_job(ci_runner.GITHUB_STUDENT)
    users = [s for s in job["steps"] if "secrets." in yaml.safe_dump(s)]
    assert [s.get("name") for s in users] == ["Fetch the grader (private repository)"]
    assert set(users[0]["with"]) >= {"token"} and users[0]["with"]["persist-credentials"] is False
    assert "secrets." not in yaml.safe_dump({k: v for k, v in wf.items() if k != "jobs"}), "no workflow-wide secret"
    assert "env" not in job, "no job-wide variable"
    for path in GITHUB:
        text = path.read_text()
        assert "github.token" not in text and "GITHUB_TOKEN" not in text, path.name
    lines = ci_runner.gitlab(ci_runner.GITLAB_STUDENT)["autograde"]["before_script"]
    fetch = next(i for i, line in enumerate(lines) if "GRADER_TOKEN" in line)
    assert lines[fetch + 1].startswith("unset GRADER_TOKEN CI_JOB_TOKEN"), "unset right after the fetch"
    later = "\n".join(lines[fetch + 1:] + ci_runner.gitlab(ci_runner.GITLAB_STUDENT)["autograde"]["script"])
    assert "GRADER_TOKEN" not in later.replace("unset GRADER_TOKEN", "")


def python_commands(text: str) -> list:
    """Every ``python``/``python3`` command line of a template's shell (continuations joined)."""
    found = []
    for line in text.replace("\\\n", " ").splitlines():
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
        for m in re.finditer(r'(?:^|[\s;|&(])"?(?:\$python|python3?)"?\s+(-\S+(?:\s+-\S+)*)', code):
            found.append((line.strip(), shlex.split(m.group(1))))
    return found


# (setup.sh runs once, when Gradescope builds the image, before any upload exists: not among them)
@pytest.mark.parametrize("name", sorted(set(shipped_texts()) - {"setup.sh"}))
def test_every_python_a_template_starts_is_isolated(name):
    commands = python_commands(shipped_texts()[name])
    assert commands, name
    for line, flags in commands:
        assert "-I" in flags, f"{name}: {line}"
