"""A child confined before any student code: the last steps, in the child itself.

Every mode: :func:`confine_child` (a new session, rlimits, its working folder,
as root the slot's uid, no capabilities, no new privileges). ``uid`` mode, first
and while still root: :func:`restrict_uid_child` (first in line for the
out-of-memory killer, an empty bounding set, the slot's Landlock ruleset, the
seccomp filter). What comes before, in the zygote: the view of the files
(:mod:`.view`), the namespaces (:mod:`.namespaces`), the slot's cgroup
(:mod:`.cgroup`), its uid (:mod:`.claims`); after, the killing
(:mod:`.processes`). :mod:`.modes` says which mode does what.

Standard library only: this module runs in the child.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import signal
from typing import Any

from autograder.perimeter.confinement import seccomp
from autograder.perimeter.confinement.landlock import Ruleset
from autograder.perimeter.confinement.limits import Limits
from autograder.perimeter.confinement.syscalls import (
    PR_SET_NO_NEW_PRIVS,
    PR_SET_PDEATHSIG,
    drop_bounding_set,
    drop_capabilities,
    prctl,
)


def confine_child(limits: Limits, uid: int | None, workdir: str, nproc_base: int = 0,
                  caps: bool = False) -> dict[str, Any]:
    """Apply the per-child limits, in the freshly forked child, before student code.

    ``caps``: drop every capability (``userns`` mode, where the child is uid 0
    of the zygote's user namespace). Returns what was applied (the ``sandbox``
    part of results.json). Raises ``OSError`` when a limit that must hold
    cannot be applied.
    """
    applied: dict[str, Any] = {"setsid": False}
    os.setsid()
    applied["setsid"] = True
    try:  # the out-of-memory killer takes a submission's largest process first, never the grader's
        with open("/proc/self/oom_score_adj", "w") as fh:  # (root, userns: the /proc of its own PID namespace)
            fh.write("1000")
        applied["oom_score_adj"] = 1000
    except OSError:  # (uid mode: /proc is outside its Landlock ruleset, so restrict_uid_child did it)
        pass
    mb = 1024 * 1024
    rl = {
        resource.RLIMIT_AS: limits.memory_mb * mb,
        resource.RLIMIT_CPU: int(limits.cpu_s),
        resource.RLIMIT_FSIZE: limits.fsize_mb * mb,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NOFILE: limits.nofile,
        resource.RLIMIT_NPROC: limits.nproc + nproc_base,
    }
    for which, soft in rl.items():
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY and soft > hard:
            soft = hard
        hard_new = soft + 5 if which == resource.RLIMIT_CPU else soft
        if hard != resource.RLIM_INFINITY:
            hard_new = min(hard_new, hard)
        resource.setrlimit(which, (soft, hard_new))
    applied["rlimits"] = {
        "as_mb": limits.memory_mb,
        "cpu_s": int(limits.cpu_s),
        "nproc": limits.nproc,
        "fsize_mb": limits.fsize_mb,
        "nofile": limits.nofile,
        "core": 0,
    }
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over the size limit: EFBIG, not death
    os.chdir(workdir)
    applied["uid"] = None
    if uid is not None:
        gid = uid
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getuid() != uid or os.geteuid() != uid or os.getgroups():
            raise OSError(errno.EPERM, "could not drop privileges")
        applied["uid"] = uid
        applied["gid"] = gid
    if caps:
        drop_capabilities()
        applied["capabilities"] = "none"
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    applied["no_new_privs"] = True
    with contextlib.suppress(OSError):
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after setuid, which clears it
    return applied


def restrict_uid_child(ruleset: Ruleset | None, network_filter: bool) -> dict[str, Any]:
    """``uid`` mode, in a process just forked from the zygote, while it is still root: first in line for
    the kernel's out-of-memory killer, an empty capability bounding set (where ``CAP_SETPCAP`` allows), no
    new privileges, then the slot's Landlock ruleset (:mod:`.landlock`; None: the kernel has none) and, with
    ``network_filter``, the seccomp filter (:mod:`.seccomp`).

    :func:`confine_child` then switches to the slot's uid, which clears every
    capability. Returns what was applied; raises ``OSError`` when a layer the
    zygote found available cannot be applied (the child then never runs
    student code).
    """
    applied: dict[str, Any] = {}
    try:  # the largest process of a submission goes first when memory runs out, never the grader
        with open("/proc/self/oom_score_adj", "w") as fh:
            fh.write("1000")
        applied["oom_score_adj"] = 1000
    except OSError:
        pass
    try:
        drop_bounding_set()
        applied["bounding_set"] = "empty"
    except OSError:  # (no CAP_SETPCAP: no new privileges still keeps execve from granting any)
        applied["bounding_set"] = "kept"
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    if ruleset is not None:
        ruleset.restrict()
        applied["landlock"] = ruleset.version
    if network_filter:
        seccomp.install()
        applied["seccomp"] = True
    return applied
