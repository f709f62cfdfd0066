"""The demo world's seed data: a small Czech trading company's CRM and accounting.

``python -m engine.demo.generate`` writes ``engine/demo/data/pohoda.json`` (the
POHODA simulator's seed format, ``engine/sandbox/pohoda/seed.py``),
``raynet.json`` (the Raynet simulator's, ``engine/sandbox/raynet/seed.py``) and
``manifest.json`` (counts per agenda and side, and the records that are bad on
purpose). ``--check`` only compares (exit 1 when the files are stale). A fixed
random seed picks names, streets, numbers and amounts, so the demo world is
always the same; the story (who exists where, which states) is written below.

The world, per agenda (P = POHODA, R = Raynet):

- address book / clients: companies with valid IČ (mod-11 check digit) and DIČ
  on both sides — some on both (paired by IČ on the first run; one spelled
  differently, so the report shows the conflict), some on one side only; a
  natural person on each side (R-A1); responsible persons named like Raynet
  users (R-A3);
- delivery addresses: P ``shipToAddress`` (one without a name, R-D2); R extra
  company addresses;
- contact persons: P address-book records with ``refAddress``; R persons with a
  relationship to their company;
- stock: one P item of every kind (card, text, service, package = kit, set,
  product) with related prices in each sales price level; R products, some
  with the same codes (paired by code);
- prices: P sales price levels ``Prodejní cena``, ``Velkoobchod`` and
  ``Prodejní cena EUR``; R price list ``Ceník EUR`` (EUR) with items;
- contracts / business cases: P contracts of the received orders; R business
  cases in every status (active phases, won, lost, cancelled);
- offers: R offers in every status (accepted ones go to POHODA); P issued offers;
- orders: P received orders not processed, processed and cancelled; R orders
  in preparation, accepted and cancelled;
- invoices: P regular, advance and corrective invoices with liquidations of
  every kind (bank, cash voucher, internal document), several per invoice;
  R regular, proforma (advance) and credit-note invoices with payments.

Bad on purpose (quarantined with a message; see ``manifest.json``): a client
whose www is longer than 32 characters and one without a street (R-A2), a
Raynet order without items (R-R1), a POHODA order not linked to the address
book (R-C1), a POHODA invoice whose amount sits only in the VAT summary (R-F3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.demo.ico import dic_for, make_ico
from engine.sandbox.raynet.seed import DEFAULT_SEED

#: the random seed of the demo world (change it and the world changes)
SEED = 20260601
DATA_DIR = Path(__file__).with_name("data")
FILES = ("pohoda.json", "raynet.json", "manifest.json")
#: the accounting unit of the POHODA simulator
ICO = "12345678"

CITIES = [
    ("Praha 4", "14000"), ("Brno", "60200"), ("Ostrava", "70200"), ("Plzeň", "30100"),
    ("Olomouc", "77900"), ("Liberec", "46001"), ("České Budějovice", "37001"),
    ("Hradec Králové", "50002"), ("Pardubice", "53002"), ("Zlín", "76001"), ("Jihlava", "58601"),
]
STREETS = ["Masarykova", "Husova", "Nádražní", "Palackého", "Komenského", "Průmyslová", "Tovární",
           "Lipová", "Zahradní", "Jiráskova", "Sokolská", "Havlíčkova"]
MEN = [("Pavel", "Černý"), ("Tomáš", "Procházka"), ("Ondřej", "Veselý"), ("Lukáš", "Kučera"), ("Jiří", "Horák")]
WOMEN = [("Lucie", "Kučerová"), ("Eva", "Svobodová"), ("Petra", "Marková"), ("Kateřina", "Pokorná")]
FUNCTIONS = ["Nákupčí", "Jednatel", "Vedoucí výroby", "Účetní", "Skladník"]
#: Raynet users besides the sandbox administrator; POHODA responsible persons carry the same names (R-A3)
USERS = [("Jana", "Dvořáková"), ("Martin", "Král")]


class _Gen:
    def __init__(self, seed: int = SEED) -> None:
        self.rnd = random.Random(seed)
        self.used_ico: set[str] = set()

    def ico(self) -> str:
        while True:
            candidate = make_ico(f"{self.rnd.randint(1, 9)}{self.rnd.randint(0, 999999):06d}")
            if candidate not in self.used_ico:
                self.used_ico.add(candidate)
                return candidate

    def place(self) -> tuple[str, str, str]:
        city, zip_code = self.rnd.choice(CITIES)
        return f"{self.rnd.choice(STREETS)} {self.rnd.randint(1, 120)}", city, zip_code

    def phone(self) -> str:
        return f"+420 {self.rnd.randint(601, 799)} {self.rnd.randint(100, 999)} {self.rnd.randint(100, 999)}"

    def money(self, low: int, high: int, step: str = "0.01") -> Decimal:
        return (Decimal(self.rnd.randint(low * 100, high * 100)) / 100).quantize(Decimal(step))

    def day(self, start: dt.date, spread: int) -> dt.date:
        return start + dt.timedelta(days=self.rnd.randint(0, spread))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _domain(name: str) -> str:
    words = [w for w in _slug(name).split("-") if w not in ("s", "r", "o", "a")]
    return "-".join(words[:2]) + ".cz"


def _phase_id(name: str) -> int:
    """Raynet phase id: the simulator numbers the default phases in their seed order."""
    names = [p["code01"] for p in DEFAULT_SEED["codelists"]["businessCasePhase"]]
    return names.index(name) + 1


def _status_id(table: str, name: str) -> int:
    names = [s["code01"] for s in DEFAULT_SEED["codelists"][table]]
    return names.index(name) + 1


def _currency_id(iso: str) -> int:
    codes = [c["code02"] for c in DEFAULT_SEED["codelists"]["currency"]]
    return codes.index(iso) + 1


# --------------------------------------------------------------------- the story
#: (name, where it exists, options); "both" = the same company (same IČ) on both sides
COMPANIES: list[tuple[str, str, dict[str, Any]]] = [
    ("Kovo Brno s.r.o.", "both", {"raynet_name": "KOVO Brno s.r.o.", "owner": 0}),
    ("Šroubárna Novák s.r.o.", "both", {"owner": 1}),
    ("Stavby Morava a.s.", "both", {}),
    ("Elektro Horák s.r.o.", "pohoda", {"ship_to": ["Sklad Hostivař", "Provozovna Zličín"], "contacts": 2,
                                        "responsible": 0}),
    ("Pekárna U Lípy s.r.o.", "pohoda", {"ship_to": [""], "contacts": 1, "responsible": 1}),
    ("Dřevovýroba Kučera s.r.o.", "pohoda", {}),
    ("Autodíly Plzeň a.s.", "raynet", {"addresses": ["Sklad Bory"], "persons": 2, "owner": 0}),
    ("Tiskárna Olomouc s.r.o.", "raynet", {"addresses": ["Provozovna Hodolany"], "persons": 1}),
    ("Vinařství Pod Pálavou s.r.o.", "raynet", {"owner": 1}),
]
STOCK = [  # code, kind, name, unit, price (CZK), VAT rate
    ("SR-M6", "card", "Šroub M6×20 pozinkovaný", "ks", "2.50", "high"),
    ("MAT-M6", "card", "Matice M6 pozinkovaná", "ks", "1.20", "high"),
    ("TXT-DOPRAVA", "text", "Doprava na stavbu", "ks", "890.00", "high"),
    ("SLU-MONTAZ", "service", "Montáž (hodina)", "hod", "650.00", "high"),
    ("KPL-SPOJ", "package", "Komplet spojovacího materiálu M6", "bal", "149.00", "high"),
    ("SADA-NARADI", "set", "Sada nářadí pro montéry", "ks", "2490.00", "high"),
    ("VYR-KONZOLA", "product", "Konzola nosná 300 mm (vlastní výroba)", "ks", "185.00", "high"),
    ("KNIHA-NORMY", "card", "Příručka ČSN pro spojovací materiál", "ks", "420.00", "low"),
]
#: sales price levels: (code = the level's name in POHODA, description, type, discount %, currency, rate)
PRICE_LEVELS = [
    ("Prodejní cena", "Základní prodejní cena", "basicPrice", None, None, None),
    ("Velkoobchod", "Velkoobchodní ceník", "discount", Decimal("12"), None, None),
    ("Prodejní cena EUR", "Prodejní cena pro export v EUR", "basicPrice", None, "EUR", Decimal("25.000")),
]


def build(seed: int = SEED) -> dict[str, Any]:
    """The demo world: ``{"pohoda": seed, "raynet": seed, "manifest": …}``."""
    g = _Gen(seed)
    base = dt.date(2025, 9, 1)
    pohoda: dict[str, list] = {k: [] for k in (
        "address_book", "stock", "sales_prices", "contracts", "offers", "received_orders", "issued_invoices")}
    raynet_records: dict[str, list] = {k: [] for k in (
        "company", "person", "product", "priceList", "businessCase", "offer", "salesOrder", "invoice")}
    bad: list[dict[str, str]] = []
    users = [{"username": f"{_slug(f)}.{_slug(s)}@demo.example", "firstName": f, "lastName": s,
              "userRole": "FULL_THROTTLE"} for f, s in USERS]
    user_person = {i: 2 + i for i in range(len(users))}  # person 1 is the sandbox administrator

    def saved(days: int = 0) -> str:
        return dt.datetime.combine(base + dt.timedelta(days=days), dt.time(9, 0)).isoformat()

    # ---------------------------------------------------------------- companies
    adb_id = 0
    pohoda_company: dict[str, int] = {}
    raynet_company: dict[str, int] = {}
    person_id = 10
    for name, where, opts in COMPANIES:
        ico = g.ico()
        street, city, zip_code = g.place()
        phone = g.phone()
        email = f"obchod@{_domain(name)}"
        www = f"www.{_domain(name)}"
        if where in ("both", "pohoda"):
            adb_id += 1
            header: dict[str, Any] = {
                "identity": {"address": {"company": name, "ico": ico, "dic": dic_for(ico), "street": street,
                                         "city": city, "zip": zip_code, "phone": phone, "email": email}},
                "web": www,
            }
            ships = []
            for ship_name in opts.get("ship_to", []):
                s_street, s_city, s_zip = g.place()
                ship = {"street": s_street, "city": s_city, "zip": s_zip, "phone": g.phone()}
                if ship_name:
                    ship["name"] = ship_name
                ships.append(ship)
            if ships:
                ships[0]["defaultShipAddress"] = True
                header["identity"]["shipToAddress"] = ships
            if "responsible" in opts:
                first, last = USERS[opts["responsible"]]
                header["responsiblePerson"] = {"name": first, "surname": last}
            pohoda["address_book"].append({"id": adb_id, "saved_at": saved(adb_id),
                                           "record": {"addressbookHeader": header}})
            pohoda_company[name] = adb_id
        if where in ("both", "raynet"):
            rid = len(raynet_company) + 1
            addresses = [{"address": {"name": "Sídlo", "street": street, "city": city, "zipCode": zip_code,
                                      "country": "CZ"},
                          "contactInfo": {"email": email, "tel1": phone, "www": www}}]
            for extra in opts.get("addresses", []):
                a_street, a_city, a_zip = g.place()
                addresses.append({"address": {"name": extra, "street": a_street, "city": a_city,
                                              "zipCode": a_zip, "country": "CZ"},
                                  "contactInfo": {"tel1": g.phone()}})
            body = {"id": rid, "name": opts.get("raynet_name", name), "regNumber": ico, "taxNumber": dic_for(ico),
                    "taxPayer": "YES", "rating": g.rnd.choice("ABC"), "state": "B_ACTUAL", "role": "A_SUBSCRIBER",
                    "addresses": addresses}
            if "owner" in opts:
                body["owner"] = user_person[opts["owner"]]
            raynet_records["company"].append(body)
            raynet_company[name] = rid
    # natural persons (R-A1): a POHODA company name without IČ; a Raynet "person" client
    street, city, zip_code = g.place()
    adb_id += 1
    pohoda["address_book"].append({"id": adb_id, "saved_at": saved(adb_id), "record": {"addressbookHeader": {
        "identity": {"address": {"company": "Jana Malá", "street": street, "city": city, "zip": zip_code,
                                 "email": "jana.mala@seznam.example"}}}}})
    pohoda_company["Jana Malá"] = adb_id
    street, city, zip_code = g.place()
    rid = len(raynet_company) + 1
    raynet_records["company"].append({
        "id": rid, "name": "Petr Svoboda", "person": True, "firstName": "Petr", "lastName": "Svoboda",
        "rating": "B", "state": "B_ACTUAL", "role": "A_SUBSCRIBER",
        "addresses": [{"address": {"name": "Bydliště", "street": street, "city": city, "zipCode": zip_code,
                                   "country": "CZ"}, "contactInfo": {"email": "petr.svoboda@email.example"}}]})
    raynet_company["Petr Svoboda"] = rid
    # bad on purpose (R-A2): a www longer than 32 characters; a client without a street
    for name, problem in (("Zahradnictví Veselý a synové s.r.o.", "www"), ("Strojírny Jihlava a.s.", "street")):
        ico = g.ico()
        street, city, zip_code = g.place()
        rid = len(raynet_company) + 1
        address = {"name": "Sídlo", "city": city, "zipCode": zip_code, "country": "CZ"}
        info: dict[str, Any] = {"email": f"info@{_domain(name)}"}
        if problem == "www":
            address["street"] = street
            info["www"] = "https://www.zahradnictvi-vesely-a-synove.cz"
        raynet_records["company"].append({
            "id": rid, "name": name, "regNumber": ico, "taxNumber": dic_for(ico), "rating": "C",
            "state": "A_POTENTIAL", "role": "A_SUBSCRIBER", "addresses": [{"address": address, "contactInfo": info}]})
        raynet_company[name] = rid
        bad.append({"side": "raynet", "agenda": "address_book", "rule": "R-A2", "record": f"company {rid} {name}",
                    "why": "www longer than 32 characters" if problem == "www" else "no street in the address"})

    # ---------------------------------------------------------------- contact persons
    for name, where, opts in COMPANIES:
        for _ in range(opts.get("contacts", 0)):
            first, last = g.rnd.choice(MEN + WOMEN)
            adb_id += 1
            pohoda["address_book"].append({"id": adb_id, "saved_at": saved(adb_id), "record": {"addressbookHeader": {
                "identity": {"address": {"name": f"{first} {last}", "phone": g.phone(),
                                         "email": f"{_slug(first)}.{_slug(last)}@{_domain(name)}"}},
                "function": g.rnd.choice(FUNCTIONS), "refAddress": {"refAD": pohoda_company[name]}}}})
        for _ in range(opts.get("persons", 0)):
            first, last = g.rnd.choice(MEN + WOMEN)
            person_id += 1
            raynet_records["person"].append({
                "id": person_id, "firstName": first, "lastName": last,
                "contactInfo": {"email": f"{_slug(first)}.{_slug(last)}@{_domain(name)}", "tel1": g.phone()},
                "relationship": {"company": raynet_company[name], "type": g.rnd.choice(FUNCTIONS)}})
    first, last = MEN[1]
    person_id += 1
    raynet_records["person"].append({
        "id": person_id, "firstName": first, "lastName": last,
        "contactInfo": {"email": f"{_slug(first)}.{_slug(last)}@{_domain('Šroubárna Novák s.r.o.')}"},
        "relationship": {"company": raynet_company["Šroubárna Novák s.r.o."], "type": "Nákupčí"}})

    # ---------------------------------------------------------------- stock and prices
    for n, (code, kind, name, unit, price, vat) in enumerate(STOCK, start=1):
        selling = Decimal(price)
        prices = [{"id": 1, "ids": "Prodejní cena", "price": selling},
                  {"id": 2, "ids": "Velkoobchod", "price": (selling * Decimal("0.88")).quantize(Decimal("0.01"))},
                  {"id": 3, "ids": "Prodejní cena EUR", "price": (selling / 25).quantize(Decimal("0.01"))}]
        header = {"stockType": kind, "code": code, "name": name, "unit": unit, "sellingPrice": selling,
                  "sellingRateVAT": vat, "storage": {"ids": "Hlavní/Spojovací materiál" if kind == "card" else "Hlavní"}}
        if kind in ("card", "package", "set", "product"):
            header["purchasingPrice"] = (selling * Decimal("0.62")).quantize(Decimal("0.01"))
            header["count"] = Decimal(g.rnd.randint(5, 400) * (100 if code.endswith("M6") else 1))
        pohoda["stock"].append({"id": n, "saved_at": saved(n), "record": {"stockHeader": header,
                                                                          "stockPriceItem": {"stockPrice": prices}}})
    for n, (code, description, ptype, discount, currency, rate) in enumerate(PRICE_LEVELS, start=1):
        level: dict[str, Any] = {"id": n, "code": code, "name": description, "discountValidity": "pernament",
                                 "priceType": ptype, "calculation": "excludedVAT", "rounding": "0,01"}
        if discount is not None:
            level["discountPercentage"] = discount
        if currency:
            level["currency"] = {"ids": currency}
            level["rate"] = rate
        pohoda["sales_prices"].append({"record": level})
    stock_by_code = {s[0]: (n, s) for n, s in enumerate(STOCK, start=1)}
    products = [("SR-M6", None), ("SLU-MONTAZ", None), ("CRM-SKOLENI", ("Školení obsluhy (den)", "den", "9800.00"))]
    product_id: dict[str, int] = {}
    for n, (code, own) in enumerate(products, start=1):
        if own:
            name, unit, price = own
        else:
            _, (_, _, name, unit, price, _) = stock_by_code[code]
        raynet_records["product"].append({"id": n, "code": code, "name": name, "unit": unit,
                                          "price": Decimal(price), "taxRate": Decimal(21)})
        product_id[code] = n
    raynet_records["priceList"].append({
        "id": 11, "name": "Ceník EUR", "code": "CEN-EUR", "currency": _currency_id("EUR"), "validFrom": "2025-01-01",
        "items": [{"product": product_id["SR-M6"], "price": Decimal("0.10")},
                  {"product": product_id["SLU-MONTAZ"], "price": Decimal("26.00")}]})

    def p_item(code: str | None, quantity: int, *, text: str | None = None, price: str | None = None) -> dict:
        if code is not None:
            _, (_, kind, name, unit, stock_price, vat) = stock_by_code[code]
            item = {"text": name, "quantity": Decimal(quantity), "unit": unit, "rateVAT": vat,
                    "homeCurrency": {"unitPrice": Decimal(stock_price)}, "code": code}
            if kind != "text":
                item["stockItem"] = {"stockItem": {"id": stock_by_code[code][0], "ids": code}}
            return item
        return {"text": text, "quantity": Decimal(quantity), "unit": "ks", "rateVAT": "high",
                "homeCurrency": {"unitPrice": Decimal(price)}}

    def partner(name: str) -> dict:
        rid = pohoda_company[name]
        address = next(e["record"]["addressbookHeader"]["identity"]["address"]
                       for e in pohoda["address_book"] if e["id"] == rid)
        return {"id": rid, "address": {k: address[k] for k in ("company", "ico", "dic", "street", "city", "zip")
                                       if k in address}}

    # ---------------------------------------------------------------- POHODA documents
    orders = [  # number, customer, state, items
        ("25OP0001", "Elektro Horák s.r.o.", "not_processed", [("SR-M6", 500), ("MAT-M6", 500), ("TXT-DOPRAVA", 1)]),
        ("25OP0002", "Šroubárna Novák s.r.o.", "processed", [("KPL-SPOJ", 20), ("SLU-MONTAZ", 6)]),
        ("25OP0003", "Kovo Brno s.r.o.", "cancelled", [("SADA-NARADI", 2)]),
        ("25OP0004", "Pekárna U Lípy s.r.o.", "not_processed", [("VYR-KONZOLA", 12), ("KNIHA-NORMY", 1)]),
    ]
    for n, (number, customer, state, lines) in enumerate(orders, start=1):
        date = g.day(base, 40)
        contract = f"25ZAK{n:04d}"
        pohoda["contracts"].append({"id": n, "saved_at": saved(40 + n), "record": {"contractDesc": {
            "number": {"numberRequested": contract}, "text": f"Zakázka k objednávce {number}",
            "dateStart": date.isoformat(), "partnerIdentity": partner(customer)}}})
        header: dict[str, Any] = {
            "orderType": "receivedOrder", "number": {"numberRequested": number}, "date": date.isoformat(),
            "dateDelivery": (date + dt.timedelta(days=14)).isoformat(), "text": f"Objednávka {customer}",
            "partnerIdentity": partner(customer), "contract": {"ids": contract},
            "isExecuted": state == "processed"}
        if state == "cancelled":
            header["storno"] = "cancelledDocument"
        pohoda["received_orders"].append({"id": n, "saved_at": saved(41 + n), "record": {
            "orderHeader": header, "orderDetail": {"orderItem": [p_item(c, q) for c, q in lines]}}})
    # bad on purpose (R-C1): an order typed in without a link to the address book
    n = len(orders) + 1
    pohoda["received_orders"].append({"id": n, "saved_at": saved(50), "record": {
        "orderHeader": {"orderType": "receivedOrder", "number": {"numberRequested": f"25OP{n:04d}"},
                        "date": g.day(base, 40).isoformat(), "text": "Telefonická objednávka (bez adresy)",
                        "partnerIdentity": {"address": {"company": "Neznámý zákazník", "city": "Brno"}},
                        "isExecuted": False},
        "orderDetail": {"orderItem": [p_item("SR-M6", 100)]}}})
    bad.append({"side": "pohoda", "agenda": "received_orders", "rule": "R-C1", "record": f"order 25OP{n:04d}",
                "why": "not linked to an address-book record"})
    for n, (customer, lines) in enumerate((("Elektro Horák s.r.o.", [("SLU-MONTAZ", 16), ("VYR-KONZOLA", 40)]),
                                           ("Dřevovýroba Kučera s.r.o.", [("KNIHA-NORMY", 3)])), start=1):
        date = g.day(base, 30)
        pohoda["offers"].append({"id": n, "saved_at": saved(30 + n), "record": {
            "offerHeader": {"offerType": "issuedOffer", "number": {"numberRequested": f"25NV{n:04d}"},
                            "date": date.isoformat(), "validTill": (date + dt.timedelta(days=30)).isoformat(),
                            "text": f"Nabídka pro {customer}", "partnerIdentity": partner(customer)},
            "offerDetail": {"offerItem": [p_item(c, q) for c, q in lines]}}})

    def invoice_total(items: list[dict]) -> Decimal:
        vat = {"high": Decimal("1.21"), "low": Decimal("1.12"), "none": Decimal(1)}
        return sum((i["homeCurrency"]["unitPrice"] * i["quantity"] * vat[i["rateVAT"]] for i in items),
                   Decimal(0)).quantize(Decimal("0.01"))

    def liquidation(n: int, date: dt.date, amount: Decimal, source: str | None) -> dict:
        out: dict[str, Any] = {"id": n, "date": date.isoformat(), "amount": amount}
        if source:
            out["sourceAgenda"] = source
        return out

    invoices = []
    d1 = g.day(base, 20)
    items1 = [p_item("KPL-SPOJ", 20), p_item("SLU-MONTAZ", 6)]
    total1 = invoice_total(items1)
    first_part = (total1 * Decimal("0.6")).quantize(Decimal("0.01"))
    invoices.append(("25FV0001", "issuedInvoice", "Šroubárna Novák s.r.o.", d1, items1,
                     [liquidation(1, d1 + dt.timedelta(days=7), first_part, "bank"),
                      liquidation(2, d1 + dt.timedelta(days=12), total1 - first_part, "voucher")],
                     {"links": {"link": [{"sourceAgenda": "receivedOrder", "sourceDocument": {"number": "25OP0002"}}]}}))
    d2 = g.day(base, 20)
    items2 = [p_item(None, 1, text="Záloha na dodávku spojovacího materiálu", price="15000.00")]
    invoices.append(("25ZF0001", "issuedAdvanceInvoice", "Elektro Horák s.r.o.", d2, items2,
                     [liquidation(3, d2 + dt.timedelta(days=5), invoice_total(items2), "bank")], {}))
    d3 = d1 + dt.timedelta(days=20)
    items3 = [dict(p_item("KPL-SPOJ", -2), text="Vrácení: Komplet spojovacího materiálu M6")]
    invoices.append(("25OD0001", "issuedCorrectiveTax", "Šroubárna Novák s.r.o.", d3, items3, [],
                     {"correctiveDocument": {"sourceDocument": {"number": "25FV0001"}}}))
    d4 = g.day(base, 25)
    items4 = [p_item("SADA-NARADI", 1), p_item("KNIHA-NORMY", 2), p_item("TXT-DOPRAVA", 1)]
    total4 = invoice_total(items4)
    invoices.append(("25FV0002", "issuedInvoice", "Kovo Brno s.r.o.", d4, items4,
                     [liquidation(4, d4 + dt.timedelta(days=3), Decimal("1000.00"), "bank"),
                      liquidation(5, d4 + dt.timedelta(days=9), Decimal("500.00"), "voucher"),
                      liquidation(6, d4 + dt.timedelta(days=14), total4 - Decimal("1500.00"), "internalDocuments")],
                     {}))
    for n, (number, kind, customer, date, items, liquidations, extra) in enumerate(invoices, start=1):
        record: dict[str, Any] = {"invoiceHeader": {
            "invoiceType": kind, "number": {"numberRequested": number}, "date": date.isoformat(),
            "dateTax": date.isoformat(), "dateDue": (date + dt.timedelta(days=14)).isoformat(),
            "text": f"Faktura {customer}" if kind == "issuedInvoice" else
            ("Zálohová faktura" if kind == "issuedAdvanceInvoice" else "Opravný daňový doklad k 25FV0001"),
            "symVar": re.sub(r"\D", "", number) or number, "partnerIdentity": partner(customer)},
            "invoiceDetail": {"invoiceItem": items}, **extra}
        if liquidations:
            record["liquidations"] = {"liquidation": liquidations}
        pohoda["issued_invoices"].append({"id": n, "saved_at": saved(60 + n), "record": record})
    # bad on purpose (R-F3): the amount only in the VAT summary, no items
    n = len(invoices) + 1
    date = g.day(base, 25)
    pohoda["issued_invoices"].append({"id": n, "saved_at": saved(70), "record": {
        "invoiceHeader": {"invoiceType": "issuedInvoice", "number": {"numberRequested": "25FV0003"},
                          "date": date.isoformat(), "dateTax": date.isoformat(),
                          "dateDue": (date + dt.timedelta(days=14)).isoformat(),
                          "text": "Fakturujeme Vám dle dohody (jen souhrn DPH)", "symVar": "250003",
                          "partnerIdentity": partner("Stavby Morava a.s.")},
        "invoiceSummary": {"homeCurrency": {"priceHigh": Decimal("10000.00"), "priceHighVAT": Decimal("2100.00"),
                                            "priceHighSum": Decimal("12100.00")}}}})
    bad.append({"side": "pohoda", "agenda": "issued_invoices", "rule": "R-F3", "record": "invoice 25FV0003",
                "why": "the amount sits only in the VAT summary (no items)"})

    # ---------------------------------------------------------------- Raynet documents
    cases = [  # name, company, phase, items
        ("Dodávka šroubů na 4. čtvrtletí", "Kovo Brno s.r.o.", "Identifikace příležitosti", []),
        ("Rekonstrukce skladové haly", "Autodíly Plzeň a.s.", "Před uzavřením", []),
        ("Montáž regálů v pobočce Bory", "Autodíly Plzeň a.s.", "Výhra", [("SR-M6", 800), ("SLU-MONTAZ", 12)]),
        ("Servisní smlouva 2026", "Tiskárna Olomouc s.r.o.", "Výhra", [("SLU-MONTAZ", 24)]),
        ("Laky pro vinařské sudy", "Vinařství Pod Pálavou s.r.o.", "Prohra", []),
        ("Pilotní projekt automatizace", "Stavby Morava a.s.", "Zrušeno", [("CRM-SKOLENI", 2)]),
    ]
    products_by_code = {p["code"]: p for p in raynet_records["product"]}

    def r_item(code: str, count: int, *, field: str = "count") -> dict:
        product = products_by_code[code]
        return {"productCode": code, "name": product["name"], field: Decimal(count), "price": product["price"],
                "taxRate": Decimal(21), "unit": product["unit"]}

    for n, (name, company, phase, lines) in enumerate(cases, start=1):
        body = {"id": n, "name": name, "company": raynet_company[company], "businessCasePhase": _phase_id(phase),
                "validFrom": g.day(base, 30).isoformat(), "currency": _currency_id("CZK"),
                "description": f"Obchodní případ: {name}"}
        if lines:
            body["items"] = [r_item(c, q) for c, q in lines]
        raynet_records["businessCase"].append(body)
    offers = [  # business case, status, items
        (2, "Odesláno", [("SLU-MONTAZ", 40)]),
        (3, "Akceptována", [("SR-M6", 800), ("SLU-MONTAZ", 12)]),
        (4, "Akceptována", [("SLU-MONTAZ", 24)]),
        (5, "Zamítnuta", [("CRM-SKOLENI", 1)]),
    ]
    for n, (case, status, lines) in enumerate(offers, start=1):
        date = g.day(base, 30)
        c_name, company = cases[case - 1][0], cases[case - 1][1]
        items = [{"productCode": c, "name": products_by_code[c]["name"], "count": Decimal(q),
                  "price": products_by_code[c]["price"], "taxRate": Decimal(21), "unit": products_by_code[c]["unit"]}
                 for c, q in lines]
        if status == "Akceptována":
            items.append({"name": "Doprava na místo", "count": Decimal(1), "price": Decimal("890.00"),
                          "taxRate": Decimal(21), "unit": "ks"})
        raynet_records["offer"].append({
            "id": n, "name": f"Nabídka – {c_name}", "company": raynet_company[company], "businessCase": case,
            "offerStatus": _status_id("offerStatus", status), "validFrom": date.isoformat(),
            "expirationDate": (date + dt.timedelta(days=30)).isoformat(), "items": items})
    orders_r = [  # business case, status, items
        (3, "Akceptována", [("SR-M6", 800), ("SLU-MONTAZ", 12)]),
        (4, "Příprava", [("SLU-MONTAZ", 24)]),
        (6, "Zrušena", [("CRM-SKOLENI", 2)]),
        (2, "Příprava", []),   # bad on purpose (R-R1): an order without items
    ]
    for n, (case, status, lines) in enumerate(orders_r, start=1):
        date = g.day(base, 30)
        c_name, company = cases[case - 1][0], cases[case - 1][1]
        raynet_records["salesOrder"].append({
            "id": n, "name": f"Objednávka – {c_name}", "company": raynet_company[company], "businessCase": case,
            "offer": next((o["id"] for o in raynet_records["offer"] if o["businessCase"] == case), None),
            "salesOrderStatus": _status_id("salesOrderStatus", status), "validFrom": date.isoformat(),
            "requestDeliveryDate": (date + dt.timedelta(days=21)).isoformat(),
            "items": [{"productCode": c, "name": products_by_code[c]["name"], "count": Decimal(q),
                       "price": products_by_code[c]["price"], "taxRate": Decimal(21),
                       "unit": products_by_code[c]["unit"]} for c, q in lines]})
        if not lines:
            bad.append({"side": "raynet", "agenda": "received_orders", "rule": "R-R1", "record": f"salesOrder {n}",
                        "why": "an order without items"})
    for order in raynet_records["salesOrder"]:
        if order["offer"] is None:
            del order["offer"]

    def r_invoice(n, company, kind, case, lines, payments, title):
        date = g.day(base, 25)
        body = {"id": n, "title": title, "company": raynet_company[company], "invoiceType": kind,
                "issueDate": date.isoformat(), "taxableSupplyDate": date.isoformat(),
                "dueDate": (date + dt.timedelta(days=14)).isoformat(), "currency": _currency_id("CZK"),
                "paymentType": "PAYMENT_DIRECT_DEBIT",
                "items": [{"name": products_by_code[c]["name"] if c in products_by_code else c,
                           "amount": Decimal(q), "unitPrice": p, "taxRate": Decimal(21), "unitLabel": u}
                          for c, q, p, u in lines]}
        if case:
            body["businessCase"] = case
        if payments:
            body["payments"] = [{"amount": a, "date": (date + dt.timedelta(days=d)).isoformat()} for a, d in payments]
        raynet_records["invoice"].append(body)

    r_invoice(1, "Autodíly Plzeň a.s.", "NORMAL", 3, [("SR-M6", 800, Decimal("2.50"), "ks"),
                                                     ("SLU-MONTAZ", 12, Decimal("650.00"), "hod")],
              [(Decimal("5000.00"), 10), (Decimal("6858.00"), 20)], "Montáž regálů – vyúčtování")
    r_invoice(2, "Tiskárna Olomouc s.r.o.", "PROFORMA", 4, [("Záloha na servis 2026", 1, Decimal("20000.00"), "ks")],
              [(Decimal("24200.00"), 5)], "Zálohová faktura – servis 2026")
    raynet_records["invoice"].append({"id": 3, "creditNote": {"invoiceId": 1, "reason": "Vrácení nepoužitého materiálu"}})
    r_invoice(4, "Kovo Brno s.r.o.", "NORMAL", None, [("SLU-MONTAZ", 3, Decimal("650.00"), "hod")], [],
              "Servisní zásah")

    raynet = {"users": users, "records": raynet_records}
    manifest = {
        "seed": seed,
        "about": "the rpsync demo world — regenerate with `python -m engine.demo.generate`",
        "counts": {
            "pohoda": _pohoda_counts(pohoda),
            "raynet": _raynet_counts(raynet_records),
        },
        "bad_on_purpose": bad,
    }
    return {"pohoda": {"_about": "rpsync demo world, POHODA side (generated by engine.demo.generate)", **pohoda},
            "raynet": {"_about": "rpsync demo world, Raynet side (generated by engine.demo.generate)", **raynet},
            "manifest": manifest}


def _pohoda_counts(pohoda: dict[str, list]) -> dict[str, int]:
    book = [e["record"]["addressbookHeader"] for e in pohoda["address_book"]]
    invoices = pohoda["issued_invoices"]
    return {
        "address_book": sum(1 for h in book if "refAddress" not in h),
        "contact_persons": sum(1 for h in book if "refAddress" in h),
        "delivery_addresses": sum(len(h["identity"].get("shipToAddress", [])) for h in book),
        "stock": len(pohoda["stock"]),
        "sales_prices": len(pohoda["sales_prices"]),
        "related_prices": sum(len(s["record"]["stockPriceItem"]["stockPrice"]) for s in pohoda["stock"]),
        "contracts": len(pohoda["contracts"]),
        "offers": len(pohoda["offers"]),
        "received_orders": len(pohoda["received_orders"]),
        "issued_invoices": len(invoices),
        "payments": sum(len(i["record"].get("liquidations", {}).get("liquidation", [])) for i in invoices),
    }


def _raynet_counts(records: dict[str, list]) -> dict[str, int]:
    companies = records["company"]
    return {
        "address_book": len(companies),
        "delivery_addresses": sum(len(c["addresses"]) - 1 for c in companies),
        "contact_persons": len(records["person"]),
        "stock": len(records["product"]),
        "sales_prices": len(records["priceList"]),
        "related_prices": sum(len(p.get("items", [])) for p in records["priceList"]),
        "contracts": len(records["businessCase"]),
        "offers": len(records["offer"]),
        "received_orders": len(records["salesOrder"]),
        "issued_invoices": len(records["invoice"]),
        "payments": sum(len(i.get("payments", [])) for i in records["invoice"]),
    }


# ------------------------------------------------------------------------- files
def dumps(data: Any) -> str:
    """Indented JSON with Decimal amounts written as exact JSON numbers."""
    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"\x00dec:{format(value, 'f')}"
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        raise TypeError(f"cannot write {type(value).__name__}")

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            return default(value)
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(data), ensure_ascii=False, indent=1, default=default)
    return re.sub(r'"\\u0000dec:(-?[0-9.]+)"', r"\1", text) + "\n"


def load(name: str, folder: Path = DATA_DIR) -> dict:
    """One data file (``pohoda``, ``raynet`` or ``manifest``), amounts as Decimal."""
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"), parse_float=Decimal)


def rendered(seed: int = SEED) -> dict[str, str]:
    world = build(seed)
    return {f"{name}.json": dumps(world[name]) for name in ("pohoda", "raynet", "manifest")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.demo.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the files; exit 1 when stale")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="folder to write (default: engine/demo/data)")
    args = parser.parse_args(argv)
    stale = []
    for name, text in rendered().items():
        path = args.out / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
            if not args.check:
                args.out.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if args.check:
        print("stale: " + ", ".join(stale) if stale else "the demo data files are up to date")
        return 1 if stale else 0
    print(f"wrote {', '.join(stale) or 'nothing (up to date)'} in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
