"""Local accounts and sessions: argon2 password hashes, session cookies, CSRF tokens.

The session cookie is HttpOnly and SameSite=Strict. State-changing requests
also carry the CSRF token (double submit): the ``bms_csrf`` cookie, readable
by the SPA, must be echoed in the ``X-CSRF-Token`` header and match the
token bound to the session in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select

from bms_service.tokens import write_secret
from designer.errors import NotAuthenticatedError, TooManyAttemptsError
from designer.models import sessions, users
from designer.throttle import LoginThrottle
from designer.timeutil import aware, now

log = logging.getLogger("designer.auth")

SESSION_COOKIE = "bms_session"
CSRF_COOKIE = "bms_csrf"
CSRF_HEADER = "x-csrf-token"
PRUNE_AFTER = timedelta(days=7)
"""Expired sessions are deleted this long after their expiry, not at it (clock steps)."""
PASSWORD_FILE = "admin-password"


@dataclass(frozen=True)
class Principal:
    """The signed-in user of a request."""

    username: str
    csrf_token: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """Users and sessions in the database."""

    def __init__(
        self,
        database: Engine,
        *,
        session_hours: float,
        hasher: PasswordHasher | None = None,
        throttle: LoginThrottle | None = None,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self._db = database
        self._now = clock
        self._lifetime = timedelta(hours=session_hours)
        self._hasher = hasher or PasswordHasher()
        self.throttle = throttle or LoginThrottle()
        # Checked for unknown users, so that they take as long as known ones.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def ensure_admin(self, username: str, password: str | None, data_dir: Path) -> str | None:
        """Create the admin on first start; returns a generated password (printed once)."""
        with self._db.begin() as db:
            if db.execute(select(users.c.id).limit(1)).first() is not None:
                return None
            generated = None
            if password is None:
                password = generated = secrets.token_urlsafe(18)
                write_secret(data_dir / PASSWORD_FILE, password + "\n")
                print(
                    f"designer: created admin account {username!r} with password {password} "
                    f"(also in {data_dir / PASSWORD_FILE}, mode 0600)",
                    file=sys.stderr,
                    flush=True,
                )
            db.execute(
                insert(users).values(
                    username=username, password_hash=self._hasher.hash(password), created_at=now()
                )
            )
            log.info("created the admin account %r", username)
            return generated

    def login(self, username: str, password: str, address: str = "?") -> tuple[str, Principal]:
        """A new session token for valid credentials.

        Throttled per user and address (:class:`~designer.throttle.LoginThrottle`); an unknown
        user costs one password hash like a known one, so the time does not tell them apart.
        """
        wait = self.throttle.retry_after(username, address)
        if wait > 0:
            raise TooManyAttemptsError(
                f"too many wrong passwords; try again in {wait:.0f} s",
                details={"field": "password", "retryAfterS": round(wait, 1)},
            )
        with self._db.begin() as db:
            user = db.execute(select(users).where(users.c.username == username)).first()
            try:
                if user is None:
                    self._hasher.verify(self._dummy_hash, password)
                    raise VerificationError("no such user")
                self._hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                self.throttle.failed(username, address)
                raise NotAuthenticatedError("wrong username or password") from None
            self.throttle.succeeded(username, address)
            token = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(32)
            created = self._now()
            # only sessions long past their expiry go: a wall clock stepped forward (NTP after
            # a dead RTC battery) must not delete everyone else's sessions at the next login
            db.execute(delete(sessions).where(sessions.c.expires_at < created - PRUNE_AFTER))
            db.execute(
                insert(sessions).values(
                    token_hash=_digest(token),
                    user_id=user.id,
                    csrf_token=csrf,
                    created_at=created,
                    expires_at=created + self._lifetime,
                )
            )
            return token, Principal(user.username, csrf, created + self._lifetime)

    def principal(self, token: str | None) -> Principal:
        """The user of a session token; :class:`NotAuthenticatedError` if none or expired."""
        if not token:
            raise NotAuthenticatedError("sign in first: no session cookie")
        with self._db.connect() as db:
            row = db.execute(
                select(sessions).where(sessions.c.token_hash == _digest(token))
            ).first()
            if row is None or aware(row.expires_at) <= self._now():
                raise NotAuthenticatedError("the session is unknown or has expired; sign in again")
            user = db.execute(select(users).where(users.c.id == row.user_id)).first()
            if user is None:
                raise NotAuthenticatedError("the session's user no longer exists")
            return Principal(user.username, row.csrf_token, aware(row.expires_at))

    def logout(self, token: str | None) -> None:
        """End a session."""
        if token:
            with self._db.begin() as db:
                db.execute(delete(sessions).where(sessions.c.token_hash == _digest(token)))


def csrf_matches(header: str | None, cookie: str | None, expected: str) -> bool:
    """Double submit: header and cookie both equal the session's token."""
    if not header or not cookie:
        return False
    return hmac.compare_digest(header, cookie) and hmac.compare_digest(header, expected)
