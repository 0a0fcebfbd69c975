"""Folders a grader keeps in the temporary directory: made and held while it lives, removed by a later one after.

A grader keeps two kinds of folder there: each zygote's home (``autograder-zygote-*``: its ``HOME``, IPython's and
matplotlib's folders, its log) and a Dask worker's (``probdl-dask-*``: the problem sets' source notebooks, hidden
tests included, and the notebook it grades). It removes them when it ends as usual, but a grader killed outright
cannot: a Dask worker that a notebook, a memory limit or a job's end kills, or a command stopped with ``SIGKILL``.
Such folders would pile up on a node, one per death, the source notebooks with them. So the grader holds an
exclusive ``flock`` on the folder's :data:`LOCK` file for as long as the folder is its own (the kernel lets go of
it when the process ends, however it ends), and every grader, as it makes a folder, first removes those of the
same kind whose lock it can take: folders of this user, older than :data:`GRACE` seconds (a folder is made before
its lock is taken), holding the lock file (a folder without one may be an older grader's, which locked nothing:
it is left alone).

Written here rather than taken from a library: ``tempfile`` removes nothing of a process that died, and the lock
is the one fact that says whether the owner lives (a pid can be reused; a folder's age says nothing).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import IO

#: The prefix of a zygote's home in the temporary directory.
ZYGOTE_HOME = "autograder-zygote-"
#: The prefix of a Dask worker's folder.
DASK_WORKER = "probdl-dask-"
#: The file a living grader holds an exclusive ``flock`` on.
LOCK = "grader.lock"
#: A folder younger than this (seconds) is never removed: its grader may not have taken its lock yet.
GRACE = 60.0


def make(prefix: str) -> tuple[str, IO[bytes]]:
    """A new folder ``<prefix>*`` in the temporary directory (mode 0700), after removing the stale ones of its kind
    (:func:`sweep`): ``(folder, lock)``, where ``lock`` is the open lock file, held until it is closed or this
    process ends."""
    sweep(prefix)
    folder = tempfile.mkdtemp(prefix=prefix)
    lock = open(os.path.join(folder, LOCK), "wb")  # noqa: SIM115 (held for the folder's life; closed by the caller)
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return folder, lock


def sweep(prefix: str, parent: str | None = None, now: float | None = None) -> list[str]:
    """Remove the folders ``<prefix>*`` under ``parent`` (default: the temporary directory) that no living grader
    holds; return their paths. Never raises: a folder that cannot be read or removed is left as it is."""
    parent = tempfile.gettempdir() if parent is None else parent
    now = time.time() if now is None else now
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(parent):
            if entry.name.startswith(prefix) and _stale(entry, now):
                removed.append(entry.path)
    return removed


def _stale(entry: os.DirEntry[str], now: float) -> bool:
    """Remove ``entry`` if it is a folder of this user, past its grace, whose lock is free; say whether it went."""
    try:
        info = entry.stat(follow_symlinks=False)
        if not entry.is_dir(follow_symlinks=False) or info.st_uid != os.getuid() or now - info.st_mtime < GRACE:
            return False
        fd = os.open(os.path.join(entry.path, LOCK), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False  # held: its grader lives
    try:
        shutil.rmtree(entry.path, ignore_errors=True)
    finally:
        os.close(fd)
    return not Path(entry.path).exists()
