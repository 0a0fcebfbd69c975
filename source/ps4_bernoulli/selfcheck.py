"""Self-checks for the course's problem-set notebooks (not graded; the same file in every problem set).

Keep this file in the folder of your notebook (on Colab, upload it next to the notebook). The notebook
imports it in one line::

    from selfcheck import library_calls, needs_your

``library_calls(fn)``
    The names of the library functions that ``fn`` — or a helper of yours that it calls — uses although
    they are a ready-made version of a function this problem set asks you to write (``[]`` when there are
    none). A function that uses one earns no points at grading. The first test cell of each function
    calls it for you.

``with needs_your("softmax"):``
    For the cells that use your functions (figures, demos): while one of them is still the template
    (it raises ``NotImplementedError``), the cell prints one line saying so instead of failing.

Only the standard library is imported here: NumPy and SciPy are looked up among the modules your
notebook has already imported, never imported by this file, so it works wherever your notebook does.
The grader does not use this file: it has its own check, run on its own side.
"""

import contextlib
import dis
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
         "torch", "jax", "tensorflow"),
    ),
    "ps5_gaussian_kl": (
        ("gaussian_kl", "mvn_kl", "vae_kl"),
        ("torch", "jax", "tensorflow", "scipy.stats.norm", "scipy.stats.multivariate_normal"),
    ),
    "ps6_information": (
        ("entropy", "kl_divergence", "js_divergence", "bayes_posterior", "map_linear_regression"),
        ("scipy.stats.entropy", "scipy.special.entr", "scipy.special.rel_entr", "scipy.special.kl_div",
         "scipy.spatial.distance.jensenshannon", "torch", "jax", "tensorflow"),
    ),
}


def library_calls(fn):
    """The forbidden library functions that ``fn`` (or a helper of yours that it calls) uses, sorted.

    Your other graded functions are not followed: each is checked on its own.
    """
    functions, forbidden = PROBLEM_SETS[_problem_set(fn, sys._getframe(1).f_globals)]
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
            if kind == "local":
                for module in imported:
                    note_dotted(".".join([module, *attrs]))
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
    return sorted(found)


@contextlib.contextmanager
def needs_your(*names):
    """Run a with-block that uses your functions ``names``; while one is still the template, say so in one line."""
    try:
        yield
    except NotImplementedError:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close("all")   # no half-drawn figure
        listed = " and ".join(f"`{name}`" for name in names)
        print(f"This cell uses your {listed}: still the template above. Implement it, then run this cell again.")


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
    """Names a function loads, with the attributes taken from them: (kind, root, attr, ...)."""
    codes = [code]
    for co in codes:
        codes.extend(c for c in co.co_consts if isinstance(c, types.CodeType))
        chain = None
        for ins in dis.get_instructions(co):
            # (LOAD_FAST_CHECK and the like: Python 3.12+; a LOAD_FAST_LOAD_FAST of two names ends a chain)
            loads = ins.opname in ("LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF", "IMPORT_NAME") or ins.opname.startswith("LOAD_FAST")
            if loads and isinstance(ins.argval, str):
                if chain:
                    yield chain
                kind = {"IMPORT_NAME": "import", "LOAD_GLOBAL": "global", "LOAD_NAME": "global"}.get(ins.opname, "local")
                chain = [kind, ins.argval]
            elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD", "IMPORT_FROM") and chain:
                chain.append(ins.argval)
            else:
                if chain:
                    yield chain
                chain = None
        if chain:
            yield chain
