"""The untrusted side: the code that runs beside student code, and its confinement.

The one place a security reviewer must read. It imports only the standard
library and the libraries a student's notebook runs with (NumPy, SciPy,
matplotlib, IPython, traitlets) — nothing else of the product, so nothing
here knows an answer (``tests/test_layers.py`` keeps it so).

How a child is confined, one job per module:

* :mod:`.modes`      – the four modes (root, uid, userns, weak) and the probes that choose one
* :mod:`.limits`     – what one submission may use (``Limits``)
* :mod:`.syscalls`   – the system calls the standard library lacks (namespaces, mounts, prctl, capabilities)
* :mod:`.paths`      – paths compared: inside, the fewest that cover a list, unreachable by other users
* :mod:`.view`       – root and userns: the zygote's allowlist view of the files, made its root once
* :mod:`.namespaces` – root and userns: a network namespace per slot, each child's mount, PID and IPC namespaces
* :mod:`.landlock`   – uid mode's allowlist of files (root without namespaces): a Landlock ruleset per slot
* :mod:`.seccomp`    – uid mode's filter: no network socket, no shared IPC object, no io_uring, no keyring
* :mod:`.claims`     – root and uid: each slot's uid, claimed where no submission can claim it
* :mod:`.disk_watch` – uid mode's disk quota, enforced from outside (the grader's thread)
* :mod:`.cgroup`     – memory, processes and CPU of a whole submission, one cgroup per worker slot
* :mod:`.confine`    – the child's last steps before student code: session, rlimits, its uid, no privileges
* :mod:`.processes`  – a slot's processes found, waited for and killed
* :mod:`.workdirs`   – uid and weak modes' working folders, made fresh, removed however deep

What runs there:

* :mod:`.zygote`     – the warm process that forks one child per submission
* :mod:`.child`      – the untrusted child: runs cells in IPython, answers calls
* :mod:`.invoke`     – one call of a student's function → plain data (also imported by the checks)
* :mod:`.guard`      – the forbidden library functions made unusable for student code (an audit hook)
* :mod:`.dotted`     – a library object from its dotted name (the guard's and the pinned names' lookup)
* :mod:`.wire`       – length-prefixed JSON, numbers-only arrays, never pickle

Importing this package imports nothing.
"""
