"""Bodies of the auth endpoints."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.auth.models import Role
from app.core.types import Id, Name, ReadSchema, Schema

Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=150,
                                            pattern=r"^[A-Za-z0-9_.@\-]+$")]

# An address for reminders (app.reminders); checked by shape only, delivery is the SMTP server's.
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
EmailLanguage = Literal["fi", "sv", "en"]


class TokenRead(Schema):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    mfa_setup_required: bool = False


class UserRead(ReadSchema):
    id: int
    username: str
    full_name: str
    role: Role
    municipality_id: int | None
    provider_id: int | None
    provider_organisation_id: int | None
    board_id: int | None
    purchaser_unit_id: int | None
    email: str | None
    language: str | None
    reminders: bool
    is_active: bool
    totp_enabled: bool


class UserCreate(Schema):
    username: Username
    full_name: Name
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    role: Role
    municipality_id: Id | None = None
    provider_id: Id | None = None
    provider_organisation_id: Id | None = Field(
        None, description="A reporter of a provider organisation (one Y-tunnus): he reports for "
        "its providers in every municipality, with no municipality of his own; the "
        "installation's admin alone creates one")
    board_id: Id | None = None
    purchaser_unit_id: Id | None = None
    email: Email | None = None
    language: EmailLanguage | None = None  # of the e-mails; none: Finnish


class UserUpdate(Schema):
    full_name: Name | None = None
    is_active: bool | None = None
    email: Email | None = None  # null removes it
    language: EmailLanguage | None = None
    reminders: bool | None = None


class OwnSettings(Schema):
    """What a user sets for himself: the language of his e-mails (null: Finnish) and whether he
    gets reminders (app.reminders). A field left out is not changed."""

    language: EmailLanguage | None = None
    reminders: bool | None = Field(None, description="Reminders by e-mail on (true) or off")


class TotpSetup(Schema):
    otpauth_uri: str


class TotpConfirm(Schema):
    code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]


class ApiTokenCreate(Schema):
    name: Name
    days: Annotated[int, Field(ge=1, le=730)] | None = 365


class ApiTokenRead(ReadSchema):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenRead):
    token: str = Field(description="Shown only now: store it safely")


class AccessLogRead(ReadSchema):
    id: int
    at: datetime
    user_id: int | None
    username: str
    municipality_id: int | None
    action: str
    target: str
    outcome: int
    address: str | None
