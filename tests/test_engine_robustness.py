"""Attacks against the sandbox, one test per class of attack (listed below), in the mode this process gets.

Run as root, the module tests ``root`` mode; :func:`test_the_same_attacks_fail_as_an_ordinary_user`
then runs this very module again as an ordinary user (``userns`` mode: unprivileged user
namespaces), and :func:`test_the_same_attacks_fail_where_root_may_make_no_namespaces` as root in a
process that may make no namespaces (``uid`` mode, chosen by the zygote itself:
:mod:`testkit.container_like`), so every class is tested in the three modes; where the ``uid`` mode
refuses an access instead of not showing it (Landlock answers ``PermissionError`` where the others'
allowlist view has no such file), the test says so. The weak fallback (no user namespaces)
is tested at the end, with one zygote of that mode: its tests say what it does *not* prevent.

Classes: 1 a submission breaking later ones, 4 unbounded parent work (forged
frames), 5 what the child sees and leaves behind, 6 limits per submission, 7 tampering as
evidence, 9 isolation without root. (2, 3 and 8 are the batch's and the feedback's.)
"""

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.engine.grade import grade_submission
from autograder.engine.grading_run import forbidden_names, load_assignment
from autograder.model import course
from autograder.perimeter.child_runtime import wire
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision.zygote_parent import default_hidden
from testkit import container_like
from testkit.attacks import fork_storm
from testkit.probe import ModeZygote, ProbeZygote, printed, run_cell
from tests import engine_helpers
from tests.conftest import HOST_USERS

PS = "ps1_softmax"
MAX = course.autograded_max_score(PS)  # full marks the engine gives; the answer cells await a person
LIMITS = Limits(timeout_s=8, memory_mb=1024)
SECRET = "ghp_this-token-must-never-reach-a-child"
IPC_KEY = 0x5EED1234
TEST_USER = "probdl-sbx"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from types import SimpleNamespace

    e = SimpleNamespace(tmp=tmp_path_factory.mktemp("robust"))
    e.course = engine_helpers.make_course(e.tmp / "course")
    e.beside = e.tmp / "beside"  # a folder next to the course: not hidden by name, must not be visible
    e.beside.mkdir()
    (e.beside / "secret.txt").write_text("secret")
    e.results = e.tmp / "results"
    e.results.mkdir()
    e.source, e.checks = load_assignment(e.course, PS)
    import site

    # a hidden path inside a needed one (as a course installed into the virtualenv would be)
    e.inner = next(Path(p) / "arrow" for p in site.getsitepackages() if (Path(p) / "arrow").is_dir())
    os.environ["GITHUB_TOKEN"] = SECRET  # what `sudo -E` passes on in the CI
    try:
        e.zygote = ProbeZygote(hide=default_hidden(e.course, results_dir=e.results) + [str(e.inner)], slots=2,
                               forbidden=forbidden_names([e.checks])).start()
    finally:
        del os.environ["GITHUB_TOKEN"]
    e.mode = e.zygote.sandbox["mode"]
    yield e
    e.zygote.close()


def in_child(env, code, limits=LIMITS, slot=0, timeout=30):
    """Run ``code`` as one cell in a fresh child; ``(status reply, printed text)``."""
    child = env.zygote.spawn(slot, limits)
    try:
        try:
            reply = run_cell(child, code, timeout)
            text = printed(child)
        except Exception as exc:  # noqa: BLE001 — a crash is a result here
            reply, text = {"status": "crashed", "error": str(exc)}, ""
    finally:
        child.close()
        env.zygote.kill(slot, wait=True)
    return reply, text


def facts_of(text):
    return json.loads(text.split("FACTS", 1)[1].splitlines()[0])


def grade(env, nb, slot=0, limits=LIMITS):
    path = engine_helpers.write_notebook(env.tmp / f"nb-{time.monotonic_ns()}.ipynb", nb)
    return grade_submission(path, "mallory", PS, env.source, env.checks, env.zygote, slot, limits,
                            env.zygote.sandbox).to_json()


def needs_isolation(env):
    if env.mode == "weak":
        pytest.skip("weak mode has no namespaces: see the weak-fallback tests below")


# --- class 1: nothing a child leaves behind breaks the next spawn ------------------------------------

LITTER = r'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
ipc = [libc.shmget(KEY, 1 << 20, 0o1666), libc.msgget(KEY + 1, 0o1666), libc.semget(KEY + 2, 1, 0o1666)]
for i in range(3000):                       # deeper than shutil.rmtree's recursion and PATH_MAX
    os.mkdir("d")
    os.chdir("d")
open("leaf", "w").write("x")
os.chmod(".", 0o500)                        # and the deepest folder not writable
def left(path, size):
    try:
        with open(path, "wb") as fh:
            fh.write(b"x" * size)
        return "written"
    except OSError as exc:
        return type(exc).__name__
tmp = left("/tmp/big", 8 << 20)
var_tmp = left("/var/tmp/left-behind", 1000)
print("FACTS" + __import__("json").dumps({"ipc": ipc, "tmp": tmp, "var_tmp": var_tmp}))
'''
LISTING = r'''
import json, os
def listing(path):
    try:
        return os.listdir(path)
    except PermissionError:                 # (uid mode: /tmp is not the child's)
        return []
print("FACTS" + json.dumps(listing(".") + listing("/tmp")))
'''


def host_ipc_keys():
    keys = set()
    for name in ("shm", "msg", "sem"):
        try:
            lines = Path(f"/proc/sysvipc/{name}").read_text().splitlines()[1:]
        except OSError:
            continue
        keys.update(int(line.split()[0]) for line in lines if line.split())
    return keys


def test_what_a_child_leaves_behind_never_breaks_the_next_one(env):
    needs_isolation(env)
    reply, text = in_child(env, f"KEY = {IPC_KEY}\n" + LITTER)
    assert reply["status"] == "ok", reply
    facts = facts_of(text)
    if env.mode == "uid":  # no IPC object can be made, /tmp is not the child's (its TMPDIR is its working folder)
        assert facts["ipc"] == [-1, -1, -1] and facts["tmp"] == "PermissionError", facts
    else:
        assert all(i >= 0 for i in facts["ipc"]), facts  # it did create them, in its own IPC namespace
        assert facts["tmp"] == "written", facts  # its own tmpfs
    assert facts["var_tmp"] in ("FileNotFoundError", "PermissionError", "OSError")  # no /var/tmp in the view
    assert not {IPC_KEY, IPC_KEY + 1, IPC_KEY + 2} & host_ipc_keys()  # gone with the namespace
    assert not os.path.exists("/var/tmp/left-behind")
    in_tmp = [] if env.mode == "uid" else _interpreter_roots_in_tmp()
    for _ in range(2):  # the slot's next children start, clean, and grade in full
        reply, text = in_child(env, LISTING)
        assert reply["status"] == "ok" and sorted(facts_of(text)) == sorted([".output", *in_tmp]), (reply, text)
    assert grade(env, engine_helpers.submission(PS, correct=True))["score"] == MAX


# --- class 5: an allowlist view, fresh namespaces, an allowlisted environment -----------------------

VIEW = r'''
import json, os, subprocess
def attempt(fn):
    try:
        return repr(fn())[:80]
    except BaseException as exc:
        return type(exc).__name__
try:
    others = [p for p in os.listdir("/proc") if p.isdigit()]
except PermissionError:                     # (uid mode: no /proc at all)
    others = None
facts = {
    "course": attempt(lambda: os.listdir(COURSE)), "beside": attempt(lambda: open(BESIDE).read()),
    "results": attempt(lambda: os.listdir(RESULTS)), "solutions": attempt(lambda: open(SOLUTIONS).read()),
    "write_results": attempt(lambda: open(os.path.join(RESULTS, "x.json"), "w")),
    "checkout": attempt(lambda: sorted(os.listdir(CHECKOUT))), "home": attempt(lambda: os.listdir("/home")),
    "inner": attempt(lambda: os.listdir(INNER)),
    "inner_file": attempt(lambda: open(os.path.join(INNER, "__init__.py")).read()),
    "root_dir": attempt(lambda: sorted(os.listdir("/root"))),
    "write_venv": attempt(lambda: open(os.path.join(os.path.dirname(os.__file__), "x.py"), "w")),
    "write_root": attempt(lambda: open("/owned", "w")),
    "pids": None if others is None else sorted(int(p) for p in others),
    "cmdlines": None if others is None else sorted({open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")[0].decode()
                                                    for p in others}),
    "env": sorted(os.environ), "token": SECRET in json.dumps(dict(os.environ)),
    "shell": subprocess.run(["sh", "-c", "echo ok"], capture_output=True, text=True).stdout.strip(),
    "tmp_full": attempt(lambda: open("/tmp/fill", "wb").write(b"x" * (200 << 20))),
}
print("FACTS" + json.dumps(facts))
'''


def test_the_child_sees_an_allowlist_and_nothing_of_the_grader(env):
    needs_isolation(env)
    code = (f"COURSE = {str(env.course)!r}\nBESIDE = {str(env.beside / 'secret.txt')!r}\n"
            f"RESULTS = {str(env.results)!r}\nSOLUTIONS = {str(course.ROOT / 'solutions' / 'ps1_softmax.py')!r}\n"
            f"SECRET = {SECRET!r}\nINNER = {str(env.inner)!r}\nCHECKOUT = {str(course.ROOT)!r}\n" + VIEW)
    reply, text = in_child(env, code, limits=Limits(timeout_s=20, memory_mb=1024, fsize_mb=256, workdir_mb=64))
    assert reply["status"] == "ok", reply
    f = facts_of(text)
    if env.mode == "uid":  # the paths exist, but the Landlock ruleset refuses them; /proc is refused whole
        for key in ("course", "beside", "results", "solutions", "write_results", "home", "checkout", "root_dir",
                    "inner_file", "tmp_full"):
            assert f[key] == "PermissionError", (key, f[key])
        assert f["inner"].startswith("["), f["inner"]  # names inside a needed folder can be listed, not read
        assert f["pids"] is None and f["cmdlines"] is None, f
    else:
        for key in ("course", "beside", "results", "solutions", "write_results", "home"):
            assert f[key] == "FileNotFoundError", (key, f[key])
        # the grader's own checkout: only the interpreter's virtualenv, when it lives there (`make` puts it there)
        assert f["checkout"] in ("FileNotFoundError", "['.venv']"), f["checkout"]
        assert f["inner"] == "[]" and f["inner_file"] == "FileNotFoundError"  # covered, inside the virtualenv
        assert f["root_dir"] in ("FileNotFoundError", "['.pyenv']")  # only the interpreter, when it lives there
        assert f["pids"] and max(f["pids"]) < 50, f["pids"]  # its own PID namespace: nobody else's processes
        assert all("pytest" not in c for c in f["cmdlines"]), f["cmdlines"]
        assert f["tmp_full"] == "OSError"  # /tmp is part of the child's size-limited tmpfs
    assert f["write_venv"] in ("OSError", "PermissionError") and f["write_root"] in ("OSError", "PermissionError")
    assert f["token"] is False and "GITHUB_TOKEN" not in f["env"] and "PYTHONPATH" not in f["env"]
    assert f["shell"] == "ok"


def test_nothing_the_child_started_survives_it(env):
    needs_isolation(env)
    daemon = ("import os, time\nfor i in range(3):\n    if os.fork() == 0:\n        os.setsid()\n"
              "        if os.fork() == 0:\n            while True:\n                time.sleep(0.01)\n        os._exit(0)\n")
    child = env.zygote.spawn(1, LIMITS)
    try:
        assert run_cell(child, daemon, 30)["status"] == "ok"
        assert wait_for(lambda: len(env.zygote.slot_processes(1)) >= 4)  # the child and its three daemons
    finally:
        child.close()
        env.zygote.kill(1)
    assert wait_for(lambda: env.zygote.slot_processes(1) == []), env.zygote.slot_processes(1)


def wait_for(condition, within=10.0) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --- class 9: the child can never signal the grader or the zygote, nor write results -----------------


def test_the_child_cannot_signal_the_grader_or_the_zygote(env):
    needs_isolation(env)
    code = (f"import os, signal\nhits = []\nfor pid in ({os.getpid()}, {env.zygote.pid}):\n"
            "    try:\n        os.kill(pid, signal.SIGKILL)\n        hits.append(pid)\n    except OSError:\n"
            "        pass\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n"
            "print('FACTS' + str(hits))\n")
    reply, text = in_child(env, code)
    assert reply["status"] == "ok", reply
    assert env.zygote.alive
    # the grader's and the zygote's pids do not exist in the child's namespace (uid mode: they do, and a uid of
    # its own, in a Landlock domain that scopes signals, may not signal them)
    assert facts_of(text) == []
    assert grade(env, engine_helpers.submission(PS, correct=True))["score"] == MAX


# --- class 6: limits count all of a submission's processes --------------------------------------------

MEMORY_HOG = r'''
import os, time
kids = []
for i in range(4):
    pid = os.fork()
    if pid == 0:
        try:
            block = bytearray(350 << 20)
            for k in range(0, len(block), 4096):
                block[k] = 1
            time.sleep(2)
            os._exit(0)
        except BaseException:
            os._exit(3)
    kids.append(pid)
ok = sum(os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) == 0 for p in kids)
print("FACTS" + str(ok))
'''


def cgroup_or_skip(env):
    cg = env.zygote.sandbox["cgroup"]
    if not cg.get("available"):
        pytest.skip(f"no cgroup for this mode here ({cg.get('why')}): limits are per process only, so a "
                    "submission's processes together can exceed --memory and take more than one CPU")
    return cg


def test_memory_is_limited_over_all_of_a_submissions_processes(env):
    cgroup_or_skip(env)
    reply, text = in_child(env, MEMORY_HOG, limits=Limits(timeout_s=20, memory_mb=1024))
    # four processes of 350 MB each (each under the 1024 MB address-space limit) cannot all hold their memory
    assert reply["status"] == "crashed" or int(facts_of(text)) < 4, (reply, text)


def test_cpu_is_limited_to_one_cpu_per_submission(env):
    cg = cgroup_or_skip(env)
    acct = cg["paths"].get("cpuacct") or cg["paths"].get("v2")
    if acct is None:
        pytest.skip("no CPU accounting hierarchy")
    usage = Path(acct, "slot1", "cpuacct.usage" if "cpuacct" in cg["paths"] else "cpu.stat")

    def used_s():
        text = usage.read_text()
        return int(text) / 1e9 if text.strip().isdigit() else int(text.split()[1]) / 1e6

    spin = ("import os, time\nkids = []\nfor i in range(4):\n    pid = os.fork()\n    if pid == 0:\n"
            "        end = time.time() + 2\n        while time.time() < end:\n            pass\n        os._exit(0)\n"
            "    kids.append(pid)\nfor p in kids:\n    os.waitpid(p, 0)\n")
    before, start = used_s(), time.monotonic()
    reply, _ = in_child(env, spin, slot=1)
    used, wall = used_s() - before, time.monotonic() - start
    assert reply["status"] == "ok"
    assert used <= 1.25 * wall, f"4 busy processes used {used:.2f} s of CPU in {wall:.2f} s"


# --- class 4: what a child sends is bounded before the parent builds it -------------------------------

FORGE = r'''
import sys, threading, time
forged = {"__ndarray__": "", "dtype": "<f8", "shape": [0, 2**24, 2**24, 2**24]}
def forge(outcome):
    return {"status": "returned", "value": forged, "value_type": "", "error_type": "", "error_message": "",
            "warnings": [], "mutated": []}
main = threading.main_thread().ident
def patch():                   # once the main thread waits for the grader's next request: its request loop
    for _ in range(20000):
        frame = sys._current_frames().get(main)
        while frame is not None and "call" not in frame.f_locals:
            frame = frame.f_back
        if frame is not None:
            frame.f_locals["state"].total = int("9" * 4299)
            for cell in frame.f_locals["call"].__closure__:
                if getattr(cell.cell_contents, "__name__", "") == "outcome_to_wire":
                    cell.cell_contents = forge
            return
        time.sleep(0.0005)
threading.Thread(target=patch, daemon=True).start()
'''


def test_forged_answers_cost_only_their_own_points(env):
    """The child's answers are rewritten into an array of shape [0, 2**24, 2**24, 2**24] and a 4,299-digit
    output count: the parent refuses both, the submission gets a results.json with reasons (and flags)."""
    data = grade(env, engine_helpers.submission(PS, correct=True, extra_after={"softmax": [FORGE]}))
    json.dumps(data)  # writable as results.json
    assert data["execution"]["output_bytes"] < 2**53
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    assert failed and data["score"] < MAX
    assert any("too large" in t["message"] or "not plain numbers" in t["message"] for t in failed), failed[0]
    reasons = " | ".join(f["reason"] for f in data["flags"])
    assert "frames" in reasons and "closure" in reasons


# --- class 7: tampering is evidence ------------------------------------------------------------------


def test_indirect_forbidden_calls_score_nothing_and_tampering_is_flagged(env):
    sneaky = ("import scipy.special\nF = {'s': getattr(scipy.special, 'softmax')}\n"
              "def softmax(z, axis=-1, temperature=1.0):\n"
              "    if temperature <= 0:\n        raise ValueError('temperature')\n"
              "    return F['s'](np.asarray(z, dtype=float) / temperature, axis=axis)\n")
    patch = "np.array_equal = lambda *a, **k: True\nimport gc\nframes = [o for o in gc.get_objects() if 0]\n"
    data = grade(env, engine_helpers.submission(PS, {"softmax": sneaky}, correct=True, extra_after={"softmax": [patch]}))
    softmax_tests = [t for t in data["tests"] if course.function_of(t["name"]) == "softmax"]
    assert all(t["kind"] == "forbidden" for t in softmax_tests)
    reasons = " | ".join(f["reason"] for f in data["flags"])
    assert "numpy.array_equal" in reasons and "gc" in reasons
    patched_cell = next(c["index"] for c in data["execution"]["cells"] if c["grade_id"] is None)
    assert {f["cell"] for f in data["flags"]} == {patched_cell}


# --- class 1 again, last (it restarts the module's zygote, without the token in its environment) -------


def test_a_zygote_that_died_is_replaced_and_grading_goes_on(env):
    restarts = env.zygote.restarts
    os.kill(env.zygote.pid, signal.SIGKILL)
    env.zygote.proc.wait(10)
    assert grade(env, engine_helpers.submission(PS, correct=True))["score"] == MAX
    assert env.zygote.restarts == restarts + 1 and env.zygote.alive


# --- the same, as an ordinary user (userns mode) -------------------------------------------------------


def _as_user_command(tmp: Path, argv: list) -> list:
    """``argv`` as :data:`TEST_USER` (created if needed), with the interpreter, its libraries and
    this checkout reachable.

    Each folder on their way that others cannot enter (mode 0700: ``/root``, a ``mktemp -d``
    folder holding the clone) is covered, in a private mount namespace and only for this
    command, by a tmpfs holding just the entries on the way, bound back: the files
    themselves are not copied and no permission on the host changes.
    """
    if subprocess.run(["id", TEST_USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", TEST_USER],
                       check=True, capture_output=True)
    shutil.chown(tmp, TEST_USER)
    script = []
    for folder, entries in container_like.blocked_folders([sys.base_prefix, sys.prefix, course.ROOT]).items():
        keep = []
        for entry in sorted(entries):
            point = Path(tempfile.mkdtemp(prefix="keep-", dir=tmp))
            keep.append((entry, point))
            script.append(f"mount --bind {shlex.quote(str(folder / entry))} {point} && ")
        script.append(f"mount -t tmpfs -o mode=755,size=1m tmpfs {shlex.quote(str(folder))} && ")
        for entry, point in keep:
            target = shlex.quote(str(folder / entry))
            script.append(f"mkdir {target} && mount --move {point} {target} && ")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "TMPDIR": str(tmp), "OPENBLAS_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(course.ROOT)}
    inner = shlex.join(["setpriv", "--reuid", TEST_USER, "--regid", TEST_USER, "--clear-groups", "env", "-i",
                        *(f"{k}={v}" for k, v in env.items()), *argv])
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", "".join(script) + "exec " + inner]


#: The module's tests that run in the mode the process gets (``-k``): not those that run it again in another
#: mode, nor the weak-mode zygote's, nor the one that grades as an ordinary user.
ONLY_THIS_MODE = "not ordinary_user and not weak and not no_namespaces and not shared_limits"


@pytest.mark.slow
@pytest.mark.host_users
@pytest.mark.skipif(not engine_helpers.ROOT_OWN_MODE,
                    reason="runs as root, to run the module again as an ordinary user")
def test_the_same_attacks_fail_as_an_ordinary_user():
    work = Path(tempfile.mkdtemp(prefix="probdl-sbx-"))  # (pytest's tmp_path is inside root's 0700 folder)
    report = work / "report.xml"
    try:
        # what the user must read: this interpreter with its libraries, the checkout (tests included)
        probe = subprocess.run(_as_user_command(work, [sys.executable, "-c", f"import numpy, pytest, autograder.engine;"
                                                       f" open({__file__!r}).read()"]),
                               capture_output=True, text=True, timeout=120, cwd="/")
        if probe.returncode != 0:
            pytest.skip(f"{TEST_USER} cannot read the interpreter or this checkout even through private "
                        f"mounts ({probe.stderr.strip()[-300:]}), so the ordinary-user (userns) mode is not "
                        f"checked here: run `{HOST_USERS}` from a clone others can read")
        cmd = _as_user_command(work, [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider",
                                      "--end-to-end", "-k", ONLY_THIS_MODE, f"--basetemp={work / 'base'}",
                                      "-o", "junit_family=xunit2", f"--junitxml={report}"])
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=course.ROOT)
        check_report(proc, report)
    finally:
        shutil.rmtree(work, ignore_errors=True)


#: A neighbour's fork storm: as many sleeping processes as the user's process limit allows, kept while its
#: grading goes on (its last cell sleeps), then killed with it.
STORM = fork_storm(5000)
#: An honest student's cell that starts programs (ten of them), then defines its function as usual.
SUBPROCESSES = "import subprocess, time\ntime.sleep(3)\nfor _ in range(10):\n    subprocess.run(['true'], check=True)\n"


@pytest.mark.slow
@pytest.mark.host_users
@pytest.mark.skipif(not engine_helpers.ROOT_OWN_MODE, reason="runs as root, to grade as an ordinary user")
def test_with_shared_limits_a_neighbours_fork_storm_costs_an_honest_student_nothing():
    """An ordinary user without a delegated cgroup (userns, ``SHARED LIMITS``): every slot's children are that
    user's processes, so one submission's fork storm would make another's subprocesses fail (it did: 15 points
    where 26 are due). Submissions are then graded one at a time: the honest student keeps all 26."""
    work = Path(tempfile.mkdtemp(prefix="probdl-shared-"))
    try:
        submitted = work / "submitted"
        storm = engine_helpers.submission(PS, correct=True, extra_before=[STORM],
                                          extra_after={"log_softmax-purity": ["import time\ntime.sleep(6)\n"]})
        honest = engine_helpers.submission(PS, {fn: SUBPROCESSES + src for fn, src in
                                                engine_helpers.CORRECT[PS].items() if fn == "logsumexp"},
                                           correct=True)
        engine_helpers.write_notebook(submitted / "a-storm" / PS / f"{PS}.ipynb", storm)
        engine_helpers.write_notebook(submitted / "b-honest" / PS / f"{PS}.ipynb", honest)
        results = work / "results"
        cmd = _as_user_command(work, [sys.executable, "-m", "autograder", "autograde", str(submitted), "--out",
                                      str(results), "--workers", "2", "--timeout", "10", "--no-reports"])
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd="/")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        summary = json.loads((results / "summary.json").read_text())
        sandbox = summary["sandbox"]
        assert sandbox["mode"] == "userns" and not sandbox["cgroup"]["available"], sandbox
        assert sandbox["one_at_a_time"] and summary["workers"] == 1
        assert "SHARED LIMITS" in sandbox["line"] and "one at a time" in sandbox["line"], sandbox["line"]
        assert "SHARED LIMITS" in proc.stdout
        scores = {s: json.loads((results / s / PS / "results.json").read_text())["score"] for s in ("a-storm",
                                                                                                   "b-honest")}
        assert scores == {"a-storm": MAX, "b-honest": MAX}, scores
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.skipif(not engine_helpers.ROOT_OWN_MODE, reason="runs as root, to run the module again as a "
                    "container's root that may make no namespaces")
def test_the_same_attacks_fail_where_root_may_make_no_namespaces():
    """This module again, as root in a process where namespaces and mounts are refused (testkit.container_like,
    as Docker's default profile refuses them): the zygote chooses the ``uid`` mode itself."""
    # /tmp is a tmpfs of its own there (--tmp-mb), as a container's disk is: the uid mode's disk watch counts growth
    # of that filesystem that no slot explains as a slot's and stops slots to find it, so another writer on the
    # host's /tmp (another test) must not be on it. The report and the base folder are outside it, on /var/tmp.
    work = Path(tempfile.mkdtemp(prefix="probdl-uid-", dir="/var/tmp"))
    report = work / "report.xml"
    try:
        cmd = [sys.executable, "-m", "testkit.container_like", "--tmp-mb", "512", "--expose", str(work),
               sys.executable, "-m", "pytest",
               __file__, "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--end-to-end",
               "-k", ONLY_THIS_MODE, f"--basetemp={work / 'base'}",
               "-o", "junit_family=xunit2", f"--junitxml={report}"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=course.ROOT,
                              env={**os.environ, "PYTHONPATH": str(course.ROOT)})
        check_report(proc, report)
        assert "test_the_strongest_mode_available_is_used" in report.read_text()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_report(proc, report):
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    import xml.etree.ElementTree as ET

    cases = ET.parse(report).getroot().iter("testcase")
    ran, skipped = 0, []
    for case in cases:
        ran += 1
        skipped += [case.get("name") + ": " + s.get("message", "") for s in case.iter("skipped")]
    assert ran >= 8 and all("cgroup" in s for s in skipped), skipped  # only the cgroup ones, with the reason


# --- the weak fallback: what it does not prevent ---------------------------------------------------------


@pytest.fixture(scope="module")
def weak(tmp_path_factory):
    """A course and one zygote of the weak fallback (``AUTOGRADER_SANDBOX_MODE=weak``), for the tests below (its
    forbidden functions prepared, as the grader's are: a child never arms a name its zygote did not prepare)."""
    from types import SimpleNamespace

    tmp = tmp_path_factory.mktemp("weak")
    course_dir = engine_helpers.make_course(tmp / "course")
    forbidden = forbidden_names([load_assignment(course_dir, PS)[1]])
    with ModeZygote(hide=default_hidden(course_dir), slots=1, mode="weak", forbidden=forbidden) as zygote:
        yield SimpleNamespace(course=course_dir, zygote=zygote)


def test_the_weak_fallback_warns_and_does_not_prevent_reading_the_course(weak):
    zygote = weak.zygote
    assert zygote.sandbox["mode"] == "weak" and "WEAK SANDBOX" in " ".join(zygote.sandbox["warnings"])
    child = zygote.spawn(0, LIMITS)
    source = weak.course / "source" / PS / f"{PS}.ipynb"
    deep = "import os\nfor i in range(3000):\n    os.mkdir('d')\n    os.chdir('d')\n"
    try:
        reply = run_cell(child, f"open({str(source)!r}).read()\n" + deep, 30)
    finally:
        child.close()
        zygote.kill(0, wait=True)
    assert reply["status"] == "ok"  # NOT prevented: the source notebook (and solutions/) are readable
    child = zygote.spawn(0, LIMITS)  # but a 3000-deep tree left behind is removed, and the next child starts
    try:
        listing = run_cell(child, "import os\nassert os.listdir('..') == [os.path.basename(os.getcwd())]", 30)
    finally:
        child.close()
        zygote.kill(0, wait=True)
    assert listing["status"] == "ok", listing


def test_the_weak_fallback_still_grades_and_kills_escaped_processes(weak, tmp_path):
    """Without user namespaces there are no namespaces or uids; killing walks the process tree (and the
    zygote's orphans). What it does not prevent: the daemon wrote into the grader's own folder."""
    zygote = weak.zygote
    source, checks = load_assignment(weak.course, PS)
    assert zygote.sandbox["uid_drop"] is False and zygote.sandbox["uids"] == []
    assert zygote.sandbox["mode"] == "weak" and "WEAK SANDBOX" in zygote.sandbox["warnings"][-1]
    marker = tmp_path / "daemon.pid"
    daemon = ("import os, time\npid = os.fork()\nif pid == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
              f"        open({str(marker)!r}, 'w').write(str(os.getpid()))\n"
              "        while True:\n            time.sleep(0.01)\n    os._exit(0)\nos.waitpid(pid, 0)\n")
    path = engine_helpers.write_notebook(tmp_path / "nb.ipynb", engine_helpers.submission(
        PS, correct=True, extra_after={"imports": [daemon]}))
    data = grade_submission(path, "x", PS, source, checks, zygote, 0, LIMITS, zygote.sandbox).to_json()
    assert data["score"] == MAX and data["execution"]["sandbox"]["uid"] is None
    pid = int(marker.read_text())
    assert wait_for(lambda: not engine_helpers.alive(pid), within=5), f"the daemon {pid} survived the grading"


def test_a_zygote_whose_grader_dies_before_its_answer_still_ends_through_its_shutdown():
    """Found in the Dask tests (a worker killed while its zygote answered it): the zygote's answer met a closed
    socket and it ended with a traceback, skipping its shutdown (its slots killed, its own folders removed). The
    weak fallback's zygote, whose slots' folders are its own to remove, asked to kill a slot by a grader that is gone
    before the answer."""
    zygote = ModeZygote(slots=1, mode="weak").start()
    try:
        workroot, proc = zygote.sandbox["workroot"], zygote.proc
        assert os.path.basename(workroot).startswith("autograder-slots-") and os.path.isdir(workroot)
        wire.send(zygote.ctrl, {"op": "kill", "slot": 0, "verify": True, "wait": True})
        zygote.ctrl.close()  # (the grader's end of the socket, as its death closes it)
        zygote.ctrl = None
        assert proc.wait(timeout=60) == 0, Path(zygote._dir, "zygote.log").read_text()
        assert "Traceback" not in Path(zygote._dir, "zygote.log").read_text()
        assert not os.path.exists(workroot)
    finally:
        zygote.close()


def namespaces_refused_here() -> str:
    """The product's probe (``modes.namespaces_refused``), which forks, run in a new interpreter as the zygote runs
    it: with one thread."""
    code = ("import json, sys; from autograder.perimeter.confinement import modes; "
            "print(json.dumps(modes.namespaces_refused(sys.argv[1])))")
    with tempfile.TemporaryDirectory() as probe:
        return engine_helpers.printed_json(code, probe)


def test_the_strongest_mode_available_is_used(env):
    """Root gets ``root`` (``uid`` where it may make no namespaces: a container); an ordinary user gets ``userns``
    where the kernel allows user namespaces, with a loud warning naming the limits its slots would share when no
    cgroup can be made for them (they are then graded one at a time)."""
    if engine_helpers.MODE_FORCED:
        pytest.skip("AUTOGRADER_SANDBOX_MODE forces a mode: the strongest one is not chosen")
    userns_allowed = int(Path("/proc/sys/user/max_user_namespaces").read_text()) > 0
    namespaces = os.geteuid() == 0 and not namespaces_refused_here()
    expected = ("root" if namespaces else "uid") if os.geteuid() == 0 else ("userns" if userns_allowed else "weak")
    assert env.mode == expected
    warnings = env.zygote.sandbox["warnings"]
    if expected in ("root", "uid") or (expected == "userns" and env.zygote.sandbox["cgroup"].get("available")):
        assert warnings == []
    elif expected == "userns":
        assert len(warnings) == 1 and warnings[0].startswith("SHARED LIMITS") and "process limit" in warnings[0]
        assert "SHARED LIMITS" in env.zygote.sandbox["warning"]  # (the one line of the terminal and summary.json)


def _interpreter_roots_in_tmp() -> set:
    """The first folders under /tmp of the interpreter's paths (a checkout in /tmp): bound back read-only."""
    from autograder.perimeter.supervision.zygote_parent import interpreter_paths

    return {p.split("/")[2] for p in interpreter_paths() if p.startswith("/tmp/")}
