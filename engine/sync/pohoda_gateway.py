"""The engine's door to POHODA: paged list reads and batched writes.

Reads page through a list export by record id (``ftr:limit`` idFrom/count),
streaming each page (constant memory); several list requests (e.g. the three
invoice types of one agenda) go together as the items of one dataPack
(``list_together``), so a step reads what it needs in one request per page.
Writes are rendered documents sent in dataPacks of ``batch_size`` items;
each item's outcome comes back matched by its dataPackItem id. The transport is any ``PohodaTransport`` that answers
(mServer); a transport that does not answer (the file outbox) is used by
``rpsync export`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator, Mapping, Sequence

from engine.errors import RpsyncError
from engine.pohoda import lists, render, responses
from engine.pohoda.transport import AnswerLost
from engine.pohoda.transport.mserver import MServerTransport
from engine.sync.crashpoints import crashpoint
from engine.sync.pack_archive import PackArchive
from engine.sync.paths import get_path

#: where a POHODA record of each agenda keeps its id
ID_PATHS: dict[str, str] = {
    "address_book": "addressbookHeader.id",
    "contact_persons": "addressbookHeader.id",
    "delivery_addresses": "addressbookHeader.id",
    "stock": "stockHeader.id",
    "related_prices": "stockHeader.id",
    "sales_prices": "id",
    "contracts": "contractDesc.id",
    "received_orders": "orderHeader.id",
    "offers": "offerHeader.id",
    "issued_invoices": "invoiceHeader.id",
    "payments": "invoiceHeader.id",
}
#: where a POHODA document keeps its number
NUMBER_PATHS: dict[str, str] = {
    "contracts": "contractDesc.number.numberRequested",
    "received_orders": "orderHeader.number.numberRequested",
    "offers": "offerHeader.number.numberRequested",
    "issued_invoices": "invoiceHeader.number.numberRequested",
}
#: where the extIds of a POHODA record are (list of {ids, exSystemName})
EXT_ID_PATHS: dict[str, str] = {
    "address_book": "addressbookHeader.identity.extId",
    "contact_persons": "addressbookHeader.identity.extId",
    "stock": "stockHeader.extId",
    "received_orders": "orderHeader.extId",
    "offers": "offerHeader.extId",
    "issued_invoices": "invoiceHeader.extId",
}


@dataclass(frozen=True)
class ListQuery:
    """One list request: ``agenda`` (as ``PohodaGateway.list`` takes it), its ``filter`` and render context
    (``invoice_type``, ``liquidations`` …)."""

    agenda: str
    filter: Mapping[str, Any] | None = None
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def list_agenda(self) -> str:
        """The agenda whose list request reads it (contact persons and delivery addresses: the address book)."""
        return "address_book" if self.agenda in ("contact_persons", "delivery_addresses") else self.agenda


class PohodaWriteError(RpsyncError):
    code = "E-POHODA-WRITE"


def pohoda_id(agenda: str, record: Mapping[str, Any]) -> int | None:
    value = get_path(record, ID_PATHS[agenda])
    return int(value) if value is not None else None


def pohoda_number(agenda: str, record: Mapping[str, Any]) -> str | None:
    path = NUMBER_PATHS.get(agenda)
    if not path:
        return None
    value = get_path(record, path)
    if value is None:  # a number may be read back as plain text
        value = get_path(record, path.rsplit(".", 1)[0])
        if isinstance(value, Mapping):
            value = None
    return str(value) if value is not None else None


def ext_ids(agenda: str, record: Mapping[str, Any], system: str) -> list[str]:
    path = EXT_ID_PATHS.get(agenda)
    found = get_path(record, path) if path else None
    if isinstance(found, Mapping):
        found = [found]
    return [str(e.get("ids")) for e in found or () if isinstance(e, Mapping) and e.get("exSystemName") == system]


@dataclass(frozen=True)
class Write:
    """One document to write: the rendered agenda element and who it is for."""

    item_id: str
    xml: str
    agenda: str
    label: str
    key: str            # the engine's key of the intent (to match results back)


@dataclass(frozen=True)
class WriteResult:
    write: Write
    ok: bool
    produced_id: int | None
    produced_number: str | None
    message: str
    duplicate_of: int | None = None


class PohodaGateway:
    """``ico`` (and ``year`` where the profile names one) identify the accounting unit
    (R-G1, R-G2); ``archive`` keeps a copy of every dataPack sent to write, with its answer."""

    def __init__(self, transport: MServerTransport, *, ico: str, renderer: render.Renderer,
                 page_size: int = 1000, batch_size: int | None = None, year: int | None = None,
                 archive: PackArchive | None = None) -> None:
        self.transport = transport
        self.ico = ico
        self.year = year
        self.archive = archive
        self.renderer = renderer
        self.page_size = page_size
        self.batch_size = batch_size or getattr(transport, "batch_size", 100)
        self.requests = 0
        #: warnings POHODA attached to imported items, for the run report (``take_warnings``)
        self.warnings: list[str] = []

    # ------------------------------------------------------------------ reads
    def list(self, agenda: str, *, filter: Mapping[str, Any] | None = None,
             **context: Any) -> Iterator[dict]:
        """Every record of ``agenda`` matching ``filter``, page by page (by id)."""
        for _, record in self.list_together([ListQuery(agenda, filter, context)]):
            yield record

    def list_together(self, queries: Sequence[ListQuery]) -> Iterator[tuple[int, dict]]:
        """``(index of the query, record)`` for every record each query asks for, in as few requests as paging allows.

        Each query is one list-request dataPackItem of a shared dataPack (data.xsd: a dataPack carries 1..n
        dataPackItems, each one operation; POHODA answers each in the responsePackItem of the same id), paged
        by its own ``ftr:limit`` (idFrom/count). A query whose page came back full goes on in the next dataPack,
        with only the queries that still have pages; the records of one answer come query by query, streamed.
        """
        queries = list(queries)
        if not queries:
            return
        id_from: dict[int, int | None] = {i: None for i in range(len(queries))}
        while id_from:
            asked = sorted(id_from)
            item_ids = {i: ("list" if len(queries) == 1 else f"list-{i + 1}") for i in asked}
            items = []
            agendas = {}
            for i in asked:
                query = queries[i]
                items.append(render.PackItem(item_ids[i], self.renderer.render_list_request(
                    query.list_agenda, filter=query.filter, id_from=id_from[i], count=self.page_size,
                    **query.context)))
                agendas[item_ids[i]] = query.list_agenda
            pack = self.renderer.render_datapack(items, ico=self.ico, note="rpsync list")
            self.requests += 1
            index_of = {item_id: i for i, item_id in item_ids.items()}
            got = dict.fromkeys(asked, 0)
            last: dict[int, int | None] = dict.fromkeys(asked)
            with self.transport.open_response(pack) as fh:
                for item_id, record in lists.iter_item_records(fh, agendas):
                    i = index_of[item_id]
                    got[i] += 1
                    last[i] = pohoda_id(queries[i].list_agenda, record)
                    yield i, record
            for i in asked:
                if got[i] < self.page_size or last[i] is None:
                    del id_from[i]
                else:
                    id_from[i] = last[i] + 1

    @staticmethod
    def changed_query(agenda: str, since: datetime | None, *, select: Mapping[str, Any] | None = None,
                      **context: Any) -> ListQuery:
        """The query of ``changed_since`` (for ``list_together``)."""
        flt = dict(select or {})
        if since is not None:
            flt["last_changes"] = since
        return ListQuery(agenda, flt, context)

    def changed_since(self, agenda: str, since: datetime | None, *,
                      select: Mapping[str, Any] | None = None, **context: Any) -> Iterator[dict]:
        query = self.changed_query(agenda, since, select=select, **context)
        return self.list(agenda, filter=query.filter, **context)

    def find_by_ext_id(self, agenda: str, ext_id: str, **context: Any) -> dict | None:
        for record in self.list(agenda, filter={"ext_id": ext_id}, **context):
            return record
        return None

    def find_by_number(self, agenda: str, number: str, **context: Any) -> dict | None:
        for record in self.list(agenda, filter={"numbers": [number]}, **context):
            return record
        return None

    def get(self, agenda: str, record_id: int, **context: Any) -> dict | None:
        for record in self.list(agenda, filter={"id": record_id}, **context):
            return record
        return None

    def first_of(self, queries: Sequence[ListQuery]) -> dict | None:
        """The first record any of the queries finds, the queries asked together in one request (e.g. one record
        looked for among the invoice types: one listInvoiceRequest item per invoiceType)."""
        for _, record in self.list_together(queries):
            return record
        return None

    # ----------------------------------------------------------------- writes
    def write(self, writes: Iterable[Write]) -> Iterator[WriteResult]:
        """Send the writes in dataPacks; yield each write's outcome."""
        pending = list(writes)
        for start in range(0, len(pending), self.batch_size):
            batch = pending[start:start + self.batch_size]
            items = [render.PackItem(w.item_id, w.xml, agenda=w.agenda, label=w.label) for w in batch]
            pack = self.renderer.render_datapack(items, ico=self.ico, note="rpsync sync")
            self.requests += 1
            saved = self.archive.sent(pack) if self.archive is not None else None
            try:
                raw = self.transport.submit(pack)
            except AnswerLost as exc:   # sent, never answered (refusals and connect errors pass as they are)
                raise AnswerLost(
                    f"the answer to a dataPack of {len(batch)} {batch[0].agenda} write(s) was lost ({exc.message}); "
                    "POHODA may have imported them",
                    hint="run again: the next run looks those records up in POHODA (by extId or number) and "
                         "links what is there before writing anything again") from None
            crashpoint(f"{batch[0].agenda}:pohoda:sent")  # POHODA has the pack; its answer is not recorded yet
            if saved is not None:
                self.archive.answered(saved, raw)
            answer = responses.parse_response_pack(raw)
            answer.check()
            by_id = answer.by_id
            for w in batch:
                item = by_id.get(w.item_id)
                if item is None:
                    yield WriteResult(w, False, None, None, "POHODA gave no answer for this item")
                    continue
                if item.ok and item.warnings:   # imported; the warning goes into the run report
                    self.warnings.append(f"{w.agenda}: POHODA imported {w.label} with a warning: "
                                         + "; ".join(str(d) for d in item.warnings))
                dup = item.duplicity[0].id if item.duplicity else None
                yield WriteResult(w, item.ok, item.produced_id, item.produced_number, item.message(),
                                  duplicate_of=dup)

    def take_warnings(self) -> list[str]:
        """The warnings collected since the last call."""
        taken, self.warnings = self.warnings, []
        return taken

    def close(self) -> None:
        self.transport.close()
