"""The 903 tables as every later step reads them: episodes with parsed dates, the Header by child.

The checks, the children and the status quo all need the same facts of an episode row — its dates
parsed, whether it could be open on the as-of date or an entry to care, where the child's home is,
which setting family its placement belongs to — so they are derived here once, against the
``Setup`` of one import, rather than in each step.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rcc.data import geo
from rcc.imports.codes import outward_code, place_codes

_DATE = "%d/%m/%Y"
SEX = {"1": "M", "2": "F", "M": "M", "F": "F"}  # the 903's SEX codes (and F/M as typed) → the contract's sex


@dataclass(frozen=True)
class Setup:
    """What one import reads the tables against: the authority, the as-of date, the weeks of entries
    before it, and the two files' names for messages."""

    la_code: str
    as_of: pd.Timestamp
    weeks: int
    header_label: str
    episodes_label: str

    @property
    def centroid(self) -> tuple[float, float]:
        la = geo.local_authorities().loc[self.la_code]
        return float(la["lat"]), float(la["lon"])

    @property
    def centroid_text(self) -> str:
        return f"the centroid of {self.la_code} ({geo.local_authorities().at[self.la_code, 'la_name']})"


def parse_dates(text: pd.Series) -> pd.Series:
    """Dates as the 903 writes them (dd/mm/YYYY); ``NaT`` where a cell is empty or not such a date."""
    return pd.to_datetime(text, format=_DATE, errors="coerce")


def episode_table(frame: pd.DataFrame, setup: Setup) -> pd.DataFrame:
    """Episode rows with parsed dates, and whether each could be open on the as-of date or an entry.

    A row with an unreadable or reversed date *could* be either, so it counts as both until checked.
    """
    start, end = parse_dates(frame["DECOM"]), parse_dates(frame["DEC"])
    open_ = frame["DEC"] == ""
    broken = start.isna() | (~open_ & end.isna()) | (end < start)
    window_start = setup.as_of - pd.Timedelta(weeks=setup.weeks)
    return pd.DataFrame({
        "row": frame.index + 2,
        "child": frame["CHILD"], "decom": frame["DECOM"], "dec": frame["DEC"],
        "start": start, "end": end, "broken": broken,
        "place": frame["PLACE"].str.upper(), "provider": frame["PLACE_PROVIDER"].str.upper(),
        "home_post": frame["HOME_POST"], "pl_post": frame["PL_POST"], "urn": frame["URN"],
        "could_be_current": (start.isna() | (start <= setup.as_of)) & (open_ | broken | (end > setup.as_of)),
        "could_be_entry": (frame["RNE"].str.upper() == "S")
                          & (start.isna() | ((start > window_start) & (start <= setup.as_of))),
    }, index=frame.index)


def header_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Sex and date of birth by CHILD, for children with exactly one Header row."""
    head = pd.DataFrame({"row": frame.index + 2, "child": frame["CHILD"],
                         "sex": frame["SEX"].str.upper().map(SEX), "dob": parse_dates(frame["DOB"])})
    return head[~head["child"].duplicated(keep=False)].set_index("child")


def known_districts(postcodes: pd.Series) -> pd.Series:
    """The known postcode district of each postcode, or ``None``."""
    districts = postcodes.map(outward_code)
    return districts.where(districts.isin(geo.postcode_districts().index), None)


def home_points(rows: pd.DataFrame, setup: Setup) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(district, lat, lon) of each row's home: its district's centroid, else the authority's."""
    district = known_districts(rows["home_post"])
    centroids = geo.postcode_districts()
    lat, lon = setup.centroid
    return (district, district.map(centroids["lat"]).fillna(lat).astype(float),
            district.map(centroids["lon"]).fillna(lon).astype(float))


def setting_family(rows: pd.DataFrame) -> pd.Series:
    """The setting family of each row's PLACE code (``reference/ssda903_place_codes.csv``)."""
    return rows["place"].map(place_codes()["setting_family"])


def usual_family(rows: pd.DataFrame, episodes: pd.DataFrame) -> pd.Series:
    """The setting family of each row, looking through temporary moves (T0–T4: hospital, holiday,
    a carer's break, a few days elsewhere) to the child's placement before — or, for a child whose
    first placement is temporary, after — so a holiday does not make a child look "standard need"."""
    family = setting_family(rows)
    temporary = family.eq("temporary")
    if not temporary.any():
        return family
    known = episodes.assign(family=setting_family(episodes))
    known = known.loc[known["family"].notna() & known["family"].ne("temporary") & known["start"].notna(),
                      ["child", "start", "family"]].sort_values("start")
    asked = rows.loc[temporary & rows["start"].notna(), ["child", "start"]].rename_axis("at").reset_index()
    asked = asked.sort_values("start")
    found = {direction: pd.merge_asof(asked, known, on="start", by="child", direction=direction,
                                      allow_exact_matches=False).set_index("at")["family"]
             for direction in ("backward", "forward")}
    family.loc[found["backward"].index] = found["backward"].fillna(found["forward"]).fillna("temporary")
    return family
