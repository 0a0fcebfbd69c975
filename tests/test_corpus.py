"""The real-code corpus's machinery (``testkit/corpus/``), on the specimens written here.

The corpus itself is other people's code, taken from public repositories, so it is never committed: a developer
keeps it on their machine (``testkit/corpus/specimens/``, ignored by git) and grades it with
``python -m testkit.corpus.grade``, which reports every specimen graded otherwise than its label says
(testkit/corpus/README.md; docs/changelog.md has each run's figures). What the repository holds, and these
tests run, is the machinery that labels a specimen with the independent reference (``testkit/corpus/oracle.py``:
SciPy, NumPy and mpmath against the contract, never the product's ``solutions/``), hands it in as a notebook and
grades it with the real engine, and compares: on ``testkit/corpus/fixtures/``, specimens written here in the same
format (correct ones, and broken ones whose mistakes real code showed). A correct specimen must earn every
autograded point; a broken one must lose points in its own function's cells only, keep its purity cell unless it
changes an input, and get a hint that names its mistake.
"""

from __future__ import annotations

import dataclasses
import subprocess

import pytest

from testkit.corpus import check, grade, load, oracle

FIXTURES = load.fixtures()


def test_the_fixtures_are_written_here_and_cover_both_labels():
    assert len(FIXTURES) >= 5 and len({s.problem_set for s in FIXTURES}) >= 4, [s.id for s in FIXTURES]
    assert any(s.correct for s in FIXTURES) and any(not s.correct for s in FIXTURES)
    for s in FIXTURES:
        assert s.repo == load.WRITTEN_HERE and s.url == "-", f"{s.id}: a fixture is code written here"
        assert (load.HERE.parents[1] / s.path).is_file(), f"{s.id}: path {s.path} is not the fixture's own file"


def test_no_code_from_another_repository_is_committed():
    """Every specimen the repository holds is one written here: real code (the corpus's, the similarity
    benchmark's, and copies by hand of it) stays on a developer's machine."""
    root = load.HERE.parents[1]
    tracked = subprocess.run(["git", "ls-files", "testkit/corpus", "testkit/realcode"], cwd=root,
                             capture_output=True, text=True, check=False)
    if tracked.returncode != 0:
        pytest.skip(f"not a git checkout (git ls-files: {tracked.stderr.strip()[:200]})")
    texts = [p for p in tracked.stdout.split() if p.endswith(load.SUFFIX)]
    assert any(p.startswith("testkit/corpus/fixtures/") for p in texts), "the corpus's fixtures are not committed"
    foreign = [p for p in texts if not p.startswith(("testkit/corpus/fixtures/", "testkit/realcode/heldout/",
                                                     "testkit/realcode/tuning/"))]
    assert not foreign, f"committed specimens of other people's code: {foreign}"
    of_real_code = [p for p in texts if p.startswith("testkit/realcode/")
                    and "# original: realcode:" in (root / p).read_text(encoding="utf-8")]
    assert not of_real_code, f"committed copies of other people's code: {of_real_code}"


def test_a_header_that_names_no_source_is_refused():
    text = (load.FIXTURES / "ps5_gaussian_kl" / "vae_kl-no-half.py.txt").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="is not owner/name"):
        load.parse(text.replace("# repo: here", "# repo: nowhere"), "f.py.txt")
    with pytest.raises(ValueError, match="lacks url"):
        load.parse(text.replace("# url: -\n", ""), "f.py.txt")


@pytest.mark.parametrize("specimen", FIXTURES, ids=[s.id for s in FIXTURES])
def test_label_is_the_independent_references(specimen):
    assert check.disagreement(specimen) == ""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade.grade_all(FIXTURES, tmp_path_factory.mktemp("corpus"))


def test_grades_agree_with_labels(graded):
    found = {s.id: grade.misgrading(s, graded[s.id]) for s in FIXTURES}
    assert not {k: v for k, v in found.items() if v}


def _values_only():
    """A broken fixture whose only wrong property is its values."""
    return next(s for s in FIXTURES if not s.correct and set(s.broken) == {"values"})


def test_a_lost_cell_that_no_wrong_property_explains_is_a_misgrading():
    """The corpus's check of over-docking: a specimen whose only wrong property is its values keeps its shape cell;
    losing it is reported with the cell's message (and losing its basic cell, which values explain, is not)."""
    specimen = _values_only()
    fn = specimen.function
    cells = {f"{fn}-basic": grade.Cell(f"{fn}-basic", 0.0, 4.0, "values differ", specimen.hint.split("|")[0]),
             f"{fn}-shape": grade.Cell(f"{fn}-shape", 0.0, 1.0, "expected one number", "")}
    found = grade.misgrading(specimen, cells)
    assert found.startswith(f"{fn}-shape lost, but no property it judges is wrong (broken: values)"), found
    assert grade.misgrading(specimen, {k: v for k, v in cells.items() if k.endswith("-basic")}) == ""
    assert grade.explained_by("vae_kl-batch") == {"values", "shape"} and grade.explained_by("softmax-axis") == {"axis"}


def test_every_hint_on_a_broken_specimen_must_name_one_of_its_mistakes():
    """One hint that names the mistake does not excuse another cell's hint that names a mistake the specimen lacks."""
    specimen = _values_only()
    fn, named = specimen.function, specimen.hint.split("|")[0]
    right = grade.Cell(f"{fn}-basic", 0.0, 4.0, "values differ", named)
    wrong = grade.Cell(f"{fn}-purity", 0.0, 1.0, "an input changed", "The function writes into its argument.")
    assert grade.misgrading(specimen, {right.grade_id: right}) == ""
    found = grade.misgrading(specimen, {right.grade_id: right, wrong.grade_id: wrong})
    assert found == f"a hint names no mistake of the specimen: {fn}-purity: The function writes into its argument.", found


def test_a_hint_that_points_at_the_value_cells_names_no_mistake_and_is_not_held_to_the_pattern():
    """A purity cell whose calls all raised says so and sends the student to the cells that compare values: its hint
    names no mistake by design, so a specimen's pattern is not asked of it (it was, and two real ones failed it)."""
    specimen = _values_only()
    fn, named = specimen.function, specimen.hint.split("|")[0]
    [pointer] = grade.POINTERS
    right = grade.Cell(f"{fn}-basic", 0.0, 4.0, "values differ", named)
    purity = grade.Cell(f"{fn}-purity", 0.0, 1.0, "every call here raised (ValueError)", pointer)
    assert "the cells that compare values" in pointer
    assert grade.misgrading(specimen, {right.grade_id: right, purity.grade_id: purity}) == ""


def test_without_a_hint_only_what_happened_may_name_the_mistake_not_the_cells_summary():
    """Every message of a cell opens with the property it judges ("…: log Σ exp(z) over the last axis …. Failed on
    …"): a specimen's pattern found only there named no mistake, and let real code with no hint pass the check."""
    specimen = _values_only()
    fn, named = specimen.function, specimen.hint.split("|")[0]
    said = grade.Cell(f"{fn}-basic", 0.0, 4.0, f"{fn}: the {named} of the input. Failed on [1, 2]: got 3.", "")
    assert grade.misgrading(specimen, {said.grade_id: said}).startswith("no hint, and no message names the mistake")
    told = grade.Cell(f"{fn}-basic", 0.0, 4.0, f"{fn}: the input's value. Failed on [1, 2]: {named} seen.", "")
    assert grade.misgrading(specimen, {told.grade_id: told}) == ""


def test_a_forbidden_use_that_keeps_a_cell_is_a_misgrading():
    """docs/contract.md: a function that uses a forbidden library function earns none of its own points, so a
    specimen labelled ``forbidden`` that keeps a cell of its own is misgraded (a corpus round found this unchecked)."""
    specimen = dataclasses.replace(_values_only(), broken=("values", "forbidden"))
    fn, named = specimen.function, specimen.hint.split("|")[0]
    basic = grade.Cell(f"{fn}-basic", 0.0, 4.0, "values differ", named)
    shape = grade.Cell(f"{fn}-shape", 1.0, 1.0, "", "")
    assert grade.misgrading(specimen, {basic.grade_id: basic}) == ""
    found = grade.misgrading(specimen, {basic.grade_id: basic, shape.grade_id: shape})
    assert found == f"{fn}-shape kept its points, though the function uses a forbidden library function", found


@pytest.mark.parametrize("source, found", [
    ("from scipy.stats import entropy\nimport numpy as np\ndef kl(p, q):\n    return np.sum(p * np.log(p / q))\n", []),
    ("from scipy.stats import entropy\ndef kl(p, q):\n    return entropy(p, q)\n", ["entropy"]),
    ("from scipy.special import rel_entr as re_\ndef kl(p, q):\n    return re_(p, q).sum()\n", ["rel_entr"]),
    ("from scipy import stats\ndef kl(p, q):\n    return stats.entropy(p, q)\n", ["entropy"]),
    ("import scipy.special as sp\ndef kl(p, q):\n    return sp.kl_div(p, q).sum()\n", ["kl_div"]),
    ("def kl(p, q):\n    'not scipy.stats.entropy'\n    return p  # scipy.stats.entropy\n", []),
])
def test_the_reference_counts_a_forbidden_function_used_not_one_imported_and_left_unused(source, found):
    """An import nothing uses is not a use (docs/contract.md: a function that *uses* one earns none of its points);
    the engine reads it so, and a real specimen's unused `from scipy.stats import entropy` was labelled otherwise."""
    assert oracle.forbidden(source, "ps6_information") == found


def test_a_correct_specimen_that_loses_a_cell_is_a_misgrading():
    specimen = next(s for s in FIXTURES if s.correct)
    cell = grade.Cell(f"{specimen.function}-basic", 1.0, 4.0, "values differ", "")
    assert grade.misgrading(specimen, {cell.grade_id: cell}).startswith(f"{specimen.function}-basic lost 3: ")


def test_a_callee_in_the_callers_own_cell_runs_as_written(graded):
    """A log_softmax that comes with a logsumexp of its own, over the whole array, in the same cell (real code does:
    genlm/llamppl's): that is the log_softmax's own code, not another answer to carry forward (docs/contract.md, "A
    mistake costs points once"), so it runs as written: no lost cell says a callee was answered, and none raised (as
    the reference, which runs it as written, finds: wrong values, no axis). Carried calls' notes:
    tests/test_engine_order.py."""
    cells = graded["log_softmax-own-whole-array-logsumexp"]
    lost = [c for c in cells.values() if c.lost]
    assert lost and not any("answered by a correct" in c.message or "raised" in c.message for c in lost), \
        [c.message for c in lost]


def test_the_command_grades_a_folder_and_says_what_it_found(tmp_path, capsys):
    """``python -m testkit.corpus.grade``, a developer's way to grade their copy of the real code, on two fixtures."""
    assert grade.main(["--folder", str(load.FIXTURES), "softmax-row-loop", "vae_kl-no-half"]) == 0
    assert "2 specimens from 1 repositories (1 correct): 0 graded otherwise than labelled" in capsys.readouterr().out
    assert grade.main(["--folder", str(tmp_path)]) == 1
    assert "no specimen under" in capsys.readouterr().out


def _raises_for_everything(*args, **kwargs):
    raise ValueError("every argument is bad")


@pytest.mark.parametrize("function", [f for f in oracle.PROBES
                                      if any(prop == "errors" for prop, _ in oracle.PROBES[f](_raises_for_everything))])
def test_a_function_that_raises_for_everything_is_wrong_in_errors(function):
    """`errors` is the contract's ValueErrors *and* a valid input that gives a result (testkit/corpus/README.md;
    docs/contract.md, "Error handling needs working code"), as the engine grades it: a function that raises
    ValueError on every input, valid ones included, has the property wrong for every function with such probes."""
    assert "errors" in oracle.judge(function, _raises_for_everything)
