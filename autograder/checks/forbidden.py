"""Library objects whose use earns no points: ready-made versions of what is asked.

Each problem set composes its ``FORBIDDEN`` tuple from these groups (dotted
names of objects, or module prefixes; see ``forbidden_walk.forbidden_uses``).
"""

#: Whole frameworks that ship every loss and distribution of the course.
FRAMEWORKS = ("torch", "jax", "tensorflow")

#: SciPy's softmax family (ps1 asks for them; ps2 builds on the student's own).
SCIPY_SOFTMAX = ("scipy.special.softmax", "scipy.special.log_softmax", "scipy.special.logsumexp")

#: SciPy's Gaussian distributions (their logpdf is ps3; their entropy/KL helpers ps5).
SCIPY_GAUSSIANS = ("scipy.stats.norm", "scipy.stats.multivariate_normal")

#: The sigmoid and Bernoulli distribution (ps4); ``cython_special`` holds SciPy's compiled sigmoid a second time,
#: as functions of its own (not the ufunc).
SCIPY_SIGMOID = ("scipy.special.expit", "scipy.special.log_expit", "scipy.stats.bernoulli",
                 "scipy.special.cython_special.expit", "scipy.special.cython_special.log_expit")

#: scikit-learn's cross-entropy (ps2 and ps4).
SKLEARN_LOG_LOSS = ("sklearn.metrics.log_loss",)

#: SciPy's entropy, KL and Jensen–Shannon functions (ps6; ``scipy.stats.entropy(p, q)`` is KL too).
SCIPY_INFORMATION = (
    "scipy.stats.entropy", "scipy.special.entr", "scipy.special.rel_entr", "scipy.special.kl_div",
    "scipy.spatial.distance.jensenshannon",
    "scipy.special.cython_special.entr", "scipy.special.cython_special.rel_entr",
    "scipy.special.cython_special.kl_div",
)

#: Every name above: what the grading engine's zygote prepares while it starts, before the checks are loaded.
ALL = FRAMEWORKS + SCIPY_SOFTMAX + SCIPY_GAUSSIANS + SCIPY_SIGMOID + SKLEARN_LOG_LOSS + SCIPY_INFORMATION


def linear_algebra_allowed(*names: str) -> str:
    """What a problem set that forbids SciPy's Gaussians still allows, as the notebook and the forbidden-use message
    say it: ``"NumPy and the linear-algebra building blocks a, b and c"`` for ``names`` a, b, c (two at least)."""
    if len(names) < 2:
        raise ValueError(f"names: expected two or more building blocks, got {names!r}")
    return f"NumPy and the linear-algebra building blocks {', '.join(names[:-1])} and {names[-1]}"
