"""The passback file (TOML): where each LMS is, how students are matched, what each problem set is called there.

One file serves the three targets; ``--to`` picks the table that is used::

    # passback.toml (no secret in it: it is meant to be committed beside the course)
    [lti]                                   # LTI 1.3 Assignment and Grade Services
    token_url = "https://canvas.example.edu/login/oauth2/token"
    client_id = "10000000000042"            # the developer key's (Canvas) / the tool's client id
    audience = ""                           # the assertion's aud (default: token_url; Brightspace's differs)
    key_file = "keys/tool-key.pem"          # the tool's RSA private key (PEM), or key_env = "LTI_TOOL_KEY"
    key_id = "probdl-2026"                  # the kid of its public JWK, as registered on the platform
    lineitems_url = "https://canvas.example.edu/api/lti/courses/42/line_items"
    memberships_url = "https://canvas.example.edu/api/lti/courses/42/names_and_roles"   # optional (NRPS)
    create_lineitems = true                 # a missing line item is created (false: it is an error)
    pending = "PendingManual"               # gradingProgress while points await a person

    [canvas]                                # Canvas REST API
    url = "https://canvas.example.edu"
    course_id = 42
    token_env = "CANVAS_TOKEN"              # the variable holding an access token (or token_file)

    [moodle]                                # Moodle web services
    url = "https://moodle.example.edu"
    course_id = 7
    token_env = "MOODLE_TOKEN"

    [roster]                                # how submission folders become LMS users (one of the two)
    file = "roster.csv"                     # course_id,lms_id (a Canvas gradebook export with course_id works)
    match = "email"                         # or: the LMS's own member list, its field equal to the folder name

    [problem_sets.ps1_softmax]              # optional, per problem set
    label = "PS1: softmax"                  # line item label / Canvas assignment name (default: the id)
    resource_id = "ps1_softmax"             # AGS resourceId (default: the id)
    canvas_assignment = 1234                # Canvas assignment id (default: found by its name)
    moodle_assignment = 56                  # Moodle assign instance id (needed for Moodle)

    [http]                                  # optional
    attempts = 5                            # tries of one request on 429 and 5xx
    backoff = 1.0                           # seconds before the first retry, doubled each time
    max_wait = 120                          # longest wait for one retry, Retry-After included
    timeout = 30                            # seconds for one request

Secrets are never in the file: the key and the tokens come from a file (``key_file``, ``token_file``,
relative paths from the passback file's folder) or an environment variable (``key_env``, ``token_env``), and
a key such as ``token = "…"`` is refused. Every mistake is a :class:`ConfigError` naming the file and the key.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar, overload
from urllib.parse import urlsplit

from autograder.lms.secret import Secret
from autograder.model.files import StrPath

TARGETS = ("lti", "canvas", "moodle")
#: AGS gradingProgress values a score may carry while points await a person (see docs/instructors.md:
#: Canvas keeps scoreGiven with PendingManual and ignores it with Pending; Moodle keeps it only when FullyGraded).
PENDING_PROGRESS = ("PendingManual", "Pending", "FullyGraded")
#: The member fields a roster may match submission folder names on, per target.
MATCH_FIELDS = {
    "lti": ("email", "lis_person_sourcedid", "user_id"),
    "canvas": ("login_id", "sis_user_id", "email", "id"),
    "moodle": ("username", "email", "idnumber", "id"),
}
#: Keys that would hold a secret in the file itself.
SECRET_KEYS = frozenset({"token", "key", "private_key", "secret", "password", "client_secret", "access_token"})
#: Largest passback file read.
MAX_CONFIG_BYTES = 1_000_000
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_T = TypeVar("_T")
_N = TypeVar("_N", int, float)


class ConfigError(ValueError):
    """The passback file cannot be used as it is: the message names the file, the key and what to write."""


@dataclass(frozen=True)
class HttpSettings:
    """Retries, backoff and time limits of every request."""

    attempts: int = 5
    backoff: float = 1.0
    max_wait: float = 120.0
    timeout: float = 30.0


@dataclass(frozen=True)
class ProblemSetNames:
    """What one problem set is called in the LMS."""

    ps: str
    label: str
    resource_id: str
    canvas_assignment: int | None = None
    moodle_assignment: int | None = None


@dataclass(frozen=True)
class LtiSettings:
    """The [lti] table: the platform's token endpoint and the tool's registration there (client id, audience,
    key and its JWK id), the course's line items and, optionally, its members; whether a missing line item is
    created, and the gradingProgress of a score while points await a person."""

    token_url: str
    client_id: str
    audience: str
    key: Secret
    key_id: str
    lineitems_url: str
    memberships_url: str = ""
    create_lineitems: bool = True
    pending: str = "PendingManual"


@dataclass(frozen=True)
class SiteSettings:
    """A course on a web LMS reached with a token: the [canvas] or the [moodle] table."""

    url: str
    course_id: int
    token: Secret


@dataclass(frozen=True)
class RosterSettings:
    """The [roster] table: a roster file (``course_id,lms_id``), or the member field a folder name equals."""

    file: Path | None = None
    match: str = ""


@dataclass(frozen=True)
class PassbackConfig:
    """The passback file, for one target (``lti``, ``canvas`` or ``moodle``: the one table read)."""

    target: str
    path: Path
    roster: RosterSettings
    http: HttpSettings = HttpSettings()
    lti: LtiSettings | None = None
    canvas: SiteSettings | None = None
    moodle: SiteSettings | None = None
    problem_sets: dict[str, ProblemSetNames] = field(default_factory=dict)  # ps -> (those the file names)

    def names(self, ps: str) -> ProblemSetNames:
        """The LMS names of ``ps``: the file's, else the problem-set id for label and resourceId."""
        return self.problem_sets.get(ps) or ProblemSetNames(ps, ps, ps)


class _Table:
    """One TOML table being read: every key taken is checked, the rest is an error naming it."""

    def __init__(self, data: object, where: str, path: Path) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [{where}] must be a table, not {type(data).__name__}")
        self.data: dict[str, Any] = data
        self.where, self.path = where, path
        self.taken: set[str] = set()
        secret = sorted(k for k in data if k.lower() in SECRET_KEYS)
        if secret:
            raise ConfigError(f"{path}: [{where}] {secret[0]}: a secret is never written in the passback file "
                              "(it is committed and copied); name a file (token_file / key_file) or an environment "
                              "variable (token_env / key_env) that holds it")

    def _at(self, key: str) -> str:
        return f"{self.path}: [{self.where}] {key}"

    @overload
    def get(self, key: str, kind: type[_T], default: _T, required: bool = False) -> _T: ...
    @overload
    def get(self, key: str, kind: type[_T], default: None = None, required: bool = False) -> _T | None: ...
    def get(self, key: str, kind: type[_T], default: _T | None = None, required: bool = False) -> _T | None:
        """The value of ``key``, of type ``kind`` (an int taken for a float), or ``default`` when it is absent."""
        self.taken.add(key)
        if key not in self.data:
            if required:
                raise ConfigError(f"{self._at(key)}: missing; {self._hint(key)}")
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{self._at(key)}: expected {_KIND[kind]}, not {value!r}")
        return value

    def text(self, key: str, required: bool = False, default: str = "") -> str:
        value = self.get(key, str, default, required).strip()
        if required and not value:
            raise ConfigError(f"{self._at(key)}: empty; {self._hint(key)}")
        return value

    def url(self, key: str, required: bool = False) -> str:
        value = self.text(key, required)
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("https", "http") or not parts.netloc:
                raise ConfigError(f"{self._at(key)}: expected an https:// address, not {value!r}")
            if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
                raise ConfigError(f"{self._at(key)}: {value!r} is plain http: tokens and grades would cross the "
                                  "network unencrypted; use the https:// address")
        return value.rstrip("/") if key == "url" else value

    @overload
    def positive(self, key: str, kind: type[_N], default: _N) -> _N: ...
    @overload
    def positive(self, key: str, kind: type[_N], default: None) -> _N | None: ...
    def positive(self, key: str, kind: type[_N], default: _N | None) -> _N | None:
        value = self.get(key, kind, default)
        if value is not None and value <= 0:
            raise ConfigError(f"{self._at(key)}: expected a positive number, not {value!r}")
        return value

    def secret(self, stem: str, name: str, environ: Mapping[str, str]) -> Secret:
        """The secret named by ``<stem>_file`` or ``<stem>_env`` (exactly one of them)."""
        file_key, env_key = f"{stem}_file", f"{stem}_env"
        path_text, env = self.text(file_key), self.text(env_key)
        if bool(path_text) == bool(env):
            raise ConfigError(f"{self.path}: [{self.where}] needs one of {file_key} (a file holding the {name}) or "
                              f"{env_key} (an environment variable holding it)")
        if env:
            if not _ENV_NAME.match(env):
                raise ConfigError(f"{self._at(env_key)}: {env!r} is not an environment variable's name")
            value = environ.get(env, "")
            if not value.strip():
                raise ConfigError(f"{self._at(env_key)}: the environment variable {env} is not set (it should hold "
                                  f"the {name}; in CI, a secret given to this step only)")
            return Secret(value.strip() if stem != "key" else value, name)
        path = Path(path_text).expanduser()
        path = path if path.is_absolute() else self.path.parent / path
        try:
            if path.stat().st_size > MAX_CONFIG_BYTES:
                raise ConfigError(f"{self._at(file_key)}: {path} is too large to hold a {name}")
            value = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{self._at(file_key)}: {path} cannot be read ({type(exc).__name__}); it should hold "
                              f"the {name}") from None
        if not value.strip():
            raise ConfigError(f"{self._at(file_key)}: {path} is empty; it should hold the {name}")
        return Secret(value.strip() if stem != "key" else value, name)

    def _hint(self, key: str) -> str:
        return _HINTS.get((self.where, key), "see the passback section of docs/instructors.md")

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.taken)
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(self.taken), n=1, cutoff=0.6)
            raise ConfigError(f"{self._at(unknown[0])}: unknown key" + (f" (did you mean {close[0]!r}?)" if close
                              else f" (known: {', '.join(sorted(self.taken))})"))


_KIND = {str: "a text in quotes", int: "a whole number", float: "a number", bool: "true or false", dict: "a table"}
_HINTS = {
    ("lti", "token_url"): "the platform's OAuth2 token endpoint (Canvas: https://<canvas>/login/oauth2/token)",
    ("lti", "client_id"): "the client id the platform gave the tool (Canvas: the developer key's id)",
    ("lti", "key_id"): "the kid of the public JWK registered on the platform (`passback --jwk` prints it)",
    ("lti", "lineitems_url"): "the course's AGS line items address (Canvas: https://<canvas>/api/lti/courses/<id>/line_items)",
    ("canvas", "url"): "the Canvas address, e.g. https://canvas.example.edu",
    ("canvas", "course_id"): "the number in the course's address (https://<canvas>/courses/<id>)",
    ("moodle", "url"): "the Moodle address, e.g. https://moodle.example.edu",
    ("moodle", "course_id"): "the id in the course's address (course/view.php?id=<id>)",
}


def _problem_sets(data: object, path: Path) -> dict[str, ProblemSetNames]:
    table = _Table(data, "problem_sets", path)
    out = {}
    for ps in list(table.data):
        table.taken.add(ps)
        one = _Table(table.data[ps], f"problem_sets.{ps}", path)
        out[ps] = ProblemSetNames(ps, one.text("label") or ps, one.text("resource_id") or ps,
                                  one.positive("canvas_assignment", int, None),
                                  one.positive("moodle_assignment", int, None))
        one.done()
    labels = [n.label for n in out.values()]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise ConfigError(f"{path}: [problem_sets] label {twice[0]!r} is given to two problem sets: their grades "
                          "would land in one column")
    return out


def read_config(path: StrPath, target: str, environ: Mapping[str, str] | None = None,
                ) -> PassbackConfig:
    """The passback file at ``path``, for ``target`` (its table, the roster, the problem sets, http).

    Raises
    ------
    ConfigError
        The file cannot be read or parsed, a key is unknown, missing or of the wrong kind, a secret is
        written in it, or a secret it names is not there.
    """
    if target not in TARGETS:
        raise ConfigError(f"--to: expected one of {', '.join(TARGETS)}, not {target!r}")
    environ = os.environ if environ is None else environ
    path = Path(path)
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: {path.stat().st_size:,} bytes is not a passback file")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    top = _Table(data, "top level", path)
    for name in TARGETS:
        top.taken.add(name)
    if target not in data:
        raise ConfigError(f"{path}: no [{target}] table; --to {target} reads the {target} settings from it "
                          "(see the passback section of docs/instructors.md)")
    roster_table = _Table(top.get("roster", dict, {}), "roster", path)
    roster_file = roster_table.text("file")
    match = roster_table.text("match")
    roster_table.done()
    if bool(roster_file) == bool(match):
        raise ConfigError(f"{path}: [roster] needs one of file (a CSV of course_id,lms_id) or match (the field of "
                          f"the LMS's member list equal to the submission folder name: "
                          f"{', '.join(MATCH_FIELDS[target])})")
    if match and match not in MATCH_FIELDS[target]:
        raise ConfigError(f"{path}: [roster] match: {target} members can be matched on "
                          f"{', '.join(MATCH_FIELDS[target])}, not {match!r}")
    roster_path = None
    if roster_file:
        roster_path = Path(roster_file).expanduser()
        roster_path = roster_path if roster_path.is_absolute() else path.parent / roster_path
    http_table = _Table(top.get("http", dict, {}), "http", path)
    attempts = http_table.positive("attempts", int, 5)
    http = HttpSettings(attempts=min(attempts, 20), backoff=http_table.positive("backoff", float, 1.0),
                        max_wait=http_table.positive("max_wait", float, 120.0),
                        timeout=http_table.positive("timeout", float, 30.0))
    http_table.done()
    problem_sets = _problem_sets(top.get("problem_sets", dict, {}), path)
    top.done()
    settings: dict[str, Any] = {}  # the one table read: {"lti": LtiSettings} or canvas or moodle
    table = _Table(data[target], target, path)
    if target == "lti":
        token_url = table.url("token_url", required=True)
        pending = table.text("pending", default="PendingManual")
        if pending not in PENDING_PROGRESS:
            raise ConfigError(f"{path}: [lti] pending: expected one of {', '.join(PENDING_PROGRESS)}, not {pending!r}")
        settings["lti"] = LtiSettings(
            token_url=token_url, client_id=table.text("client_id", required=True),
            audience=table.text("audience") or token_url, key=table.secret("key", "tool's private key", environ),
            key_id=table.text("key_id", required=True), lineitems_url=table.url("lineitems_url", required=True),
            memberships_url=table.url("memberships_url"), create_lineitems=table.get("create_lineitems", bool, True),
            pending=pending)
        if match and not settings["lti"].memberships_url:
            raise ConfigError(f"{path}: [roster] match needs [lti] memberships_url (the Names and Roles service "
                              "that lists the course's members)")
    else:
        site, token = (("canvas", "Canvas access token") if target == "canvas"
                       else ("moodle", "Moodle web service token"))
        settings[site] = SiteSettings(table.url("url", required=True),
                                      table.positive("course_id", int, None) or _missing(table, "course_id"),
                                      table.secret("token", token, environ))
    table.done()
    return PassbackConfig(target=target, path=path, roster=RosterSettings(roster_path, match), http=http,
                          problem_sets=problem_sets, **settings)


def _missing(table: _Table, key: str) -> NoReturn:
    raise ConfigError(f"{table.path}: [{table.where}] {key}: missing; {table._hint(key)}")
