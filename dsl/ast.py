"""The abstract syntax tree of an expression.

Nodes are frozen dataclasses. Each carries a :class:`Span` (its position in the
expression text) that takes no part in equality or hashing, so that
``parse(format(ast)) == ast`` compares structure only. A :class:`Literal`
compares its value *and its type*: ``Literal(1) != Literal(True)`` and
``Literal(1) != Literal(Decimal(1))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union


@dataclass(frozen=True)
class Span:
    """1-based line/column of the first character; end is exclusive."""

    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1


NOWHERE = Span()

_POS = dict(default=NOWHERE, compare=False, hash=False, repr=False)


@dataclass(frozen=True, eq=False)
class Literal:
    """``null``, ``true``/``false``, an integer, a decimal or a string."""

    value: Union[None, bool, int, Decimal, str]
    span: Span = field(**_POS)

    def __eq__(self, other: object) -> bool:
        return (type(other) is Literal and type(self.value) is type(other.value)
                and self.value == other.value)

    def __hash__(self) -> int:
        return hash((Literal, type(self.value), self.value))


@dataclass(frozen=True)
class ListLit:
    """``[a, b, c]``"""

    items: tuple[Node, ...]
    span: Span = field(**_POS)


@dataclass(frozen=True)
class Name:
    """A top-level name (a key of the evaluation environment) or a lambda parameter."""

    name: str
    span: Span = field(**_POS)


@dataclass(frozen=True)
class Root:
    """``$``: the whole environment, for keys that are not names (``$["rowInfo.owner"]``)."""

    span: Span = field(**_POS)


@dataclass(frozen=True)
class Attr:
    """``obj.name``"""

    obj: Node
    name: str
    span: Span = field(**_POS)


@dataclass(frozen=True)
class Index:
    """``obj[index]``: a list position or an object key."""

    obj: Node
    index: Node
    span: Span = field(**_POS)


@dataclass(frozen=True)
class Unary:
    """``-x`` or ``not x`` (``op`` is ``"-"`` or ``"not"``)."""

    op: str
    operand: Node
    span: Span = field(**_POS)


@dataclass(frozen=True)
class Binary:
    """``left op right``; ``op`` is one of :data:`BINARY_OPS`."""

    op: str
    left: Node
    right: Node
    span: Span = field(**_POS)


@dataclass(frozen=True)
class If:
    """``if cond then then_ else else_``"""

    cond: Node
    then: Node
    else_: Node
    span: Span = field(**_POS)


@dataclass(frozen=True)
class Lambda:
    """``param => body``; only valid as an argument of a list function."""

    param: str
    body: Node
    span: Span = field(**_POS)


@dataclass(frozen=True)
class Call:
    """``name(arg, …)``"""

    name: str
    args: tuple[Node, ...]
    span: Span = field(**_POS)


Node = Union[Literal, ListLit, Name, Root, Attr, Index, Unary, Binary, If, Lambda, Call]

ARITHMETIC_OPS = ("+", "-", "*", "/", "%")
COMPARISON_OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
BINARY_OPS = ARITHMETIC_OPS + COMPARISON_OPS + ("~", "??", "and", "or")


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of ``node``, in source order."""
    if isinstance(node, (Literal, Name, Root)):
        return ()
    if isinstance(node, ListLit):
        return node.items
    if isinstance(node, Attr):
        return (node.obj,)
    if isinstance(node, Index):
        return (node.obj, node.index)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, If):
        return (node.cond, node.then, node.else_)
    if isinstance(node, Lambda):
        return (node.body,)
    if isinstance(node, Call):
        return node.args
    raise TypeError(f"not an expression node: {node!r}")


def walk(node: Node):
    """Every node of the tree, parents before children (iterative)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))
