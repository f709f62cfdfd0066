"""Related prices → price-list items, one way POHODA → Raynet (R-L2).

The related prices of a stock item (its discounts tab, ``stockPriceItem/
stockPrice``: a price level's code in ``ids`` and the price) become items of
the Raynet price list the mapping pairs with that level (``price_lists``), for
the stock item's product. "Updating a stock item always updates all its related
prices" (R-L2): when a stock item changed since it was last synced (a
fingerprint of the whole POHODA record and its product), all its related prices
are upserted; an unchanged stock item costs nothing.

Writes go through ``POST /priceList/{id}/itemBulkUpsert/`` in calls of at most
100 items, collected across stock items per price list, so a run spends about
one Raynet request per 100 changed related prices of a price list. An upsert is
keyed by (price list, product) in Raynet, so re-sending after a crash never
duplicates an item. A related price removed in POHODA is reported; its Raynet
item is kept (nothing is deleted).

The price list of a level is the one the sales-prices step linked; without
such a link (that agenda off), the Raynet price list of the mapped name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from engine.mapping.model import TO_RAYNET
from engine.pohoda import lists
from engine.raynet.entities import BULK_UPSERT_MAX
from engine.raynet.errors import QuotaExhausted, RaynetError
from engine.state.model import IntentStatus, Link
from engine.sync.compile import TransformError
from engine.sync.crashpoints import crashpoint
from engine.sync.ondisk import IdSet
from engine.sync.paths import get_path, set_path
from engine.sync.snapshot import fingerprint, norm_text
from engine.sync.stage import Stage
from engine.sync.steps.base import POHODA, POHODA_OVERLAP, RAYNET, Reject, Step
from engine.sync.steps.sales_prices import price_list_for, sales_price_levels
from engine.sync.steps.stock import LINKED_THIS_RUN, stock_code, stock_kind
from engine.sync.steps.sub_records import Waiting

STOCK = "stock"


def _without_unit_ids(record: Mapping[str, Any]) -> dict:
    """The stock record without its id in the accounting unit (a new unit after year-end closing, R-G2,
    holds the same item under another id)."""
    header = {k: v for k, v in (record.get("stockHeader") or {}).items() if k != "id"}
    return {**record, "stockHeader": header}


@dataclass
class _Item:
    """One related price waiting for its bulk upsert."""

    stock_id: int
    ids: str                # the price level's code
    body: dict[str, Any]
    key: str


@dataclass
class _StockItem:
    """A stock item whose related prices are being written (its shadow is stored when all are done)."""

    stock_id: int
    record: dict            # enough of the stock record to name it in reports
    fingerprint: str
    prices: list[str]
    left: int
    errors: list[str] = field(default_factory=list)
    held: bool = False      # some write was left out (saved plan): do not mark it synced


class RelatedPricesStep(Step):
    agenda = "related_prices"
    raynet_entity = "priceList"
    pohoda_agenda = "related_prices"

    def explain_extra(self) -> list[str]:
        return ["a stock item changed since its last sync has all its related prices (stockPriceItem) upserted "
                "as items of the mapped price lists (R-L2), in calls of at most 100 items "
                "(POST /priceList/{id}/itemBulkUpsert/); an unchanged stock item costs nothing"]

    def label(self, side: str, record: Mapping[str, Any] | None) -> str:
        if not record:
            return ""
        return f"related prices of stock item {get_path(record, 'stockHeader.id')} {stock_code(record)}".strip()

    # ================================================================ run
    def run(self) -> None:
        ctx = self.ctx
        started = ctx.now()
        self._levels: dict[str, dict] | None = None
        self._raynet_lists: dict[str, int] | None = None
        self._targets: dict[str, int | Reject] = {}
        self._batches: dict[int, list[_Item]] = {}
        self._open: dict[int, _StockItem] = {}
        # stock items the stock agenda transfers but had not linked when their prices were read: kept in the
        # state, since the run that links them may stop before this step (Raynet's quota, a kill)
        self.waiting = Waiting(ctx.state, self.agenda, POHODA)
        with Stage() as stage:
            ctx.progress(self.agenda, "reading POHODA")
            for record in self._read_stock(self._cursor(POHODA)):
                stage.put(POHODA, self.pohoda_id_of(record), record)
            # stock items the stock step linked to a product this run, and related prices in quarantine
            again = IdSet(ctx.scratch.get(LINKED_THIS_RUN, ()))  # on disk: a first run links every item
            again.update(pid for pid, _ in self.waiting.linked(lambda pid: self.raynet_counterpart(STOCK, pid)))
            again.update(int(q.record_id) for q in ctx.state.quarantined(self.agenda)
                         if q.side == POHODA and q.record_id.isdigit())
            for pid in again:  # ascending
                if not stage.has(POHODA, pid):
                    record = ctx.pohoda.get(STOCK, pid)
                    if record is not None:
                        stage.put(POHODA, pid, record)
            stage.seal()
            for pid, record in stage.pending(POHODA):
                stage.mark_done(POHODA, pid)
                try:
                    self._sync_stock_item(record)
                except Reject as rej:
                    self.quarantine(POHODA, pid, record, str(rej.message), field=rej.field, rule=rej.rule)
                except TransformError as err:
                    self.quarantine(POHODA, pid, record, str(err.message), field=err.field)
            for list_id in list(self._batches):
                self._flush(list_id)
        self.waiting.finish()  # before the cursor moves past the items read
        ctx.state.set_cursor(self.agenda, POHODA, started.isoformat())
        crashpoint(f"{self.agenda}:cursors")

    def _read_stock(self, since) -> Iterator[dict]:
        """Stock items changed since ``since``, of the warehouses the stock agenda reads (R-G7)."""
        since = since - POHODA_OVERLAP if since is not None else None
        stock = self.ctx.agendas.get(STOCK)
        stores = tuple(stock.model.filter.pohoda_select.stores) if stock is not None else ()
        pohoda = self.ctx.pohoda
        queries = [pohoda.changed_query(STOCK, since, select={"store": store} if store else {})
                   for store in stores or (None,)]
        for _, record in pohoda.list_together(queries):   # the warehouses as the items of one dataPack
            yield record

    # ======================================================= one stock item
    def _sync_stock_item(self, record: dict) -> None:
        ctx = self.ctx
        pid = self.pohoda_id_of(record)
        stock = ctx.agendas.get(STOCK)
        if stock is not None and (stock_kind(record) not in stock.model.kinds or (
                stock.filter_to_raynet is not None and stock.filter_to_raynet(record) is not True)):
            return  # the stock agenda does not (or no longer) transfer this item: neither are its prices
        link = self.raynet_counterpart(STOCK, pid)
        if link is None:
            self.waiting.add(pid)  # not linked yet (quarantined, or its run stopped before the stock step)
            return
        prices = lists.derived("related_prices", record)
        mapped = [(p, pl) for p in prices if (pl := price_list_for(ctx.mapping, str(p.get("ids") or "").strip()))]
        self.counts_to_r.read += len(mapped)
        self.counts_to_r.skipped += len(prices) - len(mapped)
        digest = fingerprint({"record": _without_unit_ids(record), "product": link.raynet_id})
        shadow = ctx.state.get_shadow(self.agenda, POHODA, str(pid))
        if shadow is not None and shadow.get("fingerprint") == digest:
            self.counts_to_r.unchanged += len(mapped)
            return
        items = []
        for price, pl in mapped:
            if not self.passes(POHODA, price):
                continue
            list_id = self._price_list_id(pl)
            body: dict[str, Any] = {"product": link.raynet_id}
            for b in self.bindings:
                if b.to_raynet is not None and b.raynet_path:
                    value = b.to_raynet(price)
                    if value is not None:
                        set_path(body, b.raynet_path, value)
            ids = str(price.get("ids")).strip()
            items.append((list_id, _Item(pid, ids, body, f"{self.agenda}:upsert:{pid}:{ids}")))
        synced = sorted({str(p.get("ids")).strip() for p, _ in mapped})
        for gone in sorted(set((shadow or {}).get("prices") or ()) - set(synced)):
            ctx.report.notes.append(
                f"related_prices: stock item {pid} {stock_code(record)} no longer has the related price "
                f"'{gone}'; its item in Raynet is kept (rpsync deletes nothing)")
        header = {k: get_path(record, f"stockHeader.{k}") for k in ("id", "code", "name")}
        pending = _StockItem(pid, {"stockHeader": header}, digest, synced, left=len(items))
        self._open[pid] = pending
        if not items:
            self._finish(pending)
            return
        for list_id, item in items:
            batch = self._batches.setdefault(list_id, [])
            batch.append(item)
            if len(batch) >= BULK_UPSERT_MAX:
                self._flush(list_id)

    def _price_list_id(self, pl) -> int:
        """The Raynet price list of a mapped price level (R-L1): linked by sales prices, else by name."""
        found = self._targets.get(pl.name)
        if found is None:
            found = self._resolve(pl)
            self._targets[pl.name] = found
        if isinstance(found, Reject):
            raise found
        return found

    def _resolve(self, pl) -> int | Reject:
        if self._levels is None:
            self._levels = {str(r.get("code") or "").strip(): r for r in sales_price_levels(self.ctx)}
        level = self._levels.get(pl.pohoda)
        link = self.ctx.state.find_link("sales_prices", pohoda_id=int(level["id"])) \
            if level is not None and level.get("id") is not None else None
        if link is not None and link.raynet_id is not None and link.deleted_on != RAYNET:
            return link.raynet_id
        if self._raynet_lists is None:
            self._raynet_lists = {norm_text(r.get("name")): int(r["id"]) for r in self.ctx.raynet.price_lists.list()}
        rid = self._raynet_lists.get(norm_text(pl.raynet))
        if rid is not None:
            return rid
        return Reject(f"Raynet has no price list '{pl.raynet}' for the related price '{pl.pohoda}' yet; the "
                      "sales_prices agenda creates it (see its quarantine: a missing currency?) — the related "
                      "prices go on the run after it exists (R-L2, R-L1)", field="ids", rule="R-L2")

    # ============================================================== writes
    def _flush(self, list_id: int) -> None:
        ctx = self.ctx
        batch = self._batches.pop(list_id, [])
        sending = []
        for item in batch:
            if ctx.may_write(item.key):
                sending.append(item)
            else:
                self._done(item, held=True)
        if not sending:
            return
        if ctx.dry_run:
            for item in sending:
                label = self.label(POHODA, self._open[item.stock_id].record)
                ctx.plan(self.agenda, RAYNET, "upsert", f"{label} → price list {list_id}",
                         item.key, item.body)
                self._done(item, inserted=None)
            return
        key = f"{self.agenda}:upsert:{list_id}:" + hashlib.blake2b(
            "|".join(i.key for i in sending).encode(), digest_size=8).hexdigest()
        intent = ctx.state.begin_intent(ctx.run_id, self.agenda, RAYNET, "upsert", key,
                                        source_id=",".join(str(i.stock_id) for i in sending))
        crashpoint(f"{self.agenda}:raynet-upsert:journaled")
        try:
            results = ctx.raynet.price_lists.bulk_upsert(list_id, [i.body for i in sending])
        except RaynetError as exc:
            if isinstance(exc, QuotaExhausted) or exc.status in (401, 403):
                raise
            ctx.state.finish_intent(intent.id, IntentStatus.FAILED, message=str(exc))
            for item in sending:
                self._done(item, error=f"{item.ids}: Raynet refused the price-list items: {exc.message}")
            return
        crashpoint(f"{self.agenda}:raynet-upsert:sent")
        ctx.state.finish_intent(intent.id, IntentStatus.DONE)
        if len(results) != len(sending):
            for item in sending:
                self._done(item, error=f"{item.ids}: Raynet answered {len(results)} lines for {len(sending)} items")
            return
        with ctx.state.transaction():
            for item, result in zip(sending, results):
                if result.success:
                    if result.price_list_item is not None:
                        self._save_item_link(item, list_id, result.price_list_item)
                    self._done(item, inserted=result.message == "inserted")
                else:
                    self._done(item, error=f"{item.ids}: Raynet refused the price-list item: {result.message}")
        crashpoint(f"{self.agenda}:raynet-upsert:linked")

    def _save_item_link(self, item: _Item, list_id: int, item_id: int) -> None:
        key = f"{item.stock_id}:{item.ids}"
        old = self.ctx.state.find_link(self.agenda, raynet_id=item_id) \
            or self.ctx.state.find_link(self.agenda, pohoda_number=key)
        self.ctx.state.save_link(Link(agenda=self.agenda, raynet_entity="priceListItem", raynet_id=item_id,
                                      pohoda_id=None, pohoda_number=key, parent_key=str(list_id),
                                      id=old.id if old is not None else None))

    def _done(self, item: _Item, *, inserted: bool | None = None, error: str | None = None,
              held: bool = False) -> None:
        pending = self._open[item.stock_id]
        if error:
            pending.errors.append(error)
        elif held:
            pending.held = True
        elif inserted:
            self.counts_to_r.created += 1
        else:
            self.counts_to_r.updated += 1
        pending.left -= 1
        if pending.left <= 0:
            self._finish(pending)

    def _finish(self, pending: _StockItem) -> None:
        self._open.pop(pending.stock_id, None)
        state = self.ctx.state
        if pending.errors:
            self.quarantine(POHODA, pending.stock_id, pending.record, "; ".join(pending.errors), rule="raynet")
            return
        if pending.held:
            return
        state.set_shadow(self.agenda, POHODA, str(pending.stock_id),
                         {"fingerprint": pending.fingerprint, "prices": pending.prices})
        state.release(self.agenda, POHODA, str(pending.stock_id))

    def reads(self, side: str) -> bool:
        return side == POHODA and self.plan.runs(TO_RAYNET)

    # ============================================================ rebind (R-G2)
    def rebind_sources(self, moved) -> list:
        return []   # its links name Raynet price-list items and stock items, which move with the stock agenda

    def rebind_commit(self, moved) -> None:
        """What was synced per stock item (shadows, link keys ``<stock id>:<level>``) follows the stock items
        to their ids in the new unit, so an unchanged stock item costs nothing there either."""
        state, stock = self.ctx.state, {old: new for old, new in moved.get(STOCK, {}).items() if new != old}
        shadows = {old: state.get_shadow(self.agenda, POHODA, str(old)) for old in stock}
        for old in stock:  # clear first: ids may swap between units
            state.delete_shadow(self.agenda, POHODA, str(old))
        for old, new in stock.items():
            if new is not None and shadows[old] is not None:
                state.set_shadow(self.agenda, POHODA, str(new), shadows[old])
        for link in list(state.iter_links(self.agenda)):
            old, _, level = (link.pohoda_number or "").partition(":")
            if old.isdigit() and stock.get(int(old)) is not None:
                state.save_link(Link(**{**link.__dict__, "pohoda_number": f"{stock[int(old)]}:{level}"}))
        Waiting(state, self.agenda, POHODA).clear()   # stock ids of the old unit (the next run reads the new whole)
