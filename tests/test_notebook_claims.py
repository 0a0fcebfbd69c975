"""What the notebooks tell students about grading is what the checks do.

Read from the source notebooks and the checks registry, no kernel (fast):

* the opening's points table equals ``autograder/model/course.py`` (the rest of the
  common opening is ``tests/test_notebook_template.py``'s);
* before each function's graded cells, a "What the next … check" paragraph that
  names exactly those cells with their points;
* every tolerance the prose states is the checks' tolerance: the opening's
  default "1e-10 relative", a looser rtol named in the bullet of its cell, and
  the absolute tolerances the "Going further" sections quote;
* what a notebook calls "not graded" is not probed: each item of its opening's
  "Not graded" list, read as a test of a probe (``NOT_GRADED``), matches no probe
  of any graded cell; the ``log1p`` refinements appear only in "Going further
  (not graded)" sections, and ps2 keeps ℓ for log-likelihoods (its logits are z);
* every edge case a cell grades is stated in its notebook (``GRADED_EDGES``: a
  test of the probes that make the case, and the words that state it), and
  every infinity a probe passes is one of those cases.

The numbers the prose quotes from computations are printed by the notebooks'
own lesson cells, checked where the notebooks are executed
(``tests/test_nbgrader_e2e.py`` with ``tests/lesson_claims.py``).
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest

from autograder.checks.by_name import checks_for
from autograder.checks.references import signature
from autograder.model.course import (
    ANSWER_CELLS,
    GRADE_CELLS,
    PROBLEM_SETS,
    ROOT,
    autograded_max_score,
    function_of,
    is_answer_cell,
    max_score,
    source_notebook,
)
from testkit.zoo.checklists import relation_tolerances

#: Every notebook follows the one template (docs/notebooks.md, tests/test_notebook_template.py).
STRUCTURED = PROBLEM_SETS
DEFAULT_RTOL = 1e-10


def cells(ps):
    return nbformat.read(source_notebook(ps), as_version=4).cells


def guide() -> str:
    """The students' guide, where the rules every problem set shares are written once."""
    return (ROOT / "docs" / "students.md").read_text(encoding="utf-8")


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def markdown_sections(ps):
    """(in_going_further, markdown source) for every markdown cell, in order.

    "Going further" runs from its ``## Going further`` heading to the next ``#``/``##`` heading (its own
    ``###`` subsections are inside it).
    """
    out, going_further = [], False
    for cell in cells(ps):
        if cell.cell_type != "markdown":
            continue
        heading = re.match(r"#{1,2}\s+(.*)", cell.source)
        if heading:
            going_further = "going further" in heading.group(1).lower()
        out.append((going_further, cell.source))
    return out


def sci(x: float) -> str:
    """1e-08 -> '1e-8', the way the notebooks write tolerances."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


@pytest.mark.parametrize("ps", STRUCTURED)
def test_the_opening_has_the_course_points(ps):
    opening = cells(ps)[0].source
    table = dict(re.findall(r"`([a-z_]+-[a-z]+)` \((\d+)\)", opening))
    assert {gid: int(p) for gid, p in table.items()} == dict(GRADE_CELLS[ps] + ANSWER_CELLS[ps]), \
        f"{ps}: points table != course.py"
    total = f"**{max_score(ps):g} points**"
    if ANSWER_CELLS[ps]:  # the total says which part a person grades
        hand = max_score(ps) - autograded_max_score(ps)
        total += f": {autograded_max_score(ps):g} autograded, {hand:g} graded by hand"
    assert total in opening, total


@pytest.mark.parametrize("ps", STRUCTURED)
def test_each_group_of_graded_cells_follows_a_paragraph_naming_them(ps):
    nb = cells(ps)
    index = 0
    while index < len(nb):
        meta = nb[index].metadata.get("nbgrader", {})
        if not meta.get("grade") or is_answer_cell(meta):  # an answer cell follows its "Derive it yourself" prompt
            index += 1
            continue
        group = []
        fn = function_of(meta["grade_id"])
        while index + len(group) < len(nb) and nb[index + len(group)].metadata.get("nbgrader", {}).get("grade") \
                and function_of(grade_id(nb[index + len(group)])) == fn:
            group.append(nb[index + len(group)])
        intro = nb[index - 1]
        assert intro.cell_type == "markdown" and intro.source.startswith("**What the next cells check.**"), \
            f"{ps}: no 'What the next cells check' paragraph before {grade_id(group[0])}"
        named = re.findall(r"^- `([a-z_]+-[a-z]+)` \((\d+)\): ", intro.source, re.M)
        assert named == [(grade_id(c), str(c.metadata["nbgrader"]["points"])) for c in group], \
            f"{ps}: the paragraph before {grade_id(group[0])} names {named}"
        index += len(group)


def check_bullets(ps):
    """grade_id -> the text of its bullet in a "What the next cells check" paragraph."""
    return {gid: text for _, source in markdown_sections(ps)
            for gid, text in re.findall(r"^- `([a-z_]+-[a-z]+)` \(\d+\): (.*)$", source, re.M)}


@pytest.mark.parametrize("ps", STRUCTURED)
def test_stated_relative_tolerances_are_the_checks(ps):
    assert "to\n  1e-10 relative unless its line in the list says otherwise" in guide()
    bullets = check_bullets(ps)
    for check in checks_for(ps).values():
        if not check.compare_values:   # purity: judged on that property, values belong to the other cells
            assert "values are not judged" in bullets[check.grade_id], check.grade_id
            continue
        if check.rtol != DEFAULT_RTOL and check.compares_with_reference:
            assert f"{sci(check.rtol)} relative" in bullets[check.grade_id], \
                f"{check.grade_id} compares at rtol {check.rtol:g}; its description must say so"
        probe_rtols = {p.rtol for p in check.probes if p.rtol is not None and p.expect == "value"}
        probe_rtols |= relation_tolerances(check)[0] - {DEFAULT_RTOL}   # what a relation cell compares with
        for rtol in probe_rtols:
            assert f"{sci(rtol)} relative" in bullets[check.grade_id], \
                f"{check.grade_id} compares some inputs at rtol {rtol:g}; its description must say so"
        for rtol in set(re.findall(r"(\de-\d+) relative", bullets[check.grade_id])):
            assert float(rtol) in {check.rtol, *probe_rtols}, \
                f"{check.grade_id}: the notebook says {rtol}, the check uses {check.rtol:g}"


@pytest.mark.parametrize("ps", STRUCTURED)
def test_stated_absolute_tolerances_are_the_checks(ps):
    """A check that also accepts an absolute error says so, with the number, in its bullet; the opening
    says that such a value passes within either tolerance. (Purity cells compare no values.)"""
    assert "a value\n  passes when it is within either one" in guide()
    bullets = check_bullets(ps)
    for check in checks_for(ps).values():
        if not check.compare_values:
            continue
        atols = {p.atol for p in check.probes if p.atol and p.expect == "value"}
        if check.atol and any(p.atol is None for p in check.probes if p.expect == "value"):
            atols.add(check.atol)
        atols |= relation_tolerances(check)[1]
        for atol in atols:
            assert f"{sci(atol)} absolute" in bullets[check.grade_id], \
                f"{check.grade_id} accepts an absolute error of {atol:g}; its description must say so"
        for atol in set(re.findall(r"(\de-\d+) absolute", bullets[check.grade_id])):
            assert float(atol) in {float(sci(a)) for a in atols}, f"{check.grade_id}: the notebook says {atol} absolute"


@pytest.mark.parametrize("ps, functions, atol_text", [
    ("ps1_softmax", ("logsumexp", "log_softmax"), "within $10^{-12}$ absolute"),
    ("ps2_cross_entropy", ("cross_entropy",), "absolute error of at least $10^{-14}$"),
])
def test_the_log1p_refinement_is_not_needed_for_any_point(ps, functions, atol_text):
    """The "Going further" sections say the plain log earns every point: the checks' absolute tolerance
    they quote is the smallest one of those functions, and well above the 1.1e-16 the refinement changes."""
    going_further = " ".join("\n".join(src for gf, src in markdown_sections(ps) if gf).split())
    assert atol_text in going_further
    quoted = float("1e" + re.search(r"10\^\{(-\d+)\}", atol_text).group(1))
    # -errors cells judge raising; their valid-input probes only confirm ordinary values
    atols = [c.atol for c in checks_for(ps).values() if c.function in functions and not c.grade_id.endswith("-errors")]
    assert min(atols) == quoted
    assert quoted >= 10 * np.finfo(float).eps   # what log(1 + s) loses against log1p(s) is below eps / 2


@pytest.mark.parametrize("ps", ("ps1_softmax", "ps2_cross_entropy"))
def test_log1p_appears_only_in_going_further(ps):
    for going_further, source in markdown_sections(ps):
        if "log1p" in source:
            assert going_further, f"{ps}: a core section asks for log1p, which no check grades:\n{source[:200]}"


# ---------------------------------------------------------------- "Not graded" and the graded edge cases
def not_graded(ps) -> list:
    """The items of the opening's "Not graded: …" sentence (commas inside parentheses do not split)."""
    sentence = re.search(r"Not graded: (.*?)\. The derivation", cells(ps)[0].source).group(1)
    items, depth, start = [], 0, 0
    for i, ch in enumerate(sentence):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            items.append(sentence[start:i].strip())
            start = i + 1
    return items + [sentence[start:].strip()]


def _values(probe):
    """Every argument of a probe as a float array (the ones that are numbers)."""
    out = []
    for value in list(probe.args) + list(probe.kwargs.values()):
        try:
            out.append(np.asarray(value, dtype=float))
        except (TypeError, ValueError):
            continue
    return out


def _named(check, probe, prefix):
    """The probe's arguments whose parameter name starts with ``prefix`` (``sigma`` → sigma, sigma1, sigma2)."""
    params = list(signature(check.function).parameters)
    bound = dict(zip(params, probe.args)) | dict(probe.kwargs)
    return [np.asarray(v, dtype=float) for k, v in bound.items() if k.startswith(prefix)]


def _other_than(check, probe, name):
    """The probe's arguments but the one of parameter ``name``, as float arrays (those that are numbers)."""
    params = list(signature(check.function).parameters)
    bound = dict(zip(params, probe.args)) | dict(probe.kwargs)
    out = []
    for key, value in bound.items():
        try:
            out += [] if key == name else [np.asarray(value, dtype=float)]
        except (TypeError, ValueError):
            continue
    return out


def _slice_of_only_neg_inf(check, probe):
    z = np.asarray(probe.args[0], dtype=float)
    axis = probe.kwargs.get("axis", -1)
    return z.ndim > 0 and z.size > 0 and bool(np.any(np.all(np.isneginf(z), axis=axis)))


def _not_spd(c):
    c = np.asarray(c, dtype=float)
    return c.ndim == 2 and (not np.allclose(c, c.T) or np.linalg.eigvalsh((c + c.T) / 2).min() <= 0)


#: What each item of a notebook's "Not graded" list means, as a test of one probe of a check: no graded cell may
#: have a probe it matches. A new item needs its entry here (the test fails on an item it does not know).
NOT_GRADED = {
    "`+inf` or `nan` in an input": lambda c, p: any(np.any(np.isposinf(v) | np.isnan(v)) for v in _values(p)),
    "`nan` in an input": lambda c, p: any(np.any(np.isnan(v)) for v in _values(p)),
    "`+inf` other than `prior_std = inf` (which gives least squares, graded)":
        lambda c, p: any(np.any(np.isposinf(v)) for v in _other_than(c, p, "prior_std")),
    "empty arrays": lambda c, p: any(v.ndim > 0 and v.size == 0 for v in _values(p)),
    "a `softmax` or `log_softmax` slice of only `-inf` (a `logsumexp` slice of only `-inf` is graded: it gives "
    "`-inf`)": lambda c, p: c.function in ("softmax", "log_softmax") and _slice_of_only_neg_inf(c, p),
    "`-inf` logits": lambda c, p: c.function.startswith("cross_entropy") and bool(np.any(np.isneginf(_values(p)[0]))),
    "class indices given as floats": lambda c, p: (np.ndim(p.args[1]) == 1
                                                   and not np.issubdtype(np.asarray(p.args[1]).dtype, np.integer)),
    "`sigma` ≤ 0": lambda c, p: any(np.any(v <= 0) for v in _named(c, p, "sigma")) or (
        p.expect == "raises" and bool(_named(c, p, "sigma"))),
    "covariances that are not symmetric positive definite": lambda c, p: any(_not_spd(v) for v in _named(c, p, "cov")),
    "inputs of different shapes": lambda c, p: (
        c.function in ("bernoulli_log_pmf", "binary_cross_entropy", "binary_cross_entropy_with_logits")
        and len(p.args) >= 2 and np.shape(p.args[0]) != np.shape(p.args[1])),
    # The -errors cells judge the exception's type only (evaluate.judge), never its message: no probe can tell
    # which bad slice a message names.
    "which bad slice is reported first": lambda c, p: False,
}


@pytest.mark.parametrize("ps", STRUCTURED)
def test_what_a_notebook_calls_not_graded_is_in_no_graded_cell(ps):
    items = not_graded(ps)
    unknown = [item for item in items if item not in NOT_GRADED]
    assert not unknown, f"{ps}: say in NOT_GRADED what these mean for a probe: {unknown}"
    for check in checks_for(ps).values():
        for probe in check.probes:
            for item in items:
                assert not NOT_GRADED[item](check, probe), \
                    f"{ps} says {item!r} is not graded, but {check.grade_id} probes {probe.label!r}"


def test_the_not_graded_items_mean_something():
    """Each item's test recognises the input it names (a test that matches nothing would pass any notebook)."""
    softmax = checks_for("ps1_softmax")["softmax-basic"]
    pdf = checks_for("ps3_gaussian")["gaussian_log_pdf-basic"]
    ce = checks_for("ps2_cross_entropy")["cross_entropy-basic"]
    kl = checks_for("ps5_gaussian_kl")["mvn_kl-basic"]
    bernoulli = checks_for("ps4_bernoulli")["bernoulli_log_pmf-basic"]
    bare = type(softmax.probes[0])
    cases = [
        ("`+inf` or `nan` in an input", softmax, bare("x", (np.array([1.0, np.nan]),))),
        ("`nan` in an input", softmax, bare("x", (np.array([np.nan]),))),
        ("empty arrays", softmax, bare("x", (np.zeros(0),))),
        ("a `softmax` or `log_softmax` slice of only `-inf` (a `logsumexp` slice of only `-inf` is graded: it gives "
         "`-inf`)", softmax, bare("x", (np.array([[-np.inf, -np.inf], [0.0, 1.0]]),))),
        ("`-inf` logits", ce, bare("x", (np.array([[-np.inf, 0.0]]), np.array([1])))),
        ("class indices given as floats", ce, bare("x", (np.zeros((2, 3)), np.array([0.0, 2.0])))),
        ("`sigma` ≤ 0", pdf, bare("x", (0.0, 0.0, -1.0))),
        ("inputs of different shapes", bernoulli,
         bare("x", (np.array([[0.0], [1.0]]), np.array([0.2, 0.5, 0.9])))),
        ("covariances that are not symmetric positive definite", kl,
         bare("x", (np.zeros(2), np.eye(2), np.zeros(2), -np.eye(2)))),
    ]
    for item, check, probe in cases:
        assert NOT_GRADED[item](check, probe), item


def test_the_old_ps1_claim_would_be_refused():
    """Issue 50: ps1's opening said "Not graded: … a slice of only -inf" while logsumexp-stability grades exactly
    that (the contract: a slice that is all −inf gives −inf). Read as a test, the old claim meets that probe."""
    old_claim = lambda check, probe: _slice_of_only_neg_inf(check, probe)  # noqa: E731 — the old item, any function
    hits = [(gid, p.label) for gid, c in checks_for("ps1_softmax").items() for p in c.probes if old_claim(c, p)]
    assert hits and {gid for gid, _ in hits} == {"logsumexp-stability"}, hits
    assert "a slice of only `-inf`." not in cells("ps1_softmax")[0].source


def markdown_text(ps) -> str:
    """The notebook's markdown outside its "Going further" sections: what a student is told is graded."""
    return "\n".join(src for going_further, src in markdown_sections(ps) if not going_further)


def _has(pred):
    return lambda c, p: any(bool(np.any(pred(v))) for v in _values(p))


#: The edge cases the checks grade, each with where its notebook states it: (problem set, the case, a test of one
#: probe of a check, a pattern of the notebook's markdown that states the case).
GRADED_EDGES = [
    ("ps1_softmax", "a logsumexp slice of only -inf", lambda c, p: c.function == "logsumexp" and
     _slice_of_only_neg_inf(c, p), r"(?i)a slice of \*?only\*? `-inf` gives `-inf`"),
    ("ps1_softmax", "-inf entries", _has(np.isneginf), r"`-inf` entries are masks"),
    ("ps1_softmax", "logits of magnitude 1e300", _has(lambda v: np.abs(v[np.isfinite(v)]) >= 1e300),
     r"\\pm 10\^\{300\}"),
    ("ps2_cross_entropy", "logits of magnitude 1e4", _has(lambda v: np.abs(v[np.isfinite(v)]) >= 1e4),
     r"\\pm 10\^4"),
    ("ps4_bernoulli", "probabilities of exactly 0 or 1",
     lambda c, p: c.function in ("bernoulli_log_pmf", "binary_cross_entropy") and bool(np.any(np.isin(
         np.asarray(p.args[1] if c.function == "bernoulli_log_pmf" else p.args[0], dtype=float), (0.0, 1.0)))),
     r"[Pp]redictions of exactly 0 or 1|\$x = p = 1\$"),
    ("ps4_bernoulli", "logits of magnitude 1e4", lambda c, p: c.function == "binary_cross_entropy_with_logits"
     and bool(np.any(np.abs(np.asarray(p.args[0], dtype=float)) >= 1e4)), r"\$\|z\|\$ up to \$10\^4\$"),
    ("ps5_gaussian_kl", "equal arguments", lambda c, p: c.function == "gaussian_kl" and len(p.args) == 4 and
     np.array_equal(*np.broadcast_arrays(p.args[0], p.args[2])) and
     np.array_equal(*np.broadcast_arrays(p.args[1], p.args[3])), r"Equal arguments must give 0, up to rounding"),
    ("ps6_information", "a one-hot slice", lambda c, p: c.function == "entropy" and bool(np.any(np.isclose(
        np.max(np.asarray(p.args[0], dtype=float), axis=-1), 1.0, rtol=0, atol=0))),
     r"a one-hot slice gives exactly 0"),
    ("ps6_information", "q = 0 where p > 0", lambda c, p: c.function == "kl_divergence" and bool(np.any(
        (np.asarray(p.args[0], dtype=float) > 0) & (np.asarray(p.args[1], dtype=float) == 0))),
     r"\$q_i = 0\$ gives `inf`"),
    ("ps6_information", "-inf log priors and log-likelihoods", _has(np.isneginf),
     r"`-inf` means impossible.*`-inf` means the observation is impossible"),
    ("ps6_information", "prior_std = inf", _has(np.isposinf), r"`prior_std = np\.inf`\s+gives least squares"),
]


@pytest.mark.parametrize("ps, case, probed, stated", GRADED_EDGES, ids=[f"{ps}-{case}" for ps, case, _, _ in
                                                                        GRADED_EDGES])
def test_every_graded_edge_case_is_stated_in_its_notebook(ps, case, probed, stated):
    assert any(probed(check, probe) for check in checks_for(ps).values() for probe in check.probes), \
        f"{ps}: no check probes {case} any more: drop it from GRADED_EDGES"
    assert re.search(stated, markdown_text(ps), re.S), f"{ps} grades {case} but its notebook does not say so"


def test_every_infinity_a_check_passes_is_a_stated_edge_case():
    """A probe with an infinity in it is one of the edge cases above (no graded infinity goes unstated)."""
    cases = {ps: [probed for p, _, probed, _ in GRADED_EDGES if p == ps] for ps in STRUCTURED}
    for ps in STRUCTURED:
        for check in checks_for(ps).values():
            for probe in check.probes:
                if any(np.any(np.isinf(v)) for v in _values(probe)):
                    assert any(probed(check, probe) for probed in cases[ps]), \
                        f"{check.grade_id} probes {probe.label!r}, an infinity no GRADED_EDGES entry names"



def test_ps2_writes_logits_as_z():
    for cell in cells("ps2_cross_entropy"):
        if cell.cell_type == "markdown" or grade_id(cell).startswith(("fig-", "demo-")) or \
                cell.metadata.get("nbgrader", {}).get("solution"):
            text = cell.source.split("### BEGIN SOLUTION")[0]
            text = text.replace("| $\\ell$ | a log-likelihood, and nothing else |", "")   # the notation table
            assert "ℓ" not in text and "\\ell" not in text, f"ps2 {grade_id(cell)}: ℓ is for log-likelihoods"


@pytest.mark.parametrize("ps", STRUCTURED)
def test_the_shared_grading_rules_are_the_contracts(ps):
    """The rules of docs/contract.md ("How the hidden checks read a submission") in one wording everywhere:
    a mistake costs points once, error cells need working code and grade exactly the contract's ValueErrors,
    every function has one purity point, graded top to bottom (the submission rules), going further is not
    graded."""
    contract = (ROOT / "docs" / "contract.md").read_text()
    for rule in ("**A mistake costs points once.**", "**Error handling needs working code.**", "**Top to bottom.**",
                 "**One policy for errors and purity.**"):
        assert rule in contract, f"docs/contract.md no longer states {rule}; update the notebooks' shared bullets"
    rules = guide()
    for bullet in ("- **Points cell by cell.**", "so partial credit follows what works",
                   "- A mistake costs points once: when your function calls another function the",
                   "**Going further (not graded)** sections are for the curious:\n  nothing in them is checked."):
        assert bullet in rules, f"docs/students.md lacks the shared rule {bullet!r}"
    errors_rule = ("- **Errors:** each `ValueError` the course's contract names has an `-errors` cell (1 point), "
                   "earned only\n  if the function also computes results.")
    assert errors_rule in rules, "docs/students.md states the one -errors rule"
    assert "- **Purity:** every function has a `-purity` cell (1 point)" in rules
    assert "[the students' guide, *How it is graded*](../../docs/students.md#how-it-is-graded)" in cells(ps)[0].source
