"""Seeded random inputs for the checks, one generator per family of probes.

A check module's random constants used to come from one generator (``_rng``) drawn in order, so that a constant
added, removed or resized in the middle moved the values of every constant drawn after it: every later hidden
probe of the set. A family drawn from :func:`family` has a generator of its own, seeded by the problem set and the
family's name: adding, removing or resizing a family changes no other. The constants drawn in order before this
module (each set's ``_rng``) keep their values; a new constant is a family of its own.
"""

from __future__ import annotations

import hashlib

import numpy as np


def family(problem_set: str, name: str) -> np.random.Generator:
    """The generator of the family ``name`` of ``problem_set``'s probes (the same values on every machine and run).

    Raises
    ------
    ValueError
        If ``problem_set`` or ``name`` is empty.
    """
    if not problem_set or not name:
        raise ValueError(f"problem_set and name: expected two non-empty names, got {problem_set!r} and {name!r}")
    digest = hashlib.sha256(f"{problem_set}/{name}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))
