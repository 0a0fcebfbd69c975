"""Moodle web services (REST, JSON): an assignment's grades read and saved with ``mod_assign_save_grades``.

Every call is ``POST <url>/webservice/rest/server.php`` with ``wstoken``, ``wsfunction`` and
``moodlewsrestformat=json`` in the form body (never in the address, where logs and proxies keep it), and the
function's parameters in Moodle's form (``grades[0][userid]=…``). Moodle answers an error with HTTP 200 and
``{"exception", "errorcode", "message"}``; those become :class:`~autograder.lms.transport.HttpError` with the
status they mean (an invalid token 401, a missing capability 403, a bad parameter 422).

* ``core_enrol_get_enrolled_users``: the course's students (role ``student``), for matching;
* ``mod_assign_get_assignments``: the problem set's assignment (``moodle_assignment``, the assign instance id)
  and its maximum grade, which must be the problem set's full marks;
* ``mod_assign_get_grades``: each student's current grade (``-1``: none). Its warnings are read: "no grades
  found" (code 3) is an assignment without grades, any other (code 1: no permission to get grades) stops the
  problem set, as does a grade that is not a number — never read as "no grade", which would post over it;
* ``mod_assign_get_submission_status`` (``moodlewssettingraw``: the text as saved), for each student with a
  grade record: the feedback comment beside the grade, whose tag says whether the grade is the autograder's
  (:mod:`autograder.lms.plan`). Who gave a grade is never asked: a teacher's token saves grades as that teacher,
  so a grade the teacher typed in would look like the autograder's;
* ``mod_assign_save_grades``: one student's grade and the comment (the feedback comments plugin), one call
  per student so that one refused student never stops the others.

The web service must have these five functions (docs/instructors.md says how to set it up). Every call is a
``POST``; in a dry run only the first four are sent (:data:`READS`).
"""

from __future__ import annotations

from typing import Any

from autograder.lms.config import PassbackConfig, ProblemSetNames
from autograder.lms.plan import Current, same
from autograder.lms.roster import Member
from autograder.lms.scores import Grade, Progress
from autograder.lms.secret import Redactor
from autograder.lms.transport import (
    CREDENTIAL,
    MAX_QUOTED,
    HttpError,
    LmsError,
    Session,
    WaitBudget,
    check,
    new_session,
    post_each,
)
from autograder.model.invariant import known
from autograder.model.results import fmt_points

ENDPOINT = "/webservice/rest/server.php"
#: Moodle's error codes and the HTTP status each stands for.
ERROR_STATUS = {"invalidtoken": 401, "accessexception": 403, "nopermissions": 403, "requireloginerror": 403,
                "servicenotavailable": 403, "invalidparameter": 422, "invalidrecord": 404}
FORMAT_PLAIN = 2
#: The functions that only read (sent in a dry run too).
READS = frozenset({"core_enrol_get_enrolled_users", "mod_assign_get_assignments", "mod_assign_get_grades",
                   "mod_assign_get_submission_status"})
#: mod_assign_get_grades's warning for an assignment without grades (any other withholds them).
NO_GRADES_FOUND = "3"


def form(prefix: str, value: object) -> list[tuple[str, str]]:
    """``value`` as Moodle's form fields: ``grades[0][userid]=5`` for ``{"grades": [{"userid": 5}]}``."""
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in form(f"{prefix}[{k}]" if prefix else str(k), v)]
    if isinstance(value, (list, tuple)):
        return [pair for i, v in enumerate(value) for pair in form(f"{prefix}[{i}]", v)]
    if isinstance(value, bool):
        return [(prefix, "1" if value else "0")]
    return [(prefix, str(value))]


class MoodleTarget:
    """Passback to one Moodle course's assignments through its web services."""

    name = "moodle"

    def __init__(self, config: PassbackConfig, redactor: Redactor, *, budget: WaitBudget | None = None,
                 dry_run: bool = False, session: Session | None = None) -> None:
        settings = known(config.moodle, "the config of --to moodle: read_config sets its [moodle] table")
        self.settings, self.redactor = settings, redactor
        self.session = session if session is not None else new_session(config.http, budget, self.replayable, dry_run)
        redactor.add(self.settings.token)
        self.warnings: list[str] = []

    @staticmethod
    def replayable(method: str, url: str) -> bool:
        """Every call may be sent again: reads, and grades that are set (with their comment), not added."""
        return True

    def call(self, function: str, doing: str, **params: object) -> Any:
        """One web service function's JSON answer."""
        data = [("wstoken", self.settings.token.reveal()), ("wsfunction", function),
                ("moodlewsrestformat", "json"), *form("", params)]
        response = check(self.session.request("POST", self.settings.url + ENDPOINT, data=data,
                                                reads=function in READS), doing)
        try:
            answer = response.json()
        except ValueError:
            raise LmsError(f"{doing}: Moodle's answer is not JSON (is [moodle] url the site's address?)") from None
        if isinstance(answer, dict) and "exception" in answer:
            code = str(answer.get("errorcode") or "")
            detail = CREDENTIAL.sub("<masked>", self.redactor(" ".join(f"{code}: {answer.get('message', '')}".split())))
            raise HttpError(ERROR_STATUS.get(code, 400), doing, detail[:MAX_QUOTED])
        return answer

    def members(self) -> list[Member]:
        users = self.call("core_enrol_get_enrolled_users", f"students of course {self.settings.course_id}",
                          courseid=self.settings.course_id)
        return [Member(str(u["id"]), str(u.get("fullname", "")),
                       tuple((f, str(u.get(f) or "")) for f in ("username", "email", "idnumber")))
                for u in users if isinstance(u, dict) and "id" in u
                and any(isinstance(r, dict) and r.get("shortname") == "student" for r in u.get("roles") or [])]

    def open(self, names: ProblemSetNames, maximum: float) -> dict[str, Any]:
        if names.moodle_assignment is None:
            raise LmsError(f"set [problem_sets.{names.ps}] moodle_assignment to the assignment's id (Moodle: the "
                           "assignment's settings page, or mod_assign_get_assignments)")
        answer = self.call("mod_assign_get_assignments", f"assignments of course {self.settings.course_id}",
                           courseids=[self.settings.course_id])
        found = [a for c in answer.get("courses", []) for a in c.get("assignments", [])
                 if isinstance(a, dict) and a.get("id") == names.moodle_assignment]
        if not found:
            raise LmsError(f"course {self.settings.course_id} has no assignment {names.moodle_assignment}: check "
                           f"[problem_sets.{names.ps}] moodle_assignment (the assign id, not the course module id)")
        grade = found[0].get("grade")
        if not isinstance(grade, (int, float)) or not same(float(grade), maximum):
            raise LmsError(f"Moodle assignment {found[0].get('name')!r} is graded out of {grade} and {names.ps} "
                           f"{fmt_points(maximum)}: set its maximum grade to {fmt_points(maximum)} (Grade → Point)")
        return found[0]

    def create(self, names: ProblemSetNames, maximum: float) -> dict[str, Any]:
        raise LmsError(f"no Moodle assignment for {names.ps}: create it")  # (open never answers None)

    def current(self, assignment: dict[str, Any]) -> dict[str, Current]:
        """``user id -> Current``: each student's grade of their latest attempt and the comment beside it.

        Raises
        ------
        LmsError
            Moodle withheld the grades (a warning other than "no grades found") or gave one that cannot be read.
        """
        doing = f"grades of {assignment.get('name')!r}"
        answer = self.call("mod_assign_get_grades", doing, assignmentids=[assignment["id"]])
        if not isinstance(answer, dict) or not isinstance(answer.get("assignments"), list):
            raise LmsError(f"{doing}: Moodle's answer is not the list of grades it documents: nothing is posted to "
                           "this assignment (posting would replace grades entered there)")
        withheld = [w for w in answer.get("warnings") or [] if not isinstance(w, dict)
                    or str(w.get("warningcode")) != NO_GRADES_FOUND]
        if withheld:
            w = withheld[0] if isinstance(withheld[0], dict) else {}
            raise LmsError(f"{doing}: Moodle withheld them (warning {w.get('warningcode')}: "
                           f"{str(w.get('message'))[:120]}): nothing is posted to this assignment; give the web "
                           "service's user the capability to grade it (mod/assign:grade)")
        latest: dict[str, Any] = {}  # user id -> the grade record (JSON) of their latest attempt
        for a in answer["assignments"]:
            for g in a.get("grades", []) if isinstance(a, dict) else [None]:
                if not isinstance(g, dict) or not isinstance(g.get("userid"), int) or _grade(g.get("grade")) is None:
                    raise LmsError(f"{doing}: a grade Moodle gave cannot be read ({str(g)[:80]!r}): nothing is posted "
                                   "to this assignment")
                uid = str(g["userid"])
                if uid not in latest or _attempt(g) >= _attempt(latest[uid]):
                    latest[uid] = g
        out = {}
        for uid, g in latest.items():
            grade = known(_grade(g.get("grade")), "read above")
            out[uid] = Current(score=grade if grade >= 0 else None, maximum=float(assignment["grade"]),
                               comment=self._comment(assignment, int(uid)))
        return out

    def _comment(self, assignment: dict[str, Any], uid: int) -> str | None:
        """The feedback comment beside ``uid``'s grade, as saved (None: none)."""
        doing = f"the feedback beside user {uid}'s grade of {assignment.get('name')!r}"
        answer = self.call("mod_assign_get_submission_status", doing, assignid=assignment["id"], userid=uid,
                           moodlewssettingraw=1)
        if not isinstance(answer, dict):
            raise LmsError(f"{doing}: Moodle's answer cannot be read: nothing is posted to this assignment")
        feedback = answer.get("feedback")
        plugins = feedback.get("plugins") if isinstance(feedback, dict) else None
        for plugin in plugins if isinstance(plugins, list) else []:
            if isinstance(plugin, dict) and plugin.get("type") == "comments":
                for field in plugin.get("editorfields") or []:
                    if isinstance(field, dict) and isinstance(field.get("text"), str):
                        return str(field["text"])
        return None

    def post_many(self, assignment: dict[str, Any], todo: list[tuple[str, Grade]], progress: Progress | None = None,
                  ) -> dict[str, LmsError | None]:
        def post(uid: str, grade: Grade) -> None:
            one = {"userid": int(uid), "grade": fmt_points(grade.score, 4), "attemptnumber": -1, "addattempt": 0,
                   "workflowstate": "",
                   "plugindata": {"assignfeedbackcomments_editor": {"text": grade.comment, "format": FORMAT_PLAIN}}}
            self.call("mod_assign_save_grades", f"saving {grade.student}'s grade for {grade.ps}",
                      assignmentid=assignment["id"], applytoall=0, grades=[one])

        return post_each(todo, post, progress)

    def fix(self, error: HttpError) -> str:
        return {
            0: "Moodle could not be reached: check [moodle] url and the network",
            401: "Moodle refused the token: make a new one (Site administration → Server → Web services → Manage "
                 "tokens) and put it in the variable or file the passback file names",
            403: "the token's service or user may not do this: add the five functions to the service, and give its "
                 "user the capability to grade assignments in this course",
            404: "no such assignment or user in Moodle: check moodle_assignment and the roster",
            422: "Moodle refused this grade: check that the student is enrolled and the grade is within the "
                 "assignment's maximum",
        }.get(error.status, "Moodle failed; passback retried it: run passback again later")


def _grade(value: object) -> float | None:
    """A grade as Moodle gives it (a decimal in a string, ``-1.00000`` for none), or None when it is not one."""
    try:
        grade = float(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
    except ValueError:
        return None
    return grade if grade is not None and grade == grade and abs(grade) != float("inf") else None


def _attempt(grade: dict[str, Any]) -> int:
    number = grade.get("attemptnumber")
    return number if isinstance(number, int) and not isinstance(number, bool) else 0
