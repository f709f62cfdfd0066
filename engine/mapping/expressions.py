"""Every expression in a mapping file, checked by the dsl checker at its YAML position.

:func:`sites` finds each expression (filters, triggers, states, record checks,
field bindings, the export block) together with the record it reads — the
field catalog the checker looks names up in. :func:`check` runs
``dsl.check`` on each and moves the positions it reports (relative to the
expression text) to the line and column in the YAML file, through quoted and
block scalars alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import dsl

from engine.mapping.agendas import AGENDAS, TO_POHODA, binding_sets
from engine.mapping.diagnostics import Diagnostic, expression_code
from engine.catalogs import FieldInfo
from engine.mapping.fields import POHODA, RAYNET, CatalogView, copy_problem, is_custom_field, is_group, type_words
from engine.mapping.loader import YamlMap, YamlNode, YamlScalar


@dataclass(frozen=True)
class Target:
    """The field a binding expression writes."""

    view: CatalogView
    path: str
    label: str  # "binding 'name'"
    key: str  # to_pohoda | to_raynet


#: what a site's expression must give
TRUTH = "boolean"
TEXT = "string"


@dataclass(frozen=True)
class ExpressionSite:
    """One expression of the mapping: where it is, which record it reads, what it must give."""

    path: tuple
    node: YamlScalar
    reads: CatalogView
    #: TRUTH, TEXT, a Target field, or None (anything)
    gives: object = None

    @property
    def text(self) -> str:
        return self.node.value


def _map(node: YamlNode | None) -> YamlMap | None:
    return node if isinstance(node, YamlMap) else None


def _expr(node: YamlNode | None) -> YamlScalar | None:
    if isinstance(node, YamlScalar) and isinstance(node.value, str) and node.value.strip():
        return node
    return None


def sites(root: YamlMap) -> Iterator[ExpressionSite]:
    """Every expression in a merged mapping tree, with the record it reads."""
    agendas = _map(root.get("agendas"))
    for spec in AGENDAS:
        agenda = _map(agendas.get(spec.id)) if agendas else None
        if agenda is None:
            continue
        base = ("agendas", spec.id)
        raynet = CatalogView(RAYNET, spec.raynet_side.catalog, spec.raynet_side.prefix)
        pohoda = CatalogView(POHODA, spec.pohoda_side.catalog, spec.pohoda_side.prefix)
        filt = _map(agenda.get("filter"))
        if filt is not None:
            for key, view in (("to_pohoda", raynet), ("to_raynet", pohoda)):
                node = _expr(filt.get(key))
                if node is not None:
                    yield ExpressionSite(base + ("filter", key), node, view, TRUTH)
        for key, view, gives in (("trigger_to_pohoda", raynet, TRUTH), ("state", pohoda, TEXT)):
            node = _expr(agenda.get(key))
            if node is not None:
                yield ExpressionSite(base + (key,), node, view, gives)
        checks = _map(agenda.get("checks"))
        for name, entry in (checks.entries.items() if checks else ()):
            check = _map(entry.node)
            node = _expr(check.get("rule")) if check else None
            if node is not None:
                direction = check.get("direction")
                to_pohoda = isinstance(direction, YamlScalar) and direction.value == TO_POHODA
                yield ExpressionSite(base + ("checks", name, "rule"), node, raynet if to_pohoda else pohoda, TRUTH)
        for bset in binding_sets(spec.id):
            group = _map(agenda.get(bset.key))
            for name, entry in (group.entries.items() if group else ()):
                binding = _map(entry.node)
                if binding is None:
                    continue
                for key, side, out in (("to_pohoda", bset.raynet, bset.pohoda), ("to_raynet", bset.pohoda, bset.raynet)):
                    node = _expr(binding.get(key))
                    if node is None:
                        continue
                    reads_side, writes_side = (RAYNET, POHODA) if key == "to_pohoda" else (POHODA, RAYNET)
                    view = CatalogView(reads_side, side.catalog, side.prefix)
                    written = _expr(binding.get(writes_side))
                    target = Target(CatalogView(writes_side, out.catalog, out.prefix), written.value,
                                    f"binding '{name}'", key) if written is not None else None
                    yield ExpressionSite(base + (bset.key, name, key), node, view, target)
    export = _map(root.get("export"))
    if export is not None:
        view = CatalogView(RAYNET, "businessCase")
        for key, gives in (("filter", TRUTH), ("file_name", TEXT)):
            node = _expr(export.get(key))
            if node is not None:
                yield ExpressionSite(("export", key), node, view, gives)


def table_entries(entries: YamlNode | None) -> dict:
    """A table's entries with keys as YAML typed them: ``21: high`` is looked up with the number 21."""
    if not isinstance(entries, YamlMap):
        return {}
    return {(e.key_value if e.key_value is not None else k): e.node.to_plain() for k, e in entries.entries.items()}


def tables_of(root: YamlMap) -> dict[str, "dsl.Table"]:
    """The mapping's translation tables as the dsl takes them (entries plus default)."""
    out = {}
    tables = _map(root.get("tables"))
    for name, entry in (tables.entries.items() if tables else ()):
        table = _map(entry.node)
        plain = table_entries(table.get("entries") if table else None)
        default = table.get("default") if table else None
        if isinstance(default, YamlScalar) and default.value is not None:
            out[name] = dsl.Table(plain, default=default.value)
        else:
            out[name] = dsl.Table(plain)
    return out


def check(root: YamlMap) -> list[Diagnostic]:
    """Every problem the dsl checker finds in the mapping's expressions, at YAML positions, and
    results that do not fit where they go (a filter that gives text, a date field given text)."""
    tables = tables_of(root)
    key = _tables_key(tables)
    out = []
    for site in sites(root):
        checked = _check_cached(site.text, site.reads, tables, key)
        for d in checked.diagnostics:
            out.append(Diagnostic(
                expression_code(_short_code(d.code)), d.message, site.node.position_in_text(d.line, d.column),
                hint=d.hint))
        if not checked.diagnostics:
            out += _result_problems(site, checked)
    return out


_KIND_TO_TYPE = {"string": "string", "integer": "integer", "number": "decimal", "boolean": "boolean",
                 "date": "date", "datetime": "datetime", "list": "list", "object": "object"}
_KIND_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "date": "a date", "datetime": "a date and time", "list": "a list", "object": "a group of fields"}


def _result_problems(site: ExpressionSite, checked: "_Checked") -> list[Diagnostic]:
    kind = checked.kind
    where = site.node.pos
    if site.gives == TRUTH and kind in _KIND_TO_TYPE and kind != "boolean":
        return [Diagnostic(expression_code("result-type"), f"{site.path[-1]} must give true or false; this "
                           f"expression gives {_KIND_WORDS[kind]}", where,
                           hint="compare it, e.g. status == \"E_WIN\"")]
    if site.gives == TEXT and kind in ("boolean", "list", "object"):
        return [Diagnostic(expression_code("result-type"), f"{site.path[-1]} must give text; this expression "
                           f"gives {_KIND_WORDS[kind]}", where)]
    if isinstance(site.gives, Target):
        return _target_problems(site, site.gives, checked)
    return []


def _target_problems(site: ExpressionSite, target: Target, checked: "_Checked") -> list[Diagnostic]:
    if target.view.side == RAYNET and is_custom_field(target.path):
        return []
    info = target.view.lookup(target.path)
    if info is None or is_group(info):
        return []  # reported by the binding checks
    out = []
    kind = checked.kind
    if kind in _KIND_TO_TYPE:
        problem = copy_problem(FieldInfo(path=target.key, type=_KIND_TO_TYPE[kind]), info)
        if problem is not None:
            severity, _reason = problem
            out.append(Diagnostic(
                "field-type", f"{target.label}: {target.key} gives {_KIND_WORDS[kind]}, but "
                              f"{target.view.title} field {target.path} is {type_words(info)}", site.node.pos,
                severity=severity, hint="convert the value in the expression (e.g. parse_date, decimal, str)"))
    if isinstance(checked.literal, str) and info.max_length and len(checked.literal) > info.max_length:
        out.append(Diagnostic(
            "field-length", f"{target.label}: {target.key} gives {len(checked.literal)} characters, but "
                            f"{target.view.title} field {target.path} holds at most {info.max_length}",
            site.node.pos, hint=f"shorten the text to {info.max_length} characters"))
    return out


def _short_code(code: str | None) -> str | None:
    """``E-DSL-UNKNOWN-FIELD`` → ``unknown-field`` (the part after the dsl's prefix, lower case)."""
    if not code:
        return None
    text = code
    for prefix in ("E-DSL-", "E-DSL"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return text.lower() or None


def _tables_key(tables: dict) -> tuple:
    return tuple(sorted((name, tuple(sorted(map(str, t.entries))), bool(getattr(t, "has_default", False)))
                        for name, t in tables.items()))


@dataclass(frozen=True)
class _Checked:
    diagnostics: tuple
    #: the static kind of the result (dsl kinds: string, number, boolean, …; "any" when unknown)
    kind: str = "any"
    #: the value when the whole expression is one literal, else None
    literal: object = None


#: the same expression read against the same record with the same tables checks the same:
#: validating 50 overlays of the standard mapping checks the standard's expressions once
_CHECKED: dict[tuple, _Checked] = {}
_CHECKED_LIMIT = 20_000


def _check_cached(text: str, view: CatalogView, tables: dict, tables_key: tuple) -> _Checked:
    key = (text, view, tables_key)
    found = _CHECKED.get(key)
    if found is None:
        if len(_CHECKED) >= _CHECKED_LIMIT:
            _CHECKED.clear()
        diagnostics = tuple(dsl.check(text, tables=tables, catalog=view))
        if diagnostics:
            found = _Checked(diagnostics)
        else:
            program = dsl.compile(text, tables=tables, catalog=view)
            literal = program.ast.value if isinstance(program.ast, dsl.ast.Literal) else None
            found = _Checked((), program.type, literal)
        _CHECKED[key] = found
    return found
