"""What a check is, and what evaluating one produces.

A :class:`Check` is data: the contract function it tests, deterministic
probes (:class:`~autograder.checks.probe.Probe`), how to compare with the
reference, and hint rules (:class:`~autograder.checks.failure.Hint`) that
turn a failure signature into advice. Evaluating a check against a
submission yields one :class:`CheckResult`. The check modules do not write a
:class:`Check` by hand: they declare it (:mod:`autograder.checks.declaration`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from autograder.checks.slice_form import SliceForm

#: What a memoised computation returns (:func:`memo_by_identity`).
T = TypeVar("T")


@dataclass(frozen=True)
class Check:
    """A graded aspect of one contract function; ``grade_id`` names it.

    Attributes
    ----------
    grade_id : str
        ``"<function>-<aspect>"``, the nbgrader grade_id of its test cell.
    function : str
        The contract function under test.
    summary : str
        One sentence, student-facing: what this check verifies.
    probes : tuple of Probe
    rtol, atol : float
        Tolerances for comparing values with the reference (a probe may
        override them, see :class:`~autograder.checks.probe.Probe`).
    no_warnings : bool
        Any RuntimeWarning during a call fails the check.
    no_mutation : bool
        Modifying an input array in place fails the check.
    forbidden : tuple of str
        Dotted names of library objects (or module prefixes such as
        ``"torch"``) whose use earns no points on this check.
    hints : tuple of Hint
        Checked in order; the first whose rule matches is shown.
    returns : tuple of str
        Names of the returned values when the function returns a tuple.
    compare_values : bool
        ``True`` (the default): every ``"value"`` probe is compared with the
        reference. ``False`` for a check of a property other than the values
        (purity: inputs unmodified, no RuntimeWarning, accepts lists), so
        that a wrong but pure function keeps the point: the probes are
        judged on that property only (``no_warnings``, ``no_mutation``,
        ``twin``), and the function must return numbers that depend on its
        input on at least two probes (a stub is not judged pure).
    finite : bool
        Every result must be finite where the mathematics is finite, and
        ±inf exactly where the contract names an infinity (the reference's
        pattern of infinities, never its values): stability cells.
    shapes : bool
        Every result must have the shape the contract gives it (the
        reference's shape, never its values): the cells whose property is a
        shape (``-axis``, ``-batch``, ``-broadcast``, ``-shape``).
    why_reference : str
        For a cell other than ``-basic`` whose probes compare values with
        the reference: why no relation judges it instead (written in
        ``docs/grading.md``).
    container : bool
        The ``-shape`` cell: every call must return the container the
        contract gives (the reference's shape; one number, as a float or a
        0-d array, for a reduction; a tuple of the right length), never its
        values (``compare_values`` is ``False``). Every other cell compares
        values as values (:func:`~autograder.checks.compare.as_values`), so a
        result in a slightly wrong container (a kept axis of length 1, a
        length-1 array for one number) costs this cell only.
    allowed : str
        The problem set's building blocks, in words, for the advice given
        to a function that uses a forbidden one (see :class:`~autograder.checks.declaration.ProblemSetChecks`).
    other_form : Check or None
        The same check with its inputs in another form the contract accepts (cross_entropy's integer
        labels as the one-hot rows they stand for), or None. A submission that fails this check and
        passes that one keeps the cell: a function written for one form is charged for the other in the
        cell that judges that form (:attr:`FunctionChecks.form_cells`), not again in every cell whose
        inputs happen to be in it.
    slice_form : SliceForm or None
        For a cell of a function that takes a stack of slices, other than those that judge the stack
        (:attr:`SliceForm.cells <autograder.checks.slice_form.SliceForm.cells>`): how its calls on a stack are made
        one slice at a time. A submission that fails the cell and passes it so keeps the cell (docs/contract.md, "A stack of
        slices is one aspect"), provided the function also fails one of its ``stack_cells``.
    stack_cells : tuple of Check
        With ``slice_form``: the function's cells that judge a stack of slices (set by
        :func:`~autograder.checks.declaration.linked`). The slice form keeps a cell only for a function charged there: one that is
        right on every stack those cells ask and wrong on another (a softmax shifted by the whole array's
        maximum, right until rows of very different scale meet) has made the mistake this cell judges.
    array_form : Check or None
        For a cell other than ``-purity`` with a list among its probes' arguments: the same check with each
        list passed as the array of its numbers. A list for an array is the ``-purity`` cell's property
        (docs/contract.md): a submission that fails this check and passes that one keeps the cell, provided
        it also fails its :attr:`purity_cell` (charged there, not again in every cell whose inputs are lists).
    purity_cell : Check or None
        With ``array_form``: the function's ``-purity`` cell (set by :func:`~autograder.checks.declaration.linked`).
    points : float
        The cell's points, as its function's declaration gives them (``make release`` writes them into the
        graded cell's nbgrader metadata, which the course plan and nbgrader read).
    """

    grade_id: str
    function: str
    summary: str
    probes: tuple
    rtol: float = 1e-10
    atol: float = 0.0
    no_warnings: bool = False
    no_mutation: bool = False
    forbidden: tuple = ()
    hints: tuple = ()
    returns: tuple = ()
    compare_values: bool = True
    finite: bool = False
    shapes: bool = False
    why_reference: str = ""
    allowed: str = ""
    container: bool = False
    other_form: Check | None = None
    slice_form: SliceForm | None = None
    stack_cells: tuple = field(default=(), compare=False, repr=False)
    array_form: Check | None = None
    purity_cell: Check | None = field(default=None, compare=False, repr=False)
    points: float = 0

    @property
    def relations(self) -> tuple:
        """The distinct :class:`~autograder.checks.probe.Relation` kinds (by name) this check judges with, in order."""
        seen = {}
        for probe in self.probes:
            if probe.relation is not None and probe.relation.name not in seen:
                seen[probe.relation.name] = probe.relation
        return tuple(seen.values())

    @property
    def compares_with_reference(self) -> bool:
        """Some probe's value is compared with the reference (``expect="value"`` in a value check)."""
        return self.compare_values and any(p.expect == "value" for p in self.probes)


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one check (one graded cell).

    ``message`` says what failed (or that it passed); ``hint`` names the
    likely mistake when a known signature matched. Neither ever contains a
    hidden input or a reference value.
    """

    grade_id: str
    function: str
    passed: bool
    message: str
    hint: str = ""
    kind: str = ""  # the Failure kind, "" when passed

    def feedback(self) -> str:
        """Message and hint as one student-facing text."""
        return f"{self.message}\nHint: {self.hint}" if self.hint else self.message


def memo_by_identity(cache: dict, objects: tuple, compute: Callable[[], T], extra: tuple = ()) -> T:
    """``compute()``, computed once and kept in ``cache`` for these very ``objects`` (and hashable ``extra``).

    For values fixed by the checks' data for a whole batch — a probe's
    reference outcome, a wrong formula's result on a probe, a check's
    encoded request: probes and checks hold arrays, so they are told apart
    by identity, not hashed. The entry keeps ``objects`` alive, so an id is
    never reused by another object while it is cached; ``compute`` may run
    twice when two threads ask at once (both get equal values).
    """
    key = (*extra, *map(id, objects))
    entry = cache.get(key)
    if entry is None or any(kept is not obj for kept, obj in zip(entry[0], objects)):
        entry = (tuple(objects), compute())
        cache[key] = entry
    return entry[1]
