"""``python -m autograder take-notebook REPOSITORY --assignment PS --out SUBMITTED_DIR``

What the student templates (``ci-templates/``) run between checking out a student's repository and grading
it: the repository's notebook (:mod:`autograder.model.repository_notebook`: ``<ps>.ipynb``, else the only
notebook; a regular file, never a link, a folder or a device) copied to
``SUBMITTED_DIR/<student>/<ps>/``, nbgrader's layout ``autograde`` grades. It prints the notebook taken, in
its display form; when the repository gives none it prints why on standard error (one line, safe in a CI
log) and exits 1, and, with ``--results RESULTS_DIR``, writes that student's results.json there first: 0 points on
every graded cell with the reason (what ``autograde`` writes for a notebook it cannot read), so that a template
reports 0 and why, never nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.model.course import PROBLEM_SETS, source_notebook
from autograder.model.ids import display
from autograder.model.notebook import load_source
from autograder.model.repository_notebook import NotTaken, choose, copy_regular
from autograder.model.results import SubmissionResult, results_path, write_results
from autograder.model.submissions import unknown_name


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("repository", metavar="REPOSITORY", help="the student's checked-out repository")
    parser.add_argument("--assignment", required=True, metavar="PS", help="the problem set, e.g. ps1_softmax")
    parser.add_argument("--out", required=True, metavar="SUBMITTED_DIR",
                        help="where <student>/<ps>/<notebook> is written (an empty or new folder)")
    parser.add_argument("--student", default="student", metavar="ID", help="the student folder's name "
                        "(default: student)")
    parser.add_argument("--results", default=None, metavar="RESULTS_DIR", help="when no notebook can be taken, "
                        "write <student>/<ps>/results.json there: 0 points on every graded cell, with the reason")


def _not_taken_result(results: Path, student: str, ps: str, reason: str) -> None:
    """``results/<student>/<ps>/results.json``: 0 points on every graded cell of ``ps``, and ``reason``."""
    source = load_source(source_notebook(ps), ps)
    graded = [(str(gid), points) for gid, points in source.graded]
    result = SubmissionResult.not_graded(student, ps, graded, source.max_score, f"no notebook to grade: {reason}")
    write_results(results_path(results, student, ps), result)


def run(args: argparse.Namespace) -> int:
    if unknown := unknown_name(args.assignment, PROBLEM_SETS, "a problem set of this course"):
        print(f"take-notebook: --assignment {unknown}", file=sys.stderr)
        return 2
    repository, out = Path(args.repository), Path(args.out)
    if not repository.is_dir() or repository.is_symlink():
        print(f"take-notebook: REPOSITORY {display(str(repository))} is not a folder", file=sys.stderr)
        return 2
    if out.is_symlink() or (out.exists() and (not out.is_dir() or any(out.iterdir()))):
        print(f"take-notebook: --out {display(str(out))} must be a new or empty folder", file=sys.stderr)
        return 2
    if args.student in ("", ".", "..") or "/" in args.student:
        print(f"take-notebook: --student {display(args.student)!r} is not a folder name", file=sys.stderr)
        return 2
    try:
        entry = choose(repository, args.assignment)
        copy_regular(repository / entry.rel, out / args.student / args.assignment)
    except NotTaken as exc:
        if args.results:
            _not_taken_result(Path(args.results), args.student, args.assignment, str(exc))
        print(f"no notebook to grade: {exc}", file=sys.stderr)
        return 1
    print(f"Notebook taken: {display(entry.rel)}")
    return 0
