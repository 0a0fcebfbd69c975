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
#: Widths where a table's header cells are narrow (a phone's, and between the stacked and the desktop layout).
WORD_WIDTHS = (360, 400, 480, 660, 700, 800, 1280)


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


#: Words of headings, header cells and labels broken across two lines, found in iframe ``f`` (issue 84: the
#: similarity page's header showed "Stude" / "nts" at 360 px).
WORDS = r"""
const d = f.contentDocument, broken = [];
for (const el of d.querySelectorAll('h1, h2, h3, th, dt, .label')) {
  if (el.checkVisibility && !el.checkVisibility()) continue;
  const walker = d.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    for (const m of node.textContent.matchAll(/[A-Za-z]{4,}/g)) {
      const range = d.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0.5).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
}
document.body.setAttribute('data-probe-' + f.dataset.width, JSON.stringify(broken));
"""


def _broken_words(page: str, folder, name: str) -> dict:
    import html
    import re

    from tests.test_reports_layout import FRAME, PROBE, chromium

    probe = folder / f"{name}.html"
    frames = "".join(FRAME.format(width=w, height=4000, page=html.escape(page, quote=True)) for w in WORD_WIDTHS)
    probe.write_text(PROBE.format(frames=frames, measure=WORDS))
    proc = chromium(f"--window-size={sum(WORD_WIDTHS)},4000", "--virtual-time-budget=5000", "--dump-dom",
                    probe.as_uri())
    found = dict(re.findall(r'data-probe-(\d+)="([^"]+)"', proc.stdout))
    assert set(found) == {str(w) for w in WORD_WIDTHS}, proc.stderr[-2000:]
    return {int(w): json.loads(html.unescape(v)) for w, v in found.items()}


@pytest.mark.slow
def test_headings_and_labels_keep_their_words_whole_on_a_phone(pages):
    """No word of a heading, a header cell or a label is broken across two lines (issue 84: "Stude/nts", when those
    words could break anywhere; with the page's CSS before the fix, this class's "Students" header cell broke at
    660 px)."""
    folder, found = pages
    for name in ("index", "pair"):
        broken = _broken_words(found[name].read_text(), folder, f"words-{name}")
        assert broken == {w: [] for w in WORD_WIDTHS}, (name, broken)
