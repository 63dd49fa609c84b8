"""The code lists both importers share: SSDA903 placement types, collection years and postcodes.

Ofsted's provider list names the same SSDA903 ``PLACE`` codes as the 903 return ("U1,U2,…" for a
fostering agency, "K2" for a children's home), so both importers map them to the contract's
``setting`` through one table, ``reference/ssda903_place_codes.csv`` (its ``setting_family`` column
is the project's own grouping, see ``SOURCES.md`` §3).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from importlib import resources

import pandas as pd

# setting_family of the code list → the contract's setting; families with no contract setting
# (adoption, parents, custody, temporary moves, hospitals, other) map to None.
FAMILY_SETTING = {
    "foster": "foster",
    "foster_kinship": "foster",
    "childrens_home": "childrens_home",
    "secure_childrens_home": "secure",
    "supported_accommodation": "semi_independent",
    "independent_living": "semi_independent",
    "residential_school": "residential_school",
}

_YEAR_COLUMNS = {  # first collection year each validity column covers
    2022: "valid_2022_23_to_2023_24",
    2024: "valid_2024_25",
    2025: "valid_2025_26",
}

_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})?$")


@lru_cache(maxsize=2)
def _code_list(name: str) -> pd.DataFrame:
    with (resources.files("rcc.data") / "reference" / name).open("rb") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False).set_index("code", drop=False)


def place_codes() -> pd.DataFrame:
    """The SSDA903 ``PLACE`` codes, indexed by code, with validity flags and setting family."""
    return _code_list("ssda903_place_codes.csv")


def provider_codes() -> pd.DataFrame:
    """The SSDA903 ``PLACE_PROVIDER`` codes (PR0–PR5), indexed by code."""
    return _code_list("ssda903_place_provider_codes.csv")


def collection_year(day: dt.date) -> int:
    """The first calendar year of the 903 collection year (1 April – 31 March) holding ``day``."""
    return day.year if day.month >= 4 else day.year - 1


def validity_column(year: int) -> tuple[str, str | None]:
    """The code-list column for collection year ``year``, and a note when the nearest list stands in."""
    known = sorted(_YEAR_COLUMNS)
    label = f"{year}-{(year + 1) % 100:02d}"
    if year < known[0]:
        return _YEAR_COLUMNS[known[0]], f"no code list before 2022-23; the 2022-23 list is used for {label}"
    if year > known[-1]:
        return _YEAR_COLUMNS[known[-1]], f"no code list after 2025-26; the 2025-26 list is used for {label}"
    chosen = max(y for y in known if y <= year)
    return _YEAR_COLUMNS[chosen], None


def place_code_valid(code: str, year: int) -> bool:
    """Whether ``code`` is a valid ``PLACE`` code in collection year ``year`` (case-insensitive)."""
    table = place_codes()
    code = code.strip().upper()
    return code in table.index and table.at[code, validity_column(year)[0]] == "Y"


def setting_of_place(code: str) -> str | None:
    """The contract setting a ``PLACE`` code belongs to, or ``None`` (adoption, parents, custody, …)."""
    table = place_codes()
    code = code.strip().upper()
    if code not in table.index:
        return None
    return FAMILY_SETTING.get(table.at[code, "setting_family"])


def outward_code(postcode: str) -> str | None:
    """The district (outward code) of a full or partial UK postcode, upper-cased; ``None`` if malformed.

    ``"bn20 8jx"`` → ``"BN20"``; ``"M14"`` → ``"M14"``. Whether the district exists is the caller's
    question (``rcc.data.geo.postcode_districts``).
    """
    text = " ".join(str(postcode).upper().split())
    match = _POSTCODE.match(text)
    return match.group(1) if match else None
