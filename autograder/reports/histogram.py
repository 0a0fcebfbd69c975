"""The score histograms of ``report.html``, as inline SVG (``templates/histogram.svg.j2``, autoescaped).

One small chart per problem set and one for the total, in the same order as
the report's tables. Each is an ``<svg>`` with a ``viewBox`` (it scales with
its column: the report's stylesheet lays the charts out in a wrapping grid,
three across on a desktop, one on a phone), ``role="img"`` with a summary in
its ``aria-label`` and ``<title>``, and a ``<title>`` on every bar, so
hovering a bar shows how many students it counts.

Why hand-made SVG rather than matplotlib
----------------------------------------
The charts used to be a matplotlib figure embedded as a PNG. Importing
matplotlib and drawing the seven panels of a five-problem-set class cost
1.4–2.1 s at the end of every ``autograde`` run, a large share of a small
batch (60 notebooks grade in about 11 s). Measured on the class of
``tests/reports_fixtures.write_class``: writing ``report.html`` in a fresh
process took 1.7 s with matplotlib (0.95 s of drawing once it was imported)
and takes 0.15 s with this module, whose markup takes about a millisecond;
the page is half the size (50 kB instead of 100 kB). SVG is also crisp at
any zoom and in print, its labels are text (found by search, read by screen
readers), and each bar carries a tooltip.

The few things matplotlib did for us (nice ticks, keeping labels inside the
figure) are done here with fixed margins, :func:`nice_step` and :func:`text_width`.

Binning (as the matplotlib figure did): one bar per point, wider bars beyond
20 points (``width = max(1, top / 20)``, ``top`` the full marks), bar ``k``
centred on ``k · width`` and covering ``[(k − ½)·width, (k + ½)·width)``;
the axis runs from ``−width`` to half a bar beyond the last bar, so the
full-marks bar sits inside the axes, not on its edge.

Everything shown comes from the results and is escaped (problem-set names
are folder names); the output depends on the results alone, so the same
results give the same bytes.
"""

from __future__ import annotations

import math
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from autograder.model.results import SubmissionResult, fmt_points
from autograder.reports import stats
from autograder.reports._html import render

#: The chart's coordinate system (``viewBox``): one unit is about one CSS pixel in a 320 px column.
WIDTH, HEIGHT = 320, 196
#: The axes' box inside it: room on the left for the y ticks and the "students" label, above for the title,
#: below for the x ticks and the x label.
LEFT, RIGHT, TOP, BOTTOM = 48.0, 306.0, 28.0, 150.0
TITLE_SIZE, LABEL_SIZE, TICK_SIZE = 13.0, 11.5, 11.0
#: Bar colours as in the rest of the pages: green per problem set, blue for the total.
PS_COLOUR, TOTAL_COLOUR = "#2da44e", "#0969da"
INK, MUTED, GRID = "#1f2328", "#59636e", "#d1d9e0"


@dataclass(frozen=True)
class Panel:
    """One chart: its title, the scores it counts, the full marks (``max_score``), whether it is the total
    (drawn in blue with a bold title; a problem set named "total" is still a problem set), and how many
    students of the class it leaves out (``unsubmitted``: a problem set's chart counts its submissions only)."""

    title: str
    scores: tuple
    max_score: float
    is_total: bool = False
    unsubmitted: int = 0


@dataclass(frozen=True)
class Bins:
    """A histogram: bar ``k`` is centred on ``k · width`` and spans ``edges[k]`` to ``edges[k + 1]``.

    ``low[k]``/``high[k]`` are the lowest and highest score counted in bar ``k`` (``None`` when empty).
    """

    width: float
    edges: tuple
    counts: tuple
    low: tuple
    high: tuple

    @property
    def x_range(self) -> tuple[float, float]:
        """The axis: half a bar of room before the first bar and after the last one."""
        return self.edges[0] - self.width / 2, self.edges[-1] + self.width / 2


def panels(results: Iterable[SubmissionResult] | stats.ClassStats) -> list[Panel]:
    """The charts of a class: one :class:`Panel` per problem set (course order), then the total.

    A problem set's chart counts the submissions it received, as the report's table of problem sets does
    (its mean is the table's mean): a student who did not submit it is not counted there. The total counts
    every student, a problem set not submitted counting 0 (as the students' table adds up); it is shown
    only when there are two problem sets or more.
    """
    cs = stats.of(results)
    maxes, rows = cs.max_scores, cs.rows
    out = []
    for ps in maxes:
        scores = tuple(r.score for r in cs.results if r.assignment == ps)
        out.append(Panel(ps, scores, maxes[ps], unsubmitted=len(rows) - len(scores)))
    if len(out) > 1:
        out.append(Panel("total", tuple(row["total"] for row in rows), rows[0]["max_total"] if rows else 0.0, True))
    return out


def bins(scores: Sequence[float], max_score: float) -> Bins:
    """Count ``scores`` in bars one point wide (``max_score / 20`` wide beyond 20 points).

    Parameters
    ----------
    scores : sequence of float
        The scores to count.
    max_score : float
        The full marks; the bars reach ``top = max(max_score, max(scores), 1)``.

    Returns
    -------
    Bins
        ``width = max(1, top / 20)``, ``n = ceil(top / width) + 1`` bars with edges ``(k − ½)·width``,
        ``k = 0 … n``. A score ``s`` is counted in the bar ``k`` with ``edges[k] ≤ s < edges[k + 1]``
        (the last bar includes its right edge), as :func:`numpy.histogram` counts; a score below
        ``−width / 2`` is not counted.
    """
    top = max(max_score, max(scores, default=0.0), 1.0)
    width = max(1.0, top / 20.0)
    n = int(math.ceil(top / width)) + 1
    edges = tuple((k - 0.5) * width for k in range(n + 1))
    members: list = [[] for _ in range(n)]
    for s in scores:
        k = n - 1 if s == edges[-1] else bisect_right(edges, s) - 1
        if 0 <= k < n:
            members[k].append(s)
    return Bins(width, edges, tuple(len(m) for m in members),
                tuple(min(m, default=None) for m in members), tuple(max(m, default=None) for m in members))


def nice_step(span: float, most: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … that cuts ``[0, span]`` into at most ``most`` steps."""
    step = 1
    while span / step > most:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2  # 1 → 2 → 5 → 10 → 20 → 50 …
    return step


def text_width(text: str, size: float) -> float:
    """A generous estimate of a text's width in a sans-serif font such as DejaVu Sans.

    Per character, in em: 1 for wide East Asian characters and for ``m w M W @``, 0.4 for narrow
    ones (``i j l . , : ; ' | ! ( ) [ ]`` and a space), 0.78 for other capitals, 0.66 otherwise.
    """
    def em(ch: str) -> float:
        if unicodedata.east_asian_width(ch) in "WF" or ch in "mwMW@":
            return 1.0
        return 0.4 if ch in "ijl.,:;'|!()[] " else (0.78 if ch.isupper() else 0.66)

    return size * sum(em(ch) for ch in text)


def _fit(text: str, size: float, room: float) -> str:
    """``text``, cut with "…" so that it fits in ``room`` units."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def _num(x: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros (the same number always gives the same text)."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _students(n: int) -> str:
    return f"{n} student" + ("" if n == 1 else "s")


def _range(lo: float, hi: float) -> str:
    return fmt_points(lo) if fmt_points(lo) == fmt_points(hi) else f"{fmt_points(lo)}–{fmt_points(hi)}"


def accessible_name(panel: Panel) -> str:
    """What the chart shows, in one sentence (its accessible name)."""
    if not panel.scores:
        return f"{panel.title}: no scores"
    s = panel.scores
    who = _students(len(s)) + (" (a problem set not submitted counts 0)" if panel.is_total else "")
    if panel.unsubmitted:
        who += f" ({_students(panel.unsubmitted)} who did not submit it not counted)"
    return (f"{panel.title}: scores of {who} out of {fmt_points(panel.max_score)} points; "
            f"mean {fmt_points(sum(s) / len(s))}, lowest {fmt_points(min(s))}, highest {fmt_points(max(s))}")


class _Scale:
    """Data → viewBox coordinates of one panel: points on x (``x0 … x1``), students on y (``0 … y_top``)."""

    def __init__(self, x0: float, x1: float, y_top: int):
        self.x0, self.x1, self.y_top = x0, x1, y_top

    def x(self, v: float) -> float:
        return LEFT + (v - self.x0) / (self.x1 - self.x0) * (RIGHT - LEFT)

    def y(self, v: float) -> float:
        return BOTTOM - v / self.y_top * (BOTTOM - TOP)


def panel_view(panel: Panel) -> dict:
    """What one chart draws, in viewBox coordinates (numbers already written as text, :func:`_num`).

    ``label`` (the accessible name, :func:`accessible_name`), ``yticks`` (``y``, ``count``; a grid line above 0),
    ``xticks`` (``x``, ``label``) at :func:`nice_step` multiples, one ``bar`` per non-empty bar (``x``,
    ``y``, ``width``, ``height``, its tooltip ``tip``: "3 students scored 20 points"), the ``mean`` line's
    ``x`` and tooltip (None without scores), the ``title`` (cut with "…" when it would not fit; bold for the
    total), ``xlabel`` "points (max N)", and the frame (``left``, ``right``, ``top``, ``bottom``, ``mid``).
    """
    b = bins(panel.scores, panel.max_score)
    y_step = nice_step(max(max(b.counts, default=0), 1), 5)
    scale = _Scale(*b.x_range, y_step * math.ceil(max(max(b.counts, default=0), 1) / y_step))
    x_step = nice_step(scale.x1, 6)
    mean = sum(panel.scores) / len(panel.scores) if panel.scores else None
    return {
        "label": accessible_name(panel),
        "yticks": [{"y": _num(scale.y(k)), "count": k} for k in range(0, scale.y_top + 1, y_step)],
        "xticks": [{"x": _num(scale.x(k * x_step)), "label": fmt_points(k * x_step)}
                   for k in range(0, int(scale.x1 // x_step) + 1)],
        "bars": _bars(b, scale),
        "colour": TOTAL_COLOUR if panel.is_total else PS_COLOUR,
        "mean": None if mean is None else {"x": _num(scale.x(mean)), "tip": f"mean {fmt_points(mean)} points"},
        "title": _fit(panel.title, TITLE_SIZE, WIDTH - 8),
        "bold": panel.is_total,
        "xlabel": f"points (max {fmt_points(panel.max_score)})",
    }


def _bars(b: Bins, scale: _Scale) -> list[dict[str, str]]:
    """One bar per non-empty bin, its count as a tooltip."""
    out = []
    for k, count in enumerate(b.counts):
        if not count:
            continue
        left, right, y = scale.x(b.edges[k]), scale.x(b.edges[k + 1]), scale.y(count)
        scored = _range(b.low[k], b.high[k])
        out.append({"x": _num(left), "y": _num(y), "width": _num(right - left), "height": _num(BOTTOM - y),
                    "tip": f"{_students(count)} scored {scored} point{'' if scored == '1' else 's'}"})
    return out


#: The frame and the type sizes, written as the template uses them.
FRAME = {"width": WIDTH, "height": HEIGHT, "left": _num(LEFT), "right": _num(RIGHT), "top": _num(TOP),
         "bottom": _num(BOTTOM), "tick_left": _num(LEFT - 4), "ytick_x": _num(LEFT - 7),
         "xtick_bottom": _num(BOTTOM + 4), "xtick_y": _num(BOTTOM + 16), "title_x": _num(WIDTH / 2),
         "title_y": _num(TOP - 10), "xlabel_x": _num((LEFT + RIGHT) / 2), "xlabel_y": _num(HEIGHT - 10),
         "mid": _num((TOP + BOTTOM) / 2), "title_size": _num(TITLE_SIZE), "label_size": _num(LABEL_SIZE),
         "tick_size": _num(TICK_SIZE), "ink": INK, "muted": MUTED, "grid": GRID}


def panel_svg(panel: Panel) -> str:
    """One chart as an ``<svg>`` element (well-formed XML, no namespace declaration: it is inlined in HTML),
    drawn by ``templates/histogram.svg.j2`` from :func:`panel_view`.

    The axes (left and bottom), integer ticks on the "students" axis, ticks on the points axis, one
    ``<rect class="hist-bar">`` per non-empty bar with a ``<title>``, a dashed ``<line class="mean">`` at
    the mean score, the title on top and "points (max N)" below.
    """
    # one line, as the report inlines it (the template's line breaks sit between elements only)
    return render("histogram.svg.j2", p=panel_view(panel), f=FRAME).strip().replace("\n", "")


def histogram_svgs(results: Iterable[SubmissionResult] | stats.ClassStats) -> list[str]:
    """The charts of a class (:func:`panels`), each an ``<svg>`` string (:func:`panel_svg`)."""
    return [panel_svg(p) for p in panels(results)]
