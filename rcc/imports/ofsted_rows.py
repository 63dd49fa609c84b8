"""One Ofsted provider row → the contract fields it gives, with an issue for every cell that breaks a rule.

A row is read cell by cell through the tables of ``ofsted_layouts``, and every fault is collected
rather than the first one raised, so a planner sees all that is wrong with a row at once. An issue
says whether the row can still be a home (a judgement Ofsted no longer gives can; a closed provider
cannot). The postcode is cut to its district here, and a malformed one is shown as ``(withheld)``,
so no full postcode reaches a message or an output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rcc.data.geo import local_authorities, postcode_districts
from rcc.data.schema import normalise_header
from rcc.imports.codes import outward_code, setting_of_place
from rcc.imports.ofsted_layouts import (
    ACTIVE_STATUS_WORDS,
    CLOSED_STATUS_WORDS,
    FLAG_NOT_SET,
    NEED_FLAG_SPECIALISMS,
    OFSTED_JUDGEMENTS,
    OLDER_JUDGEMENTS,
    ORGANISATION_OWNER_WORDS,
    REFINES_CHILDRENS_HOME,
    SECTOR_OF_OFSTED,
    SETTING_OF_PROVIDER_TYPE,
    Layout,
)


@dataclass(frozen=True)
class Issue:
    """Something wrong with one cell of a provider row; ``skips`` when the row cannot be a home."""

    reason: str
    rule: str
    column: str
    value: object
    severity: str = "warning"
    skips: bool = True


@dataclass(frozen=True)
class ProviderRow:
    """One provider row: its place in the workbook and its cells keyed by normalised header.

    ``setting`` numbers the rows of a URN that lists several settings (supported accommodation is
    registered per provider, and each setting is its own row): the k-th becomes home ``URN-k``.
    0 means the URN is the home.
    """

    label: str
    number: int
    layout: Layout
    cells: dict[str, str]
    headers: dict[str, str]
    setting: int = 0

    def text(self, header: str) -> str:
        return self.cells.get(normalise_header(header), "")

    def column(self, header: str) -> str:
        return self.headers.get(normalise_header(header), header)

    @property
    def urn(self) -> str:
        return self.text(self.layout.urn)

    @property
    def home_id(self) -> str:
        return f"{self.urn}-{self.setting}" if self.setting else self.urn

    @property
    def key(self) -> str | None:
        return f"urn={self.home_id}" if self.urn else None


def map_row(row: ProviderRow, issues: list[Issue]) -> dict:
    """The contract fields the provider list gives, appending an issue for each cell that breaks a rule."""
    district = _district(row, issues)
    home = {
        "home_id": row.home_id,
        "provider": _provider(row, issues),
        "setting": _setting(row, issues),
        "la_code": _la_code(row, district, issues),
        "postcode_district": district,
        "specialisms": _specialisms(row),
        "ofsted": _judgement(row, issues),
        "places": _places(row, issues),
        "sector": _sector(row, issues),
        "owner": _owner(row),
    }
    _status(row, issues)
    return home


def _provider(row: ProviderRow, issues: list[Issue]) -> str:
    name = row.text(row.layout.provider)
    if not name:
        issues.append(Issue("provider_missing", "is empty: every home needs its provider's name; row skipped",
                            row.layout.provider, ""))
    return name


def _setting_of_type(text: str) -> str | None:
    words = " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("'", "").replace("’", "")).split())
    return next((setting for pattern, setting in SETTING_OF_PROVIDER_TYPE if pattern.search(words)), None)


def _setting(row: ProviderRow, issues: list[Issue]) -> str | None:
    """From the provider type (refined by the subtype), else the placement codes; never a guess.

    The provider type is what Ofsted registered; a subtype that names another setting is reported,
    and the type counts — except that a children's home whose subtype is secure or a residential
    school is that more specific setting.
    """
    layout = row.layout
    if layout.setting:
        return layout.setting
    named = {header: _setting_of_type(row.text(header)) for header in layout.types}
    type_header, *subtype_headers = layout.types
    registered = named[type_header]
    for header in subtype_headers:
        refined = named[header]
        if refined is None or refined == registered or registered is None:
            continue
        if registered == "childrens_home" and refined in REFINES_CHILDRENS_HOME:
            return refined
        issues.append(Issue("setting_types_disagree", f"means {refined} but {row.column(type_header)}="
                            f"{row.text(type_header)} means {registered}; the provider type counts", header,
                            row.text(header), skips=False))
    found = {s for s in named.values() if s}
    if registered is None and len(found) == 1:
        return found.pop()
    return registered or _setting_of_codes(row, issues)


def _setting_of_codes(row: ProviderRow, issues: list[Issue]) -> str | None:
    column = row.layout.codes
    text = row.text(column)
    found = {setting_of_place(code) for code in re.split(r"[\s,;/]+", text) if code} - {None}
    if len(found) == 1:
        return found.pop()
    if found:
        issues.append(Issue("setting_codes_disagree", f"name different settings ({', '.join(sorted(found))}); "
                            "row skipped", column, text))
    else:
        types = ", ".join(f"{row.column(h)}={row.text(h) or '(empty)'}" for h in row.layout.types)
        issues.append(Issue("setting_unknown", f"names no contract setting, and neither does {types}; row skipped",
                            column, text))
    return None


def _la_key(name: str) -> str:
    """``"Bristol, City of"``, ``"bristol"`` → ``"bristol"``: names compared without case or punctuation."""
    text = re.sub(r",\s*(city|county) of\s*$", "", name.lower().replace("&", " and "))
    return re.sub(r"[^a-z0-9]+", "", text)


@lru_cache(maxsize=1)
def _la_codes_by_name() -> dict[str, str]:
    table = local_authorities()
    return {_la_key(name): code for code, name in zip(table["la_code"], table["la_name"], strict=True)}


def _la_code(row: ProviderRow, district: str | None, issues: list[Issue]) -> str | None:
    """By the authority's name; else by the postcode district, saying so; else the row is skipped."""
    column = row.layout.la
    name = row.text(column)
    code = _la_codes_by_name().get(_la_key(name))
    if code:
        return code
    from_district = postcode_districts().at[district, "la_code"] if district else None
    if isinstance(from_district, str) and from_district:
        issues.append(Issue("la_from_district", f"is not an English upper-tier local authority name; la_code "
                            f"{from_district} is taken from postcode district {district}", column, name,
                            skips=False))
        return from_district
    issues.append(Issue("la_unknown", "is not an English upper-tier local authority name, and the postcode "
                        "district names none either; row skipped", column, name))
    return None


def _district(row: ProviderRow, issues: list[Issue]) -> str | None:
    """The postcode's district if it exists; the full postcode is never kept or shown."""
    column = row.layout.postcode
    text = row.text(column)
    district = outward_code(text) if text else None
    if not text:
        issues.append(Issue("postcode_missing", "is empty: a home needs a location; row skipped", column, ""))
    elif district is None:
        issues.append(Issue("postcode_malformed", "is not a UK postcode; row skipped", column, "(withheld)"))
    elif district not in postcode_districts().index:
        issues.append(Issue("district_unknown", "is not a known UK postcode district; row skipped", column,
                            district))
    else:
        return district
    return None


def _specialisms(row: ProviderRow) -> frozenset[str]:
    """A flag is set by any text that does not say no ("Yes", "Blind", …)."""
    return frozenset(NEED_FLAG_SPECIALISMS[header] for header in row.layout.flags
                     if row.text(header).lower() not in FLAG_NOT_SET)


def _judgement(row: ProviderRow, issues: list[Issue]) -> str:
    column = row.layout.judgement
    if column is None:  # supported accommodation carries no judgement
        return "unrated"
    text = row.text(column)
    key = " ".join(text.lower().split())
    rating = OFSTED_JUDGEMENTS.get(key)
    if key in OLDER_JUDGEMENTS:
        issues.append(Issue("judgement_older", f"is a judgement Ofsted no longer gives; imported as {rating}",
                            column, text, skips=False))
    elif rating is None:
        issues.append(Issue("judgement_unknown", "is not an Ofsted judgement rcc knows; imported as unrated",
                            column, text, skips=False))
    return rating or "unrated"


def _sector(row: ProviderRow, issues: list[Issue]) -> str | None:
    """Local Authority, Private, Voluntary (Health Authority counts as local_authority); ``None`` when the
    list does not say, and when it says something else (reported: the home is imported without a sector)."""
    text = row.text(row.layout.sector)
    if text in ("", "-"):
        return None
    sector = SECTOR_OF_OFSTED.get(" ".join(text.lower().split()))
    if sector is None:
        issues.append(Issue("sector_unknown", "is not a sector rcc knows (Local Authority, Health Authority, Private, "
                            "Voluntary); imported without a sector", row.layout.sector, text, skips=False))
    return sector


def _owner(row: ProviderRow) -> str | None:
    """Who owns the provider, for the market measures: the top company when the list names one (the
    group that ultimately owns it), else the owner's name when the owner is an organisation, else
    ``owner <Owner ID>`` so that a person's name is never kept; ``None`` when the list says nothing."""
    layout = row.layout
    top = row.text(layout.top_company)
    if top not in ("", "-"):
        return top
    words = set(re.findall(r"[a-z]+", row.text(layout.owner_type).lower()))
    name = row.text(layout.owner_name)
    if words & ORGANISATION_OWNER_WORDS and name not in ("", "-"):
        return name
    owner_id = row.text(layout.owner_id)
    return f"owner {owner_id}" if owner_id not in ("", "-") else None


def _places(row: ProviderRow, issues: list[Issue]) -> int | None:
    """Registered places (Max Users, Capacity), or ``None`` when the list does not say."""
    column = row.layout.places
    text = row.text(column)
    if text.isdigit():
        return int(text)
    if text not in ("", "-"):
        issues.append(Issue("places_unreadable", "is not a whole number, so vacancies are not checked against it",
                            column, text, skips=False))
    return None


def _status(row: ProviderRow, issues: list[Issue]) -> None:
    """Only registered, active providers are homes; a status not understood is not taken as active."""
    for column in row.layout.statuses:
        text = row.text(column)
        words = set(re.findall(r"[a-z]+", text.lower()))
        if words & CLOSED_STATUS_WORDS:
            issues.append(Issue("status_closed", "is not registered and active; row skipped", column, text))
        elif text and not words & ACTIVE_STATUS_WORDS:
            issues.append(Issue("status_unrecognised", "is not a status rcc recognises as registered or active; "
                                "row skipped", column, text))
