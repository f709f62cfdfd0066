"""Which key or list item each comment of a YAML file belongs to, so that it moves with it.

A formatter that reorders keys must move comments with the keys they
describe. The tree (``engine.mapping.loader``) knows where every key, list
item and scalar was written; this module reads the comments from the text
(a ``#`` outside any scalar, after white space) and attaches each one:

- comment lines before the first key are the file's **header**;
- an end-of-line comment belongs to the innermost key or item that starts on
  its line;
- a comment line belongs to the next key or item (its **lead**), unless it is
  indented deeper than that key: then it closes the deepest block still open
  at its indentation (a **trail**, written after that block's last entry);
- blank lines are kept (at most one in a row) where they separate entries or
  comments.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from engine.mapping.loader import YamlMap, YamlNode, YamlScalar, YamlSeq

#: a blank line in a lead or trail
BLANK = ""


@dataclass
class Slot:
    """The comments that go with one map entry or list item."""

    lead: list[str] = field(default_factory=list)
    eol: str | None = None
    #: the column the end-of-line comment was written at, and the column of its key or dash then
    #: (the comment keeps its place relative to the key when the key moves in or out)
    eol_col: int | None = None
    anchor_col: int | None = None


@dataclass
class Comments:
    header: list[str] = field(default_factory=list)
    #: (id of the map/list node, key or index) -> comments of that entry/item
    slots: dict[tuple[int, Any], Slot] = field(default_factory=dict)
    #: id of a map/list node -> comment lines after its last entry
    trails: dict[int, list[str]] = field(default_factory=dict)
    #: every comment's text, in file order (to check that none is lost)
    texts: list[str] = field(default_factory=list)

    def slot(self, container: YamlNode, key: Any) -> Slot:
        return self.slots.get((id(container), key)) or Slot()

    def inside(self, node: YamlNode) -> bool:
        """Whether any comment is attached inside ``node`` (then it cannot be written on one line)."""
        if isinstance(node, YamlMap):
            children = [(k, e.node) for k, e in node.entries.items()]
        elif isinstance(node, YamlSeq):
            children = list(enumerate(node.items))
        else:
            return False
        if self.trails.get(id(node)):
            return True
        for key, child in children:
            slot = self.slots.get((id(node), key))
            if slot is not None and (slot.eol or any(line != BLANK for line in slot.lead)):
                return True
            if self.inside(child):
                return True
        return False


@dataclass
class _Box:
    """A map or list block: its node, the column of its entries, the anchor that holds it."""

    node: YamlNode
    col: int
    parent: "_Anchor | None"
    #: written in flow style ([a, b] / {a: 1}): comments on its lines belong to the entry that holds it
    flow: bool = False


@dataclass
class _Anchor:
    line: int
    col: int
    box: _Box
    key: Any
    depth: int


def attach(text: str, root: YamlMap) -> Comments:
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    spans = sorted(_scalar_spans(root, text))
    anchors = _anchors(root, lines)
    comments_by_line, blank_lines = _scan(text, lines, starts, spans)
    out = Comments()
    out.texts = [c for _, (_, c, _) in sorted(comments_by_line.items())]
    by_line: dict[int, list[_Anchor]] = {}
    for a in anchors:
        by_line.setdefault(a.line, []).append(a)
    root_box = anchors[0].box if anchors else _Box(root, 0, None)
    pending: list[tuple[int, str]] = []  # (column, text) or (-1, BLANK)
    previous: _Anchor | None = None
    first_line = anchors[0].line if anchors else len(lines)
    for i in range(len(lines)):
        comment = comments_by_line.get(i)
        here = by_line.get(i, [])
        if i < first_line:
            if comment is not None:
                out.header.append(comment[1])
            elif i in blank_lines and out.header:
                out.header.append(BLANK)
            continue
        if not here:
            if comment is not None and comment[2]:  # a comment line
                pending.append((comment[0], comment[1]))
            elif comment is not None and previous is not None:  # end of a line that continues a value
                _add_eol(out, previous, comment[1], comment[0])
            elif i in blank_lines:
                pending.append((-1, BLANK))
            continue
        outer = here[0]
        inner = next((a for a in reversed(here) if not a.box.flow), outer)
        _flush(out, pending, previous, outer)
        pending = []
        if comment is not None:
            _add_eol(out, inner, comment[1], comment[0])
        previous = inner
    _flush(out, pending, previous, None, root_box=root_box)
    while out.header and out.header[-1] == BLANK:
        out.header.pop()
    if anchors and first_line > 0 and (first_line - 1) in blank_lines and out.header:
        out.header.append(BLANK)  # a blank line between the header and the first key
    return out


def _add_eol(out: Comments, anchor: _Anchor, text: str, col: int) -> None:
    slot = out.slots.setdefault((id(anchor.box.node), anchor.key), Slot())
    if slot.eol is None:
        slot.eol, slot.eol_col, slot.anchor_col = text, col, anchor.col
    else:
        slot.eol = f"{slot.eol} {text}"


def _flush(out: Comments, pending: list[tuple[int, str]], previous: _Anchor | None, nxt: _Anchor | None,
           root_box: _Box | None = None) -> None:
    """Distribute the comment lines between ``previous`` and ``nxt``: trails of blocks ``previous`` closes,
    then the lead of ``nxt``."""
    if not pending:
        return
    chain = _open_boxes(previous)
    lead_from = len(pending)
    if nxt is not None:
        # from the first comment indented no deeper than the next key on, everything leads it
        for n, (col, text) in enumerate(pending):
            if text != BLANK and (col <= nxt.col or not _closes_deeper(chain, col, nxt)):
                lead_from = n
                break
        # blank lines right before the lead belong to it
        while lead_from > 0 and pending[lead_from - 1][1] == BLANK:
            lead_from -= 1
        if all(text == BLANK for _, text in pending[:lead_from]):
            lead_from = 0
    trail_part, lead_part = pending[:lead_from], pending[lead_from:]
    # a blank line goes with the comment after it; blank lines after the last comment are dropped
    targets: list[_Box | None] = [None] * len(trail_part)
    following: _Box | None = None
    for n in range(len(trail_part) - 1, -1, -1):
        col, text = trail_part[n]
        if text != BLANK:
            following = _box_for(chain, col) or root_box
        targets[n] = following
    for (col, text), box in zip(trail_part, targets):
        if box is not None:
            out.trails.setdefault(id(box.node), []).append(text)
    if nxt is not None and lead_part:
        slot = out.slots.setdefault((id(nxt.box.node), nxt.key), Slot())
        slot.lead += [text for _, text in lead_part]


def _open_boxes(anchor: _Anchor | None) -> list[_Box]:
    """The blocks open after ``anchor``: its own block, then the blocks holding it, innermost first."""
    boxes: list[_Box] = []
    while anchor is not None:
        boxes.append(anchor.box)
        anchor = anchor.box.parent
    return boxes


def _box_for(chain: list[_Box], col: int) -> _Box | None:
    """The innermost open block whose entries sit at or left of ``col``."""
    for box in chain:
        if box.col <= col:
            return box
    return chain[-1] if chain else None


def _closes_deeper(chain: list[_Box], col: int, nxt: _Anchor) -> bool:
    """Whether a comment at ``col`` belongs to a block deeper than the one ``nxt`` is in."""
    box = _box_for(chain, col)
    return box is not None and box.col > nxt.col


def _anchors(root: YamlMap, lines: list[str]) -> list[_Anchor]:
    out: list[_Anchor] = []

    def flow(node: YamlNode) -> bool:
        line = lines[node.pos.line - 1] if 0 < node.pos.line <= len(lines) else ""
        return line[node.pos.column - 1:node.pos.column] in ("[", "{")

    def walk(node: YamlNode, parent: _Anchor | None, depth: int) -> None:
        if isinstance(node, YamlMap) and node.entries:
            first = next(iter(node.entries.values()))
            box = _Box(node, first.key_pos.column - 1, parent, flow(node) or (parent is not None and parent.box.flow))
            for key, entry in node.entries.items():
                anchor = _Anchor(entry.key_pos.line - 1, entry.key_pos.column - 1, box, key, depth)
                out.append(anchor)
                walk(entry.node, anchor, depth + 1)
        elif isinstance(node, YamlSeq) and node.items:
            box = _Box(node, _dash_col(node.items[0], lines), parent,
                       flow(node) or (parent is not None and parent.box.flow))
            for index, item in enumerate(node.items):
                anchor = _Anchor(item.pos.line - 1, _dash_col(item, lines), box, index, depth)
                out.append(anchor)
                walk(item, anchor, depth + 1)

    walk(root, None, 0)
    out.sort(key=lambda a: (a.line, a.col, a.depth))
    return out


def _dash_col(item: YamlNode, lines: list[str]) -> int:
    line = lines[item.pos.line - 1] if 0 < item.pos.line <= len(lines) else ""
    before = line[: item.pos.column - 1].rstrip()
    return len(before) - 1 if before.endswith("-") else item.pos.column - 1


def _scalar_spans(node: YamlNode, text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if isinstance(node, YamlScalar):
        span = node._span
        if span is not None and span[1] > span[0]:
            start, end = span
            if node.style in ("|", ">"):
                header = text[start:text.find("\n", start) if "\n" in text[start:] else end]
                if "+" not in header.split("#", 1)[0]:
                    while end > start and text[end - 1] in " \t\r\n":
                        end -= 1
            spans.append((start, end))
    elif isinstance(node, YamlMap):
        for entry in node.entries.values():
            spans += _scalar_spans(entry.node, text)
    elif isinstance(node, YamlSeq):
        for item in node.items:
            spans += _scalar_spans(item, text)
    return spans


_TOKEN_START = " \t{[,:-?"


def _scan(text: str, lines: list[str], starts: list[int],
          spans: list[tuple[int, int]]) -> tuple[dict[int, tuple[int, str, bool]], set[int]]:
    """Comments per line — (column, text, whole line?) — and the blank lines outside scalars."""
    span_starts = [s for s, _ in spans]
    comments: dict[int, tuple[int, str, bool]] = {}
    blanks: set[int] = set()
    for i, line in enumerate(lines):
        begin, end = starts[i], starts[i] + len(line)
        k = bisect.bisect_right(span_starts, begin) - 1
        inside = k >= 0 and spans[k][0] <= begin < spans[k][1]
        if not line.strip():
            if not inside:
                blanks.add(i)
            continue
        j = begin
        seen = False
        quote: str | None = None
        while j < end:
            k = bisect.bisect_right(span_starts, j) - 1
            if k >= 0 and spans[k][0] <= j < spans[k][1]:
                j = spans[k][1]
                seen = True
                continue
            c = text[j]
            if quote is not None:
                if c == quote:
                    if quote == "'" and j + 1 < end and text[j + 1] == "'":
                        j += 2
                        continue
                    quote = None
                elif c == "\\" and quote == '"':
                    j += 1
                j += 1
                continue
            if c in "'\"" and (j == begin or text[j - 1] in _TOKEN_START):
                quote = c
                seen = True
            elif c == "#" and (j == begin or text[j - 1] in " \t"):
                comments[i] = (j - begin, text[j:end].rstrip(), not seen)
                break
            elif not c.isspace():
                seen = True
            j += 1
    return comments, blanks
