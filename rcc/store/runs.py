"""Record and read runs (and what the app keeps beside them: the instances its runs were made on, and
the scenarios saved by name). One transaction per record: a writer killed part-way leaves nothing behind.

A run's key is the hash of what defines the job — its kind, instance, input file hashes and
parameters — so a nightly job run twice on the same inputs updates one record (same ID) rather
than adding a second, and two different jobs never overwrite each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, delete, event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rcc.store.schema import Assignment, KeptInstance, Run, SavedScenario

DEFAULT_PATH = Path("var/rcc.db")
URL_VARIABLE = "RCC_DATABASE_URL"


def default_url() -> str:
    """``RCC_DATABASE_URL`` if set, else the SQLite file ``var/rcc.db`` under the current folder."""
    return os.environ.get(URL_VARIABLE) or f"sqlite:///{DEFAULT_PATH}"


@dataclass(frozen=True)
class RunRecord:
    """What is kept of a run. ``assignments`` rows are (child_id, home_id, km, weekly_cost)."""

    kind: str
    instance: str
    inputs: Mapping[str, str]
    parameters: Mapping[str, object]
    status: str
    runtime_s: float
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    kpis: Mapping[str, object] = field(default_factory=dict)
    results: object = None
    message: str = ""
    assignments: Sequence[tuple[str, str | None, float | None, float | None]] = ()

    @property
    def key(self) -> str:
        job = {"kind": self.kind, "instance": self.instance, "inputs": dict(self.inputs),
               "parameters": dict(self.parameters)}
        return hashlib.sha256(json.dumps(job, sort_keys=True, default=str).encode()).hexdigest()


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")  # readers (the app) never block the nightly writer
        cursor.close()


class RunStore:
    """The run history in one database; opening it brings the schema up to date."""

    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///:memory:"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(self.url)
        if self.engine.dialect.name == "sqlite":
            _sqlite_pragmas(self.engine)
        self.migrate()

    def migrate(self) -> None:
        """Apply every Alembic migration not yet applied (a no-op on an up-to-date database)."""
        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def record(self, run: RunRecord) -> int:
        """Store ``run`` in one transaction and return its ID (the existing ID for a re-run job)."""
        try:
            return self._record(run)
        except IntegrityError:  # the same job recorded concurrently: now it exists, so update it
            return self._record(run)

    def _record(self, run: RunRecord) -> int:
        values = {
            "kind": run.kind, "recorded_at": dt.datetime.now(dt.UTC), "instance": run.instance,
            "inputs": dict(run.inputs), "parameters": dict(run.parameters), "status": run.status,
            "objective": run.objective, "bound": run.bound, "gap": run.gap, "runtime_s": run.runtime_s,
            "kpis": dict(run.kpis), "results": run.results, "message": run.message,
        }
        with Session(self.engine) as session, session.begin():
            existing = session.scalar(select(Run).where(Run.run_key == run.key))
            if existing is None:
                existing = Run(run_key=run.key, **values)
                session.add(existing)
                session.flush()
            else:
                for name, value in values.items():
                    setattr(existing, name, value)
                session.execute(delete(Assignment).where(Assignment.run_id == existing.id))
            rows = [{"run_id": existing.id, "child_id": c, "home_id": h, "km": km, "weekly_cost": cost}
                    for c, h, km, cost in run.assignments]
            if rows:
                session.execute(insert(Assignment), rows)
            return existing.id

    def runs(self, limit: int = 50, kind: str | None = None) -> pd.DataFrame:
        """The latest runs, newest first, without their assignments."""
        query = select(Run.id, Run.kind, Run.recorded_at, Run.instance, Run.status, Run.objective, Run.bound,
                       Run.gap, Run.runtime_s).order_by(Run.recorded_at.desc(), Run.id.desc()).limit(limit)
        if kind:
            query = query.where(Run.kind == kind)
        with self.engine.connect() as connection:
            return pd.DataFrame(connection.execute(query).mappings().all(),
                                columns=["id", "kind", "recorded_at", "instance", "status", "objective", "bound",
                                         "gap", "runtime_s"])

    def run(self, run_id: int) -> dict | None:
        """Everything recorded of one run (``assignments`` as a table), or ``None`` if there is no such run."""
        with Session(self.engine) as session:
            found = session.get(Run, run_id)
            if found is None:
                return None
            detail = {column.name: getattr(found, column.name) for column in Run.__table__.columns}
            detail["assignments"] = pd.DataFrame(
                [(a.child_id, a.home_id, a.km, a.weekly_cost) for a in found.assignments],
                columns=["child_id", "home_id", "km", "weekly_cost"],
            )
            return detail

    def keep_instance(self, instance_hash: str, name: str, files: Mapping[str, str]) -> None:
        """Keep an instance's contract files under its hash, once (a second call changes nothing)."""
        try:
            with Session(self.engine) as session, session.begin():
                if session.get(KeptInstance, instance_hash) is None:
                    session.add(KeptInstance(instance_hash=instance_hash, name=name, files=dict(files),
                                             kept_at=dt.datetime.now(dt.UTC)))
        except IntegrityError:  # kept concurrently by another session: it is there either way
            pass

    def kept_instance(self, instance_hash: str) -> tuple[str, dict[str, str]] | None:
        """(name, files) of a kept instance, or ``None`` when that instance was never kept."""
        with Session(self.engine) as session:
            found = session.get(KeptInstance, instance_hash)
            return None if found is None else (found.name, dict(found.files))

    def save_scenario(self, name: str, run_id: int) -> None:
        """Name a recorded run as a scenario; saving a name again points it at the new run."""
        with Session(self.engine) as session, session.begin():
            session.merge(SavedScenario(name=name, run_id=run_id, saved_at=dt.datetime.now(dt.UTC)))

    def saved_scenarios(self) -> dict[str, int]:
        """Every saved scenario's name and run ID, oldest first."""
        query = select(SavedScenario.name, SavedScenario.run_id).order_by(SavedScenario.saved_at,
                                                                          SavedScenario.name)
        with self.engine.connect() as connection:
            return {name: run_id for name, run_id in connection.execute(query)}
