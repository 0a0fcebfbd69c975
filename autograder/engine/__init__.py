"""The grading engine: sandboxed, parallel, tamper-resistant ``autograde``.

One module per step, in the order a submission meets them:

* :mod:`.notebook`  – read the source notebook (trusted) and a submission (not)
* :mod:`.restore`   – rebuild the submission on the source's locked cells; tamper report
* :mod:`.pool`      – parent side of the warm zygote: spawn and kill sandboxed children
* :mod:`.zygote`    – the warm process that forks one child per submission
* :mod:`.sandbox`   – modes (root, userns, weak), the allowlist view, per-child namespaces, rlimits, killing
* :mod:`.cgroup`    – memory, processes and CPU of a whole submission, one cgroup per worker slot
* :mod:`.child`     – the untrusted child: runs cells in IPython, answers calls
* :mod:`.wire`      – length-prefixed JSON, numbers-only arrays, never pickle
* :mod:`.execute`   – run the cells with timeouts and respawns; the remote check target
* :mod:`.static`    – forbidden library calls and tampering flags read from the source (trusted side)
* :mod:`.grade`     – one submission → its results.json content
* :mod:`.results`   – results.json bounded and written (grades.csv: :mod:`autograder.grades`; ids: :mod:`autograder.ids`)
* :mod:`.collect`   – find the submissions in submitted/ (no symlink followed), account for the rest
* :mod:`.batch`     – plan, shard, grade a batch with N workers (each failure its submission's own)
* :mod:`.cli`       – ``python -m autograder autograde …``

Importing this package imports nothing: the zygote imports its submodules
without pulling in the trusted side (checks, solutions).
"""

_EXPORTS = {
    "grade_batch": "autograder.engine.batch",
    "BatchSummary": "autograder.engine.batch",
    "Submission": "autograder.engine.batch",
    "collect_submissions": "autograder.engine.batch",
    "LayoutError": "autograder.engine.collect",
    "shard_of": "autograder.engine.batch",
    "write_grades_csv": "autograder.engine.results",
    "Limits": "autograder.engine.sandbox",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
