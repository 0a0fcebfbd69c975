"""What a result was graded with: the evidence a regrade's reasons are read from.

Every results.json the engine writes records, under ``graded_with``, digests of what decided its points,
so that grading again (``autograde --previous OLD``, :mod:`autograder.model.changes`) can say why a cell
moved from what changed, never from a guess::

    "graded_with": {"grader": "0.1.0", "course": "probdl", "scheme": 1,
                    "checks": {grade_id: digest}, "hints": {grade_id: digest}, "references": {function: digest},
                    "given": digest, "code": {function: digest}, "notebook": digest, "seal": digest}

* ``checks``: each graded cell's check as declared (probes, tolerances, properties judged, forbidden names),
  its hint rules apart in ``hints`` (:mod:`autograder.checks.digest`); ``references``: the source of each
  contract function's reference in ``solutions/``;
* ``given``: the course's source notebook of the problem set (its code cells but the solutions: the code given,
  the test cells; and each graded cell's points);
* ``code``: the student's code of each function (their solution cell as graded); ``notebook``: every cell
  of the student's that ran;
* ``seal``: a digest of the scores the grader gave the autograded cells together with the rest of the
  record. A results.json whose scores were edited after grading no longer matches its seal: a regrade
  then says that the earlier result was edited, not that something in the course changed. It tells an
  edit from a grading, not a forgery (anyone can compute it again): results folders are the instructor's.

A digest is the first 20 hex digits of a SHA-256 (80 bits): enough to tell two versions apart, short in
a file read back bounded like the rest of results.json. ``course`` is the nbgrader ``course_id`` the course
folder's ``nbgrader_config.py`` sets (:func:`course_id`; "" when it sets none), so results of another
course are refused, and ``grader`` the grader's version (a major version's results are not compared
with another's); ``scheme`` how the digests were made (:data:`SCHEME`: two records of different schemes are not
compared digest by digest).
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from autograder.model.files import StrPath

#: How the digests are made: results recorded under another scheme are not compared digest by digest (a digest
#: made another way differs without anything having changed).
SCHEME = 1
#: The grader's distribution, whose version results record.
DISTRIBUTION = "probdl-autograder"
#: Digits of a digest.
DIGEST_DIGITS = 20
#: Longest nbgrader_config.py read for the course's id.
MAX_CONFIG_BYTES = 1 << 20
#: At most this many entries of a table are read back from a file.
MAX_ENTRIES = 400


def grader_version() -> str:
    """This grader's version (``0.1.0``), from its installed metadata ("0" when it is not installed)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "0"


def major(version: str) -> str:
    """The major version of ``version`` (``"0.1.0"`` → ``"0"``; "" when it names none)."""
    head = str(version).strip().split(".", 1)[0]
    return head if head.isdigit() else ""


def digest(*parts: str | bytes) -> str:
    """A short digest of ``parts``, each length-prefixed so that no two sequences collide by concatenation."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()[:DIGEST_DIGITS]


def digest_texts(texts: Iterable[str]) -> str:
    """The digest of a sequence of texts (cells' sources, in order)."""
    return digest(*texts)


def course_id(course_dir: StrPath) -> str:
    """The ``c.CourseDirectory.course_id`` that ``COURSE/nbgrader_config.py`` sets to a string, read as text (the
    file is parsed, never run); "" when there is no such file or line, or it is not a plain string."""
    path = Path(course_dir) / "nbgrader_config.py"
    try:
        with open(path, "rb") as fh:
            source = fh.read(MAX_CONFIG_BYTES)
        tree = ast.parse(source)
    except (OSError, ValueError, SyntaxError, RecursionError):
        return ""
    found = ""
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str) \
                and any(ast.unparse(t) == "c.CourseDirectory.course_id" for t in node.targets):
            found = node.value.value[:200]
    return found


def _table(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k)[:200]: str(v)[:64] for k, v in list(value.items())[:MAX_ENTRIES] if isinstance(v, str)}


def _text(value: Any, limit: int = 200) -> str:
    return value[:limit] if isinstance(value, str) else ""


@dataclass(frozen=True)
class GradedWith:
    """The ``graded_with`` record of one results.json (see the module docstring)."""

    grader: str = ""
    course: str = ""
    scheme: int = SCHEME
    checks: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    given: str = ""
    code: dict[str, str] = field(default_factory=dict)
    notebook: str = ""
    seal: str = ""

    def _unsealed(self) -> dict[str, Any]:
        return {"grader": self.grader, "course": self.course, "scheme": self.scheme, "checks": dict(self.checks),
                "hints": dict(self.hints),
                "references": dict(self.references), "given": self.given, "code": dict(self.code),
                "notebook": self.notebook}

    def sealed(self, scores: Iterable[tuple[str, float | None, float]]) -> GradedWith:
        """This record sealed with ``scores``: ``(cell, points, of points)`` of the autograded cells."""
        return replace(self, seal=self.seal_of(scores))

    def seal_of(self, scores: Iterable[tuple[str, float | None, float]]) -> str:
        """The seal this record would have with ``scores`` (see :meth:`sealed`)."""
        shown = [[name, None if s is None else round(float(s), 6), round(float(m), 6)] for name, s, m in scores]
        return digest(json.dumps([shown, self._unsealed()], sort_keys=True, ensure_ascii=True))

    def to_json(self) -> dict[str, Any]:
        return {**self._unsealed(), "seal": self.seal}

    @classmethod
    def from_json(cls, data: object) -> GradedWith | None:
        """Tolerant and bounded: None unless ``data`` is an object; ill-typed fields take their defaults."""
        if not isinstance(data, dict):
            return None
        scheme = data.get("scheme")
        return cls(grader=_text(data.get("grader"), 40), course=_text(data.get("course")),
                   scheme=scheme if isinstance(scheme, int) and not isinstance(scheme, bool) else 0,
                   checks=_table(data.get("checks")), hints=_table(data.get("hints")),
                   references=_table(data.get("references")), given=_text(data.get("given"), 64),
                   code=_table(data.get("code")), notebook=_text(data.get("notebook"), 64),
                   seal=_text(data.get("seal"), 64))


def code_digests(student_code: Mapping[str, str]) -> dict[str, str]:
    """``{function: digest}`` of a result's ``student_code``."""
    return {name: digest(text) for name, text in student_code.items()}


def completed(shared: GradedWith, own: GradedWith | None, student_code: Mapping[str, str],
              scores: Iterable[tuple[str, float | None, float]]) -> GradedWith:
    """``shared`` (a problem set's part, :func:`autograder.checks.digest.problem_set_evidence`) completed with a
    result's own: its code (``student_code``), the notebook digest the engine recorded (``own``), and the seal of
    its ``scores`` (``SubmissionResult.autograded_scores``)."""
    record = replace(shared, code=code_digests(student_code), notebook=own.notebook if own is not None else "")
    return record.sealed(scores)
