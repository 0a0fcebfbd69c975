"""``python -m autograder demo`` (``make demo``): the whole instructor workflow in one command.

1. builds a fresh course folder (``./demo-course`` or ``--dir``) with the
   course's ``source/``, ``release/``, ``student_side/`` (what the release
   writes into the notebooks) and ``nbgrader_config.py``;
2. puts the bundled example submissions (``examples/submissions/``: a
   full-marks student, typical mistakes, tampering, broken notebooks) in its
   ``submitted/`` folder, nbgrader's layout;
3. grades them with the sandboxed engine into ``results/``;
4. compares the students' code (the similarity report, ``results/similarity/``, linked from the class
   report), writes a feedback page per submission and the class report, prints the grade table and the
   hardest graded cells, and says where each file is: grades, class report, feedback, similarity.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from autograder.engine import required_mode
from autograder.engine.batch import grade_batch
from autograder.model.course import RELEASE, ROOT, SOURCE
from autograder.model.files import SIMILARITY_DIR
from autograder.nbgrader_io.course_gradebook import gradebook_of
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.confinement.modes import MODES
from autograder.release.inline import STUDENT_SIDE
from autograder.reports.after_grading import show_reports, write_reports
from autograder.reports.table import batch_progress, make_console, summary_lines

EXAMPLES = ROOT / "examples" / "submissions"
MARKER = ".probdl-demo"
#: The demo class's LMS ids (examples/lms-ids.csv), copied into the course for the guide's export commands.
LMS_IDS = "lms-ids.csv"
CONFIG = "nbgrader_config.py"
DEFAULT_CONFIG = '''c = get_config()  # noqa: F821 (nbgrader provides it)
# nbgrader configuration of the demo course (python -m autograder demo)
c.CourseDirectory.course_id = "probdl-demo"
'''


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default="demo-course", metavar="DIR",
                        help="course folder to create (default: ./demo-course; replaced if it is an earlier demo)")
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="parallel workers (default: one more than the cores this process may use: a container's CPU quota or cpuset counts)")
    parser.add_argument("--timeout", type=float, default=5.0, metavar="S",
                        help="time limit per cell and per call in seconds (default 5: one example loops forever)")
    parser.add_argument("--sandbox", default=None, choices=MODES, metavar="MODE",
                        help="the weakest sandbox mode to grade in (root > uid > userns > weak): in a weaker one "
                             "nothing is graded, and the error says why and what to do")
    parser.add_argument("--gradebook", action="store_true",
                        help="also write the scores into the demo course's nbgrader gradebook.db")


class DemoError(Exception):
    pass


def prepare(course: Path) -> int:
    """Create the course folder; returns the number of example submissions copied."""
    if course.exists():
        if not (course / MARKER).exists() and any(course.iterdir()):
            raise DemoError(f"{course} exists and is not a demo course folder: choose another --dir")
        shutil.rmtree(course)
    for folder, what in ((SOURCE, "source notebooks"), (RELEASE, "released notebooks"), (EXAMPLES, "examples")):
        if not folder.is_dir():
            raise DemoError(f"{folder} is missing: the {what} are needed for the demo")
    course.mkdir(parents=True)
    (course / MARKER).write_text("created by `python -m autograder demo`; safe to delete\n")
    shutil.copytree(SOURCE, course / "source")
    shutil.copytree(RELEASE, course / "release")
    if (ROOT / STUDENT_SIDE).is_dir():   # (so that `python -m autograder release --course-dir` works there too)
        shutil.copytree(ROOT / STUDENT_SIDE, course / STUDENT_SIDE)
    config = ROOT / CONFIG
    if config.exists():
        shutil.copy2(config, course / CONFIG)
    else:
        (course / CONFIG).write_text(DEFAULT_CONFIG)
    shutil.copytree(EXAMPLES, course / "submitted", ignore=shutil.ignore_patterns("README.md"))
    if (EXAMPLES.parent / LMS_IDS).is_file():  # the class's LMS ids, for the guide's export commands
        shutil.copy2(EXAMPLES.parent / LMS_IDS, course / LMS_IDS)
    return len(list((course / "submitted").glob("*/*/*.ipynb")))


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _similarity(course: Path, workers: int | None) -> str:
    """The class's similarity report in ``results/similarity/``; the line saying what it found (or why not)."""
    from autograder.similarity.run import similarity_report  # (copydetect and matplotlib, 0.9 s: after grading)

    try:
        return similarity_report(course / "submitted", course / "results" / SIMILARITY_DIR, course_dir=course,
                                 workers=workers).line()
    except ValueError as exc:
        return f"Similarity: not written ({exc})"


def run(args: argparse.Namespace) -> int:
    console = make_console()
    if why := required_mode.check_request(args.sandbox):
        print(f"demo: {why}", file=sys.stderr)
        return 2
    course = Path(args.dir).resolve()
    try:
        n = prepare(course)
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    students = len([p for p in (course / "submitted").iterdir() if p.is_dir()])
    console.print(f"[bold]Demo course[/] {_show(course)}/: source/, release/, {STUDENT_SIDE}/, {CONFIG}")
    console.print(f"[bold]Submissions[/] {n} notebooks of {students} students in {_show(course / 'submitted')}/ "
                  f"(what each one shows: {_show(EXAMPLES / 'README.md')})")
    console.print(f"[bold]Grading[/] in the sandbox, {args.timeout:g} s per cell and per call …")
    limits = Limits(timeout_s=args.timeout, budget_s=max(60.0, 12 * args.timeout))
    with batch_progress(console=make_console(stderr=True)) as on_event:
        summary = grade_batch(course / "submitted", course / "results", workers=args.workers, force=True,
                              course_dir=course, limits=limits, on_event=on_event, sandbox=args.sandbox)
    if summary.refused:
        print(f"demo: {summary.refused}", file=sys.stderr)
        return 1
    # every file before any output: a closed pipe loses lines, never the reports
    similar = _similarity(course, args.workers) if not summary.interrupted else ""
    data = write_reports(course / "results", gradebook=gradebook_of(course if args.gradebook else None), show=False)
    complete = summary.ok and summary.graded == summary.total and not summary.interrupted
    if complete:
        console.print(f"Graded {summary.graded} notebooks in {summary.duration_s:.1f} s with {summary.workers} "
                      f"worker(s); every submission got results.json, broken ones included.")
        console.print(summary.sandbox.get("line", ""), markup=False, highlight=False)
    if similar:
        console.print(similar, markup=False, highlight=False)
    else:
        for line in summary_lines(summary):
            console.print(line, markup=False, highlight=False)
    for f in summary.failed:
        print(f"FAILED to grade {f['student']}/{f['assignment']}: {f['error']}", file=sys.stderr)
    console.print()
    show_reports(course / "results", data, console=console)
    if summary.interrupted:
        print("Interrupted: the reports show what was graded; run `make demo` again to grade everything.",
              file=sys.stderr)
        return 130
    return 0 if complete else 1
