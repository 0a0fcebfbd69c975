"""Interruptions: Ctrl-C in a real terminal (a pty), and a closed pipe (``| head -1``).

Ctrl-C is the byte ``\\x03`` written to the pty's master side: the terminal's
line discipline sends SIGINT to the foreground process group, as when a
person presses it. Then: exit status 130, no traceback, one line saying how
to resume, the reports written for what finished, every results.json
complete, no process of the batch left. (That the rerun keeps those and
grades the rest: tests/test_engine_kill_resume.py, after SIGKILL.)
"""

import json
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests import engine_helpers

PS = "ps1_softmax"
#: eight students, each notebook napping 1 s: the batch is still running when it is stopped after 2 or 3 of them
STUDENTS = [f"s{i:02d}" for i in range(8)]

pytestmark = pytest.mark.slow


def _descendants(root):
    """Every live process whose parent chain reaches ``root`` (read from /proc)."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parent[int(entry)] = int(fh.read().rsplit(")", 1)[-1].split()[1])
            except OSError:
                pass
    out, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, ppid in parent.items() if ppid in frontier} - out
        out |= frontier
    return out


def _read_all(fd, until=None, timeout=300.0):
    data, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            data += chunk
        if until is not None and until():
            break
    return data


@pytest.fixture()
def batch(tmp_path):
    course_dir = engine_helpers.make_course(tmp_path / "course")
    nap = ["import time\ntime.sleep(1.0)\n"]  # slow enough to be interrupted midway (a nap costs no CPU)
    submitted = engine_helpers.make_submissions(tmp_path / "submitted", {
        (s, PS): engine_helpers.submission(PS, correct=True, extra_after={"softmax": nap}) for s in STUDENTS})
    cmd = [sys.executable, "-m", "autograder", "autograde", str(submitted), "--out", str(tmp_path / "results"),
           "--course", str(course_dir), "--workers", "1", "--timeout", "5"]
    return tmp_path / "results", cmd


#: Run in a new interpreter, before it becomes the command given after it: a session of its own whose controlling
#: terminal is the pty on its standard input (TIOCSCTTY), of which it is then the foreground group, so a Ctrl-C
#: typed there reaches it as SIGINT; and SIGINT at its default, as a command typed in a terminal has it (a suite
#: started in the background by a non-interactive shell, `(make test &)`, inherits SIGINT ignored, and Python keeps
#: it so across exec).
IN_A_TERMINAL = """
import fcntl, os, signal, sys, termios
os.setsid()
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])
"""


def in_a_terminal(cmd: list[str]) -> tuple[subprocess.Popen, int]:
    """``cmd`` started as in a terminal: ``(process, the terminal's master end)``. Not ``pty.fork``: this test
    process runs threads (pytest-xdist's), and forking it would copy their locks (CPython 3.12 and later warn of
    it); ``subprocess`` starts a new interpreter without running Python in the forked copy, and that interpreter
    takes the terminal (:data:`IN_A_TERMINAL`; ``setsid`` succeeds, as a child of ``subprocess`` leads no process
    group) before it becomes ``cmd``, keeping its process id."""
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-c", IN_A_TERMINAL, *cmd], stdin=slave, stdout=slave, stderr=slave,
                                env={**os.environ, "COLUMNS": "120"})
    finally:
        os.close(slave)
    return proc, master


def test_ctrl_c_in_a_terminal(batch):
    results, cmd = batch
    proc, master = in_a_terminal(cmd)
    pid = proc.pid
    finished = lambda: len(list(results.glob(f"*/{PS}/results.json")))  # noqa: E731
    before = _read_all(master, until=lambda: finished() >= 3, timeout=300)
    assert finished() >= 3, before.decode(errors="replace")
    batch_processes = _descendants(pid)
    assert batch_processes, "the zygote and a child are running"
    os.write(master, b"\x03")  # Ctrl-C
    t0 = time.monotonic()
    after = _read_all(master, timeout=120)
    code = proc.wait(timeout=120)
    stopped_in = time.monotonic() - t0
    os.close(master)
    text = (before + after).decode("utf-8", errors="replace")
    assert code == 130, text[-3000:]
    assert stopped_in < 30, f"took {stopped_in:.1f} s to stop"
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text[-3000:]
    resume = [line for line in text.splitlines() if "run the same command again" in line]
    assert len(resume) == 1 and resume[0].lstrip().startswith("Interrupted:"), text[-3000:]
    time.sleep(0.5)
    assert not [p for p in batch_processes if engine_helpers.alive(p)], "no process of the batch is left"
    done = sorted(results.glob(f"*/{PS}/results.json"))
    assert 3 <= len(done) < len(STUDENTS)
    for path in done:  # complete results, and their reports
        assert json.loads(path.read_text())["score"] == _max_score()
        assert (path.parent / "feedback.html").is_file()
    assert (results / "report.html").is_file() and json.loads((results / "summary.json").read_text())["interrupted"]
    # What is left on disk is what a rerun keeps (complete results); that a rerun keeps those and grades the
    # rest is tested once, through the CLI, by test_engine_kill_resume.py::test_sigkill_midway_then_rerun
    # (after a harder stop) and test_engine_batch.py::test_rerun_keeps_existing_results_unless_forced.


def _max_score():
    from autograder.model import course

    return course.autograded_max_score(PS)  # the answer cells await a person


def test_a_closed_pipe_loses_output_not_files(batch):
    results, cmd = batch
    # two students are enough here
    for s in STUDENTS[2:]:
        shutil.rmtree(os.path.join(cmd[4], s))
    proc = subprocess.run(["bash", "-c", shlex.join(cmd) + " | head -1; exit ${PIPESTATUS[0]}"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
    assert len(proc.stdout.splitlines()) == 1
    assert (results / "report.html").is_file() and (results / "summary.json").is_file()
    assert all((results / s / PS / "feedback.html").is_file() for s in STUDENTS[:2])
    merged = results.parent / "merged"
    merge = [sys.executable, "-m", "autograder", "merge", str(results), "--out", str(merged)]
    proc = subprocess.run(["bash", "-c", shlex.join(merge) + " | head -1; exit ${PIPESTATUS[0]}"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert (merged / "summary.json").is_file() and (merged / "report.html").is_file()


def test_sigterm_is_a_clean_stop(batch):
    """A CI cancel (SIGTERM) ends the batch like Ctrl-C."""
    results, cmd = batch
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while len(list(results.glob(f"*/{PS}/results.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Traceback" not in err, err[-2000:]
    assert "run the same command again" in err
