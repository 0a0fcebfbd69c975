"""Shards' results folders combined into one: which folders hold shards, their submissions copied, conflicts.

Each shard (``autograde --shard i/n``, :func:`autograder.engine.batch_plan.split_shards`) grades a disjoint set
of students and writes ``<student>/<ps>/`` folders. :func:`merge_folders` copies every submission folder
of the shards into one results folder, and refuses two shards that hold different results for the same
submission (:class:`MergeConflict`); :func:`shard_batches` reads what each shard's ``summary.json``
recorded. What spans the class (grades.csv, summary.json, the reports) is then rebuilt from the
per-submission results by their own writers (``python -m autograder merge``).

A folder given may also be a folder of shard folders (what ``actions/download-artifact`` makes of
several artifacts): every folder below it that holds ``<student>/<ps>/results.json`` is taken
(:func:`shard_roots`).
"""

from __future__ import annotations

import filecmp
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autograder.model import summary as summary_file
from autograder.model.files import RESULTS_FILE, SUMMARY_FILE, StrPath
from autograder.model.results import result_files


class MergeConflict(Exception):
    """Two shards hold different results for the same submission."""


def shard_roots(path: StrPath) -> list[Path]:
    """The results folders in ``path``: itself if it holds submissions, else its subfolders that do."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such folder")
    if result_files(path):
        return [path]
    roots = sorted({p.parent.parent.parent for p in path.rglob(RESULTS_FILE)})
    # keep only folders whose results sit at depth <student>/<ps>/results.json
    return [r for r in roots if result_files(r)]


def _copy_submission(src: Path, dst: Path) -> None:
    """Copy a ``<student>/<ps>`` folder, replacing what ``dst`` held (file by file, atomically)."""
    dst.mkdir(parents=True, exist_ok=True)
    for item in sorted(src.rglob("*")):
        target = dst / item.relative_to(src)
        if item.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copy2(item, tmp)
        os.replace(tmp, target)


def merge_folders(results_dirs: Iterable[StrPath], out: StrPath) -> dict[str, Any]:
    """Copy every submission of the shards into ``out``.

    Returns ``{"shards": [folders], "submissions": n, "_roots": [the shard folders as paths]}``. Raises
    :class:`MergeConflict` when two shards hold different results.json for
    one submission (identical duplicates are fine: a shard uploaded twice).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    roots: list[Path] = []
    for d in results_dirs:
        roots += shard_roots(d)
    seen: dict[tuple[str, str], Path] = {}
    for root in roots:
        for results_json in result_files(root):
            folder = results_json.parent
            key = (folder.parent.name, folder.name)
            if key in seen:
                if not filecmp.cmp(seen[key] / RESULTS_FILE, results_json, shallow=False):
                    raise MergeConflict(
                        f"{key[0]}/{key[1]} was graded in two shards with different results: "
                        f"{seen[key]} and {folder}. Shards must split the students (--shard i/n with one n)."
                    )
                continue
            seen[key] = folder
    out_resolved = out.resolve()
    for (student, ps), folder in sorted(seen.items()):
        dst = out / student / ps
        if folder.resolve() != dst.resolve():
            _copy_submission(folder, dst)
    return {"shards": [str(r) for r in roots if r.resolve() != out_resolved] or [str(r) for r in roots],
            "submissions": len(seen), "_roots": roots}


def shard_batches(out: StrPath, roots: Iterable[StrPath]) -> list[dict[str, Any]]:
    """The batches the shards' summary.json files record (a shard may itself be a merge)."""
    out = Path(out)
    batches: list[dict[str, Any]] = []
    for root in roots:
        f = Path(root) / SUMMARY_FILE
        if f.exists() and f.resolve() != (out / SUMMARY_FILE).resolve():
            batches += summary_file.read_batches(f)
    return batches
