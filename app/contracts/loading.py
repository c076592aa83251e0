"""Loading a contracts file: the limited YAML loader and the agreement set's validation.

YAML is read only here: a SafeLoader without anchors and aliases, with caps on the values, their
nesting and the file's size, and a file is read no further than the cap. Every error names its
path in the file and, where known, its line.
"""

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.contracts import schema as d
from app.core.errors import InvalidInput, in_language
from app.core.i18n import N_, pydantic_text, t


class ImportFailed(InvalidInput):
    """The file was rejected; ``errors`` lists every problem with its path in the file.

    ``words``: an error's message (English) -> the message in a language, where the catalogue
    has it (pydantic's checks and the file's own refusals), so that the problem and its
    ``errors`` are told in the client's language."""

    def __init__(self, errors: list[dict[str, Any]], source: str = "",
                 words: dict[str, Callable[[str], str]] | None = None) -> None:
        self.errors = errors
        self.source = source
        self.words = words or {}
        super().__init__(self.detail_in("en"))
        self.extra = {"errors": errors}

    def error_in(self, message: str, lang: str) -> str:
        said = self.words.get(message)
        return said(lang) if said and lang != "en" else in_language(message, lang)

    def detail_in(self, lang: str) -> str:
        lines = [self._error_text(e, lang) for e in self.errors[:20]]
        head = t("import_failed_errors", lang, count=len(self.errors))
        return (f"{self.source}: " if self.source else "") + f"{head}: " + "; ".join(lines)

    def _error_text(self, error: dict[str, Any], lang: str) -> str:
        message = self.error_in(error["message"], lang)
        path = error["path"] or "-"
        if error.get("line"):
            return t("import_error_at_line", lang, path=path, message=message, line=error["line"])
        return t("import_error_at", lang, path=path, message=message)


def refusal(key: str, source: str = "", line: int | None = None, **values: Any) -> ImportFailed:
    """A whole file's refusal (``key`` of the catalogue), told in the client's language."""
    english = t(key, "en", **values)
    return ImportFailed([{"path": "", "message": english, "line": line}], source,
                        {english: lambda lang: t(key, lang, **values)})


# Bounds that no agreement set comes near (the largest demo file: 22 KB, 1 400 nodes, depth 9)
# and that keep any file's parse within a few seconds and tens of MiB.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NODES = 50_000
MAX_DEPTH = 30


class YamlRefused(yaml.MarkedYAMLError):
    """Valid YAML that the contracts format does not accept (aliases, too many nodes, depth):
    ``key`` and ``values`` of the catalogue's words for it."""

    def __init__(self, key: str, mark: yaml.Mark, **values: Any) -> None:
        super().__init__(problem=t(key, "en", **values), problem_mark=mark)
        self.key = key
        self.values = values


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
            raise YamlRefused(N_("import_yaml_alias"), event.start_mark)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlRefused(N_("import_yaml_too_many"), event.start_mark, count=MAX_NODES)
        if self.depth >= MAX_DEPTH:
            raise YamlRefused(N_("import_yaml_too_deep"), event.start_mark, depth=MAX_DEPTH)
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
    return refusal(N_("import_file_too_large"), source, mib=MAX_FILE_BYTES // (1024 * 1024))


def read_file(path: Path) -> str:
    """A contracts file's text, read no further than the size cap."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:  # missing, a folder, not readable: say so, not a traceback
        raise refusal(N_("import_file_unreadable"), str(path),
                      reason=error.strerror or str(error)) from None
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(str(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise refusal(N_("import_not_utf8"), str(path)) from None


def parse(text: str, source: str = "") -> d.AgreementSet:
    """Parse and validate a YAML agreement set, raising ImportFailed with every error.

    CPU-bound (seconds for a large file): async callers run it in a worker thread."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise _too_large(source)
    try:
        data = yaml.load(text, Loader=_LimitedLoader)  # a SafeLoader: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        if isinstance(exc, YamlRefused):
            raise refusal(exc.key, source, line, **exc.values) from None
        # PyYAML's own words for the syntax error stay as it says them
        raise refusal(N_("import_not_yaml"), source, line,
                      problem=str(getattr(exc, "problem", exc))) from None
    if not isinstance(data, dict):
        raise refusal(N_("import_not_a_mapping"), source)
    try:
        return d.AgreementSet.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, text, source) from None


def _invalid(exc: ValidationError, text: str, source: str) -> ImportFailed:
    """Every error of the set's validation, with its path, line and words in each language."""
    index = line_index(text)
    errors = []
    words: dict[str, Callable[[str], str]] = {}
    for err in exc.errors():
        path = _path(tuple(err["loc"]))
        message = _MESSAGES.get(err["type"], err["msg"])
        errors.append({"path": path, "message": message, "line": line_for(index, path)})
        if pydantic_text(err["type"], err.get("ctx"), "fi") is not None:
            words[message] = partial(_told, err["type"], err.get("ctx"), message)
    return ImportFailed(errors, source, words)


def _told(kind: str, context: dict[str, Any] | None, english: str, lang: str) -> str:
    return pydantic_text(kind, context, lang) or english
