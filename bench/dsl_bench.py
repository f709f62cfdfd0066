"""Evaluations per second of realistic mapping expressions, four ways, in one run.

    .venv/bin/pip install -q -e '.[bench]'
    .venv/bin/python bench/dsl_bench.py [--seconds 0.3] [--markdown]

Engines, all given the same Python record (a dict; numbers as Decimal):

* hand   — a hand-written Python function (the practical limit);
* rpsync — ``dsl.compile(expr)`` called as ``prog(record)``;
* simpleeval — ``EvalWithCompoundTypes`` (what Meltano stream maps use), the
  expression parsed once (``previously_parsed``), record bound as names;
* cel    — cel-python (a Lark-based CEL interpreter), the program compiled once
  and the record converted to CEL values *before* timing (Decimal -> double,
  CEL has no decimal type); functions CEL lacks (sum, date formatting) are
  supplied as custom functions.

Every engine's result is checked against the hand-written one before timing
(CEL: after float conversion). The ratio columns are evals/s relative to
hand-written Python; "x simpleeval" is rpsync's speed-up over simpleeval.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dsl  # noqa: E402

try:
    import simpleeval
except ImportError:  # pragma: no cover
    simpleeval = None
try:
    import celpy
    from celpy import celtypes
except ImportError:  # pragma: no cover
    celpy = None

D = Decimal

RECORD = {
    "state": "done",
    "total": D("12500.50"),
    "country": "CZ",
    "paid": True,
    "phone": "+420 777 123 456",
    "created": "2024-03-01",
    "contact": {"email": None, "secondaryEmail": "obchod@example.cz"},
    "company": {
        "name": "  Stavby Novák s.r.o. ",
        "regNumber": "12345678",
        "primaryAddress": {"address": {"street": "Dlouhá 12", "zipCode": "110 00", "city": "Praha"}},
    },
    "items": [
        {"code": "A-100", "price": D("1250.00"), "quantity": 4},
        {"code": "B-200", "price": D("99.90"), "quantity": 10},
        {"code": "", "price": D("15.50"), "quantity": 0},
        {"code": "C-300", "price": D("4.25"), "quantity": 120},
    ],
}
ORDER_STATE = {"new": "NEW", "accepted": "IN_PROGRESS", "done": "WON", "cancelled": "LOST"}
TABLES = {"order_state": ORDER_STATE}
ICO = re.compile(r"^[0-9]{8}$")
Q2 = Decimal("0.01")
VAT = Decimal("1.21")


def _format_date(value, fmt):
    return dt.date.fromisoformat(value).strftime(fmt)


def _round2(value):
    return value.quantize(Q2, ROUND_HALF_UP)


def _regex_match(text, pattern):
    return re.search(pattern, text) is not None


# name: (rpsync, hand-written, simpleeval, cel)
CASES = {
    "state translation": (
        "translate(order_state, state)",
        lambda r: ORDER_STATE[r["state"]],
        "order_state[state]",
        "order_state[state]",
    ),
    "address concatenation": (
        'company.primaryAddress.address.street ~ ", " ~ company.primaryAddress.address.zipCode ~ " " '
        "~ company.primaryAddress.address.city",
        lambda r: (lambda a: f"{a['street']}, {a['zipCode']} {a['city']}")(r["company"]["primaryAddress"]["address"]),
        "company['primaryAddress']['address']['street'] + ', ' + company['primaryAddress']['address']['zipCode']"
        " + ' ' + company['primaryAddress']['address']['city']",
        'company.primaryAddress.address.street + ", " + company.primaryAddress.address.zipCode + " " '
        "+ company.primaryAddress.address.city",
    ),
    "filter condition": (
        'state == "done" and total > 1000 and country in ["CZ", "SK"]',
        lambda r: r["state"] == "done" and r["total"] > 1000 and r["country"] in ("CZ", "SK"),
        "state == 'done' and total > 1000 and country in ('CZ', 'SK')",
        'state == "done" && total > 1000.0 && country in ["CZ", "SK"]',
    ),
    "sum over items (Decimal)": (
        "sum(items, i => i.price * i.quantity)",
        lambda r: sum(i["price"] * i["quantity"] for i in r["items"]),
        "sum([i['price'] * i['quantity'] for i in items])",
        "sum(items.map(i, i.price * double(i.quantity)))",
    ),
    "date formatting": (
        'format_date(created, "%d.%m.%Y")',
        lambda r: dt.date.fromisoformat(r["created"]).strftime("%d.%m.%Y"),
        "format_date(created, '%d.%m.%Y')",
        'format_date(created, "%d.%m.%Y")',
    ),
    "tiered if/else": (
        'if total >= 10000 then "VIP" else if total >= 1000 then "STANDARD" else "SMALL"',
        lambda r: "VIP" if r["total"] >= 10000 else ("STANDARD" if r["total"] >= 1000 else "SMALL"),
        "'VIP' if total >= 10000 else ('STANDARD' if total >= 1000 else 'SMALL')",
        'total >= 10000.0 ? "VIP" : (total >= 1000.0 ? "STANDARD" : "SMALL")',
    ),
    "null coalescing": (
        'contact.email ?? contact.secondaryEmail ?? ""',
        lambda r: (lambda c: c["email"] if c["email"] is not None else (
            c["secondaryEmail"] if c["secondaryEmail"] is not None else ""))(r["contact"]),
        "contact['email'] if contact['email'] != None else (contact['secondaryEmail'] "
        "if contact['secondaryEmail'] != None else '')",
        'contact.email != null ? contact.email : (contact.secondaryEmail != null ? contact.secondaryEmail : "")',
    ),
    "text normalisation": (
        "upper(trim(company.name))",
        lambda r: r["company"]["name"].strip().upper(),
        "company['name'].strip().upper()",
        "upper(trim(company.name))",
    ),
    "VAT rounding (Decimal)": (
        "round(total * 1.21, 2)",
        lambda r: (r["total"] * VAT).quantize(Q2, ROUND_HALF_UP),
        "round2(total * vat)",
        "round2(total * 1.21)",
    ),
    "count items": (
        "count(items, i => i.quantity > 0)",
        lambda r: sum(1 for i in r["items"] if i["quantity"] > 0),
        "len([i for i in items if i['quantity'] > 0])",
        "size(items.filter(i, i.quantity > 0))",
    ),
    "any item without code": (
        'any(items, i => i.code == "")',
        lambda r: any(i["code"] == "" for i in r["items"]),
        "any([i['code'] == '' for i in items])",
        'items.exists(i, i.code == "")',
    ),
    "IČO check (regex)": (
        'regex_match(company.regNumber, "^[0-9]{8}$")',
        lambda r: ICO.search(r["company"]["regNumber"]) is not None,
        "regex_match(company['regNumber'], '^[0-9]{8}$')",
        'company.regNumber.matches("^[0-9]{8}$")',
    ),
    "phone cleanup": (
        'replace(phone, " ", "")',
        lambda r: r["phone"].replace(" ", ""),
        "phone.replace(' ', '')",
        "replace_all(phone, \" \", \"\")",
    ),
}


def rate(fn, record, seconds: float) -> float:
    """Best evals/s over 5 timed rounds of about ``seconds`` each."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn(record)
        elapsed = time.perf_counter() - start
        if elapsed > seconds / 5:
            break
        n *= 2
    per_round = max(1, int(n * seconds / max(elapsed, 1e-9)))
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(per_round):
            fn(record)
        elapsed = time.perf_counter() - start
        best = max(best, per_round / elapsed)
    return best


def simpleeval_engine(expr: str):
    ev = simpleeval.EvalWithCompoundTypes(
        names={}, functions={"sum": sum, "len": len, "any": any, "format_date": _format_date, "round2": _round2,
                             "regex_match": _regex_match})
    ev.names = {**RECORD, "order_state": ORDER_STATE, "vat": VAT}
    parsed = ev.parse(expr)

    def run(record, ev=ev, parsed=parsed, expr=expr):
        ev.names = record
        return ev.eval(expr, previously_parsed=parsed)
    extra = {"order_state": ORDER_STATE, "vat": VAT}
    return run, {**RECORD, **extra}


def _floats(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return value


def cel_engine(expr: str):
    env = celpy.Environment()
    functions = {
        "sum": lambda items: celtypes.DoubleType(sum(float(i) for i in items)),
        "format_date": lambda v, f: celtypes.StringType(dt.date.fromisoformat(str(v)).strftime(str(f))),
        "round2": lambda v: celtypes.DoubleType(float(_round2(Decimal(str(float(v)))))),
        "upper": lambda s: celtypes.StringType(str(s).upper()),
        "trim": lambda s: celtypes.StringType(str(s).strip()),
        "replace_all": lambda s, a, b: celtypes.StringType(str(s).replace(str(a), str(b))),
    }
    prog = env.program(env.compile(expr), functions=functions)
    activation = celpy.json_to_cel(_floats({**RECORD, "order_state": ORDER_STATE}))
    return (lambda act, prog=prog: prog.evaluate(act)), activation


def _same(a, b) -> bool:
    if isinstance(a, (Decimal, float, int)) and not isinstance(a, bool) and isinstance(b, (Decimal, float, int)):
        return abs(float(a) - float(b)) < 1e-6
    return str(a) == str(b) and type(a) is not bool or a == b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.3, help="timing budget per engine and case")
    parser.add_argument("--only", help="run only cases whose name contains this text")
    args = parser.parse_args()

    rows = []
    for name, (expr, hand, se_expr, cel_expr) in CASES.items():
        if args.only and args.only not in name:
            continue
        expected = hand(RECORD)
        prog = dsl.compile(expr, tables=TABLES)
        got = prog(RECORD)
        assert got == expected and type(got) is type(expected), (name, got, expected)
        r_hand = rate(hand, RECORD, args.seconds)
        r_dsl = rate(prog, RECORD, args.seconds)
        r_se = r_cel = None
        if simpleeval is not None:
            run, names = simpleeval_engine(se_expr)
            assert run(names) == expected, (name, "simpleeval", run(names), expected)
            r_se = rate(run, names, args.seconds)
        if celpy is not None:
            run, activation = cel_engine(cel_expr)
            result = run(activation)
            assert _same(result, expected), (name, "cel", result, expected)
            r_cel = rate(run, activation, args.seconds)
        rows.append((name, expr, r_hand, r_dsl, r_se, r_cel))

    def m(x):
        return "n/a" if x is None else (f"{x / 1e6:.2f} M" if x >= 1e5 else f"{x / 1e3:.1f} k")

    def ratio(x, base):
        return "n/a" if x is None else f"{x / base:.3f}"

    print("| expression | hand-written | rpsync dsl | simpleeval | cel-python | dsl/hand | simpleeval/hand "
          "| cel/hand | dsl × simpleeval |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, expr, r_hand, r_dsl, r_se, r_cel in rows:
        speedup = "n/a" if r_se is None else f"{r_dsl / r_se:.1f}×"
        print(f"| {name} | {m(r_hand)} | {m(r_dsl)} | {m(r_se)} | {m(r_cel)} | {ratio(r_dsl, r_hand)} "
              f"| {ratio(r_se, r_hand)} | {ratio(r_cel, r_hand)} | {speedup} |")
    med = statistics.median(r[3] / r[2] for r in rows)
    print()
    print(f"evals/s (M = million, k = thousand); median dsl/hand ratio: {med:.3f}")
    if all(r[4] for r in rows):
        print(f"median speed-up over simpleeval: {statistics.median(r[3] / r[4] for r in rows):.1f}×")
    print()
    print("expressions (rpsync syntax):")
    for name, expr, *_ in rows:
        print(f"  {name}: {expr}")
    print(f"\nPython {sys.version.split()[0]}, simpleeval {getattr(simpleeval, '__version__', '?')}, "
          f"cel-python {_version('cel-python')}")


def _version(dist: str) -> str:
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:  # pragma: no cover
        return "?"


if __name__ == "__main__":
    main()
