#!/usr/bin/env python
"""The grader's peak memory when one submission's carried-forward call asks for an n² result.

    python benchmarks/carried_blowup.py [--n N] [--honest K] [--baseline]

A ps3 submission whose ``gaussian_log_likelihood`` calls ``gaussian_log_pdf``
with arguments of shapes ``(n, 1)`` and ``(1, n)`` (2n + 1 numbers) while its
checks run: errors carried forward would have the reference answer that call
— an n × n result — on the trusted side. The batch holds it and ``--honest``
honest ps3 submissions (the reference solutions) and is graded in this
process with :func:`autograder.engine.batch.grade_batch`. Printed: whether every
submission got its results, the honest ones' scores, the attacker's, and this
process's peak resident memory (``VmHWM``: this program's own; ``ru_maxrss``
would include the process that started it, which Linux keeps across ``exec``);
with ``--baseline``, the same
batch without the attacker is graded first in a fresh process and the ratio of
the two peaks is the last line.

Run it under an address-space limit to see that the batch finishes, e.g.
``prlimit --as=$((3 << 30)) .venv/bin/python benchmarks/carried_blowup.py --n 12000``
(``tests/test_engine_carried_bounds.py`` does exactly that).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PS = "ps3_gaussian"

#: The attacker: its caller computes nothing, but asks the reference for an n × n array.
ATTACK = '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    gaussian_log_pdf(np.zeros(({n}, 1)), np.zeros((1, {n})), 1.0)
    return 0.0
'''
#: Its own ``gaussian_log_pdf`` is the template's stub: once the grader declines the call, the attacker's
#: function runs instead and computes nothing either (the n × n array is only ever asked of the grader).
STUB = '''
def gaussian_log_pdf(x, mu, sigma):
    raise NotImplementedError()
'''


def run(n: int, honest: int, attacker: bool) -> dict:
    from autograder.engine.batch import grade_batch
    from autograder.model.course import autograded_max_score
    from autograder.model.results import read_result, results_path
    from testkit.fill import filled_release
    from testkit.nbgrader_course import write_submissions as make_submissions

    with tempfile.TemporaryDirectory(prefix="probdl-blowup-") as tmp:
        notebooks = {(f"honest{i}", PS): filled_release(PS) for i in range(honest)}
        if attacker:
            notebooks[("mallory", PS)] = filled_release(PS, {"gaussian_log_pdf": STUB,
                                                                      "gaussian_log_likelihood": ATTACK.format(n=n)})
        make_submissions(Path(tmp) / "submitted", notebooks)
        summary = grade_batch(Path(tmp) / "submitted", Path(tmp) / "results", workers=2)
        scores = {}
        for (student, _), _nb in notebooks.items():
            scores[student] = read_result(results_path(Path(tmp) / "results", student, PS)).score
    return {"graded": summary.graded, "failed": len(summary.failed), "submissions": len(notebooks),
            "scores": scores, "max_score": autograded_max_score(PS),  # the answer cells await a person
            "peak_rss_mb": round(peak_rss_kb() / 1024, 1)}


def peak_rss_kb() -> int:
    """This program's peak resident memory in KiB: ``VmHWM`` of ``/proc/self/status``, the high-water mark of this
    program's own memory. (``ru_maxrss`` starts at the resident size of the process that forked it — a test
    worker of some hundred megabytes — because Linux keeps it across ``exec``; it is the fallback off Linux.)"""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6000)
    parser.add_argument("--honest", type=int, default=2)
    parser.add_argument("--baseline", action="store_true", help="also grade the batch without the attacker")
    parser.add_argument("--no-attacker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline:
        base = subprocess.run([sys.executable, __file__, "--honest", str(args.honest), "--no-attacker"],
                              capture_output=True, text=True, check=True)
        baseline = json.loads(base.stdout.splitlines()[-1])
        print(f"without the attacker: peak {baseline['peak_rss_mb']} MB")
    result = run(args.n, args.honest, not args.no_attacker)
    if args.no_attacker:
        print(json.dumps(result))
        return 0
    print(f"n = {args.n}: {result['graded']}/{result['submissions']} graded, {result['failed']} not graded; "
          f"scores {result['scores']} of {result['max_score']}; grader peak {result['peak_rss_mb']} MB")
    if args.baseline:
        print(f"peak with the attacker / without: {result['peak_rss_mb'] / baseline['peak_rss_mb']:.2f}x")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
