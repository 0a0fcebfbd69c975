"""passback --to lti against a fake LTI 1.3 platform (tests/lti_platform.py: lti1p3platform behind a local server).

Every grade of grades.csv lands on the platform's gradebook (the stored resultScore equals the cell), with the
progress a pending derivation asks for and the student's comment; a second run posts nothing; a grade a person
typed in is left alone without --overwrite; every failure (token refused, scope missing, 401, 403, 422, 429 and
5xx retried) is the failing student's or problem set's own, named with its fix; no key or token is printed.
"""

from __future__ import annotations

import json
import re
import time
import types

import jwt
import pytest
import urllib3.util.retry

from autograder.cli import main
from autograder.lms.config import read_config
from autograder.lms.lti_token import ASSERTION_TYPE, LtiToken, public_jwk
from autograder.lms.roster import Member, from_members
from autograder.lms.secret import Redactor, Secret
from autograder.lms.transport import new_session
from autograder.model.grades import write_grades_csv
from autograder.model.results import TestResult, read_result, write_results
from tests.lms_fixtures import ANSWER, DERIVATION, PEOPLE, grades_csv, write_graded_class, write_roster
from tests.lti_platform import AGS, CLIENT_ID, Fault, Platform, learner, learners, rsa_pem

KID = "probdl-test-1"


@pytest.fixture(scope="module")
def tool_key():
    return rsa_pem()


@pytest.fixture()
def platform(tool_key):
    members = learners(PEOPLE)
    p = Platform(public_jwk(Secret(tool_key, "key"), KID), members).start()
    yield p
    p.stop()


@pytest.fixture()
def course(tmp_path, tool_key):
    results = tmp_path / "results"
    write_graded_class(results)
    (tmp_path / "tool-key.pem").write_text(tool_key)
    write_roster(tmp_path / "roster.csv")
    return tmp_path


def write_config(folder, platform, roster='file = "roster.csv"', lti_extra="", http="attempts = 4\nbackoff = 0.5\nmax_wait = 30"):
    path = folder / "passback.toml"
    path.write_text(f"""
[lti]
token_url = "{platform.token_url}"
client_id = "{CLIENT_ID}"
key_file = "tool-key.pem"
key_id = "{KID}"
lineitems_url = "{platform.lineitems_url}"
{lti_extra}

[roster]
{roster}

[problem_sets.ps1_softmax]
label = "PS1: softmax"

[http]
{http}
""")
    return path


@pytest.fixture()
def sleeps(monkeypatch):
    """urllib3's waits between retries, recorded instead of slept."""
    waited = []
    monkeypatch.setattr(urllib3.util.retry, "time", types.SimpleNamespace(sleep=waited.append, time=time.time))
    return waited


def passback(course, config, *extra, capsys=None):
    code = main(["passback", str(course / "results"), "--to", "lti", "--config", str(config), *extra])
    out, err = capsys.readouterr() if capsys is not None else ("", "")
    return code, out, err


def stored_equals_grades_csv(platform, course) -> dict:
    """``(student, ps) -> stored score`` of every student the roster matches, checked against grades.csv."""
    user_of = {lms: c for c, (lms, _) in PEOPLE.items()}
    labels = {"PS1: softmax": "ps1_softmax", "ps2_cross_entropy": "ps2_cross_entropy"}
    stored = {(user_of[user], labels[label]): score for (label, user), (score, _) in platform.stored().items()}
    expected = {key: score for key, score in grades_csv(course / "results").items() if key[0] in PEOPLE}
    assert stored == expected
    return stored


# --- posting ---------------------------------------------------------------------------------------------------


def test_every_matched_grade_lands_equal_to_grades_csv_with_its_progress_and_comment(course, platform, capsys):
    code, out, err = passback(course, write_config(course, platform), capsys=capsys)
    assert code == 0, out + err
    stored = stored_equals_grades_csv(platform, course)
    assert len(stored) == 7 and stored[("cleo", "ps2_cross_entropy")] == 22.5  # after cleo's late penalty
    # line items created, found by resourceId next time
    items = {i["resourceId"]: i for i in platform.lineitems.values()}
    assert items["ps1_softmax"]["label"] == "PS1: softmax" and items["ps1_softmax"]["scoreMaximum"] == 40
    assert items["ps2_cross_entropy"]["scoreMaximum"] == 35 and items["ps2_cross_entropy"]["tag"] == "probdl-autograder"
    progress = {(s["userId"], k): s["gradingProgress"] for k, s in platform.scores}
    assert progress[("u-ben", "2")] == progress[("u-eve", "2")] == "PendingManual"  # their derivations await a person
    assert progress[("u-ada", "2")] == progress[("u-cleo", "2")] == "FullyGraded"
    assert all(s["activityProgress"] == "Completed" and "submission" not in s for _, s in platform.scores)
    # the comment: what the student may see, and nothing of the checks' messages, hints or answers
    cleo = next(s for _, s in platform.scores if s["userId"] == "u-cleo")
    assert "22.5 / 35 points" in cleo["comment"] and "37 h late: −7" in cleo["comment"]
    assert "cross_entropy-basic" in cleo["comment"] and re.search(r"\n\[probdl-autograder 22\.5/35 #[0-9a-f]{10}\]\Z",
                                                                   cleo["comment"])
    for _, s in platform.scores:
        assert "p in {0, 1}" not in s["comment"] and "xlogy" not in s["comment"] and ANSWER not in s["comment"]
    # the unmatched on both sides are listed, posted to nobody
    assert "zed: not in the roster file" in out and "u-nia Nia: roster row nia: no results here" in out
    assert not any(s["userId"] not in {lms for lms, _ in PEOPLE.values()} for _, s in platform.scores)
    assert "Summary (lti): posted 7, unchanged 0, skipped 1, failed 0." in out


def test_a_second_run_posts_nothing_and_a_dry_run_posts_nothing(course, platform, capsys):
    config = write_config(course, platform)
    assert passback(course, config, capsys=capsys)[0] == 0
    posted = len(platform.scores)
    code, out, _ = passback(course, config, capsys=capsys)
    assert code == 0 and len(platform.scores) == posted
    assert "posted 0, unchanged 7, skipped 1, failed 0" in out
    # a regrade: ben's derivation graded by a person (3 points), grades.csv written again
    path = course / "results" / "ben" / "ps2_cross_entropy" / "results.json"
    r = read_result(path)
    r.tests = [TestResult.graded_by_hand(t.name, 3.0, t.max_score) if t.name == DERIVATION else t for t in r.tests]
    r.score = float(sum(t.earned for t in r.tests))
    write_results(path, r)
    write_grades_csv(course / "results")
    code, out, _ = passback(course, config, "--dry-run", capsys=capsys)
    assert code == 0 and len(platform.scores) == posted
    assert "ps2_cross_entropy  ben → u-ben: 32/35 → 35/35  would post (update)" in out
    assert "would post 1, unchanged 6" in out
    code, out, _ = passback(course, config, capsys=capsys)
    assert code == 0 and len(platform.scores) == posted + 1
    key, score = platform.scores[-1]
    assert (score["userId"], score["scoreGiven"], score["gradingProgress"]) == ("u-ben", 35.0, "FullyGraded")
    stored_equals_grades_csv(platform, course)
    assert passback(course, config, capsys=capsys)[0] == 0 and len(platform.scores) == posted + 1


def test_a_grade_a_person_typed_in_is_not_overwritten_without_overwrite(course, platform, capsys):
    config = write_config(course, platform)
    assert passback(course, config, capsys=capsys)[0] == 0
    posted = len(platform.scores)
    platform.grade_by_hand("PS1: softmax", "u-ben", 38.0, 40.0)  # the teacher's own judgement
    code, out, _ = passback(course, config, capsys=capsys)
    assert code == 0 and len(platform.scores) == posted
    assert platform.stored()[("PS1: softmax", "u-ben")] == (38.0, 40.0)
    assert re.search(r"ben, ps1_softmax: the LMS holds 38/40, which the autograder did not post .*--overwrite", out)
    assert "skipped 2" in out  # ben's and zed's
    code, out, _ = passback(course, config, "--overwrite", capsys=capsys)
    assert code == 0 and platform.stored()[("PS1: softmax", "u-ben")] == (31.0, 40.0)
    assert "ps1_softmax  ben → u-ben: 38/40 → 31/40  posted (overwrite)" in out


def test_a_score_typed_in_before_the_first_run_is_left_alone_and_one_equal_to_the_grade_is_unchanged(course, platform, capsys):
    platform.grade_by_hand("PS1: softmax", "u-ada", 40.0, 40.0)
    platform.grade_by_hand("PS1: softmax", "u-dan", 12.0, 40.0)
    code, out, _ = passback(course, write_config(course, platform), capsys=capsys)
    assert code == 0
    assert platform.stored()[("PS1: softmax", "u-dan")] == (12.0, 40.0)
    assert "dan, ps1_softmax: the LMS holds 12/40" in out
    assert not [s for _, s in platform.scores if s["userId"] in ("u-ada", "u-dan") and s["scoreMaximum"] == 40]


def test_a_platform_that_drops_a_pending_score_still_finds_nothing_to_post_again(course, tool_key, capsys):
    """Moodle keeps scoreGiven only when FullyGraded: the tag in the comment says the pending grade is ours."""
    members = learners(PEOPLE)
    p = Platform(public_jwk(Secret(tool_key, "key"), KID), members, moodle=True).start()
    try:
        config = write_config(course, p)
        assert passback(course, config, capsys=capsys)[0] == 0
        assert p.stored()[("ps2_cross_entropy", "u-ben")] == (None, 35.0)
        code, out, _ = passback(course, config, capsys=capsys)
        assert code == 0 and "posted 0, unchanged 7" in out
    finally:
        p.stop()


def test_the_roster_from_names_and_roles_matches_on_email_without_case(course, platform, capsys):
    config = write_config(course, platform, roster='match = "email"',
                          lti_extra=f'memberships_url = "{platform.memberships_url}"')
    # the submission folders are named by e-mail here (as some collection scripts name them)
    for folder in list((course / "results").iterdir()):
        if folder.is_dir() and folder.name in PEOPLE:
            folder.rename(course / "results" / PEOPLE[folder.name][1].lower())
    for path in (course / "results").glob("*/*/results.json"):
        r = read_result(path)
        r.student = path.parent.parent.name
        write_results(path, r)
    write_grades_csv(course / "results")
    code, out, _ = passback(course, config, capsys=capsys)
    assert code == 0, out
    assert ("PS1: softmax", "u-ben") in platform.stored()  # ben@uni.example matched Ben@Uni.example
    assert "zed: no LMS student has email zed" in out and "u-nia Nia: no results here for its email" in out
    # pages of 3 members were followed: all six learners were read
    assert sum(1 for m, path, *_ in platform.log if "names_and_roles" in path) == 2


def test_two_members_with_one_email_match_neither(course, platform, capsys):
    platform.members.append(learner("u-ben-2", "ben@uni.example", "Ben Again"))
    found = from_members([Member(m["user_id"], m["name"], (("email", m["email"]),)) for m in platform.members],
                         "email", {"ben@uni.example", "ada@uni.example"})
    assert found.to_lms == {"ada@uni.example": "u-ada"}
    assert found.students == [("ben@uni.example", "2 LMS students have email ben@uni.example: use a roster file for them")]


# --- the platform's token endpoint: what lti1p3platform checks, and what the fake adds -------------------------


def _assertion(tool_key, platform, **change):
    now = int(time.time())
    claims = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": platform.token_url, "iat": now, "exp": now + 300,
              "jti": f"j{time.time_ns()}"}
    claims.update(change)
    claims = {k: v for k, v in claims.items() if v is not None}
    headers = {"kid": change.pop("kid", KID)} if "kid" not in change or change["kid"] else {}
    return jwt.encode(claims, change.pop("key", tool_key), algorithm="RS256", headers=headers)


def _token_request(platform, assertion, kind=ASSERTION_TYPE):
    form = {"grant_type": "client_credentials", "client_assertion_type": kind, "client_assertion": assertion,
            "scope": AGS + "score"}
    return platform.token(form)


@pytest.mark.parametrize("change, error", [
    ({"aud": "https://elsewhere.example/token"}, "aud must be the token endpoint"),
    ({"iss": "someone-else"}, "iss and sub must be the client id"),
    ({"sub": "someone-else"}, "iss and sub must be the client id"),
    ({"exp": None}, "exp missing or past"),
    ({"exp": int(time.time()) - 10}, "Signature has expired"),
    ({"iat": int(time.time()) + 600, "exp": int(time.time()) + 900}, "(iat)"),  # PyJWT's own check, in the package
    ({"jti": None}, "jti missing"),
])
def test_the_token_endpoint_refuses_a_wrong_assertion(tool_key, platform, change, error):
    status, body, *_ = _token_request(platform, _assertion(tool_key, platform, **change))
    assert status in (400, 401) and error in body["error_description"], body


def test_the_token_endpoint_refuses_a_replayed_assertion_an_unknown_kid_another_key_and_another_type(tool_key, platform):
    good = _assertion(tool_key, platform)
    assert _token_request(platform, good)[0] == 200
    status, body, *_ = _token_request(platform, good)
    assert status == 400 and "already used (replay)" in body["error_description"]
    now = int(time.time())
    claims = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": platform.token_url, "iat": now, "exp": now + 300, "jti": "k1"}
    assert _token_request(platform, jwt.encode(claims, tool_key, "RS256", headers={"kid": "other"}))[0] == 401
    assert _token_request(platform, jwt.encode({**claims, "jti": "k2"}, rsa_pem(), "RS256", headers={"kid": KID}))[0] == 401
    assert _token_request(platform, jwt.encode({**claims, "jti": "k3"}, tool_key, "RS256"))[0] == 401  # no kid
    assert _token_request(platform, _assertion(tool_key, platform), kind="password")[0] == 400


def test_our_assertion_carries_every_claim_the_platform_checks(course, platform, tool_key):
    config = read_config(write_config(course, platform), "lti")
    token = LtiToken(config.lti, new_session(config.http), Redactor())
    signed = token.assertion().reveal()
    header, claims = jwt.get_unverified_header(signed), jwt.decode(signed, options={"verify_signature": False})
    assert header == {"alg": "RS256", "typ": "JWT", "kid": KID}
    assert claims["iss"] == claims["sub"] == CLIENT_ID and claims["aud"] == platform.token_url
    assert 0 < claims["exp"] - claims["iat"] <= 300 and claims["jti"] != token.assertion().reveal()
    assert token.bearer().startswith("Bearer ") and token.granted == set(token.scopes)


def test_a_scope_the_platform_does_not_grant_is_named_with_the_fix(course, tool_key, capsys):
    members = learners(PEOPLE)
    p = Platform(public_jwk(Secret(tool_key, "key"), KID), members,
                 allowed_scopes=(AGS + "lineitem", AGS + "result.readonly")).start()
    try:
        code, _, err = passback(course, write_config(course, p), capsys=capsys)
    finally:
        p.stop()
    assert code == 1 and "did not grant score" in err and "enable these scopes" in err
    assert not p.scores


def test_a_token_without_the_score_scope_cannot_post_scores(platform, tool_key):
    """The check lti1p3platform lacks: its services accept a token holding any one of their scopes."""
    status, body, *_ = platform.token({"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                                       "client_assertion": _assertion(tool_key, platform),
                                       "scope": AGS + "lineitem.readonly"})
    token = body["access_token"]
    platform.lineitems["1"] = {"id": platform.lineitems_url + "/1", "label": "x", "scoreMaximum": 1}
    status, body, *_ = platform.answer("POST", "/api/lti/courses/42/line_items/1/scores",
                                       {"Authorization": f"Bearer {token}", "Content-Type": "application/vnd.ims.lis.v1.score+json"},
                                       json.dumps({"userId": "u-ada", "scoreGiven": 1, "scoreMaximum": 1}))
    assert status == 403 and "lacks the scope" in body["error"]


# --- failures: each its own, loud, with the fix ------------------------------------------------------------------


def test_429_and_503_are_retried_with_backoff_and_retry_after_capped(course, platform, sleeps, capsys):
    platform.faults += [Fault("POST", r"/scores$", 429, {"Retry-After": "7"}),
                        Fault("POST", r"/scores$", 503, times=2),
                        Fault("GET", r"/line_items\?resource_id=", 429, {"Retry-After": "3600"})]
    code, out, _ = passback(course, write_config(course, platform), capsys=capsys)
    assert code == 0 and "posted 7" in out
    stored_equals_grades_csv(platform, course)
    # the line items. Retry-After 3600 capped at max_wait (30); the score's Retry-After 7 obeyed, then two 503s:
    # urllib3's backoff over the request's errors so far, backoff·2 and backoff·4 (backoff 0.5)
    assert sleeps == [30, 7, 1.0, 2.0], sleeps


def test_a_5xx_that_does_not_end_fails_that_student_only(course, platform, sleeps, capsys):
    platform.faults.append(Fault("POST", r"/scores$", 500, times=4))  # attempts = 4: the first student's posts
    code, out, _ = passback(course, write_config(course, platform), capsys=capsys)
    assert code == 1
    assert re.search(r"Failed:\n  ada, ps1_softmax: posting ada's score for ps1_softmax: HTTP 500 .*run passback "
                     r"again later", out), out
    assert "posted 6, unchanged 0, skipped 1, failed 1" in out
    assert sum(1 for method, path, headers, body in platform.log
               if path.endswith("/line_items/1/scores") and '"u-ada"' in body) == 4  # four tries (attempts = 4)
    assert sleeps == [1.0, 2.0]  # the first retry at once, then backoff·2, backoff·4


def test_a_refused_token_is_renewed_once(course, platform, capsys):
    config = write_config(course, platform)
    assert passback(course, config, capsys=capsys)[0] == 0
    platform.revoked.update(platform.issued)
    before = len(platform.issued)
    platform.grade_by_hand("PS1: softmax", "u-ada", 1.0, 40.0)
    # the run's own token is refused where it posts the score (as a platform that revoked it meanwhile)
    platform.faults.append(Fault("POST", r"/line_items/\d+/scores", 401))
    code, out, _ = passback(course, config, "--overwrite", capsys=capsys)
    assert code == 0 and "posted 1" in out and len(platform.issued) == before + 2  # the run's token, one renewal


def test_401_403_and_422_name_the_student_the_problem_set_and_the_fix(course, platform, capsys):
    platform.faults.append(Fault("GET", r"/line_items\?resource_id=ps1_softmax", 403))
    platform.refuse["u-eve"] = 422
    code, out, _ = passback(course, write_config(course, platform), capsys=capsys)
    assert code == 1
    assert re.search(r"ada, ps1_softmax: line items of .*: HTTP 403 .*enable the AGS scopes", out)
    assert re.search(r"eve, ps2_cross_entropy: posting eve's score for ps2_cross_entropy: HTTP 422 .*check that the "
                     r"student is enrolled", out)
    assert "posted 3, unchanged 0, skipped 1, failed 4" in out  # ps1's three, eve; ps2's others posted
    assert {s["userId"] for _, s in platform.scores} == {"u-ada", "u-ben", "u-cleo"}


def test_a_key_the_platform_does_not_know_stops_the_run_with_the_fix(course, platform, capsys):
    (course / "tool-key.pem").write_text(rsa_pem())
    code, _, err = passback(course, write_config(course, platform), capsys=capsys)
    assert code == 1 and "HTTP 401" in err and "public JWK registered on the platform" in err
    assert not platform.scores


def test_no_key_token_or_assertion_is_ever_printed_or_written(course, platform, tool_key, capsys):
    """A platform that echoes what it was sent in its errors (the bearer token, the assertion) gets it scrubbed."""
    def echoing(method, path, headers, text, _answer=platform.answer):
        status, body, links, media = _answer(method, path, headers, text)
        if path.endswith("/scores") and "u-cleo" in text:
            return 400, {"error": f"bad request {headers.get('Authorization')} {text}"}, {}, media
        if "oauth2" in path and status != 200:
            return status, {"error": text}, links, media
        return status, body, links, media

    platform.answer = echoing
    code, out, err = passback(course, write_config(course, platform), capsys=capsys)
    assert code == 1 and "bad request Bearer <masked>" in out
    bad_key = rsa_pem()
    (course / "tool-key.pem").write_text(bad_key)
    code, out2, err2 = passback(course, write_config(course, platform), capsys=capsys)
    assert code == 1 and "jwt-bearer&<masked>&scope" in err2, err2
    printed = out + err + out2 + err2
    for token in platform.issued:
        assert token not in printed
    for key in (tool_key, bad_key):
        for line in key.splitlines()[1:-1]:
            assert line not in printed
    assert not re.search(r"eyJ[\w-]{20,}\.", printed)  # no JWT of any kind
    written = " ".join(p.read_text(errors="replace") for p in (course / "results").rglob("*") if p.is_file())
    assert not any(t in written for t in platform.issued) and "PRIVATE KEY" not in written


def test_jwk_prints_the_public_key_to_register_and_nothing_private(course, platform, tool_key, capsys):
    assert main(["passback", "--jwk", "--config", str(write_config(course, platform))]) == 0
    jwk = json.loads(capsys.readouterr().out)
    assert jwk["kid"] == KID and jwk["alg"] == "RS256" and jwk["use"] == "sig" and jwk["kty"] == "RSA"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(jwk)
    assert jwk == public_jwk(Secret(tool_key, "key"), KID)


def test_a_file_that_is_not_a_key_is_the_passback_files_mistake(course, platform, capsys):
    (course / "tool-key.pem").write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbCwgc29ycnk=\n-----END PRIVATE KEY-----\n")
    code, _, err = passback(course, write_config(course, platform), capsys=capsys)
    assert code == 2 and "is not an unencrypted PEM private key" in err and "openssl genpkey" in err
    assert "bm90IGEga2V5" not in err and not platform.issued
