"""What one submission may use: :class:`Limits`, the numbers every mode applies (each its own way).

Standard library only: this module runs in the zygote, in the child and in the grader.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Limits:
    """Resource limits of one submission's child process.

    ``timeout_s`` bounds each cell and each call (wall clock, enforced by the
    parent); ``budget_s`` bounds a whole submission; ``cpu_s`` is the child's
    RLIMIT_CPU; ``output_cap`` how much a submission may print (stdout and
    stderr, counted, never kept) before its output is reported truncated;
    ``workdir_mb`` what it may keep on disk (its tmpfs in ``root`` and
    ``userns`` modes, its slot's folder in ``uid`` mode:
    :mod:`autograder.perimeter.supervision.disk_watch`), ``fsize_mb`` the largest file.
    """

    timeout_s: float = 10.0
    memory_mb: int = 2048
    cpu_s: int = 120
    nproc: int = 32
    fsize_mb: int = 16
    nofile: int = 256
    output_cap: int = 1024 * 1024
    max_respawns: int = 10
    budget_s: float = 120.0
    workdir_mb: int = 64

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def workdir_bytes(self) -> int:
        """The bytes a submission may keep in its working folder, ``/tmp`` and ``/dev/shm`` together."""
        return max(1, int(self.workdir_mb)) * 1024 * 1024

    @property
    def workdir_files(self) -> int:
        """The files and folders it may keep there (128 per MB, at least 256: the tmpfs's ``nr_inodes``)."""
        return max(256, max(1, int(self.workdir_mb)) * 128)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})
