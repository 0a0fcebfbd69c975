"""In a Jupyter kernel (plain ``nbgrader autograde``): a graded cell is judged as its check is.

``nbgrader autograde`` scores a graded test cell 0 when anything in it
fails, the visible asserts above the hidden ``run_check`` included. Those
asserts call the student's function as it is, so a caller whose check
passes with its callee carried forward (:class:`~autograder.sandbox.invoke.Carried`)
would still lose the cell on a visible assert that goes through the
student's wrong callee: the mistake charged twice, and a score different
from our engine's (which awards a cell from its check alone).

So, once :func:`install` ran in an IPython kernel (the course's
``nbgrader_config.py`` has the kernel run it at start-up; without that, the
first ``run_check`` does it), every later cell that calls
``run_check("<grade_id>", …)`` runs as a whole (visible asserts too) with
the contract functions that ``<grade_id>``'s function carries forward
answered by the reference, exactly as during the check's own probes; the
notebook's functions are put back when the cell ends. The check itself
runs with the cell's stubs set aside (its probes carry forward on their
own, with their own bounds). Other cells, and a notebook run without the
grader (a student's Jupyter), are not touched.
"""

from __future__ import annotations

import contextlib
import re

_RUN_CHECK = re.compile(r"""\brun_check\(\s*["']([A-Za-z0-9_]+-[A-Za-z0-9_]+)["']""")

#: The carried-forward stubs of the graded cell that is running, if any.
_current: list = []


def _pre_run_cell(info) -> None:
    from autograder.checks.evaluate import LocalTarget, carried_forward
    from autograder.model.course import function_of

    _post_run_cell()
    match = _RUN_CHECK.search(getattr(info, "raw_cell", "") or "")
    shell = _shell()
    if match is None or shell is None:
        return
    function = function_of(match.group(1))
    try:
        carried = LocalTarget(shell.user_ns).carried(function, carried_forward(function))
    except KeyError:  # not a contract function
        return
    carried.__enter__()
    _current.append(carried)


def _post_run_cell(*_args) -> None:
    while _current:
        _current.pop().__exit__(None, None, None)


@contextlib.contextmanager
def set_aside():
    """While a check runs: the cell's stubs are taken out, and put back after."""
    saved = list(_current)
    for carried in reversed(saved):
        carried.__exit__(None, None, None)
    try:
        yield
    finally:
        for carried in saved:
            carried.__enter__()


def _quietly(hook):
    """IPython prints a failing hook's traceback to stderr, which fails a graded cell: never fail."""

    def run(*args):
        try:
            hook(*args)
        except Exception:  # noqa: BLE001
            pass

    return run


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def install() -> bool:
    """Register the cell hooks in the running IPython kernel, once; False outside one."""
    shell = _shell()
    if shell is None or getattr(shell, "_probdl_carry_hooks", False):
        return False
    shell.events.register("pre_run_cell", _quietly(_pre_run_cell))
    shell.events.register("post_run_cell", _quietly(_post_run_cell))
    shell._probdl_carry_hooks = True
    return True

