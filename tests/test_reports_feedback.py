"""feedback.html: content, escaping, no hidden material, and what a browser shows."""

import json
import re
import subprocess
from html.parser import HTMLParser

import pytest

from autograder.model.course import FUNCTIONS, GRADE_CELLS
from autograder.model.results import load_results
from autograder.model.results import read_result as load_result
from autograder.reports.feedback import render_feedback, write_feedback_pages
from tests import tooling
from tests.reports_fixtures import OVERFLOW_HINT, XSS, class_results, full, g, points_of, score, write_class


@pytest.fixture()
def results_dir(tmp_path):
    write_class(tmp_path / "results")
    return tmp_path / "results"


BLOCK = {"div", "p", "td", "th", "li", "h1", "h2", "h3", "pre", "section", "header", "tr", "footer", "summary", "br"}


def _text(html_doc):
    """The visible text, roughly as a browser lays it out (blocks separated by a space)."""

    class P(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts, self.skip = [], 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("style", "title", "script")
            if tag in BLOCK:
                self.parts.append(" ")

        def handle_endtag(self, tag):
            self.skip -= tag in ("style", "title", "script")
            if tag in BLOCK:
                self.parts.append(" ")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    p = P()
    p.feed(html_doc)
    return " ".join("".join(p.parts).split())


def test_every_submission_gets_a_page(results_dir):
    paths = write_feedback_pages(results_dir)
    assert len(paths) == len(class_results())
    assert all(p.name == "feedback.html" and p.parent.parent.parent == results_dir for p in paths)


def test_page_shows_points_messages_hints_and_the_students_code(results_dir):
    result = load_result(results_dir / "ben" / "ps1_softmax" / "results.json")
    page = render_feedback(result)
    text = _text(page)
    cells = [gid for gid, _ in GRADE_CELLS["ps1_softmax"]]
    failing = [gid for gid in ("softmax-stability", "log_softmax-stability") if gid in cells]
    assert f"{g(score('ben', 'ps1_softmax'))} / {g(full('ps1_softmax'))} points" in text
    assert f"{len(cells) - len(failing)} of {len(cells)} graded cells passed" in text
    assert "softmax-stability" in text and f"0 / {g(points_of('softmax-stability'))}" in text
    # the hint, with its `code` spans shown as code
    assert "<code>np.exp</code>" in page
    assert "Large logits overflow np.exp: subtract each slice" in text
    # the student's own code, escaped
    assert "e = np.exp(np.asarray(z) / temperature)  # a &lt; b &amp;&amp; c &gt; d" in page
    # one section per function, in notebook order
    assert [m for m in re.findall(r'id="fn-([a-z_]+)"', page)] == list(FUNCTIONS["ps1_softmax"])


def test_page_is_self_contained(results_dir):
    page = render_feedback(load_result(results_dir / "ben" / "ps1_softmax" / "results.json"))
    assert "<script" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_everything_is_escaped(results_dir):
    page = render_feedback(load_result(results_dir / "zed" / "ps1_softmax" / "results.json"))
    assert XSS not in page
    assert "<img" not in page and "<script" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page  # quotes too (markupsafe writes &#34;)


def test_tamper_execution_and_notes_are_shown(results_dir):
    eve = _text(render_feedback(load_result(results_dir / "eve" / "ps1_softmax" / "results.json")))
    assert "Test cells were changed" in eve and "softmax-stability was deleted" in eve
    hal = _text(render_feedback(load_result(results_dir / "hal" / "ps3_gaussian" / "results.json")))
    assert "cell 7 (gaussian_log_likelihood-solution) was stopped: it ran past the time limit" in hal
    assert "the cell ran longer than 5 s" in hal
    assert "cell 9 was not run" in hal
    fay = _text(render_feedback(load_result(results_dir / "fay" / "ps1_softmax" / "results.json")))
    assert "not valid JSON" in fay
    assert "No cell of your notebook defines softmax" in fay


def test_unreadable_results_still_get_a_page(tmp_path):
    bad = tmp_path / "r" / "kim" / "ps2_cross_entropy" / "results.json"
    bad.parent.mkdir(parents=True)
    bad.write_text("{not json")
    (page,) = write_feedback_pages(tmp_path / "r")
    assert "could not be read" in page.read_text()


def test_only_what_results_json_holds_reaches_the_page(results_dir):
    """Every string on a page comes from results.json: compare the text with the file's strings."""
    for result in load_results(results_dir):
        data = json.loads(result.path.read_text())
        page = render_feedback(result)
        assert "BEGIN HIDDEN TESTS" not in page and "run_check(" not in page
        for secret in ("sandbox", "uid"):
            assert secret not in _text(page).split()
        assert data["student"] in page


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """ben's ps1 page as Chromium renders it: (DOM after layout, screenshot path)."""
    root = tmp_path_factory.mktemp("chromium")
    write_class(root / "results")
    write_feedback_pages(root / "results")
    page = root / "results" / "ben" / "ps1_softmax" / "feedback.html"
    args = tooling.chromium_args(root / "profile")
    dom = subprocess.run([*args, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = root / "feedback.png"
    subprocess.run([*args, "--window-size=1100,1500", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, text=True, timeout=120, check=True)
    return dom.stdout, shot


def test_chromium_shows_score_hint_and_code(rendered):
    dom, _ = rendered
    text = _text(dom)
    assert "ps1_softmax — ben" in text
    assert f"{g(score('ben', 'ps1_softmax'))} / {g(full('ps1_softmax'))} points" in text
    assert re.search(rf'<span class="score-big" id="score">{g(score("ben", "ps1_softmax"))}</span>', dom)
    assert f"/ {g(full('ps1_softmax'))} points" in text
    assert OVERFLOW_HINT.replace("`", "").split(":")[0] in text  # "Large logits overflow np.exp"
    assert "def softmax(z, axis=-1, temperature=1.0):" in text


def test_chromium_screenshot_is_a_real_page(rendered):
    _, shot = rendered
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 1500)
    assert len(data) > 30_000, "a blank page compresses to a few kB"
