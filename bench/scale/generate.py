"""Realistic, seeded data of a Czech trading company at any size, straight into the POHODA simulator.

``--scale 1.0`` is 100 000 companies (each with its main address; every 2nd with a
contact person, every 3rd with a delivery address), 20 000 stock items with 5
related prices each (5 sales price levels), 50 000 received orders (1–3 items)
and 100 000 issued invoices (1–3 items, 1–2 payments each). Names, streets,
IČ (valid check digit), phones and amounts follow the demo world's generator
(``engine/demo/generate.py``) with a fixed random seed, so a scale always gives
the same data.

Records are written into the simulator's store already typed (Decimal, date,
int, bool as the list reader gives them) instead of through the seed loader's
render-and-parse round trip, which costs milliseconds per record;
``check_typed`` proves on the first records of each agenda that the two agree.

    .venv/bin/python -m bench.scale.generate --scale 0.01      # counts and the time it takes
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator

from engine.demo.generate import CITIES, FUNCTIONS, MEN, STREETS, WOMEN, _domain, _slug
from engine.demo.ico import dic_for, make_ico

SEED = 20261126
#: saved long before any run (outside every re-read overlap); changes made later get "now"
SAVED = dt.datetime(2025, 9, 1, 9, 0)
BASE = dt.date(2025, 2, 1)
#: the sales price levels (codes) every stock item has a related price in; the bench mapping pairs each with a
#: Raynet price list of the same name (the first one is the standard mapping's basic level)
LEVELS = ["Prodejní cena", "Velkoobchod", "Partner", "Akce", "Maloobchod B"]
FULL = {"companies": 100_000, "stock": 20_000, "orders": 50_000, "invoices": 100_000}
PREFIX = ["Kovo", "Stavby", "Elektro", "Autodíly", "Tiskárna", "Dřevovýroba", "Pekárna", "Strojírny", "Vinařství",
          "Zahradnictví", "Instalace", "Obchod", "Doprava", "Nábytek", "Plasty", "Textil", "Sklo", "Papír"]
SUFFIX = ["s.r.o.", "a.s.", "v.o.s.", "s.r.o.", "spol. s r.o."]
GOODS = [("Šroub", "ks"), ("Matice", "ks"), ("Podložka", "ks"), ("Kabel", "m"), ("Trubka", "m"), ("Barva", "l"),
         ("Lepidlo", "kg"), ("Deska", "ks"), ("Profil", "m"), ("Konzola", "ks"), ("Ventil", "ks"), ("Filtr", "ks")]
VAT = {"high": Decimal("1.21"), "low": Decimal("1.12")}


@dataclass(frozen=True)
class Sizes:
    companies: int
    stock: int
    orders: int
    invoices: int

    @classmethod
    def at(cls, scale: float) -> "Sizes":
        return cls(**{k: max(1, round(v * scale)) for k, v in FULL.items()})


class World:
    """Record generators of one scale; each agenda's records come out in id order, one at a time."""

    def __init__(self, scale: float, seed: int = SEED) -> None:
        self.sizes = Sizes.at(scale)
        self.seed = seed
        self.companies = self.sizes.companies
        self.contact_of = {}  # company number -> contact person's address-book id

    def _rnd(self, agenda: str) -> random.Random:
        return random.Random(f"{self.seed}:{agenda}")

    # ------------------------------------------------------------ address book
    def company_name(self, n: int) -> str:
        return f"{PREFIX[n % len(PREFIX)]} {STREETS[(n // len(PREFIX)) % len(STREETS)]} {n} " \
               f"{SUFFIX[n % len(SUFFIX)]}"

    def ico(self, n: int) -> str:
        return make_ico(f"{2_000_000 + n * 7:07d}")

    def address(self, n: int) -> dict:
        rnd = random.Random(f"{self.seed}:adr:{n}")
        city, zip_code = rnd.choice(CITIES)
        name = self.company_name(n)
        ico = self.ico(n)
        return {"company": name, "ico": ico, "dic": dic_for(ico), "street": f"{rnd.choice(STREETS)} {rnd.randint(1, 120)}",
                "city": city, "zip": zip_code,
                "phone": f"+420 {rnd.randint(601, 799)} {rnd.randint(100, 999)} {rnd.randint(100, 999)}",
                "email": f"obchod@{_domain(name)}"}

    def company_id(self, n: int) -> int:
        """Address-book id of company n (1-based): companies first, contact persons after them."""
        return n

    def address_book(self) -> Iterator[dict]:
        rnd = self._rnd("address_book")
        ship_id = 0
        for n in range(1, self.companies + 1):
            address = self.address(n)
            header: dict[str, Any] = {"id": n, "identity": {"address": address},
                                      "web": f"www.{_domain(address['company'])}"[:32]}
            if n % 3 == 0:
                city, zip_code = rnd.choice(CITIES)
                ship_id += 1
                header["identity"]["shipToAddress"] = [{
                    "id": ship_id, "name": f"Sklad {city}", "street": f"{rnd.choice(STREETS)} {rnd.randint(1, 120)}",
                    "city": city, "zip": zip_code, "defaultShipAddress": True}]
            yield {"addressbookHeader": header}
        person = self.companies
        for n in range(2, self.companies + 1, 2):
            first, last = rnd.choice(MEN + WOMEN)
            person += 1
            domain = _domain(self.company_name(n))
            yield {"addressbookHeader": {
                "id": person,
                "identity": {"address": {"name": f"{first} {last}", "email": f"{_slug(first)}.{_slug(last)}@{domain}",
                                         "phone": f"+420 {rnd.randint(601, 799)} {rnd.randint(100, 999)} "
                                                  f"{rnd.randint(100, 999)}"}},
                "function": rnd.choice(FUNCTIONS), "refAddress": {"refAD": self.company_id(n)}}}

    # ------------------------------------------------------------ stock and prices
    def stock_item(self, n: int) -> tuple[str, str, str, Decimal, str]:
        """(code, name, unit, price, VAT rate) of stock item n (1-based)."""
        good, unit = GOODS[n % len(GOODS)]
        price = (Decimal(random.Random(f"{self.seed}:stk:{n}").randint(50, 500_000)) / 100).quantize(Decimal("0.01"))
        return f"ZB-{n:06d}", f"{good} typ {n}", unit, price, "low" if n % 10 == 0 else "high"

    def sales_prices(self) -> Iterator[dict]:
        for n, code in enumerate(LEVELS, start=1):
            level = {"id": n, "code": code, "name": f"Cenová hladina {code}", "discountValidity": "pernament",
                     "priceType": "basicPrice" if n == 1 else "discount", "calculation": "excludedVAT",
                     "rounding": "0,01"}
            if n > 1:
                level["discountPercentage"] = Decimal(3 * n)
            yield level

    def stock(self) -> Iterator[dict]:
        for n in range(1, self.sizes.stock + 1):
            code, name, unit, price, vat = self.stock_item(n)
            prices = [{"id": i, "ids": level,
                       "price": price if i == 1 else (price * (100 - 3 * i) / 100).quantize(Decimal("0.01"))}
                      for i, level in enumerate(LEVELS, start=1)]
            yield {"stockHeader": {"id": n, "stockType": "card", "code": code, "name": name, "unit": unit,
                                   "sellingPrice": price, "sellingRateVAT": vat,
                                   "purchasingPrice": (price * Decimal("0.62")).quantize(Decimal("0.01")),
                                   "count": Decimal(n % 400), "storage": {"ids": "Hlavní"}},
                   "stockPriceItem": {"stockPrice": prices}}

    # ------------------------------------------------------------ documents
    def partner(self, n: int) -> dict:
        a = self.address(n)
        return {"id": self.company_id(n), "address": {k: a[k] for k in ("company", "ico", "dic", "street", "city", "zip")}}

    def items(self, rnd: random.Random) -> list[dict]:
        out = []
        for _ in range(rnd.randint(1, 3)):
            s = rnd.randint(1, self.sizes.stock)
            code, name, unit, price, vat = self.stock_item(s)
            out.append({"text": name, "quantity": Decimal(rnd.randint(1, 50)), "unit": unit, "rateVAT": vat,
                        "homeCurrency": {"unitPrice": price}, "code": code,
                        "stockItem": {"stockItem": {"id": s, "ids": code}}})
        return out

    def received_orders(self) -> Iterator[dict]:
        rnd = self._rnd("received_orders")
        for n in range(1, self.sizes.orders + 1):
            customer = rnd.randint(1, self.companies)
            date = BASE + dt.timedelta(days=rnd.randint(0, 200))
            yield {"orderHeader": {"id": n, "orderType": "receivedOrder", "number": {"numberRequested": f"25OP{n:06d}"},
                                   "date": date, "dateDelivery": date + dt.timedelta(days=14),
                                   "text": f"Objednávka {self.company_name(customer)}"[:240],
                                   "partnerIdentity": self.partner(customer), "isExecuted": n % 4 == 0},
                   "orderDetail": {"orderItem": self.items(rnd)}}

    def issued_invoices(self) -> Iterator[dict]:
        rnd = self._rnd("issued_invoices")
        liquidation = 0
        for n in range(1, self.sizes.invoices + 1):
            customer = rnd.randint(1, self.companies)
            date = BASE + dt.timedelta(days=rnd.randint(0, 200))
            items = self.items(rnd)
            total = sum((i["homeCurrency"]["unitPrice"] * i["quantity"] * VAT[i["rateVAT"]] for i in items),
                        Decimal(0)).quantize(Decimal("0.01"))
            half = (total / 2).quantize(Decimal("0.01"))
            parts = [total] if n % 5 else [half, total - half]  # every 5th invoice paid in two parts
            pays = []
            for k, amount in enumerate(parts):
                liquidation += 1
                pays.append({"id": liquidation, "date": date + dt.timedelta(days=7 + 5 * k), "amount": amount,
                             "sourceAgenda": "bank" if k == 0 else "voucher"})
            yield {"invoiceHeader": {"id": n, "invoiceType": "issuedInvoice",
                                     "number": {"numberRequested": f"25FV{n:06d}"}, "symVar": f"25{n:06d}",
                                     "date": date, "dateTax": date, "dateDue": date + dt.timedelta(days=14),
                                     "text": f"Faktura {self.company_name(customer)}"[:240],
                                     "partnerIdentity": self.partner(customer)},
                   "invoiceDetail": {"invoiceItem": items}, "liquidations": {"liquidation": pays}}

    def agendas(self) -> dict[str, Iterator[dict]]:
        return {"sales_prices": self.sales_prices(), "address_book": self.address_book(), "stock": self.stock(),
                "received_orders": self.received_orders(), "issued_invoices": self.issued_invoices()}


NUMBER = {"received_orders": "orderHeader", "issued_invoices": "invoiceHeader"}


def seed_store(store, world: World, *, check: int = 2) -> dict[str, int]:
    """Write the world into a POHODA simulator store (``engine.sandbox.pohoda.store.Store``); counts per agenda."""
    counts: dict[str, int] = {}
    shapes: set = set()
    for agenda, records in world.agendas().items():
        counts[agenda] = 0
        with store.transaction():
            for record in records:
                if counts[agenda] < check or _first_of_shape(agenda, record, shapes):
                    check_typed(agenda, record)
                header = record.get(NUMBER.get(agenda, ""), {})
                number = (header.get("number") or {}).get("numberRequested")
                rid = record["id"] if agenda == "sales_prices" else next(iter(record.values()))["id"]
                code = record["stockHeader"]["code"] if agenda == "stock" else None
                kind = header.get("orderType") or header.get("invoiceType")
                store.put(agenda, rid, record, number=number, code=code, kind=kind, saved_at=SAVED)
                counts[agenda] += 1
    if world.companies >= 3:  # delivery addresses carry their ids; the simulator numbers new ones after them
        store._ship_to_seen(world.companies // 3)
    return counts


def _first_of_shape(agenda: str, record: dict, seen: set) -> bool:
    """True for the first record of each shape (set of keys, recursively): every shape gets checked once."""
    def shape(value):
        if isinstance(value, dict):
            return tuple(sorted((k, shape(v)) for k, v in value.items()))
        if isinstance(value, list):
            return ("list", shape(value[0]) if value else None)
        return None

    key = (agenda, shape(record))
    if key in seen:
        return False
    seen.add(key)
    return True


def check_typed(agenda: str, record: dict) -> None:
    """The record equals what the simulator's seed loader makes of it (render as XML, parse back)."""
    from engine.sandbox.pohoda.seed import typed

    again = typed(agenda, record)
    if again != record:
        raise AssertionError(f"generated {agenda} record is not typed as POHODA lists it:\n{record}\n{again}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01)
    args = parser.parse_args(argv)
    from engine.sandbox.pohoda.store import Store

    store = Store()
    started = time.perf_counter()
    counts = seed_store(store, World(args.scale))
    print(f"scale {args.scale}: {counts} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
