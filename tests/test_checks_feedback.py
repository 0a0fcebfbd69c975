"""Feedback never carries a hidden probe's values, even when a submission tries to put them there."""

import dataclasses
import re

import numpy as np

from autograder.checks import checks_for, evaluate
from autograder.checks.evaluate import LocalTarget


def _leaky_namespace():
    def softmax(z, axis=-1, temperature=1.0):
        raise RuntimeError(f"my inputs were {np.asarray(z).ravel().tolist()}")

    return {"softmax": softmax}


def test_an_exception_message_cannot_carry_hidden_inputs_into_feedback():
    checks = checks_for("ps1_softmax")
    check = checks["softmax-stability"]
    hidden = [p for p in check.probes if not p.public]
    result = evaluate(dataclasses.replace(check, probes=tuple(hidden)), LocalTarget(_leaky_namespace()))
    assert not result.passed and result.kind == "raised"
    assert "RuntimeError" in result.message and "my inputs were" in result.message
    assert not re.search(r"\d\.\d", result.message), result.message


def test_a_public_probe_shows_the_students_own_message():
    check = checks_for("ps1_softmax")["softmax-basic"]
    result = evaluate(check, LocalTarget(_leaky_namespace()))
    assert check.probes[0].public and "my inputs were [1.0, 2.0, 3.0]" in result.message
