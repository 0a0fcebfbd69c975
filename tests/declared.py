"""What a contract function needs besides its graded cells, each missing piece said with the file to fix.

A function is declared for the course by its graded cells in ``source/<ps>/<ps>.ipynb``
(``autograder/model/course.py`` reads :data:`FUNCTIONS` from them). :func:`missing` lists, for one problem
set, every piece of a function that is written by hand elsewhere and is not there:

* written with it (the four files of docs/contributing.md, "Add a function"): its solution cell (the
  notebook), its reference (``solutions/<ps>.py``), its checks for every graded cell
  (``autograder/checks/<ps>.py``), its row in ``docs/contract.md``;
* asked for by the tests, written after it: the reference's own tests (``tests/test_solutions_<psN>.py``: ps1 … ps6),
  two correct specimens and a wrong one in the bug zoo (``testkit/zoo/<ps>.py``), independent versions for the
  similarity tests (``testkit/independent.py``).

What is made from the graded cells (the points table, the "What the next cells check" lists, the functions of
``student_side/selfcheck.py``) is written by ``make release``, and not listed here.
``tests/test_add_a_function.py`` runs it on the course, and in a copy of the course with a function added.
"""

from __future__ import annotations

import importlib
import json
import re

from autograder.model.course import FUNCTIONS, GRADE_CELLS, ROOT, function_of, source_notebook

#: Correct specimens a function needs in the zoo (tests/test_zoo.py), and independent versions
#: (as many as every function has; tests/test_similarity_detection.py plants copies among them).
CORRECT_SPECIMENS = 2
INDEPENDENT_VERSIONS = 4


def contract_rows() -> dict:
    """``{problem set: [function, …]}`` as docs/contract.md's tables list them."""
    out, ps = {}, None
    for line in (ROOT / "docs" / "contract.md").read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (ps\d+_\w+)", line)
        if heading:
            ps = heading.group(1)
            out[ps] = []
        row = re.match(r"^\| `(\w+)\((.*?)\)` \|", line)
        if row and ps:
            out[ps].append(row.group(1))
    return out


def _solution_cells(ps: str) -> set:
    cells = json.loads(source_notebook(ps).read_text(encoding="utf-8"))["cells"]
    return {meta.get("grade_id") for meta in (c.get("metadata", {}).get("nbgrader", {}) for c in cells)
            if meta.get("solution") and not meta.get("grade")}


def missing(ps: str, after: bool = True) -> list:
    """What the functions of ``ps`` lack, one line each naming the file to fix and what to write there.

    ``after``: also the pieces the tests ask for once the function works (its tests, zoo, independent versions).
    """
    from autograder.checks.by_name import checks_for

    out = []
    solutions = importlib.import_module(f"solutions.{ps}")
    checks = checks_for(ps)
    documented = contract_rows().get(ps, [])
    cells = _solution_cells(ps)
    for fn in FUNCTIONS[ps]:
        if fn not in cells:
            out.append(f"source/{ps}/{ps}.ipynb: no solution cell for {fn} (a code cell, nbgrader solution, "
                       f'grade_id "{fn}", holding `def {fn}(…)`)')
        if not callable(getattr(solutions, fn, None)):
            out.append(f"solutions/{ps}.py: no reference `def {fn}(…)`")
        for gid, _ in GRADE_CELLS[ps]:
            if function_of(gid) == fn and gid not in checks:
                out.append(f"autograder/checks/{ps}.py: no check for the graded cell {gid} "
                           f'({fn.upper()} = PS.function("{fn}", hints=…), then {fn.upper()}.check("'
                           f'{gid.rsplit("-", 1)[1]}", …) in CHECKS, in notebook order)')
        if fn not in documented:
            out.append(f"docs/contract.md: no row for {fn} under '## {ps}' (| `{fn}(<its signature>)` | … |, "
                       "in notebook order)")
    extra = [gid for gid in checks if gid not in dict(GRADE_CELLS[ps])]
    if extra:
        out.append(f"autograder/checks/{ps}.py: checks without a graded cell in source/{ps}/{ps}.ipynb: {extra}")
    if documented != [fn for fn in FUNCTIONS[ps] if fn in documented]:   # a row too many, or out of order
        out.append(f"docs/contract.md: the rows under '## {ps}' must be {list(FUNCTIONS[ps])}, in that order; "
                   f"they are {documented}")
    if not after:
        return out
    from testkit.independent import INDEPENDENT
    from testkit.zoo import zoo
    from testkit.zoo.degenerate import BODIES

    tests = (ROOT / "tests" / f"test_solutions_{ps[:3]}.py")
    text = tests.read_text(encoding="utf-8") if tests.is_file() else ""
    specimens = zoo(ps)
    for fn in FUNCTIONS[ps]:
        if not re.search(rf"\b{re.escape(fn)}\b", text):
            out.append(f"tests/test_solutions_{ps[:3]}.py: no test of the reference {fn}")
        right = [s for s in specimens if s.function == fn and s.correct]
        wrong = [s for s in specimens if s.function == fn and not s.correct]
        if len(right) < CORRECT_SPECIMENS or not wrong:
            out.append(f"testkit/zoo/{ps}.py: {fn} has {len(right)} correct and {len(wrong)} wrong specimens in ZOO "
                       f"(at least {CORRECT_SPECIMENS} correct ones, written differently, and a wrong one with its "
                       "hint and mistake)")
        if fn not in BODIES:
            out.append(f"testkit/zoo/degenerate.py: BODIES[{fn!r}] is missing (its constant, uniform, one-hot, identity, "
                       "echoed and ignored-parameter forms, each earning only what the contract grants)")
        if len(INDEPENDENT.get(fn, ())) < INDEPENDENT_VERSIONS:
            out.append(f"testkit/independent.py: INDEPENDENT[{fn!r}] has {len(INDEPENDENT.get(fn, ()))} versions "
                       f"(at least {INDEPENDENT_VERSIONS}, each in a style of its own)")
    return out
