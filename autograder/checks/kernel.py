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
import os
import re

_RUN_CHECK = re.compile(r"""\brun_check\(\s*["']([A-Za-z0-9_]+-[A-Za-z0-9_]+)["']""")

#: The carried-forward stubs of the graded cell that is running, if any.
_current: list = []


def _pre_run_cell(info) -> None:
    from autograder.checks.evaluate import LocalTarget, carried_forward
    from autograder.model.course import function_of

    _post_run_cell()  # (also puts back the transformers: AST ones apply after this hook)
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
    _restore_shell()


#: The shell's own cell transformers and methods, as :func:`install` found them (see :func:`_restore_shell`).
_PRISTINE: dict = {}

#: Methods of the shell a cell could shadow with an instance attribute to change how later cells run.
_SHELL_METHODS = ("transform_cell", "transform_ast", "run_code", "run_ast_nodes", "run_cell", "run_cell_async",
                  "should_run_async", "showtraceback", "ex", "ev")


def _transformer_lists(shell):
    manager = shell.input_transformer_manager
    return {"ast": shell.ast_transformers, "post": shell.input_transformers_post,
            **{name: getattr(manager, name) for name in ("cleanup_transforms", "line_transforms",
                                                         "token_transformers") if hasattr(manager, name)}}


def _snapshot(shell) -> None:
    _PRISTINE.update(lists={k: list(v) for k, v in _transformer_lists(shell).items()},
                     compile=shell.compile, manager=shell.input_transformer_manager)


def _restore_shell() -> None:
    """Put back the shell's transformers and methods: a cell that adds an AST or input transformer (which
    could make every later cell, test cells included, do nothing) or shadows a method affects itself only."""
    shell = _shell()
    if shell is None or not _PRISTINE:
        return
    shell.input_transformer_manager = _PRISTINE["manager"]
    shell.compile = _PRISTINE["compile"]
    for name, items in _transformer_lists(shell).items():
        items[:] = _PRISTINE["lists"].get(name, [])
    for name in _SHELL_METHODS:
        if name in vars(shell):
            delattr(shell, name)


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


def install(problem_set: str | None = None) -> bool:
    """Prepare the running IPython kernel for grading, once; False outside one.

    Before any cell of the notebook runs: the problem set's forbidden
    library objects refuse student code (:mod:`autograder.sandbox.guard`;
    the problem set is ``problem_set``, else the name of the folder the
    kernel runs in, which nbgrader makes the assignment's), the reference
    solutions are loaded and cannot be imported by name afterwards, and the
    cell hooks are registered (errors carried forward in graded cells; the
    shell's transformers put back after every cell).
    """
    shell = _shell()
    if shell is None or getattr(shell, "_probdl_carry_hooks", False):
        return False
    _arm(problem_set or os.path.basename(os.getcwd()))
    _snapshot(shell)
    shell.events.register("pre_run_cell", _quietly(_pre_run_cell))
    shell.events.register("post_run_cell", _quietly(_post_run_cell))
    shell._probdl_carry_hooks = True
    return True


def _arm(problem_set: str) -> None:
    """Forbidden objects refuse student code; the references are loaded, then no longer importable by name."""
    import sys

    from autograder.checks import checks_for
    from autograder.checks.evaluate import reference_function
    from autograder.model import course
    from autograder.sandbox import guard

    if problem_set not in course.PROBLEM_SETS or guard.unsupported() is not None:
        return  # (on an interpreter the guard does not support, run_check grades nothing and says why)
    names = sorted({n for check in checks_for(problem_set).values() for n in check.forbidden})
    for function in course.FUNCTIONS[problem_set]:
        reference_function(function)  # (cached for the kernel's life)
    for name in [m for m in sys.modules if m == "solutions" or m.startswith("solutions.")]:
        del sys.modules[name]
    guard.prepare(names, hidden_modules=("solutions",))
    guard.arm(names)

