"""Which uids a zygote's slots run as: claimed where no submission can claim them (``root`` and ``uid`` modes).

As root each worker slot's children run as a uid of their own, so that killing
the slot (``kill(-1)`` as that uid) kills everything they started and nothing
else. Two zygotes on one machine or in one container (two batches, or a zygote
and its replacement while the old one's orphans are being killed) must never
share a uid. A zygote therefore *claims* each uid before using it: an exclusive
``flock`` on a file named after the uid in a claims folder that only the
grader's own user (root) can enter, mode 0700 (:func:`claims_folder`). A lock
ends with the process that holds it, however that process ends, and the next
zygote takes the uid again.

The claim lives where a submission cannot reach it, in every mode and whatever
uids the container maps: a slot's uid cannot enter the folder (its mode, and in
``uid`` mode its Landlock ruleset, which grants nothing there), so it can neither
take a claim nor see which uids are claimed. (A claim used to be an abstract
Unix socket name: any process of the network namespace can bind such names
first, and a submission in a container mapping 65,536 uids bound 4,530 of the
4,536 names a second batch could use. In ``root`` mode, where every child has a
network namespace of its own, those names are still held and heeded beside the
lock, so that a batch of an older grader on the same machine never shares a uid
with this one.)

The uids offered are those the process's user namespace maps
(:func:`mapped_uids`, from ``/proc/self/uid_map``; a container under Docker's
``userns-remap`` or rootless podman maps 65,536) from :data:`UID_BASE` up,
without the ones ``/etc/passwd`` or ``/etc/group`` name and without 65534 and
65535 (``nobody`` and the old 16-bit ``-1``).

Standard library only: this module runs in the zygote.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import grp
import os
import pwd
import random
import socket
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

#: Sandbox uids (and gids) are taken from here up, one per worker slot.
UID_BASE = int(os.environ.get("AUTOGRADER_SANDBOX_UID_BASE", "61000"))
#: uids never offered: ``nobody`` and 65535 (``(uid_t) -1`` of 16-bit interfaces).
RESERVED_UIDS = frozenset({65534, 65535})
#: The claims folder's name, in the first of :func:`folder_candidates` that can hold it.
FOLDER_NAME = "probdl-autograder-claims"
#: Ranges of uids, ``[(first, last)]``, both included.
Ranges = list[tuple[int, int]]
#: The largest uid the kernel takes (``uid_t`` is 32 bits; ``-1`` means "unchanged").
MAX_UID = 2**31 - 1


#: The abstract Unix socket name an older grader claimed ``uid`` by (:func:`claim_uids`'s ``legacy_names``).
LEGACY_NAME = "\0probdl-autograder-uid-{uid}"


@dataclass(frozen=True)
class Claim:
    """One claimed uid, the open descriptor whose lock holds it and, in ``root`` mode, the socket bound to its
    legacy name (closed: the claim ends)."""

    uid: int
    fd: int
    name: socket.socket | None = field(default=None, compare=False)

    def release(self) -> None:
        if self.name is not None:
            self.name.close()
        with contextlib.suppress(OSError):
            os.close(self.fd)


def mapped_uids(uid_map: str = "/proc/self/uid_map") -> Ranges:
    """``[(first, last)]``: the ranges of uids this process's user namespace maps, inside ids, sorted.

    The whole 32-bit range when the file cannot be read (no user namespaces: every uid exists)."""
    ranges = []
    try:
        with open(uid_map) as fh:
            for line in fh:
                fields = line.split()
                if len(fields) >= 3:
                    inside, count = int(fields[0]), int(fields[2])
                    if count > 0:
                        ranges.append((inside, min(inside + count - 1, MAX_UID)))
    except (OSError, ValueError):
        return [(0, MAX_UID)]
    return sorted(ranges) or [(0, MAX_UID)]


def candidate_ranges(base: int = UID_BASE, uid_map: str = "/proc/self/uid_map") -> Ranges:
    """The mapped ranges cut to ``base`` and up (uids a slot may run as, before the reserved and named ones)."""
    return [(max(first, base), last) for first, last in mapped_uids(uid_map) if last >= base]


def count_candidates(ranges: Ranges) -> int:
    return sum(last - first + 1 for first, last in ranges)


def random_start(ranges: Ranges, count: int) -> int:
    """A random uid of ``ranges`` to start claiming from (``ranges[0][0]`` when too few).

    ``RLIMIT_NPROC`` counts a uid's processes over the whole kernel, other
    containers on the host included: two grading containers that both started
    at 61000 would share a slot's process budget. Started at random among about
    two billion uids (or the few thousand a remapped container has), two
    batches rarely meet, and claims keep them apart within one container.
    """
    total = count_candidates(ranges)
    if not ranges or total <= count:
        return ranges[0][0] if ranges else UID_BASE
    offset = random.SystemRandom().randrange(total)
    for first, last in ranges:
        if offset <= last - first:
            return first + offset
        offset -= last - first + 1
    return ranges[0][0]


def _in_order(ranges: Ranges, start: int) -> Iterator[int]:
    """Every uid of ``ranges``, from ``start`` on, then from the beginning up to it."""
    after = [(max(first, start), last) for first, last in ranges if last >= start]
    before = [(first, min(last, start - 1)) for first, last in ranges if first < start]
    for first, last in after + before:
        yield from range(first, last + 1)


def _named(uid: int) -> bool:
    """Whether ``/etc/passwd`` or ``/etc/group`` knows ``uid`` (an account: never a sandbox's)."""
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
            return True
        except KeyError:
            pass
    return False


#: Where the claims folder may be, in order (the same for every batch, whatever its ``TMPDIR``, so that all
#: of them meet there): ``/run``, where only root may write, then the temporary folders, world-writable but
#: sticky, so that a folder root made there cannot be removed or replaced by anyone else.
FOLDER_PLACES = ("/run", "/tmp", "/var/tmp", "/dev/shm")


def folder_candidates() -> list[str]:
    """The claims folder's possible paths, in order (:data:`FOLDER_PLACES`)."""
    return [os.path.join(place, FOLDER_NAME) for place in FOLDER_PLACES]


def _ours(path: str) -> bool:
    """``path`` is a real folder of this process's user, that no one else may enter or change."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o077


def claims_folder(candidates: Iterable[str] | None = None) -> str:
    """The claims folder: the first of ``candidates`` (:func:`folder_candidates`) that is, or can be made, a
    folder of this user's only (mode 0700). One made by someone else first is never used. Raises ``OSError``
    when none can."""
    tried = []
    for path in folder_candidates() if candidates is None else candidates:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            tried.append(f"{path}: {exc.strerror}")
            continue
        if _ours(path):
            return path
        tried.append(f"{path}: not a private folder of uid {os.geteuid()}")
    raise OSError(errno.EACCES, "no folder to claim sandbox uids in (" + "; ".join(tried) + ")")


def try_claim(folder: str, uid: int, legacy_names: bool = False) -> Claim | None:
    """Claim ``uid`` in ``folder``: an exclusive lock on its file, held by the returned descriptor; None when
    another process holds it (with ``legacy_names``, also when another process holds its :data:`LEGACY_NAME`)."""
    fd = os.open(os.path.join(folder, str(uid)), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return None
        raise
    if not legacy_names:
        return Claim(uid, fd)
    name = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        name.bind(LEGACY_NAME.format(uid=uid).encode())
    except OSError:  # an older grader's batch holds it
        name.close()
        os.close(fd)
        return None
    return Claim(uid, fd, name)


def claim_uids(count: int, start: int | None = None, ranges: Ranges | None = None, folder: str | None = None,
               legacy_names: bool = False) -> list[Claim]:
    """Claim ``count`` uids for this zygote's slots: :class:`Claim` objects, to hold while the slots exist.

    ``ranges``: where to look (default :func:`candidate_ranges`); ``start``: the first uid tried (default the
    first of the ranges; ``uid`` mode draws it with :func:`random_start`), then on, wrapping around.
    ``legacy_names`` (``root`` mode): also hold each uid's :data:`LEGACY_NAME` in this network namespace, and skip
    a uid whose name is taken, so that an older grader's batch on the same machine and this one never share a
    uid. Only where no submission can bind names in this namespace: a ``root`` mode child has a network namespace
    of its own; a ``uid`` mode child shares this one, so there the names are neither held nor heeded. Raises
    ``OSError`` when fewer are free.
    """
    ranges = candidate_ranges() if ranges is None else list(ranges)
    folder = claims_folder() if folder is None else folder
    start = ranges[0][0] if start is None and ranges else start
    claimed: list[Claim] = []
    for uid in _in_order(ranges, start if start is not None else UID_BASE):
        if len(claimed) == count:
            break
        if uid in RESERVED_UIDS or _named(uid):
            continue
        claim = try_claim(folder, uid, legacy_names)
        if claim is not None:
            claimed.append(claim)
    if len(claimed) < count:
        for claim in claimed:
            claim.release()
        raise OSError(errno.EAGAIN, f"only {len(claimed)} of the {count} sandbox uids asked for are free among "
                                    f"the {count_candidates(ranges)} mapped from {UID_BASE} (claims in {folder})")
    return claimed
