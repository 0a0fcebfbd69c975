"""Markdown with LaTeX math, as a notebook shows it, rendered into markup no student text can break out of.

Model answers, a student's own written answers and hints are Markdown with ``$…$`` and ``$$…$$`` math, as in
the notebook. Rendered by two well-kept libraries: `markdown-it-py <https://markdown-it-py.readthedocs.io>`_
(CommonMark, the parser Jupyter's own ecosystem uses; math by ``mdit_py_plugins.dollarmath``) and
`latex2mathml <https://github.com/roniemartinez/latex2mathml>`_, which turns LaTeX into MathML, which browsers
draw natively — offline, with no script (the pages' Content-Security-Policy allows none) and no font to load.

What keeps a student's text text:

- markdown-it runs with raw HTML off (``<script>`` is shown as written), and without links and images (an
  answer needs neither; a link could lead a grader anywhere, an image would load from outside);
- latex2mathml passes some LaTeX through unescaped (``\\text{<b>}`` becomes ``<mtext><b></mtext>``, ``\\href``
  an ``href`` attribute), so its MathML is parsed and written again from an allowlist of MathML elements and
  attributes, every text escaped; what is not on it keeps only its text. LaTeX it cannot read, nested past
  :data:`MAX_DEPTH`, or whose MathML nests past :data:`MAX_TREE_DEPTH` (commands that take the next one as
  their argument nest without a brace: ``\\hat\\hat…x``), is shown as its source in ``<code>``.

Display math sits in a box that scrolls sideways on a phone (focusable and named, as the pages' other
scrolling boxes are).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from functools import lru_cache

from latex2mathml.converter import convert
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererProtocol
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape
from mdit_py_plugins.dollarmath import dollarmath_plugin

#: MathML elements kept (MathML Core's presentation elements); any other keeps only its text.
ELEMENTS = frozenset({
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac", "msqrt",
    "mroot", "mstyle", "merror", "mpadded", "mphantom", "munder", "mover", "munderover", "mmultiscripts",
    "mprescripts", "mtable", "mtr", "mtd", "semantics", "annotation", "mfenced", "menclose",
})
#: Attributes kept, and only with values of at most 40 characters of a safe alphabet.
ATTRIBUTES = frozenset({
    "display", "mathvariant", "stretchy", "fence", "separator", "accent", "accentunder", "lspace", "rspace",
    "width", "height", "depth", "linethickness", "columnalign", "rowalign", "columnspacing", "rowspacing",
    "displaystyle", "scriptlevel", "movablelimits", "minsize", "maxsize", "symmetric", "largeop", "form",
    "notation", "open", "close", "separators",
})
SAFE_VALUE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-+ #%")
#: LaTeX nested deeper than this (braces, environments) is shown as source, not converted.
MAX_DEPTH = 40
#: MathML nested deeper than this is shown as source: its rewriting recurses once per level, and 400 nested ``\\hat``
#: (1,601 characters, no brace) raised RecursionError out of the page, which stopped every report of the batch.
MAX_TREE_DEPTH = 4 * MAX_DEPTH
#: A formula longer than this is shown as source (the results' texts are bounded already; this bounds the work).
MAX_FORMULA = 4_000
MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"


def _depth(tex: str) -> int:
    depth = deepest = 0
    for ch in tex:
        depth += ch == "{"
        depth -= ch == "}"
        deepest = max(deepest, depth)
    return deepest


def _tree_depth(root: ET.Element) -> int:
    """How deeply ``root`` nests (1: no child), counted without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


def _safe(element: ET.Element) -> str:
    """``element`` written again from the allowlists, every text escaped."""
    tag = element.tag.removeprefix(MATHML_NS)
    inner = str(escape(element.text or "")) + "".join(_safe(child) + str(escape(child.tail or "")) for child in element)
    if tag not in ELEMENTS:
        return inner
    attrs = "".join(f' {k}="{v}"' for k, v in element.attrib.items()
                    if k in ATTRIBUTES and len(v) <= 40 and set(v) <= SAFE_VALUE)
    return f"<{tag}{attrs}>{inner}</{tag}>"


#: Formulas whose markup is kept: one shown on many pages is converted once (a problem set's model answers, on every
#: page that shows them: answers graded by a person, ``--publish-answers``; the question's notation, which answers
#: repeat). A class's own derivations mostly differ (the 30-student benchmark's, each student's own, give 3,570
#: distinct formulas of 3,840): those are converted once each, by whichever page worker writes their page.
FORMULAS_KEPT = 1024


@lru_cache(maxsize=FORMULAS_KEPT)
def formula(tex: str, display: bool) -> str:
    """``tex`` as MathML markup, or as its escaped source in ``<code>`` when it cannot be converted safely (a
    function of its arguments alone: kept for the next page that shows it)."""
    source = f'<code class="tex">{escape(tex)}</code>'
    if len(tex) > MAX_FORMULA or _depth(tex) > MAX_DEPTH:
        return source
    try:
        mathml = convert(tex, display="block" if display else "inline")
        root = ET.fromstring(mathml)
    except Exception:  # noqa: BLE001 — any LaTeX latex2mathml cannot read (or XML it wrote badly): the source
        return source
    if _tree_depth(root) > MAX_TREE_DEPTH:
        return source
    out = _safe(root)
    if not out.startswith("<math"):
        return source
    if display:
        return f'<div class="math-display" tabindex="0" role="region" aria-label="equation">{out}</div>'
    return out


def _math_inline(renderer: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict,
                 env: EnvType) -> str:
    return formula(tokens[idx].content, display=False)


def _math_block(renderer: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict,
                env: EnvType) -> str:
    return formula(tokens[idx].content, display=True) + "\n"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["link", "image", "autolink", "html_inline", "html_block", "reference"])
    md.use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_inline_double", _math_block)
    md.add_render_rule("math_block", _math_block)
    md.add_render_rule("math_block_label", _math_block)
    return md


def markdown(text: object) -> Markup:
    """Block Markdown (paragraphs, lists, emphasis, code, headings, math) as markup: answers."""
    return Markup(_parser().render(str(text or "")))


def markdown_inline(text: object) -> Markup:
    """One line of inline Markdown (emphasis, ``code``, ``$math$``) as markup: hints."""
    return Markup(_parser().renderInline(str(text or "")))
