"""A batch: collect submissions, pick this shard, grade with N workers, write results.

:func:`grade_batch` is the engine's entry point (the CLI and reports call it);
``on_event`` lets a caller follow along (progress bars, live tables).
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder import course
from autograder.engine import results as results_io
from autograder.engine.notebook import load_source
from autograder.engine.pool import GraderError, Zygote, default_hidden
from autograder.engine.sandbox import Limits


@dataclass(frozen=True)
class Submission:
    """One submitted notebook, ``<submitted>/<student>/<assignment>/<notebook>.ipynb``.

    ``path`` is None when the assignment folder holds no notebook.
    """

    student: str
    assignment: str
    path: Path | None


@dataclass
class BatchSummary:
    submitted_dir: str
    results_dir: str
    total: int = 0
    graded: int = 0
    skipped_existing: int = 0
    failed: list = field(default_factory=list)  # [{"student", "assignment", "error"}]
    duration_s: float = 0.0
    notebooks_per_s: float = 0.0
    workers: int = 0
    shard: str | None = None
    sandbox: dict = field(default_factory=dict)
    ignored: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    grades_csv: str = ""
    summary_json: str = ""

    @property
    def ok(self) -> bool:
        """Every submission got a results.json (whatever it scored)."""
        return not self.failed

    def to_dict(self) -> dict:
        return {
            "submitted_dir": self.submitted_dir,
            "results_dir": self.results_dir,
            "submissions": self.total,
            "graded": self.graded,
            "skipped_existing": self.skipped_existing,
            "failed_to_grade": len(self.failed),
            "failures": self.failed,
            "duration_s": round(self.duration_s, 3),
            "notebooks_per_s": round(self.notebooks_per_s, 3),
            "workers": self.workers,
            "shard": self.shard,
            "sandbox": self.sandbox,
            "ignored": self.ignored,
            "warnings": self.warnings,
        }


def shard_of(student: str, i: int, n: int) -> bool:
    """Whether ``student`` belongs to shard ``i`` of ``n`` (1-based, ``1 <= i <= n``).

    Decided by a SHA-256 of the student id, so it is the same on every
    machine and every run; the ``n`` shards partition any set of students.
    """
    if not (isinstance(n, int) and n >= 1 and isinstance(i, int) and 1 <= i <= n):
        raise ValueError(f"shard {i}/{n}: need 1 <= i <= n")
    digest = hashlib.sha256(student.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n == i - 1


def parse_shard(text: str):
    """``"2/4"`` -> ``(2, 4)``."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard wants i/n, e.g. 1/4, not {text!r}") from None
    if not (n >= 1 and 1 <= i <= n):
        raise ValueError(f"--shard {text}: need 1 <= i <= n")
    return i, n


def _known_assignments(course_dir) -> set:
    known = set(course.PROBLEM_SETS)
    source = Path(course_dir) / "source"
    if source.is_dir():
        known.update(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())
    return known


def _find_notebook(folder: Path, assignment: str):
    preferred = folder / f"{assignment}.ipynb"
    if preferred.is_file():
        return preferred
    found = sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))
    return found[0] if len(found) == 1 else None


def collect_submissions(submitted_dir, assignments=None, students=None, course_dir=None, ignored=None) -> list:
    """Every ``<student>/<assignment>/`` folder of ``submitted_dir``, sorted.

    Only assignments the course knows are taken (``ignored``, a list, gets the
    other folders); ``assignments``/``students`` filter by id.
    """
    root = Path(submitted_dir)
    known = _known_assignments(course_dir or course.ROOT)
    wanted_ps = set(assignments) if assignments else None
    wanted_st = set(students) if students else None
    out = []
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if wanted_st is not None and student_dir.name not in wanted_st:
            continue
        for ps_dir in sorted(p for p in student_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if ps_dir.name not in known:
                if ignored is not None:
                    ignored.append(f"{student_dir.name}/{ps_dir.name}")
                continue
            if wanted_ps is not None and ps_dir.name not in wanted_ps:
                continue
            out.append(Submission(student_dir.name, ps_dir.name, _find_notebook(ps_dir, ps_dir.name)))
    return out


def forbidden_names(check_dicts) -> list:
    """Every name any of the checks forbids (pinned in the zygote before student code)."""
    return sorted({name for checks in check_dicts for check in checks.values() for name in check.forbidden})


def _load_assignment(course_dir, assignment):
    """(source notebook, checks) of one assignment; raises GraderError."""
    from autograder.checks import checks_for
    from autograder.checks.evaluate import reference

    path = Path(course_dir) / "source" / assignment / f"{assignment}.ipynb"
    try:
        source = load_source(path, assignment)
    except ValueError as exc:
        raise GraderError(str(exc)) from None
    try:
        checks = checks_for(assignment)
    except ImportError as exc:
        raise GraderError(f"no checks for {assignment}: {exc}") from None
    missing = [gid for gid, _ in source.tests if gid not in checks]
    if missing:
        raise GraderError(f"{assignment}: graded cells without a check: {', '.join(missing)}")
    if not source.tests:
        raise GraderError(f"{assignment}: the source notebook has no graded test cells")
    planned = dict(course.GRADE_CELLS.get(assignment, ()))
    if planned and {gid: float(p) for gid, p in planned.items()} != dict(source.tests):
        differ = sorted(set(planned) ^ {gid for gid, _ in source.tests}) or [
            gid for gid, p in source.tests if float(planned.get(gid, -1)) != p]
        source.warnings = [f"{assignment}: the source notebook's graded cells or points differ from "
                           f"autograder.course.GRADE_CELLS ({', '.join(differ[:5])}); the notebook's count"]
    # references once per batch, here in one thread (invoke uses warnings.catch_warnings)
    for gid, _ in source.tests:
        for index in range(len(checks[gid].probes)):
            reference(checks[gid], index)
    return source, checks


def grade_batch(submitted_dir, results_dir, *, workers=None, assignments=None, students=None, shard=None,
                force=False, course_dir=None, limits: Limits | None = None, on_event=None,
                hide=()) -> BatchSummary:
    """Grade every submission of ``submitted_dir`` into ``results_dir``.

    ``shard`` is ``(i, n)``; ``on_event(kind, submission, data)`` is called
    (under a lock) with ``kind`` in ``start`` (data: counts), ``graded``
    (data: results), ``skipped`` (data: results path), ``failed`` (data:
    error text). Returns a :class:`BatchSummary`; ``summary.ok`` is False only
    when some submission got no results.json because the grader failed.
    """
    started = time.monotonic()
    course_dir = Path(course_dir or course.ROOT).resolve()
    submitted_dir, results_dir = Path(submitted_dir).resolve(), Path(results_dir).resolve()
    limits = limits or Limits()
    workers = max(1, int(workers or os.cpu_count() or 1))
    summary = BatchSummary(str(submitted_dir), str(results_dir),
                           shard=f"{shard[0]}/{shard[1]}" if shard else None)
    event_lock = threading.Lock()

    def emit(kind, sub, data=None):
        if on_event is not None:
            with event_lock:
                on_event(kind, sub, data)

    subs = collect_submissions(submitted_dir, assignments, students, course_dir, summary.ignored)
    if shard:
        subs = [s for s in subs if shard_of(s.student, *shard)]
    summary.total = len(subs)
    results_dir.mkdir(parents=True, exist_ok=True)
    todo = []
    for sub in subs:
        path = results_io.results_path(results_dir, sub.student, sub.assignment)
        if not force and results_io.read_results(path) is not None:
            summary.skipped_existing += 1
            emit("skipped", sub, path)
        else:
            todo.append(sub)
    emit("start", None, {"total": len(subs), "todo": len(todo), "skipped": summary.skipped_existing})

    assignments_ok, failures = {}, {}
    for ps in sorted({s.assignment for s in todo}):
        try:
            assignments_ok[ps] = _load_assignment(course_dir, ps)
            summary.warnings.extend(assignments_ok[ps][0].warnings)
        except GraderError as exc:
            failures[ps] = str(exc)
    results_lock = threading.Lock()

    def fail(sub, error):
        with results_lock:
            summary.failed.append({"student": sub.student, "assignment": sub.assignment, "error": error})
        emit("failed", sub, error)

    for sub in [s for s in todo if s.assignment in failures]:
        fail(sub, failures[sub.assignment])
    todo = [s for s in todo if s.assignment in assignments_ok]

    zygote = None
    if todo:
        workers = min(workers, len(todo))
        hidden = default_hidden(course_dir, submitted_dir, results_dir) + [str(h) for h in hide]
        forbidden = forbidden_names(checks for _, checks in assignments_ok.values())
        zygote_box = {"z": Zygote(hide=hidden, slots=workers, forbidden=forbidden).start(), "restarts": 0}
        zygote_lock = threading.Lock()
        summary.sandbox = dict(zygote_box["z"].sandbox)
        work = queue.Queue()
        for sub in todo:
            work.put(sub)

        def current_zygote(broken=None):
            with zygote_lock:
                z = zygote_box["z"]
                if broken is not None and z is broken and not z.alive and zygote_box["restarts"] < 3:
                    zygote_box["restarts"] += 1
                    z.close()
                    zygote_box["z"] = z = Zygote(hide=hidden, slots=workers, forbidden=forbidden).start()
                return z

        from autograder.engine.grade import grade_submission

        def worker(slot):
            while True:
                try:
                    sub = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    grade_one(slot, sub)
                except BaseException as exc:  # noqa: BLE001 — never lose a submission silently
                    fail(sub, f"{type(exc).__name__}: {exc}")

        def grade_one(slot, sub):
            source, checks = assignments_ok[sub.assignment]
            data = None
            for attempt in range(2):
                z = current_zygote()
                try:
                    data = grade_submission(sub.path, sub.student, sub.assignment, source, checks, z, slot,
                                            limits, summary.sandbox)
                    break
                except GraderError as exc:
                    error = str(exc)
                    current_zygote(broken=z)
                except Exception as exc:  # noqa: BLE001 — a grader bug: report, go on
                    import traceback

                    error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-2000:]}"
                    break
            if data is None:
                fail(sub, error)
                return
            results_io.write_json_atomic(results_io.results_path(results_dir, sub.student, sub.assignment), data)
            with results_lock:
                summary.graded += 1
            emit("graded", sub, data)

        threads = [threading.Thread(target=worker, args=(slot,), name=f"grader-{slot}", daemon=True)
                   for slot in range(workers)]
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        except BaseException:
            while not work.empty():  # interrupted: hand out nothing more
                try:
                    work.get_nowait()
                except queue.Empty:
                    break
            raise
        finally:
            zygote = zygote_box["z"]
            zygote.close()
    accounted = summary.graded + sum(1 for f in summary.failed if f["assignment"] in assignments_ok)
    if todo and accounted < len(todo):
        done = {(f["student"], f["assignment"]) for f in summary.failed}
        for sub in todo:
            path = results_io.results_path(results_dir, sub.student, sub.assignment)
            if (sub.student, sub.assignment) not in done and results_io.read_results(path) is None:
                fail(sub, "not graded: a worker stopped before reaching it")
    summary.workers = workers if todo else 0
    summary.duration_s = time.monotonic() - started
    summary.notebooks_per_s = summary.graded / summary.duration_s if summary.duration_s > 0 else 0.0
    summary.grades_csv = str(results_io.write_grades_csv(results_dir))
    summary.summary_json = str(results_io.write_json_atomic(results_dir / "summary.json", summary.to_dict()))
    return summary
