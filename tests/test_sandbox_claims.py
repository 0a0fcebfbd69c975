"""The uid claims' own rules (``autograder/perimeter/confinement/claims.py``): which uids are offered, where claims live, that a
claim excludes every other claimer until it is released. The attack on them (a submission in a container mapping
65,536 uids) is ``tests/test_redteam_uid_mode.py``'s."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from autograder.perimeter.confinement import claims


def write_map(tmp_path, text):
    path = tmp_path / "uid_map"
    path.write_text(text)
    return str(path)


def test_the_mapped_ranges_are_read_from_uid_map_and_cut_at_the_base(tmp_path):
    remapped = write_map(tmp_path, "         0     300000      65536\n")
    assert claims.mapped_uids(remapped) == [(0, 65535)]
    assert claims.candidate_ranges(61000, remapped) == [(61000, 65535)]
    several = write_map(tmp_path, "0 0 1\n1 100000 1000\n70000 200000 10\n")
    assert claims.candidate_ranges(500, several) == [(500, 1000), (70000, 70009)]
    assert claims.candidate_ranges(61000, several) == [(70000, 70009)]
    assert claims.mapped_uids(str(tmp_path / "missing")) == [(0, claims.MAX_UID)]  # no user namespace: all


def test_claims_wrap_around_skip_the_reserved_uids_and_exclude_each_other(tmp_path):
    folder = str(tmp_path / "claims")
    os.mkdir(folder, 0o700)
    first = claims.claim_uids(3, start=65533, ranges=[(65530, 65537)], folder=folder)
    assert [c.uid for c in first] == [65533, 65536, 65537]  # 65534 (nobody) and 65535 skipped
    second = claims.claim_uids(3, start=65533, ranges=[(65530, 65537)], folder=folder)
    assert [c.uid for c in second] == [65530, 65531, 65532]  # wrapped around, none of the first's
    with pytest.raises(OSError) as info:
        claims.claim_uids(1, start=65530, ranges=[(65530, 65537)], folder=folder)
    assert info.value.errno == errno.EAGAIN and "only 0 of the 1" in str(info.value)
    first[1].release()
    assert [c.uid for c in claims.claim_uids(1, start=65530, ranges=[(65530, 65537)], folder=folder)] == [65536]


def test_a_claim_ends_with_the_process_that_held_it(tmp_path):
    """However it ends: a process that claims and is killed leaves the uid free for the next claimer."""
    folder = str(tmp_path / "claims")
    os.mkdir(folder, 0o700)
    code = ("import sys, time; from autograder.perimeter.confinement import claims; "
            f"c = claims.claim_uids(1, start=70000, ranges=[(70000, 70000)], folder={folder!r}); "
            "print(c[0].uid, flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "70000"
        with pytest.raises(OSError):
            claims.claim_uids(1, start=70000, ranges=[(70000, 70000)], folder=folder)
    finally:
        holder.kill()
        holder.wait()
    assert [c.uid for c in claims.claim_uids(1, start=70000, ranges=[(70000, 70000)], folder=folder)] == [70000]


def test_a_claims_folder_someone_else_can_enter_or_made_first_is_never_used(tmp_path):
    open_to_others = tmp_path / "others"
    open_to_others.mkdir(mode=0o755)
    open_to_others.chmod(0o755)
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    mine = tmp_path / "mine"
    assert claims.claims_folder([str(open_to_others), str(link), str(mine)]) == str(mine)
    assert (mine.stat().st_mode & 0o777) == 0o700
    with pytest.raises(OSError) as info:
        claims.claims_folder([str(open_to_others), str(tmp_path / "no" / "such")])
    assert "not a private folder" in str(info.value) and "No such file" in str(info.value)
    if os.geteuid() == 0:
        theirs = tmp_path / "theirs"
        theirs.mkdir(mode=0o700)
        os.chown(theirs, 12345, 12345)
        assert claims.claims_folder([str(theirs), str(mine)]) == str(mine)


def test_the_start_is_drawn_among_the_candidates():
    ranges = [(61000, 61009), (70000, 70009)]
    starts = {claims.random_start(ranges, 2) for _ in range(300)}
    assert starts <= set(range(61000, 61010)) | set(range(70000, 70010)) and len(starts) > 10
    assert claims.random_start([(61000, 61001)], 2) == 61000  # no room to choose


def test_in_root_mode_a_uid_an_older_grader_holds_by_its_socket_name_is_skipped(tmp_path):
    """An older grader claimed a uid by binding an abstract socket name; a root-mode batch of this one on the same
    machine must not take that uid (its children have network namespaces of their own: no submission binds
    names there). The uid mode, whose children share the namespace, neither holds nor heeds the names."""
    import socket

    folder = str(tmp_path / "claims")
    os.mkdir(folder, 0o700)
    older = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    older.bind(claims.LEGACY_NAME.format(uid=70000).encode())
    try:
        root = claims.claim_uids(1, start=70000, ranges=[(70000, 70003)], folder=folder, legacy_names=True)
        assert [c.uid for c in root] == [70001]
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with pytest.raises(OSError):  # held by the claim, for older graders to see
            probe.bind(claims.LEGACY_NAME.format(uid=70001).encode())
        probe.close()
        uid_mode = claims.claim_uids(1, start=70000, ranges=[(70000, 70003)], folder=folder)
        assert [c.uid for c in uid_mode] == [70000]
    finally:
        older.close()
