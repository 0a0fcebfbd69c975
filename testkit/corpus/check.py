"""Check the corpus's labels against the independent reference: ``python -m testkit.corpus.check [ID ...]``.

For each specimen (all, or the ids given) it prints what :mod:`testkit.corpus.oracle` finds wrong, and
whether that agrees with the file's header (``label`` and ``broken``). Exit status 1 when any disagrees;
``tests/test_corpus.py`` asserts the same for every specimen.
"""

from __future__ import annotations

import sys

from testkit.corpus import load, oracle


def verdict(specimen) -> dict:
    """``{property: what failed}`` for ``specimen``: the oracle's probes, plus ``forbidden`` for library code the
    contract forbids in its problem set."""
    try:
        fn = oracle.load(specimen.source, specimen.function)
    except Exception as exc:  # noqa: BLE001 — a specimen that does not even load is broken in every property
        return {"values": f"does not load: {type(exc).__name__}: {exc}"}
    found = oracle.judge(specimen.function, fn)
    names = oracle.forbidden(specimen.source, specimen.problem_set)
    if names:
        found["forbidden"] = ", ".join(names)
    return found


def disagreement(specimen) -> str:
    """Empty when the header's label and broken properties are what the oracle finds; else what differs."""
    found = verdict(specimen)
    if set(found) == set(specimen.broken):
        return ""
    return (f"{specimen.id}: header says {sorted(specimen.broken) or 'correct'}, the reference finds "
            + ("; ".join(f"{p}: {m}" for p, m in sorted(found.items())) or "nothing wrong"))


def main(argv=None) -> int:
    ids = list(sys.argv[1:] if argv is None else argv)
    chosen = [load.by_id(i) for i in ids] if ids else load.specimens()
    bad = 0
    for specimen in chosen:
        problem = disagreement(specimen)
        bad += bool(problem)
        print(problem or f"{specimen.id}: {specimen.label} {', '.join(specimen.broken)}".rstrip())
    print(f"{len(chosen)} specimens, {bad} disagree with the reference")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
