"""The similarity report's pages in a real browser at a phone's and a desktop's width, and through axe-core.

Headless Chromium (skipped with the reason when it is not installed: ``apt-get install chromium``)
measures the index page and a side-by-side page at 360 and 1280 px with the probe of
``tests/test_reports_layout.py``: no two lines of text overlap, none leaves its card, nothing
scrolls sideways but the code itself (a ``<pre>`` may). Screenshots are written beside the probe
pages for a person to look at. axe-core (``npm install -g axe-core``; skipped with the reason when
it is not found) checks both pages for accessibility violations at both widths: the page is loaded
with axe injected (its Content-Security-Policy, which forbids every script, taken out for that run
only) and axe's violations are read back from the DOM Chromium dumps.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder.model.files import SIMILARITY_HTML, SIMILARITY_JSON
from autograder.similarity import similarity_report
from tests.test_reports_layout import CHROMIUM, browser, chromium, measure
from tests.test_similarity_report import _class

WIDTHS = (360, 1280)


def _axe_source() -> Path | None:
    candidates = [os.environ.get("AXE_CORE_JS", "")]
    npm = shutil.which("npm")
    if npm:
        root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, timeout=60).stdout.strip()
        candidates.append(os.path.join(root, "axe-core", "axe.min.js"))
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


AXE = _axe_source()
axe = pytest.mark.skipif(AXE is None or CHROMIUM is None,
                         reason="axe-core and Chromium needed (npm install -g axe-core; apt-get install chromium)")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("similarity-layout")
    _class(root / "submitted")
    similarity_report(root / "submitted", root / "out", workers=1)
    pair = next(p for p in json.loads((root / "out" / SIMILARITY_JSON).read_text())["pairs"]
                if p["students"] == ["copier", "writer"])
    return root, {"index": (root / "out" / SIMILARITY_HTML).read_text(),
                  "pair": (root / "out" / pair["page"]).read_text()}


@browser
@pytest.mark.slow
@pytest.mark.parametrize("name", ["index", "pair"])
def test_no_overlap_no_text_outside_its_card_no_sideways_scroll(pages, name):
    folder, found = pages
    measured = measure(found[name], WIDTHS, folder, f"similarity-{name}", height=4000)
    for width, m in measured.items():
        assert m["boxes"] > 40, "the probe saw the page's text"
        assert m["overlaps"] == [], f"{name} at {width} px: text boxes overlap: {m['overlaps'][:10]}"
        assert m["escapes"] == [], f"{name} at {width} px: text outside its card: {m['escapes'][:10]}"
        assert m["scroll"] <= m["client"], f"{name} at {width} px: {m['scroll']} px wide in {m['client']} px"
    assert (folder / f"similarity-{name}.png").stat().st_size > 10_000


#: Runs axe on the page and writes its violations (id, impact, the first targets) into an attribute.
AXE_RUN = """<script>{axe}</script><script>
axe.run(document, {{resultTypes: ['violations']}}).then(function (r) {{
  document.body.setAttribute('data-axe', JSON.stringify(r.violations.map(function (v) {{
    return {{id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(function (n) {{ return n.target.join(' '); }})}};
  }})));
}});
</script>"""


@axe
@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["index", "pair"])
def test_axe_core_finds_no_violation(pages, name, width):
    folder, found = pages
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", found[name])
    page = page.replace("</body>", AXE_RUN.format(axe=AXE.read_text(encoding="utf-8")) + "</body>")
    path = folder / f"axe-{name}-{width}.html"
    path.write_text(page, encoding="utf-8")
    proc = chromium(f"--window-size={max(width, 500)},2000", "--virtual-time-budget=10000", "--dump-dom",
                    path.as_uri())
    result = re.search(r'data-axe="([^"]*)"', proc.stdout)
    assert result, proc.stderr[-2000:]
    violations = json.loads(html.unescape(result.group(1)))
    assert violations == [], f"{name} at {width} px: {violations}"
