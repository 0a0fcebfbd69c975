"""The zygote the tests look inside the sandbox with: the product's, answering a few requests more.

Run as ``python -m testkit.probe_zygote`` by :class:`testkit.probe.ProbeZygote`, in place of
:mod:`autograder.perimeter.child_runtime.zygote`; it subclasses that zygote and imports nothing else of the product
(``tests/test_engine_sandbox.py`` checks the zygote's modules through it). Test scaffolding: the
grader never starts it, so none of these requests is a way into a real batch.

More control requests (see :mod:`autograder.perimeter.child_runtime.zygote` for the grader's):

* ``slot_processes {"slot"}`` → ``{"processes": [pid]}``: the live processes of a slot (as root: of its
  uid; ``userns``: in the PID namespaces its children had; ``weak``: none), the spare child left out;
* ``modules`` → ``{"modules": [name]}``: the zygote's ``sys.modules`` (what every child inherits).

More child requests (see :mod:`autograder.perimeter.child_runtime.child` for the grader's):

* ``{"op": "output"}`` → ``{"text": str}``: the first :data:`KEPT` characters the cells printed (stdout and
  stderr; what goes to the file descriptors directly, e.g. a subprocess's, is not seen).
"""

from __future__ import annotations

import os
import sys

from autograder.perimeter.child_runtime import zygote
from autograder.perimeter.confinement import processes

#: Characters of printed text a child keeps for ``output``.
KEPT = 65536


class _Printed:
    """The beginning of what a child printed."""

    def __init__(self):
        self.parts, self.size = [], 0

    def add(self, text) -> None:
        if isinstance(text, str) and self.size < KEPT:
            self.parts.append(text[: KEPT - self.size])
            self.size += len(self.parts[-1])


class _Tee:
    """A ``sys.stdout``/``sys.stderr`` that shows what is written to :class:`_Printed`, then passes it on."""

    def __init__(self, stream, printed: _Printed):
        self._stream, self._printed = stream, printed

    def write(self, text):
        self._printed.add(text)
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def probe_child() -> dict:
    """A child's extra requests (``extend`` of :func:`autograder.perimeter.child_runtime.child.serve`): from now on its
    stdout and stderr are also kept (their first :data:`KEPT` characters), and ``output`` answers them."""
    printed = _Printed()
    sys.stdout, sys.stderr = _Tee(sys.stdout, printed), _Tee(sys.stderr, printed)
    return {"output": lambda msg: {"text": "".join(printed.parts)}}


class ProbeRequests(zygote.ZygoteServer):
    """The product's zygote with the requests of the module's docstring."""

    REQUESTS = zygote.ZygoteServer.REQUESTS + ("slot_processes", "modules")
    extend_child = staticmethod(probe_child)

    def __init__(self, ctrl):
        super().__init__(ctrl)
        self.slot_ns = {}  # slot -> the PID namespaces its children had (userns mode)

    def kill(self, msg, prefork=True):
        if self.mode == "userns":  # (every way a child ends in that mode: the request, a respawn, shutdown)
            self._note_namespace(int(msg["slot"]))
        return super().kill(msg, prefork)

    def _note_namespace(self, slot: int) -> None:
        """Remember the PID namespace of the slot's current child.

        Read from a process inside it other than its init (the child of the
        outer parent the zygote forked; not dumpable, so its namespace link
        cannot be read from here).
        """
        info = self.slots.get(slot)
        if info is None:
            return
        table = processes.proc_children(self.view.proc)
        seen = self.slot_ns.setdefault(slot, set())
        if len(seen) > 1000:
            seen.clear()
        for pid in processes.descendants({p for p, pp in table.items() if pp == info["pid"]}, table):
            try:
                seen.add(os.readlink(f"{self.view.proc}/{pid}/ns/pid"))
                return
            except OSError:
                continue

    def slot_processes(self, msg) -> dict:
        self.reap()
        slot = int(msg["slot"])
        spare = self.spares.get(slot, {}).get("pid")
        spare_tree = {spare} | processes.descendants({spare}, processes.proc_children(self.view.proc)) if spare else set()
        if self.mode == "userns":
            self._note_namespace(slot)  # the running child's namespace too
            namespaces, found = self.slot_ns.get(slot, ()), []
            for name in os.listdir(self.view.proc):
                if name.isdigit():
                    try:
                        if os.readlink(f"{self.view.proc}/{name}/ns/pid") in namespaces:
                            found.append(int(name))
                    except OSError:
                        pass
            states = {p: processes.proc_state(p, self.view.proc) for p in found if p not in spare_tree}
            return {"processes": sorted(p for p, st in states.items() if st not in ("Z", None))}
        if self.killer is None:
            return {"processes": []}
        return {"processes": sorted(p for p, st in processes.uid_processes(self.uid_of(slot), self.view.proc).items()
                                    if st != "Z" and p not in spare_tree)}

    def modules(self, msg) -> dict:
        return {"modules": sorted(sys.modules)}


if __name__ == "__main__":
    raise SystemExit(zygote.main(zygote=ProbeRequests))
