"""Sufficiency what-ifs: new instances with supply or demand changed, never the original edited.

Every function returns a new :class:`~rcc.model.Instance` built with ``replace()``; the
commissioner's baseline stays exactly as loaded, so baseline and scenario can be compared.
Added children and homes get IDs that say where they came from (``+C00012#2``, ``NEW-…``), so
nobody mistakes a what-if child for a real referral.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rcc.data import geo
from rcc.kpis import outcome_table
from rcc.model import MILES_20_KM, Home, Instance
from rcc.summary import age_band

# Ages a new home of each setting is registered for, when a what-if adds one.
SETTING_AGES = {
    "foster": (0, 17),
    "childrens_home": (8, 17),
    "semi_independent": (16, 17),
    "residential_school": (8, 17),
    "secure": (10, 17),
}


@dataclass(frozen=True)
class SupplyChange:
    """Add (``beds`` > 0) or remove (``beds`` < 0) places of a setting and need level in an LA."""

    la_code: str
    setting: str
    need_level: int
    beds: int
    weekly_cost: float | None = None  # for added places; default the median of that setting


def _typical_cost(instance: Instance, setting: str) -> float:
    costs = [h.weekly_cost for h in instance.homes if h.setting == setting]
    return float(np.median(costs)) if costs else float(np.median([h.weekly_cost for h in instance.homes]))


def change_supply(instance: Instance, change: SupplyChange) -> Instance:
    """Add one new home with ``beds`` places at the LA's centroid, or take ``-beds`` places away
    from the matching homes (setting in the LA able to meet the need level), fullest first."""
    if change.beds > 0:
        la = geo.local_authorities().loc[change.la_code]
        min_age, max_age = SETTING_AGES[change.setting]
        serial = sum(1 for h in instance.homes if h.home_id.startswith("NEW-")) + 1
        home = Home(
            home_id=f"NEW-{change.la_code}-{change.setting}-{serial}", provider="What-if (new places)",
            setting=change.setting, la_code=change.la_code, lat=float(la["lat"]), lon=float(la["lon"]),
            vacancies=change.beds, min_age=min_age, max_age=max_age, max_need_level=change.need_level,
            weekly_cost=change.weekly_cost if change.weekly_cost is not None else _typical_cost(instance,
                                                                                                change.setting),
            specialisms=frozenset(t for c in instance.children for t in c.needs), ofsted="good",
        )
        return instance.replace(homes=instance.homes + (home,), name=f"{instance.name} +{change.beds} beds")
    to_remove = -change.beds
    homes = list(instance.homes)
    matching = sorted(
        (i for i, h in enumerate(homes) if h.la_code == change.la_code and h.setting == change.setting
         and h.max_need_level >= change.need_level and h.vacancies > 0),
        key=lambda i: -homes[i].vacancies,
    )
    for i in matching:
        if to_remove == 0:
            break
        take = min(to_remove, homes[i].vacancies)
        vacancies = homes[i].vacancies - take
        homes[i] = homes[i].replace(vacancies=vacancies, block_booked=min(homes[i].block_booked, vacancies))
        to_remove -= take
    return instance.replace(homes=tuple(homes), name=f"{instance.name} {change.beds} beds")


def set_vacancies(instance: Instance, home_id: str, vacancies: int) -> Instance:
    """One specific home with a different number of vacancies (block-booked beds capped to match)."""
    if vacancies < 0:
        raise ValueError(f"vacancies for {home_id} must be >= 0, not {vacancies}")
    homes = tuple(h.replace(vacancies=vacancies, block_booked=min(h.block_booked, vacancies))
                  if h.home_id == home_id else h for h in instance.homes)
    return instance.replace(homes=homes, name=f"{instance.name} {home_id}={vacancies}")


def scale_demand(instance: Instance, factor: float, la_code: str | None = None, band: str | None = None,
                 need_level: int | None = None, seed: int = 0) -> Instance:
    """Scale the number of waiting children matching the filters by ``factor`` (seeded).

    Above 1, matching children are copied (sibling groups copied whole, as new groups); below 1,
    a random share of matching children is removed (whole groups at a time).
    """
    rng = np.random.default_rng(seed)

    def matches(c) -> bool:
        return ((la_code is None or c.la_code == la_code) and (band is None or age_band(c.age) == band)
                and (need_level is None or c.need_level == need_level))

    units: dict[str, list] = {}
    for child in instance.children:
        units.setdefault(child.sibling_group or f"#{child.child_id}", []).append(child)
    chosen = [key for key, members in units.items() if any(matches(c) for c in members)]
    kids = list(instance.children)
    if factor < 1:
        drop = set(rng.choice(chosen, size=round(len(chosen) * (1 - factor)), replace=False)) if chosen else set()
        kept = {c.child_id for key, members in units.items() if key not in drop for c in members}
        kids = [c for c in kids if c.child_id in kept]
        separations = tuple(p for p in instance.separations if p[0] in kept and p[1] in kept)
        travel = {k: v for k, v in instance.travel.items() if k[0] in kept}
        return instance.replace(children=tuple(kids), separations=separations, travel=travel,
                                name=f"{instance.name} demand ×{factor:g}")
    extra = round(len(chosen) * (factor - 1))
    for copy, key in enumerate(rng.choice(chosen, size=extra, replace=True) if chosen and extra else []):
        group = f"{key}#{copy + 2}" if not key.startswith("#") else None
        for member in units[key]:
            kids.append(member.replace(child_id=f"+{member.child_id}#{copy + 2}", sibling_group=group))
    return instance.replace(children=tuple(kids), name=f"{instance.name} demand ×{factor:g}")


def distance_policy(instance: Instance, max_km: float) -> Instance:
    """Every child's farthest acceptable home becomes ``max_km`` (a region-wide policy)."""
    kids = tuple(c.replace(max_distance_km=max_km) for c in instance.children)
    return instance.replace(children=kids, name=f"{instance.name} ≤{max_km:g} km")


def shortfall_table(instance: Instance, assignment, check) -> pd.DataFrame:
    """Where demand is not met well: by the child's LA × age band × need level, how many children
    are unplaced or placed more than 20 miles away. Sorted by the worst combinations first."""
    table = outcome_table(instance, assignment, check)
    kids = instance.child_by_id
    table["age_band"] = [age_band(kids[c].age) for c in table["child_id"]]
    table["need_level"] = [kids[c].need_level for c in table["child_id"]]
    table["far"] = table["placed"] & (table["km"].fillna(0) > MILES_20_KM)
    names = geo.local_authorities()["la_name"]
    grouped = table.groupby(["la_code", "age_band", "need_level"]).agg(
        children=("child_id", "size"), unplaced=("placed", lambda s: int((~s).sum())), far_from_home=("far", "sum"),
    ).reset_index()
    grouped.insert(1, "la_name", [names.get(code, code) for code in grouped["la_code"]])
    grouped["not_met"] = grouped["unplaced"] + grouped["far_from_home"]
    return grouped.sort_values(["not_met", "children"], ascending=False, ignore_index=True)
