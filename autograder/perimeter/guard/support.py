"""Which interpreters the guard runs on: where it cannot make forbidden functions unusable, it refuses to start.

Part of the guard (:mod:`autograder.perimeter.guard`). What depends on the
interpreter version is the guard's use of ``function.__code__`` assignment,
``code.replace``, ``gc.get_referrers``, ``sys.getrefcount`` and audit hooks,
all of which CPython 3.11 to 3.14 share; :data:`SUPPORTED` names the versions
it is tested on, and on any other :func:`unsupported` says why it grades
nothing. :func:`check_gates` tries a gate on this interpreter before a plan is
made.

Standard library only: this module runs in the zygote, the child and the plain-nbgrader kernel.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Sequence

from autograder.perimeter.guard import gates
from autograder.perimeter.guard.refusal import ForbiddenFunctionError

#: The CPython versions the guard is tested on (each runs the whole suite); on any other it refuses to start.
SUPPORTED = ((3, 11), (3, 12), (3, 13), (3, 14))


class GuardUnavailable(RuntimeError):
    """This interpreter is not one the guard supports: forbidden functions could not be made unusable."""


def unsupported(version: Sequence[int] | None = None, implementation: str | None = None) -> str | None:
    """Why the guard cannot run in this interpreter (or the one described), None when it can.

    The guard relies on CPython interfaces (``function.__code__`` assignment,
    ``code.replace``, ``gc.get_referrers``, audit hooks) as the versions of
    :data:`SUPPORTED` behave; on any other interpreter it refuses to start
    rather than grade with forbidden functions left usable.
    """
    version = tuple(sys.version_info[:2] if version is None else version[:2])
    implementation = sys.implementation.name if implementation is None else implementation
    if implementation == "cpython" and version in SUPPORTED:
        return None
    known = f"{SUPPORTED[0][0]}.{SUPPORTED[0][1]} to {SUPPORTED[-1][0]}.{SUPPORTED[-1][1]}"
    this = f"{'CPython' if implementation == 'cpython' else implementation} {version[0]}.{version[1]}"
    return (f"this grader supports CPython {known}, and this is {this}: it makes the problem set's forbidden "
            "library functions unusable through interpreter interfaces it is tested with on those versions "
            f"only, so it grades nothing rather than grade with them usable. Install the course with Python {known}.")


def check_gates() -> None:
    """Raise GuardUnavailable unless a gate raises what it should (with and without free variables)."""
    for nfree in (0, 2):
        code = gates.gate_code("probe", "probe", ForbiddenFunctionError, "probe text", nfree)
        fn = types.FunctionType(code, {"__builtins__": {}}, "probe", None,
                                tuple(types.CellType(None) for _ in range(nfree)) or None)
        try:
            fn(1, x=2)
        except ForbiddenFunctionError as exc:
            if str(exc) == "probe text":
                continue
        except Exception:  # noqa: BLE001 — anything else is a failure of the template on this interpreter
            pass
        raise GuardUnavailable("the guard's gates do not raise as they should on this interpreter: it grades "
                               "nothing rather than grade with forbidden functions usable")
