"""Database transport over a real ODBC driver (SQLite ODBC, tables shaped like POHODA's): read-only,
change detection by DatSave, records in the XML record shape, ext ids."""

import datetime as dt
import sqlite3
from decimal import Decimal as D
from pathlib import Path

import pytest

from engine import catalogs
from engine.pohoda.transport import TransportError
from engine.pohoda.transport import database
from engine.pohoda.transport.database import DatabaseReader
from engine.secrets import Secret

SCHEMA = Path(__file__).with_name("pohoda_schema.sql")


def _driver():
    import pyodbc

    names = [d for d in pyodbc.drivers() if "sqlite3" in d.lower()]
    assert names, "the SQLite3 ODBC driver is missing: apt-get install unixodbc libsqliteodbc (see .ci/run)"
    return names[0]


def _stamp(text):
    """SQLite keeps datetimes as text; store them as the ODBC driver binds datetime parameters."""
    return dt.datetime.fromisoformat(text).isoformat(" ", timespec="milliseconds")


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "StwPh_12345678_2025.db"
    con = sqlite3.connect(path)
    con.create_function("ts", 1, _stamp)
    con.executescript(SCHEMA.read_text())
    con.executemany("INSERT INTO AD (ID, Cislo, Firma, Jmeno, Ulice, PSC, Obec, ICO, DIC, Tel, Email, WWW, DatSave) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", [
                        (1, "A1", "Šroubárna s.r.o.", None, "Hlavní 1", "11000", "Praha", "12345679", "CZ12345679",
                         "+420 1", "a@b.cz", "www.sroub.cz", _stamp("2025-01-10 08:00:00")),
                        (2, "A2", "Beta", "Jan", "Polní 2", "60200", "Brno", None, None, None, None, None,
                         _stamp("2025-01-10 08:00:00")),
                        (3, "A3", "Gama", None, "K 3", "70030", "Ostrava", "111", None, None, None, None,
                         _stamp("2025-02-01 12:30:00")),
                    ])
    con.execute("INSERT INTO OBJ VALUES (10, '250100001', 1, 'Objednávka', ts('2025-01-05 00:00:00'), 1, 'Šroubárna s.r.o.',"
                " '12345679', 1, NULL, 'ZAK001', 1210.5, ts('2025-01-05 09:00:00'), ts('2025-01-06 10:00:00'))")
    con.execute("INSERT INTO OBJ VALUES (11, '250200001', 2, 'Vydaná', ts('2025-01-05 00:00:00'), 1, 'X', NULL, 0, NULL,"
                " NULL, 5, ts('2025-01-05 09:00:00'), ts('2025-01-07 10:00:00'))")
    con.executemany("INSERT INTO OBJpol (ID, RefAg, RefSKz, SText, Kod, Mnozstvi, MJ, KcJedn, Kc, KcDPH) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?)", [(100, 10, 7, "Šroub", "SR-M6", 10.0, "ks", 2.5, 25, 5.25),
                                              (101, 10, None, "Montáž", None, 1.5, "hod", 450, 675, 141.75)])
    con.execute("INSERT INTO FA (ID, Cislo, RelTpFak, SText, Datum, DatSplat, VarSym, RefAD, Firma, ICO, DatSave) VALUES "
                "(20, '250100007', 1, 'Faktura', ts('2025-01-08 00:00:00'), ts('2025-01-22 00:00:00'), '250100007', 1, 'Š', "
                "'12345679', ts('2025-01-08 11:00:00'))")
    con.execute("INSERT INTO SZAK (ID, Cislo, SText, RefAD, Firma, Zahajeni, DatSave) VALUES "
                "(30, 'ZAK001', 'Zakázka', 1, 'Šroubárna s.r.o.', ts('2025-01-01 00:00:00'), ts('2025-01-03 00:00:00'))")
    con.execute("INSERT INTO SKz (ID, IDS, EAN, Nazev, StavZ, RefSklad, DatSave) VALUES "
                "(7, 'SR-M6', '8590000000001', 'Šroub M6', 120.0, 1, ts('2025-01-02 00:00:00'))")
    con.execute("INSERT INTO SExtSys VALUES (1, 'raynet', 'Raynet CRM'), (2, 'eshop', 'E-shop')")
    con.executemany("INSERT INTO SExtID (RefDocID, RelAgID, IDS, RefExtSys) VALUES (?,?,?,?)",
                    [(1, 13, "rn-501", 1), (3, 13, "rn-503", 1), (1, 13, "shop-9", 2), (10, 11, "so-77", 1)])
    con.commit()
    con.close()
    reader = DatabaseReader(Secret(f"DRIVER={{{_driver()}}};Database={path}"))
    yield reader
    reader.close()


def test_health_over_odbc(db):
    assert db.health()
    broken = DatabaseReader("DRIVER={NoSuchDriver};Database=x;PWD=secret-pw")
    h = broken.health()
    assert not h and "secret-pw" not in h.detail


def test_change_detection_by_datsave_with_keyset_cursor(db):
    all_rows = db.changed_since("address_book")
    assert [c.id for c in all_rows] == [1, 2, 3]
    assert all_rows[0].saved_at == dt.datetime(2025, 1, 10, 8, 0, tzinfo=all_rows[0].saved_at.tzinfo)
    assert all_rows[0].saved_at.tzinfo is not None
    # two rows saved in the same second: the cursor (saved_at, id) loses neither
    after_first = db.changed_since("address_book", all_rows[0].saved_at, after_id=1)
    assert [c.id for c in after_first] == [2, 3]
    assert [c.id for c in db.changed_since("address_book", dt.datetime(2025, 1, 10, 8, 0), after_id=2)] == [3]
    utc = dt.datetime(2025, 2, 1, 11, 0, tzinfo=dt.timezone.utc)  # = 12:00 in Prague
    assert [c.id for c in db.changed_since("address_book", utc)] == [3]


def test_only_received_orders_are_read(db):
    assert [(c.id, c.number) for c in db.changed_since("received_orders")] == [(10, "250100001")]


def test_records_have_the_xml_record_shape(db):
    (ad,) = db.records("address_book", [1])
    assert ad["addressbookHeader"]["identity"]["address"]["company"] == "Šroubárna s.r.o."
    assert ad["addressbookHeader"]["web"] == "www.sroub.cz" and ad["addressbookHeader"]["id"] == 1
    (order,) = db.records("received_orders", [10])
    head = order["orderHeader"]
    assert head["date"] == dt.date(2025, 1, 5) and head["isExecuted"] is True
    assert head["contract"]["ids"] == "ZAK001" and head["partnerIdentity"]["id"] == 1
    items = order["orderDetail"]["orderItem"]
    assert items[0]["stockItem"]["stockItem"]["id"] == 7 and items[0]["quantity"] == D("10.0")
    assert items[1]["homeCurrency"]["unitPrice"] == D("450") and isinstance(items[1]["homeCurrency"]["price"], D)
    (inv,) = db.records("issued_invoices", [20])
    assert inv["invoiceHeader"]["dateDue"] == dt.date(2025, 1, 22) and inv["invoiceDetail"]["invoiceItem"] == []
    (stock,) = db.records("stock", [7])
    assert stock["stockHeader"]["code"] == "SR-M6" and stock["stockHeader"]["count"] == D("120.0")
    (con,) = db.records("contracts", [30])
    assert con["contractDesc"]["dateStart"] == dt.date(2025, 1, 1)


def test_every_mapped_column_is_a_catalog_field():
    for agenda, cols in database.COLUMNS.items():
        cat = catalogs.load("pohoda", agenda)
        assert all(p in cat.fields for p in cols.values()), agenda
        if agenda in database.ITEM_LIST:
            base = database.ITEM_LIST[agenda] + "[]"
            assert all(f"{base}.{p}" in cat.fields for p in database.ITEM_COLUMNS.values()), agenda


def test_ext_ids_by_external_system(db):
    assert db.ext_ids("address_book", "raynet") == {1: "rn-501", 3: "rn-503"}
    assert db.find_by_ext_id("received_orders", "raynet", "so-77") == 10
    assert db.find_by_ext_id("address_book", "raynet", "nope") is None


def test_database_transport_never_writes(db):
    with pytest.raises(TransportError, match="read-only"):
        db.submit(b"<dat:dataPack/>")
    with pytest.raises(TransportError, match="read-only"):
        db._query("DELETE FROM AD")
    sql = [v for k, v in vars(database).items() if k.startswith("SQL_")]
    assert len(sql) >= 5 and all(s.lstrip().upper().startswith("SELECT") for s in sql)
