"""The bug zoo: realistic implementations, wrong and right, as students write them.

Each problem set has a module ``testkit/zoo/<ps>.py`` with ``ZOO``, a tuple of
:class:`Specimen`. A specimen is the source of one solution cell (it defines
one contract function, plus any helpers of its own) so that the same text
can be exec'd into a namespace for the checks' own tests, or pasted into a
real notebook for the grading engine and nbgrader parity tests.

``testkit/zoo/compound.py`` holds specimens of several cells (errors carried
forward, notebook order), each a whole notebook with the graded cells it
must lose.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass

from autograder.model.course import PROBLEM_SETS  # the one list of problem sets (re-exported for testkit.zoo.table)


@dataclass(frozen=True)
class Specimen:
    """One implementation of one contract function.

    Attributes
    ----------
    name : str
        Short unique id, e.g. ``"softmax-naive-overflow"``.
    function : str
        The contract function the source defines.
    source : str
        Python source of the solution cell (top-level ``def``; may import
        numpy/scipy and define helpers).
    hint : str or None
        ``None`` for a correct implementation (full points everywhere);
        otherwise a substring of the hint the grader must show for it.
    """

    name: str
    function: str
    source: str
    hint: str | None = None

    @property
    def correct(self) -> bool:
        return self.hint is None


def stub(name: str, function: str, params: str, body: str) -> Specimen:
    """A placeholder, not an attempt: ``def function(params): body`` (``raise …`` or ``return 0.0``).

    Stubs earn nothing anywhere (no purity point for a function that computes
    nothing, no error-handling point without correct values); the untouched
    template (``raise NotImplementedError()``) is graded "not attempted".
    """
    return Specimen(name, function, f"\nimport numpy as np\n\ndef {function}({params}):\n    {body}\n", hint="")


def zoo(ps: str) -> tuple:
    return importlib.import_module(f"testkit.zoo.{ps}").ZOO


def all_specimens():
    for ps in PROBLEM_SETS:
        for specimen in zoo(ps):
            yield ps, specimen


@functools.lru_cache(maxsize=None)
def reference_sources(ps: str) -> tuple:
    """The source notebook's code cells but its test cells (set-up, imports, reference solutions …): what a
    notebook of reference solutions holds around a specimen, for reading the specimen's purity in context."""
    import json

    from autograder.model.course import ROOT
    from autograder.model.notebook import cell_text, nbgrader_meta

    nb = json.loads((ROOT / "source" / ps / f"{ps}.ipynb").read_text(encoding="utf-8"))
    return tuple(cell_text(c) for c in nb["cells"] if c["cell_type"] == "code" and not nbgrader_meta(c).get("grade"))


def grade(ps: str, specimen) -> dict:
    """``grade_id -> CheckResult``: the checks of ``ps`` on the reference functions with ``specimen`` swapped in.

    In process, through :class:`~autograder.checks.evaluate.LocalTarget` (no notebook, no sandbox), with the
    specimen's source read for purity as the engine reads a notebook's
    (:class:`~autograder.reading.notebook.NotebookReading`).
    """
    import numpy as np

    from autograder.checks import checks_for
    from autograder.checks.evaluate import LocalTarget, evaluate
    from autograder.checks.references import reference_function
    from autograder.model.course import FUNCTIONS
    from autograder.reading.notebook import NotebookReading

    namespace = {"np": np, "__name__": "__main__"}
    for fn in FUNCTIONS[ps]:
        namespace[fn] = reference_function(fn)
    exec(compile(specimen.source, f"<zoo {specimen.name}>", "exec"), namespace)
    source = NotebookReading(contract=FUNCTIONS[ps])
    for text in reference_sources(ps):  # the rest of the notebook: the course's own solution cells
        source.add(text, student=False)
    source.add(specimen.source)
    return {gid: evaluate(check, LocalTarget(namespace, source)) for gid, check in checks_for(ps).items()}
