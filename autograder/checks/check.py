"""The data a check is made of, and what evaluating one produces.

A :class:`Check` is data: the contract function it tests, deterministic
:class:`Probe` inputs, how to compare with the reference, and :class:`Hint`
rules that turn a failure signature into advice. Evaluating a check against
a submission yields one :class:`CheckResult`.

The check modules do not write :class:`Check` by hand: they declare what a problem set and each of its functions
share once (:class:`ProblemSetChecks`, :class:`FunctionChecks`), and each aspect adds its summary, probes and
overrides (:meth:`FunctionChecks.check`), which builds the ``Check`` with ``grade_id = f"{function}-{aspect}"``:
``LOGSUMEXP = PS1.function("logsumexp", …)``, then ``LOGSUMEXP.check("basic", summary=…, probes=(Probe(…), …))``
and ``LOGSUMEXP.purity(probes=…)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np

from autograder.checks.changes import with_changes
from autograder.checks.slice_form import SliceForm
from autograder.model.course import FUNCTIONS

#: What a memoised computation returns (:func:`memo_by_identity`).
T = TypeVar("T")


@dataclass(frozen=True)
class Probe:
    """One call of the function under test.

    Attributes
    ----------
    label : str
        What kind of input this is, in words a student understands
        ("2-D logits of magnitude 1e300"). Shown on failure.
    args, kwargs
        The call's arguments (NumPy arrays, lists, floats, ints).
    expect : str
        ``"value"`` – compare the return value with the reference;
        ``"raises"`` – the call must raise ``ValueError``;
        ``"call"`` – the call must return numbers, judged only on the
        check's properties (``finite``, ``no_warnings``, ``no_mutation``):
        a related call a :class:`Relation` uses, or a valid input of an
        error-handling check, whose values are other checks' business;
        ``"relation"`` – the return value is compared, not with the
        reference, but with what :attr:`relation` derives from the same
        function's results on the earlier probes named by :attr:`uses`.
    public : bool
        The input may be shown in feedback (it is already visible in the
        notebook). Hidden probes are only ever described by ``label``.
    rtol, atol : float or None
        Tolerances for this probe alone; ``None`` (the default) uses the
        check's. For a check whose probes differ in how much accuracy float64
        allows (a visible well-conditioned input next to a hidden one with
        condition number 1e10), so that neither is judged by the other's.
    twin : int or None
        For a probe whose inputs are (nested) lists: the index of an earlier
        probe of the same check that passes the same numbers as NumPy
        arrays. Both calls must end the same way (equal values, or the same
        exception type): that is what "accepts lists" means.
    relation : Relation or None
        For ``expect="relation"``: how the result follows from the results
        of the probes named by ``uses``.
    uses : tuple of int
        For ``expect="relation"``: the earlier probes (``"call"`` probes,
        usually just before) whose results :attr:`relation` combines, as
        indices into the check's probes. :func:`related` writes them as
        negative offsets (``-1`` is the probe just before), which
        :meth:`FunctionChecks.check` turns into indices.
    warnings_judged : bool
        Whether this call's RuntimeWarnings count where the check judges warnings (``no_warnings``). False for
        an input at an edge that another cell judges (a probability of exactly 0 in a ``-purity`` cell, there to
        see a write only such an input triggers): a naive formula's warning there is that cell's, not this one's.
    other_form_only : bool
        Judged only where the check is asked again in the function's other form (:attr:`Check.other_form`),
        after every probe of the form as declared. A -soft cell's relations tie rows to the integer labels they
        mix; asked again with the labels as rows, they tie the rows to themselves, which a float path that drops
        the mean's 1/N satisfies, so there the rows' values are judged too.
    differs_from : int or None
        The earlier probe whose input this one changes (:mod:`autograder.checks.changes`): their results must differ.
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    expect: str = "value"
    public: bool = False
    rtol: float | None = None
    atol: float | None = None
    twin: int | None = None
    relation: Relation | None = None
    uses: tuple = ()
    warnings_judged: bool = True
    other_form_only: bool = False
    differs_from: int | None = None


#: What :attr:`Probe.expect` may say.
EXPECTS = ("value", "raises", "call", "relation")


@dataclass(frozen=True)
class Relation:
    """A property every correct implementation has, judged by the function against itself.

    Instead of comparing a result with the reference, a relation compares it
    with what the *same* function returned on related inputs: softmax of
    ``z - c`` (shift invariance), the 1-D calls on each slice along ``axis``,
    the call on ``z / T`` for temperature ``T``. A wrong formula that is
    wrong the same way on both sides keeps the relation, so it loses the
    value cells (``-basic``) and not the cells of properties it has.

    Attributes
    ----------
    name : str
        A few words naming the relation ("shift invariance").
    statement : str
        The relation as an equation a student can check by hand
        (``"softmax(z - c) = softmax(z) for a constant c per slice"``); it
        appears in feedback and in ``docs/grading.md``.
    expected : callable
        ``expected(*values)`` → what the judged probe must return, given
        the plain results (float64 arrays, or tuples of them) of the probes
        in :attr:`Probe.uses`, in that order. It may return
        :class:`Within` ``(value, slack)``, ``slack`` an array of extra
        absolute tolerance per entry (the rounding the combination itself
        adds, for instance ``eps·|z|`` where a relation adds back a shift ``z``).
    rtol, atol : float
        How far the result may be from ``expected``: each side of a
        relation is a correct implementation's own result, within the
        check's tolerance of the truth, so these are (at least) the sum of
        the sides' tolerances propagated through the combination; the
        modules that declare a relation say how each was derived.
    shape_free : bool
        The result's shape is another cell's property (``-basic``,
        ``-axis``): a result with the expected number of entries is compared
        entry by entry whatever its shape (a logsumexp that keeps the
        reduced axis is not charged again by the stability cell).
    uses_result : bool
        ``expected`` also gets the judged call's own result, last (for a
        relation of a result with itself: never negative, bounded by what
        the function returns elsewhere). A relation that uses no other call
        (``uses`` empty) states a value every correct implementation gives
        exactly, such as 0 for a divergence between equal arguments.
    """

    name: str
    statement: str
    expected: Callable[..., Any] | None = None
    rtol: float = 1e-10
    atol: float = 0.0
    shape_free: bool = False
    uses_result: bool = False

    def at(self, expected: Callable) -> Relation:
        """This relation (name, statement, tolerances) with the ``expected`` of one probe."""
        return replace(self, expected=expected)

    def describe(self) -> str:
        """``"shift invariance: softmax(z - c) = softmax(z) …"`` (the page and the feedback's wording)."""
        return f"{self.name}: {self.statement}"


@dataclass(frozen=True)
class Within:
    """What a :class:`Relation` expects, with extra absolute tolerance per entry (``slack``)."""

    value: Any
    slack: Any = 0.0


def related(label: str, args: tuple, kwargs: dict | None = None, *, relation: Relation, calls: tuple,
            public: bool = False, rtol: float | None = None, atol: float | None = None) -> tuple:
    """The probes of one relation: each related call (``expect="call"``), then the judged call.

    ``calls`` is a tuple of ``(label, args, kwargs)``; the judged probe
    ``(label, args, kwargs)`` comes last and uses them all, in order. The
    related calls are public when the judged one is (their inputs are made
    from it by the relation, so nothing hidden is shown). ``rtol``/``atol``
    override the relation's tolerances for this probe.

    Returns
    -------
    tuple of Probe
        ``len(calls) + 1`` probes, to be spliced into a check's probes.
    """
    kwargs = {} if kwargs is None else kwargs
    companions = tuple(Probe(c_label, tuple(c_args), dict(c_kwargs), expect="call", public=public)
                       for c_label, c_args, c_kwargs in calls)
    n = len(companions)
    judged = Probe(label, tuple(args), dict(kwargs), expect="relation", public=public, relation=relation,
                   uses=tuple(range(-n, 0)), rtol=rtol, atol=atol)
    return companions + (judged,)


def twinned(label: str, numbers: tuple, lists: str = "lists", *, at: int = 0, public: bool = True) -> tuple:
    """A -purity cell's pair of calls with the same numbers: as NumPy arrays, then as (nested) lists.

    ``numbers`` holds the call's arguments, each a (nested) list; the first
    probe, labelled ``label``, passes each as :func:`numpy.array` makes it,
    and the second, "the same numbers as ``lists``", passes them as they are,
    with the first as its :attr:`Probe.twin`.

    Returns
    -------
    tuple of Probe
        The two probes, to be spliced into a check's probes so that the first
        stands at index ``at``.
    """
    return (Probe(label, tuple(np.array(a) for a in numbers), public=public),
            Probe(f"the same numbers as {lists}", numbers, public=public, twin=at))


@dataclass(frozen=True)
class Failure:
    """What went wrong on one probe, handed to hint rules.

    ``kind`` is one of ``missing``, ``forbidden``, ``raised``, ``timeout``,
    ``crashed``, ``no-raise``, ``wrong-exception``, ``type``, ``shape``,
    ``nonfinite``, ``value``, ``warning``, ``mutation`` (the call changed an
    input, or its source certainly writes one: :mod:`autograder.reading.purity`; or an input changed after its
    call returned), ``lingering`` (a call left a thread or a timer running),
    ``unverifiable`` (code that hides what runs reaches the function),
    ``lists`` (a list input ends differently from the same numbers as an
    array), ``stub`` (a property check found no working function to judge:
    one number, or one result, whatever the input), ``no-result`` (the calls
    of a property check raised, so that fewer than two returned numbers: nothing to judge).

    ``others``, when set, returns the submission's outcomes on the check's
    other probes with the reference's values there, ``((probe, outcome,
    reference, used), …)`` (``used``: the failing probe's relation uses that
    call): the earlier probes, and the later ones the target can answer
    without risk to any grade. It is evidence
    for a hint rule that recognises a mistake by recomputing it
    (:func:`~autograder.checks.hints.matches`), asked for only by a rule
    that needs it (:meth:`seen`), once.
    """

    kind: str
    detail: str
    probe: Probe | None = None
    outcome: Any = None  # autograder.perimeter.child_runtime.invoke.Outcome
    reference: Any = None  # plain reference value (never shown)
    others: Callable[[], tuple] | None = field(default=None, compare=False, repr=False)

    def seen(self) -> tuple:
        """The outcomes of the check's other probes (``others()``), or ``()`` when none are known."""
        return self.others() if self.others is not None else ()

    def returned(self) -> list[Probe]:
        """The check's other probes (:meth:`seen`) on which the function returned."""
        return [probe for probe, outcome, _, _ in self.seen() if outcome is not None and outcome.status == "returned"]


#: The failure kinds of what a call returned or raised, and of a RuntimeWarning it raised: a hint rule explains
#: these unless it says otherwise (:attr:`Hint.kinds`).
VALUE_KINDS = ("value", "nonfinite", "shape", "raised", "type", "warning")
#: Every failure kind a hint rule may explain (``missing``, ``timeout``, ``crashed``, ``forbidden`` and
#: ``not-attempted`` get the grader's own words).
HINT_KINDS = VALUE_KINDS + ("lists", "mutation", "lingering", "unverifiable", "stub", "no-result", "no-raise", "wrong-exception")
_MISTAKE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Hint:
    """Advice that names one mistake, for a failure of one of ``kinds`` where ``when(failure)`` is true.

    A check's rules are tried in order (its function's, then
    :data:`~autograder.checks.generic_hints.GENERIC_HINTS`) and the first that
    explains the failure is shown; where none does, the failure's message
    (which property failed, on which input) stands alone: no rule guesses.

    Attributes
    ----------
    text : str
        What went wrong and the idea that fixes it, in words a student can
        act on, never a formula, a line of code or a value that solves the
        task (``tests/test_hint_texts.py`` reads every text). Whole
        sentences, the last ending with a full stop.
    when : callable
        ``Failure -> bool``: recognises the mistake, by recomputing it where
        it can (:func:`~autograder.checks.hints.matches`), else by a symptom
        only that mistake leaves.
    mistake : str
        The mistake's short name (lowercase words joined by ``-``), one per
        rule: the zoo's specimens that make the mistake name it
        (``testkit/zoo``), and ``docs/grading.md`` shows each hint with them.
    kinds : tuple of str
        The failure kinds (:attr:`Failure.kind`) the rule explains. A failure
        of another kind never gets it, so a purity, error-handling or
        warning failure is told about its own property, never about a value
        formula that happens to fit. Default: :data:`VALUE_KINDS` (a rule
        that recomputes a mistake explains a warning only where the mistake
        warns too: :func:`~autograder.checks.hints.matches`).

    Raises
    ------
    ValueError
        If ``text`` is empty or does not end with a full stop, ``mistake`` is
        not a short name, or ``kinds`` names a kind no rule can explain.
    """

    text: str
    when: Callable[[Failure], bool]
    mistake: str = ""
    kinds: tuple = VALUE_KINDS

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip() or not self.text.rstrip().endswith((".", ".)")):
            raise ValueError(f"text: expected whole sentences ending with a full stop, got {self.text!r}")
        if not isinstance(self.mistake, str) or not _MISTAKE.fullmatch(self.mistake):
            raise ValueError(f"mistake: expected a short name such as 'softmax-global-max', got {self.mistake!r}")
        if not isinstance(self.kinds, tuple) or not self.kinds or any(k not in HINT_KINDS for k in self.kinds):
            raise ValueError(f"kinds: expected a tuple of failure kinds among {', '.join(HINT_KINDS)}, "
                             f"got {self.kinds!r}")

    def explains(self, failure: Failure) -> bool:
        """This rule names the mistake behind ``failure``."""
        if failure.kind not in self.kinds:
            return False
        try:
            return bool(self.when(failure))
        except Exception:  # noqa: BLE001 — a rule that cannot judge this failure does not explain it
            return False


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
        override them, see :class:`Probe`).
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
        to a function that uses a forbidden one (see :class:`ProblemSetChecks`).
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
        :func:`linked`). The slice form keeps a cell only for a function charged there: one that is
        right on every stack those cells ask and wrong on another (a softmax shifted by the whole array's
        maximum, right until rows of very different scale meet) has made the mistake this cell judges.
    array_form : Check or None
        For a cell other than ``-purity`` with a list among its probes' arguments: the same check with each
        list passed as the array of its numbers. A list for an array is the ``-purity`` cell's property
        (docs/contract.md): a submission that fails this check and passes that one keeps the cell, provided
        it also fails its :attr:`purity_cell` (charged there, not again in every cell whose inputs are lists).
    purity_cell : Check or None
        With ``array_form``: the function's ``-purity`` cell (set by :func:`linked`).
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

    @property
    def relations(self) -> tuple:
        """The distinct :class:`Relation` kinds (by name) this check judges with, in order."""
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


# ------------------------------------------------------------ declarations
#: An aspect names one property of a function; it must not contain "-", which
#: separates it from the function in a grade_id (``course.function_of``).
_ASPECT = re.compile(r"[a-z][a-z0-9_]*")

#: The one sentence every purity check states (see :meth:`FunctionChecks.purity`).
PURITY_SUMMARY = ("accepts {lists}, does not modify its {inputs}, and raises no RuntimeWarning "
                  "(values are judged by the other cells).")


@dataclass(frozen=True)
class FunctionChecks:
    """What every check of one contract function shares, stated once.

    Build it with :meth:`ProblemSetChecks.function`; each aspect then becomes
    a :class:`Check` through :meth:`check` (or :meth:`purity`), which is the
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

    def __post_init__(self) -> None:
        if self.name not in {fn for fns in FUNCTIONS.values() for fn in fns}:
            raise ValueError(f"name: expected a contract function of autograder.model.course.FUNCTIONS, got {self.name!r}")

    def check(self, aspect: str, *, summary: str, probes: tuple, hints: tuple | None = None,
              rtol: float | None = None, atol: float | None = None, no_warnings: bool = False,
              no_mutation: bool = False, compare_values: bool = True, finite: bool = False,
              shapes: bool = False, why_reference: str = "", container: bool = False) -> Check:
        """The :class:`Check` of one aspect of this function.

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
            ``probes`` is empty, holds something other than :class:`Probe`,
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
                 slice_form: SliceForm | None = None, allowed: str = "", changes: tuple = ()) -> FunctionChecks:
        """The declaration of contract function ``name`` of this problem set (``allowed``: the building blocks
        this function's advice names, where the problem set's list would name some that are not for it).

        Raises
        ------
        ValueError
            If this problem set does not ask for a function called ``name``.
        """
        if name not in FUNCTIONS[self.name]:
            raise ValueError(f"name: {self.name} asks for {', '.join(FUNCTIONS[self.name])}; got {name!r}")
        return FunctionChecks(name, self.forbidden, tuple(hints), rtol, atol, tuple(returns),
                              allowed or self.allowed, other_form, slice_form=slice_form, changes=tuple(changes))


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
