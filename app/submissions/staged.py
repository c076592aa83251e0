"""A previewed upload kept for a short while, so that storing it needs no second choice of the
file: the preview returns a token, and the store sends the token instead of the file.

Kept on disk (shared by the server's worker processes) under the system's temporary directory,
readable by the server's user only: one upload per user (a new preview replaces the previous),
at most files.MAX_BYTES each (the upload's own limit), gone once stored, replaced or older
than :data:`TTL`. The token is a secret of the user's session page: it is only looked up with
the user's id and name, so nobody else's token opens it.
"""

import hashlib
import json
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from app.auth.models import User
from app.submissions.files import MAX_BYTES

TTL_SECONDS = 30 * 60
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class Staged:
    data: bytes
    filename: str


def _folder() -> Path:
    folder = Path(tempfile.gettempdir()) / "sopimus-staged-uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _stem(user: User, token: str) -> Path:
    return _folder() / f"{user.id}-{hashlib.sha256(token.encode()).hexdigest()}"


def _remove(stem: Path) -> None:
    for suffix in (".bin", ".json"):
        stem.with_suffix(suffix).unlink(missing_ok=True)


def _purge(user: User) -> None:
    """The user's earlier upload, and anyone's that has expired."""
    now = time.time()
    for path in _folder().glob("*.json"):
        try:
            expired = now - path.stat().st_mtime > TTL_SECONDS
        except FileNotFoundError:  # removed by another worker meanwhile
            continue
        if expired or path.name.startswith(f"{user.id}-"):
            _remove(path.with_suffix(""))


def stage(user: User, data: bytes, filename: str) -> str:
    """Keep ``data`` for the user; the token that takes it back."""
    if len(data) > MAX_BYTES:
        raise ValueError("an upload larger than files.MAX_BYTES is not kept")
    _purge(user)
    token = secrets.token_urlsafe(32)
    stem = _stem(user, token)
    stem.with_suffix(".bin").write_bytes(data)
    stem.with_suffix(".json").write_text(json.dumps({"user": user.username,
                                                     "filename": filename[:255]}))
    return token


def take(user: User, token: str) -> Staged | None:
    """The user's upload kept under ``token``, or None (unknown, expired or someone else's)."""
    if not TOKEN.match(token):
        return None
    stem = _stem(user, token)
    try:
        meta = json.loads(stem.with_suffix(".json").read_text())
        if (time.time() - stem.with_suffix(".json").stat().st_mtime > TTL_SECONDS
                or meta.get("user") != user.username):
            return None
        return Staged(stem.with_suffix(".bin").read_bytes(), str(meta.get("filename") or "file"))
    except (FileNotFoundError, ValueError):
        return None


def discard(user: User, token: str) -> None:
    if TOKEN.match(token):
        _remove(_stem(user, token))
