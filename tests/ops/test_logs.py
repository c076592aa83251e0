"""Log lines an operator's collector reads: one JSON object a line naming the request (the id
the client got in X-Request-ID) with its method, path, status and duration; or text."""

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.logs import REQUESTS_LOGGER, logging_config, make_handler


class Lines:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    def json(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def of(self, logger: str) -> list[dict[str, object]]:
        return [line for line in self.json() if line["logger"] == logger]


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """The logging set-up as it was before the test (a test configures it as a process would)."""
    names = ("", REQUESTS_LOGGER, "uvicorn", "uvicorn.error", "uvicorn.access", "alembic")
    saved = [(log, log.level, list(log.handlers), log.propagate)
             for log in map(logging.getLogger, names)]
    yield
    for log, level, handlers, propagate in saved:
        log.setLevel(level)
        log.handlers[:] = handlers
        log.propagate = propagate


def configure(log_format: str, stream: io.StringIO, **options: bool) -> None:
    """A process's configuration (``logging_config``) writing to ``stream``."""
    config = logging_config(log_format, **options)  # type: ignore[arg-type]
    config["handlers"] = {"main": {"()": make_handler, "log_format": log_format, "stream": stream}}
    logging.config.dictConfig(config)


@pytest.mark.usefixtures("restored_logging")
def test_a_requests_json_line_carries_the_id_the_client_got(client: TestClient) -> None:
    lines = Lines()
    configure("json", lines.stream)
    response = client.get("/health")
    [line] = lines.of(REQUESTS_LOGGER)
    assert line["request_id"] == response.headers["x-request-id"]
    assert (line["method"], line["path"], line["status"], line["level"]) == (
        "GET", "/health", 200, "INFO")
    assert isinstance(line["duration_ms"], float)
    assert str(line["timestamp"]).endswith("+00:00")  # ISO 8601, UTC


@pytest.mark.usefixtures("restored_logging")
def test_the_clients_request_id_is_the_one_logged(client: TestClient) -> None:
    lines = Lines()
    configure("json", lines.stream)
    client.get("/api/v1/boards/987654", headers={"X-Request-ID": "lb-7f3a"})
    [line] = lines.of(REQUESTS_LOGGER)
    assert (line["request_id"], line["status"], line["path"]) == (
        "lb-7f3a", 404, "/api/v1/boards/987654")


@pytest.mark.usefixtures("restored_logging")
def test_a_readiness_probe_writes_its_request_line_only(client: TestClient) -> None:
    """A load balancer asks every few seconds: alembic's look at the schema is not logged."""
    lines = Lines()
    configure("json", lines.stream)
    client.get("/ready")
    assert [line["logger"] for line in lines.json() if line["logger"] != "httpx2"] == [
        REQUESTS_LOGGER]


@pytest.mark.usefixtures("restored_logging")
def test_text_lines_name_the_request_too(client: TestClient) -> None:
    stream = io.StringIO()
    configure("text", stream)
    response = client.get("/health?probe=1")
    [line] = [x for x in stream.getvalue().splitlines() if REQUESTS_LOGGER in x]
    assert line.endswith(f"INFO {REQUESTS_LOGGER} [{response.headers['x-request-id']}] "
                         f"GET /health 200 {line.split()[-2]} ms")


@pytest.mark.usefixtures("restored_logging")
def test_without_request_lines_other_lines_still_come(client: TestClient) -> None:
    """``sopimus serve --no-access-log``: no line per request; uvicorn's own still as JSON."""
    lines = Lines()
    configure("json", lines.stream, request_lines=False)
    client.get("/health")
    logging.getLogger("uvicorn.error").info("Started server process")
    assert lines.of(REQUESTS_LOGGER) == []
    assert [(line["message"], line["request_id"]) for line in lines.of("uvicorn.error")] == [
        ("Started server process", None)]
