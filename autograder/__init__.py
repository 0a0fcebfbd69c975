"""Grading for the probability-foundations course.

Subpackages are named for the stage they serve; imports point one way
(``tests/test_layers.py`` enforces it):

* ``autograder.commands`` – ``python -m autograder <command>``: the only layer that knows all the others
* ``autograder.engine``     – sandboxed, parallel grading of submissions      } side by side:
* ``autograder.reports``    – feedback pages, class report, exports             } none imports
* ``autograder.nbgrader_io`` – the course's gradebook, deadlines, nbgrader plugins }
* ``autograder.release``    – ``source/`` → ``release/``; the Gradescope bundle } another
* ``autograder.similarity`` – which students' code is unusually alike          }
* ``autograder.lms``        – grades.csv posted to an LMS (LTI 1.3, Canvas, Moodle) }
* ``autograder.checks``   – declarative hidden checks (data) and their evaluation
* ``autograder.perimeter`` – the audited perimeter: confinement, the child's runtime, the guard, and the trusted
  half that watches the children (imports nothing else of the product)
* ``autograder.model``    – the course plan, the results model, ids, files (imports nothing else of the product)

Importing this package imports nothing; the CLI imports the module of the command it runs.
Every module and its one job: ``docs/architecture.md``.
"""
