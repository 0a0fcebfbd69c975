"""The students' side of a notebook: ``selfcheck.py`` beside it, as the release folder has it.

Every notebook imports its self-checks in one line, ``from selfcheck import library_calls, needs_your``,
from the ``selfcheck.py`` released beside it (the same file in every ``source/<ps>/``). Tests that run
a notebook's cells outside that folder make the module importable the same way a student's Jupyter
does: from the notebook's folder.
"""

from __future__ import annotations

import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from autograder.model.course import source_notebook

MODULE = "selfcheck"


def selfcheck_file(ps: str) -> Path:
    """``source/<ps>/selfcheck.py``."""
    return source_notebook(ps).parent / f"{MODULE}.py"


def put_beside(folder: Path, ps: str) -> Path:
    """Copy ``selfcheck.py`` (and the ``data/`` folder of a set that trains a model) into ``folder``, where a
    notebook of ``ps`` runs, as the release ships them; returns the self-check's copy."""
    data = selfcheck_file(ps).parent / "data"
    if data.is_dir():
        shutil.copytree(data, Path(folder) / "data", dirs_exist_ok=True)
    return Path(shutil.copy(selfcheck_file(ps), Path(folder) / f"{MODULE}.py"))


@contextmanager
def selfcheck_importable(ps: str):
    """``from selfcheck import …`` works in this process (the problem set's folder first on ``sys.path``)."""
    folder = str(selfcheck_file(ps).parent)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.path.remove(folder)
