"""Pithos unit tests: Django test client, fake tokens, an in-test block store, small blocks."""

from __future__ import annotations

import pytest
from pithos_testclient import Swift

from pithos import quota
from pithos.objects import blocks
from snf_common.django.auth import reset_validator

BLOCK = 1024  # small blocks make multi-block objects cheap


class FakeQuota:
    """Records commissions; refuses when an account would pass its limit."""

    def __init__(self) -> None:
        self.limits: dict[str, int] = {}
        self.usage: dict[str, int] = {}
        self.pending: dict[int, tuple[str, int]] = {}
        self.serial = 0
        self.log: list[tuple[str, int, str]] = []

    def issue(self, *, account, project, delta, name):
        from snf_common.faults import OverLimit

        used = self.usage.get(account, 0) + sum(d for a, d in self.pending.values() if a == account)
        limit = self.limits.get(account)
        if limit is not None and delta > 0 and used + delta > limit:
            raise OverLimit("pithos.diskspace over limit")
        self.serial += 1
        self.pending[self.serial] = (account, delta)
        return self.serial

    def accept(self, serial):
        account, delta = self.pending.pop(serial)
        self.usage[account] = self.usage.get(account, 0) + delta
        self.log.append(("accept", delta, account))

    def reject(self, serial):
        account, delta = self.pending.pop(serial)
        self.log.append(("reject", delta, account))


@pytest.fixture(autouse=True)
def pithos_env(settings, db):
    settings.TOKEN_VALIDATOR = "pithos_fake_tokens.validate"
    settings.PITHOS_BLOCK_SIZE = BLOCK
    settings.PITHOS_BLOCKSTORE = {"BACKEND": "archipelago.blockstore.memory.MemoryBlockStore",
                                  "OPTIONS": {}}
    blocks._store = None  # a fresh store per test
    settings.PITHOS_BASE_URL = "http://pithos.test"
    reset_validator()
    fake = FakeQuota()
    quota.set_holder(fake)
    yield fake
    quota.set_holder(None)
    reset_validator()


@pytest.fixture
def fake_quota(pithos_env):
    return pithos_env


@pytest.fixture
def store():
    return blocks.get_store()


@pytest.fixture
def swift(client):
    def make(user: str = "alice") -> Swift:
        return Swift(client, user)
    return make
