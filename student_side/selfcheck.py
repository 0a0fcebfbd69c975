"""Self-checks for the course's problem-set notebooks (not graded; the same code in every problem set).

Every notebook carries this module in its set-up cell (``make release`` writes it there from
``student_side/selfcheck.py``, the one copy the instructor edits), so a notebook needs no file beside it. The
set-up cell runs it as the module ``selfcheck`` and imports::

    from selfcheck import library_calls, needs_your, keep_data, data_file

``library_calls(fn)``
    The library functions that ``fn`` (or a helper of yours it calls) uses although they are a ready-made
    version of a function this problem set asks you to write, or one ``fn`` alone may not use (``[]``: none).
    A function that uses one earns no points at grading; the first test cell of each function calls it.

``with needs_your("softmax"):``
    For the cells that use your functions (figures, demos): while one of them is still the template (it raises
    ``NotImplementedError``), or the data cell it needs has not run, the cell prints one line saying so instead.

``keep_data(name, sha256=..., base64=...)`` and ``data_file(name)``
    A notebook's data cell hands its file's bytes to ``keep_data``; a training cell reads the file ``data_file(name)``.

``start(requirements)``
    Run by the set-up cell: a missing or too old package (NumPy, SciPy, matplotlib) is said in one line with what
    to install, and in a Jupyter kernel a test cell that calls a function still the template says "not attempted
    yet" in one line instead of a traceback; a test cell whose comparison cannot compare what a function returned
    (None, or an array of another shape) says so in one line more.

``confirm_shift``, ``confirm_bounds``, ``confirm_gradient``, ``confirm_maximum``, ``confirm_by_sampling``
    Run *your* result of a derivation numerically and say whether it agrees: your LSE and softmax through a constant,
    and your bounds, against them computed exactly (ps1); your gradient against central differences of your own loss
    (ps2, ps4); your estimates or weights against a brute-force search for the maximum (ps3, ps6); your closed-form KL
    against a Monte Carlo average (ps5). They never say what the result should be; each returns True when yours
    agrees. A lesson cell imports the one it runs (``from selfcheck import …``).

Only the standard library is imported here: NumPy and SciPy are looked up among the modules your notebook has
already imported, never imported by this file, so it works wherever your notebook does. The grader does not use
this code: it has its own checks, run on its own side.
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
import warnings

#: Problem set -> (its functions, the ready-made library versions they may not use[, {function: those only it may not}])
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
    functions, forbidden, *own = PROBLEM_SETS[_problem_set(fn, namespace)]
    forbidden += next((own[0].get(name, ()) for name in functions if own and namespace.get(name) is fn), ())
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
_FUNCTIONS = frozenset(name for functions, *_ in PROBLEM_SETS.values() for name in functions)


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
    for ps, (functions, *_) in PROBLEM_SETS.items():
        if any(namespace.get(name) is fn for name in functions):
            return ps

    def defined(ps):
        return sum(isinstance(namespace.get(name), types.FunctionType) and namespace[name].__globals__ is namespace
                   for name in PROBLEM_SETS[ps][0])

    best = max(PROBLEM_SETS, key=defined)
    if defined(best):
        return best
    for ps, (functions, *_) in PROBLEM_SETS.items():
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
# Confirmations of your own derivations ("lessons ask; checks confirm"), problem sets 1 to 6.
#
# Each runs *your* result of a derivation against something computed without the answer, prints whether it agrees
# (one line per result checked, after ``label: `` when given), never what the result should be, and returns True when it
# agrees, False when not: the printed line is for you to read, the value for a cell of yours to act on
# (``if not confirm_gradient(...)``). Arguments: yours first, then what it is confirmed against, then the inputs;
# options by keyword only.
#
# ``confirm_shift(shift)``                      ps1: your 4(a), against log-sum-exp and softmax computed exactly
# ``confirm_bounds(bounds)``                    ps1: your bounds, against log-sum-exp computed exactly
# ``confirm_gradient(gradient, loss, x, *args)`` ps2, ps4: your gradient, against central differences of your loss
# ``confirm_maximum(yours, objective)``         ps3, ps6: your maximiser, against a brute-force (compass) search
# ``confirm_by_sampling(value, log_ratios)``    ps5: your closed form of a KL divergence, against a Monte Carlo average
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


def _say(label, verdict):
    """Print one verdict line, after ``label: `` when there is a label."""
    print(f"{label}: {verdict}" if label else verdict[:1].upper() + verdict[1:])


def _name(fn):
    """```name``` of a function of yours, for a verdict."""
    return f"`{getattr(fn, '__name__', 'yours')}`"


def _entry(index):
    """Where in an array: ``entry 3`` (1-D), ``row 0, column 3`` (2-D), ``entry (1, 0, 2)`` otherwise."""
    if len(index) == 1:
        return f"entry {index[0]}"
    return f"row {index[0]}, column {index[1]}" if len(index) == 2 else f"entry {tuple(int(i) for i in index)}"


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
            raise ValueError(f"{what} should be one number, got shape {arr.shape}")
        return float(arr.reshape(()))
    if arr.shape != (n,):
        raise ValueError(f"{what} should have the shape of z, ({n},), got {arr.shape}")
    return [float(v) for v in arr]


def confirm_shift(shift, *, cases=300, seed=0):
    """Problem set 1, 4(a): do your LSE and softmax through a constant c agree with them computed exactly?

    ``shift(z, c)`` takes a 1-D array of logits and a number c and returns ``(lse, p)``: your LSE(z) written with c
    and S(c) (one number), and your softmax(z) written with z_i, c and S(c) (an array shaped like z). They are
    compared with log-sum-exp and softmax computed exactly (40-digit decimals) on the logit vectors of
    ``confirm_bounds``, each with several constants: the largest logit, 0 where the largest is within 50 of it, and
    three drawn within 50 of the largest (so that every e^{z_j - c} a float64 can hold is held). For each it says
    whether it agrees for every c, or on how many it does not and the first of them. Returns True when both agree.
    """
    np = _numpy()
    if not callable(shift):
        raise ValueError(f"shift: expected your function shift(z, c), got {type(shift).__name__}")
    rng = random.Random(seed + 1)
    misses = {"LSE(z) through c": [], "softmax(z) through c": []}
    vectors = _bound_cases(cases, seed)
    tried = 0
    for z in vectors:
        m, lse = max(z), _exact_log_sum_exp(z)
        exact = [float((decimal.Decimal(v) - lse).exp()) for v in z]
        for c in [m, *(0.0 for _ in range(abs(m) <= 50)), *(m + rng.uniform(-50, 50) for _ in range(3))]:
            tried += 1
            result = shift(np.array(z), c)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise ValueError(f"shift: shift(z, c) should return two things, (lse, p), got {type(result).__name__}")
            lse_yours = _floats(result[0], None, "lse")
            p_yours = _floats(result[1], len(z), "p")
            gaps = {"LSE(z) through c": (abs(lse_yours - float(lse)), 1e-9 * (1.0 + abs(float(lse)))),
                    "softmax(z) through c": (max(abs(y - e) for y, e in zip(p_yours, exact)), 1e-9)}
            for name, (gap, tolerance) in gaps.items():
                if not gap <= tolerance:   # (nan fails too)
                    misses[name].append((z, c, gap))
    print(f"Your 4(a) on {len(vectors)} logit vectors, {tried} constants c in all (from m - 50 to m + 50):")
    for name, missed in misses.items():
        if not missed:
            print(f"  {name}: agrees with it computed exactly, for every c")
            continue
        z, c, gap = missed[0]
        by = "is not a number" if math.isnan(gap) else f"is off by {gap:.3g}"
        print(f"  {name}: does not agree for {len(missed)} of them; the first, z = {_short(z)} and c = {c:.6g}: "
              f"yours {by}")
    return not any(misses.values())


def confirm_bounds(bounds, *, cases=300, seed=0):
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
            print(f"  {name}: does not hold on {entry['fails']} of them; the first, z = {_short(z)}: your bound {by}")
        elif entry.get("reached"):
            print(f"  {name}: holds on every one, with equality on some of them")
        else:
            print(f"  {name}: holds on every one, but never comes closer than {entry['closest']:.3g}: can it be "
                  "made tighter with m and C?")
    return not any(entry["fails"] for entry in found.values())


def confirm_gradient(gradient, loss, x, *args, label=None, h=1e-5, tolerance=1e-6):
    """Problem sets 2 and 4: does your gradient agree with central differences of your own loss?

    ``gradient(x, *args)`` (an array shaped like ``x``) is compared, entry by entry, with
    ``(loss(x + h e) - loss(x - h e)) / (2 h)``, the central difference of your ``loss(x, *args)`` (one number)
    along that entry of ``x``: its error is of order h² plus rounding, about 1e-10 for a smooth loss, so a right
    gradient agrees to about 1e-8 of its largest entry or better and a wrong one by far more. Prints whether the
    largest difference, relative to the gradient's largest entry, is under ``tolerance`` (where it is largest when
    it is not, and whether yours is a constant multiple of the differences: a factor or a sign off).
    """
    np = _numpy()
    if not (callable(gradient) and callable(loss)):
        raise ValueError("gradient, loss: expected your two functions, gradient(x, *args) and loss(x, *args)")
    x = np.array(x, dtype=np.float64)
    yours, of = _name(gradient), _name(loss)
    analytic = np.asarray(gradient(x.copy(), *args), dtype=np.float64)
    if analytic.shape != x.shape:
        _say(label, f"your {yours} does not agree: it returned shape {analytic.shape}, one entry per entry of x is "
                    f"{x.shape}.")
        return False
    numeric = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (float(loss(up, *args)) - float(loss(down, *args))) / (up[index] - down[index])
    if not np.all(np.isfinite(numeric)):
        _say(label, f"cannot check: central differences of your {of} are not finite here (is {of} right?).")
        return False
    if not np.all(np.isfinite(analytic)):
        _say(label, f"your {yours} does not agree: it returned inf or nan where central differences of your {of} "
                    "are finite.")
        return False
    scale = max(float(np.max(np.abs(numeric))), float(np.max(np.abs(analytic))), 1e-300)
    diff = np.abs(analytic - numeric)
    worst = float(np.max(diff)) / scale
    if worst <= tolerance:
        _say(label, f"your {yours} agrees with central differences of your {of}: largest difference {worst:.1e} of "
                    "the gradient's size.")
        return True
    said = (f"your {yours} does not agree with central differences of your {of}: largest difference {worst:.2g} of "
            f"the gradient's size, at {_entry(np.unravel_index(int(np.argmax(diff)), diff.shape))}")
    sure = np.abs(numeric) > 1e-3 * scale
    ratios = analytic[sure] / numeric[sure]
    if ratios.size and np.allclose(ratios, ratios[0], rtol=1e-3, atol=0):
        said += f". Yours is {ratios[0]:.4g} times the differences' at every entry: a constant factor or a sign is off"
    _say(label, said + ".")
    return False


def _value_at(objective, point):
    """``objective(point)`` as a float, or -inf where it is not a finite number or raises ValueError (a point outside
    its domain, e.g. a standard deviation <= 0: the search treats it as worse than any other). Warnings are the
    search's business here, not yours: they are not shown."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = float(objective(point))
        except ValueError:
            return -math.inf
    return value if math.isfinite(value) else -math.inf


def _compass_search(objective, point, step=1.0, smallest=1e-12, evaluations=200_000):
    """The brute force that confirms a maximum (no formula, no derivative): from ``point`` (a float array, changed
    in place), move one coordinate at a time by ± ``step`` while that raises ``objective``, and halve the step when
    no move does, until it is below ``smallest`` of the point's size (or after ``evaluations`` calls). Converges to
    the maximum of a smooth function with one local maximum. Returns ``(point, value)``."""
    np = _numpy()
    value, count = _value_at(objective, point), 0
    while step > smallest * (1.0 + float(np.max(np.abs(point)))) and count < evaluations:
        moved = False
        for index in range(point.size):
            for sign in (1.0, -1.0):
                trial = point.copy()
                trial[index] += sign * step
                count += 1
                trial_value = _value_at(objective, trial)
                if trial_value > value:
                    point, value, moved = trial, trial_value, True
                    break
        if not moved:
            step /= 2
    return point, value


def confirm_maximum(yours, objective, *, start=None, names=None, label=None, tolerance=1e-6):
    """Problem sets 3 and 6: is your result where ``objective`` is largest?

    ``yours`` (a number or a 1-D array: your estimates, your weights) is compared with the point a brute-force
    compass search finds, from ``start`` (zeros by default) with steps of 1 halved down to 1e-12, where
    ``objective(point)`` (your log-likelihood, the log posterior, one number) is largest; a point where it raises
    ValueError or is not finite counts as worse than any other. Prints whether yours agrees (within ``tolerance``
    of the search's point, relative to its size, and no lower in ``objective`` beyond rounding), naming the entry
    furthest off by ``names`` when given; never the point found.
    """
    np = _numpy()
    if not callable(objective):
        raise ValueError(f"objective: expected a function of one point, got {type(objective).__name__}")
    mine = np.array(yours, dtype=np.float64).ravel()
    point = np.zeros_like(mine) if start is None else np.array(start, dtype=np.float64).ravel()
    if point.shape != mine.shape:
        raise ValueError(f"start: expected one number per entry of yours, {mine.shape}, got {point.shape}")
    try:
        objective(point.copy())
    except (ValueError, TypeError):   # (a matrix product of another shape: NumPy's own words are not the point)
        _say(label, f"does not agree: your result has shape {mine.shape}, which the function it maximises does not "
                    "take.")
        return False
    if _value_at(objective, point) == -math.inf:
        raise ValueError(f"start: the function to maximise is not finite there ({_short(point)}); start elsewhere")
    best, value = _compass_search(objective, point)
    if not np.all(np.isfinite(mine)):
        _say(label, "does not agree: your result is not finite.")
        return False
    size = max(float(np.max(np.abs(best))), 1e-12)
    off = np.abs(mine - best) / size
    gain = value - _value_at(objective, mine)
    if float(np.max(off)) <= tolerance and gain <= 1e-9 * max(1.0, abs(value)):
        _say(label, f"agrees with a brute-force search for the maximum (within {float(np.max(off)):.0e} of its point).")
        return True
    where = int(np.argmax(off))
    entry = names[where] if names else (f"entry {where}" if mine.size > 1 else "it")
    said = f"does not agree: a brute-force search for the maximum ends {float(np.max(off)):.2g} away from yours " \
           f"(relative to its size; furthest in {entry})"
    if gain > 1e-9 * max(1.0, abs(value)):
        said += f", {gain:.3g} higher than at yours"
    _say(label, said + ".")
    return False


def confirm_by_sampling(value, log_ratios, *, label=None, within=4.0):
    """Problem set 5: does your closed form of KL(P || Q) agree with sampling?

    ``value`` (one number: your KL) is compared with the Monte Carlo average of ``log_ratios`` (log p(x) - log q(x)
    for independent draws x from P), whose expectation is the KL. Prints whether they agree, within ``within``
    standard errors of the average; never the average itself.
    """
    np = _numpy()
    log_ratios = np.asarray(log_ratios, dtype=np.float64).ravel()
    mine = np.asarray(value, dtype=np.float64)
    if mine.size != 1:
        _say(label, f"does not agree: your value has shape {mine.shape}, one number is expected.")
        return False
    mine = float(mine.ravel()[0])
    error = float(np.std(log_ratios)) / math.sqrt(log_ratios.size)
    gap = abs(mine - float(np.mean(log_ratios)))
    if not math.isfinite(mine):
        _say(label, f"does not agree: your value is {mine}, the sampled average is finite.")
        return False
    if gap <= within * error:
        _say(label, f"agrees with sampling ({log_ratios.size:,} draws: within {gap / error:.1f} standard errors).")
        return True
    _say(label, f"does not agree with sampling ({log_ratios.size:,} draws): {gap / error:.0f} standard errors away.")
    return False
