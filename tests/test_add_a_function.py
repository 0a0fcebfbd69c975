"""Adding a function is four files written by hand (docs/contributing.md, "Add a function").

The course declares a function once, by its graded cells in the source notebook; :mod:`tests.declared` says
what else it needs and where. The first test holds the course to it. The second adds a toy function,
``logaddexp``, to ps1 in a copy of the course, writing four files (the reference, the checks, the notebook, the
contract row), runs the regeneration commands there, and checks that the course plan, the checks registry,
the release and the tests that cross-check them accept it, and that what is still missing is said with the file
to fix: before the contract row is written, that row; after, only what the tests ask of every function (the
reference's tests, the bug zoo, the independent versions).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder.model.course import PROBLEM_SETS, ROOT
from tests.declared import missing

PS = "ps1_softmax"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_function_is_declared_everywhere_it_must_be(ps):
    assert missing(ps) == [], "\n".join(missing(ps))


#: The four files, as a contributor writes them (each appended to, or one row or three cells inserted).
REFERENCE = '''

def logaddexp(a, b):
    """log(exp(a) + exp(b)), computed stably."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    m = np.maximum(a, b)
    return m + np.log1p(np.exp(-np.abs(a - b)))
'''
CHECKS = '''

LOGADDEXP = PS.function("logaddexp")
CHECKS = CHECKS + (
    LOGADDEXP.check(
        "basic",
        summary="log(exp(a) + exp(b)) for small numbers.",
        probes=(
            Probe("a = 1.0, b = 2.0", (1.0, 2.0), public=True),
            Probe("a = -3.0, b = 0.5", (-3.0, 0.5)),
        ),
    ),
)
'''
ROW = "| `logaddexp(a, b)` | log(exp(a) + exp(b)), stably. |\n"


def _cell(cell_type, grade_id, source, **nbgrader):
    meta = {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3, "solution": False,
            "task": False, **nbgrader}
    cell = {"cell_type": cell_type, "id": grade_id, "metadata": {"nbgrader": meta}, "source": source}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


NOTEBOOK_CELLS = [
    _cell("markdown", "task-logaddexp", "### Your turn: `logaddexp`\n\nImplement $\\log(e^a + e^b)$."),
    _cell("code", "logaddexp", 'def logaddexp(a, b):\n    """log(exp(a) + exp(b))."""\n    ### BEGIN SOLUTION\n'
          "    m = np.maximum(a, b)\n    return m + np.log1p(np.exp(-np.abs(a - b)))\n    ### END SOLUTION",
          locked=False, solution=True),
    _cell("code", "logaddexp-basic", "# logaddexp of two small numbers\n"
          "assert np.isclose(logaddexp(1.0, 2.0), 2.3132616875182226)\n\n### BEGIN HIDDEN TESTS\n"
          'from autograder.checks import run_check\nrun_check("logaddexp-basic", globals())\n### END HIDDEN TESTS',
          grade=True, points=2),
]

#: What a course needs to regenerate and check itself (not .venv, nor examples/ and benchmarks/).
COPIED = ("autograder", "solutions", "source", "release", "student_side", "testkit", "docs")


def _copy(tmp_path):
    course = tmp_path / "course"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for folder in COPIED:
        shutil.copytree(ROOT / folder, course / folder, ignore=ignore)
    (course / "tests").mkdir()
    for path in ROOT.glob("tests/*.py"):
        shutil.copy2(path, course / "tests" / path.name)
    for name in ("nbgrader_config.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, course / name)
    return course


def _run(course, *args, timeout=120):
    env = {**os.environ, "PYTHONPATH": str(course), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, *args], cwd=course, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _python(course, code):
    proc = _run(course, "-c", code)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def _regenerate(course):
    """`make release`, as the Makefile runs it: the check lists, then the release."""
    for args in (("-m", "testkit.zoo.checklists"), ("-m", "autograder", "release")):
        proc = _run(course, *args)
        assert proc.returncode == 0, f"{args}: {proc.stdout[-2000:]}{proc.stderr[-3000:]}"


def test_adding_a_function_takes_four_files(tmp_path):
    course = _copy(tmp_path)
    # 1. the reference and 2. the checks: appended to their problem set's modules
    with open(course / "solutions" / f"{PS}.py", "a", encoding="utf-8") as fh:
        fh.write(REFERENCE)
    with open(course / "autograder" / "checks" / f"{PS}.py", "a", encoding="utf-8") as fh:
        fh.write(CHECKS)
    # 3. the notebook: a task, a solution cell and a graded cell after log_softmax's graded cells
    path = course / "source" / PS / f"{PS}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    at = ids.index("log_softmax-purity") + 1
    nb["cells"][at:at] = NOTEBOOK_CELLS
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    _regenerate(course)

    # the course plan and the checks registry know it, from the copy (ROOT is the copy's)
    plan = _python(course, "import json; from autograder.model import course as c; from autograder.checks.by_name import "
                           f"checks_for; print(json.dumps([str(c.ROOT), c.FUNCTIONS[{PS!r}], c.ALL_FUNCTIONS[:4], "
                           f"c.GRADE_CELLS[{PS!r}][-1], list(checks_for({PS!r}))[-1]]))")
    assert plan == [str(course), ["logsumexp", "softmax", "log_softmax", "logaddexp"],
                    ["logsumexp", "softmax", "log_softmax", "logaddexp"], ["logaddexp-basic", 2], "logaddexp-basic"]
    # the contract row is the one piece not yet written, and it is said with its file
    gaps = _python(course, f"import json; from tests.declared import missing; print(json.dumps(missing({PS!r}, "
                           "after=False)))")
    assert gaps == [f"docs/contract.md: no row for logaddexp under '## {PS}' (| `logaddexp(<its signature>)` | … |, "
                    "in notebook order)"]

    # 4. the contract row
    contract = course / "docs" / "contract.md"
    text = contract.read_text(encoding="utf-8")
    last = "| `log_softmax(z, axis=-1)` |"
    end = text.index("\n", text.index(last)) + 1
    contract.write_text(text[:end] + ROW + text[end:], encoding="utf-8")
    assert _python(course, f"import json; from tests.declared import missing; print(json.dumps(missing({PS!r}, "
                           "after=False)))") == []
    # what the tests ask of every function afterwards, each with its file
    after = _python(course, f"import json; from tests.declared import missing; print(json.dumps(missing({PS!r})))")
    assert [line.split(":")[0] for line in after] == [
        "tests/test_solutions_ps1.py", "testkit/zoo/ps1_softmax.py", "testkit/zoo/degenerate.py", "testkit/independent.py"], after
    assert all("logaddexp" in line for line in after), after

    # what make release wrote: the points table, the check list, the self-check's functions, the release
    release = json.loads((course / "release" / PS / f"{PS}.ipynb").read_text(encoding="utf-8"))
    opening = "".join(release["cells"][0]["source"])
    assert "| `logaddexp(a, b)` | `logaddexp-basic` (2) |" in opening and "**52 points**" in opening, opening
    sources = {c["metadata"].get("nbgrader", {}).get("grade_id"): "".join(c["source"]) for c in release["cells"]}
    assert sources["checks-logaddexp"].startswith("**What the next cells check.** One cell, 2 points for `logaddexp`")
    assert "run_check" not in sources["logaddexp-basic"] and "m = np.maximum" not in sources["logaddexp"]
    assert '("logsumexp", "softmax", "log_softmax", "logaddexp"),' in \
        (course / "student_side" / "selfcheck.py").read_text(encoding="utf-8")
    check = _run(course, "-m", "autograder", "release", "--check")
    assert check.returncode == 0, check.stderr

    # the tests that cross-check the plan, the contract, the notebook's tables and lists, the self-check's table
    tests = _run(course, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0",
                 "tests/test_contract_doc.py", "tests/test_checklists.py", "tests/test_notebook_claims.py",
                 "tests/test_selfcheck.py::test_its_table_is_the_course_and_the_checks",
                 "tests/test_course_conventions.py", "-k", f"{PS} or not [", timeout=300)
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
