"""The path that routes match, for code that looks at a request before or beside routing."""

from starlette.types import Scope


def route_path(scope: Scope) -> str:
    """The request's path less the root path the app is served under (as Starlette's routing
    takes it; its own helper is private)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root):]
    return path
