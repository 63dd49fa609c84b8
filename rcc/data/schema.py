"""The contract's tables as column specifications, pandera schemas and a PII guard.

Reading happens in two steps so that every problem gets a precise message: cells are first
*parsed* from text (a cell that is not a number says so), then the parsed table is validated with
a pandera schema whose check names are the contract's rules (``must be >= 0``). Rules that join
tables (unknown LA codes, separations naming unknown children, …) live in ``read.py``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandera.pandas as pa

from rcc.data.personal import SAFE_ID, SAFE_ID_RULE
from rcc.model import (
    ALONGSIDE,
    DEFAULT_MAX_DISTANCE_KM,
    HOME_SEXES,
    OFSTED_RATINGS,
    SECTORS,
    SETTINGS,
    SEXES,
    SUITABILITIES,
    URGENCIES,
)

MAX_RESIDENT_AGE = 25  # care leavers may stay in supported accommodation to 25


@dataclass(frozen=True)
class ColumnSpec:
    """How one contract column is parsed: its kind, whether required, its default."""

    name: str
    kind: str  # id | str | int | float | bool | tags | ints | choice
    required: bool = True
    default: object = None
    choices: tuple[str, ...] = ()


CHILDREN = (
    ColumnSpec("child_id", "id"),
    ColumnSpec("la_code", "str"),
    ColumnSpec("lat", "float", required=False),
    ColumnSpec("lon", "float", required=False),
    ColumnSpec("postcode_district", "str", required=False),
    ColumnSpec("age", "int"),
    ColumnSpec("sex", "choice", choices=SEXES),
    ColumnSpec("need_level", "int"),
    ColumnSpec("needs", "tags", required=False, default=frozenset()),
    ColumnSpec("sibling_group", "id", required=False),
    ColumnSpec("solo", "bool", required=False, default=False),
    ColumnSpec("max_distance_km", "float", required=False, default=DEFAULT_MAX_DISTANCE_KM),
    # Placements Data Standard v2 (optional extensions of the contract)
    ColumnSpec("urgency", "choice", required=False, choices=URGENCIES),
    ColumnSpec("suitability_foster", "choice", required=False, default="not_specified", choices=SUITABILITIES),
    ColumnSpec("suitability_residential", "choice", required=False, default="not_specified", choices=SUITABILITIES),
    ColumnSpec("suitability_supported", "choice", required=False, default="not_specified", choices=SUITABILITIES),
    ColumnSpec("alongside", "choice", required=False, default="no_preference", choices=ALONGSIDE),
)

HOMES = (
    ColumnSpec("home_id", "id"),
    ColumnSpec("provider", "str"),
    ColumnSpec("setting", "choice", choices=SETTINGS),
    ColumnSpec("la_code", "str"),
    ColumnSpec("lat", "float", required=False),
    ColumnSpec("lon", "float", required=False),
    ColumnSpec("postcode_district", "str", required=False),
    ColumnSpec("vacancies", "int"),
    ColumnSpec("min_age", "int"),
    ColumnSpec("max_age", "int"),
    ColumnSpec("sex", "choice", required=False, default="any", choices=HOME_SEXES),
    ColumnSpec("max_need_level", "int"),
    ColumnSpec("specialisms", "tags", required=False, default=frozenset()),
    ColumnSpec("weekly_cost", "float"),
    ColumnSpec("ofsted", "choice", required=False, default="unrated", choices=OFSTED_RATINGS),
    ColumnSpec("block_booked", "int", required=False, default=0),
    ColumnSpec("resident_ages", "ints", required=False, default=()),
    # The provider market and kinship care (optional extensions; absent = no effect)
    ColumnSpec("sector", "choice", required=False, choices=SECTORS),
    ColumnSpec("owner", "str", required=False),
    ColumnSpec("reserved_for", "id", required=False),
)

SEPARATIONS = (ColumnSpec("child_a", "id"), ColumnSpec("child_b", "id"))

TRAVEL = (ColumnSpec("child_id", "id"), ColumnSpec("home_id", "id"), ColumnSpec("km", "float"))

TABLES = {"children": CHILDREN, "homes": HOMES, "separations": SEPARATIONS, "travel": TRAVEL}
REQUIRED_TABLES = ("children", "homes")
KEYS = {"children": "child_id", "homes": "home_id"}


def _check(fn, rule: str, **kwargs) -> pa.Check:
    return pa.Check(fn, element_wise=True, ignore_na=True, error=rule, **kwargs)


def _between(lo, hi) -> pa.Check:
    return _check(lambda v: lo <= v <= hi, f"must be between {lo} and {hi}")


_GE0 = _check(lambda v: v >= 0, "must be >= 0")
_GT0 = _check(lambda v: v > 0, "must be > 0")
_LAT = _between(-90, 90)
_LON = _between(-180, 180)


def _column(*checks: pa.Check, unique: bool = False) -> pa.Column:
    return pa.Column(object, list(checks), nullable=True, unique=unique, required=False, coerce=False)


# Value rules on parsed tables. Check names are the words that follow "column=value" in a message.
SCHEMAS = {
    "children": pa.DataFrameSchema(
        {
            "child_id": _column(unique=True),
            "lat": _column(_LAT),
            "lon": _column(_LON),
            "age": _column(_between(0, 17)),
            "need_level": _column(_between(1, 4)),
            "max_distance_km": _column(_GT0),
        },
        strict=False,
    ),
    "homes": pa.DataFrameSchema(
        {
            "home_id": _column(unique=True),
            "lat": _column(_LAT),
            "lon": _column(_LON),
            "vacancies": _column(_GE0),
            "min_age": _column(_between(0, 17)),
            "max_age": _column(_between(0, 17)),
            "max_need_level": _column(_between(1, 4)),
            "weekly_cost": _column(_GE0),
            "block_booked": _column(_GE0),
            "resident_ages": _column(_check(lambda ages: all(0 <= a <= MAX_RESIDENT_AGE for a in ages),
                                            f"must be ages between 0 and {MAX_RESIDENT_AGE}")),
        },
        strict=False,
    ),
    "travel": pa.DataFrameSchema({"km": _column(_GE0)}, strict=False),
}


# --- parsing single cells ---------------------------------------------------------------

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}
_INT = re.compile(r"^[+-]?\d+(\.0*)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


class CellError(ValueError):
    """A cell whose text is not of its column's kind; the message is the rule it broke."""


def parse_cell(spec: ColumnSpec, text: str):
    """Parse one non-empty cell, or raise :class:`CellError` naming the rule."""
    if spec.kind == "str":
        return text
    if spec.kind == "id":
        if not SAFE_ID.match(text):
            raise CellError(SAFE_ID_RULE)
        return text
    if spec.kind == "int":
        if not _INT.match(text):
            raise CellError("must be a whole number")
        return int(float(text))
    if spec.kind == "float":
        try:
            value = float(text)
        except ValueError:
            if _DECIMAL_COMMA.match(text):
                raise CellError("must be a number with a decimal point (53.4, not 53,4)") from None
            raise CellError("must be a number") from None
        if not math.isfinite(value):
            raise CellError("must be a finite number")
        return value
    if spec.kind == "bool":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise CellError("must be true/false, yes/no or 1/0")
    if spec.kind == "tags":
        return frozenset(t.strip().lower() for t in text.split(";") if t.strip())
    if spec.kind == "ints":
        parts = [t.strip() for t in text.split(";") if t.strip()]
        if not all(_INT.match(p) for p in parts):
            raise CellError("must be whole numbers separated by semicolons")
        return tuple(sorted(int(float(p)) for p in parts))
    if spec.kind == "choice":
        for choice in spec.choices:
            if text.lower() == choice.lower():
                return choice
        raise CellError("must be one of " + ", ".join(spec.choices))
    raise AssertionError(f"unknown column kind {spec.kind}")


# --- the PII guard ----------------------------------------------------------------------

_ALLOWED_NAME_COLUMNS = {"la_name", "provider_name", "home_name", "setting_name", "region_name"}
_PII_PATTERNS = (
    (re.compile(r"(^|_)(sur|fore|first|last|full|given|family|middle|child|carer|preferred)?_?name(s)?$"),
     "looks like a person's name"),
    (re.compile(r"(^|_)(dob|d_o_b|do_b|date_of_birth|birth_?date|birthday|mc_dob)($|_)"),
     "looks like a date of birth"),
    (re.compile(r"(^|_)(post_?code|full_postcode|home_post|pl_post|postcode_full)($|_)"),
     "looks like a full postcode"),
    (re.compile(r"(^|_)nhs(_?(no|num|number))?($|_)"), "looks like an NHS number"),
    (re.compile(r"(^|_)(upn|uln|unique_pupil_number|pupil_?(no|num|number|id|ref|reference))($|_)"),
     "looks like a pupil number (UPN/ULN)"),
    (re.compile(r"(^|_)(address|addr|street)(_|$)"), "looks like an address"),
    (re.compile(r"(^|_)(e_?mail|phone|telephone|mobile)($|_)"), "looks like contact details"),
    (re.compile(r"(^|_)(ni_?(no|num|number)|national_insurance)($|_)"), "looks like a National Insurance number"),
)

_WORD_BOUNDARIES = (
    (re.compile(r"([a-z0-9])([A-Z])"), r"\1_\2"),  # DateOfBirth → Date_Of_Birth
    (re.compile(r"([A-Z]+)([A-Z][a-z])"), r"\1_\2"),  # NHSNumber → NHS_Number
    (re.compile(r"([A-Za-z])([0-9])"), r"\1_\2"),  # AddressLine1 → AddressLine_1
)


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def normalise_header(name: str) -> str:
    """The contract name a header or sheet name stands for: case, spaces and camelCase ignored, so
    ``Max Distance KM``, ``maxDistanceKm`` and ``max_distance_km`` are one column (and so may not
    appear together) and ``DateOfBirth`` is recognised as ``date_of_birth``."""
    name = str(name)
    for pattern, replacement in _WORD_BOUNDARIES:
        name = pattern.sub(replacement, name)
    return _snake(name)


def pii_reason(column: str) -> str | None:
    """Why a column name looks like a personal identifier, or ``None`` if it does not. Both the
    camelCase-split name and the plain one are tried, so ``DoB`` is caught as well as ``DateOfBirth``."""
    for name in dict.fromkeys((normalise_header(column), _snake(str(column)))):
        if name == "postcode_district" or name in _ALLOWED_NAME_COLUMNS:
            return None
        for pattern, reason in _PII_PATTERNS:
            if pattern.search(name):
                return reason
    return None
