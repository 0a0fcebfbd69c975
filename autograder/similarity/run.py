"""``similarity_report``: a folder of submissions in, the similarity report out.

The stages: find the submissions (:func:`autograder.model.submissions.scan`),
read what every student was given (:func:`autograder.similarity.corpus.given_code`),
read every notebook into documents (:func:`autograder.similarity.corpus.read_all`),
compare each graded function's documents (:func:`autograder.similarity.index.compare`)
and write the files (:func:`autograder.similarity.report.write_report`).
Nothing is executed; a submission that cannot be read is a note of the report.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.model.cores import cores
from autograder.model.course import FUNCTIONS, ROOT
from autograder.model.files import SIMILARITY_HTML, StrPath
from autograder.model.submissions import scan
from autograder.similarity.corpus import Entry, given_code, read_all
from autograder.similarity.index import THRESHOLD, compare
from autograder.similarity.report import write_report

#: A function written by fewer students than this is compared with a warning (the weights need a class).
SMALL_CLASS = 10


@dataclass
class SimilaritySummary:
    """What a run did: notebooks read, pairs reported (per function), time, the report's folder."""

    out: Path
    notebooks: int = 0
    students: int = 0
    pairs: int = 0
    per_function: dict[str, int] = field(default_factory=dict)
    notes: int = 0
    duration_s: float = 0.0

    def line(self) -> str:
        """What the report found, in one line (``similarity``, ``autograde --similarity``)."""
        found = sum(1 for n in self.per_function.values() if n)
        return (f"Similarity: {self.notebooks} notebook(s) read in {self.duration_s:.1f} s; {self.pairs} pair(s) "
                f"reported in {found} function(s): {self.out / SIMILARITY_HTML}")


def similarity_report(submitted_dir: StrPath, out_dir: StrPath, course_dir: StrPath = ROOT,
                      assignments: Iterable[str] | None = None, students: Iterable[str] | None = None,
                      threshold: float = THRESHOLD, workers: int | None = None) -> SimilaritySummary:
    """Compare every graded function of the submissions in ``submitted_dir``; write the report into ``out_dir``.

    Parameters
    ----------
    submitted_dir : path
        nbgrader's ``submitted/<student>/<problem set>/<problem set>.ipynb``.
    out_dir : path
        Where ``similarity.json``, ``similarity.html`` and ``pairs/`` go (created).
    course_dir : path
        The course, for its released notebooks (what every student was given).
    assignments, students : iterable of str, optional
        Only these problem sets / students (as ``autograde``'s filters).
    threshold : float
        Pairs scoring this or more are reported (default :data:`autograder.similarity.index.THRESHOLD`).
    workers : int, optional
        Processes reading notebooks (default: the machine's cores).

    Raises
    ------
    autograder.model.submissions.LayoutError
        No submissions folder, no submission, or filters that match nothing.
    ValueError
        ``threshold`` is not a number in (0, 10], or a released notebook cannot be read.
    """
    if not isinstance(threshold, (int, float)) or not 0 < threshold <= 10:
        raise ValueError(f"threshold must be a number in (0, 10], got {threshold!r}")
    started = time.monotonic()
    plan = scan(submitted_dir, FUNCTIONS, assignments, students)
    sets = sorted({s.assignment for s in plan.submissions}, key=list(FUNCTIONS).index)
    given = {ps: given_code(course_dir, ps) for ps in sets}
    entries, notes = read_all(plan.submissions, given, workers or cores())
    notes += [("", "", "", str(n)) for n in plan.not_graded]  # "path: reason — suggestion", as autograde says
    by_function: defaultdict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in entries:
        by_function[(entry.problem_set, entry.function)].append(entry)
    results = [(ps, fn, compare(by_function[(ps, fn)], given[ps].hashes, threshold), given[ps].hashes)
               for ps in sets for fn in FUNCTIONS[ps]]
    small = any(0 < len(c.entries) < SMALL_CLASS for _, _, c, _ in results)
    summary = SimilaritySummary(Path(out_dir), notebooks=len(plan.submissions),
                                students=len({s.student for s in plan.submissions}), notes=len(notes))
    write_report(out_dir, results, notes, {"submitted": str(submitted_dir), "notebooks": summary.notebooks,
                                           "students": summary.students, "threshold": threshold,
                                           "small_class": SMALL_CLASS if small else 0})
    summary.per_function = {f"{ps}/{fn}": c.above for ps, fn, c, _ in results}
    summary.pairs = sum(len(c.pairs) for _, _, c, _ in results)
    summary.duration_s = time.monotonic() - started
    return summary
