"""Read the real-code corpus: implementations of the contract's functions taken from public repositories.

The specimens are other people's code, so they are never committed: a developer keeps them on their machine in
``testkit/corpus/specimens/`` (ignored by git), or wherever ``PROBDL_CORPUS`` names (testkit/corpus/README.md).
What the repository holds is this machinery and ``testkit/corpus/fixtures/``: a few specimens written here, in the
same format (``repo: here``), on which the tests run the machinery.

Each specimen is one file ``<folder>/<problem set>/<id>.py.txt``: a header of
``# key: value`` comment lines, a blank line, then the source of one solution cell (the contract
function, the helpers and classes it needs, its imports). The header says where the code comes from
and what an independent reference found wrong in it (``testkit/corpus/README.md`` defines every key).
The files are ``.py.txt`` so that neither ruff nor the import-layer test reads other people's code as
ours; the source is plain Python and runs as it stands.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.model.course import FUNCTIONS, problem_set_of_function
from autograder.model.ids import MAX_FOLDER_CHARS

HERE = Path(__file__).resolve().parent
#: The real code: a developer's own copy, never committed (``PROBDL_CORPUS`` names another folder).
SPECIMENS = Path(os.environ.get("PROBDL_CORPUS") or HERE / "specimens")
#: Specimens written here, in the corpus's format, that exercise its machinery (committed).
FIXTURES = HERE / "fixtures"
#: The ``repo`` of a specimen written in this repository (a fixture): it has no url and no other licence.
WRITTEN_HERE = "here"
SUFFIX = ".py.txt"

#: what an independent reference can find wrong, by the contract's words (docs/contract.md)
PROPERTIES = ("values", "shape", "axis", "temperature", "stability", "edges", "errors", "purity", "forbidden")
REQUIRED = ("id", "function", "label", "repo", "path", "url", "licence", "adapted")
OPTIONAL = ("commit", "broken", "mistake", "hint")
_HEADER = re.compile(r"^# ([a-z_]+): ?(.*)$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class CorpusSpecimen:
    """One real implementation of one contract function, adapted to the contract by glue only.

    ``source`` is the solution cell (header dropped); ``broken`` the properties the reference found
    wrong (empty for a correct one); ``hint`` a regular expression (case-insensitive) that the grader's
    hint for a broken one must match to name its mistake.
    """

    id: str
    function: str
    label: str
    repo: str
    path: str
    url: str
    licence: str
    adapted: str
    source: str
    commit: str = ""
    broken: tuple = ()
    mistake: str = ""
    hint: str = ""
    file: str = ""

    @property
    def correct(self) -> bool:
        return self.label == "correct"

    @property
    def problem_set(self) -> str:
        return problem_set_of_function(self.function)

    @property
    def glue_lines(self) -> list:
        """The lines of ``source`` marked ``# glue``: what was written here, not taken from the repository."""
        return [line for line in self.source.splitlines() if line.rstrip().endswith("# glue")]


def parse(text: str, file: str = "<text>") -> CorpusSpecimen:
    """A specimen from its file's text; ``ValueError`` naming the file and the key for a malformed header."""
    lines = text.splitlines(keepends=True)
    fields, body_at = {}, len(lines)
    for n, line in enumerate(lines):
        if not line.strip():
            body_at = n + 1
            break
        match = _HEADER.match(line.rstrip("\n"))
        if match is None:
            raise ValueError(f"{file}: header line {n + 1} is not '# key: value': {line!r}")
        key, value = match.groups()
        if key not in REQUIRED + OPTIONAL:
            raise ValueError(f"{file}: unknown header key {key!r} (known: {', '.join(REQUIRED + OPTIONAL)})")
        if key in fields:
            raise ValueError(f"{file}: header key {key!r} given twice")
        fields[key] = value.strip()
    missing = [k for k in REQUIRED if not fields.get(k)]
    if missing:
        raise ValueError(f"{file}: header lacks {', '.join(missing)}")
    fields["broken"] = tuple(p.strip() for p in fields.get("broken", "").split(",") if p.strip())
    specimen = CorpusSpecimen(**fields, source="".join(lines[body_at:]), file=file)
    _validate(specimen)
    return specimen


def _validate(s: CorpusSpecimen) -> None:
    where = s.file
    if not _ID.match(s.id):
        raise ValueError(f"{where}: id {s.id!r} is not lower-case letters, digits, '-', '_' and '.'")
    if len(s.id) > MAX_FOLDER_CHARS:  # (the id is the student folder the corpus hands in: a results folder name)
        raise ValueError(f"{where}: id {s.id!r} has {len(s.id)} characters, more than the {MAX_FOLDER_CHARS} of a "
                         "results folder (autograder/model/ids.py): shorten the repository part and say so in 'adapted'")
    if s.function not in {fn for fns in FUNCTIONS.values() for fn in fns}:
        raise ValueError(f"{where}: function {s.function!r} is not a contract function")
    if s.label not in ("correct", "broken"):
        raise ValueError(f"{where}: label must be 'correct' or 'broken', not {s.label!r}")
    if not (_REPO.match(s.repo) or s.repo == WRITTEN_HERE):
        raise ValueError(f"{where}: repo {s.repo!r} is not owner/name (or {WRITTEN_HERE!r}, for a fixture)")
    if s.commit and not re.fullmatch(r"[0-9a-f]{40}", s.commit):
        raise ValueError(f"{where}: commit {s.commit!r} is not 40 hex digits")
    unknown = set(s.broken) - set(PROPERTIES)
    if unknown:
        raise ValueError(f"{where}: broken names unknown properties {sorted(unknown)} (known: {', '.join(PROPERTIES)})")
    if s.correct and (s.broken or s.mistake or s.hint):
        raise ValueError(f"{where}: a correct specimen has no broken, mistake or hint")
    if not s.correct and not (s.broken and s.mistake and s.hint):
        raise ValueError(f"{where}: a broken specimen needs broken, mistake and hint")
    if s.hint:
        re.compile(s.hint)
    if not re.search(rf"^def {s.function}\(", s.source, re.M):
        raise ValueError(f"{where}: the source defines no top-level `def {s.function}(`")


@functools.cache
def specimens(folder: Path = SPECIMENS, only_the_course: bool = False) -> tuple:
    """Every specimen under ``folder`` (the developer's real-code corpus by default: none where there is no copy),
    sorted by problem set then id; ids are unique. ``only_the_course``: leave out those of a function the course no
    longer asks for (read no further than their header's ``function:`` line)."""
    found = []
    contract = {fn for fns in FUNCTIONS.values() for fn in fns}
    for path in sorted(folder.glob(f"*/*{SUFFIX}")):
        text = path.read_text(encoding="utf-8")
        named = re.search(r"^#?\s*function:\s*(\S+)", text.split("\n\n", 1)[0], re.M)
        if only_the_course and named and named.group(1) not in contract:
            continue
        specimen = parse(text, str(path))
        if path.name != specimen.id + SUFFIX or path.parent.name != specimen.problem_set:
            raise ValueError(f"{path}: must be {folder}/{specimen.problem_set}/{specimen.id}{SUFFIX}")
        found.append(specimen)
    ids = [s.id for s in found]
    duplicated = {i for i in ids if ids.count(i) > 1}
    if duplicated:
        raise ValueError(f"specimen ids given twice: {sorted(duplicated)}")
    return tuple(found)


def fixtures() -> tuple:
    """The specimens written here (:data:`FIXTURES`) of the functions the course asks for (a fixture of a function taken
    out of the course stays in its folder, unused: ``python -m tests.declared`` names it)."""
    return specimens(FIXTURES, only_the_course=True)


def by_id(specimen_id: str, folder: Path = SPECIMENS) -> CorpusSpecimen:
    for specimen in specimens(folder):
        if specimen.id == specimen_id:
            return specimen
    raise KeyError(specimen_id)
