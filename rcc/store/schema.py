"""The run-history tables. Changing them means a new Alembic migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Run(Base):
    """One solve, evaluation or sweep. ``run_key`` identifies the job (kind, inputs, parameters),
    so re-running the same nightly job updates its record instead of adding a duplicate."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    instance: Mapped[str] = mapped_column(String(200))
    inputs: Mapped[dict] = mapped_column(JSON)
    parameters: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32))
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    runtime_s: Mapped[float] = mapped_column(Float)
    kpis: Mapped[dict] = mapped_column(JSON)
    results: Mapped[dict | list | None] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text, default="")
    assignments: Mapped[list[Assignment]] = relationship(back_populates="run", cascade="all, delete-orphan")


class Assignment(Base):
    """One child's match in a run: pseudonymous IDs only, never names, postcodes or dates."""

    __tablename__ = "assignments"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    home_id: Mapped[str | None] = mapped_column(String(64))
    km: Mapped[float | None] = mapped_column(Float)
    weekly_cost: Mapped[float | None] = mapped_column(Float)
    run: Mapped[Run] = relationship(back_populates="assignments")


class KeptInstance(Base):
    """The contract's CSV files of an instance an app run was made on, keyed by the instance's hash (the
    run's ``inputs["instance"]``), so a run can be reopened after a refresh or from History. Kept once
    per instance, however many runs use it; pseudonymous like the files themselves."""

    __tablename__ = "kept_instances"

    instance_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    files: Mapped[dict] = mapped_column(JSON)
    kept_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SavedScenario(Base):
    """A scenario saved on the Scenarios page: a name for a recorded solve, kept across sessions."""

    __tablename__ = "saved_scenarios"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
