"""The reference solutions by name, and their outcome on each probe of a check, computed once per process.

References come from ``solutions/`` in this (trusted) process, each problem
set's module imported by name when first needed (a Gradescope bundle holds one
problem set's), and cached for the life of the process, i.e. computed once
per batch.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Iterable
from typing import Any

from autograder.checks.check import Check, memo_by_identity
from autograder.model.course import problem_set_of_function
from autograder.perimeter.child_runtime.invoke import Outcome, invoke
from autograder.reading.purity import Signature

_REFERENCES: dict = {}


@functools.cache
def signature(function: str) -> inspect.Signature:
    return inspect.signature(reference_function(function))


@functools.cache
def call_signature(function: str) -> Signature:
    """The parameters the grader's calls of ``function`` may give values to: its reference's (a probe that did not
    fit it would fail the reference), for the purity reading (:func:`contract`)."""
    kinds = inspect.Parameter
    parameters = signature(function).parameters.values()
    return Signature(tuple(p.name for p in parameters if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)),
                     next((p.name for p in parameters if p.kind is kinds.VAR_POSITIONAL), None),
                     tuple(p.name for p in parameters if p.kind is kinds.KEYWORD_ONLY),
                     next((p.name for p in parameters if p.kind is kinds.VAR_KEYWORD), None))


def contract(functions: Iterable[str]) -> dict[str, Signature]:
    """The contract ``functions``, each with :func:`call_signature`: what
    :class:`~autograder.reading.notebook.NotebookReading` is given to read their parameters as the grader calls
    them (one the contract does not have is left at its default)."""
    return {function: call_signature(function) for function in functions}


@functools.cache
def reference_function(function: str) -> Callable[..., Any]:
    """The reference implementation of a contract function, from ``solutions/`` (looked up once)."""
    module = importlib.import_module(f"solutions.{problem_set_of_function(function)}")
    return getattr(module, function)


def reference(check: Check, index: int) -> Outcome:
    """The reference outcome of probe ``index`` of ``check`` (cached).

    The cache is keyed by the function and the probe object itself
    (:func:`~autograder.checks.check.memo_by_identity`): a check built ad hoc
    with other probes under a real grade_id never sees another's references.
    """
    probe = check.probes[index]
    return memo_by_identity(_REFERENCES, (probe,), lambda: invoke(reference_function(check.function),
                                                                  probe.args, probe.kwargs),
                            extra=(check.function,))
