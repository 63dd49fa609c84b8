"""What an Ofsted provider list means, as tables: its layouts, its wording, and defaults for what it omits.

Ofsted renames headers between layouts and writes types, judgements and statuses as free text, so
the importer keeps that knowledge here as data — where each known layout keeps each field, which
need flag is which specialism, which provider type is which setting — and applies it elsewhere. A
new layout or a change of Ofsted's wording is then an edit to a table, not to the import. The
defaults (ages, need level, weekly cost by setting) are those ``docs/vacancies-file.md`` promises
for a home the commissioner's vacancies file is silent about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd


@dataclass(frozen=True)
class Layout:
    """Where one known sheet layout keeps each field the importer reads (headers as Ofsted writes them).

    Headers are compared normalised (lower-case, non-alphanumerics → ``_``), so the older layout's
    "Max Users" and a re-typed "max users" are the same column.
    """

    name: str
    urn: str
    provider: str
    la: str
    postcode: str
    places: str
    statuses: tuple[str, ...]
    types: tuple[str, ...] = ()
    codes: str | None = None
    judgement: str | None = None
    flags: tuple[str, ...] = ()
    setting: str | None = None  # every row of such a sheet is this setting
    settings_per_urn: bool = False  # rows are settings, listed under their provider's URN
    # The provider market (optional: a list without these columns imports as before, sector and owner empty)
    sector: str = "Sector"
    owner_type: str = "Owner type"
    owner_name: str = "Owner name"
    owner_id: str = "Owner ID"
    top_company: str = "top_company"

    def headers(self) -> list[str]:
        fields = (self.urn, self.provider, self.la, self.postcode, self.places, *self.statuses, *self.types,
                  self.codes, self.judgement, *self.flags)
        return [h for h in fields if h]


# Ofsted's need categories (what a home is registered to care for) → the contract's specialism tags.
NEED_FLAG_SPECIALISMS = {
    "Emotional and behavioural difficulties": "emotional_behavioural",
    "Mental disorders": "mental_health",
    "Sensory impairment": "sensory_impairment",
    "Present alcohol problems": "substance_use",
    "Present drug problems": "substance_use",
    "Learning difficulty": "learning_difficulty",
    "Physical disabilities": "disability",
}
# A need-flag cell reading as one of these leaves the flag unset; any other text sets it.
FLAG_NOT_SET = {"", "-", "no", "n", "0", "false"}

LAYOUTS = (
    Layout("2025 'Providers' sheet", urn="URN", provider="Provider name", la="Local authority",
           postcode="Provider postcode", places="Number of registered places", statuses=("Registration status",),
           types=("Provider type", "Provider subtype"), codes="Placement code",
           judgement="Overall effectiveness", flags=tuple(NEED_FLAG_SPECIALISMS)),
    Layout("2025 'SA Providers' sheet (supported accommodation)", urn="URN", provider="Provider name",
           la="Setting Local Authority", postcode="Setting address postcode", places="Capacity",
           statuses=("Registration status", "Setting status"), setting="semi_independent",
           settings_per_urn=True),
    Layout("older 'Provider information' sheet", urn="URN", provider="Setting Name", la="Local Authority",
           postcode="Setting Address Postcode", places="Max Users", statuses=("Provider Status",),
           types=("Provider Type", "Provider Subtype"), codes="Provider Placement Code",
           judgement="Overall Effectiveness", flags=tuple(NEED_FLAG_SPECIALISMS)),
)

# Provider type or subtype text (lower-case, apostrophes dropped) → setting; the first match wins, so the
# specific kinds of children's home come before children's homes in general.
SETTING_OF_PROVIDER_TYPE = (
    (re.compile(r"\bsecure childrens? homes?\b"), "secure"),
    (re.compile(r"\bresidential (special )?schools?\b"), "residential_school"),
    (re.compile(r"\bchildrens? homes?\b"), "childrens_home"),
    (re.compile(r"\bfostering\b"), "foster"),  # fostering agency, local (authority) fostering, independent …
    (re.compile(r"\bsupported accommodation\b"), "semi_independent"),
)
# A children's home can also be registered as secure or as a residential special school: the type says
# "children's home" and the subtype the more specific setting, which is the one that counts.
REFINES_CHILDRENS_HOME = {"secure", "residential_school"}

# Overall effectiveness (lower-case, spaces collapsed) → the contract's ofsted value.
OFSTED_JUDGEMENTS = {
    "outstanding": "outstanding",
    "good": "good",
    "requires improvement to be good": "requires_improvement",
    "requires improvement": "requires_improvement",
    "adequate": "requires_improvement",  # the judgement before 2015; reported
    "inadequate": "inadequate",
    "not yet inspected": "unrated",
    "": "unrated",
    "-": "unrated",
}
OLDER_JUDGEMENTS = {"adequate"}

# Sector (lower-case, spaces collapsed) → the contract's sector. A home run by the NHS (a health authority)
# is public provision outside the market, like a council's own, so it counts as local_authority.
SECTOR_OF_OFSTED = {
    "local authority": "local_authority",
    "health authority": "local_authority",
    "private": "private",
    "voluntary": "voluntary",
}
# An owner type holding one of these words is an organisation, whose name may be kept; any other owner
# (an individual, a partnership of people, a type not given) is named only by its Ofsted owner ID, so no
# person's name reaches homes.csv — the measures need only to tell owners apart.
ORGANISATION_OWNER_WORDS = {"company", "limited", "ltd", "plc", "llp", "cic", "organisation", "organization",
                            "charity", "trust", "council", "authority", "corporate"}

# A status holding any of these words means the provider is not taking children; one holding none of
# these or ACTIVE_STATUS_WORDS is not understood, and the row is skipped rather than guessed.
CLOSED_STATUS_WORDS = {"closed", "deregistered", "cancelled", "canceled", "suspended", "resigned", "inactive", "no"}
ACTIVE_STATUS_WORDS = {"registered", "active", "open", "yes"}

# --- defaults for what the provider list does not say ----------------------------------------

# setting → (min_age, max_age, max_need_level) when the vacancies file is silent
SETTING_DEFAULTS = {
    "foster": (0, 17, 2),
    "semi_independent": (16, 17, 2),
    "childrens_home": (0, 17, 3),
    "residential_school": (0, 17, 3),
    "secure": (0, 17, 4),
}
# setting → (category, publisher) of its row in reference/placement_weekly_cost_reference.csv, and a note
_COST_SOURCES = {
    "childrens_home": ("childrens_home_all", "National Audit Office", "NAO average children's home place, 2023-24"),
    "secure": ("childrens_home_all", "National Audit Office",
               "no separate published figure for secure children's homes; the NAO children's home average"),
    "residential_school": ("childrens_home_all", "National Audit Office",
                           "no separate published figure for residential schools; the NAO children's home average"),
    "foster": ("foster_ifa", "Competition and Markets Authority", "CMA average independent fostering agency price"),
}
SEMI_INDEPENDENT_PLACEHOLDER_COST = 1500.0  # no published figure in the reference table: replace it


@lru_cache(maxsize=1)
def _reference_costs() -> pd.DataFrame:
    path = resources.files("rcc.data") / "reference" / "placement_weekly_cost_reference.csv"
    with path.open("rb") as f:
        return pd.read_csv(f, dtype={"weekly_cost_gbp": float})


def default_weekly_cost(setting: str) -> tuple[float, str]:
    """The weekly cost assumed for ``setting`` when the vacancies file gives none, and where it comes from."""
    if setting == "semi_independent":
        return SEMI_INDEPENDENT_PLACEHOLDER_COST, "placeholder: no published figure; replace it with your own"
    category, publisher, note = _COST_SOURCES[setting]
    table = _reference_costs()
    row = table[(table["placement_category"] == category) & table["publisher"].str.startswith(publisher)]
    (cost,) = row["weekly_cost_gbp"]  # exactly one reference row, or the table has changed under us
    return float(cost), note


def default_values(setting: str) -> dict[str, object]:
    """What a home of ``setting`` is assumed to offer when the vacancies file is silent.

    ``vacancies`` is 0: with no word from the commissioner, no vacancy is known, and claiming one
    would send children to homes that may be full.
    """
    min_age, max_age, need = SETTING_DEFAULTS[setting]
    return {"vacancies": 0, "weekly_cost": default_weekly_cost(setting)[0], "min_age": min_age, "max_age": max_age,
            "sex": "any", "max_need_level": need, "block_booked": 0}
