"""Quickstart content for volumes: the volume types and a flavor on Archipelago.

`snf-deploy up` runs this (through `cyclades-manage volume-bootstrap`) on every run,
so each step only creates what is missing. A name an administrator already used
(even for a retired type) is left alone: we never undo an administrator's choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from cyclades.compute.models import Flavor
from cyclades.volume import volume_types
from cyclades.volume.models import VolumeType

# Name = template, as type_for_template names the type of a flavor's boot disk. `file`
# comes first: a create that names no type gets the first live type, and file volumes
# need no block store.
QUICKSTART_TYPES: tuple[tuple[str, str, str], ...] = (
    ("file", "file", "Plain files on the node (no snapshots)"),
    ("ext_archipelago", "ext_archipelago",
     "Archipelago: thin clones of images and snapshots, in the block store Pithos uses"),
)


@dataclass(frozen=True)
class FlavorSpec:
    cpu: int
    ram: int      # MiB
    disk: int     # GiB
    disk_template: str

    @property
    def name(self) -> str:
        return f"C{self.cpu}R{self.ram}D{self.disk}{self.disk_template}"


QUICKSTART_FLAVORS: tuple[FlavorSpec, ...] = (FlavorSpec(1, 128, 1, "ext_archipelago"),)


def ensure_types(specs=QUICKSTART_TYPES) -> list[dict[str, Any]]:
    """Create each missing type; returns one row per type with `created`."""
    rows = []
    for name, template, description in specs:
        with transaction.atomic():
            found = VolumeType.objects.filter(name=name).first()
            created = found is None
            if created:
                found = volume_types.create_type(name, template, description)
        rows.append({"kind": "volume-type", "id": found.id, "name": found.name,
                     "disk_template": found.disk_template, "deleted": found.deleted,
                     "created": created})
    return rows


def ensure_flavors(specs=QUICKSTART_FLAVORS) -> list[dict[str, Any]]:
    """Create each missing live flavor of that spec; returns one row per flavor."""
    rows = []
    for spec in specs:
        with transaction.atomic():
            found = Flavor.objects.filter(cpu=spec.cpu, ram=spec.ram, disk=spec.disk,
                                          disk_template=spec.disk_template,
                                          deleted=False).first()
            created = found is None
            if created:
                found = Flavor.objects.create(public_id=f"tmp-{spec.name}", name=spec.name,
                                              cpu=spec.cpu, ram=spec.ram, disk=spec.disk,
                                              disk_template=spec.disk_template)
                found.public_id = str(found.id)
                found.save(update_fields=["public_id"])
        rows.append({"kind": "flavor", "id": found.public_id, "name": found.name,
                     "disk_template": found.disk_template, "deleted": False,
                     "created": created})
    return rows
