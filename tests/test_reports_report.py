"""report.html, item analysis, the terminal table, --json, the progress bar."""

import base64
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
    assert rows["fay"]["flags"] == ["ps1_softmax: notebook not run"]
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
    assert "hal/ps3_gaussian: timeout" in text and "fay/ps1_softmax: notebook not run" in text
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
