"""The engine's static reading (autograder/reading/): forbidden calls read from the source in the parent agree with
the bytecode check and survive tampering; what cannot be resolved is flagged; untrusted text is read within bounds.
The attacks on this surface are tests/test_redteam_static_reading.py."""

import importlib
import json
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pytest

from autograder.checks.by_name import checks_for
from autograder.model.course import ROOT
from autograder.perimeter.guard.forbidden_walk import forbidden_uses
from autograder.reading.cells import DEFINED_CELL_MAGICS, DEFINED_LINE_MAGICS
from autograder.reading.notebook import NotebookReading as Notebook
from autograder.reading.notebook import Source
from testkit.zoo import all_specimens
from tests.student_side import selfcheck_importable

FORBIDDEN = ("scipy.special.softmax", "scipy.special.logsumexp", "torch")


@pytest.mark.parametrize("cells,expected", [
    (["import scipy.special as sp\ndef softmax(z):\n    return sp.softmax(z)"], ("scipy.special.softmax",)),
    (["from scipy.special import softmax as sm\n", "def helper(z):\n    return sm(z)\n"
      "def softmax(z):\n    return helper(z)"], ("scipy.special.softmax",)),
    (["import scipy\ndef softmax(z):\n    import torch\n    return scipy.special.logsumexp(z)"],
     ("scipy.special.logsumexp", "torch")),
    (["import scipy.special\nsoftmax = scipy.special.softmax"], ("scipy.special.softmax",)),
    (["%matplotlib inline\nfrom scipy import special\n!echo hi\nf = special.softmax\n"
      "def softmax(z):\n    return f(z)"], ("scipy.special.softmax",)),
    (["this is ( not python", "from scipy.special import logsumexp\n"
      "def softmax(z):\n    return np.exp(z - logsumexp(z))"], ("scipy.special.logsumexp",)),
    (["try:\n    import torch as T\nexcept ImportError:\n    T = None\ndef softmax(z):\n    return T.softmax(z)"],
     ("torch",)),
    (["import numpy as np\ndef softmax(z, sp=None):\n    sp = np\n    return sp.exp(z)"], ()),  # shadowed
    (["import numpy as np\ndef softmax(z):\n    e = np.exp(z - z.max())\n    return e / e.sum()"], ()),
    (["from scipy.special import softmax\ndef softmax(z):\n    return z"], ()),  # redefined by the student
])
def test_source_reading(cells, expected):
    assert Notebook(cells).uses("softmax", FORBIDDEN) == tuple(sorted(expected))


def test_agrees_with_the_bytecode_check_on_the_whole_zoo():
    disagree = []
    for ps, specimen in all_specimens():
        try:
            checks = checks_for(ps)
        except ImportError:
            continue
        names = tuple(sorted({n for c in checks.values() for n in c.forbidden}))
        namespace = {"np": np, "__name__": "__main__"}
        exec(compile("import numpy as np\n" + specimen.source, specimen.name, "exec"), namespace)
        dynamic = forbidden_uses(namespace[specimen.function], names)
        static = Notebook(["import numpy as np", specimen.source]).uses(specimen.function, names)
        if tuple(dynamic) != tuple(static):
            disagree.append((specimen.name, dynamic, static))
    assert disagree == []


# --- indirect uses (tampering is evidence) ----------------------------------------------------------


@pytest.mark.parametrize("cells,expected", [
    (["import scipy.special\ndef softmax(z):\n    return getattr(scipy.special, 'softmax')(z)"],
     ("scipy.special.softmax",)),
    (["import scipy\ndef softmax(z):\n    return getattr(getattr(scipy, 'special'), 'logsumexp')(z)"],
     ("scipy.special.logsumexp",)),
    (["def softmax(z):\n    return __import__('scipy.special').special.softmax(z)"], ("scipy.special.softmax",)),
    (["sp = __import__('scipy.special', fromlist=['softmax'])\ndef softmax(z):\n    return sp.softmax(z)"],
     ("scipy.special.softmax",)),
    (["import importlib\nsp = importlib.import_module('scipy.special')\ndef softmax(z):\n    return sp.softmax(z)"],
     ("scipy.special.softmax",)),
    (["from importlib import import_module as im\ndef softmax(z):\n    return im('torch').softmax(z)"], ("torch",)),
    (["import scipy.special as sp\nF = {'s': sp.softmax, 'e': abs}\ndef softmax(z):\n    return F['s'](z)"],
     ("scipy.special.softmax",)),
    (["import scipy.special as sp\nFNS = dict(a=sp.logsumexp)\ndef softmax(z):\n    return FNS['a'](z)"],
     ("scipy.special.logsumexp",)),
    (["import scipy.special as sp\nf, g = sp.softmax, abs\ndef softmax(z):\n    return f(z)"],
     ("scipy.special.softmax",)),
    (["import scipy.special as sp\nsoftmax = [sp.softmax][0]"], ("scipy.special.softmax",)),
])
def test_indirect_uses_are_followed(cells, expected):
    assert Notebook(cells).uses("softmax", FORBIDDEN) == tuple(sorted(expected))


def test_other_contract_functions_are_not_descended_into():
    """Errors carried forward: log_softmax calling the student's logsumexp is judged on its own code."""
    cells = ["from scipy.special import logsumexp as lse\ndef logsumexp(z):\n    return lse(z)\n"
             "def helper(z):\n    return lse(z)\n"
             "def log_softmax(z):\n    return z - logsumexp(z)\n"
             "def softmax(z):\n    return np.exp(z - helper(z))"]
    nb = Notebook(cells, contract=("logsumexp", "log_softmax", "softmax"))
    assert nb.uses("logsumexp", FORBIDDEN) == ("scipy.special.logsumexp",)
    assert nb.uses("log_softmax", FORBIDDEN) == ()
    assert nb.uses("softmax", FORBIDDEN) == ("scipy.special.logsumexp",)  # a helper is not a contract function


FLAGGED = {
    "import numpy as np\nname = 'soft' + 'max'\nf = getattr(np, name)": "library attribute at run time",
    "import scipy.special as sp\nimport sys\nsys.modules['scipy.special'] = None": "sys.modules",
    "import numpy as np\nnp.array_equal = lambda *a, **k: True": "replaces a library's attribute: `numpy.array_equal`",
    "import numpy\nsetattr(numpy, 'allclose', lambda *a, **k: True)": "replaces a library's attribute",
    "import gc\nfor o in gc.get_objects():\n    pass": "gc",
    "import sys\ndef spy():\n    return sys._getframe(1).f_locals": "frames",
    "def patch(f):\n    f.__code__ = (lambda z: z).__code__": "function's code",
    "def peek(f):\n    return f.__closure__[0].cell_contents": "closure",
    "import threading\nthreading.Thread(target=print).start()": "threads",
    "from ctypes import memmove": "ctypes",
    "m = __import__('g' + 'c')": "computed at run time",
    "exec('x = 1')": "run time",
    "%load_ext nbformat": "imports a module whose code the grader does not read: `nbformat`",  # installed, not known
    "%load_ext ./my_extension.py": "runs the IPython magic `%load_ext`",  # not a module name
}


@pytest.mark.parametrize("cell", sorted(FLAGGED))
def test_what_cannot_be_resolved_is_flagged_with_the_cell(cell):
    nb = Notebook([Source(0, "import numpy as np", student=False), Source(7, cell)])
    assert any(FLAGGED[cell] in f["reason"] and f["cell"] == 7 for f in nb.flags), nb.flags


def test_honest_code_and_restored_cells_raise_no_flag():
    honest = ("%load_ext autoreload\n%autoreload 2\n%pdb on\n%pylab inline\n"  # (course notebooks' openings)
              "import numpy as np\nimport matplotlib.pyplot as plt\nplt.rcParams['figure.dpi'] = 80\n"
              "def softmax(z, axis=-1):\n    e = np.exp(z - np.max(z, axis=axis, keepdims=True))\n"
              "    return e / e.sum(axis=axis, keepdims=True)\nassert np.allclose(softmax([0.0, 0.0]), 0.5)\n")
    restored = Source(3, "import gc\nrun_check('softmax-basic', globals())", student=False)
    assert Notebook([Source(1, honest), restored]).flags == []


#: The magics of the children's shell (a fresh interpreter: IPython's shell is one per process), with ipykernel's
#: (plain nbgrader's kernels) and those of the extensions IPython ships.
_MAGICS_HERE = """
import json
from IPython.extensions.autoreload import AutoreloadMagics
from IPython.extensions.storemagic import StoreMagics
from ipykernel.zmqshell import KernelMagics
from autograder.perimeter.child_runtime.child import make_shell
found = make_shell().magics_manager.lsmagic()
extra = (KernelMagics, AutoreloadMagics, StoreMagics)
print(json.dumps({kind: sorted(set(found[kind]).union(*(c.magics[kind] for c in extra))) for kind in ("line", "cell")}))
"""


def test_the_magics_read_as_defined_are_those_of_the_installed_ipython_and_ipykernel():
    """A magic missing from autograder/reading/cells.py's DEFINED_LINE_MAGICS or DEFINED_CELL_MAGICS would be read
    as raising and running nothing where it runs IPython's code; one too many costs honest notebooks (update the
    sets there from this test's message)."""
    out = subprocess.run([sys.executable, "-c", _MAGICS_HERE], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    here = json.loads(out.stdout)
    assert sorted(DEFINED_LINE_MAGICS) == here["line"], set(DEFINED_LINE_MAGICS) ^ set(here["line"])
    assert sorted(DEFINED_CELL_MAGICS) == here["cell"], set(DEFINED_CELL_MAGICS) ^ set(here["cell"])


@pytest.mark.parametrize("cells", [
    ("%load_ext watermark", "%watermark -n -u -v -iv -w"),  # PyMC's examples, many Bayesian courses
    ("%tensorflow_version 2.x",),  # old Colab notebooks
    ("%%cython\ndef g(int n):\n    return n\n",),  # a cell magic of an extension not loaded
    ("from IPython.display import display, HTML\nimport IPython.display as ipd", "%watermark"),
    ("%load_ext autoreload\n%autoreload 2", "%memit f(1)"),
])
def test_a_magic_ipython_does_not_have_is_shown_and_costs_nothing(cells):
    nb = Notebook([Source(0, "import numpy as np", student=False)]
                  + [Source(k + 1, c) for k, c in enumerate(cells)] + [Source(9, "def f(z):\n    return z.sum()")])
    assert nb.reading("f").verdict((np.ones(3),)) == ("", "")
    assert [f["reason"].split(",")[0] for f in nb.flags] == [
        f"uses `{c.split()[0]}`" for c in cells if c.split()[0] not in ("%load_ext", "from")], nb.flags


@pytest.mark.parametrize("defines", [
    "from IPython.core.magic import register_line_magic\n@register_line_magic\ndef watermark(line):\n    pass",
    "import IPython\n", "import IPython.core.magic as m\n", "from IPython.core import magic\n",
    "%alias_magic watermark timeit", "%rehashx", "%load_ext nbformat",
    "class M(object):\n    pass\nM.register_magic_function = None\n",
])
def test_a_notebook_that_can_define_magics_does_not_get_one_it_lacks_for_free(defines):
    nb = Notebook([Source(0, "import numpy as np", student=False), Source(1, defines), Source(2, "%watermark"),
                   Source(3, "def f(z):\n    return z.sum()")])
    kind, detail = nb.reading("f").verdict((np.ones(3),))
    assert kind == "unverifiable", (kind, detail)


def test_display_only_magics_cost_nothing():
    magics = "%autosave 0\n%tb\n%pdef f\n%psource f\n%dhist\n%connect_info\n%quickref\n%set_env A=1\n%logstate"
    nb = Notebook([Source(1, magics), Source(2, "def f(z):\n    return z.sum()")])
    assert nb.flags == [] and nb.reading("f").verdict((np.ones(3),)) == ("", "")


def test_untrusted_text_is_analysed_in_bounded_time_and_memory():
    """The issue's inputs: 481 kB of `!` lines (460 s in IPython's transformer), a 10 MB list literal
    (4.8 GB in ast.parse). Neither is parsed; both are flagged; a shell line in a normal cell still is."""
    bangs = "!echo x\n" * 60_000
    literal = "x = [" + "1," * 5_000_000 + "]"
    tracemalloc.start()
    start = time.thread_time()  # (the reading's own work, this thread's CPU time: whatever else the host runs)
    nb = Notebook([Source(1, bangs), Source(2, literal), Source(3, "!ls\nimport scipy.special as sp\n"
                                                                    "def softmax(z):\n    return sp.softmax(z)")])
    elapsed = time.thread_time() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 5 and peak < 200 * 1024 * 1024, (elapsed, peak)
    assert [f["cell"] for f in nb.flags] == [1, 2] and all("not analysed" in f["reason"] for f in nb.flags)
    assert nb.uses("softmax", FORBIDDEN) == ("scipy.special.softmax",)
    many = Notebook([Source(1, "!echo x\n" * 2_000 + "import torch\ndef softmax(z):\n    return torch.softmax(z)")])
    assert many.uses("softmax", FORBIDDEN) == ("torch",)


# --- the function's own imports, read by every reader on every Python ------------------------------------------
#: A forbidden use through imports made inside the function. CPython writes the loads of a function's locals with
#: other instructions from version to version (LOAD_FAST; LOAD_FAST_CHECK where the name may be unbound, 3.12+;
#: LOAD_FAST_LOAD_FAST for two in a row, 3.13+; LOAD_FAST_BORROW, 3.14), and ``import a.b`` binds ``a``, not
#: ``a.b``: each form below is one a reader once missed.
LOCAL_IMPORTS = {
    "as": "def softmax(z):\n    import scipy.special as sp\n    return sp.softmax(z)",
    "maybe unbound": "def softmax(z):\n    try:\n        from scipy import special\n    except ImportError:\n"
                     "        pass\n    return special.softmax(z)",
    "dotted import": "def softmax(z):\n    import scipy.special\n    return scipy.special.softmax(z)",
    "second of two loads": "def softmax(z):\n    import scipy.special as sp\n    f = max\n"
                           "    return f(z, sp.softmax(z))",
    "alias stored then loaded": "def softmax(z):\n    import scipy.special\n    sp = scipy.special\n"
                                "    return sp.logsumexp(z)",
}
LOCAL_EXPECTED = {"alias stored then loaded": ("scipy.special.logsumexp",)}


def _selfcheck_library_calls(source: str) -> tuple[str, ...]:
    with selfcheck_importable():
        sys.modules.pop("selfcheck", None)
        library_calls = importlib.import_module("selfcheck").library_calls
    namespace = {"__name__": "__main__", "library_calls": library_calls, "np": np}
    exec(compile(source, "<cell>", "exec"), namespace)
    exec("seen = library_calls(softmax)", namespace)  # called from the notebook's namespace, as in a cell
    return tuple(namespace["seen"])


@pytest.mark.parametrize("form", sorted(LOCAL_IMPORTS))
def test_a_use_through_the_functions_own_imports_is_found_by_every_reader(form):
    source = LOCAL_IMPORTS[form]
    expected = LOCAL_EXPECTED.get(form, ("scipy.special.softmax",))
    namespace = {"__name__": "__main__"}
    exec(compile(source, "<cell>", "exec"), namespace)
    found = {
        "the child's bytecode walk": tuple(forbidden_uses(namespace["softmax"], FORBIDDEN)),
        "the parent's source reading": Notebook([source]).uses("softmax", FORBIDDEN),
        "the students' self-check": tuple(x for x in _selfcheck_library_calls(source) if x in FORBIDDEN),
    }
    assert found == dict.fromkeys(found, expected), (sys.version_info[:2], found)
