"""A previewed upload kept for a short while, so that storing it needs no second choice of the
file: the preview returns a token, and the store sends the token instead of the file.

Kept in the database (``staged_uploads``), so that the store may reach another API process or
machine than the preview did: one upload per user (a new preview replaces the previous), at
most files.MAX_BYTES each (the upload's own limit), gone once stored, replaced or older than
:data:`TTL`. Only the token's hash is stored, and it is only looked up with the user's id, so
nobody else's token opens it. Written in the request's session: it is committed with the
request, and a failed request keeps nothing.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.core.db import utcnow
from app.submissions.files import MAX_BYTES
from app.submissions.models import StagedUpload

TTL = timedelta(minutes=30)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class Staged:
    data: bytes
    filename: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def stage(session: Session, user: User, data: bytes, filename: str) -> str:
    """Keep ``data`` for the user (replacing his earlier upload, and removing anyone's that has
    expired); the token that takes it back."""
    if len(data) > MAX_BYTES:
        raise ValueError("an upload larger than files.MAX_BYTES is not kept")
    session.execute(delete(StagedUpload).where(or_(
        StagedUpload.user_id == user.id, StagedUpload.created_at < utcnow() - TTL)))
    token = secrets.token_urlsafe(32)
    session.add(StagedUpload(user_id=user.id, token_hash=_hash(token), filename=filename[:255],
                             data=data))
    session.flush()
    return token


def take(session: Session, user: User, token: str) -> Staged | None:
    """The user's upload kept under ``token``, or None (unknown, expired or someone else's)."""
    if not TOKEN.match(token):
        return None
    kept = session.execute(select(StagedUpload.data, StagedUpload.filename).where(
        StagedUpload.user_id == user.id, StagedUpload.token_hash == _hash(token),
        StagedUpload.created_at >= utcnow() - TTL)).first()
    return None if kept is None else Staged(kept.data, kept.filename or "file")


def discard(session: Session, user: User, token: str) -> None:
    if TOKEN.match(token):
        session.execute(delete(StagedUpload).where(
            StagedUpload.user_id == user.id, StagedUpload.token_hash == _hash(token)))
