"""One step per agenda, in the order a sync plan runs them (docs/architecture.md)."""

from __future__ import annotations

from engine.sync.steps.address_book import AddressBookStep
from engine.sync.steps.base import Step
from engine.sync.steps.issued_invoices import IssuedInvoicesStep
from engine.sync.steps.payments import PaymentsStep
from engine.sync.steps.related_prices import RelatedPricesStep
from engine.sync.steps.sales_prices import SalesPricesStep
from engine.sync.steps.stock import StockStep
from engine.sync.steps.contracts import ContractsStep
from engine.sync.steps.offers import OffersStep
from engine.sync.steps.received_orders import ReceivedOrdersStep
from engine.sync.steps.contact_persons import ContactPersonsStep
from engine.sync.steps.delivery_addresses import DeliveryAddressesStep

#: agenda id -> step class; the runner walks the mapping's agendas in plan order
STEPS: dict[str, type[Step]] = {
    "address_book": AddressBookStep,
    "issued_invoices": IssuedInvoicesStep,
    "payments": PaymentsStep,
    "stock": StockStep,
    "sales_prices": SalesPricesStep,
    "related_prices": RelatedPricesStep,
    "contracts": ContractsStep,
    "offers": OffersStep,
    "received_orders": ReceivedOrdersStep,
    "delivery_addresses": DeliveryAddressesStep,
    "contact_persons": ContactPersonsStep,
}

__all__ = ["STEPS", "Step"]
