"""One step per agenda, in the order a sync plan runs them (docs/architecture.md)."""

from __future__ import annotations

from engine.sync.steps.address_book import AddressBookStep
from engine.sync.steps.base import Step
from engine.sync.steps.contact_persons import ContactPersonsStep
from engine.sync.steps.delivery_addresses import DeliveryAddressesStep

#: agenda id -> step class; the runner walks the mapping's agendas in plan order
STEPS: dict[str, type[Step]] = {
    "address_book": AddressBookStep,
    "delivery_addresses": DeliveryAddressesStep,
    "contact_persons": ContactPersonsStep,
}

__all__ = ["STEPS", "Step"]
