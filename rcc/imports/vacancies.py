"""The commissioner's vacancies file (``docs/vacancies-file.md``): what a provider list cannot say.

Ofsted says where a home is and what it is registered for; only the commissioner knows its free
beds, price and ages today. This file gives those, one row per home keyed by its Ofsted URN. Each
cell is parsed by the contract's own rules for ``homes.csv`` (``rcc.data.schema.parse_cell``), so a
value accepted here is one ``homes.csv`` accepts; every bad cell is reported with its row, column and
URN. ``resident_ages`` alone has its own parser: it is kept as written (``14;15``) and its message
names the ages allowed. Rules joining a row to its provider row (an unknown URN, more vacancies than
registered places) belong to the import, which holds both.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from rcc.data.problems import Problem
from rcc.data.read import read_text_table
from rcc.data.schema import HOMES, MAX_RESIDENT_AGE, CellError, normalise_header, parse_cell
from rcc.imports.sources import source_bytes, source_name

VACANCY_COLUMNS = ("vacancies", "weekly_cost", "min_age", "max_age", "sex", "max_need_level", "block_booked",
                   "resident_ages")
_LIMITS = {"vacancies": (0, None), "weekly_cost": (0, None), "min_age": (0, 17), "max_age": (0, 17),
           "max_need_level": (1, 4), "block_booked": (0, None)}
_HOME_SPECS = {spec.name: spec for spec in HOMES}


@dataclass(frozen=True)
class VacancyRow:
    """The vacancies-file row of one URN: the cells it gives, and whether all of them were valid."""

    label: str
    row: int
    values: dict[str, object]
    ok: bool


AddProblem = Callable[[str, Problem], None]  # records a problem under the short reason it is counted by


def read_vacancies(source, add_problem: AddProblem) -> tuple[dict[str, VacancyRow], bool]:
    """Each URN's row of the vacancies file, every bad cell reported; and whether it has resident_ages."""
    label = source_name(source, "vacancies.csv")
    problems: list[Problem] = []
    try:
        frame = read_text_table(io.BytesIO(source_bytes(source)), label, problems)
    except OSError as exc:
        problems.append(Problem(label, f"could not be read ({exc.strerror or exc})"))
        frame = None
    for problem in problems:
        add_problem("vacancies_unreadable", problem)
    if frame is None:
        return {}, False
    headers = {normalise_header(c): c for c in frame.columns}
    if "urn" not in headers:
        add_problem("vacancies_no_urn",
                    Problem(label, "has no 'urn' column: each row must name its home's Ofsted URN"))
        return {}, False
    for name, column in headers.items():
        if name not in ("urn", *VACANCY_COLUMNS):
            add_problem("vacancies_column_ignored", Problem(label, f"column '{column}' is not a vacancies-file "
                                                                  "column and is ignored", severity="warning"))
    given: dict[str, VacancyRow] = {}
    for position, record in enumerate(frame.to_dict("records")):
        cells = {name: record[column] for name, column in headers.items()}
        if any(cells.values()):
            _vacancy_row(label, position + 2, cells, given, add_problem)
    return given, "resident_ages" in headers


def _vacancy_row(label: str, number: int, cells: dict[str, str], given: dict[str, VacancyRow],
                 add_problem: AddProblem) -> None:
    urn = cells["urn"]
    if not urn:
        add_problem("vacancies_urn_missing", Problem(label, "is required: each row names its home's Ofsted URN",
                                                     number, "urn", ""))
        return
    if urn in given:
        add_problem("vacancies_urn_duplicate", Problem(label, f"repeats the URN of row {given[urn].row}", number,
                                                       "urn", urn))
        return
    values, ok = {}, True
    for column in VACANCY_COLUMNS:
        text = cells.get(column, "")
        if not text:
            continue
        value, rule = _parse_given(column, text)
        if rule:
            add_problem("vacancies_bad_cell", Problem(label, rule, number, column, text, f"urn={urn}"))
            ok = False
        else:
            values[column] = value
    given[urn] = VacancyRow(label, number, values, ok)


def _parse_given(column: str, text: str) -> tuple[object, str | None]:
    """A vacancies-file cell parsed by the contract's own rules: (value, None) or (None, the rule broken)."""
    if column == "resident_ages":  # residents, unlike children placed, may be care leavers up to 25
        ages = [a.strip() for a in text.split(";") if a.strip()]
        if all(a.isdigit() and int(a) <= MAX_RESIDENT_AGE for a in ages):
            return ";".join(ages), None
        return None, f"must be whole numbers between 0 and {MAX_RESIDENT_AGE} separated by semicolons"
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
