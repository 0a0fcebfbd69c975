"""The notebook of a student's repository, found and copied as data: what a CI template grades.

A student template (``ci-templates/``) checks out the student's whole repository, which the student
controls byte for byte: any name (newlines, a leading ``-``, any Unicode, 255 bytes), symbolic links to
anything on the runner (the grader's own source notebook, with the reference solutions), folders where a
notebook should be. The notebook to grade is chosen here, not by ``find`` and ``cp`` in the template:

* ``<ps>.ipynb`` anywhere in the repository (the shallowest, then the first by name), else the repository's
  only notebook under another name (the engine then notes that it was graded under another name);
* hidden folders (``.git``, ``.ipynb_checkpoints``) and ``__MACOSX`` are not entered, no link is ever
  followed (``os.walk`` lists a link to a folder without entering it), and at most
  :data:`MAX_REPOSITORY_ENTRIES` entries are looked at;
* only a **regular file** is taken: a link, a folder, a device, a FIFO or a socket where the notebook should
  be is refused with a message naming it (:class:`NotTaken`), as the grader itself refuses them in
  ``submitted/`` (:mod:`autograder.model.submissions`);
* the copy is opened with ``O_NOFOLLOW | O_NONBLOCK`` (a link swapped in after the walk is refused, a FIFO
  cannot block), checked to be a regular file by ``fstat``, and written with ``O_EXCL`` into a fresh folder of
  the grader's: as it is when it has at most the engine's :data:`MAX_NOTEBOOK_BYTES`, without its outputs when
  it is larger (:mod:`autograder.model.large_notebook`, as the engine reads one).

Every name in a message is in its :func:`~autograder.model.ids.display` form (no control character, no
``::`` or ``##`` that a CI log would read as a command).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from autograder.model.ids import display
from autograder.model.large_notebook import TooLarge, without_outputs
from autograder.model.notebook import MAX_NOTEBOOK_BYTES

#: At most this many entries of a repository are looked at (a course repository holds a few dozen).
MAX_REPOSITORY_ENTRIES = 10_000
#: At most this many names are listed in a message.
SHOWN = 5

_KIND_WORDS = {
    "link": "a symbolic link: links are never followed or graded",
    "dir": "a folder, not a notebook file",
    "other": "not a regular file (a device, a FIFO or a socket)",
}


class NotTaken(ValueError):
    """The repository gave no notebook to grade; the message says why, naming what it holds."""


@dataclass(frozen=True)
class Entry:
    """A ``*.ipynb`` name found in the repository: its path relative to it and what it is."""

    rel: str
    kind: str  # "file", "link", "dir" or "other" (never following a link)

    @property
    def depth(self) -> int:
        return self.rel.count("/")


def _kind(path: str) -> str:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "other"
    if stat.S_ISLNK(mode):
        return "link"
    return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def notebook_entries(repository: Path) -> list[Entry]:
    """Every ``*.ipynb`` name of ``repository`` (files, links, folders, anything), as :class:`Entry`, in walk
    order; hidden folders and ``__MACOSX`` are not entered, links never followed, at most
    :data:`MAX_REPOSITORY_ENTRIES` entries looked at."""
    found: list[Entry] = []
    seen = 0
    for folder, dirs, files in os.walk(repository):  # never enters a link to a folder
        rel = os.path.relpath(folder, repository)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        keep: list[str] = []
        for name in sorted(dirs):
            seen += 1
            if name.startswith(".") or name == "__MACOSX":
                continue
            path = os.path.join(folder, name)
            if name.endswith(".ipynb"):  # a folder (or a link to one) named like a notebook
                found.append(Entry(prefix + name, _kind(path)))
            elif _kind(path) == "dir":
                keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            seen += 1
            if name.endswith(".ipynb") and not name.startswith("."):
                found.append(Entry(prefix + name, _kind(os.path.join(folder, name))))
        if seen >= MAX_REPOSITORY_ENTRIES:
            break
    return found


def _names(entries: list[Entry]) -> str:
    shown = ", ".join(display(e.rel)[:200] for e in entries[:SHOWN])
    return shown + (f" and {len(entries) - SHOWN} more" if len(entries) > SHOWN else "")


def choose(repository: Path, ps: str) -> Entry:
    """The notebook of ``repository`` to grade as problem set ``ps`` (see the module's docstring).

    Raises
    ------
    NotTaken
        No regular file to grade; the message names what was found instead.
    """
    entries = notebook_entries(repository)
    wanted = f"{ps}.ipynb"
    named = sorted((e for e in entries if e.rel.rsplit("/", 1)[-1] == wanted), key=lambda e: (e.depth, e.rel))
    regular = [e for e in named if e.kind == "file"]
    if regular:
        return regular[0]
    if named:
        first = named[0]
        raise NotTaken(f"{display(first.rel)[:200]} is {_KIND_WORDS[first.kind]}; commit the notebook file "
                       f"{wanted} itself")
    files = [e for e in entries if e.kind == "file"]
    if len(files) == 1:
        return files[0]
    if files:
        raise NotTaken(f"no {wanted} in the repository, and {len(files)} other notebooks ({_names(files)}): "
                       f"name yours {wanted}")
    others = [e for e in entries if e.kind != "file"]
    if others:
        raise NotTaken(f"no {wanted} in the repository; {display(others[0].rel)[:200]} is "
                       f"{_KIND_WORDS[others[0].kind]}; commit the notebook file {wanted} itself")
    raise NotTaken(f"no {wanted} in the repository (and no other notebook): commit your notebook as {wanted}")


def copy_regular(source: Path, target_folder: Path) -> Path:
    """Copy the regular file ``source`` into ``target_folder`` (made here, mode 0755) under its own name,
    never following a link; a file over :data:`MAX_NOTEBOOK_BYTES` is copied without its outputs
    (:func:`~autograder.model.large_notebook.without_outputs`).

    Raises
    ------
    NotTaken
        ``source`` is not a regular file now (a link swapped in, a FIFO), cannot be read, or is too large.
    """
    shown = display(source.name)[:200]
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotTaken(f"{shown} is {_KIND_WORDS['link']}; commit the notebook file itself") from None
        raise NotTaken(f"{shown} cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotTaken(f"{shown} is {_KIND_WORDS['other']}; commit the notebook file itself")
        if info.st_size > MAX_NOTEBOOK_BYTES:  # its outputs dropped, by a process of its own
            try:
                data = without_outputs(fh, info.st_size, MAX_NOTEBOOK_BYTES)
            except TooLarge as exc:
                raise NotTaken(f"{shown}: {exc}") from None
        else:
            data = fh.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:  # (grew while being read)
        raise NotTaken(f"{shown} is larger than {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MB: clear large outputs "
                       "(Kernel → Restart & Clear Output) and commit it again")
    target_folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    target = target_folder / source.name
    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(out, "wb") as fh:
        fh.write(data)
    return target
