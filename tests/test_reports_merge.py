"""`python -m autograder merge`: shards merged equal one unsharded run."""

import filecmp
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from autograder.commands.merge import merge
from autograder.model.course import PROBLEM_SETS, ROOT
from autograder.model.grades import write_grades_csv
from autograder.model.shards import MergeConflict
from autograder.reports.after_grading import write_reports
from tests.reports_fixtures import SETS, class_results, full, score, write_class


def shard_of(student, n):
    """The engine's split (``--shard i/n``) of the fixture class: the shard number of ``student``."""
    from collections import Counter

    from autograder.engine.batch_plan import split_shards

    return split_shards(Counter(data["student"] for data in class_results()), n)[student]


def quiet():
    return Console(file=io.StringIO(), width=200)


def unsharded(tmp_path):
    full = tmp_path / "full"
    write_class(full)
    write_grades_csv(full)
    write_reports(full, console=quiet())
    return full


def sharded(tmp_path, n):
    roots = [tmp_path / f"shard{i}" for i in range(1, n + 1)]
    for data in class_results():
        write_class(roots[shard_of(data["student"], n) - 1], [data])
    for root in roots:
        root.mkdir(parents=True, exist_ok=True)
        write_grades_csv(root)
        write_reports(root, console=quiet())
    return roots


def files(root):
    skip = {"summary.json"}
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name not in skip)


@pytest.mark.parametrize("n", [2, 3])
def test_merged_shards_equal_one_unsharded_run(tmp_path, n):
    full = unsharded(tmp_path)
    roots = sharded(tmp_path, n)
    assert sum(1 for r in roots if any(r.glob("*/*/results.json"))) > 1, "the split must really split"
    out = tmp_path / "merged"
    merge(roots, out, console=quiet())
    assert files(out) == files(full)
    for rel in files(full):
        assert filecmp.cmp(full / rel, out / rel, shallow=False), rel
    summary = json.loads((out / "summary.json").read_text())
    assert summary["schema"] == 1 and summary["class_summary"]["class"]["submissions"] == len(class_results())


def test_artifact_folder_of_shards_and_rerun(tmp_path):
    """download-artifact puts each shard in its own subfolder: pass the parent; merging twice is the same."""
    full = unsharded(tmp_path)
    artifacts = tmp_path / "shards"
    artifacts.mkdir()
    for i, root in enumerate(sharded(tmp_path, 2), 1):
        root.rename(artifacts / f"results-shard-{i}")
    out = tmp_path / "merged"
    merge([artifacts], out, console=quiet())
    merge([artifacts], out, console=quiet())
    for rel in files(full):
        assert filecmp.cmp(full / rel, out / rel, shallow=False), rel


def test_conflicting_shards_are_refused(tmp_path):
    data = class_results()[0]
    write_class(tmp_path / "a", [data])
    data = {**data, "score": 0.0}
    write_class(tmp_path / "b", [data])
    with pytest.raises(MergeConflict, match="ada/ps1_softmax was graded in two shards"):
        merge([tmp_path / "a", tmp_path / "b"], tmp_path / "out", console=quiet())


def test_merge_command_line(tmp_path):
    roots = sharded(tmp_path, 2)
    out = tmp_path / "merged"
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "merge", *map(str, roots), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Grades" in proc.stdout and "report.html" in proc.stdout
    assert (out / "grades.csv").read_text().splitlines()[0].startswith("student,")
    assert (out / "report.html").exists()
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "merge", *map(str, roots), "--out", str(out), "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["class"]["students"] == 8
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "merge", str(tmp_path / "nope"), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 1 and "no such folder" in proc.stderr


def test_grades_csv(tmp_path):
    write_class(tmp_path)
    lines = Path(write_grades_csv(tmp_path)).read_text().splitlines()
    header = lines[0].split(",")
    assert header[0] == "student" and header[-2:] == ["total", "pending"]
    assert header[1:-2] == list(PROBLEM_SETS)  # every problem set of the course, in course order
    rows = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    assert float(rows["ada"][-2]) == sum(full(ps) for ps in SETS)
    assert float(rows["ada"][-1]) == 0  # nothing awaits manual grading
    assert float(rows["ben"][-2]) == score("ben", "ps1_softmax") + score("ben", "ps4_bernoulli")
