"""Every request to an LMS: one :mod:`requests` session with a time limit, retries (urllib3's ``Retry``), the
run's one budget for waiting, and, in a dry run, no request that changes anything.

A request that gets 429 or a 5xx (500, 502, 503, 504) is sent again, up to ``attempts`` tries in all:
the first retry at once, the n-th after ``backoff · 2^(n-1)`` seconds (urllib3's schedule), or each after
what the answer's ``Retry-After`` says (seconds or an HTTP date) when it says so, each wait capped at
``max_wait``; then the last answer is returned as it is and :func:`check` turns it into an :class:`HttpError`.
Every wait of the run (these, Canvas's throttling, following Canvas's job) is drawn from one
:class:`WaitBudget` (``passback --max-wait``): a wait that would pass it is not waited, and the run stops
(:class:`WaitLimit`) with its summary, so a platform that answers ``Retry-After: 3600`` to every request holds
the run at most that long, not minutes a grade.

A request that may have been carried out is sent again only when carrying it out twice changes nothing: each
target says which of its requests are so (``replayable``: AGS's scores replace a user's score, Moodle's
``mod_assign_save_grades`` sets a grade and its comment; a Canvas grade posted with a comment adds the comment
again, and a line item posted twice is two line items). Those that are not are sent again only after an answer
that says the request was not handled (429 Too Many Requests, 503 Service Unavailable: :data:`REFUSED`) or an
error connecting (never sent); after a 500, 502 or 504 or a lost answer, whether it was carried out is not
known, and the caller finds out by reading. Connection errors and time-outs end as an
:class:`HttpError` with status 0.

In a dry run the session refuses every ``POST``, ``PUT``, ``PATCH`` and ``DELETE`` (:class:`WriteRefused`, which
stops the run) but those a target marks as reads (``reads=True``: the OAuth2 token request, which changes no
gradebook; Moodle's read functions, which its web services take as ``POST``).

urllib3's ``Retry`` is used rather than a loop of our own: it is what requests itself uses, it parses
``Retry-After`` in both forms, and tests can watch its waits (``Retry.sleep``). Canvas's throttling answers
403 "Rate Limit Exceeded", which urllib3 cannot tell from a refusal by its status alone:
:mod:`autograder.lms.canvas` retries that one with :func:`backoff_delays`, from the same budget.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from autograder.lms.config import HttpSettings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Answers that say the request was not handled (RFC 9110: too many requests; unable to handle it now).
REFUSED = frozenset({429, 503})
#: Methods that change what an LMS holds (a dry run sends none of them, but those marked as reads).
CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Longest piece of an LMS's answer quoted in an error.
MAX_QUOTED = 300
#: The run's budget for waiting when ``--max-wait`` is not given, in seconds.
DEFAULT_RUN_WAIT = 600.0


class LmsError(Exception):
    """The LMS is not as the passback file says (no such assignment, a maximum that differs): the message
    says what to change."""


class HttpError(LmsError):
    """An LMS answered with an error (``status``), or could not be reached (``status`` 0)."""

    def __init__(self, status: int, doing: str, detail: str = "") -> None:
        self.status, self.doing, self.detail = status, doing, detail
        what = f"HTTP {status}" if status else "no answer"
        super().__init__(f"{doing}: {what}" + (f" ({detail})" if detail else ""))


class StopRun(Exception):
    """Nothing more can be sent in this run (no access token, the run's time for waiting spent, a change asked
    for in a dry run): the run ends with its summary, naming what was posted and why it stopped."""


class WaitLimit(StopRun):
    """A wait would pass the run's budget for waiting (``--max-wait``)."""


class WriteRefused(StopRun):
    """A dry run was about to send a request that changes the LMS: it was not sent."""


@dataclass
class WaitBudget:
    """The run's one budget for waiting (``passback --max-wait``): every wait between tries, for throttling and
    while following a job is taken from it; a wait that would pass it raises :class:`WaitLimit` instead."""

    limit: float = DEFAULT_RUN_WAIT
    spent: float = 0.0

    def take(self, seconds: float, why: str) -> None:
        """Count ``seconds`` of waiting (``why``: what asked for it), or raise :class:`WaitLimit` when it would
        pass the limit (nothing is counted then)."""
        if seconds <= 0:
            return
        if self.spent + seconds > self.limit:
            raise WaitLimit(f"{why} asked to wait {seconds:g} s, and the run may wait {self.limit - self.spent:g} s "
                            f"more (--max-wait {self.limit:g} s in all): stopped; run passback again later")
        self.spent += seconds


class PassbackRetry(Retry):
    """urllib3's ``Retry`` whose every wait is taken from the run's :class:`WaitBudget` (``budget``), and which,
    with ``refused_only``, sends a request again only when it was not carried out (:data:`REFUSED`; a connection
    error, which urllib3 retries for every request), never after another 5xx or a broken answer."""

    budget: WaitBudget | None = None
    refused_only: bool = False

    def new(self, **kw: Any) -> PassbackRetry:
        fresh = super().new(**kw)
        fresh.budget, fresh.refused_only = self.budget, self.refused_only
        return fresh

    def _is_method_retryable(self, method: str) -> bool:
        return not self.refused_only and super()._is_method_retryable(method)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if self.refused_only:
            return status_code in REFUSED
        return super().is_retry(method, status_code, has_retry_after)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        after = self.get_retry_after(response) if self.respect_retry_after_header and response is not None else None
        wait = after if after else self.get_backoff_time()
        if self.budget is not None:
            status = f"HTTP {response.status}" if response is not None else "a failed request"
            self.budget.take(wait, f"the LMS ({status}{', Retry-After' if after else ''})")
        super().sleep(response)


class Session(requests.Session):
    """A requests session whose every request has a time limit (requests has no session-wide one) and which, in a
    dry run, refuses every request that changes something but those marked ``reads=True``."""

    def __init__(self, timeout: float, dry_run: bool = False) -> None:
        super().__init__()
        self.timeout, self.dry_run = timeout, dry_run

    def request(self, method: str | bytes, url: str | bytes, *args: Any, reads: bool = False,
                **kwargs: Any) -> requests.Response:
        verb = method.decode() if isinstance(method, bytes) else str(method)
        if self.dry_run and not reads and verb.upper() in CHANGES:
            raise WriteRefused(f"a dry run sends nothing that changes the LMS: {verb.upper()} {_where(url)} was not "
                               "sent (a fault of passback: report it)")
        kwargs.setdefault("timeout", self.timeout)
        try:
            return super().request(verb, url, *args, **kwargs)
        except requests.exceptions.RetryError as exc:  # (raise_on_status is off: only for redirects)
            raise HttpError(0, f"{verb} {_where(url)}", f"gave up after retries: {type(exc).__name__}") from None
        except requests.exceptions.RequestException as exc:
            raise HttpError(0, f"{verb} {_where(url)}", f"{type(exc).__name__}: the address could not be "
                            "reached or did not answer in time; check the URL and the network") from None


#: Which requests may be sent again after they may have been carried out: ``replayable(method, url)``.
Replayable = Callable[[str, str], bool]


def every_request(method: str, url: str) -> bool:
    """Every request may be sent again (Moodle's web services: reads, and grades that are set, not added)."""
    return True


def retry_policy(http: HttpSettings, budget: WaitBudget | None = None, refused_only: bool = False) -> PassbackRetry:
    """The retry policy of :class:`HttpSettings`: 429 and 5xx, every method, Retry-After capped, its waits from
    ``budget``; with ``refused_only``, only what was certainly not carried out."""
    retries = http.attempts - 1
    policy = PassbackRetry(total=retries, connect=retries, read=retries, status=retries, other=0, redirect=3,
                           backoff_factor=http.backoff, backoff_max=http.max_wait,
                           retry_after_max=http.max_wait,  # type: ignore[arg-type]  # (urllib3 says int; it compares seconds)
                           status_forcelist=sorted(RETRY_STATUSES), allowed_methods=None,
                           respect_retry_after_header=True, raise_on_status=False)
    policy.budget, policy.refused_only = budget, refused_only
    return policy


class _Adapter(HTTPAdapter):
    """requests' adapter with one of two retry policies per request: sent again after a 5xx when ``replayable``
    says it may be, else only when it was refused. (passback sends one request at a time: ``max_retries`` is set
    for the request being sent.)"""

    def __init__(self, http: HttpSettings, budget: WaitBudget | None, replayable: Replayable) -> None:
        self._again, self._once = retry_policy(http, budget), retry_policy(http, budget, refused_only=True)
        self._replayable = replayable
        super().__init__(max_retries=self._again)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        method, url = (request.method or "GET").upper(), request.url or ""
        self.max_retries = self._again if method not in CHANGES or self._replayable(method, url) else self._once
        return super().send(request, *args, **kwargs)


_S = TypeVar("_S", bound=requests.Session)


def mount(session: _S, http: HttpSettings, budget: WaitBudget | None = None,
          replayable: Replayable = every_request) -> _S:
    """``session`` with the retry policy on http:// and https:// (canvasapi's own session gets it too)."""
    adapter = _Adapter(http, budget, replayable)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def new_session(http: HttpSettings, budget: WaitBudget | None = None, replayable: Replayable = every_request,
                dry_run: bool = False) -> Session:
    """A :class:`Session` with ``http``'s time limit and retry policy, its waits from ``budget``, refusing changes
    in a ``dry_run``."""
    return mount(Session(http.timeout, dry_run), http, budget, replayable)


def backoff_delays(http: HttpSettings) -> list[float]:
    """The waits before each retry, as :func:`retry_policy` spaces them (for retries made outside urllib3)."""
    return [0.0 if n == 1 else min(http.backoff * 2 ** (n - 1), http.max_wait) for n in range(1, http.attempts)]


def urlpath(url: str) -> str:
    """The path of ``url``, without a trailing slash (``https://h/a/scores?x=1`` → ``/a/scores``)."""
    return urlsplit(url).path.rstrip("/")


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


class Interrupted(StopRun):
    """The run stopped (``cause``) while a problem set's grades were being sent: ``done`` maps each LMS id sent
    before the stop to None (posted) or its error; the rest were not sent (``unknown``: whether they landed is not
    known, e.g. a job that may still run)."""

    def __init__(self, cause: StopRun, done: dict[str, LmsError | None], unknown: str = "") -> None:
        super().__init__(str(cause))
        self.cause, self.done, self.unknown = cause, done, unknown


def post_each(todo: list[tuple[str, _G]], post: Callable[[str, _G], None],
              progress: Callable[[_G], object] | None = None) -> dict[str, LmsError | None]:
    """Each ``(user_id, grade)`` of ``todo`` sent on its own by ``post(user_id, grade)``: ``user_id -> None``
    (sent) or the :class:`LmsError` it raised; ``progress(grade)``, when given, after each.

    Raises
    ------
    Interrupted
        ``post`` raised :class:`StopRun`: what was sent before, and the stop's cause (the student it was raised
        for is not in ``done``: not posted).
    """
    out: dict[str, LmsError | None] = {}
    for user_id, grade in todo:
        try:
            post(user_id, grade)
            out[user_id] = None
        except LmsError as exc:
            out[user_id] = exc
        except StopRun as exc:
            raise Interrupted(exc, out) from None
        if progress is not None:
            progress(grade)
    return out
