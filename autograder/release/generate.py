"""Regenerate ``release/<ps>/<ps>.ipynb`` from ``source/`` with nbgrader.

The command is ``python -m autograder release [--assignment ID …] [--check]``
(:mod:`autograder.commands.release`).

nbgrader's ``generate_assignment`` (its Python API, configured by the course's
``nbgrader_config.py``) runs in a temporary copy of the course folder, without
a gradebook database, so nothing but the generated files ever lands in the
repository. (``nbgrader autograde`` needs a gradebook: run ``nbgrader
generate_assignment`` in the course folder that grades, not this command.)

First the set-up and data cells of the source notebooks, and their
``requirements.txt`` copies, are written from ``student_side/``
(:mod:`autograder.release.inline`), so that a release notebook runs on its own.

The output is deterministic: the same ``source/`` gives byte-identical
release notebooks on every run, so ``--check`` (and the test suite) can tell a
stale release by comparing bytes. nbgrader 0.9.6 itself adds nothing
run-dependent (its checksums are MD5s of cell content); :func:`normalise`
still writes every notebook in one canonical form and drops per-run cell
metadata, so that a source notebook saved after running it cannot make the
release depend on when it was run.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from autograder.release import inline
from autograder.release.inline import ReleaseError

CONFIG_FILE = "nbgrader_config.py"
#: Files and folders in ``source/<ps>/`` that never belong in a release.
IGNORED = (".ipynb_checkpoints", "__pycache__", "*.pyc", ".DS_Store")
#: Per-run cell metadata that Jupyter/nbclient record when a notebook is executed.
RUN_METADATA = ("execution", "collapsed", "scrolled")


def source_problem_sets(course_dir: Path) -> list[str]:
    """Problem-set ids that have a ``source/<ps>/<ps>.ipynb``, sorted."""
    source = Path(course_dir) / "source"
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())


def _problem_sets(course_dir: Path, problem_sets: Iterable[str] | None) -> list[str]:
    """``problem_sets`` given, else every one with a source notebook."""
    return list(problem_sets) if problem_sets else source_problem_sets(course_dir)


def normalise(notebook_text: str) -> str:
    """The canonical text of a release notebook.

    Outputs and execution counts cleared, per-run cell metadata dropped, and
    serialised the way nbformat writes (which is also what nbgrader writes).
    """
    import nbformat

    nb = nbformat.reads(notebook_text, as_version=nbformat.NO_CONVERT)
    for cell in nb.cells:
        for key in RUN_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nbformat.writes(nb) + "\n"


def _generate_in(work: Path, problem_sets: list[str]) -> None:
    """Run nbgrader's generate_assignment for each problem set in the course copy ``work``.

    Without the gradebook: ``no_database`` and the pipeline minus ``SaveCells``
    (the one step that only writes to the database; it does not touch the
    notebook). The output is byte-identical to a stock run (a test checks), and
    it takes a fraction of a second instead of seconds per problem set, since
    every stock Gradebook connection spawns an ``alembic`` process.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import SaveCells
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG_FILE, path=str(work)).load_config()
    # The course config derives the root from its own location; pin it anyway.
    config.CourseDirectory.root = str(work)
    config.GenerateAssignment.no_database = True
    config.GenerateAssignment.preprocessors = [
        step for step in GenerateAssignment.class_traits()["preprocessors"].default()
        if step is not SaveCells
    ]
    api = NbGraderAPI(config=config)
    for ps in problem_sets:
        result = api.generate_assignment(ps, force=True, create=True)
        if not result.get("success"):
            raise ReleaseError(
                f"nbgrader generate_assignment failed for {ps}:\n"
                f"{result.get('log', '')}\n{result.get('error', '')}"
            )


def _generated_files(release_ps: Path) -> dict[str, bytes]:
    """Relative path -> bytes of everything nbgrader generated for one problem set."""
    files = {}
    for path in sorted(release_ps.rglob("*")):
        if path.is_file():
            rel = path.relative_to(release_ps).as_posix()
            data = path.read_bytes()
            if path.suffix == ".ipynb":
                data = normalise(data.decode("utf-8")).encode("utf-8")
            files[rel] = data
    return files


def render_release(course_dir: Path, problem_sets: Iterable[str] | None = None) -> dict[str, dict[str, bytes]]:
    """What ``release/`` should contain: problem-set id -> {relative path: bytes}.

    The source notebooks as ``student_side/`` makes them (:func:`inline.source_updates`), released by
    nbgrader. Writes nothing outside a temporary directory.
    """
    course_dir = Path(course_dir).resolve()
    if not (course_dir / CONFIG_FILE).is_file():
        raise ReleaseError(f"{course_dir} is not a course folder: it has no {CONFIG_FILE}")
    problem_sets = _problem_sets(course_dir, problem_sets)
    for ps in problem_sets:
        if not (course_dir / "source" / ps / f"{ps}.ipynb").is_file():
            raise ReleaseError(f"no source notebook source/{ps}/{ps}.ipynb")
    if not problem_sets:
        return {}
    with tempfile.TemporaryDirectory(prefix="probdl-release-") as tmp:
        work = Path(tmp) / "course"
        work.mkdir()
        shutil.copy2(course_dir / CONFIG_FILE, work / CONFIG_FILE)
        for ps in problem_sets:
            shutil.copytree(course_dir / "source" / ps, work / "source" / ps,
                            ignore=shutil.ignore_patterns(*IGNORED))
        shutil.copytree(course_dir / inline.STUDENT_SIDE, work / inline.STUDENT_SIDE,
                        ignore=shutil.ignore_patterns(*IGNORED))
        for path, data in inline.source_updates(work, problem_sets).items():
            path.write_bytes(data)
        _generate_in(work, problem_sets)
        return {ps: _generated_files(work / "release" / ps) for ps in problem_sets}


def generate_release(course_dir: Path, problem_sets: Iterable[str] | None = None,
                     out_dir: Path | None = None) -> list[Path]:
    """Regenerate ``<out_dir>/<ps>/`` for each problem set from ``source/`` with nbgrader.

    First the set-up and data cells of ``source/<ps>/<ps>.ipynb`` and ``source/<ps>/requirements.txt``
    are written from ``student_side/`` (:func:`inline.source_updates`; :class:`ReleaseError` when a
    file there is missing or malformed).

    Parameters
    ----------
    course_dir : Path
        The nbgrader course folder (holding ``nbgrader_config.py`` and ``source/``).
    problem_sets : iterable of str, optional
        Problem-set ids; default: every ``source/<ps>/<ps>.ipynb``.
    out_dir : Path, optional
        Where to write; default ``<course_dir>/release``. Each ``<out_dir>/<ps>/``
        is made to hold exactly the generated files (stale extra files are removed).

    Returns
    -------
    list of Path
        The release notebooks written, in problem-set order.
    """
    course_dir = Path(course_dir).resolve()
    out_dir = course_dir / "release" if out_dir is None else Path(out_dir)
    for path, data in inline.source_updates(course_dir, _problem_sets(course_dir, problem_sets)).items():
        path.write_bytes(data)
    rendered = render_release(course_dir, problem_sets)
    notebooks = []
    for ps, files in rendered.items():
        target = out_dir / ps
        target.mkdir(parents=True, exist_ok=True)
        for old in sorted(target.rglob("*"), reverse=True):   # (deepest first: a folder after its files)
            if old.is_file() and old.relative_to(target).as_posix() not in files:
                old.unlink()
            elif old.is_dir() and not any(old.iterdir()):
                old.rmdir()
        for rel, data in files.items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.is_file() or path.read_bytes() != data:
                path.write_bytes(data)
        notebooks.append(target / f"{ps}.ipynb")
    return notebooks


def stale_files(course_dir: Path, problem_sets: Iterable[str] | None = None) -> list[str]:
    """Paths under ``release/`` that differ from what ``source/`` generates.

    Missing, changed and extra files are all stale; with no ``problem_sets``
    given, a ``release/<ps>/`` whose source is gone is stale too. A file of
    ``source/`` that release would rewrite from ``student_side/``
    (:func:`inline.source_updates`) is listed first.
    """
    course_dir = Path(course_dir).resolve()
    release = course_dir / "release"
    stale = [f"{path.relative_to(course_dir).as_posix()} (not up to date with {inline.STUDENT_SIDE}/)"
             for path in inline.source_updates(course_dir, _problem_sets(course_dir, problem_sets))]
    rendered = render_release(course_dir, problem_sets)
    for ps, files in rendered.items():
        existing = {
            p.relative_to(release / ps).as_posix()
            for p in (release / ps).rglob("*") if p.is_file()
        } if (release / ps).is_dir() else set()
        for rel in sorted(existing | set(files)):
            path = release / ps / rel
            if rel not in files or not path.is_file() or path.read_bytes() != files[rel]:
                stale.append(f"release/{ps}/{rel}")
    if not problem_sets and release.is_dir():
        for orphan in sorted(p for p in release.iterdir() if p.is_dir() and p.name not in rendered):
            stale.append(f"release/{orphan.name}/ (no source/{orphan.name}/{orphan.name}.ipynb)")
    return stale
