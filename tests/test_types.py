"""Types in the gate: mypy with pyproject.toml's ``[tool.mypy]`` finds nothing in what :data:`TYPED` lists.

``mypy autograder``: the whole package, at mypy's default strictness, with the overrides of pyproject.toml
(--strict's flags on ``autograder/sandbox`` and ``autograder/model``, every function of the package annotated;
third-party packages without types, such as nbgrader, read as ``Any``). Then ``mypy --strict`` on the sandbox (the untrusted side a security reviewer
reads) and on the results model (what results.json, summary.json and grades.csv hold): every function annotated, no
implicit ``Any`` in a signature, no unused ``type: ignore``. mypy and the stubs it reads are pinned in
constraints.txt (``make install`` installs them with the dev extra). Its cache (``.mypy_cache``) makes a run after the first take a few seconds; the
first takes about 30 CPU-seconds.
"""

from __future__ import annotations

import subprocess
import sys

from autograder.model.course import ROOT

#: ``(folders, extra flags)`` mypy checks, each with no finding.
TYPED = (
    (("autograder",), ()),
    (("autograder/sandbox", "autograder/model"), ("--strict",)),
)


def test_the_typed_folders_have_no_type_errors():
    for folders, flags in TYPED:
        proc = subprocess.run([sys.executable, "-m", "mypy", *flags, *folders], cwd=ROOT, capture_output=True,
                              text=True, timeout=900)
        assert proc.returncode == 0, f"mypy {' '.join(flags)} {' '.join(folders)}:\n{proc.stdout[-6000:]}{proc.stderr[-2000:]}"
        assert "Success: no issues found" in proc.stdout, proc.stdout
