import os
import sys
import uuid
from urllib.parse import quote

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import pg_server  # noqa: E402


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server on 127.0.0.1 for the whole session (Debian's
    binaries, a temporary directory, a non-root user)."""
    reason = pg_server.why_unavailable()
    if reason is not None:
        pytest.skip(reason)
    server = pg_server.LocalPostgres.start()
    yield server
    server.stop()


def _fresh_schema(server) -> str:
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{server.url}?options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """The address of a new, empty store: a SQLite file, or a PostgreSQL schema
    of its own on the session's server."""
    if request.param == "sqlite":
        return str(tmp_path / "runs.sqlite")
    return _fresh_schema(request.getfixturevalue("postgres_server"))


@pytest.fixture
def store(store_url):
    from runtime.store import RunStore

    opened = RunStore(store_url)
    yield opened
    opened.close()
