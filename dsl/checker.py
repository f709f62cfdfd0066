"""Static checks: everything that can be known before an expression runs.

All problems are collected (not only the first): unknown functions and tables
(with "did you mean"), wrong numbers of arguments, lambdas where none belong,
values of a kind that can never work (``"a" + 1``, ``upper(5)``,
``round(x, 1.5)``, ``x / 0``), names starting with ``__``, too deeply nested
lambdas, keys missing from a translation table, unknown fields and values
outside a field's enumeration when a :class:`~dsl.catalog.FieldCatalog` is
given.

The checker also infers a static kind for every node (``"any"`` when it
cannot know) and the set of field paths the expression reads.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from dsl import ast as A
from dsl.errors import Diagnostic
from dsl.functions import FUNCTIONS, FunctionSpec
from dsl.tables import Table, normalize_tables

#: deepest nesting of lambdas (each level multiplies the work by a list's length)
MAX_LAMBDA_NESTING = 3
_DEPTH = "\0depth"  # scope key holding the lambda nesting depth (never a name)

_KIND_WORDS = {"string": "text", "number": "a number", "integer": "a whole number", "boolean": "a boolean",
               "date": "a date", "datetime": "a date-time", "list": "a list", "object": "an object",
               "null": "null"}
_CATALOG_KINDS = {"string": "string", "integer": "integer", "decimal": "number", "boolean": "boolean",
                  "list": "list", "object": "object"}  # dates may be ISO text at runtime: "any"
_ORDERABLE_GROUPS = {"number": "number", "integer": "number", "string": "string", "date": "date",
                     "datetime": "datetime"}
_ALIASES = {
    "concat": "the ~ operator (\"a\" ~ b)", "length": "len", "size": "len", "substring": "substr",
    "mid": "substr", "toupper": "upper", "tolower": "lower", "strip": "trim", "ifnull": "coalesce or ??",
    "nvl": "coalesce or ??", "isnull": "x == null", "iif": "if … then … else …", "if": "if … then … else …",
    "lookup": "translate", "getattr": None, "setattr": None, "eval": None, "exec": None, "open": None,
    "import": None, "__import__": None, "compile": None, "globals": None, "locals": None, "vars": None,
    "type": None, "dir": None, "float": "decimal", "number": "decimal", "string": "str", "tostring": "str",
    "now": "today", "format": "format_date or ~", "strftime": "format_date", "strptime": "parse_date",
    "lpad": "pad_left", "rpad": "pad_right", "zfill": "pad_left", "exists": "x != null",
}


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: static kind of the whole expression ("any" when unknown)
    type: str = "any"
    #: field paths the expression reads, catalog notation (``items[].code``)
    fields: frozenset[str] = frozenset()


def literal_kind(value) -> str:
    if value is None:
        return "null"
    if type(value) is bool:
        return "boolean"
    if type(value) is int:
        return "integer"
    if type(value) is Decimal:
        return "number"
    return "string"


def _words(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind)


def accepts(expected: str, actual: str) -> bool:
    """Can a value of static kind ``actual`` be passed where ``expected`` is declared?"""
    if actual in ("any", "null") or expected in ("any",):
        return True
    for alt in expected.split("|"):
        if alt == actual:
            return True
        if {alt, actual} <= {"number", "integer"}:
            return True
        if alt in ("date", "datetime") and actual in ("date", "datetime", "string"):
            return True
    return False


def check_ast(node: A.Node, *, tables=None, catalog=None) -> CheckResult:
    checker = _Checker(normalize_tables(tables), catalog)
    kind = checker.visit(node, {}, False)
    diags = sorted(checker.diags, key=lambda d: (d.line, d.column, d.code))
    return CheckResult(diags, kind if kind != "lambda" else "any", frozenset(checker.fields))


def _span_diag(code: str, node, message: str, hint: str | None = None) -> Diagnostic:
    s = node.span
    return Diagnostic(code, message, s.line, s.column, s.end_line, s.end_column, hint)


def _name_span(call: A.Call) -> A.Span:
    s = call.span
    return A.Span(s.line, s.column, s.line, s.column + len(call.name))


class _Checker:
    def __init__(self, tables: dict[str, Table], catalog) -> None:
        self.tables = tables
        self.catalog = catalog
        self.diags: list[Diagnostic] = []
        self.fields: set[str] = set()
        self._checked_paths: set[tuple] = set()

    def error(self, code, node_or_span, message, hint=None):
        span = node_or_span if isinstance(node_or_span, A.Span) else node_or_span.span
        self.diags.append(Diagnostic(code, message, span.line, span.column, span.end_line, span.end_column, hint))

    # ---------------------------------------------------------------- field paths

    def path_of(self, node, scope) -> str | None:
        """The catalog path a node reads (``None``: not a record field)."""
        if isinstance(node, A.Name):
            if node.name in scope:
                return scope[node.name][0]
            return node.name
        if isinstance(node, A.Root):
            return ""
        if isinstance(node, A.Attr):
            base = self.path_of(node.obj, scope)
            if base is None:
                return None
            return f"{base}.{node.name}" if base else node.name
        if isinstance(node, A.Index):
            base = self.path_of(node.obj, scope)
            if base is None:
                return None
            key = node.index
            if isinstance(key, A.Literal) and isinstance(key.value, str):
                return f"{base}.{key.value}" if base else key.value
            return f"{base}[]" if base else None
        if isinstance(node, A.Call):
            spec = FUNCTIONS.get(node.name)
            if spec is not None and spec.result_path and node.args:
                base = self.path_of(node.args[0], scope)
                if base:
                    return base + "[]" if spec.result_path == "element" else base
        return None

    def field_kind(self, path: str) -> tuple[str, object]:
        if self.catalog is None or not path:
            return "any", None
        info = self.catalog.lookup(path)
        if info is None and not path.endswith("[]"):
            info = self.catalog.lookup(path + "[]")
        if info is None:
            return "any", None
        return _CATALOG_KINDS.get(getattr(info, "type", "any"), "any"), info

    def reference(self, node, path: str) -> None:
        """``node`` reads the whole field ``path``."""
        if not path:
            return
        self.fields.add(path)
        if self.catalog is None or (path, node.span) in self._checked_paths:
            return
        self._checked_paths.add((path, node.span))
        info = self.catalog.lookup(path)
        if info is None and not path.endswith("[]"):
            info = self.catalog.lookup(path + "[]")
        if info is None:
            suggestions = list(self.catalog.suggest(path) or [])
            name = getattr(self.catalog, "name", None)
            where = f" in the {name} catalog" if name else ""
            hint = ("did you mean " + " or ".join(suggestions) + "?") if suggestions else \
                "check the spelling against the field catalog"
            self.error("E-DSL-UNKNOWN-FIELD", node, f"unknown field '{path}'{where}", hint)

    # ---------------------------------------------------------------- visiting

    def visit(self, node, scope: dict, is_prefix: bool) -> str:
        """Check ``node``; return its static kind. ``is_prefix``: the parent extends this path."""
        path = self.path_of(node, scope)
        if path is not None and not is_prefix:
            self.reference(node, path)
        method = getattr(self, "visit_" + type(node).__name__)
        kind = method(node, scope)
        if path and kind == "any":
            kind = self.field_kind(path)[0]
        return kind

    def visit_Literal(self, node, scope):
        return literal_kind(node.value)

    def visit_ListLit(self, node, scope):
        for item in node.items:
            self.visit_value(item, scope)
        return "list"

    def visit_Root(self, node, scope):
        return "object"

    def check_name(self, node, name: str, what: str) -> None:
        if name.startswith("__"):
            self.error("E-DSL-NAME", node, f"{what} '{name}' is not allowed: names starting with __ are reserved",
                       "expressions read only the record's own fields; there is no attribute access")

    def visit_Name(self, node, scope):
        self.check_name(node, node.name, "the name")
        return "any"

    def visit_Attr(self, node, scope):
        self.check_name(node, node.name, "the key")
        base = self.visit(node.obj, scope, True)
        self.no_keys(node, base, f".{node.name}")
        return "any"

    def visit_Index(self, node, scope):
        base = self.visit(node.obj, scope, True)
        key = self.visit_value(node.index, scope)
        if isinstance(node.index, A.Literal) and isinstance(node.index.value, str):
            self.check_name(node.index, node.index.value, "the key")
        self.no_keys(node, base, "[…]")
        if key in ("boolean", "date", "datetime", "list", "object"):
            self.error("E-DSL-TYPE", node.index, f"an index must be a whole number or a text key, not {_words(key)}")
        return "any"

    def no_keys(self, node, base: str, what: str) -> None:
        if base in ("string", "number", "integer", "boolean", "date", "datetime"):
            self.error("E-DSL-TYPE", node, f"{what} on {_words(base)} is always null: only objects have keys "
                                           "and only lists have positions")

    def visit_value(self, node, scope) -> str:
        if isinstance(node, A.Lambda):
            self.error("E-DSL-LAMBDA", node, "a lambda (x => …) is allowed only as the last argument of "
                                             "any, all, count, sum, filter or map")
            self.visit(node.body, scope, False)
            return "any"
        return self.visit(node, scope, False)

    def visit_Unary(self, node, scope):
        kind = self.visit_value(node.operand, scope)
        if node.op == "not":
            return "boolean"
        if kind not in ("any", "null", "number", "integer"):
            self.error("E-DSL-TYPE", node, f"unary - needs a number, but this is {_words(kind)}")
        return "integer" if kind == "integer" else "number"

    def visit_If(self, node, scope):
        self.visit_value(node.cond, scope)
        a = self.visit_value(node.then, scope)
        b = self.visit_value(node.else_, scope)
        return a if a == b else "any"

    def visit_Binary(self, node, scope):
        op = node.op
        lt = self.visit_value(node.left, scope)
        rt = self.visit_value(node.right, scope)
        if op in A.ARITHMETIC_OPS:
            for side, kind in ((node.left, lt), (node.right, rt)):
                if kind not in ("any", "null", "number", "integer"):
                    hint = 'join texts with ~, e.g. "No. " ~ number' if op == "+" and kind == "string" else (
                        "use add_days(date, n)" if kind in ("date", "datetime") else None)
                    self.error("E-DSL-TYPE", side, f"{op} needs numbers, but this is {_words(kind)}", hint)
            if op in ("/", "%") and isinstance(node.right, A.Literal) and type(node.right.value) in (int, Decimal) \
                    and node.right.value == 0:
                self.error("E-DSL-DIVISION", node.right, "division by zero")
            return "integer" if lt == rt == "integer" and op != "/" else "number"
        if op in ("==", "!="):
            self.check_equality(node, lt, rt, scope)
            return "boolean"
        if op in ("<", "<=", ">", ">="):
            for side, kind in ((node.left, lt), (node.right, rt)):
                if kind in ("boolean", "list", "object"):
                    self.error("E-DSL-TYPE", side, f"{op} cannot order {_words(kind)}")
            gl, gr = _ORDERABLE_GROUPS.get(lt), _ORDERABLE_GROUPS.get(rt)
            if gl and gr and gl != gr:
                self.error("E-DSL-TYPE", node, f"{op} compares {_words(lt)} with {_words(rt)}; that always fails",
                           "convert one side with decimal(), str() or date()")
            return "boolean"
        if op in ("in", "not in"):
            if rt in ("number", "integer", "boolean", "date", "datetime"):
                self.error("E-DSL-TYPE", node.right, f"'{op}' needs a list, a text or an object on the right, "
                                                     f"but this is {_words(rt)}")
            elif rt == "string" and lt not in ("any", "null", "string"):
                self.error("E-DSL-TYPE", node.left, f"'{op}' a text needs a text on the left, not {_words(lt)}")
            if isinstance(node.right, A.ListLit):
                for item in node.right.items:
                    self.check_enum(node.left, item, scope)
            return "boolean"
        if op == "~":
            return "string"
        if op in ("and", "or"):
            return "boolean"
        if op == "??":
            return lt if lt == rt or rt == "null" else "any"
        raise AssertionError(op)  # pragma: no cover

    def check_equality(self, node, lt, rt, scope):
        groups = {"integer": "number"}
        gl, gr = groups.get(lt, lt), groups.get(rt, rt)
        literal_side = isinstance(node.left, A.Literal) or isinstance(node.right, A.Literal)
        if literal_side and "any" not in (gl, gr) and "null" not in (gl, gr) and gl != gr:
            self.error("E-DSL-TYPE", node, f"{node.op} compares {_words(lt)} with {_words(rt)}; "
                                           f"values of different kinds are never equal",
                       "write the literal in the field's kind, e.g. \"123\" for text, or convert with "
                       "str()/decimal()")
        self.check_enum(node.left, node.right, scope)
        self.check_enum(node.right, node.left, scope)

    def check_enum(self, field_node, literal_node, scope):
        if self.catalog is None or not isinstance(literal_node, A.Literal) or not isinstance(literal_node.value, str):
            return
        path = self.path_of(field_node, scope)
        if not path:
            return
        _, info = self.field_kind(path)
        enum = getattr(info, "enum", None) if info is not None else None
        if enum and literal_node.value not in enum:
            close = difflib.get_close_matches(literal_node.value, [str(e) for e in enum], n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'?" if close else "allowed: " + ", ".join(str(e) for e in enum)
            self.error("E-DSL-ENUM", literal_node,
                       f"'{literal_node.value}' is not a value of {path} (allowed: "
                       f"{', '.join(str(e) for e in enum)})", hint)

    def visit_Lambda(self, node, scope):  # reached only via visit_value / calls
        self.visit(node.body, scope, False)
        return "lambda"

    # ---------------------------------------------------------------- calls

    def visit_Call(self, node, scope):
        spec = FUNCTIONS.get(node.name)
        if spec is None:
            self.unknown_function(node)
            for arg in node.args:
                self.visit_value(arg, scope)
            return "any"
        low, high = spec.arity
        n = len(node.args)
        if n < low or (high is not None and n > high):
            want = f"{low}" if low == high else (f"at least {low}" if high is None else f"{low} to {high}")
            self.error("E-DSL-ARITY", node, f"{node.name} takes {want} argument{'s' if want != '1' else ''}, "
                                            f"got {n}", f"usage: {spec.signature}")
        if spec.kind == "translate":
            return self.visit_translate(node, spec, scope)
        if spec.kind == "list":
            return self.visit_list_call(node, spec, scope)
        literals = []
        for i, arg in enumerate(node.args):
            param = spec.param_at(i)
            kind = self.visit_value(arg, scope)
            literals.append(arg.value if isinstance(arg, A.Literal) else None)
            if param is not None:
                self.check_argument(node, spec, param, i, arg, kind)
        if spec.check_literals is not None:
            problem = spec.check_literals(tuple(literals))
            if problem is not None:
                index, message = problem
                self.error("E-DSL-ARGUMENT", node.args[index], f"{node.name}: {message}")
        if spec.name == "coalesce":
            kinds = {self._static_kind(a, scope) for a in node.args} - {"null"}
            return kinds.pop() if len(kinds) == 1 else "any"
        if spec.result_path == "element" and node.args:
            path = self.path_of(node, scope)
            if path:
                return self.field_kind(path)[0]
        return spec.returns if "|" not in spec.returns else "any"

    def _static_kind(self, node, scope):
        if isinstance(node, A.Literal):
            return literal_kind(node.value)
        return "any"

    def check_argument(self, call, spec: FunctionSpec, param, index, arg, kind):
        if param.type == "lambda":
            if not isinstance(arg, A.Lambda):
                self.error("E-DSL-LAMBDA", arg, f"{call.name} expects a lambda such as x => … as argument "
                                                f"{index + 1} ({param.name})")
            return
        if not accepts(param.type, kind):
            shown = f" {_show_literal(arg)}" if isinstance(arg, A.Literal) else ""
            self.error("E-DSL-TYPE", arg, f"{call.name} expects {_type_words(param.type)} as argument {index + 1} "
                                          f"({param.name}), got {_words(kind)}{shown}",
                       f"usage: {spec.signature}")
        elif param.type == "integer" and isinstance(arg, A.Literal) and type(arg.value) is Decimal \
                and arg.value != arg.value.to_integral_value():
            self.error("E-DSL-TYPE", arg, f"{call.name} expects a whole number as argument {index + 1} "
                                          f"({param.name}), got {_show_literal(arg)}")

    def visit_list_call(self, node, spec, scope):
        args = node.args
        if not args:
            return spec.returns
        list_kind = self.visit_value(args[0], scope)
        if not accepts("list", list_kind):
            self.error("E-DSL-TYPE", args[0], f"{node.name} expects a list as argument 1, got {_words(list_kind)}")
        base = self.path_of(args[0], scope)
        for i, arg in enumerate(args[1:], start=1):
            param = spec.param_at(i)
            if isinstance(arg, A.Lambda) and param is not None and param.type == "lambda":
                depth = scope.get(_DEPTH, 0) + 1
                if depth > MAX_LAMBDA_NESTING:
                    self.error("E-DSL-LIMIT", arg, f"lambdas are nested more than {MAX_LAMBDA_NESTING} deep",
                               "each level repeats the work for every element; flatten the expression")
                self.check_name(arg, arg.param, "the lambda parameter")
                inner = dict(scope)
                inner[arg.param] = ((base + "[]") if base else None, True)
                inner[_DEPTH] = depth
                self.visit(arg.body, inner, False)
            else:
                self.visit_value(arg, scope)
                if param is not None:
                    self.check_argument(node, spec, param, i, arg, "any")
        if spec.name in ("filter",) and base:
            return "list"
        return spec.returns

    def visit_translate(self, node, spec, scope):
        args = node.args
        if not args:
            return "any"
        table_arg = args[0]
        for arg in args[1:]:
            self.visit_value(arg, scope)
        if not isinstance(table_arg, A.Name) or table_arg.name in scope:
            self.error("E-DSL-TABLE", table_arg, "translate expects the name of a translation table as argument 1",
                       "write translate(table_name, value)")
            self.visit_value(table_arg, scope)
            return "any"
        table = self.tables.get(table_arg.name)
        if table is None:
            names = sorted(self.tables)
            close = difflib.get_close_matches(table_arg.name, names, n=1, cutoff=0.6)
            if close:
                hint = f"did you mean '{close[0]}'?"
            elif names:
                hint = "known tables: " + ", ".join(names)
            else:
                hint = "no translation tables are defined; declare the table in the mapping file"
            self.error("E-DSL-UNKNOWN-TABLE", table_arg, f"unknown translation table '{table_arg.name}'", hint)
            return "any"
        if len(args) >= 2 and len(args) < 3 and not table.has_default and isinstance(args[1], A.Literal) \
                and args[1].value is not None:
            key = args[1].value
            from dsl.tables import lookup_key
            if lookup_key(key) not in {lookup_key(k) for k in table.entries}:
                self.error("E-DSL-TABLE-KEY", args[1], f"table '{table_arg.name}' has no entry for "
                                                       f"{_show_literal(args[1])}",
                           f"add it to the table or give a default: translate({table_arg.name}, value, default)")
        values = {literal_kind(v) if v is None or type(v) in (bool, int, Decimal, str) else "any"
                  for v in table.entries.values()}
        if table.has_default:
            values.add(literal_kind(table.default) if type(table.default) in (bool, int, Decimal, str) or
                       table.default is None else "any")
        values.discard("null")
        return values.pop() if len(values) == 1 else "any"

    def unknown_function(self, node: A.Call) -> None:
        name = node.name
        span = _name_span(node)
        if name in _ALIASES:
            alt = _ALIASES[name]
            hint = f"use {alt}" if alt else ("expressions cannot reach Python: they read the record's fields "
                                             "and call the functions of docs/dsl.md only")
        else:
            close = difflib.get_close_matches(name, list(FUNCTIONS), n=2, cutoff=0.6)
            lowered = name.lower()
            if lowered in FUNCTIONS and lowered not in close:
                close.insert(0, lowered)
            hint = ("did you mean " + " or ".join(close) + "?") if close else "see docs/dsl.md for the functions"
        self.error("E-DSL-UNKNOWN-FUNCTION", span, f"unknown function '{name}'", hint)


def _type_words(declared: str) -> str:
    return " or ".join(_words(t) for t in declared.split("|"))


def _show_literal(node: A.Literal) -> str:
    from dsl.format import format_expression
    return format_expression(node)
