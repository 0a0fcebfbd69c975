"""``python -m autograder nbgrader ARGS…``: nbgrader's own command line, run so that it works as documented.

nbgrader runs the ``alembic`` executable (from ``PATH``) whenever it creates a gradebook, and ``alembic`` sits
beside this interpreter in ``.venv/bin/``, which is not on ``PATH`` unless the environment is activated:
``.venv/bin/nbgrader db assignment add …`` in a fresh course folder fails with ``FileNotFoundError: 'alembic'``.
This command puts the interpreter's scripts folder on ``PATH`` first
(:func:`autograder.nbgrader_io.gradebook.ensure_tools_on_path`, what the grader's own gradebook steps do), then
hands every argument to nbgrader unchanged: ``python -m autograder nbgrader db assignment add ps1_softmax
--duedate=…`` is ``nbgrader db assignment add ps1_softmax --duedate=…``, in the course folder it runs in.
"""

from __future__ import annotations

import argparse
import sys

from autograder.nbgrader_io.gradebook import ensure_tools_on_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("arguments", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="nbgrader's arguments, as `nbgrader ARGS` takes them (e.g. db assignment add ps1_softmax)")


def run(args: argparse.Namespace) -> int:
    from nbgrader.apps.nbgraderapp import NbGraderApp  # (nbgrader's application, 0.5 s: only for this command)

    ensure_tools_on_path()
    sys.argv = ["nbgrader", *args.arguments]  # (what nbgrader's own messages name as the command)
    try:
        NbGraderApp.launch_instance(argv=args.arguments)  # what the `nbgrader` script runs
    except SystemExit as exc:  # nbgrader's apps end by sys.exit(code)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
