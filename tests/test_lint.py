"""The code base passes ruff with the project's configuration (``[tool.ruff]`` in pyproject.toml).

``make lint`` runs the same command; this test makes ``make test`` (and so CI) fail on a lint
error, an unused import, an unsorted import block, or an ``except Exception`` without a ``# noqa: BLE001``
saying why. The rule set is the one pyproject.toml states with its reasons; the test below keeps it from
shrinking unnoticed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_make_lint_runs_the_same_command():
    recipe = (ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "ruff check ." in recipe, f"`make lint` no longer runs `ruff check .`:{recipe}"


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        pytest.skip("ruff is not installed in this environment (`make install` installs it from the dev extra)")
    proc = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"ruff check found problems (run `make lint`):\n{proc.stdout}{proc.stderr}"


def test_the_rule_set_keeps_its_families():
    """pycodestyle, pyflakes, bugbear, blind excepts, import sorting, pyupgrade, simplify, stale noqa."""
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    missing = {"E", "F", "W", "B", "BLE", "I", "UP", "SIM", "RUF100"} - set(lint["select"])
    assert not missing, f"pyproject.toml [tool.ruff.lint] select no longer has {sorted(missing)}"
