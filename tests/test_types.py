"""Types in the gate: mypy with pyproject.toml's ``[tool.mypy]`` finds nothing in the package.

``mypy autograder``: the whole package, at mypy's default strictness, with the overrides of pyproject.toml
(--strict's flags on ``autograder/perimeter`` and ``autograder/model``, every function of the package annotated;
third-party packages without types, such as nbgrader, read as ``Any``). That one run checks the perimeter (the
part a security reviewer reads, both halves) and the results model (what results.json, summary.json and grades.csv
hold) exactly as ``mypy --strict`` would: a second test asks mypy itself which options ``--strict`` changes and
finds each of them set for every module of the two packages (and the one global one, ``warn_redundant_casts``,
for all), so a flag a newer mypy adds to ``--strict`` is named here until pyproject.toml sets it. (The suite ran
``mypy --strict`` on the two packages as a second process before: the same findings, about 10 CPU-seconds more.)
mypy and the stubs it reads are pinned in constraints.txt (``make install`` installs them with the dev extra). Its
cache (``.mypy_cache``) makes a run after the first take a few seconds; the first takes about 30 CPU-seconds.
"""

from __future__ import annotations

import subprocess
import sys

from mypy.main import process_options
from mypy.options import PER_MODULE_OPTIONS

from autograder.model.course import ROOT

#: The packages checked as ``mypy --strict`` would (pyproject.toml's override sets --strict's flags on them).
STRICT = ("autograder/perimeter", "autograder/model")


def test_the_package_has_no_type_errors():
    proc = subprocess.run([sys.executable, "-m", "mypy", "autograder"], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, f"mypy autograder:\n{proc.stdout[-6000:]}{proc.stderr[-2000:]}"
    assert "Success: no issues found" in proc.stdout, proc.stdout


def _options(*args: str):
    """mypy's options for ``args``, as its command line would set them (pyproject.toml's ``[tool.mypy]`` unless
    ``args`` hold ``--config-file ''``, which reads no configuration)."""
    return process_options([*args, "-c", "pass"])[1]


def test_the_strict_packages_get_every_flag_of_mypy_strict(monkeypatch):
    monkeypatch.chdir(ROOT)
    plain, strict = _options("--config-file", ""), _options("--config-file", "", "--strict")
    names = [n for n in dir(strict) if not n.startswith("_") and not callable(getattr(strict, n))]
    flags = {n for n in names if getattr(strict, n) != getattr(plain, n)}
    assert "disallow_untyped_defs" in flags and "warn_return_any" in flags, flags  # (the comparison saw --strict)
    ours = _options()  # pyproject.toml's [tool.mypy] and its overrides
    missing = {f"{flag} (global)" for flag in flags - PER_MODULE_OPTIONS if getattr(ours, flag) != getattr(strict, flag)}
    modules = [".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
               for folder in STRICT for path in sorted((ROOT / folder).rglob("*.py"))]
    assert len(modules) > 30, modules
    for module in modules:
        options = ours.clone_for_module(module)
        missing |= {f"{flag} ({module})" for flag in flags & PER_MODULE_OPTIONS
                    if getattr(options, flag) != getattr(strict, flag)}
    assert not missing, f"pyproject.toml's [[tool.mypy.overrides]] for {STRICT} lacks --strict's ({len(missing)}): {sorted(missing)[:20]}"


def test_each_name_has_one_import_path(monkeypatch):
    """``no_implicit_reexport`` for every module of the package (pyproject.toml's ``[tool.mypy]``): a name
    imported into a module is not importable from it, so each name has one import path, the module that defines it
    (docs/architecture.md, "Imports"); ``mypy autograder`` above then finds every import through another module."""
    monkeypatch.chdir(ROOT)
    ours = _options()
    modules = [".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
               for path in sorted((ROOT / "autograder").rglob("*.py"))]
    assert len(modules) > 150, modules
    assert [m for m in modules if ours.clone_for_module(m).implicit_reexport] == []
    assert _options("--config-file", "").implicit_reexport  # (mypy's default, which the configuration turns off)
