"""The similarity report against copydetect and Dolos on the benchmark of :mod:`testkit.similarity_bench`.

Independent implementations of the contract's functions (written apart; with ``--real``, real code from public
repositories too, one each, which a developer keeps on their machine and never commits), copies of them
disguised by script (every rewrite of issue 52 among the transformations) and by hand (a held-out set
written before the normalisation was), and three authors who filled in one starter. For each detector: the
share of the copies it reports at its default settings, its false reports per 100 independent pairs, and
whether the starter's authors are reported; and, as a ranking, the copies scoring above the 95th percentile
of their function's independent pairs.

    .venv/bin/python benchmarks/similarity_detection.py [--quick] [--no-dolos]

``--real`` measures the local real code instead (``testkit/realcode/specimens/{tuning,heldout}``, never in the
repository: testkit/realcode/README.md): each half judged apart, the report beside copydetect and Dolos on the same
pairs, in one run (``--half`` one of them: tune with ``--half tuning`` only). ``--corpus`` adds the grader's
real-code corpus (``testkit/corpus/specimens``) to the committed class's independent versions. ``--quick`` is the variant the test suite runs (tests/test_similarity_benchmark.py): two scripted copies
of each version instead of four, and no Dolos. Dolos (``@dodona/dolos-lib``, tree-sitter) is installed with
npm into ``~/.cache/probdl-autograder-dolos/`` the first time (Node.js 18 or later).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testkit import similarity_bench as bench

#: Where npm installs Dolos: outside the repository (its node_modules hold Python files of its own).
NODE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "probdl-autograder-dolos"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-dolos", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real", action="store_true",
                        help="the local real code's two halves (testkit/realcode/specimens/{tuning,heldout}), each "
                             "judged apart, beside copydetect and Dolos on the same pairs")
    parser.add_argument("--half", choices=("tuning", "heldout"), default=None,
                        help="with --real: only this half (tune with --half tuning; never look at the other)")
    parser.add_argument("--corpus", action="store_true",
                        help="the real-code corpus (testkit/corpus/specimens) among the independent versions too")
    args = parser.parse_args(argv)
    for wanted, folder in ((args.real, bench.REAL), (args.corpus, bench.CORPUS)):
        if wanted and not folder.is_dir():
            print(f"no real code at {folder} (it is never committed: testkit/realcode/README.md)", file=sys.stderr)
            return 2
    if args.real:
        return halves(args.no_dolos, [args.half] if args.half else list(bench.HALVES))
    versions = bench.benchmark_class(seed=args.seed, corpus=args.corpus)
    truth = bench.pairs(versions)
    print(f"{len(versions)} versions of {len({v.function for v in versions})} functions: "
          f"{len(truth['independent'])} independent pairs, {len(truth['scripted'])} scripted copies, "
          f"{len(truth['hand'])} copies by hand, {len(truth['starter'])} starter pairs")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        reported, scores = bench.ours(Path(tmp) / "ours", versions)
        ours = bench.figures("this report (defaults)", reported, truth)
        print(ours.line(), f"  [{time.monotonic() - started:.1f} s]")
        plain_reported, plain_scores = bench.copydetect_plain(versions)
        print(bench.figures("copydetect (defaults)", plain_reported, truth).line())
        print(bench.figures("copydetect (same false rate)", bench.at_same_false_reports(
            plain_scores, truth, ours.false_reports[0]), truth).line())
        ranked = {"this report": scores, "copydetect": plain_scores}
        if not (args.quick or args.no_dolos):
            why = bench.dolos_available(NODE_DIR)
            if why:
                print(f"Dolos not run: {why}")
            else:
                dolos_scores = bench.dolos(versions, Path(tmp) / "dolos", NODE_DIR)
                print(bench.figures("Dolos (same false rate)", bench.at_same_false_reports(
                    dolos_scores, truth, ours.false_reports[0]), truth).line())
                ranked["Dolos"] = dolos_scores
        for name, found in ranked.items():
            above, total = bench.above_independent(found, truth)
            print(f"{name:<28} copies above the 95th percentile of their function's independent pairs: "
                  f"{above}/{total} ({100 * above / total:.1f} %)")
    return 0


def halves(no_dolos: bool, which: list) -> int:
    """Each half of the real-code benchmark judged apart: the report, copydetect and Dolos on the same pairs."""
    why = "not asked (--no-dolos)" if no_dolos else bench.dolos_available(NODE_DIR)
    for half in which:
        versions = bench.half_class(half)
        truth = bench.pairs(versions)
        repos = len({v.student for v in versions if v.kind == "independent"})
        print(f"\n== {half} half: {repos} real implementations of {len({v.function for v in versions})} functions "
              f"(one repository each), {len(truth['independent'])} independent pairs, {len(truth['hand'])} copies "
              "rewritten by hand" + (" (the report was tuned on this half)" if half == "tuning" else
                                     " (never tuned on)"))
        with tempfile.TemporaryDirectory() as tmp:
            reported, scores = bench.ours(Path(tmp) / "ours", versions)
            ours = bench.figures("this report (defaults)", reported, truth)
            plain_reported, plain_scores = bench.copydetect_plain(versions)
            rows = [ours, bench.figures("copydetect (defaults)", plain_reported, truth),
                    bench.figures("copydetect (same false rate)", bench.at_same_false_reports(
                        plain_scores, truth, ours.false_reports[0]), truth)]
            ranked = {"this report": scores, "copydetect": plain_scores}
            if not why:
                dolos_scores = bench.dolos(versions, Path(tmp) / "dolos", NODE_DIR)
                rows.append(bench.figures("Dolos (same false rate)", bench.at_same_false_reports(
                    dolos_scores, truth, ours.false_reports[0]), truth))
                ranked["Dolos"] = dolos_scores
            for row in rows:
                print(row.half_line())
            for name, found in ranked.items():
                above, total = bench.above_independent(found, truth)
                print(f"  {name:<28} planted copies above their function's independent 95th percentile: "
                      f"{above}/{total} ({100 * above / max(1, total):.1f} %)")
            if why:
                print(f"  Dolos not run: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
