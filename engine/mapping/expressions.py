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
from engine.mapping.fields import POHODA, RAYNET, CatalogView
from engine.mapping.loader import YamlMap, YamlNode, YamlScalar


@dataclass(frozen=True)
class ExpressionSite:
    """One expression of the mapping: where it is, and which record it reads."""

    path: tuple
    node: YamlScalar
    reads: CatalogView

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
                    yield ExpressionSite(base + ("filter", key), node, view)
        for key, view in (("trigger_to_pohoda", raynet), ("state", pohoda)):
            node = _expr(agenda.get(key))
            if node is not None:
                yield ExpressionSite(base + (key,), node, view)
        checks = _map(agenda.get("checks"))
        for name, entry in (checks.entries.items() if checks else ()):
            check = _map(entry.node)
            node = _expr(check.get("rule")) if check else None
            if node is not None:
                direction = check.get("direction")
                to_pohoda = isinstance(direction, YamlScalar) and direction.value == TO_POHODA
                yield ExpressionSite(base + ("checks", name, "rule"), node, raynet if to_pohoda else pohoda)
        for bset in binding_sets(spec.id):
            group = _map(agenda.get(bset.key))
            for name, entry in (group.entries.items() if group else ()):
                binding = _map(entry.node)
                if binding is None:
                    continue
                for key, side in (("to_pohoda", bset.raynet), ("to_raynet", bset.pohoda)):
                    node = _expr(binding.get(key))
                    if node is not None:
                        view = CatalogView(RAYNET if key == "to_pohoda" else POHODA, side.catalog, side.prefix)
                        yield ExpressionSite(base + (bset.key, name, key), node, view)
    export = _map(root.get("export"))
    if export is not None:
        view = CatalogView(RAYNET, "businessCase")
        for key in ("filter", "file_name"):
            node = _expr(export.get(key))
            if node is not None:
                yield ExpressionSite(("export", key), node, view)


def tables_of(root: YamlMap) -> dict[str, "dsl.Table"]:
    """The mapping's translation tables as the dsl takes them (entries plus default)."""
    out = {}
    tables = _map(root.get("tables"))
    for name, entry in (tables.entries.items() if tables else ()):
        table = _map(entry.node)
        entries = _map(table.get("entries")) if table else None
        # keys as YAML typed them: `21: high` is looked up with the number 21
        plain = {(e.key_value if e.key_value is not None else k): e.node.to_plain()
                 for k, e in (entries.entries.items() if entries else ())}
        default = table.get("default") if table else None
        if isinstance(default, YamlScalar) and default.value is not None:
            out[name] = dsl.Table(plain, default=default.value)
        else:
            out[name] = dsl.Table(plain)
    return out


def check(root: YamlMap) -> list[Diagnostic]:
    """Every problem the dsl checker finds in the mapping's expressions, at YAML positions."""
    tables = tables_of(root)
    key = _tables_key(tables)
    out = []
    for site in sites(root):
        for d in _check_cached(site.text, site.reads, tables, key):
            out.append(Diagnostic(
                expression_code(_short_code(d.code)), d.message, site.node.position_in_text(d.line, d.column),
                hint=d.hint))
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


#: the same expression read against the same record with the same tables checks the same:
#: validating 50 overlays of the standard mapping checks the standard's expressions once
_CHECKED: dict[tuple, tuple] = {}
_CHECKED_LIMIT = 20_000


def _check_cached(text: str, view: CatalogView, tables: dict, tables_key: tuple) -> tuple:
    key = (text, view, tables_key)
    found = _CHECKED.get(key)
    if found is None:
        if len(_CHECKED) >= _CHECKED_LIMIT:
            _CHECKED.clear()
        found = _CHECKED[key] = tuple(dsl.check(text, tables=tables, catalog=view))
    return found
