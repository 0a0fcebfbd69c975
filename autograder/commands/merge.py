"""``python -m autograder merge RESULTS_DIR… --out DIR``: combine shards into one results folder.

Each shard (``autograde --shard i/n``) grades a disjoint set of students and
writes ``<student>/<ps>/`` folders. Merging copies every submission folder
into ``--out`` and rebuilds what spans the class from the per-submission
results: ``grades.csv``, ``summary.json``, ``report.html``, the feedback pages
and the grade table. The merged folder equals the folder of one unsharded run
(same results.json files, same grades.csv, same report.html). The course's
deadlines (``--course``, or the ``--gradebook`` folder) are applied when the
reports are written, so merging a folder into itself (``merge results --out
results``) recomputes every late penalty and total from the results alone.

A RESULTS_DIR may also be a folder of shard folders (what
``actions/download-artifact`` makes of several artifacts): every folder below
it that holds ``<student>/<ps>/results.json`` is taken.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import sys
from pathlib import Path

from autograder.model.files import RESULTS_FILE
from autograder.model.results import ps_key, result_files

from autograder.model.files import SUMMARY_FILE


class MergeConflict(Exception):
    """Two shards hold different results for the same submission."""


def add_arguments(parser) -> None:
    from autograder.reports import add_report_arguments

    parser.add_argument("results_dirs", nargs="+", metavar="RESULTS_DIR",
                        help="result folders of the shards (or folders holding them)")
    parser.add_argument("--out", required=True, metavar="DIR", help="the merged results folder (created)")
    parser.add_argument("--course", default=None, metavar="DIR",
                        help="the course folder whose deadlines apply (deadlines.toml, or its gradebook's due dates "
                        "and nbgrader_config.py's late policy; default: this repository, or the --gradebook folder)")
    add_report_arguments(parser)


def shard_roots(path) -> list:
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


def merge_folders(results_dirs, out) -> dict:
    """Copy every submission of the shards into ``out``.

    Returns ``{"shards": [folders], "submissions": n}``. Raises
    :class:`MergeConflict` when two shards hold different results.json for
    one submission (identical duplicates are fine: a shard uploaded twice).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    roots = []
    for d in results_dirs:
        roots += shard_roots(d)
    seen: dict = {}
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


def write_grades_csv(results_dir) -> Path:
    """``grades.csv`` rebuilt from the results.json files, by the one writer the engine uses too."""
    from autograder.model.grades import write_grades_csv as writer

    return Path(writer(results_dir))


def shard_batches(out, roots) -> list:
    """The batches the shards' summary.json files record (a shard may itself be a merge)."""
    from autograder.model import summary as summary_file

    out = Path(out)
    batches = []
    for root in roots:
        f = Path(root) / SUMMARY_FILE
        if f.exists() and f.resolve() != (out / SUMMARY_FILE).resolve():
            batches += summary_file.read_batches(f)
    return batches


def merge(results_dirs, out, console=None, json_output=False, gradebook=None, reports=True, deadlines=None,
          course=None, publish_answers=False) -> dict:
    """Merge shards into ``out``; write grades.csv, summary.json and (``reports``) the reports, then print.

    summary.json has the schema of one batch's (:mod:`autograder.model.summary`):
    the shards' counts added, their lists joined, each shard under ``shards``,
    and the class once the reports are written. Every file is written before
    anything is printed (a closed pipe loses output, never summary.json).
    """
    from autograder.model import summary as summary_file
    from autograder.model.files import hand_over
    from autograder.reports import show_reports, write_reports

    info = merge_folders(results_dirs, out)
    roots = info.pop("_roots")
    write_grades_csv(out)
    if not reports and deadlines is not None:
        from autograder.reports import apply_deadlines

        apply_deadlines(out, deadlines)
    # the shards' batches first, so that the reports see what they did not grade and their sandboxes
    summary_file.write(Path(out) / SUMMARY_FILE, shard_batches(out, roots))
    data = info
    if reports:
        data = write_reports(out, gradebook=gradebook, show=False, deadlines=deadlines, course=course,
                             publish_answers=publish_answers)
        data["merged"] = info
    hand_over(out)
    if reports:
        show_reports(out, data, console=console, json_output=json_output)
        if not json_output:
            _print_not_graded(data, console)
    return data


def _print_not_graded(data, console) -> None:
    not_graded = data.get("not_graded") or []
    if not_graded and console is not None:
        console.print(f"Not graded ({len(not_graded)}):", markup=False, highlight=False)
        for n in not_graded[:20]:
            console.print(f"  {n['path']}: {n['reason']}" + (f" — {n['suggestion']}" if n["suggestion"] else ""),
                          markup=False, highlight=False)


def run(args) -> int:
    from autograder.reports.table import make_console

    from autograder.model.deadlines import DeadlinesError
    from autograder.reports.course_deadlines import course_folder, load

    console = make_console(stderr=args.json)
    try:
        deadlines = load(course_folder(args.gradebook, args.course))
        merge(args.results_dirs, args.out, console=console, json_output=args.json,
              gradebook=args.gradebook, reports=not args.no_reports, deadlines=deadlines,
              course=course_folder(args.gradebook, args.course), publish_answers=args.publish_answers)
    except (MergeConflict, FileNotFoundError, DeadlinesError) as exc:
        print(f"merge: {exc}", file=sys.stderr)
        return 1
    return 0


__all__ = ["MergeConflict", "merge", "merge_folders", "shard_roots", "write_grades_csv", "ps_key"]
