"""Login (OAuth2 password flow), logout and the current user, under /api/v1/auth."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import service
from app.auth.deps import CurrentUser, Token
from app.auth.schemas import TokenRead, UserRead
from app.core.db import SessionDep
from app.core.settings import get_settings

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TokenRead, summary="Log in and get an access token")
def login(
    session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenRead:
    user = service.authenticate(session, form.username, form.password)
    token = service.start_session(session, user)
    return TokenRead(access_token=token, expires_in=get_settings().session_hours * 3600)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT,
             summary="End this session at once")
def logout(session: SessionDep, _: CurrentUser, token: Token) -> Response:
    service.end_session(session, token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserRead, summary="Who am I")
def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)
