"""Command line: ``python -m autograder <command> …``.

Each command lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``; only the module of the command being run is imported, so
``--help`` is instant and no command pays for another's imports.
"""

import argparse
import importlib
import sys

#: command -> (module, one-line help)
COMMANDS = {
    "release": ("autograder.release.generate", "regenerate release/ from source/ with nbgrader"),
    "autograde": ("autograder.engine.cli", "grade a folder of submissions in a sandbox"),
    "merge": ("autograder.reports.merge", "combine the results of shards into one grades.csv and report"),
    "demo": ("autograder.demo", "build a demo course, grade example submissions, show the grade table"),
}


def main(argv=None) -> int:
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
