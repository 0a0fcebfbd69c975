"""The import graph follows the documented layering (docs/architecture.md, docs of ``autograder/__init__.py``).

Every module's imports are read with :mod:`ast` — those inside functions and
``if`` blocks included, relative imports resolved — and each one of the
product (``autograder``, ``solutions``, ``testkit``, ``tests``) is checked
against :data:`ALLOWED`: a layer imports itself and the layers listed for it,
nothing else. The audited perimeter (``autograder.perimeter``) is also held to
lists of third-party libraries: the standard library, NumPy, and for the
child's runtime what a student's notebook runs with.

And what the layering alone does not say (docs/architecture.md, "Imports"): no
command imports another; an import of the product inside a function says why;
a module is imported by a computed name only where :data:`BY_NAME` says; a
package's ``__init__.py`` imports nothing; docs/architecture.md names every
module with its job.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from pathlib import Path

import pytest

from autograder.model.course import ROOT

#: layer -> the layers (other than itself) it may import. The first matching prefix names a module's layer.
ALLOWED = {
    "autograder.model": set(),
    # the audited perimeter, split along its trust boundary: the untrusted side's confinement and guard import
    # nothing of the product; the child's runtime uses both; the trusted half (what the grader runs to watch the
    # children and decode what they send) uses the runtime's wire format and the confinement's limits, and nothing
    # of the untrusted side imports it
    "autograder.perimeter": set(),
    "autograder.perimeter.confinement": set(),
    "autograder.perimeter.guard": set(),
    "autograder.perimeter.child_runtime": {"autograder.perimeter.confinement", "autograder.perimeter.guard"},
    "autograder.perimeter.supervision": {"autograder.perimeter.confinement", "autograder.perimeter.child_runtime"},
    "solutions": set(),
    # reading student source (purity evidence, flags, forbidden uses): over the model; checks and engine use it
    "autograder.reading": {"autograder.model"},
    "autograder.checks": {"autograder.model", "autograder.perimeter.child_runtime", "autograder.perimeter.guard",
                          "autograder.reading", "solutions"},
    "autograder.engine": {"autograder.model", "autograder.perimeter", "autograder.reading", "autograder.checks",
                          "solutions"},
    # the reports read results and nothing of nbgrader; the course's nbgrader side (gradebook, deadlines,
    # plugins) is a layer of its own beside them, over the model: a command hands the reports its gradebook
    "autograder.reports": {"autograder.model"},
    "autograder.nbgrader_io": {"autograder.model"},
    "autograder.release": {"autograder.model"},
    "autograder.similarity": {"autograder.model", "autograder.reading"},  # (the one table of opaque names)
    "autograder.lms": {"autograder.model"},
    "autograder.commands": {"autograder.model", "autograder.perimeter", "autograder.reading", "autograder.checks",
                            "autograder.engine", "autograder.reports", "autograder.nbgrader_io", "autograder.release",
                            "autograder.similarity", "autograder.lms",
                            "solutions"},
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
#: what each package of the perimeter may import besides the standard library: NumPy, and for the child's runtime
#: what student code runs with
PERIMETER_THIRD_PARTY = {
    "autograder.perimeter": set(),
    "autograder.perimeter.confinement": {"numpy"},
    "autograder.perimeter.guard": {"numpy"},
    "autograder.perimeter.child_runtime": {"numpy", "scipy", "matplotlib", "IPython", "traitlets"},
    "autograder.perimeter.supervision": {"numpy"},
}
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
        elif (layer in PERIMETER_THIRD_PARTY and top not in sys.stdlib_module_names
              and top not in PERIMETER_THIRD_PARTY[layer]):
            wrong.append(f"line {line}: {target} (third-party, not what the perimeter may run with)")
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
    importing the engine or the nbgrader side, the perimeter importing the model, its trusted half or a library it
    may not run with."""
    engine = "def f():\n    from autograder.reports import table\n    from ..model import course\n"
    assert imports_of(engine, "autograder.engine.batch") == [(2, "autograder.reports.table"),
                                                             (3, "autograder.model.course")]
    assert violations(engine, "autograder.engine.batch") == ["line 2: autograder.reports.table (autograder.reports)"]
    assert violations("import autograder.engine.batch\n", "autograder.reports.table") == [
        "line 1: autograder.engine.batch (autograder.engine)"]
    assert violations("from autograder.nbgrader_io.gradebook import write_gradebook\n",
                      "autograder.reports.after_grading") == [
        "line 1: autograder.nbgrader_io.gradebook.write_gradebook (autograder.nbgrader_io)"]
    assert violations("from autograder.reports import stats\n", "autograder.nbgrader_io.gradebook") == [
        "line 1: autograder.reports.stats (autograder.reports)"]
    assert violations("from . import wire\nfrom autograder.model.files import RESULTS_FILE\nimport rich\n",
                      "autograder.perimeter.child_runtime.zygote") == [
        "line 2: autograder.model.files.RESULTS_FILE (autograder.model)",
        "line 3: rich (third-party, not what the perimeter may run with)"]
    # the trust boundary: nothing of the untrusted side imports the trusted half; the guard needs no runtime
    assert violations("from autograder.perimeter.supervision import zygote_parent\n",
                      "autograder.perimeter.child_runtime.child") == [
        "line 1: autograder.perimeter.supervision.zygote_parent (autograder.perimeter.supervision)"]
    assert violations("from autograder.perimeter.child_runtime import wire\nimport IPython\n",
                      "autograder.perimeter.guard.gates") == [
        "line 1: autograder.perimeter.child_runtime.wire (autograder.perimeter.child_runtime)",
        "line 2: IPython (third-party, not what the perimeter may run with)"]
    assert violations("from tests.tooling import x\n", "testkit.fill") == ["line 1: tests.tooling.x (tests)"]


# --- what the layering alone does not say -----------------------------------------------------------------------

#: Where a module is imported by a name computed at run time (invisible to any import graph), and why:
#: docs/architecture.md, "Imports".
BY_NAME = {
    "autograder/cli.py": "the command being run, only its module",
    "autograder/checks/by_name.py": "a problem set's checks (a Gradescope bundle holds one; each is slow to import)",
    "autograder/checks/references.py": "a problem set's references (the same)",
    "autograder/reading/library.py": "the NumPy/SciPy subpackages a notebook names, for the purity reading's lookup",
    "autograder/perimeter/guard/dotted.py": "library objects by their dotted names (for the guard and the pinned names)",
    "autograder/perimeter/child_runtime/preload.py": "warm libraries; the perimeter's modules, out of sys.modules at once",
}
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def product_modules() -> list:
    return sorted(p for p in (ROOT / "autograder").rglob("*.py") if "__pycache__" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def unexplained_imports(source: str, module: str, is_package: bool = False) -> list:
    """``line: import`` of every import of the product inside a function of ``source`` without a comment saying
    why: on the import's own lines, or on the line just above it (or above the imports it is grouped with)."""
    lines = source.splitlines()
    comment_lines = {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                     if tok.type == tokenize.COMMENT}
    package = module if is_package else module.rpartition(".")[0]
    wrong = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        imports = [n for n in ast.walk(function) if isinstance(n, (ast.Import, ast.ImportFrom))]
        import_lines = {line for n in imports for line in range(n.lineno, n.end_lineno + 1)}
        for node in imports:
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [package if node.level else (node.module or "")])
            if not any(getattr(node, "level", 0) or name.split(".")[0] in PRODUCT for name in names):
                continue
            if any(line in comment_lines for line in range(node.lineno, node.end_lineno + 1)):
                continue
            above = node.lineno - 1
            while above in import_lines:
                above -= 1
            if above >= 1 and lines[above - 1].strip().startswith("#"):
                continue
            wrong.append(f"line {node.lineno}: {lines[node.lineno - 1].strip()}")
    return wrong


@pytest.mark.parametrize("path", product_modules(), ids=_rel)
def test_an_import_inside_a_function_says_why(path):
    """Imports are at the top; one of the product's own modules imported inside a function says why beside it
    (an import cycle, an optional dependency, a start-up cost measured)."""
    wrong = unexplained_imports(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
    assert not wrong, (f"{_rel(path)} imports inside a function without saying why (move the import to the top, "
                       "or add a comment on its line):\n" + "\n".join(wrong))


def test_the_import_reason_check_catches_a_silent_import():
    source = ("def f():\n    from autograder.model import course\n    import json\n"
              "def g():\n    # (a reason for both)\n    from autograder.model import course\n    from . import files\n"
              "def h():\n    from autograder.model import ids  # (a reason)\n    from .results import fmt_points\n")
    assert unexplained_imports(source, "autograder.model.grades") == [
        "line 2: from autograder.model import course", "line 10: from .results import fmt_points"]


def test_no_command_imports_another_command():
    """What two commands share lives in a layer below them, never in one of them."""
    from autograder.cli import COMMANDS

    commands = {module for module, _ in COMMANDS.values()}
    assert len(commands) == len(COMMANDS) >= 9
    wrong = []
    for module in sorted(commands):
        path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
        for line, target in imports_of(path.read_text(encoding="utf-8"), module):
            imported = _known_module(target)
            if imported in commands and imported != module:
                wrong.append(f"{module} line {line}: {target}")
    assert not wrong, "a command imports another command: " + "; ".join(wrong)


def _imports_by_name(source: str) -> list:
    """Lines of ``importlib.import_module(…)`` and ``__import__(…)`` calls in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr == "import_module") or \
                    (isinstance(func, ast.Name) and func.id in ("__import__", "import_module")):
                found.append(node.lineno)
    return found


def test_modules_are_imported_by_name_only_where_the_architecture_says():
    """A registry loaded through importlib is invisible to an import graph (this test's included): only the
    places docs/architecture.md lists ("Imports") do it, each for its reason."""
    found = {_rel(p): _imports_by_name(p.read_text(encoding="utf-8")) for p in product_modules()}
    found = {path: lines for path, lines in found.items() if lines}
    unexpected = {path: lines for path, lines in found.items() if path not in BY_NAME}
    assert not unexpected, f"modules imported by a computed name outside {sorted(BY_NAME)}: {unexpected}"
    assert set(found) == set(BY_NAME), f"listed but importing nothing by name any more: {set(BY_NAME) - set(found)}"
    assert _imports_by_name("import importlib\nimportlib.import_module('x')\n__import__('y')\n") == [2, 3]


def _only_a_docstring(path: Path) -> bool:
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in body)


def test_every_module_is_named_in_the_architecture_with_its_job():
    """docs/architecture.md names every module of autograder/ (a package's ``__init__.py`` when it holds more than
    a docstring), and every module it names exists."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    named = set(re.findall(r"`(autograder/[\w/]+\.py)`", text))
    modules = {_rel(p) for p in product_modules() if not (p.name == "__init__.py" and _only_a_docstring(p))}
    assert not modules - named, f"modules docs/architecture.md does not name: {sorted(modules - named)}"
    assert not named - modules, f"docs/architecture.md names modules that do not exist: {sorted(named - modules)}"
    for path in modules:
        row = re.search(rf"^\|[^|\n]*`{re.escape(path)}`[^|\n]*\| ([^|\n]+) \|$", text, re.M)
        assert row and len(row.group(1).split()) >= 4, f"{path}: no row saying its one job in docs/architecture.md"


def test_a_package_imports_nothing_of_the_product():
    """``import autograder.nbgrader_io`` (nbgrader loads its plugins from there), ``autograder.engine`` … cost nothing:
    a package's ``__init__.py`` holds a docstring; ``autograder.checks`` alone holds what a notebook's hidden
    test cells call (``run_check``)."""
    for path in product_modules():
        if path.name == "__init__.py" and _rel(path) != "autograder/checks/__init__.py":
            assert _only_a_docstring(path), f"{_rel(path)} holds more than a docstring"


#: Module-level containers of the perimeter that are not state a caller sets, and why (anything else fails below).
PERIMETER_CACHES = {
    "autograder/perimeter/guard/gates.py": {"_TEMPLATES": "the gate's template per closure size, compiled once: a "
                                                          "cache of our own code, the same whoever asks"},
}


def module_state(source: str) -> list[str]:
    """The names a module binds at its top level to a mutable container (a dict, list or set display or call, a
    comprehension, ``threading.local()``) and then changes anywhere in the module (an item or attribute stored or
    deleted, a mutating method called), and every ``global`` statement in it: process-wide state. A table written
    once and only read is data."""
    mutable_calls = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque", "local", "WeakSet",
                     "WeakValueDictionary", "WeakKeyDictionary"}
    mutators = {"update", "append", "add", "extend", "setdefault", "pop", "popitem", "clear", "insert", "remove",
                "discard", "__setitem__", "__delitem__"}
    tree = ast.parse(source)
    containers = []
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        targets = (node.targets if isinstance(node, ast.Assign) else [node.target]
                   if isinstance(node, ast.AnnAssign) else [])
        if value is None:
            continue
        call = value.func if isinstance(value, ast.Call) else None
        called = call.attr if isinstance(call, ast.Attribute) else call.id if isinstance(call, ast.Name) else None
        if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)) \
                or called in mutable_calls:
            containers += [t.id for t in targets if isinstance(t, ast.Name)]
    changed = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)) \
                and isinstance(node.value, ast.Name):
            changed.add(node.value.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            changed.add(node.target.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in mutators \
                and isinstance(node.func.value, ast.Name):
            changed.add(node.func.value.id)
    found = [name for name in containers if name in changed]
    found += [f"global {name}" for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names]
    return found


def test_the_perimeter_keeps_no_process_wide_state():
    """No process-wide state a caller sets in the audited perimeter: a process's guard, its pinned names, where
    the zygote stands are objects handed to whoever needs them (docs/architecture.md), never a module's dict or
    list that one caller fills and another reads. Immutable tables (tuples, frozensets, constants) are data."""
    wrong = {}
    for path in sorted((ROOT / "autograder" / "perimeter").rglob("*.py")):
        allowed = PERIMETER_CACHES.get(_rel(path), {})
        state = [name for name in module_state(path.read_text(encoding="utf-8")) if name not in allowed]
        if state:
            wrong[_rel(path)] = state
    assert not wrong, f"module-level state in the perimeter (make it an object handed where needed): {wrong}"
    # the check itself: what the guard and the pins kept before they were objects
    assert module_state("_PLAN: dict = {'groups': {}}\n_ARMED: list[bool] = []\n_PINNED = dict()\n"
                        "TABLE = {'a': 1}\nT = (1, 2)\n"
                        "def f():\n    global X\n    _PLAN['groups'] = {}\n    _ARMED.append(True)\n"
                        "    _PINNED.update(TABLE)\n") == ["_PLAN", "_ARMED", "_PINNED", "global X"]


def test_the_threat_model_names_an_existing_module_for_each_guarantee():
    """docs/threat-model.md's table of guarantees names, for each, the module that gives it: each path it names
    (``package/module.py`` inside ``autograder/perimeter/``, or a path from the checkout's root) exists, and every
    package of the perimeter gives at least one guarantee."""
    text = (ROOT / "docs" / "threat-model.md").read_text(encoding="utf-8")
    start = text.index("Which module gives each guarantee")
    table = text[start:text.index("\n\n", text.index("| guarantee |", start))]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| guarantee")]
    assert len(rows) >= 15, rows
    packages = set()
    for row in rows:
        module = row.split(" | ")[1]
        named = re.findall(r"`([\w/]+\.py)`", module)
        assert named, f"a guarantee without its module: {row}"
        for path in named:
            full = ROOT / path if path.startswith(("autograder/", "tests/")) else ROOT / "autograder" / "perimeter" / path
            assert full.is_file(), f"docs/threat-model.md names {path}, which does not exist: {row}"
            if not path.startswith(("autograder/", "tests/")):
                packages.add(path.split("/")[0])
    assert packages == {"confinement", "child_runtime", "guard", "supervision"}, packages


def import_graph(paths: list[Path]) -> dict[str, set[str]]:
    """``module -> the modules of the product it imports`` (wherever the import is written: inside a function,
    under ``if TYPE_CHECKING``, relative), each import resolved to the module it names (:func:`_known_module`)."""
    graph: dict[str, set[str]] = {}
    for path in paths:
        module = module_name(path)
        targets = {_known_module(target) for _, target in
                   imports_of(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
                   if target.split(".")[0] in PRODUCT}
        graph[module] = {t for t in targets if t != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of ``graph``: its strongly connected components of more than one module (Tarjan's
    algorithm, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def test_the_package_has_no_import_cycle():
    """No two modules of the product (the package, the references, the scaffolding, the examples and
    benchmarks) import each other, directly or through others, however the import is written (inside a function
    to defer it, under ``TYPE_CHECKING`` for its types): a module lower down never needs one above it."""
    found = cycles(import_graph([p for p in sources() if p.relative_to(ROOT).parts[0] != "tests"]))
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)
    # the check itself: a cycle through a deferred import and one through TYPE_CHECKING, as the engine's batch and
    # its Dask runner, and the checks' declarations and their slice form, were
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c", "f"}, "f": set()}) == [
        ["a", "b"], ["c", "d", "e"]]
    deferred = "def f():\n    from autograder.engine import dask_runner  # (lazily)\n"
    typed = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from autograder.checks.check import Check\n"
    assert _known_module(imports_of(deferred, "autograder.engine.batch")[0][1]) == "autograder.engine.dask_runner"
    assert _known_module(imports_of(typed, "autograder.checks.slice_form")[-1][1]) == "autograder.checks.check"


#: The modules outside the model that read a notebook's cells as JSON, and why (anything else fails below).
RAW_CELL_READERS = {
    "autograder/nbgrader_io/answer_pictures.py": "a submitted answer's pasted pictures: its attachments, which the "
                                                 "model never reads",
    "autograder/nbgrader_io/autograded.py": "writes the notebooks formgrader shows (nbformat JSON, cell by cell)",
    "autograder/checks/graded_cells.py": "writes the source notebooks' graded cells from the declarations (nbformat "
                                         "JSON, a new cell as nbgrader's toolbar makes one)",
}
#: What reading a notebook's cells as JSON looks like: the cell_type key, or the model's raw-cell helpers.
_RAW_HELPERS = {"cell_text", "nbgrader_meta", "grade_id_of"}


def raw_cell_reads(source: str) -> list[str]:
    """``line: what`` for each place ``source`` reads a cell as JSON: the string ``"cell_type"``, or an import of
    the model's helpers that read a raw cell (:data:`_RAW_HELPERS`)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and node.value == "cell_type":
            found.append(f"line {node.lineno}: 'cell_type'")
        elif isinstance(node, ast.ImportFrom) and node.module == "autograder.model.notebook":
            found += [f"line {node.lineno}: {a.name}" for a in node.names if a.name in _RAW_HELPERS]
    return found


def test_a_notebook_is_read_once_into_the_models_cells():
    """A submission's notebook is read once, into the model's typed cells (``model/notebook.py``'s
    ``SubmittedCell``: kind, text, grade_id, nbgrader metadata, position), which restore, the run order, the
    recognition, the engine and the similarity report use: no module outside the model reads a cell as JSON, but
    those of :data:`RAW_CELL_READERS`, each for its reason."""
    wrong = {}
    for path in product_modules():
        rel = _rel(path)
        if rel.startswith("autograder/model/") or rel in RAW_CELL_READERS:
            continue
        reads = raw_cell_reads(path.read_text(encoding="utf-8"))
        if reads:
            wrong[rel] = reads
    assert not wrong, f"raw cell JSON read outside the model (use model.notebook.read_cells): {wrong}"
    for rel in RAW_CELL_READERS:
        assert raw_cell_reads((ROOT / rel).read_text(encoding="utf-8")), f"{rel} reads no cell as JSON any more"
    assert raw_cell_reads("from autograder.model.notebook import cell_text, load_source\n"
                          "ok = cell.get('cell_type') == 'code'\n") == ["line 1: cell_text", "line 2: 'cell_type'"]
