"""What a batch makes of the disk's incidents (``autograder/engine/disk_incidents.py``, ``batch._Room``), rule by
rule: whose run is graded again, who is named, how long a write waits for room. The incidents themselves come
from real floods in ``tests/test_redteam_uid_mode.py``."""

from __future__ import annotations

import errno
import time

import pytest

from autograder.engine import disk_incidents, grade, zygote_keeper
from autograder.engine.disk_incidents import MAX_REGRADES, Ledger, Run, spoilt
from autograder.engine.grading_run import BatchSummary, GradingRun
from autograder.engine.local_pool import LocalPool
from autograder.model import course
from autograder.model import results as results_model
from autograder.model.notebook import load_source
from autograder.model.results import SubmissionResult
from autograder.model.submissions import Submission
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision.disk_watch import Incident
from autograder.perimeter.supervision.zygote_parent import GraderError

PS = "ps1_softmax"
#: Slot 0 graded "ann" from t=10 to t=20, slot 1 "bob" from t=12 to t=18.
ANN, BOB = Run(0, "ann/ps1", 10.0, 20.0), Run(1, "bob/ps1", 12.0, 18.0)


def test_a_neighbours_stop_for_its_own_flood_spoils_nothing_but_a_stop_while_looking_does():
    over = Incident("over", 15.0, 1, "70 MB", (1,))
    assert spoilt([over], ANN) == "" and spoilt([over], BOB) == ""
    looking = Incident("hidden", 15.0, 1, "80 MB", (0, 1))  # slot 0 was stopped first, for nothing
    assert "stopped while the grader looked" in spoilt([looking], ANN)
    assert spoilt([looking], BOB) == ""  # the culprit keeps its result: its cell says why it stopped
    assert spoilt([Incident("hidden", 25.0, 1, "", (0, 1))], ANN) == ""  # after ann's run: not ann's


def test_a_floods_own_run_keeps_its_result_when_the_watch_sees_it_just_after_it_ended():
    """The child stopped itself when its writes failed ("No space left on device" in its cell), and the watch's next
    look, after the run ended, found the folder over its share: that incident is the run's own (the slot's next run
    starts after the judgement), so it keeps its result instead of being graded again for a full disk."""
    late = Incident("over", 20.4, 0, "85 MB into its working folder")
    disk_full = ["OSError: [Errno 28] No space left on device"]
    assert spoilt([late], ANN, disk_full) == ""
    assert spoilt([], ANN, disk_full) != "", "without it, a cell that found the disk full is graded again"
    assert spoilt([Incident("over", 9.0, 0, "")], ANN, disk_full) != "", "a look before the run is not the run's"


def test_a_run_started_during_a_search_that_stopped_its_slot_is_graded_again():
    """A search stops the slots one at a time (here from t=15 to t=15.4): a run started on slot 0 at t=15.2, before
    slot 0's stop, was stopped by it. Counted as spoilt only from the search's first look (``at``), it kept its
    stopped cells: CI once graded an honest student 0 of 40 so, on a busy 2-core host where each stop is slow."""
    search = Incident("outside", 15.0, None, "20 MB and 0 files written by something other than the submissions",
                      (1, 0), until=15.4)
    assert "stopped while the grader looked" in spoilt([search], Run(0, "eve/ps1", 15.2, 15.5))
    assert spoilt([search], Run(0, "fay/ps1", 15.5, 16.0)) == ""  # started after the last stop
    assert spoilt([search], Run(2, "gus/ps1", 15.1, 16.0)) == ""  # a slot the search did not stop


def test_a_nearly_full_disk_spoils_every_run_it_overlaps_but_the_one_that_filled_it():
    low = Incident("low", 19.0, 1, "less than 8 MB free", until=30.0)
    assert spoilt([low], ANN) == "the disk was nearly full while it was graded"
    assert spoilt([low], Run(0, "cat/ps1", 31.0, 40.0)) == ""
    assert spoilt([low], Run(1, "bob/ps1", 18.5, 25.0)) == ""  # slot 1 held most of the disk: it filled it
    still_low = Incident("low", 5.0, None, "less than 8 MB free")  # not over yet
    assert spoilt([still_low], ANN) and spoilt([still_low], BOB)


def test_a_cell_that_found_the_disk_full_is_graded_again_unless_its_run_filled_it():
    errors = ["", "OSError: [Errno 28] No space left on device"]
    assert spoilt([], ANN, errors) == "the disk was full when one of its cells wrote to it"
    assert spoilt([Incident("over", 15.0, 0, "", (0,))], ANN, errors) == ""
    assert spoilt([], ANN, ["ValueError: no"]) == ""


class _Spoiling:
    """A sandbox (the keeper and its zygote at once) whose every run overlaps a nearly full disk, still open, while
    the disk has room again by the time a run is to be graded again (so nothing waits)."""

    watched = True

    def get(self, broken=None):
        return self

    def disk_incidents(self, after=None):
        return [Incident("low", 0.0, None, "less than 8 MB free")]

    def disk_low(self):
        return False

    def wrote(self, path):
        pass


def _grade_spoilt(monkeypatch, tmp_path, cell_error=""):
    """One submission graded by the local pool of a :class:`GradingRun` on :class:`_Spoiling` (the notebook's run replaced by a
    full-marks result, with ``cell_error`` in its one cell): the summary and the results written."""
    def full_marks(*args, **kwargs):
        result = SubmissionResult("ann", PS, 40.0, 40.0)
        result.execution.cells.append({"index": 1, "grade_id": "", "status": "error" if cell_error else "ok",
                                       "error": cell_error, "duration_s": 0.1})
        return result

    monkeypatch.setattr(grade, "grade_submission", full_marks)  # (the module both graders call)
    summary = BatchSummary(str(tmp_path), str(tmp_path / "results"))
    sub = Submission("ann", PS, tmp_path / f"{PS}.ipynb")
    source = load_source(course.ROOT / "source" / PS / f"{PS}.ipynb", PS)
    run = GradingRun({PS: (source, {})}, tmp_path / "results", Limits(), _Spoiling(), summary, lambda *event: None)
    LocalPool(run, [sub]).worker(0, 1)
    return summary, run.ledger.regraded, results_model.read_result(tmp_path / "results" / "ann" / PS / "results.json")


def test_a_run_spoilt_every_time_by_something_else_is_not_scored_but_failed_for_a_rerun(monkeypatch, tmp_path):
    """Graded again three times, and the fourth run spoilt too: whatever it scored is not the student's (a stop or
    a full disk may have cut it short), so it is listed as failed to grade, never written as a score."""
    summary, regraded, result = _grade_spoilt(monkeypatch, tmp_path)
    assert len(regraded) == MAX_REGRADES and summary.graded == 0
    [failure] = summary.failed
    assert "graded 4 times and each grading spoilt" in failure["error"] and "run the same autograde" in failure["error"]
    assert not result.complete


def test_a_run_whose_own_cells_alone_said_the_disk_was_full_is_scored_at_last_with_a_note(monkeypatch, tmp_path):
    """The one reason a submission can forge (its cells' error text): after three more gradings its last result
    stands, with a note, so that forging it gains nothing but time."""
    summary, regraded, result = _grade_spoilt(monkeypatch, tmp_path, "OSError: [Errno 28] No space left on device")
    assert len(regraded) == MAX_REGRADES and summary.failed == []
    assert result.complete and result.score == 40.0
    assert any("graded 4 times" in note for note in result.notes), result.notes


def test_a_dask_worker_grades_a_spoilt_run_again_as_a_local_batch_does(monkeypatch, tmp_path):
    """A cluster's worker in ``uid`` mode (``zygote_keeper.grade_in_sandbox``) follows the same rules in its own
    loop: graded again three times, then not scored (``GraderError``: the client lists it as failed to grade),
    unless only its own cells said the disk was full (scored, with a note)."""
    runs = []

    def graded(cell_error):
        def full_marks(*args, **kwargs):
            runs.append(1)
            result = SubmissionResult("ann", PS, 40.0, 40.0)
            result.execution.cells.append({"index": 1, "grade_id": "", "status": "error", "error": cell_error,
                                           "duration_s": 0.1})
            return result
        monkeypatch.setattr(zygote_keeper.grade, "grade_submission", full_marks)
        return zygote_keeper.grade_in_sandbox(_Spoiling(), 0, tmp_path / f"{PS}.ipynb", "ann", PS, None, {},
                                              Limits(), {}, ledger=ledger)

    ledger = Ledger()
    with pytest.raises(GraderError, match="graded 4 times and each grading spoilt"):
        graded("")
    assert len(runs) == MAX_REGRADES + 1
    # each run and each grading again recorded, as a local batch's ledger has them (for the report of the incidents)
    assert [r.key for r in ledger.runs] == [f"ann/{PS}"] * (MAX_REGRADES + 1)
    assert [why for _, why in ledger.regraded] == ["the disk was nearly full while it was graded"] * MAX_REGRADES
    result = graded("OSError: [Errno 28] No space left on device")
    assert result.score == 40.0 and any("graded 4 times" in note for note in result.notes), result.notes


def test_the_report_names_the_culprit_and_those_graded_again():
    ledger = Ledger()
    ledger.ran(ANN)
    ledger.ran(BOB)
    ledger.again(ANN, "stopped while looking")
    incidents = [Incident("hidden", 15.0, 1, "80 MB (3 files) outside its working folder's tree", (0, 1)),
                 Incident("outside", 16.0, None, "20 MB and 0 files written by something other than the submissions")]
    entries, lines = ledger.report(incidents, started=10.0)
    assert entries[0] == {"kind": "hidden", "submission": "bob/ps1", "detail": incidents[0].detail, "at_s": 5.0,
                          "until_s": None, "graded_again": ["ann/ps1"]}
    assert lines[0] == ("disk: bob/ps1 was stopped: it held 80 MB (3 files) outside its working folder's tree; "
                        "graded again because of it: ann/ps1")
    assert entries[1]["submission"] == "" and lines[1].startswith("disk: the disk grew by 20 MB")


def test_the_holder_of_hidden_bytes_is_the_run_on_its_slot_when_it_was_stopped():
    """A search for hidden bytes runs from ``at`` to ``until``, one stop at a time: a child that started on the
    holder's slot after the search began, and was the one stopped, is named (not the run before it, nor no one)."""
    ledger = Ledger()
    ledger.ran(Run(1, "ann/ps1", 10.0, 14.0))
    ledger.ran(Run(1, "bob/ps1", 15.5, 17.0))
    hidden = Incident("hidden", 15.0, 1, "80 MB (3 files) outside its working folder's tree", (0, 1), until=16.0)
    assert ledger.culprit(hidden) == "bob/ps1"
    assert ledger.culprit(Incident("over", 15.0, 1, "9 MB")) == "ann/ps1"


def test_a_dask_workers_incidents_reach_the_summary_with_its_name_on_the_batchs_clock(tmp_path):
    """Each task's answer carries its worker's incidents so far (:meth:`dask_runner._WorkerGrader.disk`, the same
    report a local batch makes); the client keeps the latest of each worker and puts them on the batch's clock,
    each with the worker it happened on, for summary.json and the terminal."""
    dask_runner = pytest.importorskip("autograder.engine.dask_runner", reason="the [dask] extra is not installed")
    grader = dask_runner._WorkerGrader(1, "fingerprint", "node-7")
    try:
        grader.ledger.ran(Run(0, f"ann/{PS}", grader.started + 1.0, grader.started + 9.0))
        grader.ledger.ran(Run(1, f"bob/{PS}", grader.started + 2.0, grader.started + 5.0))
        grader.ledger.again(Run(1, f"bob/{PS}", grader.started + 2.0, grader.started + 5.0), "stopped while looking")
        keeper = _Spoiling()
        keeper.disk_incidents = lambda after=None: [Incident("over", grader.started + 3.0, 0, "512 MB in 3 files",
                                                             (0, 1))]
        disk = grader.disk(keeper)
    finally:
        grader.close()
    assert disk["worker"] == "node-7" and disk["incidents"] == [
        {"kind": "over", "submission": f"ann/{PS}", "detail": "512 MB in 3 files", "at_s": 3.0, "until_s": None,
         "graded_again": [f"bob/{PS}"]}]

    run = GradingRun({PS: (None, {})}, tmp_path / "results", Limits(), None,
                     BatchSummary(str(tmp_path), str(tmp_path / "results")), lambda *event: None)
    runner = dask_runner._Client(None, run, ())
    run.write = lambda sub, source, data: None
    answer = (b'{"score": 40, "max_score": 40}', {"mode": "uid"}, disk)
    task = dask_runner._Task(Submission("ann", PS, tmp_path / f"{PS}.ipynb"), b"{}")
    runner.finish(task, type("Done", (), {"result": staticmethod(lambda: answer)})())
    [entry] = runner.incidents()
    batch_wall = time.time() - (time.monotonic() - run.started)
    assert entry["worker"] == "node-7" and entry["submission"] == f"ann/{PS}"
    assert abs(entry["at_s"] - (disk["started_wall"] + 3.0 - batch_wall)) < 0.05, entry
    assert disk_incidents.warning_line(entry) == (f"disk: ann/{PS} was stopped: it wrote 512 MB in 3 files (on the "
                                                  f"Dask worker node-7); graded again because of it: bob/{PS}")


def test_a_write_waits_for_room_once_per_batch(monkeypatch):
    """A write that finds the disk full is tried again until it succeeds or the wait is over; after a wait that
    found no room, the next writes of the batch give up at once, until one succeeds again."""
    monkeypatch.setattr(disk_incidents, "DISK_WAIT_S", 1.0)
    room, calls = disk_incidents.Room(), []

    def full():
        calls.append(time.monotonic())
        raise OSError(errno.ENOSPC, "No space left on device")

    started = time.monotonic()
    with pytest.raises(OSError):
        room.retry(full)
    assert time.monotonic() - started >= 1.0 and len(calls) >= 2
    calls.clear()
    with pytest.raises(OSError):
        room.retry(full)
    assert len(calls) == 1  # no wait a second time
    assert room.retry(lambda: "written") == "written" and not room.none.is_set()
    freed = iter([OSError(errno.ENOSPC, "full"), OSError(errno.ENOSPC, "full"), None])

    def then_room():
        error = next(freed)
        if error is not None:
            raise error
        return "written"

    assert room.retry(then_room) == "written"
    with pytest.raises(PermissionError):  # other errors are not waited for
        room.retry(lambda: (_ for _ in ()).throw(PermissionError(errno.EACCES, "no")))


def test_the_culprit_is_the_slots_last_run_even_when_the_watch_looks_after_it_ended():
    """A child that stopped itself (its own writes failed) ends its run before the watch's next look finds its folder
    over its share: the folder is still that run's until the slot is killed and emptied, so that run is named. A
    Dask worker's report on a loaded host came back with no culprit (tests/test_redteam_uid_mode.py, under load)."""
    ledger = Ledger()
    for run in (ANN, BOB, Run(0, "cat/ps1", 25.0, 30.0)):
        ledger.ran(run)
    assert ledger.culprit(Incident("over", 20.5, 0, "85 MB")) == "ann/ps1"  # (after ann's run ended, before cat's)
    assert ledger.culprit(Incident("over", 26.0, 0, "85 MB")) == "cat/ps1"
    assert ledger.culprit(Incident("over", 9.0, 0, "85 MB")) == ""  # (before any run of that slot)
    assert ledger.culprit(Incident("over", 15.0, 2, "85 MB")) == ""  # (a slot nothing ran on)
    assert ledger.culprit(Incident("outside", 15.0, None, "20 MB")) == ""
