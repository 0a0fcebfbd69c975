"""nbgrader late-submission plugins an instructor might write (``c.AssignLatePenalties.plugin_class``), for
tests/test_late_reports.py: each returns what its docstring says, and nbgrader bounds it to [0, score]."""

from nbgrader.plugins import LateSubmissionPlugin


class Halve(LateSubmissionPlugin):
    """Half the score off, however late."""

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return score / 2


class TooMuch(LateSubmissionPlugin):
    """More than the score off (nbgrader takes the score)."""

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return score + 100


class Negative(LateSubmissionPlugin):
    """A negative penalty (nbgrader takes 0)."""

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return -5.0
