"""The web pages' session cookie, language and CSRF protection."""

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from app.agreements.models import ServiceAgreement
from app.auth import service
from app.auth.authz import ALL_ROLES, PURCHASER_ROLES, Act, roles_for
from app.auth.models import Role, User
from app.auth.policy import Declaration
from app.core.db import SessionDep
from app.core.errors import DomainError, Forbidden, Unauthorized
from app.core.i18n import language
from app.core.settings import get_settings
from app.organisations.models import Municipality, Provider, ProviderOrganisation
from app.reports.models import IssuedReport

SESSION_COOKIE = "sopimus_session"
LOGIN_CSRF_COOKIE = "sopimus_login_csrf"
LANG_COOKIE = "sopimus_lang"


def get_lang(request: Request) -> str:
    """Finnish unless the user has chosen Swedish or English (a cookie set by /lang/{code})."""
    return language(request.cookies.get(LANG_COOKIE))


def header_copy(user: User) -> User:
    """The user as the error page's header and the access log need him, in no session: the
    rollback of a failed request (a 422 of a query's value) expires the session's row, and
    reading it then raises instead of showing the error page."""
    return User(id=user.id, username=user.username, full_name=user.full_name, role=user.role,
                municipality_id=user.municipality_id, provider_id=user.provider_id,
                provider_organisation_id=user.provider_organisation_id, board_id=user.board_id,
                purchaser_unit_id=user.purchaser_unit_id)


def get_web_user(request: Request, session: SessionDep) -> User | None:
    """The user of the session cookie; None for the public (or an ended session)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        user, mfa_complete = service.user_for_token(session, token)
    except Unauthorized:
        return None
    if not mfa_complete:
        return None
    request.state.user = header_copy(user)
    # Shown in every page's header: the user's organisation (provider or municipality), as
    # its name: a row would be expired by the rollback of a failed request, before its error
    # page shows the header.
    if user.provider_id:
        request.state.organisation = session.get_one(Provider, user.provider_id).name
    elif user.provider_organisation_id:
        request.state.organisation = session.get_one(ProviderOrganisation,
                                                     user.provider_organisation_id).name
    elif user.municipality_id:
        request.state.organisation = session.get_one(Municipality, user.municipality_id).name_fi
    return user


class LoginRequired(DomainError):
    status = 401
    title = "Login required"


Lang = Annotated[str, Depends(get_lang)]
WebUser = Annotated[User | None, Depends(get_web_user)]


@dataclass(frozen=True, eq=False)
class WebAllow(Declaration):
    """A page's declaration of its callers (app.auth.policy), from the session cookie: the
    public is sent to the login page (401), a role not declared gets 403."""

    def __call__(self, user: WebUser) -> User | None:
        if not self.identify:
            return None
        if user is None and not self.public:
            raise LoginRequired("Log in first")
        self.admits(user)
        return user


def page_for(roles: Iterable[Role] = ALL_ROLES, **flags: bool) -> Any:
    return Depends(WebAllow(frozenset(roles), **flags))


# A page or form that does not ask who calls (logging in, out, choosing the language).
WebAnyone = Annotated[None, page_for(public=True, identify=False)]
# The public's pages, with more for the logged-in.
Visitor = Annotated[User | None, page_for(public=True)]
PurchaserPage = Annotated[User, page_for(PURCHASER_ROLES)]
ReviewerPage = Annotated[User, page_for(roles_for(Act.review))]
AmenderPage = Annotated[User, page_for(roles_for(Act.write, ServiceAgreement))]
IssuerPage = Annotated[User, page_for(roles_for(Act.write, IssuedReport))]
ReporterPage = Annotated[User, page_for({Role.provider_reporter})]


def csrf_token(request: Request) -> str:
    """A form token bound to the session (or, before login, to a login cookie)."""
    key = request.cookies.get(SESSION_COOKIE) or request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not key:
        return ""
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = csrf_token(request)
    # Compared as bytes: compare_digest refuses a str with other than ASCII letters (a 500).
    if not expected or not submitted or not hmac.compare_digest(expected.encode(),
                                                                submitted.encode()):
        raise Forbidden("The form has expired: reload the page and try again", field="csrf")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)
