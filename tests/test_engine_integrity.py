"""A submission earns only what its own code computes, in every sandbox mode.

The module's zygote is made once per mode: the mode this process gets (``root`` as root), and, run as
root, the user-namespace sandbox forced (``AUTOGRADER_SANDBOX_MODE=userns`` in the zygote's environment,
:class:`testkit.probe.ModeZygote`) and the ``uid`` mode (the zygote started as in a container where root
may make no namespaces, :mod:`testkit.container_like`, so that it chooses that mode itself), so every test
runs in all three; one more test (``host_users``) runs this very module again as an ordinary user, so every
attack is tested in every mode.

Class 1 (answers from anywhere): each attack of :data:`testkit.attacks.ATTACKS` is a stub
submission plus one bypass; the functions it did not write score 0, and the forbidden objects
refuse to compute (the result says "uses …"), however they were reached.
"""

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.engine.grade import grade_submission
from autograder.engine.grading_run import forbidden_names, load_assignment
from autograder.model import course
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision.zygote_parent import GraderError, default_hidden
from testkit import container_like
from testkit.attacks import ATTACKS, HONEST_THREADS, LATE_PURITY_ATTACKS, PURITY_ATTACKS, SIGNAL_TIMER_ATTACK
from testkit.probe import ModeZygote, run_cell
from testkit.zoo import degenerate
from tests import engine_helpers

LIMITS = Limits(timeout_s=10, memory_mb=1024)
PROBLEM_SETS = ("ps1_softmax", "ps4_bernoulli")

#: The sandbox modes every test runs in: the one this process gets (None) and, as root with no mode forced,
#: ``userns`` too (an ordinary user gets it anyway; ``test_rerun_as_an_ordinary_user`` runs the module as one).
MODES = [pytest.param(None, id="own-mode")]
if engine_helpers.ROOT_OWN_MODE:
    MODES.append(pytest.param("userns", id="userns", marks=pytest.mark.slow))
    # root where namespaces are refused (a container without CAP_SYS_ADMIN): the zygote chooses ``uid`` itself
    MODES.append(pytest.param("uid", id="uid", marks=pytest.mark.slow))


@pytest.fixture(scope="module", params=MODES)
def env(request, tmp_path_factory):
    """The course, its checks and one grader's zygote (two slots) in the mode of the parameter. Its view also
    shows the folder ``needed``, with a tmpfs mounted inside it as root (``mounted``: class 7 below)."""
    from types import SimpleNamespace

    from autograder.perimeter.supervision.zygote_parent import interpreter_paths

    e = SimpleNamespace(tmp=tmp_path_factory.mktemp("integrity"))
    e.course = engine_helpers.make_course(e.tmp / "course", PROBLEM_SETS)
    e.loaded = {ps: load_assignment(e.course, ps) for ps in PROBLEM_SETS}
    e.needed = e.tmp / "needed"
    (e.needed / "inner").mkdir(parents=True)
    e.mounted = os.geteuid() == 0
    if e.mounted:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0777", "tmpfs", str(e.needed / "inner")],
                       check=True)
    python, disk = None, contextlib.nullcontext()
    if request.param == "uid":  # started as in a container (testkit.container_like), no mode forced, the slots'
        disk = container_like.private_disk(e.tmp / "disk")  # folders on a disk no other writer of the host touches
        python = container_like.zygote_python(e.tmp, [e.course, e.needed], tmpdir=e.tmp / "disk")
    try:
        with disk:
            e.zygote = ModeZygote(hide=default_hidden(e.course), needed=interpreter_paths() + [str(e.needed)],
                                  slots=2, mode=None if request.param == "uid" else request.param, python=python,
                                  forbidden=forbidden_names([checks for _, checks in e.loaded.values()])).start()
            try:
                e.mode = e.zygote.sandbox["mode"]
                assert request.param in (None, e.mode), e.zygote.sandbox  # (uid: chosen by the zygote itself)
                yield e
            finally:
                e.zygote.close()
    finally:
        if e.mounted:
            subprocess.run(["umount", "-l", str(e.needed / "inner")], check=False)


def grade(env, ps, nb):
    path = engine_helpers.write_notebook(env.tmp / f"nb-{len(os.listdir(env.tmp))}.ipynb", nb)
    source, checks = env.loaded[ps]
    data = grade_submission(path, "mallory", ps, source, checks, env.zygote, 0, LIMITS, env.zygote.sandbox).to_json()
    assert data["execution"]["sandbox"]["mode"] == env.mode  # (a restarted zygote too)
    return data


def attack_notebook(attack):
    return engine_helpers.submission(attack.ps, attack.code, extra_after=attack.after)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_a_bypass_earns_nothing_for_the_functions_it_did_not_write(env, attack):
    data = grade(env, attack.ps, attack_notebook(attack))
    unearned = [t for t in data["tests"] if course.function_of(t["name"]) in attack.unearned
                and t["kind"] != "manual"]  # a derivation awaits a person
    assert unearned and all(t["score"] == 0 for t in unearned), \
        [(t["name"], t["score"], t["message"][:120]) for t in unearned if t["score"]]
    if attack.refused:
        assert any("uses scipy" in t["message"] for t in unearned), [t["message"][:160] for t in unearned]


def test_the_wire_hijack_is_flagged_and_cannot_compute_with_scipy(env):
    attack = next(a for a in ATTACKS if a.name == "wire-hijack")
    data = grade(env, attack.ps, attack_notebook(attack))
    assert data["score"] == 0
    reasons = " | ".join(f["reason"] for f in data["flags"])
    assert "sockets" in reasons and "/proc" in reasons, reasons
    # what its SciPy calls met: the forbidden functions' refusal, reported as a forbidden use
    assert any("uses scipy.special" in t["message"] for t in data["tests"]), [t["message"] for t in data["tests"]]


def test_honest_work_earns_everything_and_a_library_function_using_a_forbidden_one_refuses(env):
    """The same sandbox, the same forbidden functions: a correct notebook earns every point, and a cell that calls
    a SciPy function using a forbidden one internally (hypergeom's logcdf calls logsumexp) fails with the refusal,
    which names the forbidden function it uses (a forbidden object never computes, whoever calls it)."""
    extra = "import scipy.stats\n_check = scipy.stats.hypergeom.logcdf(2, 20, 7, 12)\n"
    data = grade(env, "ps1_softmax", engine_helpers.submission("ps1_softmax", correct=True,
                                                               extra_after={"logsumexp": [extra]}))
    assert data["score"] == course.autograded_max_score("ps1_softmax"), (
        data["notes"], {t["name"]: t["message"][:200] for t in data["tests"] if t["score"] == 0})
    failed = [c for c in data["execution"]["cells"] if c["status"] != "ok"]
    assert [c["grade_id"] for c in failed] == [None], data["execution"]["cells"]  # the extra cell only
    assert "ForbiddenFunctionError" in failed[0]["error"] and "scipy.special.logsumexp" in failed[0]["error"], failed


def test_a_second_interpreter_cannot_be_started(env):
    """A Python started by the submission would not have the forbidden functions refused: in the namespaced
    modes the interpreter is not executable inside the sandbox."""
    if env.mode == "weak":
        pytest.skip("weak mode has no filesystem view")
    code = ("import subprocess, sys\n"
            "try:\n    subprocess.run([sys.executable, '-c', 'print(1)'], check=True, capture_output=True)\n"
            "    RAN = True\nexcept (OSError, subprocess.CalledProcessError):\n    RAN = False\n"
            "assert not RAN, 'a second interpreter ran'\n")
    data = grade(env, "ps1_softmax", engine_helpers.submission("ps1_softmax", correct=True,
                                                               extra_after={"logsumexp": [code]}))
    extra_cell = next(c for c in data["execution"]["cells"] if c["grade_id"] is None and c["index"] > 2)
    assert all(c["status"] == "ok" for c in data["execution"]["cells"]), data["execution"]["cells"]
    assert extra_cell["status"] == "ok"


# --- the same, as an ordinary user ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.host_users
@pytest.mark.skipif(not engine_helpers.ROOT_OWN_MODE,
                    reason="runs as root, to run the module again as an ordinary user")
def test_rerun_as_an_ordinary_user():
    import tempfile
    import xml.etree.ElementTree as ET

    from tests.test_engine_robustness import _as_user_command

    work = Path(tempfile.mkdtemp(prefix="probdl-integrity-"))
    report = work / "report.xml"
    argv = [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider", "-k", "not rerun",
            f"--basetemp={work / 'base'}", "-o", "junit_family=xunit2", f"--junitxml={report}"]
    try:
        proc = subprocess.run(_as_user_command(work, argv), capture_output=True, text=True, timeout=900,
                              cwd=course.ROOT)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        cases = list(ET.parse(report).getroot().iter("testcase"))
        assert len(cases) >= len(ATTACKS) + 3
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- class 4: text produced after a hidden probe ran -----------------------------------------------------

RECORDER = '''
import numpy as np
SEEN = []

def softmax(z, axis=-1, temperature=1.0):
    SEEN.append(np.asarray(z, dtype=float).ravel().tolist())     # every input the checks give it
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    z = np.asarray(z, dtype=float)
    e = np.exp((z - np.max(z, axis=axis, keepdims=True)) / temperature)
    return e / np.sum(e, axis=axis, keepdims=True)
'''
LEAK = "print(SEEN)\nraise RuntimeError(repr(SEEN))\n"


def test_what_a_cell_says_after_a_hidden_probe_never_carries_the_hidden_inputs(env, tmp_path):
    """A function records its arguments and a scratch cell at the end raises them: neither results.json (the
    student gets it) nor feedback.html holds any hidden input, while the public ones may show."""
    from autograder.checks.by_name import checks_for
    from autograder.model import results as results_io
    from autograder.reports.feedback import write_feedback_pages

    last_graded = course.GRADE_CELLS["ps1_softmax"][-1][0]  # (the scratch cell after every graded cell of the set)
    nb = engine_helpers.submission("ps1_softmax", {"softmax": RECORDER}, correct=True, extra_after={
        last_graded: [LEAK]})
    data = grade(env, "ps1_softmax", nb)
    hidden = {repr(float(v)) for check in checks_for("ps1_softmax").values() if check.function == "softmax"
              for probe in check.probes if not probe.public for arg in probe.args[:1]
              for v in np.asarray(arg, dtype=float).ravel()[:3] if np.isfinite(v) and len(repr(float(v))) >= 8}
    assert hidden, "the softmax checks have hidden probes with numbers of many digits (random inputs)"
    last = data["execution"]["cells"][-1]
    assert last["status"] == "error" and "RuntimeError" in last["error"]
    results_io.write_results(tmp_path / "mallory" / "ps1_softmax" / "results.json", data)
    write_feedback_pages(tmp_path)
    for path in (tmp_path / "mallory" / "ps1_softmax" / "results.json", tmp_path / "mallory" / "ps1_softmax" /
                 "feedback.html"):
        text = path.read_text()
        leaked = sorted(v for v in hidden if v in text)
        assert not leaked, f"{path.name} holds hidden inputs {leaked[:3]}"



# --- class 5: neighbours ---------------------------------------------------------------------------------


def test_two_submissions_graded_at_the_same_time_share_no_network_namespace(env):
    """Slot 0's child listens on an abstract Unix socket; slot 1's child, graded at the same time, cannot
    reach it (each slot has a network namespace of its own; in ``uid`` mode each child a Landlock domain)."""
    if env.mode == "weak":
        pytest.skip("weak mode has no namespaces")
    first, second = env.zygote.spawn(0, LIMITS), env.zygote.spawn(1, LIMITS)
    try:
        listen = ("import socket\nS = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
                  "S.bind(b'\\0probdl-neighbour')\nS.listen(1)\n")
        assert run_cell(first, listen, 20)["status"] == "ok"
        same_slot = run_cell(first, "c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
                                    "c.connect(b'\\0probdl-neighbour')\n", 20)
        assert same_slot["status"] == "ok", same_slot  # (the socket exists, in slot 0's namespace)
        other = run_cell(second, "import socket\nc = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
                                 "c.connect(b'\\0probdl-neighbour')\n", 20)
        # (uid mode: both in the machine's network namespace, each child in a Landlock domain of its own, which
        # refuses abstract sockets made outside it)
        refused = "PermissionError" if env.mode == "uid" else "ConnectionRefusedError"
        assert other["status"] == "error" and refused in other["error"], other
    finally:
        first.close()
        second.close()
        env.zygote.kill(0, wait=True)
        env.zygote.kill(1, wait=True)


# --- the protocol: the grader's requests, no others ------------------------------------------------------


def test_the_zygote_and_its_children_answer_only_the_graders_requests(env):
    """What tests ask to look inside the sandbox (a slot's processes, the zygote's modules, a child's printed
    text, a cell run alone) is answered by the tests' zygote (testkit/probe_zygote.py), never the grader's."""
    for request in ({"op": "slot_processes", "slot": 0}, {"op": "modules"}, {"op": "ping", "modules": True}):
        with pytest.raises(GraderError, match="unknown request"):
            env.zygote._request(request)
    child = env.zygote.spawn(0, LIMITS)
    try:
        for request in ({"op": "output"}, {"op": "run", "source": "print(1)"}, {"op": "bye"}):
            assert child.request(request, 10)["error"] == f"unknown request {request['op']!r}"
        assert run_cell(child, "print(1)", 10)["status"] == "ok"  # and it goes on serving the grader
    finally:
        child.close()
        env.zygote.kill(0, wait=True)


# --- class 7: a submount of a needed folder is read-only too --------------------------------------------


def test_a_folder_mounted_inside_a_needed_path_is_read_only_in_the_view(env):
    """The view binds each needed path with what is mounted below it; every one of those mounts is made
    read-only, not only the top one (a writable tmpfs inside the virtualenv stayed writable): the module's
    zygote shows ``needed``, a folder with a writable tmpfs mounted inside it."""
    if not env.mounted:
        pytest.skip("mounting a tmpfs for the test needs root")
    if env.mode == "weak":
        pytest.skip("weak mode has no filesystem view")
    child = env.zygote.spawn(0, LIMITS)
    try:
        reply = run_cell(child, f"open({str(env.needed / 'inner' / 'x')!r}, 'w').write('x')", 20)
    finally:
        child.close()
        env.zygote.kill(0, wait=True)
    assert reply["status"] == "error" and ("Read-only" in reply["error"] or "Permission" in reply["error"]), reply
    assert not (env.needed / "inner" / "x").exists()


# --- class 6: what only the child can report (mutation, warnings) -------------------------------------

INPLACE_SOFTMAX = '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    z = np.asarray(z, dtype=float)
    z -= np.max(z, axis=axis, keepdims=True)     # modifies an array argument in place
    z /= temperature
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)
'''

#: A thread that waits for the child's request loop and wraps its `invoke` so that no outcome says "mutated".
HIDE_MUTATION = r'''
import sys, threading, time
main = threading.main_thread().ident
def patch():
    for _ in range(20000):
        frame = sys._current_frames().get(main)
        while frame is not None and "call" not in frame.f_locals:
            frame = frame.f_back
        if frame is not None:
            for cell in frame.f_locals["call"].__closure__:
                real = cell.cell_contents
                if getattr(real, "__name__", "") == "invoke":
                    def clean(*args, _real=real):
                        outcome = _real(*args)
                        outcome.mutated = ()
                        return outcome
                    cell.cell_contents = clean
            return
        time.sleep(0.0005)
threading.Thread(target=patch, daemon=True).start()
'''


def test_forging_the_childs_own_reports_gains_nothing_and_is_flagged(env):
    """A submission can make the child's report of a change say nothing (a thread wraps the child's `invoke`):
    the purity cell is judged from the source in the grader as well, so hiding an in-place change gains nothing
    (values are judged in the grader too), and the tampering is flagged for the instructor."""
    honest = grade(env, "ps1_softmax", engine_helpers.submission("ps1_softmax", {"softmax": INPLACE_SOFTMAX},
                                                                 correct=True))
    forged = grade(env, "ps1_softmax", engine_helpers.submission(
        "ps1_softmax", {"softmax": INPLACE_SOFTMAX}, correct=True, extra_after={"logsumexp": [HIDE_MUTATION]}))
    before = {t["name"]: t["score"] for t in honest["tests"]}
    after = {t["name"]: t["score"] for t in forged["tests"]}
    assert before["softmax-purity"] == 0 and after["softmax-purity"] == 0, (before, after)
    reasons = " | ".join(f["reason"] for f in forged["flags"])
    assert "threads" in reasons and "frames" in reasons and "closure" in reasons, reasons
    assert not honest["flags"]


@pytest.mark.parametrize("name,source", PURITY_ATTACKS, ids=[name for name, _ in PURITY_ATTACKS])
def test_a_function_pure_only_while_graded_loses_the_purity_cell(env, name, source):
    """The child's word: a softmax that works in place on its array argument except when it sees it is
    being graded (its caller's frame, the grader's modules, the environment, the working folder) leaves every
    input of the grader's calls alone, so the child reports no change; the purity cell is judged from the source
    in the grader too, so it scores 0, saying why, and every other cell scores as a correct notebook's."""
    honest = {t["name"]: t["score"] for t in grade(env, "ps1_softmax", engine_helpers.submission(
        "ps1_softmax", correct=True))["tests"]}
    data = grade(env, "ps1_softmax", engine_helpers.submission("ps1_softmax", {"softmax": source}, correct=True))
    scores = {t["name"]: t["score"] for t in data["tests"]}
    purity = next(t for t in data["tests"] if t["name"] == "softmax-purity")
    assert purity["score"] == 0, (name, purity)
    assert "may modify its argument `z` in place" in purity["message"] or "cannot tell from your source" in \
        purity["message"], purity["message"]
    assert {g: s for g, s in scores.items() if g != "softmax-purity"} == {
        g: s for g, s in honest.items() if g != "softmax-purity"}, (scores, honest)


LATE = sorted(LATE_PURITY_ATTACKS.items()) + [("signal-timer", SIGNAL_TIMER_ATTACK)]


@pytest.mark.parametrize("name,source", LATE, ids=[name for name, _ in LATE])
def test_an_input_changed_after_its_call_loses_the_purity_cell(env, name, source):
    """Purity over the whole check, in the child: a softmax that keeps its array where the reading cannot follow it
    and zeroes it later (at its next call, two calls later, from a thread waiting for the next call, from a timer
    thread or an interval timer's signal handler) loses ``softmax-purity``, told why, and scores every other cell as
    a correct notebook's. The child compares the inputs again after the function's next call and when its checks end
    (the ``settle`` request), and says what a call left running; its word can only cost the cell."""
    honest = {t["name"]: t["score"] for t in grade(env, "ps1_softmax", engine_helpers.submission(
        "ps1_softmax", correct=True))["tests"]}
    data = grade(env, "ps1_softmax", engine_helpers.submission("ps1_softmax", {"softmax": source}, correct=True))
    scores = {t["name"]: t["score"] for t in data["tests"]}
    purity = next(t for t in data["tests"] if t["name"] == "softmax-purity")
    assert purity["score"] == 0, (name, purity)
    assert "after that call had returned" in purity["message"] or "left a t" in purity["message"] \
        or "modified its input" in purity["message"], (name, purity["message"])
    assert {g: s for g, s in scores.items() if g != "softmax-purity"} == {
        g: s for g, s in honest.items() if g != "softmax-purity"}, (name, scores, honest)


@pytest.mark.parametrize("name", sorted(HONEST_THREADS))
def test_threads_that_end_within_the_call_keep_every_point(env, name):
    """A softmax that computes in a thread that ends before the call returns (a pool in a `with` block, a worker not
    joined) is a correct notebook: full marks in the child too."""
    data = grade(env, "ps1_softmax", engine_helpers.submission(
        "ps1_softmax", {"softmax": HONEST_THREADS[name]}, correct=True))
    assert all(t["score"] == t["max_score"] for t in data["tests"] if t["name"].startswith("softmax-")), \
        [(t["name"], t["message"]) for t in data["tests"] if t["score"] != t["max_score"]]


@pytest.mark.parametrize("form", ["one-hot", "uniform", "identity"])
def test_a_softmax_that_ignores_its_inputs_earns_only_purity(env, form):
    """Every cell needs the function's own work, in the child too: the degenerate softmaxes of the zoo
    (``testkit/zoo/degenerate.py``; the one-hot of the largest logit is the issue's: it earned -axis and
    -temperature) score the -purity point alone, as in-process, and every other function scores as a correct
    notebook's."""
    data = grade(env, "ps1_softmax", engine_helpers.submission(
        "ps1_softmax", {"softmax": degenerate.source("softmax", form)}, correct=True))
    scores = {t["name"]: t["score"] for t in data["tests"]}
    earned = {g for g, score in scores.items() if g.startswith("softmax-") and score}
    assert earned == {"softmax-purity"}, (form, earned)
    rest = [(t["name"], t["score"], t["max_score"]) for t in data["tests"]
            if course.function_of(t["name"]) != "softmax" and t["score"] is not None]
    assert rest and all(score == top for _, score, top in rest), rest


def test_a_pure_definition_that_never_ran_does_not_stand_for_the_one_that_did(env):
    """The function pure only while graded, then a cell that raises before it defines an honest softmax: the honest
    definition never ran, and the grader, which knows that cell did not complete, still reads the first one."""
    attack = dict(PURITY_ATTACKS)["pure-when-graded-working-folder"]
    honest_after_an_error = "int('not a number')\n" + engine_helpers.CORRECT["ps1_softmax"]["softmax"]
    data = grade(env, "ps1_softmax", engine_helpers.submission(
        "ps1_softmax", {"softmax": attack}, correct=True, extra_after={"softmax": [honest_after_an_error]}))
    purity = next(t for t in data["tests"] if t["name"] == "softmax-purity")
    assert purity["score"] == 0 and "may modify its argument `z` in place" in purity["message"], purity
