"""A seeded campaign of corrupted instances: each must be rejected with named errors — no crash, no
acceptance, no echo of a value that looks like personal data.

Every corruption starts from a small valid instance (``fixtures/tiny/combined-six-children-four-homes``,
all four files) and breaks one rule the contract *requires* be refused: the file's shape (ragged rows,
another separator, duplicate or case-variant headers, ambiguous sheets, formulas with no saved value
or an Excel error, files or tables over the limits), identifiers (formula-looking or unsafe), personal data (in headers
and in cells), and the cell and table rules (types, ranges, choices, codes, references, uniqueness).
Kinds are taken in turn, so every kind is exercised; the seed picks the table, row, column and value.

    python -m tests.bad_input_campaign --cases 1000
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from rcc.data.limits import Limits
from rcc.data.read import validate

BASE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny" / "combined-six-children-four-homes"
TABLES = ("children", "homes", "separations", "travel")
ID_COLUMNS = {"children": ("child_id", "sibling_group"), "homes": ("home_id",), "separations": ("child_a", "child_b"),
              "travel": ("child_id", "home_id")}
PERSONAL = ("M14 5AB", "SW1A1AA", "2011-04-05", "05/04/2011", "5 April 2011", "943 476 5919", "9434765919",
            "A123456789012")
NAMES = ("Jane Smith", "Mohammed Khan", "Mary-Jane O'Neil")


@dataclass
class Tables:
    """The instance as editable text: table → [header, *rows]."""

    rows: dict[str, list[list[str]]]

    @classmethod
    def base(cls) -> Tables:
        return cls({t: [row for row in csv.reader(io.StringIO((BASE / f"{t}.csv").read_text()))] for t in TABLES})

    def column(self, table: str, name: str) -> int:
        return self.rows[table][0].index(name)

    def set(self, rng: random.Random, table: str, column: str, value: str) -> None:
        """Put ``value`` in ``column`` of a random data row of ``table``."""
        rows = self.rows[table]
        rows[rng.randrange(1, len(rows))][self.column(table, column)] = value

    def files(self) -> dict[str, bytes]:
        return {f"{t}.csv": _csv(rows).encode() for t, rows in self.rows.items()}

    def workbook(self, sheet_names: dict[str, str] | None = None, formula: tuple | None = None) -> dict[str, bytes]:
        """One workbook; ``formula`` = (table, row, column) holding a formula with no saved value."""
        book = openpyxl.Workbook()
        book.remove(book.active)
        for table, rows in self.rows.items():
            sheet = book.create_sheet((sheet_names or {}).get(table, table))
            for r, row in enumerate(rows):
                sheet.append([f"=1+{r}" if formula and (table, r, c) == formula else v for c, v in enumerate(row)])
        buffer = io.BytesIO()
        book.save(buffer)
        return {"region.xlsx": buffer.getvalue()}


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@dataclass
class Corrupted:
    """One corrupted instance: its files, the limits to read it under, and a value never to be shown."""

    kind: str
    files: dict[str, bytes]
    limits: Limits = Limits()
    secret: str | None = None


def _table(rng) -> str:
    return rng.choice(TABLES)


# --- the file's shape ---------------------------------------------------------------------


def ragged_extra(rng, t: Tables):
    table = _table(rng)
    t.rows[table][rng.randrange(1, len(t.rows[table]))].append("")  # a trailing comma
    return t.files()


def ragged_missing(rng, t: Tables):
    table = _table(rng)
    t.rows[table][rng.randrange(1, len(t.rows[table]))].pop()
    return t.files()


def other_separator(rng, t: Tables):
    table = _table(rng)
    delimiter = rng.choice([";", "\t"])
    rows = [[v.replace(".", ",") if delimiter == ";" else v for v in row] for row in t.rows[table]]  # decimal commas
    return {**t.files(), f"{table}.csv": _csv(rows, delimiter).encode()}


def decimal_comma(rng, t: Tables):
    table, column = rng.choice([("children", "lat"), ("children", "lon"), ("homes", "weekly_cost"), ("travel", "km")])
    t.set(rng, table, column, rng.choice(["53,48", "800,50", "-2,24", "10,5"]))
    return t.files()


def duplicate_header(rng, t: Tables):
    table = _table(rng)
    c = rng.randrange(len(t.rows[table][0]))
    for row in t.rows[table]:
        row.append(row[c])
    return t.files()


def case_variant_header(rng, t: Tables):
    table = rng.choice(["children", "homes"])
    c = rng.randrange(len(t.rows[table][0]))
    name = t.rows[table][0][c]
    variant = rng.choice([name.upper(), name.title(), name.replace("_", " ").title(), f" {name} ",
                          "".join(w.title() for w in name.split("_"))])
    for r, row in enumerate(t.rows[table]):
        row.append(variant if r == 0 else row[c])
    return t.files()


def ambiguous_sheets(rng, t: Tables):
    table = rng.choice(["children", "homes", "travel"])
    files = t.workbook()
    book = openpyxl.load_workbook(io.BytesIO(files["region.xlsx"]))
    copy = book.copy_worksheet(book[table])
    # Sheet names are unique ignoring case (openpyxl, like Excel, renames CHILDREN to CHILDREN1), so the
    # variants that reach a planner differ in spaces and punctuation.
    copy.title = rng.choice([f"{table.title()} ", f" {table}", f"{table}_", f"{table.title()}."])
    buffer = io.BytesIO()
    book.save(buffer)
    return {"region.xlsx": buffer.getvalue()}


def formula_without_value(rng, t: Tables):
    table = _table(rng)
    rows = t.rows[table]
    return t.workbook(formula=(table, rng.randrange(1, len(rows)), rng.randrange(len(rows[0]))))


def excel_error(rng, t: Tables):
    table = _table(rng)
    t.set(rng, table, rng.choice(t.rows[table][0]), rng.choice(["#N/A", "#REF!", "#DIV/0!", "#VALUE!"]))
    return t.workbook()


def over_row_limit(rng, t: Tables):
    table = rng.choice(["children", "homes", "travel"])
    rows = len(t.rows[table]) - 1
    limits = Limits(max_travel_rows=rows - 1) if table == "travel" else Limits(max_rows=rows - 1)
    return t.files(), limits


def over_size_limit(rng, t: Tables):
    files = t.files()
    name = rng.choice(list(files))
    return files, Limits(max_file_bytes=len(files[name]) - 1)


def not_utf8(rng, t: Tables):
    table = rng.choice(["children", "homes"])
    t.set(rng, table, "la_code", "Caf\u00e9")
    return {**t.files(), f"{table}.csv": _csv(t.rows[table]).encode("latin-1")}


def empty_file(rng, t: Tables):
    return {**t.files(), f"{rng.choice(['children', 'homes'])}.csv": b""}


# --- identifiers and personal data ----------------------------------------------------------


def formula_identifier(rng, t: Tables):
    table = _table(rng)
    value = rng.choice(["=", "+", "-", "@"]) + rng.choice(['HYPERLINK("http://x")', "1", "SUM(A1)", "C1", "1+1"])
    t.set(rng, table, rng.choice(ID_COLUMNS[table]), value)
    return t.files()


def unsafe_identifier(rng, t: Tables):
    table = _table(rng)
    t.set(rng, table, rng.choice(ID_COLUMNS[table]), rng.choice(["C 1", "C/1", "C1!", "_C1", ".C1", "C" * 65]))
    return t.files()


def personal_header(rng, t: Tables):
    table = rng.choice(["children", "homes"])
    header = rng.choice(["DateOfBirth", "DoB", "AddressLine1", "Postcode1", "pupil_number", "pupil_no", "nhs_no",
                         "NHSNumber", "UPN", "FirstName", "Surname", "Email", "full_name"])
    for r, row in enumerate(t.rows[table]):
        row.append(header if r == 0 else "x")
    return t.files()


def personal_identifier(rng, t: Tables):
    table = _table(rng)
    secret = rng.choice(PERSONAL + NAMES)
    t.set(rng, table, rng.choice(ID_COLUMNS[table]), secret)
    return t.files(), secret


def personal_text(rng, t: Tables):
    table, column = rng.choice([("children", "la_code"), ("homes", "la_code"), ("homes", "provider"),
                                ("children", "needs"), ("homes", "specialisms")])
    secret = rng.choice(PERSONAL)
    t.set(rng, table, column, secret)
    return t.files(), secret


def personal_number_cell(rng, t: Tables):
    table, column = rng.choice([("children", "age"), ("children", "need_level"), ("homes", "vacancies")])
    secret = rng.choice(["2011-04-05", "05/04/2011", "M14 5AB", "A123456789012"])
    t.set(rng, table, column, secret)
    return t.files(), secret


def full_postcode_district(rng, t: Tables):
    table = rng.choice(["children", "homes"])
    secret = rng.choice(["M14 5AB", "M145AB", "BL9 0SW"])
    for r, row in enumerate(t.rows[table]):
        row.append("postcode_district" if r == 0 else "")
    t.set(rng, table, "postcode_district", secret)
    return t.files(), secret


# --- the contract's cell and table rules ----------------------------------------------------


def wrong_type(rng, t: Tables):
    table, column = rng.choice([("children", "age"), ("children", "need_level"), ("children", "lat"),
                                ("children", "solo"), ("homes", "vacancies"), ("homes", "weekly_cost"),
                                ("homes", "min_age"), ("travel", "km")])
    whole = column in ("age", "need_level", "vacancies", "min_age")  # where 1.5 is of the wrong type too
    t.set(rng, table, column, rng.choice(["nine", "abc", "n/a", "?", *(["1.5"] if whole else [])]))
    return t.files()


def out_of_range(rng, t: Tables):
    table, column, value = rng.choice([
        ("children", "age", "18"), ("children", "age", "-1"), ("children", "need_level", "5"),
        ("children", "need_level", "0"), ("children", "lat", "95"), ("children", "lon", "-181"),
        ("children", "max_distance_km", "0"), ("homes", "vacancies", "-1"), ("homes", "max_age", "19"),
        ("homes", "weekly_cost", "-5"), ("homes", "max_need_level", "7"), ("travel", "km", "-1"),
        ("children", "max_distance_km", "inf")])
    t.set(rng, table, column, value)
    return t.files()


def bad_choice(rng, t: Tables):
    table, column, value = rng.choice([("children", "sex", "X"), ("homes", "setting", "hotel"),
                                       ("homes", "ofsted", "great"), ("homes", "sex", "both")])
    t.set(rng, table, column, value)
    return t.files()


def unknown_la_code(rng, t: Tables):
    t.set(rng, rng.choice(["children", "homes"]), "la_code", rng.choice(["E99999999", "W06000001", "manchester"]))
    return t.files()


def missing_column(rng, t: Tables):
    table, column = rng.choice([("children", c) for c in ("child_id", "la_code", "age", "sex", "need_level")]
                               + [("homes", c) for c in ("home_id", "provider", "setting", "vacancies", "min_age",
                                                         "max_age", "max_need_level", "weekly_cost")]
                               + [("travel", "km"), ("separations", "child_b")])
    c = t.column(table, column)
    for row in t.rows[table]:
        del row[c]
    return t.files()


def missing_table(rng, t: Tables):
    files = t.files()
    del files[rng.choice(["children.csv", "homes.csv"])]
    return files


def empty_required_cell(rng, t: Tables):
    table, column = rng.choice([("children", "child_id"), ("children", "age"), ("children", "sex"),
                                ("homes", "home_id"), ("homes", "provider"), ("homes", "vacancies"),
                                ("travel", "km"), ("separations", "child_a")])
    t.set(rng, table, column, "")
    return t.files()


def duplicate_identifier(rng, t: Tables):
    table, column = rng.choice([("children", "child_id"), ("homes", "home_id")])
    rows = t.rows[table]
    a, b = rng.sample(range(1, len(rows)), 2)
    rows[b][t.column(table, column)] = rows[a][t.column(table, column)]
    return t.files()


def unknown_reference(rng, t: Tables):
    table, column = rng.choice([("separations", "child_a"), ("separations", "child_b"), ("travel", "child_id"),
                                ("travel", "home_id")])
    t.set(rng, table, column, "Z99")
    return t.files()


def contradictory_row(rng, t: Tables):
    rows = t.rows["homes"]
    row = rows[rng.randrange(1, len(rows))]
    if rng.random() < 0.5:
        row[t.column("homes", "min_age")], row[t.column("homes", "max_age")] = "15", "10"
    else:
        row[t.column("homes", "vacancies")], row[t.column("homes", "block_booked")] = "1", "2"
    return t.files()


def repeated_pair(rng, t: Tables):
    rows = t.rows[rng.choice(["travel"])]
    rows.append(list(rows[rng.randrange(1, len(rows))]))
    return t.files()


def self_separation(rng, t: Tables):
    rows = t.rows["separations"]
    rows[1][1] = rows[1][0]
    return t.files()


KINDS = {f.__name__: f for f in (
    ragged_extra, ragged_missing, other_separator, decimal_comma, duplicate_header, case_variant_header,
    ambiguous_sheets, formula_without_value, excel_error, over_row_limit, over_size_limit, not_utf8, empty_file,
    formula_identifier, unsafe_identifier, personal_header, personal_identifier, personal_text, personal_number_cell,
    full_postcode_district, wrong_type, out_of_range, bad_choice, unknown_la_code, missing_column, missing_table,
    empty_required_cell, duplicate_identifier, unknown_reference, contradictory_row, repeated_pair, self_separation)}


def corrupted(n: int, seed: int = 0):
    """``n`` corrupted instances, the kinds in turn, the details drawn from ``seed``."""
    rng = random.Random(seed)
    kinds = list(KINDS)
    for i in range(n):
        kind = kinds[i % len(kinds)]
        made = KINDS[kind](rng, Tables.base())
        files, extra = (made, None) if isinstance(made, dict) else made
        if isinstance(extra, Limits):
            yield Corrupted(kind, files, limits=extra)
        else:
            yield Corrupted(kind, files, secret=extra)


def outcome(case: Corrupted) -> str:
    """``rejected`` (the contract holds), ``accepted``, ``crashed`` (an exception) or ``leaked`` (rejected,
    but a problem shows the personal value)."""
    with tempfile.TemporaryDirectory() as folder:
        for name, data in case.files.items():
            (Path(folder) / name).write_bytes(data)
        source = Path(folder) / "region.xlsx" if "region.xlsx" in case.files else Path(folder)
        try:
            report = validate(source, case.limits)
            shown = "\n".join(f"{p} {p.value} {p.key}" for p in report.problems)
        except Exception:  # the campaign counts crashes rather than stopping at the first
            return "crashed"
    if report.ok:
        return "accepted"
    if case.secret and case.secret in shown:
        return "leaked"
    return "rejected"


def run(n: int, seed: int = 0) -> dict[str, Counter]:
    """Outcome counts by kind."""
    counts: dict[str, Counter] = {}
    for case in corrupted(n, seed):
        counts.setdefault(case.kind, Counter())[outcome(case)] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    counts = run(args.cases, args.seed)
    columns = ("rejected", "accepted", "crashed", "leaked")
    print(f"{'kind':26} {'cases':>6} " + " ".join(f"{c:>9}" for c in columns))
    for kind, count in counts.items():
        print(f"{kind:26} {sum(count.values()):>6} " + " ".join(f"{count[c]:>9}" for c in columns))
    total = sum(counts.values(), Counter())
    print(f"{'total':26} {sum(total.values()):>6} " + " ".join(f"{total[c]:>9}" for c in columns))


if __name__ == "__main__":
    main()
