"""The feedback page and the class report at phone and desktop widths, in headless Chromium.

Each page is loaded unchanged (its Content-Security-Policy included) as the
``srcdoc`` of an iframe of the width under test, so its media queries see
that width (headless Chromium will not make a window narrower than 500 px).
A script in the outer page measures the inner document: no horizontal
overflow (``scrollWidth <= clientWidth``), and messages keep a readable width.
Screenshots are written next to the pages (``*.png``) for a person to look at.

Skipped with the reason when no Chromium is installed (``apt-get install chromium``).
"""

import html
import io
import json
import re
import shutil
import struct
import subprocess
import tempfile

import pytest
from rich.console import Console

from autograder.reports import write_reports
from tests.reports_fixtures import write_class

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed")]

PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" style="width:{width}px;height:{height}px;border:0" srcdoc="{page}"></iframe>
<script>
document.getElementById('f').addEventListener('load', () => {{
  const d = document.getElementById('f').contentDocument;
  const widths = sel => [...d.querySelectorAll(sel)].map(e => e.getBoundingClientRect().width);
  document.body.setAttribute('data-probe', JSON.stringify({{
    scroll: d.documentElement.scrollWidth, client: d.documentElement.clientWidth,
    message: Math.min(...widths('.message'), 1e9), mistakes: Math.min(...widths('ol.hints'), 1e9)}}));
}});
</script></body></html>"""


def chromium(*args, timeout=120):
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=timeout)


def measure(page_html: str, width: int, folder, name: str) -> dict:
    probe = folder / f"{name}-{width}.html"
    probe.write_text(PROBE.format(width=width, height=2600, page=html.escape(page_html, quote=True)))
    proc = chromium("--window-size=1400,900", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    found = re.search(r'data-probe="([^"]+)"', proc.stdout)
    assert found, proc.stderr[-2000:]
    shot = folder / f"{name}-{width}.png"
    chromium(f"--window-size={max(width, 500)},2600", f"--screenshot={shot}", "--hide-scrollbars",
             "--virtual-time-budget=5000", probe.as_uri())
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    results = tmp_path_factory.mktemp("layout") / "results"
    write_class(results)
    write_reports(results, console=Console(file=io.StringIO()))
    return results, {
        "feedback-ben": (results / "ben" / "ps1_softmax" / "feedback.html").read_text(),  # long hints
        "feedback-hal": (results / "hal" / "ps3_gaussian" / "feedback.html").read_text(),  # a timeout error
        "report": (results / "report.html").read_text(),  # wide tables
    }


@pytest.mark.parametrize("width", [400, 1280])
@pytest.mark.parametrize("name", ["feedback-ben", "feedback-hal", "report"])
def test_no_horizontal_overflow_and_readable_messages(pages, name, width):
    folder, html_pages = pages
    m = measure(html_pages[name], width, folder, name)
    assert m["scroll"] <= m["client"], f"{name} at {width} px: {m['scroll']} px wide in a {m['client']} px view"
    if name.startswith("feedback"):  # "what was checked" keeps most of the width: no 2-3 words per line
        assert m["message"] >= min(0.75 * m["client"], 420), m
    else:
        assert m["mistakes"] >= min(0.6 * m["client"], 300), m
    png = (folder / f"{name}-{width}.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">I", png[16:20])[0] == max(width, 500)


def test_the_old_fixed_columns_would_be_caught(pages):
    """The probe sees an overflow when there is one: a page whose table is wider than the phone."""
    folder, html_pages = pages
    wide = html_pages["feedback-ben"].replace("<main>", '<main><div style="width:700px">x</div>', 1)
    m = measure(wide, 400, folder, "wide")
    assert m["scroll"] > m["client"]
