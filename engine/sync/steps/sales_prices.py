"""Sales prices → price lists, one way POHODA → Raynet (R-L1, R-C3, R-G5).

The mapping's ``price_lists`` pair each POHODA sales price level (by its code,
``lst:itemSellingPrice/code``) with a Raynet price list (by its name) in one
currency. A price list Raynet lacks is created (``create_missing``); a
foreign-currency one needs that currency in Raynet, else the level is
quarantined naming the currency (R-L1, R-C3). A level whose currency differs
from the mapping's is quarantined too (R-C3). Levels the mapping does not name
are not transferred. The POHODA list of sales prices has no change filter
(list.xsd ``listRequestType``), so every run reads it whole; an unchanged
level costs no Raynet request.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from engine.mapping.model import PriceList
from engine.sync.paths import get_path
from engine.sync.snapshot import norm_text
from engine.sync.raynet_records import body_from_values
from engine.sync.steps.base import POHODA, RAYNET, Reject
from engine.sync.steps.one_way import ToRaynetStep

#: price-list fields Raynet requires (PriceListInsertDto.required): an update never clears them
REQUIRED = ("validFrom",)


def level_code(record: Mapping[str, Any]) -> str:
    return str(record.get("code") or "").strip()


def price_list_for(mapping, code: str) -> PriceList | None:
    """The mapping's price list of a POHODA sales price level (by the level's code)."""
    return next((pl for pl in mapping.price_lists if pl.pohoda == code), None)


#: ``ctx.scratch`` key of POHODA's sales price levels read this run (``sales_price_levels``)
LEVELS_READ = "pohoda_read:sales_prices"


def sales_price_levels(ctx) -> list[dict]:
    """POHODA's sales price levels, read once a run and shared by the steps that need them (sales prices, related
    prices, document currencies). listSellingPriceRequest takes no filter (list.xsd): every read is the whole
    list, and an accounting unit has a handful of levels."""
    levels = ctx.scratch.get(LEVELS_READ)
    if levels is None:
        levels = ctx.scratch[LEVELS_READ] = list(ctx.pohoda.list("sales_prices"))
    return levels


class SalesPricesStep(ToRaynetStep):
    agenda = "sales_prices"
    raynet_entity = "priceList"
    pohoda_agenda = "sales_prices"

    def explain_extra(self) -> list[str]:
        lines = ["each mapped level pairs with the Raynet price list of the mapped name (no match keys needed)"]
        for pl in self.ctx.mapping.price_lists:
            lines.append(f"sales price {pl.pohoda!r} → price list {pl.raynet!r} in {pl.currency}"
                         + (" (created when missing, R-L1)" if pl.create_missing else " (must exist in Raynet)"))
        return lines if self.ctx.mapping.price_lists else ["no price_lists in the mapping: nothing to transfer"]

    def extra_shadow_paths(self, side: str) -> frozenset[str]:
        # the level's code names it in another accounting unit too (rebind, R-G2)
        return frozenset({"code"}) if side == POHODA else frozenset()

    def price_list(self, record: Mapping[str, Any]) -> PriceList | None:
        return price_list_for(self.ctx.mapping, level_code(record))

    # ------------------------------------------------------------ reading
    def read_pohoda(self, since) -> Iterator[dict]:
        self.seen_levels: set[str] = set()
        for record in sales_price_levels(self.ctx):   # the whole list whatever ``since`` (no filter)
            self.seen_levels.add(level_code(record))
            if self.price_list(record) is None:
                self.counts_to_r.skipped += 1
                continue
            yield record

    def label(self, side: str, record: Mapping[str, Any] | None) -> str:
        if not record:
            return ""
        if side == RAYNET:
            return f"price list {record.get('id')} {record.get('name') or ''}".strip()
        return f"sales price {record.get('id')} {level_code(record)}".strip()

    def match_keys(self, side: str, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        """A level pairs with the Raynet price list of the name the mapping gives it."""
        if side == RAYNET:
            return [("name", norm_text(record.get("name")))] if record.get("name") else []
        pl = self.price_list(record)
        return [("name", norm_text(pl.raynet))] if pl else []

    # ------------------------------------------------------------ rules
    def check_record(self, side: str, record: dict) -> None:
        if side != POHODA:
            return
        pl = self.price_list(record)
        if pl is None:
            return
        home = self.ctx.mapping.currencies.home
        currency = str(get_path(record, "currency.ids") or home).upper()
        if currency != pl.currency:
            raise Reject(f"POHODA sales price '{level_code(record)}' is in {currency}, but its price list "
                         f"'{pl.raynet}' is in {pl.currency} (price_lists.{pl.name}.currency); a price list "
                         "transfers only in its own currency (R-C3)", field="currency", rule="R-C3")
        if not self.ctx.lookups.has_currency(pl.currency):
            raise Reject(f"the price list '{pl.raynet}' is in {pl.currency}, but Raynet has no currency "
                         f"{pl.currency}; add it in Raynet (Settings → Code lists → Currencies) and the next run "
                         "transfers the price list (R-L1, R-C3)", field="currency", rule="R-L1")

    def check_paired_raynet(self, r: dict, p: dict) -> None:
        pl = self.price_list(p)
        have = get_path(r, "currency.id")
        if pl is not None and have is not None and int(have) != self.ctx.lookups.currency_id(pl.currency):
            shown = get_path(r, "currency.value") or have
            raise Reject(f"Raynet price list '{r.get('name')}' is in {shown}, but the mapping's price list "
                         f"'{pl.name}' is in {pl.currency}; rename one of them or fix price_lists.{pl.name}"
                         ".currency (R-C3)", field="currency", rule="R-C3")

    # ------------------------------------------------------------ writes
    def raynet_values(self, pohoda_record: Mapping[str, Any]) -> dict[str, Any]:
        values = super().raynet_values(pohoda_record)
        pl = self.price_list(pohoda_record)
        if pl is not None:
            # a new price list: the mapping's name, the level's code, the currency (R-L1); validFrom is required
            values.update(name=pl.raynet, code=level_code(pohoda_record) or pl.name,
                          currency=self.ctx.lookups.currency_id(pl.currency))
            if values.get("validFrom") is None:
                values["validFrom"] = self.ctx.now().date()
        return values

    def before_raynet_create(self, values: dict[str, Any], p: dict) -> None:
        pl = self.price_list(p)
        if pl is not None and not pl.create_missing:
            raise Reject(f"Raynet has no price list named '{pl.raynet}' and price_lists.{pl.name}.create_missing "
                         "is false; create it in Raynet or set create_missing: true (R-L1)", field="name",
                         rule="R-L1")

    def create_raynet(self, values: dict[str, Any], pohoda_record: dict, ext_id: str) -> int:
        body = body_from_values("priceList", {k: v for k, v in values.items() if v is not None}, self.key_for)
        return self.entity_api().create(body, ext_id=ext_id)

    def write_raynet_update(self, link, writes: dict[str, Any], r_cur, p_cur) -> None:
        kept = {k: v for k, v in writes.items() if v is not None or k not in REQUIRED}
        if not kept:  # only a required field emptied in POHODA: Raynet keeps its value
            self.store_shadows(link, r_cur, p_cur)
            self.counts_to_r.unchanged += 1
            return
        super().write_raynet_update(link, kept, r_cur, p_cur)

    def after_pairing(self) -> None:
        for pl in self.ctx.mapping.price_lists:
            if pl.pohoda not in getattr(self, "seen_levels", {pl.pohoda}):
                self.ctx.report.notes.append(
                    f"sales_prices: POHODA has no sales price '{pl.pohoda}' for price list '{pl.raynet}' "
                    f"(price_lists.{pl.name}.pohoda); nothing to transfer")
