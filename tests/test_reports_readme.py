"""Every command in the README and the guides of docs/ is run by a named test (or by CI itself), and
the instructor's commands run exactly as printed in a plain shell with no virtual environment on PATH."""

import csv
import io
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import pytest

from autograder.model.course import ROOT

README = ROOT / "README.md"
#: The README (front page) and the guides it sends readers to, in reading order: their commands are one list.
GUIDES = [README] + [ROOT / "docs" / page for page in ("instructors.md", "ci.md", "students.md", "threat-model.md",
                                                       "architecture.md", "contributing.md", "performance.md")]


def documentation() -> str:
    """The README and the guides, one after the other."""
    return "\n".join(page.read_text() for page in GUIDES)


#: command as written in the README -> (test file, test function) that runs it
TESTED = {
    "make demo": ("tests/test_demo.py", "test_make_demo_runs_the_demo_command"),
    "make test": (".ci/run", ""),  # CI runs it on every submission
    "make test-all": (".ci/run", ""),  # under the other CPythons
    "make test-e2e": (".ci/run", ""),  # after make test
    "make bench": ("tests/test_benchmarks.py", ""),
    "make lint": ("tests/test_lint.py", "test_ruff_finds_nothing"),
    ".venv/bin/mypy autograder": ("tests/test_types.py", "test_the_package_has_no_type_errors"),
    "make release": ("tests/test_release.py", ""),
    ".venv/bin/python -m tests.declared [ps …]": ("tests/test_declared.py", "test_the_fast_check_runs_as_a_command"),
    # (docs/contributing.md: the tests a change touches, which make test runs in CI)
    ".venv/bin/python -m pytest -q -n 2 tests/test_declared.py tests/test_checks_declared.py tests/test_zoo.py "
    "tests/test_rubric.py": (".ci/run", ""),
    # run as printed, in order, by test_instructor_commands_run_as_printed_in_a_plain_shell
    ".venv/bin/python -m autograder autograde submitted --out results": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder autograde submitted --out results --json": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder autograde submitted --out shard1 --shard 1/2": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder autograde submitted --out shard2 --shard 2/2": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder merge shard1 shard2 --out merged": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder autograde submitted --out results --gradebook": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder nbgrader export": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder export results --lms canvas --map lms-ids.csv --out canvas.csv": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder export results --lms csv --map lms-ids.csv --out lms-grades.csv": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder gradescope build ps1_softmax": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder export results --junit --out junit.xml": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    # docs/instructors.md, "Deadlines, late penalties and extensions"
    '.venv/bin/python -m autograder nbgrader db assignment add ps1_softmax --duedate="2026-11-20 23:59:00 Europe/Berlin"': (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder extension ada ps1_softmax 2d --results results": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder extension ada any 2d --all --results results": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder extension ada ps1_softmax 0 --results results": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder late results --gradebook --publish-answers": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder late results --gradebook": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder late results": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    ".venv/bin/python -m autograder similarity submitted --out similarity": (
        "tests/test_reports_readme.py", "test_instructor_commands_run_as_printed_in_a_plain_shell"),
    # docs/instructors.md, "Grading on a cluster": the recipes, run with their schedulers' variables
    ".venv/bin/python -m pip install -c constraints.txt -e '.[dask]'": (
        "pyproject.toml", ""),  # the extra is in the dev extra: `make install` installs it for every test
    '.venv/bin/python -m autograder autograde submitted --out results --dask "$DASK_SCHEDULER"': (
        "tests/test_cluster_recipes.py", "test_any_scheduler_by_its_address"),
    'scheduler="$PWD/dask-scheduler-$SLURM_JOB_ID.json"': (
        "tests/test_cluster_recipes.py", "test_slurm_batch_script_with_dask"),
    'srun --nodes=1 --ntasks=1 --overlap .venv/bin/dask scheduler --scheduler-file "$scheduler" &': (
        "tests/test_cluster_recipes.py", "test_slurm_batch_script_with_dask"),
    'srun --overlap .venv/bin/dask worker --scheduler-file "$scheduler" --nthreads "$SLURM_CPUS_PER_TASK" &': (
        "tests/test_cluster_recipes.py", "test_slurm_batch_script_with_dask"),
    '.venv/bin/python -m autograder autograde submitted --out results --dask "$scheduler"': (
        "tests/test_cluster_recipes.py", "test_slurm_batch_script_with_dask"),
    ".venv/bin/python -m autograder autograde submitted --out results --dask env": (
        "tests/test_cluster_recipes.py", "test_helm_chart_pod_reads_the_address_the_chart_sets"),
    '.venv/bin/python -m autograder autograde submitted --out "shards/$SLURM_ARRAY_TASK_ID" --no-reports \\': (
        "tests/test_cluster_recipes.py", "test_slurm_array_then_merge"),
    '--shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT"': (
        "tests/test_cluster_recipes.py", "test_slurm_array_then_merge"),
    '.venv/bin/python -m autograder autograde submitted --out "shards/$JOB_COMPLETION_INDEX" --no-reports \\': (
        "tests/test_cluster_recipes.py", "test_kubernetes_indexed_job_then_merge"),
    '--shard "$((JOB_COMPLETION_INDEX + 1))/$SHARDS"': (
        "tests/test_cluster_recipes.py", "test_kubernetes_indexed_job_then_merge"),
    ".venv/bin/python -m autograder merge shards --out results": (
        "tests/test_cluster_recipes.py", "test_slurm_array_then_merge"),
    # docs/ci.md, "Classroom50": the grader release's archive, made as printed
    "git tag v1.2.0 && git push origin v1.2.0": (
        "tests/test_templates_classroom50.py", "test_the_guides_release_archive_commands_run_as_printed"),
    "git archive --format=tar.gz --prefix=probdl-grader/ -o probdl-grader-v1.2.0.tar.gz v1.2.0": (
        "tests/test_templates_classroom50.py", "test_the_guides_release_archive_commands_run_as_printed"),
    "sha256sum probdl-grader-v1.2.0.tar.gz": (
        "tests/test_templates_classroom50.py", "test_the_guides_release_archive_commands_run_as_printed"),
    # docs/instructors.md, "Regrades": run as printed, in order, on a course graded once
    ".venv/bin/python -m autograder autograde submitted --out results-2 --previous results": (
        "tests/test_regrades_e2e.py", "test_the_guides_regrade_commands_run_as_printed"),
    ".venv/bin/python -m autograder autograde submitted --out results-2 --previous results --keep-higher": (
        "tests/test_regrades_e2e.py", "test_the_guides_regrade_commands_run_as_printed"),
    ".venv/bin/python -m autograder requests results-2 --from regrade-requests.csv --out review": (
        "tests/test_regrades_e2e.py", "test_the_guides_regrade_commands_run_as_printed"),
    ".venv/bin/python -m autograder autograde submitted --out results-3 --previous results-2 --decisions review/decisions.csv": (
        "tests/test_regrades_e2e.py", "test_the_guides_regrade_commands_run_as_printed"),
    # docs/instructors.md, "Posting grades to the LMS": run as printed against a fake LTI platform
    ".venv/bin/python -m autograder passback results --to lti --config passback.toml --dry-run": (
        "tests/test_lms_docs.py", "test_the_guides_commands_run_as_printed_against_a_platform"),
    ".venv/bin/python -m autograder passback results --to lti --config passback.toml": (
        "tests/test_lms_docs.py", "test_the_guides_commands_run_as_printed_against_a_platform"),
    "mkdir -p keys && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out keys/tool-key.pem && chmod 600 keys/tool-key.pem": (
        "tests/test_lms_docs.py", "test_the_guides_commands_run_as_printed_against_a_platform"),
    ".venv/bin/python -m autograder passback --jwk --config passback.toml": (
        "tests/test_lms_docs.py", "test_the_guides_commands_run_as_printed_against_a_platform"),
    "openssl pkey -in keys/tool-key.pem -pubout": (
        "tests/test_lms_docs.py", "test_the_guides_commands_run_as_printed_against_a_platform"),
}

#: The folder a command writes when it has no --out (``gradescope build`` writes gradescope/<ps>.zip).
DEFAULT_OUTPUTS = {"gradescope build": "gradescope"}


def commands():
    text = documentation()
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                yield line


def test_every_readme_command_is_tested():
    found = list(commands())
    assert found, "the README and its guides have commands"
    untested = [c for c in found if c not in TESTED]
    assert not untested, f"commands in the README or docs/ that no test runs: {untested}"
    for command in found:
        path, name = TESTED[command]
        source = (ROOT / path).read_text()
        assert not name or re.search(rf"def {name}\b", source), f"{command}: {path}::{name} is gone"


def test_every_folder_a_readme_command_writes_is_ignored_by_git():
    """Results, shards and merged shards hold student data: none of it can be committed with a release."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    outputs = set()
    for command in commands():
        words = command.split()
        outputs.update(words[i + 1].strip("\"'") for i, w in enumerate(words[:-1]) if w in ("--out", "-o"))
        if " merge " in f" {command} ":
            outputs.update(w for w in words[words.index("merge") + 1:] if not w.startswith("-") and "/" not in w)
        outputs.update(folder for what, folder in DEFAULT_OUTPUTS.items() if what in command and "--out" not in words)
    assert {"results", "shard1", "shard2", "merged", "canvas.csv", "lms-grades.csv", "gradescope"} <= outputs
    paths = {o: o if "." in o else f"{o}/x.json" for o in outputs}  # a file, or something in a folder
    proc = subprocess.run(["git", "check-ignore", "--no-index", *sorted(paths.values())], cwd=ROOT,
                          capture_output=True, text=True)
    ignored = {o for o, path in paths.items() if path in proc.stdout.splitlines()}
    assert ignored == outputs, f"not ignored by git: {sorted(outputs - ignored)}"


def test_readme_names_the_ci_templates():
    text = documentation()
    assert ".github/workflows/autograde.yml" in text and "ci-templates/classroom50/autograder.py" in text
    assert "`.gitlab-ci.yml`" in text and "ci-templates/gitlab-student.yml" in text
    for path in (".github/workflows/autograde.yml", "ci-templates/classroom50/autograder.py", ".gitlab-ci.yml",
                 "ci-templates/gitlab-student.yml"):
        assert (ROOT / path).is_file(), path


#: A shell as a new instructor has it: system PATH only (no venv), no PYTHONPATH, no VIRTUAL_ENV.
PLAIN_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}


def test_nbgrader_commands_work_in_a_fresh_course_folder_from_a_plain_shell(tmp_path):
    """The guide's nbgrader commands run through `python -m autograder nbgrader`: nbgrader creates a missing
    gradebook by running `alembic` from PATH, which a plain shell does not have (`.venv/bin/nbgrader db assignment
    add` failed there with FileNotFoundError: 'alembic')."""
    os.symlink(ROOT / ".venv", tmp_path / ".venv")
    (tmp_path / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "probdl"\n')
    command = next(c for c in commands() if " nbgrader db assignment add " in c)
    assert command.startswith(".venv/bin/python -m autograder nbgrader ")
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", command], cwd=tmp_path, env=PLAIN_ENV,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and (tmp_path / "gradebook.db").is_file(), proc.stderr[-3000:]
    listed = subprocess.run(["bash", "--noprofile", "--norc", "-c",
                             ".venv/bin/python -m autograder nbgrader db assignment list"], cwd=tmp_path,
                            env=PLAIN_ENV, capture_output=True, text=True, timeout=300)
    assert "ps1_softmax (due: 2026-11-20 22:59:00)" in listed.stdout, listed.stdout + listed.stderr


def test_the_plain_shell_has_no_venv():
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", "command -v nbgrader; python3 -c 'import rich'"],
                          env=PLAIN_ENV, capture_output=True, text=True)
    assert ".venv" not in proc.stdout, "the test shell must not find the venv's tools"


@pytest.mark.slow
def test_instructor_commands_run_as_printed_in_a_plain_shell(tmp_path):
    """A course folder like the repository root (``.venv``, ``nbgrader_config.py``, ``submitted/``),
    and every ``.venv/bin/…`` command of the README run in it, in README order, with ``bash -c``."""
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("no .venv/ in the repository (make install creates it)")
    course = tmp_path / "course"
    course.mkdir()
    os.symlink(ROOT / ".venv", course / ".venv")
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "probdl"\n'
                                               'c.LateSubmissionPlugin.penalty_method = "zero"\n')
    for student in ("ada",):  # one notebook: the commands, not the grading, are under test here
        shutil.copytree(ROOT / "examples" / "submissions" / student / "ps1_softmax",
                        course / "submitted" / student / "ps1_softmax")
    # collected six days after the due date the deadline commands set (none is set before them)
    (course / "submitted" / "ada" / "ps1_softmax" / "timestamp.txt").write_text("2026-11-26 23:59:01.000000 UTC")
    # the README's example mapping file, as the LMS commands after it read it
    (course / "lms-ids.csv").write_text(re.search(r"```csv\n(.*?)```", documentation(), re.S).group(1))
    # (the others run in the test TESTED names: the cluster recipes with their schedulers, passback against a platform)
    instructor = [c for c in commands() if c.startswith(".venv/bin/") and TESTED[c][0] == "tests/test_reports_readme.py"]
    assert len(instructor) == 19, instructor
    outputs = {}
    for command in instructor:
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", command], cwd=course, env=PLAIN_ENV,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        assert "Traceback" not in proc.stderr, command
        outputs[command] = proc.stdout
        if "--publish-answers" in command:  # every feedback page shows the model answer (the rubric never)
            page = (course / "results" / "ada" / "ps1_softmax" / "feedback.html").read_text(encoding="utf-8")
            assert "Model answer (logsumexp-derivation)" in page and "Rubric" not in page, command
    assert json.loads(outputs[instructor[1]])["class"]["submissions"] == 1
    assert (course / "merged" / "grades.csv").read_text() == (course / "results" / "grades.csv").read_text()
    exported = (course / "grades.csv").read_text()  # nbgrader export, from the gradebook
    assert "ps1_softmax" in exported and "ada" in exported
    ada = next(r for r in csv.reader(io.StringIO((course / "canvas.csv").read_text())) if r[1] == "40001")
    assert ada[:2] == ["Lovelace, Ada", "40001"] and ada[5] == (course / "results" / "grades.csv").read_text(
    ).splitlines()[1].split(",")[1], "Canvas gets ada's ps1 score of grades.csv"
    assert (course / "lms-grades.csv").read_text().startswith("lms_id,course_id,name,ps1_softmax,total,max_total")
    assert zipfile.ZipFile(course / "gradescope" / "ps1_softmax.zip").testzip() is None
    assert ET.parse(course / "junit.xml").getroot().find("testsuite").get("name").startswith("ada/ps1_softmax")
    # the deadline commands: ps1 due in the gradebook, zero policy; ada six days late, extensions of 2 d do not help
    # the gradebook's due dates and extensions exported for CI (docs/ci.md), beside nbgrader_config.py
    assert '"ps1_softmax" = 2026-11-20T22:59:00Z' in (course / "nbgrader-deadlines.toml").read_text()
    late = outputs[".venv/bin/python -m autograder late results --gradebook"]
    assert "L ada/ps1_softmax: " in late and "→ 0 / " in late, late
    assert "Extension granted (2d) for ada: ps1_softmax." in outputs[
        ".venv/bin/python -m autograder extension ada any 2d --all --results results"]
    # without --gradebook or --course the repository's deadlines apply: it sets none, so the raw scores again
    assert (course / "results" / "grades.csv").read_text().splitlines()[0].endswith(",total,pending")
    assert json.loads((course / "similarity" / "similarity.json").read_text())["pairs"] == []  # one student
