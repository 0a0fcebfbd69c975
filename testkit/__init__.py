"""Scaffolding shared by the tests, the examples and the benchmarks (not part of the installed product).

* :mod:`.zoo`             – the bug zoo: realistic implementations, wrong and right, as students write them
* :mod:`.fill`            – student-like notebooks: the release with its solution cells filled in
* :mod:`.nbgrader_course` – course folders graded by stock ``nbgrader autograde`` and by our command
* :mod:`.attacks`         – submissions that try to score without doing the work
* :mod:`.probe`           – the sandbox seen from inside, for tests: a zygote (:mod:`.probe_zygote`) that says
  which processes a slot has, which modules it loaded and what a child printed
"""
