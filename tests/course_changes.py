"""Three changes to the course, as an instructor makes them: a function added, a function taken out, points moved.

Each :class:`Change` is what a contributor writes by hand, file by file (docs/contributing.md's checklists), applied
to a copy of the course; then ``make release`` (``python -m testkit.regenerate``) regenerates the rest.
``tests/test_add_a_function.py`` makes each in a copy and runs the tests that read what it changes there
(:data:`DEPENDS`); ``python -m tests.course_changes NAME FOLDER`` makes a copy with one change applied and
regenerated, for running the whole suite in it (``make test`` there).

* ``add-softplus``: ``softplus(x)`` added to ps4, a set at its 3-hour limit (the fast check then says what must give:
  ps4's "Going further" takes section 3's demonstration) and at its 40 autograded points (its cells take 7 points
  from the set's other functions, so the rubric's round total and the derivation's fifth hold); its ready-made
  version ``scipy.special.softplus`` forbidden to it alone (``binary_cross_entropy_with_logits`` may still use it);
* ``remove-log_softmax``: ``log_softmax`` taken out of ps1 (its reference stays: ps2's loss uses it); its 12 points
  go to ``logsumexp`` and ``softmax``; its test data goes with it (its zoo specimens and ``LOSES`` rows, its corpus
  fixture deleted: the fast check's "left over");
* ``move-points``: one point of ``logsumexp-basic`` moved to ``logsumexp-axis``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Change:
    """One change to the course: its name, the files written by hand (relative to the course), and how."""

    name: str
    files: tuple[str, ...]
    apply: Callable[[Path], None]


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if text.count(old) != 1:
        raise ValueError(f"{path}: expected {old[:60]!r} once, found it {text.count(old)} times")
    path.write_text(text.replace(old, new), encoding="utf-8")


def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_notebook(path: Path, nb: dict) -> None:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _gid(cell: dict) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def cell(kind: str, grade_id: str, source: str, **nbgrader) -> dict:
    """A cell as nbgrader's toolbar makes one (locked, not graded, unless ``nbgrader`` says otherwise)."""
    meta = {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3, "solution": False,
            "task": False, **nbgrader}
    made = {"cell_type": kind, "id": grade_id, "metadata": {"nbgrader": meta},
            "source": source.splitlines(keepends=True)}
    if kind == "code":
        made.update(execution_count=None, outputs=[])
    return made


# ---------------------------------------------------------------------------------------------- add-softplus
PS4 = "ps4_bernoulli"

SOFTPLUS_REFERENCE = '''

def softplus(x):
    r"""Softplus, element-wise, without overflow: :math:`\\log(1 + e^{x})`.

    .. math::

        \\operatorname{softplus}(x) = \\max(x, 0) + \\log\\left(1 + e^{-|x|}\\right)

    Only the exponential of a number <= 0 is computed, and ``log1p`` keeps the digits of
    :math:`\\log(1 + e^{-|x|})` where that term is tiny.

    Parameters
    ----------
    x : array_like
        Real numbers.

    Returns
    -------
    float or ndarray
        Same shape as ``x``, values >= 0 (0 where :math:`e^{x}` underflows); a float64 scalar for scalar x.

    Raises
    ------
    ValueError
        If ``x`` is not real.

    Examples
    --------
    Closed forms: softplus(0) = log 2; softplus(x) - softplus(-x) = x; for x = 1000 the rest, log(1 + e^-1000),
    is far below half an ulp of 1000, and for x = -40, log(1 + e^-40) = e^-40 (1 - e^-40 / 2 + ...), within
    2e-18 relative of e^-40:

    >>> bool(np.isclose(softplus(0.0), np.log(2.0), rtol=1e-15, atol=0))
    True
    >>> bool(np.isclose(softplus(3.0) - softplus(-3.0), 3.0, rtol=1e-15, atol=0))
    True
    >>> float(softplus(1000.0)), float(softplus(-1000.0))
    (1000.0, 0.0)
    >>> bool(np.isclose(softplus(-40.0), np.exp(-40.0), rtol=1e-15, atol=0))
    True
    """
    x = as_float_array(x, "x")
    return scalar_or_array(np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))))
'''

SOFTPLUS_DECLARED = '''# (softplus: the building block of the loss from the logits, declared before it)
def _naive_softplus(x: ArrayLike) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.log(1.0 + np.exp(np.asarray(x, dtype=float)))


SOFTPLUS_OVERFLOW = Hint("np.exp overflows for arguments above about 709, so the log of 1 + exp(x) is inf where its "
                         "value is about x: compute it so that exp only ever sees numbers <= 0.",
                         any_of(matches_any(_naive_softplus, atol=0),
                                all_of(kind("value", "nonfinite"), warned("overflow encountered in exp"))),
                         "softplus-overflow")
def _softplus_without_log1p(x: ArrayLike) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log(1.0 + np.exp(-np.abs(x)))


SOFTPLUS_ROUNDED = Hint("The log of 1 plus a tiny number rounds that number away: at x = -40 the result, about 4.2e-18, "
                        "comes out 0. A logarithm made for numbers near 1 keeps those digits.",
                        matches_any(_softplus_without_log1p, atol=0), "softplus-rounded")
SOFTPLUS_MODERATE = family("ps4_bernoulli", "SOFTPLUS_MODERATE").normal(size=(3, 4)) * 3
SOFTPLUS = PS.function("softplus", hints=(SOFTPLUS_OVERFLOW, SOFTPLUS_ROUNDED), also_forbidden=("scipy.special.softplus",),
                       points={"basic": 3, "stability": 3, "purity": 1}, minutes=10, demo="np.array([-1.0, 0.0, 1.0])",
                       contract="log(1 + exp(x)) element-wise, stable: finite and warning-free for |x| up to 1e4.")

'''

SOFTPLUS_CELLS = '''    # ----------------------------------------------------------------- softplus
    SOFTPLUS.check(
        "basic",
        summary="log(1 + exp(x)) element-wise for moderate x; the output has the input's shape.",
        probes=(
            Probe("the array [-2.0, 0.0, 3.0]", (np.array([-2.0, 0.0, 3.0]),), public=True),
            Probe("the scalar 0.5", (0.5,), public=True),
            Probe("a (3, 4) array of moderate numbers", (SOFTPLUS_MODERATE,)),
        ),
    ),
    SOFTPLUS.check(
        "stability",
        summary="finite, accurate and free of RuntimeWarnings for |x| up to 1e4, tiny results included.",
        probes=(
            Probe("the array [-1000.0, -40.0, 40.0, 1000.0]", (SIG_PUBLIC_EXTREME,), public=True),
            Probe("numbers from -800 to 800 of both signs", (SIG_MIXED,)),
            Probe("a 2-D array of numbers ±1e4 and ±1e3", (SIG_HUGE,)),
        ),
        atol=1e-320,
        no_warnings=True,
        finite=True,
        why_reference="at |x| in the hundreds softplus(x) is x or e^x to float64's precision: the reference's values "
                      "are those closed forms, and no relation between calls would tell an overflow from them",
    ),
    SOFTPLUS.purity(
        probes=(
            *twinned("the array [[-2.0, 0.5], [3.0, -0.5]]", (SIG_PURE,), "a nested list"),
            Probe("a (3, 4) array of moderate numbers", (SOFTPLUS_MODERATE,)),
        ),
    ),
'''

SOFTPLUS_TASK = """### Your turn: `softplus`

The softplus $\\log(1 + e^{x})$, element-wise: by your (b), the loss below is made of it. It must be finite,
accurate and warning-free for every finite $x$, and keep the digits of its tiny values. `scipy.special.softplus`
is not yours to use here (the loss below may use it)."""

#: What the loss's task gains: it builds on softplus now (the 3-hour limit's give lowers its minutes).
LOGITS_TASK_END = "what is left over?"
LOGITS_TASK_ADDED = " Your `softplus` above is its building block."

SOFTPLUS_SOLUTION = '''def softplus(x):
    """log(1 + exp(x)) element-wise, for any finite x."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))
    ### END SOLUTION'''

SOFTPLUS_BASIC = '''# softplus-basic: log(1 + exp(x)) at moderate x; the output has the input's shape
out = softplus(np.array([-2.0, 0.0, 3.0]))
assert np.shape(out) == (3,), f"softplus works element-wise: an input of shape (3,) gives shape (3,), got {np.shape(out)}"
assert np.allclose(out, np.log1p(np.exp([-2.0, 0.0, 3.0])), rtol=1e-10, atol=0), \\
    "softplus([-2.0, 0.0, 3.0]) should equal log(1 + exp(x)) at these moderate x"
assert np.isclose(softplus(0.5), np.log1p(np.exp(0.5)), rtol=1e-10, atol=0), "softplus(0.5) should be log(1 + e^0.5)"
'''

SOFTPLUS_STABILITY = '''# softplus-stability: finite at |x| = 1000, the digits of tiny values kept, and no RuntimeWarning
import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")   # record every warning; the assert below says what it means
    out = softplus(np.array([-1000.0, -40.0, 40.0, 1000.0]))
runtime = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
assert not runtime, f"softplus raised RuntimeWarning: {runtime[0]}. The result must come without overflow warnings."
assert np.all(np.isfinite(out)), "softplus must be finite for every finite x: an exponential overflowed on the way"
assert out[3] == 1000.0 and out[0] == 0.0, "at x = 1000 softplus is 1000 in float64, and at x = -1000 it is 0"
assert out[1] > 0, "softplus(-40) is a tiny number float64 holds, not 0: it rounded away on the way"
'''

SOFTPLUS_PURITY = '''# softplus accepts nested lists, does not modify its input, and raises no RuntimeWarning.
# (This cell does not judge the values: the other cells do. A wrong but pure function keeps this point.)
import warnings

x = np.array([[-2.0, 0.5], [3.0, -0.5]])
x_before = x.copy()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")   # record every warning; the assert below says what it means
    from_array = softplus(x)
    from_list = softplus([[-2.0, 0.5], [3.0, -0.5]])
runtime = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
assert not runtime, f"softplus raised RuntimeWarning: {runtime[0]}, on ordinary numbers."
assert np.array_equal(x, x_before), "softplus changed its input array in place: compute new arrays"
assert np.allclose(from_list, from_array, rtol=1e-12, atol=0, equal_nan=True), \\
    "softplus gave a different result for nested lists than for the same numbers as an array"
'''

SOFTPLUS_ZOO = '''
# ----------------------------------------------------------------- softplus
ZOO = ZOO + (
    Specimen("ps4-softplus-logaddexp", "softplus", """
import numpy as np

def softplus(x):
    return np.logaddexp(0.0, np.asarray(x, dtype=float))
"""),
    Specimen("ps4-softplus-split", "softplus", """
import numpy as np

def softplus(x):
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    big = x > 0
    out[big] = x[big] + np.log1p(np.exp(-x[big]))
    out[~big] = np.log1p(np.exp(x[~big]))
    return out
"""),
    Specimen("ps4-softplus-naive", "softplus", """
import numpy as np

def softplus(x):
    return np.log(1 + np.exp(np.asarray(x, dtype=float)))
""", hint="so that exp only ever sees numbers <= 0", mistake="softplus-overflow"),
    Specimen("ps4-softplus-no-log1p", "softplus", """
import numpy as np

def softplus(x):
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log(1.0 + np.exp(-np.abs(x)))
""", hint="A logarithm made for numbers near 1", mistake="softplus-rounded"),
    Specimen("ps4-softplus-scipy", "softplus", """
from scipy.special import softplus as ready_made

def softplus(x):
    return ready_made(x)
""", hint="Write it yourself", mistake="forbidden"),
)
LOSES.update({
    "ps4-softplus-naive": ("softplus-stability",),
    "ps4-softplus-no-log1p": ("softplus-stability",),
    "ps4-softplus-scipy": ("softplus-basic", "softplus-stability", "softplus-purity"),
})
DEGENERATE = {"softplus": degenerate.Forms(
    bodies={"constant": "return np.zeros(np.shape(x))[()]",
            "uniform": "return np.full(np.shape(x), np.log(2.0))[()]",
            "one-hot": "return np.maximum(np.asarray(x, dtype=float), 0.0)[()]",
            "identity": "return np.asarray(x, dtype=float)",
            "echoed": "return x"},
    placeholders=("uniform",),
    mistakes={"constant": ("placeholder",), "uniform": ("placeholder",)},
)}
INDEPENDENT = {"softplus": (
    """
import numpy as np

def softplus(x):
    a = np.array(x, dtype=np.float64)
    return np.where(a > 0, a, 0.0) + np.log1p(np.exp(-np.abs(a)))
""",
    """
import math
import numpy as np

def softplus(x):
    arr = np.asarray(x, dtype=float)
    flat = [v + math.log1p(math.exp(-v)) if v > 0 else math.log1p(math.exp(v)) for v in arr.ravel()]
    return np.array(flat).reshape(arr.shape)
""",
    """
import numpy as np

def softplus(x):
    x = np.asarray(x, dtype=float)
    return -np.log(1.0 / (1.0 + np.exp(-np.abs(x)))) + np.clip(x, 0.0, None)
""",
    """
import numpy as np

def _tail(t):
    return np.log1p(np.exp(-t))

def softplus(x):
    v = np.asarray(x, dtype=float)
    m = np.maximum(v, 0.0)
    return m + _tail(np.abs(v))
""",
    """
import numpy as np

def softplus(x):
    x = np.asarray(x, dtype=np.float64)
    result = np.zeros(x.shape)
    high, low = x > 30, x < -30
    mid = ~(high | low)
    result[high] = x[high]
    result[low] = np.exp(x[low])
    result[mid] = np.log1p(np.exp(x[mid]))
    return result
""",
    """
import math
import numpy as np

def _one(v):
    if v > 0:
        return v + math.log1p(math.exp(-v))
    return math.log1p(math.exp(v))

_each = np.vectorize(_one, otypes=[float])

def softplus(x):
    return _each(np.asarray(x, dtype=float))
""",
    """
import numpy as np

def softplus(values):
    values = np.asarray(values, dtype=float)
    zeros = np.zeros_like(values)
    return np.logaddexp(zeros, values)
""",
)}

'''


def _add_softplus(course: Path) -> None:
    solutions = course / "solutions" / f"{PS4}.py"
    replace(solutions, '"binary_cross_entropy_with_logits"]', '"binary_cross_entropy_with_logits", "softplus"]')
    with open(solutions, "a", encoding="utf-8") as fh:
        fh.write(SOFTPLUS_REFERENCE)
    checks = course / "autograder" / "checks" / f"{PS4}.py"
    replace(checks, "from autograder.checks.declaration import ProblemSetChecks, linked\n",
            "from autograder.checks.declaration import ProblemSetChecks, linked\nfrom autograder.checks.draws import family\n"
            "from autograder.checks.failure import Hint\n")
    replace(checks, "from autograder.checks.forbidden import FRAMEWORKS, SCIPY_SIGMOID, SKLEARN_LOG_LOSS\n",
            "from autograder.checks.forbidden import FRAMEWORKS, SCIPY_SIGMOID, SKLEARN_LOG_LOSS\n"
            "from autograder.checks.hints import all_of, any_of, kind, matches_any, warned\n")
    # 7 points for softplus from the set's other functions: 40 autograded + 10 by hand stay (the rubric's round total)
    for old, new in (('points={"basic": 4, "stability": 4, "purity": 1}', 'points={"basic": 3, "stability": 3, "purity": 1}'),
                     ('points={"basic": 4, "edges": 3, "purity": 1}', 'points={"basic": 3, "edges": 2, "purity": 1}'),
                     ('points={"basic": 4, "soft": 2, "shape": 1, "edges": 3, "purity": 1}',
                      'points={"basic": 3, "soft": 2, "shape": 1, "edges": 2, "purity": 1}'),
                     # (and 10 of the loss's minutes: its task now builds on softplus, the 3-hour limit's give)
                     ('points={"basic": 5, "shape": 1, "stability": 5, "purity": 1}, minutes=25',
                      'points={"basic": 4, "shape": 1, "stability": 5, "purity": 1}, minutes=15')):
        replace(checks, old, new)
    replace(checks, "\nCHECKS = linked((\n", "\n" + SOFTPLUS_DECLARED + "CHECKS = linked((\n")
    replace(checks, "    # ----------------------------------------- binary_cross_entropy_with_logits\n",
            SOFTPLUS_CELLS + "    # ----------------------------------------- binary_cross_entropy_with_logits\n")
    path = course / "source" / PS4 / f"{PS4}.ipynb"
    nb = _notebook(path)
    cells = nb["cells"]
    at = next(i for i, c in enumerate(cells) if _gid(c) == "task-binary_cross_entropy_with_logits")
    text = "".join(cells[at]["source"])
    if not text.rstrip().endswith(LOGITS_TASK_END):
        raise ValueError(f"{path}: the loss's task no longer ends {LOGITS_TASK_END!r}")
    cells[at]["source"] = (text.rstrip() + LOGITS_TASK_ADDED).splitlines(keepends=True)
    cells[at:at] = [
        cell("markdown", "task-softplus", SOFTPLUS_TASK),
        cell("code", "softplus", SOFTPLUS_SOLUTION, locked=False, solution=True),
        cell("code", "softplus-basic", SOFTPLUS_BASIC, grade=True, points=3),
        cell("code", "softplus-stability", SOFTPLUS_STABILITY, grade=True, points=3),
        cell("code", "softplus-purity", SOFTPLUS_PURITY, grade=True, points=1),
    ]
    # the rest of the 3-hour limit's give (python -m tests.declared says how much): two demonstrations of sections 3
    # and 4 move into "Going further"
    for demo in ("demo-clipping", "demo-zero-log-zero"):
        moved = cells.pop(next(i for i, c in enumerate(cells) if _gid(c) == demo))
        cells.insert(next(i for i, c in enumerate(cells) if _gid(c) == "going-further") + 1, moved)
    _write_notebook(path, nb)
    zoo = course / "testkit" / "zoo" / f"{PS4}.py"
    replace(zoo, "# The degenerate forms of each function", SOFTPLUS_ZOO.lstrip("\n") + "# The degenerate forms of each function")
    # (a specimen of the loss imports SciPy's softplus under the name now the contract's: python -m tests.declared)
    replace(zoo, "from scipy.special import softplus\n\ndef binary_cross_entropy_with_logits",
            "from scipy import special\n\ndef binary_cross_entropy_with_logits")
    replace(zoo, "    return float(np.mean(softplus(z) - y * z))", "    return float(np.mean(special.softplus(z) - y * z))")
    replace(zoo, f'ZOO = ZOO + degenerate.specimens("{PS4}")', f'ZOO = ZOO + degenerate.specimens("{PS4}", DEGENERATE)')
    replace(zoo, f'LOSES.update(degenerate.loses("{PS4}"))', f'LOSES.update(degenerate.loses("{PS4}", DEGENERATE))')


def working_time(course: Path, ps: str, line: str) -> None:
    """The opening's working-time line replaced by ``line`` (the fast check says which line to write)."""
    path = course / "source" / ps / f"{ps}.ipynb"
    nb = _notebook(path)
    text = "".join(nb["cells"][0]["source"])
    start = text.index("**Working time:**")
    end = text.index("\n", start)
    nb["cells"][0]["source"] = (text[:start] + line + text[end:]).splitlines(keepends=True)
    _write_notebook(path, nb)


# -------------------------------------------------------------------------------------- remove-log_softmax
PS1 = "ps1_softmax"


def _remove_log_softmax(course: Path) -> None:
    checks = course / "autograder" / "checks" / f"{PS1}.py"
    text = checks.read_text(encoding="utf-8")
    start = text.index("LOG_SOFTMAX = PS.function(")
    end = text.index("\n\nCHECKS = linked((")
    text = text[:start].rstrip("\n") + "\n" + text[end:]
    start = text.index("    # -------------------------------------------------------------- log_softmax")
    end = text.rindex("\n))")
    text = text[:start].rstrip("\n") + text[end:]
    checks.write_text(text, encoding="utf-8")
    # its 12 points to the two functions left, so that ps1 keeps 40 autograded + 10 by hand (the rubric's round
    # total and the derivation's fifth): each idea cell still a third of its function or more
    replace(checks, 'points={"basic": 4, "axis": 2, "shape": 1, "stability": 5, "purity": 1}',
            'points={"basic": 5, "axis": 3, "shape": 1, "stability": 9, "purity": 1}')
    replace(checks, 'points={"basic": 4, "axis": 2, "temperature": 2, "stability": 5, "errors": 1, "purity": 1}',
            'points={"basic": 5, "axis": 3, "temperature": 3, "stability": 8, "errors": 1, "purity": 1}')
    path = course / "source" / PS1 / f"{PS1}.ipynb"
    nb = _notebook(path)
    gone = {"sec-logsoftmax", "task-log_softmax", "log_softmax", "checks-log_softmax", "fig-log-softmax"}
    nb["cells"] = [c for c in nb["cells"] if _gid(c) not in gone and not _gid(c).startswith("log_softmax-")]
    # its section (5) gone, the next is 5 (tests/test_notebook_template.py: numbered 1, 2, …), where the lesson names it
    for c in nb["cells"]:
        text = "".join(c["source"])
        renumbered = text.replace("## 6. Put it to work", "## 5. Put it to work").replace(
            "figure of\nsection 6", "figure of\nsection 5").replace("figure of section 6", "figure of section 5")
        if renumbered != text:
            c["source"] = renumbered.splitlines(keepends=True)
    _write_notebook(path, nb)
    # its test data with it (the fast check lists what is left over): its zoo specimens and their LOSES rows, and its
    # corpus fixture (deleted)
    zoo = course / "testkit" / "zoo" / f"{PS1}.py"
    without_specimens_of(zoo, "log_softmax")
    replace(zoo, "problem set 1: logsumexp, softmax, log_softmax.", "problem set 1: logsumexp, softmax.")
    (course / LOG_SOFTMAX_FIXTURE).unlink()


LOG_SOFTMAX_FIXTURE = f"testkit/corpus/fixtures/{PS1}/log_softmax-own-whole-array-logsumexp.py.txt"


def without_specimens_of(path: Path, fn: str) -> None:
    """The zoo module at ``path`` without ``fn``'s specimens (``Specimen``/``stub`` entries of ``ZOO``) and their
    ``LOSES`` rows, each with the comment lines right above it: what a contributor deletes by hand."""
    import ast

    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    spans = []
    for node in ast.walk(ast.parse(text)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("Specimen", "stub")
                and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and node.args[1].value == fn):
            spans.append((node.lineno, node.end_lineno))
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "LOSES" for t in node.targets)
                and isinstance(node.value, ast.Dict)):
            spans += [(k.lineno, v.end_lineno) for k, v in zip(node.value.keys, node.value.values)
                      if isinstance(k, ast.Constant) and str(k.value).startswith(f"{fn}-")]
    gone = set()
    for first, last in spans:
        if lines[first - 1][:node_indent(lines[first - 1])].strip():
            raise ValueError(f"{path}: line {first} does not start with its entry")
        while first > 1 and lines[first - 2].lstrip().startswith("#"):  # its comment lines
            first -= 1
        gone.update(range(first, last + 1))
    path.write_text("".join(line for number, line in enumerate(lines, 1) if number not in gone), encoding="utf-8")


def node_indent(line: str) -> int:
    return len(line) - len(line.lstrip())


# --------------------------------------------------------------------------------------------- move-points
def _move_points(course: Path) -> None:
    replace(course / "autograder" / "checks" / f"{PS1}.py",
            'points={"basic": 4, "axis": 2, "shape": 1, "stability": 5, "purity": 1}',
            'points={"basic": 3, "axis": 3, "shape": 1, "stability": 5, "purity": 1}')


CHANGES = {
    "add-softplus": Change("add-softplus", (f"solutions/{PS4}.py", f"autograder/checks/{PS4}.py",
                                            f"source/{PS4}/{PS4}.ipynb", f"testkit/zoo/{PS4}.py"), _add_softplus),
    "remove-log_softmax": Change("remove-log_softmax", (f"autograder/checks/{PS1}.py", f"source/{PS1}/{PS1}.ipynb",
                                                        f"testkit/zoo/{PS1}.py", LOG_SOFTMAX_FIXTURE),
                                 _remove_log_softmax),
    "move-points": Change("move-points", (f"autograder/checks/{PS1}.py",), _move_points),
}

#: What a course copy holds: what the course is made of and its tests (not .venv, examples' outputs, benchmarks).
COPIED = ("autograder", "solutions", "source", "release", "student_side", "testkit", "docs", "tests", "examples",
          "benchmarks", "ci-templates", ".ci", ".github")
COPIED_FILES = ("nbgrader_config.py", "pyproject.toml", "README.md", "Makefile", "constraints.txt", ".gitlab-ci.yml",
                ".gitignore")


def copy_course(folder: Path) -> Path:
    """A copy of the course in ``folder`` (no caches, no virtual environment)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".pytest_cache")
    for name in COPIED:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, folder / name, ignore=ignore, symlinks=True)
    for name in COPIED_FILES:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, folder / name)
    return folder


def python(course: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python args…`` in the course copy, which its own packages come from."""
    import os

    env = {**os.environ, "PYTHONPATH": str(course), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, *args], cwd=course, env=env, capture_output=True, text=True,
                          timeout=timeout)


def regenerate(course: Path) -> subprocess.CompletedProcess:
    """``make release`` in the copy."""
    return python(course, "-m", "testkit.regenerate", timeout=900)


def fast_check(course: Path, *sets: str) -> subprocess.CompletedProcess:
    return python(course, "-m", "tests.declared", *sets, timeout=120)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in CHANGES:
        print(f"usage: python -m tests.course_changes {{{','.join(CHANGES)}}} FOLDER", file=sys.stderr)
        return 2
    change, folder = CHANGES[argv[0]], Path(argv[1])
    change.apply(folder)
    done = regenerate(folder)
    print(done.stdout[-3000:], done.stderr[-3000:])
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
