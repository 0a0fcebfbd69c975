"""A carried-forward call cannot make the grader compute (or hold) an unbounded result.

The size of a carried call's result is bounded from the arguments' shapes before anything is
computed; larger-than-small calls are computed in a reference process with an address-space limit;
so a submission asking for an n² array costs the grader nothing, and the batch finishes with every
other student graded. ``benchmarks/carried_blowup.py`` measures the grader's peak memory.
"""

import json
import resource
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from autograder.checks.callees import answer_for_stub
from autograder.engine import reference_process
from autograder.model.course import ROOT
from autograder.perimeter.child_runtime.carry_forward import MAX_CARRIED_RESULT, result_bound


def test_the_result_bound_is_read_from_the_shapes():
    n = 6000
    assert result_bound((np.zeros((n, 1)), np.zeros((1, n)), 1.0), {}) == n * n  # the broadcast result
    assert result_bound((np.zeros((3, 4)),), {"axis": 0}) == 12
    assert result_bound((np.zeros((2, 1, 5, 5)), np.zeros((7, 5, 5))), {}) == 2 * 7 * 5 * 5  # batches of matrices
    assert result_bound(([[1.0, 2.0], [3.0, 4.0]], [0.0, 0.0]), {}) == 4  # nested lists count as arrays


def test_an_n_squared_call_is_declined_before_anything_is_computed():
    n = 12_000
    x, mu = np.zeros((n, 1)), np.zeros((1, n))
    answer_for_stub("gaussian_log_pdf", (np.zeros(2), 0.0, 1.0), {})  # (the reference loaded first)
    tracemalloc.start()
    try:
        reply = answer_for_stub("gaussian_log_pdf", (x, mu, 1.0), {})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "declined" in reply and f"{n * n:,}" in reply["declined"], reply
    assert peak < 1 << 20  # not one row of the 1.15 GB result was made


def test_a_mid_sized_call_is_computed_in_the_reference_process_with_its_own_limits():
    n = 700  # 490,000 numbers: more than reference_process.SMALL, within MAX_CARRIED_RESULT
    assert reference_process.SMALL < n * n <= MAX_CARRIED_RESULT
    x, mu = np.linspace(-1, 1, n)[:, None], np.linspace(0, 1, n)[None, :]
    try:
        reply = reference_process.answer("gaussian_log_pdf", (x, mu, 1.5), {})
        from autograder.perimeter.child_runtime import wire

        value = wire.from_wire(reply["value"])
        assert value.shape == (n, n) and np.allclose(value, carried_answer_value(x, mu, 1.5))
        process = reference_process._local.process
        assert process.proc is not None and process.proc.pid  # a process of its own did it
    finally:
        reference_process.close_all()


def carried_answer_value(x, mu, sigma):
    from solutions.ps3_gaussian import gaussian_log_pdf

    return gaussian_log_pdf(x, mu, sigma)


@pytest.mark.slow
def test_the_batch_finishes_under_an_address_space_limit_and_the_grader_stays_small():
    """n = 12000 under a 3 GiB limit killed the grader (no results for anyone, every re-run the same);
    now every submission is graded, the honest ones in full, and the grader's peak stays small. The peak is the
    grader's own: the process that starts it (here, 500 MB written just before the `exec`, as a test worker that
    has run the suite holds) is not counted — `ru_maxrss`, which Linux keeps across `exec`, counted it, and a
    CPython 3.14 suite's worker failed the bound with a grader of 140 MB."""

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        limit.ballast = b"\x01" * (500 << 20)  # (resident in the child until its exec)

    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "carried_blowup.py"), "--n", "12000"],
                          capture_output=True, text=True, timeout=900, cwd=ROOT, preexec_fn=limit)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["graded"] == result["submissions"] == 3 and result["failed"] == 0, result
    assert all(score == result["max_score"] for s, score in result["scores"].items() if s != "mallory"), result
    assert result["peak_rss_mb"] < 400, result  # (measured: about 140 MB, with the attacker and without)
