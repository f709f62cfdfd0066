"""Text -> AST. The LALR parser is built once, at import, from ``grammar.lark``.

Syntax errors are :class:`~dsl.errors.ExprSyntaxError` in plain words
("expected an operator or the end of the expression, found 'then'") with the
exact position. Work is bounded before anything recursive runs: the text is at
most :data:`MAX_LENGTH` characters and the tree at most :data:`MAX_DEPTH`
levels deep (a deeper expression is refused, never a ``RecursionError``).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from dsl import ast as A
from dsl.errors import Diagnostic, ExprSyntaxError

#: longest expression text accepted (characters)
MAX_LENGTH = 20_000
#: deepest nesting of the syntax tree (each operator, call, index … is a level)
MAX_DEPTH = 100
#: longest number literal (characters)
MAX_NUMBER_LENGTH = 40

_GRAMMAR = (Path(__file__).with_name("grammar.lark")).read_text(encoding="utf-8")
_LARK = Lark(_GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=True)

_TERMINAL_TEXT = {t.name: t.pattern.value for t in _LARK.terminals}
_VALUE_START = {"NAME", "NUMBER", "STRING", "TRUE", "FALSE", "NULL", "DOLLAR"}
_SPECIFIC = ("THEN", "ELSE", "COMMA", "RPAR", "RSQB")
_OPERATOR_TEXT = {"==", "!=", "<", "<=", ">", ">=", "in", "not", "??", "~", "+", "-", "*", "/", "%",
                  "and", "or", ".", "[", "("}
_COMPARISON_TEXT = {"==", "!=", "<", "<=", ">", ">=", "in"}

_BINARY = {
    "or_op": "or", "and_op": "and", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">",
    "ge": ">=", "in_op": "in", "not_in": "not in", "coalesce_op": "??", "concat_op": "~",
    "add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%",
}
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r", "/": "/", "0": "\0"}


def parse(text: str) -> A.Node:
    """Parse one expression; raises :class:`ExprSyntaxError`."""
    if not isinstance(text, str):
        raise TypeError(f"expression text must be a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise _error(text, 1, 1, 1, 2, f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}",
                     "split it into smaller expressions or use a translation table")
    if not text.strip():
        raise _error(text, 1, 1, 1, 2, "the expression is empty", "write a value, e.g. null or \"\"")
    try:
        tree = _LARK.parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    _check_depth(text, tree)
    return _Builder(text).build(tree)


# --------------------------------------------------------------------------- errors

def _error(text, line, column, end_line, end_column, message, hint=None) -> ExprSyntaxError:
    return ExprSyntaxError(Diagnostic("E-DSL-SYNTAX", message, line, column, end_line, end_column, hint),
                           text=text)


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def _describe_expected(accepts: set[str]) -> str:
    parts = []
    if accepts & {"STRING", "NUMBER"}:
        parts.append("a value")
    elif accepts == {"NAME"}:
        parts.append("a name")
    for name in _SPECIFIC:
        if name in accepts:
            parts.append(f"'{_TERMINAL_TEXT[name]}'")
    if any(_TERMINAL_TEXT.get(n) in _OPERATOR_TEXT for n in accepts if n not in _VALUE_START | {"NOT"}):
        if "a value" not in parts:
            parts.append("an operator")
    if "$END" in accepts:
        parts.append("the end of the expression")
    if not parts:
        return "something else"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _accepts_before(text: str, pos: int) -> set[str]:
    """The terminals the parser accepts just before ``pos`` (before any reduction the bad token caused)."""
    ip = _LARK.parse_interactive(text)
    try:
        for token in ip.iter_parse():
            if token.start_pos >= pos:
                break
    except UnexpectedInput:
        pass
    return set(ip.accepts())


def _syntax_error(text: str, exc: UnexpectedInput) -> ExprSyntaxError:
    token = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream
    elif isinstance(exc, UnexpectedEOF) or token is None or token.type == "$END":
        pos = len(text)
    else:
        pos = token.start_pos
    try:
        accepts = _accepts_before(text, pos)
    except Exception:  # pragma: no cover - best effort, fall back to what the error carries
        accepts = set(getattr(exc, "expected", ()) or ())
    expected = _describe_expected(accepts)
    hint = None
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream]
        line, col = exc.line, exc.column
        if char in "\"'":
            message = "this string is not closed"
            hint = f"close it with {char} on the same line (write \\n for a line break, \\{char} for a quote)"
            return _error(text, line, col, line, col + 1, message, hint)
        message = f"unexpected character '{char}'; expected {expected}"
        hint = {"=": "compare with ==", "&": "write 'and'", "|": "write 'or'", "!": "write 'not' or !=",
                "?": "the null-coalescing operator is ??", "{": "objects cannot be written in expressions",
                "'": None}.get(char, "remove it, or put it inside quotes if it is text")
        return _error(text, line, col, line, col + 1, message, hint)
    if isinstance(exc, UnexpectedEOF) or token is None or token.type == "$END":
        line, col = _end_position(text)
        if "ELSE" in accepts:
            hint = "every if needs both branches: if CONDITION then A else B"
        elif accepts & {"RPAR", "RSQB"}:
            hint = "close every ( and [ you opened"
        return _error(text, line, col, line, col + 1,
                      f"expected {expected}, found the end of the expression", hint)
    value = str(token)
    shown = value if len(value) <= 30 else value[:27] + "..."
    line, col = token.line, token.column
    end_line, end_col = token.end_line or line, token.end_column or col + len(value)
    if value in _COMPARISON_TEXT and not any(_TERMINAL_TEXT.get(n) in _COMPARISON_TEXT for n in accepts):
        hint = "comparisons do not chain: write a < b and b < c"
    elif value == "(" and isinstance(exc, UnexpectedToken):
        hint = "functions are called by name with the value as first argument: upper(name), not name.upper()"
    elif value in ("then", "else") and token.type in ("THEN", "ELSE"):
        hint = "then and else belong to if CONDITION then A else B"
    elif "ELSE" in accepts and value != "else":
        hint = "every if needs both branches: if CONDITION then A else B"
    elif token.type == "NAME" and "$END" in accepts:
        hint = "join texts with ~ (\"a\" ~ b); keywords and operators are lowercase"
    elif token.type == "NUMBER" and accepts == {"NAME"}:
        hint = "list positions are written items[0], not items.0"
    return _error(text, line, col, end_line, end_col, f"expected {expected}, found '{shown}'", hint)


def _check_depth(text: str, tree: Tree) -> None:
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            meta = node.meta
            raise _error(text, meta.line, meta.column, meta.end_line, meta.end_column,
                         f"the expression is nested more than {MAX_DEPTH} levels deep",
                         "split it up: use a translation table or several bindings instead of deep nesting "
                         "or very long operator chains")
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, depth + 1))


# --------------------------------------------------------------------------- tree -> AST

def _non_negative_number(value) -> bool:
    if type(value) is int:
        return value >= 0
    return type(value) is Decimal and not value.is_signed()


def _span_of(item) -> A.Span:
    if isinstance(item, Token):
        return A.Span(item.line, item.column, item.end_line, item.end_column)
    meta = item.meta
    return A.Span(meta.line, meta.column, meta.end_line, meta.end_column)


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text

    def build(self, tree) -> A.Node:
        span = _span_of(tree)
        kind = tree.data if isinstance(tree, Tree) else None
        kids = tree.children
        if kind in _BINARY:
            return A.Binary(_BINARY[kind], self.build(kids[0]), self.build(kids[1]), span)
        if kind == "number":
            return A.Literal(self._number(kids[0]), span)
        if kind == "string":
            return A.Literal(self._string(kids[0]), span)
        if kind == "true":
            return A.Literal(True, span)
        if kind == "false":
            return A.Literal(False, span)
        if kind == "null":
            return A.Literal(None, span)
        if kind == "name":
            return A.Name(str(kids[0]), span)
        if kind == "root":
            return A.Root(span)
        if kind == "attr":
            return A.Attr(self.build(kids[0]), str(kids[1]), span)
        if kind == "index":
            return A.Index(self.build(kids[0]), self.build(kids[1]), span)
        if kind == "neg":
            operand = self.build(kids[0])
            # a minus directly before a non-negative number is a negative number literal
            if isinstance(operand, A.Literal) and _non_negative_number(operand.value):
                return A.Literal(-operand.value, span)
            return A.Unary("-", operand, span)
        if kind == "not_op":
            return A.Unary("not", self.build(kids[0]), span)
        if kind == "if_expr":
            return A.If(self.build(kids[0]), self.build(kids[1]), self.build(kids[2]), span)
        if kind == "list":
            items = tuple(self.build(k) for k in kids if k is not None)
            return A.ListLit(items, span)
        if kind == "call":
            args = kids[1].children if kids[1] is not None else []
            name_token = kids[0]
            return A.Call(str(name_token), tuple(self.build(a) for a in args if a is not None), span)
        if kind == "lambda_":
            return A.Lambda(str(kids[0]), self.build(kids[1]), span)
        raise AssertionError(f"unhandled grammar rule {kind!r}")  # pragma: no cover

    def _number(self, token: Token):
        value = str(token)
        if len(value) > MAX_NUMBER_LENGTH:
            raise _error(self.text, token.line, token.column, token.end_line, token.end_column,
                         f"this number has {len(value)} characters; the limit is {MAX_NUMBER_LENGTH}")
        return Decimal(value) if "." in value else int(value)

    def _string(self, token: Token) -> str:
        raw = str(token)[1:-1]
        if "\\" not in raw:
            return raw
        out = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch != "\\":
                out.append(ch)
                i += 1
                continue
            nxt = raw[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            elif nxt == "u" and len(raw) >= i + 6 and all(c in "0123456789abcdefABCDEF" for c in raw[i + 2:i + 6]):
                out.append(chr(int(raw[i + 2:i + 6], 16)))
                i += 6
            else:
                col = token.column + 1 + i
                raise _error(self.text, token.line, col, token.line, col + 2,
                             f"unknown escape '\\{nxt}' in a string",
                             "known escapes: \\\\ \\\" \\' \\n \\t \\r \\uXXXX")
        return "".join(out)
