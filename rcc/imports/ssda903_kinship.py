"""Family and friends (kinship) carers found in a 903 return, as contract homes reserved for their child.

A child whose current placement is with relatives or friends (``PLACE`` U1, U2 or U3: setting family
``foster_kinship`` in ``reference/ssda903_place_codes.csv``) has a carer approved for them alone. That
carer is a home in rcc's sense — one place, ``reserved_for`` the child (contract rule 10) — and the
matcher keeps the child there unless a rule forbids it (:mod:`rcc.solver.kinship`).

Where it is: the placement's postcode district (``PL_POST`` reduced to its outward code; the full
postcode is never kept), else the child's home district, else the authority's centroid, as for the
child. What it costs: the national minimum fostering allowance for the child's age
(:mod:`rcc.data.fostering_allowance`), since ``placement_weekly_cost_reference.csv`` has no kinship
figure. It is run by the child's authority (``local_authority``, owned by its council), approved for
every age and for the child's estimated need level; the 903 records no needs, so no specialisms.
"""

from __future__ import annotations

import pandas as pd

from rcc.data import geo
from rcc.data.fostering_allowance import fostering_allowance
from rcc.imports.ssda903_episodes import Setup, known_districts, setting_family

KINSHIP_FAMILY = "foster_kinship"
HOME_COLUMNS = ("home_id", "provider", "setting", "la_code", "postcode_district", "lat", "lon", "vacancies",
                "min_age", "max_age", "sex", "max_need_level", "specialisms", "weekly_cost", "ofsted", "block_booked",
                "sector", "owner", "reserved_for")
HOME_ID_PREFIX = "KIN-"


def kinship_homes(current: pd.DataFrame, children: pd.DataFrame, setup: Setup) -> pd.DataFrame:
    """One carer home per child of ``children`` whose ``current`` episode (the same rows, in order) is a
    connected-person placement; the columns of ``homes.csv``."""
    kin = (setting_family(current) == KINSHIP_FAMILY).to_numpy()
    rows, kids = current[kin], children[kin].reset_index(drop=True)
    placed = known_districts(rows["pl_post"]).reset_index(drop=True)
    district = placed.fillna(kids["postcode_district"].replace("", None))
    district_la = district.map(geo.postcode_districts()["la_code"])
    authority = str(geo.local_authorities().at[setup.la_code, "la_name"])
    has_district = district.notna()
    return pd.DataFrame({
        "home_id": HOME_ID_PREFIX + kids["child_id"],
        "provider": f"{authority} Council family and friends carers",
        "setting": "foster",
        "la_code": district_la.where(district_la.notna(), setup.la_code),
        "postcode_district": district.fillna(""),
        "lat": kids["lat"].where(~has_district),
        "lon": kids["lon"].where(~has_district),
        "vacancies": 1,
        "min_age": 0,
        "max_age": 17,
        "sex": "any",
        "max_need_level": kids["need_level"],
        "specialisms": "",
        "weekly_cost": kids["age"].map(fostering_allowance).astype(float),
        "ofsted": "unrated",
        "block_booked": 0,
        "sector": "local_authority",
        "owner": f"{authority} Council",
        "reserved_for": kids["child_id"],
    }, columns=list(HOME_COLUMNS))
