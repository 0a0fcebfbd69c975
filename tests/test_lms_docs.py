"""The passback section of docs/instructors.md, followed as printed: its shell commands run in a plain shell (no
virtual environment on PATH) in a course folder, against the fake LTI platform; its passback file example
is a valid passback file for each target."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from autograder.lms.config import read_config
from autograder.model.course import ROOT
from tests.lms_fixtures import PEOPLE, write_graded_class, write_roster
from tests.lti_platform import CLIENT_ID, Platform, learners
from tests.test_reports_readme import PLAIN_ENV, commands

GUIDE = ROOT / "docs" / "instructors.md"


def section() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("## Posting grades to the LMS (passback)")
    return text[start:text.index("\n## ", start + 10)]


def guide_commands() -> list:
    """The section's shell commands, in order (the same reading as tests/test_reports_readme.py's)."""
    return [c for c in commands() if "passback" in c or "openssl " in c]


def test_the_guide_names_its_commands_in_the_order_an_instructor_runs_them():
    """Key, public key for the registration, dry run, post: the order the steps can be run in (before, the dry run
    came first and the key was written to ./tool-key.pem while the example passback file read keys/tool-key.pem)."""
    assert guide_commands() == [
        "mkdir -p keys && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out keys/tool-key.pem && "
        "chmod 600 keys/tool-key.pem",
        ".venv/bin/python -m autograder passback --jwk --config passback.toml",
        "openssl pkey -in keys/tool-key.pem -pubout",
        ".venv/bin/python -m autograder passback results --to lti --config passback.toml --dry-run",
        ".venv/bin/python -m autograder passback results --to lti --config passback.toml"]
    example = re.search(r"```toml\n(.*?)```", section(), re.S).group(1)
    key_file = re.search(r'^key_file = "([^"]+)"', example, re.M).group(1)
    assert f"-out {key_file}" in guide_commands()[0], "the key is written where the passback file reads it"


def test_the_guides_passback_file_is_a_passback_file_for_each_target(tmp_path):
    example = re.search(r"```toml\n(.*?)```", section(), re.S).group(1)
    (tmp_path / "passback.toml").write_text(example)
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "tool-key.pem").write_text("-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n")
    env = {"CANVAS_TOKEN": "7~" + "a" * 40, "MOODLE_TOKEN": "b" * 32}
    lti = read_config(tmp_path / "passback.toml", "lti", environ=env)
    assert lti.lti.audience == lti.lti.token_url and lti.names("ps1_softmax").label == "PS1: softmax"
    assert read_config(tmp_path / "passback.toml", "canvas", environ=env).names("ps1_softmax").canvas_assignment == 1234
    assert read_config(tmp_path / "passback.toml", "moodle", environ=env).moodle.course_id == 7


@pytest.mark.slow
def test_the_guides_commands_run_as_printed_against_a_platform(tmp_path):
    """The section's steps in their order, each command as printed, in a plain shell in a course folder: the key,
    the guide's own passback file (the addresses and client id the platform gives written in, as step 3 says), the
    public JWK registered on the fake LTI platform, the dry run, the post."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: the guide makes the tool's key with it")
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("no .venv/ in the repository (make install creates it)")
    course = tmp_path / "course"
    course.mkdir()
    os.symlink(ROOT / ".venv", course / ".venv")
    write_graded_class(course / "results")
    write_roster(course / "roster.csv")
    genkey, jwk_command, pubout, dry_run, post = guide_commands()
    example = re.search(r"```toml\n(.*?)```", section(), re.S).group(1)

    def shell(command):
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", command], cwd=course, env=PLAIN_ENV,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, f"{command}\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    def passback_file(**urls):  # step 2, then step 3's "write the client_id and the addresses into passback.toml"
        text = example.replace('client_id = "10000000000042"', f'client_id = "{CLIENT_ID}"')
        for key, url in urls.items():
            text = re.sub(rf'^{key} = "[^"]*"', f'{key} = "{url}"', text, flags=re.M)
        (course / "passback.toml").write_text(text)

    shell(genkey)  # step 1
    assert oct((course / "keys" / "tool-key.pem").stat().st_mode & 0o777) == "0o600"
    passback_file()  # step 2: as printed
    jwk = json.loads(shell(jwk_command))  # step 3
    assert jwk["kid"] == "probdl-2026" and "d" not in jwk
    assert "BEGIN PUBLIC KEY" in shell(pubout)
    members = learners(PEOPLE)
    platform = Platform(jwk, members).start()  # the JWK registered as printed
    try:
        passback_file(token_url=platform.token_url, lineitems_url=platform.lineitems_url,
                      memberships_url=platform.memberships_url)
        planned = shell(dry_run)  # step 4
        assert "would post" in planned and not platform.scores
        posted = re.search(r"Summary \(lti\): posted (\d+), unchanged 0, skipped (\d+), failed 0\.", shell(post))
        assert posted, "every grade posted or listed"
        assert int(posted.group(1)) == len(platform.scores) > 0
        assert f"would post {posted.group(1)}" in planned, "the dry run said what the post did"
    finally:
        platform.stop()
