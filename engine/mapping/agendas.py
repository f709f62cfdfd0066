"""The agendas rpsync syncs, their fixed links and allowed directions (R-G4).

One row per canonical agenda id (see docs/architecture.md): what it is on
each side, the directions its link allows, the rules that govern it, and which
field catalogs name its fields. The JSON Schema, the semantic checks and the
model all read this table; the order is the order a sync plan runs them in.
"""

from __future__ import annotations

from dataclasses import dataclass

BOTH = "both"
TO_POHODA = "to_pohoda"
TO_RAYNET = "to_raynet"
DIRECTIONS = (BOTH, TO_POHODA, TO_RAYNET)


def covers(direction: str, one_way: str) -> bool:
    """Whether ``direction`` (both/to_pohoda/to_raynet) includes the one-way ``one_way``."""
    return direction == BOTH or direction == one_way


@dataclass(frozen=True)
class Side:
    """Where an agenda's records live on one side, for field checks."""

    catalog: str  # catalog name under engine/catalogs/<side>/
    prefix: str = ""  # path of the record inside a catalog record ("" = the catalog's root)
    items: str | None = None  # path of the document's item list (relative to the record)


@dataclass(frozen=True)
class AgendaSpec:
    id: str
    title: str
    pohoda: str
    raynet: str
    directions: tuple[str, ...]
    rules: tuple[str, ...]
    pohoda_side: Side
    raynet_side: Side

    @property
    def fixed_direction(self) -> str | None:
        """The only direction a one-way agenda allows, or None for two-way agendas."""
        return self.directions[0] if len(self.directions) == 1 else None

    @property
    def default_direction(self) -> str:
        return self.directions[0]

    @property
    def mandatory(self) -> bool:
        return self.id == "address_book"


_TWO_WAY = (BOTH, TO_POHODA, TO_RAYNET)

AGENDAS: tuple[AgendaSpec, ...] = (
    AgendaSpec("address_book", "Address book ⇄ clients", "adb:addressbook (main address)", "company",
               _TWO_WAY, ("R-G4", "R-A1", "R-A2", "R-A3"),
               Side("address_book"), Side("company")),
    AgendaSpec("delivery_addresses", "Delivery addresses ⇄ company addresses / contact persons",
               "adb:addressbook identity/shipToAddress", "company address or person",
               _TWO_WAY, ("R-D1", "R-D2", "R-D3", "R-D4"),
               Side("delivery_addresses"), Side("companyAddress")),
    AgendaSpec("contact_persons", "Contact persons ⇄ contact persons", "adb:addressbook (refAddress)", "person",
               _TWO_WAY, ("R-P1", "R-P2"), Side("contact_persons"), Side("person")),
    AgendaSpec("stock", "Stock → products", "stk:stock", "product", (TO_RAYNET,), ("R-S1", "R-S2", "R-S3", "R-C2"),
               Side("stock"), Side("product")),
    AgendaSpec("sales_prices", "Sales prices → price lists", "sales price levels", "priceList", (TO_RAYNET,),
               ("R-L1", "R-C3"), Side("sales_prices"), Side("priceList")),
    AgendaSpec("related_prices", "Related prices → price-list items", "stock related prices", "priceList items",
               (TO_RAYNET,), ("R-L2",), Side("related_prices"), Side("priceList", "items[].")),
    AgendaSpec("contracts", "Contracts ⇄ business cases", "con:contract", "businessCase", _TWO_WAY,
               ("R-Z1", "R-Z2", "R-Z3", "R-Z4", "R-Z5", "R-C4"),
               Side("contracts"), Side("businessCase", items="items[]")),
    AgendaSpec("offers", "Issued offers ← offers", "ofr:offer (issuedOffer)", "offer", (TO_POHODA,),
               ("R-O1", "R-O2", "R-O3"),
               Side("offers", items="offerDetail.offerItem[]"), Side("offer", items="items[]")),
    AgendaSpec("received_orders", "Received orders ⇄ orders", "ord:order (receivedOrder)", "salesOrder", _TWO_WAY,
               ("R-R1", "R-R2", "R-R3", "R-R4", "R-R5", "R-R6"),
               Side("received_orders", items="orderDetail.orderItem[]"), Side("salesOrder", items="items[]")),
    AgendaSpec("issued_invoices", "Issued invoices ⇄ invoices", "inv:invoice (issued, advance, corrective)",
               "invoice", _TWO_WAY, ("R-F1", "R-F2", "R-F3", "R-F4"),
               Side("issued_invoices", items="invoiceDetail.invoiceItem[]"), Side("invoice", items="items[]")),
    AgendaSpec("payments", "Payments → invoice payments", "liquidations of issued invoices", "invoice payments",
               (TO_RAYNET,), ("R-F5",), Side("payments"), Side("invoice", "payments[].")),
)

BY_ID: dict[str, AgendaSpec] = {a.id: a for a in AGENDAS}

#: mechanism choices that must be exactly one per mapping
MECHANISMS = {
    ("address_book", "natural_person"): ("R-A1", ("company_without_ico", "name_without_ico")),
    ("delivery_addresses", "mechanism"): ("R-D1", ("company_addresses", "contact_persons")),
    ("contact_persons", "to_pohoda_as"): ("R-P2", ("contact_persons", "delivery_addresses")),
}


@dataclass(frozen=True)
class BindingSet:
    """A group of field bindings of an agenda and the records on each side they bind."""

    agenda: str
    key: str
    pohoda: Side
    raynet: Side
    #: directions this set can ever run (within the agenda's)
    directions: tuple[str, ...]


def binding_sets(agenda_id: str) -> tuple[BindingSet, ...]:
    """Every binding group an agenda has (``fields``, ``item_fields`` …)."""
    spec = BY_ID[agenda_id]
    sets = [BindingSet(agenda_id, "fields", spec.pohoda_side, spec.raynet_side, spec.directions)]
    p_items, r_items = spec.pohoda_side.items, spec.raynet_side.items
    if p_items and r_items:
        sets.append(BindingSet(agenda_id, "item_fields", Side(spec.pohoda_side.catalog, f"{p_items}."),
                               Side(spec.raynet_side.catalog, f"{r_items}."), spec.directions))
    if agenda_id == "delivery_addresses":  # R-D1: delivery addresses → Raynet persons
        sets.append(BindingSet(agenda_id, "contact_person_fields", Side("delivery_addresses"), Side("person"),
                               (TO_RAYNET,)))
    if agenda_id == "contact_persons":  # R-P2: Raynet persons → POHODA delivery addresses
        sets.append(BindingSet(agenda_id, "delivery_address_fields", Side("delivery_addresses"), Side("person"),
                               (TO_POHODA,)))
    return tuple(sets)


#: agendas that only work together with another agenda, in the directions they run
DEPENDENCIES: dict[str, tuple[str, str, str]] = {
    # agenda: (needed agenda, rule, why)
    "delivery_addresses": ("address_book", "R-D1", "delivery addresses are part of address-book records"),
    "contact_persons": ("address_book", "R-P1", "contact persons are address-book records linked to a client"),
    "related_prices": ("stock", "R-L2", "related prices become price-list items of the products stock creates"),
    "payments": ("issued_invoices", "R-F5", "payments belong to the invoices they pay"),
    "offers": ("contracts", "R-O2", "an offer is paired with a business case through its POHODA contract"),
    "received_orders": ("contracts", "R-Z1", "each received order has exactly one contract, linked to it"),
}
