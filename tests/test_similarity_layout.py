"""The similarity report's pages in a real browser at a phone's and a desktop's width, and through axe-core.

Headless Chromium (Debian's, ``tests/tooling.py``: installed when missing, else skipped with the reason, or failed
on CI) measures the index page and a side-by-side page at 360 and 1280 px with the probe of
``tests/test_reports_layout.py``: no two lines of text overlap, none leaves its card, nothing scrolls sideways but
the code itself (a ``<pre>`` may). Screenshots are written beside the probe pages for a person to look at. The
same pages pass the accessibility audit of every page the product writes (``tests/a11y.py``: the vendored
axe-core and the checks axe does not make) at the widths of ``tests/test_reports_a11y.py``.
"""

from __future__ import annotations

import json

import pytest

from autograder.model.files import SIMILARITY_HTML, SIMILARITY_JSON
from autograder.similarity.run import similarity_report
from tests import a11y
from tests.browser import Browser
from tests.test_reports_a11y import WIDTHS as AUDIT_WIDTHS
from tests.test_reports_layout import measure
from tests.test_similarity_report import _class

WIDTHS = (360, 1280)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("similarity-layout")
    _class(root / "submitted")
    similarity_report(root / "submitted", root / "out", workers=1)
    pair = next(p for p in json.loads((root / "out" / SIMILARITY_JSON).read_text())["pairs"]
                if p["students"] == ["copier", "writer"])
    return root, {"index": root / "out" / SIMILARITY_HTML, "pair": root / "out" / pair["page"]}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["index", "pair"])
def test_no_overlap_no_text_outside_its_card_no_sideways_scroll(pages, name):
    folder, found = pages
    measured = measure(found[name].read_text(), WIDTHS, folder, f"similarity-{name}", height=4000)
    for width, m in measured.items():
        assert m["boxes"] > 40, "the probe saw the page's text"
        assert m["overlaps"] == [], f"{name} at {width} px: text boxes overlap: {m['overlaps'][:10]}"
        assert m["escapes"] == [], f"{name} at {width} px: text outside its card: {m['escapes'][:10]}"
        assert m["scroll"] <= m["client"], f"{name} at {width} px: {m['scroll']} px wide in {m['client']} px"
    assert (folder / f"similarity-{name}.png").stat().st_size > 10_000


@pytest.fixture(scope="module")
def audits(pages):
    _, found = pages
    with Browser() as browser:
        return {(name, width): a11y.audit(browser, path, width, name)
                for name, path in found.items() for width in AUDIT_WIDTHS}


@pytest.mark.slow
@pytest.mark.parametrize("width", AUDIT_WIDTHS)
@pytest.mark.parametrize("name", ["index", "pair"])
def test_no_accessibility_violation(audits, name, width):
    found = audits[name, width]
    assert found.axe_version == a11y.AXE_VERSION and found.rules > 50, "axe ran its rules"
    assert not found.violations and not found.problems, found.report()
