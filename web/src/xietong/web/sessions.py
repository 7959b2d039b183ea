"""Server-side sessions, CSRF tokens and the pause after repeated failed logins.

The cookie holds only a random session id (HttpOnly, SameSite=Lax, Secure under TLS); the person's
name, groups and REST credentials stay in this process's memory and end with idle expiry, logout
or a restart. Each session has its own CSRF token that every state-changing form must send back.
Failed logins are counted per account and per address in a sliding window: past the limit, logins
pause for that account or address, whatever password is tried.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "xietong_session"


@dataclass
class Session:
    id: str
    csrf: str
    username: str
    display_name: str
    groups: tuple[str, ...]
    roles: tuple[str, ...]
    credentials: tuple[str, str] | None  # HTTP basic for the REST API; None on an unprotected engine
    last_seen: float = field(default_factory=time.monotonic)

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, token or "")

    @property
    def is_admin(self) -> bool:
        """Only an admin may cancel a case (the engine refuses everyone else); an unprotected engine
        has no roles and refuses nobody."""
        return "admin" in self.roles or not self.credentials

    @property
    def is_supervisor(self) -> bool:
        return any(role in ("supervisor", "admin") for role in self.roles) or not self.credentials


class SessionStore:
    def __init__(self, idle_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._idle = idle_seconds
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, **person: object) -> Session:
        session = Session(
            id=secrets.token_urlsafe(32),
            csrf=secrets.token_urlsafe(24),
            last_seen=self._clock(),
            **person,  # type: ignore[arg-type]  # the person's fields, as the login read them
        )
        with self._lock:
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session, touched; an idle one is ended here."""
        if not session_id:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if now - session.last_seen > self._idle:
                del self._sessions[session_id]
                return None
            session.last_seen = now
            return session

    def end(self, session_id: str | None) -> None:
        with self._lock:
            self._sessions.pop(session_id or "", None)


class LoginThrottle:
    """``limit`` failures within ``window`` seconds pause the key (an account or an address)."""

    def __init__(
        self, per_account: int, per_address: int, window: float, clock: Callable[[], float] = time.monotonic
    ):
        self._limits = {"account": per_account, "address": per_address}
        self._window = window
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        cutoff = self._clock() - self._window
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures

    def paused_for(self, account: str, address: str) -> float:
        """Seconds until a login for this account from this address may be tried again (0: now)."""
        with self._lock:
            wait = 0.0
            for kind, value in (("account", account.lower()), ("address", address)):
                failures = self._recent((kind, value))
                if len(failures) >= self._limits[kind]:
                    wait = max(wait, failures[0] + self._window - self._clock())
            return wait

    def failed(self, account: str, address: str) -> None:
        with self._lock:
            now = self._clock()
            self._recent(("account", account.lower())).append(now)
            self._recent(("address", address)).append(now)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._failures.pop(("account", account.lower()), None)
