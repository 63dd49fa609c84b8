"""Shared test helpers: a small valid instance written as CSV text, to be broken one cell at a time."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"

CHILDREN_CSV = """child_id,la_code,lat,lon,postcode_district,age,sex,need_level,needs,sibling_group,solo,max_distance_km
C1,E08000003,53.4468,-2.2250,,9,F,1,,G1,false,
C2,E08000003,,,M14,11,M,2,self_harm; Going_Missing ,G1,no,60
C3,E08000006,53.4875,-2.2901,,15,F,3,,,yes,80
"""

HOMES_CSV = """home_id,provider,setting,la_code,lat,lon,postcode_district,vacancies,min_age,max_age,sex,max_need_level,specialisms,weekly_cost,ofsted,block_booked
H1,Test Provider,foster,E08000003,53.45,-2.23,,2,0,17,any,2,self_harm;going_missing,650,good,1
H2,Test Provider,Childrens_Home,E08000006,,,M5,3,8,17,F,4,,4200.5,Outstanding,
"""

SEPARATIONS_CSV = "child_a,child_b\nC1,C3\n"
TRAVEL_CSV = "child_id,home_id,km\nC3,H2,12.5\n"


def write_files(folder: Path, **files: str) -> Path:
    """Write ``name=text`` pairs as ``name.csv`` into ``folder``; ``None`` text leaves a file out."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if text is not None:
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def valid_folder(tmp_path) -> Path:
    return write_files(tmp_path / "valid", children=CHILDREN_CSV, homes=HOMES_CSV,
                       separations=SEPARATIONS_CSV, travel=TRAVEL_CSV)


@pytest.fixture(autouse=True, scope="session")
def _run_store_in_tmp(tmp_path_factory):
    """Tests (and the app servers they start) record runs in a temporary SQLite file, never in the
    working copy's var/rcc.db; session-wide so that module-scoped fixtures are covered too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RCC_DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('store') / 'runs.db'}")
        yield


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server for the session; skipped, saying why, only where it cannot be installed."""
    from tests.postgres import postgres_server

    try:
        with postgres_server() as url:
            yield url
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        detail = exc.stderr.decode(errors="replace") if getattr(exc, "stderr", None) else exc
        pytest.skip(f"no PostgreSQL server could be started: {detail}")
