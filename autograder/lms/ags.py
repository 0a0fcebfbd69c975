"""LTI 1.3 Assignment and Grade Services 2.0: a line item per problem set, its results read, scores posted.

* **Line items** (``lineitems_url``, the course's container): the problem set's item is the one whose
  ``resourceId`` is the problem set's (``?resource_id=`` asked, then checked, as platforms may ignore the
  filter), else the one whose ``label`` is its label; with neither it is created (``POST``, media type
  ``application/vnd.ims.lis.v2.lineitem+json``: ``label``, ``resourceId``, ``scoreMaximum``, ``tag``) when
  ``create_lineitems`` allows — only when grades are posted, never in a dry run (which says it would) — and two
  candidates are an error, never a guess. A line item's creation is never sent twice (a 5xx may hide one made).
* **Results** (``<line item>/results``): each user's ``resultScore`` out of ``resultMaximum`` and the
  ``comment``, what :mod:`autograder.lms.plan` compares with. An answer that is not the spec's list of result
  objects, or a result whose score is not a number, stops that line item (nothing is posted to it): read as
  "no results", every grade a person entered there would be posted over.
* **Scores** (``POST <line item>/scores``, ``application/vnd.ims.lis.v1.score+json``): ``userId``,
  ``scoreGiven``, ``scoreMaximum``, ``comment``, ``timestamp`` (now, UTC, milliseconds),
  ``activityProgress`` ``Completed`` and ``gradingProgress`` ``FullyGraded``, or the passback file's
  ``pending`` value (``PendingManual`` by default) while points await a person.

Lists are followed through their ``Link: <…>; rel="next"`` headers (:mod:`autograder.lms.lti_pages`). The
service URLs are the line item's with ``/results`` or ``/scores`` added to its path, its query kept (Moodle's
carry ``?type_id=``). No ``submission.submittedAt`` is sent: the score is already after the course's late
penalty, and Canvas would apply its own late policy to it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from autograder.lms.comment import TAG_NAME
from autograder.lms.config import PassbackConfig, ProblemSetNames
from autograder.lms.lti_pages import pages
from autograder.lms.lti_token import LtiToken, call
from autograder.lms.nrps import members as nrps_members
from autograder.lms.plan import Current, same
from autograder.lms.roster import Member
from autograder.lms.scores import Grade, Progress
from autograder.lms.secret import Redactor
from autograder.lms.transport import HttpError, LmsError, Session, WaitBudget, check, new_session, post_each, urlpath
from autograder.model.invariant import known

LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
def subpath(url: str, leaf: str) -> str:
    """``url`` with ``/leaf`` added to its path, its query kept: ``…/lineitems/3?type_id=1`` → ``…/3/scores?type_id=1``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + leaf))


class AgsTarget:
    """Passback to an LTI 1.3 platform (Canvas, Moodle, Brightspace, …) through AGS."""

    name = "lti"

    def __init__(self, config: PassbackConfig, redactor: Redactor, clock: Callable[[], float] = time.time, *,
                 budget: WaitBudget | None = None, dry_run: bool = False,
                 session: Session | None = None) -> None:
        settings = known(config.lti, "the config of --to lti: read_config sets its [lti] table")
        self.settings = settings
        self.session = session if session is not None else new_session(config.http, budget, self.replayable, dry_run)
        self.token = LtiToken(settings, self.session, redactor, clock)
        self.warnings: list[str] = []

    # -- who -------------------------------------------------------------------------------------------

    def members(self) -> list[Member] | None:
        """The course's learners from the Names and Roles service, or None when no memberships_url is set."""
        if not self.settings.memberships_url:
            return None
        return nrps_members(self.token, self.session, self.settings.memberships_url)

    # -- line items ------------------------------------------------------------------------------------

    def _items(self, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        doing = f"line items of {self.settings.lineitems_url}"
        out = []
        for page in pages(self.token, self.session, self.settings.lineitems_url, LINEITEMS_TYPE, doing, params):
            if not isinstance(page, list):
                raise LmsError(f"{doing}: the answer is not a list of line items")
            out += [item for item in page if isinstance(item, dict) and isinstance(item.get("id"), str)]
        return out

    def replayable(self, method: str, url: str) -> bool:
        """A request that may be sent again after a 5xx: a score (it replaces the user's score) and the token
        request; never a line item's creation (two would be made)."""
        return urlpath(url) == urlpath(self.settings.token_url) or urlpath(url).endswith("/scores")

    def open(self, names: ProblemSetNames, maximum: float) -> dict[str, Any] | None:
        """The problem set's line item, found by resourceId, else by label; None when there is none and
        ``create_lineitems`` allows making it (:meth:`create`)."""
        found = [i for i in self._items({"resource_id": names.resource_id}) if i.get("resourceId") == names.resource_id]
        if not found:
            found = [i for i in self._items() if i.get("resourceId") == names.resource_id
                     or (not i.get("resourceId") and i.get("label") == names.label)]
        if len(found) > 1:
            raise LmsError(f"{len(found)} line items have resourceId {names.resource_id!r} or label {names.label!r} "
                           f"({', '.join(i['id'] for i in found[:3])}): delete the extra ones in the gradebook, or "
                           f"give the problem set another resource_id in the passback file")
        if found:
            item = found[0]
            theirs = item.get("scoreMaximum")
            if isinstance(theirs, (int, float)) and not same(float(theirs), maximum):
                self.warnings.append(f"line item {item.get('label')!r} has scoreMaximum {theirs:g}; {names.ps} is out "
                                     f"of {maximum:g}: scores are posted out of {maximum:g} and the platform scales them")
            return item
        if not self.settings.create_lineitems:
            raise LmsError(f"no line item has resourceId {names.resource_id!r} or label {names.label!r}: create the "
                           "assignment in the gradebook, or set [lti] create_lineitems = true")
        return None

    def create(self, names: ProblemSetNames, maximum: float) -> dict[str, Any]:
        """The problem set's line item, created (label, resourceId, full marks, the autograder's tag)."""
        body = {"label": names.label, "resourceId": names.resource_id, "scoreMaximum": maximum, "tag": TAG_NAME}
        doing = f"creating line item {names.label!r}"
        response = check(call(self.token, self.session, "POST", self.settings.lineitems_url,
                              headers={"Content-Type": LINEITEM_TYPE, "Accept": LINEITEM_TYPE}, json=body), doing)
        try:
            created = response.json()
        except ValueError:
            created = None
        if not isinstance(created, dict) or not isinstance(created.get("id"), str):
            raise LmsError(f"{doing}: the platform's answer holds no line item id")
        return created

    # -- results and scores ----------------------------------------------------------------------------

    def current(self, item: dict[str, Any]) -> dict[str, Current]:
        """``userId -> Current`` from the line item's results.

        Raises
        ------
        LmsError
            A page that is not a list of result objects, or a result without a user or with a score, maximum or
            comment of another kind than the spec's: what the line item holds cannot be read.
        """
        doing = f"results of line item {item.get('label')!r}"
        out = {}
        for page in pages(self.token, self.session, subpath(item["id"], "results"), RESULTS_TYPE, doing):
            if not isinstance(page, list):
                raise LmsError(f"{doing}: the platform's answer is not a list of results (a JSON "
                               f"{type(page).__name__}), so the grades it holds cannot be read: nothing is posted "
                               "to this line item (posting would replace grades entered there)")
            for r in page:
                user = r.get("userId") if isinstance(r, dict) else None
                if not isinstance(user, (str, int)) or isinstance(user, bool) or not _kinds(r):
                    raise LmsError(f"{doing}: a result the platform gave cannot be read ({str(r)[:80]!r}): nothing "
                                   "is posted to this line item")
                score, maximum = r.get("resultScore"), r.get("resultMaximum")
                out[str(user)] = Current(score=None if score is None else float(score),
                                         maximum=1.0 if maximum is None else float(maximum), comment=r.get("comment"))
        return out

    def score(self, user_id: str, grade: Grade) -> dict[str, Any]:
        """The score document of ``grade`` for ``user_id``."""
        return {"userId": user_id, "scoreGiven": grade.score, "scoreMaximum": grade.maximum,
                "comment": grade.comment,
                "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "activityProgress": "Completed",
                "gradingProgress": "FullyGraded" if grade.fully_graded else self.settings.pending}

    def post_many(self, item: dict[str, Any], todo: list[tuple[str, Grade]], progress: Progress | None = None,
                  ) -> dict[str, LmsError | None]:
        """Each ``(userId, grade)`` of ``todo`` posted on its own: ``userId -> None`` (posted) or its error."""
        def post(user_id: str, grade: Grade) -> None:
            check(call(self.token, self.session, "POST", subpath(item["id"], "scores"),
                       headers={"Content-Type": SCORE_TYPE}, json=self.score(user_id, grade)),
                  f"posting {grade.student}'s score for {grade.ps}")

        return post_each(todo, post, progress)

    def fix(self, error: HttpError) -> str:
        """What to do about ``error``, by its status."""
        return {
            0: "the platform could not be reached: check the URLs in [lti] and the network",
            400: "the platform refused the request as malformed: report it with this message",
            401: "the platform refused the access token: check [lti] client_id and key_id, and that the public JWK "
                 "registered on the platform is the one `passback --jwk` prints",
            403: "the tool may not do this here: enable the AGS scopes (line items, results, scores) in the tool's "
                 "registration and check that the tool is installed in this course",
            404: "no such line item or course: check [lti] lineitems_url",
            409: "the platform holds a later score for this student (someone posted since): run passback again",
            422: "the platform refused this score: check that the student is enrolled in the course (their LMS id "
                 "in the roster) and that the line item takes scores",
        }.get(error.status, "the platform failed; passback retried it: run passback again later")


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _kinds(result: dict[str, Any]) -> bool:
    """The result's score and maximum are numbers (or absent) and its comment a text (or absent), as AGS says."""
    return (all(result.get(k) is None or _number(result.get(k)) for k in ("resultScore", "resultMaximum"))
            and (result.get("comment") is None or isinstance(result.get("comment"), str)))
