"""What follows grading: every report of a results folder, written from the results alone, then shown.

:func:`write_reports` is what follows a batch (``autograde``, ``merge``, ``demo``): hand-graded points read
back from the gradebook, the course's late penalties applied, a feedback page per submission, the class
report, the gradebook, summary.json's class; :func:`show_reports` prints it. The gradebook's steps are the
command's :class:`~autograder.nbgrader_io.course_gradebook.CourseGradebook`, handed in: the reports import
nothing of nbgrader. :func:`apply_deadlines` is the
late-penalty step alone (``--no-reports``), and :func:`recompute` is ``late`` (and ``extension --results``):
every total written again, no notebook run. :func:`add_report_arguments` gives the commands their
``--json``, ``--gradebook`` and ``--no-reports``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from autograder.model import derivations
from autograder.model import summary as summary_file
from autograder.model.course import FUNCTIONS, ROOT, course_source_notebook
from autograder.model.deadlines import Deadlines
from autograder.model.files import GRADES_FILE, SUMMARY_FILE, StrPath, hand_over
from autograder.model.grades import write_grades_csv
from autograder.model.invariant import known
from autograder.model.penalties import apply_all
from autograder.model.results import SubmissionResult, load_results, result_files, write_results
from autograder.reports import jsonout, report, stats, table
from autograder.reports.changes import write_changes_page
from autograder.reports.feedback import write_feedback_pages

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["NoResults", "add_report_arguments", "apply_deadlines", "recompute", "show_reports", "write_reports"]


class Gradebook(Protocol):
    """A course's gradebook, as a command hands it in: :class:`autograder.nbgrader_io.course_gradebook.CourseGradebook`
    (the reports import nothing of nbgrader)."""

    folder: Path

    def read_hand_grades(self, results: Iterable[SubmissionResult]) -> list[SubmissionResult]: ...

    def write(self, results_dir: StrPath, results: list[SubmissionResult] | None) -> dict[str, Any]: ...


class NoResults(ValueError):
    """A results folder without any ``<student>/<ps>/results.json``: nothing to recompute."""


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--json`` and ``--gradebook [COURSE_DIR]`` to a command's parser."""
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a machine-readable JSON summary on stdout instead of the grade table",
    )
    parser.add_argument(
        "--gradebook",
        nargs="?",
        const=".",
        default=None,
        metavar="COURSE_DIR",
        help="also write the scores into nbgrader's gradebook.db of COURSE_DIR (default: the current "
        "directory) and the autograded notebooks into its autograded/ folder, so that `nbgrader export` and "
        "formgrader show them and the answer cells can be graded by hand in formgrader; points already "
        "graded by hand there are read back first, into every result and report",
    )
    parser.add_argument(
        "--no-reports",
        action="store_true",
        help="write results only: no feedback.html, report.html or grade table",
    )
    parser.add_argument(
        "--publish-answers",
        action="store_true",
        help="show every derivation's model answer on the feedback pages (the rubric never); without it, a "
        "student's page shows the model answer of an answer once a person has graded it in formgrader",
    )


def write_reports(results_dir: StrPath, console: Console | None = None, json_output: bool = False,
                  gradebook: Gradebook | None = None, feedback: bool = True, show: bool = True,
                  deadlines: Deadlines | None = None, course: StrPath | None = None,
                  publish_answers: bool = False,
                  regrade: Callable[[list[SubmissionResult]], list[SubmissionResult]] | None = None) -> dict[str, Any]:
    """Everything that follows a batch, from the results folder alone.

    Writes ``feedback.html`` next to every ``results.json`` and ``report.html``
    in ``results_dir``; with ``gradebook`` (a course's nbgrader gradebook,
    :class:`~autograder.nbgrader_io.course_gradebook.CourseGradebook`) first reads the
    points a person gave answer cells there (formgrader) into the results
    (results.json and grades.csv rewritten), then
    applies ``deadlines`` (:class:`~autograder.model.deadlines.Deadlines` of the course, from
    :func:`autograder.nbgrader_io.course_deadlines.load`; None: the course has none) to every result
    (:mod:`autograder.model.penalties`: each results.json's ``late`` record and score, and grades.csv,
    rewritten when they change), then
    stores the scores and the autograded notebooks there; hands the files to the
    ``sudo`` user (:func:`autograder.model.files.hand_over`). Every file is written
    before anything is printed, so a closed pipe loses output, never files.
    Then, with ``show``, prints the grade table on ``console`` (a
    :class:`rich.console.Console`; default: stdout), or, with ``json_output``,
    the JSON summary on stdout and nothing else there (:func:`show_reports`).

    ``regrade`` (``autograde --previous``: :func:`autograder.model.regrade_step.regrade_step`, bound by the command)
    takes the results once hand-graded points and late penalties are in and gives them back set against the
    earlier run (written); a regrade's folder also gets ``changes.html``, linked from the report.

    The feedback pages show a derivation's model answer (read from the source notebooks of ``course``, the
    course folder: its ``source/<ps>/<ps>.ipynb``, else this repository's) once a person has graded the answer,
    or every model answer with ``publish_answers``; never the rubric.

    Returns the summary as a dict (see :func:`autograder.reports.jsonout.class_json`).
    """
    results_dir = Path(results_dir)
    results = load_results(results_dir)
    hand_graded = 0
    if gradebook is not None:
        results, hand_graded = _bring_in_hand_grades(results_dir, results, gradebook)
    results = _apply_deadlines(results_dir, results, deadlines)
    if regrade is not None:
        results = regrade(results)
    write_changes_page(results_dir, results)  # (a regrade's folder only; before the report, which links it)
    class_stats = stats.of(results)  # computed once, for the report, the terminal and --json
    def class_report() -> None:
        report.write_report(results_dir, class_stats)

    if feedback:  # (the class's report written here while the pages' workers write them)
        write_feedback_pages(results_dir, results, model_answers=_model_answers(course, gradebook, results),
                             publish=publish_answers, meanwhile=class_report)
    else:
        class_report()
    gradebook_info = None
    if gradebook is not None:
        gradebook_info = gradebook.write(results_dir, results)
        gradebook_info["results_updated_from_gradebook"] = hand_graded
    hand_over(results_dir)
    data = jsonout.class_json(results_dir, class_stats)
    if gradebook_info is not None:
        data["gradebook"] = gradebook_info
    summary_path = results_dir / SUMMARY_FILE
    if summary_path.exists():  # what the batch (or the merged shards) did, and now the class
        summary_file.write(summary_path, summary_file.read_batches(summary_path), data)
    if show:
        show_reports(results_dir, data, console=console, json_output=json_output, results=class_stats)
    return data


def recompute(results_dir: StrPath, load_deadlines: Callable[[], Deadlines | None], gradebook: Gradebook | None = None,
              course: StrPath | None = None, feedback: bool = True, json_output: bool = False,
              publish_answers: bool = False) -> dict[str, Any]:
    """Every late penalty and total of ``results_dir`` written again from the results alone, no notebook run
    (``late``, ``extension --results``).

    The course's deadlines (``load_deadlines()``, called once results are found: the command's
    :func:`autograder.nbgrader_io.course_deadlines.load` of the course folder ``course``) are applied and every
    file is written (:func:`write_reports`, with ``gradebook``); then one line on stderr says how
    many submissions were recomputed and how fast, and the reports are shown (:func:`show_reports`).

    Raises
    ------
    NoResults
        ``results_dir`` holds no results.json (nothing is written).
    autograder.model.deadlines.DeadlinesError
        The course's deadlines cannot be read (the message names the file and the field; nothing is written).
    """
    results_dir = Path(results_dir)
    if not result_files(results_dir):
        raise NoResults(f"no results in {results_dir} (expected <student>/<ps>/results.json, what `autograde --out` "
                        "writes)")
    started = time.perf_counter()
    deadlines = load_deadlines()
    data = write_reports(results_dir, gradebook=gradebook, feedback=feedback, show=False, deadlines=deadlines,
                         course=course, publish_answers=publish_answers)
    seconds = time.perf_counter() - started
    print(f"Recomputed {len(data.get('submissions') or [])} submission(s) in {seconds:.1f} s, no notebook run"
          + ("" if deadlines is not None else " (the course sets no due date: scores without late penalties)")
          + ".", file=sys.stderr)
    show_reports(results_dir, data, json_output=json_output)
    return data


def _model_answers(course: StrPath | None, gradebook: Gradebook | None,
                   results: Iterable[SubmissionResult]) -> dict[str, dict[str, str]]:
    """``{ps: {answer cell grade_id: model answer}}`` of the problem sets of ``results``, from the source notebooks
    of the course folder (``course``, else the ``gradebook``'s folder, else this repository; a problem set missing
    there is read from this repository's ``source/``). Only the course's problem sets: a results folder named
    otherwise reads no file."""
    folder = course if course is not None else gradebook.folder if gradebook is not None else ROOT
    out = {}
    for ps in sorted({r.assignment for r in results} & set(FUNCTIONS)):
        path = course_source_notebook(folder, ps)
        out[ps] = derivations.model_answers(json.loads(path.read_text(encoding="utf-8"))) if path else {}
    return out


def _bring_in_hand_grades(results_dir: StrPath, results: list[SubmissionResult],
                          gradebook: Gradebook) -> tuple[list[SubmissionResult], int]:
    """``(results, how many changed)``: the answer cells graded by hand in the gradebook, written into
    their results.json files and grades.csv before any report reads them."""
    changed = gradebook.read_hand_grades(results)
    if not changed:
        return results, 0
    for r in changed:
        write_results(known(r.path, "read from its results.json: a result the gradebook changed has its path"), r)
    write_grades_csv(results_dir)
    by_path = {r.path: r for r in changed}
    return [by_path.get(r.path, r) for r in results], len(changed)


def apply_deadlines(results_dir: StrPath, deadlines: Deadlines | None) -> list[SubmissionResult]:
    """The late-penalty step alone (no page written): every results.json of ``results_dir`` and grades.csv
    with the late penalties of ``deadlines``; returns the results."""
    return _apply_deadlines(results_dir, load_results(results_dir), deadlines)


def _apply_deadlines(results_dir: StrPath, results: list[SubmissionResult],
                     deadlines: Deadlines | None) -> list[SubmissionResult]:
    """The results with the course's late penalties recomputed (:func:`autograder.model.penalties.apply_all`);
    those that changed are written back, and grades.csv with them, before any report reads them."""
    results, changed = apply_all(results, deadlines)
    for r in changed:
        write_results(known(r.path, "read from its results.json: apply_all changes complete results only"), r)
    if changed or not (Path(results_dir) / GRADES_FILE).exists():
        write_grades_csv(results_dir)
    return results


def show_reports(results_dir: StrPath, data: Mapping[str, Any], console: Console | None = None,
                 json_output: bool = False,
                 results: Iterable[SubmissionResult] | stats.ClassStats | None = None) -> None:
    """Print what :func:`write_reports` returned: the JSON summary on stdout, or the rich tables."""
    if json_output:
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
        sys.stdout.flush()
    else:
        table.print_grades(results_dir, results, console=console, gradebook=data.get("gradebook"))
