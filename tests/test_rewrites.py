"""The same function written another way is graded the same (:mod:`testkit.rewrites`).

docs/contract.md grades what a function computes and does to its inputs, never how it is written. Each zoo specimen
is rewritten here by one rule (the rules taken in turn, so every rule meets a dozen or more specimens of every kind on
each run; ``python -m testkit.corpus.rewritten`` applies every rule to every specimen of a developer's real-code
corpus) and graded in process: it loses exactly the cells its specimen loses, with hints that name its mistakes and
no other. The reference solutions of every problem set, each function rewritten by another rule, keep every point
through the engine. Found this way: a callee written again in the caller's cell was answered by the reference when
the caller was a callable object, a callee written as an object was not carried forward, and a construct that hides
what runs escaped the reading in a decorated function.
"""

import itertools
import json
from collections import Counter

import pytest

from autograder.engine.batch import grade_batch
from autograder.model import course
from autograder.model.results import results_path
from testkit.fill import add_cell_before, filled_release, reference_cells
from testkit.rewrites import REWRITES, Rewrite, Split, rewritten
from testkit.zoo import all_specimens, grade
from tests.test_zoo import loses, shown_mistake

SPECIMENS = list(all_specimens())
#: A mistake a rule that moves the function's code may charge otherwise, by the contract's own rule (where a
#: construct that hides what runs stands decides whose purity it costs).
CHARGED_BY_PLACE = "unreadable-code"


def applies(rule: Rewrite, specimen) -> bool:
    return not (rule.correct_only and not specimen.correct) and not (
        rule.moves_code and CHARGED_BY_PLACE in specimen.mistakes)


def assignments() -> list[tuple]:
    """``(ps, specimen, rule, text)``: each specimen rewritten by the next rule in turn that applies to it, and each
    correct one also by the next of the rules for correct code (every list of rules taking its own turns)."""
    lists = (tuple(r for r in REWRITES if not r.correct_only), tuple(r for r in REWRITES if r.correct_only))
    turns = [0, 0]
    out = []
    for ps, specimen in SPECIMENS:
        for which, rules in enumerate(lists[:2 if specimen.correct else 1]):
            for step in range(len(rules)):
                rule = rules[(turns[which] + step) % len(rules)]
                text = rewritten(specimen.source, specimen.function, rule) if applies(rule, specimen) else None
                if text is not None:
                    out.append((ps, specimen, rule, text))
                    turns[which] = (turns[which] + step + 1) % len(rules)
                    break
    return out


ASSIGNED = assignments()


def test_every_rule_meets_specimens_of_every_kind():
    counts = Counter(rule.name for _, _, rule, _ in ASSIGNED)
    assert len(ASSIGNED) >= len(SPECIMENS) - 2, "a specimen no rule applies to"
    assert set(counts) == {r.name for r in REWRITES} and min(counts.values()) >= 2, counts
    broken = Counter(rule.name for _, s, rule, _ in ASSIGNED if not s.correct)
    assert all(broken[r.name] >= 3 for r in REWRITES if not r.correct_only), broken


@pytest.mark.parametrize("ps,specimen,rule,text", ASSIGNED,
                         ids=[f"{s.name}-{rule.name}" for _, s, rule, _ in ASSIGNED])
def test_a_rewritten_specimen_is_graded_as_the_specimen(ps, specimen, rule, text):
    cells = (text.above, text.cell) if isinstance(text, Split) else (text,)
    results = grade(ps, specimen, cells)
    failed = {gid: r for gid, r in results.items() if not r.passed}
    feedback = {gid: r.feedback() for gid, r in failed.items()}
    if specimen.correct:
        assert not failed, (rule.what, feedback)
        return
    expected = (loses(ps) or {}).get(specimen.name)
    if expected is None:  # (a problem set without its reviewed list: the specimen as written)
        expected = tuple(gid for gid, r in grade(ps, specimen).items() if not r.passed)
    assert tuple(failed) == tuple(expected), (rule.what, feedback)
    strangers = {gid: r.hint for gid, r in failed.items() if shown_mistake(ps, r) not in (None, *specimen.mistakes)}
    assert not strangers, (rule.what, strangers)
    assert any(specimen.hint in r.hint for r in failed.values()), (rule.what, feedback)


def _rewritten_release(ps: str, offset: int) -> dict:
    """The release of ``ps`` filled with the reference solutions, each function's cell rewritten by another rule
    (those for correct code included), a :class:`Split`'s helpers in a code cell added above."""
    cells, above = {}, {}
    rules = itertools.cycle(REWRITES[offset % len(REWRITES):] + REWRITES[:offset % len(REWRITES)])
    for fn, source in reference_cells(ps).items():
        for rule in itertools.islice(rules, len(REWRITES)):
            text = rewritten(source, fn, rule)
            if text is not None:
                break
        cells[fn] = text.cell if isinstance(text, Split) else text
        if isinstance(text, Split):
            above[fn] = text.above
    nb = filled_release(ps, cells)
    for fn, text in above.items():
        add_cell_before(nb, fn, text)
    return nb


@pytest.mark.slow
def test_the_reference_solutions_rewritten_keep_every_point_through_the_engine(tmp_path):
    """Every problem set's reference solutions, each function by another rule, in three notebooks a problem set
    (so every rule is used on every problem set's cells that it applies to), graded in one batch."""
    for k, ps in enumerate(course.PROBLEM_SETS):
        for turn in range(3):
            path = tmp_path / "submitted" / f"s{turn}" / ps / f"{ps}.ipynb"
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(_rewritten_release(ps, 7 * turn + k)), encoding="utf-8")
    summary = grade_batch(tmp_path / "submitted", tmp_path / "results", workers=2)
    assert summary.ok and summary.graded == 3 * len(course.PROBLEM_SETS), summary.to_dict()
    for turn in range(3):
        for ps in course.PROBLEM_SETS:
            data = json.loads(results_path(tmp_path / "results", f"s{turn}", ps).read_text(encoding="utf-8"))
            lost = {t["name"]: t["message"] for t in data["tests"]
                    if t.get("score") is not None and t["score"] < t["max_score"]}
            assert not lost and data["score"] > 0, (ps, turn, lost)


def test_a_function_defined_twice_is_rewritten_where_the_cell_leaves_it_bound():
    """A cell may define its function twice, the second wrapping the first through an alias (a corpus specimen's
    glue around the original): the name is bound to the last definition, so that is the one a rule rewrites."""
    source = ("import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n\n_original = sigmoid\n\n"
              "def sigmoid(z):\n    return _original(np.asarray(z, dtype=float))\n")
    rule = next(r for r in REWRITES if r.name == "helpers-in-a-cell-above")
    split = rewritten(source, "sigmoid", rule)
    assert isinstance(split, Split)
    assert "_original(np.asarray(z" in split.cell and "_original(" not in split.above
    assert "1 / (1 + np.exp(-x))" in split.above
