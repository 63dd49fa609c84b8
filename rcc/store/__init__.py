"""Run history: every solve, evaluation and sweep, recorded through SQLAlchemy.

SQLite (``var/rcc.db``) by default, any SQLAlchemy URL through ``RCC_DATABASE_URL`` (PostgreSQL
included). The schema is versioned by Alembic migrations that run when a store is opened.
"""

import logging

# Before Alembic is imported: it logs each plugin it sets up, and planners' logs need none of that
# (nor "no migration to run" when a store is opened).
logging.getLogger("alembic").setLevel(logging.WARNING)

from rcc.store.runs import RunRecord, RunStore, default_url  # noqa: E402

__all__ = ["RunRecord", "RunStore", "default_url"]
