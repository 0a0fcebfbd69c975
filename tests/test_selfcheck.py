"""The students' self-check module, ``student_side/selfcheck.py``, carried by every notebook's set-up cell.

* One file, written by the release into the set-up cell of every source and release notebook (no file
  beside a notebook); its table of functions and forbidden library objects the course's and the checks' own.
* It needs only the standard library (NumPy and SciPy are looked up among the modules the notebook
  already imported): in an interpreter that has nothing but NumPy and SciPy (a fresh Colab-like
  environment: no IPython, no matplotlib, none of this project), it flags exactly the zoo specimens
  the grader flags, as in a Jupyter kernel (``tests/test_checks_visible.py``).
* ``needs_your`` turns a template's ``NotImplementedError`` (or data not loaded) into one printed line,
  nothing else; ``keep_data`` and ``data_file`` hand a data cell's bytes to a training cell, and say in
  one line when the data cell was changed or has not run; ``start`` names a missing or too old package
  and what to install, in one line.
* The grader never runs or imports it: the engine skips the set-up cell (``course.grader_skips``), no
  module of the product imports it, and plain ``nbgrader autograde`` runs the course's set-up cell
  (restored from the source) and never a file handed in beside the notebook (``tests/test_nbgrader_e2e.py``).
"""

from __future__ import annotations

import ast
import base64
import contextlib
import gzip
import hashlib
import importlib
import io
import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from autograder.checks.by_name import declarations_for
from autograder.engine.restore import rebuild
from autograder.model.course import FUNCTIONS, PROBLEM_SETS, ROOT, SELF_CHECK_CELL, release_notebook, source_notebook
from autograder.model.notebook import load_source, load_submission
from autograder.perimeter.guard.forbidden_walk import chains, forbidden_uses
from autograder.release import inline
from testkit.fill import filled_release
from testkit.zoo import zoo
from tests.student_side import FOLDER, selfcheck_file, selfcheck_importable
from tests.test_reading_static import LOCAL_IMPORTS


def _module():
    with selfcheck_importable():
        sys.modules.pop("selfcheck", None)
        return importlib.import_module("selfcheck")


def _set_up_cell(path: Path) -> str:
    [cell] = [c for c in nbformat.read(path, as_version=4).cells
              if c.metadata.get("nbgrader", {}).get("grade_id") == SELF_CHECK_CELL]
    return cell.source


def test_one_file_written_into_every_notebook():
    """Every source and release notebook's set-up cell is generated from the one file (and the requirements);
    nothing of it lies beside a notebook."""
    expected = inline.self_check_source(selfcheck_file().read_text(encoding="utf-8"), inline.requirements(ROOT))
    for ps in PROBLEM_SETS:
        for path in (source_notebook(ps), release_notebook(ps)):
            assert _set_up_cell(path) == expected, f"{path}: `make release` writes the set-up cell"
            assert not (path.parent / "selfcheck.py").exists(), f"{path.parent}/selfcheck.py: nothing beside it"
    ns = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(expected, "<cell self-check>", "exec"), ns)
    assert out.getvalue() == "Set-up done: the self-checks are ready (not graded).\n"
    assert {"library_calls", "needs_your", "keep_data", "data_file"} <= set(ns)
    assert ns["selfcheck"].PROBLEM_SETS == _module().PROBLEM_SETS


def test_its_table_is_the_course_and_the_checks():
    table = _module().PROBLEM_SETS
    assert list(table) == list(PROBLEM_SETS)
    for ps, (functions, forbidden, *own) in table.items():
        assert functions == FUNCTIONS[ps]
        assert set(forbidden) == set(importlib.import_module(f"autograder.checks.{ps}").FORBIDDEN), ps
        declared = {fn: d.own_forbidden for fn, d in declarations_for(ps).items() if d.own_forbidden}
        assert own == ([declared] if declared else []), f"{ps}: run make release (the names only some functions forbid)"


def test_it_imports_only_the_standard_library():
    tree = ast.parse(selfcheck_file().read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_needs_your_says_one_line_for_the_template_and_nothing_else():
    needs_your = _module().needs_your
    out = io.StringIO()
    with contextlib.redirect_stdout(out), needs_your("softmax"):
        raise NotImplementedError()
    assert out.getvalue() == ("This cell uses your `softmax`: still the template above. Implement it, "
                              "then run this cell again.\n")
    with pytest.raises(ZeroDivisionError), needs_your("softmax"):   # a bug of the student's still shows
        raise ZeroDivisionError("the student's own bug")


def test_the_data_a_cell_keeps_is_read_back_and_a_missing_or_changed_cell_is_said_in_one_line():
    module = _module()
    raw = (FOLDER / "data" / "digits.csv.gz").read_bytes()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), module.needs_your("cross_entropy"):
        module.data_file("digits.csv.gz")   # the data cell has not run
    assert out.getvalue() == ('This cell reads `digits.csv.gz`, which the data cell above holds (collapsed, titled '
                              '"Data: …"): run that cell, then this one.\n')
    with pytest.raises(module.SetupProblem, match="was changed"):
        module.keep_data("digits.csv.gz", sha256=hashlib.sha256(raw).hexdigest(),
                         base64=base64.encodebytes(raw[:-1]).decode())
    module.keep_data("digits.csv.gz", sha256=hashlib.sha256(raw).hexdigest(), base64=base64.encodebytes(raw).decode())
    assert module.data_file("digits.csv.gz").read() == gzip.decompress(raw).decode()   # (a .gz is unzipped)


def test_the_grader_has_what_the_students_need():
    """Every package the set-up cell asks for is one the grader depends on, with a lower bound the grader's own
    does not exceed: the set-up cell, which plain ``nbgrader autograde`` runs, never finds the grading
    environment short (it would fail there, a locked cell; no score depends on it, but the log would say so)."""
    import tomllib

    grader = {}
    for line in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]:
        name, _, rest = line.partition(">=")
        grader[name.strip().lower()] = rest.split(",")[0].strip()
    numbers = _module()._numbers
    for requirement in inline.requirements(ROOT):
        name, minimum = requirement.split(">=")
        assert name.lower() in grader, f"{name}: the students need it, the grader does not depend on it"
        assert numbers(grader[name.lower()]) >= numbers(minimum), (name, grader[name.lower()], minimum)
        assert (release_notebook(PROBLEM_SETS[0]).parent / "requirements.txt").read_text().count(requirement) == 1


def test_a_missing_or_old_package_is_named_with_what_to_install():
    module = _module()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        module.start(inline.requirements(ROOT))   # this environment has what the students need
    assert out.getvalue().startswith("Set-up done")
    with pytest.raises(module.SetupProblem) as caught:
        module.start(("numpy>=999.1", "scipy>=1.0", "no-such-package-probdl>=1.0"))
    numpy = importlib.import_module("numpy").__version__
    assert str(caught.value) == (f"This notebook needs numpy >= 999.1 (found {numpy}), no-such-package-probdl (not "
                                 'installed): run `%pip install "numpy>=999.1" "no-such-package-probdl>=1.0"` in a '
                                 "new cell, restart the kernel, then run the notebook from the top.")
    assert module._numbers("2.0.0rc1") == (2, 0, 0) and module._numbers("1.26.4") > module._numbers("1.24")


#: Runs in an interpreter with the standard library, NumPy and SciPy only: -I -S (no site-packages, no
#: environment, no user site), the two packages linked into an otherwise empty folder.
_ONLY_NUMPY_SCIPY = """
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import numpy, scipy
for banned in ("IPython", "matplotlib", "autograder", "solutions", "tests", "nbformat"):
    try:
        __import__(banned)
    except ImportError:
        pass
    else:
        raise SystemExit(f"{banned} is importable: not a numpy/scipy-only interpreter")
from selfcheck import library_calls
out = {}
for name, function, source in json.load(sys.stdin):
    ns = {"__name__": "__main__", "library_calls": library_calls}
    exec(compile(source, name, "exec"), ns)
    exec(f"seen = library_calls({function})", ns)   # called from the notebook's namespace, as in a cell
    out[name] = ns["seen"]
print(json.dumps(out))
"""


def _numpy_scipy_only(tmp_path) -> Path:
    packages = tmp_path / "site"
    packages.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if entry.name.split("-")[0].split(".")[0] in ("numpy", "scipy"):
            (packages / entry.name).symlink_to(entry)
    return packages


def test_it_reads_a_functions_bytecode_as_the_grader_does():
    """The module is standard library only and runs alone in a notebook, so it keeps its own copy of the grader's
    bytecode reading (``autograder.perimeter.guard.forbidden_walk.chains``): the two give the same chains for every function
    of the zoo and for the function-local import forms, on whichever Python runs the tests."""
    read = _module()._chains
    sources = [s.source for ps in PROBLEM_SETS for s in zoo(ps)] + list(LOCAL_IMPORTS.values())
    differ, functions = [], 0
    for source in sources:
        namespace: dict = {"__name__": "__main__"}
        exec(compile("import numpy as np\n" + source, "<cell>", "exec"), namespace)
        for value in list(namespace.values()):
            if callable(value) and hasattr(value, "__code__") and value.__globals__ is namespace:
                functions += 1
                if list(read(value.__code__)) != list(chains(value.__code__)):
                    differ.append(value.__name__)
    assert functions > 300 and differ == [], (functions, differ[:10])


def test_in_a_numpy_and_scipy_only_interpreter_it_flags_what_the_grader_flags(tmp_path):
    specimens = [(ps, s) for ps in PROBLEM_SETS for s in zoo(ps)]
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _ONLY_NUMPY_SCIPY, str(_numpy_scipy_only(tmp_path)),
         str(selfcheck_file().parent)],
        input=json.dumps([(s.name, s.function, s.source) for _, s in specimens]),
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    flagged = 0
    for ps, specimen in specimens:
        ns = {"__name__": "__main__"}
        exec(compile(specimen.source, specimen.name, "exec"), ns)
        graded = forbidden_uses(ns[specimen.function], declarations_for(ps)[specimen.function].forbidden)
        assert set(seen[specimen.name]) <= set(graded), specimen.name   # never a warning the grader would not give
        assert bool(seen[specimen.name]) == bool(graded), specimen.name
        flagged += bool(graded)
    assert flagged >= len(PROBLEM_SETS)


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_engine_never_runs_the_self_check_import(ps, tmp_path):
    """The notebook the engine runs keeps the self-check cell (restored from the source, whatever the
    submission holds there) but does not execute it: the grader imports no selfcheck.py, the course's
    or one handed in beside the notebook."""
    source = load_source(ROOT / "source" / ps / f"{ps}.ipynb", ps)
    nb = filled_release(ps)
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == SELF_CHECK_CELL:
            cell["source"] = "import selfcheck  # edited by the student\n"
    path = tmp_path / f"{ps}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    rebuilt = rebuild(source, load_submission(path))
    [cell] = [c for c in rebuilt.cells if c.grade_id == SELF_CHECK_CELL]
    assert cell.origin == "source" and not cell.runs
    assert any("self-check" in note for note in rebuilt.tamper)   # the edit is reported, as for any locked cell
    assert not any("selfcheck" in c.source for c in rebuilt.cells if c.runs)


def test_no_module_of_the_product_imports_selfcheck():
    for path in (ROOT / "autograder").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] == "selfcheck" for n in names), f"{path} imports selfcheck"


#: A notebook's kernel in a fresh interpreter: the set-up done, then cells run as a student runs them, each cell's
#: output (IPython's error display included) printed between markers.
_KERNEL = """
import sys
sys.path.insert(0, sys.argv[1])
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance(colors="nocolor")
import selfcheck
selfcheck.start(())
for cell in sys.stdin.read().split("# ---- cell\\n"):
    print("==== output")
    shell.run_cell(cell)
"""
#: (cell, the line its output must end with, or None when no line of the self-check's may be added)
_COMPARISONS = (
    ("import numpy as np\ndef mean_loss(x):\n    np.mean(x)\n", None),  # (a function whose return is forgotten)
    ("assert np.isclose(mean_loss([1.0, 2.0]), 1.5), 'the mean of 1 and 2 is 1.5'\n",
     "This check could not compare the result: `mean_loss` returned None here: is the `return` at the end of it "
     "missing?"),
    ("def per_row(x):\n    return np.asarray(x).mean(axis=1)\n", None),
    ("assert np.isclose(per_row([[1.0, 2.0], [3.0, 4.0]]), 2.5), 'the mean of all four is 2.5'\n",
     "This check could not compare the result: `per_row` returned an array where this check expects one number: "
     "print its result and its np.shape."),
    ("assert np.isclose(per_row([[1.0, 2.0], [3.0, 4.0]]), [1.0, 2.0, 3.0]).all()\n",
     "This check could not compare the result: `per_row` returned an array of another shape than this check "
     "expects: print its result and its np.shape."),
    ("def lazy(x):\n    return map(float, x)\n", None),
    ("assert np.isclose(lazy([1.0]) - 1.0, 0.0).all()\n",
     "This check could not compare the result: `lazy` returned a map object (a lazy iterator), not an array: make an "
     "array of it."),
    ("def total(x):\n    return float(np.sum(x))\n", None),
    ("assert np.isclose(total([[1.0], [2.0]])[1], 2.0)\n",
     "This check could not compare the result: `total` returned one number where this check expects an array: print "
     "its result and its np.shape."),
    ("assert np.isfinite(mean_loss([1.0])), 'finite'\n",
     "This check could not compare the result: `mean_loss` returned something that is not numbers (None, or an "
     "iterator): print its result and its type."),
    # the value made earlier in the cell (inside a loop), the assert reading its name: that call's function is named
    ("for x in ([1.0], [2.0]):\n    loss = mean_loss(x)\n    assert np.isclose(loss, x[0]), 'the mean of one'\n",
     "This check could not compare the result: `mean_loss` returned None here: is the `return` at the end of it "
     "missing?"),
    # an assert over several lines that fails on its second: still a check's comparison
    ("assert np.isclose(1.0,\n                  per_row([[1.0, 2.0], [3.0, 4.0]])), \\\n    'one number'\n",
     "This check could not compare the result: `per_row` returned an array where this check expects one number: "
     "print its result and its np.shape."),
    # two functions of the notebook's in the comparison: which one gave the value is not known, so none is named
    ("assert np.isclose(per_row([[1.0, 2.0], [3.0, 4.0]]) + total([1.0]), 3.5)\n",
     "This check could not compare the result: a function of yours returned an array where this check expects one "
     "number: print its result and its np.shape."),
    ("scratch = np.ones(2) + np.ones(3)\n", None),  # (not a check: the student's own cell keeps its plain traceback)
    ("def broken(x):\n    return np.ones(2) + np.ones(3)\nassert broken(1) == 2\n", None),  # (raised in a function)
)


def test_a_check_that_cannot_compare_the_result_says_why_in_one_line_more():
    """A function that returns None (its ``return`` forgotten) or an array of another shape makes a check cell's
    comparison raise a TypeError or ValueError of NumPy's, which does not say what to fix: the self-check's handler
    keeps the traceback and adds one line that does — only for an ``assert`` of a cell's own code, never for an error
    raised inside a function or in a cell that is not a check."""
    cells = "# ---- cell\n".join(cell for cell, _ in _COMPARISONS)
    out = subprocess.run([sys.executable, "-c", _KERNEL, str(FOLDER)], input=cells, capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    outputs = out.split("==== output\n")[1:]
    assert len(outputs) == len(_COMPARISONS), out
    for (cell, line), output in zip(_COMPARISONS, outputs, strict=True):
        said = [text for text in output.splitlines() if text.startswith("This check could not compare")]
        assert said == ([line] if line else []), (cell, output)
        if line:
            assert "Traceback" in output or "Error" in output, output  # (the traceback is kept)
