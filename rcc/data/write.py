"""Write an instance back to the contract's CSV files (the inverse of ``read_instance``).

Locations are written as ``lat``/``lon`` (plus ``postcode_district`` where known) so a re-read
gives back exactly the same instance. Each file is written atomically.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from rcc.data.safe_cells import write_csv
from rcc.model import Instance


def _tags(values: frozenset[str]) -> str:
    return ";".join(sorted(values))


# Optional Placements Data Standard columns: written only when some row uses them, so an
# instance of the core contract is written exactly as before.
CHILD_EXTENSIONS = {
    "urgency": lambda c: c.urgency or "",
    "suitability_foster": lambda c: c.suitability_foster,
    "suitability_residential": lambda c: c.suitability_residential,
    "suitability_supported": lambda c: c.suitability_supported,
    "alongside": lambda c: c.alongside,
}
HOME_EXTENSIONS = {
    "resident_ages": lambda h: ";".join(str(a) for a in h.resident_ages),
    "sector": lambda h: h.sector or "",
    "owner": lambda h: h.owner or "",
    "reserved_for": lambda h: h.reserved_for or "",
}
_ABSENT = {"", "not_specified", "no_preference"}


def _extensions(table: pd.DataFrame, rows, columns: dict) -> None:
    for name, value in columns.items():
        values = [value(r) for r in rows]
        if any(v not in _ABSENT for v in values):
            table[name] = values


def instance_tables(instance: Instance) -> dict[str, pd.DataFrame]:
    """The instance as the contract's tables (the two optional ones only when non-empty)."""
    children = pd.DataFrame(
        {
            "child_id": c.child_id,
            "la_code": c.la_code,
            "lat": round(c.lat, 6),
            "lon": round(c.lon, 6),
            "postcode_district": c.postcode_district or "",
            "age": c.age,
            "sex": c.sex,
            "need_level": c.need_level,
            "needs": _tags(c.needs),
            "sibling_group": c.sibling_group or "",
            "solo": "true" if c.solo else "false",
            "max_distance_km": c.max_distance_km,
        }
        for c in instance.children
    )
    homes = pd.DataFrame(
        {
            "home_id": h.home_id,
            "provider": h.provider,
            "setting": h.setting,
            "la_code": h.la_code,
            "lat": round(h.lat, 6),
            "lon": round(h.lon, 6),
            "postcode_district": h.postcode_district or "",
            "vacancies": h.vacancies,
            "min_age": h.min_age,
            "max_age": h.max_age,
            "sex": h.sex,
            "max_need_level": h.max_need_level,
            "specialisms": _tags(h.specialisms),
            "weekly_cost": h.weekly_cost,
            "ofsted": h.ofsted,
            "block_booked": h.block_booked,
        }
        for h in instance.homes
    )
    _extensions(children, instance.children, CHILD_EXTENSIONS)
    _extensions(homes, instance.homes, HOME_EXTENSIONS)
    tables = {"children": children, "homes": homes}
    if instance.separations:
        tables["separations"] = pd.DataFrame(instance.separations, columns=["child_a", "child_b"])
    if instance.travel:
        tables["travel"] = pd.DataFrame(
            [(c, h, km) for (c, h), km in instance.travel.items()], columns=["child_id", "home_id", "km"]
        )
    return tables


def write_instance(instance: Instance, folder: str | os.PathLike) -> Path:
    """Write ``instance`` as CSV files into ``folder`` (created if needed); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in instance_tables(instance).items():
        write_csv(folder / f"{name}.csv", table)
    return folder
