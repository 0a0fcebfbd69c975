"""The course's rubric: what each set's points reward, and why, as data that ``docs/grading.md`` prints.

The points themselves are declared once, with each function (``points=`` in ``autograder/checks/<ps>.py``, written
into the notebooks' nbgrader metadata by ``make release``); this module states the rules they follow and the reason for each
weight, and ``tests/test_rubric.py`` holds the notebooks to them:

* **the idea a set is named for** (the max shift and log-sum-exp in ps1 and ps2, the log-domain
  density in ps3, the stable sigmoid and BCE from the logits in ps4) is judged by one cell of each
  function that needs it (:attr:`SetRubric.idea_cells`), worth at least :data:`IDEA_SHARE` of that
  function's points: an implementation without the idea (the textbook formula, finite on ordinary
  inputs) loses at least that;
* **the container** (a kept axis of length 1, a length-1 array for one number, an array for a tuple)
  is judged in the function's ``-shape`` cell alone, worth at most :data:`CONTAINER_SHARE` of the
  function; every other cell compares values as values (``autograder.checks.compare.as_values``);
* **the derivation** is worth about :data:`DERIVATION_SHARE` of its set, and at least
  :data:`DERIVATION_MIN` points (its rubric, in the answer cell, scaled to match);
* **every set totals a multiple of** :data:`ROUND`;
* purity and error handling stay small (1 point each; ``testkit/load.py``'s hygiene share).

:data:`KINDS` names, for each kind of implementation the rubric is about, the zoo specimens of that
kind; ``tests/test_rubric.py`` grades each and checks that it loses what the rubric says.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A function that needs its set's idea loses at least this share of its points without it.
IDEA_SHARE = 1 / 3
#: Right values in a slightly wrong container cost at most this share of the function's points.
CONTAINER_SHARE = 1 / 4
#: The derivation's share of its set's points ("about a fifth": within DERIVATION_TOLERANCE of it) ...
DERIVATION_SHARE = 1 / 5
DERIVATION_TOLERANCE = 0.02
#: ... and its least number of points.
DERIVATION_MIN = 6
#: Every set's total (autograded and by hand) is a multiple of this.
ROUND = 10


@dataclass(frozen=True)
class SetRubric:
    """One problem set's rubric.

    Attributes
    ----------
    idea : str
        The idea the set is named for, in words ("" when the set is named for its content, not one
        numerical idea).
    idea_cells : tuple of str
        The graded cells that judge the idea, one per function that needs it.
    why : str
        The reasons for the weights, in a few sentences (printed in ``docs/grading.md``).
    """

    idea: str
    idea_cells: tuple
    why: str


#: Why each kind of cell weighs what it weighs, the same in every set (printed once in ``docs/grading.md``).
WEIGHTS = (
    ("the set's idea", "at least a third of each function that needs it",
     "it is what the set teaches: an implementation that skips it (the textbook formula, right on ordinary inputs "
     "and `nan` or `inf` at the inputs the contract names) has missed the lesson, not a detail"),
    ("`-basic`", "the largest share after the idea (3–5 points)",
     "the values against the reference: a wrong formula is wrong everywhere it is used"),
    ("property cells (`-axis`, `-temperature`, `-soft`, `-batch`, `-broadcast`, `-edges`, …)", "2–3 points",
     "one property of the contract each, judged by the function against itself, so a mistake of that "
     "property costs its own cell"),
    ("`-shape`", "1 point, at most a quarter of the function",
     "the container (a kept axis of length 1, a length-1 array for one number, an array for a tuple): real, "
     "but the values inside are right, so every other cell compares values as values"),
    ("`-purity`, `-errors`", "1 point each",
     "the same policy in every set (docs/contract.md): hygiene, at most a quarter of a set's autograded points"),
    ("the derivation (by hand)", f"about a fifth of the set, at least {DERIVATION_MIN} points",
     "the stated times give it about a fifth of the work (40 minutes of about three hours)"),
)

RUBRICS = {
    "ps1_softmax": SetRubric(
        idea="the max shift, and log-sum-exp computed with it",
        idea_cells=("logsumexp-stability", "softmax-stability", "log_softmax-stability"),
        why="All three functions are the max shift applied: their `-stability` cells (finite, warning-free and "
            "consistent with the function on shifted logits at ±1000 and ±1e300) carry a third or more of each. "
            "The derivation proves the identity the three rely on."),
    "ps2_cross_entropy": SetRubric(
        idea="log-sum-exp inside the loss and its gradient (never log(softmax))",
        idea_cells=("cross_entropy-stability", "cross_entropy_grad-stability"),
        why="The loss through log-softmax and the gradient through a shifted softmax are the set's point: their "
            "`-stability` cells weigh more than a third of each function; a flipped sign or a missing 1/N still "
            "costs the value cells (4 points and more)."),
    "ps3_gaussian": SetRubric(
        idea="the log-domain density (the log taken before the density can underflow)",
        idea_cells=("gaussian_log_pdf-tails", "gaussian_log_likelihood-tails", "mvn_log_pdf-conditioning"),
        why="`np.log(pdf)` and the log of a product of densities are right near the mean and -inf in the tails; "
            "`log(det)` of a 300-dimensional covariance is -inf or inf: the cells that judge the far tails and "
            "the conditioning carry a third of each function. `gaussian_mle` needs no log-domain idea."),
    "ps4_bernoulli": SetRubric(
        idea="the sigmoid and BCE computed from the logit without overflow (never forming p)",
        idea_cells=("sigmoid-stability", "binary_cross_entropy_with_logits-stability"),
        why="The sigmoid split by sign and the loss from the logit are what the set's last function is for: "
            "their `-stability` cells carry more than a third of each. The probability-side functions are judged "
            "on their edges (0 · log 0 = 0), 3 points each."),
    "ps5_gaussian_kl": SetRubric(
        idea="",
        idea_cells=(),
        why="Named for the closed form, which the values judge (`-basic`, and `mvn_kl-highdim` for the Cholesky "
            "route at D = 100 to 200); `vae_kl`'s batch and shape are separate cells, so keeping the summed axis "
            "costs 1 point of 8."),
    "ps6_information": SetRubric(
        idea="",
        idea_cells=(),
        why="Five functions of equal standing, each with a value cell (5 points; 4 for the two divergences, "
            "whose `axis` is a cell of its own, as entropy's is); the property cells judge 0 · log 0, the support, "
            "symmetry, log space and the prior's limits."),
}

#: Kinds of implementation the rubric is about -> the zoo specimens of that kind (``tests/test_rubric.py``).
KINDS = {
    "no max shift (softmax overflows to nan at z = 1000)": ("softmax-naive-overflow", "softmax-global-max"),
    "logsumexp without the shift": ("logsumexp-naive",),
    "log_softmax as np.log(softmax(z))": ("log_softmax-log-of-softmax",),
    "cross-entropy through log(softmax)": ("cross_entropy-log-of-softmax", "cross_entropy-naive-exp"),
    "the gradient through an unshifted softmax": ("cross_entropy_grad-naive-softmax",),
    "gaussian_log_pdf as np.log(pdf)": ("gaussian_log_pdf-log-of-pdf",),
    "the log-likelihood as the log of a product": ("gaussian_log_likelihood-log-of-product",),
    "mvn_log_pdf through inv and det": ("mvn_log_pdf-inv-det",),
    "the textbook sigmoid": ("ps4-sigmoid-naive",),
    "BCE with logits through log(sigmoid(z))": ("ps4-logits-via-sigmoid", "ps4-logits-naive-softplus"),
    "keepdims: (N, 1) for (N,)": ("logsumexp-keeps-dims",),
    "a length-1 array for a scalar": ("cross_entropy-length-1-array",),
    "vae_kl with keepdims=True": ("ps5-vae-kl-keepdims",),
    "an array for a tuple": ("gaussian_mle-returns-array",),
}
#: The kinds above that are a container slip (the rest miss the set's idea).
CONTAINER_KINDS = ("keepdims: (N, 1) for (N,)", "a length-1 array for a scalar", "vae_kl with keepdims=True",
                   "an array for a tuple")


def idea_cells(ps: str) -> tuple:
    """``ps``'s idea cells that the course grades (a function taken out takes its idea cell with it)."""
    from autograder.model.course import GRADE_CELLS

    graded = {gid for gid, _ in GRADE_CELLS[ps]}
    return tuple(gid for gid in RUBRICS[ps].idea_cells if gid in graded)


def kinds() -> dict:
    """:data:`KINDS`, each with the specimens the zoo still holds (those of a function taken out left out)."""
    from testkit.zoo import all_specimens

    present = {s.name for _, s in all_specimens()}
    return {kind: tuple(n for n in names if n in present) for kind, names in KINDS.items()
            if any(n in present for n in names)}
