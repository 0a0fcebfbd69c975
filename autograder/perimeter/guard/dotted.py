"""A library object found from its dotted name (``"scipy.special.logsumexp"``): the one lookup the guard plans
with and the pinned names are resolved by.

Standard library only: this module runs in the zygote (imported before the zygote enters its view, then taken
out of ``sys.modules`` with the modules that use it: ``preload.CALL_MODULES``).
"""

from __future__ import annotations

import importlib
import sys


def lookup(dotted: str) -> object:
    """The object ``dotted`` names, importing its module when it is not loaded yet; None when it is absent.

    The longest prefix that imports is the module, the rest its attributes;
    a module that fails to import (not installed, or raising) is not the
    name's owner, and a shorter prefix is tried.
    """
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        modname = ".".join(parts[:cut])
        try:
            obj: object = sys.modules.get(modname) or importlib.import_module(modname)
        except Exception:  # noqa: BLE001 — not installed, or a module that fails to import: not the name's owner
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
            if obj is None:
                return None
        return obj
    return None
