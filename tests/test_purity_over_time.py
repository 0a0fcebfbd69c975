"""Purity over the whole check: an input changed after its call returned, or a thread or timer a call left running.

Each input of a call is compared bit for bit when the call returns, again after the function's next call and when
its checks end (its ``-purity`` cell, the last of its cells); a thread or an interval timer a call leaves running
costs the cell too (docs/contract.md, "Purity over the whole check"). The attacks (``testkit.attacks``) keep the
array they were given where the reading of the source cannot follow it, so only what the calls show can charge
them; here in-process (``LocalTarget``, as ``run_check`` in a kernel), and through the engine in
``tests/test_engine_integrity.py``. No test sleeps to win a race: a thread waits for an event the next call sets,
and the 50 ms timer costs the cell whether it has fired when the grader looks (the array changed) or not (it is
still running).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from autograder.checks.by_name import checks_for
from autograder.checks.evaluate import LocalTarget, evaluate
from autograder.perimeter.child_runtime import invoke as _invoke
from autograder.perimeter.child_runtime.invoke import InputWatch, invoke
from testkit.attacks import HONEST_THREADS, LATE_PURITY_ATTACKS
from testkit.zoo import Specimen, grade
from tests.engine_helpers import CORRECT

PS = "ps1_softmax"


@functools.cache
def graded(source: str) -> dict:
    """The checks of ps1 on the references with ``source`` as the softmax (once per source: an attack that leaves a
    thread running waits ``GRACE_S`` at each of its calls)."""
    return grade(PS, Specimen("attack", "softmax", source))


@pytest.fixture(scope="module")
def honest() -> dict:
    return {gid: r.passed for gid, r in graded(CORRECT[PS]["softmax"]).items()}


@pytest.mark.parametrize("name", sorted(LATE_PURITY_ATTACKS))
def test_an_input_changed_after_its_call_loses_the_purity_cell_alone(name, honest):
    """Each attack loses ``softmax-purity`` (an input changed after its call, or a thread left running) and scores
    every other cell as the correct softmax does: purity is the one property it breaks."""
    results = graded(LATE_PURITY_ATTACKS[name])
    purity = results["softmax-purity"]
    assert not purity.passed, (name, purity.message)
    assert purity.kind in ("mutation", "lingering"), (name, purity.kind, purity.message)
    assert {g: r.passed for g, r in results.items() if g != "softmax-purity"} == \
        {g: p for g, p in honest.items() if g != "softmax-purity"}, name
    assert purity.hint, (name, purity.message)


def test_each_way_is_told_for_what_it_is():
    """The message says what was seen: the array of an earlier call changed when the function was called next,
    changed when its checks ended, or a thread left running."""
    told = {name: graded(LATE_PURITY_ATTACKS[name])["softmax-purity"] for name in
            ("zeroed-at-the-next-call", "zeroed-two-calls-later", "thread-waits-for-the-next-call",
             "raw-thread-waits")}
    assert "when the function was called next" in told["zeroed-at-the-next-call"].message
    assert "when the function's checks ended" in told["zeroed-two-calls-later"].message
    for name in ("thread-waits-for-the-next-call", "raw-thread-waits"):
        assert told[name].kind == "lingering" and "left a thread" in told[name].message, told[name].message
        assert "Finish the work before returning" in told[name].hint


@pytest.mark.parametrize("name", sorted(HONEST_THREADS))
def test_threads_that_end_before_the_call_returns_cost_nothing(name):
    """A pool in a ``with`` block, or a worker that hands its result back and ends without being joined: no
    thread is left running, and the function keeps every point."""
    failed = {g: r.message for g, r in graded(HONEST_THREADS[name]).items() if not r.passed}
    assert not failed, failed


def test_the_watch_compares_each_input_after_the_next_call_and_at_the_end():
    """:class:`InputWatch`, directly: the first call's input changed between calls is found when the function is
    called next; the second call's, changed after that, when the checks end (``settle``), which forgets them."""
    kept: list = []

    def f(z):
        kept.append(z)
        return float(np.sum(z))

    watch = InputWatch()
    first = invoke(f, (np.ones(3),), watch=watch, function="f")
    assert first.mutated == () and first.lingering == ()
    kept[0][0] = 5.0
    invoke(f, (np.ones(2),), watch=watch, function="f")
    kept[1][1] = 7.0
    assert watch.settle("f") == (("changed", "next"), ("changed", "end"))
    assert watch.settle("f") == ()


def test_a_thread_left_running_and_a_timer_armed_are_what_the_call_left():
    """``Outcome.lingering``: a thread still waiting when the call returned (given ``GRACE_S`` to end), and an
    interval timer the call armed (``ITIMER_VIRTUAL``: counts this process's CPU time, and no handler runs
    before it is disarmed here)."""
    import signal
    import threading

    event = threading.Event()

    def leaves_a_thread(z):
        threading.Thread(target=event.wait, daemon=True).start()
        return z.sum()

    def arms_a_timer(z):
        signal.setitimer(signal.ITIMER_VIRTUAL, 3600.0)
        return z.sum()

    try:
        assert invoke(leaves_a_thread, (np.ones(2),)).lingering == ("thread",)
    finally:
        event.set()
    old = signal.signal(signal.SIGVTALRM, signal.SIG_IGN)
    try:
        assert invoke(arms_a_timer, (np.ones(2),)).lingering == ("timer",)
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, old)
    assert invoke(lambda z: z.sum(), (np.ones(2),)).lingering == ()


def test_purity_evidence_from_a_call_in_another_cell_charges_the_purity_cell():
    """A call of ``softmax-basic`` that leaves a thread running costs ``softmax-purity`` (asked last), not
    ``softmax-basic``: the watch is the notebook's, shared by the targets of its cells."""
    import threading

    release = threading.Event()
    calls = {"n": 0}

    def softmax(z, axis=-1, temperature=1.0):
        calls["n"] += 1
        if calls["n"] == 1:  # the very first call only: a thread waiting for the end of the test
            threading.Thread(target=release.wait, daemon=True).start()
        x = np.asarray(z, dtype=float) / temperature
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)

    checks = checks_for(PS)
    watch = InputWatch()
    namespace = {"softmax": softmax}
    try:
        basic = evaluate(checks["softmax-basic"], LocalTarget(namespace, watch=watch))
        purity = evaluate(checks["softmax-purity"], LocalTarget(namespace, watch=watch))
    finally:
        release.set()
    assert basic.passed, basic.message
    assert not purity.passed and purity.kind == "lingering", purity.message
    assert "other cells" in purity.message, purity.message


def test_the_grace_is_spent_only_on_a_call_that_left_a_thread():
    """A pure call never waits: ``GRACE_S`` is waited only where a new thread is alive when the call returns."""
    assert _invoke.GRACE_S <= 0.5
    assert _invoke._left_running(_invoke._threads(), _invoke._tasks(), _invoke._armed(), _invoke._count()) == ()
