"""Today's placements as a baseline, and entries to care as a demand profile, from checked 903 episodes.

An optimised matching means little without what it is compared against: where the children in care
live now — how far from home, within 20 miles or not, outside the authority or not. The entries to
care of recent weeks, counted by age band, setting family and provider, are the demand a
``DemandProfile`` replays. Both are read only from episode rows the checks have let through.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rcc.data import geo
from rcc.data.problems import Problem
from rcc.imports.codes import FAMILY_SETTING
from rcc.imports.ssda903_episodes import Setup, home_points, known_districts, setting_family
from rcc.model import MILES_20_KM
from rcc.summary import age_band

SIBLINGS_NOTE = "the SSDA903 return holds no sibling links"
STATUS_QUO_COLUMNS = ("child_id", "place", "setting_family", "setting", "provider_code", "urn",
                      "placement_district", "km", "within_20_miles", "outside_la")
PROFILE_COLUMNS = ("age_band", "setting_family", "provider_code", "entries", "per_week")


def status_quo_table(rows: pd.DataFrame, setup: Setup) -> pd.DataFrame:
    """Where each child lives now: the distance from home and whether it is outside the authority."""
    _, lat, lon = home_points(rows, setup)
    placed = known_districts(rows["pl_post"])
    centroids = geo.postcode_districts()
    known = placed.notna()
    km = pd.Series(np.nan, index=rows.index)
    if known.any():
        km[known] = geo.geodesic_km(lat[known], lon[known], placed[known].map(centroids["lat"]),
                                    placed[known].map(centroids["lon"]))
    family = setting_family(rows)
    return pd.DataFrame({
        "child_id": rows["child"],
        "place": rows["place"],
        "setting_family": family,
        "setting": family.map(FAMILY_SETTING).fillna(""),
        "provider_code": rows["provider"],
        "urn": rows["urn"],
        "placement_district": placed.fillna(""),
        "km": km.round(3),
        "within_20_miles": (km <= MILES_20_KM).astype("boolean").where(known),
        "outside_la": (placed.map(centroids["la_code"]) != setup.la_code).astype("boolean").where(known),
    }, columns=list(STATUS_QUO_COLUMNS)).reset_index(drop=True)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def status_quo_summary(table: pd.DataFrame) -> dict:
    """The headline figures of the table (``status_quo.json``); shares are of placements with a known location."""
    known = table["km"].notna()
    km = table.loc[known, "km"]
    return {
        "children": len(table),
        "with_known_placement_location": int(known.sum()),
        "mean_km": round(float(km.mean()), 2) if len(km) else None,
        "median_km": round(float(km.median()), 2) if len(km) else None,
        "within_20_miles_pct": _percent(int(table["within_20_miles"].sum()), int(known.sum())),
        "outside_la_pct": _percent(int(table["outside_la"].sum()), int(known.sum())),
        "by_setting_family": counts_by_value(table["setting_family"]),
        "by_provider_code": counts_by_value(table["provider_code"]),
        "siblings_split": None,
        "siblings_note": SIBLINGS_NOTE,
    }


def counts_by_value(values: pd.Series) -> dict[str, int]:
    """How often each value occurs, in order of value, as JSON-ready numbers."""
    return {str(k): int(v) for k, v in values.value_counts().sort_index().items()}


def demand_profile(rows: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """Entries to care per week by age band, setting family and provider."""
    table = pd.DataFrame({"age_band": rows["age"].astype(int).map(age_band), "setting_family": setting_family(rows),
                          "provider_code": rows["provider"]})
    counts = table.groupby(list(PROFILE_COLUMNS[:3])).size().rename("entries").reset_index()
    return counts.assign(per_week=counts["entries"] / weeks).reindex(columns=list(PROFILE_COLUMNS))


def actual_measures(table: pd.DataFrame) -> dict[str, float]:
    """Today's counts of the measures the SSDA903 records, for the "no worse than today" guards:
    children placed more than 20 miles from home, and outside their authority. Only children whose
    placement district is known are counted (the file says how many that is)."""
    known = table["km"].notna()
    return {"far_from_home": float((table.loc[known, "within_20_miles"].astype(str).str.lower() == "false").sum()),
            "outside_own_la": float((table.loc[known, "outside_la"].astype(str).str.lower() == "true").sum())}


def read_actual(path: str | Path, child_ids: set[str]) -> tuple[dict[str, float] | None, list[Problem]]:
    """``status_quo.csv`` as written by ``rcc import-903``: today's measures, or the problems that stop
    it being read (a missing column, a bad cell, a child the instance does not have), each named."""
    name = Path(path).name
    problems: list[Problem] = []
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        return None, [Problem(name, f"cannot be read as CSV ({exc})")]
    missing = [c for c in ("child_id", "km", "within_20_miles", "outside_la") if c not in table.columns]
    if missing:
        return None, [Problem(name, f"is missing column(s) {', '.join(missing)}: write it with rcc import-903")]
    for i, row in table.iterrows():
        where = {"file": name, "row": i + 2, "key": f"child_id={row['child_id']}"}
        if row["child_id"] not in child_ids:
            problems.append(Problem(**where, column="child_id", value=row["child_id"],
                                    rule="is not a child of the instance (status_quo.csv must come from the "
                                    "same import)"))
        if row["km"]:
            try:
                float(row["km"])
            except ValueError:
                problems.append(Problem(**where, column="km", value=row["km"], rule="must be a number of km"))
        for column in ("within_20_miles", "outside_la"):
            if row[column].lower() not in ("", "true", "false"):
                problems.append(Problem(**where, column=column, value=row[column], rule="must be true, false or empty"))
    if problems:
        return None, problems
    table["km"] = pd.to_numeric(table["km"].replace("", None))
    return actual_measures(table), []
