"""The Raynet CRM REST API v2 simulator (loopback HTTP, part of the product).

``RaynetSandbox`` (``server``) serves the endpoints the engine uses as Raynet's
OpenAPI spec documents them; ``store`` keeps and exposes the data,
``validation`` checks request bodies, ``records`` writes records, ``views``
renders them, ``query`` answers lists, ``seed`` loads a fresh instance's data
and seed files, ``faults`` injects failures.
"""

from engine.sandbox.raynet.faults import Faults
from engine.sandbox.raynet.server import RaynetSandbox

__all__ = ["Faults", "RaynetSandbox"]
