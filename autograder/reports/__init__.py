"""What an instructor and a student see after a batch: feedback, reports, exports.

Everything here is written from a results folder alone (the results model, :mod:`autograder.model`) and imports
nothing of nbgrader: the course's nbgrader side (its gradebook, deadlines, plugins) is :mod:`autograder.nbgrader_io`.

One module per job:

* :mod:`~autograder.reports.after_grading` – every report of a results folder written from it alone, then shown
  (``write_reports``, with the gradebook's steps a command hands in); the late-penalty step alone
  (``apply_deadlines``); ``late``'s recompute;
* :mod:`~autograder.reports.grouping` – how the reports group a class's results (students, a test's function);
* :mod:`~autograder.reports.stats` – the class statistics, computed once for the three renderers below;
* :mod:`~autograder.reports.feedback` – ``feedback.html`` per submission;
* :mod:`~autograder.reports.report` – ``report.html`` for the class (histogram, item analysis);
* :mod:`~autograder.reports.histogram` – its score histograms, as inline SVG;
* :mod:`~autograder.reports.late` – the class's late submissions, for the pages and ``--json``;
* :mod:`~autograder.reports.table` – the rich grade table, the batch's own lines and a progress bar;
* :mod:`~autograder.reports.jsonout` – ``--json`` machine output;
* :mod:`~autograder.reports.lms`, :mod:`~autograder.reports.junit`, :mod:`~autograder.reports.gradescope` –
  the exports (Canvas and CSV, JUnit XML, Gradescope's results.json);
* :mod:`~autograder.reports._html` – the Jinja2 environment of the pages (``reports/templates/``);
* :mod:`~autograder.reports.markdown_math` – answers and hints as the notebook shows them (Markdown and LaTeX
  math to MathML).
"""
