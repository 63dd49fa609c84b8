"""Choosing homes to block-book: each home as a commissioner knows it, and beds capped where they must be.

A bare home ID means nothing to a commissioner, so a home reads "Provider · setting · authority ·
£X/week · N vacancies". A contract can only turn a home's free vacancies (those not already
block-booked) into contracted beds, so beds asked for beyond them are capped — and the page says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rcc.charts import setting_name
from rcc.model import Home


def free_beds(home: Home) -> int:
    """Vacancies a new contract can still book (``rcc.scenarios.blockbook.apply_contracts`` caps there)."""
    return max(0, home.vacancies - home.block_booked)


def home_label(home: Home, authority_names: Mapping[str, str]) -> str:
    """'Bright Futures Ltd · children's home · Salford · £4,250/week · 2 vacancies'."""
    free = free_beds(home)
    return " · ".join((home.provider, setting_name(home.setting),
                       authority_names.get(home.la_code, home.la_code), f"£{home.weekly_cost:,.0f}/week",
                       f"{free} vacanc{'y' if free == 1 else 'ies'}"))


def bookable(homes: Sequence[Home], authority_names: Mapping[str, str]) -> list[Home]:
    """Homes with a bed left to book, in the order their labels read (provider, setting, authority, price)."""
    return sorted((h for h in homes if free_beds(h) > 0), key=lambda h: home_label(h, authority_names))


def caps(homes: Sequence[Home], beds: int) -> list[str]:
    """One sentence per home where ``beds`` is more than it can book: 'capped at 3: the home has 3 vacancies'."""
    return [f"{home.provider} ({home.home_id}): capped at {free_beds(home)}: the home has {free_beds(home)} "
            f"{'vacancy' if free_beds(home) == 1 else 'vacancies'}"
            + (f" not already block-booked ({home.block_booked} are)" if home.block_booked else "")
            for home in homes if beds > free_beds(home)]
