"""Modules the zygote prepares but does not run: each child runs one the first time its code uses it.

Part of the child's runtime. ``matplotlib.pyplot`` is what every notebook's set-up cell imports and what a graded
function never needs (the figure cells are the lesson's, which the engine does not run): imported in the zygote it
cost every batch 0.2 s of the zygote's start and 15 MB of the memory every fork copies the page tables of and every
child's exit unmaps. The zygote imports ``matplotlib`` itself and its font manager (with the font list read from
the zygote's cache: a child, whose configuration folder is its empty working folder, would build it again), finds
``pyplot``'s module and puts it in ``sys.modules`` without running it (:func:`install`): ``import
matplotlib.pyplot as plt`` binds that module at once, and its code runs (0.17 s) in the child that first reads one
of its attributes, as an import would have run it there, followed by what the zygote did to it after importing it
before (``after``).

The module answers the attributes the import system and the guard read of every module (its spec, name, loader,
file, dictionary) without running, unlike :class:`importlib.util.LazyLoader`'s, which ``import`` itself runs: the
interpreter reads ``__spec__`` of a module it finds in ``sys.modules``.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable
from typing import Any

#: The modules made on first use in a child.
ON_FIRST_USE = ("matplotlib.pyplot",)
#: What a module not run yet answers as it stands: what the import system and the guard's plan read of a module.
METADATA = frozenset({"__spec__", "__name__", "__loader__", "__package__", "__file__", "__cached__", "__path__",
                      "__dict__", "__class__"})


class _NotRunYet(types.ModuleType):
    """A module whose code runs at the first read (or write) of an attribute but :data:`METADATA`."""

    _run: Callable[[types.ModuleType], None]

    def __getattribute__(self, name: str) -> Any:
        if name in METADATA:
            return types.ModuleType.__getattribute__(self, name)
        _run_now(self)
        return getattr(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        _run_now(self)
        setattr(self, name, value)

    def __delattr__(self, name: str) -> None:
        _run_now(self)
        delattr(self, name)


def _run_now(module: _NotRunYet) -> None:
    run = type(module)._run  # (the class of this one module, made by install)
    object.__setattr__(module, "__class__", types.ModuleType)  # (first: what its code reads of itself while it runs
    # is read plainly)
    run(module)


def has_run(module: object) -> bool:
    """Whether ``module`` has run (False for a module :func:`install` made that no code has used yet)."""
    return not isinstance(module, _NotRunYet)  # (``isinstance`` reads ``__class__``: the module does not run)


def install(package: types.ModuleType, attribute: str, after: Callable[[types.ModuleType], None]) -> None:
    """Put module ``attribute`` of the (imported) ``package`` in ``sys.modules`` and on the package without running
    it; it runs, then ``after(module)``, at the first read or write of one of its attributes (:func:`has_run` says
    whether it has)."""
    name = f"{package.__name__}.{attribute}"
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"{name} cannot be found")
    loader = spec.loader
    module = importlib.util.module_from_spec(spec)

    def run(module: types.ModuleType) -> None:
        try:
            loader.exec_module(module)
        except BaseException:
            if sys.modules.get(name) is module:  # (a failed import leaves no module behind, as an import does not)
                del sys.modules[name]
            raise
        after(module)

    module.__class__ = type("_NotRunYet", (_NotRunYet,), {"_run": staticmethod(run)})
    sys.modules[name] = module
    setattr(package, attribute, module)
