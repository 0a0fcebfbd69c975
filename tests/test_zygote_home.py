"""A zygote's home folder outlives no grader: one killed outright leaves it, and the next grader removes it.

Found in the Dask tests: every worker a notebook killed left its zygote's ``autograder-zygote-*`` folder in the
temporary directory (seven a run of tests/test_engine_dask.py; on a cluster node, one per worker death). Each test
here runs the real process (a grader that makes a home, or a real zygote) in a temporary directory of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.engine import zygote_home
from autograder.engine.zygote_home import GRACE, LOCK, PREFIX, sweep
from autograder.engine.zygote_parent import Zygote

ROOT = Path(__file__).resolve().parents[1]

#: a grader in a process of its own: starts a real zygote (or, with ``home``, only makes its home), prints the
#: folder, and waits to be killed
GRADER = """
import sys
from autograder.engine.zygote_home import make_home
from autograder.engine.zygote_parent import Zygote
held = make_home() if sys.argv[1] == "home" else Zygote(slots=1).start()  # (kept: the lock is held by it)
print(held[0] if sys.argv[1] == "home" else held._dir, flush=True)
sys.stdin.read()
"""


def _grader(tmp_path: Path, what: str) -> tuple[subprocess.Popen[str], Path]:
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", GRADER, what], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env, cwd=tmp_path)
    assert proc.stdout is not None
    folder = Path(proc.stdout.readline().strip())
    assert folder.parent == tmp_path and folder.name.startswith(PREFIX), folder
    return proc, folder


def _age(folder: Path, seconds: float = 2 * GRACE) -> None:
    past = time.time() - seconds
    os.utime(folder, (past, past))


@pytest.mark.parametrize("what", ["home", "zygote"])
def test_a_home_is_kept_while_its_grader_lives_and_removed_once_it_was_killed(tmp_path, what):
    proc, folder = _grader(tmp_path, what)
    try:
        _age(folder)
        assert sweep(str(tmp_path)) == [] and folder.is_dir()  # held: however old, it is its grader's
    finally:
        proc.send_signal(signal.SIGKILL)  # (no handler, no exit code of ours runs: what a dying worker gets)
        proc.wait()
    # a real zygote notices its grader's end and exits; give it the time it takes
    deadline = time.monotonic() + 30
    while sweep(str(tmp_path)) == [] and time.monotonic() < deadline:
        _age(folder)
        time.sleep(0.2)
    assert not folder.exists()


def test_a_new_home_sweeps_the_stale_ones_first(tmp_path, monkeypatch):
    proc, stale = _grader(tmp_path, "home")
    proc.kill()
    proc.wait()
    _age(stale)
    monkeypatch.setattr(zygote_home.tempfile, "tempdir", str(tmp_path))
    folder, lock = zygote_home.make_home()
    try:
        assert not stale.exists() and Path(folder, LOCK).is_file()
    finally:
        lock.close()


def test_what_is_not_a_stale_home_of_ours_is_left_alone(tmp_path):
    young = tmp_path / f"{PREFIX}young"  # its grader may not have taken the lock yet
    (young / LOCK).parent.mkdir()
    (young / LOCK).touch()
    older_grader = tmp_path / f"{PREFIX}unlocked"  # a grader from before the lock: nothing says it has ended
    older_grader.mkdir()
    other = tmp_path / "autograder-slots-x"
    other.mkdir()
    (other / LOCK).touch()
    link = tmp_path / f"{PREFIX}link"
    link.symlink_to(other)
    a_file = tmp_path / f"{PREFIX}file"
    a_file.write_text("")
    for path in (older_grader, other, a_file):
        _age(path)
    assert sweep(str(tmp_path)) == []
    assert all(p.exists() for p in (young, older_grader, other, link, a_file))
    assert sweep(str(tmp_path / "missing")) == []  # a temporary directory that is not there: nothing to do


def test_a_zygote_closed_as_usual_leaves_nothing_and_lets_go_of_its_lock(tmp_path, monkeypatch):
    monkeypatch.setattr(zygote_home.tempfile, "tempdir", str(tmp_path))
    zygote = Zygote(slots=1).start()
    folder = Path(zygote._dir)
    assert folder.parent == tmp_path
    zygote.close()
    assert not folder.exists() and zygote._home_lock is None
