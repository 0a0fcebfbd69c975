"""A failure's signature and the hint rules that read it.

A :class:`Failure` is what went wrong on one probe (its kind, the probe, what the function gave); a
:class:`Hint` is a rule that recognises a mistake from a failure (usually by recomputing it: see
:mod:`autograder.checks.hints`) and turns it into advice. A check (:mod:`autograder.checks.check`) holds its
hint rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autograder.checks.probe import Probe


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
