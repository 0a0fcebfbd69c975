"""Every request to an LMS: one :mod:`requests` session with a time limit and retries (urllib3's ``Retry``).

A request that gets 429 or a 5xx (500, 502, 503, 504) is sent again, up to ``attempts`` tries in all:
the first retry at once, the n-th after ``backoff · 2^(n-1)`` seconds (urllib3's schedule), or each after
what the answer's ``Retry-After`` says (seconds or an HTTP date) when it says so, all capped at ``max_wait``
so that a platform asking for an hour cannot hang a CI job; then the last answer is returned as it is and :func:`check` turns it into an :class:`HttpError`.
POSTs are retried too: a score, a grade or a line item posted twice is the same score, grade or line item
(AGS replaces a user's score, Canvas and Moodle set a grade; a line item is created only after looking for
it). Connection errors and time-outs are retried the same way and end as an :class:`HttpError` with status 0.

urllib3's ``Retry`` is used rather than a loop of our own: it is what requests itself uses, it parses
``Retry-After`` in both forms, and tests can watch its waits (``Retry.sleep``). Canvas's throttling answers
403 "Rate Limit Exceeded", which urllib3 cannot tell from a refusal by its status alone:
:mod:`autograder.lms.canvas` retries that one with :func:`backoff_delays`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from autograder.lms.config import HttpSettings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Longest piece of an LMS's answer quoted in an error.
MAX_QUOTED = 300


class LmsError(Exception):
    """The LMS is not as the passback file says (no such assignment, a maximum that differs): the message
    says what to change."""


class HttpError(LmsError):
    """An LMS answered with an error (``status``), or could not be reached (``status`` 0)."""

    def __init__(self, status: int, doing: str, detail: str = "") -> None:
        self.status, self.doing, self.detail = status, doing, detail
        what = f"HTTP {status}" if status else "no answer"
        super().__init__(f"{doing}: {what}" + (f" ({detail})" if detail else ""))


class Session(requests.Session):
    """A requests session whose every request has a time limit (requests has no session-wide one)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        try:
            return super().request(method, url, *args, **kwargs)
        except requests.exceptions.RetryError as exc:  # (raise_on_status is off: only for redirects)
            raise HttpError(0, f"{method} {_where(url)}", f"gave up after retries: {type(exc).__name__}") from None
        except requests.exceptions.RequestException as exc:
            raise HttpError(0, f"{method} {_where(url)}", f"{type(exc).__name__}: the address could not be "
                            "reached or did not answer in time; check the URL and the network") from None


def retry_policy(http: HttpSettings) -> Retry:
    """The retry policy of :class:`HttpSettings`: 429 and 5xx, every method, Retry-After capped."""
    retries = http.attempts - 1
    return Retry(total=retries, connect=retries, read=retries, status=retries, other=0, redirect=3,
                 backoff_factor=http.backoff, backoff_max=http.max_wait,
                 retry_after_max=http.max_wait,  # type: ignore[arg-type]  # (urllib3 says int; it compares seconds)
                 status_forcelist=sorted(RETRY_STATUSES), allowed_methods=None, respect_retry_after_header=True,
                 raise_on_status=False)


_S = TypeVar("_S", bound=requests.Session)


def mount(session: _S, http: HttpSettings) -> _S:
    """``session`` with the retry policy on http:// and https:// (canvasapi's own session gets it too)."""
    adapter = HTTPAdapter(max_retries=retry_policy(http))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def new_session(http: HttpSettings) -> Session:
    """A :class:`Session` with ``http``'s time limit and retry policy."""
    return mount(Session(http.timeout), http)


def backoff_delays(http: HttpSettings) -> list[float]:
    """The waits before each retry, as :func:`retry_policy` spaces them (for retries made outside urllib3)."""
    return [0.0 if n == 1 else min(http.backoff * 2 ** (n - 1), http.max_wait) for n in range(1, http.attempts)]


def _where(url: str | bytes) -> str:
    """``url`` without its query (a query can hold ids; our requests put no secret there, but be sparing)."""
    return str(url).split("?", 1)[0]


#: What a credential looks like in a text: a long run of token characters (JWTs, Canvas and Moodle tokens).
CREDENTIAL = re.compile(r"[A-Za-z0-9_\-.~+=]{32,}")


def quote(response: requests.Response) -> str:
    """A short, printable piece of an error answer (JSON ``error``/``message`` fields first), anything that
    looks like a credential masked *before* it is cut (an LMS that echoes a token must not get a piece of it
    printed; the run's redactor then scrubs the exact values of the known secrets)."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        parts = [str(data.get(k)) for k in ("error", "error_description", "message", "errors", "errorcode")
                 if data.get(k)]
        text = "; ".join(parts) if parts else str(data)
    else:
        text = response.text or ""
    text = CREDENTIAL.sub("<masked>", " ".join(text.split()))
    return text[:MAX_QUOTED] + ("…" if len(text) > MAX_QUOTED else "")


def check(response: requests.Response, doing: str) -> requests.Response:
    """``response`` when it succeeded (2xx), else :class:`HttpError` with its status and a quote of it."""
    if 200 <= response.status_code < 300:
        return response
    raise HttpError(response.status_code, doing, quote(response))


_G = TypeVar("_G")


def post_each(todo: list[tuple[str, _G]], post: Callable[[str, _G], None],
              progress: Callable[[_G], object] | None = None) -> dict[str, LmsError | None]:
    """Each ``(user_id, grade)`` of ``todo`` sent on its own by ``post(user_id, grade)``: ``user_id -> None``
    (sent) or the :class:`LmsError` it raised; ``progress(grade)``, when given, after each."""
    out: dict[str, LmsError | None] = {}
    for user_id, grade in todo:
        try:
            post(user_id, grade)
            out[user_id] = None
        except LmsError as exc:
            out[user_id] = exc
        if progress is not None:
            progress(grade)
    return out
