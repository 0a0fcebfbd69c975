"""Passback after a regrade: only the grades that moved, each comment naming why.

A results folder written by ``autograde --previous OLD`` (its ``regrade.json``) holds, in each result's
``regrade`` record (:mod:`autograder.model.regrade`), the earlier run's total and what moved. :func:`moved_only`
narrows passback's grades (:mod:`autograder.lms.scores`) to those whose total differs from the earlier run's
(and those graded as new), so that a regrade touches in the LMS only what it changed, and puts one line in
each comment, above the autograder's tag, naming the reason::

    Regraded: softmax-stability +5 — the check was corrected.

A grade lower than the earlier total is never posted when the regrade kept the higher one (``--keep-higher``):
the results already keep it (the floor of :func:`autograder.model.regrade.floor`), and a grade that reached
passback lower all the same (a results.json edited since) is left out and listed. ``every=True`` (passback's
``--every-grade``) posts every grade of grades.csv as for any results folder, the reason lines included.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.lms.scores import Grade
from autograder.model.files import REGRADE_FILE, StrPath
from autograder.model.regrade import Regrade
from autograder.model.results import load_results

#: Two totals closer than this are the same grade (as passback's plan compares them).
TOLERANCE = 0.005
#: At most this many moved cells are named in a comment.
MAX_NAMED = 6
#: A graded cell's name as the released notebook has it (anything else is not put in a comment).
_CELL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,80}\Z")


@dataclass
class RegradeFilter:
    """What :func:`moved_only` kept and left out."""

    post: list[Grade] = field(default_factory=list)
    unchanged: int = 0
    every: bool = False
    lowered: list[Grade] = field(default_factory=list)  # lower than the kept earlier total: never posted

    def lines(self, results_dir: StrPath) -> list[str]:
        record = Path(results_dir) / REGRADE_FILE
        out = [f"Regrade ({record}): posting every grade (--every-grade), each moved one's comment naming why."
               if self.every else
               f"Regrade ({record}): posting the {len(self.post)} grade(s) that moved since the earlier run or are "
               f"new; {self.unchanged} unchanged since then left out (--every-grade posts them all)."]
        out += [f"  not posted: {g.student} {g.ps}: {g.score:g} is lower than the earlier total the regrade keeps "
                "(--keep-higher); run `late` to write grades.csv again" for g in self.lowered]
        return out


def reason_line(record: Regrade) -> str:
    """``Regraded: softmax-stability +5 — the check was corrected; late penalty −5 → −2: the due date moved.``"""
    parts = [c.line() for c in record.changes if _CELL_NAME.match(c.cell)][:MAX_NAMED]
    if len(record.changes) > MAX_NAMED:
        parts.append(f"and {len(record.changes) - MAX_NAMED} more cells")
    parts += [text for text in (record.late, record.total) if text]
    if record.kept:
        parts.append("the earlier, higher total is kept")
    return ("Regraded: " + "; ".join(parts) + ".") if parts else ""


def with_reason(comment: str, line: str) -> str:
    """``comment`` with ``line`` put just above its last line (the autograder's tag, which stays last)."""
    if not line:
        return comment
    head, sep, tag = comment.rpartition("\n")
    return f"{head}\n{line}\n{tag}" if sep else f"{line}\n{comment}"


def is_regrade(results_dir: StrPath) -> bool:
    """``results_dir`` was written by ``autograde --previous`` (it holds regrade.json)."""
    return (Path(results_dir) / REGRADE_FILE).is_file()


def moved_only(results_dir: StrPath, grades: Iterable[Grade], every: bool = False) -> RegradeFilter:
    """The grades of a regrade's folder to post (see the module docstring); every grade, with its reason line,
    when ``every``."""
    records = {(r.student, r.assignment): r.regrade for r in load_results(results_dir) if r.complete}
    found = RegradeFilter(every=every)
    for g in grades:
        record = records.get((g.student, g.ps))
        if record is None or record.previous_score is None:  # graded as new: posted as any grade
            found.post.append(g)
            continue
        if record.keep_higher and g.score < record.previous_score - TOLERANCE:
            found.lowered.append(g)
            continue
        if abs(g.score - record.previous_score) <= TOLERANCE and not every:
            found.unchanged += 1
            continue
        found.post.append(dataclasses.replace(g, comment=with_reason(g.comment, reason_line(record))))
    return found
