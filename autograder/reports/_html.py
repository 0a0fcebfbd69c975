"""The self-contained HTML pages' one template environment: Jinja2 with autoescaping.

``feedback.html`` and ``report.html`` are Jinja2 templates in
``autograder/reports/templates/`` (``page.html.j2`` is the shell both extend,
``style.css`` their one stylesheet, ``macros.html.j2`` the small pieces both
use). Every value a template prints is HTML-escaped unless it is
:class:`markupsafe.Markup` built here (the filters below escape first, then
add markup), so student ids, messages and code cannot become markup.

Pages load nothing from outside: styles are inline, charts are inline SVG
markup, and a Content-Security-Policy forbids scripts, images and remote
loads, so even a student's code that slipped past escaping could not run in
the reader's browser.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

from autograder.model.results import fmt_points
from autograder.reports.markdown_math import markdown, markdown_inline

CSP = "default-src 'none'; style-src 'unsafe-inline'"


def esc(value: object) -> str:
    """HTML-escape any value (quotes too, so it is safe in attributes); for markup built outside templates."""
    return str(escape(str(value)))


def inline_code(value: object) -> Markup:
    """``value`` escaped, then its `backtick` spans shown as ``<code>`` (hints use them)."""
    return Markup(re.sub(r"`([^`\n]+)`", r"<code>\1</code>", esc(value)))


def breakable(value: object) -> Markup:
    """``value`` escaped, with a line-break opportunity after each ``_``, ``-``, ``/`` and ``.``.

    Graded-cell ids (``binary_cross_entropy_with_logits-stability``), problem-set ids and paths are
    long words: they wrap at their own separators instead of running over the next column.
    """
    return Markup(re.sub(r"([_\-/.])", r"\1<wbr>", esc(value)))


def level(fraction: float) -> str:
    """CSS class for a meter: ``""`` (good), ``"mid"`` or ``"low"``."""
    return "" if fraction >= 0.8 else ("mid" if fraction >= 0.5 else "low")


def percent(fraction: float) -> str:
    """A fraction as a CSS width, clamped to 0–100 %: ``0.5 -> "50.0%"``."""
    return f"{100 * min(max(float(fraction), 0.0), 1.0):.1f}%"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The templates of ``autograder/reports/templates``, autoescaped (all but the plain-text ``*.txt.j2``)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("autograder.reports", "templates"),
        autoescape=lambda name: not (name or "").endswith(".txt.j2"),  # HTML escaped; plain text as it is
        undefined=jinja2.StrictUndefined,  # a misspelt name is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(points=fmt_points, code=inline_code, breakable=breakable, level=level, percent=percent,
                       markdown=markdown, markdown_inline=markdown_inline)
    env.globals.update(CSP=Markup(CSP))  # our constant (no double quote): written as it is
    return env


def render(template: str, **context: Any) -> str:
    """Render one template (``"report.html.j2"``, ``"feedback.html.j2"``, ``"feedback.txt.j2"``) to text."""
    return environment().get_template(template).render(**context)
