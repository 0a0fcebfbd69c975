"""Work spread over a few processes of this machine: chunks of a list mapped by a pool, in order.

Used where a step of the trusted side is pure Python under the GIL and large
enough to pay for starting processes: the similarity report's reading of the
notebooks (:mod:`autograder.similarity.corpus`) and the feedback pages
(:mod:`autograder.reports.feedback`). The processes are forked when the caller
runs no other thread (cheap: the modules are loaded, the pages' caches warm),
and spawned otherwise: a fork copies a lock another thread may hold, and the
copy would never be released. Threads are counted by the operating system
(:func:`threads_here`), not by :mod:`threading`, which does not see the threads
a library starts (a BLAS pool, a Jupyter client's ZeroMQ thread).

:class:`concurrent.futures.ProcessPoolExecutor` does the work; what is ours is
only the choice of start method and the chunking, said once for both callers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def chunks(items: Sequence[T], size: int) -> list[list[T]]:
    """``items`` cut into lists of ``size`` (the last may be shorter), in order."""
    if size < 1:
        raise ValueError(f"size must be a positive number of items, got {size!r}")
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def threads_here() -> int:
    """How many threads this process runs, native ones included: the entries of ``/proc/self/task`` on Linux (what
    CPython 3.12 and later count before warning that a fork may deadlock), else :func:`threading.active_count`."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def map_chunks(work: Callable[[list[T]], list[R]], items: Sequence[T], workers: int, size: int,
               spawn: bool = True, meanwhile: Callable[[], object] | None = None) -> list[R]:
    """``work`` over ``items`` in chunks of ``size``, in ``workers`` processes; the results in the order of ``items``.

    ``work`` takes a chunk and returns one result per item; it must be a module-level function (a spawned process
    imports it by name), and the items and results must pickle. An exception in ``work`` is raised here. With one
    worker, or one chunk, ``work`` runs here. When this process runs other threads, the processes are spawned, or,
    with ``spawn`` False (work too short to pay for a new interpreter's imports), ``work`` runs here, chunk by
    chunk. ``meanwhile()``, if given, runs in this process once the chunks are handed out, before their results
    are waited for (here: after the work).
    """
    if workers < 1:
        raise ValueError(f"workers must be a positive number of processes, got {workers!r}")
    parts = chunks(items, size)
    alone = threads_here() == 1 and "fork" in get_all_start_methods()
    if workers == 1 or len(parts) < 2 or (not alone and not spawn):
        done = [r for chunk in parts for r in work(chunk)]
        if meanwhile is not None:
            meanwhile()
        return done
    with ProcessPoolExecutor(max_workers=min(workers, len(parts)),
                             mp_context=get_context("fork" if alone else "spawn")) as pool:
        results = pool.map(work, parts)
        if meanwhile is not None:
            meanwhile()
        return [r for chunk in results for r in chunk]
