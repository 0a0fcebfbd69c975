"""WCAG 2.1 AA on every page the product writes: axe-core in headless Chromium, at a phone's, a tablet's and a
desktop's width, with no violation, and keyboard use (``tests/a11y.py`` says what is checked beyond axe).

The pages are those of a class written by hand in the engine's output format (``tests/reports_fixtures.py``)
with one submission of every kind a feedback page shows (:data:`PAGES`), then rendered by the product's own
``write_reports``. To audit a new kind of page (a late submission, a new report), add its submission to
:func:`write_audited_class` and a :class:`Page` to :data:`PAGES`; a new page of another command, its writer
to :func:`write_audited_class` and its file to :data:`PAGES`.

Chromium is Debian's (``apt-get install chromium``; ``.ci/run`` installs it, and on CI a missing one fails
these tests rather than skip them: ``tests/tooling.py``); axe-core is vendored (``tests/vendor/axe-core/``).
Each page's findings are also written to ``a11y.json`` in the test's results folder.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from autograder.model.deadlines import parse_deadlines
from autograder.reports.after_grading import write_reports
from tests import a11y
from tests.browser import Browser
from tests.reports_fixtures import class_results, make_result, write_class

#: A phone, a tablet, a desktop (CSS pixels).
WIDTHS = (360, 768, 1280)


@dataclass(frozen=True)
class Page:
    """One audited page: ``name`` (the test id), ``path`` (in the results folder), what it shows."""

    name: str
    path: str
    shows: str


PAGES = (
    Page("report", "report.html", "the class report: charts, flags, tables that stack, pending answers"),
    Page("feedback", "ben/ps1_softmax/feedback.html", "failed cells with hints, the student's code shown"),
    Page("feedback-passed", "ada/ps1_softmax/feedback.html", "every cell passed (code folded away)"),
    Page("feedback-tamper", "eve/ps1_softmax/feedback.html", "test cells changed: the tamper notice"),
    Page("feedback-timeout", "hal/ps3_gaussian/feedback.html", "a cell stopped at the time limit, its error"),
    Page("feedback-unreadable", "fay/ps1_softmax/feedback.html", "a notebook that could not be read"),
    Page("feedback-no-results", "gus/ps1_softmax/feedback.html", "a results.json that could not be read"),
    Page("feedback-pending", "ivy/ps2_cross_entropy/feedback.html", "an answer awaiting grading"),
    Page("feedback-graded", "jon/ps2_cross_entropy/feedback.html", "an answer graded by hand, with a comment"),
    Page("feedback-not-answered", "kim/ps2_cross_entropy/feedback.html", "an answer left as released: 0 points"),
    Page("feedback-late", "lou/ps6_information/feedback.html", "submitted late: the penalty and the raw score"),
    Page("feedback-time-unknown", "max/ps6_information/feedback.html", "a due date and no readable submission time"),
)

DERIVATION = "cross_entropy_grad-derivation"
ANSWER = ("**Claim.** $\\partial L / \\partial z_i = p_i - y_i$, since $\\log \\sum_j e^{z_j}$ has gradient $p$:\n\n"
          "$$\\frac{\\partial}{\\partial z_i}\\Big(-\\sum_k y_k \\log \\frac{e^{z_k}}{\\sum_j e^{z_j}}\\Big)"
          " = -y_i + \\Big(\\sum_k y_k\\Big) \\frac{e^{z_i}}{\\sum_j e^{z_j}} = p_i - y_i$$\n\n"
          "1. the *softmax* Jacobian;\n2. the sum of `y` is 1.")


def write_audited_class(results) -> None:
    """The class of ``tests/reports_fixtures.py`` with a submission of every kind :data:`PAGES` names."""
    out = class_results()
    ben = next(r for r in out if (r["student"], r["assignment"]) == ("ben", "ps1_softmax"))
    ben["student_code"]["softmax"] += "    # " + "a line of code longer than a desktop's card " * 4 + "\n"
    out.append(make_result("ivy", "ps2_cross_entropy", answers={DERIVATION: (3, ANSWER, None)}))
    out.append(make_result("jon", "ps2_cross_entropy", answers={DERIVATION: (3, ANSWER, 2.0)}))
    out.append(make_result("kim", "ps2_cross_entropy", answers={DERIVATION: (3, "YOUR ANSWER HERE", None)}))
    lou, unknown = make_result("lou", "ps6_information"), make_result("max", "ps6_information")
    lou["submitted"] = {"at": "2026-03-03T02:59:00+00:00", "source": "timestamp.txt", "status": "recorded"}
    unknown["submitted"] = {"at": None, "source": "timestamp.txt", "status": "unreadable",
                            "detail": "timestamp.txt holds no time ('soon')"}
    out += [lou, unknown]
    write_class(results, out)
    broken = Path(results) / "gus" / "ps1_softmax" / "results.json"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"student": "gus", "assignment": "ps1_softmax", "score": ', encoding="utf-8")
    # ps6 is due (the report gets its Deadlines section): lou is 27 h late, max's time is unknown
    deadlines = parse_deadlines({"due": {"ps6_information": "2026-03-01T23:59:00Z"},
                                 "policy": {"method": "per_day", "deduct": "10%", "cap": "50%"}})
    write_reports(results, console=Console(file=io.StringIO()), deadlines=deadlines)


#: A page with the faults the feedback pages once had: an h3 before any h2, a code block that scrolls
#: sideways without being focusable, a badge that breaks mid-word; and low contrast. The audit must find them.
FAULTY = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>faulty</title><style>td { width: 60px; overflow-wrap: anywhere; } pre { overflow-x: auto; width: 200px; }
.badge { display: inline-block; } .pale { color: #bbb; }</style></head>
<body><main><h1>Feedback</h1><div><h3>Test cells were changed</h3></div>
<table><tr><td><span class="badge">awaitinggrading</span></td></tr></table>
<pre class="code"><code>return np.squeeze(m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)), axis=axis)</code></pre>
<p class="pale">pale text</p></main></body></html>"""


@pytest.fixture(scope="module")
def audits(tmp_path_factory):
    """``{(page name, width): Audit}`` for every page at every width, in one browser; and ``("faulty", 360)``,
    :data:`FAULTY` audited."""
    results = tmp_path_factory.mktemp("a11y") / "results"
    write_audited_class(results)
    (results / "faulty.html").write_text(FAULTY, encoding="utf-8")
    found = {}
    with Browser() as browser:
        for page in PAGES:
            for width in WIDTHS:
                found[page.name, width] = a11y.audit(browser, results / page.path, width, page.name)
        found["faulty", 360] = a11y.audit(browser, results / "faulty.html", 360, "faulty")
    (results / "a11y.json").write_text(a11y.dumps(found.values()))
    return found


def test_vendored_axe_is_the_published_release():
    assert hashlib.sha256(a11y.AXE.read_bytes()).hexdigest() == a11y.AXE_SHA256
    assert f"axe v{a11y.AXE_VERSION}" in a11y.AXE.read_text(encoding="utf-8")[:200]
    assert (a11y.AXE.parent / "LICENSE").read_text().startswith("Mozilla Public License")


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", [p.name for p in PAGES])
def test_page_has_no_accessibility_violation(audits, page, width):
    found = audits[page, width]
    assert found.axe_version == a11y.AXE_VERSION
    assert found.rules > 50, "axe ran its rules"
    assert not found.violations and not found.problems, found.report()


@pytest.mark.slow
def test_the_audit_finds_the_faults_the_pages_had(audits):
    found = audits["faulty", 360]
    assert {v["id"] for v in found.violations} == {"heading-order", "scrollable-region-focusable", "color-contrast"}
    assert found.problems == [
        'heading <h3> "Test cells were changed" comes after an h1: a level is skipped',
        '<pre class="code"> can scroll but is not focusable (tabindex="0")',
        '<pre class="code"> can scroll but has no name (aria-label)',
        'badge "awaitinggrading": the word "awaitinggrading" is broken over 2 lines',
    ], found.report()
