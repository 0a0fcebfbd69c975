"""The commands of ``python -m autograder`` (dispatched by :mod:`autograder.cli`), one module each.

The only layer that knows all the others: each command wires the engine, the
reports and the release together and stays thin. A command module exposes
``add_arguments(parser)`` and ``run(args) -> int``.

* :mod:`.autograde` – grade a folder of submissions in the sandbox, then write the reports
* :mod:`.merge`     – combine the results of shards into one results folder
* :mod:`.release`   – regenerate ``release/`` from ``source/``
* :mod:`.demo`      – the whole instructor workflow on the bundled example submissions
* :mod:`.similarity` – which students' code is unusually alike (also ``autograde --similarity``)
"""
