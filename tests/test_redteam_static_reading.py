"""Red team: the static reading of a submission (autograder/reading/), attacked as a submission would attack it.

The surface: the grader reads every executed cell of a notebook in its trusted process — flags for a person,
forbidden uses, the purity cells' evidence — within a budget of its own work (docs/threat-model.md, "The static
reading"). Each test is an attack written as an attacker would write it, and asserts what must hold: time spent
outside the reading (cells that sleep, a neighbour's load) never spends its budget; what the reading could not read
is flagged where it stopped, the flags it raised before stay, and no purity cell graded after it rests on code the
grader did not read; a cell or a function built to be expensive costs its own notebook's cells, bounded in steps.
"""

from __future__ import annotations

import base64
import sys
import threading
import time

import numpy as np
import pytest

from autograder.engine.grade import grade_submission
from autograder.engine.grading_run import forbidden_names, load_assignment
from autograder.model import course
from autograder.model.notebook import cell_text, nbgrader_meta
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision.zygote_parent import default_hidden, interpreter_paths
from autograder.reading import notebook
from autograder.reading.budget import Budget
from autograder.reading.notebook import NotebookReading, Source
from testkit.fill import filled_release
from testkit.probe import ModeZygote
from tests import engine_helpers

PS = "ps1_softmax"
A = np.arange(6.0).reshape(2, 3)
#: exec of base64 text: what the grader cannot read, hidden from a text search too.
EXEC_HIDDEN = f"import base64\nexec(base64.b64decode({base64.b64encode(b'_seen = 1').decode()!r}))\n"
FRAMES = "import sys\n_caller = sys._getframe(0).f_code.co_name\n"
SLEEP = "import time\ntime.sleep(5.5)\n"
#: A function that works in place except when it sees it is graded (no construct of the table in it).
PURE_WHEN_GRADED = ("import os\nimport numpy as np\n\ndef softmax(z, axis=-1, temperature=1.0):\n"
                    "    x = np.asarray(z, dtype=float)\n    if os.getcwd().startswith('/sandbox'):\n"
                    "        x = x.copy()\n    x -= x.max(axis=axis, keepdims=True)\n    e = np.exp(x / temperature)\n"
                    "    return e / e.sum(axis=axis, keepdims=True)\n")
#: Honest statements by the thousand: what costs steps and nothing else.
PADDING = "".join(f"pad_{i} = [{i}, {i} + 1, ({i} * 2, 'x')]\n" for i in range(2000))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A course and one grader's zygote in the mode this process gets."""
    from types import SimpleNamespace

    e = SimpleNamespace(tmp=tmp_path_factory.mktemp("redteam-reading"))
    e.course = engine_helpers.make_course(e.tmp / "course", (PS,))
    e.loaded = load_assignment(e.course, PS)
    e.zygote = ModeZygote(hide=default_hidden(e.course), needed=interpreter_paths(), slots=1,
                          forbidden=forbidden_names([e.loaded[1]])).start()
    try:
        yield e
    finally:
        e.zygote.close()


def test_two_slow_cells_do_not_make_the_flags_vanish(env):
    """The attack of the report: two `time.sleep(5.5)` cells ahead of `exec(base64…)` and `sys._getframe` once
    exhausted a 10 s wall-clock budget, and the flags were replaced by the note a slow honest notebook gets. The
    budget now counts the reading's own work: both flags are raised, no budget note, and every purity cell graded
    after them is not earned on code the grader could not read."""
    nb = engine_helpers.submission(PS, correct=True, extra_after={"logsumexp": [SLEEP, SLEEP, EXEC_HIDDEN, FRAMES]})
    path = engine_helpers.write_notebook(env.tmp / "slow.ipynb", nb)
    source, checks = env.loaded
    data = grade_submission(path, "mallory", PS, source, checks, env.zygote, 0, Limits(timeout_s=10, memory_mb=1024),
                            env.zygote.sandbox).to_json()
    assert data["execution"]["duration_s"] >= 11, data["execution"]["duration_s"]  # (the cells did sleep)
    reasons = " | ".join(f["reason"] for f in data["flags"])
    assert "runs code built at run time: `exec`" in reasons and "reaches into running frames" in reasons, reasons
    assert "budget" not in reasons, reasons
    purity = {t["name"]: t for t in data["tests"] if t["name"].endswith("-purity")}
    assert purity and all(t["score"] == 0 and t["kind"] == "unverifiable" and "`exec`" in t["message"]
                          for t in purity.values()), {g: t["message"][:120] for g, t in purity.items()}
    others = [t for t in data["tests"] if not t["name"].endswith("-purity") and t["kind"] != "manual"]
    assert others and all(t["score"] == t["max_score"] for t in others), [t["name"] for t in others
                                                                           if t["score"] != t["max_score"]]


def test_time_outside_the_reading_costs_it_nothing():
    """Cells that sleep and a neighbour that burns CPU between two cells: the reading's budget counts its own
    thread's CPU time inside its own calls only, so both leave it as they found it."""
    stop = threading.Event()

    def burn():
        while not stop.is_set():
            sum(i * i for i in range(10_000))

    reading = NotebookReading(contract=course.FUNCTIONS[PS])
    burner = threading.Thread(target=burn, daemon=True)
    burner.start()
    try:
        reading.add(Source(0, FRAMES))
        spent = reading.budget.spent_cpu_s
        deadline = time.thread_time() + 0.3  # this thread busy outside the reading, as the grader's thread is
        while time.thread_time() < deadline:  # while it waits on a cell, checks a probe, computes a reference
            sum(i * i for i in range(10_000))
        time.sleep(0.3)
        reading.add(Source(1, EXEC_HIDDEN))
    finally:
        stop.set()
        burner.join()
    assert reading.budget.spent_cpu_s - spent < 0.25, (spent, reading.budget.spent_cpu_s)
    reasons = [f["reason"] for f in reading.flags]
    assert any("frames" in r for r in reasons) and any("`exec`" in r for r in reasons), reasons


def _cells(*texts):
    return [Source(i, text) for i, text in enumerate(texts)]


def test_a_notebook_built_to_exhaust_the_budget_gains_nothing():
    """Padding that spends the budget before a function that works in place except while graded: the cells past
    the budget are not read, a flag says where the reading stopped, the flag raised before it stays, and the
    purity cell of the function it hid is not earned (what the reading could not read counts against it)."""
    cost = NotebookReading([Source(0, PADDING)]).budget.spent_steps
    reading = NotebookReading(_cells(FRAMES, PADDING, PADDING, PURE_WHEN_GRADED), contract=course.FUNCTIONS[PS],
                              budget=Budget(steps=int(cost * 1.5)))
    reasons = [f["reason"] for f in reading.flags]
    assert any("frames" in r and f["cell"] == 0 for r, f in zip(reasons, reading.flags)), reasons
    assert any("ran out of its budget" in f["reason"] and f["cell"] == 2 for f in reading.flags), reading.flags
    kind, detail = reading.reading("softmax").verdict((A.copy(),))
    assert kind == "unverifiable" and "not read past cell 2" in detail, detail


def test_the_budget_is_the_same_on_every_host():
    """Steps, not seconds, decide: the same notebook spends the same steps every time it is read, and an honest
    notebook of the course spends a small part of the budget."""
    for ps in course.PROBLEM_SETS:
        nb = filled_release(ps)
        cells = [Source(i, cell_text(c), student=bool(nbgrader_meta(c).get("solution")))
                 for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
        first = NotebookReading(cells, contract=course.FUNCTIONS[ps])
        for fn in course.FUNCTIONS[ps]:
            first.reading(fn)
        again = NotebookReading(cells, contract=course.FUNCTIONS[ps])
        for fn in course.FUNCTIONS[ps]:
            again.reading(fn)
        assert first.budget.spent_steps == again.budget.spent_steps < first.budget.steps // 100, ps
        assert not first.budget.exhausted and not first.flags, (ps, first.flags)


def test_a_cell_too_long_to_read_hides_nothing():
    """A student's cell past the size cap is flagged, not read, and no purity cell after it is earned on the
    source (it may define the function); a course cell past it only is flagged."""
    huge = PURE_WHEN_GRADED + "#" + "x" * notebook.MAX_CELL_CHARS
    reading = NotebookReading(_cells(huge), contract=course.FUNCTIONS[PS])
    assert any("was not analysed" in f["reason"] for f in reading.flags), reading.flags
    kind, detail = reading.reading("softmax").verdict((A.copy(),))
    assert kind == "unverifiable" and "did not read" in detail, detail
    trusted = NotebookReading([Source(0, huge, student=False), Source(1, PURE_WHEN_GRADED)])
    assert trusted.reading("softmax").verdict((A.copy(),))[0] == "mutation"


def test_a_function_built_to_be_expensive_to_read_costs_its_own_cell_only():
    """Loops are read to a fixed point, and nested ones cost little more than their length (twenty nested loops
    shifting three names: under 1,000 steps). A loop whose names take longer than the reading's rounds to settle
    (a chain of sixty assignments written backwards, one more name reached per round) stops the reading of that
    function: its purity cell is not earned, and the notebook's other functions are read as usual."""
    body, indent = "", "    "
    for depth in range(20):
        body += f"{indent}for i{depth} in range(2):\n"
        indent += "    "
    nested = (f"import numpy as np\n\ndef softmax(z, axis=-1, temperature=1.0):\n    y = w = v = 0.0\n{body}"
              f"{indent}y = w\n{indent}w = v\n{indent}v = z\n    return y + 1.0\n")
    assert NotebookReading([nested]).reading("softmax").steps < 1_000
    chain = "".join(f"        v{i + 1} = v{i}\n" for i in reversed(range(60)))
    costly = ("import numpy as np\n\ndef softmax(z, axis=-1, temperature=1.0):\n    v0 = z\n"
              f"    for _ in range(3):\n{chain}    return np.exp(z)\n")
    honest = "import numpy as np\n\ndef log_softmax(z, axis=-1):\n    z = z - z.max()\n    return z\n"
    reading = NotebookReading(_cells(costly, honest), contract=course.FUNCTIONS[PS])
    kind, detail = reading.reading("softmax").verdict((A.copy(),))
    assert kind == "unverifiable" and "could not finish reading" in detail, detail
    assert reading.reading("log_softmax").verdict((A.copy(),)) == ("", "")


def test_a_cell_nested_too_deeply_is_flagged_and_never_an_error():
    """An expression nested past what the reading's recursion allows: no exception reaches the grader; the
    function's purity cell is not earned, and the notebook's other cells are read."""
    deep = "import numpy as np\ndef softmax(z, axis=-1, temperature=1.0):\n    return " + "-" * 2000 + "z\n"
    reading = NotebookReading(_cells(deep, FRAMES), contract=course.FUNCTIONS[PS])
    kind, detail = reading.reading("softmax").verdict((A.copy(),))
    assert kind == "unverifiable", detail
    assert any("frames" in f["reason"] for f in reading.flags), reading.flags


def test_flags_are_bounded_and_cannot_push_out_the_first_ones():
    """Hundreds of flagged constructs: at most MAX_FLAGS flags, each bounded, the first ones kept."""
    many = FRAMES + "".join(f"open('/proc/self/fd/{i}')\n" for i in range(300)) + "x = '" + "/proc/" * 1000 + "'\n"
    reading = NotebookReading(_cells(many))
    assert len(reading.flags) == notebook.MAX_FLAGS and "frames" in reading.flags[0]["reason"], reading.flags[:2]
    assert all(len(f["reason"]) <= notebook.MAX_REASON for f in reading.flags)


def test_the_budget_refuses_what_is_not_a_budget():
    """A budget is steps and seconds, both positive: anything else is refused with the argument named."""
    for steps, cpu in ((0, 1.0), (10, 0.0), (-5, 1.0)):
        with pytest.raises(ValueError, match="steps=|cpu_s="):
            Budget(steps=steps, cpu_s=cpu)


#: One line IPython runs that plain Python does not parse: the autocall escape `/f x` is `f(x)`.
IPYTHON_ONLY = "/print 'ran'\n"
#: Comments enough to put a cell past the characters IPython's transformer is given (pysource.MAX_IPYTHON_CHARS).
LONG_COMMENTS = "".join(f"# {'notes ' * 12}{i}\n" for i in range(300))


def _grade_attack(env, name, cells_before, solution):
    """The notebook graded by the engine: ``solution`` as softmax's cell, ``cells_before`` at the top."""
    nb = engine_helpers.submission(PS, {"softmax": solution}, correct=True, extra_before=cells_before)
    path = engine_helpers.write_notebook(env.tmp / f"{name}.ipynb", nb)
    source, checks = env.loaded
    data = grade_submission(path, "mallory", PS, source, checks, env.zygote, 0, Limits(timeout_s=20, memory_mb=1024),
                            env.zygote.sandbox).to_json()
    return data, {t["name"]: t for t in data["tests"]}


def test_a_long_cell_in_ipython_syntax_is_not_taken_for_one_that_runs_nothing(env):
    """The attack: a solution cell over 20,000 characters (comments) with one line only IPython reads (`/print 'ran'`).
    Before, the grader read it as a syntax error that runs nothing — while the notebook's IPython ran it: the `exec`
    in it went unflagged and the function that writes its input except while graded earned its purity cell. Now the
    cell is flagged as not read, and no purity cell graded after it is earned; the function's values still count."""
    data, tests = _grade_attack(env, "ipython-only", None, LONG_COMMENTS + PURE_WHEN_GRADED + EXEC_HIDDEN + IPYTHON_ONLY)
    reasons = " | ".join(f["reason"] for f in data["flags"])
    assert "was not analysed (over 20,000 characters and not plain Python" in reasons, reasons
    assert tests["softmax-basic"]["score"] == tests["softmax-basic"]["max_score"], tests["softmax-basic"]["message"]
    for gid in ("softmax-purity", "log_softmax-purity"):
        assert tests[gid]["score"] == 0 and tests[gid]["kind"] == "unverifiable", (gid, tests[gid]["message"])
        assert "could not read" in tests[gid]["message"], tests[gid]["message"]


def test_a_cell_too_deep_for_the_grader_but_not_for_the_notebook_is_not_read_as_nothing(env):
    """The attack: the notebook raises its own recursion limit, then its solution cell holds an expression nested
    4,000 deep. Under CPython 3.11 the notebook's IPython parses it while the grader's `ast.parse` (bounded by the
    grader's recursion limit) cannot, and the grader used to read the cell as a syntax error that runs nothing:
    no flag, and the function that writes its input except while graded earned its purity cell. Now the cell is
    flagged, the purity cells after it are not earned, and the function's values still count. (CPython 3.12 and
    later bound the parser by a limit of its own — a C recursion limit, the C stack on 3.14 — that the notebook's
    `sys.setrecursionlimit` does not move: there the grader reads the cell, and finds the `exec` in it, as the
    notebook runs it. Either way the cell is not read as nothing.)"""
    deep = f"_padding = {'-' * 4000}1\n"
    data, tests = _grade_attack(env, "too-deep", ["import sys\nsys.setrecursionlimit(50_000)\n"],
                                PURE_WHEN_GRADED + EXEC_HIDDEN + deep)
    reasons = " | ".join(f["reason"] for f in data["flags"])
    not_read, read = "was not analysed (nested too deeply to be read)", "runs code built at run time: `exec`"
    assert (not_read in reasons) != (read in reasons), reasons
    if sys.version_info < (3, 12):  # (the grader's parse is bounded by its recursion limit: the attack is there)
        assert not_read in reasons, reasons
    assert tests["softmax-basic"]["score"] == tests["softmax-basic"]["max_score"], tests["softmax-basic"]["message"]
    for gid in ("softmax-purity", "log_softmax-purity"):
        assert tests[gid]["score"] == 0 and tests[gid]["kind"] == "unverifiable", (gid, tests[gid]["message"])


def test_a_failed_parse_for_depth_is_neither_kept_nor_read_as_a_syntax_error(monkeypatch):
    """How deep a tree `ast.parse` builds depends on where it is called from (CPython 3.11 counts the recursion
    limit from the caller's depth; 3.14 bounds it by the C stack), so a failure for depth is not cached — a later
    reader, from a shallower stack, parses it — and it is told apart from a syntax error; a long syntax error and a
    short one in IPython syntax keep their readings."""
    from autograder.model import pysource
    from autograder.reading.cells import TOO_DEEP, read_cell

    too_deep_anywhere = f"x = {'-' * 12_000}1\n"  # (past the parser's own stack on every CPython the product runs on)
    assert pysource.parse_checked(too_deep_anywhere) == (None, True)
    assert read_cell(too_deep_anywhere).unreadable == TOO_DEEP

    deep, real_parse, from_deep_stack = f"x = {'-' * 2500}1\n", pysource.ast.parse, [True]

    def parse(code, *args, **kwargs):  # (what `ast.parse` does with this cell called from a deep stack on 3.11)
        if from_deep_stack[0] and code == deep:
            raise RecursionError("maximum recursion depth exceeded during ast construction")
        return real_parse(code, *args, **kwargs)

    monkeypatch.setattr(pysource.ast, "parse", parse)
    assert (pysource.parse_checked(deep), read_cell(deep).unreadable) == ((None, True), TOO_DEEP)
    from_deep_stack[0] = False
    tree, too_deep = pysource.parse_checked(deep)
    assert tree is not None and not too_deep and read_cell(deep).unreadable == "" and read_cell(deep).tree is not None
    assert pysource.parse_checked("def f(:\n") == (None, False)
    assert read_cell("def f(:\n").unreadable == "" and read_cell(LONG_COMMENTS + "def f(:\n").unreadable
    assert read_cell(IPYTHON_ONLY).unreadable == "" and read_cell(IPYTHON_ONLY).tree is not None


def test_a_second_grading_thread_never_reads_the_library_tables_half_filled(monkeypatch):
    """Two grading threads' first readings at once (a Dask worker's threads; a local batch fills the tables before
    its threads start): the one that came second saw the table of library names half filled, read
    `numpy.random.mtrand.shuffle` as no table's function — a write into the argument missed — and its reading was
    kept for every notebook with the same cells. Now the second waits for the table."""
    from autograder.reading import library

    monkeypatch.setattr(library, "_CANONICAL", {})
    real, started, asked = library.resolve, threading.Event(), threading.Event()

    def slow(dotted):  # (the first thread, past its first names, waits a while for the second to ask)
        if dotted != "numpy.random.mtrand.shuffle" and started.is_set():
            asked.wait(2)
        started.set()
        return real(dotted)

    monkeypatch.setattr(library, "resolve", slow)
    filling = threading.Thread(target=library.canonical, args=("builtins.len",))
    filling.start()
    started.wait(10)
    time.sleep(0.1)
    seen = [None]
    second = threading.Thread(target=lambda: seen.__setitem__(0, library.canonical("numpy.random.mtrand.shuffle")))
    second.start()
    second.join(0.5)
    asked.set()
    second.join(10)
    filling.join(10)
    assert seen[0] == "numpy.random.shuffle", seen
