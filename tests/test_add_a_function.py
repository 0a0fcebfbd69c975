"""Changing the course, tried for real: a function added, one taken out, points moved, each in a copy of the course.

Each change of ``tests/course_changes.py`` is written by hand in a few files (``Change.files``: at most four), then
``make release`` regenerates the rest (``python -m testkit.regenerate``, one command); the fast check
(``python -m tests.declared``) then finds nothing to write and nothing that must give, and the tests that read what
such a change changes (:data:`DEPENDS`, each with why) pass in the copy. Before the files are all written, the fast
check names what is still to write, and says what must give for a set at its limits.

That the whole suite passes after each change (``make test`` in a clone with the change made by
``python -m tests.course_changes NAME .``) is recorded in docs/changelog.md with the numbers of the last such run;
:data:`DEPENDS` is the part of it these tests run, and :func:`test_the_dependencies_name_every_test_of_what_a_change_writes`
keeps it complete.
"""

from __future__ import annotations

import re

import pytest

from autograder.model.course import ROOT
from tests.course_changes import CHANGES, PS4, copy_course, fast_check, python, regenerate

#: The tests that read what a change to the course writes (by hand or by make release), and why; run in each copy.
_ZOO = "the bug zoo graded against the changed checks (its specimens, LOSES, hints)"
DEPENDS = {
    "tests/test_declared.py": "the fast check on the changed course: nothing to write, nothing that must give",
    "tests/test_checks_declared.py": "the declarations: points for every aspect, minutes, demo, contract, forbidden names",
    "tests/test_contract_doc.py": "docs/contract.md's rows against the references' signatures",
    "tests/test_load.py": "the working time (written by make release), the words, the hygiene share",
    "tests/test_rubric.py": "the rubric: round totals, the derivation's fifth, the idea and container cells",
    "tests/test_checklists.py": "each function's 'What the next cells check' list",
    "tests/test_notebook_template.py": "the notebook's layout (tasks, solution cells, graded cells, check lists)",
    "tests/test_notebook_claims.py": "what the notebooks say about grading, against the checks",
    "tests/test_checks_claims.py": "the graded claims and going-further refinements, against the zoo",
    "tests/test_checks_visible.py": "the visible asserts against the hidden checks, on the zoo",
    "tests/test_checks_visible_probes.py": "the visible asserts call the public probes of their cell, and only them",
    "tests/test_checks_visible_agree.py": "a cell that loses points for a mistake fails its visible asserts, on the zoo",
    "tests/test_zoo.py": "the zoo's specimens against the checks, LOSES, docs/grading.md",
    "tests/test_hint_texts.py": "each function's hint rules and their texts",
    "tests/test_own_work.py": "the degenerate forms and what they earn",
    "tests/test_selfcheck.py": "student_side/selfcheck.py's table: functions and per-function forbidden names",
    "tests/test_solutions_examples.py": "the references' docstring examples",
    "tests/test_answers_above.py": "the lessons ask: no answer above its task",
    "tests/test_docs_links.py": "the docs' links and the files they name",
    "tests/test_checks_lists.py": _ZOO, "tests/test_checks_ps45.py": _ZOO, "tests/test_checks_ps6.py": _ZOO,
    "tests/test_derivation_checks.py": _ZOO, "tests/test_relations.py": _ZOO, "tests/test_rewrites.py": _ZOO,
    "tests/test_reading_purity.py": _ZOO, "tests/test_reading_real_code.py": _ZOO, "tests/test_reading_static.py": _ZOO,
    "tests/test_purity_over_time.py": _ZOO, "tests/test_training.py": _ZOO, "tests/test_training_tells.py": _ZOO,
    "tests/test_engine_integrity.py": "the degenerate forms graded by the engine",
    "tests/test_engine_order.py": "the zoo's compound specimens graded in notebook order",
    "tests/test_speed_paths.py": _ZOO,
}
#: Test modules that read what a change writes and are not run in the copies, and why: the end-to-end modules
#: (tests/conftest.py END_TO_END: stock nbgrader, the platforms, the benchmarks), which the whole-suite runs of each
#: change ran (docs/changelog.md), and this module.
ELSEWHERE = {
    "tests/test_add_a_function.py": "this module",
    # (its simulated runner starts the grader with a clean environment, as Classroom50 does: in a copy without a
    # virtual environment of its own that is the installed tree's grader, not the copy's; the whole-suite run of
    # each change, in a clone with its own, runs it: docs/changelog.md)
    "tests/test_templates_classroom50.py": "the student templates' points, from the course: in a clone, not a copy",
    **{f"tests/{name}.py": "end to end (make test-e2e)" for name in (
        "test_benchmark_throughput", "test_gradescope", "test_lms_demo", "test_manual_grading", "test_nbgrader_e2e",
        "test_parity", "test_reports_readme")},
}
#: What reading a changed file looks like in a test module: the zoo, the declarations, the fast check, the load, the
#: rubric, or the generated pages.
_READS = re.compile(r'"contract\.md"|"notebooks\.md"|"grading\.md"|"README\.md"|declarations_for|all_declarations|'
                    r"from tests\.declared|from testkit import load|testkit\.zoo import .*rubric|from testkit\.zoo\.rubric|"
                    r"selfcheck_file|from testkit\.zoo import")


def _changed(tmp_path_factory, name: str):
    course = copy_course(tmp_path_factory.mktemp(name))
    CHANGES[name].apply(course)
    return course


def _tests(course, *extra):
    return python(course, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-n", "2",
                  *DEPENDS, *extra, timeout=3000)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CHANGES))
def test_a_change_takes_at_most_four_files_and_one_command(tmp_path_factory, name):
    change = CHANGES[name]
    assert len(change.files) <= 4, change.files
    course = _changed(tmp_path_factory, name)
    done = regenerate(course)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    check = fast_check(course)
    assert check.returncode == 0 and "  to write:" not in check.stdout and "  must give:" not in check.stdout, \
        check.stdout
    tests = _tests(course)
    assert tests.returncode == 0, tests.stdout[-6000:] + tests.stderr[-2000:]


@pytest.mark.slow
def test_before_the_files_are_written_the_fast_check_names_each_and_what_must_give(tmp_path_factory):
    """softplus declared and its reference written, nothing else: the fast check names the notebook (its solution
    cell, the declarations stopping at import until it is there); with it, the visible asserts make release's new
    cells lack, the zoo, and what must give for ps4's 3 hours."""
    course = copy_course(tmp_path_factory.mktemp("half"))
    full = copy_course(tmp_path_factory.mktemp("full"))
    CHANGES["add-softplus"].apply(full)
    for name in (f"solutions/{PS4}.py", f"autograder/checks/{PS4}.py"):
        (course / name).write_text((full / name).read_text(encoding="utf-8"), encoding="utf-8")
    before = fast_check(course, PS4)
    assert before.returncode == 1
    assert f"source/{PS4}/{PS4}.ipynb: no solution cell for softplus" in before.stdout, before.stdout
    assert "run `make release`" in before.stdout, before.stdout
    # the solution cell alone: make release writes its graded cells, which then want the lesson's visible asserts
    import json

    nb = json.loads((full / "source" / PS4 / f"{PS4}.ipynb").read_text(encoding="utf-8"))
    mine = json.loads((course / "source" / PS4 / f"{PS4}.ipynb").read_text(encoding="utf-8"))
    at = next(i for i, c in enumerate(mine["cells"])
              if c["metadata"].get("nbgrader", {}).get("grade_id") == "task-binary_cross_entropy_with_logits")
    mine["cells"][at:at] = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "softplus"]
    (course / "source" / PS4 / f"{PS4}.ipynb").write_text(json.dumps(mine, indent=1, ensure_ascii=False) + "\n",
                                                          encoding="utf-8")
    assert regenerate(course).returncode == 0
    after = fast_check(course, PS4)
    assert re.search(r"softplus-basic has no visible assert: .*the array \[-2\.0, 0\.0, 3\.0\]", after.stdout), \
        after.stdout
    assert f"testkit/zoo/{PS4}.py: softplus has 0 correct and 0 wrong specimens" in after.stdout, after.stdout
    assert "must give: ps4_bernoulli: its working time is" in after.stdout and "over the 3-hour limit" in after.stdout
    assert "Something must give" in after.stdout


def test_the_dependencies_name_every_test_of_what_a_change_writes():
    """Every test module that reads a file a change writes by hand or through make release (the zoo, the
    declarations, the fast check, the load, the rubric, docs/contract.md, README.md, docs/notebooks.md, docs/grading.md,
    the self-check's table) is in DEPENDS or ELSEWHERE, each with why; every module named exists."""
    named = {**DEPENDS, **ELSEWHERE}
    assert all((ROOT / path).is_file() for path in named), [p for p in named if not (ROOT / p).is_file()]
    readers = {f"tests/{p.name}" for p in (ROOT / "tests").glob("test_*.py")
               if _READS.search(p.read_text(encoding="utf-8"))}
    assert not readers - set(named), f"tests that read what a change writes, in neither DEPENDS nor ELSEWHERE: " \
                                     f"{sorted(readers - set(named))}"
