"""How much of one notebook the similarity report reads: syntax nodes, nesting depth, tokens, seconds.

A solution of this course is a few hundred syntax nodes, nested a dozen
deep, read in a few milliseconds. Every step of the report is bounded so that
no submission can stop the report, or make it run out of stack or time:

* a function beyond :data:`MAX_NODES` nodes (with its helpers) or
  :data:`MAX_DEPTH` levels is not compared, and the report says so; both are
  measured without recursion (:func:`too_large`), before the steps that
  recurse, and again after each step that can make a tree deeper (helpers
  and temporaries written in), which themselves never make it deeper than
  :data:`MAX_DEPTH`;
* a token stream is cut at :data:`MAX_TOKENS`;
* one notebook is given :data:`MAX_SECONDS` in all (:class:`Deadline`): the
  steps look at the clock between functions and inside their loops, and a
  notebook past it is "not compared" with that reason. Where the reading runs
  in a process's main thread (a worker process, the ``similarity`` command),
  a timer signal (:func:`time_limit`) stops even a step that does not look.

Every step's work is linear in the size of what it reads, or bounded by a
constant of its own (rounds, runs, calls), so that the time limit is a
backstop and not the bound.
"""

from __future__ import annotations

import ast
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import FrameType

#: Syntax nodes of a function and its helpers, at most.
MAX_NODES = 20_000
#: Nesting depth of a function's syntax tree, at most (the normalisation recurses this deep).
MAX_DEPTH = 100
#: Tokens of one function's stream, at most (a solution has a few hundred).
MAX_TOKENS = 10_000
#: Seconds one notebook may take to be read into documents (one takes a few milliseconds to a tenth of a second).
MAX_SECONDS = 20.0


class Exceeded(Exception):
    """A notebook took more than its time (the message says so, in the report's words)."""


class Deadline:
    """The time one notebook has left: :meth:`check` raises :class:`Exceeded` once it is over."""

    def __init__(self, seconds: float = MAX_SECONDS) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise Exceeded(f"reading it took more than {self.seconds:g} s (the limit per notebook)")


#: A deadline that never passes (for callers that read one function alone, such as the tests).
NEVER = Deadline(float("inf"))


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Exceeded` in the block once ``seconds`` have passed, through a timer signal.

    Only in a process's main thread (signals are delivered there), and only when no other timer is
    set; elsewhere the block runs under its :class:`Deadline` alone.
    """
    usable = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer") \
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    if not usable:
        yield
        return

    def _expired(signum: int, frame: FrameType | None) -> None:
        raise Exceeded(f"reading it took more than {seconds:g} s (the limit per notebook)")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _push_children(todo: list[tuple[ast.AST, int]], node: ast.AST, level: int) -> None:
    """Put ``node``'s children on ``todo`` at ``level``, in :func:`ast.iter_child_nodes`'s order (without a generator
    per node): :func:`depth` and :func:`too_large` read the same children."""
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            todo.append((value, level))
        elif isinstance(value, list):
            todo.extend([(item, level) for item in value if isinstance(item, ast.AST)])


def depth(tree: ast.AST) -> int:
    """The nesting depth of ``tree`` (1 for a leaf), measured without recursion."""
    deepest, todo = 0, [(tree, 1)]
    while todo:
        node, level = todo.pop()
        deepest = max(deepest, level)
        _push_children(todo, node, level + 1)
    return deepest


def too_large(trees: Iterable[ast.AST]) -> str:
    """Why ``trees`` (syntax trees) are too large to compare, or ``""`` when they are not."""
    nodes = 0
    todo = [(tree, 1) for tree in trees]
    while todo:
        node, level = todo.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return f"more than {MAX_NODES:,} syntax nodes"
        if level > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        _push_children(todo, node, level + 1)
    return ""
