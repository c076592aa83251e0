"""Request bodies are bounded while they are read: a small default, more where a route says so."""

from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.core.limits import DEFAULT_BODY_LIMIT, KiB, declared_limit, upload_limit
from app.main import app
from app.submissions import files
from tests.helpers import auth, create_user

CHUNK = 16 * KiB


class Sent:
    """A request body that a client sends chunk by chunk, counting what the app has read."""

    def __init__(self, size: int, head: bytes = b"") -> None:
        self.size = size
        self.head = head
        self.read = 0

    def chunks(self) -> Iterator[bytes]:
        if self.head:
            yield self.head
        while self.read < self.size:
            yield b"a" * CHUNK


def call(path: str, sent: Sent, headers: dict[str, str], content_length: int | None = None
         ) -> tuple[int, dict[str, str], bytes]:
    """POST ``sent`` straight to the ASGI app (TestClient would read the whole body first)."""
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if content_length is not None:
        raw.append((b"content-length", str(content_length).encode()))
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": raw, "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80), "state": {}}
    chunks = sent.chunks()
    status: list[int] = []
    response_headers: dict[str, str] = {}
    body = bytearray()

    async def receive() -> dict[str, Any]:
        chunk = next(chunks, b"")
        sent.read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunk)}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
            response_headers.update((k.decode(), v.decode()) for k, v in message["headers"])
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    anyio.run(app, scope, receive, send)
    return status[0], response_headers, bytes(body)


FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/login"])
def test_a_content_length_over_the_limit_is_refused_before_a_byte_is_read(
    client: TestClient, path: str
) -> None:
    sent = Sent(1024 * 1024 * 1024)
    status, _, _ = call(path, sent, FORM, content_length=sent.size)
    assert status == 413
    assert sent.read == 0


def test_a_chunked_body_is_cut_as_soon_as_it_passes_the_limit(client: TestClient) -> None:
    sent = Sent(64 * 1024 * 1024)  # no Content-Length
    status, headers, _ = call("/api/v1/auth/token", sent, FORM)
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert sent.read <= DEFAULT_BODY_LIMIT + CHUNK


def test_an_upload_is_cut_at_its_own_larger_limit(client: TestClient, db: Session) -> None:
    headers = {**auth(db, create_user(db)), "content-type": "multipart/form-data; boundary=x"}
    sent = Sent(64 * 1024 * 1024, head=b'--x\r\nContent-Disposition: form-data; name="file"; '
                b'filename="arvot.csv"\r\nContent-Type: text/csv\r\n\r\n')
    status, _, _ = call("/api/v1/submissions/bulk", sent, headers)
    assert status == 413
    assert upload_limit(files.MAX_BYTES) < sent.read <= upload_limit(files.MAX_BYTES) + CHUNK


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/login"])
def test_an_oversize_login_answers_413(client: TestClient, path: str) -> None:
    response = client.post(path, data={"username": "x" * DEFAULT_BODY_LIMIT, "password": "y",
                                       "csrf": "z"})
    assert response.status_code == 413


def test_the_api_answers_413_as_a_problem_naming_the_limit(client: TestClient) -> None:
    response = client.post("/api/v1/auth/token", data={"username": "x" * DEFAULT_BODY_LIMIT})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == ("The request body is larger than 64 KiB, the most "
                                         "POST /api/v1/auth/token accepts")


def test_an_oversize_bulk_upload_with_content_length_answers_413(
    client: TestClient, db: Session
) -> None:
    headers = auth(db, create_user(db))
    response = client.post("/api/v1/submissions/bulk", headers=headers,
                           files={"file": ("arvot.csv", b"a" * (files.MAX_BYTES + 128 * KiB))})
    assert response.status_code == 413


def test_only_uploads_and_the_long_web_form_take_more_than_the_default() -> None:
    larger = {(method, c.path) for c in iter_route_contexts(app.routes)
              if isinstance(c.route, APIRoute) and declared_limit(c.route.endpoint)
              for method in c.methods or ()}
    assert larger == {("POST", "/api/v1/submissions/bulk"), ("POST", "/api/v1/sotkanet/load"),
                      ("POST", "/api/v1/contracts/import"), ("POST", "/reporting/upload"),
                      ("POST", "/reporting/{measure_id}/{code}"),
                      ("POST", "/reporting/{measure_id}/{code}/notes")}
