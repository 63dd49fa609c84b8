"""``rcc import-ofsted``: Ofsted provider lists (2025 and older layouts) and a vacancies file → homes.csv.

Test workbooks are built from the invented sample rows of ``tests/data/ssda903-fake`` (real headers,
owner names, telephone numbers and full postcodes included), with the cells under test replaced.
"""

from __future__ import annotations

import io
import json
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

from rcc.cli import EXIT_INVALID, EXIT_OK, main
from rcc.data.read import validate
from rcc.imports.ofsted import import_ofsted, write_homes

SAMPLES = Path(__file__).parent / "data" / "ssda903-fake"
CH_FAKE, SCP_2025 = SAMPLES / "ch_fake.xlsx", SAMPLES / "scp_ch_2025_fake.xlsx"

FLAGS_NO = {flag: "No" for flag in ("Emotional and behavioural difficulties", "Mental disorders", "Sensory impairment",
                                    "Present alcohol problems", "Present drug problems", "Learning difficulty",
                                    "Physical disabilities")}
CHILDRENS_HOME = {"URN": "SC100001", "Local authority": "Manchester", "Provider type": "Children's home",
                  "Provider subtype": "Children's home", "Provider name": "Northern Homes Ltd",
                  "Registration status": "Registered", "Placement code": "K2", "Provider postcode": "M14 5AB",
                  "Overall effectiveness": "Good", "Number of registered places": "4", **FLAGS_NO}
SUPPORTED = {"URN": "SA200001", "Setting Local Authority": "Manchester", "Provider name": "Step Up Living",
             "Registration status": "Registered", "Setting status": "Active", "Capacity": "3",
             "Setting address postcode": "M14 6ZZ"}
OLDER = {"URN": "SC300001", "Local Authority": "Trafford", "Provider Type": "Children's Home",
         "Provider Subtype": "Children's Home", "Setting Name": "Elm House", "Provider Status": "Active",
         "Provider Placement Code": "K2", "Max Users": "5", "Overall Effectiveness": "Outstanding",
         "Setting Address Postcode": "M33 7AA", **{k.title(): v for k, v in FLAGS_NO.items()}}
# what the sample rows hold that must never reach an output
PERSONAL = ("Person Name", "Provision Holdings", "111222", "provider@provision.co.uk", "01323 555 555",
            "email@address.com", "email@sa.co.uk", "11111666333", "RT2 3RJ", "RT1 4RT", "bn20 8jx", "M14 5AB",
            "M14 6ZZ", "M33 7AA", "10 Road")


@lru_cache
def _template(path: Path, sheet: str) -> dict:
    """The sample sheet's one invented row, every column as text."""
    return pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False).iloc[0].to_dict()


def _providers(**cells) -> dict:
    return {**_template(SCP_2025, "Providers"), **CHILDRENS_HOME, **_cells(cells)}


def _supported(**cells) -> dict:
    return {**_template(SCP_2025, "SA Providers"), **SUPPORTED, **_cells(cells)}


def _older(**cells) -> dict:
    return {**_template(CH_FAKE, "Provider information"), **OLDER, **_cells(cells)}


def _cells(cells: dict) -> dict:
    """``Provider_type="x"`` → ``{"Provider type": "x"}``: keyword names stand for headers with spaces."""
    return {name.replace("_", " "): value for name, value in cells.items()}


def _workbook(**sheets: list[dict]) -> io.BytesIO:
    """An in-memory .xlsx with one sheet per keyword (``SA_Providers`` → "SA Providers"), as an upload."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, rows in sheets.items():
            pd.DataFrame(rows).to_excel(writer, sheet_name=name.replace("_", " "), index=False)
    buffer.name = "providers.xlsx"
    return buffer


def _vacancies(text: str) -> io.BytesIO:
    buffer = io.BytesIO(text.encode("utf-8"))
    buffer.name = "vacancies.csv"
    return buffer


def _import(providers=(), sa=(), older=(), vacancies: str | None = None):
    sheets = {"Providers": list(providers), "SA_Providers": list(sa), "Provider_information": list(older)}
    workbook = _workbook(**{name: rows for name, rows in sheets.items() if rows})
    return import_ofsted(workbook, vacancies=_vacancies(vacancies) if vacancies is not None else None)


def _messages(result, severity: str | None = None) -> list[str]:
    return [str(p) for p in result.problems if severity in (None, p.severity)]


def _home(result, urn: str) -> dict:
    homes = result.homes.set_index("home_id", drop=False)
    assert urn in homes.index, _messages(result)
    return homes.loc[urn].to_dict()


# --- the sample workbooks -----------------------------------------------------------------------


def test_older_sample_reports_its_contradictory_subtype_and_keeps_the_registered_type():
    """ch_fake: type "Childrens Home" but subtype "Local Fostering" is reported and the registered type counts;
    the conditions sheet is named as skipped; East Sussex and BN20 are real, so neither is a problem."""
    result = import_ofsted(CH_FAKE)
    messages = _messages(result)
    assert any("ch_fake.xlsx[Registration Conditions]: is not an Ofsted provider list and was skipped" in m
               for m in messages)
    assert ("ch_fake.xlsx[Provider information] row 2 (urn=njascn): Provider Subtype=Local Fostering means foster "
            "but Provider Type=Childrens Home means childrens_home; the provider type counts") in messages
    assert result.summary["sheets"]["Provider information"]["rows_read"] == 1
    assert result.summary["skipped_by_reason"] == {}
    assert not _messages(result, "error")
    home = _home(result, "njascn")
    assert (home["setting"], home["postcode_district"], home["vacancies"]) == ("childrens_home", "BN20", 0)


def test_older_sample_row_with_a_clear_type_becomes_a_home_in_bn20():
    """The same row with its subtype agreeing: BN20 in East Sussex, Max Users "-" (unknown, so any vacancies),
    Overall Effectiveness "-" (unrated), every need flag "-" (no specialisms)."""
    row = {**_template(CH_FAKE, "Provider information"), "Provider Subtype": "Children's home"}
    result = _import(older=[row], vacancies="urn,vacancies\nnjascn,7\n")
    home = _home(result, "njascn")
    assert (home["postcode_district"], home["la_code"], home["setting"]) == ("BN20", "E10000011", "childrens_home")
    assert (home["vacancies"], home["ofsted"], home["specialisms"], home["provider"]) == (7, "unrated", "", "The Setting")
    assert result.ok, _messages(result)


def test_2025_sample_reports_unknown_districts_odd_judgements_and_closed_settings():
    """scp 2025: RT1 and P05 are no UK districts, "Excellent" is no judgement, status "No" is not active."""
    result = import_ofsted(SCP_2025)
    messages = _messages(result, "warning")
    providers, sa = "scp_ch_2025_fake.xlsx[Providers] row 2 (urn=1)", "scp_ch_2025_fake.xlsx[SA Providers] row 2 (urn=2)"
    assert f"{providers}: Provider postcode=RT1 is not a known UK postcode district; row skipped" in messages
    assert f"{providers}: Overall effectiveness=Excellent is not an Ofsted judgement rcc knows; imported as unrated" in messages
    assert f"{sa}: Setting address postcode=P05 is not a known UK postcode district; row skipped" in messages
    assert f"{sa}: Registration status=No is not registered and active; row skipped" in messages
    assert f"{sa}: Setting status=No is not registered and active; row skipped" in messages
    summary = result.summary
    assert summary["rows_read"] == 2 and summary["homes"] == 0 and summary["rows_skipped"] == 2
    assert summary["skipped_by_reason"] == {"district_unknown": 2, "la_unknown": 2, "status_closed": 1}
    assert summary["warnings_by_reason"]["judgement_unknown"] == 1


def test_cli_on_the_2025_sample_writes_a_report_and_exits_2(tmp_path, capsys):
    """Nothing importable: exit 2, every problem on stderr, the report written, homes.csv not."""
    out = tmp_path / "homes.csv"
    assert main(["import-ofsted", str(SCP_2025), "--out", str(out)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "WARNING: " in err and "ERROR: " in err and "Traceback" not in err
    assert not out.exists()
    report = pd.read_csv(tmp_path / "homes_report.csv", dtype=str, keep_default_na=False)
    assert list(report.columns) == ["file", "sheet", "row", "column", "value", "rule", "severity", "key"]
    assert set(report["file"]) == {SCP_2025.name}
    summary = json.loads((tmp_path / "homes_report.json").read_text())
    assert summary["homes_written"] == 0 and summary["rows_read"] >= 1
    _assert_nothing_personal(tmp_path)


# --- a clean import, end to end -----------------------------------------------------------------

GOOD_VACANCIES = """urn,vacancies,weekly_cost,min_age,max_age,sex,max_need_level,block_booked,resident_ages
SC100001,2,5200,8,17,any,3,1,14;15
SC100002,3,,,,,,,
SC100003,1,9000,10,17,M,4,0,
SA200001,2,1100,16,17,F,2,0,
"""
CHILDREN = """child_id,la_code,postcode_district,age,sex,need_level,needs
C1,E08000003,M14,12,F,2,mental_health
C2,E08000003,M14,16,F,1,
C3,E08000003,M1,8,M,1,
C4,E08000003,M14,15,M,4,
"""


def _good_workbook() -> io.BytesIO:
    return _workbook(
        Providers=[
            _providers(Emotional_and_behavioural_difficulties="Yes", Mental_disorders="Yes"),
            _providers(URN="SC100002", Provider_type="Independent fostering agency", Provider_subtype="",
                       Provider_name="Kind Hearts Fostering", Placement_code="U1,U2,U3,U4,U5,U6",
                       Provider_postcode="M1 1AA", Overall_effectiveness="Outstanding", Number_of_registered_places="-"),
            _providers(URN="SC100003", Provider_subtype="Secure children's home", Local_authority="manchester",
                       Provider_name="Hillside Secure", Provider_postcode="M14 7XY", Number_of_registered_places="2",
                       Overall_effectiveness="Requires improvement to be good"),
        ],
        SA_Providers=[_supported()],
        Provider_information=[_older(Physical_Disabilities="Yes")],
    )


def test_good_rows_in_both_layouts_become_a_valid_instance_that_solves(tmp_path, capsys):
    """Five good rows (2025 Providers, SA Providers, older layout) and a vacancies file: homes.csv plus a
    small children.csv pass the contract's validation, and ``rcc solve`` exits 0."""
    result = import_ofsted(_good_workbook(), vacancies=_vacancies(GOOD_VACANCIES))
    assert result.ok, _messages(result, "error")
    assert sorted(result.homes["home_id"]) == ["SA200001", "SC100001", "SC100002", "SC100003", "SC300001"]
    folder = tmp_path / "instance"
    write_homes(result, folder / "homes.csv", tmp_path / "report.csv")
    (folder / "children.csv").write_text(CHILDREN, encoding="utf-8")
    report = validate(folder)
    assert report.ok, [str(p) for p in report.errors]
    assert main(["solve", str(folder), "--out", str(tmp_path / "solved"), "--time-limit", "5",
                 "--db", f"sqlite:///{tmp_path}/rcc.db"]) == EXIT_OK
    assignments = pd.read_csv(tmp_path / "solved" / "assignments.csv", dtype=str, keep_default_na=False)
    assert (assignments["home_id"] != "").sum() == 4
    capsys.readouterr()


def test_good_rows_map_every_field(tmp_path):
    """What each provider row and vacancies row becomes, column by column."""
    result = import_ofsted(_good_workbook(), vacancies=_vacancies(GOOD_VACANCIES))
    home = _home(result, "SC100001")
    assert home == {"home_id": "SC100001", "provider": "Northern Homes Ltd", "setting": "childrens_home",
                    "la_code": "E08000003", "postcode_district": "M14", "vacancies": 2, "min_age": 8, "max_age": 17,
                    "sex": "any", "max_need_level": 3, "specialisms": "emotional_behavioural;mental_health",
                    "weekly_cost": 5200.0, "ofsted": "good", "block_booked": 1, "resident_ages": "14;15",
                    "sector": "private", "owner": "Provision LLC"}
    foster = _home(result, "SC100002")
    assert (foster["setting"], foster["vacancies"], foster["weekly_cost"], foster["max_need_level"]) == ("foster", 3, 820, 2)
    assert (_home(result, "SC100003")["setting"], _home(result, "SC100003")["ofsted"]) == ("secure", "requires_improvement")
    supported = _home(result, "SA200001")
    assert (supported["setting"], supported["ofsted"], supported["sex"]) == ("semi_independent", "unrated", "F")
    older = _home(result, "SC300001")
    assert (older["la_code"], older["postcode_district"], older["specialisms"]) == ("E08000009", "M33", "disability")


def test_cli_writes_homes_report_and_summary_and_nothing_personal(tmp_path, capsys):
    """Exit 0; homes.csv, homes_report.csv and homes_report.json beside it; no owner, phone, e-mail or
    full postcode in any of them."""
    workbook, vacancies = tmp_path / "providers.xlsx", tmp_path / "vacancies.csv"
    workbook.write_bytes(_good_workbook().getvalue())
    vacancies.write_text(GOOD_VACANCIES, encoding="utf-8")
    out = tmp_path / "out" / "homes.csv"
    code = main(["import-ofsted", str(workbook), "--vacancies", str(vacancies), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == EXIT_OK, captured.err
    assert "wrote 5 home(s)" in captured.out
    homes = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(homes.columns)[:14] == ["home_id", "provider", "setting", "la_code", "postcode_district", "vacancies",
                                        "min_age", "max_age", "sex", "max_need_level", "specialisms", "weekly_cost",
                                        "ofsted", "block_booked"]
    summary = json.loads((tmp_path / "out" / "homes_report.json").read_text())
    assert summary["homes_written"] == 5 and summary["sheets"]["SA Providers"]["rows_read"] == 1
    assert summary["defaulted_columns"]["vacancies"] == 1  # SC300001 has no vacancies row
    report = pd.read_csv(tmp_path / "out" / "homes_report.csv", dtype=str, keep_default_na=False)
    assert set(report["severity"]) == {"warning"}
    _assert_nothing_personal(tmp_path / "out")


def _assert_nothing_personal(folder: Path) -> None:
    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8").lower()
        for value in PERSONAL:
            assert value.lower() not in text, f"{value!r} leaked into {path.name}"


# --- each mapping -------------------------------------------------------------------------------


@pytest.mark.parametrize(("provider_type", "subtype", "setting"), [
    ("Children's home", "", "childrens_home"),
    ("Childrens Home", "Secure children's home", "secure"),
    ("Children's home", "Residential special school", "residential_school"),
    ("Residential School", "", "residential_school"),
    ("Independent Fostering Agency", "", "foster"),
    ("", "Local Fostering", "foster"),
])
def test_setting_from_provider_type_text(provider_type, subtype, setting):
    """Type and subtype text decide first, whatever the placement code says; a subtype may make a children's
    home more specific."""
    row = _providers(Provider_type=provider_type, Provider_subtype=subtype, Placement_code="Z1")
    assert _home(_import([row]), "SC100001")["setting"] == setting


@pytest.mark.parametrize(("codes", "setting"), [("U1,U2,U3,U4,U5,U6", "foster"), ("H5", "semi_independent"),
                                                ("K1", "secure"), ("S1", "residential_school")])
def test_setting_from_placement_codes_when_the_type_says_nothing(codes, setting):
    row = _providers(Provider_type="Provider", Provider_subtype="Type 1", Placement_code=codes)
    assert _home(_import([row]), "SC100001")["setting"] == setting


@pytest.mark.parametrize(("codes", "reason", "rule"), [
    ("K2,U4", "setting_codes_disagree", "Placement code=K2,U4 name different settings (childrens_home, foster); row skipped"),
    ("A3", "setting_unknown", "Placement code=A3 names no contract setting, and neither does Provider type=Provider, "
                              "Provider subtype=Type 1; row skipped"),
])
def test_unknown_or_contradictory_setting_skips_the_row(codes, reason, rule):
    result = _import([_providers(Provider_type="Provider", Provider_subtype="Type 1", Placement_code=codes)])
    assert result.homes.empty
    assert f"providers.xlsx[Providers] row 2 (urn=SC100001): {rule}" in _messages(result, "warning")
    assert result.summary["skipped_by_reason"] == {reason: 1}


@pytest.mark.parametrize(("judgement", "ofsted", "warning"), [
    ("Outstanding", "outstanding", None),
    ("good", "good", None),
    ("Requires improvement to be good", "requires_improvement", None),
    ("Requires Improvement", "requires_improvement", None),
    ("Inadequate", "inadequate", None),
    ("Not yet inspected", "unrated", None),
    ("", "unrated", None),
    ("-", "unrated", None),
    ("Adequate", "requires_improvement", "is a judgement Ofsted no longer gives; imported as requires_improvement"),
    ("Excellent", "unrated", "is not an Ofsted judgement rcc knows; imported as unrated"),
])
def test_ofsted_judgements(judgement, ofsted, warning):
    result = _import([_providers(Overall_effectiveness=judgement)])
    assert _home(result, "SC100001")["ofsted"] == ofsted
    judged = [m for m in _messages(result, "warning") if "Overall effectiveness=" in m]
    assert judged == ([f"providers.xlsx[Providers] row 2 (urn=SC100001): Overall effectiveness={judgement} {warning}"]
                      if warning else [])


def test_need_flags_become_specialisms():
    """Any text but empty, "-", No, N, 0 or False sets a flag; alcohol and drugs are both substance_use."""
    row = _providers(Emotional_and_behavioural_difficulties="-", Mental_disorders="N", Sensory_impairment="Blind",
                     Present_alcohol_problems="Yes", Present_drug_problems="yes", Learning_difficulty="0",
                     Physical_disabilities="False")
    assert _home(_import([row]), "SC100001")["specialisms"] == "sensory_impairment;substance_use"
    everything = _providers(**{flag.replace(" ", "_"): "Yes" for flag in FLAGS_NO})
    assert _home(_import([everything]), "SC100001")["specialisms"] == (
        "disability;emotional_behavioural;learning_difficulty;mental_health;sensory_impairment;substance_use")


@pytest.mark.parametrize("status", ["Closed", "Deregistered", "Cancelled", "Suspended", "Resigned", "Inactive", "No",
                                    "Registered - suspended"])
def test_providers_not_registered_and_active_are_skipped(status):
    result = _import([_providers(Registration_status=status)], sa=[_supported(Setting_status=status)])
    assert result.homes.empty
    assert result.summary["skipped_by_reason"] == {"status_closed": 2}
    assert (f"providers.xlsx[SA Providers] row 2 (urn=SA200001): Setting status={status} is not registered and "
            "active; row skipped") in _messages(result)


def test_a_status_not_understood_is_not_taken_as_active():
    result = _import([_providers(Registration_status="Pending")])
    assert result.homes.empty
    assert result.summary["skipped_by_reason"] == {"status_unrecognised": 1}


@pytest.mark.parametrize(("name", "postcode", "la_code"), [
    ("Bristol, City of", "BS1 4DJ", "E06000023"),
    ("BRISTOL", "BS1 4DJ", "E06000023"),
    ("Trafford", "M14 5AB", "E08000009"),  # the name wins over the district's authority
])
def test_la_by_name(name, postcode, la_code):
    result = _import([_providers(Local_authority=name, Provider_postcode=postcode)])
    assert _home(result, "SC100001")["la_code"] == la_code
    assert not any("Local authority" in m for m in _messages(result))


def test_la_by_district_when_the_name_is_unknown_and_skipped_when_neither_helps():
    result = _import([_providers(Local_authority="Manchester City Council"),
                      _providers(URN="SC9", Local_authority="Lothian", Provider_postcode="EH1 1AA")])
    assert _home(result, "SC100001")["la_code"] == "E08000003"
    warnings = _messages(result, "warning")
    assert ("providers.xlsx[Providers] row 2 (urn=SC100001): Local authority=Manchester City Council is not an English "
            "upper-tier local authority name; la_code E08000003 is taken from postcode district M14") in warnings
    assert ("providers.xlsx[Providers] row 3 (urn=SC9): Local authority=Lothian is not an English upper-tier local "
            "authority name, and the postcode district names none either; row skipped") in warnings
    assert "SC9" not in set(result.homes["home_id"])


def test_malformed_postcode_is_withheld_from_messages():
    result = _import([_providers(Provider_postcode="10 Downing Street")])
    assert result.homes.empty
    assert ("providers.xlsx[Providers] row 2 (urn=SC100001): Provider postcode=(withheld) is not a UK postcode; "
            "row skipped") in _messages(result)


def test_defaults_are_used_and_reported_once_per_home():
    """No vacancies row: vacancies 0 and the setting's defaults, listed in one warning; a blank cell too."""
    result = _import([_providers()], sa=[_supported()], vacancies="urn,vacancies,weekly_cost\nSA200001,1,\n")
    home, supported = _home(result, "SC100001"), _home(result, "SA200001")
    assert (home["vacancies"], home["weekly_cost"], home["min_age"], home["max_age"], home["sex"],
            home["max_need_level"], home["block_booked"]) == (0, 6123, 0, 17, "any", 3, 0)
    assert (supported["vacancies"], supported["weekly_cost"], supported["min_age"], supported["max_age"]) == (1, 1500, 16, 17)
    warnings = _messages(result, "warning")
    assert ("providers.xlsx[Providers] row 2 (urn=SC100001): is not given vacancies, weekly_cost, min_age, max_age, "
            "sex, max_need_level, block_booked by the vacancies file; defaults used: vacancies=0, weekly_cost=6123, "
            "min_age=0, max_age=17, sex=any, max_need_level=3, block_booked=0 (vacancies=0: no vacancy known)") in warnings
    assert any(m.startswith("providers.xlsx[SA Providers] row 2 (urn=SA200001): is not given weekly_cost, min_age")
               and "weekly_cost=1500" in m for m in warnings)
    assert result.summary["defaulted_columns"] == {"vacancies": 1, "weekly_cost": 2, "min_age": 2, "max_age": 2,
                                                   "sex": 2, "max_need_level": 2, "block_booked": 2}
    assert result.summary["default_weekly_cost"]["semi_independent"]["source"].startswith("placeholder")


def test_no_vacancies_file_is_said_once():
    result = _import([_providers()])
    assert ("providers.xlsx: came without a vacancies file, so every home has vacancies 0 (no vacancy known) and the "
            "defaults of docs/vacancies-file.md") in _messages(result, "warning")


def test_vacancies_beyond_registered_places_is_an_error():
    result = _import([_providers(Number_of_registered_places="4")], vacancies="urn,vacancies\nSC100001,5\n")
    assert result.homes.empty and not result.ok
    assert ("vacancies.csv row 2 (urn=SC100001): vacancies=5 must be <= the home's Number of registered places in "
            "the provider list (4)") in _messages(result, "error")
    assert result.summary["skipped_by_reason"] == {"vacancies_file_error": 1}


def test_vacancies_file_bad_cells_name_file_row_column_and_value():
    vacancies = "urn,vacancies,min_age,max_age,sex,resident_ages\nSC100001,two,12,9,X,3;old\n"
    result = _import([_providers()], vacancies=vacancies)
    errors = _messages(result, "error")
    prefix = "vacancies.csv row 2 (urn=SC100001): "
    assert f"{prefix}vacancies=two must be a whole number" in errors
    assert f"{prefix}sex=X must be one of any, F, M" in errors
    assert f"{prefix}resident_ages=3;old must be whole numbers between 0 and 25 separated by semicolons" in errors
    assert result.homes.empty


def test_vacancies_rows_that_contradict_themselves_are_errors():
    vacancies = "urn,vacancies,min_age,max_age,block_booked\nSC100001,1,12,9,2\n"
    errors = _messages(_import([_providers()], vacancies=vacancies), "error")
    assert "vacancies.csv row 2 (urn=SC100001): min_age=12 must be <= max_age (9)" in errors
    assert "vacancies.csv row 2 (urn=SC100001): block_booked=2 must be <= vacancies (1)" in errors


def test_vacancies_file_urn_not_in_the_provider_list_is_an_error():
    result = _import([_providers()], vacancies="urn,vacancies\nSC100001,1\nSC999,2\nSC100001,3\n")
    errors = _messages(result, "error")
    assert "vacancies.csv row 3: urn=SC999 is not a URN in the provider list" in errors
    assert "vacancies.csv row 4: urn=SC100001 repeats the URN of row 2" in errors


def test_vacancies_for_a_skipped_provider_row_are_said_to_be_unused():
    result = _import([_providers(Registration_status="Closed")], vacancies="urn,vacancies\nSC100001,1\n")
    assert ("vacancies.csv row 2: urn=SC100001 is unused: its provider row (providers.xlsx[Providers] row 2) was "
            "skipped") in _messages(result, "warning")


def test_missing_and_duplicate_urns_are_errors():
    result = _import([_providers(), _providers(URN=""), _providers()], sa=[_supported(URN="SC100001")])
    errors = _messages(result, "error")
    assert "providers.xlsx[Providers] row 3: URN=(empty) is empty: every home needs its Ofsted URN; row skipped" in errors
    assert "providers.xlsx[Providers] row 4 (urn=SC100001): URN=SC100001 repeats the URN of row 2; row skipped" in errors
    assert ("providers.xlsx[SA Providers] row 2 (urn=SC100001): URN=SC100001 repeats the URN of "
            "providers.xlsx[Providers] row 2; row skipped") in errors
    assert list(result.homes["home_id"]) == ["SC100001"]


# --- files and the command line -------------------------------------------------------------------


def test_a_csv_of_one_sheet_is_read_like_the_sheet(tmp_path):
    path = tmp_path / "providers.csv"
    pd.DataFrame([_providers()]).to_csv(path, index=False)
    result = import_ofsted(path)
    assert list(result.homes["home_id"]) == ["SC100001"]
    assert result.summary["sheets"] == {"providers.csv": {"layout": "2025 'Providers' sheet", "rows_read": 1}}


def test_a_sheet_in_no_known_layout_names_the_headers_it_lacks(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("URN,Provider name,Capacity\n1,A,2\n", encoding="utf-8")
    (error,) = _messages(import_ofsted(path), "error")
    assert error.startswith("list.csv: is not an Ofsted provider list in a known layout: the nearest, list.csv as the "
                            "2025 'SA Providers' sheet (supported accommodation), lacks the headers Setting Local "
                            "Authority, Setting address postcode, Registration status, Setting status")


@pytest.mark.parametrize("content", [b"\x00\x01 not a workbook \xff\xfe", b"PK\x03\x04 broken zip", None])
def test_cli_unreadable_file_exits_2_without_traceback(content, tmp_path, capsys):
    path = tmp_path / "providers.xlsx"
    if content is not None:
        path.write_bytes(content)
    assert main(["import-ofsted", str(path), "--out", str(tmp_path / "homes.csv")]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "ERROR: providers.xlsx: " in err and "INVALID" in err and "Traceback" not in err
    assert not (tmp_path / "homes.csv").exists()


def test_cli_report_path_and_its_json_summary(tmp_path, capsys):
    workbook = tmp_path / "providers.xlsx"
    workbook.write_bytes(_workbook(Providers=[_providers()]).getvalue())
    report = tmp_path / "reports" / "ofsted.csv"
    assert main(["import-ofsted", str(workbook), "--out", str(tmp_path / "homes.csv"), "--report", str(report)]) == EXIT_OK
    capsys.readouterr()
    assert report.exists() and json.loads(report.with_suffix(".json").read_text())["homes_written"] == 1


def test_write_homes_refuses_a_result_with_errors(tmp_path):
    result = _import([_providers(URN="")])
    with pytest.raises(ValueError, match="homes.csv not written"):
        write_homes(result, tmp_path / "homes.csv")
    assert not (tmp_path / "homes.csv").exists()


def test_supported_accommodation_settings_under_one_urn_become_one_home_each():
    """The SA sheet lists settings under their provider's URN: two settings of SA200001 become homes
    SA200001-1 and -2 in sheet order (said once), which the vacancies file names; a single setting keeps
    its URN. Elsewhere a repeated URN is still an error."""
    result = _import(sa=[_supported(), _supported(Setting_address_postcode="M20 2AA"), _supported(URN="SA200002")],
                     vacancies="urn,vacancies\nSA200001-2,2\nSA200002,1\n")
    assert sorted(result.homes["home_id"]) == ["SA200001-1", "SA200001-2", "SA200002"]
    assert (_home(result, "SA200001-2")["postcode_district"], _home(result, "SA200001-2")["vacancies"]) == ("M20", 2)
    assert _home(result, "SA200001-1")["vacancies"] == 0 and _home(result, "SA200002")["vacancies"] == 1
    settings = [m for m in _messages(result, "warning") if "lists several settings under one URN" in m]
    assert len(settings) == 1 and "they become homes SA200001-1, SA200001-2, …" in settings[0]
    assert not _messages(result, "error")
    repeated = _import(providers=[_providers(), _providers()])
    assert any("repeats the URN of row 2; row skipped" in m for m in _messages(repeated, "error"))


# --- the provider market: sector and owner ----------------------------------------------------


def test_samples_give_sector_and_owner_and_never_a_persons_name():
    """scp 2025 "Providers": Sector "Private", top company "Provision LLC" (the group that owns the provider).
    ch_fake: Sector "Section" is no sector (reported, imported without one); its owner is a person, so only
    the owner ID is kept, never "Person Name"."""
    row = {**_template(CH_FAKE, "Provider information"), "Provider Subtype": "Children's home"}
    older = _home(_import(older=[row]), "njascn")
    assert (older["sector"], older["owner"]) == (None, "owner P3rs0n")
    assert ("providers.xlsx[Provider information] row 2 (urn=njascn): Sector=Section is not a sector rcc knows (Local "
            "Authority, Health Authority, Private, Voluntary); imported without a sector") in _messages(
        _import(older=[row]), "warning")
    home = _home(_import(providers=[_providers()]), "SC100001")
    assert (home["sector"], home["owner"]) == ("private", "Provision LLC")


@pytest.mark.parametrize(("sector", "expected"), [
    ("Local Authority", "local_authority"), ("Health Authority", "local_authority"), ("PRIVATE", "private"),
    ("Voluntary", "voluntary"), ("", None), ("-", None),
])
def test_sector_mapping(sector, expected):
    result = _import(providers=[_providers(Sector=sector)])
    assert _home(result, "SC100001")["sector"] == expected
    assert not any("Sector=" in m for m in _messages(result))


@pytest.mark.parametrize(("owner_type", "top", "owner"), [
    ("Limited company", "", "Provision Holdings"),  # an organisation: its name is kept
    ("Charitable trust", "-", "Provision Holdings"),
    ("Individual", "", "owner 1"),  # a person: only the owner ID
    ("", "", "owner 1"),
    ("Individual", "Provision LLC", "Provision LLC"),  # a top company is a company
])
def test_owner_mapping(owner_type, top, owner):
    row = {**_providers(Owner_type=owner_type), "top_company": top}  # the header has an underscore of its own
    home = _home(_import(providers=[row]), "SC100001")
    assert home["owner"] == owner


def test_imported_sector_and_owner_reach_the_instance(tmp_path):
    """homes.csv written by the import reads back with sector and owner (the market measures' input)."""
    from rcc.data import read_instance
    from tests.conftest import CHILDREN_CSV, write_files

    result = import_ofsted(_good_workbook(), vacancies=_vacancies(GOOD_VACANCIES))
    folder = write_files(tmp_path / "x", children=CHILDREN_CSV)
    write_homes(result, folder / "homes.csv")
    homes = read_instance(folder).home_by_id
    assert (homes["SC100001"].sector, homes["SC100001"].owner) == ("private", "Provision LLC")
