"""``python -m autograder release [--assignment ID …] [--check]``: regenerate ``release/`` from ``source/``.

The work is :mod:`autograder.release.generate` (nbgrader's ``generate_assignment``
in a temporary copy of the course, byte-deterministic output).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.model.course import ROOT
from autograder.release.generate import generate_release, stale_files
from autograder.release.inline import ReleaseError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--assignment", "-a", action="append", metavar="ID", dest="assignments",
        help="problem-set id to regenerate (repeatable); default: every source/<ps>/<ps>.ipynb",
    )
    parser.add_argument(
        "--check", action="store_true",
        help="write nothing; exit 1 and list the stale files if release/ differs from what source/ generates",
    )
    parser.add_argument(
        "--course-dir", type=Path, default=None,
        help="the nbgrader course folder (default: this repository)",
    )


def run(args: argparse.Namespace) -> int:
    course_dir = args.course_dir or ROOT
    try:
        if args.check:
            stale = stale_files(course_dir, args.assignments)
            if stale:
                print("release/ is stale; run `python -m autograder release` to regenerate:", file=sys.stderr)
                for item in stale:
                    print(f"  {item}", file=sys.stderr)
                return 1
            print("release/ is up to date with source/")
            return 0
        written = generate_release(course_dir, args.assignments)
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0
