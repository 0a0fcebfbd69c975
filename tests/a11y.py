"""Accessibility audit of a page in headless Chromium: axe-core's rules, and what axe cannot see.

:func:`audit` loads a page at one viewport width (:class:`tests.browser.Browser`), opens every ``<details>``
(a keyboard user opens them too, and what they hide must pass as well), injects the vendored axe-core
(``tests/vendor/axe-core/``) and returns its violations, with its default rules: WCAG 2.0, 2.1 and 2.2 at
levels A and AA and Deque's best practices (headings in order, landmarks, one ``h1``), so that ``0
violations`` means all of them. :data:`EXTRA_CHECKS` adds what axe reports only in some states or not at all:

* every element that can scroll (``overflow: auto | scroll``), whether or not its content overflows at this
  width, is reachable by keyboard (``tabindex="0"``) and has a name (``aria-label``), so a screen reader
  says what the focus landed on (axe's ``scrollable-region-focusable`` judges only what scrolls now);
* heading levels never go down by more than one (no ``h3`` before any ``h2``), the first being ``h1``;
* no word of a badge (``.badge``, such as "awaiting grading") is broken across lines, and no badge sticks out of
  its table cell.

A new kind of page is audited by adding it to the list of pages of ``tests/test_reports_a11y.py``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

#: axe.run over the whole document: every rule axe runs by default (experimental ones aside); the result
#: reduced to what a failing test prints.
RUN_AXE = """
axe.run(document, {resultTypes: ['violations']}).then(r => ({
  version: axe.version,
  rules: r.passes.length + r.violations.length + r.incomplete.length + r.inapplicable.length,
  violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, tags: v.tags,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                              summary: n.failureSummary}))}))}))
"""

#: Checks axe does not make (the module's docstring); a list of problems in words.
EXTRA_CHECKS = r"""
(() => {
  const problems = [];
  const describe = el => '<' + el.tagName.toLowerCase() + (el.className ? ' class="' + el.className + '"' : '') + '>';
  let previous = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    if (level > previous + 1)
      problems.push(`heading ${describe(h)} "${h.textContent.trim().slice(0, 60)}" comes after ` +
                    (previous ? `an h${previous}` : 'no heading') + ': a level is skipped');
    previous = level;
  }
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (![style.overflowX, style.overflowY].some(o => o === 'auto' || o === 'scroll')) continue;
    if (!el.checkVisibility()) continue;
    if (el.tabIndex < 0) problems.push(`${describe(el)} can scroll but is not focusable (tabindex="0")`);
    if (!(el.getAttribute('aria-label') || '').trim() && !el.hasAttribute('aria-labelledby'))
      problems.push(`${describe(el)} can scroll but has no name (aria-label)`);
  }
  for (const badge of document.querySelectorAll('.badge')) {
    if (!badge.checkVisibility()) continue;
    const walker = document.createTreeWalker(badge, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      for (const word of node.textContent.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) problems.push(`badge "${badge.textContent.trim()}": the word "${word[0]}" is broken over ${lines.size} lines`);
      }
    }
    const box = badge.getBoundingClientRect(), cell = (badge.closest('td, th') || badge.parentElement).getBoundingClientRect();
    if (box.left < cell.left - 1 || box.right > cell.right + 1)
      problems.push(`badge "${badge.textContent.trim()}" sticks out of its cell (${Math.round(box.width)} px in ${Math.round(cell.width)} px)`);
  }
  return problems;
})()
"""

OPEN_DETAILS = "document.querySelectorAll('details').forEach(d => { d.open = true; }); true"


@dataclass
class Audit:
    """What :func:`audit` found on one page at one width."""

    page: str
    width: int
    axe_version: str = ""
    rules: int = 0
    violations: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def report(self) -> str:
        """The findings in words, for a failing test: each violation with the elements it was found on."""
        lines = [f"{self.page} at {self.width} px (axe {self.axe_version}, {self.rules} rules):"]
        for v in self.violations:
            lines.append(f"  axe {v['id']} ({v['impact']}): {v['help']}")
            lines += [f"      {n['target']}: {n['html']}" for n in v["nodes"][:5]]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


def axe_source() -> str:
    """The vendored axe-core, checked against its published digest."""
    data = AXE.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != AXE_SHA256:
        raise ValueError(f"{AXE}: SHA-256 {digest}, expected {AXE_SHA256} (axe-core {AXE_VERSION}; see its README)")
    return data.decode("utf-8")


def audit(browser, path, width: int, name: str = "") -> Audit:
    """Audit the page ``path`` at ``width`` CSS pixels in ``browser`` (:class:`tests.browser.Browser`)."""
    page = browser.open(path, width)
    try:
        page.evaluate(OPEN_DETAILS)
        page.evaluate(axe_source() + ";true")
        found = page.evaluate(RUN_AXE)
        problems = page.evaluate(EXTRA_CHECKS)
    finally:
        browser.close(page)
    return Audit(name or str(path), width, found["version"], found["rules"], found["violations"], problems)


def dumps(audits) -> str:
    """Audits as JSON (written beside the pages for a person to read)."""
    return json.dumps([a.__dict__ for a in audits], indent=1)
