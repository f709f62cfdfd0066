"""Read one mapping file into a tree of values that remember where they were written.

ruamel.yaml composes the file (round-trip parser, so positions are exact);
we then build our own small tree — :class:`YamlMap`, :class:`YamlSeq`,
:class:`YamlScalar` — in which every key and every value carries its
:class:`Position` (file, line, column). Overlays merge these trees, the schema
check and the semantic checks report against them, and expression positions
are mapped through each scalar's :class:`~engine.mapping.positions.ScalarLocator`.

Mapping files come from consultants and are treated as untrusted: the loader
refuses files over :data:`MAX_BYTES`, nesting deeper than :data:`MAX_DEPTH`,
more alias uses than :data:`MAX_ALIAS_USES` or expansions beyond
:data:`MAX_NODES` (alias bombs), duplicate keys, YAML tags, merge keys and
multi-document files — each as a diagnostic with its position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml through ruamel.yaml.clib: same positions, about six times faster
    import ruamel.yaml.clib._ruamel_yaml  # noqa: F401

    _PURE = False
except ImportError:  # pragma: no cover - depends on the platform
    _PURE = True

from engine.mapping.diagnostics import Diagnostic, Position
from engine.mapping.positions import ScalarLocator, locate_scalar

#: a mapping file is a few kilobytes (the standard mapping about 30 KB);
#: anything over this is refused unread
MAX_BYTES = 256 * 1024
#: deepest nesting of maps and lists a mapping needs is about 8
MAX_DEPTH = 40
#: alias uses (``*name``) allowed, counted with their expansion
MAX_ALIAS_USES = 50
#: values after expanding aliases
MAX_NODES = 200_000

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


class YamlNode:
    """A value of the tree, with the position where it was written."""

    __slots__ = ("pos",)

    def __init__(self, pos: Position) -> None:
        self.pos = pos

    def to_plain(self) -> Any:
        raise NotImplementedError


class YamlScalar(YamlNode):
    __slots__ = ("value", "style", "_source", "_span", "_locator")

    def __init__(self, value: Any, pos: Position, style: str | None = None,
                 source: "SourceText | None" = None, span: tuple[int, int] | None = None) -> None:
        super().__init__(pos)
        self.value = value
        self.style = style
        self._source = source
        self._span = span
        self._locator: ScalarLocator | None = None

    def to_plain(self) -> Any:
        return self.value

    def locator(self) -> ScalarLocator:
        """Where each character of this (text) value sits in the file."""
        if self._locator is None:
            start = (self.pos.line - 1, self.pos.column - 1)
            if self._source is None or self._span is None or not isinstance(self.value, str):
                self._locator = ScalarLocator(start)
            else:
                self._locator = locate_scalar(self._source.text, self._span[0], self._span[1], self.style,
                                              self.value, start)
        return self._locator

    def position_in_text(self, line: int, column: int) -> Position:
        """File position of 1-based ``line``/``column`` relative to this scalar's text."""
        l0, c0 = self.locator().at(str(self.value), line, column)
        return Position(self.pos.file, l0 + 1, c0 + 1)


class YamlSeq(YamlNode):
    __slots__ = ("items",)

    def __init__(self, items: list[YamlNode], pos: Position) -> None:
        super().__init__(pos)
        self.items = items

    def to_plain(self) -> list:
        return [item.to_plain() for item in self.items]


@dataclass(slots=True)
class MapEntry:
    key_pos: Position
    node: YamlNode
    #: the key as YAML typed it (``21:`` is the number 21); map keys are compared as text
    key_value: Any = None


class YamlMap(YamlNode):
    __slots__ = ("entries", "removed")

    def __init__(self, entries: dict[str, MapEntry], pos: Position,
                 removed: dict[str, Position] | None = None) -> None:
        super().__init__(pos)
        self.entries = entries
        #: keys an overlay removed with ``null``, and where it did so
        self.removed = removed or {}

    def to_plain(self) -> dict:
        return {key: entry.node.to_plain() for key, entry in self.entries.items()}

    def get(self, key: str) -> YamlNode | None:
        entry = self.entries.get(key)
        return entry.node if entry else None


def node_at(root: YamlNode, path: tuple | list) -> YamlNode | None:
    """The node at a JSON-style path (map keys and list indexes), or None."""
    node: YamlNode | None = root
    for step in path:
        if isinstance(node, YamlMap) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, YamlSeq) and isinstance(step, int) and 0 <= step < len(node.items):
            node = node.items[step]
        else:
            return None
    return node


def key_position(root: YamlNode, path: tuple | list) -> Position | None:
    """Position of the key that holds the value at ``path`` (for map entries)."""
    if not path:
        return None
    parent = node_at(root, path[:-1])
    if isinstance(parent, YamlMap) and isinstance(path[-1], str):
        entry = parent.entries.get(path[-1])
        return entry.key_pos if entry else None
    return None


def walk(node: YamlNode, path: tuple = ()) -> Iterator[tuple[tuple, YamlNode]]:
    """Every node below (and including) ``node`` with its path."""
    yield path, node
    if isinstance(node, YamlMap):
        for key, entry in node.entries.items():
            yield from walk(entry.node, path + (key,))
    elif isinstance(node, YamlSeq):
        for i, item in enumerate(node.items):
            yield from walk(item, path + (i,))


@dataclass(frozen=True)
class SourceText:
    file: str
    text: str


@dataclass
class LoadedFile:
    """One mapping file as read from disk."""

    path: Path
    source: SourceText
    root: YamlMap | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @cached_property
    def first_line(self) -> str:
        return self.source.text.split("\n", 1)[0].rstrip("\r")


class _Refused(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


_CACHE: dict[tuple[str, int, int], LoadedFile] = {}
_CACHE_LIMIT = 256


def load_file(path: str | Path) -> LoadedFile:
    """Read and compose ``path``; problems are in the result's ``diagnostics``.

    Results are cached per (path, modification time, size): validating many
    overlays of the same standard mapping reads it once. Callers must not
    modify the returned tree.
    """
    path = Path(path)
    file = str(path)
    try:
        st = path.stat()
    except OSError as exc:
        return _failed(path, Diagnostic("file-not-found", f"cannot read {file}: {exc.strerror or exc}",
                                        None, hint="check the path"))
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    cached = _CACHE.get(key)
    if cached is not None and cached.path == path:
        return cached
    result = _load_uncached(path, st.st_size)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[key] = result
    return result


def load_text(text: str, file: str = "<mapping>") -> LoadedFile:
    """Compose mapping text held in memory (tests, editors)."""
    return _compose(Path(file), SourceText(file, text))


def _failed(path: Path, diagnostic: Diagnostic, text: str = "") -> LoadedFile:
    return LoadedFile(path, SourceText(str(path), text), None, [diagnostic])


def _load_uncached(path: Path, size: int) -> LoadedFile:
    file = str(path)
    if size > MAX_BYTES:
        return _failed(path, Diagnostic(
            "yaml-too-large", f"the file is {size:,} bytes; mapping files are limited to {MAX_BYTES:,} bytes",
            Position(file, 1, 1), hint="a mapping describes one customer's sync in a few kilobytes; "
            "split generated data out of it"))
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _failed(path, Diagnostic("file-not-found", f"cannot read {file}: {exc.strerror or exc}", None))
    if len(data) > MAX_BYTES:  # grew between stat and read
        return _load_uncached(path, len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[:exc.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        return _failed(path, Diagnostic(
            "yaml-encoding", f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded)",
            Position(file, line, col), hint="save the file as UTF-8 (Windows-1250 text must be converted)"))
    return _compose(path, SourceText(file, text))


def _compose(path: Path, source: SourceText) -> LoadedFile:
    file = source.file
    loaded = LoadedFile(path, source, None)
    # Validation needs positions, not comments: the safe composer (libyaml when
    # available) gives the same marks as the round-trip one, much faster.
    # Scalars are resolved with YAML 1.2 rules in both cases.
    yaml = YAML(typ="safe", pure=_PURE)
    try:
        too_deep = _nesting_beyond(yaml, source.text, MAX_DEPTH)
        if too_deep is not None:
            loaded.diagnostics.append(Diagnostic(
                "yaml-too-deep", f"the YAML nests deeper than {MAX_DEPTH} levels",
                Position(file, too_deep[0] + 1, too_deep[1] + 1)))
            return loaded
        node = yaml.compose(source.text)
    except MarkedYAMLError as exc:
        loaded.diagnostics.append(_syntax_diagnostic(file, exc, source.text))
        return loaded
    except RecursionError:
        loaded.diagnostics.append(Diagnostic(
            "yaml-too-deep", f"the YAML nests deeper than {MAX_DEPTH} levels", Position(file, 1, 1)))
        return loaded
    except YAMLError as exc:
        loaded.diagnostics.append(Diagnostic("yaml-syntax", f"the file is not valid YAML: {exc}",
                                             Position(file, 1, 1)))
        return loaded
    if node is None:
        loaded.diagnostics.append(Diagnostic(
            "not-a-mapping", "the file is empty; a mapping file holds at least `version: 1`",
            Position(file, 1, 1), hint="start from `rpsync init` or copy mappings/examples/"))
        return loaded
    builder = _Builder(source, loaded.diagnostics)
    try:
        root = builder.build(node, 0)
    except _Refused as refused:
        loaded.diagnostics.append(refused.diagnostic)
        return loaded
    if not isinstance(root, YamlMap):
        loaded.diagnostics.append(Diagnostic(
            "not-a-mapping", "the top level of a mapping file must be a map of keys (version:, agendas: …)",
            root.pos))
        return loaded
    loaded.root = root
    return loaded


def _nesting_beyond(yaml: YAML, text: str, limit: int) -> tuple[int, int] | None:
    """Where the event stream first nests deeper than ``limit`` (checked before composing,
    which recurses per level), or None."""
    depth = 0
    for event in yaml.parse(text):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > limit:
                return (event.start_mark.line, event.start_mark.column)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
    return None


def _syntax_diagnostic(file: str, exc: MarkedYAMLError, text: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    pos = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file, 1, 1)
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        return Diagnostic("yaml-syntax", "YAML syntax error: a tab character where YAML expects spaces", pos,
                          hint="YAML indentation uses spaces, not tabs; replace the tab by spaces")
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    if "expected a single document" in context or "expected a single document" in problem:
        return Diagnostic("yaml-unsupported", "a mapping file holds one YAML document; remove the second `---`",
                          pos)
    text = problem or context or "invalid YAML"
    if context and problem:
        text = f"{problem} ({context}"
        if exc.context_mark and exc.context_mark is not mark:
            text += f" at line {exc.context_mark.line + 1}"
        text += ")"
    if "tab" in text.lower():
        hint = "YAML indentation uses spaces, not tabs"
    else:
        hint = ("check indentation and quoting: values containing ': ' or ' #', or starting with "
                "a quote, '{', '[', '*', '&', '!', '|', '>' or '%', must be quoted")
    return Diagnostic("yaml-syntax", f"YAML syntax error: {text}", pos, hint=hint)


class _Builder:
    """Turns ruamel's composed nodes into our tree, enforcing the limits."""

    def __init__(self, source: SourceText, diagnostics: list[Diagnostic]) -> None:
        self.source = source
        self.diagnostics = diagnostics
        self.seen: set[int] = set()
        self.alias_uses = 0
        self.nodes = 0

    def pos(self, node: Node) -> Position:
        return Position(self.source.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: Node, depth: int) -> YamlNode:
        self.nodes += 1
        pos = self.pos(node)
        if depth > MAX_DEPTH:
            raise _Refused(Diagnostic("yaml-too-deep", f"the YAML nests deeper than {MAX_DEPTH} levels", pos))
        if self.nodes > MAX_NODES:
            raise _Refused(Diagnostic(
                "yaml-alias-limit", f"the file expands to more than {MAX_NODES:,} values (an alias bomb?)", pos,
                hint="do not reuse anchors (&name / *name) inside other anchors"))
        if not isinstance(node, ScalarNode):
            if id(node) in self.seen:
                self.alias_uses += 1
                if self.alias_uses > MAX_ALIAS_USES:
                    raise _Refused(Diagnostic(
                        "yaml-alias-limit",
                        f"more than {MAX_ALIAS_USES} uses of YAML aliases (*name); mapping files are refused "
                        "beyond that to stop alias bombs", pos,
                        hint="write the values out, or use an overlay (`extends:`) instead of anchors"))
            self.seen.add(id(node))
        tag = str(node.tag) if node.tag is not None else ""
        if isinstance(node, MappingNode):
            if tag != f"{_TAG}map":
                raise _Refused(self._tag_refused(tag, pos))
            return self.build_map(node, pos, depth)
        if isinstance(node, SequenceNode):
            if tag != f"{_TAG}seq":
                raise _Refused(self._tag_refused(tag, pos))
            return YamlSeq([self.build(item, depth + 1) for item in node.value], pos)
        return self.build_scalar(node, pos, tag)

    def _tag_refused(self, tag: str, pos: Position) -> Diagnostic:
        return Diagnostic("yaml-unsupported", f"YAML tag {tag!r} is not allowed in mapping files", pos,
                          hint="remove the '!…' tag; mapping values are plain text, numbers, booleans, lists and maps")

    def build_map(self, node: MappingNode, pos: Position, depth: int) -> YamlMap:
        entries: dict[str, MapEntry] = {}
        for key_node, value_node in node.value:
            key_pos = self.pos(key_node)
            key_tag = str(key_node.tag)
            if key_tag == f"{_TAG}merge":
                raise _Refused(Diagnostic(
                    "yaml-unsupported", "YAML merge keys (<<) are not supported in mapping files", key_pos,
                    hint="use `extends:` to build on another mapping, or write the keys out"))
            if not isinstance(key_node, ScalarNode):
                raise _Refused(Diagnostic("yaml-unsupported", "map keys must be plain text, not lists or maps",
                                          key_pos))
            if key_tag not in _SCALAR_TAGS:
                raise _Refused(self._tag_refused(key_tag, key_pos))
            key = str(key_node.value)
            if key in entries:
                first = entries[key].key_pos
                self.diagnostics.append(Diagnostic(
                    "yaml-duplicate-key",
                    f"key '{key}' is written twice in this map (first at line {first.line}, column {first.column})",
                    key_pos, hint="keep one of them; YAML does not merge repeated keys"))
                continue
            key_value = self.build_scalar(key_node, key_pos, key_tag).value
            entries[key] = MapEntry(key_pos, self.build(value_node, depth + 1), key_value)
        return YamlMap(entries, pos)

    def build_scalar(self, node: ScalarNode, pos: Position, tag: str) -> YamlScalar:
        raw = node.value
        style = node.style if node.style in ("'", '"', "|", ">") else None  # '' or None: plain
        span = (node.start_mark.index, node.end_mark.index)
        if tag == f"{_TAG}null":
            value: Any = None
        elif tag == f"{_TAG}bool":
            value = raw.lower() == "true"
        elif tag == f"{_TAG}int":
            value = _to_int(raw)
            if value is None:
                raise _Refused(Diagnostic("yaml-unsupported", f"{raw!r} is not a number mapping files accept", pos))
        elif tag == f"{_TAG}float":
            try:
                value = Decimal(raw.replace("_", ""))
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():
                raise _Refused(Diagnostic(
                    "yaml-unsupported", f"{raw!r} is not a finite number; write it in quotes if it is text", pos))
        elif tag in (f"{_TAG}str", f"{_TAG}timestamp"):
            value = raw.replace("\a", "") if style == ">" else raw
        else:
            raise _Refused(self._tag_refused(tag, pos))
        return YamlScalar(value, pos, style, self.source, span)


def _to_int(raw: str) -> int | None:
    text = raw.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    try:
        if body.startswith(("0o", "0O")):
            return sign * int(body[2:], 8)
        if body.startswith(("0x", "0X")):
            return sign * int(body[2:], 16)
        return sign * int(body, 10)
    except ValueError:
        return None


def is_mapping_path(path: Path) -> bool:
    """Whether a file found in a folder should be validated as a mapping: ``*.yaml``/``*.yml``, not a
    ``*_test.yaml`` mapping test, not a connection profile (by name, or by content: no ``version:``
    and the keys of a profile)."""
    name = path.name
    if not name.endswith((".yaml", ".yml")) or name.endswith(("_test.yaml", "_test.yml")):
        return False
    stem = name.rsplit(".", 1)[0]
    if stem == "profile" or stem.endswith(".profile") or "profiles" in path.parts[:-1]:
        return False
    return not _profile_content(load_file(path).root)


_PROFILE_KEYS = {"url", "instance", "user", "api_key", "token", "transport", "password", "ico", "odbc"}


def _profile_content(root: YamlMap | None) -> bool:
    if root is None or "version" in root.entries or "extends" in root.entries:
        return False
    if "state" in root.entries:
        return True
    for side in ("raynet", "pohoda"):
        section = root.get(side)
        if isinstance(section, YamlMap) and _PROFILE_KEYS & set(section.entries):
            return True
    return False
