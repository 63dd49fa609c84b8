"""Glue for the Data page's SSDA903 + Ofsted import: both importers, then the contract's own validator.

The importers decide what a row means and the validator decides whether the result is an instance;
this module only joins them and shapes their outcome into what the page shows (sentences, tables,
files). The imported tables are turned into text cells exactly as an upload's are (``read.as_text``),
so an imported instance has passed the same checks as an uploaded one.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from rcc.data import geo
from rcc.data.problems import InvalidInstance, Problem
from rcc.data.read import Report, as_text, read_text_table, validate_tables
from rcc.data.safe_cells import csv_text
from rcc.imports.ofsted import OfstedImport, import_ofsted
from rcc.imports.sources import source_bytes, source_name
from rcc.imports.ssda903 import Import903, import_903_frames, render_files
from rcc.model import Instance
from rcc.units import in_miles

PROBLEM_COLUMNS = ("source", "file", "row", "column", "value", "rule", "severity", "key")
COUNT_COLUMNS = ("source", "counted", "reason", "count")
SSDA903, OFSTED, CONTRACT = "SSDA903", "Ofsted list", "contract check"


@dataclass(frozen=True)
class ImportOutcome:
    """One import: each importer's result, and the validator's report on the instance they make.

    ``ssda903`` is ``None`` when the 903 files could not be read (``read_problems`` says why);
    ``report`` is ``None`` when either importer failed, since there is then nothing to validate.
    """

    la_code: str
    as_of: dt.date
    ssda903: Import903 | None
    read_problems: list[Problem]
    ofsted: OfstedImport
    report: Report | None

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok

    @property
    def instance(self) -> Instance | None:
        return self.report.instance if self.ok else None

    @property
    def label(self) -> str:
        """How the loaded instance is named on every page."""
        return f"SSDA903 of {la_name(self.la_code)} on {self.as_of.isoformat()} + {self.ofsted.summary['file']}"


def la_name(code: str) -> str:
    return str(geo.local_authorities().at[code, "la_name"])


def authority_codes() -> list[str]:
    """GSS codes of the bundled authorities, in order of name (for a selectbox labelled by name)."""
    return list(geo.local_authorities().sort_values("la_name").index)


def default_as_of(today: dt.date) -> dt.date:
    """The last 31 March on or before ``today``: the date a 903 return is collected to."""
    year_end = dt.date(today.year, 3, 31)
    return year_end if today >= year_end else year_end.replace(year=today.year - 1)


def import_sources(header, episodes, providers, vacancies, la_code: str, as_of: dt.date) -> ImportOutcome:
    """Run both importers on paths or uploads, and validate what they make as contract tables.

    Every problem of both files is found even when one importer fails, so a planner fixes all at once.
    """
    ssda903, read_problems = _import_903(header, episodes, la_code, as_of)
    ofsted = import_ofsted(providers, vacancies)
    report = _validate(ssda903, ofsted, f"ssda903-{la_code}-{as_of.isoformat()}") \
        if ssda903 is not None and ofsted.ok else None
    return ImportOutcome(la_code, as_of, ssda903, read_problems, ofsted, report)


def _csv(source, default: str, problems: list[Problem]) -> tuple[str, pd.DataFrame | None]:
    """(label, text table) of a CSV path or upload, read as the Ofsted importer reads its files."""
    label = source_name(source, default)
    return label, read_text_table(io.BytesIO(source_bytes(source)), label, problems)


def _import_903(header, episodes, la_code: str, as_of: dt.date) -> tuple[Import903 | None, list[Problem]]:
    """The 903 import, or ``None`` with the problems that stop it (unreadable file, missing column)."""
    problems: list[Problem] = []
    (header_label, header_table), (episodes_label, episodes_table) = (
        _csv(header, "header.csv", problems), _csv(episodes, "episodes.csv", problems))
    if problems:
        return None, problems
    try:
        return import_903_frames(header_table, episodes_table, (header_label, episodes_label), la_code, as_of), []
    except InvalidInstance as exc:
        return None, exc.problems


def _validate(ssda903: Import903, ofsted: OfstedImport, name: str) -> Report:
    """The imported children and homes through the contract's validator, read back from CSV as an upload is.
    The homes are the provider list's and the children's family or friends carers (from the 903)."""
    return _validate_tables(ssda903.children, pd.concat([ofsted.homes, ssda903.kinship_homes], ignore_index=True),
                            name)


def entries_referrals(outcome: ImportOutcome) -> Instance | None:
    """The 903's entries to care (with the imported homes) as an instance whose children are referrals:
    the demand the scenario pages can sample from instead of today's cohort. ``None`` when there are none."""
    if not outcome.ok or not len(outcome.ssda903.entries):
        return None
    report = _validate_tables(outcome.ssda903.entries, outcome.ofsted.homes, f"{outcome.report.instance.name} entries")
    return report.instance if report.ok else None


def _validate_tables(children: pd.DataFrame, homes: pd.DataFrame, name: str) -> Report:
    raw = {table: (f"{table}.csv", as_text(frame)) for table, frame in (("children", children), ("homes", homes))}
    return validate_tables(raw, name=name)


def refusal(outcome: ImportOutcome) -> str | None:
    """Why nothing was loaded, in a sentence; ``None`` when the instance was loaded."""
    if outcome.ssda903 is None:
        return ("The SSDA903 files could not be imported, so nothing was loaded. Fix the problems below and "
                "import again.")
    if not outcome.ofsted.ok:
        return (f"The provider list (or vacancies file) has {len(outcome.ofsted.errors)} error(s); a homes table "
                "without those rows would look complete, so nothing was loaded. Fix them and import again.")
    if not outcome.ok:
        return (f"The imported tables break {len(outcome.report.errors)} rule(s) of the contract, so nothing was "
                "loaded. The problems are listed below.")
    return None


def no_vacancy_warning(outcome: ImportOutcome) -> str | None:
    """A plain warning when the imported homes offer no bed at all: every child would be unplaced."""
    homes = outcome.ofsted.homes
    if not len(homes) or homes["vacancies"].sum() > 0:
        return None
    why = "no vacancies file was given" if outcome.ofsted.summary["vacancies_file"] is None \
        else "the vacancies file gives none"
    kin = outcome.ssda903.summary["kinship_carers"] if outcome.ssda903 is not None else 0
    who = f"every child but the {kin:,} with a family or friends carer" if kin else "every child"
    return (f"No home in the provider list has a vacancy ({why}): {who} will be unplaced. "
            "A vacancies file (docs/vacancies-file.md) says which beds are free.")


def headlines(outcome: ImportOutcome) -> list[str]:
    """One sentence per importer: what it made and what it left out."""
    lines = []
    if outcome.ssda903 is not None:
        s = outcome.ssda903.summary
        lines.append(f"**SSDA903**: {s['cohort_children']:,} children in care of {s['la_name']} on {s['as_of']} "
                     f"({s['cohort_skipped']:,} skipped), {s['kinship_carers']:,} of them with a family or friends "
                     f"carer, added to the homes; {s['entries']:,} entries to care in the {s['entries_weeks']} "
                     f"weeks before ({s['entries_skipped']:,} skipped); {s['errors']:,} error(s) and "
                     f"{s['warnings']:,} warning(s) in the report.")
    s = outcome.ofsted.summary
    vacancies = int(outcome.ofsted.homes["vacancies"].sum()) if len(outcome.ofsted.homes) else 0
    given = f" with vacancies from {s['vacancies_file']}" if s["vacancies_file"] else " (no vacancies file)"
    lines.append(f"**Ofsted list** {s['file']}{given}: {s['homes']:,} home(s) with {vacancies:,} vacancies from "
                 f"{s['rows_read']:,} provider row(s) ({s['rows_skipped']:,} skipped); {s['errors']:,} error(s) and "
                 f"{s['warnings']:,} warning(s).")
    return lines


def notes(outcome: ImportOutcome) -> list[str]:
    """What the 903 import had to assume (need level from the placement, a stand-in code list)."""
    if outcome.ssda903 is None:
        return []
    summary = outcome.ssda903.summary
    return [note for note in (summary["need_level_note"], summary["code_list_note"]) if note]


def reason_counts(outcome: ImportOutcome) -> pd.DataFrame:
    """Counts by reason from both importers' summaries: what was skipped, and what was warned about."""
    groups = []
    if outcome.ssda903 is not None:
        s = outcome.ssda903.summary
        groups += [(SSDA903, "children skipped", s["cohort_skipped_by_reason"]),
                   (SSDA903, "entries skipped", s["entries_skipped_by_reason"]),
                   (SSDA903, "warnings", s["warnings_by_reason"])]
    s = outcome.ofsted.summary
    groups += [(OFSTED, "rows skipped", s["skipped_by_reason"]), (OFSTED, "errors", s["errors_by_reason"]),
               (OFSTED, "warnings", s["warnings_by_reason"])]
    rows = [(source, counted, reason, n) for source, counted, counts in groups for reason, n in counts.items()]
    return pd.DataFrame(rows, columns=list(COUNT_COLUMNS))


def problem_table(outcome: ImportOutcome) -> pd.DataFrame:
    """Every problem of the validator and both importers: file, row, column, value, rule.

    Errors come first, and among them those of the contract and the provider list, which stop the load,
    before the 903's, which mostly only skip a child; thousands of 903 rows would otherwise hide them.
    """
    sources = [(CONTRACT, outcome.report.problems if outcome.report else []),
               (OFSTED, outcome.ofsted.problems),
               (SSDA903, outcome.read_problems + (outcome.ssda903.problems if outcome.ssda903 else []))]
    rows = [(source, p.file, p.row, p.column or "", "" if p.value is None else str(p.value), p.rule, p.severity,
             p.key or "") for source, problems in sources for p in problems]
    table = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS)).astype({"row": "Int64"})
    return table.sort_values("severity", kind="stable", ignore_index=True)


def output_files(outcome: ImportOutcome) -> dict[str, str]:
    """The importers' files, as the command-line imports write them: the 903's always, homes.csv when valid."""
    files = render_files(outcome.ssda903) if outcome.ssda903 is not None else {}
    if outcome.ofsted.ok:
        files["homes.csv"] = csv_text(outcome.ofsted.homes)
    return files


# --- Results: today beside rcc's plan -------------------------------------------------------


def _shown(value, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


def status_quo_comparison(today: Mapping, kpis: Mapping) -> pd.DataFrame:
    """Today's placements (the 903's ``status_quo_summary``) beside rcc's plan (its checked KPIs).

    Distances and shares are of children whose placement is located: today those with a known
    placement district, in rcc's plan those it places. Imported children have no sibling groups, so
    rcc's split count would be a vacuous 0; it says so instead.
    """
    outside = None if kpis["own_la_pct"] is None else 100.0 - kpis["own_la_pct"]
    rows = [
        ("Children", f"{today['children']:,}", f"{kpis['children']:,}"),
        ("With a known placement location (rcc: placed)", f"{today['with_known_placement_location']:,}",
         f"{kpis['placed']:,}"),
        ("Mean distance from home", in_miles(today["mean_km"]), in_miles(kpis["mean_km"])),
        ("Within 20 miles", _shown(today["within_20_miles_pct"], "{:.1f}%"),
         _shown(kpis["within_20_miles_pct"], "{:.1f}%")),
        ("Placed outside the LA", _shown(today["outside_la_pct"], "{:.1f}%"), _shown(outside, "{:.1f}%")),
        ("Sibling groups apart", "not recorded in SSDA903",
         "no sibling groups in the data" if kpis["siblings_together_pct"] is None else f"{kpis['groups_apart']:,}"),
    ]
    return pd.DataFrame(rows, columns=["", "Today (SSDA903)", "rcc's plan"])


def placed_in_listed_homes(table: pd.DataFrame, instance: Instance) -> int:
    """How many children live today in a home on the imported list (903 URN = the list's URN)."""
    return int(table["urn"].isin({home.home_id for home in instance.homes}).sum())
