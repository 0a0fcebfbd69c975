"""LTI Names and Role Provisioning Services 2.0: the course's learners, for matching submission folders.

``GET <context_memberships_url>`` (``application/vnd.ims.lti-nrps.v2.membershipcontainer+json``, pages
followed through ``Link: <…>; rel="next"``: :mod:`autograder.lms.lti_pages`) lists the context's members; the
learners (a ``Learner`` role, full URI or short name) that are not ``Inactive`` or ``Deleted`` are the students, each a
:class:`~autograder.lms.roster.Member` with its ``user_id`` (the ``userId`` of AGS scores), ``email`` and
``lis_person_sourcedid`` where the platform shares them.
"""

from __future__ import annotations

from typing import Any

from autograder.lms.lti_pages import pages
from autograder.lms.lti_token import LtiToken
from autograder.lms.roster import Member
from autograder.lms.transport import LmsError, Session

MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def _learner(member: dict[str, Any]) -> bool:
    roles = member.get("roles")
    roles = roles if isinstance(roles, list) else []
    return (any(r in (LEARNER, "Learner") for r in roles)
            and member.get("status", "Active") not in ("Inactive", "Deleted"))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def members(token: LtiToken, session: Session, url: str) -> list[Member]:
    """The learners of the context at ``url``."""
    doing = f"members of {url}"
    out = []
    for data in pages(token, session, url, MEMBERSHIPS_TYPE, doing):
        if not isinstance(data, dict) or not isinstance(data.get("members"), list):
            raise LmsError(f"{doing}: the answer holds no members list")
        for m in data["members"]:
            if isinstance(m, dict) and isinstance(m.get("user_id"), (str, int)) and _learner(m):
                out.append(Member(str(m["user_id"]), _text(m.get("name")),
                                  (("email", _text(m.get("email"))),
                                   ("lis_person_sourcedid", _text(m.get("lis_person_sourcedid"))))))
    return out
