"""Raynet offers → POHODA issued offers, one way (R-O1 … R-O3).

- R-O1: header and items; an item is linked to stock when its product code is
  a POHODA stock code (R-E2), else it is a text item.
- R-O2: an offer must be paired with a business case; its POHODA offer carries
  the business case's contract (created if needed, R-C4).
- R-O3: POHODA offers cannot be updated through XML (offer.xsd has no
  actionType): an offer goes when the mapping's trigger says it is final, and
  exactly once (its link); later changes are not sent.
- R-G5, R-C3: a foreign-currency offer carries ``foreignCurrency`` prices and
  goes only if a price list in its currency exists on both sides.
"""

from __future__ import annotations

from typing import Any, Mapping

from engine.state.model import Link
from engine.sync.steps.base import RAYNET, Reject
from engine.sync.steps.contracts import ContractsStep
from engine.sync.steps.documents import DETAILS, DocumentStep, ref_id


class OffersStep(DocumentStep):
    agenda = "offers"
    raynet_entity = "offer"
    #: their client and their business case, whose contract they link to (R-O2)
    REFERS = {"address_book": "company", "contracts": "businessCase"}
    pohoda_agenda = "offers"

    def explain_extra(self) -> list[str]:
        lines = ["an offer goes to POHODA once, in its final state; later changes are not sent (R-O3)",
                 "it carries its business case's contract (created if needed) and its client's address-book "
                 "record (R-O2, R-C4)",
                 "items whose product code is a POHODA stock code are linked to stock, others are text items "
                 "(R-O1, R-E2)"]
        if self.trigger is not None:
            lines.insert(0, f"an offer is final when: {self.trigger.text}")
        return lines + self.explain_items()

    def check_record(self, side: str, record: dict) -> None:
        if side != RAYNET:
            return
        if ref_id(record.get("businessCase")) is None:
            raise Reject("the offer is not paired with a business case; pair it in Raynet", field="businessCase",
                         rule="R-O2")
        self.docs.pohoda_partner(record.get("company"), what="offer", rule="R-O1")
        self.foreign_of_raynet(record, "offer")

    def pohoda_document(self, values: dict[str, Any], raynet_record: Mapping[str, Any] | None,
                        link: Link | None) -> tuple[dict, dict[str, Any]]:
        r = raynet_record or {}
        record = self.document_from_values(values)
        foreign = self.foreign_of_raynet(r, "offer")
        partner = self.docs.pohoda_partner(r.get("company"), what="offer", rule="R-O1")
        contracts = ContractsStep(self.ctx)
        contract = contracts.for_business_case(int(ref_id(r.get("businessCase"))))
        detail, item_name, _ = DETAILS[self.pohoda_agenda]
        items = self.docs.items_to_pohoda(self.plan.item_bindings, r.get("items") or [], foreign=foreign,
                                          what="offer")
        if items:
            record[detail] = {item_name: items}
        series = self.plan.model.pohoda_series
        if series:
            record.setdefault("offerHeader", {})["number"] = {"ids": series}
        self.summary_currency(record, foreign, r)
        ship_to = self.docs.default_delivery_address(int(ref_id(r.get("company"))))  # R-D3 hook
        if ship_to:
            record.setdefault("offerHeader", {}).setdefault("partnerIdentity", {})["shipToAddress"] = [ship_to]
        context = {"partner": {"id": partner}, "contract": {"id": contract.pohoda_id}}
        return self.typed(record, lambda: self.label(RAYNET, r)), context
