"""autograder/model/process_pool.py: chunks in order, forked workers when alone, this process beside threads."""

from __future__ import annotations

import _thread
import os
import threading

import pytest

from autograder.model.process_pool import chunks, map_chunks, threads_here


def _pids(chunk: list[int]) -> list[tuple[int, int]]:
    return [(item, os.getpid()) for item in chunk]


def _fails(chunk: list[int]) -> list[int]:
    if 7 in chunk:
        raise ValueError("item 7")
    return chunk


def test_chunks_keep_order_and_cut_the_last_short():
    assert chunks(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert chunks([], 3) == []
    with pytest.raises(ValueError, match="size must be a positive number"):
        chunks([1], 0)


def test_results_come_in_the_order_of_the_items_from_other_processes():
    out = map_chunks(_pids, list(range(20)), 2, 3)
    assert [item for item, _ in out] == list(range(20))
    assert os.getpid() not in {pid for _, pid in out}  # forked: this test runs no other thread


def test_beside_a_thread_the_work_stays_here_unless_spawning_is_allowed():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        here = map_chunks(_pids, list(range(10)), 2, 3, spawn=False)
        assert {pid for _, pid in here} == {os.getpid()}
        spawned = map_chunks(_pids, list(range(10)), 2, 3)
        assert [item for item, _ in spawned] == list(range(10)) and os.getpid() not in {pid for _, pid in spawned}
    finally:
        stop.set()
        thread.join()


def test_a_thread_threading_does_not_see_still_keeps_the_work_here():
    # a thread started below the threading module (as a BLAS pool or a Jupyter client's ZeroMQ thread is): not among
    # threading's threads, yet a fork would copy whatever lock it holds
    release, started = _thread.allocate_lock(), _thread.allocate_lock()
    release.acquire()
    started.acquire()
    native: list[int] = []

    def wait() -> None:
        native.append(threading.get_native_id())
        started.release()
        release.acquire()

    _thread.start_new_thread(wait, ())
    started.acquire()
    try:
        assert native[0] not in {t.native_id for t in threading.enumerate()}
        if os.path.isdir("/proc/self/task"):  # (Linux: the operating system's count sees it)
            assert str(native[0]) in os.listdir("/proc/self/task") and threads_here() >= 2
        here = map_chunks(_pids, list(range(10)), 2, 3, spawn=False)
        assert {pid for _, pid in here} == {os.getpid()}
    finally:
        release.release()


def test_an_error_in_the_work_is_raised_here_and_bad_arguments_are_named():
    with pytest.raises(ValueError, match="item 7"):
        map_chunks(_fails, list(range(10)), 2, 2)
    with pytest.raises(ValueError, match="workers must be a positive number"):
        map_chunks(_pids, [1, 2], 0, 1)


def test_meanwhile_runs_here_while_the_workers_work_and_in_the_fallback_too():
    ran = []
    out = map_chunks(_pids, list(range(6)), 2, 2, meanwhile=lambda: ran.append(os.getpid()))
    assert ran == [os.getpid()] and os.getpid() not in {pid for _, pid in out}
    ran.clear()
    out = map_chunks(_pids, [1], 2, 2, meanwhile=lambda: ran.append(os.getpid()))  # one chunk: here, then meanwhile
    assert ran == [os.getpid()] and out == [(1, os.getpid())]
    out = map_chunks(_pids, list(range(6)), 1, 2)  # one worker: no process started for it
    assert out == [(item, os.getpid()) for item in range(6)]
