"""The structure figures a newcomer can rely on (docs/development.md): in the product (the grader,
the reference solutions and what every notebook carries), no module over :data:`MAX_MODULE_LINES` lines and no
function over :data:`MAX_FUNCTION_LINES`. A module that grows past the bound is split along a job (its own row in
docs/architecture.md); a function, into steps with names.

A module's lines are counted as ``wc -l`` counts them (docstrings and comments included); a function's from its
``def`` (decorators left out) to its last line, less its docstring (the references' numpydoc, with the formula and
the edge cases written down, is documentation, not length of logic). The tests, the bug zoo and the other scaffolding in ``testkit/`` are data
and cases more than logic, and are not held to it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("autograder", "solutions", "student_side")
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80


def product_modules() -> list[Path]:
    return sorted(p for folder in PRODUCT for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def function_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from ``def`` to the function's last line, less those of its docstring."""
    if node.end_lineno is None:
        raise ValueError(f"{node.name}: a parsed function has an end line")
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
            and first.end_lineno is not None):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def long_functions(path: Path, bound: int) -> list[str]:
    """``name (N lines, line L)`` of every function or method of ``path`` longer than ``bound`` lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{node.name} ({function_lines(node)} lines, line {node.lineno})"
            for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and function_lines(node) > bound]


def test_the_product_has_modules_to_measure():
    assert len(product_modules()) > 100


@pytest.mark.parametrize("folder", PRODUCT)
def test_no_module_longer_than_the_bound(folder):
    lines = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in product_modules() if p.relative_to(ROOT).parts[0] == folder}
    assert lines, f"{folder}/ has no module"
    too_long = {name: n for name, n in lines.items() if n > MAX_MODULE_LINES}
    assert too_long == {}, f"over {MAX_MODULE_LINES} lines: split each along one of its jobs"


@pytest.mark.parametrize("folder", PRODUCT)
def test_no_function_longer_than_the_bound(folder):
    found = {str(p.relative_to(ROOT)): long_functions(p, MAX_FUNCTION_LINES)
             for p in product_modules() if p.relative_to(ROOT).parts[0] == folder}
    assert {name: fns for name, fns in found.items() if fns} == {}


def test_the_measure_finds_a_long_function(tmp_path):
    """The control: a function one line over the bound is found, one at the bound is not (nor one at the bound
    with a docstring besides)."""
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES - 1))
    path = tmp_path / "m.py"
    path.write_text(f'def at_bound():\n    """A docstring\n    of two lines."""\n{body}\n\n\n'
                    f"def over():\n{body}\n    return x0\n", encoding="utf-8")
    assert long_functions(path, MAX_FUNCTION_LINES) == [f"over ({MAX_FUNCTION_LINES + 1} lines, line "
                                                       f"{MAX_FUNCTION_LINES + 5})"]
