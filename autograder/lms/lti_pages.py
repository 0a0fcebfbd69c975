"""A list of an LTI service read page by page: each page's JSON, following its ``Link: <…>; rel="next"`` header.

Both LTI services the passback reads return lists this way: AGS's line items and results
(:mod:`autograder.lms.ags`) and NRPS's members (:mod:`autograder.lms.nrps`). At most :data:`MAX_PAGES` pages
are followed, so a platform whose "next" never ends does not hold the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from autograder.lms.lti_token import LtiToken, call
from autograder.lms.transport import LmsError, Session, check

#: Most pages of one list followed.
MAX_PAGES = 1000


def pages(token: LtiToken, session: Session, url: str, accept: str, doing: str,
          params: dict[str, str] | None = None) -> Iterator[Any]:
    """Each page's JSON of the list at ``url`` (``accept``: its media type; ``doing``: what the run is doing, for
    the errors), following ``rel="next"`` links (``params`` go with the first request only: a next link holds its
    own query).

    Raises
    ------
    LmsError
        A page is refused (:func:`autograder.lms.transport.check`) or is not JSON.
    """
    for _ in range(MAX_PAGES):
        response = check(call(token, session, "GET", url, headers={"Accept": accept}, params=params), doing)
        try:
            yield response.json()
        except ValueError:
            raise LmsError(f"{doing}: the answer is not JSON") from None
        following = response.links.get("next", {}).get("url")
        if not following:
            return
        url, params = following, None
