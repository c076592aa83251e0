"""Loading a contracts file: the limited YAML loader and the agreement set's validation.

YAML is read only here: a SafeLoader without anchors and aliases, with caps on the values, their
nesting and the file's size, and a file is read no further than the cap. Every error names its
path in the file and, where known, its line.
"""

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.contracts import schema as d
from app.core.errors import InvalidInput


class ImportFailed(InvalidInput):
    """The file was rejected; ``errors`` lists every problem with its path in the file."""

    def __init__(self, errors: list[dict[str, Any]], source: str = "") -> None:
        lines = [f"{e['path']}: {e['message']}" + (f" (line {e['line']})" if e.get("line")
                 else "") for e in errors]
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{len(errors)} error(s): " + "; ".join(lines[:20]))
        self.errors = errors
        self.extra = {"errors": errors}


# Bounds that no agreement set comes near (the largest demo file: 22 KB, 1 400 nodes, depth 9)
# and that keep any file's parse within a few seconds and tens of MiB.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NODES = 50_000
MAX_DEPTH = 30


class YamlRefused(yaml.MarkedYAMLError):
    """Valid YAML that the contracts format does not accept (aliases, too many nodes, depth)."""


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader without anchors and aliases (the alias bomb: a few hundred bytes that
    expand to gigabytes) and with a cap on the number of nodes and their nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.nodes = 0
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise YamlRefused(problem="anchors and aliases (&name, *name) are not allowed; "
                              "write the values out", problem_mark=event.start_mark)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlRefused(problem=f"more than {MAX_NODES} values; split the file",
                              problem_mark=event.start_mark)
        if self.depth >= MAX_DEPTH:
            raise YamlRefused(problem=f"nested deeper than {MAX_DEPTH} levels",
                              problem_mark=event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_index(text: str) -> dict[str, int]:
    """Map every path in the YAML document to its line number (1-based)."""
    index: dict[str, int] = {}

    def walk(node: yaml.Node, path: str) -> None:
        index[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = f"{path}.{key.value}" if path else str(key.value)
                index[child] = key.start_mark.line + 1
                walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{path}[{i}]")

    try:
        root = yaml.compose(text, Loader=_LimitedLoader)
    except yaml.YAMLError:
        return index
    if root is not None:
        walk(root, "")
    return index


def line_for(index: dict[str, int], path: str) -> int | None:
    while path:
        if path in index:
            return index[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


_MESSAGES = {
    "decimal_parsing": "expected a number",
    "int_parsing": "expected a whole number",
    "float_parsing": "expected a number",
    "missing": "required",
    "extra_forbidden": "unknown field",
}


def _too_large(source: str) -> ImportFailed:
    return ImportFailed([{"path": "", "message": f"the file is larger than "
                          f"{MAX_FILE_BYTES // (1024 * 1024)} MiB; split it"}], source)


def read_file(path: Path) -> str:
    """A contracts file's text, read no further than the size cap."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:  # missing, a folder, not readable: say so, not a traceback
        raise ImportFailed([{"path": "", "message": f"the file cannot be read: "
                             f"{error.strerror or error}"}], str(path)) from None
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(str(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportFailed([{"path": "", "message": "the file is not UTF-8 text"}],
                           str(path)) from None


def parse(text: str, source: str = "") -> d.AgreementSet:
    """Parse and validate a YAML agreement set, raising ImportFailed with every error.

    CPU-bound (seconds for a large file): async callers run it in a worker thread."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise _too_large(source)
    try:
        data = yaml.load(text, Loader=_LimitedLoader)  # a SafeLoader: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", exc)
        message = problem if isinstance(exc, YamlRefused) else f"not valid YAML: {problem}"
        raise ImportFailed([{"path": "", "message": message,
                             "line": mark.line + 1 if mark else None}], source) from None
    if not isinstance(data, dict):
        raise ImportFailed([{"path": "", "message": "expected a YAML mapping at the top"}], source)
    try:
        return d.AgreementSet.model_validate(data)
    except ValidationError as exc:
        index = line_index(text)
        errors = []
        for err in exc.errors():
            path = _path(tuple(err["loc"]))
            errors.append({"path": path, "message": _MESSAGES.get(err["type"], err["msg"]),
                           "line": line_for(index, path)})
        raise ImportFailed(errors, source) from None
