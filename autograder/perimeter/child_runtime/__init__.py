"""What runs beside student code: the zygote, the child and what they answer with (untrusted side).

* :mod:`.zygote`         – the warm process that forks one confined child per submission
* :mod:`.preload`        – what it loads once before it forks, the guard and the call tools then out of reach
* :mod:`.child`          – the untrusted child: runs cells in IPython, answers the grader's calls
* :mod:`.invoke`         – one call of a student's function → plain data (also imported by the checks)
* :mod:`.carry_forward`  – errors carried forward: the callees of a call answered by the grader's reference
* :mod:`.failed_imports` – an import of a library the sandbox lacks or refuses skipped, not fatal to its cell
* :mod:`.wire`           – length-prefixed JSON, numbers-only arrays, never pickle (both sides speak it)

It imports the standard library, what a student's notebook runs with, the
confinement (:mod:`autograder.perimeter.confinement`) and the guard
(:mod:`autograder.perimeter.guard`), nothing else of the product.
Importing this package imports nothing.
"""
