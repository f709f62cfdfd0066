"""Fault injection for the POHODA mServer simulator (tests, and consultants rehearsing bad days).

Like the Raynet simulator's ``Faults``: *counters* make the next N requests or
items misbehave deterministically (tests), *rates* make a share misbehave at
random, reproducibly with ``seed`` (``rpsync sandbox pohoda --busy-rate 0.1
--fault-seed 7``). The kinds, and how sure we are that POHODA behaves so:

* busy: ``POST /xml`` answered ``503`` before anything is processed. GUESS:
  STORMWARE does not document mServer's busy answer; 503 "temporarily
  unavailable" is how the PHP client of VitexSoftware explains that status
  [GH:VitexSoftware/PHP-Pohoda-Connector src/mServer/Client.php processResponse],
  and HTTP defines 503 as "not handled, try later" (RFC 9110 §15.6.4).
* item errors: an import item refused with ``state="error"`` and an error
  detail, the rest of the dataPack imported — POHODA answers each
  dataPackItem on its own (facts notes §7, response.xsd). The cause shown is
  a record locked by another user; GUESS: POHODA's own text and errno for it
  are not public (the simulator words its messages itself, imports.py).
* item warnings: the item is imported and its answer carries an
  ``rdc:detail`` with ``rdc:state`` warning — warnings exist only there
  (type.xsd ``stavType``, facts notes §7). The warning shown (a text
  shortened to its field) is the simulator's own wording.
* dropped connection: the dataPack is imported and committed, then the
  connection is closed without an answer — the client cannot know what was
  imported unless it looks (by extId or number).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

#: what the simulator says (its own wording; see the module docstring)
BUSY_TEXT = b"POHODA mServer is busy processing another request; try again later\n"
LOCKED_NOTE = "the record is locked by another user (simulated fault); nothing was imported for this item"
WARNING_NOTE = "a text was shortened to the length of its field (simulated warning)"


@dataclass
class PohodaFaults:
    #: share of ``/xml`` requests answered 503 (not processed)
    busy_rate: float = 0.0
    #: share of import items refused with an error (the others in the pack are imported)
    item_error_rate: float = 0.0
    #: share of imported items whose answer carries a warning
    warning_rate: float = 0.0
    #: share of dataPacks with imports whose connection is dropped after the import was committed
    drop_rate: float = 0.0
    #: random seed (reproducible runs)
    seed: int | None = None

    _busy_next: int = field(default=0, repr=False)
    _error_next: int = field(default=0, repr=False)
    _warning_next: int = field(default=0, repr=False)
    _drop_next: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        for name in ("busy_rate", "item_error_rate", "warning_rate", "drop_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)}")
        if self.seed is not None:
            self._random.seed(self.seed)

    # ------------------------------------------------------- deterministic
    def busy_next(self, count: int = 1) -> None:
        """The next ``count`` ``/xml`` requests are answered 503."""
        with self._lock:
            self._busy_next += count

    def error_next(self, count: int = 1) -> None:
        """The next ``count`` import items are refused with an error."""
        with self._lock:
            self._error_next += count

    def warning_next(self, count: int = 1) -> None:
        """The next ``count`` imported items carry a warning."""
        with self._lock:
            self._warning_next += count

    def drop_next(self, count: int = 1) -> None:
        """The next ``count`` dataPacks with imports are committed, then their connection is dropped."""
        with self._lock:
            self._drop_next += count

    def clear(self) -> None:
        with self._lock:
            self._busy_next = self._error_next = self._warning_next = self._drop_next = 0
            self.busy_rate = self.item_error_rate = self.warning_rate = self.drop_rate = 0.0

    # ------------------------------------------------------------ decisions
    def _take(self, counter: str, rate: float) -> bool:
        with self._lock:
            if getattr(self, counter):
                setattr(self, counter, getattr(self, counter) - 1)
                return True
            return bool(rate) and self._random.random() < rate

    def take_busy(self) -> bool:
        return self._take("_busy_next", self.busy_rate)

    def take_item_error(self) -> bool:
        return self._take("_error_next", self.item_error_rate)

    def take_warning(self) -> bool:
        return self._take("_warning_next", self.warning_rate)

    def take_drop(self) -> bool:
        return self._take("_drop_next", self.drop_rate)
