"""What of a submission's own text may be shown for a probe.

Everything a submitted function produces is under the student's control: the
name of the exception class it raises and its message, the text of a warning
it issues, the type of what it returns, even the values and the shape. For a
*public* probe (its input is printed in the notebook) all of it may be shown.
For a *hidden* probe it could carry the hidden input out (a function can
raise ``type(repr(x), (Exception,), {})``, or warn with ``str(x)``), so
feedback shows only what the grader recognises as a fixed text:

* the names of Python's builtin exceptions (and NumPy's ``LinAlgError``),
  anything else as "an exception of a class defined in your code";
* messages that match a known library message (broadcasting, axis and index
  errors, "Matrix is not positive definite" …), with every number masked;
  any other message is omitted and the feedback says so;
* NumPy's floating-point warnings ("overflow encountered in exp") for a
  fixed list of operations, any other warning text as "a RuntimeWarning";
* type names of builtins and NumPy, anything else as a class of your code.

The hint rules see the raw outcome (they run in the trusted process and only
choose among fixed texts), so the advice does not get worse.
"""

from __future__ import annotations

import builtins
import re
from typing import TypeGuard

import numpy as np

#: Exception class names that are the builtins' (or NumPy's) and so carry nothing of the input.
KNOWN_EXCEPTIONS = frozenset(
    name for name in dir(builtins)
    if isinstance(getattr(builtins, name), type) and issubclass(getattr(builtins, name), BaseException)
) | {"LinAlgError", "AxisError", "ForbiddenFunctionError"}

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")

#: Library messages worth showing (numbers masked); each matched as a whole.
KNOWN_MESSAGES = tuple(
    re.compile(p)
    for p in (
        r"(?:LinAlgError: )?operands could not be broadcast together with (?:remapped )?shapes[\[\]\w (),:>-]{0,120}",
        r"(?:LinAlgError: |AxisError: )?axis -?\d+ is out of bounds for array of dimension \d+",
        r"index -?\d+ is out of bounds for axis \d+ with size \d+",
        r"too many indices for array: array is \d+-dimensional, but \d+ were indexed",
        r"(?:LinAlgError: )?\d+-th leading minor (?:of the array )?is not positive definite",
        r"(?:LinAlgError: )?Matrix is not positive definite",
        r"(?:LinAlgError: )?Singular matrix",
        r"(?:LinAlgError: )?Last 2 dimensions of the array must be square",
        r"(?:float )?division by zero",
        r"[\w.]{1,80} is not available while grading this problem set: it is a ready-made version of what the "
        r"problem set asks you to write\. Write it yourself with NumPy\.",
        r"math domain error",
        r"math range error",
        r"list index out of range",
        r"setting an array element with a sequence\.?",
        r"matmul: Input operand \d+ has a mismatch in its core dimension \d+, with gufunc signature "
        r"\(n\?,k\),\(k,m\?\)->\(n\?,m\?\) \(size \d+ is different from \d+\)",
        r"shapes \(\d+,?(?:\d+,?)*\) and \(\d+,?(?:\d+,?)*\) not aligned: \d+ \(dim \d+\) != \d+ \(dim \d+\)",
        r"cannot reshape array of size \d+ into shape \([\d, ]*\)",
        r"Cannot cast ufunc '\w{1,20}' output from dtype\('\w{1,12}'\) to dtype\('\w{1,12}'\) "
        r"with casting rule 'same_kind'",
        # (an `if` or `and` on an array: code written for one number at a time)
        r"The truth value of an array with more than one element is ambiguous\. Use a\.any\(\) or a\.all\(\)",
    )
)

#: Operations named in NumPy's floating-point warnings that may be shown as they are.
KNOWN_OPERATIONS = frozenset(
    "exp exp2 expm1 log log2 log10 log1p logaddexp sqrt square power divide true_divide floor_divide multiply "
    "subtract add negative absolute reduce matmul dot tanh cosh sinh cast arccos arcsin".split()
)
_FP_WARNING = re.compile(r"RuntimeWarning: (overflow|underflow|divide by zero|invalid value) encountered in "
                         r"(?:scalar )?(\w+)")

#: Type names of what a function may return that are builtins' or NumPy's.
KNOWN_TYPES = frozenset(
    "NoneType bool int float complex str bytes list tuple dict set frozenset ndarray matrix generator map "
    "filter zip range type function builtin_function_or_method method module".split()
) | {f"{k}{n}" for k in ("float", "int", "uint", "complex") for n in (8, 16, 32, 64, 128, 256)} | {"bool_", "str_"}

#: Said instead of a message that is not shown.
HIDDEN_MESSAGE = "(its message is not shown for an input that is not in your notebook)"


def exception_name(public: bool, name: str) -> str:
    """The exception class name as shown: as is, or masked unless it is a builtin's."""
    name = str(name)[:80]
    if public or name in KNOWN_EXCEPTIONS:
        return name
    return "an exception of a class defined in your code"


#: Library messages shown word for word: they hold no number of the input (the 0 is NumPy's own).
VERBATIM_MESSAGES = frozenset({"iteration over a 0-d array"})


def exception_message(public: bool, message: str) -> str:
    """The exception message as shown (``""`` when nothing should be shown)."""
    message = str(message)
    if public:
        return message[:200]
    message = message.strip()[:300]
    if message in VERBATIM_MESSAGES:
        return message
    if any(p.fullmatch(message) for p in KNOWN_MESSAGES):
        return _NUMBER.sub("…", message)
    return HIDDEN_MESSAGE


#: The class of a ``ValueError`` subclass (NumPy's ``AxisError``, ``LinAlgError``), which the call writes before
#: the message (:func:`autograder.perimeter.child_runtime.invoke.call`: the contract counts it as a ValueError).
_SUBCLASS = re.compile(r"([A-Z]\w{0,60}(?:Error|Exception)): ")


def raised(public: bool, name: str, message: str) -> str:
    """``"ValueError: shapes …"`` for a raised exception, masked for a hidden probe; a subclass of ValueError as
    ``"AxisError (a ValueError): axis … is out of bounds …"`` (not "ValueError: AxisError: …")."""
    shown = exception_message(public, message)
    subclass = _SUBCLASS.match(shown) if name == "ValueError" else None
    if subclass and (public or subclass.group(1) in KNOWN_EXCEPTIONS):
        return f"{subclass.group(1)} (a ValueError): {shown[subclass.end():]}"
    return f"{exception_name(public, name)}: {shown}" if shown else exception_name(public, name)


def warning(public: bool, text: str) -> str:
    """A warning's text as shown: NumPy's floating-point warnings by name, others generically."""
    text = str(text)
    if public:
        return text[:200]
    m = _FP_WARNING.fullmatch(text.strip())
    if m is None:
        category = text.split(":", 1)[0] if text.startswith("RuntimeWarning") else "a warning"
        return f"{category} {HIDDEN_MESSAGE}"
    operation = m.group(2) if m.group(2) in KNOWN_OPERATIONS else "a NumPy operation"
    return f"RuntimeWarning: {m.group(1)} encountered in {operation}"


def type_name(public: bool, name: str) -> str:
    """The name of a returned value's type as shown."""
    name = str(name)[:120]
    if public:
        return name
    if name in KNOWN_TYPES:
        return name
    if name.startswith("an array of dtype"):
        return "an array whose entries are not numbers"
    if name.startswith("a ") and name[2:] in {f"builtins.{t}" for t in KNOWN_TYPES}:
        return name
    return "an object of a class defined in your code"


#: An array argument with more entries than this is shown as NumPy summarises a large array: its first and last
#: entries along each axis, with ``...`` between, and its shape (a 300-entry mean written out in full took the
#: message past its length bound, cut before the other arguments; the cell's summary says how the input is made).
SHOWN_ENTRIES = 24


def _argument_text(value: object) -> str:
    """One argument as the ``Input:`` line shows it, on one line (NumPy breaks an array of several axes into lines,
    with blank lines between its blocks: the line joins them with single spaces, which Python reads the same)."""
    if _one_float_throughout(value):  # (np.full((2, 3, 4), 1/3) was 24 entries of 0.3333333333333333, twice)
        return f"np.full({value.shape}, {float(value.flat[0])!r})"
    if isinstance(value, np.ndarray) and value.size > SHOWN_ENTRIES:
        body = np.array2string(value, separator=", ", threshold=SHOWN_ENTRIES, edgeitems=3, prefix="array(")
        return _one_line(f"array({body}, shape={value.shape})")
    if isinstance(value, np.ndarray):  # every digit a float needs to be itself (two nearly equal inputs differ)
        with np.printoptions(floatmode="unique"):
            return _one_line(repr(value))
    return repr(value)


def _one_float_throughout(value: object) -> TypeGuard[np.ndarray]:
    """A float64 array of several entries, every one the same finite number to the bit (so ``np.full`` of its
    shape and that number, the ``Input:`` line's text, makes the same array: -0.0 beside 0.0 is not one number)."""
    if not isinstance(value, np.ndarray) or value.dtype != np.float64 or value.size < 2:
        return False
    bits = value.view(np.uint64)
    return bool(np.isfinite(value.flat[0]) and np.all(bits == bits.flat[0]))


def _one_line(text: str) -> str:
    """NumPy's text of an array on one line, without the spaces that align its columns."""
    text = re.sub(r"\s+([,\]])", r"\1", re.sub(r"\s*\n\s*", " ", text))
    return re.sub(r",\s+", ", ", re.sub(r"\[\s+", "[", text))


def call_text(function: str, args: tuple, kwargs: dict) -> str:
    """A call as the feedback's ``Input:`` line shows it: ``function(repr of each argument, key=repr …)``, a large
    array summarised (:data:`SHOWN_ENTRIES`); only for a public probe's input, or a call made of one, which the
    notebook prints."""
    parts = [_argument_text(a) for a in args] + [f"{k}={_argument_text(v)}" for k, v in kwargs.items()]
    return f"{function}({', '.join(parts)})"
