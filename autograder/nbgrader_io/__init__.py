"""The course's nbgrader side: its gradebook, configuration and deadlines read and written, and the plugins
plain ``nbgrader`` loads from the course's ``nbgrader_config.py``.

Every module here imports nbgrader (or reads what nbgrader keeps: ``gradebook.db``, ``nbgrader_config.py``,
the ``autograded/`` folder); the reports (:mod:`autograder.reports`) import none of them, and take the gradebook's
steps from the command that runs them (:mod:`~autograder.nbgrader_io.course_gradebook`). One module per job:

* :mod:`~autograder.nbgrader_io.gradebook` – scores into nbgrader's ``gradebook.db``, and hand-graded points back;
* :mod:`~autograder.nbgrader_io.course_gradebook` – a course's gradebook as the reports take it (points in, scores
  out);
* :mod:`~autograder.nbgrader_io.autograded` – the ``autograded/`` notebooks formgrader shows for grading by hand;
* :mod:`~autograder.nbgrader_io.course_deadlines` – the course's due dates, extensions and late policy (gradebook
  and ``nbgrader_config.py``, or ``deadlines.toml``, or Gradescope's metadata), applied by
  :mod:`autograder.model.penalties`;
* plugins named in ``nbgrader_config.py``:

  * :mod:`~autograder.nbgrader_io.nbgrader_export` – ``nbgrader export``'s plugin: the same grades.csv,
    formula-safe;
  * :mod:`~autograder.nbgrader_io.nbgrader_late` – the built-in late policies as an nbgrader plugin;
  * :mod:`~autograder.nbgrader_io.released_cells` – plain ``nbgrader autograde``'s OverwriteCells, silent on test
    cells handed in as released;
  * :mod:`~autograder.nbgrader_io.for_the_grader` – plain nbgrader's cell "For the grader" after each answer cell
    in formgrader, left out of nbgrader's own feedback.

Importing this package imports nothing: nbgrader loads its plugins from here without the other modules.
(Until the reports and this package were split, the plugins were ``autograder.reports.nbgrader_export``, …: a
course's ``nbgrader_config.py`` naming those paths must name these.)
"""
