"""The allocator: filters, load score, and booking on the chosen backend."""

from __future__ import annotations

import pytest
from conftest import make_backend
from django.db import transaction

from cyclades.backends import allocator
from cyclades.backends.allocator import LoadAllocator
from cyclades.compute.models import Flavor

pytestmark = pytest.mark.django_db


def test_least_loaded_backend_wins_and_is_booked(flavor):
    make_backend("busy", mfree=2000, mtotal=32768, dfree=100_000, pinst_cnt=3)
    idle = make_backend("idle", mfree=30000, mtotal=32768, dfree=900_000, pinst_cnt=0)
    with transaction.atomic():
        chosen = allocator.allocate(flavor)
    assert chosen.id == idle.id
    idle.refresh_from_db()
    assert (idle.mfree, idle.pinst_cnt) == (30000 - 512, 1)


def test_disk_template_filter(db):
    make_backend("files", disk_templates=["file"])
    ext = make_backend("ext", disk_templates=["ext"], mfree=1000)
    archipelago = Flavor.objects.create(public_id="a", name="a", cpu=1, ram=512, disk=5,
                                        disk_template="ext_archipelago")
    with transaction.atomic():
        assert allocator.allocate(archipelago).id == ext.id
    drbd = Flavor.objects.create(public_id="d", name="d", cpu=1, ram=512, disk=5,
                                 disk_template="drbd")
    with transaction.atomic():
        assert allocator.allocate(drbd) is None


def test_room_is_preferred_but_full_clusters_still_score(flavor):
    full = make_backend("full", mfree=100, dfree=100)
    roomy = make_backend("roomy", mfree=4000, mtotal=32768, dfree=10_000, dtotal=1_000_000)
    scorer = LoadAllocator()
    assert not scorer.fits(full, flavor) and scorer.fits(roomy, flavor)
    assert scorer.choose([full, roomy], flavor).id == roomy.id
    assert scorer.choose([full], flavor).id == full.id


def test_pluggable_allocator_setting(settings, flavor):
    settings.CYCLADES_ALLOCATOR = "test_allocator.HighestIdAllocator"
    make_backend("one")
    two = make_backend("two", mfree=10)
    with transaction.atomic():
        assert allocator.allocate(flavor).id == two.id


class HighestIdAllocator:
    def choose(self, backends, flavor):
        return max(backends, key=lambda b: b.id) if backends else None
