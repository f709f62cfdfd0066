"""Read-only access to the POHODA SQL database (POHODA SQL / E1 on MS SQL Server) via pyodbc.

Used for change detection (``DatSave``) and for fast reads where an XML export
is slow. rpsync never writes to the database: all writes go through XML
(mServer or files); every statement below is a SELECT, and this module holds
ALL of rpsync's SQL.

Table and column names come from a third-party description of the POHODA
schema (facts notes §9: [GH:Spoje-NET/PohodaSQL templates/*.php], e.g. ``AD``
with ``WWW varchar(32)``, ``OBJ`` with ``RelTpObj``, ``Vyrizeno``,
``DatStorn``, ``CisloZAK``, ``OBJpol`` with ``RefAg``, ``SText``, ``Kod``,
``Mnozstvi``, ``MJ``, ``KcJedn``, ``Kc``, ``KcDPH``, ``RefSKz``). The item
tables ``NABpol`` and ``FApol`` are read with the ``OBJpol`` columns
(assumed to match). The document-type codes are not documented: third-party
queries use ``OBJ.RelTpObj = 1`` for received orders and ``FA.RelTpFak = 1``
for issued invoices; other codes are a profile setting (``type_codes``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Iterator, Mapping, Sequence

from engine import catalogs
from engine.errors import ConfigError
from engine.pohoda.localtime import aware, to_local
from engine.pohoda.transport import Health, TransportError
from engine.secrets import Secret, redact


@dataclass(frozen=True)
class Table:
    name: str
    number: str  # column with the document number / code
    rel_ag: int  # agenda number in SExtID.RelAgID (idAgend.md)
    type_column: str | None = None
    items: str | None = None  # item table (RefAg -> header ID)
    header: str = ""  # record path of the header (for documents)


#: agenda -> table (idAgend.md: 2 issued invoices, 11 received orders, 13 address book,
#: 20 stocks, 39 contracts, 92 offers)
TABLES: dict[str, Table] = {
    "address_book": Table("AD", "Cislo", 13),
    "received_orders": Table("OBJ", "Cislo", 11, "RelTpObj", "OBJpol", "orderHeader"),
    "offers": Table("NAB", "Cislo", 92, "RelTpNab", "NABpol", "offerHeader"),
    "issued_invoices": Table("FA", "Cislo", 2, "RelTpFak", "FApol", "invoiceHeader"),
    "contracts": Table("SZAK", "Cislo", 39),
    "stock": Table("SKz", "IDS", 20),
}
#: document-type codes (third-party evidence, see the module doc); None = all rows
DEFAULT_TYPE_CODES: dict[str, tuple[int, ...] | None] = {
    "received_orders": (1,), "issued_invoices": (1,), "offers": None,
}

_ADDRESS = {"Firma": "company", "Jmeno": "name", "Ulice": "street", "PSC": "zip", "Obec": "city",
            "ICO": "ico", "DIC": "dic"}


def _partner(header: str) -> dict[str, str]:
    out = {"RefAD": f"{header}.partnerIdentity.id"}
    out.update({col: f"{header}.partnerIdentity.address.{f}" for col, f in _ADDRESS.items() if col in ("Firma", "ICO")})
    return out


#: agenda -> {column: record path} (the record shape of docs/architecture.md)
COLUMNS: dict[str, dict[str, str]] = {
    "address_book": {
        "ID": "addressbookHeader.id", "Cislo": "addressbookHeader.number.numberRequested",
        **{col: f"addressbookHeader.identity.address.{f}" for col, f in _ADDRESS.items()},
        "Tel": "addressbookHeader.phone", "Email": "addressbookHeader.email", "WWW": "addressbookHeader.web",
    },
    "received_orders": {
        "ID": "orderHeader.id", "Cislo": "orderHeader.number.numberRequested", "Datum": "orderHeader.date",
        "SText": "orderHeader.text", "Vyrizeno": "orderHeader.isExecuted",
        "DatStorn": "orderHeader.dateCancellation", "CisloZAK": "orderHeader.contract.ids",
        **_partner("orderHeader"),
    },
    "offers": {
        "ID": "offerHeader.id", "Cislo": "offerHeader.number.numberRequested", "Datum": "offerHeader.date",
        "SText": "offerHeader.text", **_partner("offerHeader"),
    },
    "issued_invoices": {
        "ID": "invoiceHeader.id", "Cislo": "invoiceHeader.number.numberRequested", "Datum": "invoiceHeader.date",
        "DatSplat": "invoiceHeader.dateDue", "VarSym": "invoiceHeader.symVar", "SText": "invoiceHeader.text",
        **_partner("invoiceHeader"),
    },
    "contracts": {
        "ID": "contractDesc.id", "Cislo": "contractDesc.number.numberRequested", "SText": "contractDesc.text",
        "Zahajeni": "contractDesc.dateStart", "Predani": "contractDesc.dateDelivery",
        **_partner("contractDesc"),
    },
    "stock": {
        "ID": "stockHeader.id", "IDS": "stockHeader.code", "EAN": "stockHeader.EAN", "Nazev": "stockHeader.name",
        "StavZ": "stockHeader.count",
    },
}
#: item table columns -> item path (under orderItem[] / offerItem[] / invoiceItem[])
ITEM_COLUMNS: dict[str, str] = {
    "ID": "id", "SText": "text", "Kod": "code", "Mnozstvi": "quantity", "MJ": "unit",
    "KcJedn": "homeCurrency.unitPrice", "Kc": "homeCurrency.price", "KcDPH": "homeCurrency.priceVAT",
    "RefSKz": "stockItem.stockItem.id",
}
ITEM_LIST = {"received_orders": "orderDetail.orderItem", "offers": "offerDetail.offerItem",
             "issued_invoices": "invoiceDetail.invoiceItem"}

# -- ALL SQL of rpsync ---------------------------------------------------------------------
# Table/column names are interpolated only from the fixed tables above, never from input;
# values always travel as parameters.
SQL_PING = "SELECT 1"
SQL_CHANGED = "SELECT ID, {number}, DatSave FROM {table} WHERE DatSave >= ?{types} ORDER BY DatSave, ID"
SQL_CHANGED_ALL = "SELECT ID, {number}, DatSave FROM {table}{where} ORDER BY DatSave, ID"
SQL_ROWS = "SELECT {columns} FROM {table} WHERE ID IN ({marks}) ORDER BY ID"
SQL_ITEMS = "SELECT RefAg, {columns} FROM {table} WHERE RefAg IN ({marks}) ORDER BY RefAg, ID"
SQL_EXT_IDS = (
    "SELECT e.RefDocID, e.IDS FROM SExtID e JOIN SExtSys s ON s.ID = e.RefExtSys "
    "WHERE e.RelAgID = ? AND s.IDS = ?"
)
SQL_BY_EXT_ID = (
    "SELECT e.RefDocID FROM SExtID e JOIN SExtSys s ON s.ID = e.RefExtSys "
    "WHERE e.RelAgID = ? AND s.IDS = ? AND e.IDS = ?"
)
#: SQL Server allows 2100 parameters per statement; stay well below
CHUNK = 500


@dataclass(frozen=True)
class Change:
    """A record saved after the cursor (``DatSave``)."""

    id: int
    number: str | None
    saved_at: dt.datetime


def _set(record: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    node = record
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _typed(info: catalogs.FieldInfo | None, value: Any) -> Any:
    if value is None:
        return None
    kind = info.type if info else "string"
    if kind == "decimal" or isinstance(value, float):
        return Decimal(str(value)) if not isinstance(value, Decimal) else value
    if kind == "integer":
        return int(value)
    if kind == "boolean":
        return bool(value)
    if kind == "date" and isinstance(value, dt.datetime):
        return value.date()
    if kind == "string" and not isinstance(value, str):
        return str(value)
    if isinstance(value, str):
        return value.rstrip() if kind != "string" else value
    return value


class DatabaseReader:
    """Read-only POHODA database access; implements ``PohodaTransport`` (``submit`` refuses)."""

    kind = "database"

    def __init__(
        self,
        connection_string: Secret | str,
        *,
        type_codes: Mapping[str, Sequence[int] | None] | None = None,
        timeout: int = 30,
        connect=None,
    ) -> None:
        self._dsn = connection_string if isinstance(connection_string, Secret) else Secret(connection_string)
        self.type_codes = {**DEFAULT_TYPE_CODES, **(dict(type_codes) if type_codes else {})}
        self.timeout = timeout
        self._connect = connect
        self._conn = None

    # -- connection ----------------------------------------------------------
    def _connection(self):
        if self._conn is None:
            try:
                import pyodbc
            except ImportError as exc:  # libodbc missing on this machine
                raise TransportError(
                    f"the POHODA database transport needs an ODBC driver manager: {exc}",
                    hint="install unixODBC and the ODBC driver of the POHODA database (e.g. msodbcsql18)",
                ) from None
            connect = self._connect or pyodbc.connect
            try:
                self._conn = connect(self._dsn.reveal(), readonly=True, autocommit=True, timeout=self.timeout)
            except pyodbc.Error as exc:
                raise TransportError(redact(f"cannot open the POHODA database: {exc}")) from None
        return self._conn

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        if not sql.lstrip().upper().startswith("SELECT"):
            raise TransportError("the POHODA database is read-only for rpsync")  # never reached by design
        conn = self._connection()
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(sql, *params) if params else cursor.execute(sql)
                return [tuple(row) for row in cursor.fetchall()]
            finally:
                cursor.close()
        except TransportError:
            raise
        except Exception as exc:  # pyodbc.Error and driver errors
            raise TransportError(redact(f"reading the POHODA database failed: {exc}")) from None

    def _table(self, agenda: str) -> Table:
        table = TABLES.get(agenda)
        if table is None:
            raise ConfigError(f"the database transport cannot read {agenda}; it reads: {', '.join(TABLES)}")
        return table

    def _type_filter(self, agenda: str, table: Table) -> tuple[str, list[int]]:
        codes = self.type_codes.get(agenda)
        if not table.type_column or not codes:
            return "", []
        marks = ", ".join("?" for _ in codes)
        return f" AND {table.type_column} IN ({marks})", list(codes)

    # -- reads ---------------------------------------------------------------
    def changed_since(
        self, agenda: str, since: dt.datetime | None = None, after_id: int = 0
    ) -> list[Change]:
        """Records saved after the cursor ``(since, after_id)``, oldest first (``DatSave``, ``ID``).

        Keep the last ``Change``'s ``(saved_at, id)`` as the next cursor: rows saved in
        the same second are not lost.
        """
        table = self._table(agenda)
        types, codes = self._type_filter(agenda, table)
        if since is None:
            where = (" WHERE 1 = 1" + types) if types else ""
            rows = self._query(SQL_CHANGED_ALL.format(number=table.number, table=table.name, where=where), codes)
        else:
            stamp = to_local(since)
            rows = self._query(SQL_CHANGED.format(number=table.number, table=table.name, types=types), [stamp, *codes])
            # rows saved in the cursor's own second: only those after the cursor's id
            rows = [r for r in rows if not (_naive(r[2]) == stamp and int(r[0]) <= int(after_id))]
        return [Change(int(r[0]), None if r[1] is None else str(r[1]).strip(), _aware(r[2])) for r in rows]

    def records(self, agenda: str, ids: Iterable[int]) -> Iterator[dict]:
        """Records by POHODA id, in the record shape of the XML lists (the columns rpsync knows)."""
        table = self._table(agenda)
        cat = catalogs.load("pohoda", agenda)
        columns = COLUMNS[agenda]
        ids = [int(i) for i in ids]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows = self._query(SQL_ROWS.format(columns=", ".join(columns), table=table.name, marks=marks), chunk)
            items = self._items(agenda, table, chunk) if table.items else {}
            for row in rows:
                record: dict = {}
                for col, value in zip(columns, row):
                    path = columns[col]
                    typed = _typed(cat.fields.get(path), value)
                    if typed is not None:
                        _set(record, path, typed)
                if table.items:
                    _set(record, ITEM_LIST[agenda], items.get(int(row[0]), []))
                yield record

    def _items(self, agenda: str, table: Table, ids: list[int]) -> dict[int, list[dict]]:
        cat = catalogs.load("pohoda", agenda)
        base = ITEM_LIST[agenda] + "[]"
        marks = ", ".join("?" for _ in ids)
        rows = self._query(SQL_ITEMS.format(columns=", ".join(ITEM_COLUMNS), table=table.items, marks=marks), ids)
        out: dict[int, list[dict]] = {}
        for row in rows:
            item: dict = {}
            for col, value in zip(ITEM_COLUMNS, row[1:]):
                path = ITEM_COLUMNS[col]
                typed = _typed(cat.fields.get(f"{base}.{path}"), value)
                if typed is not None:
                    _set(item, path, typed)
            out.setdefault(int(row[0]), []).append(item)
        return out

    def ext_ids(self, agenda: str, ext_system: str) -> dict[int, str]:
        """POHODA id -> external id of ``ext_system`` (``SExtID`` joined with ``SExtSys``)."""
        table = self._table(agenda)
        return {int(r[0]): str(r[1]) for r in self._query(SQL_EXT_IDS, [table.rel_ag, ext_system])}

    def find_by_ext_id(self, agenda: str, ext_system: str, ext_id: str) -> int | None:
        table = self._table(agenda)
        rows = self._query(SQL_BY_EXT_ID, [table.rel_ag, ext_system, str(ext_id)])
        return int(rows[0][0]) if rows else None

    # -- PohodaTransport ----------------------------------------------------
    def submit(self, pack: bytes) -> bytes | None:
        raise TransportError(
            "the database transport is read-only; rpsync writes to POHODA only through XML",
            hint="configure an mserver or files transport for writes",
        )

    def health(self) -> Health:
        try:
            self._query(SQL_PING)
        except TransportError as exc:
            return Health(False, exc.message)
        return Health(True, "POHODA database answers")

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def _naive(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return to_local(value)


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return aware(value)
