"""Shared fixtures for the import/export tests.

The real reference files live in ../shared/data beside the clone (never read by the running
app). Tests that need them are skipped with a clear reason when that folder is absent."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not found at {path} (expected ../shared/data beside the repository)")
    return path


@pytest.fixture
def nrw(db):
    """All NRW municipalities and Kreise, as the demo loader creates them (hub/data)."""
    from hub.demo.geography import load_municipalities

    load_municipalities()
