"""The optional homes columns for the provider market and kinship care: named errors, and absent = no effect."""

from __future__ import annotations

from rcc.data import read_instance, validate, write_instance
from tests.conftest import CHILDREN_CSV, HOMES_CSV, write_files

EXTENDED = HOMES_CSV.replace("block_booked\n", "block_booked,sector,owner,reserved_for\n", 1)
ROW1 = "650,good,1\n"
ROW2 = "4200.5,Outstanding,\n"


def _homes(row1: str, row2: str) -> str:
    return EXTENDED.replace(ROW1, ROW1[:-1] + row1 + "\n", 1).replace(ROW2, ROW2[:-1] + row2 + "\n", 1)


def _errors(tmp_path, homes: str) -> list[str]:
    return [str(p) for p in validate(write_files(tmp_path / "x", children=CHILDREN_CSV, homes=homes)).errors]


def test_sector_owner_and_reserved_for_are_read_and_written_back(tmp_path):
    homes = _homes(",Local_Authority,Manchester City Council,G1", ",private,Big Care Group plc,")
    instance = read_instance(write_files(tmp_path / "x", children=CHILDREN_CSV, homes=homes))
    h1, h2 = instance.homes
    assert (h1.sector, h1.owner, h1.reserved_for) == ("local_authority", "Manchester City Council", "G1")
    assert (h2.sector, h2.owner, h2.reserved_for) == ("private", "Big Care Group plc", None)
    assert read_instance(write_instance(instance, tmp_path / "again")).replace(name="") == instance.replace(name="")


def test_without_the_columns_nothing_is_known_and_nothing_is_reserved(tmp_path):
    instance = read_instance(write_files(tmp_path / "x", children=CHILDREN_CSV, homes=HOMES_CSV))
    assert all(h.sector is None and h.owner is None and h.reserved_for is None for h in instance.homes)


def test_an_unknown_sector_is_a_named_error(tmp_path):
    assert _errors(tmp_path, _homes(",charity,,", ",,,")) == [
        "homes.csv row 2 (home_id=H1): sector=charity must be one of local_authority, private, voluntary"]


def test_reserved_for_must_name_a_child_or_sibling_group(tmp_path):
    assert _errors(tmp_path, _homes(",,,C9", ",,,C3")) == [
        "homes.csv row 2 (home_id=H1): reserved_for=C9 names no child_id or sibling_group of children.csv"]


def test_reserved_for_is_an_identifier_so_formulas_and_names_are_refused(tmp_path):
    errors = _errors(tmp_path, _homes(",,,=C1", ",,,Jane_Smith"))
    assert len(errors) >= 2 and "Jane_Smith" not in " ".join(errors)
    assert any("row 2" in e and "reserved_for" in e and "must be letters, digits" in e for e in errors)
