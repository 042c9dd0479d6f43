"""Fixtures for the Astakos unit tests (factories live in astakos_factories.py)."""

from astakos_factories import alice, api, cyclades_token, pithos_token  # noqa: F401
