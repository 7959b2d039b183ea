"""From an ``Authorization`` header to a Principal, or a refusal worded as Camunda 8.8 words it.

HTTP basic checks the login's argon2id hash (Camunda 8.8's basic authentication); a bearer token
is looked up by its digest among the clients (each bound to a role). Failed attempts are counted
per login and per address (:class:`ThrottleSettings`): past the limit within the window, further
attempts are refused (429) even with the right password until old failures leave the window.
A successful basic check is remembered for a minute under an HMAC of the credentials, so that
every REST call does not pay for argon2id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from xietong.engine.identity.passwords import same, token_digest, verify_password
from xietong.engine.identity.principal import UNPROTECTED, Principal
from xietong.engine.identity.store import IdentityStore

CACHE_S = 60.0
MAX_TRACKED = 100_000  # logins and addresses with recent failures kept in memory before pruning


class ThrottleSettings(BaseSettings):
    """How many failed logins are tolerated (``XIETONG_IDENTITY_*``)."""

    model_config = SettingsConfigDict(env_prefix="XIETONG_IDENTITY_", extra="ignore")

    max_failures_per_login: int = Field(5, ge=1, description="Failed logins of one account before it waits.")
    max_failures_per_address: int = Field(
        50, ge=1, description="Failed logins from one address (any account) before it waits."
    )
    window_s: float = Field(15 * 60, gt=0, description="How long failures count, and how long one waits.")


NO_CREDENTIALS = "Full authentication is required to access this resource"
BAD_CREDENTIALS = "Bad credentials"
DISABLED = "User is disabled"
THROTTLED = "Too many failed login attempts; try again later"


@dataclass(frozen=True)
class Refusal:
    """Why a caller is not let in; ``throttled`` answers 429 instead of 401."""

    message: str
    throttled: bool = False


class Throttle:
    """Failed attempts per key (login or address) in a sliding window."""

    def __init__(
        self, now: Callable[[], float] = time.monotonic, settings: ThrottleSettings | None = None
    ) -> None:
        self._now = now
        self.settings = settings or ThrottleSettings()
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, *keys: str) -> bool:
        with self._lock:
            return any(len(self._recent(key)) >= self._limit(key) for key in keys)

    def _limit(self, key: str) -> int:
        if key.startswith("address:"):
            return self.settings.max_failures_per_address
        return self.settings.max_failures_per_login

    def fail(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._recent(key).append(self._now())
            if len(self._failures) > MAX_TRACKED:  # many logins sprayed: forget those out of the window
                for key in list(self._failures):
                    if not self._recent(key):
                        del self._failures[key]

    def succeed(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str) -> deque[float]:
        window = self._failures.setdefault(key, deque())
        cutoff = self._now() - self.settings.window_s
        while window and window[0] < cutoff:
            window.popleft()
        return window


class Authenticator:
    """Shared by the REST and gRPC layers of one gateway."""

    def __init__(
        self,
        store: IdentityStore | None,
        static_tokens: Sequence[str] = (),
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self._static = [token_digest(token) for token in static_tokens if token]
        self.throttle = Throttle(now)
        self._now = now
        self._cache_key = secrets.token_bytes(32)
        self._cache: dict[bytes, tuple[float, str]] = {}

    @property
    def protected(self) -> bool:
        """False while no person, client or static token exists: every call passes (unprotectedApi)."""
        return bool(self._static) or (self.store is not None and not self.store.is_empty())

    @staticmethod
    def costly(authorization: str | None) -> bool:
        """Whether authenticating may hash a password (argon2id: CPU work for a thread); a token is one
        SHA-256 and a remembered row, cheaper than the thread hand-off."""
        return authorization is not None and authorization.strip()[:6].lower() == "basic "

    def authenticate(self, authorization: str | None, address: str = "") -> Principal | Refusal:
        if not self.protected:
            return UNPROTECTED
        if not authorization:
            return Refusal(NO_CREDENTIALS)
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() == "basic":
            return self._basic(credentials.strip(), address)
        if scheme.lower() == "bearer":
            return self._bearer(credentials.strip(), address)
        return Refusal(NO_CREDENTIALS)

    def _basic(self, credentials: str, address: str) -> Principal | Refusal:
        try:
            login, sep, password = base64.b64decode(credentials, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return Refusal(BAD_CREDENTIALS)
        if not sep or self.store is None:
            return Refusal(BAD_CREDENTIALS)
        keys = (f"login:{login}", f"address:{address}")
        if self.throttle.blocked(*keys):
            return Refusal(THROTTLED, throttled=True)
        user = self.store.user(login)
        remembered = hmac.new(self._cache_key, f"{login}\0{password}".encode(), hashlib.sha256).digest()
        cached = self._cache.get(remembered)
        fresh = (
            cached is not None
            and user is not None
            and cached[0] > self._now()
            and same(cached[1], user.password_hash)  # a changed password ends the cached check
        )
        if not fresh:
            if user is None or not verify_password(user.password_hash if user else None, password):
                if user is None:
                    verify_password(None, password)  # the same time for an unknown login
                self.throttle.fail(*keys)
                return Refusal(BAD_CREDENTIALS)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[remembered] = (self._now() + CACHE_S, user.password_hash)
        assert user is not None
        if not user.enabled:
            return Refusal(DISABLED)
        self.throttle.succeed(f"login:{login}")
        return Principal(
            "user", user.username, frozenset(user.roles), frozenset(user.groups), user.name, user.email
        )

    def _bearer(self, token: str, address: str) -> Principal | Refusal:
        # Wrong tokens count against their address in a bucket of their own: a stale token on a host must
        # not lock out the people whose basic logins come from the same address (the web in the engine's
        # process calls from loopback). A valid token (32 random bytes, not guessable) is never refused.
        keys = (f"address:{address}:tokens",)
        digest = token_digest(token)
        matches = [same(digest, static) for static in self._static]  # all compared: no early exit
        if any(matches):
            return Principal("client", f"token-{matches.index(True) + 1}", frozenset({"admin"}))
        found = self.store.client_by_digest(digest) if self.store is not None else None
        if found is None or not same(digest, found[1]):
            if self.throttle.blocked(*keys):
                return Refusal(THROTTLED, throttled=True)
            self.throttle.fail(*keys)
            return Refusal(BAD_CREDENTIALS)
        client = found[0]
        if not client.enabled:
            return Refusal(DISABLED)
        return Principal("client", client.client_id, frozenset(client.roles), frozenset(client.groups))
