"""End to end: the demo class (``python -m autograder demo``: the real engine on the bundled submissions), a due
date and its late penalties (``python -m autograder late``), then ``passback`` to the fake LTI platform (the real
command line, in a process of its own) and to a mocked Canvas: the scores stored there equal grades.csv, a dry
run and a second run change nothing, and a derivation graded by hand afterwards is the one grade posted again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import responses

from autograder.cli import main
from autograder.lms.lti_token import public_jwk
from autograder.lms.secret import Secret
from autograder.model.course import PROBLEM_SETS, max_score
from autograder.model.grades import write_grades_csv
from autograder.model.results import TestResult, read_result, write_results
from tests.canvas_fake import BASE, COURSE_ID, TOKEN, FakeCanvas
from tests.lms_fixtures import grades_csv
from tests.lti_platform import CLIENT_ID, Platform, learner, rsa_pem

STUDENTS = ("ada", "ben", "cleo", "dan", "eve", "fay", "gus", "hana")
DEADLINES = """
claimed_times = "accept"             # the demo's times are its submissions' timestamp.txt, the students' own

[due]
ps1_softmax = 2026-11-20T17:20:00Z   # eve, fay, gus and hana handed ps1 in after it

[policy]
method = "per_hour"
deduct = "5%"
"""
KID = "probdl-demo"

pytestmark = pytest.mark.slow  # the real demo grades 22 notebooks in the sandbox


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo course, graded once; the course's due date applied by `late`."""
    folder = tmp_path_factory.mktemp("demo")
    course = folder / "demo-course"
    proc = subprocess.run([sys.executable, "-m", "autograder", "demo", "--dir", str(course)], cwd=folder,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (course / "deadlines.toml").write_text(DEADLINES)
    proc = subprocess.run([sys.executable, "-m", "autograder", "late", str(course / "results"), "--course", str(course),
                           "--no-reports"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return course


@pytest.fixture()
def course(demo, tmp_path):
    copy = tmp_path / "demo-course"
    shutil.copytree(demo, copy)
    return copy


def test_the_demo_class_goes_to_the_fake_platform_equal_to_grades_csv(course, tmp_path):
    grades = grades_csv(course / "results")
    # 22 submissions of 8 students; eve, gus and hana lose 5% of 50 for ps1's started hour (fay had 0 to lose)
    assert len(grades) == 22 and grades[("eve", "ps1_softmax")] == 32.5 and sum(
        1 for line in (course / "results" / "grades.csv").read_text().splitlines() if "late: −2.5" in line) == 3
    key = rsa_pem()
    (tmp_path / "tool-key.pem").write_text(key)
    members = [learner(f"lti-{s}", f"{s}@uni.example", s.title()) for s in (*STUDENTS, "nia")]
    platform = Platform(public_jwk(Secret(key, "key"), KID), members).start()
    (tmp_path / "roster.csv").write_text("course_id,lms_id\n" + "".join(f"{s},lti-{s}\n" for s in STUDENTS))
    config = tmp_path / "passback.toml"
    config.write_text(f"""
[lti]
token_url = "{platform.token_url}"
client_id = "{CLIENT_ID}"
key_file = "tool-key.pem"
key_id = "{KID}"
lineitems_url = "{platform.lineitems_url}"
memberships_url = "{platform.memberships_url}"

[roster]
file = "roster.csv"
""")

    def passback(*extra):
        proc = subprocess.run([sys.executable, "-m", "autograder", "passback", str(course / "results"), "--to", "lti",
                               "--config", str(config), *extra], capture_output=True, text=True, timeout=300)
        return proc.returncode, proc.stdout, proc.stderr

    try:
        code, out, err = passback("--dry-run")
        assert code == 0 and not platform.scores and "Summary (lti, dry run): would post 22, unchanged 0" in out, out + err
        code, out, err = passback()
        assert code == 0 and "Summary (lti): posted 22, unchanged 0, skipped 0, failed 0." in out, out + err
        assert "lti-nia Nia: no row in the roster file" in out
        stored = {(user[len("lti-"):], label): score for (label, user), (score, _) in platform.stored().items()}
        assert stored == grades
        assert {i["resourceId"]: i["scoreMaximum"] for i in platform.lineitems.values()} == {
            ps: max_score(ps) for ps in PROBLEM_SETS}
        assert all(s["gradingProgress"] == ("PendingManual" if "pending" in s["comment"] else "FullyGraded")
                   for _, s in platform.scores)
        posted = len(platform.scores)
        code, out, _ = passback()
        assert code == 0 and len(platform.scores) == posted and "posted 0, unchanged 22" in out
        # ada's ps1 derivation graded by a person (formgrader's points come back into results.json), grades.csv again
        path = course / "results" / "ada" / "ps1_softmax" / "results.json"
        r = read_result(path)
        r.tests = [TestResult.graded_by_hand(t.name, t.max_score, t.max_score) if t.pending else t for t in r.tests]
        r.score = float(sum(t.earned for t in r.tests))
        write_results(path, r)
        write_grades_csv(course / "results")
        code, out, _ = passback()
        assert code == 0 and "posted 1, unchanged 21" in out
        assert len(platform.scores) == posted + 1
        _, last = platform.scores[-1]
        assert (last["userId"], last["scoreGiven"], last["gradingProgress"]) == ("lti-ada", 50.0, "FullyGraded")
        stored = {(user[len("lti-"):], label): score for (label, user), (score, _) in platform.stored().items()}
        assert stored == grades_csv(course / "results")
    finally:
        platform.stop()


def test_the_demo_class_goes_to_a_mocked_canvas_equal_to_grades_csv(course, tmp_path, monkeypatch, capsys):
    ids = {s: 200 + i for i, s in enumerate(STUDENTS)}
    canvas = FakeCanvas({uid: (s, s.title()) for s, uid in ids.items()})
    for i, ps in enumerate(PROBLEM_SETS):
        canvas.assignment(300 + i, ps, max_score(ps))
    (tmp_path / "roster.csv").write_text("course_id,lms_id\n" + "".join(f"{s},{uid}\n" for s, uid in ids.items()))
    config = tmp_path / "passback.toml"
    config.write_text(f'[canvas]\nurl = "{BASE}"\ncourse_id = {COURSE_ID}\ntoken_env = "CANVAS_TOKEN"\n'
                      '[roster]\nfile = "roster.csv"\n')
    monkeypatch.setenv("CANVAS_TOKEN", TOKEN)
    monkeypatch.setattr("autograder.lms.canvas.time.sleep", lambda s: None)
    argv = ["passback", str(course / "results"), "--to", "canvas", "--config", str(config)]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        canvas.register(rsps)
        assert main(argv) == 0
        assert "Summary (canvas): posted 22, unchanged 0, skipped 0, failed 0." in capsys.readouterr().out
        student = {uid: s for s, uid in ids.items()}
        landed = {(student[uid], PROBLEM_SETS[aid - 300]): score for aid in range(300, 306)
                  for uid, score in canvas.scores(aid).items()}
        assert landed == grades_csv(course / "results")
        assert main(argv) == 0 and "posted 0, unchanged 22" in capsys.readouterr().out
        assert len(canvas.bulk_posts) == 6
