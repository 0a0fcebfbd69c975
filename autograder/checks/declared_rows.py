"""The rows of the course's tables that repeat the functions' declarations, written from them.

Four tables repeat what a function's declaration (``autograder/checks/<ps>.py``) says; ``python -m autograder
declare`` (the first step of ``make release``) writes their rows, and ``--check`` names the file that is behind:

* ``docs/contract.md``: one row per function under its problem set's heading, ``| `name(signature)` | contract |``
  (the signature is the reference's, ``solutions/<ps>.py``; the text the declaration's ``contract``);
* ``README.md``'s problem-set table: the functions of each set (with a declaration's ``readme_note``) and its points,
  autograded + graded by hand;
* ``docs/notebooks.md``'s table of the minutes each function takes (the declarations' ``minutes``), three columns;
* ``student_side/selfcheck.py``'s table: beside a set's functions and forbidden names, the names only some of its
  functions may not use (``also_forbidden``), which the students' ``library_calls`` adds for those.

Each writer takes the file's text and returns it rewritten; a table that is not where it should be raises
:class:`RowsError` with the file and what to write there.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Mapping

from autograder.checks.declaration import FunctionChecks
from autograder.checks.references import reference_function

#: Problem set -> its functions' declarations, in notebook order.
Declared = Mapping[str, Mapping[str, FunctionChecks]]

_ROW = re.compile(r"^\| `(\w+)\((.*?)\)` \| .* \|$")


class RowsError(ValueError):
    """A table the declarations write is missing or malformed; the message names the file and what to write."""


def signature(function: str) -> str:
    """The reference's parameters as docs/contract.md writes them: ``z, axis=-1``."""
    return ", ".join(str(p) for p in inspect.signature(reference_function(function)).parameters.values())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def contract_rows(text: str, declared: Declared) -> str:
    """docs/contract.md's ``text`` with each problem set's function rows written from the declarations."""
    lines = text.split("\n")
    for ps, functions in declared.items():
        head = next((i for i, line in enumerate(lines) if re.match(rf"^## {re.escape(ps)}\b", line)), None)
        if head is None:
            raise RowsError(f"docs/contract.md: no section for {ps}: write '## {ps} — <its title>', then a table "
                            "whose header is '| function | what it computes |' and '|---|---|'")
        end = next((i for i in range(head + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        header = next((i for i in range(head, end) if lines[i].startswith("| function |")), None)
        if header is None or header + 1 >= end or not lines[header + 1].startswith("|---"):
            raise RowsError(f"docs/contract.md: the section '## {ps}' has no table of its functions: write "
                            "'| function | what it computes |' and '|---|---|' (the rows are written for you)")
        first = header + 2
        last = first
        while last < end and _ROW.match(lines[last]):
            last += 1
        rows = [f"| `{fn}({signature(fn)})` | {_cell(d.contract)} |" for fn, d in functions.items()]
        lines[first:last] = rows
    return "\n".join(lines)


def _points(value: float) -> str:
    return f"{value:g}"


def readme_rows(text: str, declared: Declared, by_hand: Mapping[str, float]) -> str:
    """README.md's ``text`` with each problem set's row of "The problem sets" written: its functions (second column)
    and its points, autograded + by hand (last column; ``by_hand``: each set's answer cells' points)."""
    for ps, functions in declared.items():
        row = re.compile(rf"^(\| `{re.escape(ps)}` \| )[^|\n]*( \|(?: [^|\n]* \|){{2}} )[^|\n]*( \|)$", re.M)
        names = ", ".join(f"`{fn}`" + (f" {d.readme_note}" if d.readme_note else "") for fn, d in functions.items())
        autograded = sum(p for d in functions.values() for _, p in d.points)
        points = f"{_points(autograded)} + {_points(by_hand.get(ps, 0))}"

        def filled(m: re.Match[str], names: str = names, points: str = points) -> str:
            return f"{m.group(1)}{names}{m.group(2)}{points}{m.group(3)}"

        text, count = row.subn(filled, text)
        if count != 1:
            raise RowsError(f"README.md: 'The problem sets' has no row for {ps}: write '| `{ps}` | (its functions) | "
                            "(what is derived by hand) | (what is trained, or –) | (points) |' (the functions and the "
                            "points are written for you)")
    return text


_MINUTES_HEAD = "| function | minutes | function | minutes | function | minutes |"


def minutes_table(text: str, declared: Declared) -> str:
    """docs/notebooks.md's ``text`` with its table of the functions' minutes written, three columns, down first."""
    items = [(fn, d.minutes) for functions in declared.values() for fn, d in functions.items()]
    lines = text.split("\n")
    if _MINUTES_HEAD not in lines:
        raise RowsError(f"docs/notebooks.md: no table of the functions' minutes: write '{_MINUTES_HEAD}' and "
                        "'|---|---|---|---|---|---|' under 'Load: words, points and time' (the rows are written for you)")
    first = lines.index(_MINUTES_HEAD) + 2
    last = first
    while last < len(lines) and lines[last].startswith("| `"):
        last += 1
    height = math.ceil(len(items) / 3)
    rows = []
    for r in range(height):
        cells = [items[c * height + r] if c * height + r < len(items) else None for c in range(3)]
        rows.append("| " + " | ".join(f"`{fn}` | {m}" if fn else " | " for fn, m in
                                      (cell or (None, None) for cell in cells)) + " |")
    lines[first:last] = rows
    return "\n".join(lines)


def selfcheck_own_forbidden(text: str, declared: Declared) -> str:
    """student_side/selfcheck.py's ``text`` with each problem set's row of ``PROBLEM_SETS`` holding, after its
    forbidden names, ``{function: (names only it may not use)}`` where a function has some (and nothing where none
    has)."""
    for ps, functions in declared.items():
        start = re.search(rf'^    "{re.escape(ps)}": \(\n', text, re.M)
        end = re.compile(r"^    \),\n", re.M).search(text, start.end()) if start else None
        if start is None or end is None:
            raise RowsError(f'student_side/selfcheck.py: PROBLEM_SETS has no row for {ps}; write one: "{ps}": (\n'
                            "        (its functions), (the library functions they may not use)),\n"
                            f"as for the other problem sets (the forbidden names of autograder/checks/{ps}.py)")
        body = text[start.end():end.start()]
        body = re.sub(r"^        \{.*?\},\n", "", body, flags=re.M | re.S)
        own = {fn: d.own_forbidden for fn, d in functions.items() if d.own_forbidden}
        if own:
            body += "        {" + ", ".join(f'"{fn}": ({", ".join(repr(n) for n in names)},)'
                                            for fn, names in own.items()).replace("'", '"') + "},\n"
        text = text[:start.end()] + body + text[end.start():]
    return text
