"""Every command of the docs works as written, on a fresh course folder.

The command blocks (```bash) of docs/instructors.md, docs/ci.md and README.md are run in that order, each file's
blocks in document order, by ``bash -e`` in one fresh copy of the course folder (the repository's tracked files,
with this checkout's ``.venv`` beside them), the way a new instructor would type them: no environment activated
(``PATH`` is the system's only), the examples' class collected in ``submitted/`` (the guide's step 3). A block
may be preceded by a marker:

- ``<!-- doc-run: file NAME -->``: the block is a file the instructor writes (a roster CSV): it is written to NAME;
- ``<!-- doc-run: cluster NAME -->``: a cluster recipe, run with its scheduler's variables by
  tests/test_cluster_recipes.py;
- ``<!-- doc-run: skip: REASON -->``: not run, for the reason given (a service, the environment itself, the suite).

Two things differ from an instructor's own clone, both because the copy shares this checkout's virtual
environment: ``PYTHONPATH`` names the copy (so ``python -m autograder`` is the copy's package and its course
folder the copy, as in a clone with its own ``.venv``), and the copy's ``pyproject.toml`` and ``constraints.txt``
are dated before the shared ``.venv``'s install stamp, so make sees the environment installed (an install from
the copy would point the shared environment at a folder that is deleted after the test).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("docs/instructors.md", "docs/ci.md", "README.md")
BLOCK = re.compile(r"(?:<!-- doc-run: (?P<mark>[^\n]*?) -->\n)?^```(?P<lang>\w*)\n(?P<body>.*?)^```", re.S | re.M)
#: What a block needs to run as a command: a shell fence. Other fences (text, toml, csv) are output or files.
SHELL = {"bash", "sh", "shell", "console"}


def blocks(doc: str) -> list:
    """``[(line, mark, lang, body)]`` of the fences of ``doc``, in order."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    return [(text[:m.start()].count("\n") + 1, m["mark"] or "", m["lang"], m["body"]) for m in BLOCK.finditer(text)]


def test_every_fence_that_holds_a_command_is_a_shell_block():
    """A command in a fence without ```bash would escape the test below: none may."""
    for doc in DOCS:
        for line, _, lang, body in blocks(doc):
            if lang not in SHELL:
                commands = [c for c in body.splitlines() if re.match(r"(\.venv/bin/|make |python)", c)]
                assert not commands, f"{doc}:{line}: a command in a ```{lang} fence: {commands}"


def test_every_skip_says_why():
    for doc in DOCS:
        for line, mark, _, _ in blocks(doc):
            if mark.startswith("skip"):
                assert len(mark.removeprefix("skip:").strip()) > 20, f"{doc}:{line}: a skip without its reason"


def _fresh_course(folder: Path) -> Path:
    """A copy of the repository's files (tracked, and new ones git does not ignore; their times kept), its .venv, and the examples in submitted/."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    (folder / ".venv").symlink_to(ROOT / ".venv")
    stamp = (ROOT / ".venv" / ".installed").stat().st_mtime
    for name in ("pyproject.toml", "constraints.txt"):  # (see the module docstring)
        os.utime(folder / name, (stamp - 1, stamp - 1))
    shutil.copytree(ROOT / "examples" / "submissions", folder / "submitted", ignore=shutil.ignore_patterns("*.md"))
    return folder


@pytest.mark.slow
def test_every_documented_command_runs_as_printed(tmp_path):
    if not (ROOT / ".venv" / ".installed").exists():
        pytest.fail("the checkout has no .venv: run `make install` (this test runs the docs' .venv/bin commands)")
    course = _fresh_course(tmp_path / "course")
    env = {"HOME": str(tmp_path), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
           "PYTHONPATH": str(course), "OPENBLAS_NUM_THREADS": "1"}
    ran, skipped = [], []
    for doc in DOCS:
        for line, mark, lang, body in blocks(doc):
            where = f"{doc}:{line}"
            if mark.startswith("file "):
                (course / mark.removeprefix("file ").strip()).write_text(body, encoding="utf-8")
                continue
            if lang not in SHELL:
                continue
            if mark.startswith("skip") or mark.startswith("cluster "):
                skipped.append(where)
                continue
            assert not mark, f"{where}: unknown doc-run marker {mark!r}"
            proc = subprocess.run(["bash", "-e", "-c", body], cwd=course, env=env, capture_output=True, text=True,
                                  timeout=600)
            assert proc.returncode == 0, f"{where} failed ({proc.returncode}):\n{body}\n{proc.stdout[-3000:]}\n" \
                                         f"{proc.stderr[-3000:]}"
            ran.append(where)
    assert len(ran) >= 14 and not [w for w in skipped if w.startswith("docs/ci.md")], (ran, skipped)
    # what the blocks made, in the copy: the class graded, the gradebook with its due date, the exports
    assert (course / "results" / "grades.csv").is_file() and (course / "gradebook.db").is_file()
    assert (course / "canvas.csv").is_file() and (course / "junit.xml").is_file()
    assert (course / "gradescope" / "ps1_softmax.zip").is_file()
    assert (course / "similarity" / "similarity.html").is_file()
