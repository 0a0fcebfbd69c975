"""``python -m autograder gradescope build PS`` and ``… gradescope run PS``: the course on Gradescope.

``build`` writes ``gradescope/<ps>.zip``, the autograder to upload on Gradescope, and prints the Gradescope
assignment it expects: both are :mod:`autograder.release.gradescope_bundle`'s (what the zip holds, and
why). ``check`` loads the problem set as a batch would (what the bundle's ``setup.sh`` ends with).

``run`` is the same engine as ``autograde`` (:func:`autograder.engine.batch.grade_batch`, never a second grading
path): the notebooks ``/autograder/submission/*.ipynb`` (else any below it) are laid out as one student's
``submitted/<student>/<ps>/`` folder, so the rules of ``autograde`` apply (``<ps>.ipynb`` is graded; a
folder's only notebook under another name is graded and the feedback says so; several under other names
are not guessed between); the engine's result becomes ``/autograder/results/results.json`` in Gradescope's
format (:mod:`autograder.reports.gradescope`: the autograded cells' points, and each derivation as an entry
without points, awaiting the person who grades its manual question, with the answer as handed in). An upload
that gives no notebook to grade gets score 0 and a reason naming what it holds
(:func:`autograder.model.gradescope_upload.describe_upload`: empty,
only other files, a link, a notebook over the size limit), never the empty folder the engine was given. The submission time is Gradescope's ``created_at``; the due
date is Gradescope's for that submitter (an extension granted there included), and the late policy is the
course's (``deadlines.toml`` or ``nbgrader_config.py``, bundled in ``course/`` when the course has them):
the score Gradescope gets is after the late penalty, and the output says why. What it prints goes to Gradescope's instructor-only output:
the engine's summary, including which isolation it ran with (``mode root | uid | userns | weak``, in one
line). Gradescope runs it as root in a container that lets root make no namespaces: the engine then
chooses the ``uid`` mode by itself (a uid of its own, a Landlock allowlist of files, no network), as
``autograde`` does in any such container. Whatever fails, a results.json is written (score 0 and the
reason), so a student is never left without an answer.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from autograder.engine import required_mode
from autograder.engine.batch import grade_batch
from autograder.engine.grading_run import load_assignment as _load_assignment
from autograder.model.course import PROBLEM_SETS, ROOT
from autograder.model.deadlines import DeadlinesError
from autograder.model.files import write_json_atomic
from autograder.model.gradescope_upload import describe_upload, lay_out, metadata, submitted_notebooks, submitter_name
from autograder.model.ids import StudentId, folder_name
from autograder.model.penalties import apply
from autograder.model.results import SubmissionResult, read_result, results_path
from autograder.model.submission_time import from_gradescope
from autograder.model.submissions import unknown_name
from autograder.nbgrader_io.course_deadlines import gradescope_deadlines
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.confinement.modes import MODES
from autograder.release.gradescope_bundle import assignment_outline, build
from autograder.reports.gradescope import VISIBILITY, gradescope_results
from autograder.reports.table import summary_lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("build", "run", "check"),
                        help="build: the autograder zip to upload; run: grade a submission inside Gradescope "
                        "(what run_autograder calls); check: the problem set loads (what setup.sh ends with)")
    parser.add_argument("assignment", metavar="PS", help="the problem set, e.g. ps1_softmax")
    parser.add_argument("--out", default="gradescope", metavar="DIR", help="build: where <ps>.zip goes "
                        "(default: gradescope/)")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="wall-clock limit per cell and per call (default 10)")
    parser.add_argument("--visibility", choices=VISIBILITY, default="visible",
                        help="when students see their tests on Gradescope (default: visible)")
    parser.add_argument("--sandbox", default=None, choices=MODES, metavar="MODE",
                        help="the weakest sandbox mode to grade in (root > uid > userns > weak; Gradescope's container gives "
                             "uid): run: in a weaker one the submission gets 0 and the reason, nothing runs; build: "
                             "written into the bundle's run_autograder")
    parser.add_argument("--root", default="/autograder", metavar="DIR",
                        help="run: Gradescope's folder (default /autograder)")


def run(args: argparse.Namespace) -> int:
    if unknown := unknown_name(args.assignment, PROBLEM_SETS, "a problem set of this course"):
        print(f"gradescope: {unknown}", file=sys.stderr)
        return 2
    if args.timeout <= 0:
        print("gradescope: --timeout must be positive", file=sys.stderr)
        return 2
    if args.action == "build":
        path = build(args.assignment, args.out, args.timeout, args.visibility, args.sandbox)
        print(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB): upload it on Gradescope as the autograder "
              f"of {args.assignment} (Configure Autograder → Zip file upload).")
        for line in assignment_outline(args.assignment):
            print(line)
        return 0
    if args.action == "check":
        return check(args.assignment)
    return grade_on_gradescope(args.assignment, Path(args.root), args.timeout, args.visibility, args.sandbox)


def check(ps: str) -> int:
    """Load the problem set as a batch would (source notebook, checks, references); 0 when it loads."""
    source, checks = _load_assignment(ROOT, ps)
    print(f"{ps}: {len(source.tests)} graded cells, {source.max_score:g} points, {len(checks)} checks: ready.")
    return 0


# -- run (inside Gradescope) --------------------------------------------------------------------------------------

def _with_deadline(result: SubmissionResult, meta: dict[str, Any], ps: str) -> SubmissionResult:
    """``result`` with Gradescope's due date for this submitter (an extension included) and the course's late
    policy applied (:mod:`autograder.model.penalties`); a due date or policy that cannot be read is said to the
    instructor and in the notes, and the score stands."""
    try:
        deadlines = gradescope_deadlines(meta, ps, result.student, ROOT)
    except DeadlinesError as exc:
        print(f"The late penalty could not be computed: {exc}")
        result.notes.append("The late penalty could not be computed; your instructor will check the submission time.")
        return result
    return apply(result, deadlines)


def _fallback(ps: str, reason: str) -> dict:
    """Gradescope's results.json when the engine gave no result: score 0 and why."""
    return {"score": 0.0, "output": f"{ps}: the autograder could not grade this submission: {reason}",
            "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
            "extra_data": {"engine": "probdl-autograder", "assignment": ps, "error": reason[:2000]}}


def _not_graded(result: SubmissionResult, reason: str) -> SubmissionResult:
    """``result`` (the engine's, for a folder with no notebook) with ``reason`` on every graded cell and in its
    notes, as :meth:`~autograder.model.results.SubmissionResult.not_graded` writes it; its submission time kept."""
    fresh = SubmissionResult.not_graded(result.student, result.assignment,
                                        [(t.name, t.max_score) for t in result.tests], result.max_score, reason)
    return dataclasses.replace(result, tests=fresh.tests, notes=fresh.notes, score=fresh.score)


def grade_on_gradescope(ps: str, root: Path, timeout: float, visibility: str, sandbox: str | None = None) -> int:
    """Grade ``root/submission`` and write ``root/results/results.json`` (see the module docstring)."""
    started = time.monotonic()
    results_json = root / "results" / "results.json"
    try:
        if why := required_mode.check_request(sandbox):
            raise ValueError(why)
        data = _grade(ps, root, timeout, visibility, started, sandbox)
    except BaseException as exc:  # noqa: BLE001 — Gradescope must get a results.json whatever happened
        traceback.print_exc(file=sys.stdout)
        data = _fallback(ps, f"{type(exc).__name__}: {exc}; your instructor can see the details")
        if isinstance(exc, KeyboardInterrupt):
            write_json_atomic(results_json, data)
            return 130
    write_json_atomic(results_json, data)
    print(f"Wrote {results_json}: {data['score']:g} points.")
    return 0


def _grade(ps: str, root: Path, timeout: float, visibility: str, started: float, sandbox: str | None = None) -> dict:
    meta = metadata(root)
    student = folder_name(submitter_name(root))  # a name with "/" or ".." cannot leave the folder
    notebooks = submitted_notebooks(root / "submission")
    with tempfile.TemporaryDirectory(prefix="probdl-gradescope-") as work:
        submitted = Path(work) / "submitted"
        left_out = lay_out(notebooks, submitted / student / ps)
        limits = Limits(timeout_s=timeout, budget_s=max(120.0, 12 * timeout))
        out = Path(work) / "results"
        summary = grade_batch(submitted, out, workers=1, assignments=[ps], limits=limits,
                              submitted_at=from_gradescope(meta), sandbox=sandbox)  # (its created_at)
        for line in summary_lines(summary):  # for the instructor: what the engine did, which isolation
            print(line)
        for failure in summary.failed:
            print(f"Could not grade: {failure['error']}")
        # the engine's results folder of that submission folder: the name itself only when it is a plain one
        # (a hashed name such as ``Ali_u200cReza~…`` is hashed again: autograder.model.ids)
        path = results_path(out, StudentId(student).folder, ps)
        if not path.is_file():
            reasons = "; ".join(f["error"] for f in summary.failed) or "the engine wrote no result"
            return _fallback(ps, reasons)
        result = read_result(path)
    if len(left_out) == len(notebooks):
        # nothing was laid out, so the engine saw an empty folder: say what the upload itself holds instead
        result = _not_graded(result, describe_upload(root / "submission", ps, left_out))
    elif left_out:
        result.notes.append("Not graded: " + ", ".join(left_out) + ".")
    result = _with_deadline(result, meta, ps)
    data = gradescope_results(result, visibility, execution_time=time.monotonic() - started)
    manual = data["extra_data"]["manual"]
    print(f"{ps}: {data['score']:g} / {data['extra_data']['max_score']:g} autograder points ({len(notebooks)} "
          "notebook(s) in the submission)" + "".join(f"; {m['name']} ({m['points']:g} points, a manual question): "
                                                     f"{m['state']}" for m in manual) + ".")
    if len(left_out) == len(notebooks):
        print(f"Nothing graded: {result.notes[0]}")
    return data
