"""Reading and validating instances: every contract rule gives a named error, all at once."""

from __future__ import annotations

import pandas as pd
import pytest

from rcc.data import InvalidInstance, read_instance, validate, write_instance
from rcc.data.read import read_workbook
from tests.conftest import CHILDREN_CSV, HOMES_CSV, SEPARATIONS_CSV, TRAVEL_CSV, write_files


def _broken(tmp_path, table: str, old: str, new: str, **extra):
    files = {"children": CHILDREN_CSV, "homes": HOMES_CSV, "separations": SEPARATIONS_CSV, "travel": TRAVEL_CSV}
    assert old in files[table], f"test setup: {old!r} not in {table}"
    files[table] = files[table].replace(old, new, 1)
    files.update(extra)
    return validate(write_files(tmp_path / "broken", **files))


def _messages(report) -> list[str]:
    return [str(p) for p in report.errors]


def test_valid_instance_reads_with_defaults_and_normalised_values(valid_folder):
    """Empty cells take the contract's defaults; tags, sex, setting and ofsted are normalised."""
    instance = read_instance(valid_folder)
    c1, c2, _ = instance.children
    assert c1.max_distance_km == 80.0 and c1.needs == frozenset() and c1.solo is False
    assert c2.needs == {"self_harm", "going_missing"} and c2.max_distance_km == 60.0
    assert c2.postcode_district == "M14" and c2.lat == pytest.approx(53.4468, abs=1e-3)
    h1, h2 = instance.homes
    assert h2.setting == "childrens_home" and h2.ofsted == "outstanding" and h2.block_booked == 0
    assert h1.block_booked == 1 and h1.sex == "any"
    assert instance.separations == (("C1", "C3"),)
    assert instance.travel[("C3", "H2")] == 12.5
    assert instance.sibling_groups == {"G1": ("C1", "C2")}


# Each row: the table to break, text to replace, its replacement, and the exact message expected.
RULES = [
    ("children", "C2,E08000003", "C1,E08000003", "children.csv row 3 (child_id=C1): child_id=C1 must be unique"),
    ("children", "C1,E08000003", "C1,E99999999",
     "children.csv row 2 (child_id=C1): la_code=E99999999 is not an English upper-tier local authority"),
    ("children", ",M14,", ",ZZ99,", "children.csv row 3 (child_id=C2): postcode_district=ZZ99 is not a known UK"),
    ("children", "-2.2250,,9,F", "-2.2250,,18,F", "children.csv row 2 (child_id=C1): age=18 must be between 0 and 17"),
    ("children", "-2.2250,,9,F", "-2.2250,,nine,F", "children.csv row 2 (child_id=C1): age=nine must be a whole number"),
    ("children", "9,F,1", "9,X,1", "children.csv row 2 (child_id=C1): sex=X must be one of F, M"),
    ("children", "9,F,1,", "9,F,5,", "children.csv row 2 (child_id=C1): need_level=5 must be between 1 and 4"),
    ("children", "G1,no,60", "G1,maybe,60", "children.csv row 3 (child_id=C2): solo=maybe must be true/false"),
    ("children", "G1,no,60", "G1,no,0", "children.csv row 3 (child_id=C2): max_distance_km=0 must be > 0"),
    ("children", "G1,no,60", "G1,no,far", "children.csv row 3 (child_id=C2): max_distance_km=far must be a number"),
    ("children", "53.4875,-2.2901", "53.4875,", "children.csv row 4 (child_id=C3): lon=(empty) is required when"),
    ("children", "53.4875,-2.2901", ",", "children.csv row 4 (child_id=C3): postcode_district=(empty) is required"),
    ("children", "53.4468,-2.2250", "95.0,-2.2250", "children.csv row 2 (child_id=C1): lat=95.0 must be between"),
    ("children", "C1,E08000003", ",E08000003", "children.csv row 2: child_id=(empty) is required"),
    ("homes", "H2,Test", "H1,Test", "homes.csv row 3 (home_id=H1): home_id=H1 must be unique"),
    ("homes", ",2,0,17,", ",-1,0,17,", "homes.csv row 2 (home_id=H1): vacancies=-1 must be >= 0"),
    ("homes", ",2,0,17,", ",2,12,7,", "homes.csv row 2 (home_id=H1): min_age=12 must be <= max_age (7)"),
    ("homes", ",2,0,17,", ",2,0,19,", "homes.csv row 2 (home_id=H1): max_age=19 must be between 0 and 17"),
    ("homes", "17,any,2", "17,both,2", "homes.csv row 2 (home_id=H1): sex=both must be one of any, F, M"),
    ("homes", "17,any,2", "17,any,0", "homes.csv row 2 (home_id=H1): max_need_level=0 must be between 1 and 4"),
    ("homes", "Test Provider,foster", "Test Provider,hotel", "homes.csv row 2 (home_id=H1): setting=hotel must be one"),
    ("homes", "650,good", "-5,good", "homes.csv row 2 (home_id=H1): weekly_cost=-5 must be >= 0"),
    ("homes", "650,good", "650,excellent", "homes.csv row 2 (home_id=H1): ofsted=excellent must be one of"),
    ("homes", "good,1", "good,3", "homes.csv row 2 (home_id=H1): block_booked=3 must be <= vacancies (2)"),
    ("homes", "good,1", "good,-1", "homes.csv row 2 (home_id=H1): block_booked=-1 must be >= 0"),
    ("homes", "H1,Test Provider", ",Test Provider", "homes.csv row 2: home_id=(empty) is required"),
    ("separations", "C1,C3", "C1,C9", "separations.csv row 2: child_b=C9 names a child not in children.csv"),
    ("separations", "C1,C3", "C1,C1", "separations.csv row 2: child_b=C1 separates a child from itself"),
    ("travel", "C3,H2,12.5", "C3,H9,12.5", "travel.csv row 2: home_id=H9 names a home not in homes.csv"),
    ("travel", "C3,H2,12.5", "C7,H2,12.5", "travel.csv row 2: child_id=C7 names a child not in children.csv"),
    ("travel", "C3,H2,12.5", "C3,H2,-3", "travel.csv row 2: km=-3 must be >= 0"),
    ("travel", "C3,H2,12.5\n", "C3,H2,12.5\nC3,H2,13\n", "travel.csv row 3 (child_id=C3): home_id=H2 repeats"),
]


@pytest.mark.parametrize(("table", "old", "new", "expected"), RULES, ids=[r[3][:60] for r in RULES])
def test_each_contract_rule_names_file_row_column_value_and_rule(tmp_path, table, old, new, expected):
    """A row breaking one rule yields an error message that locates and explains it."""
    report = _broken(tmp_path, table, old, new)
    assert not report.ok and report.instance is None
    assert any(m.startswith(expected) for m in _messages(report)), _messages(report)


def test_all_problems_are_reported_together(tmp_path):
    """Several broken cells across files are all listed in one report, not one at a time."""
    children = CHILDREN_CSV.replace("9,F,1", "99,X,7", 1)
    homes = HOMES_CSV.replace(",2,0,17,", ",-1,0,17,", 1)
    folder = write_files(tmp_path / "many", children=children, homes=homes, separations="child_a,child_b\nC1,C8\n")
    with pytest.raises(InvalidInstance) as caught:
        read_instance(folder)
    messages = [str(p) for p in caught.value.problems]
    for fragment in ("age=99", "sex=X", "need_level=7", "vacancies=-1", "child_b=C8"):
        assert any(fragment in m for m in messages), (fragment, messages)


def test_missing_required_file_and_column_are_named(tmp_path):
    """A missing homes.csv and a missing required column are both errors."""
    children = CHILDREN_CSV.replace(",need_level", ",level", 1)
    report = validate(write_files(tmp_path / "x", children=children))
    messages = _messages(report)
    assert "homes.csv: is required but was not found" in messages
    assert "children.csv: required column 'need_level' is missing" in messages


def test_sibling_group_spanning_authorities_is_a_warning_not_an_error(tmp_path):
    """Siblings from two responsible LAs are allowed but flagged."""
    report = _broken(tmp_path, "children", "C2,E08000003", "C2,E08000006")
    assert report.ok
    assert any("sibling_group=G1 spans responsible authorities" in str(p) for p in report.warnings)


def test_unknown_column_is_a_warning_and_ignored(tmp_path):
    """An extra, harmless column is reported but does not stop the read."""
    children = CHILDREN_CSV.replace("max_distance_km\n", "max_distance_km,keyworker_team\n", 1)
    children = children.replace("false,\n", "false,,A\n", 1).replace("60\n", "60,\n", 1).replace("80\n", "80,\n", 1)
    report = validate(write_files(tmp_path / "x", children=children, homes=HOMES_CSV))
    assert report.ok
    assert [str(p) for p in report.warnings] == [
        "children.csv: column 'keyworker_team' is not part of the contract and is ignored"
    ]


@pytest.mark.parametrize(
    ("column", "reason"),
    [
        ("name", "person's name"),
        ("Surname", "person's name"),
        ("first_name", "person's name"),
        ("DOB", "date of birth"),
        ("date_of_birth", "date of birth"),
        ("postcode", "full postcode"),
        ("Home Postcode", "full postcode"),
        ("NHS_number", "NHS number"),
        ("UPN", "pupil number"),
        ("address_line_1", "address"),
    ],
)
def test_pii_guard_refuses_identifier_columns_and_says_why(tmp_path, column, reason):
    """Columns that look like personal identifiers are refused with the reason."""
    children = CHILDREN_CSV.replace("max_distance_km\n", f"max_distance_km,{column}\n", 1)
    report = validate(write_files(tmp_path / "x", children=children, homes=HOMES_CSV))
    assert not report.ok
    (problem,) = [p for p in report.errors if "refused" in str(p)]
    assert f"column '{column}' refused" in str(problem) and reason in str(problem)
    assert "pseudonymous" in str(problem)


def test_pii_guard_allows_contract_and_harmless_columns():
    """``postcode_district`` and an LA name are not personal identifiers."""
    from rcc.data.schema import pii_reason

    assert pii_reason("postcode_district") is None
    assert pii_reason("la_name") is None
    assert pii_reason("provider") is None
    assert pii_reason("child_id") is None


def test_full_postcode_in_district_column_is_refused_and_not_echoed(tmp_path):
    """A full postcode is personal data: refused, and the value is withheld from the message."""
    report = _broken(tmp_path, "children", ",M14,", ",M14 5AB,")
    (problem,) = [p for p in report.errors if "full postcode" in str(p)]
    assert "5AB" not in str(problem) and "(withheld)" in str(problem)


def test_csv_round_trip_gives_an_equal_instance(valid_folder, tmp_path):
    """Writing an instance and reading it back changes nothing."""
    instance = read_instance(valid_folder)
    again = read_instance(write_instance(instance, tmp_path / "again"))
    assert again.replace(name="") == instance.replace(name="")


def test_parquet_and_excel_folders_read_like_csv(valid_folder, tmp_path):
    """The same tables as Parquet or Excel files give the same instance."""
    expected = read_instance(valid_folder).replace(name="")
    for ext, writer in ((".parquet", "to_parquet"), (".xlsx", "to_excel")):
        folder = tmp_path / ext.strip(".")
        folder.mkdir()
        for path in valid_folder.glob("*.csv"):
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
            target = folder / (path.stem + ext)
            getattr(table, writer)(target, index=False) if ext == ".xlsx" else table.to_parquet(target)
        assert read_instance(folder).replace(name="") == expected


def test_one_excel_workbook_with_sheets_named_after_files(valid_folder, tmp_path):
    """A single workbook with children/homes/... sheets is a whole instance."""
    workbook = tmp_path / "region.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        for path in valid_folder.glob("*.csv"):
            pd.read_csv(path, dtype=str, keep_default_na=False).to_excel(writer, sheet_name=path.stem, index=False)
    assert read_instance(workbook).replace(name="") == read_instance(valid_folder).replace(name="")
    problems = []
    assert set(read_workbook(workbook, problems)) == {"children", "homes", "separations", "travel"}


def test_unreadable_files_are_named_problems_not_tracebacks(tmp_path):
    """Binary junk and non-UTF-8 text give a problem naming the file."""
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "children.csv").write_bytes("child_id\n\xe9l\xe8ve\n".encode("latin-1"))
    (folder / "homes.xlsx").write_bytes(b"not a workbook")
    messages = _messages(validate(folder))
    assert any(m.startswith("children.csv: is not UTF-8") for m in messages)
    assert any(m.startswith("homes.xlsx: could not be read") for m in messages)


def test_ambiguous_duplicate_formats_are_refused(valid_folder):
    """children.csv beside children.parquet is ambiguous and named, not silently chosen."""
    pd.read_csv(valid_folder / "children.csv").to_parquet(valid_folder / "children.parquet")
    assert any("is ambiguous" in m for m in _messages(validate(valid_folder)))


def test_headers_are_matched_ignoring_case_spaces_and_camel_case(tmp_path):
    """``ChildId`` and ``Max Distance KM`` are the contract's ``child_id`` and ``max_distance_km``."""
    children = CHILDREN_CSV.replace("child_id,", "ChildId,", 1).replace(",max_distance_km", ",Max Distance KM", 1)
    instance = read_instance(write_files(tmp_path / "x", children=children, homes=HOMES_CSV))
    assert [c.child_id for c in instance.children] == ["C1", "C2", "C3"]
    assert [c.max_distance_km for c in instance.children] == [80.0, 60.0, 80.0]


def test_row_numbers_are_spreadsheet_rows_after_blank_lines_and_multi_line_cells(tmp_path):
    """A blank line and a quoted cell over two lines are each one spreadsheet row, as Excel shows them."""
    homes = HOMES_CSV.replace("Test Provider,foster", '"Test\nProvider",foster', 1).replace("\nH2,", "\n\nH2,", 1)
    homes = homes.replace(",3,8,17,F", ",-3,8,17,F", 1)
    report = validate(write_files(tmp_path / "x", children=CHILDREN_CSV, homes=homes))
    assert "homes.csv row 4 (home_id=H2): vacancies=-3 must be >= 0" in _messages(report)


def test_a_date_typed_into_an_excel_id_cell_is_refused_and_withheld(valid_folder, tmp_path):
    """Excel stores a typed date as a date; as a child_id it is refused and never shown."""
    import datetime as dt

    workbook = tmp_path / "region.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        for name in ("children", "homes"):
            table = pd.read_csv(valid_folder / f"{name}.csv", dtype=str, keep_default_na=False).astype(object)
            if name == "children":
                table.loc[0, "child_id"] = dt.datetime(2011, 4, 5)
            table.to_excel(writer, sheet_name=name, index=False)
    report = validate(workbook)
    assert "region.xlsx[children] row 2: child_id=(withheld) looks like a date, which identifies a person; " \
           "rcc takes pseudonymous data only" in _messages(report)
    assert not any("2011" in str(p) for p in report.problems)


def test_the_identifier_columns_are_the_ones_the_personal_data_guard_treats_as_identifiers():
    """A name is refused in exactly the columns parsed as identifiers (two lists that must agree)."""
    from rcc.data.personal import ID_COLUMNS, SAFE_ID
    from rcc.data.schema import TABLES

    assert {spec.name for specs in TABLES.values() for spec in specs if spec.kind == "id"} == ID_COLUMNS
    assert SAFE_ID.match("C1") and not SAFE_ID.match("C1\n") and not SAFE_ID.match("C" * 65)


def test_a_workbook_that_understates_its_used_range_is_read_whole(valid_folder, tmp_path):
    """Some writers record the used range as A1; every row is still read, none silently dropped."""
    import re
    import zipfile

    workbook = tmp_path / "region.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        for name in ("children", "homes"):
            pd.read_csv(valid_folder / f"{name}.csv", dtype=str, keep_default_na=False).to_excel(
                writer, sheet_name=name, index=False)
    understated = tmp_path / "understated.xlsx"
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(understated, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
            target.writestr(item, data)
    assert len(read_instance(understated).children) == 3
