"""Run history: every solve, evaluation and sweep, recorded through SQLAlchemy.

SQLite (``var/rcc.db``) by default, any SQLAlchemy URL through ``RCC_DATABASE_URL`` (PostgreSQL
included). The schema is versioned by Alembic migrations that run when a store is opened.
"""

from rcc.store.runs import RunRecord, RunStore, default_url

__all__ = ["RunRecord", "RunStore", "default_url"]
