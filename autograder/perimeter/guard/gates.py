"""Gates: code that only raises, to stand in for a forbidden library function.

UNTRUSTED SIDE (:mod:`~autograder.perimeter.guard.arming` arms a process with them). A gate is compiled once per
closure size from a template of our own, then specialised with ``code.replace``: the error class and the
message are put in as constants (``co_consts``), the name and qualified name of the function it stands for
as ``co_name`` and ``co_qualname``. No bytecode is written by hand, so a gate relies only on
``code.replace`` and ``function.__code__`` assignment behaving as CPython 3.11 to 3.14 have them.

* :func:`gate_code` – the ``__code__`` for a Python function: as many free variables as that function's
  closure has cells (never read: they come after the ``raise``), so it can replace the function's own code
  and the function keeps its identity;
* :func:`gate_function` – a new function standing for a compiled object (a ufunc, a builtin).

Standard library only: this module runs in the zygote, the child and the plain-nbgrader kernel.
"""

from __future__ import annotations

import types
from typing import Any

#: The placeholders of the gate template that :func:`gate_code` replaces by the error class and the message.
_MARKS = ("__probdl_error__", "__probdl_text__")
_TEMPLATES: dict[int, types.CodeType] = {}


def _template(nfree: int) -> types.CodeType:
    """The gate's code with ``nfree`` free variables (never read: they come after the ``raise``), so that it
    can become the ``__code__`` of a function whose closure has that many cells."""
    if nfree not in _TEMPLATES:
        cells = [f"c{i}" for i in range(nfree)]
        src = ("def outer():\n"
               + (f"    {' = '.join(cells)} = None\n" if cells else "")
               + "    def gate(*args, **kwargs):\n"
               f"        error, text = {_MARKS!r}\n"
               "        raise error(text)\n"
               + (f"        {', '.join(cells)}\n" if cells else "")
               + "    return gate\n")
        scope: dict[str, Any] = {}
        exec(compile(src, "<forbidden>", "exec"), {"__builtins__": {}}, scope)  # (our own template)
        code: types.CodeType = scope["outer"]().__code__
        _TEMPLATES[nfree] = code
    return _TEMPLATES[nfree]


def gate_code(name: str, qualname: str, error: type[Exception], text: str, nfree: int) -> types.CodeType:
    """A gate for the function ``name``: raises ``error(text)`` whatever its arguments."""
    template = _template(nfree)
    swap = {_MARKS: (error, text), _MARKS[0]: error, _MARKS[1]: text}
    consts = tuple(swap.get(c, c) if type(c) in (tuple, str) else c for c in template.co_consts)
    return template.replace(co_consts=consts, co_name=name, co_qualname=qualname,
                            co_filename=f"<forbidden: {name}>")


def gate_function(name: str, error: type[Exception], text: str, doc: object,
                  module: str | None) -> types.FunctionType:
    """A gate standing for a compiled object (a ufunc, a builtin): a function of its name that only raises."""
    gate = types.FunctionType(gate_code(name, name, error, text, 0), {"__builtins__": {}}, name)
    gate.__doc__ = doc if isinstance(doc, str) else None
    gate.__module__ = module  # type: ignore[assignment]  # (None where no library module holds it)
    return gate
