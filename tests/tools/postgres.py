"""A fresh database on the PostgreSQL at 127.0.0.1:5432 (trust authentication), dropped afterwards: for tests
and benchmarks."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator


@contextlib.contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """Create ``<prefix>_<random>`` and yield its SQLAlchemy URL; drop it (with its connections) on exit.
    Raises psycopg2.OperationalError when the server is not reachable."""
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=3)
    admin.autocommit = True
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
