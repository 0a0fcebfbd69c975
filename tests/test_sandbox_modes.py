"""The mode probes' fork (``autograder/perimeter/confinement/modes.py``, ``refused_in_child``): it runs Python in a forked copy
of the calling process, so it refuses to fork one that runs other threads (their locks would be copied held), and
in a process of one thread it says whether the attempt worked and, if not, why. The modes themselves are chosen
and attacked in ``tests/test_engine_robustness.py`` and ``tests/test_engine_uid.py``."""

from __future__ import annotations

import os
import threading

import pytest

from autograder.perimeter.confinement import modes
from tests.engine_helpers import printed_json


def test_a_process_running_another_thread_is_not_forked():
    release = threading.Event()
    other = threading.Thread(target=release.wait, args=(60,))
    other.start()
    descriptors = sorted(os.listdir("/proc/self/fd"))
    try:
        with pytest.raises(RuntimeError, match=rf"one thread, not {threading.active_count()}\Z"):
            modes.refused_in_child(lambda: None)
    finally:
        release.set()
        other.join()
    assert sorted(os.listdir("/proc/self/fd")) == descriptors  # refused before its pipe was made


#: In a new interpreter (one thread, whatever runs this test): an attempt that returns, one that raises an OSError,
#: one that raises something else with no message.
ONE_THREAD = """
import errno, json
from autograder.perimeter.confinement import modes

def refused():
    raise OSError(errno.EPERM, "Operation not permitted")

def bare():
    raise KeyError

print(json.dumps([modes.refused_in_child(lambda: None), modes.refused_in_child(refused),
                  modes.refused_in_child(bare)]))
"""


def test_in_a_process_of_one_thread_the_attempt_says_why_it_failed():
    assert printed_json(ONE_THREAD) == ["", "Operation not permitted", "KeyError"]
