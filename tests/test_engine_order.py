"""The engine grades in notebook order and carries errors forward, as ``run_check`` does in a kernel.

* Every compound specimen of the zoo (``testkit/zoo/compound.py``), graded by
  the real engine (zygote, sandboxed child, checks on the trusted side),
  loses exactly the cells it loses in-process (``tests/test_zoo.py``).
* The callback a carried-forward call makes is bounded whatever the child
  sends (:class:`Session` against a scripted child, no processes).
* A respawn in the middle replays only the cells above the graded cell.
"""

import functools
import itertools

import numpy as np
import pytest

from autograder.checks.callees import answer_for_stub
from autograder.engine.grade import grade_submission
from autograder.engine.grading_run import forbidden_names, load_assignment
from autograder.model import course
from autograder.model.course import ROOT
from autograder.perimeter.child_runtime import wire
from autograder.perimeter.child_runtime.carry_forward import (
    MAX_CARRIED_ELEMENTS,
    MAX_HELD,
    CalleeStubs,
    body_of,
    same_cell,
)
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.supervision.session import MAX_CALLBACK_MESSAGES, Session
from autograder.perimeter.supervision.zygote_parent import ChildError, Zygote, default_hidden
from testkit.corpus import load as corpus
from testkit.fill import filled_release
from testkit.zoo import Specimen, zoo
from testkit.zoo import grade as zoo_grade
from testkit.zoo.compound import COMPOUNDS, Compound
from tests.engine_helpers import write_notebook
from tests.test_merged_cells import merged

#: generous: these tests are about what is graded, not about limits (a busy machine must not fail them)
LIMITS = Limits(timeout_s=60, budget_s=900)
_counter = itertools.count()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("order")
    assignments = {ps: load_assignment(ROOT, ps) for ps in course.PROBLEM_SETS}
    zygote = Zygote(hide=default_hidden(ROOT), slots=1,
                    forbidden=forbidden_names([checks for _, checks in assignments.values()])).start()
    yield tmp, assignments, zygote
    zygote.close()


def grade(env, ps, nb, limits=LIMITS):
    tmp, assignments, zygote = env
    source, checks = assignments[ps]
    path = write_notebook(tmp / f"nb{next(_counter)}.ipynb", nb)
    return grade_submission(path, "student", ps, source, checks, zygote, 0, limits, zygote.sandbox).to_json()


@pytest.mark.parametrize("compound", COMPOUNDS, ids=[c.name for c in COMPOUNDS])
def test_the_engine_grades_compound_specimens_like_the_zoo(env, compound):
    # the limits an instructor gets by default: a loop of 2000 carried calls must fit them, on a loaded CI machine too
    data = grade(env, compound.ps, compound.notebook(), Limits())
    lost = {t["name"] for t in data["tests"] if t["score"] is not None and t["score"] < t["max_score"]}  # not pending
    assert lost == set(compound.loses), {t["name"]: t["output"] for t in data["tests"] if t["name"] in lost}
    if compound.hint is not None:
        assert any(compound.hint in t["hint"] for t in data["tests"] if t["name"] in lost)
    if compound.kind is not None:
        assert {t["kind"] for t in data["tests"] if t["name"] in lost} == {compound.kind}, compound.name
    assert data["execution"]["sandbox"]["respawns"] == 0


#: My logsumexp keeps the reduced axis (right values, shape (N, 1)); my log_softmax, in a cell of its own, subtracts it
#: as it is, which broadcasts only because of that. Not a compound specimen: plain nbgrader's kernel runs the visible
#: asserts with errors carried forward too, and those call on rows, so it also docks the purity cell, which the
#: engine judges one slice at a time (a function written for one form: tests/test_checks_visible.py).
KEEPS_DIMS = "logsumexp-keeps-dims"
#: ps1's callers of logsumexp written against it (``(source, the caller's cells lost)``), of the functions ps1 asks for.
KEEPDIMS_WRITTEN = {
    "log_softmax": ("import numpy as np\n\ndef log_softmax(z, axis=-1):\n"
                    "    z = np.asarray(z, dtype=float)\n    return z - logsumexp(z, axis=axis)\n",
                    {"log_softmax-basic", "log_softmax-axis"}),
    "softmax": ("import numpy as np\n\ndef softmax(z, axis=-1, temperature=1.0):\n"
                "    if not temperature > 0:\n        raise ValueError('temperature must be positive')\n"
                "    z = np.asarray(z, dtype=float) / temperature\n    return np.exp(z - logsumexp(z, axis=axis))\n",
                {"softmax-basic", "softmax-axis"}),
}
KEEPDIMS_CALLERS = {caller: Compound(
    f"carry-{caller}-written-against-my-logsumexp-keeping-dims", "ps1_softmax",
    {"logsumexp": next(s.source for s in zoo("ps1_softmax") if s.name == KEEPS_DIMS), caller: source},
    loses=frozenset({"logsumexp-shape", *own}),
) for caller, (source, own) in KEEPDIMS_WRITTEN.items() if caller in course.FUNCTIONS["ps1_softmax"]}


@pytest.mark.parametrize("caller", KEEPDIMS_CALLERS)
def test_a_lost_cell_says_which_calls_were_answered_by_the_reference(env, caller):
    """With the correct logsumexp answering its calls, my log_softmax (or softmax: above) no longer broadcasts on
    rows, where my notebook never raised. Each cell it loses says that its calls were answered (through the engine's
    child and parent); my logsumexp's own lost cell does not."""
    written = KEEPDIMS_CALLERS[caller]
    data = grade(env, written.ps, written.notebook(), Limits())
    lost = {t["name"]: t["output"] for t in data["tests"] if t["score"] is not None and t["score"] < t["max_score"]}
    assert set(lost) == written.loses, sorted(lost)
    note = "calls of `logsumexp` were answered by a correct `logsumexp`"
    assert {gid for gid, output in lost.items() if note in output} == written.loses - {"logsumexp-shape"}, lost


#: A log_softmax whose cell brings a logsumexp of its own that keeps the reduced axis (so ``z - logsumexp(z, axis)``
#: broadcasts), written three ways real code writes a function: each is the cell's own answer and runs as written.
OWN_KEEPDIMS_LOGSUMEXP = ("import numpy as np\n\n"
                          "def logsumexp(x, axis):\n"
                          "    m = x.max(axis=axis, keepdims=True)\n"
                          "    return m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))\n\n")
LOG_SOFTMAX_WRITTEN_AS = {
    "a callable object": "class LogSoftmax:\n    def __call__(self, z, axis=-1):\n"
                         "        z = np.asarray(z, dtype=float)\n        return z - logsumexp(z, axis)\n\n"
                         "log_softmax = LogSoftmax()\n",
    "a method of a layer": "class Layer:\n    def forward(self, z, axis=-1):\n"
                           "        z = np.asarray(z, dtype=float)\n        return z - logsumexp(z, axis)\n\n"
                           "log_softmax = Layer().forward\n",
    "a function decorated in another cell": "@checked\ndef log_softmax(z, axis=-1):\n"
                                            "    z = np.asarray(z, dtype=float)\n    return z - logsumexp(z, axis)\n",
}
DECORATOR_CELL = ("import functools\n\ndef checked(fn):\n    @functools.wraps(fn)\n"
                  "    def wrapper(*args, **kwargs):\n        return fn(*args, **kwargs)\n    return wrapper\n")


#: These tests are about log_softmax calling logsumexp: a course without log_softmax (tests/course_changes.py's
#: remove-log_softmax) has nothing for them to grade, and says so rather than passing on nothing.
WITHOUT_LOG_SOFTMAX = pytest.mark.skipif("log_softmax" not in course.FUNCTIONS["ps1_softmax"],
                                         reason="this course's ps1 has no log_softmax, the caller these tests grade")


@WITHOUT_LOG_SOFTMAX
@pytest.mark.parametrize("form", LOG_SOFTMAX_WRITTEN_AS)
def test_a_callee_written_again_in_the_callers_cell_runs_as_written_however_the_caller_is_written(env, form):
    """docs/contract.md, "A mistake costs points once": a callee written again in the caller's own cell is part of
    that cell's answer. The grader knew the caller's cell only from a plain function's code: for a callable object,
    a bound method, or a function under a decorator from another cell, the cell's own keep-dims logsumexp was
    answered by the reference (which drops the axis), and a correct log_softmax lost -basic and -axis (7 points)
    to a broadcast error it never raised in the notebook (the corpus's chainer log_softmax, written as a callable
    object). Now each keeps every point."""
    nb = _with_cells(filled_release("ps1_softmax", {"log_softmax": OWN_KEEPDIMS_LOGSUMEXP
                                                    + LOG_SOFTMAX_WRITTEN_AS[form]}), DECORATOR_CELL)
    data = grade(env, "ps1_softmax", nb)
    lost = {t["name"]: t["message"] for t in data["tests"] if t["score"] is not None and t["score"] < t["max_score"]}
    assert lost == {} and any(t["score"] for t in data["tests"]), lost


#: A gaussian_log_pdf without its normalising constant, written as a layer object, and a gaussian_log_likelihood of
#: mine that calls it, once as the object and once through its method (the reference's calls it as the object).
LOG_PDF_LAYER = ("import numpy as np\n\nclass GaussianLogPdf:\n"
                 "    def forward(self, x, mu, sigma):\n"
                 "        x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))\n"
                 "        if np.any(sigma <= 0):\n            raise ValueError('sigma must be positive')\n"
                 "        return -np.log(sigma) - 0.5 * ((x - mu) / sigma) ** 2\n\n"
                 "    __call__ = forward\n\n"
                 "gaussian_log_pdf = GaussianLogPdf()\n")


@pytest.mark.parametrize("through", ["the reference's call", "a call of its method"])
def test_a_callee_written_as_an_object_is_carried_forward_too(env, through):
    """A mistake costs points once (docs/contract.md): the callee's error is carried forward, whatever the callee is.
    Only plain functions were: a gaussian_log_pdf written as a callable object, without its normalising constant,
    also cost the gaussian_log_likelihood that calls it its -basic cell (three real-code specimens rewritten as
    objects did, in a metamorphic sweep of the corpus). Now the object is answered by the correct function while
    gaussian_log_likelihood is graded; a call of its method runs the student's own code, as before, and costs
    that cell as it did."""
    code = {"gaussian_log_pdf": LOG_PDF_LAYER}
    if through == "a call of its method":
        code["gaussian_log_likelihood"] = ("import numpy as np\n\ndef gaussian_log_likelihood(x, mu, sigma):\n"
                                           "    return float(np.sum(gaussian_log_pdf.forward(x, mu, sigma)))\n")
    data = grade(env, "ps3_gaussian", filled_release("ps3_gaussian", code))
    lost = {t["name"] for t in data["tests"] if t["score"] is not None and t["score"] < t["max_score"]}
    own = {name for name in lost if name.startswith("gaussian_log_pdf-")}
    assert own and "gaussian_log_pdf-purity" not in own, lost
    if through == "the reference's call":
        assert lost == own, lost
    else:
        assert "gaussian_log_likelihood-basic" in lost, lost


#: My log_softmax through my logsumexp (the naive one: it overflows), called by another name.
LOG_SOFTMAX_THROUGH = {
    "an alias": "import numpy as np\n\nlse = logsumexp\n\ndef log_softmax(z, axis=-1):\n"
                "    z = np.asarray(z, dtype=float)\n    return z - np.expand_dims(lse(z, axis=axis), axis)\n",
    "a default argument": "import numpy as np\n\ndef log_softmax(z, axis=-1, _lse=logsumexp):\n"
                          "    z = np.asarray(z, dtype=float)\n    return z - np.expand_dims(_lse(z, axis=axis), axis)\n",
    "a dict of functions": "import numpy as np\n\nOPS = {'lse': logsumexp, 'exp': np.exp}\n\n"
                           "def log_softmax(z, axis=-1):\n    z = np.asarray(z, dtype=float)\n"
                           "    return z - np.expand_dims(OPS['lse'](z, axis=axis), axis)\n",
    "a tuple of functions": "import numpy as np\n\nOPS = (np.exp, logsumexp)\n\n"
                            "def log_softmax(z, axis=-1):\n    z = np.asarray(z, dtype=float)\n"
                            "    return z - np.expand_dims(OPS[1](z, axis=axis), axis)\n",
    "a closure": "import numpy as np\n\ndef _through(lse):\n    def log_softmax(z, axis=-1):\n"
                 "        z = np.asarray(z, dtype=float)\n        return z - np.expand_dims(lse(z, axis=axis), axis)\n"
                 "    return log_softmax\n\nlog_softmax = _through(logsumexp)\n",
    "a list in a closure": "import numpy as np\n\ndef _through(steps):\n    def log_softmax(z, axis=-1):\n"
                           "        z = np.asarray(z, dtype=float)\n"
                           "        return z - np.expand_dims(steps[0](z, axis=axis), axis)\n"
                           "    return log_softmax\n\nlog_softmax = _through([logsumexp])\n",
}


@WITHOUT_LOG_SOFTMAX
@pytest.mark.parametrize("through", LOG_SOFTMAX_THROUGH)
def test_a_callee_called_by_another_name_is_carried_forward(env, through):
    """A mistake costs points once: my naive logsumexp loses its -stability, and my log_softmax, which calls it by
    another name (``lse = logsumexp``, a default argument ``_lse=logsumexp``, an item of a global dict or tuple,
    a closure's cell or a list it holds), is graded as if it were correct. Those names held my own function through
    the call, so log_softmax lost its -stability too (as by name it does not). They now answer as the callee's
    stub, and are restored after the call."""
    naive = next(s.source for s in zoo("ps1_softmax") if s.name == "logsumexp-naive")
    nb = filled_release("ps1_softmax", {"logsumexp": naive, "log_softmax": LOG_SOFTMAX_THROUGH[through]})
    data = grade(env, "ps1_softmax", nb)
    lost = {t["name"] for t in data["tests"] if t["score"] is not None and t["score"] < t["max_score"]}
    assert lost == {"logsumexp-stability"}, {t["name"]: t["message"] for t in data["tests"] if t["name"] in lost}


def test_every_container_and_cell_a_callee_was_put_in_holds_the_students_own_function_again_after_the_call():
    """:class:`~autograder.perimeter.child_runtime.carry_forward.CalleeStubs` on a namespace as a notebook leaves it: during the call
    each place that held ``logsumexp`` answers with the grader's value; afterwards each holds the student's own
    function again — except where the call itself put something else, which stays; a dict subclass, a key that is
    not a plain string or integer and a table larger than ``MAX_HELD`` are left alone."""
    ns: dict = {"MAX_HELD": MAX_HELD}
    exec(compile("def logsumexp(z, axis=-1):\n    return 'own'\n", "<cell-1>", "exec"), ns)
    cell = ("class Table(dict):\n    pass\n"
            "OPS = {'lse': logsumexp}\nKEEP = (logsumexp,)\nRUNS = [logsumexp]\nSUB = Table(lse=logsumexp)\n"
            "ODD = {('lse',): logsumexp}\nBIG = [logsumexp] * (MAX_HELD + 1)\nTAKEN = [logsumexp]\n"
            "def _through(lse, steps):\n    def log_softmax(z, axis=-1):\n"
            "        TAKEN[0] = 'changed by the call'\n"
            "        return [lse(z), steps[0](z), OPS['lse'](z), KEEP[0](z), RUNS[0](z), SUB['lse'](z),\n"
            "                ODD[('lse',)](z), BIG[0](z)]\n    return log_softmax\n"
            "log_softmax = _through(logsumexp, [logsumexp])\n")
    exec(compile(cell, "<cell-2>", "exec"), ns)
    own = ns["logsumexp"]
    with CalleeStubs(ns, "log_softmax", ["logsumexp"], lambda name, args, kwargs: {"value": "grader's"},
                     lambda value: value):
        during = ns["log_softmax"]([1.0])
    assert during == ["grader's"] * 5 + ["own"] * 3
    closure = {c.cell_contents if not isinstance(c.cell_contents, list) else c.cell_contents[0]
               for c in ns["log_softmax"].__closure__}
    assert closure == {own}
    assert ns["OPS"]["lse"] is ns["KEEP"][0] is ns["RUNS"][0] is own
    assert ns["TAKEN"] == ["changed by the call"]
    assert f"at most {MAX_HELD} items" in (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")


def test_the_callers_cell_is_where_its_body_was_written_not_where_its_wrapper_was():
    """:func:`~autograder.perimeter.child_runtime.carry_forward.body_of`, on cells compiled under names of their own as IPython
    compiles them: a decorator's wrapper written in the callee's cell does not make the callee the caller's own."""
    ns = {}
    exec(compile(DECORATOR_CELL + "\ndef logsumexp(x, axis=-1):\n    return 0.0\n", "<cell-1>", "exec"), ns)
    exec(compile("@checked\ndef log_softmax(z, axis=-1):\n    return z - logsumexp(z, axis)\n\n"
                 "class Op:\n    def __call__(self, z):\n        return z\n\n"
                 "def lse(x, axis=-1):\n    return 1.0\n", "<cell-2>", "exec"), ns)
    assert body_of(ns["log_softmax"]).__code__.co_filename == "<cell-2>"
    assert not same_cell(ns["logsumexp"], ns["log_softmax"]) and same_cell(ns["lse"], ns["log_softmax"])
    assert body_of(ns["Op"]()) is ns["Op"].__call__
    assert body_of(functools.partial(ns["lse"], axis=0)) is body_of(functools.lru_cache(ns["lse"])) is ns["lse"]
    assert body_of(np.exp) is None and body_of(ns["Op"]) is None and body_of(None) is None
    loop = ns["lse"]  # a wrapper chain with no end is given up on, never followed forever
    loop.__wrapped__ = loop
    assert body_of(loop) is None


def test_a_respawn_replays_only_the_cells_above(env):
    """softmax hangs on one hidden probe (a (4, 5) array at temperature=0.5): the child is restarted, and the cells
    replayed are those above softmax's graded cells, not the scratch cell at the bottom that
    sets ``softmax = None``: the later softmax cells still find the solution."""
    hangs = ("import numpy as np\n\n"
             "def softmax(z, axis=-1, temperature=1.0):\n"
             "    if temperature <= 0:\n        raise ValueError('temperature must be positive')\n"
             "    while temperature == 0.5 and np.shape(z) == (4, 5):\n        pass\n"
             "    z = np.asarray(z, dtype=float) / temperature\n"
             "    e = np.exp(z - np.max(z, axis=axis, keepdims=True))\n"
             "    return e / np.sum(e, axis=axis, keepdims=True)\n")
    nb = filled_release("ps1_softmax", {"softmax": hangs})
    nb["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                        "source": "softmax = None  # scratch: done with it\n"})
    data = grade(env, "ps1_softmax", nb, Limits(timeout_s=1.5))
    lost = {t["name"] for t in data["tests"] if t["score"] is not None and t["score"] < t["max_score"]}
    assert lost == {"softmax-temperature"}, {t["name"]: t["output"] for t in data["tests"] if t["name"] in lost}
    assert data["execution"]["sandbox"]["respawns"] >= 1
    assert data["execution"]["cells"][-1]["status"] == "ok"  # the scratch cell ran, once, at the end


# --------------------------------------------------------------------------- the callback's bounds


class ScriptedChild:
    """A child that sends ``script`` (messages, in order) and records what the parent sends."""

    def __init__(self, script):
        self.script, self.sent = list(script), []
        self.output = {"bytes": 0, "truncated": False}

    def receive(self, timeout):
        if not self.script:
            raise ChildError("timeout")
        return self.script.pop(0)

    def send(self, msg):
        self.sent.append(msg)

    def close(self):
        pass


class NoZygote:
    def kill(self, slot, wait=False):
        return {}

    def lost(self, child):
        return False


def session_with(script):
    session = Session(NoZygote(), 0, [], LIMITS, shown_after_probe=str)
    session.child = ScriptedChild(script)
    session.answer = answer_for_stub
    return session


def callback(function, *args):
    return {"op": "callback", "function": function, "args": wire.to_wire(tuple(args)), "kwargs": wire.to_wire({})}


def test_a_callback_is_answered_with_the_reference_only_for_the_calls_contract_functions():
    z = np.array([1000.0, 1000.0])
    done = {"outcome": {"status": "returned"}}
    session = session_with([callback("logsumexp", z), callback("softmax", z), callback("mvn_kl", z), done])
    assert session.request({"op": "call"}, carry=("logsumexp", "softmax")) is done
    first, second, third = session.child.sent[1:]
    assert wire.from_wire(first["value"]) == pytest.approx(1000 + np.log(2))
    assert np.allclose(wire.from_wire(second["value"]), [0.5, 0.5])
    assert "declined" in third  # not a function this call may ask about
    assert session.carry == ()  # the window closed with the answer


def test_no_callback_is_answered_outside_a_call():
    done = {"why": ""}
    session = session_with([callback("logsumexp", [1.0, 2.0]), done])
    assert session.request({"op": "defined", "function": "softmax"}) is done
    assert "declined" in session.child.sent[1]


def test_a_streams_unneeded_answers_decline_their_callbacks():
    session = session_with([callback("logsumexp", [1.0]), {"outcome": 1}, callback("logsumexp", [1.0]),
                            {"outcome": 2}])
    session.stream({"op": "calls"}, 2, carry=("logsumexp",))
    assert session.next() == {"outcome": 1}
    session.drain()
    assert "value" in session.child.sent[1] and "declined" in session.child.sent[2]


def test_callback_arguments_are_bounded_per_call():
    half = np.zeros(MAX_CARRIED_ELEMENTS // 2 + 1)
    session = session_with([callback("logsumexp", half), callback("logsumexp", half), {"outcome": 1}])
    session.request({"op": "call"}, carry=("logsumexp",))
    assert "value" in session.child.sent[1] and "declined" in session.child.sent[2]


def test_a_child_that_keeps_asking_is_ended():
    noise = [callback("nothing", 1.0)] * (MAX_CALLBACK_MESSAGES + 1)
    session = session_with(noise + [{"outcome": 1}])
    with pytest.raises(ChildError, match="questions"):
        session.request({"op": "call"}, carry=("logsumexp",))
    assert session.child is None  # killed


def test_a_callback_outside_the_contract_signature_is_declined():
    session = session_with([{"op": "callback", "function": "logsumexp", "args": wire.to_wire(([1.0],)),
                             "kwargs": wire.to_wire({"keepdims": True})}, {"outcome": 1}])
    session.request({"op": "call"}, carry=("logsumexp",))
    assert "declined" in session.child.sent[1]  # the student's own logsumexp(…, keepdims=True) runs instead


PS1 = course.FUNCTIONS["ps1_softmax"]
#: Every ordered pair of ps1's functions (each takes logits ``z`` first).
CIRCLES = [(first, second) for first in PS1 for second in PS1 if first != second]


@pytest.mark.parametrize("first,second", CIRCLES, ids=[f"{a}-{b}" for a, b in CIRCLES])
def test_a_circle_of_callbacks_is_declined_by_the_parent(first, second):
    """A hostile child asks for ``first`` (softmax, say) while ``first``'s own calls were answered with ``second``'s
    (log_softmax's) reference: crediting both would need neither to compute anything."""
    done = {"outcome": 1}
    z = [1.0, 2.0]
    session = session_with([callback(second, z), done, callback(first, z), done])
    session.request({"op": "call", "function": first}, carry=tuple(f for f in PS1 if f != first))
    session.request({"op": "call", "function": second}, carry=tuple(f for f in PS1 if f != second))
    assert "value" in session.child.sent[1] and "declined" in session.child.sent[3]


def test_a_hint_reads_the_cells_later_inputs_from_the_look_ahead(env):
    """A hint rule that needs the cell's later inputs to tell two mistakes apart (a missing ½ in the quadratic term
    and a missing constant −½ give the same number on gaussian_kl's third visible input) gets them from the
    engine's look-ahead answers, which the child computes anyway: the same hint as in-process."""
    from testkit.zoo import zoo

    specimen = next(s for s in zoo("ps5_gaussian_kl") if s.name == "ps5-gaussian-kl-no-half-denominator")
    data = grade(env, "ps5_gaussian_kl", filled_release("ps5_gaussian_kl", {"gaussian_kl": specimen.source}))
    hints = {t["name"]: t["hint"] for t in data["tests"]}
    assert hints["gaussian_kl-basic"].startswith("The quadratic term lacks its factor ½"), hints["gaussian_kl-basic"]
    assert all(t["score"] == t["max_score"] for t in data["tests"]
               if t["name"].startswith(("mvn_kl", "vae_kl", "gaussian_kl-broadcast", "gaussian_kl-purity")))


def test_a_second_look_reads_the_same_look_ahead_as_the_first(env):
    """A cell's second look (its stack handed over row by row: autograder.checks.slice_form) asks a hint's evidence
    again; the engine gives it the look-ahead answers it read the first time, so the hint is the in-process one.
    The specimen (a corpus fixture after real code: ylefay/unbiased_mcmc_with_couplings) returns a 2-vector for one
    2-D point, which reads as a missing reduction on that call alone; its 3-D points, later in the cell, return a
    2-vector too, so no rule may say so."""
    real = corpus.by_id("mvn_log_pdf-slogdet-pair", corpus.FIXTURES)
    data = grade(env, "ps3_gaussian", filled_release("ps3_gaussian", {"mvn_log_pdf": real.source}))
    engine = {t["name"]: t["hint"] for t in data["tests"] if t["name"].startswith("mvn_log_pdf")}
    in_process = {gid: r.hint for gid, r in zoo_grade("ps3_gaussian", Specimen("slogdet-pair", "mvn_log_pdf", real.source,
                                                                                 hint="", mistake=())).items()
                  if gid.startswith("mvn_log_pdf")}
    assert engine == in_process
    assert "a reduction is missing" not in engine["mvn_log_pdf-basic"], engine["mvn_log_pdf-basic"]


def _without_nbgrader_metadata(nb: dict, keep=lambda cell: False) -> dict:
    """``nb`` with every cell's metadata (and id) gone but where ``keep(cell)``, as a copy into a fresh notebook
    leaves it."""
    out = {**nb, "cells": []}
    for cell in nb["cells"]:
        cell = dict(cell)
        if not keep(cell):
            cell["metadata"] = {}
            cell.pop("id", None)
        out["cells"].append(cell)
    return out


@pytest.mark.parametrize("ps", course.PROBLEM_SETS)
def test_a_notebook_that_lost_its_nbgrader_metadata_is_graded_as_the_intact_one(env, ps):
    """nbgrader's issues #424 and #1398: the cells of a notebook copied into a fresh one (or a round trip through a
    tool that keeps only the text) carry no nbgrader metadata. Its copies of the locked cells are recognised by their
    text and its solution and answer cells by their place (autograder/model/recognise.py): the same points, the
    answers awaiting a person, no flag for the course's own set-up cell, and one note for the instructor."""
    nb = filled_release(ps)
    intact, stripped = grade(env, ps, nb), grade(env, ps, _without_nbgrader_metadata(nb))
    scores = [{t["name"]: (t["score"], t["max_score"]) for t in data["tests"]} for data in (intact, stripped)]
    assert scores[1] == scores[0]
    assert stripped["flags"] == [] and stripped["tamper"] == []
    assert [n for n in stripped["notes"] if "had lost their nbgrader metadata" in n] == stripped["notes"] != []
    assert stripped["student_code"] == intact["student_code"] and stripped["answers"] == intact["answers"] != {}


def test_pylab_puts_numpys_names_in_the_namespace_as_in_jupyter(env):
    """``%pylab inline`` (older course material's opening) runs ``from pylab import *`` in Jupyter: a softmax
    written with its bare names (``exp``, ``amax``, NumPy's ``sum``) must grade as the same code written with
    ``np.``, where the engine's child once took %pylab for %matplotlib and every call raised NameError."""
    bare = ("def softmax(z, axis=-1, temperature=1.0):\n"
            "    if temperature <= 0:\n        raise ValueError('temperature must be positive')\n"
            "    z = asarray(z, dtype=float) / temperature\n"
            "    e = exp(z - amax(z, axis=axis, keepdims=True))\n"
            "    return e / sum(e, axis=axis, keepdims=True)\n")
    prefixed = bare.replace("asarray(", "np.asarray(").replace("exp(", "np.exp(").replace(
        "amax(", "np.amax(").replace("sum(", "np.sum(")
    scores = []
    for code, opening in ((bare, "%pylab inline"), (prefixed, "%matplotlib inline")):
        nb = filled_release("ps1_softmax", code={"softmax": code})
        nb["cells"].insert(2, {"cell_type": "code", "metadata": {}, "source": opening, "outputs": [],
                               "execution_count": None})
        data = grade(env, "ps1_softmax", nb)
        assert data["flags"] == [], data["flags"]
        scores.append({t["name"]: (t["score"], t["max_score"]) for t in data["tests"] if t["name"].startswith("softmax")})
    assert scores[0] == scores[1] and all(score == most for score, most in scores[0].values()), scores


def _with_cells(nb, *sources):
    for k, source in enumerate(sources):
        nb["cells"].insert(2 + k, {"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
                                   "execution_count": None})
    return nb


def test_a_magic_ipython_does_not_have_here_costs_nothing_unless_the_notebook_defines_magics(env):
    """PyMC's and many Bayesian courses' notebooks open with ``%load_ext watermark`` and ``%watermark``, old Colab
    ones with ``%tensorflow_version 2.x``: where the course does not install the extension, the magic's line is
    skipped in the grader's child and runs nothing, so a correct ps1 keeps every point (each such magic once cost every purity
    cell); a notebook that registers a magic of its own under that name runs its code: the purity cells are then
    not earned on code the grader did not read."""
    magics = ("%load_ext watermark", "%watermark -a 'A. Student' -v -p numpy,scipy", "%tensorflow_version 2.x",
              "%autosave 0\n%tb")
    data = grade(env, "ps1_softmax", _with_cells(filled_release("ps1_softmax"), *magics))
    lost = {t["name"]: t["message"] for t in data["tests"] if t["score"] is not None and t["score"] < t["max_score"]}
    assert lost == {} and any(t["score"] for t in data["tests"]), lost
    assert sorted(f["reason"].split(",")[0] for f in data["flags"]) == [
        "uses `%tensorflow_version`", "uses `%watermark`"], data["flags"]
    own = _with_cells(filled_release("ps1_softmax"), "from IPython.core.magic import register_line_magic\n\n"
                      "@register_line_magic\ndef watermark(line):\n    print('my own:', line)\n", magics[1])
    data = grade(env, "ps1_softmax", own)
    lost = {t["name"]: t["message"] for t in data["tests"] if t["score"] is not None and t["score"] < t["max_score"]}
    assert lost and all(name.endswith("-purity") for name in lost), lost
    assert all("can define magics of its own" in message for message in lost.values()), lost


def test_a_graded_cell_whose_type_a_key_changed_is_taken_as_released(env):
    """M, Y or R in command mode changes a cell's type and nothing a student sees in the checks they already ran: a
    solution cell turned into markdown after the last run (0 on every cell of the function, where nbgrader's
    autograde, which restores each graded cell's type from the source, gives them all) runs as the code cell it was
    released as, and an answer cell turned into code is read as the answer it is, never run as Python."""
    intact = grade(env, "ps1_softmax", filled_release("ps1_softmax"))
    nb = filled_release("ps1_softmax")
    graded = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
    code = next(c for c in graded if c["cell_type"] == "code")
    answer = next(c for c in graded if c["cell_type"] == "markdown")
    code["cell_type"] = "markdown"
    del code["outputs"], code["execution_count"]
    answer.update(cell_type="code", outputs=[], execution_count=None)
    data = grade(env, "ps1_softmax", nb)
    assert {t["name"]: t["score"] for t in data["tests"]} == {t["name"]: t["score"] for t in intact["tests"]}
    assert any(t["score"] for t in data["tests"])
    gids = (code["metadata"]["nbgrader"]["grade_id"], answer["metadata"]["nbgrader"]["grade_id"])
    assert sorted(data["notes"]) == sorted([
        f"solution cell `{gids[0]}` was changed to a markdown cell; it is taken as the code cell it was released as "
        "(a function's code, runs)",
        f"solution cell `{gids[1]}` was changed to a code cell; it is taken as the markdown cell it was released as "
        "(an answer, is read by a person)"]), data["notes"]


def test_an_answer_written_in_a_cell_of_its_own_beside_its_answer_cell_is_the_answer(env):
    """Students who see "YOUR ANSWER HERE" rendered often insert a cell below it and write there (instructors report it
    on nbgrader's own tracker): the answer cell left as released scored 0 at once, never shown to a person, and the
    added cell was shown to nobody. Now its text is the answer, awaiting grading; an answer that goes on in an added
    cell below is shown whole; code cells and cells farther away are not taken for it."""
    def answer_of(nb, edit):
        cells = nb["cells"]
        k = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                 and c["metadata"].get("nbgrader", {}).get("solution"))
        gid = cells[k]["metadata"]["nbgrader"]["grade_id"]
        edit(cells, k)
        data = grade(env, "ps1_softmax", nb)
        return gid, next(t for t in data["tests"] if t["name"] == gid), data["answers"].get(gid), data["notes"]

    derivation = "We have $\\log \\sum_j e^{z_j} = m + \\log \\sum_j e^{z_j - m}$ since $e^{z_j} = e^m e^{z_j - m}$."

    def below(cells, k):
        cells[k]["source"] = "YOUR ANSWER HERE"
        cells.insert(k + 1, {"cell_type": "markdown", "metadata": {}, "source": derivation})
        cells.insert(k + 2, {"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [],
                             "execution_count": None})

    gid, test, answer, notes = answer_of(filled_release("ps1_softmax"), below)
    assert test["score"] is None and test["kind"] == "manual" and answer == derivation, (test, answer)
    assert any(f"the answer to `{gid}` was written in 1 cell of its own" in n for n in notes), notes

    def above_and_stub(cells, k):  # between the question and the answer cell, which stays as released
        cells[k]["source"] = "YOUR ANSWER HERE"
        cells.insert(k, {"cell_type": "markdown", "metadata": {}, "source": derivation})

    gid, test, answer, notes = answer_of(filled_release("ps1_softmax"), above_and_stub)
    assert test["score"] is None and answer == derivation, (test, answer)

    def continued(cells, k):
        cells[k]["source"] = "First part."
        cells.insert(k + 1, {"cell_type": "markdown", "metadata": {}, "source": derivation})

    gid, test, answer, notes = answer_of(filled_release("ps1_softmax"), continued)
    assert answer == "First part.\n\n" + derivation and any("goes on in 1 cell" in n for n in notes), (answer, notes)

    def in_the_question(cells, k):  # Colab and VS Code let a student type into the locked question cell above
        cells[k]["source"] = "YOUR ANSWER HERE"
        question = cells[k - 1]["source"]
        cells[k - 1]["source"] = (question if isinstance(question, str) else "".join(question)) + "\n\n" + derivation

    gid, test, answer, notes = answer_of(filled_release("ps1_softmax"), in_the_question)
    assert test["score"] is None and answer == derivation, (test, answer)
    assert any("was written in the question's cell" in n for n in notes), notes

    def stub_only(cells, k):  # nothing written anywhere: not answered, as before
        cells[k]["source"] = "YOUR ANSWER HERE"
        cells.insert(k + 1, {"cell_type": "code", "metadata": {}, "source": "# my derivation is in my head",
                             "outputs": [], "execution_count": None})

    gid, test, answer, notes = answer_of(filled_release("ps1_softmax"), stub_only)
    assert test["score"] == 0 and test["kind"] == "not-answered", test


def test_an_import_that_fails_where_graded_skips_itself_not_its_cell(env):
    """A student on Colab, where torch is installed, imports it at the top of a solution cell to compare with
    torch.logsumexp: where the notebook is graded the import fails (torch is neither installed nor allowed), which
    stopped the cell, so the NumPy logsumexp below it was never defined: 0 on its 13 points. Now the import alone is
    skipped, the function is graded as written, and a note says so; a function that uses torch is still forbidden."""
    intact = grade(env, "ps1_softmax", filled_release("ps1_softmax"))

    def with_torch(body_line=""):
        nb = filled_release("ps1_softmax")
        cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "logsumexp")
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        cell["source"] = "import torch  # to compare with torch.logsumexp\n" + text + body_line
        return grade(env, "ps1_softmax", nb)

    data = with_torch()
    assert {t["name"]: t["score"] for t in data["tests"]} == {t["name"]: t["score"] for t in intact["tests"]}
    assert any("imports `torch`" in n and "is skipped" in n for n in data["notes"]), data["notes"]
    used = with_torch("\nlogsumexp = lambda z, axis=-1: torch.logsumexp(torch.as_tensor(z), dim=axis).numpy()\n")
    assert {t["kind"] for t in used["tests"] if t["name"].startswith("logsumexp-") and t["name"] != "logsumexp-derivation"
            } == {"forbidden"}, [(t["name"], t["kind"]) for t in used["tests"]]


def test_an_extension_not_installed_where_graded_skips_its_lines_not_its_cell(env):
    """PyMC's examples and many Bayesian courses open a cell with `%load_ext watermark` and `%watermark -v -p numpy`:
    where watermark is not installed both lines raised, and the NumPy logsumexp below them was never defined (0 on its
    13 points). Now both lines are skipped, the function is graded as written, and the notes say so."""
    intact = grade(env, "ps1_softmax", filled_release("ps1_softmax"))
    nb = filled_release("ps1_softmax")
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "logsumexp")
    text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    cell["source"] = "%load_ext watermark\n%watermark -v -p numpy\n" + text
    data = grade(env, "ps1_softmax", nb)
    assert {t["name"]: t["score"] for t in data["tests"]} == {t["name"]: t["score"] for t in intact["tests"]}
    assert any("imports `watermark`" in n for n in data["notes"]), data["notes"]
    assert any("uses `%watermark`" in n and "is skipped" in n for n in data["notes"]), data["notes"]


@pytest.mark.parametrize("ps", course.PROBLEM_SETS)
def test_cells_a_key_merged_are_graded_as_released(env, ps):
    """Shift+M in command mode merges a cell with the one below (selected together: all of them). Pressed on a
    solution cell after the last run, it made the function's code end in the prose of "What the next cells check":
    a SyntaxError where graded, 0 on every cell of the function (as under plain nbgrader), and that locked cell
    "deleted"; pressed on the task cell above, the code went into a locked cell and was lost. Both are taken
    apart again where the course's own text shows the seam: the same points as intact, a note, no tampering."""
    intact = grade(env, ps, filled_release(ps))
    gid = course.FUNCTIONS[ps][0]
    for nb, said in ((merged(filled_release(ps), gid), "below it"),
                     (merged(filled_release(ps), gid, count=3, first=-1), "into the cell above")):
        data = grade(env, ps, nb)
        assert {t["name"]: t["score"] for t in data["tests"]} == {t["name"]: t["score"] for t in intact["tests"]}
        assert data["tamper"] == [] and any(said in n for n in data["notes"]), (data["tamper"], data["notes"])


def test_another_problem_sets_notebook_is_said_once_not_graded_as_a_flood_of_tampering(env):
    """ps2's notebook uploaded to ps1's slot: one reason on every cell, no tamper report; a ps2 notebook in which the
    student also wrote a ps1 function is graded as usual (that function's cells count, in run order)."""
    data = grade(env, "ps1_softmax", filled_release("ps2_cross_entropy"))
    reason = ("it is ps2_cross_entropy's notebook (its cells are that problem set's), not ps1_softmax's — hand in "
              "your ps1_softmax.ipynb")
    assert data["score"] == 0 and data["tamper"] == [] and data["notes"] == [reason]
    assert all(reason in t["message"] for t in data["tests"])
    nb = filled_release("ps2_cross_entropy")
    nb["cells"].insert(0, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": "import numpy as np\ndef logsumexp(z, axis=-1):\n    z = np.asarray(z, dtype=float)\n"
                                     "    m = np.max(z, axis=axis, keepdims=True)\n"
                                     "    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(z - m), axis=axis))\n"})
    data = grade(env, "ps1_softmax", nb)  # (its first cell: it runs before ps1's test cells)
    assert data["notes"] != [reason] and any(t["score"] for t in data["tests"] if t["name"] == "logsumexp-basic")
