"""The audited perimeter: everything between student code and the grade, split along its trust boundary.

The one part of the product a security reviewer must read, in four packages
with one job each. Three run on the untrusted side (the zygote and its
children) and import only the standard library and what a student's notebook
runs with (NumPy, and for the child's runtime SciPy, matplotlib, IPython,
traitlets), nothing else of the product, so nothing there knows an answer:

* :mod:`.confinement`   – how a child is confined: the modes, the view of the files, the namespaces, Landlock,
  seccomp, the uid claims, cgroups, rlimits, its processes and working folders;
* :mod:`.child_runtime` – what runs there: the zygote that forks the children, the child that runs cells and
  answers calls, the wire format, one call made plain data, the carried-forward stubs;
* :mod:`.guard`         – grading integrity, not isolation: the forbidden library functions made unusable
  (a :class:`~.guard.arming.Guard` object per process), the names pinned, their uses found in the bytecode.

The fourth is the trusted half, run by the grader to watch the children and to
decode what they send (standard library only):

* :mod:`.supervision`   – the zygote's client, a child's answers read within bounds, the session of one
  submission, the disk watch, the grader's held folders.

``tests/test_layers.py`` keeps the imports so (the child's runtime may use
the confinement and the guard; the trusted half the runtime's wire format and
the confinement's limits; none of them the rest of the product), and
``tests/test_types.py`` checks all four as ``mypy --strict`` would.
Importing this package imports nothing.
"""
