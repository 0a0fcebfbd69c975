"""Posting a regrade (issue 86), through ``passback`` against the fake LTI platform (tests/lti_platform.py):
after ``autograde --previous`` only the grades that moved are posted, each comment naming why, and a total
``--keep-higher`` kept is never replaced by a lower one."""

from __future__ import annotations

import dataclasses
import re

import pytest

from autograder.cli import main
from autograder.lms.lti_token import public_jwk
from autograder.lms.secret import Secret
from autograder.model.course import ROOT
from autograder.model.previous import read_previous
from autograder.model.regrade_step import regrade_step
from autograder.model.results import load_results
from tests.lms_fixtures import PEOPLE, write_roster
from tests.lti_platform import CLIENT_ID, Platform, learners, rsa_pem
from tests.test_regrades import SHARED, folder, result

KID = "probdl-regrade"


@pytest.fixture()
def platform():
    key = rsa_pem()
    members = learners(PEOPLE)
    p = Platform(public_jwk(Secret(key, "key"), KID), members).start()
    p.tool_key = key
    yield p
    p.stop()


def _passback(course, platform, results, *extra, capsys):
    (course / "tool-key.pem").write_text(platform.tool_key)
    config = course / "passback.toml"
    config.write_text(f'[lti]\ntoken_url = "{platform.token_url}"\nclient_id = "{CLIENT_ID}"\nkey_file = "tool-key.pem"\n'
                      f'key_id = "{KID}"\nlineitems_url = "{platform.lineitems_url}"\n[roster]\nfile = "roster.csv"\n')
    code = main(["passback", str(course / results), "--to", "lti", "--config", str(config), *extra])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    return out + err


def test_a_regrade_posts_only_what_moved_each_comment_naming_why(tmp_path, platform, capsys):
    write_roster(tmp_path / "roster.csv")
    folder(tmp_path / "results", result("ada", lost=("softmax-stability",)), result("ben"), result("cleo"))
    assert "posted 3, unchanged 0" in _passback(tmp_path, platform, "results", capsys=capsys)
    fixed = dataclasses.replace(SHARED, checks={**SHARED.checks, "softmax-stability": "check-corrected"})
    new = folder(tmp_path / "results-2", result("ada", shared=fixed), result("ben", shared=fixed),
                 result("cleo", lost=("softmax-basic",), shared=fixed))
    regrade_step(new, load_results(new), read_previous(tmp_path / "results", new, ROOT), keep_higher=True)

    out = _passback(tmp_path, platform, "results-2", "--dry-run", capsys=capsys)
    assert "posting the 1 grade(s) that moved since the earlier run or are new; 2 unchanged" in out
    assert "would post 1, unchanged 0" in out and len(platform.scores) == 3
    out = _passback(tmp_path, platform, "results-2", capsys=capsys)
    assert "posted 1, unchanged 0, skipped 0, failed 0" in out
    last = platform.scores[-1][1]
    assert last["userId"] == PEOPLE["ada"][0] and last["scoreGiven"] == 40
    # (the tag, last, carries the digest of the comment above it: passback's marker read back)
    assert re.search(r"Regraded: softmax-stability \+5 — the check was corrected\.\n\[probdl-autograder 40/40 #[0-9a-f]+\]$",
                     last["comment"])
    stored = {user: score for (_, user), (score, _) in platform.stored().items()}
    assert stored[PEOPLE["cleo"][0]] == 40, "cleo's kept total stands in the LMS"
    # --every-grade: every grade of grades.csv is planned: ada's and ben's are in the LMS as they are, cleo's comment
    # gains its reason line (the earlier, higher total kept)
    out = _passback(tmp_path, platform, "results-2", "--every-grade", capsys=capsys)
    assert "posting every grade (--every-grade)" in out and "posted 1, unchanged 2" in out
    assert "the earlier, higher total is kept." in platform.scores[-1][1]["comment"]
