"""One table of the names the grader treats as opaque or internal (autograder/reading/names.py), used by every reader.

The flags for a person and the purity cells' evidence judge a construct the same way because they look it up in
the same table: each entry is flagged, and costs the purity cells of the functions it can affect exactly when the
table says it hides what runs. And no second table appears: a literal collection of three or more of its names
anywhere else in the product is one (there were two, sharing 13 of 26 names).
"""

from __future__ import annotations

import ast

import numpy as np
import pytest

from autograder.model.course import ROOT
from autograder.reading.names import OPAQUE
from autograder.reading.notebook import NotebookReading, Source

PURE = "import numpy as np\ndef f(z):\n    return np.exp(z)\n"


def _names() -> set:
    """The table's names as source text spells them (``f_back``, ``sys._getframe``, ``exec``)."""
    out = set()
    for key in OPAQUE:
        out.add(key.lstrip("."))
        if key.startswith("builtins."):
            out.add(key[len("builtins."):])
    return out


def second_tables(source: str) -> list:
    """``line: names`` of each literal dict, set, list or tuple in ``source`` holding three or more of the names."""
    names, found = _names(), []
    for node in ast.walk(ast.parse(source)):
        items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None) if isinstance(
            node, (ast.Set, ast.List, ast.Tuple)) else None
        held = {e.value for e in items or () if isinstance(e, ast.Constant) and isinstance(e.value, str)} & names
        if len(held) >= 3:
            found.append(f"line {node.lineno}: {sorted(held)}")
    return found


#: Literals that spell some of the table's names and are not a table of them: the CPython audit events the sandbox's
#: guard refuses in a child at run time (a student's call, not a reading of the source), which the table spells alike.
NOT_A_TABLE = {"autograder/sandbox/guard.py": ["['gc.get_objects', 'gc.get_referents', 'gc.get_referrers']"]}


def test_no_second_table_of_opaque_names():
    table = ROOT / "autograder" / "reading" / "names.py"
    wrong = {path: hits for p in sorted((ROOT / "autograder").rglob("*.py"))
             if p != table and "__pycache__" not in p.parts
             for path in [str(p.relative_to(ROOT))]
             for hits in [[h for h in second_tables(p.read_text(encoding="utf-8"))
                           if h.split(": ", 1)[1] not in NOT_A_TABLE.get(path, [])]] if hits}
    assert not wrong, f"a second table of opaque names (use autograder/reading/names.py): {wrong}"


def test_the_check_finds_a_planted_second_table():
    planted = '_INTERNALS = {"f_back": "frames", "__closure__": "closure", "cell_contents": "closure", "x": 1}\n'
    assert second_tables(planted) == ["line 1: ['__closure__', 'cell_contents', 'f_back']"]
    assert second_tables('ok = ("f_back", "unrelated")\n') == []


def _use(key: str) -> tuple:
    """``(course cell, student cell)`` using the entry ``key``: the module imported by the course (so that only
    the entry itself is in the student's cell), the name used by the student."""
    if key.startswith("."):
        return "", f"_x = object().{key[1:]}\n"
    if key.startswith("builtins.") and "." not in key[len("builtins."):]:
        return "", f"_x = {key[len('builtins.'):]}\n"
    root = key.split(".")[0]
    return f"import {root}\n", f"_x = {key}\n"


@pytest.mark.parametrize("key", sorted(OPAQUE))
def test_every_entry_is_flagged_and_hides_exactly_what_the_table_says(key):
    course, student = _use(key)
    reading = NotebookReading([Source(0, course + PURE, student=False), Source(1, student)])
    entry = OPAQUE[key]
    assert any(entry.reason in f["reason"] for f in reading.flags), (key, reading.flags)
    kind, detail = reading.reading("f").verdict((np.zeros(2),))
    assert (kind == "unverifiable") == entry.hides, (key, kind, detail)
    assert not entry.hides or entry.reason in detail, (key, detail)
