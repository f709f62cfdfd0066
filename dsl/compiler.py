"""AST -> a fast Python function.

The compiler writes Python source from the closed set of AST node types and
compiles it once. No text from the expression ever becomes code: every
literal, key and field name is passed as a constant in the function's globals
(``_c0``, ``_c1``, …), lambda parameters are renamed (``_v0``), and the
generated code only reads dicts/lists with ``.get``/indexing, calls the
registered functions and a few helpers. Its globals hold no builtins except
the handful the generated code uses.

Each generated statement is on its own line and the compiler remembers which
AST node every line belongs to; when anything raises during evaluation, the
line of the traceback names the node, so every runtime error carries the
exact position — at no cost while nothing fails.

A compiled program is a plain Python function (the cheapest thing to call)
carrying the attributes ``text``, ``ast``, ``fields``, ``type``, ``source``
and ``python_source``; :class:`Program` is the protocol it satisfies.
"""

from __future__ import annotations

import itertools
import warnings
import operator
from collections.abc import Mapping
from decimal import Decimal, DecimalException
from typing import Any, Protocol, runtime_checkable

from dsl import ast as A
from dsl import values as V
from dsl.errors import Diagnostic, ExprError, ExprRuntimeError
from dsl.functions import FUNCTIONS, _date_format, _regex, regex_search
from dsl.tables import NO_DEFAULT, CompiledTable, normalize_tables

_FILENAME_COUNTER = itertools.count()
#: indentation depth after which a subtree is moved into its own helper function
_MAX_INDENT = 40


@runtime_checkable
class Program(Protocol):
    """A compiled expression: call it with the environment (a Mapping of top-level names)."""

    text: str
    ast: A.Node
    fields: frozenset
    type: str
    source: str | None

    def __call__(self, env: Mapping) -> Any: ...


_MISS = object()


def _seq(value, fn: str):
    return V.as_list(value, fn)


def _sum_bad(value, fn="sum"):
    raise ExprRuntimeError(f"{fn}: cannot add {V.describe(value)}; sum needs numbers", value=value)


def _sum_plain(items):
    total = 0
    for item in items:
        if type(item) in V.NUMBER_TYPES:
            total = total + item
        elif item is not None:
            _sum_bad(item)
    return total


def _too_long(text):
    V.check_string(text)


def _list_too_long(items):
    V.check_list(items)


def _not_equal(a, b):
    return not V.equal(a, b)


def _date_formatter(fmt: str):
    """format_date with a literal format, prepared once."""
    import datetime as _dt
    template, fields = _date_format(fmt)
    general = FUNCTIONS["format_date"].impl
    if "year2" in fields or not fields:
        return lambda value: general(value, fmt)
    getter = operator.attrgetter(*fields)
    single = len(fields) == 1
    needs_time = any(f in ("hour", "minute", "second") for f in fields)
    date_type = _dt.datetime if needs_time else _dt.date
    from_iso = _dt.date.fromisoformat

    def format_date(value):
        if type(value) is str and len(value) == 10 and not needs_time:
            try:
                value = from_iso(value)
            except ValueError:
                return general(value, fmt)
        if isinstance(value, date_type):
            return template % ((getter(value),) if single else getter(value))
        return general(value, fmt)
    return format_date


# names the generated code may use besides its constants
_HELPERS = {
    "type": type, "len": len, "any": any, "all": all, "str": str, "int": int, "bool": bool, "dict": dict,
    "list": list, "Exception": Exception,
    "_Decimal": Decimal, "_MISS": _MISS, "_NO_DEFAULT": NO_DEFAULT,
    "_arith": V.arith, "_divide": V.divide, "_modulo": V.modulo, "_neg": V.negate, "_cmp": V.compare,
    "_eq": V.equal, "_ne": _not_equal, "_contains": V.contains, "_text": V.to_text, "_attr": V.get_attr,
    "_index": V.get_key, "_seq": _seq, "_sum_plain": _sum_plain, "_sum_bad": _sum_bad, "_too_long": _too_long,
    "_list_too_long": _list_too_long, "_MAX_STRING": V.MAX_STRING, "_MAX_LIST": V.MAX_LIST,
    "_regex_search": regex_search,
}

_COMPARE_PY = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _number_test(atom: str) -> str:
    """Python test that ``atom`` is a language number (bool is not; Decimal is tested first: money)."""
    return f"(type({atom}) is _Decimal or type({atom}) is int)"


def _is_bool(node) -> bool:
    """Does the node's code always give True or False? (Ordering gives null for a null operand.)"""
    if isinstance(node, A.Binary):
        return node.op in ("==", "!=", "in", "not in", "and", "or")
    if isinstance(node, A.Unary):
        return node.op == "not"
    if isinstance(node, A.Literal):
        return type(node.value) is bool
    if isinstance(node, A.Call):
        spec = FUNCTIONS.get(node.name)
        return spec is not None and spec.returns == "boolean"
    return False


class _Function:
    def __init__(self, name: str, params: list[str]) -> None:
        self.name = name
        self.params = params
        self.lines: list[tuple[int, str, A.Node]] = []


class _Generator:
    def __init__(self, tables: dict[str, CompiledTable]) -> None:
        self.tables = tables
        self.globals: dict[str, Any] = {}
        self._const_ids: dict[Any, str] = {}
        self.functions: list[_Function] = []
        self.fn: _Function | None = None
        self.indent = 0
        self._temps = itertools.count()
        self._lambdas = itertools.count()
        self._aux = itertools.count()
        # common path reads: one dict per open block; a temp holding a path value
        # is reused by later reads of the same path in that block and its sub-blocks
        self._paths: list[dict] = [{}]
        self._pinned: set[str] = set()

    # ---------------------------------------------------------------- plumbing

    def const(self, value) -> str:
        if value is None:
            return "None"
        if value is True:
            return "True"
        if value is False:
            return "False"
        try:
            key = (type(value), value)
            hash(key)
        except TypeError:
            key = ("id", id(value))
        name = self._const_ids.get(key)
        if name is None:
            name = f"_c{len(self._const_ids)}"
            self._const_ids[key] = name
            self.globals[name] = value
        return name

    def temp(self) -> str:
        return f"t{next(self._temps)}"

    def emit(self, code: str, node) -> None:
        self.fn.lines.append((self.indent, code, node))

    def owned(self, atom: str) -> bool:
        return atom.startswith("t") and atom[1:].isdigit() and atom not in self._pinned

    def cached_path(self, node, scope) -> str | None:
        key = self.path_key(node, scope)
        if key is None:
            return None
        for level in reversed(self._paths):
            if key in level:
                return level[key]
        return None

    def remember_path(self, node, scope, atom: str) -> str:
        key = self.path_key(node, scope)
        if key is not None and self.owned(atom):
            self._paths[-1][key] = atom
            self._pinned.add(atom)
        return atom

    def path_key(self, node, scope):
        """A hashable identity of a pure path read (``a.b[0]["c"]``), or None."""
        parts = []
        while True:
            if isinstance(node, A.Attr):
                parts.append(node.name)
                node = node.obj
            elif isinstance(node, A.Index) and isinstance(node.index, A.Literal) and (
                    isinstance(node.index.value, str) or type(node.index.value) is int):
                parts.append(node.index.value if isinstance(node.index.value, str) else ("#", node.index.value))
                node = node.obj
            elif isinstance(node, A.Name):
                parts.append(scope.get(node.name, ("env", node.name)))
                return tuple(reversed(parts))
            else:
                return None

    def target(self, atom: str) -> str:
        """A temp to store a result derived from ``atom`` (reusing ``atom`` when it is a temp)."""
        return atom if self.owned(atom) else self.temp()

    # ---------------------------------------------------------------- entry points

    def compile(self, node, scope: dict[str, str]) -> None:
        main = _Function("_program", ["env"])
        self.functions.append(main)
        self.fn = main
        self.indent = 1
        self.emit("try:", node)
        self.indent = 2
        result = self.atom(node, scope)
        self.emit(f"return {result}", node)
        self.indent = 1
        self.emit("except Exception as _e:", node)
        self.indent = 2
        self.emit("raise _locate(_e) from None", node)

    def atom(self, node, scope) -> str:
        """Emit code computing ``node``; return a name (temp, constant, lambda variable) holding it."""
        if self.indent > _MAX_INDENT and not isinstance(node, (A.Literal, A.Name, A.Root)):
            return self.aux(node, scope)
        return getattr(self, "gen_" + type(node).__name__)(node, scope)

    def aux(self, node, scope) -> str:
        """Move a deeply nested subtree into its own function (Python limits indentation)."""
        params = ["env"] + sorted(set(scope.values()))
        fn = _Function(f"_aux{next(self._aux)}", params)
        outer, outer_indent, outer_paths = self.fn, self.indent, self._paths
        self.functions.append(fn)
        self.fn, self.indent, self._paths = fn, 1, [{}]
        result = self.atom(node, scope)
        self.emit(f"return {result}", node)
        self.fn, self.indent, self._paths = outer, outer_indent, outer_paths
        t = self.temp()
        self.emit(f"{t} = {fn.name}({', '.join(params)})", node)
        return t

    def block(self, header: str, node, body) -> None:
        self.emit(header, node)
        self.indent += 1
        self._paths.append({})
        before = len(self.fn.lines)
        body()
        if len(self.fn.lines) == before:
            self.emit("pass", node)
        self._paths.pop()
        self.indent -= 1

    # ---------------------------------------------------------------- leaves and paths

    def gen_Literal(self, node, scope):
        return self.const(node.value)

    def gen_ListLit(self, node, scope):
        items = [self.atom(item, scope) for item in node.items]
        t = self.temp()
        self.emit(f"{t} = [{', '.join(items)}]", node)
        return t

    def gen_Root(self, node, scope):
        return "env"

    def gen_Name(self, node, scope):
        if node.name in scope:
            return scope[node.name]
        cached = self.cached_path(node, scope)
        if cached:
            return cached
        t = self.temp()
        self.emit(f"{t} = env.get({self.const(node.name)})", node)
        return self.remember_path(node, scope, t)

    def gen_Attr(self, node, scope):
        cached = self.cached_path(node, scope)
        if cached:
            return cached
        return self.remember_path(node, scope, self.key_access(node, self.atom(node.obj, scope), node.name))

    def key_access(self, node, obj: str, key: str) -> str:
        if obj in ("None", "True", "False"):  # null/true/false have no keys
            return "None"
        k = self.const(key)
        t = self.target(obj)
        self.emit(f"{t} = {obj}.get({k}) if type({obj}) is dict else (None if {obj} is None else _attr({obj}, {k}))",
                  node)
        return t

    def gen_Index(self, node, scope):
        cached = self.cached_path(node, scope)
        if cached:
            return cached
        return self.remember_path(node, scope, self.index(node, scope))

    def index(self, node, scope):
        obj = self.atom(node.obj, scope)
        if obj in ("None", "True", "False"):  # null/true/false have no positions
            self.atom(node.index, scope)
            return "None"
        index = node.index
        if isinstance(index, A.Literal) and isinstance(index.value, str):
            return self.key_access(node, obj, index.value)
        if isinstance(index, A.Literal) and type(index.value) is int and index.value >= 0:
            i = self.const(index.value)
            t = self.target(obj)
            self.emit(f"{t} = {obj}[{i}] if type({obj}) is list and len({obj}) > {i} else _index({obj}, {i})", node)
            return t
        key = self.atom(index, scope)
        t = self.target(obj)
        self.emit(f"{t} = _index({obj}, {key})", node)
        return t

    # ---------------------------------------------------------------- operators

    def gen_Unary(self, node, scope):
        a = self.atom(node.operand, scope)
        t = self.target(a)
        if node.op == "not":
            self.emit(f"{t} = not {a}", node)
        else:
            self.emit(f"{t} = -{a} if {_number_test(a)} else _neg({a})", node)
        return t

    def gen_If(self, node, scope):
        cond = self.atom(node.cond, scope)
        t = self.temp()
        self.block(f"if {cond}:", node, lambda: self.assign(t, node.then, scope))
        self.block("else:", node, lambda: self.assign(t, node.else_, scope))
        return t

    def assign(self, t: str, node, scope, as_bool: bool = False) -> None:
        value = self.atom(node, scope)
        if as_bool and not _is_bool(node):
            self.emit(f"{t} = True if {value} else False", node)
        elif value != t:
            self.emit(f"{t} = {value}", node)

    def gen_Binary(self, node, scope):
        op = node.op
        if op in ("and", "or"):
            return self.logic(node, scope)
        if op == "??":
            t = self.temp()
            self.assign(t, node.left, scope)
            self.block(f"if {t} is None:", node, lambda: self.assign(t, node.right, scope))
            return t
        if op == "~":
            return self.concat(node, scope)
        left, right = node.left, node.right
        a = self.atom(left, scope)
        if op in ("in", "not in"):
            fast = self.literal_set(right)
            t = self.temp()
            neg = "not " if op == "not in" else ""
            if fast is not None:  # the list literal itself is never built
                guard, members = fast
                self.emit(f"{t} = {neg}({guard.format(a)} and {a} in {members})", node)
            else:
                b = self.atom(right, scope)
                self.emit(f"{t} = {neg}_contains({b}, {a})", node)
            return t
        b = self.atom(right, scope)
        t = self.temp()
        lit_a = isinstance(left, A.Literal)
        lit_b = isinstance(right, A.Literal)
        if op in ("+", "-", "*", "/", "%"):
            checks = [_number_test(x) for x, lit, n in ((a, lit_a, left), (b, lit_b, right))
                      if not (lit and type(n.value) in (int, Decimal))]
            guard = " and ".join(checks) or "True"
            fast = {"+": f"{a} + {b}", "-": f"{a} - {b}", "*": f"{a} * {b}",
                    "/": f"_divide({a}, {b})", "%": f"_modulo({a}, {b})"}[op]
            self.emit(f"{t} = {fast} if {guard} else _arith({self.const(op)}, {a}, {b})", node)
            return t
        if op in ("==", "!="):
            self.emit(f"{t} = {self.equality(a, b, left, right, op == '!=')}", node)
            return t
        if op in _COMPARE_PY:
            py = _COMPARE_PY[op]
            if lit_b and isinstance(right.value, str):
                guard = f"type({a}) is str"
            elif lit_a and isinstance(left.value, str):
                guard = f"type({b}) is str"
            else:
                guard = " and ".join(_number_test(x) for x, lit, n in ((a, lit_a, left), (b, lit_b, right))
                                     if not (lit and type(n.value) in (int, Decimal))) or "True"
            self.emit(f"{t} = {a} {py} {b} if {guard} else _cmp({self.const(op)}, {a}, {b})", node)
            return t
        raise AssertionError(op)  # pragma: no cover

    def equality(self, a, b, left, right, negate: bool) -> str:
        for x, other in ((a, right), (b, left)):
            if isinstance(other, A.Literal):
                value = other.value
                y = b if x == a else a
                if value is None:
                    return f"{x} is {'not ' if negate else ''}None"
                if type(value) is bool:
                    return f"{x} is {'not ' if negate else ''}{y}"
                if isinstance(value, str):
                    return f"{x} {'!=' if negate else '=='} {y}"
                if value in (0, 1):
                    if negate:
                        return f"not ({x} == {y} and type({x}) is not bool)"
                    return f"{x} == {y} and type({x}) is not bool"
                return f"{x} {'!=' if negate else '=='} {y}"
        return f"{'_ne' if negate else '_eq'}({a}, {b})"

    def literal_set(self, node):
        """(guard template, constant set) for ``x in [literal, …]`` when a set lookup is exact."""
        if not isinstance(node, A.ListLit) or not node.items or not all(isinstance(i, A.Literal) for i in node.items):
            return None
        values = [i.value for i in node.items]
        if all(isinstance(v, str) for v in values):
            return "type({0}) is str", self.const(frozenset(values))
        if all(type(v) in (int, Decimal) for v in values):
            return _number_test("{0}"), self.const(frozenset(values))
        return None

    def logic(self, node, scope):
        op = node.op
        operands = []
        n = node
        while isinstance(n, A.Binary) and n.op == op:
            operands.append(n.right)
            n = n.left
        operands.append(n)
        operands.reverse()
        first = self.atom(operands[0], scope)
        if _is_bool(operands[0]) and self.owned(first):
            t = first
        else:
            t = self.temp()
            self.emit(f"{t} = {first}" if _is_bool(operands[0]) else f"{t} = True if {first} else False",
                      operands[0])
        test = f"if {t}:" if op == "and" else f"if not {t}:"
        for operand in operands[1:]:
            self.block(test, node, lambda o=operand: self.assign(t, o, scope, as_bool=True))
        return t

    def concat(self, node, scope):
        operands = []
        n = node
        while isinstance(n, A.Binary) and n.op == "~":
            operands.append(n.right)
            n = n.left
        operands.append(n)
        operands.reverse()
        parts: list[str] = []
        pending = ""  # adjacent literal texts, joined at compile time
        for operand in operands:
            if isinstance(operand, A.Literal):
                pending += V.to_text(operand.value)
                continue
            if pending:
                parts.append(self.const(pending))
                pending = ""
            a = self.atom(operand, scope)
            s = self.target(a)
            self.emit(f"{s} = {a} if type({a}) is str else _text({a})", operand)
            parts.append(s)
        if pending:
            parts.append(self.const(pending))
        if not parts:
            return self.const("")
        t = self.temp()
        if len(parts) == 1:
            self.emit(f"{t} = {parts[0]}", node)
        elif len(parts) <= 6:
            self.emit(f"{t} = {' + '.join(parts)}", node)
        else:
            self.emit(f"{t} = ''.join(({', '.join(parts)},))", node)
        self.emit(f"if len({t}) > _MAX_STRING: _too_long({t})", node)
        return t

    # ---------------------------------------------------------------- calls

    def gen_Call(self, node, scope):
        spec = FUNCTIONS[node.name]
        if spec.kind == "translate":
            return self.translate(node, scope)
        if spec.kind == "list":
            return self.list_call(node, spec, scope)
        if spec.kind == "coalesce":
            t = self.temp()
            if not node.args:
                self.emit(f"{t} = None", node)
                return t
            self.assign(t, node.args[0], scope)
            for arg in node.args[1:]:
                self.block(f"if {t} is None:", node, lambda a=arg: self.assign(t, a, scope))
            return t
        args = [self.atom(arg, scope) for arg in node.args]
        t = self.temp()
        inline = self.inline_call(node, args)
        if inline is not None:
            self.emit(f"{t} = {inline}", node)
        else:
            fn = self.const(spec.impl)
            self.emit(f"{t} = {fn}({', '.join(args)})", node)
        return t

    def inline_call(self, node, args) -> str | None:
        """Cheap spellings of a few hot functions; the registered function handles every other case."""
        name = node.name
        fn = self.const(FUNCTIONS[name].impl)
        if name in ("upper", "lower") and len(args) == 1:
            a = args[0]
            return f"{a}.{name}() if type({a}) is str else {fn}({a})"
        if name == "trim" and len(args) == 1:
            a = args[0]
            return f"{a}.strip() if type({a}) is str else {fn}({a})"
        if name == "len" and len(args) == 1:
            a = args[0]
            return f"len({a}) if type({a}) is str or type({a}) is list else {fn}({a})"
        if name == "left" and len(args) == 2 and isinstance(node.args[1], A.Literal) \
                and type(node.args[1].value) is int and node.args[1].value >= 0:
            # left(name, 90): mappings cut texts to POHODA's lengths in every record
            a = args[0]
            return f"{a}[:{node.args[1].value}] if type({a}) is str else {fn}({a}, {args[1]})"
        if name == "format_date" and len(args) == 2 and isinstance(node.args[1], A.Literal) \
                and isinstance(node.args[1].value, str):
            formatter = self.const(_date_formatter(node.args[1].value))
            return f"{formatter}({args[0]})"
        if name == "regex_match" and len(args) == 2 and isinstance(node.args[1], A.Literal) \
                and isinstance(node.args[1].value, str):
            rx = self.const(_regex(node.args[1].value))
            a = args[0]
            return f"_regex_search({rx}, {a}) if type({a}) is str else {fn}({a}, {args[1]})"
        if name == "round" and len(args) == 2 and isinstance(node.args[1], A.Literal) \
                and type(node.args[1].value) is int and 0 <= node.args[1].value <= 20:
            # a result too large for the context raises InvalidOperation: reported at this call
            quantum = self.const(Decimal(1).scaleb(-node.args[1].value))
            a = args[0]
            return f"{a}.quantize({quantum}, _ROUND_HALF_UP) if type({a}) is _Decimal else {fn}({a}, {args[1]})"
        if name == "replace" and len(args) == 3 and all(
                isinstance(n, A.Literal) and isinstance(n.value, str) for n in node.args[1:]) \
                and node.args[1].value and len(node.args[2].value) <= len(node.args[1].value):
            a = args[0]
            return f"{a}.replace({args[1]}, {args[2]}) if type({a}) is str else {fn}({a}, {args[1]}, {args[2]})"
        return None

    def translate(self, node, scope):
        table = self.tables[node.args[0].name]
        entries = self.const(table.entries)
        missing = self.const(table.missing)
        v = self.atom(node.args[1], scope)
        t = self.temp()
        if any(type(k) in (int, Decimal) and k in (0, 1) for k in table.entries):
            # True/False would find the keys 1/0: booleans take the slow path
            self.emit(f"{t} = {entries}.get({v}, _MISS) if type({v}) is not bool else _MISS", node)
        else:  # an unhashable value raises TypeError here, reported at this call
            self.emit(f"{t} = {entries}.get({v}, _MISS)", node)

        def on_miss():
            if len(node.args) > 2:
                d = self.atom(node.args[2], scope)
                self.emit(f"{t} = {missing}({v}, {d})", node)
            else:
                self.emit(f"{t} = {missing}({v})", node)
        self.block(f"if {t} is _MISS:", node, on_miss)
        return t

    def list_call(self, node, spec, scope):
        name = node.name
        items = self.atom(node.args[0], scope)
        s = self.target(items)
        self.emit(f"{s} = {items} if type({items}) is list else _seq({items}, {self.const(name)})", node)
        lam = node.args[1] if len(node.args) > 1 else None
        t = self.temp()
        if lam is None:
            plain = {"any": f"any({s})", "all": f"all({s})", "count": f"len({s})", "sum": f"_sum_plain({s})"}
            self.emit(f"{t} = {plain[name]}", node)
            return t
        var = f"_v{next(self._lambdas)}"
        inner = dict(scope)
        inner[lam.param] = var
        start = {"any": "False", "all": "True", "count": "0", "sum": "0", "filter": "[]", "map": "[]"}[name]
        self.emit(f"{t} = {start}", node)

        def body():
            b = self.atom(lam.body, inner)
            if name == "any":
                self.block(f"if {b}:", lam, lambda: (self.emit(f"{t} = True", lam), self.emit("break", lam)))
            elif name == "all":
                self.block(f"if not {b}:", lam, lambda: (self.emit(f"{t} = False", lam), self.emit("break", lam)))
            elif name == "count":
                self.block(f"if {b}:", lam, lambda: self.emit(f"{t} += 1", lam))
            elif name == "sum":
                self.block(f"if {_number_test(b)}:", lam, lambda: self.emit(f"{t} = {t} + {b}", lam))
                self.block(f"elif {b} is not None:", lam, lambda: self.emit(f"_sum_bad({b})", lam))
            elif name == "filter":
                self.block(f"if {b}:", lam, lambda: self.emit(f"{t}.append({var})", lam))
            else:
                self.emit(f"{t}.append({b})", lam)
        self.block(f"for {var} in {s}:", node, body)
        if name in ("filter", "map"):
            self.emit(f"if len({t}) > _MAX_LIST: _list_too_long({t})", node)
        return t

    def gen_Lambda(self, node, scope):  # pragma: no cover - the checker refuses stray lambdas
        raise AssertionError("lambda outside a list function")

    # ---------------------------------------------------------------- assembly

    def source(self) -> tuple[str, list[A.Node | None]]:
        lines: list[str] = []
        owners: list[A.Node | None] = [None]  # line numbers are 1-based
        for fn in self.functions:
            lines.append(f"def {fn.name}({', '.join(fn.params)}):")
            owners.append(fn.lines[0][2] if fn.lines else None)
            for indent, code, node in fn.lines:
                lines.append("    " * indent + code)
                owners.append(node)
        return "\n".join(lines) + "\n", owners


def compile_program(node: A.Node, *, text: str, tables=None, source: str | None = None,
                    fields: frozenset = frozenset(), result_type: str = "any"):
    """Generate, compile and return the program function for a checked AST."""
    compiled_tables = {name: CompiledTable(name, table) for name, table in normalize_tables(tables).items()}
    gen = _Generator(compiled_tables)
    gen.compile(node, {})
    py_source, owners = gen.source()
    filename = f"<rpsync-expression-{next(_FILENAME_COUNTER)}>"
    namespace: dict[str, Any] = {"__builtins__": {}, **_HELPERS, **gen.globals}
    from decimal import ROUND_HALF_UP
    namespace["_ROUND_HALF_UP"] = ROUND_HALF_UP
    namespace["_locate"] = _Locator(filename, owners, text, source, node)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. SyntaxWarning for constant operands; semantics are ours
        code = compile(py_source, filename, "exec")
    exec(code, namespace)  # noqa: S102 - source generated from the AST only, see module docstring
    fn = namespace["_program"]
    fn.__name__ = fn.__qualname__ = "dsl_program"
    fn.__doc__ = f"rpsync expression: {text}"
    fn.text = text
    fn.ast = node
    fn.fields = fields
    fn.type = result_type
    fn.source = source
    fn.python_source = py_source
    return fn


class _Locator:
    """Turns any exception raised inside a program into an ExprRuntimeError at the failing node."""

    def __init__(self, filename, owners, text, source, root) -> None:
        self.filename = filename
        self.owners = owners
        self.text = text
        self.source = source
        self.root = root

    def __call__(self, exc: BaseException) -> ExprRuntimeError:
        node = self.root
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.filename and 0 < tb.tb_lineno < len(self.owners):
                node = self.owners[tb.tb_lineno] or node
            tb = tb.tb_next
        message, hint, value = self.describe(exc, node)
        s = node.span
        diag = Diagnostic("E-DSL-RUNTIME", message, s.line, s.column, s.end_line, s.end_column, hint)
        return ExprRuntimeError(diag, text=self.text, source=self.source, value=value)

    def describe(self, exc, node):
        if isinstance(exc, ExprError):
            return exc.message, exc.hint, getattr(exc, "value", None)
        if isinstance(exc, DecimalException):
            return "a number became too large (or too precise) to compute exactly here", None, None
        if isinstance(exc, MemoryError):
            return "evaluating this ran out of memory", "the record's values are too large for this expression", None
        if isinstance(exc, RecursionError):
            return "a value is nested too deeply to evaluate", None, None
        if isinstance(node, A.Call) and node.name == "translate" and isinstance(exc, TypeError):
            return ("translate: the value to look up must be text or a number, not a list or an object",
                    None, None)
        if isinstance(node, (A.Name, A.Root)) and isinstance(exc, (AttributeError, TypeError)):
            return ("the environment must be a mapping of names to values", "pass a dict such as {\"name\": …}",
                    None)
        # anything else is a bug in rpsync, but still reported in the language's terms
        return (f"evaluating this failed unexpectedly ({type(exc).__name__}: {exc})",
                "please report this to the rpsync maintainers", None)

