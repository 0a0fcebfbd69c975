"""The untrusted side: the code that runs beside student code, and its confinement.

The one place a security reviewer must read. It imports only the standard
library and the libraries a student's notebook runs with (NumPy, SciPy,
matplotlib, IPython, traitlets) — nothing else of the product, so nothing
here knows an answer (``tests/test_layers.py`` keeps it so).

* :mod:`.confine` – modes (root, uid, userns, weak), the allowlist view, per-child namespaces, rlimits, killing
* :mod:`.landlock` – the ``uid`` mode's allowlist of files (root without namespaces): a Landlock ruleset per slot
* :mod:`.seccomp` – the ``uid`` mode's filter: no network socket, no shared IPC object, no io_uring, no keyring
* :mod:`.cgroup`  – memory, processes and CPU of a whole submission, one cgroup per worker slot
* :mod:`.zygote`  – the warm process that forks one child per submission
* :mod:`.child`   – the untrusted child: runs cells in IPython, answers calls
* :mod:`.invoke`  – one call of a student's function → plain data (also imported by the checks)
* :mod:`.guard`   – the forbidden library functions made unusable for student code (an audit hook)
* :mod:`.wire`    – length-prefixed JSON, numbers-only arrays, never pickle

Importing this package imports nothing.
"""
