"""Types in the gate: mypy with pyproject.toml's ``[tool.mypy]`` finds nothing in what :data:`TYPED` lists.

The sandbox (``autograder/sandbox/``, the untrusted side a security reviewer reads) is checked with ``--strict``:
every function annotated, no implicit ``Any`` in a signature, no unused ``type: ignore``. mypy is pinned in
constraints.txt (``make install`` installs it with the dev extra). Its cache (``.mypy_cache``) makes a run after the
first take about a second; the first takes about 11 CPU-seconds.
"""

from __future__ import annotations

import subprocess
import sys

from autograder.model.course import ROOT

#: ``(folders, extra flags)`` mypy checks; a later step adds the rest of the package here.
TYPED = ((("autograder/sandbox",), ("--strict",)),)


def test_the_typed_folders_have_no_type_errors():
    for folders, flags in TYPED:
        proc = subprocess.run([sys.executable, "-m", "mypy", *flags, *folders], cwd=ROOT, capture_output=True,
                              text=True, timeout=900)
        assert proc.returncode == 0, f"mypy {' '.join(flags)} {' '.join(folders)}:\n{proc.stdout[-6000:]}{proc.stderr[-2000:]}"
        assert "Success: no issues found" in proc.stdout, proc.stdout
