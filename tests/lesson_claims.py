"""What a source notebook's lesson says, checked against what its lesson cells compute.

Used by ``tests/test_nbgrader_e2e.py::test_source_notebook_runs_with_hidden_checks``
on the notebook it has just executed (no second run):

* every ``fig-*`` cell displays a figure (a PNG output);
* every number the prose states is printed by a lesson cell: each claim names
  the markdown cell and the exact text there, and the code cell whose output
  must match a regular expression that shows the same number. A claim fails
  when the prose changes, when the computation changes, or when they drift
  apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    """``prose`` occurs in markdown cell ``text_id``; ``output`` (a regex) matches code cell ``cell_id``'s stdout."""

    text_id: str
    prose: str
    cell_id: str
    output: str


CLAIMS: dict[str, tuple[Claim, ...]] = {
    "ps1_softmax": (
        Claim("sec-overflow", r"\approx 709.78$", "demo-naive", r"exp\(z\) overflows for z > 709\.78\n"),
        Claim("sec-overflow", r"$4.9 \times 10^{-324}$", "demo-naive", r"smallest positive float64 4\.9e-324"),
        Claim("sec-overflow", "exactly `0.0` once $z < -745.1$", "demo-naive",
              r"exp\(-745\.1\) = 4\.9e-324, exp\(-745\.2\) = 0\.0\n"),
        Claim("sec-overflow", "Both are `nan`", "demo-naive", r"\[-1000\. -1001\.\]: .*naive softmax = \[nan nan\]"),
        Claim("sec-overflow", r"the ordinary $(0.731,\ 0.269)$", "demo-shifted",
              r"z = \[1000\.  999\.\]:  shifted softmax = \[0\.73105858 0\.26894142\]"),
        Claim("sec-figures", r"left of $c \approx -745.1$", "fig-naive-vs-stable", r"\(c < -745\.0 or c > 709\.5\)"),
        Claim("sec-figure-logsoftmax", r"near $d \approx 745$", "fig-log-softmax", r"is -inf: d = 745\.5\n"),
        Claim("sec-going-further", r"$1.1 \times 10^{-16}$", "demo-subnormal", r"eps/2 = 1\.1e-16;"),
        Claim("sec-going-further", r"$s = e^{-40} \approx 4.2 \times 10^{-18}$", "demo-subnormal",
              r"log1p\(sum without the maximum's 1\) = 4\.24\d+e-18\n"),
        Claim("sec-going-further", "returns `0.0` while", "demo-subnormal", r"log\(sum\(exp\(z - m\)\)\) += 0\.0\n"),
        Claim("sec-going-further", r"$2.2 \times 10^{-308}$ and $4.9 \times 10^{-324}$", "demo-subnormal",
              r"subnormals lie between 4\.9e-324 and 2\.2e-308"),
        Claim("sec-going-further", "visibly\nwrong before it becomes `nan`", "demo-subnormal",
              r"textbook softmax there: \[0\.66666667 0\.33333333 0\. +\]  \(correct: \[0\.66524096 0\.24472847 0\.09003057\]\)"),
    ),
    "ps2_cross_entropy": (
        Claim("sec-likelihood", r"$2^{-1100} \approx 10^{-331}$, which is 0 in float64", "demo-product-underflow",
              r"0\.5 : 0\.0  \(exactly 2\^-1100 = 10\^-331\.1\)"),
        Claim("sec-stable", r"$+\infty$ instead of $10^4$", "demo-log-of-softmax",
              r"-log\(softmax\(logits\)\)\[0\] = inf\n-log_softmax\(logits\)\[0\]  = 10000\.0\n"),
        Claim("sec-gradcheck", "should be near\n$10^{-9}$ or smaller", "demo-gradient-check",
              r"integer labels +max relative error \d\.\de-(09|1\d) .*\nsoft labels +max relative error \d\.\de-(09|1\d) "),
        Claim("sec-gradcheck", "$(N-1)/(N+1)$", "demo-gradient-check",
              r"a forgotten 1/N \(N = 4\) gives a relative error of 0\.60 = \(N - 1\)/\(N \+ 1\) = 0\.60\n"),
        Claim("sec-going-further", r"$\log(1 + e^{-40}) \approx 4.2 \times 10^{-18}$", "demo-log1p",
              r"loss via log1p\(other sum\): 4\.24\d+e-18\n"),
        Claim("sec-going-further", "the textbook form returns `0.0`", "demo-log1p", r"loss via log\(sum\(exp\)\)   : 0\.0\n"),
    ),
    "ps3_gaussian": (
        Claim("sec-density", r"$\tfrac12 \log 2\pi \approx 0.919$", "demo-tails", r"1/2 log\(2 pi\) = 0\.919\n"),
        Claim("sec-tails", "$-800 - 0.919 = -800.919$", "demo-tails", r"\n  40 +0 +-inf +-800\.918938\d+\n"),
        Claim("sec-tails", "Somewhere near **38σ**", "demo-tails", r"\n  38 +1\.097e-314 .*\n  39 +0 +-inf "),
        Claim("sec-mvn", r"$0.05^{300} \approx 10^{-390}$, which is 0 in float64", "demo-det",
              r"0\.05\*\*300 = 10\^-390\.3 .*\ncov = 0\.05 \* I:  det = 0 "),
        Claim("sec-mvn", r"give $10^{390}$, which is `inf`", "demo-det",
              r"20\*\*300 = 10\^390\.3.*\n.*\n.*\ncov = 20\.0 \* I:  det = inf "),
        Claim("sec-going-further", r"$2.2 \times 10^{-308}$", "demo-underflow-thresholds",
              r"smallest normal float64 2\.2e-308: the density drops below it at k = 37\.6 "),
        Claim("summary", "(near 38σ)", "demo-underflow-thresholds",
              r"smallest subnormal float64 4\.9e-324: the density drops below it at k = 38\.6 "),
        Claim("sec-going-further", "the digits that matter cancel", "demo-two-pass",
              r"sqrt\(mean\(x²\) - mean\(x\)²\) = 0\.0\nsqrt\(mean\(\(x - mean\)²\)\)   = 1\.118033988749895\n"),
    ),
}


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", ())
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def failures(ps: str, nb) -> list[str]:
    """What is wrong with the executed notebook ``nb`` of problem set ``ps``: missing figures and broken claims."""
    cells = {cell.get("id"): cell for cell in nb.cells}
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code" and str(cell.get("id", "")).startswith("fig-"):
            if not any("image/png" in o.get("data", {}) for o in cell.outputs if o.output_type == "display_data"):
                found.append(f"{cell.id}: displayed no figure")
    for claim in CLAIMS.get(ps, ()):
        text, code = cells.get(claim.text_id), cells.get(claim.cell_id)
        if text is None or claim.prose not in text.source:
            found.append(f"{claim.text_id}: the prose no longer says {claim.prose!r}")
        if code is None or not re.search(claim.output, _stdout(code)):
            found.append(f"{claim.cell_id}: its output does not show what {claim.text_id} says "
                         f"({claim.output!r} not found)")
    return found
