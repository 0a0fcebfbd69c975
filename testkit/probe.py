"""Looking inside the sandbox, for tests: a zygote that says more, and one cell run in a child.

:class:`ProbeZygote` is the engine's :class:`~autograder.perimeter.supervision.zygote_parent.Zygote` started as
:mod:`testkit.probe_zygote` (the product's zygote answering the test-only requests listed there);
it grades like the product's. :class:`ModeZygote` is the product's zygote in a sandbox mode chosen by the
test. :func:`run_cell` needs no probe: it sends the grader's own request.
"""

from __future__ import annotations

from unittest import mock

from autograder.perimeter.supervision.zygote_parent import Child, Zygote

#: the variable that forces a sandbox mode (:func:`autograder.perimeter.confinement.modes.requested_mode`)
MODE_VARIABLE = "AUTOGRADER_SANDBOX_MODE"


class ProbeZygote(Zygote):
    """A zygote whose slots, modules and children's printed text tests can read."""

    program = "testkit.probe_zygote"

    def slot_processes(self, slot: int) -> list:
        """The live processes of ``slot`` (as root: of its uid; ``userns``: in its children's PID namespaces;
        ``weak``: none), the spare child forked for the next submission left out."""
        return self._request({"op": "slot_processes", "slot": slot})["processes"]

    def modules(self) -> list:
        """The zygote's ``sys.modules`` (what every child inherits)."""
        return self._request({"op": "modules"})["modules"]


class ModeZygote(Zygote):
    """The product's zygote in sandbox ``mode`` (``root``, ``userns``, ``weak``; ``None``: the mode this
    process gets), so one test process can test several modes.

    The mode is the zygote's own environment variable ``AUTOGRADER_SANDBOX_MODE``, set in this process only
    while it launches (its restarts too), so nothing else started meanwhile inherits it.
    """

    def __init__(self, *args, mode: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode = mode

    def launch(self) -> ModeZygote:
        if self.mode is None:
            return super().launch()
        with mock.patch.dict("os.environ", {MODE_VARIABLE: self.mode}):
            return super().launch()


def run_cell(child: Child, source: str, timeout: float) -> dict:
    """Run ``source`` as one cell in ``child``, as the grader runs cells (a ``runs`` request of one):
    ``{"status": "ok"}`` or ``{"status": "error", "error"}``; raises :class:`~autograder.perimeter.supervision.zygote_parent.ChildError`."""
    return child.request({"op": "runs", "sources": [source]}, timeout)


def printed(child: Child, timeout: float = 10) -> str:
    """The beginning of what ``child``'s cells printed (a child of a :class:`ProbeZygote`)."""
    return child.request({"op": "output"}, timeout)["text"]
