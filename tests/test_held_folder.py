"""A grader's folders in the temporary directory outlive no grader: one killed outright leaves them, the next removes them.

Found in the Dask tests: every worker a notebook killed left its zygote's home (``autograder-zygote-*``) and its
own folder (``probdl-dask-*``, with the problem sets' source notebooks, hidden tests included) in the temporary
directory: seven and eight a run of tests/test_engine_dask.py; on a cluster node, one of each per worker death.
Each test here runs the real process (a grader that makes a folder, a real zygote) in a temporary directory of its
own and kills it with SIGKILL, which no handler of ours sees.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.perimeter.supervision import held_folder
from autograder.perimeter.supervision.held_folder import DASK_WORKER, GRACE, LOCK, ZYGOTE_HOME, sweep
from autograder.perimeter.supervision.zygote_parent import Zygote

ROOT = Path(__file__).resolve().parents[1]

#: a grader in a process of its own: starts a real zygote, or only makes a Dask worker's folder (``folder``);
#: prints the folder and waits to be killed, holding what holds the lock
GRADER = """
import sys
from autograder.perimeter.supervision import held_folder
from autograder.perimeter.supervision.zygote_parent import Zygote
held = held_folder.make(held_folder.DASK_WORKER) if sys.argv[1] == "folder" else Zygote(slots=1).start()
print(held[0] if sys.argv[1] == "folder" else held._dir, flush=True)
sys.stdin.read()
"""


def _grader(tmp_path: Path, what: str) -> tuple[subprocess.Popen[str], Path]:
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", GRADER, what], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env, cwd=tmp_path)
    assert proc.stdout is not None
    folder = Path(proc.stdout.readline().strip())
    assert folder.parent == tmp_path and (folder / LOCK).is_file(), folder
    return proc, folder


def _age(folder: Path, seconds: float = 2 * GRACE) -> None:
    past = time.time() - seconds
    os.utime(folder, (past, past), follow_symlinks=False)


@pytest.mark.parametrize(("what", "prefix"), [("folder", DASK_WORKER), ("zygote", ZYGOTE_HOME)])
def test_a_folder_is_kept_while_its_grader_lives_and_removed_once_it_was_killed(tmp_path, what, prefix):
    proc, folder = _grader(tmp_path, what)
    assert folder.name.startswith(prefix) and folder.stat().st_mode & 0o777 == 0o700
    try:
        _age(folder)
        assert sweep(prefix, str(tmp_path)) == [] and folder.is_dir()  # held: however old, it is its grader's
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    _age(folder)
    removed = sweep(prefix, str(tmp_path))
    assert removed == [str(folder)] or what == "zygote", removed
    deadline = time.monotonic() + 30  # (a real zygote is still ending meanwhile: a second pass if it wrote more)
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
        _age(folder)
        sweep(prefix, str(tmp_path))
    assert not folder.exists()


def test_a_new_folder_sweeps_the_stale_ones_of_its_kind_first(tmp_path, monkeypatch):
    proc, stale = _grader(tmp_path, "folder")
    proc.kill()
    proc.wait()
    _age(stale)
    monkeypatch.setattr(held_folder.tempfile, "tempdir", str(tmp_path))
    home, home_lock = held_folder.make(ZYGOTE_HOME)  # another kind: the worker's folder stays
    assert stale.exists()
    folder, lock = held_folder.make(DASK_WORKER)
    try:
        assert not stale.exists() and Path(folder, LOCK).is_file() and Path(home).is_dir()
    finally:
        lock.close()
        home_lock.close()


def test_what_is_not_a_stale_folder_of_ours_is_left_alone(tmp_path):
    young = tmp_path / f"{ZYGOTE_HOME}young"  # its grader may not have taken the lock yet
    young.mkdir()
    (young / LOCK).touch()
    older_grader = tmp_path / f"{ZYGOTE_HOME}unlocked"  # a grader from before the lock: nothing says it has ended
    older_grader.mkdir()
    other = tmp_path / "autograder-slots-x"
    other.mkdir()
    (other / LOCK).touch()
    link = tmp_path / f"{ZYGOTE_HOME}link"
    link.symlink_to(other)
    a_file = tmp_path / f"{ZYGOTE_HOME}file"
    a_file.write_text("")
    for path in (older_grader, other, link, a_file):
        _age(path)
    assert sweep(ZYGOTE_HOME, str(tmp_path)) == []
    assert all(p.exists() for p in (young, older_grader, other, link, a_file))
    assert sweep(ZYGOTE_HOME, str(tmp_path / "missing")) == []  # a temporary directory that is not there


def test_a_zygote_closed_as_usual_leaves_nothing_and_lets_go_of_its_lock(tmp_path, monkeypatch):
    monkeypatch.setattr(held_folder.tempfile, "tempdir", str(tmp_path))
    zygote = Zygote(slots=1).start()
    folder = Path(zygote._dir)
    assert folder.parent == tmp_path
    zygote.close()
    assert not folder.exists() and zygote._home_lock is None
