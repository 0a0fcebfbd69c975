"""Red team: nbgrader's exchange as the record of when a submission was handed in (``--submitted-at exchange=``).

The exchange's ``inbound/`` is written by every student (nbgrader's layout: ``drwx-wx-wx``; each submission's folder
made ``0777`` by ``nbgrader submit``), and ``nbgrader submit --student=<anyone>`` names a folder after anyone; nbgrader's
own ``collect`` only warns that a folder "claims to be submitted by … cheating attempt?". So the grader cannot take the
newest change time of every folder that bears a student's name, nor a folder's own change time alone:

* another student makes an empty folder ``ada+ps1_softmax+<an old time>+x`` after the deadline: ``collect`` takes
  Ada's real submission (it keeps the newest time in the names), and her time must stay hers — before, the forged
  folder's change time was taken, and Ada lost a day's penalty;
* a student hands in a draft before the deadline, and after it writes the finished notebook over the draft, in place,
  in their own ``inbound`` folder (whose change time moves only when an entry is added or removed): ``collect`` takes
  the finished notebook, and its time must be when that reached the exchange — before, the draft's time was taken,
  and the late notebook kept every point;
* a student hands in a draft before the deadline and the finished notebook after it (``nbgrader submit`` again: a
  second folder with a later name), then writes the draft's stamp into the second folder's timestamp.txt:
  ``collect`` takes the second folder and copies that stamp. Its time must be its own, as late as an honest late
  hand-in's, the repeated stamp flagged — before, the folder was told by the stamp, the draft's time was taken,
  and the late notebook kept every point (issue 83: 40 where the honest late hand-in got 15).

Everything is real: ``nbgrader submit`` and ``nbgrader collect`` on an exchange of the test's, notebooks filled with
the references and graded by the engine through the command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autograder.model.course import ROOT
from testkit import nbgrader_course
from testkit.fill import filled_release

PS = "ps1_softmax"
COURSE_ID = "c101"

pytestmark = pytest.mark.skipif(not (ROOT / "release" / PS / f"{PS}.ipynb").is_file(), reason="no release notebook")


def _nbgrader(cwd: Path, *args: str) -> str:
    proc = subprocess.run([*nbgrader_course.nbgrader_command(), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=nbgrader_course.tool_env())
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _submit(tmp_path: Path, exchange: Path, student: str, nb: dict) -> Path:
    """``nbgrader submit`` of ``nb`` by ``student``; the folder it made in ``inbound``."""
    home = tmp_path / "homes" / student
    (home / PS).mkdir(parents=True)
    (home / PS / f"{PS}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    out = _nbgrader(home, "submit", PS, "--course", COURSE_ID, f"--Exchange.root={exchange}", f"--student={student}")
    made = next(line.split("Destination: ", 1)[1].strip() for line in out.splitlines() if "Destination: " in line)
    return Path(made)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("exchange")
    exchange = tmp_path / "exchange"
    inbound = exchange / COURSE_ID / "inbound"
    inbound.mkdir(parents=True)
    os.chmod(inbound, 0o733)  # (nbgrader's layout: any student may make a folder, none may list)
    outbound = exchange / COURSE_ID / "outbound" / PS
    outbound.mkdir(parents=True)
    release = json.loads((ROOT / "release" / PS / f"{PS}.ipynb").read_text(encoding="utf-8"))
    (outbound / f"{PS}.ipynb").write_text(json.dumps(release), encoding="utf-8")
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    os.symlink(ROOT / "source" / PS, course / "source" / PS)

    full = filled_release(PS)
    _submit(tmp_path, exchange, "ada", full)                   # on time, full marks
    draft = _submit(tmp_path, exchange, "mallory", release)    # a draft on time: nothing written yet
    oscar_draft = _submit(tmp_path, exchange, "oscar", release)  # a draft on time
    time.sleep(1.2)
    due = datetime.now(UTC).replace(microsecond=0)
    (course / "deadlines.toml").write_text(f'[due]\n{PS} = {due.isoformat().replace("+00:00", "Z")}\n'
                                           '[policy]\nmethod = "per_day"\ndeduct = "10%"\n', encoding="utf-8")
    time.sleep(1.2)  # the deadline has passed

    # Mallory, after the deadline: a folder in Ada's name (an old time in it, so collect still takes Ada's own) ...
    (inbound / f"ada+{PS}+2020-01-01 00:00:00.000000 UTC+forged").mkdir()
    # ... and her own finished notebook written over her draft, in place: no entry of her folder added or removed
    target = draft / f"{PS}.ipynb"
    os.chmod(target, 0o644)
    with open(target, "r+", encoding="utf-8") as fh:
        fh.truncate(0)
        fh.write(json.dumps(full))

    _submit(tmp_path, exchange, "hugo", full)  # honest and late
    time.sleep(0.2)  # (a later time in the second folder's name)
    oscar_late = _submit(tmp_path / "again", exchange, "oscar", full)  # late, then given the draft's stamp
    os.chmod(oscar_late / "timestamp.txt", 0o644)
    (oscar_late / "timestamp.txt").write_text((oscar_draft / "timestamp.txt").read_text())

    _nbgrader(course, "collect", PS, "--course", COURSE_ID, f"--Exchange.root={exchange}")
    proc = subprocess.run([sys.executable, "-m", "autograder", "autograde", "submitted", "--out", "results",
                           "--course", ".", "--submitted-at", f"exchange={inbound}"], cwd=course, capture_output=True,
                          text=True, timeout=600, env=nbgrader_course.tool_env())
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-3000:]
    results = {s: json.loads((course / "results" / s / PS / "results.json").read_text(encoding="utf-8"))
               for s in ("ada", "mallory", "oscar", "hugo")}
    return results, due


def test_a_folder_another_student_made_in_your_name_does_not_make_you_late(graded):
    results, due = graded
    ada = results["ada"]
    assert ada["submitted"]["trusted"] and datetime.fromisoformat(ada["submitted"]["at"]) < due
    assert ada["late"]["status"] == "on_time" and ada["score"] == ada["max_score"] - ada.get("pending_points", 0)


def test_a_notebook_written_over_a_draft_after_the_deadline_is_late(graded):
    results, due = graded
    mallory = results["mallory"]
    assert mallory["late"]["raw_score"] > 0, "the finished notebook was collected and graded"
    assert datetime.fromisoformat(mallory["submitted"]["at"]) > due - timedelta(seconds=0.5)
    assert mallory["late"]["status"] == "late" and mallory["late"]["penalty"] > 0


def test_a_later_folder_given_an_earlier_stamp_is_as_late_as_an_honest_late_one(graded):
    results, due = graded
    oscar, hugo = results["oscar"], results["hugo"]
    assert oscar["late"]["raw_score"] == hugo["late"]["raw_score"] > 0, "the finished notebook was collected"
    assert datetime.fromisoformat(oscar["submitted"]["at"]) > due
    assert (oscar["late"]["status"], oscar["late"]["penalty"], oscar["score"]) == (
        hugo["late"]["status"], hugo["late"]["penalty"], hugo["score"]) and hugo["late"]["status"] == "late"
    assert "repeats that of the student's other folder in the exchange" in oscar["late"]["time_flag"]
