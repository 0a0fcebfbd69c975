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
    mistake : str or tuple of str
        What is wrong in it: the ``mistake`` of the hint rule(s) that name it
        (:attr:`autograder.checks.failure.Hint.mistake`). Every hint shown on a
        cell it loses names one of these, and never another mistake
        (``tests/test_zoo.py``); ``docs/grading.md`` shows each hint with the
        specimens that make its mistake.
    """

    name: str
    function: str
    source: str
    hint: str | None = None
    mistake: str | tuple = ()

    @property
    def correct(self) -> bool:
        return self.hint is None

    @property
    def mistakes(self) -> tuple:
        """:attr:`mistake` as a tuple."""
        return (self.mistake,) if isinstance(self.mistake, str) else tuple(self.mistake)


def stub(name: str, function: str, params: str, body: str, mistake: str | tuple = ()) -> Specimen:
    """A placeholder, not an attempt: ``def function(params): body`` (``raise …`` or ``return 0.0``).

    Stubs earn nothing anywhere (no purity point for a function that computes
    nothing, no error-handling point without correct values); the untouched
    template (``raise NotImplementedError()``) is graded "not attempted".
    ``mistake``: the hints it gets (:attr:`Specimen.mistake`); by default, a
    stub that raises gets ``raises-everywhere`` and one that returns a
    constant ``placeholder``.
    """
    if not mistake and "NotImplementedError" not in body:
        mistake = "raises-everywhere" if body.startswith("raise") else "placeholder"
    return Specimen(name, function, f"\nimport numpy as np\n\ndef {function}({params}):\n    {body}\n", hint="",
                    mistake=mistake)


@functools.cache
def hint_rules(ps: str) -> dict:
    """``text -> Hint`` for every hint rule a check of ``ps`` can show: its functions' rules, then the generic
    ones (:data:`~autograder.checks.generic_hints.GENERIC_HINTS`), in that order.

    Raises
    ------
    ValueError
        If two rules share a text, or two different rules a mistake (a hint
        must tell its mistake apart).
    """
    from autograder.checks.by_name import checks_for
    from autograder.checks.generic_hints import GENERIC_HINTS

    rules: dict = {}
    for check in checks_for(ps).values():
        for rule in tuple(check.hints) + GENERIC_HINTS:
            if rules.setdefault(rule.text, rule) is not rule:
                raise ValueError(f"two hint rules of {ps} share the text {rule.text!r}")
    by_mistake: dict = {}
    for rule in rules.values():
        if by_mistake.setdefault(rule.mistake, rule) is not rule:
            raise ValueError(f"two hint rules of {ps} name the mistake {rule.mistake!r}")
    return rules


def zoo(ps: str) -> tuple:
    """The specimens of ``ps``'s module (``ZOO``) whose function the problem set asks for: a function taken out of
    the course takes its specimens with it (``python -m tests.declared`` names those left in the module)."""
    from autograder.model.course import FUNCTIONS

    return tuple(s for s in importlib.import_module(f"testkit.zoo.{ps}").ZOO if s.function in FUNCTIONS[ps])


def all_specimens():
    for ps in PROBLEM_SETS:
        for specimen in zoo(ps):
            yield ps, specimen


@functools.cache
def reference_sources(ps: str) -> tuple:
    """The source notebook's code cells but its test cells (set-up, imports, reference solutions …): what a
    notebook of reference solutions holds around a specimen, for reading the specimen's purity in context."""
    import json

    from autograder.model.course import ROOT
    from autograder.model.notebook import cell_text, nbgrader_meta

    nb = json.loads((ROOT / "source" / ps / f"{ps}.ipynb").read_text(encoding="utf-8"))
    return tuple(cell_text(c) for c in nb["cells"] if c["cell_type"] == "code" and not nbgrader_meta(c).get("grade"))


def grade(ps: str, specimen, cells: tuple[str, ...] | None = None) -> dict:
    """``grade_id -> CheckResult``: the checks of ``ps`` on the reference functions with ``specimen`` swapped in.

    In process, through :class:`~autograder.checks.evaluate.LocalTarget` (no notebook, no sandbox), with the
    specimen's source read for purity as the engine reads a notebook's
    (:class:`~autograder.reading.notebook.NotebookReading`). ``cells``: the specimen's code in several cells, run
    and read in that order, each under a name of its own as IPython compiles a cell (default: its source, one cell).
    """
    import numpy as np

    from autograder.checks.by_name import checks_for
    from autograder.checks.evaluate import LocalTarget, evaluate
    from autograder.checks.references import contract, reference_function
    from autograder.model.course import FUNCTIONS
    from autograder.perimeter.child_runtime.invoke import InputWatch
    from autograder.reading.notebook import NotebookReading

    namespace = {"np": np, "__name__": "__main__"}
    for fn in FUNCTIONS[ps]:
        namespace[fn] = reference_function(fn)
    texts = (specimen.source,) if cells is None else cells
    source = NotebookReading(contract=contract(FUNCTIONS[ps]))
    for text in reference_sources(ps):  # the rest of the notebook: the course's own solution cells
        source.add(text, student=False)
    for text in texts:
        source.add(text)
    with np.errstate():  # a specimen's np.seterr (real code calls it) ends with its grading, as a notebook's would
        for k, text in enumerate(texts):
            name = f"<zoo {specimen.name}>" if k == 0 else f"<zoo {specimen.name} {k}>"
            exec(compile(text, name, "exec"), namespace)
        watch = InputWatch()  # one notebook's calls, as the engine's child keeps them (purity over the whole check)
        return {gid: evaluate(check, LocalTarget(namespace, source, watch)) for gid, check in checks_for(ps).items()}
