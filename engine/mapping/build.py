"""Build the typed model from a merged mapping tree that passed validation."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from engine.mapping import model as m
from engine.mapping.agendas import AGENDAS, BindingSet, binding_sets
from engine.mapping.diagnostics import Diagnostic
from engine.mapping.expressions import ExpressionSite, sites, table_entries
from engine.mapping.loader import YamlMap, YamlNode, YamlScalar
from engine.mapping.overlays import Resolved
from engine.mapping.semantic import agenda_direction, binding_ways


def build(resolved: Resolved, warnings: list[Diagnostic]) -> m.Mapping:
    root = resolved.merged
    assert root is not None
    exprs = {site.path: site for site in sites(root)}
    b = _Builder(root, exprs)
    tables = b.tables()
    return m.Mapping(
        version=root.get("version").value,
        path=resolved.path,
        sources=tuple(f.path for f in resolved.files),
        agendas=b.agendas(tables),
        tables=MappingProxyType(tables),
        price_lists=b.price_lists(),
        currencies=b.currencies(),
        items=m.ItemRules(**b.plain(("items",), {})),
        settings=m.Settings(**b.plain(("settings",), {})),
        pohoda=m.PohodaSettings(**b.plain(("pohoda",), {})),
        raynet=m.RaynetSettings(**b.plain(("raynet",), {})),
        export=m.Export(filter=b.expr(("export", "filter")), file_name=b.expr(("export", "file_name"))),
        description=b.plain(("description",), None),
        warnings=tuple(warnings),
    )


class _Builder:
    def __init__(self, root: YamlMap, exprs: dict[tuple, ExpressionSite]) -> None:
        self.root = root
        self.exprs = exprs

    def node(self, path: tuple) -> YamlNode | None:
        node: YamlNode | None = self.root
        for step in path:
            if not isinstance(node, YamlMap):
                return None
            node = node.get(step)
        return node

    def plain(self, path: tuple, default: Any) -> Any:
        node = self.node(path)
        return node.to_plain() if node is not None else default

    def expr(self, path: tuple) -> m.Expression | None:
        site = self.exprs.get(path)
        if site is None:
            return None
        return m.Expression(site.text, site.node.pos, site.reads, site.node)

    def entries(self, path: tuple) -> list[tuple[str, YamlMap]]:
        node = self.node(path)
        if not isinstance(node, YamlMap):
            return []
        return [(k, e.node) for k, e in node.entries.items() if isinstance(e.node, YamlMap)]

    # --- top level ----------------------------------------------------------------------------------------------
    def tables(self) -> dict[str, m.TranslationTable]:
        out = {}
        for name, table in self.entries(("tables",)):
            default = table.get("default")
            out[name] = m.TranslationTable(
                name=name,
                entries=MappingProxyType(table_entries(table.get("entries"))),
                keys=self.plain(("tables", name, "keys"), None),
                default=default.value if isinstance(default, YamlScalar) else None,
                has_default=default is not None,
                description=self.plain(("tables", name, "description"), None),
                position=table.pos,
            )
        return out

    def price_lists(self) -> tuple[m.PriceList, ...]:
        return tuple(
            m.PriceList(name=name, pohoda=pl.get("pohoda").value, raynet=pl.get("raynet").value,
                        currency=pl.get("currency").value,
                        create_missing=self.plain(("price_lists", name, "create_missing"), True), position=pl.pos)
            for name, pl in self.entries(("price_lists",)))

    def currencies(self) -> m.Currencies:
        return m.Currencies(home=self.plain(("currencies", "home"), "CZK"),
                            foreign=tuple(self.plain(("currencies", "foreign"), ())))

    # --- agendas ------------------------------------------------------------------------------------------------
    def agendas(self, tables: dict[str, m.TranslationTable]) -> m.Agendas:
        built = {spec.id: self.agenda(spec.id, tables) for spec in AGENDAS}
        return m.Agendas(**built)

    def agenda(self, agenda_id: str, tables: dict[str, m.TranslationTable]) -> m.Agenda:
        base = ("agendas", agenda_id)
        node = self.node(base)
        agenda = node if isinstance(node, YamlMap) else None
        direction = agenda_direction(agenda, agenda_id)
        common: dict[str, Any] = dict(
            id=agenda_id,
            enabled=True if agenda_id == "address_book" else bool(self.plain(base + ("enabled",), False)),
            direction=direction,
            filter=self.filter(base + ("filter",)),
            checks=self.checks(base),
            match=tuple(self.plain(base + ("match",), ())),
            on_conflict=self.plain(base + ("on_conflict",), None),
            position=agenda.pos if agenda is not None else None,
        )
        groups = {bset.key: self.bindings(bset, agenda, direction) for bset in binding_sets(agenda_id)}
        common["fields"] = groups.pop("fields")
        extra: dict[str, Any] = dict(groups)
        own = {k: self.plain(base + (k,), None) for k in _OWN_KEYS.get(agenda_id, ())}
        extra.update({k: v for k, v in own.items() if v is not None})
        if agenda_id in ("contracts", "offers", "received_orders", "issued_invoices"):
            extra["trigger_to_pohoda"] = self.expr(base + ("trigger_to_pohoda",))
        if agenda_id == "received_orders":
            extra["state"] = self.expr(base + ("state",))
        for key in ("phase_table", "status_table"):
            if key in extra:
                extra[key] = tables.get(extra[key])
        if "kinds" in extra:
            extra["kinds"] = tuple(extra["kinds"])
        if agenda_id == "stock":
            extra["store_quantities"] = tuple(
                m.StoreQuantity(name=n, store=q.get("store").value, raynet=q.get("raynet").value, position=q.pos)
                for n, q in self.entries(base + ("store_quantities",)))
        return m.AGENDA_CLASSES[agenda_id](**common, **extra)

    def filter(self, path: tuple) -> m.Filter:
        select = self.plain(path + ("pohoda_select",), {})
        return m.Filter(
            to_pohoda=self.expr(path + ("to_pohoda",)),
            to_raynet=self.expr(path + ("to_raynet",)),
            pohoda_select=m.PohodaSelect(**{k: tuple(v) if isinstance(v, list) else v for k, v in select.items()}),
        )

    def checks(self, base: tuple) -> tuple[m.RecordCheck, ...]:
        out = []
        for name, check in self.entries(base + ("checks",)):
            path = base + ("checks", name)
            out.append(m.RecordCheck(
                name=name, direction=check.get("direction").value, rule=self.expr(path + ("rule",)),
                message=check.get("message").value, field=self.plain(path + ("field",), None),
                rule_id=self.plain(path + ("rule_id",), None), position=check.pos))
        return tuple(out)

    def bindings(self, bset: BindingSet, agenda: YamlMap | None, direction: str) -> tuple[m.FieldBinding, ...]:
        base = ("agendas", bset.agenda, bset.key)
        out = []
        for name, binding in self.entries(base):
            out.append(m.FieldBinding(
                name=name,
                pohoda=self.plain(base + (name, "pohoda"), None),
                raynet=self.plain(base + (name, "raynet"), None),
                to_pohoda=self.expr(base + (name, "to_pohoda")),
                to_raynet=self.expr(base + (name, "to_raynet")),
                ways=binding_ways(bset, direction, binding),
                position=binding.pos,
                description=self.plain(base + (name, "description"), None),
            ))
        return tuple(out)


_OWN_KEYS = {
    "address_book": ("natural_person", "owners"),
    "delivery_addresses": ("mechanism",),
    "contact_persons": ("to_pohoda_as",),
    "stock": ("kinds",),
    "contracts": ("phase_table", "closing_date_from_invoice", "pohoda_series"),
    "offers": ("pohoda_series",),
    "received_orders": ("status_table", "pohoda_series"),
    "issued_invoices": ("kinds", "pohoda_series"),
}

