"""Command line: ``python -m autograder <command> …``.

Each command lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``. :data:`COMMANDS` names the modules, and only the module of
the command being run is imported (by name, :mod:`importlib`), so no command
pays for another's imports: importing every command module (the engine, the
reports, the release) takes 0.55 s against 0.04 s for this module, before
``python -m autograder --help`` could answer. A command module imports what it
uses at its top, so its ``--help`` costs its own imports (0.3–0.7 s measured for
``autograde``, ``demo``, ``merge`` on this project's 2-core machine, busy); what only
some runs need is imported where it is used, with the reason beside it (the
similarity report's copydetect and matplotlib, nbgrader's API).
"""

import argparse
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

#: command -> (module, one-line help)
COMMANDS = {
    "declare": ("autograder.commands.declare",
                "write what the functions' declarations say into the notebooks' graded cells and the course's tables"),
    "release": ("autograder.commands.release", "regenerate release/ from source/ with nbgrader"),
    "autograde": ("autograder.commands.autograde", "grade a folder of submissions in a sandbox"),
    "merge": ("autograder.commands.merge", "combine the results of shards into one grades.csv and report"),
    "demo": ("autograder.commands.demo", "build a demo course, grade example submissions, show the grade table"),
    "export": ("autograder.commands.export", "grades for an LMS gradebook (Canvas, CSV) or a JUnit report"),
    "gradescope": ("autograder.commands.gradescope", "build a problem set's Gradescope autograder; grade inside it"),
    "late": ("autograder.commands.late", "recompute late penalties and every total from the results (nothing graded)"),
    "extension": ("autograder.commands.extension", "grant a student an extension in the nbgrader gradebook"),
    "similarity": ("autograder.commands.similarity", "which students' code is unusually alike, per graded function"),
    "take-notebook": ("autograder.commands.take_notebook",
                      "copy a student repository's notebook (a regular file only) into submitted/ (CI templates)"),
    "nbgrader": ("autograder.commands.nbgrader", "nbgrader's own commands, with the environment's tools on PATH"),
    "passback": ("autograder.commands.passback", "post grades.csv to an LMS gradebook: LTI 1.3 AGS, Canvas or Moodle"),
    "requests": ("autograder.commands.requests",
                 "students' regrade requests beside their feedback, code and verdict; a decisions file to fill in"),
}


# SIGTERM (a CI cancel, `kill`) ends a command like Ctrl-C: cleanly
def _terminate(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


def _quiet_stdout() -> None:
    """After a closed pipe: send further output (and Python's final flush) to /dev/null."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def one_blas_thread() -> None:
    """One BLAS thread unless the caller chose otherwise, set before a command imports NumPy and NumPy loads its BLAS
    (this module imports neither), for ``python -m autograder`` and the ``probdl-autograder`` script alike: the
    grading parent only multiplies small matrices, and idle OpenBLAS threads spin, taking CPU from the sandboxed
    children that run the submissions (measured: 338 -> 275 CPU ms per notebook); and a process with no other
    thread can fork its report workers (:func:`autograder.model.process_pool.map_chunks`)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; Ctrl-C or SIGTERM and a closed pipe end it without a traceback.

    A command stopped by Ctrl-C before it could say how to resume exits 130
    with one line; a closed stdout (``… | head -1``) only loses output: the
    commands write every file before they print.
    """
    one_blas_thread()
    if hasattr(signal, "SIGTERM"):
        with contextlib.suppress(ValueError):  # not the main thread (embedded use)
            signal.signal(signal.SIGTERM, _terminate)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("Interrupted; run the same command again to finish (finished results are kept).", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 0


def _main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Grading tools for the probability-foundations course.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    subparsers = {
        name: sub.add_parser(name, help=help_text, description=help_text)
        for name, (_, help_text) in COMMANDS.items()
    }
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in COMMANDS:
        importlib.import_module(COMMANDS[command][0]).add_arguments(subparsers[command])
    args = parser.parse_args(argv)
    return int(importlib.import_module(COMMANDS[args.command][0]).run(args) or 0)
