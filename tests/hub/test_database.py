import os

from django.db import connection


def test_runs_on_the_configured_database(db):
    """`make test` runs the suite twice; this pins that the second run really is PostgreSQL."""
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
