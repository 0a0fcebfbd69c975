"""What a problem set asks of a student: its words, its hygiene points and its working time.

Shared by ``tests/test_load.py`` (the limits) and ``docs/notebooks.md`` ("Load: words, points and time"),
which states the same rules and the table of :data:`FUNCTION_MINUTES`.

* :func:`words` — the words a student reads before "Going further": every markdown cell of the **release**
  notebook before the ``going-further`` cell, split at whitespace (prose, formulas, the "What the next cells
  check" lists and the derivation's answer cell as released all count), table rows (lines starting with
  ``|``: the opening's points and notation tables, reference read once) left out;
* :func:`hygiene_points` — the points of the cells that judge the same policy in every set rather than what
  the set teaches: each function's ``-purity`` and ``-errors`` cells (a ``-stability`` cell is the set's idea
  where it has one, weighed by ``testkit/zoo/rubric.py``, and a ``-shape`` cell is its own rule there);
* :func:`estimate_minutes` — the working time a median second-year student needs: reading at
  :data:`WORDS_PER_MINUTE`, :data:`MINUTES_PER_LESSON_CELL` per figure or demo cell before "Going further",
  :data:`DERIVATION_MINUTES` for the derivation, and each function's :data:`FUNCTION_MINUTES` (writing and
  debugging it until its visible checks pass).

``python -m testkit.load`` (a step of ``make release``, after the release) writes each opening's working-time line
from the estimate (:func:`write_working_times`) and releases again the sets whose line moved: the line's words do
not depend on its numbers, so the estimate it states is the one it is part of.
"""

from __future__ import annotations

import json
import math
import re
import sys

from autograder.checks.by_name import all_declarations
from autograder.model.course import (
    FUNCTIONS,
    GRADE_CELLS,
    ROOT,
    is_answer_cell,
    is_lesson_cell,
    release_notebook,
    source_notebook,
)

#: Reading speed for the lesson: technical prose with formulas to work through, by a second-year student.
WORDS_PER_MINUTE = 60
#: Running a figure or demo cell and looking at what it shows.
MINUTES_PER_LESSON_CELL = 2
#: Writing the three-part derivation.
DERIVATION_MINUTES = 40
#: Writing one function and debugging it until its visible checks pass (an estimate per function, from an
#: instructor's review of the sets and the number of aspects each has; the sum with the reading time
#: reproduces that review's estimates of the sets as they were then, at commit 4945c91, within its ranges): each
#: function's declaration states its own (``minutes=`` in ``autograder/checks/<ps>.py``).
FUNCTION_MINUTES = {fn: declared.minutes for fn, declared in all_declarations().items()}
#: The words before "Going further" (see :func:`words`) are at most this many.
WORD_LIMIT = 2200
#: Every set's stated working time is at most this many hours ...
HOURS_LIMIT = 3.0
#: ... but these, over it for the reason given, with its arithmetic (``test_load`` holds its numbers to
#: :func:`arithmetic`): the minutes of their functions and derivation alone are over the limit, so no cut of the
#: reading (lesson or figures moved into "Going further", fewer words) can bring them under, and a derivation part
#: moved there leaves the derivation's minutes as they are. What would: fewer functions in the set (ps6's five
#: would be two sets: a new problem-set id, which the contract's six sets rule out), or less asked of a function
#: than the contract asks. This list may only shrink.
OVER_THE_LIMIT = {
    "ps6_information": "its five functions are 145 minutes (entropy 25 + kl_divergence 30 + js_divergence 20 + "
                       "bayes_posterior 30 + map_linear_regression 40) and its derivation 40: 185 minutes with no "
                       "reading at all, over the limit's 180 (3¼ h rounded up). With its reading, 2,179 words / 60 "
                       "= 36.3 minutes and 7 figure or demo cells x 2 = 14, it is 50.3 + 185 = 235.3 minutes: 4 h",
}
#: Hygiene cells (see :func:`hygiene_points`) are at most this share of a set's autograded points.
HYGIENE_SHARE = 0.25
HYGIENE_ASPECTS = ("purity", "errors")


def _cells(ps: str) -> list:
    return json.loads(release_notebook(ps).read_text(encoding="utf-8"))["cells"]


def _text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _gid(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _before_going_further(ps: str) -> list:
    cells = _cells(ps)
    end = next(i for i, c in enumerate(cells) if _gid(c) == "going-further")
    return cells[:end]


def words(ps: str) -> int:
    """Words of the release notebook's markdown before "Going further", table rows left out (module doc)."""
    total = 0
    for cell in _before_going_further(ps):
        if cell["cell_type"] == "markdown":
            prose = "\n".join(line for line in _text(cell).splitlines() if not line.lstrip().startswith("|"))
            total += len(prose.split())
    return total


def lesson_cells(ps: str) -> int:
    """Figure and demo cells before "Going further" (what a student runs and looks at)."""
    return sum(1 for c in _before_going_further(ps) if c["cell_type"] == "code" and is_lesson_cell(_gid(c)))


def hygiene_points(ps: str) -> float:
    return sum(points for gid, points in GRADE_CELLS[ps] if gid.rsplit("-", 1)[1] in HYGIENE_ASPECTS)


def autograded_points(ps: str) -> float:
    return sum(points for _, points in GRADE_CELLS[ps])


def has_derivation(ps: str) -> bool:
    return any(is_answer_cell(c.get("metadata", {}).get("nbgrader", {})) for c in _cells(ps))


def estimate_minutes(ps: str) -> dict:
    """``{"reading", "derivation", "functions", "total_hours"}``: reading rounded to 5 minutes, the total
    rounded up to the next quarter hour."""
    reading = words(ps) / WORDS_PER_MINUTE + MINUTES_PER_LESSON_CELL * lesson_cells(ps)
    derivation = DERIVATION_MINUTES if has_derivation(ps) else 0
    functions = sum(FUNCTION_MINUTES[fn] for fn in FUNCTIONS[ps])
    total = reading + derivation + functions
    return {"reading": 5 * round(reading / 5), "derivation": derivation, "functions": functions,
            "total_hours": math.ceil(total / 15) / 4}


def arithmetic(ps: str) -> list[str]:
    """The numbers of ``ps``'s estimate as :data:`OVER_THE_LIMIT` writes them: each function's minutes, their sum,
    the derivation's, the two together, the words, the reading and the total."""
    functions = {fn: FUNCTION_MINUTES[fn] for fn in FUNCTIONS[ps]}
    derivation = DERIVATION_MINUTES if has_derivation(ps) else 0
    floor = sum(functions.values()) + derivation
    reading = words(ps) / WORDS_PER_MINUTE
    cells = MINUTES_PER_LESSON_CELL * lesson_cells(ps)
    return [" + ".join(f"{fn} {m}" for fn, m in functions.items()), f"are {sum(functions.values())} minutes",
            f"derivation {derivation}", f"{floor} minutes with no reading", f"{words(ps):,} words / {WORDS_PER_MINUTE}",
            f"= {reading:.1f} minutes", f"{lesson_cells(ps)} figure or demo cells x {MINUTES_PER_LESSON_CELL} = {cells}",
            f"{reading + cells:.1f} + {floor} = {reading + cells + floor:.1f} minutes",
            f"{hours_text(estimate_minutes(ps)['total_hours'])} h"]


def hours_text(hours: float) -> str:
    """3.25 -> '3¼', the way the notebooks write hours."""
    whole, part = int(hours), hours - int(hours)
    return f"{whole}" + {0: "", 0.25: "¼", 0.5: "½", 0.75: "¾"}[part]


def working_time_line(ps: str) -> str:
    """The opening's line: '**Working time:** about 3¼ hours: 45 minutes of reading …'."""
    e = estimate_minutes(ps)
    n = len(FUNCTIONS[ps])
    count = ("one", "two", "three", "four", "five", "six")[n - 1]
    return (f"**Working time:** about {hours_text(e['total_hours'])} hours: {e['reading']} minutes of reading and "
            f"running the lesson, {e['derivation']} for the derivation, {e['functions']} for the {count} "
            f"function{'s' if n > 1 else ''}.")


_WORKING_TIME = re.compile(r"^\*\*Working time:\*\*.*$", re.M)


def write_working_times() -> list[str]:
    """Write each source notebook's working-time line (the opening's ``**Working time:**`` line) as
    :func:`working_time_line` estimates it from the release; the problem sets whose line changed.

    Raises
    ------
    ValueError
        If an opening has no ``**Working time:**`` line (docs/notebooks.md: the title cell holds one).
    """
    changed = []
    for ps in FUNCTIONS:
        path = source_notebook(ps)
        nb = json.loads(path.read_text(encoding="utf-8"))
        text = "".join(nb["cells"][0]["source"])
        stated = _WORKING_TIME.search(text)
        if stated is None:
            raise ValueError(f"{path}: the opening has no '**Working time:**' line: write one after the motivation "
                             "(make release fills it in)")
        line = working_time_line(ps)
        if stated.group(0) != line:
            nb["cells"][0]["source"] = (text[:stated.start()] + line + text[stated.end():]).splitlines(keepends=True)
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            changed.append(ps)
    return changed


def main() -> int:
    from autograder.release.generate import generate_release  # (only this step releases: nbgrader's import is 1.5 s)

    changed = write_working_times()
    for ps in changed:
        print(f"wrote the working time of {source_notebook(ps)}: {working_time_line(ps)}")
    if changed:
        for path in generate_release(ROOT, changed):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
