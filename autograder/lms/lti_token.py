"""An LTI 1.3 access token: the OAuth2 client-credentials grant with a JWT assertion signed by the tool's key.

No student launch is needed (1EdTech Security Framework 1.0, section 4.1): the tool signs an assertion

.. code-block:: text

    header  {"alg": "RS256", "typ": "JWT", "kid": <key_id>}
    claims  {"iss": <client_id>, "sub": <client_id>, "aud": <audience: the token endpoint>,
             "iat": now, "exp": now + 300, "jti": <random, never reused>}

and POSTs it to the platform's token endpoint as a form (``grant_type=client_credentials``,
``client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer``, ``client_assertion``,
``scope``: the AGS scopes, space-separated). The platform checks the signature against the public JWK it
has for the tool (:func:`public_jwk` prints it, for registration), and answers a bearer token for the
scopes it grants, valid ``expires_in`` seconds. The token is kept until a minute before it expires, or until
a service refuses it (:meth:`LtiToken.refresh`). PyJWT signs (RS256 through cryptography); the assertion and
the token are :class:`~autograder.lms.secret.Secret` and registered with the run's redactor.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from jwt.algorithms import RSAAlgorithm

from autograder.lms.config import LtiSettings
from autograder.lms.secret import Redactor, Secret
from autograder.lms.transport import HttpError, Session, StopRun, quote
from autograder.model.invariant import known

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
LINEITEM, LINEITEM_READONLY = AGS + "lineitem", AGS + "lineitem.readonly"
RESULT_READONLY, SCORE = AGS + "result.readonly", AGS + "score"
MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Lifetime of an assertion (the platform must see it before then; 5 minutes is the usual bound).
ASSERTION_S = 300
#: A token is renewed this long before it expires.
MARGIN_S = 60
#: The smallest RSA key accepted (the Security Framework asks for 2048 bits).
MIN_BITS = 2048


class TokenError(StopRun):
    """No token: the message names the cause and what to check (the registration's settings only when the
    platform refused the tool's assertion, not when its token endpoint failed or could not be reached). Every
    service call needs one, so a run without it stops (with its summary)."""


def private_key(key: Secret) -> rsa.RSAPrivateKey:
    """The tool's RSA private key from its PEM text (its value never appears in an error)."""
    try:
        loaded = load_pem_private_key(key.reveal().encode("utf-8"), password=None)
    except (ValueError, TypeError) as exc:
        raise TokenError(f"the tool's key ({key!r}) is not an unencrypted PEM private key ({type(exc).__name__}); "
                         "make one with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "
                         "tool-key.pem`") from None
    if not isinstance(loaded, rsa.RSAPrivateKey) or loaded.key_size < MIN_BITS:
        raise TokenError(f"the tool's key ({key!r}) must be an RSA key of at least {MIN_BITS} bits (LTI 1.3 "
                         "signs with RS256)")
    return loaded


def public_jwk(key: Secret, key_id: str) -> dict:
    """The public JWK of the tool's key, with its ``kid``, ``alg`` and ``use``: what the platform registers."""
    jwk = RSAAlgorithm.to_jwk(private_key(key).public_key(), as_dict=True)
    return {**jwk, "kid": key_id, "alg": "RS256", "use": "sig"}


class LtiToken:
    """Bearer tokens for the scopes passback needs, from one platform's token endpoint."""

    def __init__(self, settings: LtiSettings, session: Session, redactor: Redactor,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings, self.session, self.redactor, self.clock = settings, session, redactor, clock
        self._key = private_key(settings.key)
        self._token: Secret | None = None
        self._expires = 0.0
        self.granted: set[str] = set()

    @property
    def scopes(self) -> list[str]:
        """What is asked: read and create line items (or only read them), read results, post scores, and the
        members when the roster comes from the Names and Roles service."""
        s = self.settings
        return ([LINEITEM if s.create_lineitems else LINEITEM_READONLY, RESULT_READONLY, SCORE]
                + ([MEMBERSHIPS] if s.memberships_url else []))

    def assertion(self) -> Secret:
        """A freshly signed client assertion (a new ``jti`` each time)."""
        now = int(self.clock())
        s = self.settings
        claims = {"iss": s.client_id, "sub": s.client_id, "aud": s.audience, "iat": now, "exp": now + ASSERTION_S,
                  "jti": uuid.uuid4().hex}
        signed = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": s.key_id, "typ": "JWT"})
        return self.redactor.add(Secret(signed, "LTI client assertion"))

    def bearer(self) -> str:
        """The ``Authorization`` header's value, from the kept token or a new one."""
        if self._token is None or self.clock() >= self._expires - MARGIN_S:
            self._fetch()
        return f"Bearer {known(self._token, '_fetch keeps a token or raises').reveal()}"

    def refresh(self) -> None:
        """Forget the kept token (a service refused it): the next :meth:`bearer` asks for a new one."""
        self._token = None

    def _fetch(self) -> None:
        s = self.settings
        form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self.assertion().reveal(), "scope": " ".join(self.scopes)}
        doing = f"token request to {s.token_url}"
        try:  # (a form POST that changes no gradebook: allowed in a dry run)
            response = self.session.request("POST", s.token_url, data=form, headers={"Accept": "application/json"},
                                            reads=True)
        except HttpError as exc:
            raise TokenError(self.redactor(f"{doing}: {exc.detail or 'no answer'}: the token endpoint could not be "
                                           "reached; check [lti] token_url and the network, then run passback "
                                           "again")) from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise TokenError(self.redactor(
                f"{doing}: HTTP {status} ({quote(response)}), still after the retries: the platform's token endpoint "
                "is failing or throttling (not a problem of the tool's registration); run passback again later"))
        if status != 200:
            raise TokenError(self.redactor(
                f"{doing}: HTTP {status} ({quote(response)}); the platform did not accept the "
                f"tool's signed assertion: check [lti] token_url, client_id ({s.client_id}), audience "
                f"({s.audience}) and key_id ({s.key_id}), and that the public JWK registered on the platform is "
                f"the one `passback --jwk` prints for this key"))
        try:
            data = response.json()
            token, lifetime = data["access_token"], float(data.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise TokenError(f"{doing}: the answer is not an OAuth2 token (no access_token)") from None
        if not isinstance(token, str) or not token:
            raise TokenError(f"{doing}: the answer's access_token is empty")
        self._token = self.redactor.add(Secret(token, "LTI access token"))
        self._expires = self.clock() + max(lifetime, 0.0)
        granted = data.get("scope")
        self.granted = set(granted.split()) if isinstance(granted, str) else set(self.scopes)
        missing = [scope for scope in self.scopes if scope not in self.granted
                   and not (scope == LINEITEM_READONLY and LINEITEM in self.granted)]
        if missing:
            raise TokenError(f"{doing}: the platform did not grant {', '.join(m.rsplit('/', 1)[-1] for m in missing)}; "
                             "enable these scopes in the tool's registration (Canvas: the developer key's LTI "
                             "Advantage Services; Moodle: the tool's services settings)")


def call(token: LtiToken, session: Session, method: str, url: str, headers: dict[str, str] | None = None,
         **kwargs: Any) -> requests.Response:
    """One service request with the bearer token; a 401 gets one new token and one more try."""
    def send() -> requests.Response:
        return session.request(method, url, headers={**(headers or {}), "Authorization": token.bearer()}, **kwargs)

    response = send()
    if response.status_code == 401:
        token.refresh()
        response = send()
    return response
