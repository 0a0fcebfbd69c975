"""The ``uid`` mode's disk quota, enforced from outside: each slot's bytes and files, and the filesystem's growth.

In ``root`` and ``userns`` modes a child writes only into a tmpfs of its own,
sized by ``Limits.workdir_mb``: the kernel bounds it. In ``uid`` mode (a
container that refuses ``mount``) a child writes into its slot's folder on the
container's disk (its Landlock ruleset allows nowhere else), and no kernel
interface an unprivileged container's root may use bounds a folder: quotas and
mounts need ``CAP_SYS_ADMIN``; ``RLIMIT_FSIZE`` bounds one file, not how many.
So the grader measures, and stops a slot over its share:

* **each slot's folder** (:func:`folder_usage`): the blocks its files hold and
  how many entries it has, walked without following links, relative to open
  descriptors (no path grows, no recursion), hard links counted once, at most
  ``max_files + 1`` entries read; over ``max_bytes`` or ``max_files`` the slot is
  stopped (:class:`DiskWatch`);
* **the filesystem** (:func:`filesystem_use`): what ``statvfs`` says is used,
  which nothing can hide from, against what the folders hold. Bytes a child
  holds outside its folder's tree (a file it deleted while keeping it open or
  mapped, an ``O_TMPFILE``, a folder the walk cannot read) show up as growth
  that no folder explains; past one slot's share (or past 1 MB once the disk is
  nearly full) the running slots are stopped one at a time, largest first, until
  one whose stop frees that growth is found: it is the culprit, the others are
  graded again. A stop is credited only with bytes (or files) that left no
  folder, and with no more than the growth just before it: a larger drop is
  another writer's deletion meanwhile, and no one is named
  (:meth:`DiskWatch._freed_by_stop`). Growth that no stop frees is someone
  else's (the machine's other writers): it is recorded and no longer counted,
  and from then on only twice as much growth is looked into (at once when the
  disk is nearly full).
* **a nearly full disk** (free space under :data:`LOW_WATER` bytes, as an
  unprivileged user sees it): recorded as a window of time, so that the grader
  can grade again whatever ran meanwhile (a write of theirs may have failed).

What it cannot do: stop a write as it happens. A flood is stopped within one
tick (:data:`TICK_S`) and one kill, so a slot may hold ``max_bytes`` plus what it
writes in that time (measured: about 60 MB at 600 MB/s; ``tests/test_redteam_uid_mode.py``).

Standard library only: this module runs in the grader's process (a thread of it).
"""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: How often the filesystem is looked at (a ``statvfs``: microseconds) and, when it changed, the folders walked.
TICK_S = 0.01
#: The folders are walked when the filesystem's use changed by this many bytes or entries since the last walk
#: (a folder cannot grow without the filesystem growing), and at least every :data:`WALK_EVERY_S`.
WALK_BYTES, WALK_FILES = 1024 * 1024, 64
WALK_EVERY_S = 1.0
#: The disk counts as nearly full below this many free bytes (as an unprivileged user may use them).
LOW_WATER = 8 * 1024 * 1024
#: Growth of the filesystem that no folder explains is looked into past this many bytes once the disk is low.
LOW_DISK_SLACK = 1024 * 1024
#: How long the grader waits, at most, for the watch to look at the disk after a run ended (one tick, or a search
#: stopping the slots one at a time: each stop waits for its slot's processes to end).
SETTLE_S = 30.0
#: The smallest share of the disk a slot gets, however full the disk is at the start.
MIN_SHARE = 4 * 1024 * 1024


@dataclass(frozen=True)
class Usage:
    """What one folder holds: ``bytes`` (allocated blocks) and ``files`` (entries: files, folders, links …);
    ``complete`` is False when the walk stopped at its cap of files (then both are at least that) or, with
    ``too_deep``, because the tree needed more open folders than :data:`MAX_OPEN_FOLDERS`."""

    bytes: int
    files: int
    complete: bool = True
    too_deep: bool = False


@dataclass(frozen=True)
class FilesystemUse:
    """One ``statvfs``: bytes and inodes in use, and bytes free for an unprivileged user."""

    used_bytes: int
    used_files: int
    free_bytes: int


def filesystem_use(path: str) -> FilesystemUse:
    """:class:`FilesystemUse` of the filesystem holding ``path``."""
    st = os.statvfs(path)
    return FilesystemUse((st.f_blocks - st.f_bfree) * st.f_frsize, st.f_files - st.f_ffree, st.f_bavail * st.f_frsize)


#: Folders a walk keeps open at once (those on the way down that still have sub-folders to read): a tree that
#: needs more (hundreds of levels that each branch) is not measured but counted as over its share.
MAX_OPEN_FOLDERS = 128
#: Why a slot's child was stopped while the watch looked for a submission filling the disk and held nothing: another
#: writer on the host's disk, not this child (the engine grades it again; the tests give the sandbox's folders a disk
#: of their own, ``testkit.container_like.private_disk``, and never meet it).
STOPPED_FOR_NOTHING = "it was stopped while the grader looked for a submission filling the disk (not this one)"
_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _read_folder(fd: int, seen: set[tuple[int, int]], budget: int) -> tuple[int, int, list[str]]:
    """``(bytes, entries, sub-folders)`` of the folder open as ``fd``, reading at most ``budget + 1`` entries."""
    total = count = 0
    folders = []
    try:
        with os.scandir(fd) as entries:
            for entry in entries:
                count += 1
                if count > budget:
                    break
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_blocks * 512
                if stat.S_ISDIR(st.st_mode):
                    folders.append(entry.name)
    except OSError:
        pass
    return total, count, folders


def folder_usage(path: str, max_files: int) -> Usage:
    """The blocks and entries below ``path`` (not counting ``path`` itself), read without following a link.

    Reads at most ``max_files + 1`` entries (then ``complete`` is False).
    Depth first, each folder opened relative to its parent's descriptor with
    ``O_NOFOLLOW`` and read whole; a folder's descriptor stays open only while
    it has sub-folders left to open, so a chain of any depth needs two and no
    path ever grows (a tree that needs more than :data:`MAX_OPEN_FOLDERS` is
    reported incomplete). A hard-linked file counts once. Entries that vanish
    or cannot be read meanwhile are skipped: a child may change its folder while
    it is walked, and the filesystem's own count (:func:`filesystem_use`) is the
    backstop.
    """
    seen: set[tuple[int, int]] = set()
    try:
        fd = os.open(path, _OPEN_FOLDER)
    except OSError:
        return Usage(0, 0)
    total = files = 0
    stack: list[tuple[int, list[str]]] = []  # (an open folder, its sub-folders not opened yet)
    try:
        while fd >= 0:
            size, count, folders = _read_folder(fd, seen, max_files - files)
            total, files = total + size, files + count
            if files > max_files:
                os.close(fd)
                return Usage(total, files, complete=False)
            if folders:
                stack.append((fd, folders))
            else:
                os.close(fd)
            fd = -1
            while stack and fd < 0:
                parent, names = stack[-1]
                try:
                    fd = os.open(names.pop(), _OPEN_FOLDER, dir_fd=parent)
                except OSError:
                    fd = -1
                if not names:
                    stack.pop()
                    os.close(parent)
            if len(stack) > MAX_OPEN_FOLDERS:  # (counted as over its share of files)
                if fd >= 0:
                    os.close(fd)
                return Usage(total, max(files, max_files + 1), complete=False, too_deep=True)
        return Usage(total, files)
    finally:
        for parent, _ in stack:
            os.close(parent)


@dataclass(frozen=True)
class SlotQuota:
    """One worker slot's share: its folder and how much it may hold there."""

    folder: str
    max_bytes: int
    max_files: int


@dataclass(frozen=True)
class Incident:
    """Something the watch saw. ``kind``:

    * ``"over"``: ``slot`` held more than its share in its folder, and was stopped;
    * ``"hidden"``: the filesystem grew by bytes no folder held, and stopping ``slot`` freed them;
    * ``"outside"``: such growth that no slot's stop freed (another writer on the machine);
    * ``"low"``: the disk was nearly full from ``at`` to ``until`` (``slot``: the one holding most of it then,
      if any held more than :data:`LOW_WATER`); ``at`` is the last look that found room, since the disk may
      have filled at any moment after it.

    ``stopped`` lists every slot stopped on the way (for ``hidden`` and ``outside``, those stopped while looking,
    whose work must be done again: the stops were made from ``at`` to ``until``, one slot at a time, so a child
    started on a slot during the search may be the one stopped); ``at`` and ``until`` are ``time.monotonic()``
    values.
    """

    kind: str
    at: float
    slot: int | None = None
    detail: str = ""
    stopped: tuple[int, ...] = ()
    until: float | None = None


@dataclass
class _State:
    """What the watch keeps between ticks (its thread only, but for the fields read under its lock)."""

    usage: dict[int, Usage] = field(default_factory=dict)
    base_bytes: int = 0
    base_files: int = 0
    walked_at: float = 0.0
    walked_used: int = -1
    walked_files: int = -1
    over: set[int] = field(default_factory=set)  # slots stopped for their folder, until it is emptied
    low_since: float | None = None
    low_slot: int | None = None
    room_seen_at: float | None = None  # the last look that found the disk with room
    suspect: int = 0  # ticks in a row with growth no folder explains
    outside_bytes: int = 0  # growth by other writers seen so far: the slack grows with it
    outside_files: int = 0
    last_holder: int | None = None  # the slot whose stop last freed hidden bytes: looked at first next time


def _mb(n: float, digits: int = 0) -> str:
    return f"{n / 2**20:.{digits}f} MB"


def _mb_above(n: int) -> str:
    """``n`` bytes to a tenth of a MB, rounded up: an amount over a share never reads as the share itself."""
    return f"{-(-n * 10 // 2**20) / 10:.1f} MB"


class DiskWatch:
    """A thread that holds each slot to its :class:`SlotQuota` (see the module's docstring).

    ``stop(slot)`` is called (from the watch's thread) to stop a slot: it must
    return once every process of the slot has ended (the zygote's ``kill`` with
    ``verify``). :meth:`why_stopped` then tells the grader why its child ended;
    :meth:`incidents` lists what happened, for the batch to say and to grade
    again what a full disk or a stop may have spoilt.
    """

    def __init__(self, root: str, quotas: dict[int, SlotQuota], stop: Callable[[int], object],
                 tick_s: float = TICK_S, low_water: int = LOW_WATER):
        self.root, self._stop_slot = root, stop
        self.tick_s, self.low_water = tick_s, low_water
        #: no slot's share is more than this: what the disk had free at the start, less twice the low water mark,
        #: divided among the slots and one more share (what all of them may hold outside their folders before
        #: the watch looks into it), so that together they cannot fill it
        free = filesystem_use(root).free_bytes
        self.fair_share = max(MIN_SHARE, (free - 2 * low_water) // (len(quotas) + 1))
        self.quotas = {slot: SlotQuota(q.folder, min(q.max_bytes, self.fair_share), q.max_files)
                       for slot, q in quotas.items()}
        self._lock = threading.Lock()
        self._looked = threading.Condition(self._lock)
        self._looked_at = float("-inf")  # when the last finished look began
        self._incidents: list[Incident] = []
        self._why: dict[int, str] = {}
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = _State()
        self.errors: list[str] = []

    # -- the grader's side ---------------------------------------------------------------------------------
    def start(self) -> DiskWatch:
        self._rebase()
        self._thread = threading.Thread(target=self._run, name="disk-watch", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._halt.set()
        with self._looked:
            self._looked.notify_all()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def set_quota(self, slot: int, max_bytes: int, max_files: int) -> None:
        """The share of ``slot`` from now on (each spawn may bring other limits; at most :attr:`fair_share`)."""
        max_bytes = min(max_bytes, self.fair_share)
        old = self.quotas.get(slot)
        if old is not None and (old.max_bytes, old.max_files) != (max_bytes, max_files):
            with self._lock:
                self.quotas[slot] = SlotQuota(old.folder, max_bytes, max_files)

    def expect(self, nbytes: int) -> None:
        """The grader itself wrote ``nbytes`` (allocated) on the watched filesystem: not a slot's growth."""
        with self._lock:
            self._state.base_bytes += int(nbytes)

    def why_stopped(self, slot: int) -> str:
        """Why the watch stopped ``slot``'s child ('' if it did not), once: the next call says ''."""
        with self._lock:
            return self._why.pop(slot, "")

    def settled(self, after: float, timeout: float = SETTLE_S) -> bool:
        """Wait until a look that began after ``after`` (``time.monotonic()``) has finished: whatever happened
        before ``after`` is then in :meth:`incidents` (a disk that filled, a search that stopped slots one at a
        time, recorded when it ends). False if the watch stopped or ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._looked:
            while self._looked_at <= after:
                left = deadline - time.monotonic()
                if self._halt.is_set() or self._thread is None or left <= 0:
                    return False
                self._looked.wait(left)
        return True

    def incidents(self) -> list[Incident]:
        """Every incident so far, in order (a ``low`` window still open has ``until`` None)."""
        with self._lock:
            out = list(self._incidents)
            if self._state.low_since is not None:
                out.append(Incident("low", self._state.low_since, self._state.low_slot, self._low_detail()))
            return out

    def disk_low(self) -> bool:
        """Whether the disk is nearly full now."""
        try:
            return filesystem_use(self.root).free_bytes < self.low_water
        except OSError:
            return False

    # -- the thread ------------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._halt.wait(self.tick_s):
            began = time.monotonic()
            try:
                self.tick(began)
            except Exception as exc:  # noqa: BLE001 — a watch that stops would stop bounding: note, go on
                if len(self.errors) < 20:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
            with self._looked:
                self._looked_at = began
                self._looked.notify_all()

    def tick(self, now: float | None = None) -> None:
        """One look: the filesystem; the folders when it changed (or every :data:`WALK_EVERY_S`); stops."""
        now = time.monotonic() if now is None else now
        try:
            fs = filesystem_use(self.root)
        except OSError as exc:
            if exc.errno == errno.ENOENT:  # the slots' folder is gone: the zygote ended
                self._halt.set()
                return
            raise
        self._note_low(fs, now)
        state = self._state
        if abs(fs.used_bytes - state.walked_used) > WALK_BYTES or abs(fs.used_files - state.walked_files) > WALK_FILES \
                or now - state.walked_at >= WALK_EVERY_S:
            self._walk(now, fs)
            again = filesystem_use(self.root)  # (the least of the two: files written after the first look, or
            fs = FilesystemUse(min(fs.used_bytes, again.used_bytes), min(fs.used_files, again.used_files),
                               again.free_bytes)  # removed during the walk, are not growth nobody holds)
        unexplained = fs.used_bytes - state.base_bytes - sum(u.bytes for u in state.usage.values())
        unexplained_files = fs.used_files - state.base_files - sum(u.files for u in state.usage.values())
        share = min((q.max_bytes for q in self.quotas.values()), default=0)
        share_files = min((q.max_files for q in self.quotas.values()), default=0)
        slack = LOW_DISK_SLACK if fs.free_bytes < self.low_water else max(share, state.outside_bytes)
        # (a folder whose walk stopped at its cap holds more than was read: that slot is stopped as over its share,
        # and what was not read is in its folder, not hidden — no search until its folder is emptied)
        measured = all(u.complete for u in state.usage.values())
        bytes_grew = measured and unexplained > slack
        files_grew = measured and unexplained_files > max(share_files, state.outside_files)
        if bytes_grew or files_grew:
            state.suspect += 1  # (twice in a row: a folder being emptied or filled while walked is not growth)
            if state.suspect >= 2:  # (a stop is judged on what the search is for: bytes, files or both)
                self._find_holder(now, unexplained, unexplained_files, (bytes_grew, files_grew))
        else:
            state.suspect = 0

    def _walk(self, now: float, fs: FilesystemUse) -> None:
        state = self._state
        state.walked_at, state.walked_used, state.walked_files = now, fs.used_bytes, fs.used_files
        for slot, quota in sorted(self.quotas.items()):
            # (an over-share is dated by when its folder was read, not by when the tick began: a watch thread held
            # back on a busy host — the GIL, a long walk of other folders — read a child started after ``now``,
            # and the ledger then found no run to name; what the walk reads was written by the run on the slot then)
            seen = time.monotonic()
            usage = folder_usage(quota.folder, quota.max_files)
            state.usage[slot] = usage
            if usage.bytes <= quota.max_bytes and usage.files <= quota.max_files:
                state.over.discard(slot)
            elif slot not in state.over:  # (once: its folder is emptied before the slot's next child starts)
                state.over.add(slot)
                # (the child's reason is the same for the same notebook; the incident says what was measured)
                if usage.bytes > quota.max_bytes:
                    why = f"more than the {_mb(quota.max_bytes)} allowed into its working folder"
                    # (to a tenth of a MB, rounded up: a flood stopped a few kB over the share read "64.0 MB, more
                    # than the 64 MB allowed" when rounded to the nearest)
                    what = (f"{_mb_above(usage.bytes)} into its working folder, more than the {_mb(quota.max_bytes)} "
                            "allowed")
                elif usage.too_deep:
                    why = what = "a tree of folders too deep and branched to measure into its working folder"
                else:
                    why = what = f"more than the {quota.max_files} files and folders allowed into its working folder"
                self._stop(slot, f"it wrote {why}")
                self._record(Incident("over", seen, slot, what, (slot,)))

    def _stop(self, slot: int, why: str) -> None:
        with self._lock:
            self._why[slot] = why
        self._stop_slot(slot)

    def _find_holder(self, now: float, unexplained: int, unexplained_files: int, grew: tuple[bool, bool]) -> None:
        """Stop the slots one at a time, until the one holding the unexplained growth (of bytes, of files or both:
        ``grew``): first the slot that held such bytes last time (a submission that hid bytes once may do it
        again, from the fresh process its next cells run in, and its neighbours would be stopped again before
        it), then the largest folder first."""
        state, stopped = self._state, []
        state.suspect = 0
        order = sorted(self.quotas, key=lambda s: (s != state.last_holder, -state.usage.get(s, Usage(0, 0)).bytes, s))
        last_stop = now
        held = self._folders()  # (then the walk after each stop is the walk before the next: still before its look)
        for slot in order:
            before = filesystem_use(self.root)
            last_stop = time.monotonic()  # (a child that started on a slot before its stop may be the one stopped)
            self._stop(slot, "it held files outside its working folder's tree (deleted while open, or "
                             "unnamed) beyond its share of the disk")
            stopped.append(slot)
            after = filesystem_use(self.root)
            left = self._folders()
            freed = self._freed_by_stop((unexplained, unexplained_files), grew, (before, held), (after, left))
            if freed is not None:
                files = max(freed[1], 0)
                state.last_holder = slot
                what = f"{_mb(max(freed[0], 0))} ({files} file{'s' * (files != 1)}) outside its working folder's tree"
                self._record(Incident("hidden", now, slot, what, tuple(stopped), until=last_stop))
                self._rebase()
                return
            with self._lock:  # not this one: its child was stopped for nothing, and is graded again
                self._why[slot] = STOPPED_FOR_NOTHING
            held = left
        self._record(Incident("outside", now, None, f"{_mb(unexplained)} and {unexplained_files} files written "
                                                    "by something other than the submissions", tuple(stopped),
                              until=last_stop))
        # another writer is at work: look again only past twice as much (a submission's hidden bytes are still
        # found, past that; and at once when the disk is nearly full)
        state.outside_bytes = 2 * max(state.outside_bytes, unexplained)
        state.outside_files = 2 * max(state.outside_files, unexplained_files)
        self._rebase()

    def _folders(self) -> tuple[int, int]:
        """``(bytes, files)`` every slot's folder holds now."""
        usage = [folder_usage(q.folder, q.max_files) for q in self.quotas.values()]
        return sum(u.bytes for u in usage), sum(u.files for u in usage)

    def _freed_by_stop(self, unexplained: tuple[int, int], grew: tuple[bool, bool],
                       before: tuple[FilesystemUse, tuple[int, int]],
                       after: tuple[FilesystemUse, tuple[int, int]]) -> tuple[int, int] | None:
        """``(bytes, files)`` a slot's stop freed if it freed the growth no folder explained (``unexplained``:
        bytes and files; judged on what the search is for, ``grew``), else None: ``before`` and ``after`` it, the
        filesystem's use and what all the folders held (walked before the look: a folder emptied in between makes
        the stop seem to free less, never more). What left a folder (the stopped slot's, or a neighbour's emptied
        meanwhile) was never unexplained. Freed is at least half that growth, and at most the growth no folder
        explained just before the stop (a quarter more, or 1 MB, for the slots' writes between the looks): a drop
        beyond it is someone else's deletion at that moment, which may have freed the rest too, so no one is
        named (the slot is stopped for nothing: graded again; a holder hides its bytes again, and is found then).
        The one case left: another writer that deletes, at that moment, just what it had grown by."""
        (fs0, (bytes0, files0)), (fs1, (bytes1, files1)) = before, after
        state = self._state
        freed = (fs0.used_bytes - fs1.used_bytes) - (bytes0 - bytes1)
        freed_files = (fs0.used_files - fs1.used_files) - (files0 - files1)
        growth = fs0.used_bytes - state.base_bytes - bytes0
        growth_files = fs0.used_files - state.base_files - files0
        by_bytes = grew[0] and unexplained[0] / 2 <= freed <= growth + max(LOW_DISK_SLACK, growth // 4)
        by_files = grew[1] and unexplained[1] / 2 <= freed_files <= growth_files + max(WALK_FILES, growth_files // 4)
        return (freed, freed_files) if by_bytes or by_files else None

    def _rebase(self) -> None:
        """From now on, the filesystem's use beyond the folders' is nobody's growth."""
        fs = filesystem_use(self.root)
        usage = {slot: folder_usage(q.folder, q.max_files) for slot, q in self.quotas.items()}
        with self._lock:
            self._state.usage = usage
            self._state.base_bytes = fs.used_bytes - sum(u.bytes for u in usage.values())
            self._state.base_files = fs.used_files - sum(u.files for u in usage.values())

    def _note_low(self, fs: FilesystemUse, now: float) -> None:
        state = self._state
        if fs.free_bytes < self.low_water and state.low_since is None:
            usage = {slot: folder_usage(q.folder, q.max_files) for slot, q in self.quotas.items()}
            largest = max(usage, key=lambda s: (usage[s].bytes, -s), default=None)
            with self._lock:  # (the slot holding most then: it filled the disk if it holds much of it)
                state.low_since = state.room_seen_at if state.room_seen_at is not None else now
                state.low_slot = largest if largest is not None and usage[largest].bytes > self.low_water else None
        elif fs.free_bytes >= self.low_water and state.low_since is not None:
            with self._lock:
                self._incidents.append(Incident("low", state.low_since, state.low_slot, self._low_detail(),
                                                until=now))
                state.low_since = state.low_slot = None
        if fs.free_bytes >= self.low_water:
            state.room_seen_at = now

    def _low_detail(self) -> str:
        return f"the disk holding the sandbox's folders had less than {_mb(self.low_water)} free"

    def _record(self, incident: Incident) -> None:
        with self._lock:
            self._incidents.append(incident)
