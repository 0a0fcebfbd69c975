"""The guard reads library bytecode itself (``guard._name_ops``), as ``dis.get_instructions`` would.

:func:`autograder.sandbox.guard.prepare` reads, in every zygote and plain-nbgrader kernel, the bytecode of
every library function that may name a forbidden object: which library code uses ``logsumexp`` itself,
and so keeps working when armed. It reads ``co_code`` directly (``dis`` took about half of ``prepare``'s
time). Here its reading is compared, instruction by instruction, with ``dis`` on this interpreter: on
real library code (SciPy's distributions, NumPy), on module-level code (``LOAD_NAME``, imports), on a
function with more than 256 names (``EXTENDED_ARG``), and the chains it resolves name what they should.
"""

from __future__ import annotations

import dis
import types

import numpy as np
import scipy.special
import scipy.stats

from autograder.sandbox import guard

#: What each instruction that names something is, as ``dis`` names it.
KINDS = {"LOAD_GLOBAL": "global", "LOAD_NAME": "global", "LOAD_ATTR": "attr", "LOAD_METHOD": "attr",
         "IMPORT_NAME": "import", "IMPORT_FROM": "from"}


def by_dis(code) -> list:
    """``(kind, name)`` per instruction from ``dis`` (EXTENDED_ARG is a prefix of the next one, not an instruction)."""
    return [(KINDS[ins.opname], ins.argval) if ins.opname in KINDS else (None, None)
            for ins in dis.get_instructions(code) if ins.opname != "EXTENDED_ARG"]


def library_codes() -> list:
    """Every code object (nested ones too) of the functions of a few large library modules."""
    modules = (scipy.stats._continuous_distns, scipy.stats._distn_infrastructure, scipy.special._logsumexp,
               np.lib._function_base_impl, np.linalg._linalg)
    functions = [v for m in modules for v in vars(m).values() if isinstance(v, types.FunctionType)]
    functions += [f for m in modules for v in vars(m).values() if isinstance(v, type)
                  for f in vars(v).values() if isinstance(f, types.FunctionType)]
    return [code for fn in functions for code in guard._nested(fn.__code__)]


def test_library_bytecode_reads_as_dis_reads_it():
    codes = library_codes()
    assert len(codes) > 1000
    for code in codes:
        assert list(guard._name_ops(code)) == by_dis(code), code


def test_module_code_imports_and_more_than_256_names_read_as_dis_reads_them():
    many = "\n".join(f"v{i} = m{i}.a{i}.b{i}" for i in range(300))  # names past 255 need EXTENDED_ARG
    source = ("import os.path\nfrom scipy.special import logsumexp as lse, expit\nx = np.linalg.norm(y)\n"
              f"{many}\ndef f(z):\n    global g\n    import numpy.linalg\n    return np.exp(z).sum() + g.h(z)\n")
    module = compile(source, "<test>", "exec")
    codes = list(guard._nested(module))
    assert len(codes) == 2 and max(len(c.co_names) for c in codes) > 600
    assert any(ins.opname == "EXTENDED_ARG" for ins in dis.get_instructions(module))
    for code in codes:
        assert list(guard._name_ops(code)) == by_dis(code)


def test_the_chains_name_the_objects_library_code_uses():
    """Attribute chains resolve to the objects (a chain past an EXTENDED_ARG too, which ``dis``-based reading
    used to cut short), and an import chain to the module and what is taken from it."""
    filler = ", ".join(f"g{i}" for i in range(300))  # 300 names first: those of the chain need EXTENDED_ARG
    g = {"np": np, "scipy": scipy}
    exec(f"def far():\n    return ({filler}) and scipy.special.logsumexp(np.linalg.norm)\n", g)
    exec("def near():\n    from scipy.special import expit\n    return expit\n", g)
    far = guard._chain_objects(g["far"].__code__, g)
    assert scipy.special.logsumexp in far and np.linalg.norm in far
    assert any(ins.opname == "EXTENDED_ARG" for ins in dis.get_instructions(g["far"].__code__))
    near = guard._chain_objects(g["near"].__code__, g)
    assert scipy.special in near and scipy.special.expit in near
