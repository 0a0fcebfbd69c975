"""report.html, item analysis, the terminal table, --json, the progress bar."""

import io
import json
import os
import re
import stat
import xml.etree.ElementTree as ET

import pytest
from rich.console import Console

from autograder.model.results import SubmissionResult, fmt_points, load_results
from autograder.reports import jsonout, stats
from autograder.reports.after_grading import write_reports
from autograder.reports.histogram import histogram_svgs, panels
from autograder.reports.report import render_report, write_report
from autograder.reports.table import grade_table, print_grades, progress_bar
from tests.reports_fixtures import (
    MEAN_HINT,
    OVERFLOW_HINT,
    SETS,
    VARIANCE_HINT,
    XSS,
    full,
    g,
    points_of,
    score,
    write_class,
)


@pytest.fixture()
def results_dir(tmp_path):
    write_class(tmp_path / "results")
    return tmp_path / "results"


def test_item_analysis_counts_pass_rates_and_ranks_hints(results_dir):
    items = {it["grade_id"]: it for ps_items in stats.item_analysis(load_results(results_dir)).values()
             for it in ps_items}
    stab = items["softmax-stability"]
    # ps1 submitted by ada ben cleo eve fay zed: ben and cleo overflow, fay's notebook did not run
    assert (stab["n"], stab["passed"]) == (6, 3)
    assert stab["pass_rate"] == pytest.approx(0.5)
    assert stab["mistakes"][0] == {"label": OVERFLOW_HINT, "count": 2}
    assert "Function not defined" in stab["mistakes"][1]["label"]
    assert items["gaussian_log_pdf-basic"]["mistakes"][0]["label"] == VARIANCE_HINT
    assert items["cross_entropy-basic"]["mistakes"] == [{"label": MEAN_HINT, "count": 1}]
    assert items["logsumexp-basic"]["max_score"] == points_of("logsumexp-basic")


def test_a_failure_without_a_hint_is_labelled_in_words():
    """The item analysis groups a failure without a hint by what its kind means, never by an internal label
    such as "(no hint) value": every kind the checks produce has a sentence."""
    from autograder.checks.failure import Failure
    from autograder.model.results import TestResult

    kinds = [k.strip(" ,`") for k in Failure.__doc__.split("is one of")[1].split("(")[0].split()]
    kinds += ["forbidden", "not-attempted", "unreadable"]
    for kind in kinds:
        label = stats.mistake_label(TestResult(name="softmax-basic", score=0, max_score=2, passed=False,
                                               message="m", hint="", kind=kind))
        assert label == stats.KIND_LABELS[kind] and "(no hint)" not in label and label[0].isupper(), kind


def test_student_rows_and_flags(results_dir):
    rows = {r["student"]: r for r in stats.student_rows(load_results(results_dir))}
    assert rows["ada"]["total"] == rows["ada"]["max_total"] == sum(full(ps) for ps in SETS)
    assert rows["ben"]["scores"]["ps2_cross_entropy"] is None
    assert rows["ben"]["total"] == score("ben", "ps1_softmax") + score("ben", "ps4_bernoulli")
    assert rows["eve"]["flags"] == ["ps1_softmax: test cells changed"]
    # the reason the terminal shows is the one results.json gives (not a vague "notebook not run")
    (fay,) = rows["fay"]["flags"]
    assert fay.startswith("ps1_softmax: not graded: ") and "not valid JSON" in fay
    assert rows["hal"]["flags"] == ["ps3_gaussian: timeout"]
    assert rows["ada"]["flags"] == []


def test_histogram_is_svg_markup_with_escaped_names():
    """Problem-set names are folder names: shown as text, and every chart is well-formed XML."""
    results = [SubmissionResult("ada", XSS, 3.0, 4.0), SubmissionResult("ben", "ps1_softmax", 20.0, 26.0)]
    svgs = histogram_svgs(results)
    assert len(svgs) == 3, "one chart per problem set and the total"
    for svg in svgs:
        assert "<script" not in svg and "<img" not in svg
        root = ET.fromstring(svg)
        assert root.tag == "svg" and root.get("viewBox") and root.get("role") == "img"
    hostile = ET.fromstring(svgs[1])
    assert hostile.get("aria-label").startswith(XSS) and hostile.find("title").text.startswith(XSS)
    assert histogram_svgs([]) == []


def test_report_html(results_dir):
    write_reports(results_dir, console=Console(file=io.StringIO()))
    html = (results_dir / "report.html").read_text()
    # the histograms are inline SVG, one per problem set and the total, nothing loaded from elsewhere
    charts = [ET.fromstring(svg) for svg in re.findall(r'<svg class="hist".*?</svg>', html)]
    assert [c.find("title").text.split(":")[0] for c in charts] == [
        "ps1_softmax", "ps2_cross_entropy", "ps3_gaussian", "ps4_bernoulli", "ps5_gaussian_kl", "total"]
    assert "<img" not in html
    assert "<script" not in html and "http://" not in html and "https://" not in html
    # item analysis with the class's most frequent mistake
    assert "Item analysis · ps1_softmax" in html
    assert "2×" in html and "Large logits overflow <code>np.exp</code>" in html
    # who to look at, with links to feedback pages that exist
    assert 'id="attention"' in html
    for href in re.findall(r'href="([^"#]+)"', html):
        assert (results_dir / href).is_file(), href
    assert 'href="eve/ps1_softmax/feedback.html"' in html
    # escaped
    assert XSS not in html


def test_report_is_deterministic(results_dir):
    results = load_results(results_dir)
    assert render_report(results, results_dir) == render_report(load_results(results_dir), results_dir)


def test_empty_folder(tmp_path):
    path = write_report(tmp_path)
    assert "No results in this folder yet" in path.read_text()
    out = io.StringIO()
    print_grades(tmp_path, console=Console(file=out))
    assert "No results" in out.getvalue()


def test_terminal_table(results_dir):
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    console.print(grade_table(load_results(results_dir)))
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80, "fits an 80-column terminal"
    total = sum(full(ps) for ps in SETS)
    assert "ps1" in text and f"/{g(full('ps1_softmax'))}" in text and f"/{g(total)}" in text
    rows = {cells[0]: cells[1:] for cells in (re.findall(r"[^│┃\s]+", line) for line in text.splitlines()) if cells}
    assert rows["ada"] == [*(g(full(ps)) for ps in SETS), g(total)]
    ben = (score("ben", "ps1_softmax"), score("ben", "ps4_bernoulli"))
    assert rows["ben"] == [g(ben[0]), "–", "–", g(ben[1]), "–", g(sum(ben))]  # ben did not submit ps2, ps3, ps5
    eve = g(full("ps1_softmax"))
    assert rows["eve"] == [eve, "⚠", "–", "–", "–", "–", eve]  # changed test cells: a look


def test_write_reports_prints_table_and_paths(results_dir):
    out = io.StringIO()
    data = write_reports(results_dir, console=Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    assert "Grades" in text and "Hardest graded cells" in text
    assert "⚠ To look at" in text and "eve/ps1_softmax: test cells changed" in text
    assert "hal/ps3_gaussian: timeout" in text and "fay/ps1_softmax: not graded: " in text
    assert "not valid JSON" in text
    assert "softmax-stability" in text
    assert "report.html" in text and "feedback.html" in text
    assert data["class"]["students"] == 8
    assert all((results_dir / s["feedback"]).is_file() for s in data["submissions"])


def test_json_output_is_the_only_stdout(results_dir, capsys):
    write_reports(results_dir, json_output=True)
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["version"] == jsonout.VERSION
    assert data["report"] == "report.html"
    assert data["class"]["submissions"] == 15
    ps1 = data["problem_sets"]["ps1_softmax"]
    assert ps1["max_score"] == full("ps1_softmax") and ps1["n"] == 6
    item = next(i for i in ps1["items"] if i["grade_id"] == "softmax-stability")
    assert item["mistakes"][0]["count"] == 2
    ben = next(s for s in data["students"] if s["student"] == "ben")
    assert ben["scores"] == {"ps1_softmax": score("ben", "ps1_softmax"), "ps2_cross_entropy": None,
                             "ps3_gaussian": None, "ps4_bernoulli": score("ben", "ps4_bernoulli"),
                             "ps5_gaussian_kl": None}
    hal = next(s for s in data["submissions"] if s["student"] == "hal")
    assert hal["flagged"] and hal["cell_problems"][0]["status"] == "timeout"


def test_progress_bar_on_a_terminal_and_off_it():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with progress_bar(3, console=console) as bar:
        for label in ("ada/ps1_softmax", "ben/ps1_softmax", "cleo/ps1_softmax"):
            bar.advance(label)
    assert "grading" in out.getvalue()
    quiet = io.StringIO()
    with progress_bar(3, console=Console(file=quiet)) as bar:  # not a terminal: silent
        bar.advance("ada/ps1_softmax")
    assert quiet.getvalue() == ""


def test_fmt_points():
    assert [fmt_points(x) for x in (2.0, 1.5, 1 / 3, 0)] == ["2", "1.5", "0.33", "0"]


# --- item analysis: difficulty, discrimination, not attempted -------------------------------------------------

def _item_class(tmp_path):
    """Eight ps1 submissions: `softmax-basic` passed by the strong ones only, `logsumexp-purity` by the weak
    ones only (a cell that does not separate strong from weak), `log_softmax-axis` left as given by two."""
    from autograder.model.course import GRADE_CELLS
    from tests.reports_fixtures import make_result, write_result

    gids = [g for g, _ in GRADE_CELLS["ps1_softmax"]]
    for k in range(8):  # student k fails the first k cells (of a fixed list), so strength decreases with k
        weak_cells = gids[:k]
        failing = {g: ("value", "differs", "a hint") for g in weak_cells if g != "logsumexp-purity"}
        if k < 4:
            failing["logsumexp-purity"] = ("value", "mutated", "do not modify z")
        if k in (6, 7):
            failing["log_softmax-axis"] = ("not-attempted", "raises NotImplementedError", "")
        write_result(tmp_path, make_result(f"s{k}", "ps1_softmax", failing=failing))
    return load_results(tmp_path)


def test_discrimination_is_the_corrected_item_total_correlation(tmp_path):
    import numpy as np
    from scipy.stats import pointbiserialr

    results = _item_class(tmp_path)
    items = {it["grade_id"]: it for it in stats.item_analysis(results)["ps1_softmax"]}
    for gid in ("softmax-basic", "logsumexp-purity", "logsumexp-axis"):
        passed = np.array([next(t for t in r.tests if t.name == gid).passed for r in results])
        rest = np.array([r.score - next(t.score for t in r.tests if t.name == gid) for r in results])
        expected = pointbiserialr(passed, rest).statistic  # scipy's point-biserial r: the reference
        assert items[gid]["discrimination"] == pytest.approx(expected, abs=1e-4), gid
        assert items[gid]["difficulty"] == pytest.approx(passed.mean())
    assert items["softmax-basic"]["discrimination"] > 0.5 and not items["softmax-basic"]["flag"]
    assert items["logsumexp-purity"]["discrimination"] < 0 and "does not separate" in items["logsumexp-purity"]["flag"]
    # every submission passed: no variance, no correlation, no flag
    assert items["log_softmax-purity"]["discrimination"] is None and items["log_softmax-purity"]["flag"] == ""


def test_not_attempted_is_counted_apart_from_mistakes(tmp_path):
    from autograder.reports.table import hardest_items_table

    results = _item_class(tmp_path)
    item = next(it for it in stats.item_analysis(results)["ps1_softmax"] if it["grade_id"] == "log_softmax-axis")
    assert item["not_attempted"] == 2 and all("NotImplemented" not in m["label"] for m in item["mistakes"])
    assert item["passed"] == 8 - 2 - 0 - sum(m["count"] for m in item["mistakes"]) - item["other_mistakes"]
    html = render_report(results, tmp_path)
    assert "2 not attempted" in html and "⚑" in html and "discrimination" in html
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(hardest_items_table(results, limit=20))
    assert "softmax-basic" in out.getvalue()
    assert "log_softmax-axis" not in out.getvalue(), "left as given is not a mistake: not among the hardest"


def test_an_unreadable_notebook_is_no_cells_mistake(tmp_path):
    """A notebook that could not be read fails every cell as "unreadable": the report says so once for its
    problem set, never as a mistake (or a line) under each cell, and it is in no cell's counts."""
    from autograder.model.course import GRADE_CELLS
    from autograder.model.files import write_atomic

    results = _item_class(tmp_path)
    broken = SubmissionResult.not_graded("zoe", "ps1_softmax", GRADE_CELLS["ps1_softmax"], 26.0,
                                         "the notebook file is empty (0 bytes)")
    (tmp_path / "zoe" / "ps1_softmax").mkdir(parents=True)
    write_atomic(tmp_path / "zoe" / "ps1_softmax" / "results.json", json.dumps(broken.to_json()))
    with_broken = load_results(tmp_path)
    before = {it["grade_id"]: it for it in stats.item_analysis(results)["ps1_softmax"]}
    after = {it["grade_id"]: it for it in stats.item_analysis(with_broken)["ps1_softmax"]}
    for gid, item in after.items():
        assert item["not_run"] == 1 and not any("could not be read" in m["label"] for m in item["mistakes"]), gid
        assert {k: v for k, v in item.items() if k != "not_run"} == {k: v for k, v in before[gid].items()
                                                                      if k != "not_run"}, gid
    assert stats.unreadable_notebooks(with_broken) == {"ps1_softmax": 1}
    html = render_report(with_broken, tmp_path)
    assert html.count("could not be read") == 1, "once, for the problem set"
    assert "1 notebook(s) of ps1_softmax could not be read" in html
    assert "zoe" in html.split('id="attention"')[1].split("</section>")[0], "among the submissions to look at"


def test_sandbox_flags_are_shown_in_terminal_json_and_report(tmp_path):
    from tests.reports_fixtures import make_result, write_result

    data = make_result("ivy", "ps1_softmax")
    data["flags"] = [{"cell": 7, "reason": "reads the grader's frames (sys._getframe) during grading"}, "bogus"]
    write_result(tmp_path, data)
    (tmp_path / "summary.json").write_text(json.dumps({"sandbox": {"mode": "userns", "netns": True},
                                                       "not_graded": [{"path": "bob/ps1_softmax.ipynb",
                                                                       "reason": "too shallow", "suggestion": "move"}]}))
    out = io.StringIO()
    data = write_reports(tmp_path, console=Console(file=out, width=200, color_system=None))
    assert "ivy/ps1_softmax: to look at: cell 7: reads the grader's frames" in out.getvalue()
    ivy = data["submissions"][0]
    assert ivy["flagged"] and ivy["flags"][0] == {"cell": 7, "reason": "reads the grader's frames (sys._getframe) "
                                                                      "during grading"}
    assert data["not_graded"][0]["path"] == "bob/ps1_softmax.ipynb" and data["sandbox"]["mode"] == "userns"
    html = (tmp_path / "report.html").read_text()
    assert "reads the grader" in html and "Sandbox: mode userns" in html
    assert 'id="not-graded"' in html and "bob/ps1_softmax.ipynb" in html.replace("<wbr>", "")  # breaks at / _ .


# --- hostile student ids in the terminal ------------------------------------------------------------------------

HOSTILE_IDS = ["[link=https://evil.example]ada[/link]", "[/]", "b\\x1b]8;;https://evil\\x07c", "[bold red]x"]


def test_ids_are_text_in_the_terminal_table_and_progress_bar(tmp_path):
    """Rich markup in an id is shown, not interpreted (and "[/]" does not crash the table or the bar)."""
    from types import SimpleNamespace

    from autograder.reports.table import batch_progress
    from tests.reports_fixtures import make_result

    for i, sid in enumerate(HOSTILE_IDS):
        data = make_result(sid, "ps1_softmax")
        path = tmp_path / f"f{i}" / "ps1_softmax" / "results.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(data))
    out = io.StringIO()
    Console(file=out, width=200, force_terminal=True).print(grade_table(load_results(tmp_path)))
    text = out.getvalue()
    assert "\x1b]8;" not in text, "no OSC-8 hyperlink"
    for sid in HOSTILE_IDS:
        assert sid in text
    bar_out = io.StringIO()
    console = Console(file=bar_out, width=200, force_terminal=True)
    with batch_progress(console=console, enabled=True) as on_event:
        on_event("start", None, {"todo": len(HOSTILE_IDS)})
        for sid in HOSTILE_IDS:
            on_event("graded", SimpleNamespace(student=sid, assignment="ps1_softmax"), SubmissionResult(sid, "ps1_softmax", 1.0, 2.0))
    assert "\x1b]8;" not in bar_out.getvalue()


def _text_box(el) -> tuple:
    """A generous box around an SVG ``<text>``: 0.7 em per character (more than a sans-serif font's
    average letter), 0.8 em above the baseline (``y`` moved by ``dy``) and 0.25 em below, turned by its
    ``rotate(a cx cy)``."""
    import math

    size = float(el.get("font-size"))
    x, y = float(el.get("x")), float(el.get("y")) + size * float(el.get("dy", "0em").removesuffix("em"))
    w = 0.7 * size * len(el.text)
    x0 = {"start": x, "middle": x - w / 2, "end": x - w}[el.get("text-anchor", "start")]
    corners = [(cx, cy) for cx in (x0, x0 + w) for cy in (y - 0.8 * size, y + 0.25 * size)]
    rotate = re.fullmatch(r"rotate\(([-\d.]+) ([-\d.]+) ([-\d.]+)\)", el.get("transform", "rotate(0 0 0)"))
    a, cx, cy = (float(g) for g in rotate.groups())
    c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
    turned = [(cx + (px - cx) * c - (py - cy) * s, cy + (px - cx) * s + (py - cy) * c) for px, py in corners]
    xs, ys = [p[0] for p in turned], [p[1] for p in turned]
    return min(xs), min(ys), max(xs), max(ys)


def _axis_map(texts, coord: str):
    """Data value of an SVG coordinate, from the positions of the tick labels (a linear axis; a label's
    ``x``/``y`` is its tick's position)."""
    (c0, v0), (c1, v1) = [(float(t.get(coord)), float(t.text)) for t in texts[:2]]
    return lambda c: v0 + (c - c0) * (v1 - v0) / (c1 - c0)


def test_histogram_geometry_labels_bars_and_mean(results_dir):
    """Read back from the SVG alone: every label inside the chart and clear of the others, each bar
    centred on a score with the real count as its height and tooltip, the full-marks bar inside the axes,
    the mean line at the mean."""
    results = load_results(results_dir)
    for panel, svg in zip(panels(results), histogram_svgs(results), strict=True):
        root = ET.fromstring(svg)
        _, _, width, height = (float(v) for v in root.get("viewBox").split())
        texts = root.findall("text")
        assert {t.get("class") for t in texts} == {"title", "xlabel", "ylabel", "xtick", "ytick"}
        boxes = [(_text_box(t), t.text) for t in texts]
        for (x0, y0, x1, y1), text in boxes:
            assert x0 >= 0 and x1 <= width and y0 >= 0 and y1 <= height, (panel.title, text)
        for i, (a, text_a) in enumerate(boxes):  # and no label over another
            for b, text_b in boxes[i + 1:]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (panel.title, text_a, text_b)
        labels = {t.get("class"): t.text for t in texts}
        assert labels["title"] == panel.title and labels["ylabel"] == "students"
        assert labels["xlabel"] == f"points (max {fmt_points(panel.max_score)})"
        yticks = [t for t in texts if t.get("class") == "ytick"]
        assert all(t.text.isdigit() for t in yticks), "integer student counts"
        x_value = _axis_map([t for t in texts if t.get("class") == "xtick"], "x")
        y_value = _axis_map(yticks, "y")
        axis = root.find("line[@class='xaxis']")
        bars = root.findall("rect[@class='hist-bar']")
        assert sum(int(b.find("title").text.split()[0]) for b in bars) == len(panel.scores), "every score counted"
        centres = []
        for b in bars:
            left, w = float(b.get("x")), float(b.get("width"))
            lo, hi = x_value(left), x_value(left + w)
            centre = (lo + hi) / 2
            tol = 0.01 * (hi - lo)  # the SVG's coordinates have 2 decimals: a score on an edge is the next bar's
            count = sum(lo - tol <= s < hi - tol for s in panel.scores)
            top, bottom = float(b.get("y")), float(b.get("y")) + float(b.get("height"))
            assert y_value(top) == pytest.approx(count, abs=0.01) and y_value(bottom) == pytest.approx(0, abs=0.01)
            assert b.find("title").text.startswith(f"{count} student"), b.find("title").text
            assert float(axis.get("x1")) < left and left + w < float(axis.get("x2")), "bars off the axes' edges"
            centres.append(centre)
        top_score = max(panel.scores)
        assert any(abs(c - top_score) <= (hi - lo) / 2 for c in centres), "the best score has its bar (bars are equal)"
        if panel.title == "ps1_softmax":
            assert full("ps1_softmax") in [round(c, 2) for c in centres], "a full-marks bar centred on full marks"
        mean = root.find("line[@class='mean']")
        assert x_value(float(mean.get("x1"))) == pytest.approx(sum(panel.scores) / len(panel.scores), abs=0.01)
    assert [p.title for p in panels(results)][-1] == "total"
    assert max(panels(results)[-1].scores) == sum(full(ps) for ps in SETS)


def test_histograms_count_missing_work_as_the_tables_and_the_caption_say(results_dir):
    """A problem set's chart counts its submissions (its mean is the problem-set table's mean); the total
    counts every student, a set not submitted counting 0 (the students' table's totals); the caption and
    each chart's accessible name say which."""
    results = load_results(results_dir)
    cs = stats.of(results)
    charts = {p.title: p for p in panels(results)}
    n_students = len(cs.rows)
    for ps, d in cs.problem_sets.items():
        assert len(charts[ps].scores) == d["n"] and charts[ps].unsubmitted == n_students - d["n"]
        assert sum(charts[ps].scores) / d["n"] == pytest.approx(d["mean"], abs=1e-4)
    assert sorted(charts["total"].scores) == sorted(row["total"] for row in cs.rows)
    assert len(charts["total"].scores) == n_students
    ps2 = histogram_svgs(results)[list(charts).index("ps2_cross_entropy")]
    assert "2 students (6 students who did not submit it not counted)" in ET.fromstring(ps2).get("aria-label")
    assert "a problem set not submitted counts 0" in ET.fromstring(histogram_svgs(results)[-1]).get("aria-label")
    html = render_report(results, results_dir)
    assert "a student who did not submit it is not counted there); in total, every student, a problem set " \
           "not submitted counting 0" in html


def test_histogram_is_deterministic_and_fits_long_names():
    long = "ps_" + "w" * 80  # a folder name far wider than a chart
    results = [SubmissionResult("ada", long, 3.0, 4.0)]
    (svg,) = histogram_svgs(results)
    assert svg == histogram_svgs(list(results))[0]
    root = ET.fromstring(svg)
    title = root.find("text[@class='title']")
    assert title.text.endswith("…"), "cut on the chart"
    assert root.find("title").text.startswith(long), "whole in its tooltip and accessible name"
    assert _text_box(title)[2] <= float(root.get("viewBox").split()[2])


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root (graded with sudo)")
def test_files_are_readable_and_given_to_the_sudo_user(results_dir, monkeypatch):
    """Graded with sudo and a strict umask: the instructor's own account owns and can read every output."""
    from autograder.model.files import hand_over
    from autograder.model.grades import write_grades_csv

    monkeypatch.setenv("SUDO_UID", "65534")
    monkeypatch.setenv("SUDO_GID", "65534")
    old = os.umask(0o077)
    try:
        write_grades_csv(results_dir)
        write_reports(results_dir, console=Console(file=io.StringIO()))
    finally:
        os.umask(old)
    paths = [results_dir, *results_dir.rglob("*")]
    assert any(p.name == "feedback.html" for p in paths) and (results_dir / "report.html") in paths
    for p in paths:
        st = p.lstat()
        assert (st.st_uid, st.st_gid) == (65534, 65534), p
        if p.name in ("grades.csv", "report.html", "feedback.html") or p.is_dir():
            assert stat.S_IMODE(st.st_mode) == (0o755 if p.is_dir() else 0o644), p
    outside = results_dir.parent / "outside"
    outside.write_text("not ours")
    os.symlink(outside, results_dir / "link")
    hand_over(results_dir)
    assert outside.stat().st_uid == 0, "a link is never followed"


def _pending_class(results_dir):
    """ps2 with a derivation graded by hand: ada's awaits grading, ben left it blank (not answered: 0), cy's is
    graded."""
    from tests.reports_fixtures import make_result, write_result

    answer = "cross_entropy_grad-derivation"
    for student, text, given in (("ada", "$p - t$", None), ("ben", "YOUR ANSWER HERE", None), ("cy", "$t - p$", 1.0)):
        write_result(results_dir, make_result(student, "ps2_cross_entropy", answers={answer: (3, text, given)}))
    return answer


def test_answers_awaiting_grading_are_pending_in_every_report(tmp_path):
    """Never 0, never earned: the points of answer cells no person has graded yet are shown apart in
    the terminal table, the class report, --json and grades.csv, the same number everywhere (0 when none);
    a hand-graded one counts, and one left blank is 0 at once."""
    from autograder.model.grades import grades_table
    from autograder.model.results import read_result as load_result
    from autograder.reports.feedback import render_feedback

    results_dir = tmp_path / "results"
    answer = _pending_class(results_dir)
    results = load_results(results_dir)
    cs = stats.of(results)
    rows = {row["student"]: row for row in cs.rows}
    assert {s: (r["total"], r["pending_total"]) for s, r in rows.items()} == {
        "ada": (32.0, 3.0), "ben": (32.0, 0.0), "cy": (33.0, 0.0)}
    item = next(it for it in cs.items["ps2_cross_entropy"] if it["grade_id"] == answer)
    assert (item["manual"], item["n"], item["pending"], item["not_answered"], item["passed"], item["mean_score"]) \
        == (True, 3, 1, 1, 0, 0.5)
    assert item["mistakes"] == []
    assert cs.overall["pending_answers"] == 1 and cs.overall["pending_points"] == 3.0
    assert cs.problem_sets["ps2_cross_entropy"]["pending_submissions"] == 1

    out = io.StringIO()
    print_grades(results_dir, cs, console=Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    table = {cells[0]: cells[1:] for cells in (re.findall(r"[^│┃\s]+", line) for line in text.splitlines()) if cells}
    # ps2, total, awaiting grading: 0 when none, as grades.csv says (it said "–" there)
    assert table["ada"] == ["32", "32", "3"] and table["cy"] == ["33", "33", "0"] and table["ben"] == ["32", "32", "0"]
    assert "awaiting" in text.split("Grades")[1].split("ada")[0], "the column says awaiting grading"
    assert "Awaiting grading: 1 answer(s) in 1 submission(s), 3 points" in text
    assert answer not in text.split("Hardest graded cells")[-1], "an ungraded answer is not a failed cell"

    html = render_report(cs, results_dir)
    assert "answers awaiting grading (3 points, not counted yet)" in html
    assert "answer graded by hand: 1 graded, 1 not answered (0 points), mean 0.5 pt, 1 awaiting grading" in html

    data = jsonout.class_json(results_dir, cs)
    ada = next(s for s in data["submissions"] if s["student"] == "ada")
    assert (ada["score"], ada["pending_points"], ada["pending"], ada["autograded_score"]) == (32.0, 3.0, [answer], 32.0)
    assert data["class"]["pending_points"] == 3.0

    header, csv_rows = grades_table(results_dir)
    assert header[-2:] == ["total", "pending"]
    assert {r[0]: (r[-2], r[-1]) for r in csv_rows} == {"ada": ("32", "3"), "ben": ("32", "0"), "cy": ("33", "0")}

    page = render_feedback(load_result(results_dir / "ada" / "ps2_cross_entropy" / "results.json"))
    assert "3 points awaiting grading" in page and "awaiting grading</span>" in page
    assert "– / 3" in page and "0 / 3" not in page  # pending, not zero
    blank = render_feedback(load_result(results_dir / "ben" / "ps2_cross_entropy" / "results.json"))
    assert "awaiting grading" not in blank and "not answered</span>" in blank and "0 / 3" in blank
    assert "Not answered: the cell still reads" in blank and "YOUR ANSWER HERE" in blank
    graded = render_feedback(load_result(results_dir / "cy" / "ps2_cross_entropy" / "results.json"))
    assert "graded by hand" in graded and "1 / 3" in graded and "awaiting grading" not in graded
