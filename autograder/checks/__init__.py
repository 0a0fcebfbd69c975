"""Hidden checks: one module per problem set, each a tuple of :class:`Check` data.

``run_check(grade_id, globals())`` is what a notebook's hidden test block
calls inside the student's kernel (plain ``nbgrader autograde``): it
evaluates the check against the notebook's namespace and raises
``AssertionError`` with the message and hint when it fails. The grading
engine evaluates the same checks from the trusted side instead.

A problem set's checks are found by name (:mod:`autograder.checks.by_name`).
"""

from __future__ import annotations

import hashlib
import json

from autograder.checks import nbgrader_kernel
from autograder.checks.by_name import get_check
from autograder.checks.evaluate import LocalTarget, evaluate
from autograder.checks.references import contract
from autograder.model.course import FUNCTIONS, RELEASE, ROOT, problem_set_of
from autograder.model.notebook import read_cells
from autograder.perimeter.guard import support
from autograder.reading.notebook import NotebookReading

__all__ = ["run_check"]


def run_check(grade_id: str, namespace: dict) -> None:
    """Evaluate one check against a notebook namespace (in-kernel grading).

    Returns ``None`` on purpose: a value would become the cell's
    ``execute_result``, which ``nbgrader autograde`` reads as a partial score.

    In an IPython kernel it also makes the following graded cells run as a
    whole with errors carried forward (:mod:`autograder.checks.nbgrader_kernel`), and
    purity is judged from the cells the kernel ran, as the engine judges it
    (:func:`_kernel_source`).

    Raises
    ------
    AssertionError
        With the student-facing message and hint, when the check fails; saying why nothing is graded on an
        interpreter whose forbidden functions cannot be made unusable
        (:func:`autograder.perimeter.guard.support.unsupported`).
    """
    why = support.unsupported()
    if why is not None:
        raise AssertionError(f"not graded: {why}")

    nbgrader_kernel.install()  # from the next graded cell on, its visible asserts carry errors forward too
    with nbgrader_kernel.set_aside():
        target = LocalTarget(namespace, _kernel_source(grade_id), nbgrader_kernel.watch(namespace))
        result = evaluate(get_check(grade_id), target)
    if not result.passed:
        raise AssertionError(result.feedback())
    print(result.message)


def _kernel_source(grade_id: str) -> NotebookReading | None:
    """The cells this IPython kernel ran so far, read for purity (:class:`~autograder.reading.notebook.NotebookReading`),
    or None outside a kernel.

    From the shell's input history, in order; a cell whose text is one of the course's own (a code cell of the
    problem set's source or release notebook: the set-up cell, the imports, the tests) is not a student's, as the
    engine marks the cells it restores from the source. Only as trustworthy as the kernel: code in it can rewrite
    its history (docs/threat-model.md, plain nbgrader).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if not isinstance(history, list):
        return None
    ps = problem_set_of(grade_id)
    course = _course_cells(ps)
    reader = NotebookReading(contract=contract(FUNCTIONS[ps]))
    for index, text in enumerate(history[1:], start=1):
        if isinstance(text, str):
            reader.add(text, index=index, student=_digest(text) not in course)
    return reader


_COURSE_CELLS: dict = {}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _course_cells(ps: str) -> frozenset:
    """Digests of the code cells of ``ps``'s source and release notebooks (the course's own code; digests, so
    that the kernel holds no hidden test or reference solution in memory)."""
    if ps not in _COURSE_CELLS:
        texts: set[str] = set()
        for path in (ROOT / "source" / ps / f"{ps}.ipynb", RELEASE / ps / f"{ps}.ipynb"):
            try:
                nb = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            texts.update(_digest(c.source) for c in read_cells(nb.get("cells", [])) if c.kind == "code")
        _COURSE_CELLS[ps] = frozenset(texts)
    return _COURSE_CELLS[ps]
