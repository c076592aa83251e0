"""Typed dependencies: the current user from the bearer token."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from app.auth import service
from app.auth.models import User
from app.core.audit import set_actor
from app.core.db import SessionDep
from app.core.errors import Unauthorized

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_token(token: Annotated[str | None, Depends(oauth2_scheme)]) -> str:
    if not token:
        raise Unauthorized("Log in first: send 'Authorization: Bearer <token>'")
    return token


Token = Annotated[str, Depends(get_token)]


def get_current_user(session: SessionDep, token: Token) -> User:
    user = service.user_for_token(session, token)
    set_actor(session, user.username)  # the audit trail's "who" for this request
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
