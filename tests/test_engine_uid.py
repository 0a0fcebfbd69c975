"""The ``uid`` mode (root where namespaces are refused: a container without ``CAP_SYS_ADMIN``), attacked.

The module's zygote starts as in such a container (:mod:`testkit.container_like`: ``unshare``, ``mount``
and namespace ``clone`` refused by seccomp, as Docker's default profile refuses them) with no mode forced,
so it must choose the ``uid`` mode itself. The course, a classmate's notebook and the results are laid out
readable by every user (as in a container image, where nothing is private), so that what stops a child is
the mode's own layers and not the host's file permissions: each refusal has a control, the same access
made by a process of the slot's uid without the Landlock ruleset, which succeeds.

Classes (as in ``tests/test_engine_robustness.py``): 5 what the child sees and leaves behind, 6 limits per
submission (neighbours), 9 isolation (the grader, the results, the network). The bypasses of
``testkit.attacks`` run in this mode in ``tests/test_engine_integrity.py`` (its ``uid`` parameter); the
real containers (podman and runc, Docker's profile) are ``tests/test_container.py``'s.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.engine.grade import grade_submission
from autograder.engine.grading_run import forbidden_names, load_assignment
from autograder.model import course
from autograder.perimeter.confinement import claims, landlock
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision.zygote_parent import default_hidden
from testkit import container_like
from testkit.attacks import ATTACKS, classmate_copy, fork_storm
from testkit.probe import ProbeZygote, printed, run_cell
from tests import engine_helpers

PS = "ps1_softmax"
MAX = course.autograded_max_score(PS)
LIMITS = Limits(timeout_s=10, memory_mb=1024)

pytestmark = [
    pytest.mark.skipif(not engine_helpers.ROOT_OWN_MODE, reason="needs root with no sandbox mode forced (the "
                       "zygote is started as a container's root and must choose the uid mode itself)"),
    pytest.mark.skipif(landlock.abi()[0] == 0, reason="this kernel has no Landlock (docs/threat-model.md says "
                       "what the uid mode is without it)"),
]


@pytest.fixture(scope="module")
def env():
    from types import SimpleNamespace

    base = Path(tempfile.mkdtemp(prefix="probdl-uid-"))
    base.chmod(0o755)  # everything below readable by every user, as in a container image
    e = SimpleNamespace(base=base)
    try:
        e.course = engine_helpers.make_course(base / "course", (PS,))
        e.source, e.checks = load_assignment(e.course, PS)
        e.classmate = engine_helpers.write_notebook(base / "submitted" / "bob" / PS / f"{PS}.ipynb",
                                                    engine_helpers.submission(PS, correct=True))
        e.results = base / "results"
        e.result_file = e.results / "bob" / PS / "results.json"
        e.result_file.parent.mkdir(parents=True)
        e.result_file.write_text('{"score": 26}')
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        with container_like.private_disk(base / "disk") as disk:  # (the slots' folders: no other writer there)
            e.zygote = ProbeZygote(hide=default_hidden(e.course, base / "submitted", e.results), slots=2,
                                   forbidden=forbidden_names([e.checks]),
                                   python=container_like.zygote_python(base, tmpdir=disk)).start()
            try:
                e.mode = e.zygote.sandbox["mode"]
                yield e
            finally:
                e.zygote.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)




def run_in_fresh_child(env, slot, code, limits=LIMITS, timeout=30, then=None):
    """Run ``code`` as one cell in a fresh child of ``slot`` (and ``then(child)``, if given, before it ends):
    ``(reply, what then returned)``. (The slots' folders are on a disk of their own, :func:`env`: the disk watch
    never stops a child for another writer of the host, so nothing here is run twice.)"""
    child = env.zygote.spawn(slot, limits)
    try:
        reply = run_cell(child, code, timeout)
        return reply, then(child) if then is not None else None
    finally:
        child.close()


def in_child(env, code, slot=0, limits=LIMITS, timeout=30):
    """Run ``code`` as one cell in a fresh child of ``slot``: ``(reply, printed text)``."""
    try:
        return run_in_fresh_child(env, slot, code, limits, timeout, then=printed)
    finally:
        env.zygote.kill(slot, wait=True)


def gone(env, slot, within=10.0) -> bool:
    """Whether no process of ``slot`` is left within ``within`` seconds (a SIGKILLed process takes a moment to
    die and be reaped)."""
    deadline = time.monotonic() + within
    while env.zygote.slot_processes(slot):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def facts(text) -> dict:
    return json.loads(text.split("FACTS", 1)[1].splitlines()[0])


ATTEMPT = '''
import json, os
def attempt(fn):
    try:
        return "ok: " + repr(fn())[:60]
    except BaseException as exc:
        return type(exc).__name__
'''


#: The control's process (:func:`read_as_slot_uid_without_landlock`): argv uid and the JSON ``{name: path}``.
CONTROL = """
import json, os, sys
from testkit import container_like
uid, paths = int(sys.argv[1]), json.loads(sys.argv[2])
container_like.expose_as_in_an_image()
os.setgroups([])
os.setresgid(uid, uid, uid)
os.setresuid(uid, uid, uid)
out = {}
for name, path in paths.items():
    try:
        with open(path, "rb") as f:
            f.read(1)
        out[name] = ""
    except OSError as exc:
        out[name] = type(exc).__name__
print(json.dumps(out))
"""


def read_as_slot_uid_without_landlock(env, paths: dict[str, Path]) -> dict[str, str]:
    """The control: each of ``paths`` read in a process of slot 0's uid (no groups) without the ruleset, ``{name:
    '' when it could, else the error's type}``, seeing the files as the zygote does (the checkout reachable by every
    user, as in a container image, even where the folder holding it is not: a clone in a private temporary
    folder), in a new interpreter (:func:`tests.engine_helpers.printed_json`: not a fork of this test process)."""
    uid = env.zygote.sandbox["uids"][0]
    return engine_helpers.printed_json(CONTROL, str(uid), json.dumps({k: str(v) for k, v in paths.items()}))


def grade(env, nb, slot=0):
    path = engine_helpers.write_notebook(env.base / "work" / f"nb-{time.monotonic_ns()}.ipynb", nb)
    return grade_submission(path, "mallory", PS, env.source, env.checks, env.zygote, slot, LIMITS,
                            env.zygote.sandbox).to_json()


# --- the mode is chosen, named, and says what it does not isolate ------------------------------------------


def test_where_namespaces_are_refused_root_grades_in_the_uid_mode(env):
    sb = env.zygote.sandbox
    assert env.mode == "uid", sb
    assert "Operation not permitted" in sb["no_namespaces"], sb["no_namespaces"]
    assert sb["landlock"] == landlock.abi()[0] and sb["files"] == "landlock"
    assert sb["seccomp"] is True and sb["network"] == "seccomp"
    assert sb["uid_drop"] is True and len(set(sb["uids"])) == 2 and min(sb["uids"]) >= claims.UID_BASE
    assert sb["warnings"] == [], sb["warnings"]  # a calm mode: nothing it promises is missing here
    from autograder.model.summary import sandbox_line

    line = sandbox_line(sb)
    assert line.startswith("Sandbox: mode uid (root without namespaces); unprivileged uid per slot; "
                           "no network (seccomp filter); course files hidden (Landlock)"), line
    assert "WARNING" not in line
    if not sb["cgroup"].get("available"):
        assert sb["one_at_a_time"] and "not isolated: memory and CPU" in line, line


def test_the_child_is_its_slots_uid_with_no_capability_and_no_new_privileges(env):
    code = ATTEMPT + '''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
header = (ctypes.c_uint32 * 2)(0x20080522, 0)
data = (ctypes.c_uint32 * 6)()
libc.capget(header, data)
bounding = [cap for cap in range(41) if libc.prctl(23, cap, 0, 0, 0) == 1]
print("FACTS" + json.dumps({"ids": [os.getresuid(), os.getresgid(), os.getgroups()], "caps": list(data),
                            "bounding": bounding, "no_new_privs": libc.prctl(39, 0, 0, 0, 0)}))
'''
    reply, text = in_child(env, code, slot=1)
    assert reply["status"] == "ok", reply
    f = facts(text)
    uid = env.zygote.sandbox["uids"][1]
    assert f["ids"] == [[uid] * 3, [uid] * 3, []]
    assert f["caps"] == [0] * 6 and f["bounding"] == [] and f["no_new_privs"] == 1, f


# --- class 5: what the child can read, write and run ---------------------------------------------------------


def test_the_course_the_checks_a_classmate_and_the_results_cannot_be_read_nor_written(env):
    """Every target is readable by the slot's uid without Landlock (the control); the child reads none of them,
    writes only in its own working folder, and can still import a module no one imported before."""
    import scipy.special._logsumexp as forbidden_file

    targets = {"solutions": course.ROOT / "solutions" / f"{PS}.py",
               "checks": course.ROOT / "autograder" / "checks" / f"{PS}.py",
               "source notebook": env.course / "source" / PS / f"{PS}.ipynb",
               "classmate": env.classmate, "results": env.result_file,
               "forbidden function's file": Path(forbidden_file.__file__)}
    assert all(path.is_file() for path in targets.values()), targets
    assert read_as_slot_uid_without_landlock(env, targets) == dict.fromkeys(targets, "")
    code = ATTEMPT + f"TARGETS = {json.dumps({k: str(v) for k, v in targets.items()})}\n" + f'''
import subprocess, sys, tempfile
out = {{name: attempt(lambda p=path: open(p, "rb").read(1)) for name, path in TARGETS.items()}}
out["write results"] = attempt(lambda: open({str(env.results / "forged.json")!r}, "w"))
out["write beside the course"] = attempt(lambda: open({str(env.base / "forged")!r}, "w"))
for place in ("/tmp", "/var/tmp", "/dev/shm"):
    out["write " + place] = attempt(lambda place=place: open(place + "/probdl-uid-left", "w"))
out["list the submissions"] = attempt(lambda: os.listdir({str(env.base / "submitted")!r}))
out["proc"] = attempt(lambda: os.listdir("/proc"))
out["write here"] = attempt(lambda: open("mine.txt", "w").write("x"))
out["tempfile"] = attempt(lambda: tempfile.NamedTemporaryFile(delete=False).name.startswith(os.getcwd()))
out["devnull"] = attempt(lambda: open(os.devnull, "w").write("x"))
out["numpy's files"] = attempt(lambda: len(open(__import__("numpy").__file__).read()) > 0)
out["a module not yet imported"] = attempt(lambda: __import__("wave").__name__)
out["a program"] = attempt(lambda: subprocess.run(["sh", "-c", "echo ok"], capture_output=True, text=True).stdout)
out["a second interpreter"] = attempt(lambda: subprocess.run([sys.executable, "-c", "1"]).returncode)
print("FACTS" + json.dumps(out))
'''
    assert "wave" not in env.zygote.modules()  # (so that its import reads the standard library's files)
    reply, text = in_child(env, code)
    assert reply["status"] == "ok", reply
    f = facts(text)
    refused = [*targets, "write results", "write beside the course", "write /tmp", "write /var/tmp",
               "write /dev/shm", "list the submissions", "proc", "a second interpreter"]
    assert {k: f[k] for k in refused} == {k: "PermissionError" for k in refused}, f
    assert f["write here"] == "ok: 1" and f["tempfile"] == "ok: True" and f["devnull"] == "ok: 1", f
    assert f["numpy's files"] == "ok: True" and f["a module not yet imported"] == "ok: 'wave'", f
    assert f["a program"] == "ok: 'ok\\n'", f
    assert not (env.results / "forged.json").exists() and not (env.base / "forged").exists()
    assert not any(Path(p, "probdl-uid-left").exists() for p in ("/tmp", "/var/tmp", "/dev/shm"))


@pytest.mark.parametrize("name", ["reference-on-sys-path", "reference-exec"])
def test_the_reference_found_on_the_filesystem_earns_nothing_and_is_flagged(env, name):
    """The course is on this filesystem (the child can see that its files exist: Landlock does not hide
    names), but importing or executing the reference fails: 0 for each function, and the cell is flagged.
    (The same cells earn full marks in the weak mode: ``test_the_same_attacks_score_in_the_weak_mode``.)"""
    attack = next(a for a in ATTACKS if a.name == name)
    data = grade(env, engine_helpers.submission(PS, attack.code, extra_after=attack.after))
    assert data["score"] == 0, [(t["name"], t["score"]) for t in data["tests"] if t["score"]]
    errors = " | ".join(c.get("error", "") for c in data["execution"]["cells"])
    assert "PermissionError" in errors, errors
    reasons = " | ".join(f["reason"] for f in data["flags"])
    expected = "reference solutions" if name == "reference-on-sys-path" else "runs code built at run time"
    assert expected in reasons, reasons


def test_a_classmates_notebook_cannot_be_copied(env):
    code = {"logsumexp": classmate_copy(str(env.classmate)), "softmax": "# (copied above)\n",
            "log_softmax": "# (copied above)\n"}
    data = grade(env, engine_helpers.submission(PS, code))
    assert data["score"] == 0
    assert "PermissionError" in " | ".join(c.get("error", "") for c in data["execution"]["cells"])
    assert "runs code built at run time" in " | ".join(f["reason"] for f in data["flags"])


def test_the_same_attacks_score_in_the_weak_mode(env):
    """The control of the two tests above: with no sandbox around it (the weak mode, as the grader's own uid),
    each attack does take the reference's or the classmate's points (all but the purity cells of code it runs
    through ``exec``, which the purity reading cannot vouch for)."""
    from testkit.probe import ModeZygote

    code = {"logsumexp": classmate_copy(str(env.classmate)), "softmax": "# (copied above)\n",
            "log_softmax": "# (copied above)\n"}
    notebooks = [engine_helpers.submission(PS, a.code, extra_after=a.after) for a in ATTACKS
                 if a.name in ("reference-on-sys-path", "reference-exec")]
    notebooks.append(engine_helpers.submission(PS, code))
    with ModeZygote(hide=default_hidden(env.course), slots=1, mode="weak",
                    forbidden=forbidden_names([env.checks])) as weak:
        for nb in notebooks:
            path = engine_helpers.write_notebook(env.base / "work" / f"weak-{time.monotonic_ns()}.ipynb", nb)
            data = grade_submission(path, "mallory", PS, env.source, env.checks, weak, 0, LIMITS,
                                    weak.sandbox).to_json()
            # every cell but purity: code run through exec() is code the purity reading cannot vouch for
            lost = {t["name"] for t in data["tests"] if t["score"] < t["max_score"]} - {
                gid for gid, _ in course.ANSWER_CELLS[PS]}
            assert lost <= {f"{f}-purity" for f in course.FUNCTIONS[PS]}, lost
            assert data["score"] >= MAX - len(course.FUNCTIONS[PS]), data["score"]


# --- class 9: the network, shared IPC, the grader ----------------------------------------------------------


def test_no_network_no_shared_ipc_and_no_signal_outside_the_child(env):
    code = ATTEMPT + f'''
import ctypes, signal, socket
libc = ctypes.CDLL(None, use_errno=True)
def ipc(fn, *args):
    result = fn(*args)
    return "refused: " + os.strerror(ctypes.get_errno()) if result == -1 else "made"
out = {{"inet": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM)),
       "inet6": attempt(lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)),
       "netlink": attempt(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)),
       "unix": attempt(lambda: socket.socket(socket.AF_UNIX).family),
       "pair": attempt(lambda: len(socket.socketpair())),
       "shm": ipc(libc.shmget, 0x5EED, 4096, 0o1666), "msg": ipc(libc.msgget, 0x5EEE, 0o1666),
       "sem": ipc(libc.semget, 0x5EEF, 1, 0o1666),
       "signal the grader": attempt(lambda: os.kill({os.getpid()}, signal.SIGKILL)),
       "signal the zygote": attempt(lambda: os.kill({env.zygote.pid}, signal.SIGKILL))}}
print("FACTS" + json.dumps(out))
'''
    reply, text = in_child(env, code)
    assert reply["status"] == "ok", reply
    f = facts(text)
    assert f["inet"] == f["inet6"] == f["netlink"] == "PermissionError", f
    assert f["unix"] == "ok: <AddressFamily.AF_UNIX: 1>" and f["pair"] == "ok: 2", f
    assert f["shm"] == f["msg"] == f["sem"] == "refused: Operation not permitted", f
    assert f["signal the grader"] == f["signal the zygote"] == "PermissionError", f
    assert env.zygote.alive
    assert grade(env, engine_helpers.submission(PS, correct=True))["score"] == MAX


# --- class 6: neighbours ---------------------------------------------------------------------------------------

FORK_STORM = fork_storm(500, report=True)

HONEST_SUBPROCESSES = r'''
import subprocess
ran = sum(subprocess.run(["sh", "-c", "exit 0"]).returncode == 0 for _ in range(20))
print("FACTS" + __import__("json").dumps(ran))
'''


def test_a_neighbours_fork_storm_leaves_this_slots_processes_alone(env):
    """Slot 0's child forks until it cannot (its uid's RLIMIT_NPROC: its own budget, whatever else runs) and
    keeps them; meanwhile slot 1's child starts twenty programs, all of which run."""
    storm = env.zygote.spawn(0, LIMITS)
    honest = env.zygote.spawn(1, LIMITS)
    try:
        reply = run_cell(storm, FORK_STORM, 60)
        assert reply["status"] == "ok", reply
        assert int(facts(printed(storm))) < LIMITS.nproc
        assert len(env.zygote.slot_processes(0)) >= LIMITS.nproc - 4  # the storm is still there
        reply = run_cell(honest, HONEST_SUBPROCESSES, 60)
        assert reply["status"] == "ok" and int(facts(printed(honest))) == 20, reply
    finally:
        storm.close()
        honest.close()
        env.zygote.kill(0, wait=True)
        env.zygote.kill(1, wait=True)
    assert gone(env, 0), env.zygote.slot_processes(0)  # killed whole


# --- class 5 again: nothing left behind ------------------------------------------------------------------------

LITTER = r'''
import os, time
for i in range(3000):                       # deeper than shutil.rmtree's recursion and PATH_MAX
    os.mkdir("d")
    os.chdir("d")
open("leaf", "w").write("x")
os.chmod(".", 0o500)
middles = []
for i in range(3):                          # daemons in sessions of their own
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                time.sleep(0.01)
        os._exit(0)
    middles.append(pid)
for pid in middles:                         # each has forked its daemon once it has exited (on a loaded host
    os.waitpid(pid, 0)                      # the cell could otherwise end before they forked)
'''


def test_nothing_a_child_leaves_behind_reaches_the_next_one(env):
    def daemons(child) -> int:
        deadline = time.monotonic() + 30
        while len(env.zygote.slot_processes(1)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(env.zygote.slot_processes(1))

    try:
        reply, seen = run_in_fresh_child(env, 1, LITTER, timeout=60, then=daemons)
        assert reply["status"] == "ok"
        assert seen >= 4  # the child and its three daemons
    finally:
        env.zygote.kill(1)
    assert gone(env, 1), env.zygote.slot_processes(1)
    reply, text = in_child(env, "import os\nprint('FACTS' + __import__('json').dumps(sorted(os.listdir('.'))))",
                           slot=1)
    assert reply["status"] == "ok" and facts(text) == [".output"], (reply, text)
    assert grade(env, engine_helpers.submission(PS, correct=True), slot=1)["score"] == MAX


def test_working_folders_are_private_to_their_slot(env):
    """A slot's working folder is its uid's (mode 0700) inside a folder of its own that others may cross but
    not list: the other slot's child reads nothing there even where Landlock would let it (it does not)."""
    first = env.zygote.spawn(0, LIMITS)
    try:
        assert run_cell(first, "open('mine.txt', 'w').write('secret')\nimport os\nHERE = os.getcwd()\n"
                               "print('FACTS' + __import__('json').dumps(HERE))", 20)["status"] == "ok"
        here = facts(printed(first))
        mode = stat.S_IMODE(os.stat(here).st_mode)
        assert mode == 0o700 and os.stat(here).st_uid == env.zygote.sandbox["uids"][0], oct(mode)
        assert stat.S_IMODE(os.stat(os.path.dirname(here)).st_mode) == 0o711
        reply, text = in_child(env, ATTEMPT + f"print('FACTS' + json.dumps(attempt(lambda: open("
                                              f"{here + '/mine.txt'!r}).read())))", slot=1)
        assert facts(text) == "PermissionError", text
    finally:
        first.close()
        env.zygote.kill(0, wait=True)


def test_the_probe_refuses_namespaces_as_a_container_does():
    """What the module's premise rests on: under testkit.container_like, root's namespaces are refused
    (here checked by the product's own probe), while the uid switch the mode needs works."""
    code = ("import json, os; from autograder.perimeter.confinement import modes; os.makedirs('p', exist_ok=True); "
            "print(json.dumps([modes.namespaces_refused(os.path.abspath('p')), modes.uid_switch_refused(61000)]))")
    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.run([sys.executable, "-m", "testkit.container_like", sys.executable, "-c", code],
                              capture_output=True, text=True, timeout=60, cwd=folder,
                              env={**os.environ, "PYTHONPATH": str(course.ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["namespaces: Operation not permitted", ""], proc.stdout


def test_where_root_may_not_switch_uids_the_mode_is_weak_and_says_why(tmp_path):
    """A container started without CAP_SETUID and CAP_SETGID (``--cap-drop``): no uid of its own is possible, so
    the zygote falls back to the weak mode, with the reason and what to change in its loud line."""
    from testkit.probe import ModeZygote

    inner = container_like.zygote_python(tmp_path)
    python = tmp_path / "without-setuid"
    python.write_text(f'#!/bin/sh\nexec setpriv --bounding-set=-setuid,-setgid {inner} "$@"\n')
    python.chmod(0o755)
    with ModeZygote(hide=default_hidden(tmp_path), slots=1, python=str(python)) as zygote:
        sb = zygote.sandbox
    assert sb["mode"] == "weak" and sb["warnings"][0].startswith("root cannot switch to another uid here"), sb
    assert "CAP_SETUID" in sb["warning"] and "WEAK SANDBOX" in sb["warning"]


def test_without_landlock_the_uid_mode_says_loudly_that_files_are_not_confined(tmp_path):
    """A runtime whose seccomp profile predates Landlock (its calls answer ENOSYS): the uid, the network filter
    and the killing still hold, and the line says the course can be read."""
    from autograder.model.summary import sandbox_line

    with container_like.private_disk(tmp_path / "disk") as disk:
        sb, reply = _a_cell_without_landlock(tmp_path, disk)
    assert sb["mode"] == "uid" and sb["landlock"] == 0 and sb["files"] is None and sb["network"] == "seccomp", sb
    assert reply["status"] == "ok", reply
    line = sandbox_line(sb)
    assert "course files NOT hidden" in line and "WARNING: WEAK SANDBOX" in line and "Landlock" in line, line


def _a_cell_without_landlock(tmp_path, disk):
    """The sandbox report of a zygote started without Landlock, and a cell's reply in its child."""
    from testkit.probe import ModeZygote

    python = container_like.zygote_python(tmp_path, landlock=False, tmpdir=disk)
    with ModeZygote(hide=default_hidden(tmp_path), slots=1, python=python) as zygote:
        sb = zygote.sandbox
        child = zygote.spawn(0, LIMITS)
        try:
            reply = run_cell(child, "import os, socket\nassert os.getuid() != 0\ntry:\n    socket.socket()\n"
                                    "except PermissionError:\n    pass\nelse:\n    raise AssertionError('network')\n", 20)
        finally:
            child.close()
            zygote.kill(0, wait=True)
    return sb, reply


def test_a_killed_zygotes_working_folders_are_removed_by_the_grader(env):
    """A zygote killed mid-batch cannot clean up: the grader removes its slots' folder (a child's files, however
    deep, included) when it replaces it."""
    import signal

    reply, _ = run_in_fresh_child(env, 0, "import os\nfor i in range(200):\n    os.mkdir('d')\n    os.chdir('d')\n"
                                          "open('leaf', 'w').write('x')\n")
    assert reply["status"] == "ok"
    workroot = env.zygote.sandbox["workroot"]
    assert os.path.isdir(workroot)
    os.kill(env.zygote.pid, signal.SIGKILL)
    env.zygote.proc.wait(10)
    env.zygote.restart(env.zygote.generation, "killed by the test")
    assert not os.path.exists(workroot) and env.zygote.sandbox["workroot"] != workroot
    assert grade(env, engine_helpers.submission(PS, correct=True))["score"] == MAX
