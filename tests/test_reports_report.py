"""report.html, item analysis, the terminal table, --json, the progress bar."""

import base64
import os
import stat
import io
import json
import re

import pytest
from rich.console import Console

from autograder.reports import jsonout, stats, write_reports
from autograder.reports.report import histogram_png, render_report, write_report
from autograder.reports.results import fmt_points, load_results
from autograder.reports.table import grade_table, print_summary, progress_bar
from tests.reports_fixtures import MEAN_HINT, OVERFLOW_HINT, VARIANCE_HINT, XSS, write_class


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
    assert "function not defined" in stab["mistakes"][1]["label"]
    assert items["gaussian_log_pdf-basic"]["mistakes"][0]["label"] == VARIANCE_HINT
    assert items["cross_entropy-basic"]["mistakes"] == [{"label": MEAN_HINT, "count": 1}]
    assert items["logsumexp-basic"]["max_score"] == 2


def test_student_rows_and_flags(results_dir):
    rows = {r["student"]: r for r in stats.student_rows(load_results(results_dir))}
    assert rows["ada"]["total"] == rows["ada"]["max_total"] == 98
    assert rows["ben"]["scores"]["ps2_cross_entropy"] is None
    assert rows["ben"]["total"] == 20 + 16
    assert rows["eve"]["flags"] == ["ps1_softmax: test cells changed"]
    # the reason the terminal shows is the one results.json gives (not a vague "notebook not run")
    (fay,) = rows["fay"]["flags"]
    assert fay.startswith("ps1_softmax: not graded: ") and "not valid JSON" in fay
    assert rows["hal"]["flags"] == ["ps3_gaussian: timeout"]
    assert rows["ada"]["flags"] == []


def test_histogram_is_a_png():
    png = histogram_png([])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_html(results_dir):
    write_reports(results_dir, console=Console(file=io.StringIO()))
    html = (results_dir / "report.html").read_text()
    # histogram embedded as a PNG data URI, nothing loaded from elsewhere
    (data,) = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
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
    print_summary(tmp_path, console=Console(file=out))
    assert "No results" in out.getvalue()


def test_terminal_table(results_dir):
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    console.print(grade_table(load_results(results_dir)))
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80, "fits an 80-column terminal"
    assert "ps1" in text and "/26" in text and "/98" in text
    rows = {cells[0]: cells[1:] for cells in (re.findall(r"[^│┃\s]+", line) for line in text.splitlines()) if cells}
    assert rows["ada"] == ["26", "18", "20", "18", "16", "98"]
    assert rows["ben"] == ["20", "–", "–", "16", "–", "36"]  # ben did not submit ps2, ps3, ps5
    assert rows["eve"] == ["26", "⚠", "–", "–", "–", "–", "26"]  # changed test cells: a look


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
    assert ps1["max_score"] == 26 and ps1["n"] == 6
    item = next(i for i in ps1["items"] if i["grade_id"] == "softmax-stability")
    assert item["mistakes"][0]["count"] == 2
    ben = next(s for s in data["students"] if s["student"] == "ben")
    assert ben["scores"] == {"ps1_softmax": 20.0, "ps2_cross_entropy": None, "ps3_gaussian": None,
                             "ps4_bernoulli": 16.0, "ps5_gaussian_kl": None}
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
    from autograder.course import GRADE_CELLS
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
        passed = np.array([next(t for t in r.tests if t["name"] == gid)["status"] == "passed" for r in results])
        rest = np.array([r.score - next(t["score"] for t in r.tests if t["name"] == gid) for r in results])
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
    assert 'id="not-graded"' in html and "bob/ps1_softmax.ipynb" in html


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
            on_event("graded", SimpleNamespace(student=sid, assignment="ps1_softmax"), {"score": 1, "max_score": 2})
    assert "\x1b]8;" not in bar_out.getvalue()


def test_histogram_labels_inside_the_figure_and_full_marks_off_the_edge(results_dir):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from autograder.reports.report import histogram_figure

    results = load_results(results_dir)
    fig = histogram_figure(results)
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    for ax in fig.axes:
        lo, hi = ax.get_xlim()
        ticks = [t for t in ax.get_xticklabels() if lo <= t.get_position()[0] <= hi]  # those drawn
        for text in (ax.xaxis.label, ax.yaxis.label, ax.title, *ticks):
            if text.get_text():
                ext = text.get_window_extent(renderer)
                assert box.x0 <= ext.x0 and ext.x1 <= box.x1 and box.y0 <= ext.y0 and ext.y1 <= box.y1, text
        full = max(p.get_x() + p.get_width() for p in ax.patches)  # right edge of the last bar
        assert full < ax.get_xlim()[1], f"{ax.get_title()}: the full-marks bar touches the edge"
        centres = [p.get_x() + p.get_width() / 2 for p in ax.patches if p.get_height() > 0]
        if ax.get_title() == "ps1_softmax":
            assert 26 in [round(c, 9) for c in centres], "a full-marks bar centred on 26"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root (graded with sudo)")
def test_files_are_readable_and_given_to_the_sudo_user(results_dir, monkeypatch):
    """Graded with sudo and a strict umask: the instructor's own account owns and can read every output."""
    from autograder.engine.results import write_grades_csv
    from autograder.files import hand_over

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
