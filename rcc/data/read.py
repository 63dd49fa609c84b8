"""Read an instance (a folder of CSV/Parquet/Excel files, or one Excel workbook) into the model.

Every rule of the contract is checked and **all** problems are reported together, so a planner
fixes a file once rather than once per error. Nothing is silently repaired: a cell that breaks a
rule is an error naming its file, row, column, value and rule; a column outside the
contract is a warning and ignored; a column that looks like a personal identifier is refused, and so
is a cell that looks like personal data (its value withheld). Files are read exactly
(:mod:`rcc.data.text_tables`) and within :class:`~rcc.data.limits.Limits`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from rcc.data import geo
from rcc.data.limits import Limits
from rcc.data.personal import FULL_POSTCODE, SAFE_ID, WITHHELD, personal_kind, shown
from rcc.data.problems import InvalidInstance, Problem
from rcc.data.schema import (
    KEYS,
    REQUIRED_TABLES,
    SCHEMAS,
    TABLES,
    CellError,
    normalise_header,
    parse_cell,
    pii_reason,
)
from rcc.data.text_tables import (
    as_text,
    checked_columns,
    open_workbook,
    read_csv_text,
    read_sheet,
    too_many_rows,
    within_size,
)
from rcc.model import FAMILIES, Child, Home, Instance

_EXTENSIONS = (".csv", ".parquet", ".xlsx", ".xls")
_HEADER_ROWS = 1  # spreadsheet row of the header; data row i (0-based) is row i + 2


@dataclass
class Report:
    """The outcome of validating an instance: the instance when valid, and every problem."""

    source: str
    instance: Instance | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        return self.instance is not None and not self.errors


def read_instance(source: str | os.PathLike, limits: Limits | None = None) -> Instance:
    """The instance at ``source``; raises :class:`InvalidInstance` listing every problem."""
    report = validate(source, limits)
    if not report.ok:
        raise InvalidInstance(report.problems)
    return report.instance


def validate(source: str | os.PathLike, limits: Limits | None = None) -> Report:
    """Read and check ``source`` without raising for bad data: the report says what is wrong.
    ``limits`` default to the settings' (:func:`rcc.settings.load_limits`)."""
    source = Path(source)
    problems: list[Problem] = []
    limits = limits or _settings_limits(problems)
    raw = _read_raw_tables(source, problems, limits)
    return validate_tables(raw, name=source.name, problems=problems, source=str(source), limits=limits)


def _settings_limits(problems: list[Problem]) -> Limits:
    """The limits of ``$RCC_SETTINGS`` (or the defaults); a broken settings file is an error, not a traceback."""
    from rcc.settings import load_limits  # rcc.settings reads rcc.data.limits: imported here, not at the top

    try:
        return load_limits()
    except (OSError, ValueError) as exc:
        problems.append(Problem("$RCC_SETTINGS", f"could not be used ({exc})"))
        return Limits()


def validate_tables(
    raw: dict[str, tuple[str, pd.DataFrame]],
    name: str = "",
    problems: list[Problem] | None = None,
    source: str = "",
    limits: Limits | None = None,
) -> Report:
    """Check raw text tables (``table → (file label, DataFrame of str)``) and build the instance.

    This is the entry point for uploads that never touch the disk (the app).
    """
    problems = [] if problems is None else problems
    limits = limits or _settings_limits(problems)
    unreadable = _tables_named(problems)
    for table in REQUIRED_TABLES:
        if table not in raw and table not in unreadable:
            problems.append(Problem(f"{table}.csv", "is required but was not found"))
    within = {}
    for table, (label, frame) in raw.items():
        if len(frame) > limits.rows_for(table):
            problems.append(too_many_rows(label, limits.rows_for(table), limits.rows_name(table)))
        else:
            within[table] = (label, checked_columns(frame, label, problems))
    raw = within
    parsed = {table: _parse_table(table, label, frame, problems) for table, (label, frame) in raw.items()}
    for table, frame in parsed.items():
        _apply_schema(table, frame, raw[table][1], problems)
    if all(t in parsed for t in REQUIRED_TABLES):
        _cross_checks(parsed, problems)
    if any(p.is_error for p in problems):
        return Report(source, None, problems)
    return Report(source, _build_instance(parsed, name), problems)


def _tables_named(problems: list[Problem]) -> set[str]:
    """Tables whose file or sheet already has an error (unreadable, ambiguous, too big): saying it was
    "not found" as well would send the planner looking for a file they have."""
    named = set()
    for problem in problems:
        if problem.is_error:
            label = problem.file
            sheet = label[label.find("[") + 1:-1] if label.endswith("]") and "[" in label else Path(label).stem
            named.add(normalise_header(sheet))
    return named


# --- finding and reading files ------------------------------------------------------------


def _read_raw_tables(source: Path, problems: list[Problem], limits: Limits) -> dict[str, tuple[str, pd.DataFrame]]:
    if source.is_file() and source.suffix.lower() in (".xlsx", ".xls"):
        return read_workbook(source, problems, limits=limits)
    if not source.is_dir():
        problems.append(Problem(str(source), "is not an instance folder or an Excel workbook"))
        return {}
    raw = {}
    for table in TABLES:
        found = [source / f"{table}{ext}" for ext in _EXTENSIONS if (source / f"{table}{ext}").exists()]
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            problems.append(Problem(found[0].name, f"is ambiguous: {names} all exist; keep one"))
            continue
        if found:
            frame = _read_file(found[0], table, problems, limits)
            if frame is not None:
                raw[table] = (found[0].name, frame)
    return raw


def read_workbook(path, problems: list[Problem], label: str | None = None, limits: Limits | None = None) -> dict:
    """Sheets named after the contract's files (``children``, ``homes``, …) of one workbook. Two sheets
    that read as one table (``children`` and ``Children ``) are an error: neither is chosen."""
    label = label or Path(str(path)).name
    limits = limits or _settings_limits(problems)
    if not within_size(path, label, problems, limits) or (books := open_workbook(path, label, problems)) is None:
        return {}
    values, formulas = books
    try:
        sheets: dict[str, list[str]] = {}
        for sheet in values.sheetnames:
            if normalise_header(sheet) in TABLES:
                sheets.setdefault(normalise_header(sheet), []).append(sheet)
        raw = {}
        for table, names in sheets.items():
            if len(names) > 1:
                quoted = " and ".join(f"'{name}'" for name in names)
                problems.append(Problem(f"{label}[{names[0]}]", f"sheets {quoted} both read as the {table} "
                                                                "table; keep one"))
                continue
            sheet_label = f"{label}[{names[0]}]"
            frame = read_sheet(values[names[0]], formulas[names[0]], sheet_label, problems, limits.rows_for(table),
                               limits.rows_name(table))
            if frame is not None:
                raw[table] = (sheet_label, frame)
        return raw
    finally:
        values.close()
        formulas.close()


def read_text_table(file, label: str, problems: list[Problem], limits: Limits | None = None,
                    table: str | None = None) -> pd.DataFrame | None:
    """A CSV path or file as a table of stripped strings; ``None`` (and a problem) if it cannot be read
    exactly or breaks a limit (``table`` names the row limit; by default the largest)."""
    limits = limits or _settings_limits(problems)
    if not within_size(file, label, problems, limits):
        return None
    return read_csv_text(file, label, problems, limits.rows_for(table), limits.rows_name(table))


def _read_file(path: Path, table: str, problems: list[Problem], limits: Limits) -> pd.DataFrame | None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_text_table(path, path.name, problems, limits, table)
    if not within_size(path, path.name, problems, limits):
        return None
    if suffix in (".xlsx", ".xls"):
        if (books := open_workbook(path, path.name, problems)) is None:
            return None
        values, formulas = books
        try:
            return read_sheet(values.worksheets[0], formulas.worksheets[0], path.name, problems,
                              limits.rows_for(table), limits.rows_name(table))
        finally:
            values.close()
            formulas.close()
    try:
        import pyarrow.parquet as pq

        if pq.ParquetFile(path).metadata.num_rows > limits.rows_for(table):
            problems.append(too_many_rows(path.name, limits.rows_for(table), limits.rows_name(table)))
            return None
        frame = pd.read_parquet(path)
    except Exception as exc:  # a corrupt file is a named problem, not a traceback
        problems.append(Problem(path.name, f"could not be read ({exc})"))
        return None
    return checked_columns(as_text(frame), path.name, problems)


# --- parsing ------------------------------------------------------------------------------


def _row(index: int) -> int:
    return index + _HEADER_ROWS + 1


def _key(table: str, frame: pd.DataFrame, index) -> str | None:
    """``key=value`` of a parsed row (refused identifiers are ``None`` there, so never shown)."""
    key = KEYS.get(table)
    if key and key in frame.columns:
        value = frame.at[index, key]
        if isinstance(value, str) and value:
            return f"{key}={value}"
    return None


def _parse_table(table: str, label: str, frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Typed columns (``None`` for empty, unparsable or refused cells), reporting each bad cell."""
    specs = TABLES[table]
    headers = {}
    for column in frame.columns:
        reason = pii_reason(column)
        if reason:
            problems.append(
                Problem(label, f"column '{shown(column)}' refused: it {reason}; rcc takes pseudonymous data "
                               "only, so remove the column before loading", column=None)
            )
            continue
        headers[normalise_header(column)] = column
    known = {s.name for s in specs}
    for header, original in headers.items():
        if header not in known:
            problems.append(Problem(label, f"column '{shown(original)}' is not part of the contract and is ignored",
                                    severity="warning"))
    keys = _row_keys(table, frame, headers)
    parsed = pd.DataFrame(index=frame.index)
    for spec in specs:
        if spec.name not in headers:
            if spec.required:
                problems.append(Problem(label, f"required column '{spec.name}' is missing"))
            parsed[spec.name] = pd.Series([spec.default] * len(frame), index=frame.index, dtype=object)
            continue
        values = []
        for index, text in frame[headers[spec.name]].items():
            key = keys.get(index)
            if text == "":
                if spec.required:
                    problems.append(Problem(label, "is required", _row(index), spec.name, "", key))
                values.append(spec.default)
                continue
            personal = _personal(spec, text)
            if personal:
                problems.append(Problem(label, f"looks like {personal}, which identifies a person; rcc takes "
                                               "pseudonymous data only", _row(index), spec.name, WITHHELD, key))
                values.append(None)
                continue
            try:
                values.append(parse_cell(spec, text))
            except CellError as err:
                problems.append(Problem(label, str(err), _row(index), spec.name, text, key))
                values.append(None)
        parsed[spec.name] = pd.Series(values, index=frame.index, dtype=object)
    parsed.attrs["label"] = label
    return parsed


def _personal(spec, text: str) -> str | None:
    """What personal data a text cell looks like (a name only in an identifier column). A full postcode in
    ``postcode_district`` is left to :func:`_check_location`, which says what to give instead."""
    if spec.kind not in ("id", "str", "tags"):
        return None
    kind = personal_kind(text, identifier=spec.kind == "id")
    if kind == "a full postcode" and spec.name == "postcode_district":
        return None
    return kind


def _row_keys(table: str, frame: pd.DataFrame, headers: dict) -> dict:
    """``key=value`` of each row for messages, for plain identifiers only: one that breaks the identifier
    rule or looks like personal data is never repeated beside every problem of its row."""
    key = KEYS.get(table)
    if key not in headers:
        return {}
    return {index: f"{key}={text}" for index, text in frame[headers[key]].items()
            if SAFE_ID.match(text) and not personal_kind(text, identifier=True)}


def _apply_schema(table: str, frame: pd.DataFrame, text: pd.DataFrame, problems: list[Problem]) -> None:
    """Value rules from the pandera schema, quoting each failing cell as the planner wrote it."""
    if table not in SCHEMAS:
        return
    label = frame.attrs["label"]
    columns = {normalise_header(c): c for c in text.columns}
    try:
        SCHEMAS[table].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for case in cases.itertuples(index=False):
            index = case.index
            rule = "must be unique" if case.check == "field_uniqueness" else case.check
            row = _row(int(index)) if index is not None and index == index else None
            key = _key(table, frame, index) if row is not None else None
            value = text.at[index, columns[case.column]] if row is not None else case.failure_case
            problems.append(Problem(label, rule, row, case.column, value, key))


# --- rules that join columns and tables ---------------------------------------------------


def _cross_checks(parsed: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    children, homes = parsed["children"], parsed["homes"]
    child_ids = set(children["child_id"].dropna())
    home_ids = set(homes["home_id"].dropna())
    for table in ("children", "homes"):
        frame = parsed[table]
        _check_la_codes(table, frame, problems)
        _check_location(table, frame, problems)
    for index, row in homes.iterrows():
        key = _key("homes", homes, index)
        label = homes.attrs["label"]
        if _both(row, "min_age", "max_age") and 0 <= row["max_age"] < row["min_age"] <= 17:
            problems.append(Problem(label, f"must be <= max_age ({row['max_age']})", _row(index), "min_age",
                                    row["min_age"], key))
        # Compared only when each value is itself valid, so one bad cell gives one error.
        if _both(row, "block_booked", "vacancies") and 0 <= row["vacancies"] < row["block_booked"]:
            problems.append(Problem(label, f"must be <= vacancies ({row['vacancies']})", _row(index),
                                    "block_booked", row["block_booked"], key))
    _check_sibling_groups(children, problems)
    _check_alongside(children, problems)
    _check_reserved(children, homes, problems)
    if "separations" in parsed:
        frame = parsed["separations"]
        label = frame.attrs["label"]
        for index, row in frame.iterrows():
            for column in ("child_a", "child_b"):
                if row[column] is not None and row[column] not in child_ids:
                    problems.append(Problem(label, "names a child not in children.csv", _row(index), column,
                                            row[column]))
            if row["child_a"] is not None and row["child_a"] == row["child_b"]:
                problems.append(Problem(label, "separates a child from itself", _row(index), "child_b",
                                        row["child_b"]))
    if "travel" in parsed:
        frame = parsed["travel"]
        label = frame.attrs["label"]
        seen = {}
        # Plain tuples, not iterrows: a travel table has a row per pair, often tens of thousands.
        for index, child, home in zip(frame.index, frame["child_id"], frame["home_id"], strict=True):
            if child is not None and child not in child_ids:
                problems.append(Problem(label, "names a child not in children.csv", _row(index), "child_id", child))
            if home is not None and home not in home_ids:
                problems.append(Problem(label, "names a home not in homes.csv", _row(index), "home_id", home))
            pair = (child, home)
            if pair in seen:
                problems.append(Problem(label, f"repeats the pair of row {seen[pair]}", _row(index), "home_id",
                                        home, f"child_id={child}"))
            seen.setdefault(pair, _row(index))


def _both(row, a: str, b: str) -> bool:
    return row[a] is not None and row[b] is not None


def _check_la_codes(table: str, frame: pd.DataFrame, problems: list[Problem]) -> None:
    known = geo.local_authorities().index
    label = frame.attrs["label"]
    for index, code in frame["la_code"].items():
        if code is not None and code not in known:
            problems.append(Problem(label, "is not an English upper-tier local authority (ONS GSS code)",
                                    _row(index), "la_code", code, _key(table, frame, index)))


def _check_location(table: str, frame: pd.DataFrame, problems: list[Problem]) -> None:
    """Each row needs ``lat`` and ``lon``, or a known ``postcode_district`` (never a full postcode)."""
    districts = geo.postcode_districts().index
    label = frame.attrs["label"]
    for index, row in frame.iterrows():
        key = _key(table, frame, index)
        district = row["postcode_district"]
        if district is not None:
            if FULL_POSTCODE.match(district):
                problems.append(Problem(label, "looks like a full postcode, which identifies a household; "
                                        "give only the district (outward code, e.g. M14)", _row(index),
                                        "postcode_district", "(withheld)", key))
            elif geo.normalise_district(district) not in districts:
                problems.append(Problem(label, "is not a known UK postcode district", _row(index),
                                        "postcode_district", district, key))
        has_lat, has_lon = row["lat"] is not None, row["lon"] is not None
        if has_lat != has_lon:
            missing = "lon" if has_lat else "lat"
            problems.append(Problem(label, "is required when the other coordinate is given", _row(index),
                                    missing, "", key))
        elif not has_lat and district is None:
            problems.append(Problem(label, "is required when lat/lon are not given", _row(index),
                                    "postcode_district", "", key))


def _check_sibling_groups(children: pd.DataFrame, problems: list[Problem]) -> None:
    label = children.attrs["label"]
    grouped = children.dropna(subset=["sibling_group"]).groupby("sibling_group")
    for group, members in grouped:
        codes = sorted(set(members["la_code"].dropna()))
        if len(codes) > 1:
            first = members.index[0]
            problems.append(Problem(label, f"spans responsible authorities {', '.join(codes)}; check the group",
                                    _row(first), "sibling_group", group, severity="warning"))


def _check_reserved(children: pd.DataFrame, homes: pd.DataFrame, problems: list[Problem]) -> None:
    """A family or friends carer is approved for a particular child or sibling group: ``reserved_for``
    must name one, or the carer would silently take nobody."""
    known = set(children["child_id"].dropna()) | set(children["sibling_group"].dropna())
    label = homes.attrs["label"]
    for index, reserved in homes["reserved_for"].items():
        if reserved is not None and reserved not in known:
            problems.append(Problem(label, "names no child_id or sibling_group of children.csv", _row(index),
                                    "reserved_for", reserved, _key("homes", homes, index)))


def _check_alongside(children: pd.DataFrame, problems: list[Problem]) -> None:
    """``solo=true`` and an ``alongside`` that lets others in contradict each other; a child
    unsuitable for every setting family can never be placed (allowed, but worth a warning)."""
    label = children.attrs["label"]
    solo = children["solo"].map(lambda value: value is True)
    for index in children.index[solo & children["alongside"].isin(["older_only", "younger_only", "with_others"])]:
        problems.append(Problem(label, "contradicts solo=true (a solo child lives with nobody)", _row(index),
                                "alongside", children.at[index, "alongside"], _key("children", children, index)))
    unsuitable = pd.concat([children[f"suitability_{f}"].eq("unsuitable") for f in FAMILIES], axis=1).all(axis=1)
    for index in children.index[unsuitable]:
        problems.append(Problem(label, "every setting family is unsuitable, so no home can take this child",
                                _row(index), "suitability_supported", "unsuitable", _key("children", children, index),
                                severity="warning"))


# --- building the model -------------------------------------------------------------------


def _locate(row) -> tuple[float, float, str | None]:
    district = geo.normalise_district(row["postcode_district"]) if row["postcode_district"] else None
    if row["lat"] is not None:
        return float(row["lat"]), float(row["lon"]), district
    centroid = geo.postcode_districts().loc[district]
    return float(centroid["lat"]), float(centroid["lon"]), district


def _build_instance(parsed: dict[str, pd.DataFrame], name: str) -> Instance:
    children = []
    for _, row in parsed["children"].iterrows():
        lat, lon, district = _locate(row)
        children.append(Child(
            child_id=row["child_id"], la_code=row["la_code"], lat=lat, lon=lon, age=row["age"],
            sex=row["sex"], need_level=row["need_level"], needs=row["needs"],
            sibling_group=row["sibling_group"], solo=row["solo"],
            max_distance_km=float(row["max_distance_km"]), postcode_district=district,
            urgency=row["urgency"], suitability_foster=row["suitability_foster"],
            suitability_residential=row["suitability_residential"],
            suitability_supported=row["suitability_supported"], alongside=row["alongside"],
        ))
    homes = []
    for _, row in parsed["homes"].iterrows():
        lat, lon, district = _locate(row)
        homes.append(Home(
            home_id=row["home_id"], provider=row["provider"], setting=row["setting"], la_code=row["la_code"],
            lat=lat, lon=lon, vacancies=row["vacancies"], min_age=row["min_age"], max_age=row["max_age"],
            sex=row["sex"], max_need_level=row["max_need_level"], specialisms=row["specialisms"],
            weekly_cost=float(row["weekly_cost"]), ofsted=row["ofsted"], block_booked=row["block_booked"],
            postcode_district=district, resident_ages=row["resident_ages"], sector=row["sector"],
            owner=row["owner"], reserved_for=row["reserved_for"],
        ))
    separations = ()
    if "separations" in parsed:
        separations = tuple((a, b) for a, b in parsed["separations"][["child_a", "child_b"]].itertuples(index=False))
    travel = {}
    if "travel" in parsed:
        for child_id, home_id, km in parsed["travel"][["child_id", "home_id", "km"]].itertuples(index=False):
            travel[(child_id, home_id)] = float(km)
    return Instance(tuple(children), tuple(homes), separations, travel, name=name)
