"""One graded function of one notebook, normalised and fingerprinted: what the index compares.

The steps, in order: the function and the notebook's other top-level
functions (its helpers) are bounded (:mod:`.bounds`), the helpers inlined
(:mod:`.inline`), the noise and dead code removed (:mod:`.prune`),
single-use temporaries written where they are read (:mod:`.temporaries`),
equivalent spellings written one way (:mod:`.canonical`), the
independent statements put in canonical order (:mod:`.reorder`), the tree
written as tokens (:mod:`.tokens`) and fingerprinted (:mod:`.fingerprints`).
The parsed trees are only read: every step works on a copy. Each token
remembers the definition it came from (the function, or a helper, inlined or
not) and its line there, so that a match is shown in the code as written.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np

from autograder.similarity.bounds import MAX_TOKENS, too_large
from autograder.similarity.canonical import canonical_forms
from autograder.similarity.clone import clone
from autograder.similarity.fingerprints import fingerprints
from autograder.similarity.inline import inline_helpers
from autograder.similarity.prune import prune
from autograder.similarity.reorder import canonical_order
from autograder.similarity.temporaries import inline_temporaries
from autograder.similarity.tokens import Namer, bound_names, local_imports, statement_key, token_stream

#: The attribute naming the definition a syntax node was written in (set on copies only).
PIECE = "_similarity_piece"


@dataclass
class Document:
    """A function ready to compare.

    ``hashes``/``positions``: its fingerprints and where each starts in the
    token stream; ``places``: ``(piece, line)`` of each token, ``piece`` an
    index into ``pieces`` (the names of the definitions its tokens come from:
    the function first, then its helpers); ``size``: tokens in the stream;
    ``problem``: why it is not compared (then it has no fingerprints).
    """

    hashes: np.ndarray
    positions: np.ndarray
    places: np.ndarray
    pieces: tuple = ()
    size: int = 0
    problem: str = ""


def _reachable(function, helpers: dict) -> dict:
    """The helpers ``function`` names, and the helpers they name, and so on (the others play no part)."""
    found, todo = {}, [function]
    while todo:
        for node in ast.walk(todo.pop()):
            if isinstance(node, ast.Name) and node.id in helpers and node.id not in found \
                    and node.id != function.name:
                found[node.id] = helpers[node.id]
                todo.append(helpers[node.id])
    return found


def _stream(trees: list, imports: dict, helpers: frozenset, contract: frozenset) -> list:
    stream = []
    for tree in trees:
        namer = Namer(bound_names(tree), local_imports(tree, imports), helpers, contract)
        canonical_forms(tree, statement_key(namer), frozenset(namer.imports) - namer.local)
        canonical_order(tree, statement_key(namer))
        token_stream(tree, namer, out=stream, piece_attribute=PIECE)
    return stream[:MAX_TOKENS]


def document(function, helpers: dict, imports: dict, contract=frozenset()) -> Document:
    """The :class:`Document` of ``function`` (an ``ast.FunctionDef``, only read).

    Parameters
    ----------
    function : ast.FunctionDef
        The graded function as the notebook defines it.
    helpers : dict
        ``name -> ast.FunctionDef``: the notebook's other top-level functions
        (contract functions excluded: each is compared on its own); those the
        function names, directly or through another, are its helpers.
    imports : dict
        The notebook's import aliases (``np -> numpy``).
    contract : collection of str
        The problem set's function names, written as themselves.
    """
    empty = np.empty(0, dtype=np.int64)
    helpers = _reachable(function, helpers)
    problem = too_large([function, *helpers.values()])
    if problem:
        return Document(empty, empty, np.empty((0, 2), dtype=np.int64), problem=f"not compared: {problem}")
    inlined, kept = inline_helpers(clone(function, **{PIECE: function.name}),
                                   {name: clone(tree, **{PIECE: name}) for name, tree in helpers.items()})
    problem = too_large([inlined, *kept])
    if problem:
        return Document(empty, empty, np.empty((0, 2), dtype=np.int64), problem=f"not compared: {problem} "
                        "once its helpers are written in")
    for tree in [inlined] + kept:
        prune(tree)
        inline_temporaries(tree)
    stream = _stream([inlined] + kept, imports, frozenset(helpers), frozenset(contract))
    pieces = tuple(dict.fromkeys([function.name] + [piece for _, piece, _ in stream]))
    number = {name: i for i, name in enumerate(pieces)}
    hashes, positions = fingerprints([token for token, _, _ in stream])
    places = np.array([(number[piece], line) for _, piece, line in stream], dtype=np.int64).reshape(-1, 2)
    return Document(hashes, positions, places, pieces, len(stream))


def given_hashes(tree, imports: dict, contract=frozenset()) -> np.ndarray:
    """The fingerprints of given code (a released cell's tree), written as a student's would be: each
    function on its own, the cell's other statements together."""
    streams = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = inline_helpers(clone(node), {})[0]
            prune(function)
            inline_temporaries(function)
            streams.append(_stream([function], imports, frozenset(), frozenset(contract)))
    rest = ast.Module([n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))], [])
    streams.append(token_stream(rest, Namer(bound_names(rest), imports, frozenset(), frozenset(contract))))
    found = [fingerprints([token for token, _, _ in stream])[0] for stream in streams]
    return np.unique(np.concatenate([np.empty(0, dtype=np.int64)] + found))
