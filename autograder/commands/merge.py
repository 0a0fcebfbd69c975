"""``python -m autograder merge RESULTS_DIR… --out DIR``: combine shards into one results folder.

Each shard (``autograde --shard i/n``) grades a disjoint set of students and
writes ``<student>/<ps>/`` folders. Merging copies every submission folder
into ``--out`` and rebuilds what spans the class from the per-submission
results: ``grades.csv``, ``summary.json``, ``report.html``, the feedback pages
and the grade table. The merged folder equals the folder of one unsharded run
(same results.json files, same grades.csv, same report.html). The course's
deadlines (``--course``, or the ``--gradebook`` folder) are applied when the
reports are written, so merging a folder into itself (``merge results --out
results``) recomputes every late penalty and total from the results alone.

A RESULTS_DIR may also be a folder of shard folders (what
``actions/download-artifact`` makes of several artifacts): every folder below
it that holds ``<student>/<ps>/results.json`` is taken.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rich.console import Console

from autograder.model import summary as summary_file
from autograder.model.deadlines import Deadlines, DeadlinesError
from autograder.model.files import SUMMARY_FILE, StrPath, hand_over
from autograder.model.grades import write_grades_csv
from autograder.model.shards import MergeConflict, merge_folders, shard_batches
from autograder.nbgrader_io.course_deadlines import course_folder, load
from autograder.nbgrader_io.course_gradebook import CourseGradebook, gradebook_of
from autograder.reports.after_grading import add_report_arguments, apply_deadlines, show_reports, write_reports
from autograder.reports.table import make_console


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results_dirs", nargs="+", metavar="RESULTS_DIR",
                        help="result folders of the shards (or folders holding them)")
    parser.add_argument("--out", required=True, metavar="DIR", help="the merged results folder (created)")
    parser.add_argument("--course", default=None, metavar="DIR",
                        help="the course folder whose deadlines apply (deadlines.toml, or its gradebook's due dates "
                        "and nbgrader_config.py's late policy; default: this repository, or the --gradebook folder)")
    add_report_arguments(parser)


def merge(results_dirs: Iterable[StrPath], out: StrPath, console: Console | None = None, json_output: bool = False,
          gradebook: CourseGradebook | None = None, reports: bool = True, deadlines: Deadlines | None = None,
          course: StrPath | None = None, publish_answers: bool = False) -> dict[str, Any]:
    """Merge shards into ``out``; write grades.csv, summary.json and (``reports``) the reports, then print.

    summary.json has the schema of one batch's (:mod:`autograder.model.summary`):
    the shards' counts added, their lists joined, each shard under ``shards``,
    and the class once the reports are written. Every file is written before
    anything is printed (a closed pipe loses output, never summary.json).
    """
    info = merge_folders(results_dirs, out)
    roots = info.pop("_roots")
    write_grades_csv(out)
    if not reports and deadlines is not None:
        apply_deadlines(out, deadlines)
    # the shards' batches first, so that the reports see what they did not grade and their sandboxes
    summary_file.write(Path(out) / SUMMARY_FILE, shard_batches(out, roots))
    data = info
    if reports:
        data = write_reports(out, gradebook=gradebook, show=False, deadlines=deadlines, course=course,
                             publish_answers=publish_answers)
        data["merged"] = info
    hand_over(out)
    if reports:
        show_reports(out, data, console=console, json_output=json_output)
        if not json_output:
            _print_not_graded(data, console)
    return data


def _print_not_graded(data: Mapping[str, Any], console: Console | None) -> None:
    not_graded = data.get("not_graded") or []
    if not_graded and console is not None:
        console.print(f"Not graded ({len(not_graded)}):", markup=False, highlight=False)
        for n in not_graded[:20]:
            console.print(f"  {n['path']}: {n['reason']}" + (f" — {n['suggestion']}" if n["suggestion"] else ""),
                          markup=False, highlight=False)


def run(args: argparse.Namespace) -> int:
    console = make_console(stderr=args.json)
    try:
        deadlines = load(course_folder(args.gradebook, args.course))
        merge(args.results_dirs, args.out, console=console, json_output=args.json,
              gradebook=gradebook_of(args.gradebook), reports=not args.no_reports, deadlines=deadlines,
              course=course_folder(args.gradebook, args.course), publish_answers=args.publish_answers)
    except (MergeConflict, FileNotFoundError, DeadlinesError) as exc:
        print(f"merge: {exc}", file=sys.stderr)
        return 1
    return 0

