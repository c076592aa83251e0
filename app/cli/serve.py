"""``sopimus serve``: one API process, or several on one listening socket.

Several processes (``--workers N``) are uvicorn's own supervisor (it restarts a worker that
dies) on a socket bound here, not by uvicorn. uvicorn binds its multi-process socket as
``socket(AF_INET)``, whose protocol number is 0; asyncio then does not take the accepted
connections for TCP and never sets TCP_NODELAY on them, so every answer on a keep-alive
connection waits for the client's delayed ACK (~40 ms): one client got 21 requests a second
from two workers against 161 from one. Bound here as IPPROTO_TCP, with TCP_NODELAY on the
listening socket as well (accepted sockets inherit it on Linux), two workers answer one client
as fast as one worker does; scripts/bench_workers.py compares them under load.
"""

import os
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import say
from app.core.logs import LogFormat, logging_config

APP = "app.main:app"
HEALTHCHECK_SECONDS = 30


@dataclass(frozen=True)
class ServerPlan:
    """What ``sopimus serve`` starts: uvicorn's settings, and the environment its processes
    inherit (they read their settings from it, the number of workers included)."""

    host: str
    port: int
    workers: int
    environ: dict[str, str] = field(default_factory=dict)
    access_log: bool = True
    temporary_metrics_dir: bool = False  # made for this run: removed at its end
    forwarded_allow_ips: str = ""
    log_format: LogFormat = "text"
    log_level: str = "INFO"

    def uvicorn_options(self) -> dict[str, object]:
        # The client's address (the login limits count by it) is the connection's, unless the
        # connection comes from a proxy the operator names: then X-Forwarded-For's.
        proxies = {"proxy_headers": True, "forwarded_allow_ips": self.forwarded_allow_ips} \
            if self.forwarded_allow_ips else {"proxy_headers": False}
        # uvicorn applies the logging configuration in each of its processes; its own line per
        # request is off (ours, app.core.logs, carries the request id). A worker that does not
        # answer the supervisor's ping within the timeout is killed and replaced: uvicorn's 5 s
        # is short for a worker starting on a busy machine.
        return {"app": APP, "host": self.host, "port": self.port, "workers": self.workers,
                **proxies, "access_log": False,
                "log_config": logging_config(self.log_format, self.log_level,
                                             request_lines=self.access_log),
                "timeout_worker_healthcheck": HEALTHCHECK_SECONDS}


def plan_server(host: str, port: int, workers: int, metrics_dir: str | None = None, *,
                access_log: bool = True, forwarded_allow_ips: str = "",
                log_format: LogFormat = "text", log_level: str = "INFO") -> ServerPlan:
    """The server for ``workers`` processes. With more than one, their Prometheus metrics are
    written to files in ``metrics_dir`` (a fresh temporary directory unless given, or the
    operator's PROMETHEUS_MULTIPROC_DIR) that /metrics adds up."""
    environ = {"SOPIMUS_WORKERS": str(workers)}
    given = metrics_dir or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if workers > 1:
        environ["PROMETHEUS_MULTIPROC_DIR"] = given or tempfile.mkdtemp(prefix="sopimus-metrics-")
    return ServerPlan(host, port, workers, environ, access_log,
                      temporary_metrics_dir=workers > 1 and not given,
                      forwarded_allow_ips=forwarded_allow_ips, log_format=log_format,
                      log_level=log_level)


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket every worker accepts on: TCP by its protocol number, with TCP_NODELAY."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def run_server(plan: ServerPlan) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    os.environ.update(plan.environ)
    metrics_dir = plan.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if metrics_dir:  # the counts of an earlier run are not this one's
        for stale in Path(metrics_dir).glob("*.db"):
            stale.unlink()
    if plan.workers == 1:
        uvicorn.run(**plan.uvicorn_options())  # type: ignore[arg-type]
        return
    config = uvicorn.Config(**plan.uvicorn_options())  # type: ignore[arg-type]
    sock = listening_socket(plan.host, plan.port)
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
        if plan.temporary_metrics_dir:
            shutil.rmtree(plan.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def serve(
    port: Annotated[int | None, typer.Option(help=say("cli_opt_port"))] = None,
    host: Annotated[str | None, typer.Option(help=say("cli_opt_host"))] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help=say("cli_opt_workers"))] = None,
    access_log: Annotated[bool, typer.Option(help=say("cli_opt_access_log"))] = True,
) -> None:
    """Serve the web app and the API (once the database answers and is migrated)."""
    from pydantic import ValidationError

    from app.core.db import get_engine
    from app.core.health import engine_problem
    from app.core.settings import Settings, get_settings

    try:
        settings = get_settings()
        if workers is not None and workers != settings.workers:
            settings = Settings(**{**settings.model_dump(), "workers": workers})
    except ValidationError as exc:
        for error in exc.errors():
            typer.echo(str(error["msg"]).removeprefix("Value error, "), err=True)
        raise typer.Exit(1) from None
    problem = engine_problem(get_engine()) if settings.check_database_on_start else None
    if problem is not None:
        typer.echo(problem, err=True)
        raise typer.Exit(1)
    run_server(plan_server(host or settings.host, port or settings.port, settings.workers,
                           access_log=access_log,
                           forwarded_allow_ips=settings.forwarded_allow_ips,
                           log_format=settings.log_format, log_level=settings.log_level))
