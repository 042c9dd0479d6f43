"""Volume types: which Ganeti disk template a volume lives on."""

from __future__ import annotations

from django.conf import settings

from cyclades.volume.models import VolumeType
from snf_common.faults import BadRequest, Conflict, ItemNotFound

KNOWN_TEMPLATES = ("drbd", "plain", "file", "sharedfile", "rbd", "diskless", "blockdev", "ext")


def validate_disk_template(disk_template: str) -> str:
    template = disk_template.split("_", 1)[0]
    if template not in KNOWN_TEMPLATES or template == "diskless":
        raise BadRequest(f"Unknown disk template {disk_template!r}: one of "
                         f"{', '.join(t for t in KNOWN_TEMPLATES if t != 'diskless')} "
                         "or ext_<provider>.")
    if template == "ext" and "_" not in disk_template:
        raise BadRequest("An ExtStorage template names its provider: ext_<provider>.")
    return disk_template


def create_type(name: str, disk_template: str, description: str = "") -> VolumeType:
    if not name or VolumeType.objects.filter(name=name).exists():
        raise BadRequest(f"Volume type name {name!r} is empty or taken.")
    return VolumeType.objects.create(name=name, disk_template=validate_disk_template(disk_template),
                                     description=description)


def live_types():
    return VolumeType.objects.filter(deleted=False)


def type_for(ref: str | int) -> VolumeType:
    """A type by id or by name (Cinder clients send either)."""
    query = live_types()
    found = None
    if str(ref).isdigit():
        found = query.filter(pk=int(ref)).first()
    if found is None:
        found = query.filter(name=str(ref)).first()
    if found is None:
        raise ItemNotFound(f"Volume type {ref} not found.")
    return found


def default_type() -> VolumeType:
    name = settings.CYCLADES_DEFAULT_VOLUME_TYPE
    if name:
        return type_for(name)
    found = live_types().first()
    if found is None:
        raise BadRequest("No volume types are defined; an administrator must create one.")
    return found


def type_for_template(disk_template: str) -> VolumeType:
    """The type of a server's boot disk (created on the fly for a flavor's template)."""
    found = live_types().filter(disk_template=disk_template).first()
    if found is None:
        found, _ = VolumeType.objects.get_or_create(
            name=disk_template, defaults={"disk_template": disk_template})
    return found


def detachable(volume_type: VolumeType) -> bool:
    return volume_type.disk_template in settings.CYCLADES_DETACHABLE_DISK_TEMPLATES


def update_type(volume_type: VolumeType, *, name: str | None = None,
                description: str | None = None, disk_template: str | None = None) -> VolumeType:
    """Rename or re-describe a type; its template only while no live volume uses it
    (a volume's Ganeti disk was made with the old one)."""
    if name is not None and name != volume_type.name:
        if not name or VolumeType.objects.filter(name=name).exists():
            raise BadRequest(f"Volume type name {name!r} is empty or taken.")
        volume_type.name = name
    if description is not None:
        volume_type.description = description
    if disk_template is not None and disk_template != volume_type.disk_template:
        in_use = volume_type.volumes.filter(deleted=False).count()
        if in_use:
            raise Conflict(f"{in_use} volumes of type {volume_type.name} exist; its disk "
                           "template cannot change.")
        volume_type.disk_template = validate_disk_template(disk_template)
    volume_type.save()
    return volume_type


def remove_type(volume_type: VolumeType) -> VolumeType:
    """Retire a type: refused while live volumes use it (they would lose their type)."""
    in_use = volume_type.volumes.filter(deleted=False).count()
    if in_use:
        raise Conflict(f"{in_use} volumes of type {volume_type.name} exist; delete them first.")
    volume_type.deleted = True
    volume_type.save(update_fields=["deleted"])
    return volume_type
