"""Answers and hints rendered as the notebook shows them (Markdown and LaTeX math), and a student's text never
turned into markup (autograder/reports/markdown_math.py).

The pages' accessibility with rendered answers (MathML, display equations that scroll on a phone) is audited
with axe-core at 360, 768 and 1280 px in tests/test_reports_a11y.py, whose answer fixture holds both kinds of
math, emphasis and a list.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import pytest
from rich.console import Console

from autograder.reports.after_grading import write_reports
from autograder.reports.markdown_math import ATTRIBUTES, ELEMENTS, MAX_DEPTH, formula, markdown, markdown_inline
from tests.reports_fixtures import make_result, write_class

DERIVATION = "cross_entropy_grad-derivation"


def test_math_becomes_mathml_and_markdown_becomes_markup():
    html = str(markdown("**Claim.** $\\sigma'(z) = \\sigma(z)(1-\\sigma(z))$\n\n$$\\frac{a}{b}$$\n\n- one\n- *two*"))
    assert "<strong>Claim.</strong>" in html and "<li><em>two</em></li>" in html
    assert '<math display="inline">' in html and "<msup><mi>σ</mi><mi>′</mi></msup>" in html
    assert '<div class="math-display" tabindex="0" role="region" aria-label="equation"><math display="block">' in html
    assert "<mfrac><mrow><mi>a</mi></mrow><mrow><mi>b</mi></mrow></mfrac>" in html
    assert "$" not in html, "no LaTeX source left where it converted"


def test_hints_render_inline_code_emphasis_and_math_on_one_line():
    html = str(markdown_inline("The KL is a *sum*: check `mu**2` and $\\log \\sigma^2$."))
    assert "<em>sum</em>" in html and "<code>mu**2</code>" in html and "<math" in html
    assert "<p>" not in html


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "$\\text{<img src=x onerror=alert(1)>}$",
    "$\\text{</math><script>alert(1)</script>}$",
    "$$\\href{javascript:alert(1)}{click}$$",
    "$\\style{background:url(http://x)}{y}$",
    "$\\color{red\" onmouseover=\"alert(1)}{x}$",
    "[click](javascript:alert(1)) [site](http://example.com) <http://example.com>",
    "![tracker](http://example.com/pixel.png)",
    '<a href="http://example.com">x</a> <iframe src=x></iframe>',
    "$" + "{" * (MAX_DEPTH + 5) + "x" + "}" * (MAX_DEPTH + 5) + "$",
    "$" + "\\frac{1}{" * 3000 + "$",
    "$\\frac{$ unbalanced",
]


#: What rendered text may hold: Markdown's own elements and MathML's, with layout attributes only.
TAGS = {"p", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "hr", "br", "div",
        "h1", "h2", "h3", "h4", "h5", "h6", "root"} | set(ELEMENTS)
ATTRS = {"class", "tabindex", "role", "aria-label", "start"} | set(ATTRIBUTES)


@pytest.mark.parametrize("text", HOSTILE)
def test_a_students_text_never_becomes_markup(text):
    for html in (str(markdown(text)), str(markdown_inline(text))):
        tree = ET.fromstring(f"<root>{html}</root>")  # well-formed: every tag it opens, it closes
        for element in tree.iter():
            assert element.tag in TAGS, (element.tag, html)
            assert set(element.attrib) <= ATTRS, (element.attrib, html)
            assert not any("javascript" in v or "url(" in v for v in element.attrib.values()), html


def test_latex_it_cannot_read_is_shown_as_source():
    assert formula("\\frac{", display=False) == '<code class="tex">\\frac{</code>'
    deep = "{" * (MAX_DEPTH + 1) + "x" + "}" * (MAX_DEPTH + 1)
    assert formula(deep, display=True).startswith('<code class="tex">')


def test_feedback_pages_render_the_students_and_the_model_answer(tmp_path):
    answer = "By the chain rule, $\\partial L/\\partial z_i = p_i - y_i$ (**softmax − target**). <b>bold?</b>"
    graded = make_result("jon", "ps2_cross_entropy", answers={DERIVATION: (3, answer, 2.0)})
    pending = make_result("ivy", "ps2_cross_entropy", answers={DERIVATION: (3, answer, None)})
    write_class(tmp_path, [graded, pending])
    write_reports(tmp_path, console=Console(file=io.StringIO()))
    page = (tmp_path / "jon" / "ps2_cross_entropy" / "feedback.html").read_text()
    assert "<strong>softmax − target</strong>" in page and "&lt;b&gt;bold?&lt;/b&gt;" in page
    assert '<math display="inline">' in page and "$\\partial" not in page
    model = page[page.index('class="model-answer"'):]
    assert "<math" in model, "the model answer's LaTeX rendered as the notebook shows it"
    assert "$$" not in model and "**" not in model
    waiting = (tmp_path / "ivy" / "ps2_cross_entropy" / "feedback.html").read_text()
    assert "<math" in waiting and 'class="model-answer"' not in waiting, "no model answer before grading"
    assert json.loads((tmp_path / "jon" / "ps2_cross_entropy" / "results.json").read_text())["answers"][DERIVATION] \
        == answer, "results.json keeps the text as written"
