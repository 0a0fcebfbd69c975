"""A fake LTI 1.3 platform for the passback tests: lti1p3platform's own code behind a local HTTP server.

What lti1p3platform (0.1.8) gives, and is used here as it is: the token endpoint
(``LTI1P3PlatformConfAbstract.get_access_token``: the form's required fields, ``grant_type``, the
assertion's RS256 signature checked against the tool's JWK found by its ``kid`` and ``alg``, ``exp`` when
present), bearer tokens signed by the platform's key, and the AGS and NRPS services
(``AssignmentsGradesService`` and ``NamesRoleProvisioningService``: the bearer token's signature, issuer and
expiry checked on every call, methods and media types, ``next`` links).

What it lacks, and :class:`Platform` adds (each refusal is tested in tests/test_lms_lti.py):

* the assertion's claims: ``aud`` must be the token endpoint (it decodes with ``verify_aud`` off), ``iss``
  and ``sub`` the client id, ``exp`` present and in the future, ``iat`` not in the future, a lifetime of at
  most an hour, a ``jti`` never seen before (replay), and ``client_assertion_type`` the JWT bearer type;
* scopes per endpoint (its check passes a token holding *any* of the service's scopes: a read-only token
  could post scores) and only the scopes the registration allows are granted;
* the score document (a TODO there): its media type, ``userId`` a member of the course, numbers, progress
  values, an ISO 8601 timestamp, and a score older than the one kept refused (409), as the spec requires;
* what a gradebook holds: the line items and each user's result. ``resultScore`` keeps ``scoreGiven`` when
  ``gradingProgress`` is FullyGraded or PendingManual and drops it otherwise (Canvas's rule; ``moodle=True``:
  only FullyGraded keeps it), the comment is kept beside it, and :meth:`Platform.grade_by_hand` changes a
  score as a teacher does in the gradebook;
* faults on demand (a status and headers for the next matching requests: 429 with Retry-After, 503, 401 …),
  revoked tokens, and a log of every request;
* ``forbid_writes`` (a dry run's platform): every ``POST``, ``PUT``, ``PATCH`` or ``DELETE`` but the token request
  (OAuth2 asks for a form ``POST``, and it changes no gradebook) is recorded in ``violations`` and refused.

Only 127.0.0.1 is listened on; the server stops with the fixture.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.constants import LTI_1P3_ACCESS_TOKEN_SCOPES
from lti1p3platform.exceptions import LineItemNotFoundException, LtiException, LtiServiceException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
ACTIVITY = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
CLIENT_ID = "10000000000042"
COURSE = "/api/lti/courses/42"


def rsa_pem(bits: int = 2048) -> str:
    """A new RSA private key as unencrypted PKCS#8 PEM text."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(private: str) -> str:
    key = serialization.load_pem_private_key(private.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclass
class Fault:
    """Answer the next ``times`` requests matching ``method`` and ``path`` (a regex) with ``status``."""

    method: str
    path: str
    status: int
    headers: dict = field(default_factory=dict)
    body: dict = field(default_factory=lambda: {"error": "injected"})
    times: int = 1


class _Conf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, registration=None, **kwargs):
        self._registration = registration

    def get_registration_by_params(self, **kwargs):
        return self._registration


class _Request(Request):
    def build_metadata(self, request):
        return request


class _Ags(AssignmentsGradesService):
    def __init__(self, request, platform: Platform, lineitem_url=None):
        super().__init__(request, platform.conf, platform.url + COURSE + "/line_items", lineitem_url,
                         allow_creating_lineitems=True)
        self.platform = platform

    def find_lineitems(self, page=1, limit=None, line_item_id=None, resource_link_id=None, resource_id=None,
                       tag=None, **ignored):
        items = [i for i in self.platform.lineitems.values()
                 if (resource_id is None or i.get("resourceId") == resource_id) and (tag is None or i.get("tag") == tag)]
        size = limit or self.platform.page_size
        start = (int(page) - 1) * size
        return {"content": items[start:start + size], "has_next": start + size < len(items)}

    def find_lineitem(self, line_item_id):
        if line_item_id not in self.platform.lineitems:
            raise LineItemNotFoundException(line_item_id)
        return self.platform.lineitems[line_item_id]

    def create_lineitem(self, creation_data):
        data = dict(creation_data or {})
        if not isinstance(data.get("scoreMaximum"), (int, float)) or data["scoreMaximum"] <= 0 or not data.get("label"):
            raise LtiServiceException("a line item needs a label and a positive scoreMaximum", 400)
        key = str(len(self.platform.lineitems) + 1)
        data["id"] = f"{self.platform.url}{COURSE}/line_items/{key}"
        self.platform.lineitems[key] = data
        return data

    def update_lineitem(self, update_data):
        raise LtiServiceException("not used by passback", 405)

    def delete_lineitem(self, line_item_id):
        raise LtiServiceException("not used by passback", 405)

    def update_score(self, line_item_id, score):
        return self.platform.take_score(line_item_id, score)

    def get_results(self, line_item_id, page=1, limit=None, user_id=None, **ignored):
        self.find_lineitem(line_item_id)
        kept = [dict(r) for (item, user), r in sorted(self.platform.results.items())
                if item == line_item_id and (user_id is None or user == user_id)]
        size = limit or self.platform.page_size
        start = (int(page) - 1) * size
        return {"content": kept[start:start + size], "has_next": start + size < len(kept)}


class _Nrps(NamesRoleProvisioningService):
    def __init__(self, request, platform: Platform):
        super().__init__(request, platform.conf, platform.url + COURSE + "/names_and_roles")
        self.platform = platform

    def get_member_data_page(self, page=1, limit=None, role=None, since=None, **ignored):
        size = limit or self.platform.page_size
        start = (int(page) - 1) * size
        members = [dict(m) for m in self.platform.members]
        return {"content": members[start:start + size], "has_next": start + size < len(members)}

    def get_context_by_id(self):
        return Context(id="42", label="PROBDL", title="Probability foundations of deep learning")


class Platform:
    """The fake platform's state: registration, keys, line items, results, members; and its server."""

    def __init__(self, tool_public_jwk: dict, members: list, moodle: bool = False,
                 allowed_scopes=tuple(LTI_1P3_ACCESS_TOKEN_SCOPES), page_size: int = 3) -> None:
        self.private_key = rsa_pem()
        self.members, self.moodle, self.page_size = members, moodle, page_size
        self.allowed_scopes = set(allowed_scopes)
        self.lineitems: dict = {}
        self.results: dict = {}          # (line item key, user id) -> result document
        self.timestamps: dict = {}       # (line item key, user id) -> last score's timestamp
        self.scores: list = []           # every score accepted, in order
        self.faults: list = []
        self.refuse: dict = {}           # user id -> status a score for them gets
        self.log: list = []              # (method, path with query, headers, body text)
        self.seen_jti: set = set()
        self.revoked: set = set()
        self.issued: list = []
        self.forbid_writes = False
        self.violations: list = []       # (method, path) of every change asked for while forbid_writes
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.token_url = self.url + "/login/oauth2/token"
        registration = (Registration().set_iss(self.url).set_client_id(CLIENT_ID).set_deployment_id("1:probdl")
                        .set_platform_private_key(self.private_key).set_platform_public_key(public_pem(self.private_key))
                        .set_tool_key_set({"keys": [tool_public_jwk]}))
        self.conf = _Conf(registration=registration)

    # -- the server ------------------------------------------------------------------------------------

    def start(self) -> Platform:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def lineitems_url(self) -> str:
        return self.url + COURSE + "/line_items"

    @property
    def memberships_url(self) -> str:
        return self.url + COURSE + "/names_and_roles"

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # (quiet: the log is kept in platform.log)
                pass

            def _send(self, status: int, body, headers=None, media="application/json"):
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                text = self.rfile.read(length).decode() if length else ""
                with platform._lock:
                    platform.log.append((self.command, self.path, dict(self.headers), text))
                    if (platform.forbid_writes and self.command in ("POST", "PUT", "PATCH", "DELETE")
                            and urlsplit(self.path).path != "/login/oauth2/token"):
                        platform.violations.append((self.command, self.path))
                        return self._send(403, {"error": "a dry run asked this platform to change something"})
                    fault = next((f for f in platform.faults if f.times > 0 and f.method == self.command
                                  and re.search(f.path, self.path)), None)
                    if fault is not None:
                        fault.times -= 1
                if fault is not None:
                    return self._send(fault.status, fault.body, fault.headers)
                status, body, headers, media = platform.answer(self.command, self.path, self.headers, text)
                self._send(status, body, headers, media)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return Handler

    # -- the token endpoint ----------------------------------------------------------------------------

    def token(self, form: dict):
        """lti1p3platform's token endpoint, with the assertion checks it lacks."""
        def refuse(error, description, status=400):
            return status, {"error": error, "error_description": description}, {}, "application/json"

        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return refuse("invalid_request", "client_assertion_type must be the JWT bearer type")
        try:
            answer = self.conf.get_access_token(form)  # signature (kid, alg), grant type, required fields
        except (LtiException, jwt.PyJWTError) as exc:
            return refuse("invalid_client", f"{type(exc).__name__}: {exc}", 401)
        except Exception as exc:  # noqa: BLE001 (the package raises its own kinds for a missing field)
            return refuse("invalid_request", f"{type(exc).__name__}: {exc}")
        claims = jwt.decode(form["client_assertion"], options={"verify_signature": False})
        now = time.time()
        aud = claims.get("aud")
        if self.token_url not in ([aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []):
            return refuse("invalid_grant", f"aud must be the token endpoint {self.token_url}")
        if claims.get("iss") != CLIENT_ID or claims.get("sub") != CLIENT_ID:
            return refuse("invalid_grant", "iss and sub must be the client id")
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= now:
            return refuse("invalid_grant", "exp missing or past")
        if not isinstance(claims.get("iat"), (int, float)) or claims["iat"] > now + 60 or claims["exp"] - claims["iat"] > 3600:
            return refuse("invalid_grant", "iat missing, in the future, or a lifetime over an hour")
        if not claims.get("jti") or claims["jti"] in self.seen_jti:
            return refuse("invalid_grant", "jti missing or already used (replay)")
        self.seen_jti.add(claims["jti"])
        granted = [s for s in answer["scope"].split() if s in self.allowed_scopes]
        # a jti of its own, as a real platform's tokens differ: RS256 signs deterministically, so two tokens asked
        # for in the same second would otherwise be one string (and a revoked one would come back as new)
        token = Registration.encode_and_sign({"sub": CLIENT_ID, "iss": self.url, "scopes": " ".join(granted),
                                              "jti": uuid.uuid4().hex}, self.private_key, expiration=3600)
        self.issued.append(token)
        return 200, {**answer, "access_token": token, "scope": " ".join(granted)}, {}, "application/json"

    # -- the services ----------------------------------------------------------------------------------

    def _scopes(self, headers) -> set | None:
        auth = (headers.get("Authorization") or "").split()
        if len(auth) != 2 or auth[1] in self.revoked:
            return None
        try:
            claims = jwt.decode(auth[1], public_pem(self.private_key), algorithms=["RS256"])
        except jwt.PyJWTError:
            return None
        return set(str(claims.get("scopes", "")).split())

    def answer(self, method: str, path: str, headers, text: str):
        parts = urlsplit(path)
        query = {k: (int(v) if k in ("page", "limit") and v.isdigit() else v) for k, v in parse_qsl(parts.query)}
        if parts.path == "/login/oauth2/token" and method == "POST":
            return self.token(dict(parse_qsl(text)))
        need = {("GET", "line_items"): {AGS + "lineitem", AGS + "lineitem.readonly"},
                ("POST", "line_items"): {AGS + "lineitem"}, ("GET", "results"): {AGS + "result.readonly"},
                ("POST", "scores"): {AGS + "score"}, ("GET", "names_and_roles"): {NRPS_SCOPE}}
        m = re.fullmatch(re.escape(COURSE) + r"/(line_items|names_and_roles)(?:/(\d+))?(?:/(scores|results))?/?",
                         parts.path)
        if not m:
            return 404, {"error": "no such endpoint"}, {}, "application/json"
        kind, key, sub = m.group(1), m.group(2), m.group(3)
        scopes = self._scopes(headers)
        if scopes is None and headers.get("Authorization"):
            return 401, {"error": "invalid or revoked token"}, {}, "application/json"
        wanted = need.get((method, sub or kind))
        if scopes is not None and wanted is not None and not scopes & wanted:
            return 403, {"error": f"the token lacks the scope for {method} {sub or kind}"}, {}, "application/json"
        if sub == "scores" and (headers.get("Content-Type") or "").split(";")[0] != SCORE_TYPE:
            return 415, {"error": f"a score is {SCORE_TYPE}"}, {}, "application/json"
        try:
            body = json.loads(text) if text else None
        except ValueError:
            return 400, {"error": "not JSON"}, {}, "application/json"
        request = _Request({"method": method, "form_data": {}, "get_data": query, "headers": headers,
                            "content_type": headers.get("Content-Type"), "path": path, "json": body})
        if kind == "names_and_roles":
            service = _Nrps(request, self)
            query.setdefault("limit", self.page_size)
            response = service.handle_resp(service.handle_get_members)
        else:
            service = _Ags(request, self, f"{self.lineitems_url}/{key}" if key else None)
            handler = {(None, None, "GET"): service.handle_get_lineitems,
                       (None, None, "POST"): service.handle_create_lineitem,
                       (True, None, "GET"): service.handle_get_lineitem,
                       (True, "results", "GET"): service.handle_get_results,
                       (True, "scores", "POST"): service.handle_update_score}.get((key and True, sub, method))
            if handler is None:
                return 405, {"error": "method not allowed"}, {}, "application/json"
            with self._lock:
                response = service.handle_resp(handler, **({"line_item_id": key} if key else {}))
        result = response.result
        links = {}
        if isinstance(result, dict) and "content" in result:  # a page: the spec's array, its next in Link
            if result.get("next"):
                links["Link"] = f'<{self.url}{result["next"].split(self.url, 1)[-1]}>; rel="next"'
            result = result["content"]
        elif isinstance(result, dict) and result.get("next"):
            links["Link"] = f'<{result.pop("next")}>; rel="next"'
        if result is None and response.code >= 400:
            result = {"error": response.message}
        return response.code, result, links, response.media_type

    def take_score(self, key: str, score) -> UpdateScoreStatus:
        """A score posted to line item ``key``, checked as the AGS spec says, kept as a gradebook keeps it."""
        if key not in self.lineitems:
            raise LineItemNotFoundException(key)
        if not isinstance(score, dict):
            raise LtiServiceException("a score is a JSON object", 400)
        user = score.get("userId")
        if user not in {m["user_id"] for m in self.members}:
            raise LtiServiceException(f"user {user!r} is not a member of the course", 422)
        if user in self.refuse:
            raise LtiServiceException(f"refused for user {user}", self.refuse[user])
        given, maximum = score.get("scoreGiven"), score.get("scoreMaximum")
        if given is not None and (not isinstance(given, (int, float)) or given < 0
                                  or not isinstance(maximum, (int, float)) or maximum <= 0):
            raise LtiServiceException("scoreGiven must be a number >= 0 with a positive scoreMaximum", 400)
        if score.get("activityProgress") not in ACTIVITY or score.get("gradingProgress") not in GRADING:
            raise LtiServiceException("activityProgress and gradingProgress must be the spec's values", 400)
        try:
            stamp = datetime.fromisoformat(str(score.get("timestamp")))
        except ValueError:
            raise LtiServiceException("timestamp must be ISO 8601", 400) from None
        if stamp.tzinfo is None:
            raise LtiServiceException("timestamp must carry its offset", 400)
        last = self.timestamps.get((key, user))
        if last is not None and last > stamp:
            return UpdateScoreStatus.OLD_TIMESTAMP
        kept = score.get("gradingProgress") in (("FullyGraded",) if self.moodle else ("FullyGraded", "PendingManual"))
        self.timestamps[(key, user)] = stamp
        self.scores.append((key, dict(score)))
        created = (key, user) not in self.results
        self.results[(key, user)] = {
            "id": f"{self.lineitems_url}/{key}/results/{user}", "scoreOf": f"{self.lineitems_url}/{key}",
            "userId": user, "resultScore": given if kept else None, "resultMaximum": maximum,
            "comment": score.get("comment")}
        return UpdateScoreStatus.CREATED if created else UpdateScoreStatus.SUCCESS

    # -- what the tests look at and do ----------------------------------------------------------------

    def item_key(self, label: str) -> str:
        (key,) = [k for k, i in self.lineitems.items() if i["label"] == label]
        return key

    def stored(self) -> dict:
        """``(line item label, user id) -> (resultScore, resultMaximum)`` as the gradebook holds them."""
        return {(self.lineitems[k]["label"], user): (r["resultScore"], r["resultMaximum"])
                for (k, user), r in self.results.items()}

    def grade_by_hand(self, label: str, user: str, score: float, maximum: float) -> None:
        """A teacher types a score into the gradebook (the comment, if any, stays); a column the teacher makes
        for it has a label and no resourceId."""
        key = self.item_key(label) if any(i["label"] == label for i in self.lineitems.values()) else None
        if key is None:
            key = str(len(self.lineitems) + 1)
            self.lineitems[key] = {"id": f"{self.lineitems_url}/{key}", "label": label, "scoreMaximum": maximum}
        old = self.results.get((key, user), {})
        self.results[(key, user)] = {**old, "id": f"{self.lineitems_url}/{key}/results/{user}", "userId": user,
                                     "scoreOf": f"{self.lineitems_url}/{key}", "resultScore": score,
                                     "resultMaximum": maximum}


def learner(user_id: str, email: str, name: str, sourcedid: str = "") -> dict:
    return {"user_id": user_id, "roles": [LEARNER], "status": "Active", "name": name, "email": email,
            "lis_person_sourcedid": sourcedid}


def learners(people: dict) -> list[dict]:
    """The class's members as the platform lists them: ``{student: (lms id, email)}``, each named after its student."""
    return [learner(lms, email, c.title()) for c, (lms, email) in people.items()]


def query_string(**params) -> str:
    return urlencode(params)
