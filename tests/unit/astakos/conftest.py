"""Fixtures for the Astakos unit tests (factories live in astakos_factories.py)."""

import pytest  # noqa: E402
from astakos_factories import alice, api, cyclades_token, pithos_token  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_catalog_cache():
    # Each test's database is rolled back; the per-process catalog cache must follow.
    from astakos.tokens.catalog import forget_services

    forget_services()
    yield
    forget_services()
