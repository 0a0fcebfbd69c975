"""Self-checks for the course's problem-set notebooks (not graded; the same code in every problem set).

Every notebook carries this module in its set-up cell (``make release`` writes it there from
``student_side/selfcheck.py``, the one copy the instructor edits), so a notebook needs no file beside
it. The set-up cell runs it as the module ``selfcheck`` and imports::

    from selfcheck import library_calls, needs_your, keep_data, data_file

``library_calls(fn)``
    The names of the library functions that ``fn`` — or a helper of yours that it calls — uses although
    they are a ready-made version of a function this problem set asks you to write (``[]`` when there are
    none). A function that uses one earns no points at grading. The first test cell of each function
    calls it for you.

``with needs_your("softmax"):``
    For the cells that use your functions (figures, demos): while one of them is still the template
    (it raises ``NotImplementedError``), or the data cell it needs has not run, the cell prints one line
    saying so instead of failing.

``keep_data(name, sha256=..., base64=...)`` and ``data_file(name)``
    A notebook's data cell hands its file's bytes to ``keep_data``; a training cell reads the file with
    ``np.loadtxt(data_file(name), ...)``.

``start(requirements)``
    Run by the set-up cell: a missing or too old package (NumPy, SciPy, matplotlib) is said in one line
    with what to install, and in a Jupyter kernel a test cell that calls a function still the template
    says "not attempted yet" in one line instead of a traceback; a test cell whose comparison cannot
    compare what a function returned (None, or an array of another shape) says so in one line more.

``confirm_bounds``, ``confirm_gradient``, ``confirm_maximum`` (problem sets 1 to 3)
    Run *your* result of a derivation numerically and say whether it agrees: your bounds against log-sum-exp
    computed exactly (ps1), your gradient against central differences of your own loss (ps2), your
    maximum-likelihood estimates against a brute-force search of your own log-likelihood (ps3). They never
    say what the result should be. A lesson cell imports the one it runs (``from selfcheck import …``).

Only the standard library is imported here: NumPy and SciPy are looked up among the modules your
notebook has already imported, never imported by this file, so it works wherever your notebook does.
The grader does not use this code: it has its own checks, run on its own side.
"""

import ast
import base64 as _base64
import contextlib
import decimal
import dis
import gzip
import hashlib
import importlib.metadata
import importlib.util
import io
import linecache
import math
import random
import re
import sys
import types

#: Problem set -> (the functions it asks for, the ready-made library versions they may not use).
PROBLEM_SETS = {
    "ps1_softmax": (
        ("logsumexp", "softmax", "log_softmax"),
        ("scipy.special.softmax", "scipy.special.log_softmax", "scipy.special.logsumexp",
         "torch", "jax", "tensorflow"),
    ),
    "ps2_cross_entropy": (
        ("cross_entropy", "cross_entropy_grad"),
        ("scipy.special.softmax", "scipy.special.log_softmax", "scipy.special.logsumexp",
         "sklearn.metrics.log_loss", "torch", "jax", "tensorflow"),
    ),
    "ps3_gaussian": (
        ("gaussian_log_pdf", "gaussian_log_likelihood", "gaussian_mle", "mvn_log_pdf"),
        ("scipy.stats.norm", "scipy.stats.multivariate_normal", "torch", "jax", "tensorflow"),
    ),
    "ps4_bernoulli": (
        ("sigmoid", "bernoulli_log_pmf", "binary_cross_entropy", "binary_cross_entropy_with_logits"),
        ("scipy.special.expit", "scipy.special.log_expit", "scipy.stats.bernoulli", "sklearn.metrics.log_loss",
         "scipy.special.cython_special.expit", "scipy.special.cython_special.log_expit",
         "torch", "jax", "tensorflow"),
    ),
    "ps5_gaussian_kl": (
        ("gaussian_kl", "mvn_kl", "vae_kl"),
        ("torch", "jax", "tensorflow", "scipy.stats.norm", "scipy.stats.multivariate_normal"),
    ),
    "ps6_information": (
        ("entropy", "kl_divergence", "js_divergence", "bayes_posterior", "map_linear_regression"),
        ("scipy.stats.entropy", "scipy.special.entr", "scipy.special.rel_entr", "scipy.special.kl_div",
         "scipy.spatial.distance.jensenshannon", "scipy.special.cython_special.entr",
         "scipy.special.cython_special.rel_entr", "scipy.special.cython_special.kl_div", "torch", "jax", "tensorflow"),
    ),
}


def library_calls(fn):
    """The forbidden library functions that ``fn`` (or a helper of yours that it calls) uses, sorted.

    Your other graded functions are not followed: each is checked on its own.
    """
    namespace = sys._getframe(1).f_globals
    functions, forbidden = PROBLEM_SETS[_problem_set(fn, namespace)]
    objects, prefixes = _forbidden_objects(forbidden)
    found = set()

    def note(obj):
        if id(obj) in objects:
            found.add(objects[id(obj)])
        module = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", None)
        for prefix in prefixes:
            if isinstance(module, str) and (module == prefix or module.startswith(prefix + ".")):
                found.add(prefix)

    def note_dotted(dotted):
        for name in forbidden:
            if dotted == name or dotted.startswith(name + "."):
                found.add(name)

    stack, seen = [fn], set()
    while stack:
        f = stack.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        note(f)
        if not isinstance(f, types.FunctionType):
            stack.extend(_yours(f, namespace))
            continue
        for cell in f.__closure__ or ():
            try:
                stack.append(cell.cell_contents)
            except ValueError:  # an empty closure cell
                pass
        imported = []
        for kind, root, *attrs in _chains(f.__code__):
            if kind == "import":
                imported.append(root)
                note_dotted(".".join([root, *attrs]))
                continue
            if kind == "local":  # `import scipy.special as sp` or `from scipy import special`; `import scipy.special`
                for module in imported:
                    note_dotted(".".join([module, *attrs]))
                if any(module.split(".")[0] == root for module in imported):
                    note_dotted(".".join([root, *attrs]))
                continue
            if root not in f.__globals__:
                continue
            obj = f.__globals__[root]
            note(obj)
            for attr in attrs:
                try:
                    obj = getattr(obj, attr)
                except Exception:  # noqa: BLE001 - an attribute a library computes lazily may fail
                    break
                note(obj)
            if (isinstance(obj, types.FunctionType) and obj.__globals__ is f.__globals__
                    and not (obj is not fn and obj.__name__ in functions and not attrs)):
                stack.append(obj)
            elif not isinstance(obj, types.FunctionType):
                stack.extend(_yours(obj, f.__globals__))
    return sorted(found)


def _yours(obj, namespace):
    """The functions of yours that ``obj`` holds: every method of a class of yours (and of the classes of yours it
    derives from), of an instance's class, of a bound method's object, and the bound method's function."""
    out = []
    if isinstance(obj, types.MethodType):
        out.append(obj.__func__)
        obj = obj.__self__
    for cls in (obj if isinstance(obj, type) else type(obj)).__mro__:
        methods = _methods(cls)
        if any(m.__globals__ is namespace for m in methods):
            out.extend(methods)
    return out


def _methods(cls):
    """The functions of a class's own namespace: its methods, static and class methods, properties' accessors."""
    try:
        values = list(vars(cls).values())
    except TypeError:  # a class whose metaclass hides its namespace
        return []
    out = []
    for value in values:
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            out.extend(x for x in (value.fget, value.fset, value.fdel) if isinstance(x, types.FunctionType))
        elif isinstance(value, types.FunctionType):
            out.append(value)
    return out


@contextlib.contextmanager
def needs_your(*names):
    """Run a with-block that uses your functions ``names``; while one is still the template, or the data the
    block reads was not loaded, say so in one line instead of failing."""
    try:
        yield
    except (NotImplementedError, SetupProblem) as exc:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close("all")   # no half-drawn figure
        if isinstance(exc, SetupProblem):
            print(exc)
            return
        listed = " and ".join(f"`{name}`" for name in names)
        print(f"This cell uses your {listed}: still the template above. Implement it, then run this cell again.")


class SetupProblem(Exception):
    """Something besides your code keeps a cell from running (a package, the data); the message says what to do.

    In a Jupyter kernel, after :func:`start`, it is shown as its one-line message, without a traceback.
    """


_DATA = {}


def keep_data(name, sha256, base64):
    """Keep the bytes of the data file ``name`` (given in ``base64``) for :func:`data_file`.

    A notebook's data cell calls this; ``sha256`` is the file's SHA-256, so a changed cell is noticed.
    """
    raw = _base64.b64decode(base64)
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise SetupProblem(f"The data cell of `{name}` was changed (its bytes are not the released ones): copy that "
                           "cell again from the released notebook, run it, then this cell again.")
    _DATA[name] = raw


def data_file(name):
    """The data file ``name`` kept by the notebook's data cell, as text for ``np.loadtxt`` (a ``.gz`` unzipped).

    Raises :class:`SetupProblem` (one line: which cell to run) when the data cell has not run yet.
    """
    if name not in _DATA:
        raise SetupProblem(f"This cell reads `{name}`, which the data cell above holds (collapsed, titled "
                           "\"Data: …\"): run that cell, then this one.")
    raw = _DATA[name]
    return io.StringIO((gzip.decompress(raw) if name.endswith(".gz") else raw).decode("utf-8"))


def start(requirements=()):
    """Set up the notebook: one-line messages in a Jupyter kernel, and the packages ``requirements`` checked.

    ``requirements`` are ``"name>=version"`` lines (the course's requirements.txt). A missing or too old
    package raises :class:`SetupProblem`, naming what to install.
    """
    shell = _shell()
    if shell is not None and all(exc in _HANDLED or getattr(exc, "__module__", None) == __name__
                                 for exc in shell.custom_exceptions):   # none yet, or this module's: no other's
        shell.set_custom_exc(_HANDLED + (SetupProblem,), _one_line)
    problems, needed = [], []
    for requirement in requirements:
        name, _, minimum = (part.strip() for part in requirement.partition(">="))
        found = _version(name)
        if found is None:
            problems.append(f"{name} (not installed)")
        elif found and minimum and _numbers(found) < _numbers(minimum):
            problems.append(f"{name} >= {minimum} (found {found})")
        else:
            continue
        needed.append(f'"{name}>={minimum}"' if minimum else name)
    if problems:
        raise SetupProblem(f"This notebook needs {', '.join(problems)}: run `%pip install {' '.join(needed)}` in a "
                           "new cell, restart the kernel, then run the notebook from the top.")
    print("Set-up done: the self-checks are ready (not graded).")


def _version(name):
    """The installed version of distribution ``name``; "" when it imports but has no metadata; None when missing."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "" if importlib.util.find_spec(name) is not None else None


def _numbers(version):
    """``"1.26.4"`` -> ``(1, 26, 4)`` (the leading numeric release; ``"2.0.0rc1"`` -> ``(2, 0, 0)``)."""
    match = re.match(r"\d+(\.\d+)*", version.strip())
    return tuple(int(part) for part in match.group().split(".")) if match else ()


def _shell():
    """The running IPython shell, or None (no IPython imported, or not in a kernel)."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None


#: Every function some problem set asks for (the template of one raises NotImplementedError).
_FUNCTIONS = frozenset(name for functions, _ in PROBLEM_SETS.values() for name in functions)


#: The exceptions :func:`_one_line` looks at (besides :class:`SetupProblem`); any it does not explain keeps its
#: traceback as IPython shows it.
_HANDLED = (NotImplementedError, TypeError, ValueError, IndexError)
_ONE_NUMBER = ("a function of yours returned one number where this check expects an array: print its result and its "
               "np.shape.")
#: What a comparison in a check cell raises when a function's result is not what it can compare: (words in the
#: error, what to say). A function returning None (its ``return`` forgotten), or an array of another shape.
_NOT_COMPARABLE = (
    ("'NoneType'", "a function of yours returned None here: is the `return` at the end of it missing?"),
    ("truth value of an array", "a function of yours returned an array where this check expects one number: "
                                "print its result and its np.shape."),
    ("could not be broadcast", "a function of yours returned an array of another shape than this check expects: "
                               "print its result and its np.shape."),
    ("invalid index to scalar variable", _ONE_NUMBER),
    ("object is not subscriptable", _ONE_NUMBER),
    ("'map'", "a function of yours returned a map object (a lazy iterator), not an array: make an array of it."),
    ("'generator'", "a function of yours returned a generator, not an array: make an array of it."),
    ("not supported for the input types", "a function of yours returned something that is not numbers (None, or an "
                                          "iterator): print its result and its type."),
)


def _one_line(shell, etype, value, tb, tb_offset=None):
    """IPython's handler of :class:`SetupProblem`, ``NotImplementedError`` and a check cell's comparison that
    could not compare: one line instead of a traceback, or the traceback with one line more.

    ``NotImplementedError`` is shortened only when a function of the notebook's that a problem set asks for
    raised it; a ``TypeError``, ``ValueError`` or ``IndexError`` gets a line only when the cell's own code raised it
    (a comparison given None or an array of another shape: :data:`_NOT_COMPARABLE`), never one raised inside a
    function of the notebook's; the line names the function when one of the notebook's gave the value compared
    (:func:`_the_function`); any other keeps its traceback. The cell still fails (an error output), as before.
    """
    entries, frame = [], tb
    while frame is not None:
        entries.append((frame.tb_frame, frame.tb_lineno))
        frame = frame.tb_next
    if issubclass(etype, SetupProblem):
        line = str(value)
    elif not issubclass(etype, NotImplementedError):
        stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
        said = next((words for text, words in _NOT_COMPARABLE if text in str(value)), None)
        check = _the_assert(shell, entries) if said is not None else None
        if check is not None:
            name = _the_function(shell, *check)
            said = said.replace("a function of yours", f"`{name}`", 1) if name else said
            stb = list(stb) + [f"This check could not compare the result: {said}"]
        shell._showtraceback(etype, value, stb)
        return None
    else:
        mine = [f.f_code.co_name for f, _ in entries
                if f.f_code.co_name in _FUNCTIONS and f.f_globals is shell.user_ns]
        if not mine:
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
            return None
        line = (f"`{mine[-1]}` raised NotImplementedError: {value}" if str(value) else
                f"`{mine[-1]}` is not attempted yet: it still raises NotImplementedError (the template). "
                "Write it in its solution cell above and run that cell, then this one.")
    shell._showtraceback(etype, value, [line])
    return None


def _the_assert(shell, entries):
    """``(the cell's syntax tree, the assert statement)`` when the deepest frame of the notebook's in ``entries``
    (``(frame, line)`` of a traceback) is a cell's own code (not a function of the notebook's) inside an ``assert``
    (any of its lines): a check cell's comparison; else None."""
    ours = [(f, line) for f, line in entries if f.f_globals is shell.user_ns]
    if not ours or ours[-1][0].f_code.co_name != "<module>":
        return None
    frame, line = ours[-1]
    try:
        tree = ast.parse("".join(linecache.getlines(frame.f_code.co_filename)))
    except (SyntaxError, ValueError):  # (a cell IPython transformed: magics; no comparison said then)
        return None
    found = [node for node in ast.walk(tree)
             if isinstance(node, ast.Assert) and node.lineno <= line <= (node.end_lineno or node.lineno)]
    return (tree, found[-1]) if found else None


def _the_function(shell, tree, check):
    """The name of the one function of the notebook's whose result the ``check`` compares: called in it, or
    called to make a name it reads (``loss = cross_entropy(...)`` earlier in the cell); None for none or several."""
    def called(node):
        return {call.func.id for call in ast.walk(node) if isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name) and isinstance(shell.user_ns.get(call.func.id), types.FunctionType)
                and shell.user_ns[call.func.id].__globals__ is shell.user_ns}

    names = called(check.test)
    read = {node.id for node in ast.walk(check.test) if isinstance(node, ast.Name)}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and node.lineno < check.lineno
                and any(isinstance(target, ast.Name) and target.id in read for target in node.targets)):
            names |= called(node.value)
    return names.pop() if len(names) == 1 else None


def _problem_set(fn, namespace):
    """The problem set of ``fn``: the one whose function name the notebook (the caller's globals) binds to
    ``fn``; else the one with the most functions the notebook defines; else ``fn``'s own name."""
    for ps, (functions, _) in PROBLEM_SETS.items():
        if any(namespace.get(name) is fn for name in functions):
            return ps

    def defined(ps):
        return sum(isinstance(namespace.get(name), types.FunctionType) and namespace[name].__globals__ is namespace
                   for name in PROBLEM_SETS[ps][0])

    best = max(PROBLEM_SETS, key=defined)
    if defined(best):
        return best
    for ps, (functions, _) in PROBLEM_SETS.items():
        if getattr(fn, "__name__", None) in functions:
            return ps
    raise ValueError(f"fn: expected one of the functions a problem set asks for, got {fn!r}")


def _forbidden_objects(forbidden):
    """``({id(object): name}, [module prefixes])`` for the forbidden names, from what is imported already."""
    objects, prefixes = {}, []
    for name in forbidden:
        parts, obj = name.split("."), None
        for cut in range(len(parts), 0, -1):
            obj = sys.modules.get(".".join(parts[:cut]))   # only what is imported already: nothing is loaded here
            if obj is None:
                continue
            for attr in parts[cut:]:
                # a module's own dictionary, not getattr: SciPy loads a submodule on attribute access (seconds)
                obj = vars(obj).get(attr) if isinstance(obj, types.ModuleType) else getattr(obj, attr, None)
            break
        if obj is None or isinstance(obj, types.ModuleType):
            prefixes.append(name)
        else:
            objects[id(obj)] = name
    return objects, prefixes


def _chains(code):
    """Names a function loads, with the attributes taken from them: (kind, root, attr, ...); ("import", "a.b")
    for ``import a.b`` and for ``from a import b``. (The grader reads chains the same way.)"""
    codes = [code]
    for co in codes:
        codes.extend(c for c in co.co_consts if isinstance(c, types.CodeType))
        chain = None
        for ins in dis.get_instructions(co):
            name = ins.argval
            # the loads of a local: LOAD_FAST, and from Python 3.12 LOAD_FAST_CHECK, LOAD_FAST_LOAD_FAST (a pair of
            # names: the chain starts from the last), LOAD_FAST_BORROW (3.14) and the like
            if isinstance(name, tuple) and name and "LOAD_FAST" in ins.opname:
                name = name[-1]
            kind = {"IMPORT_NAME": "import", "LOAD_GLOBAL": "global", "LOAD_NAME": "global"}.get(ins.opname)
            if kind is None and ("LOAD_FAST" in ins.opname or ins.opname == "LOAD_DEREF"):
                kind = "local"
            if kind is not None and isinstance(name, str):
                if chain:
                    yield chain
                chain = [kind, name]
            elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and chain:
                chain.append(ins.argval)
            elif ins.opname == "IMPORT_FROM" and chain and chain[0] == "import":
                yield ["import", f"{chain[1]}.{ins.argval}"]
            else:
                if chain:
                    yield chain
                chain = None
        if chain:
            yield chain


# ==================================================================================================================
# Confirmation helpers, problem sets 1 to 3 ("lessons ask; checks confirm"): each runs a student's own result of a
# derivation and says whether it agrees, never what it should be. (Problem sets 4 to 6: the section below this one.)
# ==================================================================================================================

def _numpy():
    """NumPy as the notebook imported it (this module never imports it)."""
    np = sys.modules.get("numpy")
    if np is None:
        raise SetupProblem("This check needs NumPy: run the notebook's imports cell (`import numpy as np`) first.")
    return np


def _short(values, digits=4):
    """A list of numbers, short: ``[1000.0, -3.2, …]`` (at most six shown)."""
    shown = ", ".join(f"{float(v):.{digits}g}" for v in list(values)[:6])
    return f"[{shown}{', …' if len(values) > 6 else ''}]"


#: Logits that ps1's bounds are confirmed on: sizes C and scales (|z| up to 1e6), besides the cases below.
_BOUND_SIZES = (1, 2, 3, 5, 10, 50)
_BOUND_SCALES = (1.0, 10.0, 100.0, 1000.0, 1e6)


def _bound_cases(cases, seed):
    """Logit vectors: random ones of every size and scale, then the extremes (all logits equal, one far above
    the others, ties at the top), each a list of floats."""
    rng = random.Random(seed)
    out = [[rng.gauss(0.0, rng.choice(_BOUND_SCALES)) for _ in range(rng.choice(_BOUND_SIZES))] for _ in range(cases)]
    for c in _BOUND_SIZES:
        out.append([rng.uniform(-1e3, 1e3)] * c)
        out.append([rng.uniform(-10, 10)] + [-1e4] * (c - 1))
        if c >= 3:
            out.append([7.0, 7.0] + [rng.uniform(-20, 0) for _ in range(c - 2)])
    return out


def _exact_log_sum_exp(z):
    """log Σ e^{z_j} of floats, computed as it is written, in 40-digit decimal arithmetic (no overflow there)."""
    with decimal.localcontext(decimal.Context(prec=40, Emax=10**9, Emin=-10**9)):
        return sum(decimal.Decimal(v).exp() for v in z).ln()


def _floats(value, n, what):
    """``value`` as a list of ``n`` floats (a number for ``n`` None), or ValueError naming ``what``."""
    np = _numpy()
    arr = np.asarray(value, dtype=float)
    if n is None:
        if arr.size != 1:
            raise ValueError(f"bounds: {what} should be one number, got shape {arr.shape}")
        return float(arr.reshape(()))
    if arr.shape != (n,):
        raise ValueError(f"bounds: {what} should have the shape of z, ({n},), got {arr.shape}")
    return [float(v) for v in arr]


def confirm_bounds(bounds, cases=300, seed=0):
    """Problem set 1, 4(b) and 4(c): do your bounds hold, and are they tight?

    ``bounds(z)`` takes a 1-D array of logits and returns ``(lse_lower, lse_upper, logp_lower, logp_upper)``:
    your lower and upper bounds of LSE(z) (two numbers) and of log softmax(z)_i (two arrays shaped like z),
    each written with z_i, m = max(z) and C = len(z) only. They are compared with log-sum-exp and log-softmax
    computed exactly (40-digit decimals, the textbook formula) on ``cases`` random logit vectors and on the
    extremes (all logits equal, one far above the others, ties). For each bound it says whether it holds, and
    whether some logits reach it (equality) or how close it comes. Returns True when all four hold.
    """
    np = _numpy()
    if not callable(bounds):
        raise ValueError(f"bounds: expected your function bounds(z), got {type(bounds).__name__}")
    found = {name: {"fails": 0, "first": None, "closest": math.inf} for name in
             ("lower bound of LSE(z)", "upper bound of LSE(z)", "lower bound of log softmax(z)_i",
              "upper bound of log softmax(z)_i")}
    vectors = _bound_cases(cases, seed)
    for z in vectors:
        lse = _exact_log_sum_exp(z)
        result = bounds(np.array(z))
        if not isinstance(result, (tuple, list)) or len(result) != 4:
            raise ValueError("bounds: bounds(z) should return four things, (lse_lower, lse_upper, logp_lower, "
                             f"logp_upper), got {type(result).__name__}")
        lo, hi = _floats(result[0], None, "lse_lower"), _floats(result[1], None, "lse_upper")
        plo, phi = _floats(result[2], len(z), "logp_lower"), _floats(result[3], len(z), "logp_upper")
        true_lse = float(lse)
        logp = [float(decimal.Decimal(v) - lse) for v in z]
        checks = [("lower bound of LSE(z)", [true_lse - lo], true_lse), ("upper bound of LSE(z)", [hi - true_lse], true_lse),
                  ("lower bound of log softmax(z)_i", [p - b for p, b in zip(logp, plo)], max(map(abs, logp))),
                  ("upper bound of log softmax(z)_i", [b - p for p, b in zip(logp, phi)], max(map(abs, logp)))]
        for name, gaps, size in checks:
            tol = 1e-9 * (1.0 + abs(size))
            entry = found[name]
            if any(not math.isfinite(g) or g < -tol for g in gaps):
                entry["fails"] += 1
                if entry["first"] is None:
                    entry["first"] = (z, min(gaps) if all(map(math.isfinite, gaps)) else math.nan)
            else:
                entry["closest"] = min(entry["closest"], min(gaps))
                entry["reached"] = entry.get("reached", False) or min(gaps) <= tol
    print(f"Your bounds on {len(vectors)} logit vectors (C from 1 to 50, logits up to about 1e6 in size):")
    for name, entry in found.items():
        if entry["fails"]:
            z, gap = entry["first"]
            by = "is not a number" if math.isnan(gap) else f"is off by {abs(gap):.3g}"
            print(f"  {name}: FAILS on {entry['fails']} of them; the first, z = {_short(z)}: your bound {by}")
        elif entry.get("reached"):
            print(f"  {name}: holds on every one, with equality on some of them")
        else:
            print(f"  {name}: holds on every one, but never comes closer than {entry['closest']:.3g}: can it be "
                  "made tighter with m and C?")
    return not any(entry["fails"] for entry in found.values())


def confirm_gradient(grad, loss, logits, targets, h=1e-5):
    """Problem set 2: does your gradient agree with central differences of your own loss?

    ``grad(logits, targets)`` is compared, entry by entry, with ``(loss(z + h e) - loss(z - h e)) / (2 h)``, the
    central difference of ``loss`` along each logit (accurate to about 1e-10 here, so a right gradient agrees to
    about 1e-8 relative or better, and a wrong one shows as a large difference). It says how large the largest
    relative difference is, and where; returns True when it is below 1e-6.
    """
    np = _numpy()
    if not (callable(grad) and callable(loss)):
        raise ValueError("grad, loss: expected your two functions, grad(logits, targets) and loss(logits, targets)")
    logits = np.array(logits, dtype=float)
    if logits.ndim != 2:
        raise ValueError(f"logits: expected a 2-D array (N, C), got shape {logits.shape}")
    analytic = np.asarray(grad(logits.copy(), targets), dtype=float)
    if analytic.shape != logits.shape:
        print(f"Your gradient has shape {analytic.shape}; the logits have shape {logits.shape}: it cannot agree.")
        return False
    numeric = np.zeros_like(logits)
    for idx in np.ndindex(*logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (float(loss(up, targets)) - float(loss(down, targets))) / (2 * h)
    scale = float(np.max(np.abs(analytic) + np.abs(numeric)))
    diff = np.abs(analytic - numeric)
    rel = float(np.max(diff)) / scale if scale > 0 else 0.0
    if not np.isfinite(rel):
        print("Your gradient (or your loss) is not finite on these logits: it cannot agree.")
        return False
    where = np.unravel_index(int(np.argmax(diff)), diff.shape)
    if rel < 1e-6:
        print(f"Agrees with central differences of your loss: largest relative difference {rel:.1e}.")
        return True
    print(f"Does NOT agree with central differences of your loss: largest relative difference {rel:.2g}, at row "
          f"{where[0]}, column {where[1]} (if your loss passed its checks, look at your gradient there).")
    return False


def _search_maximum(f, mu, log_sigma, step_mu, step_log):
    """A compass search (brute force, no derivative): from ``(mu, log_sigma)``, try a step along each axis both
    ways, move while one is better, halve the steps when none is, until they are below 1e-12 of the scale."""
    best = f(mu, log_sigma)
    while step_mu > 1e-12 * (1.0 + abs(mu)) or step_log > 1e-12:
        for dm, dl in ((step_mu, 0.0), (-step_mu, 0.0), (0.0, step_log), (0.0, -step_log)):
            value = f(mu + dm, log_sigma + dl)
            if value > best:
                best, mu, log_sigma = value, mu + dm, log_sigma + dl
                break
        else:
            step_mu, step_log = step_mu / 2, step_log / 2
    return mu, log_sigma, best


def confirm_maximum(mle, log_likelihood, sample):
    """Problem set 3: do your estimates maximise your own log-likelihood?

    ``mle(sample)`` gives ``(mu_hat, sigma_hat)``; a brute-force search (a grid, then a compass search, no
    formula and no derivative) looks for the ``(mu, sigma)`` where ``log_likelihood(sample, mu, sigma)`` is
    largest, and says whether yours is that maximum: whether each estimate agrees with the search's to 1e-6,
    and whether the search found a larger log-likelihood. Returns True when both agree.
    """
    np = _numpy()
    if not (callable(mle) and callable(log_likelihood)):
        raise ValueError("mle, log_likelihood: expected your two functions, mle(x) and log_likelihood(x, mu, sigma)")
    x = np.array(sample, dtype=float)
    if x.ndim != 1 or np.ptp(x) == 0 or not np.all(np.isfinite(x)):
        raise ValueError("sample: expected a 1-D sample of finite numbers with at least two different values")
    mu_hat, sigma_hat = (float(v) for v in mle(x.copy()))

    def f(mu, log_sigma):
        value = float(log_likelihood(x, mu, math.exp(log_sigma)))
        return value if math.isfinite(value) else -math.inf

    lo, hi = float(x.min()), float(x.max())
    spread = hi - lo
    grid = [(f(m, s), m, s) for m in np.linspace(lo, hi, 41)
            for s in np.linspace(math.log(spread / 200), math.log(spread), 41)]
    _, mu0, s0 = max(grid)
    mu, log_sigma, best = _search_maximum(f, mu0, s0, spread / 40, math.log(200) / 40)
    sigma = math.exp(log_sigma)
    yours = f(mu_hat, math.log(sigma_hat)) if sigma_hat > 0 else -math.inf
    mu_ok = abs(mu_hat - mu) <= 1e-6 * (abs(mu) + sigma)
    sigma_ok = sigma_hat > 0 and abs(sigma_hat - sigma) <= 1e-6 * sigma
    print(f"A brute-force search of your log-likelihood on this sample ({x.size} values):")
    print(f"  mu_hat: {'agrees with' if mu_ok else 'does NOT agree with'} the maximum it finds")
    print(f"  sigma_hat: {'agrees with' if sigma_ok else 'does NOT agree with'} the maximum it finds")
    if best > yours + 1e-9 * (1.0 + abs(best)):
        print(f"  it found a log-likelihood larger than at your estimates by {best - yours:.3g}")
    return mu_ok and sigma_ok


# ------------------------------------------------------------------------------------------------------------------
# Checks of your own derivations: problem sets 4, 5 and 6.
#
# Each confirms a result you derived by hand numerically, from your own code, and says whether it agrees; none says
# what the result should be. The notebook's cells call them as ``selfcheck.<name>(...)``:
#
# ``check_gradient(loss, gradient, x, *args)`` (ps4)
#     Your ``gradient(x, *args)`` against central differences of your ``loss(x, *args)`` (one number).
# ``check_by_sampling(label, yours, log_ratios)`` (ps5)
#     Your closed form of a KL divergence, ``yours``, against the Monte Carlo average of ``log_ratios``
#     (log p(x) - log q(x) for draws x from P), within its standard error.
# ``check_maximiser(label, log_posterior, yours)`` (ps6)
#     Your weights ``yours`` against a brute-force search for the weights that maximise ``log_posterior``.
# ------------------------------------------------------------------------------------------------------------------


def check_gradient(loss, gradient, x, *args, step=1e-6, tolerance=1e-6):
    """Compare your ``gradient(x, *args)`` (an array of ``x``'s shape) with central differences of your
    ``loss(x, *args)`` (one number): each entry of ``x`` moved by ``±step`` (relative to its size), the change
    of the loss divided by the change of the entry. Prints whether the two agree (largest difference relative to
    the gradient's largest entry under ``tolerance``); never what the gradient should be."""
    np = _numpy()
    x = np.array(x, dtype=np.float64)
    name, of = f"`{getattr(gradient, '__name__', 'gradient')}`", f"`{getattr(loss, '__name__', 'loss')}`"
    analytic = np.asarray(gradient(x.copy(), *args), dtype=np.float64)
    if analytic.shape != x.shape:
        print(f"{name} does not agree: it returned shape {analytic.shape}, one entry per entry of x is {x.shape}.")
        return
    numeric = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[index] += step * max(1.0, abs(x[index]))
        down[index] -= step * max(1.0, abs(x[index]))
        numeric[index] = (float(loss(up, *args)) - float(loss(down, *args))) / (up[index] - down[index])
    if not np.all(np.isfinite(analytic)):
        print(f"{name} does not agree: it returned inf or nan where central differences of your {of} are finite.")
        return
    scale = max(float(np.max(np.abs(numeric))), float(np.max(np.abs(analytic))), 1e-300)
    worst = float(np.max(np.abs(analytic - numeric))) / scale
    if worst <= tolerance:
        print(f"{name} agrees with central differences of your {of}: largest difference {worst:.1e} of the "
              f"gradient's size (under {tolerance:g}).")
        return
    said = f"{name} does not agree with central differences of your {of}: largest difference {worst:.2g} of the " \
           "gradient's size"
    sure = np.abs(numeric) > 1e-3 * scale
    ratios = analytic[sure] / numeric[sure]
    if ratios.size and np.allclose(ratios, ratios[0], rtol=1e-3, atol=0):
        said += f". Yours is {ratios[0]:.4g} times the differences' at every entry: a constant factor or a sign is off"
    print(said + ".")


def check_by_sampling(label, yours, log_ratios, within=4.0):
    """Compare ``yours`` (your closed form of KL(P || Q), one number) with the Monte Carlo average of
    ``log_ratios`` (log p(x) - log q(x) for independent draws x from P). Prints whether they agree (within
    ``within`` standard errors of the average); never the average itself."""
    np = _numpy()
    log_ratios = np.asarray(log_ratios, dtype=np.float64).ravel()
    yours = np.asarray(yours, dtype=np.float64)
    if yours.size != 1:
        print(f"{label}: does not agree: your value has shape {yours.shape}, one number is expected.")
        return
    yours = float(yours.ravel()[0])
    error = float(np.std(log_ratios)) / np.sqrt(log_ratios.size)
    gap = abs(yours - float(np.mean(log_ratios)))
    if not np.isfinite(yours):
        print(f"{label}: does not agree: your value is {yours}, the sampled average is finite.")
    elif gap <= within * error:
        print(f"{label}: agrees with sampling ({log_ratios.size:,} draws: within {gap / error:.1f} standard errors).")
    else:
        print(f"{label}: does not agree with sampling ({log_ratios.size:,} draws): {gap / error:.0f} standard errors "
              "away.")


def check_maximiser(label, log_posterior, yours, tolerance=1e-6):
    """Compare your weights ``yours`` with a brute-force search for the maximum of ``log_posterior(w)``: from w = 0,
    a compass search moves one weight at a time by ± a step while that raises ``log_posterior``, and halves the step
    when no move does. Prints whether yours agree (the search's weights within ``tolerance`` of yours, relative to
    their size, and no more probable than yours beyond rounding); never the weights found."""
    np = _numpy()
    yours = np.asarray(yours, dtype=np.float64).ravel()
    best = np.zeros_like(yours)
    try:
        value, step, evaluations = float(log_posterior(best)), 1.0, 0
    except (ValueError, TypeError):   # (a matrix product of another shape: NumPy's own words are not the point)
        print(f"{label}: does not agree: your weights have shape {yours.shape}, which the model's log posterior does "
              "not take (one weight per column of X).")
        return
    if not np.isfinite(value):
        print(f"{label}: cannot search: the log posterior is {value} at w = 0 (a finite prior is needed).")
        return
    while step > 1e-12 and evaluations < 200_000:
        moved = False
        for index in range(best.size):
            for sign in (1.0, -1.0):
                trial = best.copy()
                trial[index] += sign * step
                evaluations += 1
                trial_value = float(log_posterior(trial))
                if trial_value > value:
                    best, value, moved = trial, trial_value, True
                    break
        if not moved:
            step /= 2
    size = max(float(np.max(np.abs(best))), 1e-12)
    off = float(np.max(np.abs(yours - best))) / size if np.all(np.isfinite(yours)) else np.inf
    gain = value - float(log_posterior(yours)) if np.all(np.isfinite(yours)) else np.inf
    if off <= tolerance and gain <= 1e-9 * max(1.0, abs(value)):
        print(f"{label}: agrees with a brute-force search of the log posterior (within {off:.0e} of its weights).")
    elif gain > 1e-9 * max(1.0, abs(value)):
        print(f"{label}: does not agree: a brute-force search found weights {gain:.3g} nats more probable than yours.")
    else:
        print(f"{label}: does not agree: a brute-force search ends {off:.2g} away from your weights (relative to "
              "their size).")
