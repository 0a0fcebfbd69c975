"""A batch killed with SIGKILL midway loses nothing finished, and a rerun grades the rest.

The CLI runs in its own session; once a few results exist, the whole session
(the CLI, its zygote and every sandboxed child) gets SIGKILL at once, the way
a CI runner or the OOM killer ends a job. Then: no grader process survives,
every results.json on disk is complete JSON, the rerun leaves those files
byte for byte and mtime for mtime alone, and grades the others.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from autograder.model.results import results_path
from tests import engine_helpers

PS = "ps1_softmax"
#: ten students, each notebook napping 0.5 s: killed after 4, the batch has seconds of work left
STUDENTS = [f"s{i:02d}" for i in range(10)]


def _finished(results):
    return sorted(results.glob(f"*/{PS}/results.json"))


def _session_members(sid):
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    members.append(int(entry))
            except OSError:
                pass
    return members


@pytest.mark.slow
def test_sigkill_midway_then_rerun(tmp_path):
    course_dir = engine_helpers.make_course(tmp_path / "course")
    # Every submission has a cell that sleeps, so the batch is still running when it is killed.
    nap = ["import time\ntime.sleep(0.5)\n"]
    submitted = engine_helpers.make_submissions(tmp_path / "submitted", {
        (s, PS): engine_helpers.submission(PS, correct=True, extra_after={"softmax": nap}) for s in STUDENTS
    })
    results = tmp_path / "results"
    cmd = [sys.executable, "-m", "autograder", "autograde", str(submitted), "--out", str(results),
           "--course", str(course_dir), "--workers", "1", "--timeout", "10", "--no-reports"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(_finished(results)) < 4 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the batch ended before it could be killed; make it slower"
    members = _session_members(proc.pid)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    # No grader process outlives the kill (the zygote and children die with their parent).
    end = time.monotonic() + 10
    while any(engine_helpers.alive(p) for p in members) and time.monotonic() < end:
        time.sleep(0.1)
    assert not [p for p in members if engine_helpers.alive(p)]

    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in _finished(results)}
    assert 4 <= len(before) < len(STUDENTS)
    for data, _ in before.values():
        done = json.loads(data)  # complete, never half-written: every autograded point, the answers pending
        assert done["score"] + done["pending_points"] == done["max_score"]
    leftovers = [p for p in results.rglob("*") if p.is_file() and p.name != "results.json"]
    assert not [p for p in leftovers if p.suffix not in (".csv", ".json")], leftovers

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for path, (data, mtime) in before.items():
        assert path.read_bytes() == data and path.stat().st_mtime_ns == mtime
    assert len(_finished(results)) == len(STUDENTS)
    for s in STUDENTS:
        data = json.loads(results_path(results, s, PS).read_text())
        assert data["score"] + data["pending_points"] == data["max_score"]  # the derivation awaits a person
    assert f"kept {len(before)} from an earlier run" in done.stdout
