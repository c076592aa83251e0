"""Users, roles, sessions, personal API tokens and the access log."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow
from app.core.models import enum_column


class Role(StrEnum):
    admin = "admin"  # pääkäyttäjä; without a municipality: the installation's admin
    purchaser_director = "purchaser_director"  # tilaajajohtaja
    purchaser_manager = "purchaser_manager"  # tilaajapäällikkö
    provider_reporter = "provider_reporter"  # tuottajan raportoija
    board_member = "board_member"  # lautakunnan jäsen


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    full_name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320))  # for reminders (app.reminders)
    language: Mapped[str | None] = mapped_column(String(2))  # of e-mails; None: Finnish
    # Reminders by e-mail (app.reminders) on or off; the user's own choice.
    reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = enum_column(Role)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    # A reporter of a provider organisation (one Y-tunnus, several municipalities): no
    # municipality and no provider of his own; he reports for every provider row linked to it.
    provider_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("provider_organisations.id", ondelete="CASCADE"), index=True
    )
    board_id: Mapped[int | None] = mapped_column(
        ForeignKey("boards.id", ondelete="SET NULL"), index=True
    )
    purchaser_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchaser_units.id", ondelete="SET NULL"), index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Base32 secret of the time-based one-time password; enabled once a code has confirmed it.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuthSession(Base):
    """A login. Only the SHA-256 of its token is stored; deleting the row ends it at once."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # False while a user who must use two-factor authentication has not yet set it up:
    # such a session may only set it up (or log out).
    mfa_complete: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiToken(Base):
    """A personal API token for a provider's own system: acts as its owner, shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccessLogEntry(Base):
    """Lokitieto (laki julkisen hallinnon tiedonhallinnasta 906/2019, 17 §): every read or
    export of non-public data and every login. Append-only: no API changes or deletes it."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: outlives the user
    username: Mapped[str] = mapped_column(String(150))
    municipality_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(20))  # login, read, export, import
    target: Mapped[str] = mapped_column(Text)  # method and path with query, or the login name
    outcome: Mapped[int] = mapped_column(Integer)  # HTTP status
    address: Mapped[str | None] = mapped_column(String(64))
