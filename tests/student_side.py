"""The students' side of the course: ``student_side/`` (the self-check module, the requirements, the data).

Every notebook carries the self-check module in its set-up cell (``make release`` writes
``student_side/selfcheck.py`` into it, :mod:`autograder.release.inline`), so a notebook's cells run
without any file beside it. Tests that want the module itself import it from ``student_side/``.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

from autograder.model.course import ROOT
from autograder.release import inline

MODULE = "selfcheck"
FOLDER = ROOT / inline.STUDENT_SIDE


def selfcheck_file() -> Path:
    """``student_side/selfcheck.py``: the one copy the instructor edits."""
    return FOLDER / inline.SELFCHECK


@contextmanager
def selfcheck_importable():
    """``import selfcheck`` works in this process (``student_side/`` first on ``sys.path``)."""
    folder = str(FOLDER)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.path.remove(folder)
