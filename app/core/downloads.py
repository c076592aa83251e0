"""Files the app hands out: one Content-Disposition for all of them (RFC 6266), so that a name
with ä or ö arrives intact (filename*) and old clients still get an ASCII one (filename)."""

from collections.abc import Mapping
from urllib.parse import quote

from starlette.responses import Response


def disposition(filename: str, kind: str = "attachment") -> str:
    """``attachment`` (save) or ``inline`` (show) with both spellings of ``filename``."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def file_response(content: bytes, filename: str, media_type: str, *, inline: bool = False,
                  headers: Mapping[str, str] | None = None) -> Response:
    """``content`` as the file ``filename``, saved unless ``inline``."""
    return Response(content, media_type=media_type, headers={
        **(headers or {}), "Content-Disposition": disposition(filename,
                                                              "inline" if inline else "attachment")})
