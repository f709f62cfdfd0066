"""Shared behaviour of the one-way POHODA → Raynet catalog agendas (stock, sales prices).

Such an agenda reads Raynet only on its first run, to pair records that already
exist (R-S2: product code; R-L1: price-list name). A paired Raynet record takes
no part in the merge as a changed side (nothing flows back to POHODA), so
without a shadow every bound value would count as different and be rewritten.
Seeding the Raynet shadow from the record read makes the first pairing write
only the values that really differ. A pair linked without its Raynet record at
hand (reconciled after a crash, or refused by ``check_paired_raynet``) reads
that one record once for the same purpose.
"""

from __future__ import annotations

from engine.state.model import Link
from engine.sync.merge import make_shadow
from engine.sync.steps.base import RAYNET, Step


class ToRaynetStep(Step):
    """A step whose agenda only runs POHODA → Raynet."""

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        # what happens to Raynet records read for pairing (linked, ambiguous) is part of the one direction
        self.counts_to_p = self.counts_to_r

    def sync_pair(self, r: dict | None, p: dict | None, link: Link | None) -> None:
        rid = link.raynet_id if link is not None else None
        if rid is not None and rid > 0 and p is not None \
                and self.ctx.state.get_shadow(self.agenda, RAYNET, str(rid)) is None:
            # a pair without a Raynet shadow: paired this run, or linked by reconciliation after a crash
            if r is None:
                r = self.refetch_raynet(rid)
                r = self.prepare_raynet(r) if r is not None else None
            if r is not None:
                self.check_paired_raynet(r, p)
                self.ctx.state.set_shadow(self.agenda, RAYNET, str(rid), make_shadow(r, self.paths_r))
        super().sync_pair(r, p, link)

    def check_paired_raynet(self, r: dict, p: dict) -> None:
        """Hook: rules for an existing Raynet record paired with a POHODA record (raise Reject).

        Runs until the pair is first in sync (its Raynet shadow is stored only when
        the check passes), so a refused pairing is checked again on the next run.
        """
