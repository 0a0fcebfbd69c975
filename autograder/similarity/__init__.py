"""The similarity report: which students' code is unusually alike, per graded function.

A stage beside the engine and the reports (it imports only the model): it
reads submitted notebooks as data and never runs them. One step per module,
in the order a submission meets them:

* :mod:`.graded`       – what each contract function's graded calls run, read in the grader's order of cells
* :mod:`.bounds`       – how much is read: nodes, depth, tokens, seconds per notebook
* :mod:`.inline`       – the notebook's helpers written into the graded function
* :mod:`.unwrap`       – what only wraps the computation taken off (a nested function, ``with``, ``global``)
* :mod:`.prune`        – docstrings, debugging output, dead code and unused assignments removed
* :mod:`.temporaries`  – a temporary assigned once and read once written where it is read
* :mod:`.vectorise`    – a loop over rows written as the vectorised call it stands for
* :mod:`.canonical`    – equivalent spellings written one way (commutative operands, array methods)
* :mod:`.reorder`      – independent statements in one canonical order
* :mod:`.tokens`       – the syntax tree as tokens, names anonymised
* :mod:`.fingerprints` – hashed k-grams, winnowed by copydetect
* :mod:`.clone`        – copies of syntax trees (every step works on a copy)
* :mod:`.document`     – the steps above for one function
* :mod:`.corpus`       – every submission read (in worker processes), and the code every student was given
* :mod:`.index`        – per function: an inverted index, document frequencies, the pairs and their scores
* :mod:`.clusters`     – groups of students joined by pairs; the same students in several functions
* :mod:`.regions`      – where two versions match, line by line
* :mod:`.report`       – similarity.json, similarity.html and the side-by-side pages
* :mod:`.run`          – :func:`similarity_report`: all of it for a folder of submissions

The command is ``python -m autograder similarity`` (:mod:`autograder.commands.similarity`). Importing this
package imports nothing; each name is imported from its module (``from autograder.similarity.run import
similarity_report``).
"""
