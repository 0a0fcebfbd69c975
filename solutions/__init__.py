"""Reference solutions for the six problem sets.

One module per problem set, named by its id (``ps1_softmax`` … ``ps6_information``).
These are the truth the hidden checks compare submissions against; they are
never shipped in ``release/``. They import nothing else of the product.
"""
