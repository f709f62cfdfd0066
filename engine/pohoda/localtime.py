"""POHODA's clock: local Czech time without a zone (SQL ``DatSave``, XML date-times)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo


@cache
def prague() -> ZoneInfo:
    return ZoneInfo("Europe/Prague")


def to_local(stamp: dt.datetime) -> dt.datetime:
    """A naive Czech local time for POHODA (naive input is taken as already local)."""
    if stamp.tzinfo is None:
        return stamp
    return stamp.astimezone(prague()).replace(tzinfo=None)


def aware(stamp: dt.datetime) -> dt.datetime:
    """A timezone-aware datetime from POHODA's naive local time."""
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=prague())
