"""Import an SSDA903 return (its Header and Episodes tables) as contract children and a status quo.

Every English local authority sends the DfE a "903" return on the children it looks after: one
Header row per child and one Episodes row per change of legal status or placement. That is the data
an authority already holds, so this importer turns it into what rcc needs:

- ``children.csv``: the children in care on the as-of date, as contract rows;
- ``status_quo.csv`` / ``.json``: where they live now — distance from home, within 20 miles, outside
  the authority — the baseline an optimised matching is compared against;
- ``entries.csv`` / ``demand_profile.csv``: the entries to care (``RNE`` = S) in the weeks before the
  as-of date, as contract rows a ``DemandProfile`` can read and as counts per week;
- ``import_report.csv`` / ``.json``: every row the import could not use, and why.

**need_level is an estimate.** The 903 records where a child lives, not what the child needs, so the
level is read from the setting family of the placement (the current one for the cohort, the first
one for an entry) — the only signal the return holds. Planners should review it:

===================================================================  ==========
setting_family (``reference/ssda903_place_codes.csv``)               need_level
===================================================================  ==========
foster, foster_kinship, adoption, parents, temporary, other          1
supported_accommodation, independent_living                          2
childrens_home, residential_school, residential_other                3
secure_childrens_home, custody                                       4
===================================================================  ==========

**Which rows are checked.** The import uses two kinds of episode: those open on the as-of date
(``DECOM`` ≤ as-of and ``DEC`` empty or later) and entries to care within the window. Every rule is
checked for the children who have one — their whole episode history for dates and overlaps, their
Header row, the used episode's codes — so every child left out is explained, and children the import
never needed are not reported on. A row whose dates cannot be read might be one of those episodes,
so it is always checked. A child whose history is broken (an unreadable date, an episode ending
before it starts, two episodes overlapping) is skipped altogether: which placement is current
cannot be trusted. ``PLACE`` is checked against the code list of the collection year holding the
as-of date (for an entry, the year holding its ``DECOM``).

**No personal data leaves the importer.** Dates of birth become ages, full postcodes become districts
(outward codes), and UPN, ETHNIC, MOTHER and MC_DOB are never read; a problem with a date of birth
shows its value as ``(withheld)`` and a postcode problem shows only the district. ``child_id`` is the
903 ``CHILD`` reference, which is the authority's own pseudonym.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rcc.data import geo
from rcc.data.atomic import atomic_write_text
from rcc.data.problems import InvalidInstance, Problem
from rcc.data.read import read_text_table
from rcc.imports.codes import (
    FAMILY_SETTING,
    collection_year,
    outward_code,
    place_code_valid,
    place_codes,
    provider_codes,
    validity_column,
)
from rcc.model import MILES_20_KM
from rcc.summary import age_band

HEADER_REQUIRED = ("CHILD", "SEX", "DOB")
EPISODES_REQUIRED = ("CHILD", "DECOM", "RNE", "PLACE", "PLACE_PROVIDER", "DEC", "HOME_POST", "PL_POST", "URN")

NEED_LEVEL = {
    "foster": 1, "foster_kinship": 1, "adoption": 1, "parents": 1, "temporary": 1, "other": 1,
    "supported_accommodation": 2, "independent_living": 2,
    "childrens_home": 3, "residential_school": 3, "residential_other": 3,
    "secure_childrens_home": 4, "custody": 4,
}
NEED_LEVEL_NOTE = ("need_level is estimated from the setting family of the placement (foster, kinship, adoption, "
                   "parents, temporary, other → 1; supported accommodation, independent living → 2; children's "
                   "homes, residential schools, other residential → 3; secure children's homes, custody → 4); "
                   "the 903 holds no assessment of need, so review it")
SIBLINGS_NOTE = "the SSDA903 return holds no sibling links"

CHILD_COLUMNS = ("child_id", "la_code", "postcode_district", "lat", "lon", "age", "sex", "need_level", "needs",
                 "sibling_group", "solo")
STATUS_QUO_COLUMNS = ("child_id", "place", "setting_family", "setting", "provider_code", "urn",
                      "placement_district", "km", "within_20_miles", "outside_la")
PROFILE_COLUMNS = ("age_band", "setting_family", "provider_code", "entries", "per_week")
REPORT_COLUMNS = ("file", "row", "column", "value", "rule", "severity", "key", "reason")
OUTPUT_FILES = ("children.csv", "status_quo.csv", "status_quo.json", "entries.csv", "demand_profile.csv",
                "import_report.csv", "import_report.json")

_DATE = "%d/%m/%Y"
_SEX = {"1": "M", "2": "F", "M": "M", "F": "F"}
_OPEN_END = pd.Timestamp("2200-01-01")  # an open episode (empty DEC) runs on past any date compared
_WITHHELD = "(withheld)"


@dataclass(frozen=True)
class Import903:
    """One import: the output tables, their summaries, and every problem found.

    ``report`` is ``problems`` as a table with the short ``reason`` each is counted under.
    """

    children: pd.DataFrame
    status_quo: pd.DataFrame
    entries: pd.DataFrame
    demand_profile: pd.DataFrame
    status_quo_summary: dict
    summary: dict
    report: pd.DataFrame
    problems: list[Problem]


@dataclass
class _Findings:
    """Problems, each with the short reason it is counted under, without repeats."""

    items: dict[tuple[str, Problem], None] = field(default_factory=dict)

    def add(self, reason: str, problem: Problem) -> None:
        self.items.setdefault((reason, problem), None)

    @property
    def problems(self) -> list[Problem]:
        return [problem for _, problem in self.items]


@dataclass(frozen=True)
class _Setup:
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


# --- entry points -------------------------------------------------------------------------


def import_903(header_path: str | os.PathLike, episodes_path: str | os.PathLike, la_code: str, as_of: dt.date,
               entries_weeks: int = 52) -> Import903:
    """Import the 903 Header and Episodes CSV files for authority ``la_code`` as of ``as_of``.

    Raises :class:`InvalidInstance` (every problem listed, nothing imported) when a file cannot be
    read or lacks a required column, and ``ValueError`` for a bad ``la_code`` or ``entries_weeks``.
    """
    problems: list[Problem] = []
    frames = [_read_csv(Path(path), problems) for path in (header_path, episodes_path)]
    if problems:
        raise InvalidInstance(problems)
    labels = (Path(header_path).name, Path(episodes_path).name)
    return import_903_frames(frames[0], frames[1], labels, la_code, as_of, entries_weeks)


def import_903_frames(header: pd.DataFrame, episodes: pd.DataFrame, labels: tuple[str, str], la_code: str,
                      as_of: dt.date, entries_weeks: int = 52) -> Import903:
    """:func:`import_903` on tables already read as text (``dtype=str``), e.g. uploads in the app.

    ``labels`` name the two tables in problems (``("header.csv", "episodes.csv")``).
    """
    _check_arguments(la_code, entries_weeks)
    setup = _Setup(la_code, pd.Timestamp(as_of), entries_weeks, *labels)
    header, episodes = _tidy_columns(header), _tidy_columns(episodes)
    missing = [*_missing_columns(header, HEADER_REQUIRED, labels[0]),
               *_missing_columns(episodes, EPISODES_REQUIRED, labels[1])]
    if missing:
        raise InvalidInstance(missing)
    findings = _Findings()
    eps = _episodes(episodes, setup)
    in_scope = set(eps.loc[eps["could_be_current"] | eps["could_be_entry"], "child"])
    scoped = eps[eps["child"].isin(in_scope)]
    faults = pd.concat([_history_faults(scoped, setup, findings),
                        _header_faults(header, in_scope, setup, findings)], ignore_index=True)
    head = _header_table(header)
    current, cohort_skips = _select(scoped[scoped["could_be_current"]], head, faults, setup, findings, "cohort")
    entered, entry_skips = _select(scoped[scoped["could_be_entry"]], head, faults, setup, findings, "entries")
    _location_warnings(current, entered, setup, findings)
    entered = entered.sort_values(["start", "row"])
    children = _contract_rows(current, current["child"], setup)
    entries = _contract_rows(entered, _entry_ids(entered), setup)
    status_quo = _status_quo(current, setup)
    findings = _sorted(findings)
    return Import903(
        children, status_quo, entries, _demand_profile(entered, setup.weeks), _status_quo_summary(status_quo),
        _summary(header, episodes, setup, children, entries, cohort_skips, entry_skips, findings),
        _report(findings), findings.problems)


def render_files(result: Import903) -> dict[str, str]:
    """Every output file's text, by file name (also what the app offers for download)."""
    return {
        "children.csv": result.children.to_csv(index=False),
        "status_quo.csv": _booleans_as_words(result.status_quo).to_csv(index=False),
        "status_quo.json": json.dumps(result.status_quo_summary, indent=2) + "\n",
        "entries.csv": result.entries.to_csv(index=False),
        "demand_profile.csv": result.demand_profile.to_csv(index=False),
        "import_report.csv": result.report.to_csv(index=False),
        "import_report.json": json.dumps(result.summary, indent=2) + "\n",
    }


def write_import(result: Import903, out_dir: str | os.PathLike) -> Path:
    """Write every output into ``out_dir``, each file atomically; returns the folder.

    All text is rendered before the first file is written, and the report goes last, so a failure
    part-way leaves only complete files — new ones, or those of an earlier import.
    """
    texts = render_files(result)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUT_FILES:
        atomic_write_text(out / name, texts[name])
    return out


# --- reading ------------------------------------------------------------------------------


def _read_csv(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """The file as a table of text; a missing or unreadable file is a named problem."""
    try:
        with path.open("rb") as file:
            return read_text_table(file, path.name, problems)
    except OSError as exc:
        problems.append(Problem(path.name, f"cannot be opened ({exc.strerror or exc})"))
        return None


def _check_arguments(la_code: str, entries_weeks: int) -> None:
    if la_code not in geo.local_authorities().index:
        raise ValueError(f"--la / la_code {la_code!r} is not the ONS GSS code of an English upper-tier local authority "
                         "(e.g. E08000003 for Manchester)")
    if entries_weeks < 1:
        raise ValueError(f"--entries-weeks / entries_weeks must be at least 1, not {entries_weeks}")


def _tidy_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Column names trimmed and upper-cased as the 903 spells them; rows numbered from 0 as read."""
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c).strip().upper() for c in frame.columns]
    return frame.fillna("").map(lambda v: str(v).strip()) if len(frame) else frame


def _missing_columns(frame: pd.DataFrame, required: tuple[str, ...], label: str) -> list[Problem]:
    return [Problem(label, f"required column '{c}' is missing (it needs {', '.join(required)})")
            for c in required if c not in frame.columns]


def _dates(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text, format=_DATE, errors="coerce")


def _episodes(frame: pd.DataFrame, setup: _Setup) -> pd.DataFrame:
    """Episode rows with parsed dates, and whether each could be open on the as-of date or an entry.

    A row with an unreadable or reversed date *could* be either, so it counts as both until checked.
    """
    start, end = _dates(frame["DECOM"]), _dates(frame["DEC"])
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


def _header_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Sex and date of birth by CHILD, for children with exactly one Header row."""
    head = pd.DataFrame({"row": frame.index + 2, "child": frame["CHILD"],
                         "sex": frame["SEX"].str.upper().map(_SEX), "dob": _dates(frame["DOB"])})
    return head[~head["child"].duplicated(keep=False)].set_index("child")


# --- the rules ----------------------------------------------------------------------------


def _key(child: str) -> str:
    return f"CHILD={child}"


def _faults(rows: pd.DataFrame, reason: str) -> pd.DataFrame:
    return pd.DataFrame({"child": rows["child"].to_numpy(), "reason": reason})


def _history_faults(eps: pd.DataFrame, setup: _Setup, findings: _Findings) -> pd.DataFrame:
    """Unreadable dates, episodes ending before they start and overlapping episodes, by child."""
    label = setup.episodes_label
    broken = eps[eps["broken"]]
    for r in broken.itertuples():
        for column, text, day in (("DECOM", r.decom, r.start), ("DEC", r.dec, r.end)):
            if pd.isna(day) and (text or column == "DECOM"):
                rule = "is required" if text == "" else "is not a date in dd/mm/YYYY form"
                findings.add("bad_date", Problem(label, f"{rule}; the child is skipped", r.row, column, text,
                                                 _key(r.child)))
        if r.end < r.start:
            findings.add("dec_before_decom", Problem(label, f"is before DECOM ({r.decom}); the child is skipped",
                                                     r.row, "DEC", r.dec, _key(r.child)))
    overlaps = _overlapping_pairs(eps[~eps["broken"]])
    for r in overlaps.itertuples():
        ended = f"to {r.dec_prev}" if r.dec_prev else "still open"
        findings.add("overlapping_episodes", Problem(
            label, f"overlaps the episode in row {r.row} (from {r.decom}); the child is skipped", r.row_prev,
            "DEC", r.dec_prev, _key(r.child)))
        findings.add("overlapping_episodes", Problem(
            label, f"overlaps the episode in row {r.row_prev} (from {r.decom_prev}, {ended}); the child is skipped",
            r.row, "DECOM", r.decom, _key(r.child)))
    return pd.concat([_faults(broken[broken["start"].isna() | broken["end"].isna()], "bad_date"),
                      _faults(broken[broken["end"] < broken["start"]], "dec_before_decom"),
                      _faults(overlaps, "overlapping_episodes")], ignore_index=True)


def _overlapping_pairs(eps: pd.DataFrame) -> pd.DataFrame:
    """Each episode that starts before the previous one (by DECOM) of the same child has ended.

    Comparing neighbours is enough to find every child with an overlap: if episode j starts inside
    an earlier episode i, then episode i + 1 starts inside i too.
    """
    ordered = eps.assign(until=eps["end"].fillna(_OPEN_END)).sort_values(["child", "start", "row"])
    previous = ordered.groupby("child")[["row", "decom", "dec", "until"]].shift().add_suffix("_prev")
    pairs = ordered.join(previous)
    pairs = pairs[pairs["start"] < pairs["until_prev"]]
    return pairs.assign(row_prev=pairs["row_prev"].astype(int))


def _header_faults(frame: pd.DataFrame, in_scope: set[str], setup: _Setup, findings: _Findings) -> pd.DataFrame:
    """Header rows of the children in scope: repeated children, SEX not F or M, unreadable DOB."""
    label = setup.header_label
    head = pd.DataFrame({"row": frame.index + 2, "child": frame["CHILD"], "sex": frame["SEX"],
                         "dob": frame["DOB"]})
    head = head[head["child"].isin(in_scope)]
    repeated = head[head["child"].duplicated(keep=False)]
    for r in repeated.itertuples():
        findings.add("duplicate_header_row", Problem(
            label, "appears in more than one Header row; the child is skipped", r.row, "CHILD", r.child,
            _key(r.child)))
    single = head[~head["child"].duplicated(keep=False)]
    bad_sex = single[~single["sex"].str.upper().isin(list(_SEX))]
    for r in bad_sex.itertuples():
        findings.add("sex_not_f_or_m", Problem(
            label, "must be 1 (male) or 2 (female): the contract matches on F or M; the child is skipped", r.row,
            "SEX", r.sex, _key(r.child)))
    bad_dob = single[_dates(single["dob"]).isna()]
    for r in bad_dob.itertuples():
        rule = "is required" if r.dob == "" else "is not a date in dd/mm/YYYY form"
        findings.add("dob_invalid", Problem(label, f"{rule}; the child is skipped", r.row, "DOB",
                                            _WITHHELD if r.dob else "", _key(r.child)))
    return pd.concat([_faults(repeated, "duplicate_header_row"), _faults(bad_sex, "sex_not_f_or_m"),
                      _faults(bad_dob, "dob_invalid")], ignore_index=True)


def _select(rows: pd.DataFrame, head: pd.DataFrame, faults: pd.DataFrame, setup: _Setup, findings: _Findings,
            use: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows fit for use (with age and sex), and (child, reason) for every row left out.

    ``use`` is ``"cohort"`` (ages and codes as of the as-of date) or ``"entries"`` (as of each entry's
    DECOM). An episode that is both open on the as-of date and an entry gets one message for a rule
    that does not depend on the date ("the child is skipped").
    """
    rows = rows.join(head[["sex", "dob"]], on="child")
    on = pd.Series(setup.as_of, index=rows.index) if use == "cohort" else rows["start"]
    rows = rows.assign(age=_age(rows["dob"], on))
    skips = [rows[["child"]].join(faults.set_index("child"), on="child", how="inner")]
    checks = {
        "not_in_header": _not_in_header(rows, head, faults, setup, findings),
        "place_invalid_for_year": _place_invalid(rows, on, setup, findings),
        "provider_invalid": _provider_invalid(rows, setup, findings),
        "dob_invalid": _born_later(rows, on, head, setup, findings, use),
        "age_18_or_over": _adult(rows, on, head, setup, findings, use),
    }
    skips += [rows.loc[mask, ["child"]].assign(reason=reason) for reason, mask in checks.items()]
    skips = pd.concat(skips)
    return rows[~rows.index.isin(skips.index)], skips


def _skipped(r, same_for_cohort: bool = True) -> str:
    return "the child is skipped" if r.could_be_current and same_for_cohort else "the entry is skipped"


def _not_in_header(rows, head, faults, setup, findings) -> pd.Series:
    repeated = set(faults.loc[faults["reason"] == "duplicate_header_row", "child"])
    mask = ~rows["child"].isin(head.index) & ~rows["child"].isin(repeated)
    for r in rows[mask].itertuples():
        findings.add("not_in_header", Problem(setup.episodes_label, f"is not in the Header table; {_skipped(r)}",
                                              r.row, "CHILD", r.child, _key(r.child)))
    return mask


def _year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def _place_invalid(rows, on, setup, findings) -> pd.Series:
    """PLACE must be on the code list of the collection year holding ``on`` (K3 only from 2024-25,
    H5, P2 and Z1 no longer in 2025-26). An entry with an unreadable DECOM is skipped for that already."""
    dated = rows[on.notna()]
    years = on[on.notna()].map(lambda day: collection_year(day.date()))
    for year in sorted(set(years)):
        note = validity_column(year)[1]
        if note:
            findings.add("code_list_stand_in", Problem(setup.episodes_label, note, severity="warning"))
    valid = {pair: place_code_valid(*pair) for pair in set(zip(dated["place"], years, strict=True))}
    invalid = [not valid[pair] for pair in zip(dated["place"], years, strict=True)]
    this_year = collection_year(setup.as_of.date())
    for r, year in zip(dated[invalid].itertuples(), years[invalid], strict=True):
        findings.add("place_invalid_for_year", Problem(
            setup.episodes_label,
            f"is not a valid placement type in {_year_label(year)}; {_skipped(r, year == this_year)}",
            r.row, "PLACE", r.place, _key(r.child)))
    return rows.index.isin(dated.index[invalid])


def _provider_invalid(rows, setup, findings) -> pd.Series:
    mask = ~rows["provider"].isin(provider_codes().index)
    for r in rows[mask].itertuples():
        findings.add("provider_invalid", Problem(
            setup.episodes_label, f"must be one of PR0–PR5; {_skipped(r)}", r.row, "PLACE_PROVIDER",
            r.provider, _key(r.child)))
    return mask


def _noun(use: str) -> str:
    return "child" if use == "cohort" else "entry"


def _when(r, use: str, setup: _Setup) -> str:
    if use == "cohort":
        return f"the as-of date {setup.as_of.date().isoformat()}"
    return f"the entry to care in episodes row {r.row} (DECOM {r.decom})"


def _born_later(rows, on, head, setup, findings, use) -> pd.Series:
    mask = rows["dob"] > on
    for r in rows[mask].itertuples():
        findings.add("dob_invalid", Problem(
            setup.header_label, f"is after {_when(r, use, setup)}; the {_noun(use)} is skipped",
            int(head.at[r.child, "row"]), "DOB", _WITHHELD, _key(r.child)))
    return mask


def _adult(rows, on, head, setup, findings, use) -> pd.Series:
    mask = rows["age"] >= 18
    for r in rows[mask].itertuples():
        findings.add("age_18_or_over", Problem(
            setup.header_label, f"gives age {int(r.age)} on {_when(r, use, setup)}: the contract is for children "
            f"under 18; the {_noun(use)} is skipped", int(head.at[r.child, "row"]), "DOB", _WITHHELD,
            _key(r.child)))
    return mask


def _age(dob: pd.Series, on: pd.Series) -> pd.Series:
    """Whole years from ``dob`` to ``on`` (NaN where the date of birth is unknown)."""
    before_birthday = (on.dt.month < dob.dt.month) | ((on.dt.month == dob.dt.month) & (on.dt.day < dob.dt.day))
    return on.dt.year - dob.dt.year - before_birthday.astype(int)


# --- locations ----------------------------------------------------------------------------


def _district(postcodes: pd.Series) -> pd.Series:
    """The known postcode district of each postcode, or ``None``."""
    districts = postcodes.map(outward_code)
    return districts.where(districts.isin(geo.postcode_districts().index), None)


def _location_warnings(current: pd.DataFrame, entered: pd.DataFrame, setup: _Setup, findings: _Findings) -> None:
    """A warning for each used row whose home, or (for the cohort) placement, cannot be located."""
    home = f"the child is located at {setup.centroid_text}"
    _unlocated(pd.concat([current, entered]), "HOME_POST", "home_district_unknown", home, setup, findings)
    _unlocated(current, "PL_POST", "placement_district_unknown",
               "the placement's distance and authority are left empty", setup, findings)


def _unlocated(rows, column, reason, consequence, setup, findings) -> None:
    texts = rows[column.lower()]
    districts = texts.map(outward_code)
    for r, text, district in zip(rows.itertuples(), texts, districts, strict=True):
        if district in geo.postcode_districts().index:
            continue
        if text == "":
            rule, value = "—", ""
        elif district is None:
            rule, value = "is not a UK postcode;", _WITHHELD
        else:
            rule, value = "is not a known UK postcode district;", district
        findings.add(reason, Problem(setup.episodes_label, f"{rule} {consequence}", r.row, column, value,
                                     _key(r.child), severity="warning"))


def _home_points(rows: pd.DataFrame, setup: _Setup) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(district, lat, lon) of each row's home: its district's centroid, else the authority's."""
    district = _district(rows["home_post"])
    centroids = geo.postcode_districts()
    lat, lon = setup.centroid
    return (district, district.map(centroids["lat"]).fillna(lat).astype(float),
            district.map(centroids["lon"]).fillna(lon).astype(float))


# --- outputs ------------------------------------------------------------------------------


def _family(rows: pd.DataFrame) -> pd.Series:
    return rows["place"].map(place_codes()["setting_family"])


def _contract_rows(rows: pd.DataFrame, child_ids: pd.Series, setup: _Setup) -> pd.DataFrame:
    """Contract children: a known district, else the authority's centroid as lat/lon."""
    district, lat, lon = _home_points(rows, setup)
    known = district.notna()
    return pd.DataFrame({
        "child_id": child_ids.to_numpy(),
        "la_code": setup.la_code,
        "postcode_district": district.fillna("").to_numpy(),
        "lat": lat.where(~known).round(6).to_numpy(),
        "lon": lon.where(~known).round(6).to_numpy(),
        "age": rows["age"].astype(int).to_numpy(),
        "sex": rows["sex"].to_numpy(),
        "need_level": _family(rows).map(NEED_LEVEL).astype(int).to_numpy(),
        "needs": "",
        "sibling_group": "",
        "solo": "false",
    }, columns=list(CHILD_COLUMNS))


def _entry_ids(rows: pd.DataFrame) -> pd.Series:
    """CHILD, with ``-2``, ``-3``… for a child's later entries, so that every entry has its own id."""
    nth = rows.groupby("child").cumcount()
    return rows["child"] + np.where(nth > 0, "-" + (nth + 1).astype(str), "")


def _status_quo(rows: pd.DataFrame, setup: _Setup) -> pd.DataFrame:
    """Where each child lives now: the distance from home and whether it is outside the authority."""
    _, lat, lon = _home_points(rows, setup)
    placed = _district(rows["pl_post"])
    centroids = geo.postcode_districts()
    known = placed.notna()
    km = pd.Series(np.nan, index=rows.index)
    if known.any():
        km[known] = geo.geodesic_km(lat[known], lon[known], placed[known].map(centroids["lat"]),
                                    placed[known].map(centroids["lon"]))
    family = _family(rows)
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


def _status_quo_summary(table: pd.DataFrame) -> dict:
    known = table["km"].notna()
    km = table.loc[known, "km"]
    return {
        "children": len(table),
        "with_known_placement_location": int(known.sum()),
        "mean_km": round(float(km.mean()), 2) if len(km) else None,
        "median_km": round(float(km.median()), 2) if len(km) else None,
        "within_20_miles_pct": _percent(int(table["within_20_miles"].sum()), int(known.sum())),
        "outside_la_pct": _percent(int(table["outside_la"].sum()), int(known.sum())),
        "by_setting_family": _counts(table["setting_family"]),
        "by_provider_code": _counts(table["provider_code"]),
        "siblings_split": None,
        "siblings_note": SIBLINGS_NOTE,
    }


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts().sort_index().items()}


def _demand_profile(rows: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """Entries to care per week by age band, setting family and provider."""
    table = pd.DataFrame({"age_band": rows["age"].astype(int).map(age_band), "setting_family": _family(rows),
                          "provider_code": rows["provider"]})
    counts = table.groupby(list(PROFILE_COLUMNS[:3])).size().rename("entries").reset_index()
    return counts.assign(per_week=counts["entries"] / weeks).reindex(columns=list(PROFILE_COLUMNS))


def _booleans_as_words(table: pd.DataFrame) -> pd.DataFrame:
    """true/false as the contract writes booleans (empty when unknown)."""
    words = {True: "true", False: "false"}
    return table.assign(**{c: table[c].map(words) for c in ("within_20_miles", "outside_la")})


def _sorted(findings: _Findings) -> _Findings:
    """File-wide notes first, then by file and row, as a planner would walk the files."""
    ordered = sorted(findings.items, key=lambda item: (item[1].row is not None, item[1].file, item[1].row or 0))
    return _Findings(dict.fromkeys(ordered))


def _report(findings: _Findings) -> pd.DataFrame:
    rows = [(p.file, p.row, p.column, p.value, p.rule, p.severity, p.key, reason) for reason, p in findings.items]
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS)).astype({"row": "Int64"})


def _reasons(skips: pd.DataFrame, distinct_children: bool) -> tuple[int, dict[str, int]]:
    """How many were skipped, and how many for each reason (one may have several reasons)."""
    if distinct_children:
        by_reason = skips.groupby("reason")["child"].nunique()
        return int(skips["child"].nunique()), {str(k): int(v) for k, v in by_reason.items()}
    by_reason = skips.reset_index().drop_duplicates().groupby("reason").size()
    return int(skips.index.nunique()), {str(k): int(v) for k, v in by_reason.items()}


def _summary(header, episodes, setup, children, entries, cohort_skips, entry_skips, findings) -> dict:
    year = collection_year(setup.as_of.date())
    column, note = validity_column(year)
    cohort_skipped, cohort_reasons = _reasons(cohort_skips, distinct_children=True)
    entries_skipped, entry_reasons = _reasons(entry_skips, distinct_children=False)
    warnings = [reason for reason, p in findings.items if not p.is_error]
    return {
        "la_code": setup.la_code,
        "la_name": str(geo.local_authorities().at[setup.la_code, "la_name"]),
        "as_of": setup.as_of.date().isoformat(),
        "collection_year": _year_label(year),
        "code_list": column,
        "code_list_note": note,
        "header_rows": len(header),
        "episode_rows": len(episodes),
        "cohort_children": len(children),
        "cohort_skipped": cohort_skipped,
        "cohort_skipped_by_reason": cohort_reasons,
        "entries_weeks": setup.weeks,
        "entries": len(entries),
        "entries_skipped": entries_skipped,
        "entries_skipped_by_reason": entry_reasons,
        "warnings_by_reason": _counts(pd.Series(warnings, dtype=str)),
        "errors": sum(p.is_error for p in findings.problems),
        "warnings": len(warnings),
        "need_level_estimated": True,
        "need_level_note": NEED_LEVEL_NOTE,
        "files": list(OUTPUT_FILES),
    }
