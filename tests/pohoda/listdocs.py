"""Build POHODA list answers (responsePack with lst:list…) for tests, from records."""

from engine.pohoda import render

LIST_ELEMENT = {  # agenda -> (list element, record element, extra list attributes)
    "address_book": ("lAdb:listAddressBook", "lAdb:addressbook"),
    "stock": ("lStk:listStock", "lStk:stock"),
    "contracts": ("lCon:listContract", "lCon:contract"),
    "received_orders": ("lst:listOrder", "lst:order"),
    "offers": ("lst:listOffer", "lst:offer"),
    "issued_invoices": ("lst:listInvoice", "lst:invoice"),
    "sales_prices": ("lst:listSellingPrice", "lst:itemSellingPrice"),
}
HEAD = ('<?xml version="1.0" encoding="Windows-1250"?>\n<rsp:responsePack version="2.0" id="l1" state="ok" '
        'xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd" '
        'xmlns:rdc="http://www.stormware.cz/schema/version_2/documentresponse.xsd" '
        + " ".join(f'xmlns:{p}="{render.NS_BASE}{f}.xsd"' for p, f in render.NAMESPACES.items()) + ">"
        '<rsp:responsePackItem version="2.0" id="r1" state="ok">')


def list_head(agenda):
    lst, _ = LIST_ELEMENT[agenda]
    return f'{HEAD}<{lst} version="2.0" dateTimeStamp="2025-01-01T10:00:00" dateValidFrom="2025-01-01" state="ok">'


def list_tail(agenda):
    return f"</{LIST_ELEMENT[agenda][0]}></rsp:responsePackItem></rsp:responsePack>"


def record_xml(agenda, record):
    tag = LIST_ELEMENT[agenda][1]
    version = "" if agenda == "sales_prices" else ' version="2.0"'
    return f"<{tag}{version}>{render.write_fields(agenda, record)}</{tag}>"


def list_answer(agenda, records):
    body = "".join(record_xml(agenda, r) for r in records)
    return render.encode(list_head(agenda) + body + list_tail(agenda))
