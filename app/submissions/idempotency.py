"""Idempotency-Key for write requests: a repeated request is answered, not executed, again.

The key is the client's (any 1–200 visible ASCII characters, e.g. a UUID), scoped per user.
The first request under a key runs; its answer is stored with a hash of the request (method,
path, relevant query and the body) in the same transaction as its changes, so either both
are stored or neither. The same key with the same request gets the stored answer again
(``Idempotent-Replayed: true``) and nothing is written; the same key with a different request
gets 422. A failed request stores nothing, so it may be retried under the same key. Two
concurrent first requests under one key cannot both commit: the unique (user, key) makes the
second one fail with 409 and roll back. A key is kept for :data:`KEPT` (a client retries within
minutes); after that it may be used again, and the user's expired keys are removed.
"""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.core.db import utcnow
from app.core.errors import InvalidInput
from app.submissions.models import IdempotencyKey

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
KEPT = timedelta(hours=24)


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def run_once(session: Session, user: User, key: str | None, request_hash: str,
             run: Callable[[], tuple[int, Any]]) -> Response:
    """Run ``run`` (returning status and body) once per key; replay its answer after that."""
    if key is None:
        status, body = run()
        return JSONResponse(jsonable_encoder(body), status_code=status)
    if not _KEY.match(key):
        raise InvalidInput(f"{HEADER}: use 1 to 200 visible ASCII characters, e.g. a UUID",
                           field=HEADER)
    session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.user_id == user.id, IdempotencyKey.created_at < utcnow() - KEPT))
    stored = session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user.id, IdempotencyKey.key == key))
    if stored is not None:
        if stored.request_hash != request_hash:
            raise InvalidInput(
                f"{HEADER} '{key}' was already used for a different request; send a new key "
                "for a new request", field=HEADER)
        return Response(stored.response_body, status_code=stored.response_status,
                        media_type="application/json", headers={"Idempotent-Replayed": "true"})
    status, body = run()
    text = json.dumps(jsonable_encoder(body), ensure_ascii=False, separators=(",", ":"))
    session.add(IdempotencyKey(user_id=user.id, key=key, request_hash=request_hash,
                               response_status=status, response_body=text))
    session.flush()
    return Response(text, status_code=status, media_type="application/json")
