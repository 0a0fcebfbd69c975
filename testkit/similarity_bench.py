"""The similarity benchmark's class: real independent code, copies disguised by script and by hand, and authors
who share a starter; the same pairs scored by the report, by copydetect as it comes and by Dolos.

The students of one function (each hands in a notebook of the release with that function's cell written):

* ``real-<id>``: with ``real=True``, an implementation from a public repository (``testkit/realcode/specimens``,
  and the real-code corpus), one repository each: other people's code, kept on a developer's machine and never
  committed (testkit/realcode/README.md), so the tests' class has none;
* ``ind-<i>``/``ref``: :data:`testkit.independent.INDEPENDENT` and the reference solution, written apart;
* ``scripted-<id>``: a copy of one of the above by :func:`testkit.copier.disguise`: renamed, laid out anew,
  and at least one of issue 52's rewrites (an alias, ``if True:``, an instance, a class method, a decoy,
  ufuncs, keywords, a loop over rows) among ``steps`` transformations;
* ``hand-<name>``: a copy rewritten by hand (``testkit/realcode/heldout``), written before the
  normalisation was and never tuned on;
* ``tuning-<name>``: more copies rewritten by hand (``testkit/realcode/tuning``), written after the
  held-out set to choose the report's thresholds on;
* ``starter-<i>``: three authors who filled in the same starter code (:data:`STARTERS`: lines written here in
  the forms real code takes, put into a scaffold the course hands out, which the report is given as the release).

*Independent pairs* are the pairs of ``ind-``, ``ref`` (and ``real-``) students (none copied another); *planted*
pairs a copy and its original; *starter* pairs the three starter authors. A detector *reports* a pair when
its default output lists it: the report's ranked pairs and groups (:func:`ours`), copydetect's pairs at or
above its display threshold (:func:`copydetect_plain`); Dolos has no threshold of its own, so it is given the
one at which it reports as many independent pairs as the report does (:func:`at_same_false_reports`).
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import random
import re
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.model.course import FUNCTIONS, RELEASE, problem_set_of_function
from autograder.model.files import SIMILARITY_JSON
from autograder.model.notebook import cell_text, nbgrader_meta
from testkit.copier import REWRITES, disguise
from testkit.corpus import load as corpus_load
from testkit.fill import reference_cells
from testkit.independent import versions
from testkit.similarity_class import _filled, release_cells

HERE = Path(__file__).resolve().parent / "realcode"
_HEADER = re.compile(r"^# ([a-z_]+): ?(.*)$")


@dataclass(frozen=True)
class Version:
    """One student's code for one function; ``original`` is the student a copy was made from."""

    student: str
    function: str
    source: str
    kind: str  # "independent", "scripted", "hand", "starter"
    original: str = ""
    steps: tuple = ()


def _read(path: Path) -> tuple:
    fields, body = {}, []
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for n, line in enumerate(lines):
        m = _HEADER.match(line.rstrip("\n"))
        if not line.strip():
            body = lines[n + 1:]
            break
        if m:
            fields[m.group(1)] = m.group(2)
    return fields, "".join(body)


#: Real code from public repositories, on a developer's machine only (never committed): this benchmark's own
#: (``testkit/realcode/specimens/<function>/<id>.py.txt``) and the grader's real-code corpus.
REAL = HERE / "specimens"
CORPUS = corpus_load.SPECIMENS


def real_specimens(corpus: bool = False) -> dict:
    """``function -> [(id, source)]`` of :data:`REAL`, and with ``corpus`` of the real-code corpus too
    (:data:`CORPUS`), one specimen per repository and function: empty where there is no local copy."""
    out, seen = {}, set()
    for path in sorted(REAL.glob("*/*.py.txt")) + (sorted(CORPUS.glob("*/*.py.txt")) if corpus else []):
        fields, source = _read(path)
        key = (fields.get("function"), fields.get("repo"))
        if not key[0] or key in seen:
            continue
        seen.add(key)
        out.setdefault(fields["function"], []).append((path.name.removesuffix(".py.txt"), source))
    return out


#: The copies by hand of real code (held out): like the real code, on a developer's machine only.
HELDOUT_REAL = HERE / "heldout-real"
#: The two halves of the real-code benchmark (issue 83), each harvested apart from public repositories and each
#: with its own copies rewritten by hand: ``specimens/<half>/<function>/<id>.py.txt`` and
#: ``specimens/<half>/copies/<name>.py.txt`` (``# original: <id>``). The report is tuned on ``tuning`` only.
HALVES = ("tuning", "heldout")


def half_specimens(half: str) -> dict:
    """``function -> [(id, source)]`` of one half of the real-code benchmark (empty without a local copy)."""
    out: dict = {}
    for path in sorted((REAL / half).glob("*/*.py.txt")):
        if path.parent.name == "copies":
            continue
        fields, source = _read(path)
        out.setdefault(fields["function"], []).append((path.name.removesuffix(".py.txt"), source))
    return out


def half_copies(half: str) -> list:
    """``[(name, function, original id, source)]``: the copies by hand of one half's real code."""
    out = []
    for path in sorted((REAL / half / "copies").glob("*.py.txt")):
        fields, source = _read(path)
        out.append((path.name.removesuffix(".py.txt"), fields["function"], fields["original"], source))
    return out


def half_class(half: str) -> list:
    """The :class:`Version` s of one half: its real independent versions (``real-<id>``) and its copies by hand
    (``hand-<name>``, each of one of them)."""
    code = half_specimens(half)
    out = [Version(f"real-{i}", fn, src, "independent") for fn, found in code.items() for i, src in found]
    known = {(v.function, v.student) for v in out}
    for name, fn, original, src in half_copies(half):
        if (fn, f"real-{original}") in known:
            out.append(Version(f"hand-{name}", fn, src, "hand", f"real-{original}"))
    return out


def heldout(folder: str = "heldout") -> list:
    """``[(name, function, original, source)]`` of ``testkit/realcode/heldout`` (or ``tuning``), with the local
    copies of real code (:data:`HELDOUT_REAL`) for the held-out set: they join a class only beside their original."""
    out = []
    local = sorted(HELDOUT_REAL.glob("*.py.txt")) if folder == "heldout" else []
    for path in sorted((HERE / folder).glob("*.py.txt")) + local:
        fields, source = _read(path)
        out.append((path.name.removesuffix(".py.txt"), fields["function"], fields["original"], source))
    return out


#: Three repositories' code in a starter the course hands out (the scaffold is the release's solution cell).
STARTERS = {
    "softmax": ('''
def softmax(z, axis=-1, temperature=1.0):
    """Softmax of z / temperature along axis."""
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    z = np.asarray(z, dtype=float) / temperature
    # Step 1: subtract the maximum along axis, for stability.
    # Step 2: exponentiate.
    # Step 3: normalise so that each slice sums to 1.
    return probs
''', (  # what three authors write for the steps (written here, after the forms real code takes)
        ("    top = np.max(z, axis=axis, keepdims=True)\n", "    e = np.exp(z - top)\n",
         "    probs = e / np.sum(e, axis=axis, keepdims=True)\n"),
        ("    shifted = z - np.max(z, axis=axis, keepdims=True)\n", "",
         "    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=axis, keepdims=True)\n"),
        ("    peak = np.expand_dims(np.max(z, axis=axis), axis)\n",
         "    num = np.exp(z - peak)\n", "    probs = num / num.sum(axis=axis, keepdims=True)\n"),
    )),
    "kl_divergence": ('''
def kl_divergence(p, q, axis=-1):
    """KL(p || q) along axis, in nats."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    if np.any(p < 0) or np.any(q < 0):
        raise ValueError("probabilities must be non-negative")
    # Step 1: the terms p log(p / q), 0 where p is 0.
    # Step 2: sum them along axis.
    return kl
''', (  # written here, after the forms real code takes: np.where, a mask, a floor under q
        ("    terms = np.where(p > 0, p * np.log(p / q), 0.0)\n", "    kl = np.sum(terms, axis=axis)\n"),
        ("    support = p > 0\n    terms = np.zeros_like(p)\n    terms[support] = p[support] * np.log(p[support] / q[support])\n",
         "    kl = terms.sum(axis=axis)\n"),
        ("    q = np.maximum(q, 1e-10)\n    terms = p * np.log(p / q)\n", "    kl = np.sum(terms, axis)\n"),
    )),
}


def _starter_fill(scaffold: str, lines: tuple) -> str:
    out, steps = [], iter(lines)
    for line in scaffold.strip("\n").split("\n"):
        out.append(line + "\n")
        if line.strip().startswith("# Step"):
            out.append(next(steps, ""))
    return "import numpy as np\n\n" + "".join(out)


def benchmark_class(seed: int = 0, steps: int = 4, functions=None, real: bool = False, corpus: bool = False) -> list:
    """Every :class:`Version` of the benchmark (see the module docstring), for ``functions`` (default: those
    with copies rewritten by hand); with ``real``, the local real code among the independent versions (and
    the hand copies of it), with ``corpus`` the real-code corpus's specimens too."""
    real_code = real_specimens(corpus) if real or corpus else {}
    order = [fn for fns in FUNCTIONS.values() for fn in fns]
    functions = functions or [fn for fn in order if fn in real_code or fn in {h[1] for h in heldout()}
                              or fn in {h[1] for h in heldout("tuning")}]
    out = []
    for fn in functions:
        ps = problem_set_of_function(fn)
        own = [(f"real-{i}", src) for i, src in real_code.get(fn, [])]
        own += [(f"ind-{i}", src) for i, src in enumerate(versions(fn))]
        own += [("ref", reference_cells(ps)[fn])]
        for student, source in own:
            out.append(Version(student, fn, source, "independent"))
            rng = random.Random(f"{seed}-{fn}-{student}")
            for _ in range(20):  # at least one of issue 52's rewrites among the steps
                copy, applied = disguise(source, fn, rng.randrange(1 << 30), steps=steps)
                if set(applied) & set(REWRITES):
                    break
            out.append(Version(f"scripted-{student}", fn, copy, "scripted", student, applied))
        for folder, kind in (("heldout", "hand"), ("tuning", "tuning")):
            for name, function, original, source in heldout(folder):
                if function != fn:
                    continue
                origin, _, ref = original.partition(":")
                student = f"real-{ref.split('/')[1]}" if origin == "realcode" else f"ind-{ref.split(':')[1]}"
                if any(v.student == student and v.function == fn for v in out):  # (a copy of real code only beside its original)
                    out.append(Version(f"{kind}-{name}", fn, source, kind, student))
        if fn in STARTERS:
            scaffold, fills = STARTERS[fn]
            for i, lines in enumerate(fills):
                out.append(Version(f"starter-{i}", fn, _starter_fill(scaffold, lines), "starter"))
    return out


def write_course(folder: Path, versions: list) -> Path:
    """A course folder for the benchmark: the release, with the starters' scaffolds as their solution cells."""
    folder = Path(folder)
    for ps in {problem_set_of_function(v.function) for v in versions}:
        nb = json.loads((RELEASE / ps / f"{ps}.ipynb").read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            gid = nbgrader_meta(cell).get("grade_id")
            if nbgrader_meta(cell).get("solution") and gid in STARTERS:
                cell["source"] = cell_text(cell).split("def ")[0] + STARTERS[gid][0].strip("\n") + "\n"
        path = folder / "release" / ps / f"{ps}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nb), encoding="utf-8")
    return folder


def write_submissions(folder: Path, versions: list) -> None:
    """``folder/<student>@<function>/<ps>/<ps>.ipynb``: the release with one function's cell written."""
    for v in versions:
        ps = problem_set_of_function(v.function)
        nb = json.loads(_filled(ps))
        for cell in nb["cells"]:
            if nbgrader_meta(cell).get("solution") and nbgrader_meta(cell).get("grade_id") == v.function:
                cell["source"] = v.source
        path = Path(folder) / f"{v.student}@{v.function}" / ps / f"{ps}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nb), encoding="utf-8")


def pairs(versions: list) -> dict:
    """``{"independent": [...], "scripted": [...], "hand": [...], "starter": [...]}`` of ``(function, a, b)``."""
    out = {"independent": [], "scripted": [], "hand": [], "tuning": [], "starter": []}
    by_fn = {}
    for v in versions:
        by_fn.setdefault(v.function, []).append(v)
    for fn, vs in by_fn.items():
        own = [v.student for v in vs if v.kind == "independent"]
        out["independent"] += [(fn, a, b) for a, b in itertools.combinations(own, 2)]
        out["starter"] += [(fn, a.student, b.student) for a, b in itertools.combinations(
            [v for v in vs if v.kind == "starter"], 2)]
        for v in vs:
            if v.kind in ("scripted", "hand", "tuning"):
                out[v.kind].append((fn, v.original, v.student))
    return out


def _key(fn: str, a: str, b: str) -> tuple:
    return (fn,) + tuple(sorted((a, b)))


def read(folder: Path, versions: list, workers: int = 1) -> tuple:
    """``(entries by function, given by problem set)``: every version written as a notebook and read by the
    report's own reader, the benchmark's course given (the starters' scaffolds)."""
    from autograder.model.submissions import scan  # (the stage under test, and how it reads a class)
    from autograder.similarity.corpus import given_code, read_all

    folder = Path(folder)
    course = write_course(folder / "course", versions)
    write_submissions(folder / "submitted", versions)
    given = {ps: given_code(course, ps) for ps in {problem_set_of_function(v.function) for v in versions}}
    entries, notes = read_all(scan(folder / "submitted", FUNCTIONS).submissions, given, workers)
    by = {}
    for e in entries:
        student, function = e.student.split("@")
        if function == e.function:
            by.setdefault(function, {})[student] = e
    return by, given, notes


def ours(folder: Path, versions: list, workers: int = 1) -> tuple:
    """``(reported pairs, scores)`` of the report's index at its default settings, each copy judged in a class
    of its own: the function's independent versions and that one copy (a class has a few copies, not one of
    every student; a class made of copies would make copying look usual). The independent pairs and the
    starters are judged in the class of the independent versions and the starters."""
    from autograder.similarity.index import compare  # (the stage under test)

    by, given, _ = read(folder, versions, workers)
    reported, scores = set(), {}

    def judge(fn, students):
        entries = [by[fn][s] for s in students if s in by.get(fn, {})]
        compared = compare(entries, given[problem_set_of_function(fn)].hashes)
        names = [e.student.split("@")[0] for e in compared.entries]
        for p in compared.pairs:
            reported.add(_key(fn, names[p.a], names[p.b]))
        for group in compared.groups:  # a group reported is a report of every pair inside it
            if group.reported:
                reported.update(_key(fn, names[i], names[j]) for i, j in itertools.combinations(group.members, 2))
        for (i, j), evidence in compared.evidence.items():  # (what a pair is reported on, so ranked by)
            scores.setdefault(_key(fn, names[i], names[j]), evidence)

    for fn in {v.function for v in versions}:
        own = [v.student for v in versions if v.function == fn and v.kind == "independent"]
        judge(fn, own + [v.student for v in versions if v.function == fn and v.kind == "starter"])
        for v in versions:
            if v.function == fn and v.kind in ("scripted", "hand", "tuning"):
                judge(fn, own + [v.student])
    return reported, scores


def report_end_to_end(folder: Path, versions: list, workers: int = 1) -> dict:
    """similarity.json of ``python -m autograder similarity`` on the whole benchmark class (every copy at once)."""
    from autograder.similarity.run import similarity_report  # (the stage under test)

    folder = Path(folder)
    course = write_course(folder / "course", versions)
    write_submissions(folder / "submitted", versions)
    similarity_report(folder / "submitted", folder / "out", course_dir=course, workers=workers)
    return json.loads((folder / "out" / SIMILARITY_JSON).read_text(encoding="utf-8"))


def _by_function(versions: list) -> dict:
    out = {}
    for v in versions:
        out.setdefault(v.function, []).append(v)
    return out


def copydetect_plain(versions: list) -> tuple:
    """``(reported, scores)`` of copydetect as it comes: its tokens, noise and guarantee thresholds, the
    release's cell as boilerplate; a pair's score is the larger of its two overlaps, reported at copydetect's
    display threshold (it lists a pair when either passes it)."""
    from copydetect import CodeFingerprint, compare_files, defaults

    k, window = defaults.NOISE_THRESHOLD, defaults.GUARANTEE_THRESHOLD - defaults.NOISE_THRESHOLD + 1
    scores = {}
    logging.disable(logging.WARNING)  # copydetect logs each file it cannot tokenise
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "empty slices array" for pairs that share nothing
            for fn, vs in _by_function(versions).items():
                given = STARTERS[fn][0] if fn in STARTERS else release_cells(problem_set_of_function(fn))[fn]
                boiler = np.array(sorted(CodeFingerprint("given.py", k, window, fp=io.StringIO(given)).hashes))
                prints = {v.student: CodeFingerprint(f"{v.student}.py", k, window, boilerplate=boiler,
                                                     fp=io.StringIO(v.source)) for v in vs}
                for a, b in itertools.combinations(sorted(prints), 2):
                    scores[_key(fn, a, b)] = float(max(compare_files(prints[a], prints[b])[1]))
    finally:
        logging.disable(logging.NOTSET)
    return {key for key, s in scores.items() if s >= defaults.DISPLAY_THRESHOLD}, scores


DOLOS_SCRIPT = r"""
const { Dolos } = require("@dodona/dolos-lib");
(async () => {
  const jobs = JSON.parse(require("fs").readFileSync(process.argv[2], "utf-8"));
  const out = {};
  for (const [fn, files] of Object.entries(jobs)) {
    const dolos = new Dolos({ language: "python" });
    const report = await dolos.analyzePaths(files);
    out[fn] = report.allPairs().map(p => [p.leftFile.path, p.rightFile.path, p.similarity]);
  }
  console.log(JSON.stringify(out));
})();
"""


def dolos_available(node_dir: Path) -> str:
    """Why Dolos cannot run here ("" when it can): ``@dodona/dolos-lib`` installed in ``node_dir`` with npm."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are not installed"
    if not (Path(node_dir) / "node_modules" / "@dodona" / "dolos-lib").is_dir():
        Path(node_dir).mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "@dodona/dolos-lib"], cwd=node_dir,
                              capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            return f"npm install @dodona/dolos-lib failed: {proc.stderr[-300:]}"
    return ""


def dolos(versions: list, workdir: Path, node_dir: Path) -> dict:
    """``scores`` of Dolos (its defaults, tree-sitter's Python) on each function's versions as files."""
    workdir = Path(workdir)
    jobs = {}
    for fn, vs in _by_function(versions).items():
        files = []
        for v in vs:
            path = workdir / fn / f"{v.student}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(v.source, encoding="utf-8")
            files.append(str(path))
        jobs[fn] = files
    (workdir / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    (workdir / "run.js").write_text(DOLOS_SCRIPT, encoding="utf-8")
    proc = subprocess.run(["node", str(workdir / "run.js"), str(workdir / "jobs.json")], capture_output=True,
                          text=True, timeout=1800, env={"NODE_PATH": str(Path(node_dir) / "node_modules"),
                                                        "PATH": "/usr/bin:/bin:/usr/local/bin"})
    if proc.returncode != 0:
        raise RuntimeError(f"Dolos failed: {proc.stderr[-500:]}")
    scores = {}
    for fn, found in json.loads(proc.stdout).items():
        for left, right, similarity in found:
            scores[_key(fn, Path(left).stem, Path(right).stem)] = float(similarity)
    return scores


def at_same_false_reports(scores: dict, truth: dict, allowed: int) -> set:
    """The pairs a detector reports at the lowest threshold at which it reports at most ``allowed``
    independent pairs (a detector without a threshold of its own, given the report's false-report count)."""
    independent = sorted((scores.get(_key(*p), 0.0) for p in truth["independent"]), reverse=True)
    threshold = independent[allowed] if allowed < len(independent) else 0.0
    threshold = np.nextafter(threshold, np.inf)
    return {key for key, s in scores.items() if s >= threshold}


@dataclass
class Figures:
    """What one detector did on the benchmark."""

    name: str
    scripted: tuple  # (reported, total)
    hand: tuple
    tuning: tuple
    false_reports: tuple  # (reported independent pairs, independent pairs)
    starter: tuple

    @property
    def per_100(self) -> float:
        return 100 * self.false_reports[0] / max(1, self.false_reports[1])

    def line(self) -> str:
        def share(x):
            return f"{x[0]}/{x[1]} ({100 * x[0] / max(1, x[1]):.1f} %)"
        return (f"{self.name:<28} scripted copies reported {share(self.scripted):>18}   hand-rewritten "
                f"{share(self.hand):>16}   by hand (tuning set) {share(self.tuning):>16}   false reports {self.per_100:5.2f} per 100 independent pairs "
                f"({self.false_reports[0]}/{self.false_reports[1]})   starter pairs reported {self.starter[0]}/"
                f"{self.starter[1]}")


def _half_line(self: Figures) -> str:
    """One detector on one half of the real-code benchmark: planted copies reported, false reports."""
    return (f"  {self.name:<28} planted copies reported {self.hand[0]}/{self.hand[1]} "
            f"({100 * self.hand[0] / max(1, self.hand[1]):.1f} %)   false reports {self.per_100:5.2f} per 100 "
            f"independent pairs ({self.false_reports[0]}/{self.false_reports[1]})")


Figures.half_line = _half_line  # type: ignore[attr-defined]


def figures(name: str, reported: set, truth: dict) -> Figures:
    def count(kind):
        found = [p for p in truth[kind] if _key(*p) in reported]
        return len(found), len(truth[kind])

    return Figures(name, count("scripted"), count("hand"), count("tuning"), count("independent"), count("starter"))


def above_independent(scores: dict, truth: dict, q: float = 95) -> tuple:
    """``(planted pairs above the q-th percentile of their function's independent pairs, planted pairs)``."""
    above = total = 0
    for kind in ("scripted", "hand", "tuning"):
        for fn, a, b in truth[kind]:
            independent = [scores.get(_key(*p), 0.0) for p in truth["independent"] if p[0] == fn]
            total += 1
            above += scores.get(_key(fn, a, b), 0.0) > np.percentile(independent, q)
    return above, total
