"""In a Jupyter kernel (plain ``nbgrader autograde``): a graded cell is judged as its check is.

``nbgrader autograde`` scores a graded test cell 0 when anything in it
fails, the visible asserts above the hidden ``run_check`` included. Those
asserts call the student's function as it is, so a caller whose check
passes with its callee carried forward (:class:`~autograder.perimeter.child_runtime.carry_forward.CalleeStubs`)
would still lose the cell on a visible assert that goes through the
student's wrong callee: the mistake charged twice, and a score different
from our engine's (which awards a cell from its check alone).

So, once :func:`install` ran in an IPython kernel (the course's
``nbgrader_config.py`` has the kernel run it at start-up; without that, the
first ``run_check`` does it), every later cell that calls
``run_check("<grade_id>", …)`` runs as a whole (visible asserts too) with
the contract functions that ``<grade_id>``'s function carries forward
answered by the reference, exactly as during the check's own probes; the
notebook's functions are put back when the cell ends; its warnings are shown on stdout meanwhile
(:func:`_warn_on_stdout`: nbgrader scores a cell with stderr output 0). The check itself
runs with the cell's stubs set aside (its probes carry forward on their
own, with their own bounds). Other cells, and a notebook run without the
grader (a student's Jupyter), are not touched.

After every cell the shell's transformers, methods and exception handlers
are put back as :func:`install` found them (:func:`_restore_shell`), so a
cell that makes later cells swallow their errors affects only itself. Two
costs of IPython's error display are cut, neither of which changes a score
(a failing cell still shows its error, and nbgrader gives it 0): an endless
recursion's traceback shows its first and last frames only
(:func:`_recursion_traceback`), and the copy of each error IPython keeps for
its history is formatted by Python (:func:`_exception_for_history`). With
IPython's formatter for both, a submission whose functions call each other
without end took about a minute per notebook to grade.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from autograder.checks.by_name import armed, checks_for
from autograder.checks.callees import carried_callees
from autograder.checks.evaluate import LocalTarget
from autograder.checks.references import reference_function
from autograder.model import course
from autograder.perimeter.child_runtime.carry_forward import CalleeStubs
from autograder.perimeter.child_runtime.invoke import InputWatch
from autograder.perimeter.guard import support
from autograder.perimeter.guard.arming import Guard

_RUN_CHECK = re.compile(r"""\brun_check\(\s*["']([A-Za-z0-9_]+-[A-Za-z0-9_]+)["']""")

#: The watch of each notebook namespace the kernel grades (by identity, the namespace kept with it): one
#: notebook's calls across its graded cells, as the engine's child keeps them (purity over the whole check).
_WATCHES: dict[int, tuple[dict, InputWatch]] = {}


def watch(namespace: dict) -> InputWatch:
    """The :class:`~autograder.perimeter.child_runtime.invoke.InputWatch` of ``namespace``'s calls in this kernel,
    made at its first graded cell (a function's ``-purity`` cell, its last, compares every call's inputs again)."""
    kept = _WATCHES.get(id(namespace))
    if kept is None or kept[0] is not namespace:
        while len(_WATCHES) >= 4:  # (a kernel grades one namespace; a process calling run_check on many keeps few)
            del _WATCHES[next(iter(_WATCHES))]
        kept = _WATCHES[id(namespace)] = (namespace, InputWatch())
    return kept[1]


#: The carried-forward stubs of the graded cell that is running, if any.
_current: list[CalleeStubs] = []
#: ``warnings.showwarning`` as it was before the graded cell that is running, if any (see :func:`_warn_on_stdout`).
_shown: list[Callable[..., None]] = []


def _warn_on_stdout(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                    file: Any = None, line: str | None = None) -> None:
    """Show a warning of a graded cell on stdout, not stderr.

    nbgrader scores a graded code cell with any stderr output 0, so a RuntimeWarning that the student's
    function prints while the cell's visible asserts call it would cost the cell, where our engine, which
    judges a cell by its check alone, does not charge it: a warning costs exactly the cells whose checks
    judge warnings (``no_warnings``: stability, edges, purity), which fail through their own errors. So
    the student still reads the warning, and both graders give the same score.
    """
    sys.stdout.write(warnings.formatwarning(message, category, filename, lineno, line))


def _pre_run_cell(info: object) -> None:
    _post_run_cell()  # (also puts back the transformers: AST ones apply after this hook)
    match = _RUN_CHECK.search(getattr(info, "raw_cell", "") or "")
    shell = _shell()
    if match is None or shell is None:
        return
    function = course.function_of(match.group(1))
    try:
        carried = LocalTarget(shell.user_ns).stubs(function, carried_callees(function))
    except KeyError:  # not a contract function
        return
    carried.__enter__()
    _current.append(carried)
    _shown.append(warnings.showwarning)
    warnings.showwarning = _warn_on_stdout


def _post_run_cell(*_args: object) -> None:
    while _current:
        _current.pop().__exit__(None, None, None)
    while _shown:
        warnings.showwarning = _shown.pop()
    _restore_shell()


#: The shell's own cell transformers and methods, as :func:`install` found them (see :func:`_restore_shell`).
_PRISTINE: dict = {}

#: Methods of the shell a cell could shadow with an instance attribute to change how later cells run.
_SHELL_METHODS = ("transform_cell", "transform_ast", "run_code", "run_ast_nodes", "run_cell", "run_cell_async",
                  "should_run_async", "showtraceback", "_showtraceback", "ex", "ev")


def _transformer_lists(shell: Any) -> dict[str, list[Any]]:
    manager = shell.input_transformer_manager
    return {"ast": shell.ast_transformers, "post": shell.input_transformers_post,
            **{name: getattr(manager, name) for name in ("cleanup_transforms", "line_transforms",
                                                         "token_transformers") if hasattr(manager, name)}}


def _class_methods(shell: Any) -> dict[tuple[type, str], Any]:
    """``{(class, name): attribute}`` of :data:`_SHELL_METHODS` on every class of the shell's MRO that defines one."""
    return {(cls, name): vars(cls)[name] for cls in type(shell).__mro__ for name in _SHELL_METHODS
            if name in vars(cls)}


def _snapshot(shell: Any) -> None:
    _PRISTINE.update(lists={k: list(v) for k, v in _transformer_lists(shell).items()},
                     compile=shell.compile, manager=shell.input_transformer_manager,
                     custom=(shell.custom_exceptions, shell.CustomTB), methods=_class_methods(shell))


def _restore_shell() -> None:
    """Put back the shell's transformers, methods and exception handlers.

    A cell that adds an AST or input transformer (which could make every later cell, test cells
    included, do nothing), shadows or replaces a method of the shell or of its class (``showtraceback``
    that shows nothing), or registers a custom exception handler (``set_custom_exc`` with a handler
    that swallows every error: nbgrader sees no error output and gives full marks) affects itself only.
    """
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
    now = _class_methods(shell)
    for (cls, name), method in _PRISTINE["methods"].items():
        if now.get((cls, name)) is not method:
            setattr(cls, name, method)
    for cls, name in now.keys() - _PRISTINE["methods"].keys():
        delattr(cls, name)
    shell.custom_exceptions, shell.CustomTB = _PRISTINE["custom"]


@contextlib.contextmanager
def set_aside() -> Iterator[None]:
    """While a check runs: the cell's stubs are taken out, and put back after."""
    saved = list(_current)
    for carried in reversed(saved):
        carried.__exit__(None, None, None)
    try:
        yield
    finally:
        for carried in saved:
            carried.__enter__()


#: Frames of a RecursionError's traceback shown from each end (the thousands between are counted, not shown).
RECURSION_FRAMES = 8


def _recursion_traceback(shell: Any, etype: type[BaseException], value: BaseException, tb: TracebackType | None,
                         tb_offset: int | None = None) -> None:
    """Show a RecursionError as Python does, with the first and last :data:`RECURSION_FRAMES` frames only.

    IPython's own formatter reads the source and context of each of the ~3,000 frames of an endless
    recursion: 5 to 15 seconds per failing cell in a grading kernel, and a traceback no student reads.
    The cell fails all the same (an error output: nbgrader scores it 0); the student reads where the
    recursion starts, the calls that repeat, and the error.
    """
    import traceback

    frames = list(traceback.walk_tb(tb.tb_next if tb is not None else None))  # (the shell's run_code left out)
    head, tail = frames[:RECURSION_FRAMES], frames[RECURSION_FRAMES:][-RECURSION_FRAMES:]
    skipped = len(frames) - len(head) - len(tail)
    lines = ["Traceback (most recent call last):\n", *traceback.StackSummary.extract(iter(head)).format()]
    if skipped:
        lines.append(f"  ... {skipped} more calls: a function that calls itself (or calls a function that calls"
                     " it back) without end ...\n")
    lines += [*traceback.StackSummary.extract(iter(tail)).format(), *traceback.format_exception_only(etype, value)]
    shell._showtraceback(etype, value, ["".join(lines).rstrip("\n")])


def _exception_for_history(exception: BaseException, filename: str | None = None,
                           running_compiled_code: bool = False) -> dict[str, Any]:
    """An error as IPython keeps it in its history (``history_manager.exceptions``), formatted by Python.

    IPython formats each error of a cell a second time, for its history only, with the same formatter
    as the traceback the cell shows (source, context and colours of every frame): about as long again
    for every failing cell a grader runs, for a record nbgrader never reads. What a cell shows is not
    changed by this.
    """
    import traceback

    tb = traceback.format_exception(type(exception), exception, exception.__traceback__, limit=RECURSION_FRAMES)
    return {"ename": type(exception).__name__, "evalue": str(exception), "traceback": tb}


def _quietly(hook: Callable[..., object]) -> Callable[..., None]:
    """IPython prints a failing hook's traceback to stderr, which fails a graded cell: never fail."""

    def run(*args: object) -> None:
        with contextlib.suppress(Exception):
            hook(*args)

    return run


def _shell() -> Any:
    """The running IPython shell, or None (``Any``: this module patches attributes IPython's types do not declare)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def install(problem_set: str | None = None) -> bool:
    """Prepare the running IPython kernel for grading, once; False outside one.

    Before any cell of the notebook runs: the problem set's forbidden
    library objects refuse student code (a :class:`~autograder.perimeter.guard.arming.Guard`;
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
    shell.set_custom_exc((RecursionError,), _recursion_traceback)
    if hasattr(shell, "_format_exception_for_storage"):  # (IPython 9 keeps every error for its history)
        shell._format_exception_for_storage = _exception_for_history
    _snapshot(shell)
    shell.events.register("pre_run_cell", _quietly(_pre_run_cell))
    shell.events.register("post_run_cell", _quietly(_post_run_cell))
    shell._probdl_carry_hooks = True
    return True


def _arm(problem_set: str) -> None:
    """Forbidden objects refuse student code; the references are loaded, then no longer importable by name."""
    if problem_set not in course.PROBLEM_SETS or support.unsupported() is not None:
        return  # (on an interpreter the guard does not support, run_check grades nothing and says why)
    names = list(armed(checks_for(problem_set)))
    for function in course.FUNCTIONS[problem_set]:
        reference_function(function)  # (cached for the kernel's life)
    for name in [m for m in sys.modules if m == "solutions" or m.startswith("solutions.")]:
        del sys.modules[name]
    guard = Guard()  # (the kernel's own: it arms this process once, for the kernel's life)
    guard.prepare(names, hidden_modules=("solutions",))
    guard.arm(names)

