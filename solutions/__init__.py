"""Reference solutions for the six problem sets.

One module per problem set, named by its id (``ps1_softmax`` … ``ps6_information``).
These are the truth the hidden checks compare submissions against; they are
never shipped in ``release/``.
"""

from autograder.course import PROBLEM_SETS  # noqa: F401  (the one list of problem sets, re-exported)
