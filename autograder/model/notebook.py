"""Reading notebooks: the instructor's source (trusted) and a submission (not).

Only JSON parsing and structural checks happen here; nothing in a notebook is
executed or unpickled. The source notebook's nbgrader metadata is the truth
for which cells are graded, locked or solutions, and for the points.

A submission is read once, here, into typed cells (:class:`SubmittedCell`:
its position, kind, text, grade id and nbgrader metadata), which restore,
the run order, the recognition of cells that lost their metadata and the
engine use (:func:`read_cells`); nothing outside the model reads a submission's raw cell JSON
(``tests/test_layers.py`` holds it so).
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass, field, replace
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


#: The cell types of nbformat 4: a submitted cell of another (or none) is not a well-formed cell.
CELL_TYPES = ("code", "markdown", "raw")


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
class SubmittedCell:
    """One cell of a submitted notebook as the grader reads it (its outputs and attachments never are).

    Attributes
    ----------
    position : int
        Its index in the notebook as handed in (-1 for a cell the grader put back: a merge taken apart).
    kind : str
        ``code``, ``markdown`` or ``raw``; whatever else the notebook says (``""`` for none, or not text) makes
        it a cell that is not well-formed (:attr:`well_formed`).
    source : str
        Its text (nbformat's list of lines joined; bounded: :func:`oversized`).
    grade_id : str or None
        The grade_id of its nbgrader metadata.
    nbgrader : dict
        Its nbgrader metadata as the notebook holds it (``grade``, ``points``, ``solution``, ``locked``: the
        student's word, never the truth: the source's is).
    is_cell : bool
        False for an entry of the notebook's cells that is not even an object.
    note : str
        What the reading did to it, for the student (its text over :data:`MAX_CELL_CHARS`, not kept: :func:`oversized`).
    """

    position: int
    kind: str
    source: str
    grade_id: str | None
    nbgrader: dict[str, Any] = field(default_factory=dict)
    is_cell: bool = True
    note: str = ""
    #: An object of a known cell type: the others are ignored, with a note (derived once, from the fields above).
    well_formed: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "well_formed", self.is_cell and self.kind in CELL_TYPES)


def read_cells(raw: list[Any]) -> list[SubmittedCell]:
    """A notebook's cells (its raw JSON list) read into :class:`SubmittedCell`, once: the one place a notebook's
    cells are read as JSON for grading (a submission's, and the course's own where they are compared). A
    well-formed cell's text is bounded as it is read (:func:`oversized`)."""
    out = []
    for i, cell in enumerate(raw):
        kind = cell.get("cell_type") if isinstance(cell, dict) else None
        read = SubmittedCell(i, kind if isinstance(kind, str) else "", cell_text(cell), grade_id_of(cell),
                             nbgrader_meta(cell), isinstance(cell, dict))
        out.append(oversized(read, i)[0] if read.well_formed else read)
    return out


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
    #: A graded test cell (nbgrader "autograder tests").
    is_test: bool = field(init=False)
    #: A manually graded answer cell (nbgrader "manually graded answer"): a person grades it.
    is_answer: bool = field(init=False)
    #: Restored from the source whatever the submission holds.
    protected: bool = field(init=False)

    def __post_init__(self) -> None:  # (what the nbgrader metadata means, derived once)
        object.__setattr__(self, "is_test", self.grade and not self.solution and self.cell_type == "code")
        object.__setattr__(self, "is_answer", self.grade and self.solution and self.grade_id is not None)
        object.__setattr__(self, "protected", self.grade_id is not None and not self.solution
                           and (self.locked or self.grade))


@dataclass
class SourceNotebook:
    """The instructor's notebook of one problem set: its cells, and what they declare, derived once when it is
    read (its cells are not changed afterwards).

    Attributes
    ----------
    tests : list
        ``[(grade_id, points)]`` of the graded test cells, in notebook order.
    answers : list
        ``[(grade_id, points)]`` of the manually graded answer cells, in notebook order.
    graded : list
        ``[(grade_id, points)]`` of every graded cell (tests and answers), in notebook order.
    max_score : float
        Every point of the notebook: autograded and graded by hand (nbgrader's max score).
    solution_ids : list
        The grade_ids of the solution cells, in notebook order.
    """

    assignment: str
    path: Path
    cells: list[SourceCell] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tests: list[tuple[str | None, float]] = field(init=False)
    answers: list[tuple[str, float]] = field(init=False)
    graded: list[tuple[str | None, float]] = field(init=False)
    max_score: float = field(init=False)
    solution_ids: list[str] = field(init=False)

    def __post_init__(self) -> None:
        cells = self.cells
        self.tests = [(c.grade_id, c.points) for c in cells if c.is_test]
        self.answers = [(c.grade_id, c.points) for c in cells if c.is_answer and c.grade_id is not None]
        self.graded = [(c.grade_id, c.points) for c in cells if c.is_test or c.is_answer]
        self.max_score = float(sum(p for _, p in self.graded))
        self.solution_ids = [c.grade_id for c in cells if c.solution and c.grade_id]


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


def oversized(cell: SubmittedCell, index: int) -> tuple[SubmittedCell, str]:
    """``(the cell as graded, a note or "")``: a cell of more than :data:`MAX_CELL_CHARS` characters of
    source is kept with its type and metadata (so its grade_id still counts) but its text replaced by
    one line saying so; any other cell is returned as it is.

    So such a cell costs only itself, the whole notebook is graded: an answer cell (a derivation with a
    photo pasted inline as base64, say) awaits grading with that line as its text, a solution cell
    defines nothing (the checks of its function fail as "not defined"), a test cell is restored from the
    source as any edited one. The parent's work on the submission stays bounded.
    """
    size = len(cell.source)
    if size <= MAX_CELL_CHARS:
        return cell, ""
    what = (f"cell {index} holds {size:,} characters of source; the limit is {MAX_CELL_CHARS:,} per cell, so its "
            "text was not kept (the rest of the notebook was graded)")
    comment = "#" if cell.kind == "code" else ""
    note = f"{what} — remove pasted data or inline images from it and resubmit"
    return replace(cell, source=f"{comment}[{what}: {OVERSIZED_ASK}]\n", note=note), note


def load_submission(path: StrPath) -> list[SubmittedCell]:
    """The cells of a submitted notebook, read once (:func:`read_cells`); raises :class:`Unreadable` with a
    reason.

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
    return read_cells(cells)
