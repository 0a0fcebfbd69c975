"""Errors carried forward, on the trusted side: which callees a function's checks carry, and the answers.

While a probe calls the function under test, its calls of the problem set's
other contract functions (:func:`carried_callees`) are answered by the
reference, in the trusted process (:func:`answer_for_stub`): the submission's
stubs (:class:`~autograder.perimeter.child_runtime.carry_forward.CalleeStubs`) ask, in the
kernel directly, in the engine's child over the wire.
"""

from __future__ import annotations

import warnings

import numpy as np

from autograder.checks.references import reference_function, signature
from autograder.model.course import FUNCTIONS, problem_set_of_function
from autograder.perimeter.child_runtime import wire
from autograder.perimeter.child_runtime.carry_forward import MAX_CARRIED_RESULT, result_bound
from autograder.perimeter.child_runtime.invoke import WARNINGS_LOCK


def carried_callees(function: str) -> tuple:
    """The contract functions whose errors ``function``'s checks carry forward.

    The other functions of its problem set: a call to one of them from the
    function under test is answered by the reference (see
    :class:`~autograder.perimeter.child_runtime.carry_forward.CalleeStubs`), and forbidden-use detection does not look into
    them (each is graded on its own). A helper of the student's own is not a
    contract function: its mistakes count where it is called.
    """
    return tuple(f for f in FUNCTIONS[problem_set_of_function(function)] if f != function)


def answer_for_stub(function: str, args: tuple, kwargs: dict) -> dict:
    """The trusted side's reply to a carried-forward call: the reference's result.

    ``{"value": wire value}``, ``{"raised": exception class name, "message":
    text}`` (a ``ValueError`` subclass is sent as ``ValueError``), or
    ``{"declined": why}`` when the arguments do not fit the contract's
    signature (a student's callee with extra parameters: their own function
    runs instead), when the result could hold more than
    ``MAX_CARRIED_RESULT`` numbers (read from the arguments' shapes before
    anything is computed: :func:`~autograder.perimeter.child_runtime.carry_forward.result_bound`),
    or when the result cannot be sent. Floating-point warnings of the
    reference are not the student's and are dropped.
    """
    ref = reference_function(function)
    try:
        signature(function).bind(*args, **kwargs)
    except TypeError as exc:
        return {"declined": f"not the contract's signature: {exc}"}
    bound = result_bound(args, kwargs)
    if bound > MAX_CARRIED_RESULT:  # decided from the shapes, before anything is computed
        return {"declined": f"its result could hold {bound:,} numbers (more than "
                            f"{MAX_CARRIED_RESULT:,})"}
    with WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with np.errstate(all="ignore"):
                value = ref(*args, **kwargs)
        except MemoryError:
            return {"declined": "the reference ran out of memory for this call"}
        except Exception as exc:  # noqa: BLE001 — the reference's own verdict on the call
            name = "ValueError" if isinstance(exc, ValueError) else type(exc).__name__
            return {"raised": name, "message": str(exc)[:500]}
    try:
        return {"value": wire.to_wire(value)}
    except wire.WireError as exc:
        return {"declined": str(exc)}
