"""Every submission of a batch read into documents, per problem set and graded function; and the given code.

The submissions are found by the model's :func:`autograder.model.submissions.scan`
(the engine's rules: no link followed, every notebook accounted for) and each
notebook read by :func:`autograder.model.notebook.load_submission` (the
engine's caps). A notebook that cannot be read, a function that is not
defined, too large to compare or not valid Python becomes a note for the
report, never an error of the batch.

*Given code* is what every student had: every code cell of the released
notebook (the function's signature and docstring, the imports, the lesson's
figures and demos, the test cells) and the Python in its Markdown cells.
Its fingerprints never count as a match.

Notebooks are read by ``workers`` processes when there are enough of them to
pay for the start (:func:`autograder.model.process_pool.map_chunks`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder.model.course import FUNCTIONS
from autograder.model.files import StrPath
from autograder.model.notebook import SourceCell, Unreadable, load_source, load_submission, read_cells
from autograder.model.process_pool import map_chunks
from autograder.model.pysource import import_names, parse, python_source
from autograder.model.run_order import partition, run_order
from autograder.model.submissions import Submission
from autograder.reading.graded import Shown, graded_code
from autograder.similarity.bounds import MAX_SECONDS, Deadline, Exceeded, time_limit
from autograder.similarity.document import Document, document, given_code_of

#: Fewer notebooks than this are read in the calling process (starting workers costs about a second).
PARALLEL_FROM = 60
#: Notebooks handed to a worker at a time.
CHUNK = 16

_FENCED = re.compile(r"^```(?:python|py|ipython3?)?[ \t]*\n(.*?)^```", re.M | re.S)


@dataclass
class Entry:
    """One student's version of one graded function."""

    student: str  # the display id (autograder.model.ids)
    folder: str   # the results folder name of the student
    problem_set: str
    function: str
    document: Document
    shown: tuple[Shown, ...] = ()  # each of the document's pieces
    how: str = ""      # what the graded name was bound to, in words


@dataclass(frozen=True)
class Given:
    """What every student of a problem set had: the fingerprints of given code, and the released notebook's
    cells (:class:`autograder.model.notebook.SourceCell`), for the order the grader runs a submission in, and
    the keys of the statements of its functions (a starter's lines), which are taken out of every version."""

    hashes: np.ndarray
    cells: tuple[SourceCell, ...]
    statements: frozenset[bytes] = frozenset()


#: One submission to read: ``(student, folder, problem set, notebook, source cells, given statements)``.
Job = tuple[str, str, str, Path, tuple[SourceCell, ...], frozenset[bytes]]
#: What is not compared: ``(student, problem set, function or "", reason)``.
Note = tuple[str, str, str, str]


def given_code(course_dir: StrPath, problem_set: str) -> Given:
    """The :class:`Given` of ``problem_set``, read from ``<course_dir>/release/<ps>/<ps>.ipynb``.

    Raises
    ------
    ValueError
        The released notebook is missing or not a notebook (the course is the instructor's: a clear error).
    """
    path = Path(course_dir) / "release" / problem_set / f"{problem_set}.ipynb"
    try:
        cells = read_cells(json.loads(path.read_text(encoding="utf-8"))["cells"])
        source = load_source(path, problem_set)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"the released notebook {path} cannot be read ({exc}); run `make release`") from None
    trees: list[Any] = []
    imports: dict[str, str] = {}
    for cell in cells:
        text = cell.source
        pieces = [text] if cell.kind == "code" else _FENCED.findall(text)
        for piece in pieces:
            code = python_source(piece)
            tree = None if code is None else parse(code)
            if tree is not None:
                trees.append(tree)
                if cell.kind == "code":
                    for node in tree.body:
                        import_names(node, imports, relative=False)
    contract = FUNCTIONS.get(problem_set, ())
    found = [given_code_of(tree, imports, contract) for tree in trees]
    hashes = np.unique(np.concatenate([np.empty(0, dtype=np.int64)] + [h for h, _ in found]))
    return Given(hashes, tuple(source.cells), frozenset().union(*(k for _, k in found)))


def read_submission(job: Job) -> tuple[list[Entry], list[Note]]:
    """``(entries, notes)`` of one submission; ``job`` is ``(student, folder, problem set, path, cells,
    statements)``, the last two the released notebook's (:attr:`Given.cells`, :attr:`Given.statements`).

    ``notes`` are ``(student, problem set, function or "", reason)`` for what is not compared. Nothing
    a notebook holds stops the others: one that takes more than
    :data:`autograder.similarity.bounds.MAX_SECONDS`, or makes any step fail, is a note.
    """
    student, ps = job[0], job[2]
    try:
        with time_limit(MAX_SECONDS + 5):
            return _read(job, Deadline(MAX_SECONDS))
    except Exceeded as exc:
        return [], [(student, ps, "", f"not compared: {exc}")]
    except (RecursionError, MemoryError, ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        return [], [(student, ps, "", f"not compared: reading the notebook failed ({type(exc).__name__}); "
                                      "it is listed so that a person looks at it")]


def _read(job: Job, deadline: Deadline) -> tuple[list[Entry], list[Note]]:
    student, folder, ps, path, source_cells, given = job
    contract = FUNCTIONS[ps]
    try:
        cells = load_submission(path)
    except Unreadable as exc:
        return [], [(student, ps, "", f"the notebook was not read: {exc}")]
    problems: list[str] = []
    cells = list(cells)  # (partition replaces an oversized or recognised cell in this copy)
    parts = partition(source_cells, cells, problems)
    index = {id(cell): i for i, cell in enumerate(cells)}
    order = [(scell, cell, index.get(id(cell), -1)) for scell, cell in run_order(source_cells, parts)]
    code = graded_code(order, contract)
    notes = [(student, ps, "", note) for note in problems + code.problems]
    entries = []
    for function in contract:
        deadline.check()
        graded = code.graded[function]
        doc = document(graded, code.imports, contract, deadline, function, given)
        if doc.problem:
            notes.append((student, ps, function, doc.problem))
            continue
        shown = tuple(code.shown.get(key, Shown(key, -1, 0, "")) for key in doc.pieces)
        entries.append(Entry(student, folder, ps, function, doc, shown, graded.how))
    return entries, notes


def _read_chunk(jobs: list[Job]) -> list[tuple[list[Entry], list[Note]]]:
    return [read_submission(job) for job in jobs]


def read_all(submissions: Sequence[Submission], given: dict[str, Given], workers: int = 1,
             ) -> tuple[list[Entry], list[Note]]:
    """``(entries, notes)`` of every submission (:class:`autograder.model.submissions.Submission`) whose
    problem set is in ``given``; ``workers`` processes read them when there are :data:`PARALLEL_FROM` or more."""
    jobs: list[Job] = [(s.student, s.results_folder, s.assignment, s.path, given[s.assignment].cells,
                        given[s.assignment].statements)
                       for s in submissions if s.assignment in given and s.path is not None]
    entries: list[Entry] = []
    notes: list[Note] = []
    for s in submissions:
        if s.path is None and s.assignment in given:
            notes.append((s.student, s.assignment, "", s.problem or "no notebook to read"))
    results = map_chunks(_read_chunk, jobs, workers if len(jobs) >= PARALLEL_FROM else 1, CHUNK)
    for found, noted in results:
        entries += found
        notes += noted
    return entries, notes
