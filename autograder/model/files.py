"""Files the grader writes: atomic, readable by the instructor, handed back under ``sudo``.

One writer for every output (results.json, grades.csv, summary.json, the
feedback pages and the report), used by the engine and the reports alike:

* **atomic** – a temporary file in the same folder, then ``os.replace``: a
  batch killed at any moment leaves the old file or the new one, never half;
* **readable** – files ``0644``, folders ``0755`` whatever the umask
  (``mkstemp`` alone makes ``0600``): results, grades and feedback pages are
  meant to be read by the instructor and handed to students;
* **owned by the instructor** – graded with ``sudo`` (the strong sandbox
  needs root), :func:`hand_over` gives the files to the invoking user
  (``SUDO_UID``/``SUDO_GID``), so their own account can read, move and delete them.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, TypeAlias

#: A path as the callers pass it: a string or a path object.
StrPath: TypeAlias = str | os.PathLike[str]

#: The files of a results folder (one name each, for the engine and the reports).
RESULTS_FILE = "results.json"    # RESULTS/<student>/<ps>/results.json
FEEDBACK_FILE = "feedback.html"  # RESULTS/<student>/<ps>/feedback.html
GRADES_FILE = "grades.csv"       # RESULTS/grades.csv
REPORT_FILE = "report.html"      # RESULTS/report.html
SUMMARY_FILE = "summary.json"    # RESULTS/summary.json
SIMILARITY_DIR = "similarity"    # RESULTS/similarity/ (autograde --similarity): the similarity report
SIMILARITY_HTML = "similarity.html"  # <report folder>/similarity.html
SIMILARITY_JSON = "similarity.json"  # <report folder>/similarity.json
CHANGES_FILE = "changes.csv"     # RESULTS/changes.csv (autograde --previous): the graded cells that moved, and why
CHANGES_HTML = "changes.html"    # RESULTS/changes.html: the same, for a person, linked from report.html
REGRADE_FILE = "regrade.json"    # RESULTS/regrade.json: the regrade's run

FILE_MODE = 0o644
DIR_MODE = 0o755


def make_dirs(path: StrPath) -> Path:
    """``mkdir -p`` with mode ``0755`` for every folder it creates."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    path.mkdir(parents=True, exist_ok=True)
    for p in missing:
        with contextlib.suppress(OSError):
            os.chmod(p, DIR_MODE)
    return path


def write_atomic(path: StrPath, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, mode ``0644``; returns the path."""
    path = Path(path)
    make_dirs(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            os.fchmod(fh.fileno(), FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def write_json_atomic(path: StrPath, data: Any, indent: int | None = 1, sort_keys: bool = False) -> Path:
    """``data`` as JSON (UTF-8, no NaN) through :func:`write_atomic`."""
    text = json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False, sort_keys=sort_keys)
    return write_atomic(path, text + "\n")


def invoking_user() -> tuple[int, int] | None:
    """``(uid, gid)`` of the user who ran ``sudo``, or None when not root under sudo."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    try:
        uid, gid = int(os.environ["SUDO_UID"]), int(os.environ["SUDO_GID"])
    except (KeyError, ValueError):
        return None
    return None if uid == 0 else (uid, gid)


def hand_over(*roots: StrPath) -> int:
    """Under ``sudo``, give ``roots`` and everything below them to the invoking user.

    Never follows a symbolic link (``lchown``, ``os.walk`` without
    ``followlinks``). Returns how many paths changed owner (0 when not
    running under ``sudo``).
    """
    user = invoking_user()
    if user is None:
        return 0
    uid, gid = user
    changed = 0
    for given in roots:
        root = Path(given)
        if not root.exists():
            continue
        paths = [root] if not root.is_dir() or root.is_symlink() else []
        if not paths:
            paths.append(root)
            for folder, dirs, files in os.walk(root):
                paths += [Path(folder, n) for n in dirs + files]
        for p in paths:
            try:
                if os.lstat(p).st_uid != uid:
                    os.lchown(p, uid, gid)
                    changed += 1
            except OSError:
                pass
    return changed


def is_regular_file(path: StrPath) -> bool:
    """A regular file that is not a symbolic link."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
