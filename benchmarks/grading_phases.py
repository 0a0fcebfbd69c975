#!/usr/bin/env python
"""Where a notebook's grading CPU goes, layer by layer, beside the floor the work sets and the ratio to nbgrader.

    python benchmarks/grading_phases.py [--batch DIR | --students N [--assignment ID …] [--keep DIR]] [--runs R]
                                        [--forks N] [--nbgrader-ms MS | --nbgrader-sample K] [--workers N]

On the throughput benchmark's batch (``benchmarks/grading_throughput.py``: ``--students`` students, default 30, ×
every problem set; or a batch it kept, ``--batch DIR`` for ``--keep DIR``), prints the CPU milliseconds a
notebook of each layer of issue 85's table:

* **the work itself** (the floor): each check's reference function on every one of its probes, plain calls in
  this process (no copies, no warnings caught), as a submission that is the reference costs at the least;
* **the checks' bookkeeping**, each part apart: :func:`~autograder.perimeter.child_runtime.invoke.invoke`'s own
  (the per-call copies, warning capture, threads and timers looked at, inputs compared), the evaluation loop, the
  carried-forward stubs, the forbidden-use walks, the comparisons and relations, the hints, purity (the inputs
  kept and compared again, the source's verdict), ``stub_failure``; and the student's own code beside them;
* **the wire**: each call's probe decoded as the child receives it, its outcome encoded and decoded back;
* **the cells** as the child runs them, reading and restoring the notebook, the static reading, results.json;
* **the fixed start** of a batch (the grader's imports, the problem sets loaded with their references, the
  zygote's start to its first fork), spread over the batch's notebooks;
* **the reports** (feedback pages, class report, grades table), from the batch's results;
* **the process boundary**: what is left of the whole command (its own CPU and its children's), which no layer
  above accounts for: the children's fork, confinement, copy-on-write faults, fresh pages and exit, the
  parent's side of the wire and its threads. Measured directly beside it: the zygote's resident size and one
  child's cost (spawn, hello and kill, over ``--forks`` children, CPU of the zygote and the children it reaps).

The layers of one notebook are measured in this process, in a process forked per problem set that grades its
first notebook once unmeasured and then each of its notebooks in a fresh namespace, as the engine does (the cells
run as the child runs them, then each graded cell's check at its place, through a
:class:`~autograder.checks.evaluate.LocalTarget` that keeps what the engine's target keeps), with a thread-CPU clock
around each part, each part's time exclusive of the parts it calls. The checks' parts are split in a second pass
with a timer on each (printed: what those timers cost), and scaled to the checks' total of the first. What a
fresh child pays that a warm process does not (copy-on-write faults, first calls) is the process boundary's. The
whole command is
``python -m autograder autograde`` run ``--runs`` times (the least CPU kept). The ratio to nbgrader is against
``--nbgrader-ms`` (the CPU ms a notebook of a ``grading_throughput.py`` run of the same batch) or a sample of the
batch graded by ``nbgrader autograde`` here (``--nbgrader-sample K``: the first K students, every problem set;
about 4 CPU-seconds a notebook and a minute of set-up). The last line is ``CPU a notebook vs nbgrader: <X>x``.

CPU time, not wall-clock: this host is shared and its speed moves; compare the layers of one run, and runs of
two trees alternately (docs/performance.md).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from autograder.checks.by_name import checks_for  # noqa: E402
from autograder.checks.callees import carried_callees  # noqa: E402
from autograder.checks.check import Check  # noqa: E402
from autograder.checks.references import contract, reference_function  # noqa: E402
from autograder.model.course import PROBLEM_SETS, function_of  # noqa: E402
from autograder.model.notebook import load_source  # noqa: E402
from autograder.perimeter.child_runtime import wire  # noqa: E402
from autograder.reading.library import load_tables  # noqa: E402
from autograder.reading.notebook import NotebookReading, Source  # noqa: E402

# (by module path: the package ``autograder.checks`` binds the name ``evaluate`` to the function)
evaluate_module = importlib.import_module("autograder.checks.evaluate")
invoke_module = importlib.import_module("autograder.perimeter.child_runtime.invoke")

#: The layers, in the order printed: ``(key, label)``; a key the measurement does not give prints as 0.
LAYERS = (
    ("work", "the work itself: each check's reference on every probe (the floor)"),
    ("student", "the student's own code in the checks' calls"),
    ("invoke", "  invoke: per-call copies, warning capture, threads and timers, inputs compared"),
    ("evaluate", "  the evaluation loop (messages, second looks, the rest of evaluate)"),
    ("stubs", "  carried-forward stubs (entered and left per call, their answers)"),
    ("forbidden", "  forbidden-use walks (the child's, of the function's bytecode)"),
    ("forbidden_read", "  forbidden uses read in the source (the parent's)"),
    ("compare", "  comparisons and relations"),
    ("hints", "  hints"),
    ("purity", "  purity (inputs kept and compared again, the source's verdict)"),
    ("stub_failure", "  stub_failure and own-work"),
    ("wire", "wire: probes decoded as the child gets them, outcomes encoded and decoded"),
    ("cells", "the cells, as the child runs them"),
    ("read", "  reading and restoring the notebook"),
    ("static", "  the static reading"),
    ("result", "  results.json written"),
    ("boundary", "the process boundary (what the command spends beyond every other layer)"),
    ("start", "fixed start per batch (grader imports, problem sets, zygote), over the batch"),
    ("reports", "reports (feedback pages, class report, table)"),
)
#: The layers that make up the checks' bookkeeping (printed as one line too).
BOOKKEEPING = ("invoke", "evaluate", "stubs", "forbidden", "forbidden_read", "compare", "hints", "purity", "stub_failure")


# --------------------------------------------------------------------------- exclusive timers


class Clock:
    """Thread-CPU time by part, each part's exclusive of the parts timed inside it (one thread only)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.calls = 0
        self._stack: list[list[Any]] = []  # [part, started, time of the parts inside]

    def enter(self, name: str) -> list[Any]:
        frame = [name, time.thread_time(), 0.0]
        self._stack.append(frame)
        return frame

    def leave(self, frame: list[Any]) -> None:
        self._stack.pop()
        took = time.thread_time() - frame[1]
        self.spent[frame[0]] = self.spent.get(frame[0], 0.0) + took - frame[2]
        if self._stack:
            self._stack[-1][2] += took

    @contextlib.contextmanager
    def part(self, name: str) -> Iterator[None]:
        frame = self.enter(name)
        try:
            yield
        finally:
            self.leave(frame)

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        enter, leave = self.enter, self.leave

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = enter(name)
            try:
                return fn(*args, **kwargs)
            finally:
                leave(frame)

        return timed

    def reset(self) -> dict[str, float]:
        spent, self.spent, self.calls = {**self.spent, "calls": self.calls}, {}, 0
        return spent


CLOCK = Clock()

#: ``(module, attribute, part)`` wrapped for the split of the checks' time; a name renamed away fails at once
#: (KeyError).
WRAPPED = (
    (evaluate_module, "compare", "compare"),
    (evaluate_module, "compare_nonfinite", "compare"),
    (evaluate_module, "container", "compare"),
    (evaluate_module, "as_values", "compare"),
    (evaluate_module, "shape_of", "compare"),
    (evaluate_module, "finite_pattern", "compare"),
    (evaluate_module, "_relation_mismatch", "compare"),
    (evaluate_module, "_same_ending", "compare"),
    (evaluate_module, "hint_for", "hints"),
    (evaluate_module, "_purity", "purity"),
    (evaluate_module, "_settled", "purity"),
    (evaluate_module, "stub_failure", "stub_failure"),
    (evaluate_module, "own_work_failure", "stub_failure"),
    (evaluate_module, "_ask_here", "stubs"),
)
#: ``(class, method, part)`` wrapped likewise.
WRAPPED_METHODS = (
    (invoke_module.InputWatch, "called", "purity"),
    (invoke_module.InputWatch, "settle", "purity"),
    (evaluate_module.CalleeStubs, "__enter__", "stubs"),
    (evaluate_module.CalleeStubs, "__exit__", "stubs"),
)

_ENCODED: dict[tuple[int, int], bytes] = {}
_PLAIN_INVOKE = invoke_module.invoke


def _through_wire(message: bytes) -> Any:
    size = wire.HEADER.unpack_from(message)[0]
    return wire.decode_message(message[wire.HEADER.size:], binary=bool(size & wire.BINARY))


def _timed_invoke(fine: bool) -> Callable[..., Any]:
    """:func:`invoke` with each call's wire simulated (its probe decoded as the child gets it, its outcome encoded
    and decoded back) and, when ``fine``, the student's function timed apart from invoke's own work."""

    def timed_invoke(fn: Callable[..., Any], args: Any = (), kwargs: Any = None, watch: Any = None,
                     function: str = "") -> Any:
        key = (id(args), id(kwargs))
        if key not in _ENCODED:  # (the engine encodes a check's probes once a batch: not timed)
            _ENCODED[key] = wire.encode_message({"args": wire.to_wire(tuple(args)),
                                                 "kwargs": wire.to_wire(dict(kwargs or {}))})
        CLOCK.calls += 1
        with CLOCK.part("wire"):
            decoded = _through_wire(_ENCODED[key])
            wire.from_wire(decoded["args"]), wire.from_wire(decoded["kwargs"])
        with CLOCK.part("invoke"):
            called = CLOCK.wrap("student", fn) if fine and callable(fn) else fn
            outcome = _PLAIN_INVOKE(called, args, kwargs, watch, function)
        with CLOCK.part("wire"):
            back = _through_wire(wire.encode_message({"outcome": wire.outcome_to_wire(outcome)}))
            wire.outcome_from_wire(back["outcome"], invoke_module.Outcome)
        return outcome

    return timed_invoke


def _instrument(fine: bool) -> Callable[[], None]:
    """Time the wire around every call and, when ``fine``, each part of the checks (:data:`WRAPPED`); returns
    the undo."""
    undo: list[tuple[Any, str, Any]] = [(invoke_module, "invoke", _PLAIN_INVOKE)]
    invoke_module.invoke = _timed_invoke(fine)
    if fine:
        for module, name, part in WRAPPED:
            undo.append((module, name, vars(module)[name]))
            setattr(module, name, CLOCK.wrap(part, vars(module)[name]))
        for cls, name, part in WRAPPED_METHODS:
            undo.append((cls, name, vars(cls)[name]))
            setattr(cls, name, CLOCK.wrap(part, vars(cls)[name]))

    def restore() -> None:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)

    return restore


class EngineTarget(evaluate_module.LocalTarget):  # type: ignore[misc, name-defined]
    """The checks' target in this process, keeping what the engine's :class:`RemoteTarget` keeps: whether a function
    is defined and its forbidden uses, once per function until more cells run (the child's walk and the parent's
    reading of the source both)."""

    def __init__(self, namespace: dict[str, Any], source: NotebookReading, watch: Any) -> None:
        super().__init__(namespace, source, watch)
        self._defined: dict[str, str] = {}
        self._forbidden: dict[tuple[Any, ...], tuple[str, ...]] = {}

    def refresh(self) -> None:
        self._defined.clear()
        self._forbidden.clear()

    def defined(self, function: str) -> str:
        if function not in self._defined:
            self._defined[function] = super().defined(function)
        return self._defined[function]

    def forbidden_uses(self, function: str, names: tuple, skip: tuple = ()) -> tuple:
        key = (function, tuple(names), tuple(skip))
        if key not in self._forbidden:
            with CLOCK.part("forbidden"):
                found = set(super().forbidden_uses(function, names, skip))
            with CLOCK.part("forbidden_read"):
                found.update(self.source.uses(function, names, skip))
            self._forbidden[key] = tuple(sorted(found))
        return self._forbidden[key]


# --------------------------------------------------------------------------- the floor


def work_floor(loaded: dict[str, tuple[Any, dict[str, Check]]]) -> dict[str, tuple[float, int]]:
    """``{problem set: (CPU seconds, calls)}`` of every graded check's reference on each of its probes, plain calls
    (best of three)."""
    out = {}
    for ps, (source, checks) in loaded.items():
        calls = [(reference_function(checks[gid].function), p.args, p.kwargs)
                 for gid, _ in source.tests for p in checks[gid].probes]
        best = float("inf")
        for _ in range(3):
            started = time.thread_time()
            with np.errstate(all="ignore"), _quiet():
                for fn, args, kwargs in calls:
                    with contextlib.suppress(Exception):  # (a probe that asks for a ValueError)
                        fn(*args, **kwargs)
            best = min(best, time.thread_time() - started)
        out[ps] = (best, len(calls))
    return out


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# --------------------------------------------------------------------------- notebooks, in forked processes


def _grade_here(path: Path, ps: str, loaded: dict[str, Any], shell: Any, plain: bool) -> None:
    """One notebook graded as the engine grades it, in this process: read and restored, its cells run as the child
    runs them (``plain``: by IPython's transform and ``exec`` alone, and no check), each graded cell's check
    evaluated at its place; every part timed on :data:`CLOCK`."""
    from IPython.core.inputtransformer2 import TransformerManager

    from autograder.engine.grade import _check_points
    from autograder.engine.restore import rebuild
    from autograder.model.notebook import load_submission
    from autograder.perimeter.child_runtime import child, on_first_use

    source, checks = loaded[ps]
    with CLOCK.part("read"):
        rebuilt = rebuild(source, load_submission(path))
        points = _check_points(rebuilt.cells, dict(source.tests))

    if plain:
        transform = TransformerManager().transform_cell

        def run(text: str) -> dict[str, str]:
            try:
                exec(compile(transform(text), "<cell>", "exec"), shell.user_ns)  # (the benchmark's own batch)
            except BaseException:  # noqa: BLE001 — a cell's error is the cell's
                return {"status": "error"}
            return {"status": "ok"}
    else:
        run = child._cell_runner(shell.run_cell, child._close_figures(on_first_use.has_run), sys.stdout, sys.stderr)
    runs = [c for c in rebuilt.cells if c.runs]
    sources = [Source(c.index, c.source, student=c.origin != "source") for c in runs]
    functions = sorted({function_of(gid) for gid, _ in source.tests})
    reading = NotebookReading(contract=contract(functions))
    target = EngineTarget(shell.user_ns, reading, invoke_module.InputWatch())
    done = 0
    for upto, grade_ids in points + [(len(runs), [])]:
        for cell, src in zip(runs[done:upto], sources[done:upto]):
            with CLOCK.part("cells"):
                status = run(cell.source)["status"]
            with CLOCK.part("static"):
                reading.add(src, complete=status == "ok")
        if upto > done:  # (more cells ran: what they define counts from here, as the engine's target refreshes)
            target.refresh()
        done = max(done, upto)
        if not plain:
            for gid in grade_ids:
                with CLOCK.part("evaluate"):
                    evaluate_module.evaluate(checks[gid], target)


def _measure_set(notebooks: list[Path], ps: str, loaded: dict[str, Any], shell: Any, results: Path | None) -> dict:
    """In a process forked for problem set ``ps``: its first notebook graded once unmeasured (what a process's
    first grading loads and touches), then every notebook three ways: coarse (the layers' totals), fine (the
    checks' parts, with a timer each) and plain (the cells without the shell's ``run_cell``); each notebook in
    a fresh namespace. Returns ``{way: [{part: CPU seconds}, one per notebook]}``."""
    import warnings

    from autograder.model.results import read_result, write_results
    from autograder.perimeter.child_runtime import child

    state = child._OutputState(1 << 30)
    sys.stdout, sys.stderr = child.CountedOutput(state, 1), child.CountedOutput(state, 2)
    filters, err = list(warnings.filters), np.geterr()

    def fresh() -> None:
        shell.reset(new_session=False)
        warnings.filters[:] = filters
        np.seterr(**err)

    out: dict[str, list[dict]] = {}
    for way in ("warm-up", "coarse", "fine", "plain"):
        undo = _instrument(fine=way == "fine")
        try:
            for path in notebooks[:1] if way == "warm-up" else notebooks:
                fresh()
                _grade_here(path, ps, loaded, shell, plain=way == "plain")
                spent = CLOCK.reset()
                if way == "coarse" and results is not None:
                    found = results / path.parent.parent.name / ps / "results.json"
                    if found.exists():
                        data = read_result(found)
                        with tempfile.TemporaryDirectory() as tmp:
                            started = time.thread_time()
                            write_results(Path(tmp) / "results.json", data)
                            spent["result"] = time.thread_time() - started
                out.setdefault(way, []).append(spent)
        finally:
            undo()
    return out


def in_fork(measure: Callable[..., dict], *args: Any) -> dict:
    """``measure(*args)`` in a process forked from this one (what it runs leaves this process as it was)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            data = measure(*args)
        except BaseException as exc:  # noqa: BLE001
            import traceback

            data = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-2000:]}
        with os.fdopen(write, "wb") as pipe:
            pipe.write(json.dumps(data).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = json.loads(pipe.read() or b"{}")
    os.waitpid(pid, 0)
    if "error" in data:
        raise RuntimeError(f"{data['error']}\n{data.get('trace', '')}")
    return data


# --------------------------------------------------------------------------- processes


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _env() -> dict[str, str]:
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run_cpu(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float]:
    """``(wall seconds, CPU seconds)`` of ``cmd`` and everything it waited for."""
    before, started = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started, _children_cpu() - before


_START = """
import sys, resource
sys.path.insert(0, {root!r})
from autograder.commands import autograde
from autograder.engine.grading_run import load_assignment
from pathlib import Path
for ps in {sets!r}:
    load_assignment(Path({course!r}), ps)
r = resource.getrusage(resource.RUSAGE_SELF)
print(r.ru_utime + r.ru_stime)
"""


def grader_start(course: Path, sets: list[str]) -> float:
    """CPU seconds of the grader's imports and of loading the problem sets (checks, probes, references)."""
    out = subprocess.run([sys.executable, "-c", _START.format(root=str(ROOT), sets=sets, course=str(course))],
                         env=_env(), capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def _proc_cpu(pid: int) -> float:
    """CPU seconds of process ``pid`` and the children it reaped (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _rss_kb(pid: int) -> dict[str, int]:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {k: int(status[k].split()[0]) for k in ("VmRSS", "RssAnon", "RssFile") if k in status}


def zygote_costs(forks: int, forbidden: list[str]) -> dict[str, float]:
    """The zygote as the engine starts it: CPU of its start (imports, sandbox, guard), its resident size, and one
    child's cost (spawn, hello, kill and reap) over ``forks`` children, CPU of the zygote with what it reaped."""
    from autograder.perimeter.confinement.limits import Limits
    from autograder.perimeter.supervision.zygote_parent import Zygote

    zygote = Zygote(slots=1, prepare=forbidden, forbidden=forbidden)
    wall = time.perf_counter()
    zygote.start()
    try:
        pid = zygote.proc.pid  # type: ignore[union-attr]
        started = {"start_cpu": _proc_cpu(pid), "start_wall": time.perf_counter() - wall}
        rss = _rss_kb(pid)
        limits = Limits()
        zygote.kill(0, wait=True)  # (the spare child forked by then)
        cpu, wall = _proc_cpu(pid), time.perf_counter()
        for _ in range(forks):
            child = zygote.spawn(0, limits)
            child.request({"op": "defined", "function": "f"}, 10.0)
            child.close()
            zygote.kill(0, wait=True)
        per = {"fork_cpu": (_proc_cpu(pid) - cpu) / forks, "fork_wall": (time.perf_counter() - wall) / forks}
    finally:
        zygote.close()
    return {**started, **per, **{f"rss_{k}": v for k, v in rss.items()}}


def reports_cpu(results: Path) -> float:
    """CPU seconds of every report of a results folder (a copy), in a process of its own less its imports."""
    code = ("import sys, resource; sys.path.insert(0, {root!r})\n"
            "from autograder.reports.after_grading import write_reports\n"
            "def cpu():\n"
            "    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime\n"
            "before = cpu(); write_reports({results!r}, show=True); print(cpu() - before, file=sys.stderr)\n")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "results"
        shutil.copytree(results, copy)
        out = subprocess.run([sys.executable, "-c", code.format(root=str(ROOT), results=str(copy))], env=_env(),
                             capture_output=True, text=True, check=True)
    return float(out.stderr.split()[-1])


def nbgrader_sample(work: Path, submitted: Path, students: int, sets: list[str]) -> float:
    """CPU ms a notebook of ``nbgrader autograde`` on the first ``students`` students' notebooks."""
    from testkit.nbgrader_course import make_course, nbgrader_autograde

    course = make_course(work / "nbgrader-sample", sets)
    chosen = sorted({p.parent.parent.name for p in submitted.glob("*/*/*.ipynb")})[:students]
    n = 0
    for student in chosen:
        for ps in sets:
            found = submitted / student / ps
            if found.is_dir():
                shutil.copytree(found, course / "submitted" / student / ps)
                n += 1
    timing = nbgrader_autograde(course, n, log=work / "nbgrader-sample.log")
    return 1000 * timing.cpu / n


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=Path, default=None, metavar="DIR",
                        help="a batch kept by grading_throughput.py --keep DIR (default: generate one)")
    parser.add_argument("--students", type=int, default=30, metavar="N", help="students when generating (30)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR", help="keep the generated batch in DIR")
    parser.add_argument("--runs", type=int, default=2, metavar="R", help="runs of the whole command (least CPU kept)")
    parser.add_argument("--forks", type=int, default=60, metavar="N", help="children made to cost one (60)")
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="the command's workers")
    parser.add_argument("--assignment", action="append", choices=PROBLEM_SETS, metavar="ID", dest="assignments",
                        help="generate only this problem set's notebooks (repeatable; default: every problem set)")
    ref = parser.add_mutually_exclusive_group()
    ref.add_argument("--nbgrader-ms", type=float, default=None, metavar="MS",
                     help="nbgrader's CPU ms a notebook on this batch (from grading_throughput.py)")
    ref.add_argument("--nbgrader-sample", type=int, default=0, metavar="K",
                     help="grade the first K students' notebooks with nbgrader here for the ratio")
    args = parser.parse_args(argv)

    tmp = tempfile.TemporaryDirectory(prefix="probdl-phases-")
    work = Path(tmp.name)
    try:
        if args.batch is None:
            from benchmarks.grading_throughput import batch, build_batch
            from testkit.nbgrader_course import make_course

            keep = args.keep.resolve() if args.keep else work / "kept"
            chosen = [ps for ps in PROBLEM_SETS if ps in (args.assignments or PROBLEM_SETS)]
            course = make_course(keep / "engine-course", chosen, gradebook=False)
            build_batch(course / "submitted", batch(args.students, problem_sets=chosen), course)
        else:
            course = args.batch.resolve() / "engine-course"
        submitted = course / "submitted"
        notebooks = sorted((p, p.parent.name) for p in submitted.glob("*/*/*.ipynb"))
        sets = sorted({ps for _, ps in notebooks})
        n = len(notebooks)
        print(f"batch: {n} notebooks of {len(sets)} problem sets in {submitted}; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

        # the whole command, first (the results it writes are the reports' and results.json's input)
        whole = []
        for r in range(args.runs):
            out = work / f"results-{r}"
            cmd = [sys.executable, "-m", "autograder", "autograde", str(submitted), "--out", str(out),
                   "--course", str(course)] + (["--workers", str(args.workers)] if args.workers else [])
            whole.append(run_cpu(cmd))
            print(f"the whole command, run {r + 1}: {whole[-1][0]:.2f} s, {whole[-1][1]:.2f} CPU-s", flush=True)
        wall, cpu = min(whole, key=lambda t: t[1])
        results = work / "results-0"

        loaded = {ps: (load_source(course / "source" / ps / f"{ps}.ipynb", ps), checks_for(ps)) for ps in sets}
        for source, checks in loaded.values():  # references once, as a batch computes them
            for gid, _ in source.tests:
                for i in range(len(checks[gid].probes)):
                    evaluate_module.reference(checks[gid], i)
                carried_callees(checks[gid].function)
        load_tables()
        floor = work_floor(loaded)
        counts = {ps: sum(1 for _, s in notebooks if s == ps) for ps in sets}
        spent: dict[str, float] = {"work": sum(floor[ps][0] * counts[ps] for ps in sets)}

        from autograder.perimeter.child_runtime import child

        shell = child.make_shell()
        coarse: dict[str, float] = {}
        fine: dict[str, float] = {}
        calls = 0
        plain = 0.0
        for ps in sets:
            ways = in_fork(_measure_set, [p for p, s in notebooks if s == ps], ps, loaded, shell, results)
            for one in ways["coarse"]:
                calls += int(one.pop("calls", 0))
                for k, v in one.items():
                    coarse[k] = coarse.get(k, 0.0) + v
            for one in ways["fine"]:
                one.pop("calls", None)
                for k, v in one.items():
                    fine[k] = fine.get(k, 0.0) + v
            plain += sum(one.get("cells", 0.0) for one in ways["plain"])
        # the checks' parts as the fine pass split them, scaled to the checks' total measured without their timers
        checks_fine = sum(fine.get(k, 0.0) for k in (*BOOKKEEPING, "student"))
        checks_coarse = sum(coarse.get(k, 0.0) for k in ("evaluate", "invoke", "forbidden", "forbidden_read"))
        scale = checks_coarse / checks_fine if checks_fine else 0.0
        for k in (*BOOKKEEPING, "student"):
            spent[k] = fine.get(k, 0.0) * scale
        for k in ("wire", "cells", "read", "static", "result"):
            spent[k] = coarse.get(k, 0.0)

        forbidden = sorted({name for _, checks in loaded.values() for c in checks.values() for name in c.forbidden})
        zygote = zygote_costs(args.forks, forbidden)
        start = grader_start(course, sets) + zygote["start_cpu"]
        spent["start"] = start
        spent["reports"] = reports_cpu(results)
        accounted = sum(v for k, v in spent.items() if k not in ("work",))
        spent["boundary"] = max(0.0, cpu - accounted)

        ms = {k: 1000 * v / n for k, v in spent.items()}
        print(f"\nCPU ms a notebook, by layer ({n} notebooks; {calls / n:.0f} calls of student functions a notebook; "
              f"floor {sum(c for _, c in floor.values())} reference calls, one notebook of each set)")
        for key, label in LAYERS:
            print(f"{label:88s} {ms.get(key, 0.0):7.1f}")
            if key == "student":
                print(f"{'the checks bookkeeping, all of the parts below':88s} "
                      f"{sum(ms.get(k, 0.0) for k in BOOKKEEPING):7.1f}")
        print(f"{'  (of the cells: transform and exec alone, without the shell run_cell)':88s} {1000 * plain / n:7.1f}")
        print(f"{'  (the checks bookkeeping a call, microseconds)':88s} "
              f"{1e6 * sum(spent[k] for k in BOOKKEEPING) / max(calls, 1):7.1f}")
        print(f"{'  (the fine pass: its timers cost the checks, per cent)':88s} {100 * (1 / scale - 1) if scale else 0:7.1f}")
        print(f"{'the whole command (its CPU and its children, least of ' + str(args.runs) + ' runs)':88s} "
              f"{1000 * cpu / n:7.1f}")
        print(f"{'  its wall-clock, seconds':88s} {wall:7.2f}")
        print(f"\nthe zygote: {zygote['rss_VmRSS'] / 1024:.0f} MB resident ({zygote.get('rss_RssAnon', 0) / 1024:.0f} MB "
              f"anonymous), started in {zygote['start_wall']:.2f} s and {zygote['start_cpu']:.2f} CPU-s; a child "
              f"(spawn, hello, one request, kill): {1000 * zygote['fork_cpu']:.2f} CPU ms, "
              f"{1000 * zygote['fork_wall']:.2f} ms")
        floor_ms = ms["work"]
        print(f"the floor (the work itself): {floor_ms:.1f} CPU ms a notebook; the whole command is "
              f"{1000 * cpu / n / floor_ms:.1f}x the floor")
        nbgrader_ms = args.nbgrader_ms
        if nbgrader_ms is None and args.nbgrader_sample:
            nbgrader_ms = nbgrader_sample(work, submitted, args.nbgrader_sample, sets)
            print(f"nbgrader autograde on {args.nbgrader_sample} students' notebooks: {nbgrader_ms:.0f} CPU ms a notebook")
        if nbgrader_ms:
            print(f"nbgrader / the floor: {nbgrader_ms / floor_ms:.0f}x")
            print(f"CPU a notebook vs nbgrader: {nbgrader_ms / (1000 * cpu / n):.1f}x")
    finally:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
