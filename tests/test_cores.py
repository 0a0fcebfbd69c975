"""autograder/model/cores.py: the cores a process may use, its cgroup's CPU quota counted.

The quota is read from files laid out as the kernel lays them out (cgroup v2's ``cpu.max``, v1's
``cpu.cfs_quota_us``/``cpu.cfs_period_us``, found through /proc/self/cgroup and /proc/self/mountinfo), in
folders made here; then once for real, in a cgroup this test makes on the machine's own CPU hierarchy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from autograder.model.cores import PROC_CGROUP, PROC_MOUNTINFO, _mount, cores, quota
from autograder.model.course import ROOT

V2_MOUNT = "30 23 0:26 {root} {point} rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
V1_MOUNT = "32 31 0:29 {root} {point} rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"


def _tree(tmp_path: Path, mount: str, membership: str, root: str = "/") -> tuple[Path, Path, Path]:
    """``(cgroup file, mountinfo file, mount point)``: the files a process reads to find its cgroups."""
    point = tmp_path / "cgroup"
    point.mkdir()
    cgroup, mountinfo = tmp_path / "cgroup.txt", tmp_path / "mountinfo.txt"
    cgroup.write_text(membership)
    mountinfo.write_text("25 1 8:1 / / rw - ext4 /dev/sda1 rw\n" + mount.format(root=root, point=point))
    return cgroup, mountinfo, point


def _write(folder: Path, **files: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_", ".", 1)).write_text(text + "\n")


def test_v2_the_tightest_quota_on_the_way_up_counts(tmp_path):
    cgroup, mountinfo, point = _tree(tmp_path, V2_MOUNT, "0::/ci/job/grader\n")
    _write(point / "ci", cpu_max="max 100000")
    _write(point / "ci" / "job", cpu_max="150000 100000")  # 1.5 cores: the job's limit binds the grader below it
    _write(point / "ci" / "job" / "grader", cpu_max="max 100000")
    assert quota(cgroup, mountinfo) == 1.5


def test_v2_without_a_quota_anywhere_there_is_none(tmp_path):
    cgroup, mountinfo, point = _tree(tmp_path, V2_MOUNT, "0::/user.slice\n")
    _write(point / "user.slice", cpu_max="max 100000")
    assert quota(cgroup, mountinfo) is None


def test_v1_the_cpu_hierarchy_is_read_and_minus_one_is_no_quota(tmp_path):
    cgroup, mountinfo, point = _tree(tmp_path, V1_MOUNT, "4:memory:/x\n3:cpu,cpuacct:/docker/abc\n1:name=systemd:/\n")
    _write(point, cpu_cfs_quota_us="-1", cpu_cfs_period_us="100000")
    _write(point / "docker", cpu_cfs_quota_us="400000", cpu_cfs_period_us="100000")
    _write(point / "docker" / "abc", cpu_cfs_quota_us="-1", cpu_cfs_period_us="100000")
    assert quota(cgroup, mountinfo) == 4.0


def test_inside_a_container_its_own_cgroup_is_the_mount_point(tmp_path):
    """A container's cgroup file system is mounted from its own cgroup: /proc/self/cgroup names the path from the
    host's root, and the mount's root field says which part of it the mount point already is."""
    cgroup, mountinfo, point = _tree(tmp_path, V2_MOUNT, "0::/system.slice/docker-1.scope\n",
                                     root="/system.slice/docker-1.scope")
    _write(point, cpu_max="200000 100000")
    assert quota(cgroup, mountinfo) == 2.0


def test_a_mount_point_with_a_space_or_a_tab_is_found(tmp_path):
    """mountinfo writes space, tab, newline and backslash in a mount point as octal escapes (``\\040``, ``\\011``)."""
    point = tmp_path / "my cgroups\tv2"
    _write(point / "job", cpu_max="250000 100000")
    cgroup, mountinfo = tmp_path / "cgroup.txt", tmp_path / "mountinfo.txt"
    cgroup.write_text("0::/job\n")
    escaped = str(point).replace(" ", "\\040").replace("\t", "\\011")
    mountinfo.write_text(V2_MOUNT.format(root="/", point=escaped))
    assert quota(cgroup, mountinfo) == 2.5


def test_unreadable_or_garbled_files_mean_no_quota(tmp_path):
    assert quota(tmp_path / "missing", tmp_path / "missing") is None
    cgroup, mountinfo, point = _tree(tmp_path, V2_MOUNT, "garbage\n0::/a\n")
    _write(point / "a", cpu_max="lots of cores")
    assert quota(cgroup, mountinfo) is None
    (point / "a" / "cpu.max").write_bytes(b"\xff\xfe 100000\n")
    assert quota(cgroup, mountinfo) is None


def test_a_cgroup_named_in_bytes_that_are_not_utf8_is_read(tmp_path):
    """A cgroup's folder name may be any bytes: the path in /proc/self/cgroup is taken as the kernel wrote it."""
    cgroup, mountinfo, point = _tree(tmp_path, V2_MOUNT, "")
    cgroup.write_bytes(b"0::/job-\xe9\n")
    folder = os.fsdecode(os.fsencode(point) + b"/job-\xe9")
    _write(Path(folder), cpu_max="300000 100000")
    assert quota(cgroup, mountinfo) == 3.0


def test_cores_is_at_most_the_affinity_and_the_machine_and_at_least_one():
    assert 1 <= cores() <= (os.cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        assert cores() <= len(os.sched_getaffinity(0))


def _cpu_hierarchy() -> tuple[str, Path] | None:
    """``(kind, folder)`` where this machine lets this test make a cgroup with a CPU quota: the v1 cpu hierarchy,
    or a v2 hierarchy whose root hands the cpu controller down; None elsewhere (not root, no such mount)."""
    try:
        mounts = PROC_MOUNTINFO.read_text().splitlines()
    except OSError:
        return None
    v1 = _mount(mounts, "cgroup", "cpu")
    if v1 is not None and os.access(v1[1], os.W_OK):
        return "v1", v1[1]
    v2 = _mount(mounts, "cgroup2", None)
    if v2 is not None and os.access(v2[1], os.W_OK) and "cpu" in (v2[1] / "cgroup.subtree_control").read_text():
        return "v2", v2[1]
    return None


def test_a_real_cgroup_quota_of_one_core_gives_one_core():
    """A process moved into a cgroup made here, with a quota of one core, counts one core (this machine has two)."""
    found = _cpu_hierarchy() if os.geteuid() == 0 and PROC_CGROUP.exists() else None
    if found is None:
        pytest.skip("needs root and a cgroup hierarchy with the cpu controller to make a cgroup in (CI runs as root)")
    kind, point = found
    folder = point / f"probdl-cores-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    try:
        if kind == "v1":
            (folder / "cpu.cfs_period_us").write_text("100000")
            (folder / "cpu.cfs_quota_us").write_text("100000")
        else:
            (folder / "cpu.max").write_text("100000 100000")
        code = (f"import os; open({str(folder / 'cgroup.procs')!r}, 'w').write(str(os.getpid())); "
                "from autograder.model.cores import cores, quota; print(quota(), cores())")
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["1.0", "1"], proc.stdout
    finally:
        folder.rmdir()
