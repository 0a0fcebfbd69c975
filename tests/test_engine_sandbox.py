"""The sandbox with real children: confinement, attacks that must not pay, and processes that misbehave.

Every submission here is graded by the real engine (zygote, sandboxed child,
trusted checks); the helpers build notebooks from ``{function: source}`` and
extra cells, so further robustness cases are one test each.
"""

import itertools
import json
import os
import time

import pytest

from autograder.engine.grade import grade_submission
from autograder.engine.grading_run import forbidden_names, load_assignment
from autograder.model import course
from autograder.model.course import ROOT
from autograder.perimeter.confinement import namespaces, processes
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision.zygote_parent import default_hidden
from testkit.probe import ProbeZygote, printed, run_cell
from tests import engine_helpers

PS = "ps1_softmax"
MAX = course.autograded_max_score(PS)  # full marks the engine gives; the answer cells await a person
FAST = Limits(timeout_s=1.5, memory_mb=1024)
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (uid drop, namespaces)")
_counter = itertools.count()


class Env:
    pass


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    e = Env()
    e.tmp = tmp_path_factory.mktemp("sandbox")
    e.course = engine_helpers.make_course(e.tmp / "course")
    e.source, e.checks = load_assignment(e.course, PS)
    e.zygote = ProbeZygote(hide=default_hidden(e.course), slots=2, forbidden=forbidden_names([e.checks])).start()
    yield e
    e.zygote.close()


def grade(env, nb, limits=FAST, slot=0):
    path = engine_helpers.write_notebook(env.tmp / f"nb{next(_counter)}.ipynb", nb)
    return grade_submission(path, "mallory", PS, env.source, env.checks, env.zygote, slot, limits,
                            env.zygote.sandbox).to_json()


def points(data, function):
    return sum(t["score"] for t in data["tests"] if course.function_of(t["name"]) == function and t["kind"] != "manual")


def max_points(function):
    return sum(p for gid, p in course.GRADE_CELLS[PS] if course.function_of(gid) == function)


def with_extra(cell, after="imports"):
    """A correct submission with one extra cell after ``after``."""
    return engine_helpers.submission(PS, correct=True, extra_after={after: [cell]})


def extra_cell(data):
    return next(c for c in data["execution"]["cells"] if c["grade_id"] is None)


# --- what the child can and cannot do ------------------------------------------------------------


def test_the_zygote_never_imports_the_trusted_side(env):
    modules = env.zygote.modules()
    assert "numpy" in modules and "scipy.stats" in modules and "IPython" in modules
    untrusted_side = ("autograder.perimeter.confinement", "autograder.perimeter.child_runtime",
                      "autograder.perimeter.guard")
    leaked = [m for m in modules if m.split(".")[0] == "solutions"
              or (m.startswith("autograder.") and m != "autograder.perimeter"
                  and not m.startswith(untrusted_side))]
    assert leaked == []  # (the perimeter's trusted half, autograder.perimeter.supervision, included)


def test_the_modules_the_reading_takes_as_loaded_are_loaded_before_student_code(env):
    """The static reading's "writes files and imports" rule skips the modules it takes as loaded before any student
    code runs (``reading.names.LOADED_MODULES``): a file the notebook writes cannot take their names only if they
    really are in every child's ``sys.modules``. (``cmath`` and ``selfcheck`` were listed, and are not.)"""
    from autograder.reading.names import LOADED_MODULES

    modules = set(env.zygote.modules())
    assert sorted(LOADED_MODULES - modules) == []


def test_the_modules_a_child_answers_with_are_unreachable_by_name(env):
    """The guard, ``invoke`` and the modules beside it are out of the zygote's ``sys.modules`` (so out of every
    child's): student code cannot reach the copies the child answers with (nor the pinned names) by name."""
    from autograder.perimeter.child_runtime.preload import CALL_MODULES, GUARD_MODULES

    modules = env.zygote.modules()
    assert len(CALL_MODULES) == 5 and "autograder.perimeter.child_runtime.child" in modules
    assert "autograder.perimeter.guard.arming" in GUARD_MODULES and len(GUARD_MODULES) == 5
    assert [m for m in (*CALL_MODULES, *GUARD_MODULES) if m in modules] == []


def test_importing_the_call_modules_loads_only_them():
    """The perimeter's packages import nothing eagerly: the zygote's normal import of ``invoke`` and the modules
    beside it (``preload.CALL_MODULES``) stays a leaf; ``invoke`` alone loads itself only."""
    import subprocess
    import sys

    from autograder.perimeter.child_runtime.preload import CALL_MODULES

    def loaded(names):
        code = (f"import sys, importlib\nfor n in {list(names)!r}: importlib.import_module(n)\n"
                "print('\\n'.join(m for m in sys.modules if m.startswith(('autograder', 'solutions'))))")
        return sorted(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                     check=True).stdout.split())

    packages = ["autograder", "autograder.perimeter", "autograder.perimeter.child_runtime"]
    assert loaded(["autograder.perimeter.child_runtime.invoke"]) == sorted(
        [*packages, "autograder.perimeter.child_runtime.invoke"])
    assert loaded([CALL_MODULES[-1]]) == sorted([*packages, "autograder.perimeter.guard", *CALL_MODULES])


PROBE = r'''
import json, os, resource, socket, sys
facts = {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
         "cwd": os.getcwd(), "home": os.environ.get("HOME"), "sid_is_pid": os.getsid(0) == os.getpid(),
         "as": resource.getrlimit(resource.RLIMIT_AS)[0], "core": resource.getrlimit(resource.RLIMIT_CORE)[0],
         "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
         "oom_score_adj": open("/proc/self/oom_score_adj").read().strip()}
def attempt(name, fn):
    try:
        fn()
        facts[name] = "allowed"
    except BaseException as exc:
        facts[name] = type(exc).__name__
attempt("import_solutions", lambda: __import__("solutions.ps1_softmax"))
attempt("import_checks", lambda: __import__("autograder.checks.ps1_softmax"))
attempt("read_solutions", lambda: open(SOLUTIONS).read())
attempt("read_source", lambda: open(SOURCE).read())
attempt("list_course", lambda: os.listdir(COURSE) and None if os.listdir(COURSE) else 1 / 0)
attempt("write_outside", lambda: open("/etc/autograder-was-here", "w"))
def connect():
    s = socket.socket(); s.settimeout(1); s.connect(("1.1.1.1", 53))
attempt("network", connect)
attempt("setuid_root", lambda: os.setuid(0))
print("FACTS" + json.dumps(facts))
'''


def test_the_child_is_confined(env):
    child = env.zygote.spawn(1, FAST)
    try:
        code = (f"SOLUTIONS = {str(ROOT / 'solutions' / 'ps1_softmax.py')!r}\n"
                f"SOURCE = {str(env.course / 'source' / PS / (PS + '.ipynb'))!r}\n"
                f"COURSE = {str(env.course)!r}\n" + PROBE)
        assert run_cell(child, code, 10)["status"] == "ok"
        text = printed(child)
    finally:
        child.close()
        env.zygote.kill(1)
    facts = json.loads(text.split("FACTS", 1)[1].splitlines()[0])
    assert facts["sid_is_pid"] and facts["core"] == 0 and facts["as"] == FAST.memory_mb * 1024 * 1024
    # first in line for the out-of-memory killer, in every mode (root and userns used to write it to the zygote's
    # /proc, which the child had unmounted: it silently stayed 0)
    assert facts["oom_score_adj"] == "1000" and child.sandbox.get("oom_score_adj") == 1000, child.sandbox
    assert facts["import_solutions"] == "ModuleNotFoundError"
    assert facts["import_checks"] == "ModuleNotFoundError"
    assert facts["write_outside"] in ("PermissionError", "OSError")
    assert facts["home"] == facts["cwd"]
    mode = env.zygote.sandbox["mode"]
    if mode == "root":
        assert facts["uid"] == facts["euid"] == facts["gid"] == env.zygote.sandbox["uids"][1] != 0
        assert facts["groups"] == [] and facts["setuid_root"] == "PermissionError"
    if mode in ("root", "userns"):
        assert facts["read_solutions"] == "FileNotFoundError"  # hidden by an empty tmpfs
        assert facts["read_source"] == "FileNotFoundError"
        assert facts["list_course"] in ("ZeroDivisionError", "FileNotFoundError")  # empty or gone
        assert facts["network"] == "OSError"  # no interface is up in the child's network namespace
    if mode == "root":  # a uid of its own: its process limit is the submission's
        assert facts["nproc"] == FAST.nproc
    if mode == "userns":  # the grader's uid, whose processes count too: the limit is that many more
        assert facts["nproc"] > FAST.nproc


def test_magics_plots_and_shell_commands_work(env):
    nb = engine_helpers.submission(PS, correct=True, extra_after={"softmax": [
        "%matplotlib inline\nfig, ax = plt.subplots()\nax.plot(softmax([1.0, 2.0, 3.0]))\nplt.show()",
        "!echo hello from the shell\nfiles = !ls\n%time total = softmax([0.0, 1.0]).sum()",
        "import matplotlib\nmatplotlib.use('Agg')\nplt.figure(); plt.hist([1, 2, 2, 3]); plt.savefig('hist.png')",
    ]})
    data = grade(env, nb)
    assert [c["status"] for c in data["execution"]["cells"]] == ["ok"] * 7, data["execution"]["cells"]
    assert data["score"] == MAX


def test_pyplot_runs_in_a_child_only_when_its_code_uses_it(env):
    """The set-up cell's ``import matplotlib.pyplot as plt`` and ``%matplotlib inline`` leave ``pyplot`` not run (issue
    85: the zygote no longer imports it, 0.2 s and 15 MB of every fork); the first figure runs it, with figures
    neither shown nor laid out, as the zygote had them before; ``%matplotlib`` then switches to Agg as it did."""
    state = "import sys\nSTATE = type(sys.modules['matplotlib.pyplot']).__name__\nprint('STATE', STATE)\n"
    child = env.zygote.spawn(1, FAST)
    try:
        assert run_cell(child, engine_helpers.IMPORTS + "%matplotlib inline\n" + state, 10)["status"] == "ok"
        assert run_cell(child, "from matplotlib import pyplot\nimport matplotlib.pyplot\n" + state, 10)["status"] == "ok"
        figure = ("fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.show()\nfig.tight_layout()\n"
                  "assert plt.show.__name__ == fig.tight_layout.__name__ == '<lambda>'\n")
        assert run_cell(child, figure + state, 10)["status"] == "ok"
        assert run_cell(child, "%matplotlib inline\nimport matplotlib\nassert matplotlib.get_backend().lower() == 'agg'\n",
                        10)["status"] == "ok"
        seen = [line.split()[1] for line in printed(child).splitlines() if line.startswith("STATE")]
    finally:
        child.close()
        env.zygote.kill(1)
    assert seen == ["_NotRunYet", "_NotRunYet", "module"], seen
    assert "matplotlib.figure" not in env.zygote.modules()  # (pyplot's own import: it never ran in the zygote)


# --- attacks: whatever the child believes, the parent judges ------------------------------------

WRONG_SOFTMAX = "def softmax(z, axis=-1, temperature=1.0):\n    return np.zeros_like(np.asarray(z, dtype=float))\n"

ATTACKS = {
    "numpy-comparisons": "np.allclose = lambda *a, **k: True\nnp.isfinite = lambda x: np.ones(np.shape(x), bool)\n"
                         "np.array_equal = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n",
    "builtins": "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.len = lambda *a: 0\n"
                "builtins.AssertionError = type('Nope', (Exception,), {})\n",
    "sys-modules": "import sys, types\nsys.modules['numpy.testing'] = types.ModuleType('x')\n"
                   "sys.modules['copy'] = types.ModuleType('copy')\nsys.modules['warnings'] = types.ModuleType('w')\n",
    "invoke-internals": "import gc\nfor f in [o for o in gc.get_objects() if getattr(o, '__name__', '') == 'to_plain']:\n"
                        "    f.__code__ = (lambda value, _depth=0: value).__code__\n",
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_cheating_in_the_child_raises_no_score(env, attack):
    honest = MAX - max_points("softmax")
    data = grade(env, engine_helpers.submission(PS, {"softmax": WRONG_SOFTMAX + ATTACKS[attack]}, correct=True))
    assert points(data, "softmax") == 0
    assert data["score"] <= honest


def test_hiding_a_forbidden_import_through_sys_modules_is_still_detected(env):
    sneaky = ("from scipy.special import softmax as _sm\nimport sys, types\n"
              "sys.modules['scipy.special'] = types.ModuleType('scipy.special')\n"
              "def softmax(z, axis=-1, temperature=1.0):\n"
              "    if temperature <= 0:\n        raise ValueError('temperature')\n"
              "    return _sm(np.asarray(z, dtype=float) / temperature, axis=axis)\n")
    data = grade(env, engine_helpers.submission(PS, {"softmax": sneaky}, correct=True))
    softmax_tests = [t for t in data["tests"] if course.function_of(t["name"]) == "softmax"]
    assert all(t["kind"] == "forbidden" and "scipy.special.softmax" in t["message"] for t in softmax_tests)
    # replacing modules in sys.modules changes what later cells import: no purity cell graded after it (log_softmax's;
    # logsumexp's was graded before the cell ran) can be vouched for from the source
    lost = [t for t in data["tests"] if t["score"] == 0 and course.function_of(t["name"]) != "softmax"]
    assert [t["name"] for t in lost] == ["log_softmax-purity"], lost
    assert lost[0]["kind"] == "unverifiable" and "sys.modules" in lost[0]["message"], lost[0]["message"]
    assert data["score"] == MAX - max_points("softmax") - 1


def test_a_return_value_whose_unpickling_runs_code_is_never_unpickled(env):
    marker = env.tmp / "pwned"
    evil = ("import os\nclass Evil:\n    def __reduce__(self):\n"
            f"        return (os.system, ('touch {marker}',))\n"
            "def softmax(z, axis=-1, temperature=1.0):\n    return Evil()\n")
    evil_array = evil.replace("def softmax(z, axis=-1, temperature=1.0):\n    return Evil()",
                              "def log_softmax(z, axis=-1):\n    return np.array([Evil()], dtype=object)")
    data = grade(env, engine_helpers.submission(PS, {"softmax": evil, "log_softmax": evil_array}, correct=True))
    assert points(data, "softmax") == 0 and points(data, "log_softmax") == 0
    kinds = {t["kind"]: t["message"] for t in data["tests"] if course.function_of(t["name"]) == "softmax"}
    # "stub": the purity cell's verdict on a function that returns no numbers
    assert set(kinds) <= {"type", "wrong-exception", "no-raise", "stub"} and "type" in kinds, kinds
    assert not marker.exists()


# --- processes that misbehave ---------------------------------------------------------------------


def test_an_endless_loop_in_a_function_fails_only_that_function(env):
    start = time.monotonic()
    data = grade(env, engine_helpers.submission(PS, {"softmax": "def softmax(z, axis=-1, temperature=1.0):\n"
                                                         "    while True:\n        pass\n"}, correct=True))
    softmax_tests = [t for t in data["tests"] if course.function_of(t["name"]) == "softmax"]
    assert all(t["status"] == "failed" and t["kind"] == "timeout" for t in softmax_tests)
    assert data["score"] == MAX - max_points("softmax")
    assert time.monotonic() - start < 3 * FAST.timeout_s + 10  # two strikes, then no more calls


def test_an_endless_loop_at_top_level_is_stopped_and_the_rest_runs(env):
    data = grade(env, with_extra("while True:\n    pass\n"))
    cell = extra_cell(data)
    assert cell["status"] == "timeout" and "did not finish" in cell["error"]
    assert data["score"] == MAX
    assert any("fresh process" in n for n in data["notes"])


@pytest.mark.parametrize("cell,status,error", [
    ("import os\nos._exit(3)\n", "error", "exited with code 3"),
    ("import sys\nsys.exit(4)\n", "error", "SystemExit: 4"),
    ("import faulthandler\nfaulthandler._sigsegv()\n", "error", "segmentation fault"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "error", "SIGKILL"),
    ("chunks = []\nwhile True:\n    chunks.append(bytearray(64 * 1024 * 1024))\n", "error", "MemoryError"),
    ("import numpy as np\nhuge = np.ones((1 << 40,))\n", "error", "MemoryError"),
    ("this is not python\n", "error", "NameError"),  # IPython's autocall is off: it is a name
    ("def f(:\n    pass\n", "error", "SyntaxError"),
    ("exit()\n", "error", "SystemExit"),
    ("name = input('name? ')\n", "error", "EOFError"),
    ("import json\njson.dumps = lambda *a, **k: '{}'\njson.loads = lambda *a, **k: {}\n", "ok", ""),
    ("%%capture captured\nprint('not shown')\n", "ok", ""),
    ("import sys\nsys.stdout = None\nsys.stderr = None\n", "ok", ""),
    # a binary write takes bytes, as a real stream does: an int is refused, not 10 GB of zeros allocated
    ("import sys\nsys.stdout.buffer.write(b'x' * 1000)\nsys.stdout.buffer.write(10**10)\n", "error", "TypeError"),
])
def test_a_cell_that_crashes_or_fails_costs_nothing_else(env, cell, status, error):
    data = grade(env, with_extra(cell), limits=Limits(timeout_s=8, memory_mb=1024))
    got = extra_cell(data)
    assert got["status"] == status and error in got["error"], got
    assert data["score"] == MAX, [t["output"] for t in data["tests"] if t["status"] != "passed"]


def test_a_function_that_kills_the_process_fails_with_a_reason(env):
    data = grade(env, engine_helpers.submission(PS, {"log_softmax": "import os\ndef log_softmax(z, axis=-1):\n"
                                                             "    os._exit(9)\n"}, correct=True))
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    assert failed and all(t["kind"] == "crashed" and "exited with code 9" in t["message"] for t in failed)
    assert data["score"] == MAX - max_points("log_softmax")


def test_printing_100_mb_is_capped(env):
    data = grade(env, with_extra("print('x' * 100_000_000)\nfor i in range(100):\n    print('y' * 100_000)\n"))
    assert extra_cell(data)["status"] == "ok"
    assert data["execution"]["stdout_truncated"] is True
    assert data["score"] == MAX


def test_a_bounded_fork_bomb_is_contained(env):
    bomb = ("import os, time\nkids = 0\nfor i in range(500):\n    try:\n        pid = os.fork()\n"
            "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(60)\n        os._exit(0)\n"
            "    kids += 1\n")
    data = grade(env, with_extra(bomb))
    assert extra_cell(data)["status"] == "ok"
    assert data["score"] == MAX
    if env.zygote.sandbox["mode"] != "weak":
        assert_slot_is_empty(env, 0)


def assert_slot_is_empty(env, slot, within=5.0):
    """No process of the slot is alive (root: of its uid; userns: in its children's PID namespaces), except the
    spare child the zygote forked for the next submission."""
    uid = env.zygote.sandbox["uids"][slot] if env.zygote.sandbox["mode"] == "root" else None
    deadline = time.monotonic() + within
    while True:
        alive = env.zygote.slot_processes(slot)
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert alive == [], f"processes of slot {slot} (uid {uid}) still alive after {within:g} s: {described(alive)}"
    if uid is not None:
        spares = [p for p, s in processes.uid_processes(uid, "/proc").items() if s != "Z"]
        assert len(spares) <= 1, f"more than the spare child of slot {slot} (uid {uid}): {described(spares)}"


def described(pids) -> list:
    """``pid: state, parent, command line`` of each of ``pids`` as this process sees them (a failure's message:
    what was left, and whether it was dying or a spare child just starting)."""
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                command = fh.read(200).replace(b"\0", b" ").decode(errors="replace").strip()
            out.append(f"{pid}: state {fields[0].decode()}, parent {int(fields[1])}, {command!r}")
        except (OSError, IndexError):
            out.append(f"{pid}: gone")
    return out


def test_a_daemon_that_escaped_with_setsid_is_killed(env):
    if env.zygote.sandbox["mode"] == "weak":
        pytest.skip("weak mode: see tests/test_engine_robustness.py::test_the_weak_fallback_still_grades_and_kills_escaped_processes")
    daemon = ("import os, time\npid = os.fork()\nif pid == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
              "        while True:\n            time.sleep(0.01)\n    os._exit(0)\nos.waitpid(pid, 0)\n")
    data = grade(env, with_extra(daemon), slot=1)
    assert extra_cell(data)["status"] == "ok", extra_cell(data)
    assert data["score"] == MAX, [(t["name"], t["score"], t.get("message")) for t in data["tests"]]
    assert_slot_is_empty(env, 1)


def test_look_ahead_answers_that_were_not_needed_never_count(env):
    """Probes go out as a stream, but only the answers a check consumes count, as if called one by one.

    This logsumexp is wrong on [1, 2, 3] and hangs on (4, 5) inputs reduced over their last axis. A check
    that fails on [1, 2, 3] first must not be charged for the hang that the
    look-ahead ran into afterwards (it would make a strike, and the function
    would stop being called).
    """
    source = ("def logsumexp(z, axis=-1):\n"
              "    x = np.asarray(z, dtype=float)\n"
              "    if x.shape == (4, 5) and axis in (-1, 1):\n        while True:\n            pass\n"
              "    if x.tolist() == [1.0, 2.0, 3.0]:\n        return np.float64(0.0)\n"
              "    m = np.max(x, axis=axis, keepdims=True)\n"
              "    m = np.where(np.isfinite(m), m, 0.0)\n"
              "    with np.errstate(divide='ignore'):\n"
              "        return np.squeeze(m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)), axis=axis)\n")
    import numpy as np

    expected, strikes = {}, 0
    for gid, _ in course.GRADE_CELLS[PS]:
        if course.function_of(gid) != "logsumexp":
            continue
        verdict = "passed"
        for probe in env.checks[gid].probes:
            if strikes >= 2:
                verdict = "failed"
                break
            z = np.asarray(probe.args[0], dtype=float)
            if z.shape == (4, 5) and probe.kwargs.get("axis", -1) in (-1, 1):
                strikes += 1
                verdict = "timeout"
                break
            if z.tolist() == [1.0, 2.0, 3.0] and env.checks[gid].compare_values:  # (a -shape cell judges no value)
                verdict = "failed"
                break
        expected[gid] = verdict
    assert "timeout" in expected.values() and "passed" in expected.values()  # the case is meaningful

    data = grade(env, engine_helpers.submission(PS, {"logsumexp": source}, correct=True))
    got = {t["name"]: ("timeout" if t["kind"] == "timeout" else t["status"]) for t in data["tests"]
           if course.function_of(t["name"]) == "logsumexp" and t["kind"] != "manual"}
    assert got == expected, data["notes"]
    assert data["score"] == MAX - sum(p for gid, p in course.GRADE_CELLS[PS] if expected.get(gid, "passed") != "passed")


def test_blinding_the_bytecode_inspection_in_the_child_does_not_hide_a_forbidden_call(env):
    sneaky = ("import dis, builtins\nfrom scipy.special import softmax as _sm\n"
              "dis.get_instructions = lambda *a, **k: iter(())\n"
              "def softmax(z, axis=-1, temperature=1.0):\n"
              "    if temperature <= 0:\n        raise ValueError('temperature')\n"
              "    return _sm(np.asarray(z, dtype=float) / temperature, axis=axis)\n")
    data = grade(env, engine_helpers.submission(PS, {"softmax": sneaky}, correct=True))
    softmax_tests = [t for t in data["tests"] if course.function_of(t["name"]) == "softmax"]
    assert all(t["kind"] == "forbidden" for t in softmax_tests), [t["message"] for t in softmax_tests]
    assert data["score"] == MAX - max_points("softmax")


# --- as root: a child's PID namespace begins with a thin init ---------------------------------------------------

NAMESPACE_FACTS = r'''
import json, os
print("NS" + json.dumps({"pid": os.getpid(), "init": open("/proc/1/cmdline", "rb").read().decode(),
                         "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}))
'''


def namespace_init_of(zygote_pid: int, child_pid: int):
    """The host pid of the init of ``child_pid``'s PID namespace: a child of the zygote in that namespace other
    than ``child_pid`` (None: none)."""
    ns = os.readlink(f"/proc/{child_pid}/ns/pid")
    for pid, parent in processes.proc_children("/proc").items():
        if parent == zygote_pid and pid != child_pid:
            try:
                if os.readlink(f"/proc/{pid}/ns/pid") == ns:
                    return pid
            except OSError:
                continue
    return None


def left_after(pids, ended=(None,), poke=None, within=5.0) -> list:
    """Wait until the state of each of ``pids`` is in ``ended`` (None: no such process, "Z": a zombie), calling
    ``poke`` between looks (a zygote's request: it reaps at each); those still not ended after ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        left = [p for p in pids if processes.proc_state(p, "/proc") not in ended]
        if not left or time.monotonic() > deadline:
            return left
        if poke is not None:
            poke()
        time.sleep(0.02)


def test_as_root_a_childs_pid_namespace_begins_with_a_thin_init_holding_only_its_pipe(env):
    """As root the zygote forks a child straight into a new PID namespace whose init is ``cat`` reading a pipe
    (no copy of the zygote, which would cost a fork and an exit of 136 MB per submission): the child is PID 2
    and sees the init and itself only; the init holds its pipe and /dev/null, nothing of the zygote's
    (its control socket, other children's sockets); killing the slot ends the init, and the zygote reaps it."""
    if env.zygote.sandbox["mode"] != "root":
        pytest.skip(f"{env.zygote.sandbox['mode']} mode: the namespace's init is the child's outer parent (root only)")
    assert env.zygote.sandbox["pid_namespace_init"] == namespaces.namespace_init() is not None
    child = env.zygote.spawn(1, FAST)
    try:
        assert run_cell(child, NAMESPACE_FACTS, 10)["status"] == "ok"
        facts = json.loads(printed(child).split("NS", 1)[1].splitlines()[0])
        init = namespace_init_of(env.zygote.pid, child.pid)
        assert init is not None, described(processes.descendants({env.zygote.pid}, processes.proc_children("/proc")))
        fds = {int(fd): os.readlink(f"/proc/{init}/fd/{fd}") for fd in os.listdir(f"/proc/{init}/fd")}
    finally:
        child.close()
        env.zygote.kill(1)
    assert facts == {"pid": 2, "init": "cat\0", "pids": [1, 2]}
    assert sorted(fds) == [0, 1, 2] and fds[0].startswith("pipe:") and fds[1] == fds[2] == "/dev/null", fds
    assert left_after([init, child.pid], poke=lambda: env.zygote.slot_processes(0)) == []


def test_as_root_a_zygote_that_dies_takes_its_childrens_namespaces_with_it(env):
    """SIGKILL the zygote while a child runs: the child (its parent-death signal) and the init of its namespace
    (the pipe's end the zygote held is closed) are gone, and so is every process the child had started."""
    if env.zygote.sandbox["mode"] != "root":
        pytest.skip(f"{env.zygote.sandbox['mode']} mode: the namespace's init is the child's outer parent (root only)")
    zygote = ProbeZygote(hide=default_hidden(env.course), slots=1, forbidden=forbidden_names([env.checks])).start()
    try:
        child = zygote.spawn(0, FAST)
        sleeper = "import subprocess\nsubprocess.Popen(['sleep', '60'])\n"
        assert run_cell(child, sleeper, 10)["status"] == "ok"
        init = namespace_init_of(zygote.pid, child.pid)
        inside = processes.descendants({child.pid, init}, processes.proc_children("/proc"))
        assert init is not None and inside, described(processes.descendants({zygote.pid}, processes.proc_children("/proc")))
        os.kill(zygote.pid, 9)
        everything = sorted({init, child.pid} | inside)
        assert left_after(everything, ended=(None, "Z")) == [], described(everything)
    finally:
        zygote.close()


def test_a_slots_process_limit_counts_the_submissions_processes_and_only_ours_beside_them(env):
    """The slot's cgroup allows the submission ``nproc`` processes, plus those of ours in the group with it: none
    as root (the namespace's init is outside it), the outer parent and the init in ``userns`` mode."""
    report = env.zygote.sandbox["cgroup"]
    if not report.get("available"):
        pytest.skip(f"no cgroups here: {report.get('why')}")
    child = env.zygote.spawn(1, FAST)
    try:
        folder = report["paths"]["v2" if report["version"] == 2 else "pids"]
        with open(os.path.join(folder, "slot1", "pids.max")) as fh:
            allowed = int(fh.read())
        with open(os.path.join(folder, "slot1", "cgroup.procs")) as fh:
            members = [int(p) for p in fh.read().split()]
    finally:
        child.close()
        env.zygote.kill(1)
    ours = 2 if env.zygote.sandbox["mode"] == "userns" else 0
    assert allowed == FAST.nproc + ours
    assert len(members) == 1 + ours, described(members)
