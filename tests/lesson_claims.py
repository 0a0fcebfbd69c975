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
        Claim("sec-overflow", r"Below $2.2 \times 10^{-308}$", "demo-naive", r"smallest normal float64 2\.2e-308"),
        Claim("sec-overflow", r"down to about $4.9 \times 10^{-324}$", "demo-naive", r"smallest subnormal 4\.9e-324"),
        Claim("sec-overflow", "$e^{-745.13}$ is still $4.9 \\times 10^{-324}$,\n$e^{-745.14}$ is `0.0`", "demo-naive",
              r"exp\(-745\.13\) = 4\.9e-324, exp\(-745\.14\) = 0\.0\n"),
        Claim("sec-overflow", "Both are `nan`", "demo-naive", r"\[-1000\. -1001\.\]: .*naive softmax = \[nan nan\]"),
        Claim("sec-overflow", r"the ordinary $(0.731,\ 0.269)$", "demo-naive",
              r"z = \[1\. 0\.\]:  naive softmax = \[0\.73105858 0\.26894142\]"),
        Claim("sec-temperature", r"$(0.982,\ 0.018,\ 0.000)$", "fig-temperature",
              r"T = 0\.25: softmax\(z / T\) = \[0\.982 0\.018 0\. +\]\n"),
        Claim("sec-temperature", r"$(0.659,\ 0.242,\ 0.099)$", "fig-temperature",
              r"T = 1\.0: softmax\(z / T\) = \[0\.659 0\.242 0\.099\]\n"),
        Claim("sec-temperature", r"$(0.400,\ 0.327,\ 0.273)$", "fig-temperature",
              r"T = 5\.0: softmax\(z / T\) = \[0\.4 +0\.327 0\.273\]\n"),
        Claim("put-to-work", r"from $c \approx 709.38$: it returns zeros", "fig-naive-vs-stable",
              r"zeros from c = 709\.38 \(the sum overflows\)"),
        Claim("put-to-work", "overflows past 709.78", "fig-naive-vs-stable", r"nan from c = 709\.78 \(exp\(c\) overflows\)"),
        Claim("put-to-work", r"below $c \approx -745.13$: `nan` again", "fig-naive-vs-stable",
              r"below c = -745\.13 \(every exp underflows\)"),
        Claim("going-further", "$d \\approx 745$", "fig-log-softmax", r"is -inf: d = 745\.5\n"),
        Claim("going-further", r"$1.1 \times 10^{-16}$", "demo-subnormal", r"eps/2 = 1\.1e-16;"),
        Claim("going-further", r"$s = e^{-40} \approx 4.2 \times 10^{-18}$", "demo-subnormal",
              r"log1p\(s\) += 4\.24\d+e-18\n"),
        Claim("going-further", "its log returns `0.0`", "demo-subnormal", r"log\(1 \+ s\) = 0\.0\n"),
        Claim("going-further", "visibly wrong before\nit becomes `nan`", "demo-subnormal",
              r"textbook softmax there: \[0\.66666667 0\.33333333 0\. +\]  \(correct: \[0\.66524096 0\.24472847 0\.09003057\]\)"),
    ),
    "ps2_cross_entropy": (
        Claim("sec-likelihood", r"$2^{-1100} \approx 10^{-331}$, which is 0 in float64", "demo-product-underflow",
              r"0\.5 : 0\.0  \(exactly 2\^-1100 = 10\^-331\.1\)"),
        Claim("sec-stable", r"the loss $+\infty$ instead of $10^4$", "demo-log-of-softmax",
              r"-log\(softmax\(logits\)\)\[0\] = inf\nexact loss: 1e4 \+ log\(1 \+ e\^-1e4\) = 10000\.0\n"),
        Claim("put-to-work", "a right gradient agrees to $10^{-8}$ or better", "demo-gradient-check",
              r"integer labels: your `cross_entropy_grad` agrees with central differences of your `cross_entropy`: "
              r"largest difference \d\.\de-(09|1\d) of the gradient's size\.\nsoft labels: your `cross_entropy_grad` "
              r"agrees with central differences of your `cross_entropy`: largest difference \d\.\de-(09|1\d) of the "
              r"gradient's size\.\n"),
        Claim("sec-figure-loss", "in steps of 0.05", "fig-loss-vs-logit", r"on this grid of step 0\.05 "),
        Claim("going-further", r"$\log(1 + e^{-40}) \approx 4.2 \times 10^{-18}$", "demo-log1p",
              r"log1p\(e\^-40\) +: 4\.24\d+e-18\n"),
        Claim("going-further", "so a `log` returns", "demo-log1p", r"log\(1 \+ e\^-40\) +: 0\.0\n"),
        Claim("sec-train", "**96.3 %** of the\nvalidation digits (289 of 300)", "fig-train",
              r"validation accuracy: 96\.3% \(289 of 300 digits\), correct functions 96\.3% \(289\)\n"),
        Claim("sec-train", "falls at every step", "fig-train",
              r"training loss after 200 steps +0\.139250, correct functions 0\.139250\n"
              r"the loss fell at every step, as with correct functions\n"),
    ),
    "ps3_gaussian": (
        Claim("sec-density", r"$\tfrac12 \log 2\pi \approx 0.919$", "demo-tails", r"1/2 log\(2 pi\) = 0\.919\n"),
        Claim("sec-tails", "$-800 - 0.919 = -800.919$", "demo-tails", r"\n  40 +0 +-inf +-800\.918938\d+\n"),
        Claim("sec-tails", r"*subnormal* from about $37.6$", "demo-underflow-thresholds",
              r"smallest normal float64 2\.2e-308: the density drops below it at k = 37\.6 "),
        Claim("sec-tails", r"exactly 0 from about $38.6$", "demo-underflow-thresholds",
              r"smallest subnormal float64 4\.9e-324: the density drops below it at k = 38\.6 "),
        Claim("sec-tails", "`np.log(pdf)` returns $-\\infty$", "demo-tails", r"\n  38 +1\.097e-314 .*\n  39 +0 +-inf "),
        Claim("going-further", r"$0.05^{300} \approx 10^{-390}$, which is 0 in float64", "demo-det",
              r"0\.05\*\*300 = 10\^-390\.3 .*\ncov = 0\.05 \* I:  det = 0 "),
        Claim("going-further", r"give $10^{390}$, which is `inf`", "demo-det",
              r"20\*\*300 = 10\^390\.3.*\n.*\n.*\ncov = 20\.0 \* I:  det = inf "),
        Claim("going-further", r"$2.2 \times 10^{-308}$", "demo-underflow-thresholds",
              r"smallest normal float64 2\.2e-308: the density drops below it at k = 37\.6 "),
    ),
    "ps4_bernoulli": (
        Claim("sec-bernoulli", "multiplies 2000 probabilities and gets 0.0", "demo-likelihood-underflow",
              r"likelihood, as a product : 0\.0\n"),
        Claim("sec-sigmoid", "once $t$ exceeds 709.78", "demo-sigmoid-overflow", r"overflows for t >   : 709\.78"),
        Claim("task-binary_cross_entropy_with_logits", "overflows for $t > 709.78$ too", "demo-sigmoid-overflow",
              r"overflows for t >   : 709\.78"),
        Claim("task-sigmoid", r"$\sigma(-700) = 9.85967654375977 \times 10^{-305}$", "demo-sigmoid-overflow",
              r"sigmoid\(-700\), exactly     : 9\.85967654375977e-305"),
        Claim("sec-log-pmf", "`0 * -inf` is `nan`", "demo-zero-log-zero", r"x\*log\(p\) \+ \(1-x\)\*log\(1-p\) : \[ nan  nan -inf\]"),
        Claim("sec-bce", "truly costs 27.63 nats but 16.12\nclipped", "demo-clipping",
              r"p = 1e-12 :  exact BCE = 27\.63   clipped to \[1e-7, 1-1e-7\] = 16\.12"),
        Claim("sec-bce", "but the same 16.12", "demo-clipping",
              r"p = 0     :  exact BCE = inf   clipped to \[1e-7, 1-1e-7\] = 16\.12"),
        Claim("sec-bce", "costs 1e-07 instead of 0", "demo-clipping",
              r"p = 1     :  exact BCE = 0\.00   clipped to \[1e-7, 1-1e-7\] = 1e-07"),
        Claim("sec-logits", "give BCE a slope of $-1.0000$", "demo-gradient", r"BCE slope -1\.0000,"),
        Claim("sec-logits", r"$-9.08 \times 10^{-5}$ (next cell)", "demo-gradient", r"squared-error slope -9\.08e-05"),
        Claim("sec-logits", r"$-\log p = +\infty$ instead of", "demo-gradient", r"z = -1000, y = 1:  p = 0\.0,  loss through p = inf"),
        Claim("sec-logits", r"exactly 1 from $z \approx 36.74$ on", "demo-gradient",
              r"1 / \(1 \+ exp\(-z\)\) is 1\.0 from z = 36\.74 on"),
        Claim("sec-bce", r"pays $\log 2 \approx 0.693$ per element", "fig-losses", r"p = 0\.5 costs 0\.693 nats"),
        Claim("going-further", r"truly costs $4.248 \times 10^{-18}$ nats", "demo-going-further",
              r"softplus\(-40\) = 4\.248e-18,  log\(1 \+ exp\(-40\)\) = 0\n"),
        Claim("going-further", "off by\n$8.27 \\times 10^{-8}$", "demo-going-further",
              r"p = 1e-10: .* relative error of log\(1 - p\): 8\.27e-08"),
        Claim("going-further", r"from $p = 2^{-54} \approx 5.55 \times 10^{-17}$ down, `1 - p` is exactly 1",
              "demo-going-further", r"p = 5\.55e-17: 1 - p == 1 is True,  log\(1 - p\) = 0,"),
        Claim("going-further", r"$2.23 \times 10^{-308} = e^{-708.40}$", "demo-going-further",
              r"smallest normal float64 = 2\.23e-308 = e\^-708\.40"),
        Claim("going-further", r"$4.9 \times 10^{-324} = e^{-744.44}$", "demo-going-further",
              r"smallest subnormal = 4\.94e-324 = e\^-744\.44;"),
        Claim("going-further", r"$e^{-745.13}$, everything rounds to 0", "demo-going-further",
              r"e\^-745\.13, everything rounds to 0"),
        Claim("sec-train", "**96.4 %** of 169 unseen biopsies right (163 of 169)", "fig-train",
              r"held-out accuracy \(of 169\) +yours: 96\.4% \(163\) +correct functions: 96\.4% \(163\)\n"),
        Claim("sec-train", "4.99 per\nbiopsy on average from the logits, but $+\\infty$ through $p$", "fig-train",
              r"held-out loss from the logits +yours: 4\.99 +correct functions: 4\.99\n"
              r" +held-out loss through p +yours: inf +correct functions: inf\n"),
    ),
    "ps5_gaussian_kl": (
        Claim("sec-asymmetry", r"$\mathrm{KL}(P\,\|\,Q) = 0.654$", "demo-asymmetry", r"N\(0,9\)\) = 0\.654"),
        Claim("sec-asymmetry", r"$\mathrm{KL}(Q\,\|\,P) = 2.901$", "demo-asymmetry", r"N\(0,1\)\) = 2\.901"),
        Claim("sec-asymmetry", "a $P$ ten times wider than $Q$ costs 47.20 nats, a $P$ ten times narrower only 1.81",
              "fig-kl-sigma-ratio", r"ten times wider than Q: 47\.20 nats; for P ten times narrower: 1\.81 nats"),
        Claim("sec-mvn", "determinant\n$10^{-900}$, which underflows to `0.0`", "demo-det-underflow",
              r"np\.linalg\.det\(1e-3 \* I\) +: 0\.0\n"),
        Claim("sec-mvn", "the determinant is\n$10^{600}$ and overflows to `inf`", "demo-det-underflow",
              r"np\.linalg\.det\(100 \* I\) +: inf\n"),
        Claim("sec-mvn", "as `nan` when both log-determinants are $-\\infty$", "demo-det-underflow",
              r"log det cov2 - log det cov1 +: nan +\(both dets underflow"),
        Claim("sec-mvn", r"as $\pm\infty$ when only one of them is", "demo-det-underflow",
              r"log det cov3 - log det cov1 +: inf +\(only det cov1 underflows\)"),
        Claim("going-further", "its best fit has $P$'s mean and variance", "fig-mode-seeking",
              r"forward fit: m = \+0\.00, s = 3\.16\n.*\nP's own mean and standard deviation: \+0\.00, 3\.16"),
        Claim("going-further", "so $Q$ settles on\none mode", "fig-mode-seeking", r"reverse fit: m = -2\.9\d, s = 1\.0\d"),
        Claim("sec-cancellation", "the division is exact", "demo-cancellation", r"\n +1 +0\n"),
        Claim("sec-cancellation", r"is off by $6.3 \times 10^{-5}$ relative", "demo-cancellation", r"\n +0\.7 +6\.3e-05\n"),
    ),
    "ps6_information": (
        Claim("sec-entropy", "$= \\log 2 \\approx 0.693$ nats", "fig-entropy", r"H\(fair coin\) = log 2 = 0\.6931 nats = 1 bit\n"),
        Claim("sec-entropy", "`0 * -inf` is `nan`", "demo-zero-log-zero", r"-sum\(p \* log\(p\)\)  : nan\n"),
        Claim("sec-kl", "both cases go wrong", "demo-kl", r"zero in p: nan .*\nzero in q: inf "),
        Claim("sec-bayes", r"= \frac16 \approx 16.7\,\%", "demo-base-rate", r"P\(sick \| 1 positive test\(s\)\) = 0\.1667\n"),
        Claim("sec-bayes", "positive test lifts it to about 80 %", "demo-base-rate", r"P\(sick \| 2 positive test\(s\)\) = 0\.7984\n"),
        Claim("sec-bayes", "underflow to 0 for every hypothesis: $0/0$", "demo-base-rate",
              r"prior x product of likelihoods : \[0\. 0\. 0\.\] -> normalised: \[nan nan nan\]\n"),
        Claim("going-further", "carries a rounding error of about $10^{-16}$ (next cell)", "demo-jsd-near-equal",
              r"\(they differ by 1\.1e-16\)\n"),
        Claim("going-further", "formula returns rounding noise", "demo-jsd-near-equal",
              r"is about \(p - q\)\*\*2 / 2 = 5\.0e-19, far below that\n"),
        Claim("sec-lstsq", r"their error grows with $\operatorname{cond}(X)^2$", "demo-normal-equations",
              r"stacked lstsq : \|w - w\*\| / \|w\*\| = \d\.\d\de-1\d\nnormal eq\.    : \|w - w\*\| / \|w\*\| = \d\.\d\de-0\d\n"),
        Claim("sec-train", "Without a prior\n80.2 % of the validation digits are right", "fig-train",
              r"prior_std = inf +\(training 100\.0%\) +validation accuracy +yours: 80\.2% +correct functions: 80\.2%\n"),
        Claim("sec-train", "with the grid's best, `prior_std = 0.3`, 85.2 %", "fig-train",
              r"prior_std = 0\.3 +\(training +99\.0%\) +validation accuracy +yours: 85\.2% +correct functions: 85\.2%\n"
              r"(.*\n)*chosen on the validation digits +yours: prior_std = 0\.3 +correct functions: prior_std = 0\.3\n"),
        Claim("sec-train", "and 89.1 % of\nthe test digits", "fig-train",
              r"test accuracy of that choice \(used once\) +yours: 89\.1% +correct functions: 89\.1%\n"),
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
        shown = any("image/png" in o.get("data", {}) for o in cell.get("outputs", ()) if o.output_type == "display_data")
        if cell.cell_type == "code" and str(cell.get("id", "")).startswith("fig-") and not shown:
            found.append(f"{cell.id}: displayed no figure")
    for claim in CLAIMS.get(ps, ()):
        text, code = cells.get(claim.text_id), cells.get(claim.cell_id)
        if text is None or claim.prose not in text.source:
            found.append(f"{claim.text_id}: the prose no longer says {claim.prose!r}")
        if code is None or not re.search(claim.output, _stdout(code)):
            found.append(f"{claim.cell_id}: its output does not show what {claim.text_id} says "
                         f"({claim.output!r} not found)")
    return found
