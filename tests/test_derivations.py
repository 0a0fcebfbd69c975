"""Derivations that are the student's own.

* Every source answer cell holds a model answer and a rubric (``autograder/model/derivations.py``): the
  rubric's steps add up to the cell's points, one step per part of the question, and the question cell
  asks in parts (a), (b), (c) with the same points, before the task of its function.
* No release notebook holds a derivation's worked answer: no cell of the release notebook (any cell, any
  type) holds :data:`RUNS` or more runs of :data:`SHINGLE` words of a model answer that the assignment does
  not state anyway (its question, tasks and templates), nor does the notebook have a "worked out" section,
  or the rubric's or the model answer's heading. Measured on the
  release of main at commit 4945c91 (:data:`BEFORE`) with that commit's model answers, the same detector finds the worked
  cell of every one of the six sets (:func:`test_the_detector_finds_the_worked_answers_main_had`).
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from autograder.model import derivations
from autograder.model.course import ANSWER_CELLS, FUNCTIONS, PROBLEM_SETS, ROOT, release_notebook, source_notebook

#: A model answer's words in a row (a formula's tokens count as words), and how many such runs a cell must
#: hold to give the answer away: a single run is a formula the lesson states anyway.
SHINGLE = 5
RUNS = 3
#: The release of main before the derivations became the student's own (every set had its worked derivation in "Going further" or under the
#: answer cell): the detector's positive control.
BEFORE = "4945c91"


def _notebook(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _gid(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _words(text: str) -> list:
    """``text`` split at whitespace, each word without the ``$``, commas, full stops, colons and semicolons at
    its ends (the same formula in a question and in an answer, ended differently, is the same words)."""
    return [w for w in (w.strip("$,.;:") for w in text.split()) if w]


def _shingles(text: str) -> set:
    words = _words(text)
    return {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def stated(notebook: dict, question: str) -> str:
    """What the assignment states anyway: the question, every task (``### Your turn``) and solution template."""
    parts = [question] + [_text(c) for c in notebook["cells"]
                          if _gid(c).startswith("task-") or c.get("metadata", {}).get("nbgrader", {}).get("solution")
                          and not c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    return "\n".join(parts)


def given_away(model: derivations.Derivation, question: str, release: dict) -> list:
    """``(grade_id, runs)`` of the cells of ``release`` holding at least :data:`RUNS` runs of :data:`SHINGLE` words of
    the model answer that the assignment does not state (:func:`stated`)."""
    secret = _shingles(model.answer.replace(derivations.MODEL_ANSWER, "")) - _shingles(stated(release, question))
    found = []
    for cell in release["cells"]:
        text = " ".join(_words(_text(cell)))
        runs = [s for s in secret if s in text]
        if len(runs) >= RUNS:
            found.append((_gid(cell), len(runs)))
    return found


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_source_answer_cell_has_a_model_answer_and_a_rubric(ps):
    found = derivations.read_file(source_notebook(ps))
    assert set(found) == {gid for gid, _ in ANSWER_CELLS[ps]} and found, ps
    for gid, points in ANSWER_CELLS[ps]:
        model = found[gid]
        assert model.points == points, f"{gid}: the rubric's {model.points:g} points, the cell's {points:g}"
        assert "**Model answer.**" not in model.rubric and "**Rubric" not in model.answer


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_question_asks_in_parts_worth_the_rubrics_steps_before_its_task(ps):
    nb = _notebook(source_notebook(ps))
    ids = [_gid(c) for c in nb["cells"]]
    for gid, points in ANSWER_CELLS[ps]:
        fn = gid.rsplit("-", 1)[0]
        question = _text(nb["cells"][ids.index(gid) - 1])
        assert ids[ids.index(gid) - 1] == f"derive-{fn}", f"{gid}: right after its question, derive-{fn}"
        assert f"### Derive it yourself ({points:g} points, graded by hand)" in question
        parts = re.findall(r"^\*\*\(([a-z])\)\*\* .*?\((\d+(?:\.\d+)?) points?\)$", question, re.M | re.S)
        rubric = derivations.read_file(source_notebook(ps))[gid].rubric
        steps = [float(p) for p in derivations.STEP.findall(rubric.split(derivations.PARTIAL)[0])]
        assert [float(p) for _, p in parts] == steps and len(parts) >= 3, (gid, parts, steps)
        assert [letter for letter, _ in parts] == list("abcdefgh"[:len(parts)])
        assert ids.index(gid) < ids.index(fn), f"{gid}: asked before the task of {fn}"
        assert "worked version" not in question.lower()


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_no_release_notebook_holds_a_derivations_worked_answer(ps):
    source, release = _notebook(source_notebook(ps)), _notebook(release_notebook(ps))
    questions = {_gid(c): _text(c) for c in source["cells"]}
    for gid, model in derivations.read(source).items():
        question = questions[f"derive-{gid.rsplit('-', 1)[0]}"]
        assert given_away(model, question, release) == [], f"{ps}: the release gives away {gid}"
    text = "\n".join(_text(c) for c in release["cells"])
    for words in ("worked out", "worked version", "read it after writing yours", derivations.MODEL_ANSWER,
                  "**Rubric (", derivations.PARTIAL):
        assert words.lower() not in text.lower(), f"{ps}: the release says {words!r}"


def _at(commit: str, path: str) -> dict | None:
    shown = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True)
    return json.loads(shown.stdout) if shown.returncode == 0 else None


def test_the_detector_finds_the_worked_answers_main_had():
    """Positive control: main's release at :data:`BEFORE` gave every derivation away ("Going further", or under the
    answer cell in ps5); with that commit's model answers and questions, the detector finds each worked cell."""
    flagged = {}
    for ps in PROBLEM_SETS:
        release, source = _at(BEFORE, f"release/{ps}/{ps}.ipynb"), _at(BEFORE, f"source/{ps}/{ps}.ipynb")
        if release is None or source is None:
            pytest.skip(f"commit {BEFORE} is not in this clone (a shallow checkout): the control needs main's history")
        questions = {_gid(c): _text(c) for c in source["cells"]}
        for cell in source["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if meta.get("grade") and meta.get("solution"):  # that commit's answer cell: a model answer, no rubric
                model = derivations.Derivation(meta["grade_id"], _text(cell), "", float(meta["points"]))
                question = questions[f"derive-{meta['grade_id'].rsplit('-', 1)[0]}"]
                flagged[ps] = [gid for gid, _ in given_away(model, question, release)]
    assert flagged == {"ps1_softmax": ["sec-maxshift"],
                       "ps2_cross_entropy": ["sec-gradient"],
                       "ps3_gaussian": ["worked-gaussian_mle"],
                       "ps4_bernoulli": ["worked-binary_cross_entropy_with_logits"],
                       "ps5_gaussian_kl": ["sec-closed-form"],
                       "ps6_information": ["worked-map_linear_regression"]}, flagged


def test_a_malformed_answer_cell_is_refused_with_what_is_missing():
    good = "**Model answer.** x\n\n**Rubric (3 points).**\n\n- **1 point**: a\n- **2 points**: b\n\n**Usual partial answers.** c"
    assert derivations.split("f-derivation", good).points == 3
    for bad, says in ((good.replace("**Model answer.** ", ""), "must start with"),
                      (good.replace("**Rubric (3 points).**", "Rubric"), "one '**Rubric (P points).**' line"),
                      (good.replace("**Usual partial answers.** c", ""), "Usual partial answers"),
                      (good.replace("**2 points**", "**1 point**"), "steps give 2 points, its heading 3")):
        with pytest.raises(derivations.DerivationError, match=re.escape(says)):
            derivations.split("f-derivation", bad)


def test_every_function_with_a_derivation_is_a_contract_function():
    for ps in PROBLEM_SETS:
        assert {gid.rsplit("-", 1)[0] for gid, _ in ANSWER_CELLS[ps]} <= set(FUNCTIONS[ps])
