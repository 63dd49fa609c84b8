"""The run store on SQLite and on a real PostgreSQL server: round trip, idempotence, crash safety."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from rcc.store import RunRecord, RunStore
from rcc.store.schema import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history' / 'rcc.db'}"
    server = request.getfixturevalue("postgres_url")
    with create_engine(server).begin() as connection:  # every test starts from an empty database
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    return server


def _record(status="optimal", time_limit=60, children=3) -> RunRecord:
    return RunRecord(
        kind="solve", instance="greater-manchester", inputs={"children.csv": "ab12", "homes.csv": "cd34"},
        parameters={"time_limit": time_limit}, status=status, runtime_s=12.5, objective=1234.5, bound=1200.0,
        gap=0.028, kpis={"placed_pct": 90.0},
        assignments=[(f"C{i}", f"H{i}" if i % 3 else None, 2.5 * i if i % 3 else None, 700.0 if i % 3 else None)
                     for i in range(children)],
    )


def test_a_recorded_run_reads_back_whole(url):
    store = RunStore(url)
    run_id = store.record(_record())
    listed = store.runs()
    assert list(listed["id"]) == [run_id] and listed["status"].iloc[0] == "optimal"
    run = store.run(run_id)
    assert run["kpis"] == {"placed_pct": 90.0} and run["inputs"]["homes.csv"] == "cd34"
    assert run["objective"] == pytest.approx(1234.5) and run["gap"] == pytest.approx(0.028)
    table = run["assignments"].sort_values("child_id").reset_index(drop=True)
    assert list(table["child_id"]) == ["C0", "C1", "C2"] and table["home_id"].isna().tolist() == [True, False, False]
    assert store.run(run_id + 1) is None


def test_re_running_the_same_job_updates_its_record(url):
    """A nightly job run twice on the same inputs and parameters keeps one record, with the latest result."""
    store = RunStore(url)
    first = store.record(_record(status="time_limit", children=4))
    second = store.record(_record(status="optimal", children=2))
    assert first == second and len(store.runs()) == 1
    run = store.run(first)
    assert run["status"] == "optimal" and len(run["assignments"]) == 2
    other = store.record(_record(time_limit=120))  # different parameters: a different job
    assert other != first and len(store.runs()) == 2


def test_migrations_build_exactly_the_schema_the_code_uses(url):
    store = RunStore(url)
    RunStore(url)  # opening again migrates nothing and breaks nothing
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


WRITER = textwrap.dedent("""
    import sys, time
    from sqlalchemy import event
    from rcc.store import RunRecord, RunStore
    store = RunStore(sys.argv[1])

    @event.listens_for(store.engine, "commit")
    def stall(connection):
        print("inside the transaction", flush=True)
        time.sleep(600)

    store.record(RunRecord(kind="solve", instance="x", inputs={}, parameters={}, status="optimal", runtime_s=1.0,
                           assignments=[(f"C{i}", "H1", 1.0, 500.0) for i in range(5000)]))
""")


def test_a_writer_killed_mid_transaction_leaves_no_trace(url):
    """kill -9 between writing 5,000 assignments and committing: no run, no orphan rows, store still works."""
    RunStore(url)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "inside the transaction"
    finally:
        writer.kill()
        writer.wait()
    store = RunStore(url)
    assert store.runs().empty
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM assignments")).scalar() == 0
    assert store.record(_record()) > 0


def test_an_instance_is_kept_once_and_reads_back_as_the_same_instance(url, valid_folder):
    """The app keeps each instance its runs were made on, once per hash; read back through the contract's
    validation, it is the instance that was kept (so a reopened plan is checked on the same data)."""
    from rcc.data import read_instance
    from rcc.outputs import instance_hash
    from rcc.service import instance_files, instance_from_files

    instance = read_instance(valid_folder)
    key = instance_hash(instance)["instance"]
    store = RunStore(url)
    store.keep_instance(key, instance.name, instance_files(instance))
    store.keep_instance(key, "renamed", {"children.csv": "child_id\n"})  # kept already: nothing changes
    name, files = store.kept_instance(key)
    assert name == instance.name and instance_from_files(files, name) == instance
    assert store.kept_instance("0" * 64) is None


def test_a_broken_kept_instance_is_refused_with_named_problems(valid_folder):
    """Kept data is read like an upload: a broken cell is a named problem, never a silent fix."""
    from rcc.data import InvalidInstance, read_instance
    from rcc.service import instance_files, instance_from_files

    files = instance_files(read_instance(valid_folder))
    files["homes.csv"] = files["homes.csv"].replace(",2,0,17,", ",-2,0,17,", 1)
    with pytest.raises(InvalidInstance, match=r"homes.csv row 2 \(home_id=H1\): vacancies=-2"):
        instance_from_files(files, "valid")


def test_saved_scenarios_name_runs_and_a_name_saved_again_moves(url):
    """A scenario is a name for a recorded run; saving the name again points it at the newer run, and a
    deleted run takes its scenario with it."""
    store = RunStore(url)
    first, second = store.record(_record()), store.record(_record(time_limit=5))
    store.save_scenario("baseline", first)
    store.save_scenario("more beds", second)
    assert store.saved_scenarios() == {"baseline": first, "more beds": second}
    store.save_scenario("baseline", second)
    assert store.saved_scenarios() == {"baseline": second, "more beds": second}
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM runs WHERE id = :id"), {"id": second})
    assert store.saved_scenarios() == {}
