"""Outcome KPIs of a checked assignment, overall and per responsible local authority.

KPIs are computed from a ``Check`` (the independent re-computation), never from solver internals,
so what a commissioner reads is what the checker verified.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from rcc.check import Check
from rcc.data import geo
from rcc.model import MILES_20_KM, Instance


def _share(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


def outcome_table(instance: Instance, assignment: Mapping[str, str | None], check: Check) -> pd.DataFrame:
    """One row per child: LA, home, km, charged cost, and the flags the KPIs count."""
    rows = []
    for child in instance.children:
        home_id = assignment.get(child.child_id)
        home = instance.home_by_id[home_id] if home_id else None
        rows.append({
            "child_id": child.child_id,
            "la_code": child.la_code,
            "sibling_group": child.sibling_group if child.sibling_group in instance.sibling_groups else None,
            "home_id": home_id,
            "placed": home is not None,
            "km": check.km.get(child.child_id),
            "weekly_cost": check.charged.get(child.child_id),
            "within_20_miles": home is not None and check.km[child.child_id] <= MILES_20_KM,
            "far_from_home": home is not None and check.km[child.child_id] > MILES_20_KM,
            "own_la": home is not None and home.la_code == child.la_code,
            "setting": home.setting if home else None,
            "needed_today": child.urgency == "today",
            "prefers": child.prefers_a_family,
            "in_preferred": home is not None and child.suitability(home.setting) == "preferred",
            # rule 10 lets only the approved child or sibling group into a kinship carer's home
            "with_kinship_carer": home is not None and home.reserved_for is not None,
        })
    return pd.DataFrame(rows)


def _kpis_of(table: pd.DataFrame, together_groups: int, groups: int) -> dict[str, float | int | None]:
    placed = table[table["placed"]]
    return {
        "children": len(table),
        "placed": len(placed),
        "unplaced": int((~table["placed"]).sum()),
        "placed_pct": _share(len(placed), len(table)),
        "within_20_miles_pct": _share(int(placed["within_20_miles"].sum()), len(placed)),
        "siblings_together_pct": _share(together_groups, groups),
        "own_la_pct": _share(int(placed["own_la"].sum()), len(placed)),
        "mean_km": float(placed["km"].mean()) if len(placed) else None,
        "weekly_spend": float(placed["weekly_cost"].sum()),
        # Placements Data Standard fields: None when the data records no urgency or preference
        "needed_today_placed_pct": _share(int(placed["needed_today"].sum()), int(table["needed_today"].sum())),
        "preferred_setting_pct": _share(int(placed["in_preferred"].sum()), int(placed["prefers"].sum())),
        "kinship_placed": int(placed["with_kinship_carer"].sum()),
    }


def _groups_together(table: pd.DataFrame) -> tuple[int, int]:
    """(groups all placed in one home, sibling groups) — a group is together only if all are placed."""
    grouped = table.dropna(subset=["sibling_group"]).groupby("sibling_group")
    together = sum(1 for _, g in grouped if g["placed"].all() and g["home_id"].nunique() == 1)
    return together, grouped.ngroups


def _groups_apart(table: pd.DataFrame) -> int:
    """Groups with a member placed but not every member in one home (split, or some left unplaced)."""
    grouped = table.dropna(subset=["sibling_group"]).groupby("sibling_group")
    return sum(1 for _, g in grouped if g["placed"].any() and not (g["placed"].all() and g["home_id"].nunique() == 1))


def compute_kpis(instance: Instance, assignment: Mapping[str, str | None], check: Check) -> dict:
    """placed %, within 20 miles % (of placed), sibling groups together % and apart, own LA % (of
    placed), mean km, weekly spend, block-booked beds used, children placed with a family or friends
    carer (``kinship_placed``), such carers (``kinship_carers``) and those nobody was placed with
    (``kinship_carers_unused``: a carer whose child cannot go to them, for a reason the explanation
    gives), and — when the data records them — children needed today placed % and placed children who
    prefer a setting family in it %."""
    table = outcome_table(instance, assignment, check)
    kpis = _kpis_of(table, *_groups_together(table))
    kpis["groups_apart"] = _groups_apart(table)
    placed_per_home = table[table["placed"]].groupby("home_id").size()
    kpis["block_booked_beds"] = sum(h.block_booked for h in instance.homes)
    booked = {h: instance.home_by_id[h].block_booked for h in placed_per_home.index}
    kpis["block_booked_used"] = int(sum(min(n, booked[h]) for h, n in placed_per_home.items()))
    carers = [h.home_id for h in instance.homes if h.reserved_for is not None]
    kpis["kinship_carers"] = len(carers)
    kpis["kinship_carers_unused"] = sum(h not in placed_per_home.index for h in carers)
    return kpis


def kpis_by_la(instance: Instance, assignment: Mapping[str, str | None], check: Check) -> pd.DataFrame:
    """The KPIs and measures for each member authority's own children, so each sees how its children
    fare: counts of children far from home and outside the authority, sibling groups apart, the weekly
    spend on its children, and how far its placed share falls below the region's."""
    table = outcome_table(instance, assignment, check)
    names = geo.local_authorities()["la_name"]
    region = _share(int(table["placed"].sum()), len(table))
    rows = []
    for code, part in table.groupby("la_code"):
        kpis = _kpis_of(part, *_groups_together(part))
        rows.append({"la_code": code, "la_name": names.get(code, code), **kpis,
                     "far_from_home": int(part["far_from_home"].sum()),
                     "outside_own_la": int((part["placed"] & ~part["own_la"]).sum()),
                     "groups_apart": _groups_apart(part),
                     "below_region_points": max(0.0, region - kpis["placed_pct"]) if region is not None else None})
    return pd.DataFrame(rows)
