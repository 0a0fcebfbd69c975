"""The class report and the feedback pages at a phone's and a desktop's width: nothing overlaps, nothing leaves
its card, nothing scrolls sideways, every number is labelled.

Two kinds of test:

* **in headless Chromium** (installed when missing, else skipped with the reason, or failed on CI:
  ``tests/tooling.py``): each page is loaded unchanged (its Content-Security-Policy included) as the ``srcdoc`` of an
  iframe per width under test, side by side in one browser run, so each copy's media queries see its
  frame's width (headless Chromium will not make a window narrower than 500 px). A script measures each
  frame's rendered layout from element rectangles: the box of every line of text (``Range.getClientRects``
  of each visible text node), then checks that no two text boxes overlap and that each lies inside its card
  (``section.card``, ``header.page``; text in a ``<pre>`` that scrolls sideways may run past its card's
  sides, its lines' height may not). A screenshot per page, its widths side by side, is written next to the
  probe pages (``*.png``) for a person to look at. The same probe run on the report as it was before its
  layout was redone (``tests/data/report_before_layout.html``) finds the overlaps and the clipped tables the
  trial saw, at every width.
* **without a browser**, on the HTML itself: every table of both pages stacks on a phone (class ``stack``),
  every number of a stacked row carries its label, and a number cell holds a number, never a sentence
  (the ⚑ line that ran over the next column sat in one).
"""

import html
import io
import json
import re
import struct
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

from autograder.reports.after_grading import write_reports
from tests import tooling
from tests.reports_fixtures import write_flagged_class

#: Scrollbars shown (the probe compares the page's scroll width with its frame's).
FLAGS = [flag for flag in tooling.CHROMIUM_FLAGS if flag != "--hide-scrollbars"]

WIDTHS = (360, 400, 1280)
#: The report as it was rendered before its layout was redone, for the flagged class of tests/reports_fixtures.
BEFORE = Path(__file__).parent / "data" / "report_before_layout.html"

#: Measures the page in iframe ``f``; the result goes into an attribute of the outer page named after the frame's
#: width (read from --dump-dom).
MEASURE = r"""
const d = f.contentDocument;
const boxes = [];
const walker = d.createTreeWalker(d.body, NodeFilter.SHOW_TEXT);
let node;
while ((node = walker.nextNode())) {
  const text = node.textContent, start = text.search(/\S/);
  if (start < 0) continue;
  const el = node.parentElement;
  if (!el || el.closest('title, style, script')) continue;
  if (el.checkVisibility && !el.checkVisibility()) continue;  // inside a closed <details>, or display: none
  const range = d.createRange();
  range.setStart(node, start);
  range.setEnd(node, text.trimEnd().length);
  const card = el.closest('section.card, header.page, footer, main').getBoundingClientRect();
  const pre = el.closest('pre');
  const sideways = pre !== null && d.defaultView.getComputedStyle(pre).overflowX !== 'visible';
  for (const r of range.getClientRects()) {
    if (r.width < 0.5 || r.height < 0.5) continue;
    boxes.push({x0: r.left, y0: r.top, x1: r.right, y1: r.bottom, node: node, text: text.trim().slice(0, 60),
                card: [sideways ? -1e9 : card.left, card.top, sideways ? 1e9 : card.right, card.bottom]});
  }
}
const overlaps = [], escapes = [];
for (let i = 0; i < boxes.length; i++) {
  const a = boxes[i], [l, t, r, b] = a.card;
  if (a.x0 < l - 1 || a.x1 > r + 1 || a.y0 < t - 1 || a.y1 > b + 1) escapes.push(a.text);
  for (let j = i + 1; j < boxes.length; j++) {
    const c = boxes[j];
    if (c.node === a.node) continue;
    const w = Math.min(a.x1, c.x1) - Math.max(a.x0, c.x0), h = Math.min(a.y1, c.y1) - Math.max(a.y0, c.y0);
    if (w > 1 && h > 1) overlaps.push([a.text, c.text]);
  }
}
const widths = sel => [...d.querySelectorAll(sel)].filter(e => e.checkVisibility()).map(e => e.getBoundingClientRect().width);
document.body.setAttribute('data-probe-' + f.dataset.width, JSON.stringify({
  boxes: boxes.length, overlaps: overlaps, escapes: escapes,
  scroll: d.documentElement.scrollWidth, client: d.documentElement.clientWidth,
  message: Math.min(...widths('.message'), 1e9), mistakes: Math.min(...widths('ol.hints'), 1e9)}));
"""

#: The outer page. ``probe`` is defined before the frames and each frame names it in its own ``onload``
#: attribute, so no frame can finish loading before its handler exists (a listener added by a script after
#: the frames missed a small frame that loaded first, on a busy machine).
PROBE = """<!DOCTYPE html><html><head><script>function probe(f) {{ {measure} }}</script></head>
<body style="margin:0;display:flex;align-items:flex-start">{frames}</body></html>"""
FRAME = """<iframe data-width="{width}" style="flex:none;width:{width}px;height:{height}px;border:0" onload="probe(this)"
srcdoc="{page}"></iframe>"""


def chromium(*args, timeout=120):
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([tooling.chromium(), *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=timeout)


def measure(page_html: str, widths, folder, name: str, height: int = 12000, shot: bool = True) -> dict:
    """``{width: the probe's findings}`` for ``page_html`` in a frame of each width, all in one browser run;
    with ``shot``, a screenshot ``name.png`` of the frames side by side."""
    probe = Path(folder) / f"{name}.html"
    page = html.escape(page_html, quote=True)
    probe.write_text(PROBE.format(frames="".join(FRAME.format(width=w, height=height, page=page) for w in widths),
                                  measure=MEASURE))
    # one browser run measures (the DOM it dumps holds the findings) and, with ``shot``, takes the screenshot:
    # a window as wide as the frames together (at least 500 px, headless Chromium's narrowest) and as tall
    shot_args = [f"--screenshot={Path(folder) / f'{name}.png'}", "--hide-scrollbars"] if shot else []
    proc = chromium(f"--window-size={max(sum(widths), 500)},{height}", "--virtual-time-budget=5000", *shot_args,
                    "--dump-dom", probe.as_uri())
    found = dict(re.findall(r'data-probe-(\d+)="([^"]+)"', proc.stdout))
    assert set(found) == {str(w) for w in widths}, proc.stderr[-2000:]
    return {w: json.loads(html.unescape(found[str(w)])) for w in widths}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The report of a class with ⚑ flags and things not graded, and two feedback pages."""
    results = tmp_path_factory.mktemp("layout") / "results"
    write_flagged_class(results)
    write_reports(results, console=Console(file=io.StringIO()))
    return results, {
        "report": (results / "report.html").read_text(),  # flags, wide tables, long paths
        "feedback-ben": (results / "ben" / "ps1_softmax" / "feedback.html").read_text(),  # long hints, code
        "feedback-hal": (results / "hal" / "ps3_gaussian" / "feedback.html").read_text(),  # a timeout error
    }


@pytest.fixture(scope="module")
def measured(pages):
    """Each page measured at every width (one browser run per page), ``{name: {width: findings}}``."""
    folder, html_pages = pages
    return {name: measure(page, WIDTHS, folder, name) for name, page in html_pages.items()}


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["report", "feedback-ben", "feedback-hal"])
def test_no_overlap_no_text_outside_its_card_no_sideways_scroll(pages, measured, name, width):
    folder, _ = pages
    m = measured[name][width]
    assert m["boxes"] > 100, "the probe saw the page's text"
    assert m["overlaps"] == [], f"{name} at {width} px: text boxes overlap: {m['overlaps'][:10]}"
    assert m["escapes"] == [], f"{name} at {width} px: text outside its card: {m['escapes'][:10]}"
    assert m["scroll"] <= m["client"], f"{name} at {width} px: {m['scroll']} px wide in a {m['client']} px view"
    if name.startswith("feedback"):  # "what was checked" keeps most of the width: no 2-3 words per line
        assert m["message"] >= min(0.75 * m["client"], 420), m
    else:
        assert m["mistakes"] >= min(0.6 * m["client"], 300), m
    png = (folder / f"{name}.png").read_bytes()  # the frames side by side, this width among them
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">I", png[16:20])[0] == max(sum(WIDTHS), 500)


@pytest.fixture(scope="module")
def measured_before(tmp_path_factory):
    """The report as it was before, measured at every width (one browser run)."""
    return measure(BEFORE.read_text(), WIDTHS, tmp_path_factory.mktemp("before"), "before", shot=False)


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
def test_the_probe_fails_the_report_as_it_was_before(measured_before, width):
    """The trial of the old layout, measured: the ⚑ line over the mistakes at 1280 px, "2 pt" over "4/5" at 400 px,
    tables clipped in a sideways scroll on a phone."""
    m = measured_before[width]
    assert m["overlaps"], f"{width} px: the old layout's overlaps went unseen"
    if width == 1280:
        assert any(a.startswith("⚑ does not separate") for a, _ in m["overlaps"]), m["overlaps"][:5]
    else:
        assert ["2 pt", "6/11"] in m["overlaps"], m["overlaps"][:5]
        assert "what to do" in m["escapes"] and m["scroll"] > m["client"]


# --- without a browser -------------------------------------------------------------------------------------------

class _Tables(HTMLParser):
    """Each table's class and, per body row, its cells: ``{"class", "labels", "text"}``."""

    def __init__(self):
        super().__init__()
        self.tables, self.stack, self.cell, self.in_label, self.in_head = [], [], None, 0, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"class": (attrs.get("class") or "").split(), "rows": []})
        elif tag == "thead":
            self.in_head = True
        elif tag == "tbody":
            self.in_head = False
        elif tag == "tr" and self.tables and not self.in_head:
            self.tables[-1]["rows"].append([])
        elif tag == "td" and self.tables and self.tables[-1]["rows"]:
            self.cell = {"class": (attrs.get("class") or "").split(), "labels": [], "text": ""}
            self.tables[-1]["rows"][-1].append(self.cell)
        elif tag == "span" and "label" in (attrs.get("class") or "").split() and self.cell is not None:
            self.in_label += 1
            self.cell["labels"].append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self.cell = None
        elif tag == "span" and self.in_label:
            self.in_label -= 1

    def handle_data(self, data):
        if self.cell is not None:
            if self.in_label:
                self.cell["labels"][-1] += data
            else:
                self.cell["text"] += data


def tables_of(page: str) -> list:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def layout_problems(page: str) -> list:
    """What the page's markup gets wrong for a phone: tables that do not stack, numbers without a label,
    sentences in number cells."""
    problems = []
    for table in tables_of(page):
        if "stack" not in table["class"]:
            problems.append(f"a table that does not stack on a phone (class {' '.join(table['class']) or 'none'})")
            continue
        for row in table["rows"]:
            for cell in row:
                text = " ".join(cell["text"].split())
                if "num" in cell["class"] and "checks" not in table["class"] and not cell["labels"]:
                    problems.append(f"a number without a label: {text!r}")
                if "num" in cell["class"] and not re.fullmatch(r"[–\-\d.,/ ×⚑⚠]*", text):
                    problems.append(f"a sentence in a number cell: {text[:60]!r}")
    return problems


def test_every_table_stacks_and_labels_its_numbers(pages):
    _, html_pages = pages
    for name, page in html_pages.items():
        assert tables_of(page), name
        assert layout_problems(page) == [], name
    report = tables_of(html_pages["report"])
    items = next(t for t in report if "items" in t["class"])
    labels = [c["labels"] for c in items["rows"][0] if c["labels"]]
    assert labels == [["points"], ["passed"], ["discrimination"], ["most frequent mistakes"]]
    flagged = [row for row in items["rows"] if any("⚑" in c["text"] for c in row)]
    assert len(flagged) == 2, "the flagged class has two ⚑ cells"
    assert all("⚑ does not separate" in row[-1]["text"] for row in flagged), "the ⚑ line sits with the mistakes"


def test_the_markup_check_fails_the_report_as_it_was_before():
    problems = layout_problems(BEFORE.read_text())
    assert any(p.startswith("a table that does not stack") for p in problems)
    assert any(p.startswith("a number without a label") for p in problems)
    assert any(p.startswith("a sentence in a number cell: '0.13⚑ does not separate") for p in problems), problems
