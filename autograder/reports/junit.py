"""A results folder as a JUnit XML report: what GitLab shows in a merge request and a pipeline's Tests tab.

One ``<testsuite>`` per submission, named ``<student>/<problem set>: <score> / <max> autograded points`` (the
autograded points after a late penalty, out of the problem set's autograded maximum: the same denominator for
every student, as every platform records it, :class:`~autograder.model.results.AutogradedPoints`), then the
points a person gave or that await grading; one
``<testcase>`` per graded cell, named ``<grade_id>: <points> / <max> points``, passed or with a
``<failure>`` holding the message and the hint (the text of results.json, which never holds hidden test
source or reference values). A manually graded answer cell no person has graded yet is ``<skipped>``
("awaiting grading"): neither passed nor failed. When the problem set has a due date, one more
``<testcase>`` named ``deadline: …`` fails with the late penalty (or an unknown submission time), and the
suite's properties give the score before it (``raw_score``) and the penalty (``late_penalty``); the
suite's score is after it. Totals come from the results model (:class:`~autograder.model.results.SubmissionResult`),
the same numbers as grades.csv and the feedback pages.

Every string is a student's id or the grader's text about their code: ElementTree escapes markup, and
characters XML 1.0 cannot hold (terminal escapes, NUL …) are written as ``\\xNN`` first, so the file always
parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import cast

from autograder.model.results import SubmissionResult, fmt_points

#: Characters XML 1.0 cannot hold (RFC 3076 / the XML spec's Char production).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """``value`` as text XML can hold: characters it cannot are written ``\\xNN`` / ``\\uNNNN``."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) <= 0xFF else f"\\u{ord(m.group()):04x}",
                        str(value))


def _points(score: float | None, max_score: float) -> str:
    return f"{'–' if score is None else fmt_points(score)} / {fmt_points(max_score)} points"


def _deadline_case(suite: ET.Element, r: SubmissionResult) -> ET.Element | None:
    """The ``deadline`` testcase of a submission whose problem set has a due date: passed when on time (or
    within the grace period, or late without a penalty), failed with the words of the feedback page when a
    late penalty was taken off or the submission time is unknown. None without a due date."""
    if r.late is None:
        return None
    late = r.late
    case = ET.SubElement(suite, "testcase", classname=xml_text(f"{r.assignment}.{r.student}"),
                         name=xml_text(f"deadline: {late.short()}"), time="0")
    if late.penalised or late.unknown_time:
        failure = ET.SubElement(case, "failure", message=xml_text(late.short()), type=late.status)
        failure.text = xml_text(late.line())
    # (a suite is made with its counts: junit_tree)
    suite.set("tests", str(int(cast(str, suite.get("tests"))) + 1))
    suite.set("failures", str(int(cast(str, suite.get("failures"))) + int(late.penalised or late.unknown_time)))
    return case


def junit_tree(results: Iterable[SubmissionResult]) -> ET.ElementTree[ET.Element]:
    """The JUnit document of ``results`` (:class:`~autograder.model.results.SubmissionResult`, in the order given)."""
    root = ET.Element("testsuites", name="probdl-autograder")
    tests = failures = skipped = 0
    for r in results:
        failed = [t for t in r.tests if not t.passed and not t.pending]
        auto = r.autograded_points
        extra = ""
        if auto.by_hand_max and auto.pending < auto.by_hand_max:
            extra += f", {fmt_points(auto.by_hand)} / {fmt_points(auto.by_hand_max)} graded by hand"
        if auto.pending:
            extra += f" ({fmt_points(auto.pending)} awaiting grading)"
        if auto.penalty:
            extra += f" (late: −{fmt_points(auto.penalty)} of {fmt_points(auto.raw)})"
        suite = ET.SubElement(root, "testsuite", name=xml_text(f"{r.student}/{r.assignment}: {fmt_points(auto.score)} "
                                                              f"/ {fmt_points(auto.max_score)} autograded points{extra}"),
                              tests=str(len(r.tests)), failures=str(len(failed)), errors="0",
                              skipped=str(len(r.pending)))
        props = ET.SubElement(suite, "properties")
        dated = (("raw_score", fmt_points(r.raw_score)), ("late_penalty", fmt_points(r.late_penalty))) \
            if r.late is not None else ()
        for name, value in (("score", fmt_points(r.score)), ("max_score", fmt_points(r.max_score)),
                            ("autograded_score", fmt_points(auto.score)),
                            ("autograded_max_score", fmt_points(auto.max_score)), *dated):
            ET.SubElement(props, "property", name=name, value=value)
        deadline = _deadline_case(suite, r)
        for t in r.tests:
            case = ET.SubElement(suite, "testcase", classname=xml_text(f"{r.assignment}.{r.student}"),
                                 name=xml_text(f"{t.name}: {_points(t.score, t.max_score)}"), time="0")
            if t.pending:
                ET.SubElement(case, "skipped", message="awaiting grading")
            elif not t.passed:
                failure = ET.SubElement(case, "failure", message=xml_text(t.message.splitlines()[0][:300]
                                                                           if t.message else "failed"),
                                        type=xml_text(t.kind or "failed"))
                failure.text = xml_text(t.output)
        if r.unreadable:
            ET.SubElement(suite, "system-err").text = xml_text(f"results.json unreadable: {r.unreadable}")
        tests += len(r.tests) + int(deadline is not None)
        failures += len(failed) + int(deadline is not None and deadline.find("failure") is not None)
        skipped += len(r.pending)
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("skipped", str(skipped))
    ET.indent(root)
    return ET.ElementTree(root)


def junit_xml(results: Iterable[SubmissionResult]) -> str:
    """:func:`junit_tree` as a string (UTF-8 XML with its declaration)."""
    return ET.tostring(junit_tree(results).getroot(), encoding="unicode", xml_declaration=True) + "\n"
