"""The data a check is made of, and what evaluating one produces.

A :class:`Check` is data: the contract function it tests, deterministic
:class:`Probe` inputs, how to compare with the reference, and :class:`Hint`
rules that turn a failure signature into advice. Evaluating a check against
a submission yields one :class:`CheckResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


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
        ``"raises"`` – the call must raise ``ValueError``.
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
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    expect: str = "value"
    public: bool = False
    rtol: float | None = None
    atol: float | None = None
    twin: int | None = None


@dataclass(frozen=True)
class Failure:
    """What went wrong on one probe, handed to hint rules.

    ``kind`` is one of ``missing``, ``forbidden``, ``raised``, ``timeout``,
    ``crashed``, ``no-raise``, ``wrong-exception``, ``type``, ``shape``,
    ``nonfinite``, ``value``, ``warning``, ``mutation``, ``lists`` (a list
    input ends differently from the same numbers as an array), ``stub`` (a
    property check found no working function to judge).
    """

    kind: str
    detail: str
    probe: Probe | None = None
    outcome: Any = None  # autograder.checks.invoke.Outcome
    reference: Any = None  # plain reference value (never shown)


@dataclass(frozen=True)
class Hint:
    """Advice shown when ``when(failure)`` is true; the first match wins."""

    text: str
    when: Callable[[Failure], bool]


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
