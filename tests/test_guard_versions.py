"""The guard (``autograder/perimeter/guard/``; ``support.py`` says where it runs) relies on CPython interfaces as the versions it names
(``SUPPORTED``: those CI runs the whole suite on) behave, and on no other: pyproject's ``requires-python``
promises exactly those, and on any other interpreter nothing is graded and every place says why — never a
crash in the middle of a batch, never a grade earned with the forbidden functions left usable.

CPython 3.10 (and 3.15, not yet tested) is simulated by having ``unsupported()`` judge that version instead
of this interpreter (in this process, or in the zygote's through a wrapper that starts the real zygote after
doing so): the code paths are the ones a real 3.10 or 3.15 takes, as ``unsupported()`` is all they ask.
"""

import json
import sys
import tomllib

import pytest

from autograder.engine.batch import grade_batch
from autograder.model import course
from autograder.perimeter.guard import support
from autograder.perimeter.guard.arming import Guard
from autograder.perimeter.supervision.zygote_parent import GraderError, Zygote
from tests import engine_helpers

PS = "ps1_softmax"


def test_pyproject_promises_exactly_the_versions_the_guard_supports():
    requires = tomllib.loads((course.ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    (major, first), (_, last) = support.SUPPORTED[0], support.SUPPORTED[-1]
    assert tuple((major, minor) for minor in range(first, last + 1)) == support.SUPPORTED  # a range, no gaps
    assert requires == f">={major}.{first},<{major}.{last + 1}", requires


def test_an_unsupported_interpreter_is_named_with_what_to_do():
    assert support.unsupported() is None, "the suite runs on a supported interpreter"
    for version, implementation, named in (((3, 10), "cpython", "CPython 3.10"), ((3, 15), "cpython", "CPython 3.15"),
                                           ((3, 12), "pypy", "pypy 3.12")):
        why = support.unsupported(version, implementation)
        assert why and named in why and "3.11 to 3.14" in why and "grades nothing" in why, why
    for minor in (11, 12, 13, 14):
        assert support.unsupported((3, minor), "cpython") is None


def _as_python_310(version=None, implementation=None, _real=support.unsupported):
    return _real(version or (3, 10), implementation)


def test_prepare_and_arm_refuse_before_anything_changes(monkeypatch):
    monkeypatch.setattr(support, "unsupported", _as_python_310)
    guard = Guard()
    with pytest.raises(support.GuardUnavailable, match="supports CPython"):
        guard.check_supported()
    with pytest.raises(support.GuardUnavailable, match="supports CPython"):
        guard.prepare(["scipy.special.logsumexp"])
    with pytest.raises(support.GuardUnavailable, match="supports CPython"):
        guard.arm(["scipy.special.logsumexp"])
    assert not guard.prepared and not guard.armed  # no gate tried, no plan, no audit hook added
    import scipy.special

    assert scipy.special.logsumexp.__code__.co_filename.endswith(".py")  # not a gate


def test_run_check_under_plain_nbgrader_grades_nothing_and_says_why(monkeypatch):
    """In a kernel (plain ``nbgrader autograde``) the hidden check fails with the reason, even for a correct
    function: no point is earned where the forbidden functions could not be made unusable."""
    from autograder.checks import run_check
    from solutions import ps1_softmax

    namespace = {"logsumexp": ps1_softmax.logsumexp, "softmax": ps1_softmax.softmax,
                 "log_softmax": ps1_softmax.log_softmax}
    grade_id = next(gid for gid, _ in course.GRADE_CELLS[PS])
    run_check(grade_id, namespace)  # (passes on this interpreter)
    monkeypatch.setattr(support, "unsupported", _as_python_310)
    with pytest.raises(AssertionError, match="not graded: this grader supports CPython 3.11 to 3.14, and this is "
                                             "CPython 3.10"):
        run_check(grade_id, namespace)


def _unsupported_python(tmp_path, version=(3, 10)):
    """An executable that runs the real zygote in this interpreter, its guard judging CPython ``version``."""
    script = tmp_path / "zygote_unsupported.py"
    script.write_text("import sys\nfrom autograder.perimeter.guard import support\n"
                      "from autograder.perimeter.child_runtime import zygote\nreal = support.unsupported\n"
                      f"support.unsupported = lambda version=None, implementation=None: real(version or {version!r}, "
                      "implementation)\nsys.exit(zygote.main())\n")
    wrapper = tmp_path / "python-unsupported"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def test_the_zygote_refuses_to_start_with_the_reason_alone(tmp_path):
    zygote = Zygote(slots=1, python=_unsupported_python(tmp_path))
    try:
        with pytest.raises(GraderError) as caught:
            zygote.start()
    finally:
        zygote.close()
    assert "GuardUnavailable: this grader supports CPython 3.11 to 3.14, and this is CPython 3.10" in str(caught.value)
    assert "Traceback" not in str(caught.value)  # the reason, not a stack


@pytest.mark.parametrize("version", [(3, 10), (3, 15)], ids=["3.10", "3.15"])
def test_a_batch_on_an_unsupported_interpreter_finishes_grades_nothing_and_says_why(tmp_path, monkeypatch, version):
    """Below the promise, and above it (a newer CPython than CI has run the suite on)."""
    course_dir = engine_helpers.make_course(tmp_path / "course", (PS,))
    sub, res = tmp_path / "submitted", tmp_path / "results"
    engine_helpers.make_submissions(sub, {(s, PS): engine_helpers.submission(PS, correct=True) for s in ("ada", "bo")})
    monkeypatch.setattr(sys, "executable", _unsupported_python(tmp_path, version))  # (the zygote's interpreter)
    summary = grade_batch(sub, res, workers=1, course_dir=course_dir)
    assert summary.graded == 0
    assert sorted(f["student"] for f in summary.failed) == ["ada", "bo"]
    this = f"this is CPython {version[0]}.{version[1]}"
    assert all("supports CPython 3.11 to 3.14" in f["error"] and this in f["error"] for f in summary.failed), \
        summary.failed
    saved = json.loads((res / "summary.json").read_text())
    assert saved["failed_to_grade"] == 2 and all(f["error"].endswith("Install the course with Python 3.11 to 3.14.")
                                                 for f in saved["failures"]), saved["failures"]
    assert not list(res.glob("*/*/results.json"))  # no score recorded: a run on a supported Python grades them
