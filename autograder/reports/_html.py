"""Shared pieces of the self-contained HTML pages: escaping, page shell, styles.

Pages load nothing from outside: styles are inline, charts are inline SVG
markup, and a Content-Security-Policy forbids scripts, images and remote loads, so even a
student's code that slipped past escaping could not run in the reader's browser.
"""

from __future__ import annotations

import html

from autograder.model.files import write_atomic  # noqa: F401 — the pages use the one writer of every output

CSP = "default-src 'none'; style-src 'unsafe-inline'"

STYLE = """
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --soft:#f6f8fa;
        --ok:#1a7f37; --ok-bg:#dafbe1; --bad:#cf222e; --bad-bg:#ffebe9; --warn:#9a6700; --warn-bg:#fff8c5;
        --info-bg:#ddf4ff; --info:#0969da; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--soft); color: var(--fg);
       font: 15px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Helvetica, Arial, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
header.page { background: var(--bg); border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; }
.eyebrow { color: var(--muted); font-size: 13px; text-transform: uppercase; letter-spacing: .06em; }
h1 { margin: 4px 0 10px; font-size: 26px; }
h2 { margin: 0; font-size: 19px; overflow-wrap: anywhere; }
h2 code { font-size: 18px; }
table.checks { table-layout: fixed; }
table.checks col.c-status { width: 86px; } table.checks col.c-gid { width: 250px; } table.checks col.c-pts { width: 64px; }
.message code, .hint code, li code { background: rgba(175,184,193,.25); border-radius: 4px; padding: 0 3px; }
h3 { margin: 18px 0 8px; font-size: 16px; }
code, pre, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace; font-size: 13px; }
.score-line { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; }
.score-big { font-size: 38px; font-weight: 700; }
.score-max { font-size: 20px; color: var(--muted); }
.meter { height: 10px; background: #e6eaef; border-radius: 5px; overflow: hidden; margin: 10px 0 6px; }
.meter > span { display: block; height: 100%; background: var(--ok); }
.meter.mid > span { background: #d4a72c; } .meter.low > span { background: var(--bad); }
.muted { color: var(--muted); }
.notice { border-radius: 8px; padding: 12px 16px; margin: 16px 0 0; border: 1px solid; }
.notice h3 { margin: 0 0 4px; font-size: 15px; }
.notice ul { margin: 4px 0 0; padding-left: 20px; }
.notice.warn { background: var(--warn-bg); border-color: #d4a72c; }
.notice.bad { background: var(--bad-bg); border-color: #ff8182; }
.notice.info { background: var(--info-bg); border-color: #54aeff; }
section.card { background: var(--bg); border: 1px solid var(--line); border-radius: 10px; margin: 18px 0 0; padding: 16px 20px; }
.card-head { display: flex; justify-content: space-between; align-items: baseline; gap: 4px 12px; flex-wrap: wrap; }
.table-wrap { overflow-x: auto; }  /* a wide table scrolls inside its card, never the page */
.flag { color: var(--warn); font-size: 13px; }
.pts { font-weight: 600; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 8px 8px; border-top: 1px solid var(--line); }
th { font-size: 13px; color: var(--muted); font-weight: 600; border-top: none; }
td.num, th.num { text-align: right; white-space: nowrap; }
.badge { display: inline-block; min-width: 64px; text-align: center; font-size: 12px; font-weight: 700;
         border-radius: 999px; padding: 2px 8px; }
.badge.passed { color: var(--ok); background: var(--ok-bg); }
.badge.failed { color: var(--bad); background: var(--bad-bg); }
.gid { font-family: "DejaVu Sans Mono", "Liberation Mono", Menlo, monospace; font-size: 13px; white-space: nowrap; }
.message { white-space: pre-wrap; overflow-wrap: anywhere; }
.hint { margin-top: 6px; padding: 6px 10px; border-left: 3px solid var(--info); background: var(--info-bg);
        border-radius: 0 6px 6px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
details { margin-top: 12px; }
summary { cursor: pointer; color: var(--info); font-weight: 600; }
pre.code { background: #f6f8fa; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px;
           overflow-x: auto; white-space: pre; margin: 8px 0 0; line-height: 1.45; }
pre.error { background: var(--bad-bg); border: 1px solid #ff8182; border-radius: 6px; padding: 8px 10px;
            white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0 0; }
footer { color: var(--muted); font-size: 13px; margin-top: 24px; }
.bar { display: inline-block; height: 9px; background: #e6eaef; border-radius: 4px; width: 120px; vertical-align: middle; overflow: hidden; }
.bar > span { display: block; height: 100%; background: var(--ok); }
.bar.mid > span { background: #d4a72c; } .bar.low > span { background: var(--bad); }
.count { color: var(--muted); font-variant-numeric: tabular-nums; }
ol.hints { margin: 0; padding-left: 18px; } ol.hints li { margin: 0 0 4px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 250px), 1fr)); gap: 10px 18px;
          margin-top: 10px; }  /* three charts across on a desktop, one on a phone */
svg.hist { display: block; width: 100%; height: auto; font-family: inherit; }
svg.hist rect.hist-bar:hover { fill-opacity: .75; }
.stats { display: flex; gap: 28px; flex-wrap: wrap; margin-top: 6px; }
.stat b { display: block; font-size: 22px; }
a { color: var(--info); }
/* Phones: the rows of a stacked table become small grids (status, graded cell, points on one line;
   the message below at full width), so nothing is pushed off-screen and messages keep their width. */
@media (max-width: 760px) {
  main { padding: 12px 8px 32px; }
  header.page, section.card { padding: 14px 12px; }
  h1 { font-size: 22px; }
  .score-big { font-size: 32px; }
  table.stack, table.stack tbody { display: block; width: 100%; }
  table.stack colgroup, table.stack thead { display: none; }
  table.stack tr { display: grid; grid-template-columns: auto minmax(0, 1fr) auto; gap: 4px 10px;
                   align-items: baseline; border-top: 1px solid var(--line); padding: 8px 0; }
  table.stack td { display: block; border-top: none; padding: 0; min-width: 0; }
  table.stack td.wide { grid-column: 1 / -1; }
  table.stack .gid { white-space: normal; overflow-wrap: anywhere; }
  .stats { gap: 14px; }
  .bar { width: 72px; }
}
@media print { body { background: #fff; } section.card, header.page { break-inside: avoid; } }
"""


def esc(value) -> str:
    """HTML-escape any value (quotes too, so it is safe in attributes)."""
    return html.escape(str(value), quote=True)


def inline_code(value) -> str:
    """Escape ``value``, then show its `backtick` spans as ``<code>`` (hints use them)."""
    import re

    return re.sub(r"`([^`\n]+)`", r"<code>\1</code>", esc(value))


def level(fraction: float) -> str:
    """CSS class for a meter: ``""`` (good), ``"mid"`` or ``"low"``."""
    return "" if fraction >= 0.8 else ("mid" if fraction >= 0.5 else "low")


def meter(fraction: float, css: str = "meter") -> str:
    fraction = min(max(float(fraction), 0.0), 1.0)
    return f'<div class="{css} {level(fraction)}"><span style="width:{100 * fraction:.1f}%"></span></div>'


def bar(fraction: float) -> str:
    fraction = min(max(float(fraction), 0.0), 1.0)
    return f'<span class="bar {level(fraction)}"><span style="width:{100 * fraction:.1f}%"></span></span>'


def page(title: str, body: str) -> str:
    """A complete, self-contained HTML document."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
