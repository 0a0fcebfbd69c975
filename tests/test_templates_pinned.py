"""Supply chain of the shipped templates: what they run is named once and for good, and gets only what it needs.

* Every action a GitHub workflow uses, and every one docs/ci.md's snippets use, is pinned by the full commit id of
  a release, its tag in a comment on the same line (``uses: actions/checkout@<40 hex>  # v7.0.1``); a tag or a
  branch (``@v4``, ``@main``) is refused: the control below feeds the same reader a tag.
* Each pinned release is its action's current major, on GitHub's current runtime (``runs.using: node24``): a
  node20 release is refused (GitHub moved JavaScript actions to Node 24 in 2025-2026; the node20 releases of
  checkout v4, setup-python v5 and the artifact actions v4 were what the templates had). :data:`RELEASES` records
  each release's ``runs.using`` as read from its ``action.yml`` at that commit; where copies of the actions'
  repositories are at hand (``PROBDL_ACTIONS_REPOS``: a folder of ``<owner>+<name>`` git repositories) the test
  reads ``action.yml`` there again and checks the tag is that commit.
* The student templates grade against a grader release the instructor names (GitLab's ``GRADER_REF``: a tag or a
  full commit id, never a branch; Classroom50's ``GRADER_RELEASE`` with its archive's SHA-256);
  tests/test_redteam_templates.py and tests/test_templates_classroom50.py run their refusals.
* No ``sudo -E`` (or ``--preserve-env``) anywhere: the grader is started with ``env -i`` and a list of
  variables; GitLab's student template's one secret is unset right after the fetch that uses it, and never on
  a command line.
* Every Python a template starts runs with ``-I``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from autograder.model.course import ROOT
from autograder.release.gradescope_bundle import RUN_AUTOGRADER, SETUP_SH
from tests import ci_runner

GITHUB = [ci_runner.GITHUB_INSTRUCTOR]
CLASSROOM50 = ROOT / "ci-templates" / "classroom50" / "autograder.py"
DOCS = ROOT / "docs" / "ci.md"
GITLAB = [ci_runner.GITLAB_STUDENT, ci_runner.GITLAB_INSTRUCTOR]
PIN = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@(?P<ref>\S+)"
                 r"(?:\s+#\s*(?P<tag>\S+))?\s*$")
#: The releases pinned: action -> (tag, commit, its action.yml's runs.using), read from each action's repository
#: at that tag (2026-11-29: the newest release of each, all Node 24).
RELEASES = {
    "actions/checkout": ("v7.0.1", "3d3c42e5aac5ba805825da76410c181273ba90b1", "node24"),
    "actions/setup-python": ("v7.0.0", "5fda3b95a4ea91299a34e894583c3862153e4b97", "node24"),
    "actions/upload-artifact": ("v7.0.0", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "node24"),
    "actions/download-artifact": ("v8.0.1", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "node24"),
}
#: The runtimes GitHub's runners run JavaScript actions on now.
CURRENT_RUNTIMES = {"node24"}


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
        assert RELEASES[m["action"]][:2] == (m["tag"], m["ref"]), f"{m['action']}: the release recorded here"


def stale_runtimes(releases: dict) -> list:
    """The pinned releases that do not run on GitHub's current runtime (a node20 or older release)."""
    return [f"{action} {tag}: runs.using {using}" for action, (tag, _, using) in releases.items()
            if using not in CURRENT_RUNTIMES]


def test_every_pinned_release_runs_on_node24():
    assert stale_runtimes(RELEASES) == []
    # the control: the releases the templates pinned before (node20) are refused
    before = {"actions/checkout": ("v4.4.0", "11d5960a326750d5838078e36cf38b85af677262", "node20"),
              "actions/upload-artifact": ("v4.6.2", "ea165f8d65b6e75b540449e92b4886f43607fa02", "node20")}
    assert len(stale_runtimes({**RELEASES, **before})) == 2


def test_the_recorded_releases_are_what_the_actions_say():
    """``action.yml`` at each pinned commit, read from a copy of the action's repository, says ``node24``, and the
    tag is that commit (the table above is not taken on trust where the repositories are at hand)."""
    where = os.environ.get("PROBDL_ACTIONS_REPOS")
    if not where:
        pytest.skip("PROBDL_ACTIONS_REPOS names no folder of the actions' repositories (<owner>+<name>/): the "
                    "recorded runtimes are checked by test_every_pinned_release_runs_on_node24 alone")
    for action, (tag, commit, using) in RELEASES.items():
        repo = Path(where) / action.replace("/", "+")
        repo = repo / "repo" if (repo / "repo").is_dir() else repo
        tagged = subprocess.run(["git", "-C", str(repo), "rev-parse", f"{tag}^{{commit}}"], capture_output=True,
                                text=True, check=True).stdout.strip()
        assert tagged == commit, f"{action} {tag} is {tagged}"
        files = subprocess.run(["git", "-C", str(repo), "ls-tree", "--name-only", commit], capture_output=True,
                               text=True, check=True).stdout.split()
        name = "action.yml" if "action.yml" in files else "action.yaml"
        meta = yaml.safe_load(subprocess.run(["git", "-C", str(repo), "show", f"{commit}:{name}"],
                                             capture_output=True, text=True, check=True).stdout)
        assert meta["runs"]["using"] == using, action


def test_a_tag_or_a_branch_is_refused():
    """The control: the reader refuses what the templates had (``@v4``), a branch, a short id, a missing tag."""
    text = ci_runner.GITHUB_INSTRUCTOR.read_text()
    pinned = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1"
    for bad in ("actions/checkout@v4", "actions/checkout@main", "actions/checkout@3d3c42e",
                "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"):
        broken = text.replace(pinned, bad, 1)
        assert broken != text
        assert len(unpinned(broken)) == 1, bad


def doc_snippets(kind: str) -> list:
    """The fenced ``kind`` blocks of docs/ci.md."""
    return re.findall(rf"```{kind}\n(.*?)```", DOCS.read_text(), re.S)


def test_docs_snippets_follow_the_policy_they_state():
    """docs/ci.md states the policy (SHA pins, ``python -I``): its own YAML snippets follow it (before, the passback
    job used ``@v4``/``@v5`` and ``python`` without ``-I``), and the table of pins is :data:`RELEASES`."""
    snippets = doc_snippets("yaml")
    assert snippets, "docs/ci.md has YAML snippets"
    for text in snippets:
        assert unpinned(text) == [], text[:200]
        for m in (PIN.match(line) for line in text.splitlines()):
            if m:
                assert RELEASES[m["action"]][:2] == (m["tag"], m["ref"]), m["action"]
        for line, flags in python_commands(text):
            assert "-I" in flags, line
    table = dict((a, (t, c)) for a, t, c in re.findall(r"^\| `([\w/-]+)` \| (v[\d.]+) \| `([0-9a-f]{40})` \|$",
                                                       DOCS.read_text(), re.M))
    assert table == {a: r[:2] for a, r in RELEASES.items()}


def test_the_student_templates_name_a_grader_release():
    data = yaml.safe_load(ci_runner.GITLAB_STUDENT.read_text())
    ref = str(data["variables"]["GRADER_REF"])
    assert re.fullmatch(r"v\d+\.\d+\.\d+|[0-9a-f]{40}", ref), f"GRADER_REF={ref}: a release tag or a commit id"
    text = CLASSROOM50.read_text()
    assert re.search(r'^GRADER_RELEASE = "v\d+\.\d+\.\d+"', text, re.M)
    assert re.search(r'^GRADER_SHA256 = "[0-9a-f]{64}"', text, re.M)
    for path in (ci_runner.GITLAB_STUDENT, CLASSROOM50):
        assert "docs/ci.md" in path.read_text(), "the template says where it is explained"


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
