"""Import an Ofsted children's social care provider list into the contract's ``homes.csv``.

Ofsted's provider list (the workbook it sends local authorities, layouts in ``SOURCES.md`` §4) says
where each home is, what it is registered for and how it was judged, but not what a commissioner
needs to place a child today: vacancies, price, ages. Those come from the commissioner's vacancies
file (``docs/vacancies-file.md``), keyed by URN; where it is silent, a documented default is used
and reported for every home. Every provider row that does not become a home is reported with its
reason, so a planner can see what the list held and why each row was left out.

Nothing personal leaves the importer: owner names, addresses, telephone numbers and e-mail
addresses are never read, and a postcode is cut to its district (outward code) before any message
or output sees it.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from rcc.data.atomic import atomic_write, atomic_write_text
from rcc.data.geo import local_authorities, postcode_districts
from rcc.data.problems import Problem
from rcc.data.read import _as_text, read_text_table
from rcc.data.schema import HOMES, CellError, normalise_header, parse_cell
from rcc.imports.codes import outward_code, setting_of_place

# --- the tables that decide what a provider row means ---------------------------------------


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
_FLAG_NOT_SET = {"", "-", "no", "n", "0", "false"}

LAYOUTS = (
    Layout("2025 'Providers' sheet", urn="URN", provider="Provider name", la="Local authority",
           postcode="Provider postcode", places="Number of registered places", statuses=("Registration status",),
           types=("Provider type", "Provider subtype"), codes="Placement code",
           judgement="Overall effectiveness", flags=tuple(NEED_FLAG_SPECIALISMS)),
    Layout("2025 'SA Providers' sheet (supported accommodation)", urn="URN", provider="Provider name",
           la="Setting Local Authority", postcode="Setting address postcode", places="Capacity",
           statuses=("Registration status", "Setting status"), setting="semi_independent"),
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
_REFINES_CHILDRENS_HOME = {"secure", "residential_school"}

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
_OLDER_JUDGEMENTS = {"adequate"}

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

VACANCY_COLUMNS = ("vacancies", "weekly_cost", "min_age", "max_age", "sex", "max_need_level", "block_booked",
                   "resident_ages")
_LIMITS = {"vacancies": (0, None), "weekly_cost": (0, None), "min_age": (0, 17), "max_age": (0, 17),
           "max_need_level": (1, 4), "block_booked": (0, None)}
_HOME_SPECS = {spec.name: spec for spec in HOMES}
_MAX_RESIDENT_AGE = 25

HOME_COLUMNS = ("home_id", "provider", "setting", "la_code", "postcode_district", "vacancies", "min_age", "max_age",
                "sex", "max_need_level", "specialisms", "weekly_cost", "ofsted", "block_booked")
REPORT_COLUMNS = ("file", "sheet", "row", "column", "value", "rule", "severity", "key")

_XLSX_MAGIC, _XLS_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
_SHEET_LABEL = re.compile(r"^(.*)\[([^\[\]]*)\]$")


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


@dataclass(frozen=True)
class _Issue:
    """Something wrong with one cell of a provider row; ``skips`` when the row cannot be a home."""

    reason: str
    rule: str
    column: str
    value: object
    severity: str = "warning"
    skips: bool = True


@dataclass(frozen=True)
class _Row:
    """One provider row: its place in the workbook and its cells keyed by normalised header."""

    label: str
    number: int
    layout: Layout
    cells: dict[str, str]
    headers: dict[str, str]

    def text(self, header: str) -> str:
        return self.cells.get(normalise_header(header), "")

    def column(self, header: str) -> str:
        return self.headers.get(normalise_header(header), header)

    @property
    def urn(self) -> str:
        return self.text(self.layout.urn)

    @property
    def key(self) -> str | None:
        return f"urn={self.urn}" if self.urn else None


@dataclass(frozen=True)
class _Given:
    """The vacancies-file row of one URN: the cells it gives, and whether all of them were valid."""

    label: str
    row: int
    values: dict[str, object]
    ok: bool


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
    label = label or _name_of(workbook, "providers.xlsx")
    log = _Log()
    sheets = _read_sheets(workbook, label, log)
    rows, sheet_counts = _provider_rows(sheets, label, log)
    candidates, urns = _candidates(rows, log)
    given, with_ages = _vacancies(vacancies, log) if vacancies is not None else ({}, False)
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
    atomic_write(out, lambda tmp: result.homes.to_csv(tmp, index=False))
    write_report(result, report_path or report_path_for(out), homes_file=out)


def write_report(result: OfstedImport, report_path: str | os.PathLike, homes_file: Path | None = None) -> None:
    """Write every problem as a CSV row and the summary as JSON beside it (same stem, ``.json``)."""
    report = Path(report_path)
    frame = pd.DataFrame([_report_row(p) for p in result.problems], columns=list(REPORT_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")  # 2, not 2.0, beside file-level problems without a row
    atomic_write(report, lambda tmp: frame.to_csv(tmp, index=False))
    summary = {**result.summary, "homes_written": len(result.homes) if homes_file else 0,
               "homes_file": str(homes_file) if homes_file else None}
    atomic_write_text(report.with_suffix(".json"), json.dumps(summary, indent=2) + "\n")


def _report_row(problem: Problem) -> dict:
    match = _SHEET_LABEL.match(problem.file)
    file, sheet = (match.group(1), match.group(2)) if match else (problem.file, "")
    return {"file": file, "sheet": sheet, "row": problem.row, "column": problem.column, "value": problem.value,
            "rule": problem.rule, "severity": problem.severity, "key": problem.key}


# --- reading --------------------------------------------------------------------------------


def _name_of(source, default: str) -> str:
    """A label for messages: the file's name, an upload's name, or ``default``."""
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) else default


def _read_bytes(source) -> bytes:
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)  # an upload may have been read before
        data = source.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    return Path(source).read_bytes()


def _read_sheets(source, label: str, log: _Log) -> dict[str | None, pd.DataFrame]:
    """Every sheet as text, keyed by sheet name (``None`` for a CSV); chosen by content, not file name."""
    try:
        data = _read_bytes(source)
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
    return {name: _as_text(frame) for name, frame in sheets.items()}


def _closest_layout(frame: pd.DataFrame) -> tuple[Layout, list[str]]:
    """The layout ``frame`` is nearest to, and the headers it lacks (none when it matches)."""
    present = {normalise_header(c) for c in frame.columns}
    gaps = [(layout, [h for h in layout.headers() if normalise_header(h) not in present]) for layout in LAYOUTS]
    return min(gaps, key=lambda gap: len(gap[1]))


def _provider_rows(sheets: dict, label: str, log: _Log) -> tuple[list[_Row], dict]:
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
    for position, record in enumerate(frame.to_dict("records")):
        cells = {name: record[column] for name, column in headers.items()}
        if any(cells.values()):  # a blank line is no provider
            yield _Row(label, position + 2, layout, cells, headers)


# --- one provider row → one home --------------------------------------------------------------


def _candidates(rows: list[_Row], log: _Log) -> tuple[list[tuple[_Row, dict]], dict[str, _Row]]:
    """The rows that can be homes (with their fields), and the first row of every URN seen."""
    candidates, first = [], {}
    for row in rows:
        issues = _urn_issues(row, first)
        home = _map_row(row, issues)
        for issue in issues:
            log.add(issue.reason, Problem(row.label, issue.rule, row.number, row.column(issue.column), issue.value,
                                          row.key, issue.severity))
        skips = {issue.reason for issue in issues if issue.skips}
        log.skipped.update(skips)
        if row.urn:
            first.setdefault(row.urn, row)
        if not skips:
            candidates.append((row, home))
    return candidates, first


def _urn_issues(row: _Row, first: dict[str, _Row]) -> list[_Issue]:
    column = row.layout.urn
    if not row.urn:
        return [_Issue("urn_missing", "is empty: every home needs its Ofsted URN; row skipped", column, "", "error")]
    if row.urn in first:
        seen = first[row.urn]
        where = f"row {seen.number}" if seen.label == row.label else f"{seen.label} row {seen.number}"
        return [_Issue("urn_duplicate", f"repeats the URN of {where}; row skipped", column, row.urn, "error")]
    return []


def _map_row(row: _Row, issues: list[_Issue]) -> dict:
    """The contract fields the provider list gives, appending an issue for each cell that breaks a rule."""
    district = _district(row, issues)
    home = {
        "home_id": row.urn,
        "provider": _provider(row, issues),
        "setting": _setting(row, issues),
        "la_code": _la_code(row, district, issues),
        "postcode_district": district,
        "specialisms": _specialisms(row),
        "ofsted": _judgement(row, issues),
        "places": _places(row, issues),
    }
    _status(row, issues)
    return home


def _provider(row: _Row, issues: list[_Issue]) -> str:
    name = row.text(row.layout.provider)
    if not name:
        issues.append(_Issue("provider_missing", "is empty: every home needs its provider's name; row skipped",
                             row.layout.provider, ""))
    return name


def _setting_of_type(text: str) -> str | None:
    words = " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("'", "").replace("’", "")).split())
    return next((setting for pattern, setting in SETTING_OF_PROVIDER_TYPE if pattern.search(words)), None)


def _setting(row: _Row, issues: list[_Issue]) -> str | None:
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
        if registered == "childrens_home" and refined in _REFINES_CHILDRENS_HOME:
            return refined
        issues.append(_Issue("setting_types_disagree", f"means {refined} but {row.column(type_header)}="
                             f"{row.text(type_header)} means {registered}; the provider type counts", header,
                             row.text(header), skips=False))
    found = {s for s in named.values() if s}
    if registered is None and len(found) == 1:
        return found.pop()
    return registered or _setting_of_codes(row, issues)


def _setting_of_codes(row: _Row, issues: list[_Issue]) -> str | None:
    column = row.layout.codes
    text = row.text(column)
    found = {setting_of_place(code) for code in re.split(r"[\s,;/]+", text) if code} - {None}
    if len(found) == 1:
        return found.pop()
    if found:
        issues.append(_Issue("setting_codes_disagree", f"name different settings ({', '.join(sorted(found))}); "
                             "row skipped", column, text))
    else:
        types = ", ".join(f"{row.column(h)}={row.text(h) or '(empty)'}" for h in row.layout.types)
        issues.append(_Issue("setting_unknown", f"names no contract setting, and neither does {types}; row skipped",
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


def _la_code(row: _Row, district: str | None, issues: list[_Issue]) -> str | None:
    """By the authority's name; else by the postcode district, saying so; else the row is skipped."""
    column = row.layout.la
    name = row.text(column)
    code = _la_codes_by_name().get(_la_key(name))
    if code:
        return code
    from_district = postcode_districts().at[district, "la_code"] if district else None
    if isinstance(from_district, str) and from_district:
        issues.append(_Issue("la_from_district", f"is not an English upper-tier local authority name; la_code "
                             f"{from_district} is taken from postcode district {district}", column, name,
                             skips=False))
        return from_district
    issues.append(_Issue("la_unknown", "is not an English upper-tier local authority name, and the postcode "
                         "district names none either; row skipped", column, name))
    return None


def _district(row: _Row, issues: list[_Issue]) -> str | None:
    """The postcode's district if it exists; the full postcode is never kept or shown."""
    column = row.layout.postcode
    text = row.text(column)
    district = outward_code(text) if text else None
    if not text:
        issues.append(_Issue("postcode_missing", "is empty: a home needs a location; row skipped", column, ""))
    elif district is None:
        issues.append(_Issue("postcode_malformed", "is not a UK postcode; row skipped", column, "(withheld)"))
    elif district not in postcode_districts().index:
        issues.append(_Issue("district_unknown", "is not a known UK postcode district; row skipped", column,
                             district))
    else:
        return district
    return None


def _specialisms(row: _Row) -> frozenset[str]:
    """A flag is set by any text that does not say no ("Yes", "Blind", …)."""
    return frozenset(NEED_FLAG_SPECIALISMS[header] for header in row.layout.flags
                     if row.text(header).lower() not in _FLAG_NOT_SET)


def _judgement(row: _Row, issues: list[_Issue]) -> str:
    column = row.layout.judgement
    if column is None:  # supported accommodation carries no judgement
        return "unrated"
    text = row.text(column)
    key = " ".join(text.lower().split())
    rating = OFSTED_JUDGEMENTS.get(key)
    if key in _OLDER_JUDGEMENTS:
        issues.append(_Issue("judgement_older", f"is a judgement Ofsted no longer gives; imported as {rating}",
                             column, text, skips=False))
    elif rating is None:
        issues.append(_Issue("judgement_unknown", "is not an Ofsted judgement rcc knows; imported as unrated",
                             column, text, skips=False))
    return rating or "unrated"


def _places(row: _Row, issues: list[_Issue]) -> int | None:
    """Registered places (Max Users, Capacity), or ``None`` when the list does not say."""
    column = row.layout.places
    text = row.text(column)
    if text.isdigit():
        return int(text)
    if text not in ("", "-"):
        issues.append(_Issue("places_unreadable", "is not a whole number, so vacancies are not checked against it",
                             column, text, skips=False))
    return None


def _status(row: _Row, issues: list[_Issue]) -> None:
    """Only registered, active providers are homes; a status not understood is not taken as active."""
    for column in row.layout.statuses:
        text = row.text(column)
        words = set(re.findall(r"[a-z]+", text.lower()))
        if words & CLOSED_STATUS_WORDS:
            issues.append(_Issue("status_closed", "is not registered and active; row skipped", column, text))
        elif text and not words & ACTIVE_STATUS_WORDS:
            issues.append(_Issue("status_unrecognised", "is not a status rcc recognises as registered or active; "
                                 "row skipped", column, text))


# --- the vacancies file ---------------------------------------------------------------------


def _vacancies(source, log: _Log) -> tuple[dict[str, _Given], bool]:
    """Each URN's row of the vacancies file, every bad cell reported; and whether it has resident_ages."""
    label = _name_of(source, "vacancies.csv")
    problems: list[Problem] = []
    try:
        frame = read_text_table(io.BytesIO(_read_bytes(source)), label, problems)
    except OSError as exc:
        problems.append(Problem(label, f"could not be read ({exc.strerror or exc})"))
        frame = None
    for problem in problems:
        log.add("vacancies_unreadable", problem)
    if frame is None:
        return {}, False
    headers = {normalise_header(c): c for c in frame.columns}
    if "urn" not in headers:
        log.add("vacancies_no_urn", Problem(label, "has no 'urn' column: each row must name its home's Ofsted URN"))
        return {}, False
    for name, column in headers.items():
        if name not in ("urn", *VACANCY_COLUMNS):
            log.add("vacancies_column_ignored", Problem(label, f"column '{column}' is not a vacancies-file column "
                                                               "and is ignored", severity="warning"))
    given: dict[str, _Given] = {}
    for position, record in enumerate(frame.to_dict("records")):
        cells = {name: record[column] for name, column in headers.items()}
        if any(cells.values()):
            _vacancy_row(label, position + 2, cells, given, log)
    return given, "resident_ages" in headers


def _vacancy_row(label: str, number: int, cells: dict[str, str], given: dict[str, _Given], log: _Log) -> None:
    urn = cells["urn"]
    if not urn:
        log.add("vacancies_urn_missing", Problem(label, "is required: each row names its home's Ofsted URN", number,
                                                 "urn", ""))
        return
    if urn in given:
        log.add("vacancies_urn_duplicate", Problem(label, f"repeats the URN of row {given[urn].row}", number, "urn",
                                                   urn))
        return
    values, ok = {}, True
    for column in VACANCY_COLUMNS:
        text = cells.get(column, "")
        if not text:
            continue
        value, rule = _parse_given(column, text)
        if rule:
            log.add("vacancies_bad_cell", Problem(label, rule, number, column, text, f"urn={urn}"))
            ok = False
        else:
            values[column] = value
    given[urn] = _Given(label, number, values, ok)


def _parse_given(column: str, text: str) -> tuple[object, str | None]:
    """A vacancies-file cell parsed by the contract's own rules: (value, None) or (None, the rule broken)."""
    if column == "resident_ages":  # residents, unlike children placed, may be care leavers up to 25
        ages = [a.strip() for a in text.split(";") if a.strip()]
        if all(a.isdigit() and int(a) <= _MAX_RESIDENT_AGE for a in ages):
            return ";".join(ages), None
        return None, f"must be whole numbers between 0 and {_MAX_RESIDENT_AGE} separated by semicolons"
    try:
        value = parse_cell(_HOME_SPECS[column], text)
    except CellError as err:
        return None, str(err)
    low, high = _LIMITS.get(column, (None, None))
    if high is not None and not low <= value <= high:
        return None, f"must be between {low} and {high}"
    if low is not None and value < low:
        return None, f"must be >= {low}"
    return value, None


def _check_vacancy_urns(given: dict[str, _Given], first: dict[str, _Row], candidates: list, log: _Log) -> None:
    """A vacancies row must name a provider in the list; one naming a skipped row is said to be unused."""
    homes = {row.urn for row, _ in candidates}
    for urn, entry in given.items():
        if urn not in first:
            log.add("vacancies_unknown_urn", Problem(entry.label, "is not a URN in the provider list", entry.row,
                                                     "urn", urn))
        elif urn not in homes:
            row = first[urn]
            log.add("vacancies_for_skipped_row", Problem(entry.label, f"is unused: its provider row ({row.label} row "
                                                                      f"{row.number}) was skipped", entry.row, "urn",
                                                         urn, severity="warning"))


# --- provider row + vacancies row → home ----------------------------------------------------


def _homes(candidates: list, given: dict[str, _Given], log: _Log) -> tuple[list[dict], Counter]:
    homes, defaulted = [], Counter()
    for row, home in candidates:
        entry = given.get(row.urn)
        defaults = default_values(home["setting"])
        values = {**defaults, **(entry.values if entry else {})}
        if entry and not (entry.ok and _consistent(row, home["places"], entry, values, log)):
            log.skipped["vacancies_file_error"] += 1
            continue
        missing = [c for c in defaults if not entry or c not in entry.values]
        if missing:
            shown = ", ".join(f"{c}={values[c]:g}" if c == "weekly_cost" else f"{c}={values[c]}" for c in missing)
            log.add("defaults_used", Problem(row.label, f"is not given {', '.join(missing)} by the vacancies file; "
                                                        f"defaults used: {shown} (vacancies=0: no vacancy known)",
                                             row.number, key=row.key, severity="warning"))
            defaulted.update(missing)
        homes.append({**home, **values})
    return homes, defaulted


def _consistent(row: _Row, places: int | None, entry: _Given, values: dict, log: _Log) -> bool:
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
        "vacancies_file": _name_of(vacancies, "vacancies.csv") if vacancies is not None else None,
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
