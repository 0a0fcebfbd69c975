"""A sandbox mode the instructor requires (``autograde --sandbox MODE``, ``gradescope run --sandbox MODE``, the
templates): nothing is graded in a weaker one.

The zygote chooses the strongest mode it can have (:mod:`autograder.perimeter.confinement.modes`); a course that must not grade
below some isolation says so, and the batch is refused before any notebook runs, with why that mode is not
available here and what to do. The order is :data:`~autograder.perimeter.confinement.modes.STRENGTH`'s: ``root`` > ``uid`` >
``userns`` > ``weak``; a ``uid`` mode without Landlock (a kernel before 5.13) isolates no file and counts as
``weak``. ``AUTOGRADER_SANDBOX_MODE`` (which forces a mode) is validated here first, once, with the same words,
instead of a traceback per submission.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from autograder.perimeter.confinement.modes import MODES, STRENGTH, requested_mode

#: Where the modes, what each guarantees and where each is available are explained.
GUIDE = "docs/instructors.md, \"Sandbox modes\""


def check_request(required: str | None) -> str:
    """Why grading cannot start at all ("" when it can): ``required`` is not a mode, ``AUTOGRADER_SANDBOX_MODE`` is
    not valid or forces a weaker mode, or ``required`` needs root and the grader is not root."""
    if required is not None and required not in MODES:
        return f"--sandbox must be one of {', '.join(MODES)}, not {required!r}"
    try:
        forced = requested_mode() if os.environ.get("AUTOGRADER_SANDBOX_MODE", "").strip() else ""
    except ValueError as exc:
        return str(exc)
    if required is None:
        return ""
    if forced and STRENGTH[forced] < STRENGTH[required]:
        return (f"AUTOGRADER_SANDBOX_MODE={forced} forces a weaker mode than --sandbox {required} requires: unset it "
                f"(the grader then chooses the strongest mode available) ({GUIDE})")
    if STRENGTH[required] >= STRENGTH["uid"] and os.geteuid() != 0:
        return (f"--sandbox {required} needs the grader to run as root (a uid of its own for each submission), and it "
                f"runs as uid {os.geteuid()}: run it with sudo, or as root in the container; as an ordinary user the "
                f"strongest mode is userns ({GUIDE})")
    return ""


def effective_mode(sandbox: Mapping[str, Any]) -> str:
    """The mode the zygote's report says applies, ``weak`` for a ``uid`` mode that has no Landlock (no file is
    isolated there)."""
    mode = str(sandbox.get("mode") or "weak")
    if mode == "uid" and not sandbox.get("landlock"):
        return "weak"
    return mode if mode in STRENGTH else "weak"


def refusal(required: str | None, sandbox: Mapping[str, Any]) -> str:
    """Why the sandbox the zygote made is weaker than ``required`` ("" when it is not), and what to do."""
    if required is None:
        return ""
    got = effective_mode(sandbox)
    if STRENGTH[got] >= STRENGTH[required]:
        return ""
    warnings = " ".join(str(w) for w in sandbox.get("warnings") or [] if not str(w).startswith("WEAK SANDBOX"))
    if required == "root" and got == "uid":
        why = (f"the root mode needs namespaces, which this machine refuses ({sandbox.get('no_namespaces') or 'no reason given'}); "
               "grade on a host or a VM, or in a container allowed to make namespaces (CAP_SYS_ADMIN), or require "
               "--sandbox uid, which this machine has (a uid of its own per submission, a Landlock allowlist of files)")
    elif got == "weak" and sandbox.get("mode") == "uid":
        why = ("the uid mode here has no Landlock (a kernel before 5.13, or a container runtime from before 2022), so "
               "student code could read the course: grade on a newer kernel or runtime")
    elif got == "weak" and os.geteuid() == 0:
        why = (f"root cannot switch to another uid here ({warnings or 'no reason given'}): give the container its "
               "default CAP_SETUID and CAP_SETGID")
    elif got == "weak":
        why = (f"{warnings or 'unprivileged user namespaces are not available'}: grade as root (sudo), or allow "
               "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 23.10 and later "
               "kernel.apparmor_restrict_unprivileged_userns=0)")
    elif os.environ.get("AUTOGRADER_UNPRIVILEGED_SANDBOX") == "1":
        why = "AUTOGRADER_UNPRIVILEGED_SANDBOX=1 asks for an ordinary user's mode: unset it"
    else:  # userns, and root or uid required
        why = "that needs the grader to run as root: run it with sudo, or as root in the container"
    return (f"the sandbox here is the {got} mode, weaker than --sandbox {required} requires, so nothing was graded: "
            f"{why} ({GUIDE})")
