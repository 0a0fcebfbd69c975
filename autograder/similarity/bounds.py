"""How much of one function the similarity report reads: syntax nodes, nesting depth, tokens.

A solution of this course is a few hundred syntax nodes, nested a dozen
deep. A function beyond :data:`MAX_NODES` nodes (with its helpers) or
:data:`MAX_DEPTH` levels is not compared, and the report says so: the
normalisation walks the tree recursively, and a submission must not be able
to make it run out of stack or time. Both are measured without recursion.
A token stream is cut at :data:`MAX_TOKENS`.
"""

from __future__ import annotations

import ast

#: Syntax nodes of a function and its helpers, at most.
MAX_NODES = 20_000
#: Nesting depth of a function's syntax tree, at most (the normalisation recurses this deep).
MAX_DEPTH = 100
#: Tokens of one function's stream, at most (a solution has a few hundred).
MAX_TOKENS = 10_000


def too_large(trees) -> str:
    """Why ``trees`` (syntax trees) are too large to compare, or ``""`` when they are not."""
    nodes = 0
    todo = [(tree, 1) for tree in trees]
    while todo:
        node, depth = todo.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return f"more than {MAX_NODES:,} syntax nodes"
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return ""
