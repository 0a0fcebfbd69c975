"""The working folders of the ``uid`` and ``weak`` modes' children, on the grader's disk: one made fresh per child,
and whatever a child left removed, however deep (the other modes' are a tmpfs that vanishes with the child).

Standard library only: this module runs in the zygote and in the grader.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from typing import Any


def fresh_workdir(slot_root: str, uid: int | None, serial: int) -> str:
    """``weak`` mode: remove what earlier submissions of the slot left, and make a new private folder.

    Never raises on what a child left: :func:`remove_tree` cannot hit a
    recursion or path-length limit, and a slot folder that still cannot be
    emptied (a file it cannot remove) is moved aside and replaced.
    """
    os.makedirs(slot_root, mode=0o755, exist_ok=True)
    for entry in os.listdir(slot_root):
        remove_tree(slot_root, entry)
    workdir = os.path.join(slot_root, f"w{serial}")
    os.mkdir(workdir, 0o700)
    if uid is not None:
        os.chown(workdir, uid, uid)
    return workdir


def remove_tree(parent: str, name: str) -> bool:
    """Remove ``parent/name`` however deep it is, without recursion; True when it is gone.

    Works one level at a time relative to an open descriptor of ``parent``:
    each sub-folder is first moved up to ``parent`` (under a fresh name), so
    no path ever grows and no stack ever deepens (a 3000-deep tree breaks
    ``shutil.rmtree`` with ``RecursionError`` and paths with
    ``ENAMETOOLONG``). Symlinks are removed, never followed. Folders the
    owner made unreadable are made readable first.
    """
    top = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    todo, serial = [name], 0
    try:
        while todo:
            entry = todo.pop()
            try:
                st = os.stat(entry, dir_fd=top, follow_symlinks=False)
            except FileNotFoundError:
                continue
            if not stat.S_ISDIR(st.st_mode):
                _quietly(os.unlink, entry, dir_fd=top)
                continue
            _quietly(os.chmod, entry, 0o700, dir_fd=top, follow_symlinks=False)
            try:
                fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
            except OSError:
                continue
            try:
                with os.scandir(fd) as it:
                    names = [e.name for e in it]
                for child in names:
                    try:
                        is_dir = stat.S_ISDIR(os.stat(child, dir_fd=fd, follow_symlinks=False).st_mode)
                    except OSError:
                        continue
                    if is_dir:
                        serial += 1
                        flat = f".rm-{os.getpid()}-{serial}"
                        if _quietly(os.rename, child, flat, src_dir_fd=fd, dst_dir_fd=top):
                            todo.append(flat)
                    else:
                        _quietly(os.unlink, child, dir_fd=fd)
            finally:
                os.close(fd)
            _quietly(os.rmdir, entry, dir_fd=top)  # children first: they were moved out, so it is empty
        return not os.path.lexists(os.path.join(parent, name))
    finally:
        os.close(top)


def _quietly(fn: Callable[..., object], *args: Any, **kwargs: Any) -> bool:
    try:
        fn(*args, **kwargs)
        return True
    except OSError:
        return False
