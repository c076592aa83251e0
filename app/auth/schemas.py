"""Bodies of the auth endpoints."""

from app.auth.models import Role
from app.core.types import ReadSchema, Schema


class TokenRead(Schema):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class UserRead(ReadSchema):
    id: int
    username: str
    full_name: str
    role: Role
    municipality_id: int | None
    provider_id: int | None
    board_id: int | None
