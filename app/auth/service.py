"""Logins, sessions, two-factor authentication, API tokens and users. No HTTP here."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.auth import access, ratelimit
from app.auth.models import AccessLogEntry, ApiToken, AuthSession, Role, User
from app.auth.passwords import hash_password, verify_password
from app.auth.schemas import OwnSettings
from app.core.db import as_utc, keep_on_rollback
from app.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from app.core.settings import get_settings

API_TOKEN_PREFIX = "sop_"
TOTP_ROLES = frozenset({Role.admin, Role.purchaser_director})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_access(session: Session, user: User | None, action: str, target: str, outcome: int,
               address: str | None = None, username: str | None = None) -> None:
    """Store an access-log entry with the request, even if the request fails (logins)."""
    keep_on_rollback(session, AccessLogEntry(**access.entry(user, action, target, outcome,
                                                             address, username)))


def _totp_ok(user: User, code: str | None) -> bool:
    return bool(code and user.totp_secret and pyotp.TOTP(user.totp_secret).verify(code,
                                                                                   valid_window=1))


def totp_required(user: User) -> bool:
    return user.totp_enabled or (get_settings().require_totp and user.role in TOTP_ROLES)


def authenticate(session: Session, username: str, password: str, totp_code: str | None = None,
                 address: str | None = None) -> tuple[User, bool]:
    """Check the password (and the one-time code where one is set up); return the user and
    whether the second factor is complete. Every attempt is throttled and logged."""
    try:
        ratelimit.check_login(username, address)
    except ratelimit.TooManyRequests as exc:
        user = session.scalar(select(User).where(User.username == username))
        log_access(session, user, "login", f"{username} ({exc.limit})", 429, address,
                   username=username)
        raise
    user = session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        ratelimit.login_failed(username, address)
        log_access(session, user, "login", username, 401, address, username=username)
        raise Unauthorized("Wrong username or password")
    if user.totp_enabled and not _totp_ok(user, totp_code):
        ratelimit.login_failed(username, address)
        log_access(session, user, "login", username, 401, address)
        raise Unauthorized("Give the six-digit code of your authenticator app (field totp)",
                           field="totp")
    log_access(session, user, "login", username, 200, address)
    return user, not totp_required(user) or user.totp_enabled


def start_session(session: Session, user: User, mfa_complete: bool = True) -> str:
    """Create a session and return its token; only the token's hash is stored."""
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=get_settings().session_hours)
    session.add(AuthSession(user_id=user.id, token_hash=_token_hash(token), expires_at=expires,
                            mfa_complete=mfa_complete))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> tuple[User, bool]:
    """The user behind a session or API token, and whether his second factor is complete."""
    now = datetime.now(UTC)
    if token.startswith(API_TOKEN_PREFIX):
        row = session.execute(select(User, ApiToken).join(ApiToken, ApiToken.user_id == User.id)
                              .where(ApiToken.token_hash == _token_hash(token))).first()
        if row is None or row[1].revoked_at is not None or (
            row[1].expires_at is not None and as_utc(row[1].expires_at) <= now
        ) or not row[0].is_active:
            raise Unauthorized("The API token is not valid")
        access.writer.token_used(row[1].id, now)  # stored with the access log, not by a read
        return row[0], True
    found = session.execute(
        select(User, AuthSession).join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == _token_hash(token))
    ).first()
    if found is None:
        raise Unauthorized("The access token is not valid; log in again")
    user, auth_session = found
    if as_utc(auth_session.expires_at) <= now or not user.is_active:
        raise Unauthorized("The session has ended; log in again")
    return user, auth_session.mfa_complete


def end_session(session: Session, token: str) -> None:
    session.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def create_user(
    session: Session, *, username: str, password: str, full_name: str, role: Role,
    municipality_id: int | None = None, provider_id: int | None = None,
    board_id: int | None = None, purchaser_unit_id: int | None = None,
    email: str | None = None, language: str | None = None,
    provider_organisation_id: int | None = None,
) -> User:
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"A user named '{username}' already exists", field="username")
    if provider_organisation_id is not None:
        _check_organisation_reporter(role, municipality_id, provider_id, board_id,
                                     purchaser_unit_id)
    elif role is Role.provider_reporter and provider_id is None:
        raise InvalidInput("A provider reporter needs a provider (provider_id) or a provider "
                           "organisation (provider_organisation_id)", field="provider_id")
    if role is Role.board_member and board_id is None:
        # Without a board he would see no agreement and no report: a user who cannot work.
        raise InvalidInput("A board member needs a board (board_id): he reads that board's "
                           "agreements and reports", field="board_id")
    if role is not Role.admin and municipality_id is None and provider_organisation_id is None:
        raise InvalidInput(f"A {role.value} needs a municipality", field="municipality_id")
    user = User(
        username=username, full_name=full_name, password_hash=hash_password(password, username),
        role=role, municipality_id=municipality_id, provider_id=provider_id, board_id=board_id,
        purchaser_unit_id=purchaser_unit_id, email=email, language=language,
        provider_organisation_id=provider_organisation_id,
    )
    session.add(user)
    session.flush()
    return user


def _check_organisation_reporter(role: Role, *others: int | None) -> None:
    """An organisation's reporter is a provider reporter and nothing else: no municipality,
    provider, board or unit of his own (his reach is his organisation's providers alone)."""
    if role is not Role.provider_reporter:
        raise InvalidInput("Only a provider reporter reports for a provider organisation",
                           field="provider_organisation_id")
    if any(other is not None for other in others):
        raise InvalidInput("A provider organisation's reporter has no municipality, provider, "
                           "board or purchaser unit of his own", field="provider_organisation_id")


def set_active(session: Session, user: User, active: bool) -> None:
    """Disabling a user ends his sessions and API tokens at once."""
    user.is_active = active
    if not active:
        session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
        session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=datetime.now(UTC)))
    session.flush()


def begin_totp(user: User) -> str:
    """A new secret to scan; two-factor login starts once a code confirms it."""
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled = False
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name="Sopimus")


def confirm_totp(session: Session, user: User, code: str, token: str) -> None:
    if not _totp_ok(user, code):
        raise InvalidInput("The code does not match; check the time on your device", field="code")
    user.totp_enabled = True
    session.execute(update(AuthSession).where(AuthSession.token_hash == _token_hash(token))
                    .values(mfa_complete=True))
    session.flush()


def create_api_token(session: Session, user: User, name: str, days: int | None) -> tuple[ApiToken, str]:
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(days=days) if days else None
    row = ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token), expires_at=expires)
    session.add(row)
    session.flush()
    return row, token


def revoke_api_token(session: Session, user: User, token_id: int) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.id == token_id,
                                                ApiToken.user_id == user.id))
    if row is None:
        raise NotFound(f"No API token with id {token_id}")
    row.revoked_at = row.revoked_at or datetime.now(UTC)
    session.flush()


def apply_own_settings(user: User, settings: OwnSettings) -> None:
    """The user's own choices: a field left out is not changed, a null language is Finnish."""
    if "language" in settings.model_fields_set:
        user.language = settings.language
    if settings.reminders is not None:
        user.reminders = settings.reminders
