"""``python -m autograder extension STUDENT PS DURATION``: grant a student more time, where nbgrader keeps it.

An nbgrader course keeps an extension on the student's submission in its gradebook
(``SubmittedAssignment.extension``; nbgrader has no command for it, only
``Gradebook.grant_extension``, which this calls): the same extension then counts for plain
``nbgrader autograde`` and for this grader. ``DURATION`` is ``2d``, ``36h``, ``1d12h``, ``90m``;
``0`` removes the extension (extensions do not add up: a new one replaces the old). ``--all`` grants it
for every problem set the student has a submission of. With ``--results DIR`` the late penalties and
every total of that results folder are recomputed at once (as ``late DIR --gradebook`` does).

A course without a gradebook keeps extensions in ``deadlines.toml`` (``[extensions]``): the command
prints the line to add there.

Exit status: 0 granted; 1 no such submission in the gradebook (grade it first); 2 a wrong command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.model.deadlines import DEADLINES_FILE, DeadlinesError, parse_duration
from autograder.model.files import StrPath
from autograder.nbgrader_io.course_deadlines import load
from autograder.nbgrader_io.course_gradebook import CourseGradebook
from autograder.nbgrader_io.gradebook import course_directory, ensure_tools_on_path
from autograder.reports.after_grading import NoResults, recompute


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("student", metavar="STUDENT", help="the student's id (their folder name under submitted/)")
    parser.add_argument("assignment", metavar="PS", help="the problem set, e.g. ps1_softmax (with --all: ignored, "
                        "write any)")
    parser.add_argument("duration", metavar="DURATION", help="how much later the student may submit: 2d, 36h, "
                        "1d12h, 90m; 0 removes the extension")
    parser.add_argument("--all", action="store_true", help="every problem set the student has a submission of")
    parser.add_argument("--course", default=".", metavar="DIR",
                        help="the nbgrader course folder (its nbgrader_config.py and gradebook.db; default: here)")
    parser.add_argument("--results", default=None, metavar="RESULTS_DIR",
                        help="then recompute the late penalties and totals of this results folder")


def run(args: argparse.Namespace) -> int:
    from nbgrader.api import Gradebook, MissingEntry  # (1.6 s to import: not for --help or a wrong DURATION)

    try:
        duration = parse_duration(args.duration, "DURATION")
    except DeadlinesError as exc:
        print(f"extension: {exc}", file=sys.stderr)
        return 2
    course = Path(args.course).resolve()
    coursedir = course_directory(course)
    db = coursedir.db_url
    if db.startswith("sqlite:///") and not Path(db[len("sqlite:///"):]).is_file():
        where = "{ " + f"{args.assignment} = \"{args.duration}\"" + " }" if not args.all else f"\"{args.duration}\""
        print(f"extension: {course} has no nbgrader gradebook. Without one, extensions are kept in {DEADLINES_FILE}: "
              f"add under [extensions]\n    {args.student} = {where}\nthen run `python -m autograder late RESULTS_DIR`.",
              file=sys.stderr)
        return 1
    ensure_tools_on_path()
    granted = []
    with Gradebook(db, coursedir.course_id) as gb:
        names = [a.name for a in gb.assignments] if args.all else [args.assignment]
        for ps in names:
            try:
                gb.grant_extension(ps, args.student, minutes=duration.total_seconds() / 60)
            except MissingEntry:
                if not args.all:
                    print(f"extension: the gradebook has no submission of {args.student} for {ps}. nbgrader keeps an "
                          "extension on a submission: grade it first (`autograde … --gradebook`), then grant it; "
                          "the totals are recomputed without grading again.", file=sys.stderr)
                    return 1
                continue
            granted.append(ps)
    what = "removed" if duration.total_seconds() == 0 else f"granted ({args.duration})"
    print(f"Extension {what} for {args.student}: {', '.join(granted) or 'no submission in the gradebook'}.")
    if args.results:
        return _recompute(args.results, args.course)
    try:  # nbgrader-deadlines.toml written again with the extension, for CI (course_deadlines.load)
        load(course)
    except DeadlinesError as exc:
        print(f"extension: {exc}", file=sys.stderr)
        return 2
    print("Run `python -m autograder late RESULTS_DIR --gradebook` (or the same autograde command) to recompute "
          "the totals; nothing is graded again.")
    return 0


def _recompute(results_dir: StrPath, course: StrPath) -> int:
    """``--results``: that folder's late penalties and totals, as ``late RESULTS_DIR --gradebook COURSE`` does."""
    try:
        recompute(results_dir, lambda: load(course), gradebook=CourseGradebook(course), course=course)
    except (NoResults, DeadlinesError) as exc:
        print(f"late: {exc}", file=sys.stderr)
        return 2
    return 0
