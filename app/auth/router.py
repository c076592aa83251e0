"""Login (OAuth2 password flow), logout, two-factor set-up, API tokens, users and the access
log, under /api/v1/auth."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response, status
from pydantic import Field
from sqlalchemy import select

from app.auth import (
    access,  # noqa: F401  (registers the access log)
    service,
)
from app.auth.authz import Act, authorize, is_installation_admin, scope
from app.auth.deps import Token
from app.auth.models import AccessLogEntry, ApiToken, User
from app.auth.policy import Admin, Anyone, LoggedIn, Pending
from app.auth.schemas import (
    AccessLogRead,
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    OwnSettings,
    TokenRead,
    TotpConfirm,
    TotpSetup,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.core.access import get_readable, model_for_table
from app.core.db import SessionDep
from app.core.errors import Forbidden, NotFound
from app.core.pagination import Page, PageParams, page_of
from app.core.settings import get_settings
from app.core.types import IdPath

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TokenRead, summary="Log in and get an access token")
def login(
    request: Request, session: SessionDep, _: Anyone,
    username: Annotated[str, Form(max_length=150)],
    password: Annotated[str, Form(max_length=1024)],
    totp: Annotated[str | None, Form(max_length=12, description="One-time code if set up")] = None,
) -> TokenRead:
    user, mfa_complete = service.authenticate(
        session, username, password, totp, request.client.host if request.client else None)
    token = service.start_session(session, user, mfa_complete)
    return TokenRead(access_token=token, expires_in=get_settings().session_hours * 3600,
                     mfa_setup_required=not mfa_complete)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End this session at once")
def logout(session: SessionDep, _: Pending, token: Token) -> Response:
    service.end_session(session, token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserRead, summary="Who am I")
def me(user: LoggedIn) -> Any:
    return user


@router.patch("/me", response_model=UserRead, summary="My own settings: e-mail language, reminders")
def update_me(user: LoggedIn, body: OwnSettings) -> Any:
    service.apply_own_settings(user, body)
    return user


@router.post("/totp/setup", response_model=TotpSetup, summary="Start two-factor set-up")
def totp_setup(user: Pending) -> TotpSetup:
    return TotpSetup(otpauth_uri=service.begin_totp(user))


@router.post("/totp/confirm", status_code=status.HTTP_204_NO_CONTENT,
             summary="Confirm two-factor set-up with a code")
def totp_confirm(session: SessionDep, user: Pending, token: Token, body: TotpConfirm) -> Response:
    service.confirm_totp(session, user, body.code, token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api-tokens", response_model=list[ApiTokenRead], summary="My API tokens")
def list_api_tokens(session: SessionDep, user: LoggedIn) -> Any:
    return session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                           .order_by(ApiToken.id)).all()


@router.post("/api-tokens", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED,
             summary="Create a personal API token (shown once)")
def create_api_token(session: SessionDep, user: LoggedIn, body: ApiTokenCreate) -> Any:
    row, token = service.create_api_token(session, user, body.name, body.days)
    return ApiTokenCreated.model_validate({**ApiTokenRead.model_validate(row).model_dump(),
                                           "token": token})


@router.delete("/api-tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Revoke an API token")
def revoke_api_token(session: SessionDep, user: LoggedIn, token_id: IdPath) -> Response:
    service.revoke_api_token(session, user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class AccessLogQuery(PageParams):
    username: Annotated[str | None, Field(max_length=150)] = None
    action: Annotated[str | None, Field(max_length=20, description="login, read, export, import")
                      ] = None
    outcome: Annotated[int | None, Field(ge=100, le=599, description="HTTP status, e.g. 429: "
                                         "logins refused by the throttle")] = None


def _users_stmt(user: User) -> Any:
    stmt = select(User).order_by(User.username)
    return stmt if is_installation_admin(user) else stmt.where(
        User.municipality_id == user.municipality_id)


@router.get("/users", response_model=Page[UserRead], summary="Users of my municipality")
def list_users(session: SessionDep, user: Admin,
               page: Annotated[PageParams, Query()]) -> Any:
    return page_of(session, _users_stmt(user), page)


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED,
             summary="Create a user")
def create_user(session: SessionDep, user: Admin, body: UserCreate) -> Any:
    data = body.model_dump()
    if data["provider_organisation_id"] is not None:
        return _organisation_reporter(session, user, data)
    if data["municipality_id"] is None and not is_installation_admin(user):
        data["municipality_id"] = user.municipality_id
    if data["municipality_id"] is not None:
        municipality = session.get(model_for_table("municipalities"), data["municipality_id"])
        if municipality is None:
            raise NotFound(f"No municipality with id {data['municipality_id']}")
        authorize(session, user, Act.manage_users, municipality)
    for field, model in (("provider_id", "providers"), ("board_id", "boards"),
                         ("purchaser_unit_id", "purchaser_units")):
        if data[field] is not None:
            ref = get_readable(session, model_for_table(model), data[field], user)
            if ref.municipality_id != data["municipality_id"]:
                raise NotFound(f"No {model.removesuffix('s')} with id {data[field]}")
    return service.create_user(session, **data)


def _organisation_reporter(session: SessionDep, user: User, data: dict[str, Any]) -> User:
    """A reporter of a provider organisation reads several municipalities' items: only the
    installation's admin creates one, never a municipality's admin (403)."""
    if not is_installation_admin(user):
        raise Forbidden("Only the installation's admin creates a provider organisation's "
                        "reporter: he reports to several municipalities",
                        field="provider_organisation_id")
    organisation = model_for_table("provider_organisations")
    if session.get(organisation, data["provider_organisation_id"]) is None:
        raise NotFound(f"No provider organisation with id {data['provider_organisation_id']}")
    return service.create_user(session, **data)


@router.patch("/users/{user_id}", response_model=UserRead, summary="Rename, disable or enable")
def update_user(session: SessionDep, user: Admin, user_id: IdPath, body: UserUpdate) -> Any:
    target = session.scalar(_users_stmt(user).where(User.id == user_id))
    if target is None:
        raise NotFound(f"No user with id {user_id}")
    authorize(session, user, Act.manage_users, target)
    if body.full_name is not None:
        target.full_name = body.full_name
    if body.is_active is not None:
        service.set_active(session, target, body.is_active)
    if "email" in body.model_fields_set:
        target.email = body.email
    if "language" in body.model_fields_set:
        target.language = body.language
    if body.reminders is not None:
        target.reminders = body.reminders
    return target


@router.get("/access-log", response_model=Page[AccessLogRead], summary="The access log (admins)")
def access_log(session: SessionDep, user: Admin,
               query: Annotated[AccessLogQuery, Query()]) -> Any:
    stmt = select(AccessLogEntry).order_by(AccessLogEntry.id.desc())
    if not is_installation_admin(user):
        stmt = stmt.where(AccessLogEntry.municipality_id == user.municipality_id)
    if query.username:
        stmt = stmt.where(AccessLogEntry.username == query.username)
    if query.action:
        stmt = stmt.where(AccessLogEntry.action == query.action)
    if query.outcome is not None:
        stmt = stmt.where(AccessLogEntry.outcome == query.outcome)
    return page_of(session, stmt, query)


__all__ = ["router", "scope"]
