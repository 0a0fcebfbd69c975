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
NOT_A_TABLE = {"autograder/perimeter/guard/refusal.py": ["['gc.get_objects', 'gc.get_referents', 'gc.get_referrers']"]}


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
    root = key.split(".")[0]  # (a whole module by name, as its attribute: as a value it would be handed around)
    return f"import {root}\n", f"_x = {key}\n" if "." in key else f"_x = {key}.__name__\n"


@pytest.mark.parametrize("key", sorted(OPAQUE))
def test_every_entry_is_flagged_and_hides_exactly_what_the_table_says(key):
    course, student = _use(key)
    reading = NotebookReading([Source(0, course + PURE, student=False), Source(1, student)])
    entry = OPAQUE[key]
    assert any(entry.reason in f["reason"] for f in reading.flags), (key, reading.flags)
    kind, detail = reading.reading("f").verdict((np.zeros(2),))
    assert (kind == "unverifiable") == entry.hides, (key, kind, detail)
    assert not entry.hides or entry.reason in detail, (key, detail)


#: A module of the interpreter's internals reached other than by its own name: through another module that keeps it
#: as an attribute (most do: `os.sys`, `inspect.sys`), or handed around as a value. Each read nothing before.
REACHED_AROUND = {
    "through another module": "import os\n_x = os.sys._getframe()\n",
    "through inspect": "import inspect\n_x = inspect.sys._getframe(0)\n",
    "namespace through os": "import os\n_x = os.sys.modules\n",
    "in a list": "import sys\n_x = [sys][0]._getframe()\n",
    "in a dict": "import sys\n_m = {'s': sys}\n_x = _m['s']._getframe()\n",
    "an alias": "import sys\n_m = sys\n_x = _m._getframe()\n",
    "a default argument": "import sys\ndef _g(m=sys):\n    return m._getframe()\n",
    "an argument": "import sys\n_x = (lambda m: m._getframe())(sys)\n",
    "another module's, aliased": "import os\n_m = os.sys\n",
    "the builtins in a tuple": "import builtins\n_x = (builtins,)[0].exec('_y = 1')\n",
}
#: Honest uses of the same modules and of NumPy as a value: nothing to note.
BY_NAME = {
    "attributes": "import sys\nprint(sys.version, sys.maxsize, getattr(sys, 'maxsize'), hasattr(sys, 'x'))\n",
    "os.path": "import os\n_p = os.path.join('a', 'b')\n_q = os.path\n",
    "types in isinstance": "import types\n_ok = isinstance(len, types.BuiltinFunctionType)\n",
    "numpy as an argument": "import numpy as np\ndef g(z, xp=np):\n    return xp.exp(z)\n_xp = np\n",
    "recursion limit": "import sys\nsys.setrecursionlimit(5000)\n",
}


@pytest.mark.parametrize("case", sorted(REACHED_AROUND))
def test_a_module_of_the_internals_reached_around_its_name_is_flagged_and_costs_purity(case):
    """`os.sys._getframe()` and `[sys][0]._getframe()` reach running frames as `sys._getframe()` does (a function can
    tell the grader's calls from the notebook's and write its input only when not graded), and the reading followed
    neither: the purity cells stayed earned and the instructor saw no flag. Now a module on a dotted name's way is
    spelled by its own name, and a module among those with entries that hide what runs, handed around as a value,
    hides what is reached through it."""
    reading = NotebookReading([Source(0, PURE, student=False), Source(1, REACHED_AROUND[case])])
    assert reading.flags, case
    kind, detail = reading.reading("f").verdict((np.zeros(2),))
    assert kind == "unverifiable", (case, kind, detail)


def test_a_module_imported_in_another_cell_and_handed_around_is_flagged_too():
    """The module's import one cell up (as notebooks import at the top): `[sys][0]._getframe()` below it read
    nothing while the same two lines in one cell were flagged."""
    for cells in (["import sys\n", "_x = [sys][0]._getframe()\n"], ["import inspect as i\n", "_m = i\n"]):
        reading = NotebookReading([Source(0, PURE, student=False)] + [Source(k + 1, c) for k, c in enumerate(cells)])
        assert reading.flags, cells
        assert reading.reading("f").verdict((np.zeros(2),))[0] == "unverifiable", cells


@pytest.mark.parametrize("case", sorted(BY_NAME))
def test_modules_used_by_their_names_and_numpy_as_a_value_are_not_noted(case):
    reading = NotebookReading([Source(0, PURE, student=False), Source(1, BY_NAME[case])])
    assert not reading.flags, (case, reading.flags)
    assert reading.reading("f").verdict((np.zeros(2),))[0] != "unverifiable"
