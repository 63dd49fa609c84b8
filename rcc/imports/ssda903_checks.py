"""The rules one 903 row must keep to be used, each fault reported with its file, row and column.

**Which rows are checked.** The import uses two kinds of episode: those open on the as-of date
(``DECOM`` ≤ as-of and ``DEC`` empty or later) and entries to care within the window. Every rule is
checked for the children who have one — their whole episode history for dates and overlaps, their
Header row, the used episode's codes — so every child left out is explained, and children the import
never needed are not reported on. A row whose dates cannot be read might be one of those episodes,
so it is always checked. A child whose history is broken (an unreadable date, an episode ending
before it starts, two episodes overlapping) is skipped altogether: which placement is current
cannot be trusted. ``PLACE`` is checked against the code list of the collection year holding the
as-of date (for an entry, the year holding its ``DECOM``).

A date of birth is never shown in a message (``(withheld)``), and a postcode only as its district.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from rcc.data import geo
from rcc.data.problems import Problem
from rcc.imports.codes import collection_year, outward_code, place_code_valid, provider_codes, validity_column
from rcc.imports.ssda903_episodes import SEX, Setup, parse_dates

_OPEN_END = pd.Timestamp("2200-01-01")  # an open episode (empty DEC) runs on past any date compared
_WITHHELD = "(withheld)"


@dataclass
class Findings:
    """Problems, each with the short reason it is counted under, without repeats."""

    items: dict[tuple[str, Problem], None] = field(default_factory=dict)

    def add(self, reason: str, problem: Problem) -> None:
        self.items.setdefault((reason, problem), None)

    @property
    def problems(self) -> list[Problem]:
        return [problem for _, problem in self.items]


def _key(child: str) -> str:
    return f"CHILD={child}"


def _faults(rows: pd.DataFrame, reason: str) -> pd.DataFrame:
    return pd.DataFrame({"child": rows["child"].to_numpy(), "reason": reason})


def history_faults(eps: pd.DataFrame, setup: Setup, findings: Findings) -> pd.DataFrame:
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


def header_faults(frame: pd.DataFrame, in_scope: set[str], setup: Setup, findings: Findings) -> pd.DataFrame:
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
    bad_sex = single[~single["sex"].str.upper().isin(list(SEX))]
    for r in bad_sex.itertuples():
        findings.add("sex_not_f_or_m", Problem(
            label, "must be 1 (male) or 2 (female): the contract matches on F or M; the child is skipped", r.row,
            "SEX", r.sex, _key(r.child)))
    bad_dob = single[parse_dates(single["dob"]).isna()]
    for r in bad_dob.itertuples():
        rule = "is required" if r.dob == "" else "is not a date in dd/mm/YYYY form"
        findings.add("dob_invalid", Problem(label, f"{rule}; the child is skipped", r.row, "DOB",
                                            _WITHHELD if r.dob else "", _key(r.child)))
    return pd.concat([_faults(repeated, "duplicate_header_row"), _faults(bad_sex, "sex_not_f_or_m"),
                      _faults(bad_dob, "dob_invalid")], ignore_index=True)


def usable_rows(rows: pd.DataFrame, head: pd.DataFrame, faults: pd.DataFrame, setup: Setup, findings: Findings,
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


def year_label(year: int) -> str:
    """A collection year as the DfE writes it: 2024 → ``2024-25``."""
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
            f"is not a valid placement type in {year_label(year)}; {_skipped(r, year == this_year)}",
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


def _when(r, use: str, setup: Setup) -> str:
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


def location_warnings(current: pd.DataFrame, entered: pd.DataFrame, setup: Setup, findings: Findings) -> None:
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
            rule, value = "is empty;", ""
        elif district is None:
            rule, value = "is not a UK postcode;", _WITHHELD
        else:
            rule, value = "is not a known UK postcode district;", district
        findings.add(reason, Problem(setup.episodes_label, f"{rule} {consequence}", r.row, column, value,
                                     _key(r.child), severity="warning"))
