"""``python -m autograder passback RESULTS_DIR --to lti|canvas|moodle --config FILE``: grades.csv into the LMS.

Posts each student's points per problem set, as grades.csv holds them (late penalties included), with a
comment a student may see (:mod:`autograder.lms.comment`), to an LTI 1.3 platform's gradebook (Assignment and
Grade Services), a Canvas course (REST) or a Moodle course (web services). Students are matched by the
roster the passback file names (:mod:`autograder.lms.roster`); a grade already in the LMS is not posted
again, and one a person entered there is not replaced without ``--overwrite`` (:mod:`autograder.lms.plan`).
After a regrade (``autograde --previous``) only the grades that moved are posted, each comment naming why
(:mod:`autograder.lms.regrade`; ``--every-grade`` posts them all). ``--dry-run`` shows every change (old → new) and sends no request that changes anything (no grade, no line
item); ``--max-wait`` bounds the run's waiting in all (throttling, retries, Canvas's job), after which it stops
with its summary; ``--jwk`` prints the tool's public JWK, for registering it on the platform. The passback file
is described in :mod:`autograder.lms.config`.

Every run ends with its summary, a stopped one too (a token that fails mid-run, the wait spent): what was
posted, what failed and why, what was not sent. Exit status: 0 every grade posted, unchanged or skipped (the
skipped are listed); 1 some failed or were not sent (each failure names the student, the problem set and the
fix); 2 a wrong command line, passback file, roster or grades.csv (nothing posted).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.markup import escape

from autograder.lms.ags import AgsTarget
from autograder.lms.canvas import CanvasTarget
from autograder.lms.config import TARGETS, ConfigError, PassbackConfig, read_config
from autograder.lms.lti_token import TokenError, public_jwk
from autograder.lms.moodle import MoodleTarget
from autograder.lms.plan import UNCHANGED, grade_text
from autograder.lms.regrade import is_regrade, moved_only
from autograder.lms.scores import GradesError, read_grades
from autograder.lms.secret import Redactor
from autograder.lms.send import FAILED, NOT_SENT, POSTED, SKIPPED, WOULD_POST, Item, Report, send
from autograder.lms.transport import DEFAULT_RUN_WAIT, WaitBudget
from autograder.model.ids import display
from autograder.model.invariant import known
from autograder.model.roster import RosterError, read_mapping
from autograder.reports.table import make_console, progress_bar


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results_dir", metavar="RESULTS_DIR", nargs="?",
                        help="a results folder with its grades.csv (autograde --out, or merged)")
    parser.add_argument("--to", choices=TARGETS, help="where: an LTI 1.3 platform (AGS), Canvas (REST) or Moodle "
                        "(web services)")
    parser.add_argument("--config", required=True, metavar="FILE",
                        help="the passback file (TOML): the LMS's addresses, the roster, the problem sets' names there")
    parser.add_argument("--dry-run", action="store_true", help="show what would change (old → new) and send no "
                        "request that changes anything (no grade, no comment, no line item)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace grades a person entered in the LMS (default: leave them and list them)")
    parser.add_argument("--problem-set", action="append", default=[], metavar="PS",
                        help="only this problem set (repeat for more; default: every one in grades.csv)")
    parser.add_argument("--all", action="store_true", help="list the unchanged grades too")
    parser.add_argument("--max-wait", type=_seconds, default=DEFAULT_RUN_WAIT, metavar="S",
                        help="the longest the whole run waits, in seconds, for throttling, retries and Canvas's job "
                             f"(default {DEFAULT_RUN_WAIT:g}); past it the run stops with its summary")
    parser.add_argument("--every-grade", action="store_true",
                        help="after a regrade (autograde --previous), post every grade, not only those that moved")
    parser.add_argument("--jwk", action="store_true",
                        help="print the public JWK of [lti]'s key (what the platform registers) and stop")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds, 0 or more, not {text!r}")
    return value


def _target(config: PassbackConfig, redactor: Redactor, budget: WaitBudget,
            dry_run: bool) -> AgsTarget | CanvasTarget | MoodleTarget:
    if config.target == "lti":
        return AgsTarget(config, redactor, budget=budget, dry_run=dry_run)
    if config.target == "canvas":
        return CanvasTarget(config, redactor, budget=budget, dry_run=dry_run)
    return MoodleTarget(config, redactor, budget=budget, dry_run=dry_run)


def _line(item: Item) -> str:
    """``ps1_softmax  ada → 40001: — → 40/43 (+3 pending)  posted (new)``."""
    g = item.grade
    lms_id = known(item.lms_id, "a grade posted, to post or unchanged has its LMS id")
    who = f"{g.ps}  {g.student} → {display(lms_id)}"
    if item.outcome == UNCHANGED:
        return f"{who}: {grade_text(g)}  unchanged"
    old = item.current.text() if item.current is not None else "—"
    return f"{who}: {old} → {grade_text(g)}  {item.outcome} ({item.why})"


def _print_report(report: Report, show_all: bool, redact: Redactor) -> None:
    out = []
    if report.unmatched_students:
        out.append(f"{len(report.unmatched_students)} student(s) with results match no {report.target} user "
                   "(nothing posted for them):")
        out += [f"  {student}: {why}" for student, why in report.unmatched_students]
    if report.unmatched_members:
        out.append(f"{len(report.unmatched_members)} {report.target} student(s) or roster row(s) have no results here "
                   "(nothing posted to them):")
        out += [f"  {display(lms_id)} {display(name)}: {why}" for lms_id, name, why in report.unmatched_members]
    changes = [i for i in report.items if i.outcome in (POSTED, WOULD_POST) or (show_all and i.outcome == UNCHANGED)]
    if changes:
        out.append("Would change (nothing is posted in a dry run):" if report.dry_run else "Changed:")
        out += ["  " + _line(i) for i in changes]
    for kind, title in ((SKIPPED, "Skipped (not posted):"), (FAILED, "Failed:"), (NOT_SENT, "Not sent (the run "
                                                                                            "stopped first):")):
        shown = [i for i in report.items if i.outcome == kind and not i.why.startswith("unmatched: ")]
        if shown:
            out.append(title)
            out += [f"  {i.why}" for i in shown]
    out += [f"Note: {note}" for note in report.notes]
    out += [f"Warning: {w}" for w in report.warnings]
    if report.stopped:
        out.append(f"Stopped: {report.stopped}")
        out.append("What was posted stays and is recognised: run passback again to post the rest (nothing is "
                   "posted twice).")
    n = report.counts()
    posted = f"would post {n[WOULD_POST]}" if report.dry_run else f"posted {n[POSTED]}"
    out.append(f"Summary ({report.target}{', dry run' if report.dry_run else ''}{', stopped' if report.stopped else ''}"
               f"): {posted}, unchanged {n[UNCHANGED]}, skipped {n[SKIPPED]}, failed {n[FAILED]}"
               + (f", not sent {n[NOT_SENT]}" if n[NOT_SENT] else "") + ".")
    print("\n".join(redact(line) for line in out))


def run(args: argparse.Namespace) -> int:
    redactor = Redactor()
    try:
        if args.jwk:
            lti = known(read_config(args.config, "lti").lti, "the config of --to lti: read_config sets its [lti] table")
            print(json.dumps(public_jwk(lti.key, lti.key_id), indent=2))
            return 0
        if not args.to or not args.results_dir:
            print("passback: RESULTS_DIR and --to lti|canvas|moodle are needed (or --jwk)", file=sys.stderr)
            return 2
        config = read_config(args.config, args.to)
        grades = read_grades(Path(args.results_dir), set(args.problem_set) or None)
        mapping = read_mapping(config.roster.file) if config.roster.file else None
        for secret in (getattr(config.lti, "key", None), getattr(config.canvas, "token", None),
                       getattr(config.moodle, "token", None)):
            if secret is not None:
                redactor.add(secret)
        # (the tool's key is read here: a bad one is the passback file's mistake)
        target = _target(config, redactor, WaitBudget(args.max_wait), args.dry_run)
    except (ConfigError, GradesError, RosterError, TokenError) as exc:
        print(f"passback: {redactor(exc)}", file=sys.stderr)
        return 2
    if is_regrade(args.results_dir):  # a regrade's folder: the grades that moved, each comment naming why
        regraded = moved_only(args.results_dir, grades, every=args.every_grade)
        print("\n".join(regraded.lines(args.results_dir)), file=sys.stderr)
        grades = regraded.post
        if not grades:
            return 0
    if not grades:
        print(f"passback: no grades to post in {args.results_dir}" + (
            f" for {', '.join(args.problem_set)}" if args.problem_set else ""), file=sys.stderr)
        return 2
    console = make_console(stderr=True)
    with progress_bar(len(grades), console=console, description="dry run" if args.dry_run else "posting") as bar:
        report = send(target, grades, config, mapping, dry_run=args.dry_run, overwrite=args.overwrite,
                      redact=redactor, progress=lambda g: bar.advance(escape(f"{g.student}/{g.ps}")))
    _print_report(report, args.all, redactor)
    if report.stopped:
        print(f"passback: stopped: {report.stopped}", file=sys.stderr)
    return 1 if report.failed else 0
