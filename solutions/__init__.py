"""Reference solutions for the six problem sets.

One module per problem set, named by its id (``ps1_softmax`` … ``ps6_information``).
These are the truth the hidden checks compare submissions against; they are
never shipped in ``release/``.
"""

PROBLEM_SETS = (
    "ps1_softmax",
    "ps2_cross_entropy",
    "ps3_gaussian",
    "ps4_bernoulli",
    "ps5_gaussian_kl",
    "ps6_information",
)
