"""rpsync engine: mapping files, sync plans, connectors and simulators for Raynet CRM ⇄ POHODA."""

__version__ = "0.1.0"
