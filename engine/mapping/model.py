"""The typed, frozen model of a validated mapping: what the sync engine consumes.

``engine.mapping.load_mapping(path)`` returns a :class:`Mapping`. Every value
has its default filled in, every expression is an :class:`Expression` that
knows its text, the record it reads (a :class:`~engine.mapping.fields.CatalogView`,
which is also the ``catalog=`` to give ``dsl.compile``) and where it was written,
and every agenda is present (switched off when the file does not enable it), in
the order a sync plan runs them.

Directions are the strings ``"both"``, ``"to_pohoda"`` (Raynet → POHODA) and
``"to_raynet"`` (POHODA → Raynet); one-way questions ("does this run to_pohoda?")
are answered by ``runs(way)``.
"""

from __future__ import annotations

from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator

import dsl
from dsl.tables import lookup_key as dsl_lookup_key

from engine.mapping.agendas import BY_ID, AgendaSpec, covers
from engine.mapping.diagnostics import Diagnostic, Position
from engine.mapping.fields import CatalogView, custom_field_label
from engine.mapping.loader import YamlScalar

BOTH = "both"
TO_POHODA = "to_pohoda"
TO_RAYNET = "to_raynet"


@dataclass(frozen=True)
class Expression:
    """An expression of the mapping, ready for ``dsl.compile``."""

    text: str
    #: where the expression's text starts in its file
    position: Position
    #: the record the expression reads (its top-level names); pass as ``catalog=`` to dsl.compile
    reads: CatalogView
    _node: YamlScalar | None = field(default=None, repr=False, compare=False)

    @property
    def source(self) -> str:
        """``file:line:col`` of the expression, for ``dsl.compile(…, source=…)`` and reports."""
        return str(self.position)

    def locate(self, line: int, column: int) -> Position:
        """The file position of a 1-based line/column inside the expression text (e.g. of an ExprError)."""
        if self._node is None:
            return self.position
        return self._node.position_in_text(line, column)

    def compile(self, tables: AbcMapping[str, Any] | None = None) -> "dsl.Program":
        return dsl.compile(self.text, tables=tables, catalog=self.reads, source=self.source)


@dataclass(frozen=True)
class FieldBinding:
    """A POHODA field ⇄ Raynet field binding (R-G6)."""

    name: str
    #: the POHODA field path (relative to the bound record), or None
    pohoda: str | None
    #: the Raynet field path, or None; custom fields as ``customFields["Label"]``
    raynet: str | None
    #: computes the POHODA value from the Raynet record (else the raynet field is copied)
    to_pohoda: Expression | None
    #: computes the Raynet value from the POHODA record (else the pohoda field is copied)
    to_raynet: Expression | None
    #: the one-way directions this binding runs in, given its agenda's direction
    ways: tuple[str, ...]
    position: Position
    description: str | None = None

    def runs(self, way: str) -> bool:
        return way in self.ways

    @property
    def raynet_custom_field(self) -> str | None:
        """The label of the Raynet custom field this binding writes/reads (resolved at run time), if any."""
        return custom_field_label(self.raynet) if self.raynet else None


@dataclass(frozen=True)
class RecordCheck:
    """A rule records must pass before they are written; failing records are quarantined."""

    name: str
    #: the transfer it guards: to_pohoda checks Raynet records, to_raynet checks POHODA records
    direction: str
    rule: Expression
    message: str
    field: str | None
    rule_id: str | None
    position: Position


@dataclass(frozen=True)
class PohodaSelect:
    """Selections pushed into POHODA list requests (R-G7)."""

    groups: tuple[str, ...] = ()
    stores: tuple[str, ...] = ()
    number_series: tuple[str, ...] = ()
    user_filter: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.groups or self.stores or self.number_series or self.user_filter)


@dataclass(frozen=True)
class Filter:
    """Which records an agenda transfers (R-G7)."""

    to_pohoda: Expression | None = None
    to_raynet: Expression | None = None
    pohoda_select: PohodaSelect = PohodaSelect()

    def for_way(self, way: str) -> Expression | None:
        return self.to_pohoda if way == TO_POHODA else self.to_raynet


@dataclass(frozen=True)
class TranslationTable:
    """A named translation table (R-Z2, R-R2)."""

    name: str
    entries: AbcMapping[str, Any]
    #: the states its keys come from (engine.mapping.states), or None
    keys: str | None = None
    default: Any = None
    has_default: bool = False
    description: str | None = None
    position: Position | None = None

    def translate(self, key: Any) -> Any:
        """The entry for ``key`` looked up as ``translate(table, key)`` in an expression looks it up (keys as
        YAML typed them: ``21: high`` is found with 21, 21.0 or Decimal("21"); booleans never match numbers),
        else the default; KeyError when there is neither."""
        try:
            return self._lookup[dsl_lookup_key(key)]
        except (KeyError, TypeError):   # TypeError: an unhashable key finds nothing
            pass
        if self.has_default:
            return self.default
        raise KeyError(f"table '{self.name}' has no entry for {key!r} and no default")

    @property
    def _lookup(self) -> dict:
        return {dsl_lookup_key(k): v for k, v in self.entries.items()}

    def as_dsl(self) -> "dsl.Table":
        return dsl.Table(dict(self.entries), default=self.default) if self.has_default else \
            dsl.Table(dict(self.entries))


@dataclass(frozen=True, kw_only=True)
class Agenda:
    """What every agenda has; subclasses add the agenda's own keys."""

    id: str
    enabled: bool
    direction: str
    filter: Filter = Filter()
    fields: tuple[FieldBinding, ...] = ()
    checks: tuple[RecordCheck, ...] = ()
    #: first-run pairing keys, tried in order (issue 6)
    match: tuple[str, ...] = ()
    #: what wins when a record changed on both sides: pohoda_wins | raynet_wins | newest_wins | quarantine
    on_conflict: str | None = None
    position: Position | None = None

    @property
    def spec(self) -> AgendaSpec:
        return BY_ID[self.id]

    def runs(self, way: str) -> bool:
        """Whether this agenda is enabled and transfers records ``way`` (to_pohoda / to_raynet)."""
        return self.enabled and covers(self.direction, way)

    def bindings(self, way: str) -> tuple[FieldBinding, ...]:
        return tuple(b for b in self.fields if b.runs(way))

    def checks_for(self, way: str) -> tuple[RecordCheck, ...]:
        return tuple(c for c in self.checks if c.direction == way)

    def expressions(self) -> Iterator[Expression]:
        for value in (self.filter.to_pohoda, self.filter.to_raynet):
            if value is not None:
                yield value
        for check in self.checks:
            yield check.rule
        for group in self._binding_groups():
            for b in group:
                yield from (e for e in (b.to_pohoda, b.to_raynet) if e is not None)
        yield from (e for e in self._own_expressions() if e is not None)

    def _binding_groups(self) -> tuple[tuple[FieldBinding, ...], ...]:
        return (self.fields,)

    def _own_expressions(self) -> tuple[Expression | None, ...]:
        return ()


@dataclass(frozen=True, kw_only=True)
class AddressBook(Agenda):
    """Address book ⇄ clients (R-G4, R-A1 … R-A3). Always enabled."""

    #: R-A1: company_without_ico | name_without_ico
    natural_person: str
    #: R-A3: by_name | off
    owners: str = "by_name"


@dataclass(frozen=True, kw_only=True)
class DeliveryAddresses(Agenda):
    """Delivery addresses ⇄ company addresses / contact persons (R-D1 … R-D4)."""

    #: R-D1: company_addresses | contact_persons
    mechanism: str = "company_addresses"
    #: used when mechanism is contact_persons (delivery address → Raynet person, to_raynet)
    contact_person_fields: tuple[FieldBinding, ...] = ()

    def _binding_groups(self):
        return (self.fields, self.contact_person_fields)


@dataclass(frozen=True, kw_only=True)
class ContactPersons(Agenda):
    """Contact persons ⇄ persons (R-P1, R-P2)."""

    #: R-P2: contact_persons | delivery_addresses
    to_pohoda_as: str = "contact_persons"
    #: used when to_pohoda_as is delivery_addresses (Raynet person → POHODA delivery address, to_pohoda)
    delivery_address_fields: tuple[FieldBinding, ...] = ()

    def _binding_groups(self):
        return (self.fields, self.delivery_address_fields)


@dataclass(frozen=True)
class StoreQuantity:
    """R-S3: the quantity of a stock code in another warehouse, written into a Raynet field."""

    name: str
    store: str
    raynet: str
    position: Position | None = None

    @property
    def raynet_custom_field(self) -> str | None:
        return custom_field_label(self.raynet)


STOCK_KINDS = ("card", "text", "service", "package", "set", "product")
INVOICE_KINDS = ("regular", "advance", "corrective")


@dataclass(frozen=True, kw_only=True)
class Stock(Agenda):
    """Stock → products, one way (R-S1 … R-S3)."""

    #: R-S1: card | text | service | package | set | product
    kinds: tuple[str, ...] = STOCK_KINDS
    store_quantities: tuple[StoreQuantity, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SalesPrices(Agenda):
    """Sales prices → price lists, one way (R-L1); pairs in Mapping.price_lists."""


@dataclass(frozen=True, kw_only=True)
class RelatedPrices(Agenda):
    """Related prices → price-list items, one way (R-L2)."""


@dataclass(frozen=True, kw_only=True)
class Document(Agenda):
    """An agenda of documents with items."""

    item_fields: tuple[FieldBinding, ...] = ()
    #: number series new POHODA documents are created in
    pohoda_series: str | None = None
    #: when a Raynet record goes to POHODA (created once)
    trigger_to_pohoda: Expression | None = None

    def item_bindings(self, way: str) -> tuple[FieldBinding, ...]:
        return tuple(b for b in self.item_fields if b.runs(way))

    def _binding_groups(self):
        return (self.fields, self.item_fields)

    def _own_expressions(self):
        return (self.trigger_to_pohoda,)


@dataclass(frozen=True, kw_only=True)
class Contracts(Document):
    """Contracts ⇄ business cases (R-Z1 … R-Z5, R-C4)."""

    #: R-Z2: business-case phase by the state of the linked received order
    phase_table: TranslationTable | None = None
    #: R-Z3: closing date from the issue date of the linked issued invoice
    closing_date_from_invoice: bool = False


@dataclass(frozen=True, kw_only=True)
class Offers(Document):
    """Raynet offers → POHODA issued offers, created once in their final state (R-O1 … R-O3)."""


@dataclass(frozen=True, kw_only=True)
class ReceivedOrders(Document):
    """Received orders ⇄ Raynet orders (R-R1 … R-R6)."""

    #: R-R2: not_processed | processed | cancelled, from the POHODA order
    state: Expression | None = None
    #: R-R2: Raynet order status by state
    status_table: TranslationTable | None = None

    def _own_expressions(self):
        return (self.trigger_to_pohoda, self.state)


@dataclass(frozen=True, kw_only=True)
class IssuedInvoices(Document):
    """Issued invoices ⇄ Raynet invoices (R-F1 … R-F4)."""

    #: R-F2: regular | advance | corrective
    kinds: tuple[str, ...] = INVOICE_KINDS


@dataclass(frozen=True, kw_only=True)
class Payments(Agenda):
    """Payments (liquidations) → Raynet invoice payments, one way (R-F5)."""


AGENDA_CLASSES: dict[str, type[Agenda]] = {
    "address_book": AddressBook, "delivery_addresses": DeliveryAddresses, "contact_persons": ContactPersons,
    "stock": Stock, "sales_prices": SalesPrices, "related_prices": RelatedPrices, "contracts": Contracts,
    "offers": Offers, "received_orders": ReceivedOrders, "issued_invoices": IssuedInvoices, "payments": Payments,
}


@dataclass(frozen=True)
class Agendas:
    """Every agenda, in the order a sync plan runs them (iterate to get that order)."""

    address_book: AddressBook
    delivery_addresses: DeliveryAddresses
    contact_persons: ContactPersons
    stock: Stock
    sales_prices: SalesPrices
    related_prices: RelatedPrices
    contracts: Contracts
    offers: Offers
    received_orders: ReceivedOrders
    issued_invoices: IssuedInvoices
    payments: Payments

    def __iter__(self) -> Iterator[Agenda]:
        for name in AGENDA_CLASSES:
            yield getattr(self, name)

    def get(self, agenda_id: str) -> Agenda:
        if agenda_id not in AGENDA_CLASSES:
            raise KeyError(f"unknown agenda {agenda_id!r}")
        return getattr(self, agenda_id)

    def enabled(self) -> tuple[Agenda, ...]:
        return tuple(a for a in self if a.enabled)


@dataclass(frozen=True)
class PriceList:
    """R-L1: a POHODA sales price level and the Raynet price list it becomes."""

    name: str
    pohoda: str
    raynet: str
    currency: str
    create_missing: bool = True
    position: Position | None = None


@dataclass(frozen=True)
class Currencies:
    """R-G5, R-C3."""

    home: str = "CZK"
    foreign: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return (self.home,) + self.foreign


@dataclass(frozen=True)
class ItemRules:
    """R-E2, R-O1: document items linked to stock by code, else text items."""

    stock_link: str = "by_code"
    otherwise: str = "text_item"


@dataclass(frozen=True)
class Settings:
    #: R-A2
    www_max_length: int = 32


@dataclass(frozen=True)
class PohodaSettings:
    ext_system: str = "rpsync"
    application: str = "rpsync"


@dataclass(frozen=True)
class RaynetSettings:
    ext_id_prefix: str = "pohoda"


@dataclass(frozen=True)
class Export:
    """R-E1: business cases exported as POHODA received-order files."""

    filter: Expression | None = None
    file_name: Expression | None = None


@dataclass(frozen=True)
class Mapping:
    """A validated mapping, overlays merged, defaults filled in."""

    version: int
    #: the file that was loaded
    path: Path
    #: that file and every file it extends, the loaded file first
    sources: tuple[Path, ...]
    agendas: Agendas
    tables: AbcMapping[str, TranslationTable] = field(default_factory=lambda: MappingProxyType({}))
    price_lists: tuple[PriceList, ...] = ()
    currencies: Currencies = Currencies()
    items: ItemRules = ItemRules()
    settings: Settings = Settings()
    pohoda: PohodaSettings = PohodaSettings()
    raynet: RaynetSettings = RaynetSettings()
    export: Export = Export()
    description: str | None = None
    #: warnings validation found (errors make load_mapping raise instead)
    warnings: tuple[Diagnostic, ...] = ()

    def dsl_tables(self) -> dict[str, "dsl.Table"]:
        """The translation tables as ``dsl.compile(tables=…)`` takes them."""
        return {name: table.as_dsl() for name, table in self.tables.items()}

    def expressions(self) -> Iterator[Expression]:
        """Every expression of the mapping (to compile them all once)."""
        for agenda in self.agendas:
            yield from agenda.expressions()
        for value in (self.export.filter, self.export.file_name):
            if value is not None:
                yield value

    def price_lists_in(self, currency: str) -> tuple[PriceList, ...]:
        return tuple(p for p in self.price_lists if p.currency == currency)
