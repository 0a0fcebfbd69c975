"""What an armed process refuses, and how a refusal reads.

Part of the guard (:mod:`autograder.perimeter.guard`): a forbidden object's
gate raises :class:`ForbiddenFunctionError` with :func:`message`; and once a
process is armed, :func:`refusing_hook` is its audit hook (``sys.addaudithook``,
documented events only), with its state in immutable default arguments and no
globals: importing a module that defines an armed group again, opening its
files (source, bytecode cache, extension) by any name or link, ``gc`` object
walks, ``ctypes``, and replacing a gate's ``__code__`` are refused; an armed
module prefix and the packages hidden from the plan cannot be imported nor
their files read.

Standard library only: this module runs in the zygote, the child and the plain-nbgrader kernel.
"""

from __future__ import annotations

import os
import types
from typing import Any


class ForbiddenFunctionError(RuntimeError):
    """A forbidden library object was called in an armed process (by student code or by a library function)."""


def message(name: str) -> str:
    """What a refusal says for the forbidden dotted ``name``."""
    return (f"{name} is not available while grading this problem set: it is a ready-made version of what "
            "the problem set asks you to write. Write it yourself with NumPy.")


def refuse(event: str, args: tuple[Any, ...], modules: frozenset[str], prefixes: tuple[str, ...],
            files: frozenset[tuple[int, int]], gated: frozenset[int], refused: frozenset[str], stat: Any, fspath: Any,
            id_: Any, type_: Any, isinstance_: Any, str_: Any, bytes_: Any, int_: Any, len_: Any, OSError_: Any,
            TypeError_: Any, ValueError_: Any, ImportError_: Any, PermissionError_: Any, RuntimeError_: Any) -> None:
    """The armed process's audit hook (rebuilt by :func:`refusing_hook` with no globals: everything it uses is
    a default argument, immutable or a builtin, fixed when the process is armed)."""
    if event == "import":
        name: Any = args[0] if len_(args) else None
        if type_(name) is not str_:
            if not isinstance_(name, str_):
                return
            name = str_.__str__(name)  # (an exact copy of a str subclass: its own methods are not called)
        if name in modules:
            raise ImportError_(f"{name} cannot be imported again while grading: it defines functions this "
                               "problem set forbids")
        for prefix in prefixes:
            if name == prefix or name.startswith(prefix + "."):
                raise ImportError_(f"{name} is not available while grading this problem set")
        return
    if event == "open":
        path = args[0] if len_(args) else None
        if type_(path) is int_ or path is None:
            return
        try:
            st = stat(path if type_(path) is str_ or type_(path) is bytes_ else fspath(path))
        except (OSError_, TypeError_, ValueError_):
            return
        if (st.st_dev, st.st_ino) in files:
            raise PermissionError_("this file defines functions the problem set forbids (or is the course's "
                                   "own): it cannot be read while grading")
        return
    if event in refused or event.startswith("ctypes."):
        raise RuntimeError_(f"{event} is not available while grading")
    if (event == "object.__setattr__" and len_(args) >= 2 and type_(args[1]) is str_ and args[1] == "__code__"
            and id_(args[0]) in gated):
        raise RuntimeError_("a forbidden library function cannot be changed while grading")


def refusing_hook(modules: frozenset[str], prefixes: tuple[str, ...], files: frozenset[tuple[int, int]],
                   gated: frozenset[int]) -> types.FunctionType:
    """:func:`refuse` with its state bound as default arguments, and no globals (nor builtins) to look up."""
    defaults = (modules, prefixes, files, gated,
                frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"}), os.stat, os.fspath,
                id, type, isinstance, str, bytes, int, len, OSError, TypeError, ValueError, ImportError,
                PermissionError, RuntimeError)
    return types.FunctionType(refuse.__code__, {"__builtins__": {}}, "probdl_refuse", defaults)
