"""Import an SSDA903 return (its Header and Episodes tables) as contract children and a status quo.

Every English local authority sends the DfE a "903" return on the children it looks after: one
Header row per child and one Episodes row per change of legal status or placement. That is the data
an authority already holds, so this importer turns it into what rcc needs:

- ``children.csv``: the children in care on the as-of date, as contract rows;
- ``status_quo.csv`` / ``.json``: where they live now — distance from home, within 20 miles, outside
  the authority — the baseline an optimised matching is compared against;
- ``entries.csv`` / ``demand_profile.csv``: the entries to care (``RNE`` = S) in the weeks before the
  as-of date, as contract rows a ``DemandProfile`` can read and as counts per week;
- ``kinship_homes.csv``: a family or friends carer for each child placed with one now (``PLACE`` U1–U3),
  reserved for that child (``ssda903_kinship``), to add to the homes;
- ``import_report.csv`` / ``.json``: every row the import could not use, and why.

**need_level is an estimate.** The 903 records where a child lives, not what the child needs, so the
level is read from the setting family of the placement (the current one for the cohort, the first
one for an entry; through a temporary move, T0–T4, the one before it, or after it when there is none
before) — the only signal the return holds. Planners should review it:

===================================================================  ==========
setting_family (``reference/ssda903_place_codes.csv``)               need_level
===================================================================  ==========
foster, foster_kinship, adoption, parents, temporary, other          1
supported_accommodation, independent_living                          2
childrens_home, residential_school, residential_other                3
secure_childrens_home, custody                                       4
===================================================================  ==========

**Which rows are checked**, and why a child or an entry is left out, is told in ``ssda903_checks``;
the status quo and the demand profile are made in ``status_quo``. This module reads the two files,
runs those steps in order and writes what they make.

**No personal data leaves the importer.** Dates of birth become ages, full postcodes become districts
(outward codes), and UPN, ETHNIC, MOTHER and MC_DOB are never read; a problem with a date of birth
shows its value as ``(withheld)`` and a postcode problem shows only the district. ``child_id`` is the
903 ``CHILD`` reference, which is the authority's own pseudonym.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rcc.data import geo
from rcc.data.atomic import atomic_write_text
from rcc.data.problems import InvalidInstance, Problem
from rcc.data.read import read_text_table
from rcc.data.safe_cells import csv_text
from rcc.imports.codes import collection_year, validity_column
from rcc.imports.ssda903_checks import (
    Findings,
    header_faults,
    history_faults,
    location_warnings,
    usable_rows,
    year_label,
)
from rcc.imports.ssda903_episodes import Setup, episode_table, header_table, home_points, usual_family
from rcc.imports.ssda903_kinship import kinship_homes
from rcc.imports.status_quo import counts_by_value, demand_profile, status_quo_summary, status_quo_table

HEADER_REQUIRED = ("CHILD", "SEX", "DOB")
EPISODES_REQUIRED = ("CHILD", "DECOM", "RNE", "PLACE", "PLACE_PROVIDER", "DEC", "HOME_POST", "PL_POST", "URN")

NEED_LEVEL = {
    "foster": 1, "foster_kinship": 1, "adoption": 1, "parents": 1, "temporary": 1, "other": 1,
    "supported_accommodation": 2, "independent_living": 2,
    "childrens_home": 3, "residential_school": 3, "residential_other": 3,
    "secure_childrens_home": 4, "custody": 4,
}
NEED_LEVEL_NOTE = ("need_level is estimated from the setting family of the placement, looking through temporary "
                   "moves to the placement before (foster, kinship, adoption, "
                   "parents, temporary, other → 1; supported accommodation, independent living → 2; children's "
                   "homes, residential schools, other residential → 3; secure children's homes, custody → 4); "
                   "the 903 holds no assessment of need, so review it")

CHILD_COLUMNS = ("child_id", "la_code", "postcode_district", "lat", "lon", "age", "sex", "need_level", "needs",
                 "sibling_group", "solo")
REPORT_COLUMNS = ("file", "row", "column", "value", "rule", "severity", "key", "reason")
OUTPUT_FILES = ("children.csv", "kinship_homes.csv", "status_quo.csv", "status_quo.json", "entries.csv",
                "demand_profile.csv", "import_report.csv", "import_report.json")


@dataclass(frozen=True)
class Import903:
    """One import: the output tables, their summaries, and every problem found.

    ``report`` is ``problems`` as a table with the short ``reason`` each is counted under;
    ``kinship_homes`` are the children's family or friends carers, as ``homes.csv`` rows.
    """

    children: pd.DataFrame
    kinship_homes: pd.DataFrame
    status_quo: pd.DataFrame
    entries: pd.DataFrame
    demand_profile: pd.DataFrame
    status_quo_summary: dict
    summary: dict
    report: pd.DataFrame
    problems: list[Problem]


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
    setup = Setup(la_code, pd.Timestamp(as_of), entries_weeks, *labels)
    header, episodes = _tidy_columns(header), _tidy_columns(episodes)
    missing = [*_missing_columns(header, HEADER_REQUIRED, labels[0]),
               *_missing_columns(episodes, EPISODES_REQUIRED, labels[1])]
    if missing:
        raise InvalidInstance(missing)
    findings = Findings()
    eps = episode_table(episodes, setup)
    in_scope = set(eps.loc[eps["could_be_current"] | eps["could_be_entry"], "child"])
    scoped = eps[eps["child"].isin(in_scope)]
    faults = pd.concat([history_faults(scoped, setup, findings),
                        header_faults(header, in_scope, setup, findings)], ignore_index=True)
    head = header_table(header)
    current, cohort_skips = usable_rows(scoped[scoped["could_be_current"]], head, faults, setup, findings, "cohort")
    entered, entry_skips = usable_rows(scoped[scoped["could_be_entry"]], head, faults, setup, findings, "entries")
    location_warnings(current, entered, setup, findings)
    entered = entered.sort_values(["start", "row"])
    children = _contract_rows(current, current["child"], scoped, setup)
    kin = kinship_homes(current, children, setup)
    entries = _contract_rows(entered, _entry_ids(entered), scoped, setup)
    status_quo = status_quo_table(current, setup)
    findings = _sorted(findings)
    return Import903(
        children, kin, status_quo, entries, demand_profile(entered, setup.weeks), status_quo_summary(status_quo),
        _summary(header, episodes, setup, children, kin, entries, cohort_skips, entry_skips, findings),
        _report(findings), findings.problems)


def render_files(result: Import903) -> dict[str, str]:
    """Every output file's text, by file name (also what the app offers for download)."""
    return {
        "children.csv": csv_text(result.children),
        "kinship_homes.csv": csv_text(result.kinship_homes),
        "status_quo.csv": csv_text(_booleans_as_words(result.status_quo)),
        "status_quo.json": json.dumps(result.status_quo_summary, indent=2) + "\n",
        "entries.csv": csv_text(result.entries),
        "demand_profile.csv": csv_text(result.demand_profile),
        "import_report.csv": csv_text(result.report),
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


def argument_problems(la_code: str, entries_weeks: int) -> list[str]:
    """What is wrong with the import's settings (the command line lists them all at once)."""
    problems = []
    if la_code not in geo.local_authorities().index:
        problems.append(f"--la / la_code {la_code!r} is not the ONS GSS code of an English upper-tier local "
                        "authority (e.g. E08000003 for Manchester)")
    if entries_weeks < 1:
        problems.append(f"--entries-weeks / entries_weeks must be at least 1, not {entries_weeks}")
    return problems


def _check_arguments(la_code: str, entries_weeks: int) -> None:
    problems = argument_problems(la_code, entries_weeks)
    if problems:
        raise ValueError("; ".join(problems))


def _tidy_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Column names trimmed and upper-cased as the 903 spells them; rows numbered from 0 as read."""
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c).strip().upper() for c in frame.columns]
    return frame.fillna("").map(lambda v: str(v).strip()) if len(frame) else frame


def _missing_columns(frame: pd.DataFrame, required: tuple[str, ...], label: str) -> list[Problem]:
    return [Problem(label, f"required column '{c}' is missing (it needs {', '.join(required)})")
            for c in required if c not in frame.columns]


# --- outputs ------------------------------------------------------------------------------


def _contract_rows(rows: pd.DataFrame, child_ids: pd.Series, episodes: pd.DataFrame, setup: Setup) -> pd.DataFrame:
    """Contract children: a known district, else the authority's centroid as lat/lon; need level from the
    usual placement (``episodes`` are the children's histories, to look through temporary moves)."""
    district, lat, lon = home_points(rows, setup)
    known = district.notna()
    return pd.DataFrame({
        "child_id": child_ids.to_numpy(),
        "la_code": setup.la_code,
        "postcode_district": district.fillna("").to_numpy(),
        "lat": lat.where(~known).round(6).to_numpy(),
        "lon": lon.where(~known).round(6).to_numpy(),
        "age": rows["age"].astype(int).to_numpy(),
        "sex": rows["sex"].to_numpy(),
        "need_level": usual_family(rows, episodes).map(NEED_LEVEL).astype(int).to_numpy(),
        "needs": "",
        "sibling_group": "",
        "solo": "false",
    }, columns=list(CHILD_COLUMNS))


def _entry_ids(rows: pd.DataFrame) -> pd.Series:
    """CHILD, with ``-2``, ``-3``… for a child's later entries, so that every entry has its own id."""
    nth = rows.groupby("child").cumcount()
    return rows["child"] + np.where(nth > 0, "-" + (nth + 1).astype(str), "")


def _booleans_as_words(table: pd.DataFrame) -> pd.DataFrame:
    """true/false as the contract writes booleans (empty when unknown)."""
    words = {True: "true", False: "false"}
    return table.assign(**{c: table[c].map(words) for c in ("within_20_miles", "outside_la")})


def _sorted(findings: Findings) -> Findings:
    """File-wide notes first, then by file and row, as a planner would walk the files."""
    ordered = sorted(findings.items, key=lambda item: (item[1].row is not None, item[1].file, item[1].row or 0))
    return Findings(dict.fromkeys(ordered))


def _report(findings: Findings) -> pd.DataFrame:
    rows = [(p.file, p.row, p.column, p.value, p.rule, p.severity, p.key, reason) for reason, p in findings.items]
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS)).astype({"row": "Int64"})


def _reasons(skips: pd.DataFrame, distinct_children: bool) -> tuple[int, dict[str, int]]:
    """How many were skipped, and how many for each reason (one may have several reasons)."""
    if distinct_children:
        by_reason = skips.groupby("reason")["child"].nunique()
        return int(skips["child"].nunique()), {str(k): int(v) for k, v in by_reason.items()}
    by_reason = skips.reset_index().drop_duplicates().groupby("reason").size()
    return int(skips.index.nunique()), {str(k): int(v) for k, v in by_reason.items()}


def _summary(header, episodes, setup, children, kin, entries, cohort_skips, entry_skips, findings) -> dict:
    year = collection_year(setup.as_of.date())
    column, note = validity_column(year)
    cohort_skipped, cohort_reasons = _reasons(cohort_skips, distinct_children=True)
    entries_skipped, entry_reasons = _reasons(entry_skips, distinct_children=False)
    warnings = [reason for reason, p in findings.items if not p.is_error]
    return {
        "la_code": setup.la_code,
        "la_name": str(geo.local_authorities().at[setup.la_code, "la_name"]),
        "as_of": setup.as_of.date().isoformat(),
        "collection_year": year_label(year),
        "code_list": column,
        "code_list_note": note,
        "header_rows": len(header),
        "episode_rows": len(episodes),
        "cohort_children": len(children),
        "cohort_skipped": cohort_skipped,
        "cohort_skipped_by_reason": cohort_reasons,
        "kinship_carers": len(kin),
        "kinship_note": ("a family or friends carer (kinship_homes.csv) for each child placed with relatives or "
                         "friends now (PLACE U1-U3), reserved for that child; add them to the homes"),
        "entries_weeks": setup.weeks,
        "entries": len(entries),
        "entries_skipped": entries_skipped,
        "entries_skipped_by_reason": entry_reasons,
        "warnings_by_reason": counts_by_value(pd.Series(warnings, dtype=str)),
        "errors": sum(p.is_error for p in findings.problems),
        "warnings": len(warnings),
        "need_level_estimated": True,
        "need_level_note": NEED_LEVEL_NOTE,
        "files": list(OUTPUT_FILES),
    }
