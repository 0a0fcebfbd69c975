"""Paths as the sandbox compares them: one inside another, the fewest that cover a list, those other users
cannot reach.

Standard library only: this module runs in the zygote.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable


def inside(path: str, parent: str) -> bool:
    """Whether ``path`` is ``parent`` or below it (both real, absolute paths)."""
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def minimal_paths(paths: Iterable[str]) -> list[str]:
    """Existing real paths of ``paths`` with none inside another, sorted."""
    real = sorted({os.path.realpath(p) for p in paths if p and os.path.exists(p)})
    return [p for p in real if p != "/" and not any(q != p and inside(p, q) for q in real)]


def unreadable_paths(paths: Iterable[str]) -> list[str]:
    """Those of ``paths`` that a uid without groups cannot reach (a folder on the way without ``o+x``, or the
    path itself without ``o+r``): the interpreter under ``/root`` (mode 0700), say. In ``uid`` mode a child
    cannot import a module there that the zygote had not imported before it forked."""
    out = []
    for path in paths:
        real = os.path.realpath(path)
        try:
            need = [(real, stat.S_IROTH | (stat.S_IXOTH if os.path.isdir(real) else 0))]
            folder = os.path.dirname(real)
            while True:
                need.append((folder, stat.S_IXOTH))
                if folder == "/":
                    break
                folder = os.path.dirname(folder)
            if any(os.stat(p).st_mode & bits != bits for p, bits in need):
                out.append(path)
        except OSError:
            continue
    return out
