"""AST -> canonical expression text.

One spelling per tree: double-quoted strings, single spaces around binary
operators, parentheses only where precedence needs them, decimals always with
a decimal point. ``parse(format(ast)) == ast`` for every tree the parser can
produce.
"""

from __future__ import annotations

import re
from decimal import Decimal

from dsl import ast as A

# binding strength, weakest first (see grammar.lark)
_IF, _OR, _AND, _NOT, _CMP, _COALESCE, _CONCAT, _SUM, _PRODUCT, _UNARY, _POSTFIX = range(1, 12)

_PRECEDENCE = {
    "or": _OR, "and": _AND, "??": _COALESCE, "~": _CONCAT, "+": _SUM, "-": _SUM,
    "*": _PRODUCT, "/": _PRODUCT, "%": _PRODUCT,
    **{op: _CMP for op in A.COMPARISON_OPS},
}
_RIGHT_ASSOC = {"??"}
_NON_ASSOC = set(A.COMPARISON_OPS)

KEYWORDS = frozenset({"if", "then", "else", "and", "or", "not", "in", "true", "false", "null"})
_NAME_RE = re.compile(r"(?!\d)\w+\Z")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def is_name(text: str) -> bool:
    """True if ``text`` can be written as a bare name (not a keyword)."""
    return bool(_NAME_RE.match(text)) and text not in KEYWORDS


def format_expression(node: A.Node) -> str:
    """The canonical text of ``node``."""
    return _fmt(node)


def quote(text: str) -> str:
    """``text`` as a double-quoted string literal."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def format_number(value: int | Decimal) -> str:
    if type(value) is int:
        return str(value)
    text = format(value, "f")
    if "." not in text:
        text += ".0"
    return text


def _precedence(node: A.Node) -> int:
    if isinstance(node, A.If):
        return _IF
    if isinstance(node, A.Binary):
        return _PRECEDENCE[node.op]
    if isinstance(node, A.Unary):
        return _NOT if node.op == "not" else _UNARY
    if isinstance(node, A.Literal) and type(node.value) in (int, Decimal) and (
            node.value < 0 or (type(node.value) is Decimal and node.value.is_signed())):
        return _UNARY
    return _POSTFIX + 1


def _wrap(node: A.Node, minimum: int) -> str:
    text = _fmt(node)
    return f"({text})" if _precedence(node) < minimum else text


def _fmt(node: A.Node) -> str:
    if isinstance(node, A.Literal):
        value = node.value
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, str):
            return quote(value)
        return format_number(value)
    if isinstance(node, A.Name):
        return node.name
    if isinstance(node, A.Root):
        return "$"
    if isinstance(node, A.ListLit):
        return "[" + ", ".join(_fmt(item) for item in node.items) + "]"
    if isinstance(node, A.Attr):
        return f"{_wrap(node.obj, _POSTFIX)}.{node.name}"
    if isinstance(node, A.Index):
        return f"{_wrap(node.obj, _POSTFIX)}[{_fmt(node.index)}]"
    if isinstance(node, A.Call):
        return f"{node.name}(" + ", ".join(_fmt(arg) for arg in node.args) + ")"
    if isinstance(node, A.Lambda):
        return f"{node.param} => {_fmt(node.body)}"
    if isinstance(node, A.Unary):
        if node.op == "not":
            return f"not {_wrap(node.operand, _NOT)}"
        operand = _wrap(node.operand, _UNARY)
        return f"-{operand}" if not operand.startswith("-") else f"- {operand}"
    if isinstance(node, A.If):
        return f"if {_wrap(node.cond, _OR)} then {_fmt(node.then)} else {_fmt(node.else_)}"
    if isinstance(node, A.Binary):
        prec = _PRECEDENCE[node.op]
        if node.op in _NON_ASSOC:
            left, right = prec + 1, prec + 1
        elif node.op in _RIGHT_ASSOC:
            left, right = prec + 1, prec
        else:
            left, right = prec, prec + 1
        return f"{_wrap(node.left, left)} {node.op} {_wrap(node.right, right)}"
    raise TypeError(f"not an expression node: {node!r}")
