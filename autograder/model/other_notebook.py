"""Another problem set's notebook handed in for this one: said once, in the student's terms.

A student who uploads ``ps2_cross_entropy.ipynb`` to problem set 1's slot (an LMS upload, a Gradescope
assignment, a repository's wrong file) hands in cells that carry ps2's grade_ids. Graded as problem set 1, every
function is "not defined", every locked cell "deleted" or "edited" — a flood of tampering for the instructor and
nothing the student can act on. So the grader first asks which problem set the cells belong to: when it is another
one, and the notebook defines none of this set's functions (a student who wrote them there anyway is graded as
usual), the submission is not graded, with the reason on every cell (``autograder/engine/grade.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from autograder.model.course import FUNCTIONS
from autograder.model.notebook import SubmittedCell


def other_problem_set(assignment: str, cells: Sequence[SubmittedCell]) -> str | None:
    """The problem set whose notebook ``cells`` are, when it is not ``assignment`` and they define none of
    ``assignment``'s functions; else None.

    The cells are a set's when they carry the grade_ids of at least half of its functions' solution cells and
    none of ``assignment``'s.
    """
    ids = {c.grade_id for c in cells}
    if ids & set(FUNCTIONS.get(assignment, ())):
        return None
    found = [ps for ps, fns in FUNCTIONS.items() if ps != assignment and 2 * len(ids & set(fns)) >= len(fns) > 0]
    if len(found) != 1 or _defines_any(cells, FUNCTIONS.get(assignment, ())):
        return None
    return found[0]


def _defines_any(cells: Sequence[SubmittedCell], functions: Sequence[str]) -> bool:
    """Whether a code cell defines one of ``functions`` at its top level (``def f``, ``f =``)."""
    if not functions:
        return False
    pattern = re.compile(r"^(?:def\s+(?:{0})\b|(?:{0})\s*=)".format("|".join(map(re.escape, functions))), re.M)
    return any(c.is_cell and c.kind == "code" and pattern.search(c.source) for c in cells)
