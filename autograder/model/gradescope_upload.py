"""A Gradescope upload, read: Gradescope's metadata of it, its notebooks, and why it gave none to grade.

Gradescope puts a submission in ``/autograder/submission/`` (whatever the
student uploaded: a notebook, several, a folder, a zip's contents, nothing
useful) and its metadata in ``submission_metadata.json``. This reads them as
data, never following a link, within bounds (:data:`MAX_NOTEBOOKS`,
:data:`MAX_NOTEBOOK_BYTES`, :data:`MAX_UPLOAD_ENTRIES`), and says why an upload
gave no notebook to grade (:func:`describe_upload`), for
``gradescope run`` (:mod:`autograder.commands.gradescope`).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from autograder.model.ids import display
from autograder.model.large_notebook import MAX_FILE_BYTES

#: The most notebooks one submission may hold (more are not copied, and the grader says so).
MAX_NOTEBOOKS = 20
#: Notebooks larger than this are not copied out of the submission (the engine would refuse them anyway; a smaller
#: one over the engine's own cap is read without its outputs, :mod:`autograder.model.large_notebook`).
MAX_NOTEBOOK_BYTES = MAX_FILE_BYTES


def metadata(root: Path) -> dict[str, Any]:
    """Gradescope's ``submission_metadata.json`` (``{}`` when it is missing or not a JSON object)."""
    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def submitter_name(root: Path) -> str:
    """A name for the feedback: the submitter's name from Gradescope's submission_metadata.json, else "student"."""
    try:
        name = str(metadata(root)["users"][0]["name"]).strip()
    except (KeyError, IndexError, TypeError):
        return "student"
    return name[:100] or "student"


def submitted_notebooks(submission: Path) -> list[Path]:
    """The notebooks of a Gradescope submission: ``*.ipynb`` at its top, else any below it (no link followed,
    no ``.ipynb_checkpoints``), sorted, at most :data:`MAX_NOTEBOOKS`."""
    def regular(path: Path) -> bool:
        return path.is_file() and not path.is_symlink()

    top = sorted(p for p in submission.glob("*.ipynb") if regular(p))
    if top:
        return top[:MAX_NOTEBOOKS]
    found: list[Path] = []
    for folder, dirs, files in os.walk(submission):  # os.walk does not follow links into folders
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
        found += [Path(folder, f) for f in sorted(files) if f.endswith(".ipynb") and regular(Path(folder, f))]
        if len(found) >= MAX_NOTEBOOKS:
            break
    return found[:MAX_NOTEBOOKS]


#: At most this many entries of an upload are looked at to say what it holds (no notebook in it).
MAX_UPLOAD_ENTRIES = 10_000
#: At most this many of an upload's file names are named in the message.
SHOWN_NAMES = 5


def upload_entries(submission: Path) -> tuple[list[str], list[str], list[str]]:
    """``(files, links, hidden)`` of an upload, as paths relative to it, sorted: its regular files, its
    symbolic links (never followed) and its hidden entries and ``__MACOSX`` folders (named, not entered; a
    folder with a trailing ``/``), at most :data:`MAX_UPLOAD_ENTRIES` entries looked at."""
    files: list[str] = []
    links: list[str] = []
    hidden: list[str] = []
    seen = 0
    for folder, dirs, names in os.walk(submission):  # os.walk lists links to folders among dirs, never enters them
        rel = Path(folder).relative_to(submission)
        walk: list[str] = []
        for d in sorted(dirs):
            seen += 1
            if Path(folder, d).is_symlink():
                links.append((rel / d).as_posix())
            elif d.startswith(".") or d == "__MACOSX":
                hidden.append((rel / d).as_posix() + "/")
            else:
                walk.append(d)
        dirs[:] = walk
        for name in sorted(names):
            seen += 1
            path = Path(folder, name)
            if path.is_symlink():
                links.append((rel / name).as_posix())
            elif name.startswith("."):
                hidden.append((rel / name).as_posix())
            elif path.is_file():
                files.append((rel / name).as_posix())
        if seen >= MAX_UPLOAD_ENTRIES:
            break
    return sorted(files), sorted(links), sorted(hidden)


def describe_upload(submission: Path, ps: str, left_out: list[str]) -> str:
    """Why an upload gave no notebook to grade, naming what it holds: it is empty; it holds only other files
    (named, up to :data:`SHOWN_NAMES`; one that looks like a notebook saved under another extension is
    pointed out, and so are hidden folders such as Jupyter's ``.ipynb_checkpoints/``); its notebooks are
    links; or every notebook was left out (``left_out``: too large …)."""
    def shown(names: list[str]) -> str:
        cut = [display(n)[:120] for n in names[:SHOWN_NAMES]]
        return ", ".join(cut) + (f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else "")

    upload = f"upload {ps}.ipynb itself (in Jupyter: File → Download)"
    if left_out:
        return f"no notebook in the upload could be graded: {', '.join(left_out)}"
    files, links, hidden = upload_entries(submission) if submission.is_dir() else ([], [], [])
    if not (files or links or hidden):
        return f"no notebook was found: the upload is empty; {upload}"
    notebook_links = [n for n in links if n.endswith(".ipynb")]
    if notebook_links:
        return (f"no notebook was found in the upload: {shown(notebook_links)} is a symbolic link, and links are "
                f"not followed; {upload}")
    reason = f"no notebook (a .ipynb file) was found in the upload, which holds {shown(files + links + hidden)}"
    if hidden and not files:
        reason += " (hidden files and folders, such as .ipynb_checkpoints/ where Jupyter keeps automatic copies, are not graded)"
    lookalike = next((n for n in files if ".ipynb" in Path(n).name.lower()), None)
    if lookalike is not None:
        reason += (f"; {display(lookalike)[:120]} looks like a notebook saved under another name: rename it to "
                   f"{ps}.ipynb")
    return f"{reason}; {upload}"


def lay_out(notebooks: list[Path], folder: Path) -> list[str]:
    """Copy the notebooks into one problem-set folder (``submitted/<student>/<ps>/``); returns what was left out."""
    left_out: list[str] = []
    folder.mkdir(parents=True, exist_ok=True)
    for nb in notebooks:
        target = folder / nb.name
        if target.exists():
            left_out.append(f"{nb.name} (a second notebook of that name)")
        elif nb.stat().st_size > MAX_NOTEBOOK_BYTES:
            left_out.append(f"{nb.name} ({nb.stat().st_size / 2**20:.0f} MB: over the {MAX_NOTEBOOK_BYTES // 2**20} "
                            "MB limit)")
        else:
            shutil.copyfile(nb, target)
    return left_out
