"""Red team of the release: what a student holding ``release/`` can dig out of it, looked for as they would.

tests/test_release.py checks the release cell by cell (no solution or hidden-test line in a cell's source,
no outputs, only the notebook and requirements.txt) and tests/test_derivations.py looks for the worked
answers' words. A student does not read only cell sources: they read the whole file. So here every file of
``release/`` is taken apart as an attacker would:

* every string anywhere in the notebook's JSON (notebook and cell metadata, attachments, ids, outputs),
  and every attachment decoded;
* every run of base64 or hex in any of those strings decoded, and what decodes further decompressed (zlib,
  gzip, bzip2, lzma, a zip or ``.npz``);
* then searched for: a line of the references (``solutions/``), of the problem set's hidden checks
  (``autograder/checks/``), of a source solution region or hidden-test region, the derivations' model
  answers and rubrics, nbgrader's region markers, the seeds the hidden probes are drawn with, the hidden
  probes' own numbers (any value of a hidden input with at least 8 significant digits, written as Python
  or NumPy would print it), and where the course lives on the machine that built the release.

Nothing may be found. docs/threat-model.md ("The release") says what this guarantees.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import contextlib
import gzip
import io
import json
import lzma
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from autograder.checks.by_name import checks_for
from autograder.model import derivations
from autograder.model.course import ROOT

RELEASED = sorted(p.parent.name for p in (ROOT / "release").glob("*/*.ipynb") if p.stem == p.parent.name)
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN MARK SCHEME")
BLOB = re.compile(r"[A-Za-z0-9+/=_-]{40,}")
HEX = re.compile(r"(?:[0-9a-fA-F]{2}){20,}")


def strings(value) -> list:
    """Every string in a JSON value (keys included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def unpacked(data: bytes, depth: int = 0) -> list:
    """``data`` and what it decompresses or unzips to (recursively, bounded)."""
    out = [data]
    if depth > 3 or not data:
        return out
    for opener in (zlib.decompress, gzip.decompress, bz2.decompress, lzma.decompress):
        with contextlib.suppress(OSError, ValueError, EOFError, zlib.error, lzma.LZMAError):
            out += unpacked(opener(data), depth + 1)
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for name in zf.namelist()[:100]:
                    out += unpacked(zf.read(name), depth + 1)
        except (zipfile.BadZipFile, OSError, ValueError):
            pass
    return out


def decoded_blobs(text: str) -> list:
    """What every base64 or hex run of ``text`` decodes (and decompresses) to."""
    out = []
    for run in BLOB.findall(text):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            with contextlib.suppress(binascii.Error, ValueError):
                out += unpacked(decode(run + "=" * (-len(run) % 4)))
    for run in HEX.findall(text):
        out += unpacked(bytes.fromhex(run))
    return out


def everything_in(folder: Path) -> list:
    """Every text a student can read out of a release folder, as str."""
    texts = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        texts.append(raw.decode("utf-8", "replace"))
        if path.suffix == ".ipynb":
            nb = json.loads(raw)
            texts += strings(nb)
            texts += ["".join(c.get("source", "")) for c in nb.get("cells", [])]  # each cell whole
    blobs = [b for text in list(texts) for b in decoded_blobs(text)]
    texts += [b.decode("utf-8", "replace") for b in blobs] + [b.decode("latin-1") for b in blobs]
    return texts


def code_lines(path: Path) -> set:
    """The statements of a Python file worth finding: over 20 characters, not a comment, a docstring (the
    formulas there are the lesson's, public) or a signature (the contract's, in every stub)."""
    from tests.test_release import _code_lines  # (the same reading tests/test_release.py makes of solutions/)

    return {line for line in _code_lines(path) if not line.startswith(("def ", "class ", "from ", "import "))}


def region_lines(ps: str) -> set:
    nb = json.loads((ROOT / "source" / ps / f"{ps}.ipynb").read_text(encoding="utf-8"))
    out = set()
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        for region in re.findall(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END", text, re.S):
            out |= {line.strip() for line in region.splitlines() if len(line.strip()) > 20}
    return out


def derivation_lines(ps: str) -> set:
    """Lines of the derivations' model answers and rubrics, but those the question itself states (a "show
    that" states the result to reach: the source's other cells hold that line too)."""
    source = json.loads((ROOT / "source" / ps / f"{ps}.ipynb").read_text(encoding="utf-8"))
    found = derivations.read(source)
    asked = "\n".join("".join(cell["source"]) for cell in source["cells"]
                      if (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id") not in found)
    return {line.strip() for d in found.values() for text in (d.answer, d.rubric) for line in text.splitlines()
            if len(line.strip()) > 30 and line.strip() not in asked}


def hidden_numbers(ps: str) -> set:
    """Spellings of every value of the problem set's hidden probe inputs that has at least 8 significant digits
    (a drawn number, not 0.5 or 1000.0): Python's ``repr`` and NumPy's default print precision."""
    out = set()
    for check in checks_for(ps).values():
        for probe in check.probes:
            if probe.public:
                continue
            for arg in [*probe.args, *probe.kwargs.values()]:
                values = np.asarray(arg, dtype=object).ravel() if isinstance(arg, (list, tuple, np.ndarray)) else [arg]
                for v in values:
                    if isinstance(v, (float, np.floating)) and np.isfinite(v):
                        text = repr(float(v))
                        digits = re.sub(r"[^0-9]", "", text.split("e")[0]).strip("0")
                        if len(digits) >= 8:
                            out.add(text)
                            printed = np.format_float_positional(float(v), precision=8, unique=False, trim="-")
                            if len(re.sub(r"[^0-9]", "", printed).strip("0")) >= 8:
                                out.add(printed)
    return out


def seeds(ps: str) -> set:
    from tests.test_release import checks_modules  # (the same modules tests/test_release.py reads)

    text = "\n".join(path.read_text(encoding="utf-8") for path in checks_modules(ps))
    return set(re.findall(r"default_rng\((\d{4,})\)", text)) | set(re.findall(r"\.seed\((\d{4,})\)", text))


@pytest.fixture(scope="module", params=RELEASED)
def release(request):
    """``(ps, everything a student can read out of release/<ps>/, as one text)``."""
    ps = request.param
    return ps, re.sub(r"\n[ \t]+", "\n", "\n\x00\n".join(everything_in(ROOT / "release" / ps)))


def _found(text: str, needles: set) -> list:
    return sorted(n for n in needles if n in text)


def consecutive(lines: list) -> set:
    """Two statements in a row (``"a\nb"``): reference code, where one line alone may be an idiom the lesson
    itself teaches (``m = np.max(z, axis=axis, keepdims=True)`` is in ps1's lesson on purpose)."""
    return {f"{a}\n{b}" for a, b in zip(lines, lines[1:]) if max(len(a), len(b)) > 20}


def statements(path: Path) -> list:
    """The statement lines of a Python file in order, indentation stripped, comments and docstrings left out."""
    keep = code_lines(path) | {line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                               if 8 < len(line.strip()) <= 20 and not line.strip().startswith("#")}
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip() in keep]


def source_regions(ps: str, kind: str) -> list:
    nb = json.loads((ROOT / "source" / ps / f"{ps}.ipynb").read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        for region in re.findall(rf"### BEGIN {kind}\n(.*?)### END", "".join(cell["source"]), re.S):
            out.append([line.strip() for line in region.splitlines() if line.strip() and not line.strip().startswith("#")])
    return out


def test_no_reference_code_anywhere_in_the_files(release):
    """Two statements in a row of the references (``solutions/``) or of a source solution region."""
    ps, texts = release
    needles = consecutive(statements(ROOT / "solutions" / f"{ps}.py"))
    for region in source_regions(ps, "SOLUTION"):
        needles |= consecutive(region)
    assert len(needles) > 20
    assert _found(texts, needles) == []


def test_no_line_of_the_hidden_checks_anywhere_in_the_files(release):
    """Two statements in a row of the problem set's hidden checks; any line of a source hidden-test region."""
    ps, texts = release
    from tests.test_release import checks_modules  # (the same modules tests/test_release.py reads)

    needles = set().union(*(consecutive(statements(path)) for path in checks_modules(ps)))
    needles |= {line for region in source_regions(ps, "HIDDEN TESTS") for line in region if len(line) > 20}
    assert len(needles) > 20
    assert _found(texts, needles) == []


def test_no_model_answer_rubric_or_nbgrader_marker_anywhere_in_the_files(release):
    ps, texts = release
    assert _found(texts, derivation_lines(ps) | set(MARKERS)) == []


def test_no_seed_or_number_of_a_hidden_probe_anywhere_in_the_files(release):
    ps, texts = release
    found = _found(texts, seeds(ps)) + sorted(hidden_numbers(ps) & numbers_standing_alone(texts))
    assert found == []


DIGITS = frozenset("0123456789")  # (str.isdigit would take "²" and "٣" too; the regular expression's [0-9] does not)
#: the characters of a number's spelling (``repr`` and NumPy's positional print: ``-1.2345678901e-05``)
NUMBER_CHARS = frozenset("-+.0123456789e")


def numbers_standing_alone(text: str) -> set:
    """Every substring of ``text`` made of :data:`NUMBER_CHARS` that starts with a digit or ``-`` and has no digit
    right before or right after it: exactly the spellings ``n`` for which ``re.search(rf"(?<![0-9]){n}(?![0-9])",
    text)`` would find ``n``. One pass over the text, instead of one search per hidden number (ps5's probes
    spell 492,128 of them: 20 CPU-seconds of ``in`` tests against 0.1 s for this)."""
    out = set()
    end = len(text)
    for start, char in enumerate(text):
        if char not in "-0123456789" or (start and text[start - 1] in DIGITS):
            continue
        stop = start
        while stop < end and text[stop] in NUMBER_CHARS:
            stop += 1
            if stop == end or text[stop] not in DIGITS:
                out.add(text[start:stop])
    return out


def test_no_path_of_the_machine_that_built_it(release):
    ps, texts = release
    assert _found(texts, {str(ROOT), "/home/", "/root/", "solutions/", "autograder/checks"}) == []


def test_the_attacker_finds_what_is_planted():
    """The controls: each search finds its target when it is there, hidden as an attacker's peer would hide it
    (a reference line base64-encoded in metadata, a seed in an attachment, a hidden number compressed)."""
    ps = RELEASED[0]
    line = sorted(consecutive(statements(ROOT / "solutions" / f"{ps}.py")))[0]
    number = sorted(hidden_numbers(ps))[0]
    seed = sorted(seeds(ps))[0]
    nb = json.loads((ROOT / "release" / ps / f"{ps}.ipynb").read_text(encoding="utf-8"))
    nb["metadata"]["x"] = base64.b64encode(line.encode()).decode()
    nb["cells"][0].setdefault("attachments", {})["a.txt"] = {"text/plain": base64.b64encode(
        zlib.compress(f"seed {seed} value {number}".encode())).decode()}
    texts = strings(nb)
    texts = re.sub(r"\n[ \t]+", "\n", "\n".join(texts + [b.decode("latin-1") for t in list(texts)
                                                          for b in decoded_blobs(t)]))
    assert _found(texts, {line}) == [line]
    assert _found(texts, {seed}) == [seed]
    assert _found(texts, {number}) == [number]
    assert number in numbers_standing_alone(texts)
    assert seeds(ps) and hidden_numbers(ps), "there are hidden probes to look for"


def test_numbers_standing_alone_finds_what_a_search_with_digit_boundaries_finds():
    """The one-pass index against the plain search it replaces, on spellings around every kind of neighbour."""
    needles = ["0.12345678901", "-0.12345678901", "1.2345678901e-05", "-1.2345678901e-05", "12345678.0",
               "2.12345678", "1.2345678"]
    text = ("a0.12345678901b 5-0.12345678901 x-1.2345678901e-05, 1.2345678901e-050 12345678.05 1.2.12345678\n"
            "--1.2345678901e-05 ²1.2345678 (12345678.0) 1.2345678E5 0.123456789012")
    index = numbers_standing_alone(text)
    searched = {n: bool(re.search(rf"(?<![0-9]){re.escape(n)}(?![0-9])", text)) for n in needles}
    assert {n: n in index for n in needles} == searched
    assert set(searched.values()) == {True, False}, "the text has spellings found and not found"
