"""``sopimus serve --workers N``: what it starts, and what it refuses (no server is started)."""

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app as cli
from app.cli import serve
from app.core.logs import logging_config
from app.core.settings import get_settings

POSTGRES = "postgresql://postgres@127.0.0.1:5432/sopimus"


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[serve.ServerPlan]:
    """The servers ``sopimus serve`` would have started; on PostgreSQL with Redis limits."""
    plans: list[serve.ServerPlan] = []
    monkeypatch.setattr(serve, "run_server", plans.append)
    settings = get_settings()
    monkeypatch.setattr(settings, "database_url", POSTGRES)
    monkeypatch.setattr(settings, "rate_limit_storage", "redis://127.0.0.1:6379")
    monkeypatch.setattr(settings, "check_database_on_start", False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/srv/sopimus/metrics")
    return plans


def test_two_workers_share_one_socket_and_a_metrics_directory(
    started: list[serve.ServerPlan]
) -> None:
    done = CliRunner().invoke(cli, ["serve", "--workers", "2", "--port", "8123"])
    assert done.exit_code == 0, done.output
    [plan] = started
    options = plan.uvicorn_options()
    assert options.pop("log_config") == logging_config("text")
    assert options == {
        "app": "app.main:app", "host": "127.0.0.1", "port": 8123, "workers": 2,
        "proxy_headers": False, "access_log": False, "timeout_worker_healthcheck": 30}
    assert plan.environ == {"SOPIMUS_WORKERS": "2",
                            "PROMETHEUS_MULTIPROC_DIR": "/srv/sopimus/metrics"}


def test_one_worker_keeps_its_metrics_in_memory(started: list[serve.ServerPlan]) -> None:
    done = CliRunner().invoke(cli, ["serve", "--no-access-log"])
    assert done.exit_code == 0, done.output
    [plan] = started
    assert (plan.workers, plan.access_log, plan.environ) == (1, False, {"SOPIMUS_WORKERS": "1"})


def test_several_workers_get_a_fresh_metrics_directory_of_their_own(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    plan = serve.plan_server("127.0.0.1", 8000, 2)
    folder = Path(plan.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert plan.temporary_metrics_dir  # removed when the server stops
    folder.rmdir()


def test_two_workers_with_in_memory_limits_are_refused_in_one_line(
    started: list[serve.ServerPlan], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "rate_limit_storage", "memory://")
    done = CliRunner().invoke(cli, ["serve", "--workers", "2"])
    assert done.exit_code == 1
    assert done.stderr.splitlines() == [
        "SOPIMUS_RATE_LIMIT_STORAGE=memory:// keeps the login limits in each process alone, and "
        "SOPIMUS_WORKERS=2 processes would each count their own: set "
        "SOPIMUS_RATE_LIMIT_STORAGE=redis://127.0.0.1:6379 (or another shared Redis) or serve "
        "with one worker."]
    assert started == []


def test_the_workers_socket_is_tcp_with_nodelay() -> None:
    """Bound as IPPROTO_TCP, asyncio sets TCP_NODELAY on every connection it accepts (uvicorn's
    own socket, protocol 0, gets none: ~40 ms per keep-alive answer)."""
    sock = serve.listening_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()


def test_behind_a_load_balancer_the_client_is_the_forwarded_one(
    started: list[serve.ServerPlan], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "forwarded_allow_ips", "10.0.0.5")
    done = CliRunner().invoke(cli, ["serve"])
    assert done.exit_code == 0, done.output
    options = started[0].uvicorn_options()
    assert (options["proxy_headers"], options["forwarded_allow_ips"]) == (True, "10.0.0.5")
