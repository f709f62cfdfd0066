"""Stock → products, one way POHODA → Raynet (R-S1, R-S2, R-S3, R-C2, R-G7).

- R-S1: every kind of stock item the mapping lists in ``kinds`` (POHODA
  ``stockHeader.stockType``: card, text, service, package = komplet, set =
  souprava, product = výrobek; an item without a type is a card).
- R-G7: ``filter.pohoda_select.stores`` is pushed into the POHODA list request
  (``ftr:store``), one list request per warehouse, all of them items of one dataPack.
- R-C2: stock codes must be unique — two stock items the sync reads with one
  code (e.g. the same card in two selected warehouses) are quarantined; a
  linked one keeps syncing.
- R-S2: no two products with one code — the first run pairs existing products
  by code; later runs look a new code up in Raynet before creating a product.
- R-S3: ``store_quantities`` — the quantity of the same code in other
  warehouses goes into Raynet fields (custom fields by label).
- Products are never deleted (R-G3 spirit): a product deleted in Raynet is
  reported, its link kept.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Iterator, Mapping

from engine.mapping.fields import custom_field_label
from engine.mapping.model import TO_RAYNET, StoreQuantity
from engine.state.model import Link
from engine.sync.merge import Binding, shadow_paths
from engine.sync.ondisk import scratch_ids
from engine.sync.paths import get_path
from engine.sync.raynet_records import body_from_values
from engine.sync.pohoda_gateway import ListQuery
from engine.sync.steps.base import POHODA, POHODA_OVERLAP, RAYNET, Reject, SideRead
from engine.sync.steps.one_way import ToRaynetStep

HEADER = "stockHeader"
#: engine-added key of a staged POHODA stock record: {store quantity name: quantity in that warehouse} (R-S3)
QUANTITIES = "_store_quantities"
#: look other-warehouse items up by code (one list item per code) up to this many codes; more: read the warehouse once
LOOKUP_ONE_BY_ONE = 20
#: scratch key: POHODA ids of stock items linked to a product during this run (for the related-prices step)
LINKED_THIS_RUN = "stock:linked"


def stock_code(record: Mapping[str, Any] | None) -> str:
    return str(get_path(record, f"{HEADER}.code") or "").strip() if record else ""


def stock_kind(record: Mapping[str, Any]) -> str:
    return str(get_path(record, f"{HEADER}.stockType") or "card")


def warehouse(record: Mapping[str, Any]) -> str:
    """The warehouse of a stock item: the first level of its storage (list.xsd)."""
    return str(get_path(record, f"{HEADER}.storage.ids") or "").split("/")[0]


def quantity_binding(quantity: StoreQuantity) -> Binding:
    """R-S3: the quantity of the same code in ``quantity.store`` → ``quantity.raynet``."""
    name = quantity.name
    return Binding(
        name=f"store_quantities.{name}", raynet_path=quantity.raynet, pohoda_path=None,
        to_raynet=lambda record: get_path(record, (QUANTITIES, name)),
        reads_pohoda=frozenset({f"{QUANTITIES}.{name}"}), where=str(quantity.position or ""),
    )


class StockStep(ToRaynetStep):
    agenda = "stock"
    raynet_entity = "product"
    pohoda_agenda = "stock"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        model = self.plan.model
        self.kinds = frozenset(model.kinds)
        self.stores: tuple[str, ...] = tuple(model.filter.pohoda_select.stores)
        self.quantities: tuple[StoreQuantity, ...] = tuple(model.store_quantities)
        if self.quantities:
            self.bindings = self.plan.bindings + tuple(quantity_binding(q) for q in self.quantities)
            self.paths_r = shadow_paths(self.bindings, RAYNET) | self.extra_shadow_paths(RAYNET)
            self.paths_p = shadow_paths(self.bindings, POHODA) | self.extra_shadow_paths(POHODA)

    def explain_extra(self) -> list[str]:
        lines = [f"stock kinds (R-S1): {', '.join(sorted(self.kinds))}",
                 "a stock code used by two items is quarantined (R-C2); a new code is looked up in Raynet "
                 "before a product is created, never two products with one code (R-S2)"]
        if self.stores:
            lines.append(f"warehouses read (R-G7): {', '.join(self.stores)}")
        for q in self.quantities:
            lines.append(f"quantity of the same code in warehouse {q.store} → {q.raynet} (R-S3)")
        return lines

    # ------------------------------------------------------------ reading
    def pohoda_select(self) -> dict[str, Any]:
        select = super().pohoda_select()
        select.pop("store", None)  # one list request per warehouse (ftr:store names one)
        return select

    def read_pohoda(self, since) -> Iterator[dict]:
        """Stock items changed since ``since``: one listStockRequest per warehouse read (R-G7), the warehouses
        together as the items of one dataPack."""
        since = since - POHODA_OVERLAP if since is not None else None
        queries = []
        for store in self.stores or (None,):
            select = self.pohoda_select()
            if store:
                select["store"] = store
            queries.append(self.ctx.pohoda.changed_query("stock", since, select=select))
        for record in self.read_along(*queries):
            if stock_kind(record) not in self.kinds:
                self.counts_to_r.skipped += 1
                continue
            yield record

    _changed_quantities: dict[str, dict[str, Decimal]] | None = None

    def side_reads(self) -> list[SideRead]:
        """R-S3: the items of the quantity warehouses changed since the cursor (whole on a first run) go with
        the step's own read; their quantities by code are kept for ``_add_store_quantities``."""
        self._changed_quantities = None
        if not self.quantities:
            return []
        since = self._cursor(POHODA)
        changed: dict[str, dict[str, Decimal]] = {}

        def done() -> None:   # the side reads go together: each one's done means all are
            self._changed_quantities = changed

        reads = []
        for store in sorted({q.store for q in self.quantities}):
            flt: dict[str, Any] = {"store": store}
            if since is not None:
                flt["last_changes"] = since - POHODA_OVERLAP
            counts = changed[store] = {}
            reads.append(SideRead(ListQuery("stock", flt),
                                  lambda record, counts=counts: counts.__setitem__(stock_code(record), _count(record)),
                                  done))
        return reads

    def prepare_raynet(self, record: dict) -> dict:
        record = super().prepare_raynet(record)
        if "price" not in record and isinstance(record.get("primaryPriceListItem"), Mapping):
            # [OAS] a product's "price" (Standardní cena) is its item in the primary price list
            record = {**record, "price": record["primaryPriceListItem"].get("price")}
        return record

    def label(self, side: str, record: Mapping[str, Any] | None) -> str:
        if not record:
            return ""
        if side == RAYNET:
            return f"product {record.get('id')} {record.get('code') or ''} {record.get('name') or ''}".strip()
        name = get_path(record, f"{HEADER}.name") or ""
        return f"stock item {get_path(record, f'{HEADER}.id')} {stock_code(record)} {name}".strip()

    def match_keys(self, side: str, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        if "code" not in self.plan.model.match:
            return []
        code = str(record.get("code") or "").strip() if side == RAYNET else stock_code(record)
        return [("code", code)] if code else []

    # ------------------------------------------------------ staged records
    def before_pairing(self) -> None:
        self._quarantine_duplicate_codes()
        if self.quantities:
            self._add_store_quantities()

    def _pending_codes(self) -> dict[str, list[str]]:
        codes: dict[str, list[str]] = {}
        for pid, record in self.stage.pending(POHODA):
            code = stock_code(record)
            if code:
                codes.setdefault(code, []).append(pid)
        return codes

    def _quarantine_duplicate_codes(self) -> None:
        """R-C2: one code on two stock items the sync reads → they are quarantined (a linked one goes on)."""
        state = self.ctx.state
        for code, ids in self._pending_codes().items():
            if len(ids) < 2:
                continue
            records = {pid: self.stage.get(POHODA, pid) for pid in ids}
            linked = [pid for pid in ids if state.find_link(self.agenda, pohoda_id=int(pid)) is not None]
            # the item that already had this code when last synced keeps its product
            holders = [pid for pid in linked
                       if stock_code(state.get_shadow(self.agenda, POHODA, pid)) == code]
            keep = holders[0] if len(holders) == 1 else linked[0] if len(linked) == 1 else None
            where = ", ".join(f"{pid} ({warehouse(records[pid]) or 'no warehouse'})" for pid in ids)
            for pid in ids:
                if pid == keep:
                    continue
                self.stage.mark_done(POHODA, pid)
                self.quarantine(
                    POHODA, pid, records[pid],
                    f"stock code '{code}' is used by {len(ids)} stock items ({where}); a Raynet product needs "
                    "a unique code (R-C2, R-S2) — give each item its own code in POHODA, or select one "
                    "warehouse (filter.pohoda_select.stores)", field=f"{HEADER}.code", rule="R-C2")

    def _add_store_quantities(self) -> None:
        """R-S3: put the quantities of each staged item's code in the other warehouses into the record.

        The other warehouses were read for changes since the cursor (whole on a
        first run) with the step's own records (``side_reads``). An item whose code changed only in another warehouse is
        read again from POHODA; a quantity not read this run is the one synced
        last time (shadow), else looked up. No item in a warehouse = 0.
        """
        ctx, stage = self.ctx, self.stage
        since = self._cursor(POHODA)
        stores = sorted({q.store for q in self.quantities})
        changed = self._changed_quantities or {}   # read with the step's own records, before pairing (side_reads)
        staged = {code: ids[0] for code, ids in self._pending_codes().items()}
        if since is not None:  # a first run staged every item of the selected warehouses already
            missing = {code for store in stores for code in changed[store]} - staged.keys()
            for record in self._main_items(missing):
                if stock_kind(record) not in self.kinds:
                    continue
                pid = self.pohoda_id_of(record)
                stage.put(POHODA, pid, record, self.match_keys(POHODA, record))
                staged[stock_code(record)] = str(pid)
        values: dict[str, dict[str, Decimal]] = {}
        wanted: dict[str, set[str]] = {}
        for code, pid in staged.items():
            shadow = ctx.state.get_shadow(self.agenda, POHODA, pid) if since is not None else None
            row = values.setdefault(code, {})
            for q in self.quantities:
                if code in changed[q.store]:
                    row[q.name] = changed[q.store][code]
                elif since is None:
                    row[q.name] = Decimal(0)
                elif get_path(shadow, (QUANTITIES, q.name)) is not None:
                    row[q.name] = get_path(shadow, (QUANTITIES, q.name))
                else:
                    wanted.setdefault(q.store, set()).add(code)
        for store, codes in wanted.items():
            found = {stock_code(r): _count(r) for r in self._by_codes(store, codes)}
            for q in self.quantities:
                if q.store == store:
                    for code in codes:
                        values[code][q.name] = found.get(code, Decimal(0))
        for code, pid in staged.items():
            record = stage.get(POHODA, pid)
            record[QUANTITIES] = values[code]
            stage.put(POHODA, pid, record, self.match_keys(POHODA, record))

    def _main_items(self, codes: set[str]) -> Iterator[dict]:
        for store in self.stores or (None,):
            yield from self._by_codes(store, codes)

    def _by_codes(self, store: str | None, codes: Iterable[str]) -> Iterator[dict]:
        """Stock items of ``store`` with these codes: one list request per code (the codes as the items of one
        dataPack), or one read of the warehouse."""
        codes = set(codes)
        if not codes:
            return
        base = {"store": store} if store else {}
        if len(codes) <= LOOKUP_ONE_BY_ONE:
            queries = [ListQuery("stock", {**base, "code": code}) for code in sorted(codes)]
            for _, record in self.ctx.pohoda.list_together(queries):
                yield record
            return
        for record in self.ctx.pohoda.list("stock", filter=base):
            if stock_code(record) in codes:
                yield record

    # ------------------------------------------------------------ rules
    def check_record(self, side: str, record: dict) -> None:
        if side == POHODA and not stock_code(record):
            raise Reject("the stock item has no code; a Raynet product needs one (R-C2)", field=f"{HEADER}.code",
                         rule="R-C2")

    # ------------------------------------------------------------ writes
    def create_in_raynet(self, p: dict, link: Link | None = None) -> None:
        """R-S2: never a second product with one code — an existing product with the code is paired instead."""
        if self.plan.runs(TO_RAYNET) and (not self.first[RAYNET] or "code" not in self.plan.model.match):
            existing = self._product_with_code(stock_code(p))
            if existing is not None:
                self._pair_existing(existing, p, link)
                return
        super().create_in_raynet(p, link)

    def _product_with_code(self, code: str) -> dict | None:
        """The Raynet product with exactly this code (``code`` is no documented list filter: fulltext)."""
        found = [r for r in self.ctx.raynet.client.iter_list("product", fulltext=code)
                 if str(r.get("code") or "").strip() == code]
        if len(found) > 1:
            raise Reject(f"{len(found)} Raynet products have the code '{code}' (ids "
                         f"{', '.join(str(r['id']) for r in found)}); merge them in Raynet (R-S2)",
                         field=f"{HEADER}.code", rule="R-S2")
        return found[0] if found else None

    def _pair_existing(self, product: dict, p: dict, link: Link | None) -> None:
        rid, pid, code = int(product["id"]), self.pohoda_id_of(p), stock_code(p)
        other = self.ctx.state.find_link(self.agenda, raynet_id=rid)
        if other is not None and other.pohoda_id not in (None, pid):
            raise Reject(f"Raynet product {rid} with code '{code}' already mirrors stock item {other.pohoda_id}; "
                         "two stock items with one code would make two products with one code (R-C2, R-S2) — "
                         "give this stock item its own code in POHODA", field=f"{HEADER}.code", rule="R-C2")
        if "code" not in self.plan.model.match:
            raise Reject(f"Raynet already has product {rid} with code '{code}' and the mapping does not pair by "
                         "code (agendas.stock.match), so no second product is created (R-S2) — add code to match, "
                         "or change the code", field=f"{HEADER}.code", rule="R-S2")
        r = self.prepare_raynet(product)
        link = self.save_link(rid, pid, p, link)
        self.counts_to_r.linked += 1
        self.ctx.plan(self.agenda, "state", "link", f"{self.label(RAYNET, r)} ⇄ {self.label(POHODA, p)}",
                      f"{self.agenda}:link:{rid}:{pid}", {"match": "code"})
        self.sync_pair(r, p, link)

    def write_raynet_update(self, link: Link, writes: dict[str, Any], r_cur, p_cur) -> None:
        code = writes.get("code")
        if code and link.raynet_id is not None and link.raynet_id > 0:
            other = self._product_with_code(str(code).strip())
            if other is not None and int(other["id"]) != link.raynet_id:
                raise Reject(f"the stock item's new code '{code}' is the code of Raynet product {other['id']}; "
                             "two products with one code are not allowed (R-S2, R-C2) — use another code",
                             field=f"{HEADER}.code", rule="R-S2")
        super().write_raynet_update(link, writes, r_cur, p_cur)

    def save_link(self, raynet_id, pid, pohoda_record=None, link=None, **extra) -> Link:
        saved = super().save_link(raynet_id, pid, pohoda_record, link, **extra)
        if saved.raynet_id is not None and saved.pohoda_id is not None:
            scratch_ids(self.ctx.scratch, LINKED_THIS_RUN).add(saved.pohoda_id)
        return saved

    def create_raynet(self, values: dict[str, Any], pohoda_record: dict, ext_id: str) -> int:
        plain = {k: v for k, v in values.items() if v is not None and not _custom(k)}
        custom = {k: v for k, v in values.items() if v is not None and _custom(k)}
        api = self.entity_api()
        rid = api.create(body_from_values("product", plain, self.key_for), ext_id=ext_id)
        if custom:
            # [OAS] PUT /product/ (ProductInsertDto) takes no custom fields; the edit (ProductEditDto) does
            api.update(rid, body_from_values("product", custom, self.key_for))
        return rid


def _custom(path: str) -> bool:
    return path.startswith("customFields") and (custom_field_label(path) is not None or "." in path)


def _count(record: Mapping[str, Any]) -> Decimal:
    value = get_path(record, f"{HEADER}.count")
    return Decimal(value) if value is not None else Decimal(0)
