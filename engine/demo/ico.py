"""Czech company registration numbers (IČ, IČO) and VAT numbers (DIČ).

An IČ has eight digits; the last is a check digit over the first seven with
weights 8 … 2: ``r = Σ dᵢ·wᵢ mod 11``, check digit ``(11 − r) mod 10``
(so r = 0 gives 1 and r = 1 gives 0) — the rule of the Czech business
register (ARES), as implemented by validators such as python-stdnum's
``cz.ico``. A legal entity's DIČ is ``CZ`` followed by its IČ.
"""

from __future__ import annotations

WEIGHTS = (8, 7, 6, 5, 4, 3, 2)


def check_digit(first_seven: str) -> int:
    if len(first_seven) != 7 or not first_seven.isdigit():
        raise ValueError(f"an IČ check digit needs seven digits, got {first_seven!r}")
    remainder = sum(int(d) * w for d, w in zip(first_seven, WEIGHTS)) % 11
    return (11 - remainder) % 10


def make_ico(first_seven: str) -> str:
    """The eight-digit IČ whose first seven digits are ``first_seven``."""
    return first_seven + str(check_digit(first_seven))


def is_valid_ico(value: str) -> bool:
    return len(value) == 8 and value.isdigit() and int(value[7]) == check_digit(value[:7])


def dic_for(ico: str) -> str:
    """The DIČ of a VAT-registered legal entity."""
    return f"CZ{ico}"
