"""Import an Ofsted children's social care provider list into the contract's ``homes.csv``.

Ofsted's provider list (the workbook it sends local authorities, layouts in ``SOURCES.md`` §4) says
where each home is, what it is registered for and how it was judged, but not what a commissioner
needs to place a child today: vacancies, price, ages. Those come from the commissioner's vacancies
file (``docs/vacancies-file.md``), keyed by URN; where it is silent, a documented default is used
and reported for every home. Every provider row that does not become a home is reported with its
reason, so a planner can see what the list held and why each row was left out.

This module reads the workbook, joins each provider row to its vacancies row and writes the
result; what a row's cells mean is ``ofsted_rows`` (by the tables of ``ofsted_layouts``), and
reading the vacancies file is ``vacancies``.

The list's Sector and owner columns give the provider market (``sector``, ``owner``): the sector as
``local_authority`` (a Health Authority home counts as public provision too), ``private`` or
``voluntary``; the owner as the top company when the list names one, else the owner's name when the
owner is an organisation, else ``owner <Owner ID>``.

Nothing personal leaves the importer: an owner who is a person is known only by Ofsted's owner ID;
addresses, telephone numbers and e-mail addresses are never read, and a postcode is cut to its
district (outward code) before any message or output sees it.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rcc.data.atomic import atomic_write_text
from rcc.data.problems import Problem
from rcc.data.read import as_text, read_text_table
from rcc.data.safe_cells import write_csv
from rcc.data.schema import normalise_header
from rcc.imports.ofsted_layouts import LAYOUTS, SETTING_DEFAULTS, Layout, default_values, default_weekly_cost
from rcc.imports.ofsted_rows import Issue, ProviderRow, map_row
from rcc.imports.sources import source_bytes, source_name
from rcc.imports.vacancies import VacancyRow, read_vacancies

HOME_COLUMNS = ("home_id", "provider", "setting", "la_code", "postcode_district", "vacancies", "min_age", "max_age",
                "sex", "max_need_level", "specialisms", "weekly_cost", "ofsted", "block_booked", "sector", "owner")
REPORT_COLUMNS = ("file", "sheet", "row", "column", "value", "rule", "severity", "key")

_XLSX_MAGIC, _XLS_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
_SHEET_LABEL = re.compile(r"^(.*)\[([^\[\]]*)\]$")


# --- the result ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OfstedImport:
    """Homes (contract columns), every problem found, and counts for the summary."""

    homes: pd.DataFrame
    problems: list[Problem]
    summary: dict

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Log:
    """Problems in the order found, each with a short reason for the summary's counts."""

    problems: list[Problem] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)

    def add(self, reason: str, problem: Problem) -> None:
        self.problems.append(problem)
        self.reasons.append(reason)

    def by_reason(self, severity: str) -> dict[str, int]:
        return dict(Counter(r for r, p in zip(self.reasons, self.problems, strict=True) if p.severity == severity))


# --- entry points ---------------------------------------------------------------------------


def import_ofsted(workbook, vacancies=None, label: str | None = None) -> OfstedImport:
    """Homes from an Ofsted provider list (path or file-like: .xlsx, or a CSV of one sheet).

    ``vacancies`` is the commissioner's vacancies file (path or file-like CSV, keyed by ``urn``).
    Bad input never raises: it is reported in ``problems``, and ``homes`` holds only rows that
    break no rule.
    """
    label = label or source_name(workbook, "providers.xlsx")
    log = _Log()
    sheets = _read_sheets(workbook, label, log)
    rows, sheet_counts = _provider_rows(sheets, label, log)
    candidates, urns = _candidates(rows, log)
    given, with_ages = read_vacancies(vacancies, log.add) if vacancies is not None else ({}, False)
    if vacancies is None and candidates:
        log.add("no_vacancies_file", Problem(label, "came without a vacancies file, so every home has vacancies 0 "
                                                    "(no vacancy known) and the defaults of docs/vacancies-file.md",
                                             severity="warning"))
    if any(c["layout"] for c in sheet_counts.values()):
        _check_vacancy_urns(given, urns, candidates, log)
    homes, defaulted = _homes(candidates, given, log)
    if not homes and not log.by_reason("error"):
        log.add("no_homes", Problem(label, "has no provider row that could be imported as a home"))
    frame = _homes_frame(homes, with_ages)
    summary = _summary(label, vacancies, sheet_counts, rows, frame, defaulted, log)
    return OfstedImport(frame, log.problems, summary)


def report_path_for(out_path: str | os.PathLike) -> Path:
    """The default report beside ``out_path``: ``homes.csv`` → ``homes_report.csv``."""
    out = Path(out_path)
    return out.with_name(f"{out.stem}_report.csv")


def write_homes(result: OfstedImport, out_path: str | os.PathLike,
                report_path: str | os.PathLike | None = None) -> None:
    """Write ``homes.csv``, the report CSV and its JSON summary, each atomically.

    Refuses a result with errors: a homes file missing the rows a planner must fix would look complete.
    """
    if not result.ok:
        raise ValueError(f"the import has {len(result.errors)} error(s); homes.csv not written")
    out = Path(out_path)
    write_csv(out, result.homes)
    write_report(result, report_path or report_path_for(out), homes_file=out)


def write_report(result: OfstedImport, report_path: str | os.PathLike, homes_file: Path | None = None) -> None:
    """Write every problem as a CSV row and the summary as JSON beside it (same stem, ``.json``)."""
    report = Path(report_path)
    frame = pd.DataFrame([_report_row(p) for p in result.problems], columns=list(REPORT_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")  # 2, not 2.0, beside file-level problems without a row
    write_csv(report, frame)
    summary = {**result.summary, "homes_written": len(result.homes) if homes_file else 0,
               "homes_file": str(homes_file) if homes_file else None}
    atomic_write_text(report.with_suffix(".json"), json.dumps(summary, indent=2) + "\n")


def _report_row(problem: Problem) -> dict:
    match = _SHEET_LABEL.match(problem.file)
    file, sheet = (match.group(1), match.group(2)) if match else (problem.file, "")
    return {"file": file, "sheet": sheet, "row": problem.row, "column": problem.column, "value": problem.value,
            "rule": problem.rule, "severity": problem.severity, "key": problem.key}


# --- reading --------------------------------------------------------------------------------


def _read_sheets(source, label: str, log: _Log) -> dict[str | None, pd.DataFrame]:
    """Every sheet as text, keyed by sheet name (``None`` for a CSV); chosen by content, not file name."""
    try:
        data = source_bytes(source)
    except OSError as exc:
        log.add("unreadable", Problem(label, f"could not be read ({exc.strerror or exc})"))
        return {}
    if data.startswith(_XLS_MAGIC):
        log.add("unreadable", Problem(label, "is an Excel 97-2003 (.xls) workbook; save it as .xlsx and import that"))
        return {}
    if not data.startswith(_XLSX_MAGIC):
        problems: list[Problem] = []
        frame = read_text_table(io.BytesIO(data), label, problems)
        for problem in problems:
            log.add("unreadable", problem)
        return {} if frame is None else {None: frame}
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str, keep_default_na=False)
    except Exception as exc:  # a corrupt workbook is a named problem, not a traceback
        log.add("unreadable", Problem(label, f"could not be read as an Excel workbook ({exc})"))
        return {}
    return {name: as_text(frame) for name, frame in sheets.items()}


def _closest_layout(frame: pd.DataFrame) -> tuple[Layout, list[str]]:
    """The layout ``frame`` is nearest to, and the headers it lacks (none when it matches)."""
    present = {normalise_header(c) for c in frame.columns}
    gaps = [(layout, [h for h in layout.headers() if normalise_header(h) not in present]) for layout in LAYOUTS]
    return min(gaps, key=lambda gap: len(gap[1]))


def _provider_rows(sheets: dict, label: str, log: _Log) -> tuple[list[ProviderRow], dict]:
    """The non-empty rows of every sheet in a known layout; other sheets are reported as skipped."""
    rows, counts, nearest = [], {}, None
    for sheet, frame in sheets.items():
        sheet_label = f"{label}[{sheet}]" if sheet is not None else label
        layout, missing = _closest_layout(frame)
        if missing:
            counts[sheet or label] = {"layout": None, "rows_read": 0}
            if nearest is None or len(missing) < len(nearest[2]):
                nearest = (sheet_label, layout, missing)
            if sheet is not None:
                log.add("sheet_skipped", Problem(sheet_label, f"is not an Ofsted provider list and was skipped (as "
                                                              f"the nearest layout, the {layout.name}, it lacks "
                                                              f"{', '.join(missing)})", severity="warning"))
            continue
        found = list(_rows_of(frame, sheet_label, layout))
        counts[sheet or label] = {"layout": layout.name, "rows_read": len(found)}
        rows += found
    if nearest and not any(c["layout"] for c in counts.values()):
        where, layout, missing = nearest
        log.add("unknown_layout", Problem(label, f"is not an Ofsted provider list in a known layout: the nearest, "
                                                 f"{where} as the {layout.name}, lacks the headers "
                                                 f"{', '.join(missing)}"))
    return rows, counts


def _rows_of(frame: pd.DataFrame, label: str, layout: Layout):
    headers: dict[str, str] = {}
    for column in frame.columns:
        headers.setdefault(normalise_header(column), column)
    records = [(position, {name: record[column] for name, column in headers.items()})
               for position, record in enumerate(frame.to_dict("records"))]
    records = [(position, cells) for position, cells in records if any(cells.values())]  # blank lines: no provider
    urn = normalise_header(layout.urn)
    listed = Counter(cells.get(urn, "") for _, cells in records) if layout.settings_per_urn else Counter()
    seen: Counter = Counter()
    for position, cells in records:
        setting = 0
        if listed[cells.get(urn, "")] > 1 and cells.get(urn, ""):
            seen[cells[urn]] += 1
            setting = seen[cells[urn]]
        yield ProviderRow(label, position + 2, layout, cells, headers, setting)


# --- provider rows → candidate homes --------------------------------------------------------


def _candidates(rows: list[ProviderRow],
                log: _Log) -> tuple[list[tuple[ProviderRow, dict]], dict[str, ProviderRow]]:
    """The rows that can be homes (with their fields), and the first row of every URN seen."""
    candidates, first = [], {}
    for row in rows:
        issues = _urn_issues(row, first)
        home = map_row(row, issues)
        for issue in issues:
            log.add(issue.reason, Problem(row.label, issue.rule, row.number, row.column(issue.column), issue.value,
                                          row.key, issue.severity))
        skips = {issue.reason for issue in issues if issue.skips}
        log.skipped.update(skips)
        if row.urn:
            first.setdefault(row.home_id, row)
        if row.setting == 1:
            log.add("urn_settings", Problem(row.label, f"lists several settings under one URN: they become homes "
                                                       f"{row.urn}-1, {row.urn}-2, … in the order of the sheet (the "
                                                       "vacancies file names them so)", row.number,
                                            row.column(row.layout.urn), row.urn, severity="warning"))
        if not skips:
            candidates.append((row, home))
    return candidates, first


def _urn_issues(row: ProviderRow, first: dict[str, ProviderRow]) -> list[Issue]:
    column = row.layout.urn
    if not row.urn:
        return [Issue("urn_missing", "is empty: every home needs its Ofsted URN; row skipped", column, "", "error")]
    if row.home_id in first:
        seen = first[row.home_id]
        where = f"row {seen.number}" if seen.label == row.label else f"{seen.label} row {seen.number}"
        return [Issue("urn_duplicate", f"repeats the URN of {where}; row skipped", column, row.urn, "error")]
    return []


# --- provider row + vacancies row → home ----------------------------------------------------


def _check_vacancy_urns(given: dict[str, VacancyRow], first: dict[str, ProviderRow], candidates: list,
                        log: _Log) -> None:
    """A vacancies row must name a provider in the list; one naming a skipped row is said to be unused."""
    homes = {row.home_id for row, _ in candidates}
    for urn, entry in given.items():
        if urn not in first:
            log.add("vacancies_unknown_urn", Problem(entry.label, "is not a URN in the provider list", entry.row,
                                                     "urn", urn))
        elif urn not in homes:
            row = first[urn]
            log.add("vacancies_for_skipped_row", Problem(entry.label, f"is unused: its provider row ({row.label} row "
                                                                      f"{row.number}) was skipped", entry.row, "urn",
                                                         urn, severity="warning"))


def _homes(candidates: list, given: dict[str, VacancyRow], log: _Log) -> tuple[list[dict], Counter]:
    homes, defaulted = [], Counter()
    for row, home in candidates:
        entry = given.get(row.home_id)
        defaults = default_values(home["setting"])
        values = {**defaults, **(entry.values if entry else {})}
        if entry and not (entry.ok and _consistent(row, home["places"], entry, values, log)):
            log.skipped["vacancies_file_error"] += 1
            continue
        missing = [c for c in defaults if not entry or c not in entry.values]
        if missing:
            shown = ", ".join(f"{c}={values[c]:g}" if c == "weekly_cost" else f"{c}={values[c]}" for c in missing)
            note = " (vacancies=0: no vacancy known)" if "vacancies" in missing else ""
            log.add("defaults_used", Problem(row.label, f"is not given {', '.join(missing)} by the vacancies file; "
                                                        f"defaults used: {shown}{note}",
                                             row.number, key=row.key, severity="warning"))
            defaulted.update(missing)
        homes.append({**home, **values})
    return homes, defaulted


def _consistent(row: ProviderRow, places: int | None, entry: VacancyRow, values: dict, log: _Log) -> bool:
    """Rules joining a vacancies row to its home: ages in order, block bookings and places not exceeded."""
    broken = []
    if values["min_age"] > values["max_age"]:
        broken.append(("min_age", f"must be <= max_age ({values['max_age']})"))
    if values["block_booked"] > values["vacancies"]:
        broken.append(("block_booked", f"must be <= vacancies ({values['vacancies']})"))
    if places is not None and values["vacancies"] > places:
        broken.append(("vacancies", f"must be <= the home's {row.column(row.layout.places)} in the provider list "
                                    f"({places})"))
    for column, rule in broken:
        log.add("vacancies_conflict", Problem(entry.label, rule, entry.row, column, values[column], row.key))
    return not broken


def _homes_frame(homes: list[dict], with_ages: bool) -> pd.DataFrame:
    columns = [*HOME_COLUMNS, "resident_ages"] if with_ages else list(HOME_COLUMNS)
    frame = pd.DataFrame(homes, columns=columns)
    frame["specialisms"] = [";".join(sorted(tags)) for tags in frame["specialisms"]]
    return frame.fillna({"resident_ages": ""}) if with_ages else frame


def _summary(label, vacancies, sheets: dict, rows: list, homes: pd.DataFrame, defaulted: Counter, log: _Log) -> dict:
    return {
        "file": label,
        "vacancies_file": source_name(vacancies, "vacancies.csv") if vacancies is not None else None,
        "sheets": sheets,
        "rows_read": len(rows),
        "homes": len(homes),
        "rows_skipped": len(rows) - len(homes),
        "skipped_by_reason": dict(log.skipped),
        "defaulted_columns": dict(defaulted),
        "default_weekly_cost": {s: dict(zip(("gbp", "source"), default_weekly_cost(s), strict=True))
                                for s in SETTING_DEFAULTS},
        "errors": sum(log.by_reason("error").values()),
        "warnings": sum(log.by_reason("warning").values()),
        "errors_by_reason": log.by_reason("error"),
        "warnings_by_reason": log.by_reason("warning"),
    }
