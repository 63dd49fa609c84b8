"""The provider market of a plan: who the money goes to, how concentrated it is, and how much stays
with small local providers.

The strategy asks commissioners to know their market: spend and placements by sector (council,
private, voluntary), the share of spend with the five largest owners and the Herfindahl–Hirschman
index (HHI: the sum of squared spend shares in percent, 0–10,000; competition authorities read
above 2,500 as highly concentrated), and placements with **small local providers**: independent
(private or voluntary) owners with at most ``most_homes`` homes in the data, every one of them in the
region's authorities (the authorities whose children are waiting). A council is never a small local
provider. The data shows only the homes it lists, so a national group with one home here would look
small; the Ofsted list of every home, imported whole, avoids that.

Spend is what the checker charged each placed child (``Check.charged``): a block-booked bed is
already paid for and adds nothing, exactly as ``weekly_spend`` counts. Everything is computed from a
checked assignment, so the figures people read are the figures the checker verified. Without sector
or owner columns there is no market to describe (:func:`has_market`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from rcc.check import Check, private_spend, small_local_placements
from rcc.data import geo
from rcc.model import SECTORS, Home, Instance
from rcc.result import Guard

SMALL_PROVIDER_HOMES = 3  # "small": an owner with at most this many homes (a setting; see Guards)
TOP = 5
NOT_RECORDED = "not_recorded"
SECTOR_LABELS = {"local_authority": "Council", "private": "Private", "voluntary": "Voluntary",
                 NOT_RECORDED: "Not recorded"}
HIGHLY_CONCENTRATED = 2500  # HHI above which a market is read as highly concentrated (CMA, US DoJ)


def has_market(instance: Instance) -> bool:
    """Whether the homes say anything about sector or owner (absent columns = no market view)."""
    return any(h.sector is not None or h.owner is not None for h in instance.homes)


def small_local_owners(instance: Instance, most_homes: int = SMALL_PROVIDER_HOMES) -> frozenset[str]:
    """Independent owners with at most ``most_homes`` homes, all in the region's authorities."""
    region = {c.la_code for c in instance.children}
    homes_of: dict[str, list[Home]] = {}
    for home in instance.homes:
        if home.owner is not None:
            homes_of.setdefault(home.owner, []).append(home)
    return frozenset(owner for owner, homes in homes_of.items()
                     if len(homes) <= most_homes and all(h.sector != "local_authority" and h.la_code in region
                                                         for h in homes))


def is_small_local(instance: Instance, most_homes: int = SMALL_PROVIDER_HOMES) -> list[bool]:
    """For each home of the instance (in order): is its owner a small local provider?"""
    small = small_local_owners(instance, most_homes)
    return [h.owner in small for h in instance.homes]


def placements(instance: Instance, assignment: Mapping[str, str | None], check: Check,
               most_homes: int = SMALL_PROVIDER_HOMES) -> pd.DataFrame:
    """One row per placed child: the child's authority, the home's sector, owner, small-local flag and
    the weekly price charged."""
    small = small_local_owners(instance, most_homes)
    rows = []
    for child in instance.children:
        home_id = assignment.get(child.child_id)
        if home_id is None:
            continue
        home = instance.home_by_id[home_id]
        rows.append({"la_code": child.la_code, "sector": home.sector or NOT_RECORDED, "owner": home.owner,
                     "small_local": home.owner in small, "spend": float(check.charged[child.child_id])})
    return pd.DataFrame(rows, columns=["la_code", "sector", "owner", "small_local", "spend"])


def _percent(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


def concentration(spend_by_owner: pd.Series) -> tuple[float | None, float | None]:
    """(share of spend with the ``TOP`` largest owners in %, HHI 0–10,000) of spend per owner;
    (None, None) when nothing is spent."""
    total = float(spend_by_owner.sum())
    if total <= 0:
        return None, None
    shares = 100.0 * spend_by_owner.sort_values(ascending=False) / total
    return float(shares.head(TOP).sum()), float((shares ** 2).sum())


def _figures(table: pd.DataFrame) -> dict:
    """The market figures of some placements (a region's, or one authority's children's)."""
    spend = float(table["spend"].sum())
    by_sector = []
    for sector in (*SECTORS, NOT_RECORDED):
        part = table[table["sector"] == sector]
        if sector == NOT_RECORDED and part.empty:
            continue
        by_sector.append({"sector": sector, "placements": len(part), "weekly_spend": float(part["spend"].sum()),
                          "spend_pct": _percent(float(part["spend"].sum()), spend),
                          "placements_pct": _percent(len(part), len(table))})
    owned = table.dropna(subset=["owner"])
    per_owner = owned.groupby("owner")["spend"].sum()
    top_share, hhi = concentration(per_owner)
    largest = per_owner.sort_values(ascending=False, kind="stable").head(TOP)
    return {
        "placed": len(table),
        "weekly_spend": spend,
        "by_sector": by_sector,
        "private_spend": float(table.loc[table["sector"] == "private", "spend"].sum()),
        "top_owners": [{"owner": o, "weekly_spend": float(s), "spend_pct": _percent(float(s), float(per_owner.sum()))}
                       for o, s in largest.items()],
        "top_five_pct": top_share,
        "hhi": hhi,
        "owners_paid": int((per_owner > 0).sum()),
        "spend_with_owner_pct": _percent(float(owned["spend"].sum()), spend),
        "small_local_placements": int(table["small_local"].sum()),
        "small_local_pct": _percent(int(table["small_local"].sum()), len(table)),
    }


def market_summary(instance: Instance, assignment: Mapping[str, str | None], check: Check,
                   most_homes: int = SMALL_PROVIDER_HOMES) -> dict:
    """The market block of ``summary.json``: the region's figures, then each authority's for its own
    children. Shares are percentages (0–100) or ``None`` when there is nothing to share."""
    table = placements(instance, assignment, check, most_homes)
    names = geo.local_authorities()["la_name"]
    by_authority = []
    for code in sorted({c.la_code for c in instance.children}):
        figures = _figures(table[table["la_code"] == code])
        by_authority.append({"la_code": code, "la_name": names.get(code, code),
                             **{k: v for k, v in figures.items() if k != "top_owners"}})
    return {"small_provider_homes": most_homes, "small_local_owners": len(small_local_owners(instance, most_homes)),
            **_figures(table), "by_authority": by_authority}


def describe_hhi(hhi: float | None) -> str:
    """The HHI in one plain line."""
    if hhi is None:
        return "No spend, so no concentration to measure."
    if hhi > HIGHLY_CONCENTRATED:
        return f"{hhi:,.0f}: highly concentrated — a few owners take most of the money."
    if hhi > 1500:
        return f"{hhi:,.0f}: moderately concentrated — a handful of owners take much of the money."
    return f"{hhi:,.0f}: not concentrated — the money is spread over many owners."


MARKET_GUARDS = ("private_spend", "small_local")


def guard_standing(instance: Instance, assignment: Mapping[str, str | None], check: Check,
                   guard: Guard) -> tuple[float, str, bool]:
    """A market guard's value in the plan, as people read it, and whether it holds — the checker's own
    recomputation (``rcc.check``), which has already refused a plan that breaks it."""
    if guard.measure == "private_spend":
        value = private_spend(instance, assignment, check)
        return value, f"£{value:,.0f}/week", value <= guard.cap + max(1.0, 1e-3 * guard.cap)
    small, placed = small_local_placements(instance, assignment, guard.small_provider_homes)
    value = 100.0 * small / placed if placed else 100.0
    return value, f"{value:.1f}% ({small} of {placed} placements)", 100 * small >= guard.cap * placed - 1e-9
