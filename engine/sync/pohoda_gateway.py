"""The engine's door to POHODA: paged list reads and batched writes.

Reads page through a list export by record id (``ftr:limit`` idFrom/count),
streaming each page (constant memory). Writes are rendered documents sent in
dataPacks of ``batch_size`` items; each item's outcome comes back matched by
its dataPackItem id. The transport is any ``PohodaTransport`` that answers
(mServer); a transport that does not answer (the file outbox) is used by
``rpsync export`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Iterator, Mapping

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
        id_from: int | None = None
        list_agenda = "address_book" if agenda in ("contact_persons", "delivery_addresses") else agenda
        while True:
            request = self.renderer.render_list_request(list_agenda, filter=filter, id_from=id_from,
                                                        count=self.page_size, **context)
            pack = self.renderer.render_datapack([render.PackItem("list", request)], ico=self.ico,
                                                 note="rpsync list")
            self.requests += 1
            n = 0
            last = None
            with self.transport.open_response(pack) as fh:
                for record in lists.iter_records(list_agenda, fh):
                    n += 1
                    last = pohoda_id(list_agenda, record)
                    yield record
            if n < self.page_size or last is None:
                return
            id_from = last + 1

    def changed_since(self, agenda: str, since: datetime | None, *,
                      select: Mapping[str, Any] | None = None, **context: Any) -> Iterator[dict]:
        flt = dict(select or {})
        if since is not None:
            flt["last_changes"] = since
        return self.list(agenda, filter=flt, **context)

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
