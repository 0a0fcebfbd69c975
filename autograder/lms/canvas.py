"""Canvas REST through canvasapi: a problem set's assignment, its submissions, one bulk update followed to the end.

* **Students**: ``GET /courses/:id/search_users?enrollment_type[]=student`` (with ``email``): the course's
  students, for matching and for checking a roster file's ids.
* **Assignment**: ``canvas_assignment`` of the passback file, else the one assignment named as the problem
  set's label; its ``points_possible`` must be the problem set's full marks (a score means the same there).
* **Current grades**: ``GET …/assignments/:id/submissions?include[]=submission_comments``: each student's
  ``score`` and the autograder's last tagged comment (:mod:`autograder.lms.comment`): the last one whose author
  is the token's own user (``GET /users/self``). Anyone who may comment on a submission can write a tag (the
  student, a peer reviewer), and one whose numbers equal a score a teacher entered made that score look like the
  autograder's, so passback replaced it; a tag another account wrote is not the autograder's.
* **Posting**: ``POST …/assignments/:id/submissions/update_grades`` with ``grade_data[<user id>][posted_grade]``
  and ``[text_comment]`` for every student to post (one asynchronous job), then its Progress
  (``GET /progress/:id``) is followed to its end state, ``completed`` or ``failed`` (or :data:`PROGRESS_LIMIT_S`),
  and the submissions read again: a student whose grade and comment (the autograder's tag, digest included) are
  there is posted, one whose are not a failure of their own. Only after the job *failed* are the students whose
  grade is not there posted on their own (``PUT …/submissions/:user_id``), so one refused student never stops
  the others. A job whose end state could not be learned (its Progress not read, an answer lost after the
  ``POST``) may still complete: nothing is sent again — each comment would reach the student twice — and the
  students whose grade is not there yet are failures that say so (the next run recognises those that landed).

Every grade posted to Canvas adds its comment, so a request that may have been carried out is never sent again
after a 5xx or a lost answer (:mod:`autograder.lms.transport`: canvasapi's own requests session is given
passback's, with time limits and retries of reads); Canvas's throttling, ``403 Forbidden (Rate Limit
Exceeded)``, refused and so not carried out, is retried here with the same backoff. Every wait (throttling,
following the job) is taken from the run's budget (``--max-wait``). canvasapi logs requests at DEBUG level with
the token masked but for its last four characters; passback configures no logging.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from canvasapi import Canvas
from canvasapi.exceptions import (
    BadRequest,
    CanvasException,
    Conflict,
    Forbidden,
    InvalidAccessToken,
    RateLimitExceeded,
    ResourceDoesNotExist,
    Unauthorized,
    UnprocessableEntity,
)

from autograder.lms.comment import parse_tag
from autograder.lms.config import PassbackConfig, ProblemSetNames
from autograder.lms.plan import Current, same
from autograder.lms.roster import Member
from autograder.lms.scores import Grade, Progress
from autograder.lms.secret import Redactor
from autograder.lms.transport import (
    CREDENTIAL,
    MAX_QUOTED,
    HttpError,
    Interrupted,
    LmsError,
    StopRun,
    WaitBudget,
    backoff_delays,
    new_session,
    post_each,
)
from autograder.model.invariant import known
from autograder.model.results import fmt_points

#: Longest wait for a bulk update's job.
PROGRESS_LIMIT_S = 900.0
#: Waits between Progress queries: doubling from the first, capped at the last.
PROGRESS_POLL_S = (0.5, 10.0)
_STATUS = ((InvalidAccessToken, 401), (Unauthorized, 401), (RateLimitExceeded, 429), (Forbidden, 403),
           (ResourceDoesNotExist, 404), (Conflict, 409), (UnprocessableEntity, 422), (BadRequest, 400))
_T = TypeVar("_T")


def _text(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


class CanvasTarget:
    """Passback to one Canvas course through its REST API."""

    name = "canvas"

    def __init__(self, config: PassbackConfig, redactor: Redactor, sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] | None = None, *, budget: WaitBudget | None = None,
                 dry_run: bool = False) -> None:
        settings = known(config.canvas, "the config of --to canvas: read_config sets its [canvas] table")
        self.settings, self.http, self.redactor = settings, config.http, redactor
        self.sleep = sleep or (lambda s: time.sleep(s))
        self.clock = clock or (lambda: time.monotonic())
        self.budget = budget if budget is not None else WaitBudget()
        self.canvas = Canvas(self.settings.url, redactor.add(self.settings.token).reveal())
        # canvasapi keeps its requests session on its private requester; passback's (time limits, retries of
        # reads, the run's budget, no change in a dry run) replaces it. canvasapi is pinned (constraints.txt) and
        # tests/test_lms_canvas.py fails if this stops taking effect.
        self.canvas._Canvas__requester._session = new_session(self.http, self.budget, self.replayable, dry_run)
        self.warnings: list[str] = []
        self._course: Any = None  # canvasapi's Course, read when first needed
        self._self_id: str | None = None  # the token's user, read when first needed

    def _call(self, doing: str, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """``fn(*args, **kwargs)`` with Canvas's throttling retried, canvasapi's errors as :class:`HttpError`."""
        for wait in [*backoff_delays(self.http), None]:
            try:
                return fn(*args, **kwargs)
            except Forbidden as exc:
                if "rate limit exceeded" not in str(exc).lower() or wait is None:
                    raise self._error(doing, exc) from None
                self.budget.take(wait, "Canvas (403 Rate Limit Exceeded)")
                self.sleep(wait)
            except HttpError:
                raise
            except (CanvasException, ValueError) as exc:  # (ValueError: canvasapi reads a 401 body as JSON)
                raise self._error(doing, exc) from None
        raise LmsError(doing)  # (not reached)

    @staticmethod
    def replayable(method: str, url: str) -> bool:
        """No request that changes something is sent again after it may have been carried out: a grade posted
        to Canvas adds its comment every time."""
        return False

    def _error(self, doing: str, exc: Exception) -> HttpError:
        status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 401 if isinstance(exc, ValueError) else 500)
        detail = CREDENTIAL.sub("<masked>", self.redactor(" ".join(str(exc).split())))
        return HttpError(status, doing, detail[:MAX_QUOTED])

    @property
    def course(self) -> Any:
        if self._course is None:
            self._course = self._call(f"reading course {self.settings.course_id}", self.canvas.get_course,
                                      self.settings.course_id)
        return self._course

    @property
    def self_id(self) -> str:
        """The Canvas user id of the token's user: the author of every comment the autograder posted."""
        if self._self_id is None:
            user = self._call("reading the token's own user", self.canvas.get_current_user)
            self._self_id = str(getattr(user, "id", ""))
            if not self._self_id:
                raise LmsError("Canvas did not say who the token's user is (GET /users/self gave no id)")
        return self._self_id

    def members(self) -> list[Member]:
        """The course's students."""
        def fetch() -> list[Any]:
            return list(self.course.get_users(enrollment_type=["student"], include=["email"]))
        users = self._call(f"students of course {self.settings.course_id}", fetch)
        return [Member(str(u.id), _text(getattr(u, "name", "")),
                       (("login_id", _text(getattr(u, "login_id", ""))), ("sis_user_id", _text(getattr(u, "sis_user_id", ""))),
                        ("email", _text(getattr(u, "email", ""))))) for u in users]

    def open(self, names: ProblemSetNames, maximum: float) -> Any:
        """The problem set's assignment (by id, else by its exact name), with the problem set's points."""
        if names.canvas_assignment is not None:
            assignment = self._call(f"reading assignment {names.canvas_assignment}", self.course.get_assignment,
                                    names.canvas_assignment)
        else:
            found = self._call(f"looking for assignment {names.label!r}",
                               lambda: [a for a in self.course.get_assignments(search_term=names.label)
                                        if getattr(a, "name", None) == names.label])
            if len(found) != 1:
                raise LmsError(f"{len(found) or 'no'} Canvas assignment{'s' if len(found) != 1 else ''} named "
                               f"{names.label!r}: create it (points possible {fmt_points(maximum)}), or set "
                               f"[problem_sets.{names.ps}] canvas_assignment to its id (the number in its address)")
            assignment = found[0]
        points = getattr(assignment, "points_possible", None)
        if not isinstance(points, (int, float)) or not same(float(points), maximum):
            raise LmsError(f"Canvas assignment {getattr(assignment, 'name', '?')!r} has {points} points possible and "
                           f"{names.ps} {fmt_points(maximum)}: set its points possible to {fmt_points(maximum)}, so "
                           "that a score means the same in Canvas")
        return assignment

    def current(self, assignment: Any) -> dict[str, Current]:
        """``user id -> Current``: the score and the autograder's last tagged comment of each submission (a comment
        the token's user wrote: a student can comment on their own submission, tag included). A score that is not
        a number raises :class:`LmsError` (never read as "no score", which would post over it)."""
        def fetch() -> list[Any]:
            return list(assignment.get_submissions(include=["submission_comments"]))
        me = self.self_id
        out = {}
        for sub in self._call(f"submissions of {assignment.name!r}", fetch):
            comments = [c.get("comment") for c in getattr(sub, "submission_comments", None) or []
                        if isinstance(c, dict) and str(c.get("author_id")) == me]
            tagged = [c for c in comments if parse_tag(c) is not None]
            score = getattr(sub, "score", None)
            if score is not None and (not isinstance(score, (int, float)) or isinstance(score, bool)):
                raise LmsError(f"submissions of {assignment.name!r}: a score Canvas gave cannot be read "
                               f"({str(score)[:40]!r}): nothing is posted to this assignment")
            out[str(sub.user_id)] = Current(score=None if score is None else float(score),
                                            maximum=float(assignment.points_possible),
                                            comment=tagged[-1] if tagged else None)
        return out

    def _follow(self, progress: Any, doing: str) -> Any:
        """``progress`` queried until its job ends (or :data:`PROGRESS_LIMIT_S`); the last state."""
        wait, deadline = PROGRESS_POLL_S[0], self.clock() + PROGRESS_LIMIT_S
        while getattr(progress, "workflow_state", None) in ("queued", "running"):
            if self.clock() >= deadline:
                raise LmsError(f"{doing}: Canvas's job {progress.id} did not finish in {PROGRESS_LIMIT_S:g} s; "
                               "look at the assignment in Canvas, then run passback again")
            self.budget.take(wait, f"following Canvas's job {progress.id}")
            self.sleep(wait)
            wait = min(wait * 2, PROGRESS_POLL_S[1])
            progress = self._call(doing, progress.query)
        return progress

    def create(self, names: ProblemSetNames, maximum: float) -> Any:
        raise LmsError(f"no Canvas assignment for {names.ps}: create it")  # (open never answers None)

    def post_many(self, assignment: Any, todo: list[tuple[str, Grade]], progress: Progress | None = None,
                  ) -> dict[str, LmsError | None]:
        """Every ``(user id, grade)`` in one bulk update followed to its end, each confirmed by reading the
        submissions again; alone each, only the ones not there, when the job failed."""
        if not todo:
            return {}
        doing = f"bulk update of {assignment.name!r}"
        grade_data = {uid: {"posted_grade": fmt_points(g.score, 4), "text_comment": g.comment} for uid, g in todo}
        try:
            job = self._call(doing, assignment.submissions_bulk_update, grade_data=grade_data)
        except HttpError as exc:
            refused = exc
            if refused.status in (400, 401, 403, 404, 422):  # refused: nothing was done
                return self._each(todo, progress, lambda uid, grade: refused)
            return self._confirm(assignment, todo, progress, f"{exc}; whether Canvas took the bulk update is not "
                                 "known, and")
        unknown = f"Canvas's job {getattr(job, 'id', '?')} gave no end state, and"
        try:
            state = getattr(self._follow(job, doing), "workflow_state", None)
        except StopRun as exc:
            raise Interrupted(exc, {}, f"Canvas's job {getattr(job, 'id', '?')} was still running when the run "
                                       "stopped: whether these grades landed is not known") from None
        except LmsError as exc:
            state, unknown = None, f"{exc}; the end of Canvas's job {getattr(job, 'id', '?')} was not learned, and"
        if state == "completed":
            return self._confirm(assignment, todo, progress, "Canvas completed the bulk update but")
        if state != "failed":
            return self._confirm(assignment, todo, progress, unknown if state is None else
                                 f"Canvas's job {getattr(job, 'id', '?')} ended {state!r}, and")
        there = self._landed(assignment, todo)  # the job failed: those whose grade is not there, alone each
        rest = [(uid, g) for uid, g in todo if there[uid] is not True]
        out = self._each([(uid, g) for uid, g in todo if there[uid] is True], progress, lambda uid, grade: None)

        def post(uid: str, grade: Grade) -> None:
            try:
                sub = self._call(f"{grade.student}'s submission", assignment.get_submission, int(uid))
                self._call(f"posting {grade.student}'s grade for {grade.ps}", sub.edit,
                           submission={"posted_grade": fmt_points(grade.score, 4)}, comment={"text_comment": grade.comment})
            except ValueError:
                raise LmsError(f"Canvas user id {uid!r} is not a number") from None

        try:
            out.update(post_each(rest, post, progress))
        except Interrupted as stop:
            raise Interrupted(stop.cause, {**out, **stop.done}) from None
        return out

    def _landed(self, assignment: Any, todo: list[tuple[str, Grade]]) -> dict[str, bool | str]:
        """Each user id of ``todo``: True when Canvas holds its grade and the comment posted with it (the same
        tag, digest included), else what Canvas holds."""
        now = self.current(assignment)
        out: dict[str, bool | str] = {}
        for uid, grade in todo:
            there = now.get(uid)
            landed = (there is not None and there.score is not None and same(there.score, grade.score)
                      and parse_tag(there.comment) == parse_tag(grade.comment))
            out[uid] = True if landed else (there.text() if there is not None else "missing")
        return out

    def _confirm(self, assignment: Any, todo: list[tuple[str, Grade]], progress: Progress | None,
                 why: str) -> dict[str, LmsError | None]:
        """Each of ``todo`` posted when Canvas holds it now, else a failure saying ``why`` (nothing is sent)."""
        try:
            there = self._landed(assignment, todo)
        except LmsError as exc:
            failed = exc
            return self._each(todo, progress, lambda uid, grade: LmsError(
                f"{why} reading the submissions again failed too ({failed}): look at {grade.student}'s submission in "
                "Canvas, then run passback again (a grade that landed is not posted twice)"))
        return self._each(todo, progress, lambda uid, grade: None if there[uid] is True else LmsError(
            f"{why} {grade.student}'s score is {there[uid]}: look at their submission in Canvas, then run passback "
            "again (a grade that landed is recognised and not posted twice)"))

    @staticmethod
    def _each(todo: list[tuple[str, Grade]], progress: Progress | None,
              outcome: Callable[[str, Grade], LmsError | None]) -> dict[str, LmsError | None]:
        out = {}
        for uid, grade in todo:
            out[uid] = outcome(uid, grade)
            if progress is not None:
                progress(grade)
        return out

    def fix(self, error: HttpError) -> str:
        return {
            0: "Canvas could not be reached: check [canvas] url and the network",
            400: "Canvas refused the request as malformed: report it with this message",
            401: "Canvas refused the access token: make a new one (Account → Settings → New access token) and put it "
                 "in the variable or file the passback file names",
            403: "the token's user may not grade this course: use a teacher's (or a grading account's) token",
            404: "no such course, assignment or student in Canvas: check [canvas] course_id, the problem set's "
                 "canvas_assignment and the roster",
            409: "Canvas reports a conflict (the assignment is being changed?): run passback again",
            422: "Canvas refused this grade: check that the student is enrolled and the assignment is published "
                 "and graded in points",
            429: "Canvas kept throttling the requests: run passback again later",
        }.get(error.status, "Canvas failed; passback retried it: run passback again later")
