"""Checks declared: what a problem set and each of its functions share, stated once.

The check modules do not write :class:`~autograder.checks.check.Check` by hand: they declare what a
problem set and each of its functions share once (:class:`ProblemSetChecks`, :class:`FunctionChecks`), and
each aspect adds its summary, probes and overrides (:meth:`FunctionChecks.check`), which builds the ``Check``
with ``grade_id = f"{function}-{aspect}"``::

    PS1 = ProblemSetChecks("ps1_softmax", forbidden=SCIPY_SOFTMAX + FRAMEWORKS)
    LOGSUMEXP = PS1.function("logsumexp", hints=LSE_HINTS, atol=1e-12,
                             points={"basic": 4, "stability": 5, "purity": 1}, minutes=40,
                             demo="np.array([1.0, 2.0, 3.0])", contract="log Σ exp(z) along `axis`, …")
    CHECKS = linked((
        LOGSUMEXP.check("basic", summary="...", probes=(Probe(...), ...)),
        LOGSUMEXP.check("stability", summary="...", probes=(...), no_warnings=True),
        LOGSUMEXP.purity(probes=(...)),
    ))

The function's declaration is the one place everything about it that repeats elsewhere is written: its points per
aspect (``make release`` writes them into the source notebook's graded cells, with each cell's hidden call), the
minutes a student needs for it (``testkit/load.py``), the arguments of a small call (``demo``:
``testkit/rewrites.py``), its row of docs/contract.md (``contract``, beside the reference's signature) and its
entry in README.md's problem-set table (``readme_note``), and the library functions it may not use besides its
set's (``also_forbidden``). :mod:`autograder.checks.course_text` writes them where they repeat; ``python -m
tests.declared`` names, with the file and what to write, whatever a function still lacks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from autograder.checks.changes import with_changes
from autograder.checks.check import Check
from autograder.checks.probe import EXPECTS, Probe
from autograder.checks.slice_form import SliceForm
from autograder.model.course import FUNCTIONS, solution_functions

#: An aspect names one property of a function; it must not contain "-", which
#: separates it from the function in a grade_id (``course.function_of``).
_ASPECT = re.compile(r"[a-z][a-z0-9_]*")

def declarable(ps: str | None = None) -> tuple[str, ...]:
    """The functions a declaration may name: those of ``ps`` (every problem set's, for None) that its source
    notebook grades or has a solution cell for (a function being added has its solution cell before make release
    writes its graded cells from the declaration)."""
    sets = FUNCTIONS if ps is None else (ps,)
    return tuple(dict.fromkeys(fn for s in sets for fn in (*FUNCTIONS[s], *solution_functions(s))))


class NotInTheNotebook(ValueError):
    """A declaration names a function its problem set's source notebook neither grades nor has a solution cell for
    (a typo, or a function being added before its solution cell is written: ``tests/declared.py`` says which)."""

    def __init__(self, ps: str, function: str):
        self.ps, self.function = ps, function
        super().__init__(f"name: {ps} asks for {', '.join(FUNCTIONS[ps])}; got {function!r} (a function being added "
                         f"needs its solution cell in source/{ps}/{ps}.ipynb)")


#: The one sentence every purity check states (see :meth:`FunctionChecks.purity`).
PURITY_SUMMARY = ("accepts {lists}, does not modify its {inputs}, and raises no RuntimeWarning "
                  "(values are judged by the other cells).")


@dataclass(frozen=True)
class FunctionChecks:
    """What every check of one contract function shares, stated once.

    Build it with :meth:`ProblemSetChecks.function`; each aspect then becomes
    a :class:`~autograder.checks.check.Check` through :meth:`check` (or :meth:`purity`), which is the
    only place a grade_id is made: ``f"{name}-{aspect}"``, with ``function``
    set to the same ``name``, so a check cannot name one function and test
    another.

    Attributes
    ----------
    name : str
        The contract function (one of ``autograder.model.course.ALL_FUNCTIONS``).
    forbidden : tuple of str
        The problem set's forbidden library objects (see :attr:`Check.forbidden`).
    hints : tuple of Hint
        The function's hint rules, offered by every one of its checks unless
        an aspect replaces them.
    rtol, atol : float
        Default tolerances of its checks (an aspect or a probe may override them).
    returns : tuple of str
        Names of the returned values when the function returns a tuple.
    other_form : callable or None
        ``other_form(args) -> args or None``: a probe's arguments in the contract's other form (None where
        they have none); every check of the function but those in ``form_cells`` gets the same check with
        its probes so converted (:attr:`Check.other_form`).
    form_cells : tuple of str
        The aspects that judge the form the probes use (``("basic",)``): no other form there.
    slice_form : SliceForm or None
        For a function that takes a stack of slices: how; every check of the function but those of its
        :attr:`SliceForm.cells <autograder.checks.slice_form.SliceForm.cells>` gets it (:attr:`Check.slice_form`).
    changes : tuple of Change
        Its arguments changed as every correct result responds to (:mod:`autograder.checks.changes`).
    points : tuple of (str, float)
        The points of each aspect, in the order its cells are declared (``make release`` writes them into the
        graded cells' nbgrader metadata, where nbgrader and the course plan read them).
    minutes : int
        Writing the function and debugging it until its visible checks pass, for a median second-year student
        (the working-time estimate, ``testkit/load.py``).
    demo : str
        The arguments of a small call it answers, as code (``"np.array([1.0, 2.0, 3.0])"``): what a student's
        demonstration below the function passes (``testkit/rewrites.py``).
    contract : str
        What it computes, for its row of docs/contract.md (beside the reference's signature).
    readme_note : str
        What README.md's problem-set table says beside its name (``"(with temperature)"``), usually nothing.
    own_forbidden : tuple of str
        Library objects this function may not use besides its problem set's list (``forbidden`` holds both).
        The set's list is made unusable in the process that runs student code; a name only some functions of
        the set forbid is judged by reading the function's code alone (the others may use it).

    Raises
    ------
    ValueError
        If ``name`` is not a contract function of the course.
    """

    name: str
    forbidden: tuple = ()
    hints: tuple = ()
    rtol: float = Check.rtol
    atol: float = Check.atol
    returns: tuple = ()
    allowed: str = ""
    other_form: Callable[[tuple], tuple | None] | None = None
    form_cells: tuple = ("basic",)
    slice_form: SliceForm | None = None
    changes: tuple = ()
    points: tuple = ()
    minutes: int = 0
    demo: str = ""
    contract: str = ""
    readme_note: str = ""
    own_forbidden: tuple = ()

    def __post_init__(self) -> None:
        if self.name not in declarable():
            raise ValueError(f"name: expected a contract function of autograder.model.course.FUNCTIONS, got {self.name!r}")

    def points_of(self, aspect: str) -> float:
        """The points of ``aspect`` (0 where the declaration gives none: ``python -m tests.declared`` says so)."""
        return dict(self.points).get(aspect, 0)

    def check(self, aspect: str, *, summary: str, probes: tuple, hints: tuple | None = None,
              rtol: float | None = None, atol: float | None = None, no_warnings: bool = False,
              no_mutation: bool = False, compare_values: bool = True, finite: bool = False,
              shapes: bool = False, why_reference: str = "", container: bool = False) -> Check:
        """The :class:`~autograder.checks.check.Check` of one aspect of this function.

        Parameters
        ----------
        aspect : str
            The property checked, a lowercase word (``"basic"``, ``"stability"``);
            the grade_id is ``f"{self.name}-{aspect}"``.
        summary : str
            One student-facing sentence: what the check verifies.
        probes : tuple of Probe
            The calls, in order; a probe's ``twin`` must name an earlier one.
        hints : tuple of Hint, optional
            Replaces the function's hints for this aspect (``None``: keep them).
        rtol, atol : float, optional
            Override the function's tolerances for this aspect (``None``: keep them).
        no_warnings, no_mutation, compare_values, finite, shapes, container : bool
            As in :class:`Check` (use :meth:`shape` for a container cell).
        why_reference : str
            As in :class:`Check`: required when an aspect other than
            ``basic`` compares values with the reference.

        Returns
        -------
        Check

        Raises
        ------
        ValueError
            If ``aspect`` is not a lowercase word, ``summary`` is empty, or
            ``probes`` is empty, holds something other than :class:`~autograder.checks.probe.Probe`,
            has a ``twin`` that is not the index of an earlier probe, a
            relation probe whose ``uses`` are not earlier ``"call"``
            probes, or an ``expect`` not in :data:`EXPECTS`; or if an aspect
            other than ``basic`` compares values with the reference without
            saying why (``why_reference``).
        """
        if not isinstance(aspect, str) or not _ASPECT.fullmatch(aspect):
            raise ValueError(f"aspect: expected a lowercase word such as 'basic' (letters, digits, _), got {aspect!r}")
        if not isinstance(summary, str) or not summary.strip():
            raise ValueError(f"summary: expected one non-empty sentence for {self.name}-{aspect}")
        probes = tuple(probes)
        if not probes or not all(isinstance(p, Probe) for p in probes):
            raise ValueError(f"probes: expected a non-empty tuple of Probe for {self.name}-{aspect}")
        probes = tuple(_resolve_uses(index, probe, probes, f"{self.name}-{aspect}")
                       for index, probe in enumerate(probes))
        probes = with_changes(self.name, aspect, probes, compare_values, self.changes)  # (its own work)
        form_only = [p.other_form_only for p in probes]
        if any(form_only) and (self.other_form is None or aspect in self.form_cells
                               or form_only != sorted(form_only)):
            raise ValueError(f"probes: {self.name}-{aspect}'s other-form-only probes come last, in a check the "
                             f"function's other form asks again (other_form, not one of form_cells)")
        for index, probe in enumerate(probes):
            if probe.twin is not None and not 0 <= probe.twin < index:
                raise ValueError(f"probes: the twin of probe {index} ({probe.label!r}) of {self.name}-{aspect} must "
                                 f"be the index of an earlier probe, got {probe.twin!r}")
        if (aspect != "basic" and compare_values and any(p.expect == "value" for p in probes)
                and not why_reference.strip()):
            raise ValueError(f"why_reference: {self.name}-{aspect} compares values with the reference; say why no "
                             f"relation judges it instead")
        made = Check(
            grade_id=f"{self.name}-{aspect}",
            function=self.name,
            summary=summary,
            probes=tuple(p for p in probes if not p.other_form_only),
            rtol=self.rtol if rtol is None else rtol,
            atol=self.atol if atol is None else atol,
            no_warnings=no_warnings,
            no_mutation=no_mutation,
            forbidden=self.forbidden,
            hints=self.hints if hints is None else tuple(hints),
            returns=self.returns,
            compare_values=compare_values,
            finite=finite,
            shapes=shapes,
            why_reference=why_reference.strip(),
            allowed=self.allowed,
            container=container,
            points=self.points_of(aspect),
        )
        if self.slice_form is not None and aspect not in self.slice_form.cells \
                and (aspect != "purity" or self.slice_form.purity):
            made = replace(made, slice_form=self.slice_form)
        if aspect != "purity" and any(_lists_in(p) for p in made.probes):
            made = replace(made, array_form=replace(made, probes=tuple(_as_arrays(p) for p in made.probes)))
        if self.other_form is None or aspect in self.form_cells:
            return made
        converted = tuple(replace(p, args=self.other_form(p.args) or p.args) for p in probes)
        if not any(form_only) and all(c.args is p.args for c, p in zip(converted, probes, strict=True)):
            return made
        return replace(made, other_form=replace(made, probes=converted, array_form=None))

    def shape(self, *, summary: str, probes: tuple) -> Check:
        """The ``shape`` check: every call returns the container the contract gives, values aside.

        Judged on the container only (``compare_values=False``, :attr:`Check.container`): a function whose
        values are wrong but whose results have the contract's shape keeps the cell, one that computes
        nothing does not (as with purity), and a result in a slightly wrong container (a kept axis of
        length 1, a length-1 array for one number) loses this cell and no other, since every other cell
        compares values as values. ``summary`` states the shapes the contract gives, with examples; the
        failure says which one was expected and what came back, and the hints are the function's own,
        then the generic ones that recognise a kept length-1 axis or another shape
        (:data:`~autograder.checks.generic_hints.GENERIC_HINTS`).
        """
        return self.check("shape", summary=summary, probes=probes, compare_values=False, container=True)

    def purity(self, *, probes: tuple, inputs: str = "input", lists: str = "lists") -> Check:
        """The ``purity`` check: accepts lists, leaves its inputs alone, raises no RuntimeWarning.

        Judged on those properties only (``compare_values=False``): the
        values are the other checks' business, so a wrong but pure function
        keeps this point. ``inputs`` and ``lists`` fill in
        :data:`PURITY_SUMMARY` (``"inputs"`` for a function of several
        arrays, ``"nested lists"`` for matrix arguments).
        """
        return self.check("purity", summary=PURITY_SUMMARY.format(lists=lists, inputs=inputs), probes=probes,
                          no_warnings=True, no_mutation=True, compare_values=False)


def _resolve_uses(index: int, probe: Probe, probes: tuple, grade_id: str) -> Probe:
    """``probe`` with its ``uses`` as indices of earlier ``"call"`` probes (negative offsets resolved)."""
    if probe.expect not in EXPECTS:
        raise ValueError(f"probes: probe {index} ({probe.label!r}) of {grade_id} expects {probe.expect!r}; "
                         f"expected one of {', '.join(EXPECTS)}")
    if (probe.expect == "relation") != (probe.relation is not None):
        raise ValueError(f"probes: probe {index} ({probe.label!r}) of {grade_id}: a relation probe "
                         f"(expect='relation') needs a relation, and only it")
    if probe.relation is None:
        return probe
    uses = tuple(index + u if u < 0 else u for u in probe.uses)
    if any(not 0 <= u < index or probes[u].expect != "call" for u in uses):
        raise ValueError(f"probes: the relation of probe {index} ({probe.label!r}) of {grade_id} must use earlier "
                         f"'call' probes, got {probe.uses!r}")
    return replace(probe, uses=uses)


@dataclass(frozen=True)
class ProblemSetChecks:
    """What every check of one problem set shares: its forbidden list.

    Attributes
    ----------
    name : str
        The problem-set id (a key of ``autograder.model.course.FUNCTIONS``).
    forbidden : tuple of str
        Dotted names of library objects (or module prefixes) whose use earns
        no points on any check of the problem set.
    allowed : str
        The building blocks the problem set allows, in words (``"np.logaddexp,
        np.log1p, scipy.special.xlogy and xlog1py"``): the advice given where a
        forbidden one was used names these, not another set's.

    Raises
    ------
    ValueError
        If ``name`` is not a problem set of the course, or ``forbidden`` is
        not a tuple of strings.
    """

    name: str
    forbidden: tuple = ()
    allowed: str = "NumPy"

    def __post_init__(self) -> None:
        if self.name not in FUNCTIONS:
            raise ValueError(f"name: expected a problem set of autograder.model.course.FUNCTIONS, got {self.name!r}")
        if not isinstance(self.forbidden, tuple) or not all(isinstance(n, str) for n in self.forbidden):
            raise ValueError(f"forbidden: expected a tuple of dotted names (str), got {self.forbidden!r}")

    def function(self, name: str, *, hints: tuple = (), rtol: float = Check.rtol, atol: float = Check.atol,
                 returns: tuple = (), other_form: Callable[[tuple], tuple | None] | None = None,
                 slice_form: SliceForm | None = None, allowed: str = "", changes: tuple = (),
                 points: Mapping[str, float] | None = None, minutes: int = 0, demo: str = "", contract: str = "",
                 readme_note: str = "", also_forbidden: tuple = ()) -> FunctionChecks:
        """The declaration of contract function ``name`` of this problem set (``allowed``: the building blocks
        this function's advice names, where the problem set's list would name some that are not for it;
        ``points``: ``{aspect: points}``; ``also_forbidden``: names it may not use besides the set's; the rest as
        in :class:`FunctionChecks`).

        Raises
        ------
        ValueError
            If this problem set asks for no function called ``name`` (a contract function is one its notebook
            has a solution cell or graded cells for), an aspect of ``points`` is not a lowercase word or its
            points are not a number >= 0, ``minutes`` is negative, or ``also_forbidden`` is not a tuple of str.
        """
        if name not in declarable(self.name):
            raise NotInTheNotebook(self.name, name)
        pairs = tuple((points or {}).items())
        for aspect, p in pairs:
            if not isinstance(aspect, str) or not _ASPECT.fullmatch(aspect) \
                    or isinstance(p, bool) or not isinstance(p, (int, float)) or p < 0:
                raise ValueError(f"points: expected {{aspect: points >= 0}} for {name}, got {aspect!r}: {p!r}")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
            raise ValueError(f"minutes: expected a whole number of minutes >= 0 for {name}, got {minutes!r}")
        if not isinstance(also_forbidden, tuple) or not all(isinstance(n, str) for n in also_forbidden):
            raise ValueError(f"also_forbidden: expected a tuple of dotted names (str) for {name}, "
                             f"got {also_forbidden!r}")
        own = tuple(n for n in also_forbidden if n not in self.forbidden)
        return FunctionChecks(name, self.forbidden + own, tuple(hints), rtol, atol, tuple(returns),
                              allowed or self.allowed, other_form, slice_form=slice_form, changes=tuple(changes),
                              points=pairs, minutes=minutes, demo=demo, contract=contract,
                              readme_note=readme_note, own_forbidden=own)


def linked(checks: tuple) -> tuple:
    """``checks`` (a problem set's, in notebook order) with each cell linked to the function's cells that judge
    what its second looks forgive: a cell with a slice form gets its function's cells of
    :attr:`SliceForm.cells <autograder.checks.slice_form.SliceForm.cells>` (:attr:`Check.stack_cells`), and a cell
    with an array form its function's ``-purity`` cell (:attr:`Check.purity_cell`).

    Raises
    ------
    ValueError
        If a function whose cells have a slice form has none of those cells, or one whose cells have an array
        form has no ``-purity`` cell.
    """
    forms = {check.function: check.slice_form for check in checks if check.slice_form is not None}
    stack: dict[str, list[Check]] = {}
    purity = {check.function: check for check in checks if check.grade_id == f"{check.function}-purity"}
    for check in checks:
        if check.function in forms and check.grade_id.rsplit("-", 1)[1] in forms[check.function].cells:
            stack.setdefault(check.function, []).append(check)
    out = []
    for check in checks:
        if check.slice_form is not None:
            if check.function not in stack:
                raise ValueError(f"checks: {check.grade_id} has a slice form but {check.function} has no cell of "
                                 f"{', '.join(check.slice_form.cells)} to judge its stacks")
            check = replace(check, stack_cells=tuple(stack[check.function]))
        if check.array_form is not None:
            if check.function not in purity:
                raise ValueError(f"checks: {check.grade_id} passes lists but {check.function} has no -purity cell "
                                 "to judge them")
            check = replace(check, purity_cell=purity[check.function])
        out.append(check)
    return tuple(out)


def _lists_in(probe: Probe) -> bool:
    return any(isinstance(a, list) for a in (*probe.args, *probe.kwargs.values()))


def _as_arrays(probe: Probe) -> Probe:
    """``probe`` with each list argument passed as the array of its numbers (:attr:`Check.array_form`)."""
    if not _lists_in(probe):
        return probe

    def array(a: Any) -> Any:
        if not isinstance(a, list):
            return a
        try:
            made = np.asarray(a)
        except ValueError:  # (ragged: not the numbers of one array)
            return a
        return a if made.dtype == object else made

    return replace(probe, args=tuple(array(a) for a in probe.args),
                   kwargs={k: array(v) for k, v in probe.kwargs.items()})
