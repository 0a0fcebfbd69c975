"""Each normalisation step of the similarity report, on code written twice by hand: what a copier changes
leaves the fingerprints as they were, what changes the computation changes them.

A pair of sources is *the same* when the function's documents have the same fingerprints
(:func:`autograder.similarity.document.document`, through the notebook reader of
:func:`autograder.reading.graded.notebook_code`), and *different* when they share less than half.
"""

from __future__ import annotations

import ast

import numpy as np
import pytest

import autograder.similarity.document as document_module
from autograder.reading.graded import notebook_code
from autograder.similarity.bounds import MAX_DEPTH, MAX_NODES, too_large
from autograder.similarity.canonical import canonical_forms
from autograder.similarity.clone import OWN_PREFIX, clone
from autograder.similarity.document import document
from autograder.similarity.inline import MAX_NODES as MAX_INLINED_NODES
from autograder.similarity.inline import inline_helpers
from autograder.similarity.prune import prune
from autograder.similarity.reorder import canonical_order
from autograder.similarity.tables import look_up_tables, tables_in
from autograder.similarity.tokens import Namer, bound_names, statement_key, token_stream

CONTRACT = ("softmax", "logsumexp", "log_softmax")


def doc(source: str, function: str = "softmax"):
    code = notebook_code([{"cell_type": "code", "source": source}], CONTRACT)
    return document(code.graded[function], code.imports, CONTRACT, name=function)


def shared(a: str, b: str) -> float:
    x, y = set(doc(a).hashes.tolist()), set(doc(b).hashes.tolist())
    return len(x & y) / max(1, min(len(x), len(y)))


BASE = '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    z = np.asarray(z, dtype=float) / temperature
    m = np.max(z, axis=axis, keepdims=True)
    e = np.exp(z - m)
    total = np.sum(e, axis=axis, keepdims=True)
    return e / total
'''

SAME = {
    "renamed": '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    logits = np.asarray(z, dtype=float) / temperature
    biggest = np.max(logits, axis=axis, keepdims=True)
    expd = np.exp(logits - biggest)
    norm = np.sum(expd, axis=axis, keepdims=True)
    return expd / norm
''',
    "reformatted, commented, docstring, other message": '''
import numpy as np
def softmax( z,axis = -1,temperature = 1.0 ):
    """My softmax."""
    # check T
    if (temperature <= 0): raise ValueError('T has to be positive')
    z = (np.asarray(z, dtype = float)
         / temperature)   # scale
    m = np.max(z, axis = axis, keepdims = True)
    e = np.exp(z-m)
    total = np.sum(e, axis = axis, keepdims = True)
    return (e/total)
''',
    "temporaries introduced and removed": '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    arr = np.asarray(z, dtype=float)
    z = arr / temperature
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
''',
    "dead code": '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    debug = True
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
        print("unreachable")
    z = np.asarray(z, dtype=float) / temperature
    n_classes = z.shape[axis]
    m = np.max(z, axis=axis, keepdims=True)
    if False:
        m = 0
    e = np.exp(z - m)
    print("e is", e)
    unused = e * 2
    also_unused = unused + 1
    total = np.sum(e, axis=axis, keepdims=True)
    return e / total
    return None
''',
    "helpers split out": '''
import numpy as np

def _check(t):
    if t <= 0:
        raise ValueError("temperature must be > 0")

def _shifted(values, ax):
    peak = np.max(values, axis=ax, keepdims=True)
    return values - peak

def _normalise(weights, ax):
    return weights / np.sum(weights, axis=ax, keepdims=True)

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    z = np.asarray(z, dtype=float) / temperature
    e = np.exp(_shifted(z, axis))
    return _normalise(e, axis)
''',
    "methods for NumPy functions, operands swapped, imported names": '''
import numpy as np
from numpy import exp

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    z = np.asarray(z, dtype=float) / temperature
    m = z.max(axis=axis, keepdims=True)
    e = exp(z - m)
    total = e.sum(axis=axis, keepdims=True)
    return e / total
''',
}

DIFFERENT = {
    "no max shift, log instead of exp": '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    z = np.asarray(z, dtype=float)
    if not temperature > 0:
        raise ValueError("bad temperature")
    out = np.log(np.sum(np.exp(z * (1 / temperature)), axis=axis))
    probs = np.exp(z / temperature - np.expand_dims(out, axis))
    return probs
''',
    "through the log-sum-exp, a different formula": '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("bad temperature")
    x = np.asarray(z, dtype=float) / temperature
    lse = np.logaddexp.reduce(x, axis=axis, keepdims=True)
    return np.exp(x - lse)
''',
}

#: Spellings of BASE that are not identical once normalised but share most of its fingerprints.
ALIKE = {
    "a loop over rows": '''
import math
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    arr = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    res = np.empty_like(arr)
    for idx in np.ndindex(arr.shape[:-1]):
        row = [v / temperature for v in arr[idx]]
        top = max(row)
        ws = [math.exp(v - top) for v in row]
        res[idx] = [w / sum(ws) for w in ws]
    return np.moveaxis(res, -1, axis)
''',
    "ufuncs for operators, np.add.reduce for np.sum, axis by position": '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    z = np.true_divide(np.asarray(z, float), temperature)
    m = np.amax(z, axis, keepdims=True)
    e = np.exp(np.subtract(z, m))
    total = np.add.reduce(e, axis=axis, keepdims=True)
    return np.divide(e, total)
''',
    "a loop over rows with an accumulator": '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    z = np.asarray(z, dtype=float) / temperature
    out = np.zeros_like(z)
    for i in range(z.shape[0]):
        m = np.max(z[i])
        e = np.exp(z[i] - m)
        total = 0.0
        for v in e:
            total += v
        out[i] = e / total
    return out
''',
}


@pytest.mark.parametrize("name", SAME)
def test_what_a_copier_changes_leaves_the_fingerprints_alike(name):
    assert set(doc(SAME[name]).hashes.tolist()) == set(doc(BASE).hashes.tolist()), name


@pytest.mark.parametrize("name", ALIKE)
def test_a_loop_for_its_vectorised_form_and_ufuncs_for_operators_share_most_fingerprints(name):
    assert shared(BASE, ALIKE[name]) >= 0.7, name


@pytest.mark.parametrize("name", DIFFERENT)
def test_other_code_has_other_fingerprints(name):
    # what is shared beyond the guard and the scaling both write: since a guard is written one way (``if not
    # t > 0`` is ``if t <= 0``), these short versions share BASE's guard, up to two thirds of their fingerprints
    # (before: under half, the guards apart); what they compute must still share little
    guard = BASE.split("    m = np.max")[0] + "    return z\n"
    x, y, g = (set(doc(s).hashes.tolist()) for s in (BASE, DIFFERENT[name], guard))
    assert len((x & y) - g) / max(1, min(len(x), len(y))) < 0.25, name




REORDERED = ('''
import numpy as np

def logsumexp(z, axis=-1):
    arr = np.asarray(z, dtype=float)
    shape = list(arr.shape)
    top = np.max(arr, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    total = 0.0
    total += np.sum(np.exp(arr - top), axis=axis)
    del shape[axis]
    return np.log(total).reshape(shape) + np.squeeze(top, axis=axis)
''', '''
import numpy as np

def logsumexp(z, axis=-1):
    arr = np.asarray(z, dtype=float)
    top = np.max(arr, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    total = 0.0
    total = total + np.sum(np.exp(arr - top), axis=axis)
    shape = list(arr.shape)
    del shape[axis]
    return np.log(total).reshape(shape) + np.squeeze(top, axis=axis)
''')


def test_independent_statements_in_another_order_and_augmented_assignments_are_alike():
    first, second = (doc(source, "logsumexp") for source in REORDERED)
    assert len(first.hashes) > 5 and set(first.hashes.tolist()) == set(second.hashes.tolist())


def test_dependent_statements_keep_their_order():
    """``a = f(x); x = g(x)`` is not ``x = g(x); a = f(x)``: the sort never moves a statement past one it needs."""
    tree = ast.parse("def f(x):\n    a = np.log(x)\n    x = np.exp(x)\n    b = a + x\n    return b\n").body[0]
    namer = Namer(bound_names(tree), {"np": "numpy"}, frozenset(), frozenset())
    canonical_order(tree, statement_key(namer))
    assert ast.unparse(tree).split("\n")[1:4] == ["    a = np.log(x)", "    x = np.exp(x)", "    b = a + x"]


def test_a_method_call_counts_as_changing_its_object():
    tree = ast.parse("def f(x):\n    out = []\n    out.append(x)\n    n = len(out)\n    return n\n").body[0]
    namer = Namer(bound_names(tree), {}, frozenset(), frozenset())
    canonical_order(tree, statement_key(namer))
    assert [type(s).__name__ for s in tree.body] == ["Assign", "Expr", "Assign", "Return"]
    assert "append" in ast.unparse(tree.body[1]) and "len" in ast.unparse(tree.body[2])


def test_pruning_keeps_what_is_used_and_drops_what_is_not():
    tree = ast.parse('''
def f(x):
    """doc"""
    a = x + 1
    b = a * 2
    c = b + 1
    x += 1
    print(c)
    while False:
        x = 0
    return x
    x = 3
''').body[0]
    prune(tree)
    assert ast.unparse(tree) == "def f(x):\n    x = x + 1\n    return x"


def test_inlining_binds_parameters_to_arguments():
    tree = ast.parse('''
def helper(v, scale=2.0):
    w = v * scale
    return w + 1

def f(x):
    return helper(x) + helper(x * 3, scale=0.5)
''')
    out, kept = inline_helpers(tree.body[1], {"helper": tree.body[0]})
    assert kept == []
    assert ast.unparse(out) == ("def f(x):\n    w = x * 2.0\n    v = x * 3\n    w = v * 0.5\n"
                                "    return w + 1 + (w + 1)")


TABLED = BASE.replace("def softmax(z, axis=-1, temperature=1.0):", "def _impl(z, axis, temperature):") + '''
IMPLEMENTATIONS = {"logsumexp": np.sum, "softmax": _impl}

def softmax(z, axis=-1, temperature=1.0):
    return IMPLEMENTATIONS["softmax"](z, axis, temperature)
'''


def test_a_function_looked_up_in_a_table_is_written_in_as_a_helper_it_calls():
    """``IMPLEMENTATIONS["softmax"](…)`` runs ``_impl``: the same fingerprints as the plain version (the table,
    read by nothing once the lookup is written as ``_impl``, is not compared); before, the helper was kept whole
    and a fifth of them were missing."""
    assert set(doc(BASE).hashes.tolist()) == set(doc(TABLED).hashes.tolist())


def _looked_up(source: str) -> str:
    code = notebook_code([{"cell_type": "code", "source": source}], CONTRACT)
    function = clone(code.graded["softmax"].entries[0].function())
    look_up_tables(function, tables_in(code.graded["softmax"].names))
    return ast.unparse(function.body[-1])


LOOKED_UP = "return T['softmax'](z)"


@pytest.mark.parametrize(("table", "line", "written", "read"), [
    ("{'softmax': _impl}", "", LOOKED_UP, "return _impl(z)"),
    ("{'softmax': np.sum, 'softmax': _impl}", "", LOOKED_UP, "return _impl(z)"),  # (the last of a key counts)
    ("{'softmax': _impl, 'softmax': np.sum}", "", LOOKED_UP, LOOKED_UP),  # (not a plain name)
    ("{**OTHER, 'softmax': _impl}", "", LOOKED_UP, LOOKED_UP),  # (what the spread holds is not read)
    ("dict(softmax=_impl)", "", LOOKED_UP, LOOKED_UP),  # (a call, not a display)
    ("{'softmax': _impl}", "    T = {'softmax': np.exp}\n", LOOKED_UP, LOOKED_UP),  # (the function's own T)
    ("{'softmax': _impl}", "", "return T['other'](z)", "return T['other'](z)"),  # (a key the table lacks)
])
def test_only_a_constant_key_of_a_dict_display_the_function_does_not_rebind_is_looked_up(table, line, written, read):
    source = ("import numpy as np\nOTHER = {}\ndef _impl(z):\n    return np.exp(z)\nT = " + table + "\n"
              "def softmax(z, axis=-1, temperature=1.0):\n" + line + "    " + written + "\n")
    assert _looked_up(source) == read


def test_helpers_that_cannot_be_inlined_are_kept_whole_and_recursion_stops():
    tree = ast.parse('''
def loop(v):
    for item in v:
        if item:
            return item
    return 0

def again(v):
    return again(v - 1)

def f(x):
    return loop(x) + again(x)
''')
    out, kept = inline_helpers(tree.body[2], {"loop": tree.body[0], "again": tree.body[1]})
    assert sorted(k.name for k in kept) == ["again", "loop"]
    assert ast.unparse(out) == "def f(x):\n    return loop(x) + again(x)"


def test_inlining_is_bounded_however_large_the_arguments():
    """A helper that uses its parameter 400 times, called 20 times on a large argument, would write
    millions of nodes in: the inliner counts first and keeps the helper whole instead."""
    big = " + ".join(["v"] * 400)
    argument = " + ".join(f"x[{i}]" for i in range(300))
    source = f"def h(v):\n    return {big}\n\ndef f(x):\n" + "".join(
        f"    a{i} = h({argument})\n" for i in range(20)) + "    return a0\n"
    tree = ast.parse(source)
    before = sum(1 for _ in ast.walk(tree.body[1]))
    out, kept = inline_helpers(tree.body[1], {"h": tree.body[0]})
    assert sum(1 for _ in ast.walk(out)) <= before + MAX_INLINED_NODES
    assert [k.name for k in kept] == ["h"]


def test_operands_are_sorted_only_where_the_operator_commutes():
    def canon(src):
        tree = ast.parse(f"def f(a):\n    return {src}\n").body[0]
        namer = Namer(bound_names(tree), {"np": "numpy"}, frozenset(), frozenset())
        canonical_forms(tree, statement_key(namer), namer)
        return ast.unparse(tree.body[0])

    a, b, c = "np.exp(a)", "np.log(a)", "2.0"
    assert canon(f"{a} * {b} * {c}") == canon(f"{c} * ({b} * {a})") == canon(f"{b} * {c} * {a}")
    assert canon(f"{a} + {b}") == canon(f"{b} + {a}")
    assert canon(f"{a} - {b}") != canon(f"{b} - {a}") and canon(f"{a} / {b}") != canon(f"{b} / {a}")


def test_names_are_written_by_what_they_are():
    tree = ast.parse("def f(z):\n    y = np.exp(z) + exp(z) + len(z) + G + helper(z) + softmax(z)\n"
                     "    return y.max()\n").body[0]
    namer = Namer(bound_names(tree), {"np": "numpy", "exp": "numpy.exp"}, frozenset({"helper"}),
                  frozenset({"softmax"}))
    tokens = [t for t, _, _ in token_stream(tree, namer)]
    assert tokens.count("numpy.exp") == 2 and "len" in tokens and "G" in tokens and "F" in tokens
    assert "softmax" in tokens and ".max" in tokens and "z" not in tokens and "y" not in tokens


def test_too_large_or_too_deep_is_said_and_measured_without_recursion():
    deep = ast.parse("x = " + "-" * (MAX_DEPTH + 50) + "1")
    assert "nested more than" in too_large([deep])
    wide = ast.parse("x = [" + ", ".join(["1"] * MAX_NODES) + "]")
    assert f"more than {MAX_NODES:,} syntax nodes" in too_large([wide])
    assert too_large([ast.parse(BASE)]) == ""


def test_a_function_too_deep_to_compare_is_a_problem_not_a_crash():
    source = "def softmax(z, axis=-1, temperature=1.0):\n    return " + "-" * (MAX_DEPTH + 50) + "z\n"
    code = notebook_code([{"cell_type": "code", "source": source}], CONTRACT)
    found = document(code.graded["softmax"], code.imports, CONTRACT, name="softmax")
    assert found.problem.startswith("not compared") and len(found.hashes) == 0
    if code.problems:  # the parser may refuse it already (then the cell is not analysed, and softmax unknown)
        assert "was not analysed (nested too deeply to be read)" in found.problem


#: A cell IPython may run but the reading cannot: over 20,000 characters (comments) with one line in IPython's own
#: syntax (`/print 'ran'` is `print('ran')`).
LONG_IPYTHON_CELL = "".join(f"# {'notes ' * 12}{i}\n" for i in range(300)) + BASE + "/print 'ran'\n"


@pytest.mark.parametrize("cells", [
    [LONG_IPYTHON_CELL],
    [BASE, LONG_IPYTHON_CELL.replace(BASE, "")],
    [BASE, f"_padding = {'-' * 12_000}1\n"],
], ids=["defined-in-it", "after-the-definition", "too-deep-after-the-definition"])
def test_a_cell_the_reading_cannot_read_is_said_and_what_follows_it_is_not_compared(cells):
    """A code cell the reading cannot parse but the notebook may run (too long for IPython's transformer and not
    plain Python, or nested too deeply for the grader's parser) is not a syntax error that runs nothing: it may
    define or rebind the graded function. It was reported "not valid Python (it does not run)", and a function
    defined above it compared as if the cell could not touch it; now the report says the cell was not analysed and
    every function bound from there on is "not compared" with that reason, as the grader's own reading says."""
    code = notebook_code([{"cell_type": "code", "source": text} for text in cells], CONTRACT)
    assert len(code.problems) == 1 and "was not analysed (" in code.problems[0], code.problems
    found = document(code.graded["softmax"], code.imports, CONTRACT, name="softmax")
    assert found.problem.startswith("not compared: cell ") and "was not analysed (" in found.problem, found.problem
    assert len(found.hashes) == 0


def test_a_syntax_error_runs_nothing_and_leaves_what_is_above_it_compared():
    code = notebook_code([{"cell_type": "code", "source": text} for text in (BASE, "def f(:\n")], CONTRACT)
    assert code.problems == ["cell 1 is not valid Python (it does not run; not read)"]
    assert document(code.graded["softmax"], code.imports, CONTRACT, name="softmax").problem == ""


def test_a_global_a_notebook_function_bumps_is_an_expression_not_a_class():
    """``global count; count += 1`` in a function the notebook calls binds ``count`` to an expression, as
    ``count += 1`` at the top level does: it was bound as a class, and the graded function that reads it then
    failed to be read at all ("reading the notebook failed (AttributeError)")."""
    source = ("import numpy as np\ncount = 0\ndef bump():\n    global count\n    count += 1\nbump()\n"
              "def softmax(z, axis=-1, temperature=1.0):\n    e = np.exp(z - z.max())\n    print(count)\n"
              "    return e / e.sum()\n")
    code = notebook_code([{"cell_type": "code", "source": source}], CONTRACT)
    assert {o.kind for o in code.graded["softmax"].names["count"].options} == {"expr"}
    found = document(code.graded["softmax"], code.imports, CONTRACT, name="softmax")
    assert not found.problem and len(found.hashes) > 0


def test_the_fingerprints_do_not_depend_on_the_process():
    """Python's string hash is salted per process; the fingerprints are not (BLAKE2b), so documents read by
    worker processes can be compared."""
    import subprocess
    import sys

    code = ("from tests.test_similarity_normalise import doc, BASE; "
            "print(sorted(doc(BASE).hashes.tolist())[:5])")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": str(seed), "PATH": ""}, cwd=str(__import__("autograder").__path__[0] + "/..")
                           ).stdout for seed in (1, 2)}
    assert len(runs) == 1 and np.asarray(eval(runs.pop())).size == 5


def test_a_copy_takes_the_trees_own_fields_not_what_other_code_set_on_its_nodes():
    """`executing` (IPython's tracebacks, in any process that showed one) sets `parent` on every node it reads,
    CPython's shared ast.Load() and ast.Add() instances included: a copy that took a node's whole __dict__ then
    followed `parent` back up the tree without end (RecursionError in every similarity test after an IPython
    traceback in the same process). Simulated here as executing does it, then undone."""
    tree = ast.parse("def f(x):\n    x += 1\n    return x + 1\n")
    marked = [n for n in ast.walk(tree)]
    for parent in marked:
        for child in ast.iter_child_nodes(parent):
            child.parent = parent
    try:
        copy = clone(tree.body[0], **{document_module.PIECE: "f"})
        assert ast.dump(copy) == ast.dump(tree.body[0])
        assert all(not hasattr(n, "parent") and getattr(n, document_module.PIECE) == "f" for n in ast.walk(copy))
    finally:
        for n in marked:
            n.__dict__.pop("parent", None)
        for shared in (ast.Load(), ast.Store(), ast.Add()):
            shared.__dict__.pop("parent", None)
    assert document_module.PIECE.startswith(OWN_PREFIX) and document_module._METHOD.startswith(OWN_PREFIX)


#: Issue 83: code written two ways that compute the same, from the real-code benchmark's copies by hand.
SAME_PAIRS = {
    "a conditional accumulator loop is the sum of a filtered generator": ('''
import numpy as np

def softmax(p, q, axis=-1):
    return sum(p[i] * np.log2(p[i] / q[i]) for i in range(len(p)) if p[i] > 0)
''', '''
import numpy as np

def softmax(p, q, axis=-1):
    acc = 0
    for i in range(len(p)):
        if p[i] > 0:
            acc += p[i] * np.log2(p[i] / q[i])
    return acc
'''),
}
_IMPL = '''
import numpy as np

def _impl(z, axis=-1, temperature=1.0):
    z = np.asarray(z, dtype=float) / temperature
    w = np.exp(z - np.max(z, axis=axis, keepdims=True))
    w[np.isneginf(z)] = 0.0
    return np.clip(w / np.sum(w, axis=axis, keepdims=True), 1e-300, 1.0)
'''
#: Wrappers of every kind resolve to the code they call (issue 83: the lambda was not followed).
WRAPPERS = {
    "lambda": "softmax = lambda z, axis=-1, temperature=1.0: _impl(z, axis, temperature)\n",
    "lambda with keywords": "softmax = lambda z, axis=-1, temperature=1.0: _impl(z, axis=axis, temperature=temperature)\n",
    "functools.partial": "import functools\nsoftmax = functools.partial(_impl, axis=-1)\n",
    "partial imported": "from functools import partial\nsoftmax = partial(_impl)\n",
    "a dict display": "IMPLS = {'sm': _impl}\nsoftmax = IMPLS['sm']\n",
    "a list display": "IMPLS = [_impl]\nsoftmax = IMPLS[0]\n",
    "an attribute set on an object": "class Box:\n    pass\n\nbox = Box()\nbox.f = _impl\nsoftmax = box.f\n",
    "a def": "def softmax(z, axis=-1, temperature=1.0):\n    return _impl(z, axis, temperature)\n",
    # functools.partial binding an object whose method does the work (issue 83's held-out miss)
    "partial binding an object": "from functools import partial\n\nclass Loss:\n    def value(self, z, axis, "
                                 "temperature):\n        return _impl(z, axis, temperature)\n\n"
                                 "def _run(loss, z, axis=-1, temperature=1.0):\n    return loss.value(z, axis, "
                                 "temperature)\n\nsoftmax = partial(_run, Loss())\n",
}


#: Issue 83 (the real-code benchmark's misses, as classes of disguise): written two ways, the same once normalised.
SAME_PAIRS.update({
    "terms added and subtracted in another order, a negative factor's sign on its term": ('''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    var = temperature ** 2
    return np.log(2 * np.pi) * -0.5 - 0.5 * np.log(var) - (z - 1) ** 2 * 0.5 / var
''', '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    var = temperature ** 2
    return (z - 1) ** 2 * -0.5 / var - np.log(var) * 0.5 - np.log(2 * np.pi) * 0.5
'''),
    "pow(a, 2), math.pow and a ** 0.5": ('''
import math
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    return pow(z, 2) + math.pow(temperature, 3) + z ** 0.5
''', '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    return z ** 2 + temperature ** 3 + np.sqrt(z)
'''),
    "an early return, a negated test, a conditional expression": ('''
import numpy as np

def _step(v):
    if v <= 100:
        return np.log(np.exp(v) + 1)
    return v

def softmax(z, axis=-1, temperature=1.0):
    t = temperature if not temperature is None else 1.0
    return _step(z) * t
''', '''
import numpy as np

def _step(v):
    if 100 < v:
        return v
    else:
        return np.log(np.exp(v) + 1)

def softmax(z, axis=-1, temperature=1.0):
    if temperature is None:
        t = 1.0
    else:
        t = temperature
    return _step(z) * t
'''),
    "a guard written round": ('''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    return np.exp(z / temperature)
''', '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("bad temperature")
    return np.exp(z / temperature)
'''),
    "a contract function written in the graded function's own cell is one of its helpers": ('''
import numpy as np

def logsumexp(z, axis=-1):
    m = np.max(z, axis=axis, keepdims=True)
    return m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))

def softmax(z, axis=-1, temperature=1.0):
    return np.exp(z - logsumexp(z, axis))
''', '''
import numpy as np

def _lse(v, ax):
    top = np.max(v, axis=ax, keepdims=True)
    return top + np.log(np.sum(np.exp(v - top), axis=ax, keepdims=True))

def softmax(z, axis=-1, temperature=1.0):
    return np.exp(z - _lse(z, axis))
'''),
})


def test_a_contract_function_of_its_own_cell_is_compared_on_its_own():
    """A contract function the graded function calls from another cell is the student's answer to that function,
    compared there: it is not written in."""
    own = "import numpy as np\n\ndef logsumexp(z, axis=-1):\n    return np.log(np.sum(np.exp(z), axis=axis))\n"
    caller = "def softmax(z, axis=-1, temperature=1.0):\n    return np.exp(z - logsumexp(z, axis))\n"
    code = notebook_code([{"cell_type": "code", "source": own}, {"cell_type": "code", "source": caller}], CONTRACT)
    apart = document(code.graded["softmax"], code.imports, CONTRACT, name="softmax")
    assert apart.size < doc(own + "\n" + caller).size  # (tokens: the callee's body is not in the stream)


@pytest.mark.parametrize("name", sorted(SAME_PAIRS))
def test_written_two_ways_the_same(name):
    a, b = SAME_PAIRS[name]
    assert set(doc(a).hashes.tolist()) == set(doc(b).hashes.tolist()), name


@pytest.mark.parametrize("name", sorted(WRAPPERS))
def test_a_wrapper_is_the_code_it_calls(name):
    wrapped = doc(_IMPL + "\n" + WRAPPERS[name])
    alone = doc(_IMPL.replace("def _impl(", "def softmax("))
    assert set(wrapped.hashes.tolist()) == set(alone.hashes.tolist()), name
