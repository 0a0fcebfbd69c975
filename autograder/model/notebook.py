"""Reading notebooks: the instructor's source (trusted) and a submission (not).

Only JSON parsing and structural checks happen here; nothing in a notebook is
executed or unpickled. The source notebook's nbgrader metadata is the truth
for which cells are graded, locked or solutions, and for the points.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.model.files import StrPath
from autograder.model.large_notebook import TooLarge, without_outputs

#: Submissions larger than this are not read (a notebook of this course is ~50 kB).
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: More cells than this and the notebook is not graded (the course's notebooks have about 100).
MAX_CELLS = 2_000
#: Longest source of one cell, in characters (outputs do not count; they are never read). A longer cell
#: costs that cell only: its text is not kept (:func:`oversized`), the rest of the notebook is graded.
MAX_CELL_CHARS = 100_000


class Unreadable(Exception):
    """A submitted notebook that cannot be graded at all; the message says why."""


def cell_text(cell: object) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    src = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(src, list):
        try:
            return "".join(src)
        except TypeError:  # (a forged notebook: only its strings count)
            return "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def nbgrader_meta(cell: object) -> dict[str, Any]:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nb = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nb if isinstance(nb, dict) else {}


def grade_id_of(cell: object) -> str | None:
    gid = nbgrader_meta(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


@dataclass(frozen=True)
class SourceCell:
    index: int
    cell_type: str
    source: str
    grade_id: str | None
    solution: bool
    grade: bool
    locked: bool
    points: float

    @property
    def is_test(self) -> bool:
        """A graded test cell (nbgrader "autograder tests")."""
        return self.grade and not self.solution and self.cell_type == "code"

    @property
    def is_answer(self) -> bool:
        """A manually graded answer cell (nbgrader "manually graded answer"): a person grades it."""
        return self.grade and self.solution and self.grade_id is not None

    @property
    def protected(self) -> bool:
        """Restored from the source whatever the submission holds."""
        return self.grade_id is not None and not self.solution and (self.locked or self.grade)


@dataclass
class SourceNotebook:
    """The instructor's notebook of one problem set."""

    assignment: str
    path: Path
    cells: list[SourceCell] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def tests(self) -> list[tuple[str | None, float]]:
        """``[(grade_id, points)]`` of the graded test cells, in notebook order."""
        return [(c.grade_id, c.points) for c in self.cells if c.is_test]

    @property
    def answers(self) -> list[tuple[str, float]]:
        """``[(grade_id, points)]`` of the manually graded answer cells, in notebook order."""
        return [(c.grade_id, c.points) for c in self.cells if c.is_answer and c.grade_id is not None]  # (is_answer)

    @property
    def graded(self) -> list[tuple[str | None, float]]:
        """``[(grade_id, points)]`` of every graded cell (tests and answers), in notebook order."""
        return [(c.grade_id, c.points) for c in self.cells if c.is_test or c.is_answer]

    @property
    def max_score(self) -> float:
        """Every point of the notebook: autograded and graded by hand (nbgrader's max score)."""
        return float(sum(p for _, p in self.graded))

    @property
    def solution_ids(self) -> list[str]:
        return [c.grade_id for c in self.cells if c.solution and c.grade_id]


def load_source(path: StrPath, assignment: str | None = None) -> SourceNotebook:
    """Parse the source notebook; raises ``ValueError`` when it is not usable."""
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the source notebook {path}: {exc}") from None
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise ValueError(f"the source notebook {path} is not an nbformat 4 notebook")
    cells: list[SourceCell] = []
    seen: set[str] = set()
    for i, cell in enumerate(nb["cells"]):
        meta = nbgrader_meta(cell)
        gid = grade_id_of(cell)
        if gid is not None:
            if gid in seen:
                raise ValueError(f"the source notebook {path} has two cells with grade_id {gid!r}")
            seen.add(gid)
        points = meta.get("points", 0) if meta.get("grade") else 0
        cells.append(
            SourceCell(
                index=i,
                cell_type=str(cell.get("cell_type", "")),
                source=cell_text(cell),
                grade_id=gid,
                solution=bool(meta.get("solution", False)),
                grade=bool(meta.get("grade", False)),
                locked=bool(meta.get("locked", False)),
                points=float(points or 0),
            )
        )
    return SourceNotebook(assignment or path.stem, path, cells)


def read_bounded(path: Path) -> bytes:
    """The bytes of a submitted notebook file, never following a symbolic link.

    Opened with ``O_NOFOLLOW`` (a link to the instructor's source notebook is
    refused, not read) and ``O_NONBLOCK`` (a FIFO cannot hang the grader); only
    a regular file is read. One of at most :data:`MAX_NOTEBOOK_BYTES` is read as it is; a larger one (up to
    :data:`~autograder.model.large_notebook.MAX_FILE_BYTES`) is read without its outputs, attachments and
    widget state, by a process of its own (:mod:`autograder.model.large_notebook`), and must then fit.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Unreadable("the notebook is a symbolic link; links are not followed — submit the file "
                             "itself") from None
        raise Unreadable(f"the notebook file cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("the notebook is not a regular file")
        if info.st_size == 0:
            raise Unreadable("the notebook file is empty (0 bytes)")
        if info.st_size > MAX_NOTEBOOK_BYTES:  # read without its outputs, in a process of its own
            try:
                return without_outputs(fh, info.st_size, MAX_NOTEBOOK_BYTES)
            except TooLarge as exc:
                raise Unreadable(str(exc)) from None
        try:
            raw = fh.read(MAX_NOTEBOOK_BYTES + 1)
        except OSError as exc:
            raise Unreadable(f"the notebook file cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_NOTEBOOK_BYTES:  # grew while being read
        raise Unreadable(f"the notebook file is too large (the limit is {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MB)")
    return raw


def check_cells(cells: list[Any]) -> None:
    """Raise :class:`Unreadable` when a notebook has too many cells.

    The cap (:data:`MAX_CELLS`) is far above any honest notebook of this course
    (about 100 cells) and keeps the parent's work on a submission bounded; a cell
    with too much source costs only itself (:func:`oversized`).
    """
    if len(cells) > MAX_CELLS:
        raise Unreadable(f"the notebook has {len(cells):,} cells; the limit is {MAX_CELLS:,} — start again "
                         "from the released notebook and copy your functions into it")


#: What the text kept of an oversized cell asks (an answer holding it may hold a picture pasted inline).
OVERSIZED_ASK = "an image pasted inline, or pasted data? Link or shrink it."


def oversized(cell: dict[str, Any], index: int) -> tuple[dict[str, Any], str]:
    """``(the cell as graded, a note or "")``: a cell of more than :data:`MAX_CELL_CHARS` characters of
    source is kept with its type and metadata (so its grade_id still counts) but its text replaced by
    one line saying so; any other cell is returned as it is.

    So such a cell costs only itself, the whole notebook is graded: an answer cell (a derivation with a
    photo pasted inline as base64, say) awaits grading with that line as its text, a solution cell
    defines nothing (the checks of its function fail as "not defined"), a test cell is restored from the
    source as any edited one. The parent's work on the submission stays bounded.
    """
    size = len(cell_text(cell))
    if size <= MAX_CELL_CHARS:
        return cell, ""
    what = (f"cell {index} holds {size:,} characters of source; the limit is {MAX_CELL_CHARS:,} per cell, so its "
            "text was not kept (the rest of the notebook was graded)")
    comment = "#" if cell.get("cell_type") == "code" else ""
    kept = {**cell, "source": f"{comment}[{what}: {OVERSIZED_ASK}]\n"}
    return kept, f"{what} — remove pasted data or inline images from it and resubmit"


def load_submission(path: StrPath) -> list[Any]:
    """The cells of a submitted notebook; raises :class:`Unreadable` with a reason.

    Cells that are not well-formed (not an object, unknown type) are dropped
    by the caller with a note; here only the notebook as a whole is judged:
    a regular file (not a link), at most :data:`MAX_NOTEBOOK_BYTES`, UTF-8
    JSON in nbformat 4, within the caps of :func:`check_cells`.
    """
    raw = read_bounded(Path(path))
    try:
        nb = json.loads(raw.decode("utf-8-sig"))  # (a byte-order mark, which some Windows editors write, is let be)
    except UnicodeDecodeError:
        raise Unreadable("the notebook file is not UTF-8 text") from None
    except RecursionError:
        raise Unreadable("the notebook file is not valid JSON (nested too deeply)") from None
    except ValueError as exc:
        raise Unreadable(f"the notebook file is not valid JSON ({str(exc)[:200]})") from None
    if not isinstance(nb, dict):
        raise Unreadable("the file is JSON but not a notebook (expected an object with 'cells')")
    version = nb.get("nbformat")
    if version != 4:
        raise Unreadable(f"the notebook is not in nbformat 4 (nbformat = {str(version)[:20]!r}); open it in a "
                         "current Jupyter and save it again")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise Unreadable("the notebook has no list of cells")
    check_cells(cells)
    return cells
