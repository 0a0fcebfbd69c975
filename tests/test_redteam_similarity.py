"""Red team: every attack of issue 52 on the similarity report, each with what must hold.

One class of real notebooks, read by ``python -m autograder similarity`` at its default settings: the
independent versions of ``softmax`` (:data:`testkit.independent.INDEPENDENT`,
the reference) and, for each attack, a victim (a distinctive version written here) and an attacker who
hands in the victim's code hidden the attack's way. What must hold:

* hiding which code is graded does not hide it: an alias (``softmax = _softmax_impl``), an ``if True:``
  block, a class instance (``softmax = _SM()``), a class method under a one-line ``def softmax``, a
  decorator, ``globals()["softmax"] = …``, ``exec`` of a constant string, a decoy ``def softmax`` rebound
  before the tests, a decoy defined after the test cells: the pair is reported;
* the ten-minute rewrites (helpers split out, ``np.add.reduce``/``np.true_divide``/``x.max``, a loop
  over rows, dead code, comments; red team 5's ``np.subtract``/``np.multiply`` and per-row loop): reported;
* framing: three accomplices paste a victim's code as a decoy and are graded on their own: the victim is
  not reported with them;
* what cannot be followed (``exec`` of a computed string, ``globals().update``) is "not compared" with
  the reason, never scored 0 in silence;
* eleven students who paste one answer are one reported group of eleven (all 55 pairs), and extra
  holders of a copied function never lower the copy pair's score;
* notebooks built to exhaust the report (40 chained temporaries of deep unary expressions, quadratic
  temporaries in a 59 KB cell) are "not compared" or compared, quickly, and the report is written.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.model.course import ROOT
from autograder.model.files import SIMILARITY_JSON
from autograder.similarity.run import similarity_report
from testkit.independent import INDEPENDENT
from testkit.similarity_class import _write, reference_cells

PS = "ps1_softmax"

#: Distinctive versions written here, one per attack (a victim's code must be worth copying).
VICTIMS = [f'''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0 or not np.isfinite(temperature):
        raise ValueError("temperature {i} must be a positive finite number")
    scaled = np.true_divide(np.asarray(z, dtype=np.float64), temperature)
    ceiling = np.nanmax(scaled, axis=axis, keepdims=True)
    ceiling = np.where(np.isneginf(ceiling), 0.0, ceiling)
    weights = np.exp(scaled - ceiling)
    weights[np.isneginf(scaled)] = 0.0
    denominator = np.sum(weights, axis=axis, keepdims=True)
    probabilities = weights / denominator
    probabilities[..., :] = np.clip(probabilities, {i}e-300, 1.0)
    return np.ascontiguousarray(probabilities)
''' for i in range(1, 16)]

#: attack -> the attacker's solution cell, from the victim's source ``v``.
ATTACKS = {
    "alias": lambda v: v.replace("def softmax(", "def _softmax_impl(") + "\nsoftmax = _softmax_impl\n",
    "if_true": lambda v: "if True:\n" + "".join(f"    {line}\n" for line in v.split("\n")),
    "instance": lambda v: v.replace("def softmax(z,", "class _SM:\n    def __call__(self, z,").replace(
        "\n    ", "\n        ").replace("class _SM:\n        def", "class _SM:\n    def") + "\nsoftmax = _SM()\n",
    "class_method": lambda v: v.replace("def softmax(z,", "class Softmax:\n    def forward(self, z,").replace(
        "\n    ", "\n        ").replace("class Softmax:\n        def", "class Softmax:\n    def")
    + "\n\ndef softmax(z, axis=-1, temperature=1.0):\n    return Softmax().forward(z, axis, temperature)\n",
    "decoy_rebound": lambda v: "import numpy as np\n\ndef softmax(z, axis=-1, temperature=1.0):\n    return np.exp(z)\n\n"
    + v.replace("def softmax(", "def _real(") + "\nsoftmax = _real\n",
    "globals": lambda v: v.replace("def softmax(", "def _hidden(") + '\nglobals()["softmax"] = _hidden\n',
    "exec_constant": lambda v: v.replace("def softmax(", "def _hidden(") + '\nexec("softmax = _hidden")\n',
    "decorator": lambda v: "def _swap(f):\n    return _real\n\n" + v.replace("def softmax(", "def _real(")
    + "\n@_swap\ndef softmax(z, axis=-1, temperature=1.0):\n    return z\n",
    "ten_minute_rewrite": lambda v: '''
import numpy as np

def _scale(values, t):
    # divide by the temperature
    return np.true_divide(np.asarray(values, dtype=np.float64), t)

def _top(values, ax):
    top = values.max(axis=ax, keepdims=True)
    return np.where(np.isneginf(top), 0.0, top)

def softmax(z, axis=-1, temperature=1.0):
    unused_debug = 0
    if temperature <= 0 or not np.isfinite(temperature):
        raise ValueError("bad temperature")
    s = _scale(z, temperature)
    w = np.exp(np.subtract(s, _top(s, axis)))
    w[np.isneginf(s)] = 0.0
    norm = np.add.reduce(w, axis=axis, keepdims=True)
    p = np.multiply(w, 1.0 / norm)
    if False:
        print(p)
    p[..., :] = np.clip(p, 1e-300, 1.0)  # keep it positive
    return np.ascontiguousarray(p)
''',
    "row_loop": lambda v: v.replace("def softmax(", "def _one_row(") + '''

def softmax(z, axis=-1, temperature=1.0):
    moved = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    out = np.empty(moved.shape)
    for i in np.ndindex(moved.shape[:-1]):
        out[i] = _one_row(moved[i], -1, temperature)
    return np.moveaxis(out, -1, axis)
''',
}
# issue 83: wrappers of every kind resolve to the code they call (the lambda is the issue's own example)
ATTACKS.update({
    "lambda": lambda v: v.replace("def softmax(", "def _impl(")
    + "\nsoftmax = lambda z, axis=-1, temperature=1.0: _impl(z, axis, temperature)\n",
    "lambda_keywords": lambda v: v.replace("def softmax(", "def _impl(")
    + "\nsoftmax = lambda z, axis=-1, temperature=1.0: _impl(z, axis=axis, temperature=temperature)\n",
    "partial": lambda v: "from functools import partial\n" + v.replace("def softmax(", "def _impl(")
    + "\nsoftmax = partial(_impl, axis=-1)\n",
    "dict_container": lambda v: v.replace("def softmax(", "def _impl(") + '\nIMPLS = {"sm": _impl}\nsoftmax = IMPLS["sm"]\n',
    "list_container": lambda v: v.replace("def softmax(", "def _impl(") + "\nIMPLS = [_impl]\nsoftmax = IMPLS[0]\n",
    "attribute_container": lambda v: v.replace("def softmax(", "def _impl(")
    + "\nclass Box:\n    pass\n\nbox = Box()\nbox.f = _impl\nsoftmax = box.f\n",
    "static_method": lambda v: v.replace("def softmax(z,", "class Ops:\n    @staticmethod\n    def run(z,").replace(
        "\n    ", "\n        ").replace("class Ops:\n        @staticmethod\n        def", "class Ops:\n    @staticmethod\n    def")
    + "\nsoftmax = Ops.run\n",
})
#: Attacks whose copy is graded in a later cell (the decoy after the tests is a notebook-level attack).
LATE_DECOY = "decoy_after_tests"
FRAMED = ["accomplice-1", "accomplice-2", "accomplice-3"]
CHATBOT = [f"chatbot-{i:02d}" for i in range(11)]
CHATBOT_ANSWER = VICTIMS[-1].replace("temperature 15", "temperature (chatbot)")


def _append_cell(folder: Path, student: str, source: str) -> None:
    """A code cell of the student's own at the end of the notebook (after every test cell)."""
    path = folder / student / PS / f"{PS}.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": source})
    path.write_text(json.dumps(nb))


def _background(folder: Path) -> None:
    """The independent versions: INDEPENDENT (written apart, each in a style of its own), the reference."""
    background = list(INDEPENDENT["softmax"]) + [reference_cells(PS)["softmax"]]
    for i, source in enumerate(background):
        _write(folder, f"own-{i:02d}", PS, {"softmax": source})


def _reported(data: dict) -> set:
    reported = {tuple(sorted(p["students"])) for p in data["pairs"] if p["function"] == "softmax"}
    for group in data["groups"]:
        if group["reported"] and group["function"] == "softmax":
            reported |= {tuple(sorted(p)) for p in itertools.combinations(group["students"], 2)}
    return reported


@pytest.fixture(scope="module")
def attacks(tmp_path_factory):
    """Each attack in a class of its own: the independent versions, the victim and the attacker; read by the
    report at its default settings."""
    found = {}
    for attack in [*ATTACKS, LATE_DECOY]:
        root = tmp_path_factory.mktemp(f"attack-{attack}")
        _background(root / "submitted")
        _write(root / "submitted", "victim", PS, {"softmax": VICTIMS[0]})
        if attack == LATE_DECOY:
            _write(root / "submitted", "attacker", PS, {"softmax": VICTIMS[0]})  # graded: the copy
            _append_cell(root / "submitted", "attacker", "def softmax(z, axis=-1, temperature=1.0):\n    return z\n")
        else:
            _write(root / "submitted", "attacker", PS, {"softmax": ATTACKS[attack](VICTIMS[0])})
        similarity_report(root / "submitted", root / "out", workers=1)
        data = json.loads((root / "out" / SIMILARITY_JSON).read_text())
        found[attack] = (data, _reported(data))
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One class through the command line: framing, the chatbot group, what cannot be followed."""
    root = tmp_path_factory.mktemp("redteam-similarity")
    folder = root / "submitted"
    _background(folder)
    _write(folder, "framed-victim", PS, {"softmax": VICTIMS[1]})
    for j, student in enumerate(FRAMED):  # the victim's code as a decoy; graded on an independent version
        own = INDEPENDENT["softmax"][j].replace("def softmax(", "def _mine(")
        _write(folder, student, PS, {"softmax": VICTIMS[1] + "\n" + own + "\nsoftmax = _mine\n"})
    for student in CHATBOT:
        _write(folder, student, PS, {"softmax": CHATBOT_ANSWER})
    # framing without a decoy name: the victim's code in a helper the graded function never calls, and commented out
    own = INDEPENDENT["softmax"][3]
    _write(folder, "framer-unused-helper", PS, {"softmax": VICTIMS[1].replace("def softmax(", "def _unused(") + "\n" + own})
    _write(folder, "framer-commented", PS, {"softmax": "".join(f"# {line}\n" for line in VICTIMS[1].split("\n")) + own})
    _write(folder, "unfollowable-exec", PS, {"softmax": VICTIMS[2].replace("def softmax(", "def _s(")
                                              + '\nexec("soft" + "max = _s")\n'})
    _write(folder, "unfollowable-update", PS, {"softmax": VICTIMS[2] + '\nglobals().update({"x": 1})\n'})
    proc = subprocess.run([sys.executable, "-m", "autograder", "similarity", str(folder), "--out",
                           str(root / "out"), "--workers", "1"], capture_output=True, text=True, timeout=900,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads((root / "out" / SIMILARITY_JSON).read_text())
    return data, _reported(data)


@pytest.mark.parametrize("attack", [*ATTACKS, LATE_DECOY])
def test_a_copy_hidden_this_way_is_reported(attacks, attack):
    data, reported = attacks[attack]
    assert ("attacker", "victim") in reported, (attack, data["pairs"][:3])
    assert not any(n["student"] in ("victim", "attacker") for n in data["not_compared"]), data["not_compared"]


def test_framing_a_victim_with_decoys_reports_nobody(report):
    data, reported = report
    for accomplice in FRAMED + ["framer-unused-helper", "framer-commented"]:
        assert tuple(sorted(("framed-victim", accomplice))) not in reported
    for a, b in itertools.combinations(FRAMED, 2):
        assert tuple(sorted((a, b))) not in reported, "their graded code is their own"


def test_what_cannot_be_followed_is_not_compared_with_the_reason(report):
    data, reported = report
    notes = {(n["student"], n["function"]): n["reason"] for n in data["not_compared"]}
    assert "exec" in notes[("unfollowable-exec", "softmax")]
    assert "globals().update" in notes[("unfollowable-update", "softmax")]
    assert all(reason.startswith("not compared") for (student, _), reason in notes.items()
               if student.startswith("unfollowable"))


def test_eleven_students_who_paste_one_answer_are_one_reported_group(report):
    data, reported = report
    groups = [g for g in data["groups"] if set(CHATBOT) <= set(g["students"])]
    assert len(groups) == 1 and groups[0]["reported"], "a group however large, never hidden"
    assert all(tuple(sorted(p)) in reported for p in itertools.combinations(CHATBOT, 2)), "all 55 pairs"


def test_a_reported_group_is_a_report_of_every_pair_inside_it(report):
    """Issue 83: groups of "near-identical versions" were marked reported and took in different code (10 of 15
    pairs of different ``entropy`` implementations sat inside a reported group): every pair of a group is reported
    on its own evidence now, and nothing else is a group."""
    data, _ = report
    listed = {(p["function"], *sorted(p["students"])) for p in data["pairs"]}
    assert data["groups"], "the eleven who pasted one answer are a group"
    for group in data["groups"]:
        assert group["reported"]
        for a, b in itertools.combinations(sorted(group["students"]), 2):
            assert (group["function"], a, b) in listed, (group["students"], a, b)


def test_students_with_the_same_code_are_not_each_told_nobody_else_wrote_it(report):
    """Issue 84: four students with the same code were each told "nobody else in the class wrote it"."""
    data, _ = report
    chatbot = [p for p in data["pairs"] if set(p["students"]) <= set(CHATBOT)]
    assert len(chatbot) == 55
    assert all("nobody else in the class wrote it" not in p["why"] and "students handed in this version nearly the same" in p["why"]
               for p in chatbot), chatbot[0]["why"]


def test_a_function_whose_versions_cannot_be_told_apart_is_not_informative_and_accuses_nobody(tmp_path):
    """Twelve students write the one-line sigmoid each their own way, four of them the same textbook line: nothing
    is reported, no group of suspects, and the page says the function is not informative here."""
    own = ["return 1 / (1 + np.exp(-z))", "return 1.0 / (1.0 + np.exp(-z))", "return 1 / (np.exp(-z) + 1)",
           "return np.exp(z) / (1 + np.exp(z))", "return 0.5 * (1 + np.tanh(0.5 * z))",
           "return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))",
           "return 1 / (1 + np.exp(-np.clip(z, -500, 500)))", "return np.reciprocal(1 + np.exp(-z))",
           "return 1 / (1 + np.e ** -z)", "return 1 / (1 + np.exp(-z))", "return 1 / (1 + np.exp(-z))",
           "return 1 / (1 + np.exp(-z))"]
    folder = tmp_path / "submitted"
    for i, line in enumerate(own):
        _write(folder, f"s-{i:02d}", "ps4_bernoulli", {"sigmoid": f"import numpy as np\n\ndef sigmoid(z):\n    {line}\n"})
    similarity_report(folder, tmp_path / "out", workers=1)
    data = json.loads((tmp_path / "out" / SIMILARITY_JSON).read_text())
    sigmoid = next(f for f in data["functions"] if f["function"] == "sigmoid")
    assert not [p for p in data["pairs"] if p["function"] == "sigmoid"]
    assert not [g for g in data["groups"] if g["function"] == "sigmoid"]
    assert sigmoid["informative"] is False
    assert "Not informative here" in (tmp_path / "out" / "similarity.html").read_text()


def test_the_report_explains_each_pair(report):
    data, reported = report
    assert all("matched region" in p["why"] and "starter code" in p["why"] and "higher than" in p["why"]
               for p in data["pairs"])


def test_extra_holders_never_lower_a_copy_pairs_score(tmp_path):
    """Alone, then with one to nine more students holding the same copied function (as issue 52's red team
    did: 0.425 with two holders fell to 0.387 with three, and to nothing with eleven)."""
    from autograder.model.course import FUNCTIONS
    from autograder.model.submissions import scan
    from autograder.similarity.corpus import given_code, read_all
    from autograder.similarity.index import compare

    folder = tmp_path / "submitted"
    background = list(INDEPENDENT["softmax"])
    for i, source in enumerate(background):
        _write(folder, f"own-{i:02d}", PS, {"softmax": source})
    _write(folder, "original", PS, {"softmax": VICTIMS[0]})
    _write(folder, "copy", PS, {"softmax": ATTACKS["alias"](VICTIMS[0])})
    for i in range(9):
        _write(folder, f"holder-{i}", PS, {"softmax": ATTACKS["if_true"](VICTIMS[0])})
    given = {PS: given_code(ROOT, PS)}
    entries = [e for e in read_all(scan(folder, FUNCTIONS).submissions, given)[0] if e.function == "softmax"]
    scores = []
    for extra in range(10):
        keep = [e for e in entries if not e.student.startswith("holder-") or int(e.student[-1]) < extra]
        compared = compare(keep, given[PS].hashes)
        names = [e.student for e in compared.entries]
        pair = tuple(sorted((names.index("original"), names.index("copy"))))
        scores.append(compared.scores[pair])
        assert pair in {(p.a, p.b) for p in compared.pairs}, f"reported with {extra} more holder(s)"
    assert all(later >= scores[0] - 1e-9 for later in scores), scores


# -- notebooks built to exhaust the report ------------------------------------------------------------------------

DEEP = "    t0 = " + "-" * 90 + "z\n" + "".join(f"    t{i} = " + "-" * 90 + f"t{i - 1}\n" for i in range(1, 40))
#: 40 chained temporaries of deep unary expressions (a RecursionError stopped the report, and autograde's pages).
CHAINED = "import numpy as np\n\ndef softmax(z, axis=-1, temperature=1.0):\n" + DEEP + "    return t39\n"
#: Quadratic temporaries: each reads the last, in a cell of about 59 KB (622 s before; bounded now).
TERMS = " + ".join(f"z * {k}.5" for k in range(9))
QUADRATIC = "import numpy as np\n\ndef softmax(z, axis=-1, temperature=1.0):\n    t0 = z\n" + "".join(
    f"    t{i} = t{i - 1} * ({TERMS})\n" for i in range(1, 560)) + "    return t559\n"


def test_notebooks_built_to_exhaust_the_report_are_bounded_and_the_report_is_written(tmp_path):
    assert 55_000 < len(QUADRATIC) < 64_000
    folder = tmp_path / "submitted"
    for i, source in enumerate(INDEPENDENT["softmax"]):
        _write(folder, f"own-{i}", PS, {"softmax": source})
    _write(folder, "chained", PS, {"softmax": CHAINED})
    _write(folder, "quadratic", PS, {"softmax": QUADRATIC})
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "autograder", "similarity", str(folder), "--out",
                           str(tmp_path / "out"), "--workers", "1"], capture_output=True, text=True, timeout=600,
                          cwd=ROOT)
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads((tmp_path / "out" / SIMILARITY_JSON).read_text())
    compared = {f["function"]: f["compared"] for f in data["functions"]}
    notes = {n["student"] for n in data["not_compared"]}
    for student in ("chained", "quadratic"):  # compared within the bounds, or not compared with the reason
        assert student in notes or compared["softmax"] >= 5, student
    assert took < 120, f"{took:.0f} s"


@pytest.mark.slow
def test_autograde_with_a_notebook_built_to_exhaust_the_report_writes_every_page(tmp_path):
    """``autograde --similarity``: the report, report.html and every student's feedback.html are written."""
    folder = tmp_path / "submitted"
    _write(folder, "ada", PS, {})  # the release as handed out
    _write(folder, "chained", PS, {"softmax": CHAINED})
    _write(folder, "quadratic", PS, {"softmax": QUADRATIC})
    proc = subprocess.run([sys.executable, "-m", "autograder", "autograde", str(folder), "--out",
                           str(tmp_path / "results"), "--timeout", "10", "--similarity", "--workers", "2"],
                          capture_output=True, text=True, timeout=1200, cwd=ROOT)
    results = tmp_path / "results"
    assert (results / "report.html").is_file(), proc.stderr[-3000:]
    for student in ("ada", "chained", "quadratic"):
        assert (results / student / PS / "feedback.html").is_file(), student
    assert (results / "similarity" / "similarity.html").is_file(), proc.stdout[-2000:]
    assert 'href="similarity/similarity.html"' in (results / "report.html").read_text()



# -- the graded code is the shown code (issue 83, item 6) ----------------------------------------------------------

def test_feedback_and_the_similarity_report_show_the_definition_the_checks_called(tmp_path):
    """A student keeps the template in the solution cell and redefines ``softmax`` in a copy of a test cell placed
    before it: the copy runs (notebook order) and is graded. Feedback, the class report's linked page and the
    similarity report show that definition as what was graded, not the template above it."""
    import copy

    folder = tmp_path / "submitted"
    _background(folder)
    template = "import numpy as np\n\ndef softmax(z, axis=-1, temperature=1.0):\n    raise NotImplementedError\n"
    _write(folder, "redefined", PS, {"softmax": template})
    path = folder / "redefined" / PS / f"{PS}.ipynb"
    nb = json.loads(path.read_text())
    at = next(i for i, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {}).get("grade_id") == "softmax-basic")
    cell = copy.deepcopy(nb["cells"][at])
    cell["source"] = VICTIMS[3]
    nb["cells"].insert(at, cell)
    path.write_text(json.dumps(nb))
    proc = subprocess.run([sys.executable, "-m", "autograder", "autograde", str(folder), "--out",
                           str(tmp_path / "results"), "--similarity", "--workers", "2"],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "results" / "redefined" / PS / "results.json").read_text())
    assert sum(t["score"] for t in result["tests"] if t["name"].startswith("softmax-")) > 0, "the copy was graded"
    shown = result["student_code"]["softmax"]
    assert shown.startswith("# What the checks called") and "np.nanmax(scaled" in shown, shown[:300]
    assert shown.index("np.nanmax(scaled") < shown.index("raise NotImplementedError")
    page = (tmp_path / "results" / "redefined" / PS / "feedback.html").read_text()
    assert "What the checks called" in page and "nanmax" in page
    similar = json.loads((tmp_path / "results" / "similarity" / SIMILARITY_JSON).read_text())
    entries = [f for f in similar["functions"] if f["function"] == "softmax"]
    assert entries and not any(n["student"] == "redefined" and n["function"] == "softmax"
                               for n in similar["not_compared"])
