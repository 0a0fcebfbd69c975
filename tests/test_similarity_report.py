"""``python -m autograder similarity``: the files it writes, what they say, and hostile submissions.

A small class of real notebooks: three students wrote their own code, ``copier`` copied
``writer``'s softmax (disguised), and students with hostile names and notebooks (markup in ids and
code, a huge cell, a deeply nested function, invalid JSON, a symbolic link) are in the same folder.
Every one of them is accounted for, nothing is run, and nothing they wrote becomes markup.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.model.course import ROOT
from autograder.model.files import SIMILARITY_HTML, SIMILARITY_JSON
from autograder.similarity.corpus import Entry
from autograder.similarity.document import Document
from autograder.similarity.index import compare
from autograder.similarity.run import similarity_report
from testkit.copier import disguise
from testkit.similarity_class import _write, versions

MARKUP = '<script>alert("x")</script>'
#: A softmax whose code holds markup in a string and a comment (it must be shown as text).
MARKED_UP = f'''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    # </pre><img src=x onerror=alert(1)>
    if temperature <= 0:
        raise ValueError("{MARKUP.replace('"', "'")}")
    grid = np.moveaxis(np.array(z, dtype=np.float64), axis, 0) * (1.0 / temperature)
    best = grid[0].copy()
    for layer in grid[1:]:
        best = np.maximum(best, layer)
    acc = np.zeros_like(best)
    for layer in grid:
        acc += np.exp(layer - best)
    probs = np.stack([np.exp(layer - best) / acc for layer in grid])
    return np.moveaxis(probs, 0, axis)
'''
#: The writer's own softmax: long and unusual enough that a copy of it stands out in a class of ten (a copy of a
#: short or textbook version does not, by design: issue 83, precision first).
WRITER = '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError("temperature must be a positive number")
    grid = np.swapaxes(np.asarray(z, dtype=np.float64), axis, -1) / temperature
    peak = np.nanmax(grid, axis=-1, keepdims=True)
    peak = np.where(np.isneginf(peak), 0.0, peak)
    lifted = np.exp(grid - peak)
    lifted[np.isneginf(grid)] = 0.0
    norm = np.add.reduce(lifted, axis=-1, keepdims=True)
    out = np.divide(lifted, norm, out=np.zeros_like(lifted), where=norm > 0)
    return np.swapaxes(out, axis, -1)
'''
HOSTILE_IDS = ["<img src=x onerror=alert(2)>", "=HYPERLINK(\"http:x\")", "tab\tand\x1b[31mred", "::set-output::"]


def _class(folder: Path) -> None:
    own = [source for _, source in versions("ps1_softmax", "softmax")]
    writer = WRITER
    _write(folder, "writer", "ps1_softmax", {"softmax": writer})
    _write(folder, "copier", "ps1_softmax", {"softmax": disguise(writer, "softmax", seed=7, steps=4)[0]})
    for i, source in enumerate(own[:3]):
        _write(folder, f"own-{i}", "ps1_softmax", {"softmax": source})
    for i, student in enumerate(HOSTILE_IDS):
        _write(folder, student, "ps1_softmax", {"softmax": MARKED_UP if i == 0 else own[4 + i]})
    _write(folder, "marked-copy", "ps1_softmax", {"softmax": MARKED_UP.replace("layer", "slab").replace("acc", "t")})
    deep = "def softmax(z, axis=-1, temperature=1.0):\n    return " + "-" * 300 + "z\n"
    _write(folder, "deep", "ps1_softmax", {"softmax": deep})
    _write(folder, "huge", "ps1_softmax", {"softmax": "x = 1\n" * 30_000})
    (folder / "broken" / "ps1_softmax").mkdir(parents=True)
    (folder / "broken" / "ps1_softmax" / "ps1_softmax.ipynb").write_text("{not json")
    (folder / "linker" / "ps1_softmax").mkdir(parents=True)
    os.symlink(folder / "writer" / "ps1_softmax" / "ps1_softmax.ipynb",
               folder / "linker" / "ps1_softmax" / "ps1_softmax.ipynb")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("similarity-report")
    _class(root / "submitted")
    proc = subprocess.run([sys.executable, "-m", "autograder", "similarity", str(root / "submitted"), "--out",
                           str(root / "out")], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root / "out", proc


def test_the_command_says_what_it_wrote(report):
    out, proc = report
    assert re.match(r"Similarity: \d+ notebook\(s\) read in [\d.]+ s; \d+ pair\(s\) reported in \d+ function\(s\): "
                    + re.escape(str(out / SIMILARITY_HTML)), proc.stdout)


def test_json_lists_every_reported_pair_with_its_score(report):
    out, _ = report
    data = json.loads((out / SIMILARITY_JSON).read_text())
    pairs = data["pairs"]
    assert pairs and all(set(p) == {"problem_set", "function", "students", "score", "page", "why"} for p in pairs)
    assert {"problem_set": "ps1_softmax", "function": "softmax", "students": ["copier", "writer"]} in [
        {k: p[k] for k in ("problem_set", "function", "students")} for p in pairs]
    scores = [p["score"] for p in pairs if p["function"] == "softmax"]
    assert scores == sorted(scores, reverse=True) and min(scores) >= data["threshold"]
    assert all((out / p["page"]).is_file() for p in pairs)
    assert "rare ones weighing more" in data["score"]
    softmax = next(f for f in data["functions"] if f["function"] == "softmax")
    assert softmax["above"] == len([p for p in pairs if p["function"] == "softmax"])


def test_the_markup_student_and_their_copy_are_found_with_ids_as_display_forms(report):
    out, _ = report
    pairs = json.loads((out / SIMILARITY_JSON).read_text())["pairs"]
    found = {tuple(p["students"]) for p in pairs}
    assert tuple(sorted(["<img src=x onerror=alert(2)>", "marked-copy"])) in found
    everyone = {s for p in pairs for s in p["students"]}
    assert not any("\x1b" in s or "\t" in s or "::" in s for s in everyone)


def test_every_hostile_submission_is_accounted_for(report):
    out, _ = report
    notes = json.loads((out / SIMILARITY_JSON).read_text())["not_compared"]
    reasons = {}
    for n in notes:
        reasons[n["student"]] = reasons.get(n["student"], "") + " | " + n["reason"]
    assert "not valid JSON" in reasons["broken"]
    assert "characters of source" in reasons["huge"] and "softmax" in {
        n["function"] for n in notes if n["student"] == "huge"}, "the function the huge cell held is named too"
    assert "symbolic link" in reasons["linker"]
    assert "not compared" in reasons["deep"] or "not valid Python" in reasons["deep"]


def test_nothing_a_student_wrote_becomes_markup(report):
    out, _ = report
    pages = [out / SIMILARITY_HTML, *sorted((out / "pairs").rglob("*.html"))]
    assert len(pages) > 1
    for page in pages:
        text = page.read_text()
        assert "<script" not in text and "<img" not in text, page
        assert "Content-Security-Policy" in text and "default-src 'none'" in text
    index = (out / SIMILARITY_HTML).read_text()
    assert "&lt;img src=x onerror=alert(2)&gt;" in index
    marked = next(p for p in pages[1:] if "marked-copy" in p.read_text())
    assert "&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;" in marked.read_text()


def test_the_side_by_side_page_marks_the_matched_lines_on_both_sides(report):
    out, _ = report
    pair = next(p for p in json.loads((out / SIMILARITY_JSON).read_text())["pairs"]
                if p["students"] == ["copier", "writer"])
    page = (out / pair["page"]).read_text()
    sides = page.split('<div class="side">')[1:]
    assert len(sides) == 2
    for side in sides:
        marked = re.findall(r'<span class="line m\d">', side)
        assert len(marked) >= 3, "matched lines shaded on each side"
        assert '<span class="rg">1</span>' in side, "region numbers shown, not only colours"


def test_a_bad_command_line_says_what_is_expected(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "autograder", "similarity", *map(str, args)],
                              capture_output=True, text=True, timeout=120, cwd=ROOT)

    missing = run(tmp_path / "nowhere", "--out", tmp_path / "out")
    assert missing.returncode == 2 and "expected layout" in missing.stderr
    (tmp_path / "s" / "ada" / "ps1_softmax").mkdir(parents=True)
    bad = run(tmp_path / "s", "--out", tmp_path / "out", "--threshold", "0")
    assert bad.returncode == 2 and "--threshold must be a number in (0, 10]" in bad.stderr
    with pytest.raises(ValueError, match="threshold"):
        similarity_report(tmp_path / "s", tmp_path / "out", threshold=float("nan"))


def _entry(student: str, hashes) -> Entry:
    hashes = np.asarray(sorted(hashes), dtype=np.int64)
    return Entry(student, student, "ps1_softmax", "softmax",
                 Document(hashes, np.arange(len(hashes)), np.zeros((len(hashes), 2), dtype=np.int64), ("softmax",),
                          len(hashes) * 3))


def test_three_versions_alike_two_by_two_do_not_stand_out_and_a_pair_alone_does():
    """Issue 83, the real-code benchmark: three independent cross-entropies were the same once normalised and were
    reported as three pairs; a pair that a third student matches as well does not stand out from that student.
    Two students alone with the same code do."""
    rng = np.random.default_rng(0)
    own = [set(rng.integers(1, 10**12, 18).tolist()) for _ in range(10)]  # ten versions of their own
    common = set(range(1000, 1014))  # a few lines every version holds
    entries = [_entry(f"own-{i}", s | common) for i, s in enumerate(own)]
    alike = set(range(5000, 5016))
    entries += [_entry(f"alike-{i}", alike | set(range(7000 + 10 * i, 7004 + 10 * i)) | common) for i in range(3)]
    pair = set(range(9000, 9016))
    entries += [_entry("copier", pair | common), _entry("original", pair | common)]
    compared = compare(entries, np.empty(0, dtype=np.int64))
    reported = {tuple(sorted((compared.entries[p.a].student, compared.entries[p.b].student))) for p in compared.pairs}
    assert reported == {("copier", "original")}, reported
