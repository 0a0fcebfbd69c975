"""The terminal side: a rich grade table after a batch, the batch's own lines, and a progress bar during one."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from autograder.model.files import FEEDBACK_FILE, GRADES_FILE, REPORT_FILE, SIMILARITY_DIR, SIMILARITY_HTML, StrPath
from autograder.model.results import SubmissionResult, fmt_points, load_results
from autograder.model.submissions import Submission
from autograder.model.summary import sandbox_line
from autograder.reports import late, stats

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID
    from rich.table import Table

#: What :func:`autograder.engine.batch.grade_batch` calls at each event: ``on_event(kind, submission, data)``.
OnEvent = Callable[[str, Submission | None, Any], None]


class Batch(Protocol):
    """What :func:`summary_lines` reads of a batch: the engine's :class:`autograder.engine.batch.BatchSummary`
    (the reports import nothing of the engine)."""

    total: int
    graded: int
    skipped_existing: int
    failed: list[Any]
    duration_s: float
    notebooks_per_s: float
    workers: int
    shard: str | None
    sandbox: dict[str, Any]
    not_graded: list[Any]


def make_console(**kwargs: Any) -> Console:
    """A :class:`rich.console.Console` whose closed pipe raises ``BrokenPipeError``.

    (Rich's own reaction is ``SystemExit(1)``; the command line turns the
    error into a quiet exit 0 once every file is written: see :mod:`autograder.cli`.)
    """
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError

    return _Console(**kwargs)


def _style(score: float | None, max_score: float) -> str:
    if score is None:
        return "dim"
    if max_score and score >= max_score:
        return "green"
    return "yellow" if score > 0 else "red"


def short_names(problem_sets: Iterable[str]) -> dict[str, str]:
    """``ps1_softmax -> ps1`` when the prefixes are unique, else the full ids."""
    short = {ps: ps.split("_", 1)[0] for ps in problem_sets}
    return short if len(set(short.values())) == len(short) else {ps: ps for ps in problem_sets}


def grade_table(results: Iterable[SubmissionResult] | stats.ClassStats) -> Table:
    """A :class:`rich.table.Table`: one row per student, one column per problem set, the total.

    Narrow enough for an 80-column terminal: problem sets by their short id
    (``ps1`` for ``ps1_softmax``), and a ⚠ where a submission needs a look
    (:func:`attention_lines` says why), an L where a late penalty was taken off (listed below the
    table, :func:`late_lines`). Scores are the points earned so far, after any late penalty;
    when answer cells await grading, a last column "awaiting grading" gives
    their points per student (neither earned nor lost yet; 0 when none, as grades.csv's ``pending``).
    """
    from rich.table import Table
    from rich.text import Text

    cs = stats.of(results)
    maxes = cs.max_scores
    short = short_names(maxes)
    table = Table(title="Grades", title_justify="left", header_style="bold")
    table.add_column("student", no_wrap=True)
    for ps, max_score in maxes.items():
        table.add_column(f"{short[ps]}\n/{fmt_points(max_score)}", justify="right", no_wrap=True)
    rows = cs.rows
    max_total = rows[0]["max_total"] if rows else 0.0
    table.add_column(f"total\n/{fmt_points(max_total)}", justify="right", no_wrap=True, style="bold")
    pending = any(row["pending_total"] for row in rows)
    if pending:
        table.add_column("awaiting\ngrading", justify="right", no_wrap=True, style="cyan")
    by = {(r.student, r.assignment): r for r in cs.results}
    for row in rows:
        cells = []
        for ps, max_score in maxes.items():
            score = row["scores"][ps]
            text = "–" if score is None else fmt_points(score)
            r = by.get((row["student"], ps))
            mark = " [magenta]⚠[/]" if r is not None and r.flagged else \
                " [yellow]L[/]" if r is not None and r.late is not None and r.late.penalised else "  "
            cells.append(f"[{_style(score, max_score)}]{text}[/]{mark}")
        extra = [fmt_points(row["pending_total"])] if pending else []  # 0 when none, as in grades.csv
        table.add_row(Text(row["student"]), *cells, fmt_points(row["total"]), *extra)  # an id is text, never markup
    return table


def terminal_text(text: str) -> str:
    r"""``text`` with every character that is not printable (ESC, BEL, other controls) written as its escape
    (``\x1b``): what a line the terminal shows may quote of a submission (a flag quotes the name of a cell magic,
    as the student typed it) never moves the cursor, erases a line or makes a link there."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) <= 0xFF
                   else f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}" for ch in text)


def attention_lines(results: Iterable[SubmissionResult] | stats.ClassStats) -> list[str]:
    """One line per submission that needs a look: who, which problem set, why (as :func:`terminal_text`: the
    reasons may quote the submission)."""
    lines = []
    for row in stats.of(results).rows:
        for flag in row["flags"]:
            ps, _, why = flag.partition(": ")
            lines.append(terminal_text(f"{row['student']}/{ps}: {why}"))
    return lines


def late_lines(results: Iterable[SubmissionResult], limit: int = 20) -> list[str]:
    """The class's deadlines in a line, then one line per late submission (or one whose time is unknown):
    who, which problem set, the score before and after the penalty, and why (at most ``limit``; as
    :func:`terminal_text`: why may quote the student's own timestamp.txt)."""
    info = late.class_lateness(results)
    if info is None:
        return []
    lines = [late.headline(info)]
    entries = late.entries(results)
    for e in entries[:limit]:
        change = (f"{fmt_points(e['raw_score'])} → {fmt_points(e['score'])} / {fmt_points(e['max_score'])}"
                  if e["penalty"] else f"{fmt_points(e['score'])} / {fmt_points(e['max_score'])}")
        lines.append(terminal_text(f"  L {e['student']}/{e['assignment']}: {change}. {e['line']}"))  # (quotes a claim)
    if len(entries) > limit:
        lines.append(f"  … and {len(entries) - limit} more (grades.csv, column late; report.html)")
    return lines


def hardest_items_table(results: Iterable[SubmissionResult] | stats.ClassStats, limit: int = 5) -> Table | None:
    """The graded cells that failed most often, and the mistake behind most of their failures."""
    from rich.table import Table
    from rich.text import Text

    def failures(it: dict[str, Any]) -> int:
        return it["n"] - it["passed"] - it.get("not_attempted", 0)

    items = [(ps, it) for ps, its in stats.of(results).items.items() for it in its
             if failures(it) and not it.get("manual")]
    items.sort(key=lambda p: (-failures(p[1]), p[1]["pass_rate"], p[1]["grade_id"]))
    table = Table(title="Hardest graded cells", title_justify="left", header_style="bold")
    table.add_column("graded cell", no_wrap=True)
    table.add_column("passed", justify="right", no_wrap=True)
    table.add_column("most frequent mistake", overflow="fold")
    for _, it in items[:limit]:
        top: dict[str, Any] = it["mistakes"][0] if it["mistakes"] else {"label": "", "count": 0}
        label = top["label"] if len(top["label"]) <= 110 else top["label"][:107] + "…"
        text = f"{top['count']}× {label}" if top["count"] else ""
        if it.get("not_attempted"):
            text += ("; " if text else "") + f"{it['not_attempted']} not attempted"
        table.add_row(it["grade_id"], f"{it['passed']}/{it['n']}", Text(text))
    return table if items else None


def _show(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = str(path)
    return rel if not rel.startswith("../..") else str(path)


def summary_lines(summary: Batch, submitted_label: str = "") -> list[str]:
    """What the engine did (an :class:`autograder.engine.batch.BatchSummary`), as plain lines for a terminal or a
    log (ids are display ids: printable, no escapes): ``autograde``, ``demo``, ``gradescope run``."""
    lines = []
    if summary.graded == 0 and summary.skipped_existing and not summary.failed:
        lines.append(f"Nothing new to grade: all {summary.skipped_existing} submission(s) have results from an "
                     "earlier run (--force regrades them).")
    else:
        text = f"Graded {summary.graded} notebook(s) in {summary.duration_s:.1f} s"
        if summary.graded and summary.workers:
            text += f" ({summary.notebooks_per_s:.1f} notebooks/s with {summary.workers} worker(s))"
        if summary.skipped_existing:
            text += f", kept {summary.skipped_existing} from an earlier run"
        if summary.failed:
            text += f", {len(summary.failed)} could not be graded"
        lines.append(text + (f", shard {summary.shard}" if summary.shard else "") + ".")
    if summary.total == 0 and summary.shard:
        lines.append(f"Shard {summary.shard} holds no student of this folder (fine with more shards than students).")
    sb = sandbox_line(summary.sandbox)
    if sb:
        lines.append(sb)
    if summary.not_graded:
        where = f", paths in {submitted_label.rstrip('/')}/" if submitted_label else ""
        lines.append(f"Not graded ({len(summary.not_graded)}{where}):")
        for n in summary.not_graded[:20]:
            lines.append(f"  {n['path']}: {n['reason']}" + (f" — {n['suggestion']}" if n["suggestion"] else ""))
        if len(summary.not_graded) > 20:
            lines.append(f"  … and {len(summary.not_graded) - 20} more (summary.json lists them all)")
    return lines


def print_grades(results_dir: StrPath, results: Iterable[SubmissionResult] | stats.ClassStats | None = None,
                 console: Console | None = None, gradebook: Mapping[str, Any] | None = None) -> None:
    """The grade table, the hardest cells, and where the files are.

    ``results``: the results or their :class:`~autograder.reports.stats.ClassStats` (default: read
    from ``results_dir``).
    """
    from rich.markup import escape

    results_dir = Path(results_dir)
    cs = stats.of(load_results(results_dir) if results is None else results)
    results = cs.results
    console = console or make_console()
    if not results:
        console.print(f"No results in {escape(_show(results_dir))}.")
        return
    console.print(grade_table(cs))
    attention = attention_lines(cs)
    if attention:
        console.print("[bold magenta]⚠ To look at[/] (details in report.html):")
        for line in attention:
            console.print(f"  {line}", markup=False, highlight=False)
    for line in late_lines(cs.results):
        console.print(line, markup=False, highlight=False)
    hardest = hardest_items_table(cs)
    if hardest is not None:
        console.print(hardest)
    c = cs.overall
    console.print(
        f"{c['students']} students, {c['submissions']} submissions, mean total "
        f"{fmt_points(c['mean'])} / {fmt_points(c['max_score'])}"
        + (f", [magenta]{c['flagged']} to look at[/]" if c["flagged"] else "")
    )
    if c.get("pending_answers"):
        console.print(pending_line(c, gradebook is not None), markup=False, highlight=False)
    console.print(f"Class report:   [bold]{escape(_show(results_dir / REPORT_FILE))}[/]")
    if (results_dir / GRADES_FILE).exists():
        console.print(f"Grades (CSV):   {_show(results_dir / GRADES_FILE)}", markup=False, highlight=False)
    example = next((r for r in results if r.folder is not None and (r.folder / FEEDBACK_FILE).exists()), None)
    if example is not None:
        pattern = results_dir / "<student>" / "<problem set>" / FEEDBACK_FILE
        folder = cast(Path, example.folder)  # (not None: the example was picked so)
        console.print(f"Feedback pages: {_show(pattern)}  (e.g. {_show(folder / FEEDBACK_FILE)})",
                      markup=False, highlight=False)
    similarity = results_dir / SIMILARITY_DIR / SIMILARITY_HTML
    if similarity.exists():  # (autograde --similarity, merge after it, the demo)
        console.print(f"Similarity:     {_show(similarity)}  (linked from the class report)", markup=False,
                      highlight=False)
    if gradebook:
        extra = ""
        if gradebook.get("autograded"):
            extra += f", {gradebook['autograded']} notebook(s) in autograded/ for formgrader"
        if gradebook.get("pending"):
            extra += f", {gradebook['pending']} answer(s) to grade by hand there"
        if gradebook.get("to_review"):
            extra += (f", {gradebook['to_review']} hand grade(s) given to an earlier answer, marked there to grade "
                      "again")
        if gradebook.get("results_updated_from_gradebook"):
            extra += f", {gradebook['results_updated_from_gradebook']} result(s) updated with hand-graded points"
        console.print(f"Gradebook:      {gradebook.get('db_url')} ({gradebook.get('grades')} grades written{extra})",
                      markup=False, highlight=False)


def pending_line(overall: Mapping[str, Any], gradebook: bool) -> str:
    """What awaits grading in the class, and how it gets graded (one line)."""
    text = (f"Awaiting grading: {overall['pending_answers']} answer(s) in "
            f"{overall['pending_submissions']} submission(s), {fmt_points(overall['pending_points'])} points "
            "(not counted yet, neither earned nor lost). ")
    if gradebook:
        return text + ("Grade them in nbgrader's formgrader, then run this command again with --gradebook: "
                       "the hand-graded points come into results, grades.csv and the reports.")
    return text + ("To grade them in nbgrader's formgrader, run `autograde` (or `merge`) with --gradebook; "
                   "after grading there, the same command brings the points in.")


class _NoProgress:
    def advance(self, label: str = "", n: int = 1) -> None:
        pass


class _RichProgress:
    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress, self._task = progress, task

    def advance(self, label: str = "", n: int = 1) -> None:
        self._progress.update(self._task, advance=n, last=label)


@contextmanager
def progress_bar(total: int, console: Console | None = None, description: str = "grading",
                 enabled: bool | None = None) -> Iterator[_NoProgress | _RichProgress]:
    """A progress bar for a batch: ``with progress_bar(n) as bar: … bar.advance("ada/ps1_softmax")``.

    Shown on stderr when it is a terminal (or when ``enabled`` is true);
    otherwise ``advance`` does nothing, so logs and ``--json`` stay clean.
    """

    console = console or make_console(stderr=True)
    if enabled is None:
        enabled = console.is_terminal and total > 1
    if not enabled:
        yield _NoProgress()
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("[dim]{task.fields[last]}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total, last="")
        yield _RichProgress(progress, task)


@contextmanager
def batch_progress(console: Console | None = None, enabled: bool | None = None) -> Iterator[OnEvent]:
    """An ``on_event`` callback for :func:`autograder.engine.batch.grade_batch` that drives a progress bar.

    ``with batch_progress() as on_event: grade_batch(…, on_event=on_event)``. The bar
    appears at the engine's ``start`` event (when it knows how many notebooks it
    will grade) on a terminal only, and advances on ``graded`` and ``failed``.
    """
    from rich.markup import escape

    console = console or make_console(stderr=True)
    state: dict[str, Any] = {"bar": None, "cm": None}

    def on_event(kind: str, sub: Submission | None, data: Any) -> None:
        if kind == "start":
            todo = int((data or {}).get("todo", 0))
            cm = progress_bar(todo, console=console, enabled=enabled)
            state["cm"], state["bar"] = cm, cm.__enter__()
        elif kind in ("graded", "failed") and state["bar"] is not None:
            label = escape(f"{sub.student}/{sub.assignment}") if sub is not None else ""  # ids are not markup
            if kind == "graded" and isinstance(data, SubmissionResult):
                label += f" {fmt_points(data.score)}/{fmt_points(data.max_score)}"
                if data.pending_points:
                    label += f" (+{fmt_points(data.pending_points)} pending)"
            elif kind == "failed":
                label += " failed to grade"
            state["bar"].advance(label)

    try:
        yield on_event
    finally:
        if state["cm"] is not None:
            state["cm"].__exit__(None, None, None)
