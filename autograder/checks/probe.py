"""What a check calls a function with: its probes, and the relations a probe's call is judged by.

A :class:`Probe` is one deterministic call (its arguments, what it expects: a value compared with the
reference, an error, a relation between calls); a :class:`Relation` says in words and in code what a judged
call must return given related calls (:func:`related` builds such a probe, :func:`twinned` a probe given as
arrays and again as lists). A check (:mod:`autograder.checks.check`) holds a tuple of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np


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
        :meth:`~autograder.checks.declaration.FunctionChecks.check` turns into indices.
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
