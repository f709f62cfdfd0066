"""Where each character of a YAML scalar was written in its file.

Expressions live in YAML scalars: plain, single- or double-quoted, literal
(``|``) or folded (``>``) block scalars. The expression checker reports
positions relative to the expression text; :class:`ScalarLocator` turns them
into the line and column in the YAML file by re-scanning the scalar's source
the way YAML reads it (quote escapes, line folding, block indentation).

The reconstruction is verified against the value YAML produced; if they
differ (an exotic form such as a folded block with more-indented lines), the
locator falls back to the scalar's start, so a position is never wrong by
more than "the start of this value".
"""

from __future__ import annotations

from dataclasses import dataclass, field

# (line, column), both 0-based, per character of the scalar's value
_Char = tuple[int, int]

_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
    "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


@dataclass(frozen=True)
class ScalarLocator:
    """Maps offsets in a scalar's value to 0-based (line, column) in its file."""

    start: _Char
    chars: tuple[_Char, ...] | None = field(default=None, repr=False)
    #: number of characters before trailing white space and line breaks
    content: int = 0

    def at_offset(self, offset: int) -> _Char:
        """Position of the character at ``offset``; at or past the end of the content, just after
        its last character (where "expected …, found the end" belongs)."""
        if self.chars is None:
            return self.start
        if offset < self.content:
            return self.chars[offset]
        if self.content == 0:
            return self.start
        line, col = self.chars[self.content - 1]
        return (line, col + 1)

    def at(self, value: str, line: int, column: int) -> _Char:
        """Position of 1-based ``line``/``column`` of ``value`` (the scalar's text)."""
        offset = 0
        lines = value.split("\n")
        for i in range(min(max(line, 1), len(lines)) - 1):
            offset += len(lines[i]) + 1
        return self.at_offset(offset + max(column, 1) - 1)


def locate_scalar(source: str, start_index: int, end_index: int, style: str | None, value: str,
                  start: _Char) -> ScalarLocator:
    """Build the locator of a scalar written at ``source[start_index:end_index]``."""
    try:
        if style == "'":
            chars, text = _flow(source, start_index + 1, end_index - 1, quote="'")
        elif style == '"':
            chars, text = _flow(source, start_index + 1, end_index - 1, quote='"')
        elif style in ("|", ">"):
            chars, text = _block(source, start_index, end_index, folded=(style == ">"))
        else:
            chars, text = _flow(source, start_index, end_index, quote=None)
    except (IndexError, ValueError):
        return ScalarLocator(start)
    if style == ">":
        value = value.replace("\a", "")  # ruamel marks fold points with BEL in composed nodes
    if text != value:
        return ScalarLocator(start)
    return ScalarLocator(start, tuple(_line_col_many(source, chars)), len(value.rstrip()))


def _line_col_many(source: str, indexes: list[int]) -> list[_Char]:
    out = []
    line = 0
    line_start = 0
    pos = 0
    for idx in indexes:  # indexes are non-decreasing
        while True:
            nl = source.find("\n", pos, idx)
            if nl < 0:
                break
            line += 1
            line_start = nl + 1
            pos = nl + 1
        pos = max(pos, line_start)
        out.append((line, idx - line_start))
    return out


def _flow(source: str, begin: int, end: int, quote: str | None) -> tuple[list[int], str]:
    """Plain or quoted (flow) scalar: escapes, and line folding of multi-line values."""
    chars: list[int] = []
    out: list[str] = []
    i = begin
    pending_break: int | None = None  # index of a line break not yet folded
    empty_lines = 0
    at_line_start = False
    while i < end:
        c = source[i]
        if c == "\n" or (c == "\r" and i + 1 < end and source[i + 1] == "\n"):
            if c == "\r":
                i += 1
            # trailing white space before a break is not content
            while out and out[-1] in " \t" and chars[-1] >= _line_begin(source, i):
                out.pop()
                chars.pop()
            if at_line_start:
                empty_lines += 1
            elif pending_break is None:
                pending_break = i
            at_line_start = True
            i += 1
            continue
        if at_line_start and c in " \t":
            i += 1
            continue
        if at_line_start:
            if empty_lines:
                out.extend("\n" * empty_lines)
                chars.extend([pending_break if pending_break is not None else i] * empty_lines)
            elif pending_break is not None:
                out.append(" ")
                chars.append(pending_break)
            pending_break = None
            empty_lines = 0
            at_line_start = False
        if quote == "'" and c == "'":
            # '' is an escaped quote
            out.append("'")
            chars.append(i)
            i += 2
            continue
        if quote == '"' and c == "\\":
            nxt = source[i + 1]
            if nxt == "\n" or nxt == "\r":
                # escaped line break: join without a space, skip the next line's indentation
                i += 2 if nxt == "\n" else 3
                while i < end and source[i] in " \t":
                    i += 1
                continue
            if nxt in _HEX_ESCAPES:
                n = _HEX_ESCAPES[nxt]
                out.append(chr(int(source[i + 2:i + 2 + n], 16)))
                chars.append(i)
                i += 2 + n
                continue
            if nxt not in _ESCAPES:
                raise ValueError("unknown escape")
            out.append(_ESCAPES[nxt])
            chars.append(i)
            i += 2
            continue
        out.append(c)
        chars.append(i)
        i += 1
    if quote is None:
        while out and out[-1] in " \t":
            out.pop()
            chars.pop()
    elif at_line_start and (pending_break is not None or empty_lines):
        # a break right before the closing quote folds like any other
        out.extend("\n" * empty_lines if empty_lines else " ")
        chars.extend([pending_break if pending_break is not None else end] * (empty_lines or 1))
    return chars, "".join(out)


def _line_begin(source: str, index: int) -> int:
    return source.rfind("\n", 0, index) + 1


def _block(source: str, begin: int, end: int, folded: bool) -> tuple[list[int], str]:
    """Literal (``|``) or folded (``>``) block scalar with its header indicators."""
    header_end = source.index("\n", begin)
    header = source[begin + 1:header_end].split("#", 1)[0].strip()
    chomp = "clip"
    explicit_indent = None
    for ch in header:
        if ch == "-":
            chomp = "strip"
        elif ch == "+":
            chomp = "keep"
        elif ch.isdigit():
            explicit_indent = int(ch)
    parent_indent = _indent_of_line(source, begin)
    lines: list[tuple[int, str]] = []  # (index of line start, raw line without newline)
    pos = header_end + 1
    limit = min(end, len(source))
    while pos < limit:
        nl = source.find("\n", pos, limit)
        if nl < 0:
            nl = limit
        lines.append((pos, source[pos:nl]))
        pos = nl + 1
    if explicit_indent is not None:
        indent = parent_indent + explicit_indent
    else:
        indent = next((len(raw) - len(raw.lstrip(" ")) for _, raw in lines if raw.strip()), 0)
    content: list[tuple[int, str]] = []  # (index of first content char, text)
    for start, raw in lines:
        if raw.strip() == "":
            content.append((start + min(len(raw), indent), ""))
            continue
        if len(raw) - len(raw.lstrip(" ")) < indent:
            break
        content.append((start + indent, raw[indent:]))
    trailing = 0
    while content and content[-1][1] == "":
        content.pop()
        trailing += 1
    chars: list[int] = []
    out: list[str] = []
    texts = [n for n, (_, text) in enumerate(content) if text]
    if texts:
        for n in range(texts[0]):  # leading empty lines are kept as breaks
            out.append("\n")
            chars.append(content[n][0])
    for pos, n in enumerate(texts):
        start, text = content[n]
        if pos > 0:
            prev_n = texts[pos - 1]
            prev_start, prev_text = content[prev_n]
            brk = prev_start + len(prev_text)
            empties = n - prev_n - 1
            plain = not prev_text[0] in " \t" and not text[0] in " \t"
            if folded and plain:
                out.extend(" " if empties == 0 else "\n" * empties)
                chars.extend([brk] * max(empties, 1))
            else:
                out.extend("\n" * (empties + 1))
                chars.extend([brk] * (empties + 1))
        out.extend(text)
        chars.extend(range(start, start + len(text)))
    if texts and chomp in ("clip", "keep"):
        last_start, last_text = content[texts[-1]]
        out.append("\n")
        chars.append(last_start + len(last_text))
    if chomp == "keep":
        out.extend("\n" * trailing)
        chars.extend([end] * trailing)
    return chars, "".join(out)


def _indent_of_line(source: str, index: int) -> int:
    """Indentation of the block that owns a block scalar starting at ``index``."""
    line_start = _line_begin(source, index)
    line = source[line_start:index]
    stripped = line.lstrip(" ")
    base = len(line) - len(stripped)
    # "- |" list items nest one level deeper than the dash
    while stripped.startswith("- "):
        stripped = stripped[2:]
        base += 2
    return base
