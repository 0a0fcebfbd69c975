"""How long recomputing late penalties takes for a class, with no notebook run: the deadline moved.

Generates a results folder as ``autograde`` leaves it (``--students`` students, every problem set, each
results.json with its graded cells and the submission time the engine recorded, a third of them late),
a course folder with ``deadlines.toml``, then times, in this process:

1. **reports** – :func:`autograder.reports.after_grading.write_reports` without deadlines: every page written (the
   baseline: what a rerun of ``autograde`` with nothing to grade costs anyway);
2. **first** – the same with the course's deadlines: every results.json gets its late record;
3. **moved** – the due dates moved two days later, the same call: every penalty and total recomputed;
4. **command** – ``python -m autograder late RESULTS --course DIR`` as an instructor runs it (a new
   process: imports included).

Prints each time and its ratio to the baseline, and checks that the totals changed as the due dates say.
Usage: ``.venv/bin/python benchmarks/late_recompute.py [--students 300]``.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from autograder.model.course import GRADE_CELLS, PROBLEM_SETS, ROOT
from autograder.model.results import SubmissionResult, TestResult, write_results
from autograder.model.submission_time import SubmissionTime
from autograder.nbgrader_io.course_deadlines import load
from autograder.reports.after_grading import write_reports

DUE = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
POLICY = '[policy]\nmethod = "per_day"\ndeduct = "10%"\ncap = "50%"\ngrace = "15m"\n'


def course_file(shift_days: int) -> str:
    due = "\n".join(f"{ps} = {(DUE + timedelta(days=7 * i + shift_days)).isoformat()}"
                    for i, ps in enumerate(PROBLEM_SETS))
    return f"[due]\n{due}\n{POLICY}"


def generate(results: Path, students: int) -> None:
    """``students`` × every problem set: scores that vary, a third submitted 1 to 47 hours late."""
    for s in range(students):
        for i, ps in enumerate(PROBLEM_SETS):
            cells = GRADE_CELLS[ps]
            tests = [TestResult(gid, float(p) if (s + k) % 5 else 0.0, float(p), bool((s + k) % 5), "checked")
                     for k, (gid, p) in enumerate(cells)]
            late_h = (s * 7 + i) % 48 if s % 3 == 0 else -(s % 24)
            r = SubmissionResult.scored(f"student{s:04d}", ps, sum(float(p) for _, p in cells), tests)
            r.submitted = SubmissionTime(DUE + timedelta(days=7 * i, hours=late_h, minutes=1), "timestamp.txt")
            write_results(results / r.student / ps / "results.json", r)


def totals(results: Path) -> dict:
    with open(results / "grades.csv", newline="", encoding="utf-8") as fh:
        return {row["student"]: float(row["total"]) for row in csv.DictReader(fh)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="late-bench-") as tmp:
        course, results = Path(tmp) / "course", Path(tmp) / "results"
        course.mkdir()
        generate(results, args.students)
        n = args.students * len(PROBLEM_SETS)
        timings = {}
        started = time.perf_counter()
        write_reports(results, show=False)
        timings["reports"] = time.perf_counter() - started
        raw = totals(results)
        (course / "deadlines.toml").write_text(course_file(0))
        started = time.perf_counter()
        write_reports(results, show=False, deadlines=load(course))
        timings["first"] = time.perf_counter() - started
        penalised = totals(results)
        (course / "deadlines.toml").write_text(course_file(2))  # every due date two days later: nobody is late
        started = time.perf_counter()
        write_reports(results, show=False, deadlines=load(course))
        timings["moved"] = time.perf_counter() - started
        if totals(results) != raw or penalised == raw:
            raise SystemExit("the totals did not follow the due dates")
        (course / "deadlines.toml").write_text(course_file(0))
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder", "late", str(results), "--course", str(course)],
                       cwd=ROOT, check=True, capture_output=True)
        timings["command"] = time.perf_counter() - started
        if totals(results) != penalised:
            raise SystemExit("the command's totals differ from the in-process run")
    print(f"{args.students} students, {n} results.json, {sum(1 for s in raw if raw[s] != penalised[s])} students "
          f"with a penalty")
    for name, seconds in timings.items():
        print(f"{name:8s} {seconds:7.2f} s  {seconds / timings['reports']:5.2f}× the reports alone")


if __name__ == "__main__":
    main()
