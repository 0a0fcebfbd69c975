"""nbgrader configuration for the probdl course.

The folder holding this file is the course directory (source/, release/,
submitted/, autograded/, feedback/, gradebook.db). The root is derived from
this file's own location, so a copy of the course folder works wherever it is
put, and nbgrader run from elsewhere (``--config``) still finds the course.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

c.CourseDirectory.course_id = "probdl"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# What replaces a "### BEGIN SOLUTION … ### END SOLUTION" region in the release.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Lock cells so students cannot delete graded or read-only cells by accident.
c.LockCells.lock_grade_cells = True
c.LockCells.lock_readonly_cells = True

# Plain `nbgrader autograde`: seconds per cell before the kernel is interrupted
# (nbgrader's Execute preprocessor; its default is 30). The course's own engine
# has its own, stricter timeouts.
c.Execute.timeout = 120

# Errors carried forward, in the kernel too: each graded cell runs as a whole (its
# visible asserts included) with the contract functions its check carries forward
# answered by the reference, as our engine grades it (autograder/checks/nbgrader_kernel.py).
c.Execute.extra_arguments = [
    "--InteractiveShellApp.exec_lines=__import__('autograder.checks.nbgrader_kernel', fromlist=['install']).install()",
]

# `nbgrader export`: the same grades.csv as nbgrader's own exporter, written as real CSV with
# formula-safe text, so that no student id (a folder name the student chose) can shift its row's
# columns or run as a spreadsheet formula (autograder/nbgrader_io/nbgrader_export.py).
c.ExportApp.plugin_class = "autograder.nbgrader_io.nbgrader_export.SafeCsvExportPlugin"

# Plain `nbgrader autograde`: nbgrader's OverwriteCells reports every test cell with hidden tests as
# changed, even untouched (its checksum in the gradebook includes the hidden tests; jupyter/nbgrader#1961).
# The same preprocessor, silent on a cell handed in as released (autograder/nbgrader_io/released_cells.py);
# a cell a student did change is still reported and restored.
#
# The derivations: after each answer cell, the cell "For the grader" with the source's model answer and rubric, so
# that formgrader shows them beside the student's answer (nbgrader keeps no copy of an answer cell's source text:
# autograder/nbgrader_io/for_the_grader.py), and nbgrader's own feedback notebooks without it.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "autograder.nbgrader_io.released_cells.OverwriteReleasedCells",
    "autograder.nbgrader_io.for_the_grader.AddGraderCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.nbgrader_io.for_the_grader.DropGraderCells",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# formgrader (and nbgrader's feedback) render each notebook with nbconvert's HTMLExporter and this configuration:
# the course's own code cells (set-up, data, lesson demos and figures, tests) and the opening are shown collapsed to
# their first line, so the page opens on the work
c.HTMLExporter.preprocessors = ["autograder.nbgrader_io.collapsed_cells.CollapseCourseCells"]
