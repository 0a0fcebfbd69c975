"""What an instructor and a student see after a batch: feedback, reports, exports.

One module per job:

* :mod:`~autograder.reports.after_grading` – every report of a results folder written from it alone, then shown
  (``write_reports``); the late-penalty step alone (``apply_deadlines``); ``late``'s recompute;
* :mod:`~autograder.reports.grouping` – how the reports group a class's results (problem sets, students);
* :mod:`~autograder.reports.stats` – the class statistics, computed once for the three renderers below;
* :mod:`~autograder.reports.feedback` – ``feedback.html`` per submission;
* :mod:`~autograder.reports.report` – ``report.html`` for the class (histogram, item analysis);
* :mod:`~autograder.reports.histogram` – its score histograms, as inline SVG;
* :mod:`~autograder.reports.late` – the class's late submissions, for the pages and ``--json``;
* :mod:`~autograder.reports.table` – the rich grade table, the batch's own lines and a progress bar;
* :mod:`~autograder.reports.jsonout` – ``--json`` machine output;
* :mod:`~autograder.reports.gradebook` – scores into nbgrader's ``gradebook.db``, and hand-graded points back;
* :mod:`~autograder.reports.autograded` – the ``autograded/`` notebooks formgrader shows for grading by hand;
* :mod:`~autograder.reports.nbgrader_export` – ``nbgrader export``'s plugin: the same grades.csv, formula-safe;
* :mod:`~autograder.reports.released_cells` – plain ``nbgrader autograde``'s OverwriteCells, silent on test
  cells handed in as released;
* :mod:`~autograder.reports.course_deadlines` – the course's due dates, extensions and late policy (gradebook
  and ``nbgrader_config.py``, or ``deadlines.toml``), applied by :mod:`autograder.model.penalties`;
* :mod:`~autograder.reports.nbgrader_late` – the built-in late policies as an nbgrader plugin;
* :mod:`~autograder.reports.lms`, :mod:`~autograder.reports.junit`, :mod:`~autograder.reports.gradescope` –
  the exports (Canvas and CSV, JUnit XML, Gradescope's results.json);
* :mod:`~autograder.reports._html` – the Jinja2 environment of the pages (``reports/templates/``).

Importing this package imports nothing: nbgrader loads its plugins (``nbgrader_export``, ``nbgrader_late``)
from here without the pages' modules.
"""
