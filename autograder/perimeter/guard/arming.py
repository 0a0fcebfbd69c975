"""Forbidden library functions made unusable in the process that runs student code: a process's :class:`Guard`.

UNTRUSTED SIDE. The rule: **in an armed process a forbidden object never
computes**, whoever calls it — student code, a library function student code
called, a callback. There is no exception for library code: SciPy's one-line
helper around ``logsumexp`` refuses like ``logsumexp`` itself, and so does a
distribution whose ``cdf`` is ``expit``. A refusal is a
:class:`~.refusal.ForbiddenFunctionError` whose message names the forbidden object.

A :class:`Guard` is an object, handed to whoever arms its process (the
grading engine's zygote makes one and its children arm through it; a
plain-nbgrader kernel makes its own): nothing about the plan or the arming is
kept in a module. Two steps, so that a batch pays the expensive part once:

* :meth:`Guard.prepare` *plans*, in the grading engine's zygote (once, before any
  child exists, with every forbidden name of the batch) or at the start of a
  plain-nbgrader kernel: what computes each forbidden object and the gates
  that stand for it (:mod:`.plan`), and where the heap holds each compiled one
  (:mod:`.heap`).

* :meth:`Guard.arm` *applies* the plan for the process's own problem set's names, once,
  before any student code runs (the sandboxed child, the kernel): each
  function's ``__code__`` becomes its gate (the function keeps its identity, so
  every reference anywhere now raises), each reference to a compiled object is
  replaced by a gate function; then the guard **drops every reference it held
  to an original** (plan, lists, locations). No implementation of an armed group
  is then reachable from Python in that process (compiled code may still hold a
  compiled object itself — SciPy's extension keeps a reference to ``expit`` —
  but no Python object does): nothing that student code can install (trace,
  profile and ``sys.monitoring`` callbacks, audit hooks, signal handlers,
  finalizers, threads) can see one, because there is none to see.
  :meth:`Guard.arm` counts what is left (weak references to the original code
  objects; the reference count of a replaced object) and says so in its report.

What could bring an implementation back is refused by an audit hook
(:func:`.refusal.refusing_hook`), installed by :meth:`Guard.arm`. An audit
hook cannot be removed, so arming is for the life of the process: a second
guard's plan in an armed process is refused by the first's hook (it walks the
heap). (Where the engine's sandbox has a filesystem view, the defining files
are also covered at the operating-system level: ``view.cover_files``.)

What depends on the interpreter version is said in :mod:`.support`, which
refuses to start on any other (:func:`.support.unsupported`).

What it cannot stop (docs/threat-model.md): a second interpreter started by the
submission (the engine's sandbox makes the interpreter not executable inside
it), a library that ships its own copy of a forbidden computation under another
name, from CPython 3.13 a signal handler that rewrites the running hook's
arguments (write-through ``f_locals``) to let one refused event through, and a
student writing the function, which is the point.

Standard library only: this module runs in the zygote, the child and the plain-nbgrader kernel.
"""

from __future__ import annotations

import gc
import linecache
import os
import sys
import time
import types
import weakref
from collections.abc import Iterable
from typing import Any

from autograder.perimeter.guard import heap, support
from autograder.perimeter.guard.plan import Group, make_gates, package_files, plan_group, twins, with_caches
from autograder.perimeter.guard.refusal import refusing_hook


class Guard:
    """One process's guard: :meth:`prepare` (any number of times), then :meth:`arm` (once)."""

    def __init__(self) -> None:
        #: The plan: forbidden name -> Group; hidden packages and their files. Emptied when the process is armed.
        self._plan: dict[str, Any] = {"groups": {}, "hidden": [], "hidden_paths": set(), "seconds": 0.0}
        self.prepared = False  # the gates were tried on this interpreter (:func:`.support.check_gates`)
        self.armed = False  # nothing more can be prepared or armed

    def check_supported(self) -> None:
        """Raise :class:`~.support.GuardUnavailable` unless this interpreter is one the guard supports (the
        zygote asks first: an interpreter the guard cannot arm grades nothing)."""
        why = support.unsupported()
        if why is not None:
            raise support.GuardUnavailable(why)

    def prepare(self, names: Iterable[str], hidden_modules: Iterable[str] = (), locate: bool = True) -> dict[str, Any]:
        """Plan, in this process, what arming does for the forbidden ``names``.

        May be called several times before :meth:`arm` (the zygote plans every name while it starts, then the
        batch's); the references to compiled objects are found again at each call that locates them, so the last
        call should come after everything else that may hold one (``Pins.pin``) and before any fork.

        Parameters
        ----------
        names : iterable of str
            Dotted names of forbidden objects (``"scipy.special.logsumexp"``) or module prefixes (``"torch"``), as
            in ``autograder.checks.forbidden``.
        hidden_modules : iterable of str
            Packages that, once armed, cannot be imported nor their files read whatever the names (the
            plain-nbgrader kernel hides ``solutions``, loaded before).
        locate : bool
            False: the references are not looked for (the heap's walk, 0.09 s of the zygote's start), the
            report's ``unreplaced`` and ``compiled_holders`` are empty, and :meth:`arm` refuses the plan until a
            call locates.

        Returns
        -------
        dict
            ``{"groups": {name: kind}, "gated": functions gated and objects replaced, "unreplaced": [references
            that arming could not replace], "compiled_holders": {name: references to a compiled object held by
            compiled code, not by any Python object}, "paths": [files that define a group], "seconds": t}``.

        Raises
        ------
        TypeError
            When a name is not a string.
        RuntimeError
            When this guard has armed its process already.
        GuardUnavailable
            When this interpreter is not one the guard supports (:func:`.support.unsupported`), before anything
            changes.
        """
        why = support.unsupported()
        if why is not None:
            raise support.GuardUnavailable(why)
        names = tuple(names)
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"prepare: `names` must hold dotted names as str, got {type(name).__name__}")
        if self.armed:
            raise RuntimeError("this process is armed: nothing more can be prepared")
        started = time.perf_counter()
        if not self.prepared:
            support.check_gates()
            self.prepared = True
        plan = self._plan
        groups: dict[str, Group] = plan["groups"]
        fresh = [plan_group(name) for name in sorted(set(names) - set(groups))]
        functions = [g for g in fresh if g.members]
        twins(functions)
        for group in functions:
            make_gates(group)
        groups.update((g.name, g) for g in fresh)
        for package in hidden_modules:
            self._hide(str(package))
        replaced = [g for g in groups.values() if g.kind == "replace"] if locate else []
        plan["located"] = locate
        if locate:
            heap.locate(replaced, {id(g) for g in groups.values()} | {id(plan), id(groups), id(replaced)})
        unreplaced: list[str] = []
        for group in replaced:
            unreplaced += group.unreplaced
            group.compiled = heap.references(group) - group.slots
        paths = {p for g in groups.values() for p in with_caches(g.paths)}
        for path in list(linecache.cache):
            if path in paths:
                del linecache.cache[path]
        plan["seconds"] += time.perf_counter() - started
        return {
            "groups": {g.name: g.kind for g in groups.values()},
            "gated": sum(len(g.members) + (g.gate is not None) for g in groups.values()),
            "unreplaced": unreplaced,
            "compiled_holders": {g.name: g.compiled for g in replaced if g.compiled},
            "paths": sorted(paths),
            "seconds": round(plan["seconds"], 3),
        }

    def _hide(self, package: str) -> None:
        """``package`` (a top-level name): not importable once armed, its files not readable."""
        if package in self._plan["hidden"]:
            return
        self._plan["hidden"].append(package)
        self._plan["hidden_paths"].update(package_files(package))

    def arm(self, names: Iterable[str]) -> dict[str, Any]:
        """From now on, in this process, the forbidden objects of ``names`` never compute (once per process).

        Returns
        -------
        dict
            ``{"armed": [names], "gated": n, "left": [originals that survived]}``.

        Raises
        ------
        RuntimeError
            When this process was armed already, or was not prepared for every one of ``names``.
        GuardUnavailable
            When this interpreter is not one the guard supports (:func:`.support.unsupported`).
        """
        why = support.unsupported()
        if why is not None:
            raise support.GuardUnavailable(why)
        if not self.prepared:
            raise RuntimeError("arm: this process was not prepared (Guard.prepare)")
        return self._arm(tuple(str(n) for n in names))

    def _arm(self, names: tuple[str, ...]) -> dict[str, Any]:
        """Apply the plan for ``names``, drop it, and install the hook that refuses what could undo it."""
        if self.armed:
            raise RuntimeError("the forbidden functions of this process are already set")
        plan = self._plan
        wanted = set(names)
        missing = sorted(wanted - set(plan["groups"]))
        if missing:  # (never armed by halves: a name nobody planned for would stay usable)
            raise RuntimeError(f"arm: {', '.join(missing)} not prepared in this process (Guard.prepare)")
        if plan.get("located") is not True:  # (references never looked for would stay usable)
            raise RuntimeError("arm: the last Guard.prepare of this process did not locate the references "
                               "(locate=False)")
        self.armed = True
        armed: list[Group] | None = [g for g in plan["groups"].values() if g.name in wanted]
        gated: set[int] = set()
        modules: set[str] = set()
        prefixes: list[str] = []
        paths: set[str] = set(plan["hidden_paths"])
        originals: list[weakref.ref[types.CodeType]] = []  # weak references to the code that computes
        left: list[str] = []  # what survived
        fn: types.FunctionType | None = None
        group: Group | None = None
        for group in armed or ():
            if group.kind == "prefix":
                prefixes.append(group.name)
                continue
            modules.update(group.modules)
            paths.update(with_caches(group.paths))
            for fn in group.members:
                if id(fn) not in gated:
                    gated.add(id(fn))
                    fn.__code__ = group.gates[id(fn)]
            if group.gate is not None:
                gated.add(id(group.gate))
                for location in group.locations:
                    heap.apply(group, location)
                group.locations, group.tuples = [], []
                if heap.references(group) > group.compiled:  # a holder made since the plan: young, found again cheaply
                    heap.locate([group], {id(g) for g in plan["groups"].values()} | {id(armed), id(plan)})
                    for location in group.locations:
                        heap.apply(group, location)
                    group.locations, group.tuples = [], []
                    if heap.references(group) > group.compiled:
                        left.append(f"{group.name}: {heap.references(group) - group.compiled} reference(s) to the "
                                    "original")
            originals += [weakref.ref(code) for code in group.impl]
        hidden = tuple(plan["hidden"])
        for group in plan["groups"].values():  # every reference the guard held to an original
            group.obj = group.gate = None
            group.members, group.impl, group.gates, group.locations, group.tuples = [], [], {}, [], []
        plan["groups"] = {}
        armed = fn = group = None
        alive = sum(ref() is not None for ref in originals)
        if alive:
            left.append(f"{alive} original code object(s) still alive")
        files: set[tuple[int, int]] = set()
        for path in paths:
            try:
                st = os.stat(path)
            except OSError:
                continue
            files.add((st.st_dev, st.st_ino))
        sys.addaudithook(refusing_hook(frozenset(modules), tuple(prefixes) + hidden, frozenset(files),
                                       frozenset(gated)))
        try:
            gc.get_referents()
        except RuntimeError:
            pass
        else:
            raise support.GuardUnavailable("the guard's audit hook does not answer: forbidden functions could not "
                                           "be made unusable")
        return {"armed": sorted(wanted), "gated": len(gated), "left": left}
