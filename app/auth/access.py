"""The access log of reads and exports of non-public data (906/2019), at each request's end."""

from fastapi import Request
from sqlalchemy.orm import Session

from app.auth.service import log_access
from app.core.db import on_request_end


@on_request_end
def log_request(session: Session, request: Request, status: int) -> None:
    user = getattr(request.state, "user", None)
    if user is None:  # the public reads only public data
        return
    path = request.url.path
    action = "export" if path.endswith("/export") else "import" if path.endswith("/import") \
        else "read" if request.method == "GET" else None
    if action is None:
        return
    target = f"{request.method} {path}" + (f"?{request.url.query}" if request.url.query else "")
    log_access(session, user, action, target, status,
               request.client.host if request.client else None)
