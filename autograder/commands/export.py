"""``python -m autograder export RESULTS_DIR (--lms canvas|csv | --junit) --out FILE``: grades for elsewhere.

* ``--lms canvas --map MAPPING.csv``: Canvas's gradebook import CSV (Grades → Import), one column per problem
  set (``--column ps1_softmax="PS1 (12345)"`` to fill an existing Canvas assignment);
* ``--lms csv [--map MAPPING.csv]``: one row per student (LMS id, course id, name, scores, total), for any
  gradebook that imports a CSV;
* ``--junit``: a JUnit XML report (one test per graded cell), what GitLab shows in a merge request;
* ``--classroom50``: the grade of a results folder's one submission as Classroom50 records it, as JSON
  (``score``, ``max-score``, ``tests``, ``status``, ``summary`` and ``release-body``: :mod:`autograder.reports.classroom50`),
  for ``ci-templates/classroom50/autograder.py``; exit status 1 when the course's points are not whole.

All read the results folder through the results model (:mod:`autograder.reports.grouping`) and apply the
course's deadlines as they are now (``--course``, :mod:`autograder.model.penalties`), so the totals are
those of grades.csv, late penalties included. The formats are described in :mod:`autograder.reports.lms`
and :mod:`autograder.reports.junit`, the mapping file in :mod:`autograder.model.roster`. Exit status: 0
written; 1 the mapping does not fit the results (the message says what to change; nothing is written); 2 a
wrong command line or no results in RESULTS_DIR.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from autograder.model.deadlines import DeadlinesError
from autograder.model.files import write_atomic
from autograder.model.invariant import known
from autograder.model.penalties import apply_all
from autograder.model.results import load_results
from autograder.model.roster import RosterError, read_mapping
from autograder.nbgrader_io import course_deadlines
from autograder.reports import classroom50, lms
from autograder.reports.junit import junit_xml


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results_dir", metavar="RESULTS_DIR", help="a results folder (autograde --out, or merged)")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--lms", choices=("canvas", "csv"), help="an LMS gradebook CSV: Canvas's import format, "
                      "or a plain one row per student")
    what.add_argument("--junit", action="store_true", help="a JUnit XML report, one test per graded cell")
    what.add_argument("--classroom50", action="store_true", help="one submission's grade as Classroom50 records it "
                      "(JSON: score, max-score, tests, status, summary, release-body)")
    parser.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    parser.add_argument("--map", metavar="MAPPING.csv", help="course ids to LMS ids: a CSV with course_id and "
                        "lms_id columns (optional: name, sis_user_id, sis_login_id, section); needed for canvas")
    parser.add_argument("--column", action="append", default=[], metavar="PS=NAME",
                        help="Canvas column of a problem set, e.g. ps1_softmax='PS1 softmax (12345)' (default: "
                        "the problem-set id, which Canvas imports as a new assignment)")
    parser.add_argument("--missing", choices=("blank", "zero"), default="blank",
                        help="a mapped student without a submission: a blank cell (the LMS keeps what it has; "
                        "the default) or 0")
    parser.add_argument("--skip-unmapped", action="store_true",
                        help="leave out students with results who are not in the mapping file (default: refuse)")
    parser.add_argument("--course", default=None, metavar="DIR",
                        help="the course folder whose deadlines apply (deadlines.toml, or its gradebook's due dates "
                        "and nbgrader_config.py's late policy; default: this repository)")


def _columns(pairs: Iterable[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        ps, sep, name = pair.partition("=")
        if not sep or not ps.strip() or not name.strip():
            raise ValueError(f"--column {pair!r}: expected PS=NAME, e.g. ps1_softmax='PS1 softmax (12345)'")
        out[ps.strip()] = name.strip()
    return out


def run(args: argparse.Namespace) -> int:
    results_dir = Path(args.results_dir)
    results = load_results(results_dir) if results_dir.is_dir() else []
    if not results:
        print(f"export: no results in {results_dir} (expected <student>/<ps>/results.json, what "
              "`autograde --out` writes)", file=sys.stderr)
        return 2
    try:  # the course's deadlines as they are now: the same totals as grades.csv written now
        results, _ = apply_all(results, course_deadlines.load(course_deadlines.course_folder(course=args.course)))
    except DeadlinesError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 2
    try:
        if args.junit:
            text, what = junit_xml(results), f"{len(results)} submission(s)"
        elif args.classroom50:
            if len(results) != 1:
                raise ValueError(f"--classroom50 reads a results folder of one submission, not {len(results)}")
            try:
                graded = {**classroom50.grade(results[0]), "release-body": classroom50.release_body(results[0])}
            except classroom50.NotWholePoints as exc:
                print(f"export: {exc}", file=sys.stderr)
                return 1
            text, what = json.dumps(graded, indent=2, ensure_ascii=False) + "\n", "1 submission (Classroom50)"
        else:
            if args.lms == "canvas" and not args.map:
                raise lms.ExportError("--lms canvas needs --map MAPPING.csv (course ids to Canvas ids)")
            mapping = read_mapping(args.map) if args.map else None
            if args.lms == "canvas":
                rows = lms.canvas_rows(results, known(mapping, "--lms canvas needs --map: checked above"),
                                       _columns(args.column), args.missing, args.skip_unmapped)
            else:
                if args.column:
                    raise lms.ExportError("--column is for --lms canvas")
                rows = lms.plain_rows(results, mapping, args.missing, args.skip_unmapped)
            text = lms.csv_text(rows)
            students = len(rows) - (2 if args.lms == "canvas" else 1)  # Canvas's second row is Points Possible
            what = f"{students} student(s), {len(rows[0]) - 5} problem set(s)"
    except (lms.ExportError, RosterError) as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 2
    path = write_atomic(Path(args.out), text)
    print(f"Wrote {path}: {what}.")
    return 0
