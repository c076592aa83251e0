"""Passwords, logins and sessions. No HTTP here."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth.models import AuthSession, Role, User
from app.core.errors import Conflict, InvalidInput, Unauthorized
from app.core.settings import get_settings


@lru_cache
def _hasher() -> PasswordHasher:
    """argon2id (settings: 64 MiB, 3 passes by default); any length, nothing truncated."""
    settings = get_settings()
    return PasswordHasher(time_cost=settings.argon2_time_cost,
                          memory_cost=settings.argon2_memory_kib)


@lru_cache
def _dummy_hash() -> str:
    # Verifying against this keeps a login for an unknown user as slow as for a known one.
    return _hasher().hash("sopimus-timing-equaliser")

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            field="password",
        )
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_password(_dummy_hash(), password)
        raise Unauthorized("Wrong username or password")
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise Unauthorized("Wrong username or password")
    return user


def start_session(session: Session, user: User) -> str:
    """Create a session and return its token; only the token's hash is stored."""
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=get_settings().session_hours)
    session.add(AuthSession(user_id=user.id, token_hash=_token_hash(token), expires_at=expires))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User:
    row = session.execute(
        select(User, AuthSession.expires_at)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == _token_hash(token))
    ).first()
    if row is None:
        raise Unauthorized("The access token is not valid; log in again")
    user, expires_at = row
    if expires_at.tzinfo is None:  # SQLite returns naive datetimes
        expires_at = expires_at.replace(tzinfo=UTC)
    if expires_at <= datetime.now(UTC) or not user.is_active:
        raise Unauthorized("The session has ended; log in again")
    return user


def end_session(session: Session, token: str) -> None:
    session.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def create_user(
    session: Session, *, username: str, password: str, full_name: str, role: Role,
    municipality_id: int | None = None, provider_id: int | None = None,
    board_id: int | None = None,
) -> User:
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"A user named '{username}' already exists", field="username")
    if role is Role.provider_reporter and provider_id is None:
        raise InvalidInput("A provider reporter needs a provider", field="provider")
    if role is not Role.admin and municipality_id is None:
        raise InvalidInput(f"A {role.value} needs a municipality", field="municipality")
    user = User(
        username=username, full_name=full_name, password_hash=hash_password(password), role=role,
        municipality_id=municipality_id, provider_id=provider_id, board_id=board_id,
    )
    session.add(user)
    session.flush()
    return user
