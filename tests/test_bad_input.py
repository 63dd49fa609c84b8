"""Bad input is a named error in every entry point — ``rcc validate``, ``rcc solve`` and the app's upload —
never a traceback, never a silent default, and never an echo of a value that looks like personal data."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import openpyxl
import pytest

from rcc.cli import main
from rcc.data.limits import Limits
from rcc.exit_codes import EXIT_INVALID
from rcc.settings import load_limits
from tests.conftest import CHILDREN_CSV, HOMES_CSV, SEPARATIONS_CSV, TRAVEL_CSV

FILES = {"children": CHILDREN_CSV, "homes": HOMES_CSV, "separations": SEPARATIONS_CSV, "travel": TRAVEL_CSV}


@dataclass(frozen=True)
class Case:
    """A bad instance: its files (name → bytes), a fragment its error must contain, a value that must never
    be shown, and ``[limits]`` of a settings file to read it under."""

    files: dict[str, bytes]
    expected: str
    secret: str | None = None
    limits: str = ""


def _csv(table: str = "", old: str = "", new: str = "") -> dict[str, bytes]:
    """The valid test instance as CSV files, with ``old`` replaced by ``new`` (once) in ``table``."""
    files = dict(FILES)
    if table:
        assert old in files[table], f"test setup: {old!r} not in {table}"
        files[table] = files[table].replace(old, new, 1)
    return {f"{name}.csv": text.encode() for name, text in files.items()}


def _workbook(sheets: dict[str, str], formula: tuple[str, str, str] | None = None) -> dict[str, bytes]:
    """One workbook of CSV texts as sheets; ``formula`` = (sheet, cell, formula) written with no saved value."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, text in sheets.items():
        sheet = book.create_sheet(name)
        for line in text.strip("\n").split("\n"):
            sheet.append(line.split(","))
    if formula:
        book[formula[0]][formula[1]] = formula[2]  # openpyxl saves no calculated value: Excel never ran it
    buffer = io.BytesIO()
    book.save(buffer)
    return {"region.xlsx": buffer.getvalue()}


def _with_column(header: str, value: str) -> dict[str, bytes]:
    """children.csv with one more column, ``value`` on every row."""
    lines = CHILDREN_CSV.strip("\n").split("\n")
    text = "\n".join([f"{lines[0]},{header}", *(f"{line},{value}" for line in lines[1:])]) + "\n"
    return {**_csv(), "children.csv": text.encode()}


def _semicolons() -> dict[str, bytes]:
    text = CHILDREN_CSV.replace(",", ";").replace("53.4468", "53,4468").replace("-2.2250", "-2,2250")
    return {**_csv(), "children.csv": text.encode()}


_ROW_1 = "C1,E08000003,53.4468,-2.2250,,9,F,1,,G1,false,"
CASES = {
    "trailing comma on the first data row": Case(
        _csv("children", _ROW_1, _ROW_1 + ","), "children.csv row 2: has 13 fields but the header has 12"),
    "missing field": Case(_csv("homes", ",good,1", ",good"), "homes.csv row 2: has 15 fields but the header has 16"),
    "semicolons and decimal commas": Case(_semicolons(), "children.csv: is separated by ';', rcc reads comma-separated"),
    "child_id twice": Case(_with_column("child_id", "X1"), "columns 'child_id' and 'child_id' both read as 'child_id'"),
    "age and Age": Case(_with_column("Age", "12"), "columns 'age' and 'Age' both read as 'age'"),
    "max_distance_km and Max Distance KM": Case(
        _with_column("Max Distance KM", "5"),
        "columns 'max_distance_km' and 'Max Distance KM' both read as 'max_distance_km'"),
    "sheets children and 'Children '": Case(
        _workbook({"children": CHILDREN_CSV, "Children ": CHILDREN_CSV, "homes": HOMES_CSV}),
        "region.xlsx[children]: sheets 'children' and 'Children ' both read as the children table; keep one"),
    "formula with no saved value": Case(
        _workbook({"children": CHILDREN_CSV, "homes": HOMES_CSV}, ("homes", "P2", "=1+1")),
        "region.xlsx[homes] row 2: block_booked=(empty) holds a formula with no saved value; open the workbook"),
    "formula that failed": Case(
        _workbook({"children": CHILDREN_CSV, "homes": HOMES_CSV.replace("Test Provider", "#REF!", 1)}),
        "region.xlsx[homes] row 2: provider=#REF! is an Excel error: fix the formula or type the value"),
    "travel over the row limit": Case(
        _csv("travel", "C3,H2,12.5\n", "C3,H2,12.5\nC1,H1,3\n"),
        "travel.csv: has more than 1 rows, the limit (max_travel_rows)", limits="max_travel_rows = 1"),
    "file over the size limit": Case(
        _csv(), f"homes.csv: is {len(HOMES_CSV.encode())} bytes, over the 300 bytes limit (max_file_bytes); check it",
        limits="max_file_bytes = 300"),
    **{f"child_id {bad}": Case(_csv("children", "C1,E08", f'"{bad.replace(chr(34), 2 * chr(34))}",E08'),
                               "child_id=" + bad + " must be letters, digits, '-', '_' or '.', starting with a "
                               "letter or digit")
       for bad in ('=HYPERLINK("x")', "+1", "-1", "@SUM(A1)")},
    "home_id =1+1": Case(_csv("homes", "H1,Test", "=1+1,Test"), "home_id==1+1 must be letters, digits"),
    "sibling_group @x": Case(_csv("children", ",G1,false", ",@x,false"), "sibling_group=@x must be letters"),
    "separations child_a -C1": Case(_csv("separations", "C1,C3", "-C1,C3"), "child_a=-C1 must be letters"),
    **{f"header {header}": Case(_with_column(header, "x"), f"column '{header}' refused: it looks like {reason}")
       for header, reason in (("DateOfBirth", "a date of birth"), ("DoB", "a date of birth"),
                              ("AddressLine1", "an address"), ("Postcode1", "a full postcode"),
                              ("pupil_number", "a pupil number"), ("pupil_no", "a pupil number"),
                              ("nhs_no", "an NHS number"), ("NHSNumber", "an NHS number"))},
    **{f"child_id is {kind}": Case(
        _csv("children", "C1,E08", f"{value},E08"),
        f"children.csv row 2: child_id=(withheld) looks like {kind}, which identifies a person", secret=value)
       for value, kind in (("M14 5AB", "a full postcode"), ("2011-04-05", "a date"), ("05/04/2011", "a date"),
                           ("5 April 2011", "a date"), ("943 476 5919", "an NHS number"),
                           ("9434765919", "an NHS number"), ("A123456789012", "a unique pupil number (UPN)"),
                           ("Jane Smith", "a person's name"))},
    "travel child_id is a date": Case(_csv("travel", "C3,H2", "2011-04-05,H2"),
                                      "travel.csv row 2: child_id=(withheld) looks like a date", secret="2011-04-05"),
    "la_code is a postcode": Case(_csv("children", "C1,E08000003", "C1,M14 5AB"),
                                  "la_code=(withheld) looks like a full postcode", secret="M14 5AB"),
    "age is a date of birth": Case(_csv("children", "-2.2250,,9,F", "-2.2250,,2011-04-05,F"),
                                   "age=(withheld) must be a whole number", secret="2011-04-05"),
}


def _write(case: Case, tmp_path):
    """(the path rcc reads — a folder, or the workbook — and the settings file)."""
    folder = tmp_path / "instance"
    folder.mkdir()
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    settings = tmp_path / "settings.toml"
    settings.write_text(f"[limits]\n{case.limits}\n")
    workbook = [name for name in case.files if name.endswith(".xlsx")]
    return (folder / workbook[0] if workbook else folder), settings


def _check_output(case: Case, text: str) -> None:
    assert case.expected in text, text
    assert "Traceback" not in text
    if case.secret:
        assert case.secret not in text


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_rcc_validate_names_the_bad_input_and_exits_2(case, tmp_path, capsys):
    """``rcc validate`` lists the named error and exits 2."""
    source, settings = _write(case, tmp_path)
    assert main(["validate", str(source), "--settings", str(settings)]) == EXIT_INVALID
    out = capsys.readouterr()
    _check_output(case, out.out + out.err)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_rcc_solve_names_the_bad_input_and_solves_nothing(case, tmp_path, capsys):
    """``rcc solve`` refuses the same input with the same error (exit 2) and writes no plan."""
    source, settings = _write(case, tmp_path)
    out = tmp_path / "out"
    assert main(["solve", str(source), "--out", str(out), "--settings", str(settings)]) == EXIT_INVALID
    captured = capsys.readouterr()
    _check_output(case, captured.out + captured.err)
    assert not out.exists()


@dataclass
class _Upload:
    """What Streamlit's file_uploader hands the page."""

    name: str
    data: bytes

    def getvalue(self) -> bytes:
        return self.data


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_app_upload_names_the_bad_input_and_loads_nothing(case, tmp_path, monkeypatch):
    """The app's upload report carries the same error (limits from $RCC_SETTINGS) and loads nothing."""
    from rcc.app.pages.data import upload_report

    _, settings = _write(case, tmp_path)
    monkeypatch.setenv("RCC_SETTINGS", str(settings))
    report, problems = upload_report([_Upload(name, data) for name, data in case.files.items()])
    assert not report.ok and report.instance is None
    _check_output(case, "\n".join(problems["problem"]) + "\n".join(problems["value"]))


def test_workers_over_the_limit_is_a_named_error_in_solve_and_sweep(tmp_path, capsys):
    """``--workers 100`` is refused before anything runs, naming the limit and how to raise it."""
    folder = tmp_path / "instance"
    folder.mkdir()
    for name, data in _csv().items():
        (folder / name).write_bytes(data)
    for command in (["solve", str(folder), "--out", str(tmp_path / "a")],
                    ["sweep", str(folder), "--out", str(tmp_path / "b")]):
        assert main([*command, "--workers", "100"]) == EXIT_INVALID
        err = capsys.readouterr().err
        assert "--workers=100 must be <= 16 (the max_workers limit; raise it under [limits]" in err, err
    settings = tmp_path / "settings.toml"
    settings.write_text("[limits]\nmax_workers = 2\n")
    assert main(["solve", str(folder), "--out", str(tmp_path / "c"), "--workers", "3", "--settings",
                 str(settings)]) == EXIT_INVALID
    assert "--workers=3 must be <= 2" in capsys.readouterr().err


def test_limits_come_from_the_settings_file_and_are_checked(tmp_path):
    """``[limits]`` overrides the defaults; an unknown key or a non-positive value is named."""
    settings = tmp_path / "settings.toml"
    settings.write_text("[limits]\nmax_rows = 10\n")
    assert load_limits(settings) == Limits(max_rows=10)
    for body, fragment in (("max_row = 10", "unknown [limits] key(s) max_row"),
                           ("max_rows = 0", "max_rows=0 must be a whole number >= 1")):
        settings.write_text(f"[limits]\n{body}\n")
        with pytest.raises(ValueError, match=re.escape(fragment)):
            load_limits(settings)


def test_a_huge_travel_file_is_refused_before_it_is_read(tmp_path):
    """A travel.csv over the size limit is refused from its size alone, in well under a second."""
    import time

    from rcc.data import validate

    folder = tmp_path / "instance"
    folder.mkdir()
    for name, data in _csv().items():
        (folder / name).write_bytes(data)
    with open(folder / "travel.csv", "ab") as f:
        f.truncate(60_000_000)  # a sparse 60 MB file: big on paper, instant to make
    started = time.perf_counter()
    report = validate(folder)
    assert time.perf_counter() - started < 1
    assert any("travel.csv: is 60.0 MB, over the 50.0 MB limit" in str(p) for p in report.errors)


def test_legitimate_values_are_not_mistaken_for_personal_data():
    """Districts, LA codes, tags, numbers and plain identifiers are not personal data."""
    from rcc.data.personal import personal_kind

    for text in ("M14", "E08000003", "autism;therapeutic", "53.4468", "650.0", "C00001", "H00001", "G1", "10;12",
                 "self_harm", "9434765918"):  # the last fails the NHS number's check digit
        assert personal_kind(text, identifier=True) is None, text
    assert personal_kind("Test Provider") is None  # a provider is two capitalised words too


def test_a_campaign_of_corrupted_instances_is_all_rejected_without_a_crash_or_a_leak():
    """Five corrupted instances of each kind: every one rejected, none crashes, none shows personal data."""
    from tests.bad_input_campaign import KINDS, run

    counts = run(5 * len(KINDS), seed=1)
    assert set(counts) == set(KINDS)
    bad = {kind: dict(count) for kind, count in counts.items() if set(count) != {"rejected"}}
    assert not bad, bad
