"""``summary.json``: one schema, written by ``autograde`` and by ``merge``.

::

    {"schema": 1,
     "submissions", "graded", "skipped_existing", "failed_to_grade", "zygote_restarts",   # counts
     "failures": [{"student", "assignment", "error"}],        # no results.json (the instructor's to fix)
     "grading_errors": [{"student", "assignment", "error"}],  # score 0 recorded, the grader failed on it
     "not_graded": [{"path", "reason", "suggestion"}],        # under submitted/, not graded
     "warnings": [...], "interrupted": bool,
     "incidents": [{"kind", "submission", "detail", "at_s", "until_s", "graded_again"}],  # the disk (uid mode;
                                                              # on a Dask cluster also "worker")
     "lost_workers": [{"worker", "name", "at_s", "notebooks"}],  # Dask workers lost mid-batch, and the notebooks
                                                              # in flight there (graded again on other workers)
     "duration_s", "notebooks_per_s", "workers", "shard", "submitted_dir", "results_dir",
     "sandbox": {"mode", …, "line"},                          # how the submissions were isolated; "line" in words
     "shards": [<the same batch fields, one object per shard>],   # merge only, else []
     "class_summary": {...} or null}                        # the --json object, once reports are written

A batch (``autograde``) is one element; ``merge`` combines its shards'
(:func:`combine`: counts added, lists joined, the longest duration, the
sandboxes listed when they differ). The engine writes the batch fields when
it finishes; the reports add ``class_summary`` once they are written.
Readers (:func:`read_batches`) also accept the earlier forms (a bare batch
object, or ``merged_shards``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autograder.model.files import StrPath, write_json_atomic

SCHEMA = 1
COUNTS = ("submissions", "graded", "skipped_existing", "failed_to_grade", "zygote_restarts")
LISTS = ("failures", "grading_errors", "not_graded", "warnings", "incidents", "lost_workers")


def sandbox_line(sb: dict[str, Any]) -> str:
    """How strong the sandbox was, in one line: its mode, the uid, the network, the course's files, what it
    does not isolate, and its warning (``summary.json``'s ``sandbox.line``, the terminal, report.html,
    Gradescope's output). Fields are read defensively: a sandbox of another version may lack some."""
    if not isinstance(sb, dict) or not sb:
        return ""
    mode = sb.get("mode")
    parts = [f"mode {mode}" + (" (root without namespaces)" if mode == "uid" else "")] \
        if isinstance(mode, str) and mode else []
    parts.append("unprivileged uid per slot" if sb.get("uid_drop") else "same uid as the grader")
    parts.append("no network" if sb.get("netns") else "no network (seccomp filter)" if sb.get("network") == "seccomp"
                 else "network NOT isolated")
    parts.append("course files hidden" if sb.get("mountns") else "course files hidden (Landlock)"
                 if sb.get("files") == "landlock" else "course files NOT hidden")
    gaps = sb.get("not_isolated")
    if isinstance(gaps, list) and gaps:
        parts.append("not isolated: " + ", ".join(str(g)[:200] for g in gaps[:6]))
    line = "Sandbox: " + "; ".join(parts) + "."
    warning = sb.get("warning")
    return line + (f" WARNING: {warning}" if isinstance(warning, str) and warning else "")


def _unique(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    seen: set[str] = set()
    for item in items:
        key = json.dumps(item, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def combine(batches: list[Any]) -> dict[str, Any]:
    """The batch fields of several batches (shards) as one."""
    batches = [b for b in batches if isinstance(b, dict)]
    if len(batches) == 1:
        return {k: v for k, v in batches[0].items() if k not in ("schema", "shards", "class_summary")}
    out: dict[str, Any] = {k: sum(int(b.get(k) or 0) for b in batches) for k in COUNTS}
    for k in LISTS:
        out[k] = _unique(x for b in batches for x in (b.get(k) if isinstance(b.get(k), list) else []))
    out["duration_s"] = max((float(b.get("duration_s") or 0) for b in batches), default=0.0)
    out["notebooks_per_s"] = round(out["graded"] / out["duration_s"], 3) if out["duration_s"] else 0.0
    out["workers"] = sum(int(b.get("workers") or 0) for b in batches)
    out["interrupted"] = any(bool(b.get("interrupted")) for b in batches)
    out["shard"] = None
    sandboxes = _unique(b["sandbox"] for b in batches if isinstance(b.get("sandbox"), dict) and b["sandbox"])
    out["sandbox"] = sandboxes[0] if len(sandboxes) == 1 else sandboxes
    for k in ("submitted_dir", "results_dir"):
        values = {b.get(k) for b in batches}
        out[k] = values.pop() if len(values) == 1 else None
    return out


def document(batches: list[Any], class_summary: dict[str, Any] | None = None) -> dict[str, Any]:
    """The summary.json object of ``batches`` (one for autograde, the shards for merge)."""
    batches = [b for b in batches if isinstance(b, dict)]
    return {"schema": SCHEMA, **combine(batches), "shards": batches if len(batches) > 1 else [],
            "class_summary": class_summary}


def write(path: StrPath, batches: list[Any], class_summary: dict[str, Any] | None = None) -> Path:
    return write_json_atomic(path, document(batches, class_summary), indent=1, sort_keys=True)


def read(path: StrPath) -> dict[str, Any]:
    """The summary.json object at ``path``; ``{}`` when missing or not a JSON object."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_batches(path: StrPath) -> list[dict[str, Any]]:
    """The batches a summary.json records: its shards, or itself (``[]`` when there is none)."""
    data = read(path)
    if not data:
        return []
    for key in ("shards", "merged_shards"):
        if data.get(key):
            return [b for b in data[key] if isinstance(b, dict)]
    batch = {k: v for k, v in data.items() if k not in ("schema", "shards", "merged_shards", "class_summary")}
    return [batch] if "graded" in batch or "not_graded" in batch or "sandbox" in batch else []
