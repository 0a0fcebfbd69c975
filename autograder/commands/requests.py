"""``python -m autograder requests RESULTS_DIR --from FILE --out DIR``: regrade requests made ready to decide.

Reads the students' regrade requests (a CSV exported from a form or the LMS: student, problem set, cell,
message; :mod:`autograder.model.regrade_requests`), puts each beside what it is about in ``RESULTS_DIR`` (the
student's result and graded cell), and writes into ``DIR``:

* ``review.html`` (:mod:`autograder.reports.requests_review`): each request beside the cell's feedback, the
  check's verdict and the student's graded code; requests for unknown students, problem sets or cells listed
  first, never dropped;
* ``decisions.csv``: one row per request for the instructor to fill (``decision`` accept or reject, ``points``,
  ``reply``), formula-safe; decisions already in an earlier ``decisions.csv`` there are kept.

The next ``autograde SUBMITTED --out NEW --previous RESULTS_DIR --decisions DIR/decisions.csv`` applies them.
Nothing in RESULTS_DIR is written. Exit status: 0 (every request is on the page, matched or listed); 2 for a
wrong command line, a requests file that cannot be read, or a RESULTS_DIR without results.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.model.files import make_dirs
from autograder.model.regrade_requests import (
    NO_CELL,
    RequestsError,
    decision_rows,
    match_requests,
    read_decisions,
    read_requests,
    write_decisions,
)
from autograder.model.results import load_results
from autograder.reports.requests_review import write_review

DECISIONS_FILE = "decisions.csv"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results_dir", metavar="RESULTS_DIR", help="the results folder the requests are about")
    parser.add_argument("--from", dest="source", required=True, metavar="FILE",
                        help="the requests: a CSV with columns student, problem set, cell, message (a form's or the "
                             "LMS's export; other columns are ignored)")
    parser.add_argument("--out", required=True, metavar="DIR", help="where review.html and decisions.csv go")


def run(args: argparse.Namespace) -> int:
    results_dir, out = Path(args.results_dir), Path(args.out)
    try:
        requests = read_requests(args.source)
        earlier = read_decisions(out / DECISIONS_FILE) if (out / DECISIONS_FILE).is_file() else []
    except RequestsError as exc:
        print(f"requests: {exc}", file=sys.stderr)
        return 2
    results = [r for r in load_results(results_dir) if r.complete]
    if not results:
        print(f"requests: no results in {results_dir} (expected <student>/<ps>/results.json, what `autograde --out` "
              "writes)", file=sys.stderr)
        return 2
    if out.resolve() == results_dir.resolve() or results_dir.resolve() in out.resolve().parents:
        print(f"requests: --out {out} is inside {results_dir}: write the review elsewhere (a results folder is "
              "the grader's)", file=sys.stderr)
        return 2
    matched = match_requests(requests, results)
    make_dirs(out)
    rows = decision_rows(matched, earlier)
    decisions = write_decisions(out / DECISIONS_FILE, rows)
    review = write_review(matched, out, results_dir, args.source)
    unknown = [m for m in matched if m.status and m.status != NO_CELL]
    kept = sum(1 for row in rows if row["decision"])
    print(f"{len(requests)} regrade request(s) from {args.source}: {len(matched) - len(unknown)} matched to a result, "
          f"{len(unknown)} match no student, problem set or cell (listed on the page and in decisions.csv's status "
          "column)." + (f" {kept} decision(s) of the earlier {decisions.name} kept." if kept else ""))
    for m in unknown:
        q = m.request
        print(f"  line {q.line}: {q.student!r} {q.assignment!r} {q.cell or '(no cell)'!r}: {m.status}")
    print(f"Review:    {review}")
    print(f"Decisions: {decisions}  (fill decision, points, reply; then autograde … --previous {results_dir} "
          f"--decisions {decisions})")
    return 0
