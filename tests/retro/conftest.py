"""The retro tests' group: the emergency group with its five roles assigned."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.retro.scripted import RetroGroup


@pytest.fixture
def group(db_url) -> Iterator[RetroGroup]:
    driver = RetroGroup(db_url)
    driver.assign_roles()
    yield driver
    driver.close()


@pytest.fixture(scope="session")
def recommendations() -> dict:
    """The bundled recommendations, as the report reads them."""
    from tests.retro.report_support import BUNDLED_RECOMMENDATIONS

    return BUNDLED_RECOMMENDATIONS
