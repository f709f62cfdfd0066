"""The states a translation table can translate (its ``keys:``).

A table declares which states its keys come from, so validation can prove it
covers every state the source system can produce (or has a default). States
defined per Raynet instance (phases, order and offer statuses) cannot be
listed in advance: tables over them need a default.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StateDomain:
    name: str
    description: str
    #: every state, or None when the states are defined per Raynet instance
    values: tuple[str, ...] | None


DOMAINS: dict[str, StateDomain] = {d.name: d for d in (
    StateDomain("pohoda.order_state",
                "state of a POHODA received order as agendas.received_orders.state computes it (R-R2, R-Z2)",
                ("not_processed", "processed", "cancelled")),
    StateDomain("pohoda.invoice_kind", "kind of a POHODA issued invoice (R-F2)",
                ("regular", "advance", "corrective")),
    StateDomain("pohoda.stock_kind", "kind of a POHODA stock item, stockHeader.stockType (R-S1)",
                ("card", "text", "service", "package", "set", "product")),
    StateDomain("pohoda.payment_type", "POHODA payment type (typ:paymentType)",
                ("draft", "cash", "postal", "delivery", "creditcard", "advance", "encashment", "cheque",
                 "compensation")),
    StateDomain("pohoda.vat_rate", "POHODA VAT rate of an item or stock item (typ:vatRateType)",
                ("none", "high", "low", "third", "historyHigh", "historyLow", "historyThird")),
    StateDomain("raynet.business_case_status", "Raynet business-case status (follows from its phase)",
                ("B_ACTIVE", "E_WIN", "F_LOST", "G_STORNO")),
    StateDomain("raynet.company_state", "Raynet client state", ("A_POTENTIAL", "B_ACTUAL", "C_DEFERRED",
                                                                 "D_UNATTRACTIVE")),
    StateDomain("raynet.company_role", "Raynet client role", ("A_SUBSCRIBER", "B_PARTNER", "C_SUPPLIER",
                                                               "D_RIVAL")),
    StateDomain("raynet.invoice_type", "Raynet invoice type", ("NORMAL", "PROFORMA", "CREDIT_NOTE")),
    StateDomain("raynet.business_case_phase", "Raynet business-case phase (defined per instance)", None),
    StateDomain("raynet.offer_status", "Raynet offer status (defined per instance)", None),
    StateDomain("raynet.sales_order_status", "Raynet order status (defined per instance)", None),
)}

#: table-valued keys of agendas and the states their table must translate
TABLE_USES = {
    ("contracts", "phase_table"): "pohoda.order_state",
    ("received_orders", "status_table"): "pohoda.order_state",
}
