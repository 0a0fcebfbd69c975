"""WCAG 2.1 AA on the pages a regrade writes (changes.html, review.html, a feedback page that says what moved, the
class report with its link), with axe-core in headless Chromium at a phone's, a tablet's and a desktop's width, as
tests/test_reports_a11y.py audits the other pages (``tests/a11y.py`` says what is checked beyond axe)."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from rich.console import Console

from autograder.model.regrade_requests import match_requests, read_requests
from autograder.model.results import load_results
from autograder.reports.after_grading import write_reports
from autograder.reports.requests_review import write_review
from tests import a11y
from tests.browser import Browser
from tests.test_regrades import HOSTILE_ID, SHARED, _decisions, read_decisions, regrade, result

WIDTHS = (360, 768, 1280)
PAGES = ("changes.html", "review/review.html", "ada/ps1_softmax/feedback.html", "report.html")


@pytest.fixture(scope="module")
def audits(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("regrade-a11y")
    fixed = dataclasses.replace(SHARED, checks={**SHARED.checks, "softmax-stability": "check-corrected"})
    decided = read_decisions(_decisions(tmp, "ben,ps1_softmax,softmax-axis,please,accept,2,2,Fair point.,ok"))
    new_dir, _, _ = regrade(tmp, [result("ada", lost=("softmax-stability",)), result("ben"), result(HOSTILE_ID)],
                            [result("ada", shared=fixed, lost=("softmax-temperature",)),
                             result("ben", shared=fixed, lost=("softmax-axis",)), result(HOSTILE_ID, shared=fixed)],
                            keep_higher=True, decided=decided)
    write_reports(new_dir, console=Console(file=io.StringIO()))
    requests = tmp / "requests.csv"
    with open(requests, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["student", "problem set", "cell", "message"],
                                  ["ada", "ps1_softmax", "softmax-temperature", "My temperature is right. " * 20],
                                  ["nobody", "ps1_softmax", "softmax-basic", "Who am I?"]])
    write_review(match_requests(read_requests(requests), load_results(new_dir)), new_dir / "review", new_dir, requests)
    found = {}
    with Browser() as browser:
        for page in PAGES:
            for width in WIDTHS:
                found[page, width] = a11y.audit(browser, new_dir / page, width, page)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES)
def test_a_regrades_page_has_no_accessibility_violation(audits, page, width):
    found = audits[page, width]
    assert found.rules > 50, "axe ran its rules"
    assert not found.violations and not found.problems, found.report()
