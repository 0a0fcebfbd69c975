"""The built-in late policies as an nbgrader ``LateSubmissionPlugin``, so plain ``nbgrader autograde`` applies them too.

nbgrader knows two policies (``c.LateSubmissionPlugin.penalty_method = "none"`` or
``"zero"``) and takes any ``LateSubmissionPlugin`` subclass
(``c.AssignLatePenalties.plugin_class``). This subclass is the course's
deduction per hour or per day, with a cap, a grace period and a "zero after",
computed by :class:`autograder.model.late_policy.LatePolicy` (the same code the
course file ``deadlines.toml`` uses), configured in ``nbgrader_config.py``::

    c.AssignLatePenalties.plugin_class = "autograder.nbgrader_io.nbgrader_late.LatePenaltyPlugin"
    c.LatePenaltyPlugin.per = "day"          # "hour" or "day"
    c.LatePenaltyPlugin.deduct = "10%"       # per started period: points ("2.5") or a share of the set's points
    c.LatePenaltyPlugin.cap = "50%"          # optional
    c.LatePenaltyPlugin.grace = "15m"        # optional
    c.LatePenaltyPlugin.zero_after = "7d"    # optional

nbgrader calls :meth:`LatePenaltyPlugin.late_submission_penalty` with the student,
the notebook's score and the seconds late, and bounds the result to
``[0, score]``; a share of the set's points reads the notebook's points from the
gradebook nbgrader has open (``AssignLatePenalties`` is the plugin's parent).
"""

from __future__ import annotations

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Unicode

from autograder.model.deadlines import DeadlinesError, parse_amount, parse_duration
from autograder.model.late_policy import LatePolicy


class LatePenaltyPlugin(LateSubmissionPlugin):
    """A deduction per started hour or day late, with an optional cap, grace period and zero-after."""

    per = Unicode("day", help="'hour' or 'day': the period a deduction is counted in").tag(config=True)
    deduct = Unicode("0", help="per started period: points ('2.5') or a share of the notebook's points "
                     "('10%')").tag(config=True)
    cap = Unicode("", help="at most this much in all (points or a share); empty: no cap").tag(config=True)
    grace = Unicode("0", help="this late costs nothing ('15m', '2h'); lateness still counts from the due "
                    "date beyond it").tag(config=True)
    zero_after = Unicode("", help="later than this ('7d') scores 0; empty: never").tag(config=True)

    @property
    def policy(self) -> LatePolicy:
        """The configuration as a :class:`~autograder.model.late_policy.LatePolicy`.

        Raises
        ------
        DeadlinesError
            A setting is not what it should be (the message names ``c.LatePenaltyPlugin.<name>``).
        """
        where = "nbgrader_config.py: c.LatePenaltyPlugin."
        if self.per not in ("hour", "day"):
            raise DeadlinesError(f"{where}per: expected 'hour' or 'day', not {self.per!r}")
        return LatePolicy(
            method=f"per_{self.per}",
            deduct=parse_amount(self.deduct, where + "deduct"),
            cap=parse_amount(self.cap, where + "cap") if self.cap.strip() else None,
            grace_s=parse_duration(self.grace, where + "grace").total_seconds(),
            zero_after_s=parse_duration(self.zero_after, where + "zero_after").total_seconds()
            if self.zero_after.strip() else None)

    def _max_score(self) -> float:
        """The notebook's points, from the gradebook nbgrader's ``AssignLatePenalties`` (the parent) has open."""
        parent = self.parent
        try:
            return float(parent.gradebook.find_notebook(parent.notebook_id, parent.assignment_id).max_score)
        except Exception:  # noqa: BLE001 — outside nbgrader's autograde: points-only policies need no maximum
            return 0.0

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        """nbgrader's hook: the points off (None: none) for a notebook ``total_seconds_late`` late."""
        return self.policy.penalty(student_id, "", score, self._max_score(), total_seconds_late)
