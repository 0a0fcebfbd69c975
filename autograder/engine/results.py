"""Results on disk, as the engine writes them: one results.json per submission, grades.csv.

The model and its bounded writer are :mod:`autograder.model.results` (results.json
is **bounded** whatever the submission did: at most :data:`MAX_ITEMS` notes,
tamper lines and cell records, strings cut at :data:`MAX_TEXT` characters,
code at :data:`MAX_CODE`, wide integers and non-finite floats replaced);
grades.csv is :mod:`autograder.model.grades`. Every file is written atomically
(:mod:`autograder.model.files`), so a batch killed at any moment leaves either the
old file or the new one, never half of one; a re-run resumes from what is there.
"""

from __future__ import annotations

from autograder.model.files import write_atomic, write_json_atomic
from autograder.model.grades import grades_table, iter_results, read_results, write_grades_csv
from autograder.model.results import MAX_CODE, MAX_ITEMS, MAX_TEXT, bound, results_path, write_results

__all__ = ["MAX_CODE", "MAX_ITEMS", "MAX_TEXT", "bound", "grades_table", "iter_results", "read_results",
           "results_path", "write_atomic", "write_grades_csv", "write_json_atomic", "write_results"]
