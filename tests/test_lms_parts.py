"""The passback's parts on their own: the plan's decisions, the comment, grades.csv against the results, the
roster file, the passback file's errors, secrets that never show."""

from __future__ import annotations

import pickle

import pytest

from autograder.lms.comment import Tag, digest, parse_tag, student_comment, tag_text
from autograder.lms.config import ConfigError, HttpSettings, read_config
from autograder.lms.plan import CONFLICT, POST, UNCHANGED, Current, decide
from autograder.lms.roster import Member, from_file, from_members
from autograder.lms.scores import Grade, GradesError, read_grades
from autograder.lms.secret import Redactor, Secret
from autograder.lms.transport import backoff_delays, retry_policy
from autograder.model.results import TestResult, load_results, read_result, write_results
from autograder.model.roster import LmsStudent
from tests.lms_fixtures import ANSWER, write_graded_class
from tests.reports_fixtures import XSS

GRADE = Grade("ada", "ps1_softmax", 36.0, 43.0, 3.0, "…\n[probdl-autograder 36/43 +3 pending]")
OURS_OLD = "…\n[probdl-autograder 30/43 +3 pending]"
#: A comment of today's form (its tag carries the digest of the text above it), and an earlier one with the
#: same points and other words (the late line changed).
BODY = "ps1_softmax: 36 / 43 points.\nAwaiting your instructor: 3 points (answers graded by hand)."
TAGGED = BODY + "\n" + tag_text(Tag(36.0, 43.0, 3.0, digest(BODY)))
TAGGED_BEFORE = "ps1_softmax: 36 / 43 points.\nDue date: 1 h late: no penalty.\n" + tag_text(
    Tag(36.0, 43.0, 3.0, digest("ps1_softmax: 36 / 43 points.\nDue date: 1 h late: no penalty.")))


@pytest.mark.parametrize("current, overwrite, expected", [
    (None, False, (POST, "new")),
    (Current(), False, (POST, "new")),
    (Current(36.0, 43.0, GRADE.comment), False, (UNCHANGED, "same")),
    (Current(None, 43.0, GRADE.comment), False, (UNCHANGED, "same")),          # a platform that drops pending scores
    (Current(36.0, 43.0, "…\n[probdl-autograder 36/43]"), False, (POST, "update")),  # the pending part changed
    (Current(30.0, 43.0, OURS_OLD), False, (POST, "update")),                  # our earlier grade
    (Current(30 / 43 * 100, 100.0, OURS_OLD), False, (POST, "update")),        # the same, scaled by the LMS
    (Current(36 / 43 * 100, 100.0, GRADE.comment), False, (UNCHANGED, "same")),
    (Current(25.0, 43.0, OURS_OLD), False, (CONFLICT, "conflict")),            # changed by a person after our post
    (Current(25.0, 43.0, OURS_OLD), True, (POST, "overwrite")),
    (Current(25.0, 43.0, None), False, (CONFLICT, "conflict")),                # a person's, before any post
    (Current(36.0, 43.0, None), False, (UNCHANGED, "same")),                   # a person's, equal to ours
    (Current(36.004, 43.0, None), False, (UNCHANGED, "same")),                 # within 0.005
    # what the tag's digest says of the comment: the one to post however the LMS renders it, or another
    (Current(36.0, 43.0, TAGGED.replace("\n", "<br />\n")), False, (UNCHANGED, "same")),
    (Current(36.0, 43.0, TAGGED), False, (UNCHANGED, "same")),
    (Current(36.0, 43.0, TAGGED_BEFORE), False, (POST, "update")),             # the same points, another comment
    (Current(None, 43.0, "…\n[probdl-autograder 30/43]"), False, (CONFLICT, "removed")),  # our grade, deleted
])
def test_the_plan_decides_each_case_of_its_table(current, overwrite, expected):
    grade = Grade(GRADE.student, GRADE.ps, GRADE.score, GRADE.maximum, GRADE.pending, TAGGED) if (
        current is not None and current.comment and "#" in current.comment) else GRADE
    decision = decide(grade, current, overwrite)
    assert (decision.action, decision.why) == expected


def test_a_tag_reads_back_and_only_at_the_end():
    assert parse_tag(tag_text(Tag(18.9, 33.0, 0.0))) == Tag(18.9, 33.0, 0.0)
    assert parse_tag(tag_text(Tag(18.9, 33.0, 1.5, "0123456789"))) == Tag(18.9, 33.0, 1.5, "0123456789")
    assert parse_tag("x\n[probdl-autograder 36/43 +3 pending]\n") == Tag(36.0, 43.0, 3.0)
    # what Moodle gives back of a plain-text comment: HTML line breaks, a paragraph around it
    assert parse_tag("<p>x<br />\n[probdl-autograder 36/43 #0123456789]</p>") == Tag(36.0, 43.0, 0.0, "0123456789")
    assert digest("a\nb & c") == digest("<p>a<br />\nb &amp; c</p>") != digest("a\nb & d")
    assert parse_tag("[probdl-autograder 36/43] and then a teacher's words") is None
    assert parse_tag(None) is None and parse_tag("Good work") is None


def test_the_comment_holds_what_a_student_may_see_and_nothing_hidden(tmp_path):
    write_graded_class(tmp_path / "results")
    for r in load_results(tmp_path / "results"):
        comment = student_comment(r, r.score, r.max_score)
        body = comment.rsplit("\n", 1)[0]
        assert parse_tag(comment) == Tag(r.score, r.max_score, r.pending_points, digest(body))
        for t in r.autograded:  # (a check's message can quote a probe; its hint names the mistake)
            assert (not t.message or t.message not in comment) and (not t.hint or t.hint not in comment)
        assert ANSWER not in comment and "def " not in comment and len(comment) < 1000
        for code in r.student_code.values():
            assert code not in comment
    # a results.json edited to carry markup or a probe in a cell's name shows neither
    results = tmp_path / "results"
    path = results / "ben" / "ps1_softmax" / "results.json"
    r = read_result(path)
    r.tests[0] = type(r.tests[0])(XSS, 0.0, 3.0, False, "probe z=[1e308]", "", "value")
    comment = student_comment(r, r.score, r.max_score)
    assert XSS not in comment and "<script>" not in comment and "1e308" not in comment
    # the grader's comment on a derivation (it may quote the model answer) stays on the feedback page
    r = read_result(results / "ada" / "ps2_cross_entropy" / "results.json")
    r.tests = [TestResult.graded_by_hand(t.name, 2.0, t.max_score, "the model answer is p - y") if t.manual else t
               for t in r.tests]
    comment = student_comment(r, 32.0, r.max_score)
    assert "Graded by your instructor: 2 / 3 points." in comment and "p - y" not in comment


def test_what_is_posted_is_what_grades_csv_holds_and_a_stale_grades_csv_is_refused(tmp_path):
    results = tmp_path / "results"
    write_graded_class(results)
    grades = read_grades(results)
    assert {(g.student, g.ps): g.score for g in grades}[("cleo", "ps2_cross_entropy")] == 22.5
    assert [g.ps for g in read_grades(results, {"ps2_cross_entropy"})] == ["ps2_cross_entropy"] * 4
    path = results / "ben" / "ps1_softmax" / "results.json"
    r = read_result(path)
    r.score = 39.0
    write_results(path, r)
    with pytest.raises(GradesError, match=r"ben ps1_softmax: grades.csv has 31, results.json 39.*python -m "
                                          r"autograder late"):
        read_grades(results)
    (results / "grades.csv").unlink()
    with pytest.raises(GradesError, match="grades.csv is missing"):
        read_grades(results)


def test_a_roster_file_is_checked_against_the_lms_students():
    mapping = {"ada": LmsStudent("ada", "1"), "ben": LmsStudent("ben", "2"), "nia": LmsStudent("nia", "9")}
    found = from_file(mapping, {"ada", "ben", "zed"}, [Member("1", "Ada"), Member("3", "Cleo")])
    assert found.to_lms == {"ada": "1"}
    assert found.students == [("ben", "the roster file gives LMS id 2, who is not a student of the LMS course"),
                              ("zed", "not in the roster file")]
    assert found.members == [("9", "nia", "roster row nia: no results here"), ("3", "Cleo", "no row in the roster file")]


@pytest.mark.parametrize("text, env, error", [
    ('[lti]\n[roster]\nfile = "r.csv"\n', {}, r"\[lti\] token_url: missing; the platform's OAuth2 token endpoint"),
    ('[canvas]\nurl = "https://c.example"\ncourse_id = 4\ntoken = "abc"\n[roster]\nfile = "r.csv"\n', {},
     r"\[canvas\] token: a secret is never written in the passback file"),
    ('[canvas]\nurl = "https://c.example"\ncourse_id = 4\ntoken_env = "T"\n[roster]\nfile = "r.csv"\n', {},
     r"the environment variable T is not set"),
    ('[canvas]\nurl = "http://c.example"\ncourse_id = 4\ntoken_env = "T"\n[roster]\nfile = "r.csv"\n', {"T": "x" * 40},
     r"plain http: tokens and grades would cross the network unencrypted"),
    ('[canvas]\nurl = "https://c.example"\ncourse_id = 4\ntoken_env = "T"\n[roster]\nmatch = "username"\n',
     {"T": "x" * 40}, r"canvas members can be matched on login_id, sis_user_id, email, id, not 'username'"),
    ('[canvas]\nurl = "https://c.example"\ncourse_id = 4\ntoken_env = "T"\n[roster]\nfile = "r.csv"\n'
     '[problem_sets.ps1_softmax]\nlable = "x"\n', {"T": "x" * 40}, r"lable: unknown key \(did you mean 'label'\?\)"),
    ('[canvas]\nurl = "https://c.example"\ncourse_id = 4\ntoken_env = "T"\n[roster]\nfile = "r.csv"\n'
     '[problem_sets.ps1_softmax]\nlabel = "PS"\n[problem_sets.ps2_cross_entropy]\nlabel = "PS"\n', {"T": "x" * 40},
     r"label 'PS' is given to two problem sets"),
    ('[canvas]\nurl = "https://c.example"\ncourse_id = "4"\ntoken_env = "T"\n[roster]\nfile = "r.csv"\n', {"T": "x" * 40},
     r"\[canvas\] course_id: expected a whole number, not '4'"),
    ("[canvas\n", {}, r"not valid TOML"),
])
def test_a_wrong_passback_file_is_refused_naming_the_key(tmp_path, text, env, error):
    path = tmp_path / "passback.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=error):
        read_config(path, "lti" if text.startswith("[lti]") else "canvas", environ=env)


def test_a_secret_never_shows_and_the_redactor_scrubs_it():
    secret = Secret("tok-" + "a1b2c3d4" * 5, "Canvas access token")
    assert str(secret) == repr(secret) == f"{secret}" == "<secret Canvas access token>"
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    redact = Redactor()
    redact.add(secret)
    pem = Secret("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n", "key")
    redact.add(pem)
    text = redact(f"refused {secret.reveal()} and MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")
    assert text == "refused <secret Canvas access token> and <secret key>"


def test_the_retry_policy_is_429_and_5xx_for_every_method_with_retry_after_capped():
    policy = retry_policy(HttpSettings(attempts=5, backoff=1.0, max_wait=60.0))
    assert policy.total == 4 and set(policy.status_forcelist) == {429, 500, 502, 503, 504}
    assert policy.allowed_methods is None and policy.respect_retry_after_header and policy.retry_after_max == 60.0
    assert policy.is_retry("POST", 503) and not policy.is_retry("POST", 422) and not policy.is_retry("GET", 401)
    # a request that may not be carried out twice (a Canvas grade adds its comment) is sent again only when refused
    once = retry_policy(HttpSettings(attempts=5, backoff=1.0, max_wait=60.0), refused_only=True)
    assert once.is_retry("POST", 429) and once.is_retry("POST", 503) and not once.new().is_retry("PUT", 502)
    assert not once.is_retry("POST", 500) and not once.is_retry("POST", 504) and once.new().refused_only
    assert backoff_delays(HttpSettings(attempts=5, backoff=1.0, max_wait=3.0)) == [0.0, 2.0, 3.0, 3.0]


def test_two_folders_that_match_one_lms_student_match_neither():
    """E-mail addresses compare without case: two folders differing only in case are two claims on one student."""
    found = from_members([Member("7", "Ben", (("email", "ben@uni.example"),)), Member("8", "Ada", (("email", "ada@uni.example"),))],
                         "email", {"Ben@uni.example", "ben@uni.example", "ada@uni.example"})
    assert found.to_lms == {"ada@uni.example": "8"}
    assert [s for s, _ in found.students] == ["Ben@uni.example", "ben@uni.example"]
    assert "match the one LMS student 7" in found.students[0][1]
    assert found.members == [("7", "Ben", "matched by more than one submission folder: nothing posted")]
