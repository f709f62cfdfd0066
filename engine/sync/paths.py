"""Field paths on records: ``primaryAddress.address.street``, ``items[0].code``,
``customFields["Stav zásob"]``.

Bindings name their target fields by such paths; this module reads and writes
them on plain dict/list records. Reading a missing path gives ``None``;
writing creates the intermediate dicts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable

from engine.errors import RpsyncError


class PathError(RpsyncError):
    code = "E-PATH"


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | \[\s*(?P<index>\d+)\s*\]
      | \[\s*"(?P<dq>(?:[^"\\]|\\.)*)"\s*\]
      | \[\s*'(?P<sq>(?:[^'\\]|\\.)*)'\s*\]
      | (?P<dot>\.)
    )""",
    re.VERBOSE,
)

Segment = str | int


#: parsed paths -> True when every segment is a name (kept for the paths parse_path keeps)
_NAMES_ONLY: dict[tuple, bool] = {}


def _names_only(segments: tuple[Segment, ...]) -> bool:
    names = bool(segments) and all(type(seg) is str for seg in segments)
    if len(_NAMES_ONLY) < 4096:
        _NAMES_ONLY[segments] = names
    return names


@lru_cache(maxsize=4096)
def parse_path(text: str) -> tuple[Segment, ...]:
    """Split a path into segments: names/keys as ``str``, list indexes as ``int``."""
    segments: list[Segment] = []
    pos = 0
    expect_name = True
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise PathError(f"'{text}' is not a field path (problem at column {pos + 1})")
        pos = m.end()
        if m.group("dot"):
            if expect_name:
                raise PathError(f"'{text}' is not a field path (unexpected '.' at column {m.start() + 1})")
            expect_name = True
            continue
        if m.group("name") is not None:
            if not expect_name:
                raise PathError(f"'{text}' is not a field path (missing '.' before column {m.start() + 1})")
            segments.append(m.group("name"))
        elif segments and expect_name:
            raise PathError(f"'{text}' is not a field path (a name must follow '.' at column {m.start() + 1})")
        elif m.group("index") is not None:
            segments.append(int(m.group("index")))
        else:
            raw = m.group("dq") if m.group("dq") is not None else m.group("sq")
            segments.append(re.sub(r"\\(.)", r"\1", raw))
        expect_name = False
    if not segments or expect_name:
        raise PathError(f"'{text}' is not a field path")
    return tuple(segments)


def format_path(segments: tuple[Segment, ...]) -> str:
    out = []
    for s in segments:
        if isinstance(s, int):
            out.append(f"[{s}]")
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", s):
            out.append(("." if out else "") + s)
        else:
            out.append('["' + s.replace("\\", "\\\\").replace('"', '\\"') + '"]')
    return "".join(out)


def get_path(record: Any, path: str | tuple[Segment, ...]) -> Any:
    segments = parse_path(path) if isinstance(path, str) else path
    node = record
    for seg in segments:
        if isinstance(seg, int):
            if isinstance(node, list) and -len(node) <= seg < len(node):
                node = node[seg]
            else:
                return None
        elif isinstance(node, dict):
            if seg in node:
                node = node[seg]
            else:
                return None
        else:
            return None
    return node


def getter(path: str | tuple[Segment, ...]) -> Callable[[Any], Any]:
    """``get_path(record, path)`` as a function of the record, the path parsed once (a mapping's field copies run
    it for every record): for a path of names only, a loop of dict look-ups."""
    segments = parse_path(path) if isinstance(path, str) else path
    if not _names_only(segments):
        return lambda record: get_path(record, segments)

    if len(segments) == 1:  # the usual paths, unrolled: a mapping copies ~10 fields of every record
        (k1,) = segments

        def get1(record: Any) -> Any:
            return record.get(k1) if isinstance(record, dict) else None

        return get1
    if len(segments) == 2:
        k1, k2 = segments

        def get2(record: Any) -> Any:
            if not isinstance(record, dict):
                return None
            node = record.get(k1)
            return node.get(k2) if isinstance(node, dict) else None

        return get2
    if len(segments) == 3:
        k1, k2, k3 = segments

        def get3(record: Any) -> Any:
            if not isinstance(record, dict):
                return None
            node = record.get(k1)
            if not isinstance(node, dict):
                return None
            node = node.get(k2)
            return node.get(k3) if isinstance(node, dict) else None

        return get3

    def get(record: Any) -> Any:
        node = record
        for seg in segments:
            if not isinstance(node, dict):
                return None
            node = node.get(seg)
        return node

    return get


def setter(path: str | tuple[Segment, ...]) -> Callable[[dict, Any], None]:
    """``set_path(record, path, value)`` as a function of (record, value), the path parsed once."""
    segments = parse_path(path) if isinstance(path, str) else path
    if len(segments) == 1 and type(segments[0]) is str:
        key = segments[0]

        def set_one(record: dict, value: Any) -> None:
            record[key] = value

        return set_one
    if len(segments) == 2 and type(segments[0]) is str and type(segments[1]) is str:
        k1, k2 = segments

        def set_two(record: dict, value: Any) -> None:  # set_path's loop, unrolled
            node = record.get(k1)
            if node is None:
                node = record[k1] = {}
            node[k2] = value

        return set_two
    return lambda record, value: set_path(record, segments, value)


def set_path(record: dict, path: str | tuple[Segment, ...], value: Any) -> None:
    segments = parse_path(path) if isinstance(path, str) else path
    names = _NAMES_ONLY.get(segments)
    if names is None:
        names = _names_only(segments)
    if names:  # the common case: nested dicts, no list index
        node = record
        for seg in segments[:-1]:
            child = node.get(seg)
            if child is None:
                child = node[seg] = {}
            node = child
        node[segments[-1]] = value
        return
    _set_path_walk(record, segments, value)


def _set_path_walk(record: dict, segments: tuple[Segment, ...], value: Any) -> None:
    """``set_path`` for any path (list indexes too)."""
    node: Any = record
    for i, seg in enumerate(segments[:-1]):
        nxt = segments[i + 1]
        if isinstance(seg, int):
            if not isinstance(node, list):
                raise PathError(f"cannot index into a non-list at {format_path(segments[:i])}")
            while len(node) <= seg:
                node.append({} if not isinstance(nxt, int) else [])
            node = node[seg]
        else:
            child = node.get(seg)
            if child is None:
                child = [] if isinstance(nxt, int) else {}
                node[seg] = child
            node = child
    last = segments[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value
