"""Forbidden calls read from the source in the parent agree with the bytecode check, and survive tampering."""

import numpy as np
import pytest

from autograder.checks import checks_for
from autograder.checks.invoke import forbidden_uses
from autograder.engine.static import Notebook
from tests.zoo import all_specimens

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
