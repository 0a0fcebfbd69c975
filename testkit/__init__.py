"""Scaffolding shared by the tests, the examples and the benchmarks (not part of the installed product).

* :mod:`.zoo`             – the bug zoo: realistic implementations, wrong and right, as students write them
* :mod:`.fill`            – student-like notebooks: the release with its solution cells filled in
* :mod:`.nbgrader_course` – course folders graded by stock ``nbgrader autograde`` and by our command
"""
