"""Every command in the README is run by a named test (or by CI itself)."""

import re

from autograder.course import ROOT

README = ROOT / "README.md"

#: command as written in the README -> (test file, test function) that runs it
TESTED = {
    "make demo": ("tests/test_demo.py", "test_make_demo_runs_the_demo_command"),
    "make test": (".ci/run", ""),  # CI runs it on every submission
    "make bench": ("tests/test_benchmarks.py", ""),
    "make release": ("tests/test_release.py", ""),
    "python -m autograder autograde submitted --out results": (
        "tests/test_reports_autograde_cli.py", "graded"),
    "python -m autograder autograde submitted --out results --json": (
        "tests/test_reports_autograde_cli.py", "test_autograde_json_is_the_only_stdout"),
    "python -m autograder autograde submitted --out shard1 --shard 1/2": (
        "tests/test_reports_autograde_cli.py", "test_shards_merged_equal_the_unsharded_run"),
    "python -m autograder autograde submitted --out shard2 --shard 2/2": (
        "tests/test_reports_autograde_cli.py", "test_shards_merged_equal_the_unsharded_run"),
    "python -m autograder merge shard1 shard2 --out merged": (
        "tests/test_reports_autograde_cli.py", "test_shards_merged_equal_the_unsharded_run"),
    "python -m autograder autograde submitted --out results --gradebook": (
        "tests/test_reports_autograde_cli.py", "test_autograde_gradebook_feeds_nbgrader_export"),
    "nbgrader export": ("tests/test_reports_gradebook.py", "nbgrader_export"),
}


def commands():
    text = README.read_text()
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                yield line


def test_every_readme_command_is_tested():
    found = list(commands())
    assert found, "the README has commands"
    untested = [c for c in found if c not in TESTED]
    assert not untested, f"commands in {README.name} that no test runs: {untested}"
    for command in found:
        path, name = TESTED[command]
        source = (ROOT / path).read_text()
        assert not name or re.search(rf"def {name}\b", source), f"{command}: {path}::{name} is gone"


def test_readme_names_the_ci_templates():
    text = README.read_text()
    assert ".github/workflows/autograde.yml" in text and "ci-templates/student-classroom.yml" in text
