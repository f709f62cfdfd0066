"""What the document agendas share: partners, items, currencies, contract numbers.

Contracts, offers and received orders are documents: created once in POHODA
(R-Z5, R-O3, R-R6), linked to an address-book record (R-C1, R-R1, R-R5), with
items that are either linked to stock by code or text items (R-E2, R-O1), in
the home currency or a foreign one (R-G5, R-C3).

``DocumentSupport`` answers those questions for one run and caches what it read
(in ``ctx.scratch``, so every step of the run shares it): Raynet products and
price-list items (to know an item's product code), POHODA stock codes, price
lists per currency.

``DocumentStep`` is the base of the offer and order steps: it fetches a Raynet
document's detail (its items) only when the document is about to go to POHODA,
and evaluates the trigger before the record checks (a document that is not
final yet is not checked, and costs no request).
"""

from __future__ import annotations

import re
# Mapping from collections.abc: isinstance checks against the ABC itself, not the slower typing alias
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from engine.mapping.model import TO_POHODA, TO_RAYNET
from engine.pohoda import render
from engine.sync.context import SyncContext
from engine.sync.merge import Binding
from engine.sync.paths import get_path, parse_path, set_path, setter
from engine.sync.steps.base import POHODA, RAYNET, Reject, Step, ref_id
from engine.sync.steps.sales_prices import sales_price_levels

#: the extId (``typ:ids``) of a received order ``rpsync export`` wrote for a business case (R-E1)
EXPORT_EXT_ID = "businessCase-{}"
#: the longest contract number POHODA takes (contract.xsd: contractDesc/number/numberRequested, string12)
CONTRACT_NUMBER_MAX = 12
#: where a document's header lives, per agenda
HEADERS = {"contracts": "contractDesc", "offers": "offerHeader", "received_orders": "orderHeader"}
#: where a document's items and summary live
DETAILS = {"offers": ("offerDetail", "offerItem", "offerSummary"),
           "received_orders": ("orderDetail", "orderItem", "orderSummary")}


#: bindings -> (the bindings, their (to_pohoda, setter of the POHODA path) pairs): made once per bindings
_POHODA_WRITES: dict[int, tuple] = {}


def pohoda_writes(bindings: Iterable[Binding]) -> tuple[tuple[Callable, Callable], ...]:
    """(to_pohoda, put(record, value)) of the bindings that write POHODA, in their order; a document's items run
    them for every item."""
    found = _POHODA_WRITES.get(id(bindings))
    if found is None or found[0] is not bindings:
        if len(_POHODA_WRITES) > 64:
            _POHODA_WRITES.clear()
        found = _POHODA_WRITES[id(bindings)] = (bindings, tuple(
            (b.to_pohoda, setter(b.pohoda_path)) for b in bindings if b.to_pohoda is not None and b.pohoda_path))
    return found[1]


#: bindings -> (the bindings, their generated ``item_values``): made once per bindings
_ITEM_WRITERS: dict[int, tuple] = {}


def item_writer(bindings: Iterable[Binding]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """``item_values(item)``: the POHODA fields of one Raynet document item by the bindings that write POHODA
    (``pohoda_writes``), None and "" left out — one generated function per bindings instead of a loop over
    them (a document's items run it for every item; issue 7, transform rate). A path of one name is set in
    place, a nested one by its setter. Only ``repr`` of the paths' names reaches the source."""
    found = _ITEM_WRITERS.get(id(bindings))
    if found is None or found[0] is not bindings:
        if len(_ITEM_WRITERS) > 64:
            _ITEM_WRITERS.clear()
        found = _ITEM_WRITERS[id(bindings)] = (bindings, _generate_item_writer(
            [(b.to_pohoda, b.pohoda_path) for b in bindings if b.to_pohoda is not None and b.pohoda_path]))
    return found[1]


def _generate_item_writer(writes: list[tuple[Callable, str]]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    namespace: dict[str, Any] = {"__builtins__": {"isinstance": isinstance, "str": str}}
    lines = ["def item_values(item):", "    values = {}"]
    for n, (to_pohoda, path) in enumerate(writes):
        namespace[f"f{n}"] = to_pohoda
        lines += [f"    v = f{n}(item)", "    if v is not None and not (isinstance(v, str) and not v):"]
        segments = parse_path(path)
        if len(segments) == 1 and type(segments[0]) is str:
            lines.append(f"        values[{segments[0]!r}] = v")
        else:  # a nested path: its setter (``paths.setter``, unrolled for two names)
            namespace[f"put{n}"] = setter(segments)
            lines.append(f"        put{n}(values, v)")
    lines.append("    return values")
    exec(compile("\n".join(lines), "<rpsync item fields>", "exec"), namespace)  # noqa: S102 (names by repr only)
    return namespace["item_values"]


def contract_number(series: str, tag: str, ident: int) -> str:
    """The number rpsync requests for a contract it creates: deterministic, so a contract whose
    creation was interrupted is found again by its number (contracts have no extId, R-C4).

    ``tag``: ``R`` for a Raynet business case (R-Z4), ``P`` for a POHODA received order (R-R3, R-R4).
    """
    number = f"{series}{tag}{ident}"
    if len(number) > CONTRACT_NUMBER_MAX:
        raise Reject(
            f"the contract number {number} would be {len(number)} characters; POHODA allows "
            f"{CONTRACT_NUMBER_MAX} (contract.xsd) — choose a shorter pohoda_series for contracts in the mapping",
            field="agendas.contracts.pohoda_series", rule="R-C4")
    return number


def typed_pohoda(agenda: str, record: Mapping[str, Any], *, label: str | None = None) -> dict:
    """A record as POHODA gives it back (dates as dates, amounts as Decimal): typed through the agenda's
    catalog as the list reader reads what the renderer writes (``render.typed_fields``, no XML written), so the
    shadow of a document rpsync created compares equal to its read-back. ``label`` names the record in the
    RenderError of a value that does not fit its field."""
    return render.typed_fields(agenda, record, label=label or agenda)


def raynet_dates(values: dict[str, Any]) -> dict[str, Any]:
    """Dates as Raynet writes and reads them back (``YYYY-MM-DD`` text), so a shadow equals the read-back."""
    from datetime import date, datetime

    for key, value in values.items():
        if isinstance(value, date) and not isinstance(value, datetime):
            values[key] = value.isoformat()
    return values


def in_series(number: str | None, series: str) -> bool:
    """Is a contract number in the mapping's series (R-C4)? A POHODA number series is a prefix, often with the
    year in front, and a sequence number (``25ZAK0001``, ``2025ZAK12``); rpsync's own contracts are
    ``ZAKR<id>`` / ``ZAKP<id>``. A number that merely starts with the series' letters (``ZAKAZKA-01``) is not."""
    return bool(number) and re.fullmatch(rf"(\d{{2,4}})?{re.escape(series)}[RP]?\d+", str(number).strip()) is not None


class DocumentSupport:
    """Run-wide answers for document steps (shared through ``ctx.scratch``)."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self._price_list_item_codes: dict[int, str] | None = None
        self._product_ids: dict[str, int] | None = None
        self._read_price_lists = False
        self._stock: dict[str, bool] = {}
        self._currency_ok: dict[str, str | None] = {}
        self._iso_of: dict[int, str] = {}
        self.home = ctx.mapping.currencies.home.upper()

    @classmethod
    def of(cls, ctx: SyncContext) -> "DocumentSupport":
        found = ctx.scratch.get("documents")
        if found is None:
            found = ctx.scratch["documents"] = cls(ctx)
        return found

    # ----------------------------------------------------------- partners
    def pohoda_partner(self, company: Any, *, what: str, rule: str) -> int:
        """POHODA address-book id of a Raynet client (the address-book link), else Reject."""
        company_id = ref_id(company)
        if company_id is None:
            raise Reject(f"the {what} has no client; POHODA needs an address-book record", field="company",
                         rule=rule)
        link = self.ctx.state.find_link("address_book", raynet_id=company_id)
        if link is None or link.pohoda_id is None:
            name = company.get("name") if isinstance(company, Mapping) else None
            raise Reject(
                f"the {what}'s client {company_id}{' ' + name if name else ''} is not in POHODA's address "
                f"book yet; it goes once the client is synced (see the address_book agenda's quarantine)",
                field="company", rule=rule)
        return int(link.pohoda_id)

    def raynet_company(self, pohoda_record: Mapping, header: str, *, what: str) -> int:
        """Raynet client id of a POHODA document's partner (R-C1), else Reject."""
        partner = get_path(pohoda_record, f"{header}.partnerIdentity.id")
        if partner is None:
            raise Reject(f"the POHODA {what} is not linked to an address-book record",
                         field=f"{header}.partnerIdentity", rule="R-C1")
        link = self.ctx.state.find_link("address_book", pohoda_id=int(partner))
        if link is None or link.raynet_id is None:
            company = get_path(pohoda_record, f"{header}.partnerIdentity.address.company") or ""
            raise Reject(
                f"the POHODA {what}'s address-book record {partner} {company} is not in Raynet yet; it goes "
                f"once that record is synced (see the address_book agenda's quarantine)".replace("  ", " "),
                field=f"{header}.partnerIdentity", rule="R-C1")
        return int(link.raynet_id)

    def default_delivery_address(self, company_id: int) -> dict | None:
        """R-D3 HOOK: the client's default Raynet address as the document's POHODA delivery address.

        The delivery-addresses agenda (built separately) provides the helper that
        picks the client's default address and shapes it as a POHODA
        ``shipToAddress``; until it is wired in here, documents carry no delivery
        address of their own (POHODA then uses the partner's).
        """
        return None

    # ---------------------------------------------------------- currencies
    def currency_iso(self, currency: Any) -> str | None:
        """ISO code of a Raynet currency reference (``{"id": …}``); None = home currency or unknown."""
        currency_id = ref_id(currency)
        if currency_id is None:
            return None
        iso = self._iso_of.get(currency_id)
        if iso is None:  # asked once per currency and run (documents ask it for every record)
            iso = self.ctx.lookups.currency_iso(currency_id)
            if iso is not None:
                self._iso_of[currency_id] = iso
        return iso

    def check_currency(self, iso: str | None, *, what: str, field: str) -> str | None:
        """R-C3: a foreign-currency document goes only if a price list in that currency exists on both
        sides. Returns the ISO code of a foreign currency (None for the home currency); else Reject."""
        if not iso:
            return None
        iso = iso.upper()
        if iso == self.home:
            return None
        if iso not in self._currency_ok:
            self._currency_ok[iso] = self._currency_problem(iso)
        problem = self._currency_ok[iso]
        if problem:
            raise Reject(f"the {what} is in {iso}: {problem}; a document in a foreign currency goes only when "
                         f"a price list in {iso} exists on both sides — add it (POHODA sales prices, Raynet price "
                         f"lists) and pair it under price_lists in the mapping", field=field, rule="R-C3")
        return iso

    def _currency_problem(self, iso: str) -> str | None:
        declared = self.ctx.mapping.price_lists_in(iso)
        if not declared:
            return f"the mapping pairs no price list in {iso} (price_lists … currency: {iso})"
        raynet_currency = None
        try:
            raynet_currency = self.ctx.lookups.currency_id(iso)
        except Exception:  # noqa: BLE001 - LookupError_: reported below in words
            return f"Raynet has no currency {iso}"
        raynet_lists = [p for p in self.ctx.raynet.price_lists.list() if ref_id(p.get("currency")) == raynet_currency]
        if not raynet_lists:
            return f"Raynet has no price list in {iso}"
        if self.ctx.pohoda is None:  # a file export: POHODA is not at hand; the mapping's pairing stands for it
            return None
        pohoda_levels = [p for p in sales_price_levels(self.ctx)
                         if str(get_path(p, "currency.ids") or "").upper() == iso]
        if not pohoda_levels:
            return f"POHODA has no sales price level in {iso}"
        return None

    # ---------------------------------------------------------------- items
    def product_code_of(self, item: Mapping[str, Any]) -> str | None:
        """The product code of a Raynet document item (items read back carry only ``priceListItem``)."""
        code = item.get("productCode")
        if code:
            return code if type(code) is str else str(code)
        pli = ref_id(item.get("priceListItem"))
        if pli is None:
            return None
        codes = self._price_list_item_codes
        if codes is None:
            codes = self._price_list_codes()
        if pli not in codes and not self._read_price_lists:
            self._read_all_price_lists(codes)
        return codes.get(pli)

    def _price_list_codes(self) -> dict[int, str]:
        if self._price_list_item_codes is None:
            codes: dict[int, str] = {}
            products: dict[str, int] = {}
            for product in self.ctx.raynet.products.list():
                code = product.get("code")
                if code:
                    products[str(code)] = int(product["id"])
                primary = ref_id(product.get("primaryPriceListItem"))
                if primary is not None and code:
                    codes[primary] = str(code)
            self._price_list_item_codes, self._product_ids = codes, products
        return self._price_list_item_codes

    def _read_all_price_lists(self, codes: dict[int, str]) -> None:
        self._read_price_lists = True
        for price_list in self.ctx.raynet.price_lists.list():
            for item in self.ctx.raynet.price_lists.items(int(price_list["id"])):
                code = get_path(item, "product.code")
                if code:
                    codes[int(item["id"])] = str(code)

    def product_exists(self, code: str) -> bool:
        self._price_list_codes()
        return code in (self._product_ids or {})

    def stock_exists(self, code: str) -> bool:
        """Does POHODA have a stock item with this code? (one list request per code and run; without a
        POHODA connection — ``rpsync export`` — the codes of stock items the sync has linked)."""
        if code not in self._stock:
            if self.ctx.pohoda is None:
                self._stock.update({c: True for c in self.known_stock_codes()})
                return self._stock.setdefault(code, False)
            found = False
            for _ in self.ctx.pohoda.list("stock", filter={"code": code}):
                found = True
            self._stock[code] = found
        return self._stock[code]

    def known_stock_codes(self) -> set[str]:
        """Stock codes the sync state knows from POHODA (the stock agenda's linked records)."""
        codes = set()
        for link in self.ctx.state.iter_links("stock"):
            shadow = self.ctx.state.get_shadow("stock", POHODA, str(link.pohoda_id)) or {}
            code = get_path(shadow, "stockHeader.code")
            if code:
                codes.add(str(code))
        return codes

    def items_to_pohoda(self, item_bindings: Iterable[Binding], items: Iterable[Mapping], *, foreign: str | None,
                        what: str, stock_exists: Callable[[str], bool] | None = None) -> list[dict]:
        """POHODA items from Raynet items (R-O1, R-E2): linked to stock when the product code is a stock
        code, else text items; prices in ``foreignCurrency`` on foreign documents (R-G5)."""
        rules = self.ctx.mapping.items
        by_code = rules.stock_link == "by_code"
        stock_exists = stock_exists or self.stock_exists
        item_values = item_writer(item_bindings)
        out = []
        for n, item in enumerate(items, 1):
            code = self.product_code_of(item)
            if code and item.get("productCode") != code:
                item = {**item, "productCode": code}  # the bindings see the code (the Raynet record is not changed)
            values = item_values(item)
            if code and by_code and stock_exists(code):
                values["stockItem"] = {"stockItem": {"ids": code}}
            elif code and by_code and rules.otherwise == "reject":
                raise Reject(f"line {n} of the {what} has the product code {code}, which POHODA's stock does "
                             "not have (the mapping says items.otherwise: reject)", field=f"items[{n - 1}]",
                             rule="R-E2")
            if foreign and "homeCurrency" in values:
                values["foreignCurrency"] = values.pop("homeCurrency")
            out.append(values)
        return out

    def items_to_raynet(self, item_bindings: Iterable[Binding], items: Iterable[Mapping], *, foreign: str | None,
                        what: str) -> list[dict]:
        """Raynet item bodies from POHODA items; a product code is kept only when Raynet has that product
        (Raynet would create an unknown one, [OAS] businessCaseCreateWithItemsInsert)."""
        out = []
        for n, raw in enumerate(items, 1):
            item = dict(raw)
            if foreign and item.get("foreignCurrency"):
                item["homeCurrency"] = item["foreignCurrency"]
            body: dict[str, Any] = {}
            for b in item_bindings:
                if b.to_raynet is not None and b.raynet_path:
                    value = b.to_raynet(item)
                    if value is not None:
                        set_path(body, b.raynet_path, value)
            code = body.pop("productCode", None)
            if code and self.product_exists(str(code)):
                body["productCode"] = str(code)
            if not str(body.get("name") or "").strip():
                raise Reject(f"line {n} of the POHODA {what} has no text (Raynet requires an item name)",
                             field=f"items[{n - 1}].text", rule="R-R1")
            out.append(body)
        return out


class DocumentStep(Step):
    """Base of the offer and order steps: detail only when needed, trigger before checks."""

    pohoda_updatable = False

    def __init__(self, ctx: SyncContext) -> None:
        super().__init__(ctx)
        self.docs = DocumentSupport.of(ctx)
        #: a values path -> its setter (``document_from_values``: a mapping's few paths, for every record)
        self._setters: dict[str, Callable[[dict, Any], None]] = {}

    @property
    def trigger(self):
        return self.plan.extra.get("trigger_to_pohoda")

    def _unlinked(self, record: Mapping[str, Any]) -> bool:
        link = self.ctx.state.find_link(self.agenda, raynet_id=self.raynet_id_of(record))
        return link is None or link.pohoda_id is None

    def _wants_detail(self, record: Mapping[str, Any]) -> bool:
        if not self.plan.runs(TO_POHODA) or "items" in record:
            return False
        trigger = self.trigger
        return (trigger is None or trigger(record) is True) and self._unlinked(record)

    def read_raynet(self, since) -> Iterator[dict]:
        """The list; the detail (with items) only for documents about to go to POHODA."""
        for record in super().read_raynet(since):
            yield self.entity_api().get(int(record["id"])) if self._wants_detail(record) else record

    def passes(self, side: str, record: dict | None) -> bool:
        if side == RAYNET and record is not None and self.plan.runs(TO_POHODA):
            if not self._unlinked(record):
                # already in POHODA: never sent again (R-Z5, R-O3, R-R6), so not checked again; it only
                # stands for the Raynet side of changes coming from POHODA
                return True
            trigger = self.trigger
            if trigger is not None and trigger(record) is not True:
                return False  # not final yet (R-O3): not checked, not sent
        return super().passes(side, record)

    def match_keys(self, side: str, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        """First run: a POHODA document pairs with the Raynet one whose code is its number (or the
        customer's order number)."""
        if "number" not in self.plan.model.match:
            return []
        if side == RAYNET:
            return [("number", str(record["code"]).strip().casefold())] if record.get("code") else []
        header = HEADERS[self.pohoda_agenda]
        keys = []
        for path in (f"{header}.number.numberRequested", f"{header}.numberOrder"):
            value = get_path(record, path)
            if value:
                keys.append(("number", str(value).strip().casefold()))
        return keys

    def label(self, side: str, record: Mapping[str, Any] | None) -> str:
        if not record:
            return ""
        if side == RAYNET:
            what = {"salesOrder": "order", "offer": "offer"}.get(self.raynet_entity, self.raynet_entity)
            return f"{what} {record.get('id')} {record.get('code') or ''} {record.get('name') or ''}"\
                .strip().replace("  ", " ")
        header = HEADERS[self.pohoda_agenda]
        number = get_path(record, f"{header}.number.numberRequested") or get_path(record, f"{header}.id")
        return f"POHODA {self.pohoda_agenda.replace('_', ' ')[:-1]} {number} {get_path(record, f'{header}.text') or ''}"\
            .strip()

    def explain_items(self) -> list[str]:
        lines = []
        for b in self.plan.item_bindings:
            arrows = []
            if b.to_pohoda:
                arrows.append(f"{b.raynet_path or 'expr'} → {b.pohoda_path}")
            if b.to_raynet and self.plan.runs(TO_RAYNET):
                arrows.append(f"{b.pohoda_path or 'expr'} → {b.raynet_path}")
            if arrows:
                lines.append(f"item field {b.name}: " + "; ".join(arrows))
        return lines

    # ------------------------------------------------------------ helpers
    def foreign_of_raynet(self, record: Mapping[str, Any], what: str) -> str | None:
        return self.docs.check_currency(self.docs.currency_iso(record.get("currency")), what=what, field="currency")

    def summary_currency(self, document: dict, foreign: str | None, record: Mapping[str, Any]) -> None:
        """A foreign document names its currency (and rate) in its summary (R-G5)."""
        if not foreign:
            return
        summary = DETAILS[self.pohoda_agenda][2]
        document.setdefault(summary, {})["foreignCurrency"] = {"currency": {"ids": foreign}}
        rate = record.get("exchangeRate")
        if isinstance(rate, (int, Decimal)) and rate:
            document[summary]["foreignCurrency"]["rate"] = Decimal(rate)

    def document_from_values(self, values: Mapping[str, Any]) -> dict:
        record: dict[str, Any] = {}
        setters = self._setters
        for path, value in values.items():
            if value is not None and not (isinstance(value, str) and not value):
                put = setters.get(path)
                if put is None:
                    put = setters[path] = setter(path)
                put(record, value)
        return record

    #: the top-level elements of the document the POHODA shadow keeps (``paths_p``), made on first use
    _shadow_roots: frozenset[str] | None = None

    def typed(self, record: Mapping[str, Any], label: str | Callable[[], str] | None = None) -> dict:
        """The document typed as POHODA reads it back (see ``typed_pohoda``), in the parts the POHODA shadow
        keeps (``paths_p``); a value there that does not fit its POHODA field is a Reject naming the field.

        The other parts (a received order's items: its shadow keeps the header alone) are given back as they
        are, for the render: typing them made a copy nobody kept (issue 7, transform rate). The render checks
        every value the same way and its RenderError is the same Reject (R-G6, ``create_in_pohoda``); it
        writes the same XML of a value as of its typed copy (tests/pohoda/test_render_shapes.py). A document
        template reading those parts sees them as the mapping made them (docs/architecture.md, Templates).
        When a value does not fit, the error is the whole document's first, in XSD order, as before."""
        roots = self._shadow_roots
        if roots is None:
            roots = self._shadow_roots = frozenset(p.split(".", 1)[0] for p in self.paths_p)
        agenda = self.pohoda_agenda
        part = record if roots.issuperset(record) else {k: v for k, v in record.items() if k in roots}
        try:
            typed = typed_pohoda(agenda, part)
        except render.RenderError:
            # the whole document names its first error (the record's label is made only now: ``label`` may
            # be a function giving it)
            try:
                typed_pohoda(agenda, record, label=label() if callable(label) else label)
            except render.RenderError as exc:
                raise Reject(exc.message, field=exc.field, rule="R-G6") from None
            raise
        return typed if part is record else {**typed, **{k: v for k, v in record.items() if k not in roots}}


__all__ = ["CONTRACT_NUMBER_MAX", "EXPORT_EXT_ID", "DocumentStep", "DocumentSupport", "contract_number", "in_series",
           "raynet_dates", "ref_id", "typed_pohoda"]
