"""The forbidden library functions: grading integrity, not isolation (the standard library and NumPy only).

A submission earns points only for its own work, so the library functions a
problem set asks students to write never compute for student code, in the
engine's child and in a plain-nbgrader kernel alike; and their uses are found
in the bytecode whatever was rebound since.

* :mod:`.arming`         – a process's :class:`~.arming.Guard`: planned, then armed once, never undone
* :mod:`.gates`          – code that only raises, standing in for a forbidden function
* :mod:`.dotted`         – a library object from its dotted name
* :mod:`.pinning`        – the forbidden names resolved before any student code runs
* :mod:`.forbidden_walk` – a function's uses of forbidden names, read from its bytecode

Importing this package imports nothing.
"""
