"""One template for the six problem sets, checked on the source and release notebooks.

``docs/notebooks.md`` describes the template; this module is its guarantee:

* the opening: title, stated working time (the estimate of ``tests/test_load.py``), the same sections in
  the same order, the shared grading sentences and the link to the students' guide, where the rules every
  set shares are written once (one policy for ``-purity`` and ``-errors`` cells, the contract's; the
  submission rules; the layout), and a notation table whose rows come from one course glossary;
* the cells: ``title``, the set-up cell ``self-check`` (written by the release), ``imports``, then for each
  function, in the
  contract's order, ``### Your turn: `fn``` right before its solution cell, a ``checks-<fn>`` list,
  and its graded cells; lesson and tasks interleaved (no task waits behind more than
  :data:`LESSON_BEFORE_TASK` words of lesson); numbered sections ending with "Put it to work" (with its
  "In practice" box), then "Going further (not graded)" and "What to remember"; a training cell's data in
  a collapsed data cell right before it;
* the core path (every markdown word outside "Going further", except tables and the "What the next
  cells check" lists) is at most :data:`CORE_WORDS` words per set;
* no lesson cell computes a graded function (``tests/giveaway.py``), and every lesson cell runs on the
  release template, saying in one line when it needs a function that is still the template.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from autograder.checks.by_name import checks_for
from autograder.model.course import (
    FUNCTIONS,
    GRADE_CELLS,
    PROBLEM_SETS,
    ROOT,
    SELF_CHECK_CELL,
    is_answer_cell,
    is_data_cell,
    release_notebook,
    source_notebook,
)
from autograder.release import inline
from tests import giveaway

#: At most this many words of lesson (markdown, tables aside) stand between one task and the next.
LESSON_BEFORE_TASK = 700
#: At most this many core-path words per problem set (see core_words).
CORE_WORDS = 2000
OPENING_SECTIONS = ("### What you will learn", "### What you will implement", "### How it is graded",
                    "### What you may use", "### How to submit", "### Notation")
#: What every opening's "How it is graded" says in the same words, and its link to the rules in full.
SHARED_GRADING = (
    "Each test cell earns its points on its own: `-basic` cells compare your values with a reference, the\n"
    "others compare your function with itself, and a `-purity` cell (1 point) asks for lists accepted, inputs\n"
    "unchanged and no `RuntimeWarning`.",
    "The derivation is graded by hand.",
    "All the rules: [the students' guide, *How it is graded*](../../docs/students.md#how-it-is-graded).",
)
#: The rules every problem set shares, written once in the students' guide (docs/students.md).
GUIDE_RULES = (
    "- **Points cell by cell.**",
    "A `-basic` cell compares your values with a reference solution, to\n  1e-10 relative unless its line in the list "
    "says otherwise (given an absolute tolerance too, a value\n  passes when it is within either one).",
    "- **Purity:** every function has a `-purity` cell (1 point): it accepts lists, leaves its inputs\n  unchanged "
    "and raises no `RuntimeWarning` on ordinary input. A wrong value does not cost this point.",
    "- **Errors:** each `ValueError` the course's contract names has an `-errors` cell (1 point), earned only\n  if "
    "the function also computes results. Other `ValueError`s are good practice, not graded.",
    "- A mistake costs points once:",
    "not attempted",
    "**Going further (not graded)** sections are for the curious:\n  nothing in them is checked.",
    "Kernel → Restart & Run All",
    "do not delete, split or reorder the\n  given cells",
)
SUBMISSION = "Run the notebook from the top (Kernel → Restart & Run All), then hand it in alone, still named `{ps}.ipynb`."

#: The course's notation: a symbol means the same thing, in the same words, in every set that uses it.
GLOSSARY = {
    "$x$": "an input or an observation",
    "$z$": "logits: the real-valued scores a network outputs, before a softmax or a sigmoid",
    "$T$": "a temperature",
    "$p$": "probabilities",
    "$q$": "a second distribution, compared with $p$",
    "$t$": "a target distribution: a probability row, one-hot or soft",
    "$y$": "what the model should predict: a class index, a 0/1 label or a real number",
    "$\\ell$": "a log-likelihood, and nothing else",
    "$\\sigma$": "a standard deviation, never a variance",
    "$\\sigma(z)$": "the sigmoid $1/(1 + e^{-z})$",
    "$\\mu$, $\\Sigma$": "a mean and a covariance matrix",
    "$P$, $Q$": "two distributions, with densities $p$ and $q$",
    "$h$": "a VAE's latent code",
    "$w$, $\\lambda$": "regression weights, and the weight of their L2 penalty",
    "$N$": "the number of examples or observations",
    "$C$": "the number of classes",
    "$K$": "the number of outcomes, hypotheses or latent dimensions",
    "$D$": "the number of dimensions",
    "nats": "the unit of every log here: all logarithms are natural",
}


def cells(ps):
    return nbformat.read(source_notebook(ps), as_version=4).cells


def gid(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def prose_words(text: str) -> int:
    """Words of markdown, tables left out (a table row starts with ``|``)."""
    return len(" ".join(line for line in text.splitlines() if not line.lstrip().startswith("|")).split())


def core_words(ps) -> int:
    """Core-path words: every markdown cell outside "Going further", tables and check lists left out.

    Going further runs from its ``## Going further`` heading to the next ``##`` heading. The "What the next
    cells check" lists are reference, generated from the grading (and will be); they do not count. Nor do the
    answer cells of "Derive it yourself": the student writes them (the source holds the instructor's model
    answer, the release ``YOUR ANSWER HERE``).
    """
    total, going_further = 0, False
    for cell in cells(ps):
        if cell.cell_type != "markdown" or is_answer_cell(cell.metadata.get("nbgrader", {})):
            continue
        heading = re.match(r"##\s+(.*)", cell.source)
        if heading:
            going_further = "going further" in heading.group(1).lower()
        if not going_further and not cell.source.startswith("**What the next cells check.**"):
            total += prose_words(cell.source)
    return total


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_opening_is_the_templates(ps):
    opening = cells(ps)[0].source
    number = PROBLEM_SETS.index(ps) + 1
    assert re.match(rf"# Problem set {number} — \S", opening), f"{ps}: the first line is '# Problem set {number} — …'"
    assert re.search(r"^\*\*Working time:\*\* about \d(½|¼|¾)? hours?: ", opening, re.M), \
        f"{ps}: the opening states '**Working time:** about N hours: …' (the estimate: tests/test_load.py)"
    positions = [opening.find(section) for section in OPENING_SECTIONS]
    assert -1 not in positions and positions == sorted(positions), f"{ps}: the opening's sections, in order: {OPENING_SECTIONS}"
    grading = opening[opening.index("### How it is graded"):opening.index("### What you may use")]
    for part in SHARED_GRADING:
        assert part in grading, f"{ps}: 'How it is graded' lacks the shared words {part!r}"
    assert SUBMISSION.format(ps=ps) in opening


def test_the_rules_every_set_shares_are_in_the_students_guide():
    """Written once (docs/students.md, "How it is graded"), linked from every opening, not repeated in it."""
    guide = (ROOT / "docs" / "students.md").read_text(encoding="utf-8")
    section = guide.split("## How it is graded\n", 1)[1].split("\n## ", 1)[0]
    for rule in GUIDE_RULES:
        assert rule in section, f"docs/students.md 'How it is graded' lacks {rule!r}"
    for ps in PROBLEM_SETS:
        assert "A mistake costs points once" not in cells(ps)[0].source, f"{ps}: the shared rules belong to the guide"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_errors_policy_names_every_errors_cell(ps):
    """docs/contract.md: every ValueError the contract names is graded, one `-errors` cell (1 point) each."""
    errors = [(g, p) for g, p in GRADE_CELLS[ps] if g.endswith("-errors")]
    assert all(p == 1 for _, p in errors), errors
    grading = cells(ps)[0].source.split("### How it is graded")[1].split("###")[0]
    if not errors:
        assert "no `-errors` cell" in grading, f"{ps}: say that this problem set has no -errors cell"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_function_has_one_purity_point(ps):
    purity = {g: p for g, p in GRADE_CELLS[ps] if g.endswith("-purity")}
    assert purity == {f"{fn}-purity": 1 for fn in FUNCTIONS[ps]}
    for fn in FUNCTIONS[ps]:
        assert not checks_for(ps)[f"{fn}-purity"].compare_values


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_notation_table_comes_from_the_glossary(ps):
    opening = cells(ps)[0].source
    table = opening.split("### Notation", 1)[1]
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", table, re.M)
    assert rows[0] == ("symbol", "meaning") and "\n|---|---|\n" in table, f"{ps}: a symbol | meaning table"
    rows = rows[1:]
    symbols = [symbol for symbol, _ in rows]
    assert symbols == sorted(symbols, key=list(GLOSSARY).index), f"{ps}: rows in the glossary's order"
    prose = "\n".join(c.source for c in cells(ps)[1:] if c.cell_type == "markdown") + opening.split("### Notation")[0]
    for symbol, meaning in rows:
        assert GLOSSARY.get(symbol) == meaning, f"{ps}: {symbol} means {GLOSSARY.get(symbol)!r} in the course"
        for part in re.findall(r"\$([^$]+)\$", symbol):   # (nats, a unit, applies to every log)
            assert re.search(rf"(?<![A-Za-z\\]){re.escape(part)}(?![A-Za-z])", prose), f"{ps}: {symbol} is listed but never used"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_cells_follow_the_template(ps):
    nb = cells(ps)
    assert [gid(c) for c in nb[:3]] == ["title", SELF_CHECK_CELL, "imports"]
    setup = inline.self_check_source((ROOT / inline.STUDENT_SIDE / inline.SELFCHECK).read_text(encoding="utf-8"),
                                     inline.requirements(ROOT))
    assert nb[1].source == setup, f"{ps}: the set-up cell is the release's (`make release` writes it)"
    ids = [gid(c) for c in nb]
    for at, cell in enumerate(nb):
        if is_data_cell(gid(cell)):
            assert gid(nb[at + 1]) == "fig-train", f"{ps}: the data cell {gid(cell)} comes right before the training cell"
            assert cell.source.startswith("#@title Data: "), f"{ps}: a data cell's title says \"Data: …\""
    graded = [g for g, _ in GRADE_CELLS[ps]]
    for fn in FUNCTIONS[ps]:
        at = ids.index(fn)
        task, intro = nb[at - 1], nb[at + 1]
        assert task.cell_type == "markdown" and task.source.startswith(f"### Your turn: `{fn}`"), \
            f"{ps}: '### Your turn: `{fn}`' right before the solution cell"
        assert gid(task) == f"task-{fn}" and gid(intro) == f"checks-{fn}"
        assert intro.source.startswith("**What the next cells check.**")
        mine = [g for g in graded if g.rsplit("-", 1)[0] == fn]
        assert ids[at + 2:at + 2 + len(mine)] == mine, f"{ps}: {fn}'s graded cells right after its checks list"
    order = [ids.index(fn) for fn in FUNCTIONS[ps]]
    assert order == sorted(order), f"{ps}: the functions in the contract's order"
    headings = [(i, re.match(r"(#+) (.*)", c.source)) for i, c in enumerate(nb) if c.cell_type == "markdown"]
    numbered = [(i, h.group(2)) for i, h in headings if h and h.group(1) == "##" and re.match(r"\d+\. ", h.group(2))]
    assert [int(t.split(".")[0]) for _, t in numbered] == list(range(1, len(numbered) + 1)), \
        f"{ps}: numbered sections 1, 2, …"
    last_index, last_title = numbered[-1]
    assert last_title.split(". ", 1)[1].startswith("Put it to work") and last_index > ids.index(graded[-1]), \
        f"{ps}: the last numbered section, after every task, is 'Put it to work'"
    rest = [gid(c) for c in nb[last_index:]]
    assert "in-practice" in rest and nb[ids.index("in-practice")].source.startswith("### In practice")
    going_further = ids.index("going-further")
    assert nb[going_further].source.startswith("## Going further (not graded)") and going_further > ids.index("in-practice")
    assert gid(nb[-1]) == "summary" and nb[-1].source.startswith("## What to remember")


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_lesson_and_tasks_interleave(ps):
    """A short lesson, then its task, then the next: no task waits behind a long lesson."""
    words, waits = 0, {}
    for cell in cells(ps)[3:]:
        if gid(cell) == "put-to-work":
            break
        if (cell.cell_type != "markdown" or cell.source.startswith("**What the next cells check.**")
                or is_answer_cell(cell.metadata.get("nbgrader", {}))):   # the student writes the answer cell
            continue
        if cell.source.startswith("### Your turn:"):
            waits[gid(cell)], words = words, 0
        else:
            words += prose_words(cell.source)
    assert len(waits) == len(FUNCTIONS[ps])
    long = {task: n for task, n in waits.items() if n > LESSON_BEFORE_TASK}
    assert not long, f"{ps}: tasks behind more than {LESSON_BEFORE_TASK} words of lesson: {long}"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_core_path_is_short(ps):
    assert core_words(ps) <= CORE_WORDS, f"{ps}: {core_words(ps)} core-path words (at most {CORE_WORDS})"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_lesson_cells_share_one_grade_id_scheme(ps):
    """Markdown cell ids say what a cell is; code cells are imports, the self-check, solutions, tests, or lesson."""
    for cell in cells(ps):
        g = gid(cell)
        assert cell.get("id") == g, f"{ps}: cell id {cell.get('id')!r} != grade_id {g!r}"
        if cell.cell_type == "code":
            meta = cell.metadata["nbgrader"]
            assert (meta.get("solution") or meta.get("grade") or g in ("imports", SELF_CHECK_CELL, "toolbox")
                    or g.startswith(("fig-", "demo-")) or is_data_cell(g)
                    or (g.startswith(CHOICE) and not meta.get("locked"))), f"{ps}: code cell {g!r}"
            if g.startswith(CHOICE):
                assert "=" in cell.source and "def " not in cell.source, f"{ps}: {g} sets one value, and only that"


#: A training section's open choice: an unlocked code cell setting one value (a step size, a prior, a temperature)
#: that a lesson cell after it trains with; a markdown cell ``report-…`` after that asks for one sentence.
CHOICE = "choice-"
TRAINED = ("ps2_cross_entropy", "ps4_bernoulli", "ps6_information")


@pytest.mark.parametrize("ps", TRAINED)
def test_each_training_section_has_one_open_choice_and_a_report(ps):
    ids = [gid(c) for c in cells(ps)]
    choices = [g for g in ids if g.startswith(CHOICE)]
    assert len(choices) == 1, f"{ps}: one open choice, got {choices}"
    name = choices[0][len(CHOICE):]
    at = ids.index(choices[0])
    assert ids.index("fig-train") < at and ids[at + 1].startswith(("fig-", "demo-")), \
        f"{ps}: the choice follows the training, and a lesson cell that uses it follows the choice"
    report = nbformat.read(source_notebook(ps), as_version=4).cells[ids.index(f"report-{name}")]
    assert report.cell_type == "markdown" and not report.metadata["nbgrader"].get("locked")
    assert "not graded" in report.source and "one sentence" in report.source
    assert ids.index(f"report-{name}") > at + 1 and ids.index(f"report-{name}") < ids.index("in-practice")


# ---------------------------------------------------------------- the lesson gives nothing away


@pytest.fixture(scope="module")
def lesson_runs():
    return {ps: giveaway.lesson_namespace(release_notebook(ps)) for ps in PROBLEM_SETS}


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_no_lesson_cell_computes_a_graded_function(ps, lesson_runs):
    """Every function a non-solution, non-test cell defines, run on the graded functions' basic probes,
    never returns the reference's value (on main before this template: ps4's softplus, ps5's kl_formula,
    ps6's entropy_of, kl_of, jsd_of and ridge did)."""
    assert giveaway.give_aways(ps, lesson_runs[ps]) == {}


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_lesson_cells_run_on_the_template(ps, lesson_runs):
    """Run top to bottom as released, no lesson cell fails; one that uses a function still the template says so."""
    run = lesson_runs[ps]
    assert run.errors == {}, f"{ps}: lesson cells failed on the template: {run.errors}"
    for cell in nbformat.read(release_notebook(ps), as_version=4).cells:
        if gid(cell).startswith(("fig-", "demo-")) and any(fn in _names_used(cell.source) for fn in FUNCTIONS[ps]):
            assert "needs_your(" in cell.source, f"{ps}: {gid(cell)} uses a graded function without needs_your"
            assert "still the template" in run.stdout[gid(cell)], gid(cell)


def test_the_give_away_test_catches_a_lesson_helper(lesson_runs):
    """The detector itself: a lesson helper that is the graded function minus validation is caught."""
    run = giveaway.LessonRun(dict(lesson_runs["ps6_information"].namespace))
    exec(compile("def entropy_of(p):\n    return -np.sum(xlogy(p, p), axis=-1)\n", "<cell fig-x>", "exec"),
         run.namespace)
    assert giveaway.give_aways("ps6_information", run) == {"entropy_of": ["entropy"]}


def _names_used(source: str) -> set:
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return {n.id for n in ast.walk(ast.parse("\n".join(lines))) if isinstance(n, ast.Name)}
