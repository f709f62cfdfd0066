"""rpsync's mapping expression language.

    >>> import dsl
    >>> prog = dsl.compile('upper(name) ~ " (" ~ str(round(price * 1.21, 2)) ~ ")"')
    >>> prog({"name": "Stůl", "price": Decimal("100.00")})
    'STŮL (121.00)'

Public API (the contract is docs/architecture.md, the language docs/dsl.md):

* ``compile(text, *, tables=None, catalog=None, source=None) -> Program`` —
  parse, check and compile; raises :class:`ExprSyntaxError` /
  :class:`ExprCheckError` (all problems at once).
* ``Program(env)`` evaluates with ``env`` (a Mapping of top-level names);
  raises only :class:`ExprRuntimeError`. ``prog.text``, ``prog.ast``,
  ``prog.fields`` (paths read, catalog notation), ``prog.type`` (static kind
  of the result, ``"any"`` if unknown), ``prog.source``.
* ``check(text, *, tables=None, catalog=None) -> list[Diagnostic]`` — never raises.
* ``parse(text) -> AST`` and ``format(ast) -> str`` with ``parse(format(ast)) == ast``.
* ``FUNCTIONS`` — the function registry (name -> :class:`FunctionSpec`).
* ``Table(entries, default=…)`` — a translation table with a default; plain
  Mappings are tables without default.
* ``FieldCatalog`` (protocol), ``DictCatalog``, ``FieldInfo``.
"""

from __future__ import annotations

from collections.abc import Mapping

from dsl import ast
from dsl.catalog import DictCatalog, FieldCatalog, FieldInfo
from dsl.checker import check_ast
from dsl.compiler import Program, compile_program
from dsl.errors import Diagnostic, ExprCheckError, ExprError, ExprRuntimeError, ExprSyntaxError
from dsl.format import format_expression
from dsl.functions import FUNCTIONS, Example, FunctionSpec, Param
from dsl.parser import MAX_DEPTH, MAX_LENGTH
from dsl.parser import parse as _parse
from dsl.tables import NO_DEFAULT, Table
from dsl.values import MAX_LIST, MAX_STRING

__all__ = [
    "compile", "check", "parse", "format", "evaluate", "Program", "FUNCTIONS", "FunctionSpec", "Param", "Example",
    "Table", "NO_DEFAULT", "FieldCatalog", "FieldInfo", "DictCatalog", "Diagnostic", "ExprError",
    "ExprSyntaxError", "ExprCheckError", "ExprRuntimeError", "ast", "MAX_LENGTH", "MAX_DEPTH", "MAX_STRING",
    "MAX_LIST",
]


def parse(text: str) -> ast.Node:
    """Parse ``text`` into an AST; raises :class:`ExprSyntaxError`."""
    return _parse(text)


def format(node: ast.Node) -> str:  # noqa: A001 - the documented API name
    """The canonical text of an AST."""
    return format_expression(node)


def check(text: str, *, tables: Mapping | None = None, catalog: FieldCatalog | None = None) -> list[Diagnostic]:
    """Every problem found in ``text`` without running it (an empty list: none). Never raises."""
    if not isinstance(text, str):
        return [Diagnostic("E-DSL-SYNTAX", f"an expression must be text, not {type(text).__name__}", 1, 1, 1, 2)]
    try:
        node = _parse(text)
    except ExprSyntaxError as exc:
        return list(exc.diagnostics)
    return check_ast(node, tables=tables, catalog=catalog).diagnostics


def compile(text: str, *, tables: Mapping | None = None, catalog: FieldCatalog | None = None,  # noqa: A001
            source: str | None = None) -> Program:
    """Parse, check and compile ``text`` into a :class:`Program`.

    ``tables`` maps table names to Mappings or :class:`Table` objects;
    ``catalog`` (a :class:`FieldCatalog`) enables unknown-field checks;
    ``source`` names where the text came from in error messages.
    """
    try:
        node = _parse(text)
    except ExprSyntaxError as exc:
        exc.source = source
        raise ExprSyntaxError(exc.diagnostics, text=text, source=source) from None
    result = check_ast(node, tables=tables, catalog=catalog)
    if result.diagnostics:
        raise ExprCheckError(result.diagnostics, text=text, source=source)
    return compile_program(node, text=text, tables=tables, source=source, fields=result.fields,
                           result_type=result.type)


def evaluate(text: str, env: Mapping | None = None, **options):
    """Compile and run once (convenience for tests and the CLI)."""
    return compile(text, **options)(env if env is not None else {})
