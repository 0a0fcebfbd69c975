"""The guard's rule (``autograder/perimeter/guard/``, a process's ``Guard``): in an armed process a forbidden object never computes, and
no implementation of it is left for anything in that process to find.

Arming cannot be undone, so each test arms a Python of its own (this interpreter, a subprocess) and reports
what it saw as JSON; the engine's and plain nbgrader's tests grade the same attacks as submissions
(``tests/test_engine_integrity.py``, ``tests/test_nbgrader_integrity.py``). These run on every CPython the
project promises (CI runs the suite on 3.11, 3.13 and 3.14), which is where what depends on the version —
``function.__code__`` assignment, ``code.replace``, ``gc.get_referrers``, ``sys.getrefcount``, audit hooks —
is checked.
"""

import json
import math
import os
import subprocess
import sys

import pytest

from autograder.model import course
from autograder.perimeter.guard import gates, refusal

#: Run first in every subprocess: the guard prepared for every forbidden name, as the engine's zygote does.
PRELUDE = """
import json, sys, types
import numpy as np
from autograder.checks import forbidden
from autograder.perimeter.guard.arming import Guard
from autograder.perimeter.guard.refusal import ForbiddenFunctionError

guard = Guard()  # (this process's: it plans once, and arms the process once)
REPORT = guard.prepare(forbidden.ALL)
OUT = {}

def outcome(f):
    try:
        value = f()
    except Exception as exc:
        return [type(exc).__name__, str(exc)[:200]]
    return ["ok", repr(value)[:80]]
"""


def run_armed(body: str, timeout: int = 120) -> dict:
    """``PRELUDE`` then ``body`` in a fresh Python; what the body put in ``OUT``."""
    return printed_json(PRELUDE + body + "\nprint(json.dumps(OUT))\n", timeout)


def printed_json(code: str, timeout: int = 120):
    """``code`` run in a fresh Python (from the checkout); the JSON on its last printed line."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          cwd=course.ROOT, env={**os.environ, "PYTHONPATH": str(course.ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def refused(result, name) -> bool:
    return result[0] == "ForbiddenFunctionError" and name in result[1]


def test_an_armed_function_refuses_whoever_calls_it_and_its_code_is_gone():
    """logsumexp, its private helper, SciPy's own one-line helper around it and a distribution that uses it all
    refuse, naming logsumexp; the original code objects no longer exist; what ps1 does not forbid computes."""
    out = run_armed("""
import weakref
import scipy.special as sp, scipy.stats as st
from scipy.special import _logsumexp as module
from scipy.stats._morestats import _log_mean
original = sp.logsumexp
codes = [weakref.ref(f.__code__) for f in (sp.logsumexp, module._logsumexp, sp.softmax, sp.log_softmax)]
OUT["arm"] = guard.arm(forbidden.SCIPY_SOFTMAX + forbidden.FRAMEWORKS)
OUT["alive"] = sum(ref() is not None for ref in codes)
OUT["same object"] = original is sp.logsumexp is module.logsumexp
x = np.array([1.0, 2.0, 3.0])
OUT["calls"] = {
    "logsumexp": outcome(lambda: sp.logsumexp(x)),
    "alias taken before arming": outcome(lambda: original(x)),
    "private helper": outcome(lambda: module._logsumexp(x, None, axis=0, return_sign=False, xp=np)),
    "softmax": outcome(lambda: sp.softmax(x)),
    "scipy's log-mean helper": outcome(lambda: _log_mean(x, 0)),
    "hypergeom.logcdf": outcome(lambda: st.hypergeom.logcdf(2, 20, 7, 12)),
}
OUT["allowed"] = {
    "expit": outcome(lambda: float(sp.expit(0.0))),
    "norm.logpdf": outcome(lambda: float(st.norm.logpdf(0.0))),
    "xlogy": outcome(lambda: float(sp.xlogy(2.0, 3.0))),
}
""")
    assert out["arm"]["left"] == [] and out["alive"] == 0, out
    assert out["same object"]  # the function keeps its identity: every reference anywhere now refuses
    for what, result in out["calls"].items():
        name = "scipy.special.softmax" if what == "softmax" else "scipy.special.logsumexp"
        assert refused(result, name), (what, result)
    assert out["allowed"] == {"expit": ["ok", "0.5"], "norm.logpdf": ["ok", "-0.9189385332046727"],
                              "xlogy": ["ok", "2.1972245773362196"]}, out["allowed"]


def test_a_compiled_object_is_replaced_wherever_python_holds_it():
    """Before arming, every Python object that holds expit (or another forbidden ufunc) is a place the plan
    replaces — tracked containers, and untracked ones inside them alike; what else holds it is compiled code
    (``compiled_holders``), which no Python code can reach. After arming every way back gives the gate."""
    out = run_armed("""
import gc, pickle, _imp
import scipy.special as sp, scipy.stats as st
plan = guard._plan["groups"]
planned, originals = set(), {}
for group in plan.values():
    if group.kind == "replace":
        originals[id(group.obj)] = group.name
        for kind, holder, _key, index in group.locations:
            if index == 0:  # (an attribute: held by the object's own namespace, or a class's)
                planned.add(id(holder))
                if kind in ("attr", "classattr"):
                    planned |= {id(d) for d in gc.get_referents(holder) if type(d) is dict}
        planned |= {id(old) for old, _new in group.tuples} | {id(group)}
unplanned = []
for obj in gc.get_objects():
    inner = gc.get_referents(obj)
    for ref in inner:
        if id(ref) in originals and id(obj) not in planned and not isinstance(obj, types.FrameType):
            unplanned.append([originals[id(ref)], type(obj).__name__])
    for ref in inner:
        if type(ref) in (tuple, dict) and not gc.is_tracked(ref):
            held = list(ref.values()) + list(ref) if type(ref) is dict else list(ref)
            unplanned += [[originals[id(v)], "untracked " + type(ref).__name__] for v in held if id(v) in originals]
OUT["unplanned"] = unplanned
OUT["report"] = {k: REPORT[k] for k in ("unreplaced", "compiled_holders")}
OUT["arm"] = guard.arm(forbidden.SCIPY_SIGMOID + forbidden.SKLEARN_LOG_LOSS + forbidden.SCIPY_INFORMATION)
special_ufuncs = sys.modules["scipy.special._special_ufuncs"]
OUT["paths"] = {
    "attribute": outcome(lambda: sp.expit(0.0)),
    "private module": outcome(lambda: sys.modules["scipy.special._ufuncs"].expit(0.0)),
    "extension module made again": outcome(lambda: _imp.create_dynamic(special_ufuncs.__spec__).expit(0.0)),
    "unpickled": outcome(lambda: pickle.loads(pickle.dumps(sp.expit))(0.0)),
    "logistic.cdf": outcome(lambda: st.logistic.cdf(0.0)),
    "rel_entr": outcome(lambda: sp.rel_entr(0.5, 0.25)),
}
""")
    assert out["unplanned"] == [] and out["report"]["unreplaced"] == [], out
    assert out["arm"]["left"] == [], out["arm"]
    for what, result in out["paths"].items():
        name = "scipy.special.rel_entr" if what == "rel_entr" else "scipy.special.expit"
        assert refused(result, name), (what, result)



def test_scipys_second_compiled_copies_refuse_like_the_ufuncs():
    """``scipy.special.cython_special`` holds SciPy's compiled sigmoid and entropy functions a second time, as
    (fused) Cython functions that are not the ufuncs: on the list, they refuse however they are reached — the
    attribute, the module reloaded, a fused function's specialisation —, naming themselves; the same module's
    functions the course does not forbid compute."""
    out = run_armed("""
import importlib
import scipy.special.cython_special as cs
OUT["arm"] = guard.arm(forbidden.SCIPY_SIGMOID + forbidden.SCIPY_INFORMATION)
OUT["paths"] = {
    "expit": outcome(lambda: cs.expit(0.0)),
    "expit reloaded": outcome(lambda: importlib.reload(cs).expit(0.0)),
    "expit specialised": outcome(lambda: cs.expit["double"](0.0)),
    "log_expit": outcome(lambda: cs.log_expit(0.0)),
    "entr": outcome(lambda: cs.entr(0.5)),
    "rel_entr": outcome(lambda: cs.rel_entr(0.5, 0.25)),
    "kl_div": outcome(lambda: cs.kl_div(0.5, 0.25)),
}
OUT["allowed"] = outcome(lambda: cs.xlogy(2.0, 3.0))
""")
    assert out["arm"]["left"] == [], out["arm"]
    for what, result in out["paths"].items():
        name = "scipy.special.cython_special." + what.split()[0]
        assert result[0] in ("ForbiddenFunctionError", "TypeError"), (what, result)
        if result[0] == "TypeError":  # the gate is a plain function: it has no specialisations to index
            assert what == "expit specialised" and "not subscriptable" in result[1], (what, result)
        else:
            assert refused(result, name), (what, result)
    assert out["allowed"][0] == "ok" and abs(float(out["allowed"][1]) - 2.0 * math.log(3.0)) < 1e-12  # 2 log 3


#: Every callback a submission can install, collecting what it sees: frames (their code and variables), calls
#: (the callable, what it is bound to, the first argument), one level into lists and tuples.
CALLBACKS = """
import gc, signal, threading
import scipy.special as sp, scipy.stats as st
SEEN = {}

def see(obj, depth=0):
    if depth > 2 or id(obj) in SEEN:
        return
    SEEN[id(obj)] = obj
    if isinstance(obj, (list, tuple)):
        for item in list(obj):
            see(item, depth + 1)
    see(getattr(obj, "__self__", None), depth + 1)
    see(getattr(obj, "__code__", None), depth + 1)

def see_frame(frame):
    while frame is not None:
        see(frame.f_code)
        for value in list(frame.f_locals.values()):
            see(value)
        frame = frame.f_back

def tracer(frame, event, arg):
    see_frame(frame)
    see(arg)
    return tracer

class Finalizer:
    def __init__(self):
        self.me = self
    def __del__(self):
        see_frame(sys._getframe(1))
        if LISTEN:
            Finalizer()

LISTEN = [True]
OUT["arm"] = guard.arm(forbidden.SCIPY_SIGMOID + forbidden.SCIPY_SOFTMAX)
sys.settrace(tracer)
sys.setprofile(tracer)
threading.settrace(tracer)
monitoring = getattr(sys, "monitoring", None)
if monitoring is not None:
    monitoring.use_tool_id(4, "test")
    monitoring.register_callback(4, monitoring.events.CALL, lambda code, offset, f, arg0: (see(f), see(arg0)))
    monitoring.register_callback(4, monitoring.events.PY_START, lambda code, offset: see(code))
    monitoring.set_events(4, monitoring.events.CALL | monitoring.events.PY_START)
IN_HANDLER = []

def on_alarm(signum, frame):
    # Not within itself: traced, the handler can take longer than the timer's 1 ms on a loaded host, and each
    # alarm would then nest one more handler until the recursion limit (a RecursionError in the call it interrupted)
    if IN_HANDLER:
        return
    IN_HANDLER.append(True)
    try:
        see_frame(frame)
    finally:
        IN_HANDLER.clear()

signal.signal(signal.SIGALRM, on_alarm)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
gc.set_threshold(10)
Finalizer()
calls, threads = [], []
for _ in range(30):
    for f in (lambda: sp.expit(0.5), lambda: st.logistic.cdf(0.5), lambda: sp.logsumexp([1.0, 2.0]),
              lambda: st.hypergeom.logcdf(2, 20, 7, 12), lambda: sp.softmax([1.0, 2.0])):
        calls.append(outcome(f)[0])
    threads.append(threading.Thread(target=lambda: outcome(lambda: sp.log_expit(0.5))))
    threads[-1].start()
for thread in threads:  # (every call seen before the callbacks stop: a late thread changed SEEN while it was read)
    thread.join()
LISTEN.clear()
signal.setitimer(signal.ITIMER_REAL, 0, 0)
sys.settrace(None)
sys.setprofile(None)
threading.settrace(None)
if monitoring is not None:
    monitoring.set_events(4, 0)
from scipy.special import _logsumexp
source = _logsumexp.__file__
OUT["calls"] = sorted(set(calls))
seen = list(SEEN.values())  # (a snapshot: the finalizer may still run while it is read)
OUT["seen"] = len(seen)
OUT["implementations"] = sorted(
    {f"ufunc {o.__name__}" for o in seen if isinstance(o, np.ufunc) and o.__name__ in ("expit", "log_expit")}
    | {f"code {o.co_name}" for o in seen if isinstance(o, types.CodeType) and o.co_filename == source})
"""


def test_nothing_a_submission_can_install_sees_an_implementation():
    """Trace, profile, thread-trace and (3.12+) ``sys.monitoring`` callbacks, a signal handler on a 1 ms timer
    and a finalizer the collector runs, all active while the forbidden functions and library code that uses
    them are called: of the thousands of objects they see, none is expit's ufunc or code of logsumexp's module
    (there is none left to see)."""
    out = run_armed(CALLBACKS, timeout=300)
    assert out["arm"]["left"] == [], out["arm"]
    assert out["calls"] == ["ForbiddenFunctionError"], out["calls"]
    assert out["seen"] > 500, out["seen"]  # (the callbacks did run)
    assert out["implementations"] == [], out["implementations"]


def test_what_could_bring_an_implementation_back_is_refused():
    """Importing a defining module again, reloading it, loading it from its file under another name, opening
    its files (by str, bytes, path object, os.open), gc object walks, ctypes, replacing a gate's code, an armed
    module prefix; and the process cannot be armed or prepared again."""
    out = run_armed("""
import gc, importlib, importlib.util, os, pathlib
import scipy.special as sp
from scipy.special import _logsumexp as module
path = module.__file__
OUT["arm"] = guard.arm(forbidden.SCIPY_SOFTMAX + forbidden.FRAMEWORKS)

def second_copy():
    spec = importlib.util.spec_from_file_location("lse_copy", path)
    copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copy)
    return copy.logsumexp([1.0, 2.0])

def import_again():
    del sys.modules["scipy.special._logsumexp"]
    try:
        return importlib.import_module("scipy.special._logsumexp").logsumexp([1.0, 2.0])
    finally:
        sys.modules["scipy.special._logsumexp"] = module

class Name(str):
    def __eq__(self, other):
        return False
    __hash__ = str.__hash__

def import_by_str_subclass():
    del sys.modules["scipy.special._logsumexp"]
    try:
        return __import__(Name("scipy.special._logsumexp"), fromlist=["x"]).logsumexp([1.0, 2.0])
    finally:
        sys.modules["scipy.special._logsumexp"] = module

def new_code():
    sp.logsumexp.__code__ = (lambda *a, **k: 0.0).__code__

def ordinary_code():
    def f():
        return 1
    f.__code__ = (lambda: 2).__code__
    return f()

OUT["refused"] = {
    "reload": outcome(lambda: importlib.reload(module)),
    "second copy from the file": outcome(second_copy),
    "import again": outcome(import_again),
    "import again (a str subclass)": outcome(import_by_str_subclass),
    "open (str)": outcome(lambda: open(path).read(1)),
    "open (bytes)": outcome(lambda: open(os.fsencode(path), "rb").read(1)),
    "open (path)": outcome(lambda: pathlib.Path(path).read_text()[:1]),
    "os.open": outcome(lambda: os.open(path, os.O_RDONLY)),
    "bytecode cache": outcome(lambda: open(importlib.util.cache_from_source(path), "rb").read(1)),
    "gc.get_objects": outcome(lambda: len(gc.get_objects())),
    "gc.get_referrers": outcome(lambda: gc.get_referrers(sp.logsumexp)),
    "gc.get_referents": outcome(lambda: gc.get_referents(sp.logsumexp)),
    "ctypes": outcome(lambda: __import__("ctypes").string_at(id(sp), 8)),
    "a gate's code": outcome(new_code),
    "torch": outcome(lambda: __import__("torch")),
    "arm again": outcome(lambda: guard.arm(["scipy.special.expit"])),
    "prepare again": outcome(lambda: guard.prepare(["scipy.special.expit"])),
}
OUT["allowed"] = {"ordinary code": outcome(ordinary_code), "another file": outcome(lambda: len(open(np.__file__).read(1)))}
""")
    for what, result in out["refused"].items():
        assert result[0] in ("ImportError", "PermissionError", "RuntimeError", "ForbiddenFunctionError"), (what, result)
    assert out["refused"]["a gate's code"][1].startswith("a forbidden library function cannot be changed")
    assert out["refused"]["torch"][1] == "torch is not available while grading this problem set"
    assert out["allowed"] == {"ordinary code": ["ok", "2"], "another file": ["ok", "1"]}, out["allowed"]


def test_a_name_that_was_not_prepared_is_never_armed_by_halves():
    """Arming a name the process did not plan for fails before anything changes (the child's ``arm`` request
    then fails, and the submission is not graded) rather than leave that object usable."""
    why, value = printed_json(
        "import json\nfrom autograder.perimeter.guard.arming import Guard\nimport scipy.special as sp\n"
        "guard = Guard()\nguard.prepare(['scipy.special.logsumexp'])\n"
        "try:\n    guard.arm(['scipy.special.logsumexp', 'scipy.special.expit'])\n"
        "except RuntimeError as exc:\n    print(json.dumps([str(exc), float(sp.logsumexp([0.0, 0.0]))]))\n")
    assert why == "arm: scipy.special.expit not prepared in this process (Guard.prepare)" and value == 0.6931471805599453


def test_a_plan_is_armed_only_once_its_references_were_located():
    """The zygote plans every name while it starts without looking for references (``locate=False``), and its
    ``arm`` request plans again, locating them all, those made in between included (the pin's): a compiled object
    is replaced wherever Python holds it. A plan whose last call did not locate is never armed: its references
    would stay usable."""
    why, value, out = printed_json(
        "import json\nfrom autograder.perimeter.guard.arming import Guard\n"
        "from autograder.perimeter.guard.refusal import ForbiddenFunctionError\nimport scipy.special as sp\n"
        "guard = Guard()\nguard.prepare(['scipy.special.expit'], locate=False)\n"
        "try:\n    guard.arm(['scipy.special.expit'])\nexcept RuntimeError as exc:\n    why = str(exc)\n"
        "value = float(sp.expit(0.0))\n"
        "held = {'expit': sp.expit}\n"
        "guard.prepare(['scipy.special.expit'])\nguard.arm(['scipy.special.expit'])\n"
        "out = []\n"
        "for f in (sp.expit, held['expit']):\n"
        "    try:\n        out.append(float(f(0.0)))\n"
        "    except ForbiddenFunctionError:\n        out.append('refused')\n"
        "print(json.dumps([why, value, out]))\n")
    assert why == "arm: the last Guard.prepare of this process did not locate the references (locate=False)"
    assert value == 0.5 and out == ["refused", "refused"]


def test_the_audit_hook_looks_up_nothing_a_submission_could_replace():
    """The armed process's hook is rebuilt with no globals and no builtins: everything it uses is a default
    argument fixed when the process is armed (immutable containers, builtins bound then); its code names no
    global, only attributes. It decides alone, called directly here."""
    code = refusal.refuse.__code__
    assert set(code.co_names) <= {"__str__", "startswith", "st_dev", "st_ino"}, code.co_names
    assert not code.co_freevars and not code.co_cellvars
    here = os.stat(__file__)
    gated = test_the_audit_hook_looks_up_nothing_a_submission_could_replace
    hook = refusal.refusing_hook(frozenset({"scipy.special._logsumexp"}), ("torch",),
                                frozenset({(here.st_dev, here.st_ino)}), frozenset({id(gated)}))
    assert hook.__globals__ == {"__builtins__": {}} and all(
        isinstance(d, (frozenset, tuple, type)) or callable(d) for d in hook.__defaults__)
    for event, args, error in (("import", ("scipy.special._logsumexp",), ImportError),
                               ("import", ("torch.nn",), ImportError),
                               ("open", (__file__, "r", 0), PermissionError),
                               ("open", (os.fsencode(__file__), None, 0), PermissionError),
                               ("gc.get_objects", (None,), RuntimeError), ("ctypes.dlopen", ("x",), RuntimeError),
                               ("object.__setattr__", (gated, "__code__", None), RuntimeError)):
        with pytest.raises(error):
            hook(event, args)
    for event, args in (("import", ("scipy.stats",)), ("import", ("torchvision",)), ("open", (refusal.__file__, "r", 0)),
                        ("open", (3, "r", 0)), ("compile", (b"", "<x>")), ("object.__setattr__", (hook, "__code__", None))):
        assert hook(event, args) is None


def test_a_gate_raises_with_its_message_and_fits_any_closure():
    """A gate becomes the code of a function with as many closure cells as it has free variables, and raises
    whatever the arguments (built from a template with ``code.replace``: no bytecode is written by hand)."""
    for nfree in (0, 1, 3):
        cells = [f"c{i}" for i in range(nfree)]
        scope: dict = {}
        exec("def outer():\n" + "".join(f"    {c} = {i}\n" for i, c in enumerate(cells))  # (a closure of nfree)
             + "    def f(*a):\n        return (" + "".join(f"{c}, " for c in cells) + ")\n    return f\n", scope)
        fn = scope["outer"]()
        code = gates.gate_code("logsumexp", "logsumexp", refusal.ForbiddenFunctionError,
                               refusal.message("scipy.special.logsumexp"), nfree)
        assert len(code.co_freevars) == nfree and code.co_name == "logsumexp"
        fn.__code__ = code
        with pytest.raises(refusal.ForbiddenFunctionError, match="scipy.special.logsumexp is not available"):
            fn(1, 2, key=3)
