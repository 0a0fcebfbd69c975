"""A batch against hostile and misplaced submissions (one submission never breaks
another's grade, nor makes the parent work without bound: the parent's side).

One real batch through the CLI (real sandbox, real notebooks) holds: notebooks in the wrong place,
symbolic links to the instructor's source notebook and to a classmate's folder, student ids that are
not UTF-8, reserved names, spreadsheet formulas, terminal escapes, rich markup and a code-fence
breakout, a notebook of 560,000 empty cells and one with a 481 kB cell. The in-process tests inject
grader failures (a bug triggered by one submission, a zygote that dies) with monkeypatch: one batch
of such failures (a zygote dying under a call among them) and its re-run.
"""

import csv
import json
import os
import re
import subprocess
import sys

import pytest

from autograder.engine.batch import grade_batch
from autograder.engine.batch_plan import collect_submissions, split_shards
from autograder.model import course
from autograder.model.ids import StudentId, csv_cell, display, folder_name
from autograder.model.results import MAX_ITEMS, bound, write_results
from autograder.perimeter.confinement.limits import Limits
from tests import engine_helpers

PS = "ps1_softmax"
ANSWER = "logsumexp-derivation"
MAX = course.autograded_max_score(PS)  # full marks the engine gives; the answer cells await a person
LIMITS = Limits(timeout_s=5)

#: raw folder name -> what it tests
HOSTILE = {
    os.fsdecode(b"caf\xe9"): "bytes that are not UTF-8",
    "grades.csv": "the name of a file the batch writes",
    "summary.json": "the name of a file the batch writes",
    "=HYPERLINK(\"https:evil\",\"x\")": "a spreadsheet formula",
    "+1": "a formula", "-2": "a formula", "@SUM(A1)": "a formula", "\tx": "a formula (tab)",
    "osc\x1b]8;;https:evil\x07link\x1b]8;;\x07": "an OSC-8 terminal hyperlink",
    "[link=https:evil]x": "rich markup", "[bold red]y": "rich markup",
    "x\n```\n# breakout": "a newline and a code fence",
    "<img src=x onerror=alert(1)>": "HTML",
    "::warning title=pwned::x": "a GitHub Actions workflow command", "::stop-commands::tok": "a workflow command",
    "##[error]pwned": "a legacy workflow command", "##vso[task.setvariable]x": "an Azure Pipelines command",
    "\x1b[0Ksection_start:1:x\r\x1b[0K": "a GitLab collapsible section",
}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # everything but \t and \n


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory):
    return engine_helpers.make_course(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, course_dir):
    root = tmp_path_factory.mktemp("hostile")
    sub, res = root / "submitted", root / "results"
    good = engine_helpers.submission(PS, correct=True)
    # a derivation handed in as a photo pasted inline: a 1 MB answer cell, ten times the limit per cell
    photo = engine_helpers.submission(PS, correct=True)
    photo["cells"][engine_helpers.solution_index(photo, ANSWER)]["source"] = (
        "My derivation:\n\n![handwritten](data:image/jpeg;base64," + "A" * (1 << 20) + ")\n")
    notebooks = {("ada", PS): good, ("huge", PS): engine_helpers.notebook([{}] * 560_000),
                 ("bigcell", PS): engine_helpers.submission(PS, correct=True, extra_before=["!echo x\n" * 60_000]),
                 ("photo", PS): photo}
    notebooks.update({(sid, PS): good for sid in HOSTILE})
    engine_helpers.make_submissions(sub, notebooks)
    engine_helpers.write_notebook(sub / "bob" / f"{PS}.ipynb", good)                      # one level too shallow
    engine_helpers.write_notebook(sub / "cid" / PS / "work" / f"{PS}.ipynb", good)        # one level too deep
    engine_helpers.write_notebook(sub / "dan" / "PS1_Softmax" / f"{PS}.ipynb", good)      # wrong case
    engine_helpers.write_notebook(sub / "dan" / "ps1_sofmax" / f"{PS}.ipynb", good)       # typo
    engine_helpers.write_notebook(sub / "gus" / PS / f"{PS}-Copy1.ipynb", good)          # the only one, misnamed
    engine_helpers.write_notebook(sub / "hal" / PS / "draft.ipynb", good)                 # two, neither named PS
    engine_helpers.write_notebook(sub / "hal" / PS / "final.ipynb", good)
    (sub / "dan" / "notes.txt").write_text("not a notebook")
    os.mkfifo(sub / "dan" / "pipe")                                                # never opened
    (sub / "eve" / PS).mkdir(parents=True)                                         # links to the solution
    os.symlink(course_dir / "source" / PS / f"{PS}.ipynb", sub / "eve" / PS / f"{PS}.ipynb")
    os.symlink(sub / "ada", sub / "fay")                                           # a classmate's folder
    cmd = [sys.executable, "-m", "autograder", "autograde", str(sub), "--out", str(res), "--course",
           str(course_dir), "--workers", "2", "--timeout", "5"]
    proc = subprocess.run(cmd, capture_output=True, timeout=600, env={**os.environ, "COLUMNS": "200"})
    return sub, res, proc


def results_of(res, raw):
    return json.loads((res / folder_name(raw) / PS / "results.json").read_text())


def test_every_submission_gets_results_and_the_batch_exits_0(hostile):
    _, res, proc = hostile
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]
    assert b"Traceback" not in proc.stderr
    summary = json.loads((res / "summary.json").read_text())
    assert summary["failed_to_grade"] == 0 and summary["graded"] == summary["submissions"] == len(HOSTILE) + 8
    assert results_of(res, "ada")["score"] == MAX
    for raw in HOSTILE:  # every hostile id graded, each in a folder of its own
        data = results_of(res, raw)
        assert data["score"] == MAX and data["student"] == display(raw), raw
    assert len({folder_name(raw) for raw in HOSTILE} | {"ada"}) == len(HOSTILE) + 1
    assert (res / "grades.csv").is_file() and (res / "summary.json").is_file()  # not clobbered by students
    assert oct((res / "ada" / PS / "results.json").stat().st_mode & 0o777) == "0o644"
    assert oct((res / "ada" / PS).stat().st_mode & 0o777) == "0o755"


def test_every_notebook_is_accounted_for_with_a_reason(hostile):
    sub, res, proc = hostile
    not_graded = {n["path"]: n for n in json.loads((res / "summary.json").read_text())["not_graded"]}
    assert "move it to bob/ps1_softmax/ps1_softmax.ipynb" in not_graded[f"bob/{PS}.ipynb"]["suggestion"]
    assert not_graded["dan/PS1_Softmax"]["suggestion"] == "did you mean ps1_softmax?"
    assert not_graded["dan/ps1_sofmax"]["suggestion"] == "did you mean ps1_softmax?"
    assert "not a notebook" in not_graded["dan/notes.txt"]["reason"]
    assert "neither a file nor a folder" in not_graded["dan/pipe"]["reason"]
    assert "symbolic link" in not_graded["fay"]["reason"]
    assert "symbolic link" in not_graded[f"eve/{PS}/{PS}.ipynb"]["reason"]
    too_deep = results_of(res, "cid")
    assert too_deep["score"] == 0 and "one folder too deep" in too_deep["notes"][0]
    assert f"move it to cid/{PS}/{PS}.ipynb" in too_deep["notes"][0]
    out = proc.stdout.decode()
    assert f"bob/{PS}.ipynb: a notebook directly in the student's folder" in out
    assert "did you mean ps1_softmax?" in out
    report = (res / "report.html").read_text()
    assert 'id="not-graded"' in report and "one level too shallow" in report and "did you mean" in report


def test_a_lone_notebook_under_another_name_is_graded_and_noted(hostile):
    """ps1_softmax-Copy1.ipynb alone in its folder is graded, and the student and the instructor are told;
    two notebooks under other names are not guessed between: 0 points, the reason names both."""
    _, res, _ = hostile
    lone = results_of(res, "gus")
    assert lone["score"] == MAX
    assert any(f"{PS}-Copy1.ipynb was graded" in n and f"expected name is {PS}.ipynb" in n for n in lone["notes"])
    assert f"{PS}-Copy1.ipynb was graded" in (res / "gus" / PS / "feedback.html").read_text()
    two = results_of(res, "hal")
    assert two["score"] == 0 and "2 notebooks were found (draft.ipynb, final.ipynb)" in two["notes"][0]
    assert f"named {PS}.ipynb" in two["notes"][0]
    assert not any("was graded" in n for n in results_of(res, "ada")["notes"])


def test_symlinks_are_never_followed(hostile):
    _, res, _ = hostile
    eve = results_of(res, "eve")
    assert eve["score"] == 0 and "symbolic link" in eve["notes"][0]
    page = (res / "eve" / PS / "feedback.html").read_text()
    assert "BEGIN SOLUTION" not in page and "take_along_axis" not in page  # nothing of the solution
    assert not (res / "fay").exists(), "a linked folder is not graded as its own"


def test_hostile_ids_are_neutralised_in_every_output(hostile):
    sub, res, proc = hostile
    outputs = {"stdout": proc.stdout.decode("utf-8"), "stderr": proc.stderr.decode("utf-8"),
               "grades.csv": (res / "grades.csv").read_text(), "summary.json": (res / "summary.json").read_text(),
               "report.html": (res / "report.html").read_text()}
    for name, text in outputs.items():
        assert not CONTROL.search(text.replace("\x1b[", "")), f"a control character in {name}"  # colours only
        assert "\x1b]8;" not in text, f"an OSC-8 link in {name}"
    for name in ("stdout", "stderr"):  # nothing a CI runner reads as a command of its own
        for line in outputs[name].splitlines():
            plain = re.sub(r"\x1b\[[0-9;]*m", "", line).strip().lstrip("│┃|").strip()
            assert not plain.startswith("::"), f"a workflow command in {name}: {line!r}"
        assert "##[" not in outputs[name] and "##vso[" not in outputs[name] and "section_start" not in \
            re.sub(r"\x1b\[[0-9;]*m", "", outputs[name]).replace("\\x1b[0Ksection_start", ""), name
    report = outputs["report.html"]
    assert "<img src=x" not in report and "&lt;img src=x onerror=alert(1)&gt;" in report
    rows = {r[0]: r for r in csv.reader(outputs["grades.csv"].splitlines())}
    for raw in HOSTILE:
        shown = display(raw)
        assert csv_cell(shown) in rows, raw
        assert not rows[csv_cell(shown)][0].startswith(("=", "+", "-", "@", "\t", "\r")), raw
    # the merge job's run summary: grades.csv inside a code fence stays inside it
    workflow = (course.ROOT / ".github" / "workflows" / "autograde.yml").read_text()
    assert "cat results/grades.csv" in workflow
    fences = [line for line in outputs["grades.csv"].splitlines() if line.lstrip().startswith(("```", "~~~"))]
    assert fences == []


def test_parent_work_is_bounded(hostile):
    _, res, _ = hostile
    for student, what in (("huge", "560,000 cells"), ("bigcell", "characters of source"),
                          ("photo", "characters of source")):
        path = res / student / PS / "results.json"
        data = json.loads(path.read_text())
        assert any(what in note for note in data["notes"]), data["notes"]
        assert path.stat().st_size < 50_000
        assert (res / student / PS / "feedback.html").stat().st_size < 100_000
    assert json.loads((res / "huge" / PS / "results.json").read_text())["score"] == 0  # too many cells: not read


def test_a_cell_over_the_limit_costs_only_that_cell(hostile):
    """A 480 kB code cell and a 1 MB Markdown answer (a photo pasted inline) are over the 100,000-character
    limit per cell: each loses its own text, the rest of the notebook is graded as the same notebook without
    it (it used to give the whole notebook 0)."""
    _, res, _ = hostile
    ada = json.loads((res / "ada" / PS / "results.json").read_text())
    for student in ("bigcell", "photo"):
        data = json.loads((res / student / PS / "results.json").read_text())
        auto = {t["name"]: t["score"] for t in data["tests"] if t["kind"] not in ("manual", "not-answered")}
        assert auto == {t["name"]: t["score"] for t in ada["tests"] if t["kind"] not in ("manual", "not-answered")}
        assert data["score"] == ada["score"] > 0 and data["tamper"] == []
        note = next(n for n in data["notes"] if "characters of source" in n)
        assert "the limit is 100,000 per cell" in note and "the rest of the notebook was graded" in note
    photo = json.loads((res / "photo" / PS / "results.json").read_text())
    answer = next(t for t in photo["tests"] if t["name"] == ANSWER)
    assert answer["status"] == "pending" and photo["pending_points"] == answer["max_score"]  # for a person
    assert "1,048,6" in photo["answers"][ANSWER] and "was not kept" in photo["answers"][ANSWER]
    page = (res / "photo" / PS / "feedback.html").read_text()
    assert "characters of source; the limit is 100,000 per cell" in page and "AAAA" not in page


def test_ids_in_shards_and_collection_never_crash(hostile):
    sub, _, _ = hostile
    subs = collect_submissions(sub, course_dir=None)
    raws = {s.raw_student for s in subs}
    assert set(HOSTILE) <= raws
    owner = split_shards({s.raw_student: 1 for s in subs}, 3)  # every id, UTF-8 or not, in one of 3 shards
    assert set(owner) == raws and set(owner.values()) <= {1, 2, 3}


def test_student_id_forms():
    latin1 = StudentId(os.fsdecode(b"caf\xe9"))
    assert latin1.display == "caf\\xe9" and latin1.bytes == b"caf\xe9"
    assert display("a\\xe9") == "a\\\\xe9" != latin1.display  # injective: a literal backslash is doubled
    assert folder_name("ada") == "ada" and folder_name("José Núñez") == "José Núñez"
    for raw in ("grades.csv", "GRADES.CSV", ".hidden", "a/b", "x~y", "\u202eevil", "a" * 200,
                *(f"ada{c}b" for c in '":<>|*?')):  # (the characters a GitHub artifact refuses in a path)
        name = folder_name(raw)
        assert name != raw and re.fullmatch(r"[A-Za-z0-9._-]*~[0-9a-f]{12}", name), raw
    assert [csv_cell(x) for x in ("=1+1", "+1", "-1", "@A", "\tx", "\rx", "ada")] == [
        "'=1+1", "'+1", "'-1", "'@A", "'\tx", "'\rx", "ada"]


def test_bound_keeps_results_small_and_serialisable(tmp_path):
    data = {"score": 1.0, "tests": [{"name": "x", "output": "y" * 100_000}] * 3, "notes": ["n"] * 560_000,
            "execution": {"output_bytes": 10 ** 4300, "cells": [{"error": "e" * 10 ** 6}] * 10, "nan": float("nan")},
            "student_code": {"softmax": "c" * 10 ** 6}}
    path = write_results(tmp_path / "results.json", data)
    back = json.loads(path.read_text())
    assert len(back["tests"]) == 3, "one entry per graded cell is never cut"
    assert len(back["notes"]) == MAX_ITEMS + 1 and back["notes"][-1] == f"… and {560_000 - MAX_ITEMS:,} more"
    assert back["execution"]["output_bytes"] is None and back["execution"]["nan"] is None
    assert path.stat().st_size < 200_000
    assert bound(2 ** 63 - 1) == 2 ** 63 - 1 and bound(2 ** 63) is None


# --- class 1: a failure in the parent is that submission's, never the batch's -------------------------------

#: One batch graded by one worker, in this order (what each submission does to the grader). The zygote may be
#: restarted 3 times in a batch (``MAX_RESTARTS``): a-cut's restart and c-kills' two spend them.
FAILING = {
    "a-cut": "honest; the zygote dies under its first call and is restarted (as another worker would): one restart",
    "b-bug": "triggers a bug of the grader (e.g. a forged answer the parent did not expect)",
    "c-kills": "kills the zygote at each of its two attempts, as a hostile cell could: two restarts",
    "d-honest": "honest, graded after all of them",
    "e-kills": "kills the zygote again: no restart is left for it",
    "f-honest": "honest, left when no restart is left",
}


@pytest.fixture(scope="module")
def failing_batch(tmp_path_factory, course_dir):
    """:data:`FAILING` graded with the grader patched to fail as each says (``first``, its summary.json
    ``saved``, the files ``results`` (False: none), the calls cut ``cut``, the students whose attempts killed
    the zygote ``killed``, in order), then the same batch again with the grader sound, as an instructor's
    re-run (``again``, the files then ``rerun``)."""
    from types import SimpleNamespace

    from autograder.engine import grade, remote_target
    from autograder.perimeter.supervision.zygote_parent import MAX_RESTARTS, GraderError

    if MAX_RESTARTS != 3:
        raise ValueError(f"FAILING is laid out for a budget of 3 zygote restarts, not {MAX_RESTARTS}")
    real_grade, real_call, killed, cut = grade.grade_submission, remote_target.RemoteTarget.call, [], []

    def failing(path, student, assignment, source, checks, zygote, *args, **kwargs):
        if student == "b-bug":
            raise ValueError("cannot reshape array of size 0 into shape (0,16777216,16777216,16777216)")
        if student.endswith("-kills"):  # every attempt kills the zygote
            killed.append(student)
            zygote.proc.kill()
            zygote.proc.wait()
            raise GraderError("the zygote did not answer 'spawn'")
        return real_grade(path, student, assignment, source, checks, zygote, *args, **kwargs)

    def call_with_the_zygote_dying(self, function, *args, **kwargs):
        if not cut:  # the first call of the batch (a-cut's): its zygote dies under it, and is restarted
            cut.append(function)
            zygote = self.session.zygote
            zygote.proc.kill()
            zygote.proc.wait()
            zygote.restart(zygote.generation, "a neighbour found it dead")
        return real_call(self, function, *args, **kwargs)

    root = tmp_path_factory.mktemp("failing")
    nb = engine_helpers.submission(PS, correct=True)
    slow_first_call = engine_helpers.CORRECT[PS]["logsumexp"].replace(
        "def logsumexp(z, axis=-1):\n", "import time\nSLEPT = []\n\ndef logsumexp(z, axis=-1):\n"
        "    if not SLEPT:  # the first call is still running when the zygote dies\n"
        "        SLEPT.append(time.sleep(1.0))\n")
    notebooks = {(s, PS): nb for s in FAILING}
    notebooks[("a-cut", PS)] = engine_helpers.submission(PS, {"logsumexp": slow_first_call}, correct=True)
    sub = engine_helpers.make_submissions(root / "sub", notebooks)
    res = root / "res"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grade, "grade_submission", failing)
        patch.setattr(remote_target.RemoteTarget, "call", call_with_the_zygote_dying)
        first = grade_batch(sub, res, workers=1, course_dir=course_dir, limits=LIMITS)
    saved = json.loads((res / "summary.json").read_text())
    after_first = {s: (res / s / PS / "results.json").is_file() and results_of(res, s) for s in FAILING}
    again = grade_batch(sub, res, workers=1, course_dir=course_dir, limits=LIMITS)  # no --force
    return SimpleNamespace(first=first, saved=saved, killed=killed, cut=cut, results=after_first, again=again,
                           rerun={s: results_of(res, s) for s in FAILING}, max_restarts=MAX_RESTARTS,
                           errors={e["student"]: e["error"] for e in first.grading_errors})


def test_a_call_cut_by_a_zygote_restart_is_graded_again_not_scored(failing_batch):
    """The zygote dies while a check's call is in flight (its children die with it): the call is not scored as
    a crash of the honest student's function; the submission is graded again, the restart counted once."""
    b = failing_batch
    assert b.cut == ["logsumexp"]
    data = b.results["a-cut"]
    assert data["score"] == MAX, [t["message"] for t in data["tests"] if t["score"] == 0]
    assert "a-cut" not in b.errors
    assert b.first.zygote_restarts - b.killed.count("c-kills") == 1  # (c-kills' attempts restarted it twice)


def test_a_grader_bug_on_one_submission_is_its_reason(failing_batch):
    """A bug of the grader triggered by one submission gives it 0 points and the reason (the details are the
    instructor's), the rest of the batch is graded, and a re-run grades it again."""
    b = failing_batch
    bug = b.results["b-bug"]
    assert bug["score"] == 0 and "the grader failed while grading this notebook (ValueError)" in bug["notes"][0]
    assert "reshape" not in json.dumps(bug["tests"]), "the details are the instructor's, not in the feedback"
    assert "reshape" in b.errors["b-bug"] and "test_engine_batch_hostile.py:279 in failing" in b.errors["b-bug"]
    assert b.results["d-honest"]["score"] == MAX
    # a rerun (no --force) grades again what failed, and keeps the rest
    assert b.rerun["b-bug"]["score"] == MAX and b.again.grading_errors == []


def test_a_submission_that_kills_the_zygote_breaks_only_itself(failing_batch):
    """Each of c-kills' two attempts kills the zygote: two restarts, c-kills gets 0 and the reason, and the
    next submission is graded in full by the new zygote."""
    b = failing_batch
    assert b.killed == ["c-kills", "c-kills", "e-kills"]
    assert b.first.zygote_restarts == 3  # a-cut's one, then c-kills' two
    assert sorted(b.errors) == ["b-bug", "c-kills"] and "GraderError" in b.errors["c-kills"]
    assert b.results["c-kills"]["score"] == 0 and "the grader failed" in b.results["c-kills"]["notes"][0]
    assert b.results["d-honest"]["score"] == MAX


def test_zygote_restarts_come_from_one_budget_per_batch_and_no_one_is_scored_for_them(failing_batch):
    """Restarts come from one batch-wide budget (MAX_RESTARTS, each counted in the summary): a-cut's and
    c-kills' spend it; then e-kills, whose attempt kills the zygote again, and what is left are listed as
    failed with the reason — never given a score, so a re-run grades them — instead of the zygote being
    replaced however often."""
    b = failing_batch
    assert b.first.zygote_restarts == b.saved["zygote_restarts"] == b.max_restarts
    failed = {f["student"]: f["error"] for f in b.first.failed}
    assert sorted(failed) == ["e-kills", "f-honest"], b.first.failed
    assert all(f"restarted {b.max_restarts} times" in error for error in failed.values()), failed
    assert b.results["e-kills"] is False and b.results["f-honest"] is False  # no score for what was not graded
    # the re-run grades what failed (the zygote killers are honest now) and keeps what was graded
    assert b.again.graded == 4 and b.again.skipped_existing == 2 and b.again.zygote_restarts == 0
    assert all(data["score"] == MAX for data in b.rerun.values()), {s: d["score"] for s, d in b.rerun.items()}
