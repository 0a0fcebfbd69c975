"""What the zygote loads before it forks, once: the warm libraries, and the modules the children answer with.

Part of the child's runtime (the zygote, :mod:`.zygote`, calls these in its
``init`` request). The libraries every child would otherwise import again are
imported once (:func:`warm_imports`); the guard (:func:`import_guard`) and the
modules a child answers the grader's calls with (:func:`import_call_tools`) are
imported by name before the zygote enters its filesystem view (which hides
this package), then taken out of ``sys.modules`` and off their packages
(:func:`_import_unreachable`), so that student code cannot reach them by name:
an import statement would leave them there. The children reach them only
through the objects handed to them (the guard, the pins, ``tools``).
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from collections.abc import Container, Iterable
from typing import Any

#: What every child would otherwise import again: loaded once here, before the fork. (``subprocess`` and
#: ``IPython.utils.process`` serve IPython's ``!``; ``uuid``, ``calendar`` and ``urllib``, which ``pyplot`` loaded
#: (under CPython 3.14 nothing else does), are among the modules the static reading takes as loaded before student
#: code, ``reading.names.LOADED_MODULES``; matplotlib's package and
#: font list, not ``pyplot``, which a child runs when its code first uses it: :mod:`.on_first_use`, installed by
#: :func:`.child.make_shell`.)
WARM_MODULES = ("numpy", "scipy.linalg", "scipy.special", "scipy.stats", "matplotlib", "matplotlib.font_manager",
                "subprocess", "uuid", "calendar", "urllib", "IPython.utils.process", "autograder.perimeter.child_runtime.child")


def warm_imports() -> None:
    """Load :data:`WARM_MODULES` (matplotlib with its Agg backend), once, before the zygote forks."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    for name in WARM_MODULES:
        importlib.import_module(name)


#: The modules a child answers the grader's calls with (:func:`import_call_tools`), in an order where each imports
#: only modules before it.
CALL_MODULES = ("autograder.perimeter.guard.dotted", "autograder.perimeter.child_runtime.invoke",
                "autograder.perimeter.guard.pinning", "autograder.perimeter.guard.forbidden_walk",
                "autograder.perimeter.child_runtime.carry_forward")


def _import_unreachable(*names: str) -> list[types.ModuleType]:
    """Import the modules ``names`` of the perimeter, then take each out of ``sys.modules`` and off its package,
    so that student code cannot reach them by name (and patch the copies the zygote and its children use).
    All are imported before any is taken out: a module importing another finds it loaded, one copy of each."""
    modules = [importlib.import_module(name) for name in names]
    for name in names:
        sys.modules.pop(name, None)
        parent, _, attribute = name.rpartition(".")
        package = sys.modules.get(parent)
        if package is not None and hasattr(package, attribute):
            delattr(package, attribute)
    return modules


#: The guard's modules that plan and arm (:func:`import_guard`), in an order where each imports only modules before
#: it (and ``gates`` and ``dotted``).
GUARD_MODULES = ("autograder.perimeter.guard.refusal", "autograder.perimeter.guard.support",
                 "autograder.perimeter.guard.plan", "autograder.perimeter.guard.heap",
                 "autograder.perimeter.guard.arming")


def import_guard() -> Any:
    """This process's :class:`~autograder.perimeter.guard.arming.Guard`, its modules (:data:`GUARD_MODULES`)
    imported before the zygote enters its filesystem view (which hides this package), then unreachable by name
    like :func:`import_call_tools`'s modules (the guard holds nothing secret: in a child it holds nothing at all
    once armed). The zygote holds it, and each child arms through it (:func:`import_call_tools`' ``arm``)."""
    *_, arming = _import_unreachable(*GUARD_MODULES)
    return arming.Guard()


def import_call_tools(guard: Any) -> types.SimpleNamespace:
    """What a child answers the grader's calls with, from :data:`CALL_MODULES`, then unreachable by name.

    A normal import, made before the zygote enters its filesystem view
    (which hides this package): the perimeter's packages import
    nothing of the rest of the product, so this loads the standard library,
    NumPy and these modules only (never the evaluation or ``solutions``). The
    modules are then taken out of ``sys.modules`` and off their package, so
    student code cannot reach (and patch) the copies the child answers with.
    The forbidden names are pinned (``pin``) later (:meth:`ZygoteServer.arm`),
    still before any child exists, in this process's :class:`~autograder.perimeter.guard.pinning.Pins`, which
    ``forbidden_uses`` is given.

    Returns
    -------
    types.SimpleNamespace
        ``invoke``, ``describe_definition`` and ``InputWatch`` (:mod:`.invoke`), ``forbidden_uses``
        (:mod:`autograder.perimeter.guard.forbidden_walk`, with the pins), ``CalleeStubs`` (:mod:`.carry_forward`),
        ``pin`` (the pins') and ``arm`` (``guard``'s: a child arms its own problem set's names before any cell).
    """
    _, invoke, pinning, forbidden_walk, carry_forward = _import_unreachable(*CALL_MODULES)  # (dotted: pinning's)
    pins = pinning.Pins()
    walk = forbidden_walk.forbidden_uses

    def forbidden_uses(fn: object, names: Iterable[str], skip: Container[str] = ()) -> tuple[str, ...]:
        result: tuple[str, ...] = walk(fn, names, skip, pins)
        return result

    return types.SimpleNamespace(invoke=invoke.invoke, describe_definition=invoke.describe_definition,
                                 InputWatch=invoke.InputWatch, forbidden_uses=forbidden_uses,
                                 CalleeStubs=carry_forward.CalleeStubs,
                                 pin=pins.pin, arm=guard.arm)
