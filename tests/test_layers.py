"""The import graph follows the documented layering (docs/architecture.md, docs of ``autograder/__init__.py``).

Every module's imports are read with :mod:`ast` — those inside functions and
``if`` blocks included, relative imports resolved — and each one of the
product (``autograder``, ``solutions``, ``testkit``, ``tests``) is checked
against :data:`ALLOWED`: a layer imports itself and the layers listed for it,
nothing else. The untrusted side (``autograder.sandbox``) is also held to a
list of third-party libraries: the standard library and what a student's
notebook runs with.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from autograder.model.course import ROOT

#: layer -> the layers (other than itself) it may import. The first matching prefix names a module's layer.
ALLOWED = {
    "autograder.model": set(),
    "autograder.sandbox": set(),
    "solutions": set(),
    "autograder.checks": {"autograder.model", "autograder.sandbox", "solutions"},
    "autograder.engine": {"autograder.model", "autograder.sandbox", "autograder.checks", "solutions"},
    "autograder.reports": {"autograder.model"},
    "autograder.release": {"autograder.model"},
    "autograder.similarity": {"autograder.model"},
    "autograder.commands": {"autograder.model", "autograder.sandbox", "autograder.checks", "autograder.engine",
                            "autograder.reports", "autograder.release", "autograder.similarity", "solutions"},
    # the dispatcher and the package docstring: they import commands by name, lazily (importlib)
    "autograder.cli": set(),
    "autograder.__main__": {"autograder.cli"},
    "autograder": set(),
    # scaffolding for tests, examples and benchmarks: the whole product, never the tests
    "testkit": {"autograder", "solutions"},
    "examples": {"autograder", "solutions", "testkit"},
    "benchmarks": {"autograder", "solutions", "testkit"},
    "tests": {"autograder", "solutions", "testkit"},
}
#: what the untrusted side may import besides the standard library (what student code runs with)
SANDBOX_THIRD_PARTY = {"numpy", "scipy", "matplotlib", "IPython", "traitlets"}
PRODUCT = ("autograder", "solutions", "testkit", "tests", "examples", "benchmarks")
FOLDERS = ("autograder", "solutions", "testkit", "tests", "examples", "benchmarks")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    raise AssertionError(f"{module}: in no layer of tests/test_layers.py ALLOWED")


def imports_of(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """``(line, module)`` of every import in ``source``, wherever it is written, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                target = ".".join(parts[: len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
            else:
                target = node.module
            # ``from package import submodule`` imports the submodule: the most precise name is checked
            out += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return out


def _known_module(target: str) -> str:
    """``target`` cut to a module or package of the checkout (``from x import name`` names a value, not a module)."""
    parts = target.split(".")
    while len(parts) > 1:
        base = ROOT.joinpath(*parts)
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            break
        parts.pop()
    return ".".join(parts)


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports of ``source`` (the text of ``module``) that its layer may not make."""
    layer = layer_of(module)
    wrong = []
    for line, target in imports_of(source, module, is_package):
        top = target.split(".")[0]
        if top in PRODUCT:
            target_layer = layer_of(_known_module(target))
            # the root package ``autograder`` imports nothing: naming it (to find its folder) is no dependency
            if target_layer in (layer, "autograder") or any(
                    target_layer == allowed or target_layer.startswith(allowed + ".") for allowed in ALLOWED[layer]):
                continue
            wrong.append(f"line {line}: {target} ({target_layer})")
        elif layer == "autograder.sandbox" and top not in sys.stdlib_module_names and top not in SANDBOX_THIRD_PARTY:
            wrong.append(f"line {line}: {target} (third-party, not what student code runs with)")
    return wrong


def sources() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py")
                  if "__pycache__" not in p.parts)


def test_every_module_is_in_a_layer():
    assert len(sources()) > 50, "modules not found"
    for path in sources():
        layer_of(module_name(path))


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_layering(path):
    module = module_name(path)
    wrong = violations(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    assert not wrong, f"{module} ({layer_of(module)}) imports against the layering: " + "; ".join(wrong)


def test_the_layering_test_catches_a_wrong_import():
    """The check itself: the engine importing the reports (inside a function, or relatively), the reports
    importing the engine, the sandbox importing the model or a library student code does not run with."""
    engine = "def f():\n    from autograder.reports import table\n    from ..model import course\n"
    assert imports_of(engine, "autograder.engine.batch") == [(2, "autograder.reports.table"),
                                                             (3, "autograder.model.course")]
    assert violations(engine, "autograder.engine.batch") == ["line 2: autograder.reports.table (autograder.reports)"]
    assert violations("import autograder.engine.batch\n", "autograder.reports.table") == [
        "line 1: autograder.engine.batch (autograder.engine)"]
    assert violations("from . import confine\nfrom autograder.model.files import RESULTS_FILE\nimport rich\n",
                      "autograder.sandbox.zygote") == [
        "line 2: autograder.model.files.RESULTS_FILE (autograder.model)",
        "line 3: rich (third-party, not what student code runs with)"]
    assert violations("from tests.tooling import x\n", "testkit.fill") == ["line 1: tests.tooling.x (tests)"]
