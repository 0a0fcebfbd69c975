"""The disk watch's own rules (``autograder/perimeter/supervision/disk_watch.py``), one tick at a time, on a tmpfs of its own.

A slot is a folder; "stopping" it (the zygote's ``kill``, in the product) is here closing what the test holds for
it. The floods of real submissions in real batches are ``tests/test_redteam_uid_mode.py``'s.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time

import pytest

from autograder.engine.disk_incidents import Ledger, Run
from autograder.perimeter.confinement import syscalls
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.confinement.workdirs import remove_tree
from autograder.perimeter.supervision import disk_watch
from autograder.perimeter.supervision.disk_watch import STOPPED_FOR_NOTHING, DiskWatch, SlotQuota, folder_usage
from autograder.perimeter.supervision.zygote_parent import Zygote

MB = 1024 * 1024


@pytest.fixture
def disk():
    """A 64 MB tmpfs (root only): no one else writes there, so the filesystem's count is the test's alone."""
    if os.geteuid() != 0:
        pytest.skip("mounts a tmpfs (root only)")
    path = tempfile.mkdtemp(prefix="probdl-disk-watch-", dir="/var/tmp")
    syscalls.mount("tmpfs", path, "tmpfs", syscalls.MS_NOSUID | syscalls.MS_NODEV, "size=64m,mode=0755")
    try:
        yield path
    finally:
        syscalls.umount(path)
        shutil.rmtree(path, ignore_errors=True)


def write(path, mb):
    with open(path, "wb") as fh:
        fh.write(b"x" * int(mb * MB))


class Slots:
    """Two slots' folders on ``disk`` and what the test holds open for each (closed when the slot is stopped)."""

    def __init__(self, disk, share_mb=8, files=64):
        self.held = {0: [], 1: []}
        self.stops = []
        quotas = {}
        for slot in (0, 1):
            folder = os.path.join(disk, str(slot))
            os.mkdir(folder)
            quotas[slot] = SlotQuota(folder, share_mb * MB, files)
        self.watch = DiskWatch(disk, quotas, self.stop, low_water=4 * MB)
        self.watch._rebase()

    def stop(self, slot):
        self.stops.append(slot)
        for fh in self.held[slot]:
            fh.close()
        self.held[slot] = []

    def hide(self, slot, mb):
        """A file of ``slot``'s, deleted while held open: bytes no walk of its folder sees."""
        path = os.path.join(self.watch.quotas[slot].folder, f"hidden-{len(self.held[slot])}")
        fh = open(path, "wb")  # noqa: SIM115 — held open on purpose: the attack is a deleted file still open
        fh.write(b"x" * int(mb * MB))
        fh.flush()
        os.unlink(path)
        self.held[slot].append(fh)

    def ticks(self, n=2):
        for _ in range(n):
            self.watch.tick()


def test_the_walk_counts_blocks_once_follows_no_link_and_is_bounded(tmp_path):
    os.makedirs(tmp_path / "a" / "b")
    write(tmp_path / "a" / "b" / "big", 1)
    os.link(tmp_path / "a" / "b" / "big", tmp_path / "a" / "again")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    write(outside, 4)
    try:
        os.symlink(outside, tmp_path / "a" / "link")
        usage = folder_usage(str(tmp_path), 100)
    finally:
        outside.unlink()
    assert usage.complete and usage.files == 5  # a, b, big, again, link
    assert MB <= usage.bytes < 2 * MB  # the hard link once; the link's target not at all
    capped = folder_usage(str(tmp_path), 3)
    assert not capped.complete and capped.files == 4 and not capped.too_deep  # read no further than one past


def test_a_chain_of_any_depth_is_measured_and_a_branching_tree_too_deep_is_counted_over(tmp_path):
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        os.mkdir("chain")
        os.chdir("chain")
        for _ in range(1500):  # deeper than PATH_MAX allows a path to be, and than a stack of descriptors
            os.mkdir("d")
            os.chdir("d")
        write("leaf", 0.1)
        os.chdir(tmp_path)
        os.mkdir("comb")
        os.chdir("comb")
        for _ in range(disk_watch.MAX_OPEN_FOLDERS + 10):
            os.mkdir("a")
            os.mkdir("b")
            os.chdir("a")
    finally:
        os.chdir(here)
    try:
        chain = folder_usage(str(tmp_path / "chain"), 10_000)
        assert chain.complete and chain.files == 1501 and chain.bytes >= 0.1 * MB
        comb = folder_usage(str(tmp_path / "comb"), 10_000)
        assert comb.too_deep and not comb.complete and comb.files > 10_000
    finally:  # (pytest's own clean-up of old temporary folders recurses, and would fail on the chain)
        assert remove_tree(str(tmp_path), "chain") and remove_tree(str(tmp_path), "comb")


def test_a_slot_over_its_share_is_stopped_once(disk):
    slots = Slots(disk)
    write(os.path.join(disk, "0", "a"), 5)
    slots.ticks()
    assert slots.stops == [] and slots.watch.incidents() == []
    write(os.path.join(disk, "0", "b"), 5)
    slots.ticks()
    assert slots.stops == [0]
    [incident] = slots.watch.incidents()
    assert incident.kind == "over" and incident.slot == 0 and "more than the 8 MB allowed" in incident.detail
    assert slots.watch.why_stopped(0) == "it wrote more than the 8 MB allowed into its working folder"
    assert slots.watch.why_stopped(0) == ""  # (said once)
    slots.ticks()
    assert slots.stops == [0]  # not again while its folder is not emptied


def test_an_amount_just_over_the_share_never_reads_as_the_share(disk):
    """A flood stopped a few kB past its share read "8.0 MB …, more than the 8 MB allowed" (rounded to the nearest
    tenth; CI's red-team run saw it at 64 MB). Rounded up, it reads 8.1."""
    slots = Slots(disk)
    write(os.path.join(disk, "0", "a"), 8)
    write(os.path.join(disk, "0", "b"), 4096 / MB)
    slots.ticks()
    [incident] = slots.watch.incidents()
    assert incident.detail.startswith("8.1 MB into its working folder, more than the 8 MB allowed"), incident


def test_an_over_share_is_dated_by_when_its_folder_was_read_and_names_the_run_that_wrote_it(disk):
    """A tick held back on a busy host (the GIL of a Dask worker's process, a long walk of other folders) began
    before the flooding run did: dated by the tick's start, the incident named no one (CI met it: "submission": ''
    in a Dask batch's summary). Dated by when the folder was read, the ledger names the run that wrote it."""
    slots = Slots(disk)
    tick_began = time.monotonic()
    flood = Run(0, "aal/ps1", time.monotonic(), 0.0)  # started after the tick began, still running
    write(os.path.join(disk, "0", "flood"), 9)
    slots.watch.tick(now=tick_began)
    [incident] = slots.watch.incidents()
    assert incident.kind == "over" and incident.at >= flood.started, (incident, flood)
    ledger = Ledger()
    ledger.ran(flood)
    assert ledger.culprit(incident) == "aal/ps1"


def test_too_many_files_is_over_too(disk):
    slots = Slots(disk, files=64)
    for i in range(80):
        open(os.path.join(disk, "1", f"f{i}"), "w").close()
    slots.ticks()
    assert slots.stops == [1] and "more than the 64 files" in slots.watch.incidents()[0].detail


def test_bytes_held_outside_the_folders_are_found_by_stopping_slots_until_they_are_freed(disk):
    """Slot 0 holds the larger folder (so it is stopped first) but nothing hidden; slot 1 holds 12 MB it deleted:
    stopping slot 0 frees nothing (its run is to be done again), stopping slot 1 frees the growth."""
    slots = Slots(disk)
    write(os.path.join(disk, "0", "visible"), 2)
    slots.hide(1, 6)
    slots.ticks()
    assert slots.stops == []  # 6 MB no folder holds: within one share
    slots.hide(1, 6)
    slots.ticks()
    assert slots.stops == [0, 1]
    [incident] = slots.watch.incidents()
    assert (incident.kind, incident.slot, incident.stopped) == ("hidden", 1, (0, 1)), incident
    assert "looked for a submission filling the disk" in slots.watch.why_stopped(0)
    assert "outside its working folder" in slots.watch.why_stopped(1)
    slots.ticks()
    assert slots.stops == [0, 1]


def test_the_slot_that_hid_bytes_last_is_stopped_first_when_bytes_hide_again(disk):
    """The holder found, its next cells run in a fresh process, which may hide bytes again: the next search stops it
    first, so the neighbour with the larger folder is not stopped (and graded again) a second time for it."""
    slots = Slots(disk)
    write(os.path.join(disk, "0", "visible"), 2)
    slots.hide(1, 12)
    slots.ticks()
    assert slots.stops == [0, 1]
    slots.hide(1, 12)  # (the fresh process of the same submission, on the same slot)
    slots.ticks()
    assert slots.stops == [0, 1, 1]
    assert [(i.kind, i.slot, i.stopped) for i in slots.watch.incidents()] == [("hidden", 1, (0, 1)), ("hidden", 1, (1,))]


def test_growth_nobody_holds_is_someone_elses_and_is_looked_into_again_only_past_twice_as_much(disk):
    slots = Slots(disk)
    write(os.path.join(disk, "elsewhere-1"), 10)
    slots.ticks()
    assert slots.stops == [0, 1]
    [incident] = slots.watch.incidents()
    assert incident.kind == "outside" and incident.slot is None and incident.stopped == (0, 1)
    write(os.path.join(disk, "elsewhere-2"), 10)
    slots.ticks()
    assert len(slots.watch.incidents()) == 1  # 10 MB more: under twice the 10 MB seen


def test_a_nearly_full_disk_is_a_window_with_the_slot_holding_most(disk):
    """The slot holding most when the disk became nearly full is named (here it filled it within its share, with
    someone else's help); the growth no slot holds is then looked into at once."""
    slots = Slots(disk, share_mb=64)
    write(os.path.join(disk, "1", "big"), 15)
    write(os.path.join(disk, "filler"), 46)
    slots.ticks()
    assert slots.watch.disk_low()
    [low] = [i for i in slots.watch.incidents() if i.kind == "low"]
    assert low.slot == 1 and low.until is None
    assert [i.kind for i in slots.watch.incidents() if i.kind != "low"] == ["outside"]
    os.unlink(os.path.join(disk, "filler"))
    slots.ticks(1)
    [low] = [i for i in slots.watch.incidents() if i.kind == "low"]
    assert low.until is not None and low.until >= low.at and not slots.watch.disk_low()


def test_a_search_is_a_window_from_its_first_look_to_its_last_stop(disk):
    """The slots are stopped one at a time, each stop waiting for its slot's processes to end: a child that starts
    on a slot after the search began and before that slot's stop is stopped by it. The incident spans the search
    (``at`` to the last stop), so that the batch grades such a child again (``tests/test_engine_disk_incidents.py``)."""
    slots = Slots(disk)
    times = []
    stop = slots.stop
    slots.watch._stop_slot = lambda slot: (times.append(time.monotonic()), stop(slot))
    write(os.path.join(disk, "elsewhere"), 10)
    slots.ticks()
    [incident] = slots.watch.incidents()
    assert incident.kind == "outside" and incident.stopped == (0, 1)
    assert incident.at <= times[0] <= incident.until <= times[1], (incident, times)


def test_settled_waits_for_a_look_after_the_moment_and_for_a_search_under_way(disk):
    """A run's stopped child may end while the search that stopped it is still stopping other slots (each stop
    waits for its slot's processes): the incident is recorded when the search ends, so the grader asks for a look
    begun after its run ended (``settled``) before it judges the run. Here each stop takes 0.3 s."""
    slots = Slots(disk)
    stop = slots.stop
    slots.watch._stop_slot = lambda slot: (time.sleep(0.3), stop(slot))
    slots.watch.start()
    try:
        assert slots.watch.settled(time.monotonic(), timeout=5)
        write(os.path.join(disk, "elsewhere"), 10)
        while not slots.stops:  # the first slot stopped: its run has ended, the search goes on
            time.sleep(0.01)
        ended = time.monotonic()
        assert slots.watch.incidents() == []  # (what the grader read before it waited)
        assert slots.watch.settled(ended, timeout=5)
        [incident] = slots.watch.incidents()
        assert incident.kind == "outside" and incident.stopped == (0, 1) and incident.at <= ended
    finally:
        slots.watch.close()
    assert not slots.watch.settled(time.monotonic(), timeout=5)  # a closed watch: at once


def test_a_stop_of_an_idle_slot_is_not_given_as_the_next_childs_reason(tmp_path, monkeypatch):
    """A search stops every slot, some with no child at that moment: the reason it leaves for such a slot must not
    be given for the death of the slot's next child (its own segfault or limit would read "stopped while the grader
    looked for a submission filling the disk"). A new child's spawn forgets it."""
    zygote = Zygote()
    zygote.watch = DiskWatch(str(tmp_path), {0: SlotQuota(str(tmp_path / "0"), 8 * MB, 64)}, lambda slot: None)
    zygote.watch._stop(0, STOPPED_FOR_NOTHING)
    monkeypatch.setattr(zygote, "_spawn", lambda slot, limits, hello_timeout: "the child")
    assert zygote.spawn(0, Limits()) == "the child"
    assert zygote.why_stopped(0) == ""


def test_a_nearly_full_disk_dates_from_the_last_look_that_found_room(disk):
    """The disk may have filled at any moment after the last look that found it with room: a run that ended
    between that look and the next overlapped the window (a tick that comes late, on a busy host, is long)."""
    slots = Slots(disk, share_mb=64)
    slots.watch.tick(now=1000.0)
    write(os.path.join(disk, "filler"), 61)
    slots.watch.tick(now=1000.5)
    [low] = [i for i in slots.watch.incidents() if i.kind == "low"]
    assert low.at == 1000.0 and low.until is None


def test_the_shares_shrink_to_what_the_disk_holds(disk):
    slots = Slots(disk, share_mb=64)
    watch = slots.watch
    assert watch.fair_share == (64 * MB - 2 * 4 * MB) // 3 == watch.quotas[0].max_bytes
    watch.set_quota(0, 100 * MB, 10)
    assert watch.quotas[0].max_bytes == watch.fair_share and watch.quotas[0].max_files == 10


# ---------------------------------------------------------------------------------------------------------------
# a stop is credited only with what it freed (the race CI met: a submission named for another writer's deletion)


def search_with(slots, action):
    """The incident of a search for 10 MB another writer wrote, while ``action()`` happens during slot 0's stop
    (something else on the disk at that moment: a neighbour's folder emptied, another writer deleting a file)."""
    stop = slots.stop

    def both(s):
        if s == 0:
            action()
        stop(s)
    slots.watch._stop_slot = both
    write(os.path.join(slots.watch.root, "elsewhere"), 10)
    slots.ticks()
    assert slots.stops == [0, 1]
    [incident] = slots.watch.incidents()
    return incident


def test_a_neighbours_folder_emptied_during_a_stop_is_not_the_stopped_slots_doing(disk):
    """Slot 0 is stopped first (the larger folder); meanwhile slot 1's folder is emptied (its run ended). The bytes
    that left slot 1's folder were never unexplained: the stop of slot 0 freed nothing, and nobody is named."""
    slots = Slots(disk)
    write(os.path.join(disk, "0", "visible"), 7)
    write(os.path.join(disk, "1", "visible"), 6)
    slots.ticks()
    incident = search_with(slots, lambda: os.unlink(os.path.join(disk, "1", "visible")))
    assert (incident.kind, incident.slot) == ("outside", None), incident


def test_another_writers_deletion_during_a_stop_is_not_the_stopped_slots_doing(disk):
    """Another writer had 20 MB on the disk before the batch, writes 10 MB more, and deletes the 20 MB while slot
    0 is stopped: the stop seems to free twice the growth no folder held, more than a slot could have hidden, so it
    is not slot 0's (the product met this in CI: a disk filled and emptied by another process, an honest
    submission named as having hidden bytes)."""
    write(os.path.join(disk, "old"), 20)
    slots = Slots(disk)
    write(os.path.join(disk, "0", "visible"), 2)
    slots.ticks()
    incident = search_with(slots, lambda: os.unlink(os.path.join(disk, "old")))
    assert (incident.kind, incident.slot) == ("outside", None), incident


def test_a_file_another_writer_deletes_during_a_stop_is_no_proof_of_hidden_files(disk):
    """A search for bytes (10 MB in one file elsewhere) while another writer deletes two small files of its own:
    the stop freed files, but the search was not for files, and it freed no bytes."""
    for name in ("a", "b"):
        write(os.path.join(disk, name), 0.01)
    slots = Slots(disk)
    slots.ticks()
    incident = search_with(slots, lambda: [os.unlink(os.path.join(disk, name)) for name in ("a", "b")])
    assert (incident.kind, incident.slot) == ("outside", None), incident


def test_after_another_writers_deletion_a_holder_is_named_once_the_others_are_counted_afresh(disk):
    """Another writer deletes 20 MB it had before the batch: slot 1 may then hold that much outside its folder
    unseen (the disk is no fuller than before). It holds 30 MB: 10 MB past the others' count, over its share; its
    stop frees 30 MB, more than the 10 MB seen, so no one is named and the others are counted afresh (and growth
    looked into past twice the 10 MB); when it hides 24 MB again, its stop frees what was seen, and it is named."""
    write(os.path.join(disk, "old"), 20)
    slots = Slots(disk)
    slots.ticks()
    os.unlink(os.path.join(disk, "old"))
    slots.hide(1, 12)
    slots.ticks()
    assert slots.stops == []  # (within what the other writer freed)
    slots.hide(1, 18)
    slots.ticks()
    assert slots.stops == [0, 1]
    assert [(i.kind, i.slot) for i in slots.watch.incidents()] == [("outside", None)]
    slots.hide(1, 24)
    slots.ticks()
    assert slots.stops == [0, 1, 0, 1]
    assert [(i.kind, i.slot) for i in slots.watch.incidents()] == [("outside", None), ("hidden", 1)]


def test_a_search_for_hidden_files_is_judged_on_files(disk):
    """Slot 1 holds 100 empty files it deleted (inodes, no bytes): a search for files. Slot 0's stop frees no
    file, and "at least half of the bytes no folder explains" (none) is no proof: slot 1 is named, not slot 0."""
    slots = Slots(disk)
    for _ in range(100):
        slots.hide(1, 0)
    slots.ticks()
    assert slots.stops == [0, 1]
    [incident] = slots.watch.incidents()
    assert (incident.kind, incident.slot) == ("hidden", 1) and "(100 files)" in incident.detail, incident


def test_files_beyond_a_folders_walk_are_that_folders_not_hidden(disk):
    """200 files in slot 0's folder where its share is 64: the walk stops at 65 entries and stops the slot as over
    its share; the 135 entries the walk did not read are in that folder, not hidden, so no search stops the other
    slot (the uid red team's small-files attack met it: the search stopped every slot, and the attacker's run was
    graded again, attacking again)."""
    slots = Slots(disk)
    for i in range(200):
        write(os.path.join(disk, "0", f"f{i}"), 0)
    slots.ticks(3)
    assert slots.stops == [0]
    assert [i.kind for i in slots.watch.incidents()] == ["over"], slots.watch.incidents()
