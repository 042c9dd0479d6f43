"""Image members (Glance v2): the owner shares a `shared` image with a user, who
accepts or rejects it. Only the owner adds or removes members; only the member
changes their own status. Glance v1 (Plankton) members have no consent step: they
are added accepted, and adding one turns a private image into a shared one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from cyclades.images.models import MEMBER_STATUSES, ImageMember, SystemImage
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Conflict, Forbidden, ItemNotFound, OverLimit


def _owner_only(credentials: Credentials, image: SystemImage) -> None:
    if image.owner != credentials.user_id and not credentials.is_admin:
        raise Forbidden("Only the image owner may manage its members.")


def _valid_member(member: object) -> str:
    if not isinstance(member, str) or not member.strip() or len(member) > 64:
        raise BadRequest("member must be a user id.")
    return member.strip()


def list_members(credentials: Credentials, image: SystemImage) -> list[ImageMember]:
    """The owner sees every member; a member sees only their own entry."""
    query = image.members.order_by("created", "id")
    if image.owner == credentials.user_id or credentials.is_admin:
        return list(query)
    return list(query.filter(member=credentials.user_id))


def get_member(credentials: Credentials, image: SystemImage, member: str) -> ImageMember:
    if image.owner != credentials.user_id and member != credentials.user_id \
            and not credentials.is_admin:
        raise ItemNotFound(f"{member} is not a member of image {image.id}")
    found = image.members.filter(member=member).first()
    if found is None:
        raise ItemNotFound(f"{member} is not a member of image {image.id}")
    return found


def add_member(credentials: Credentials, image: SystemImage, member: object, *,
               status: str = "pending") -> ImageMember:
    _owner_only(credentials, image)
    member = _valid_member(member)
    if image.visibility != "shared":
        raise Forbidden(f"Image {image.id} is {image.visibility}: only shared images "
                        "have members.")
    if member == image.owner:
        raise BadRequest("The owner cannot be a member of their own image.")
    with transaction.atomic():
        SystemImage.objects.select_for_update().filter(pk=image.pk).first()
        if image.members.count() >= settings.CYCLADES_IMAGE_MAX_MEMBERS:
            raise OverLimit("Maximum number of image members exceeded.")
        try:
            with transaction.atomic():
                return ImageMember.objects.create(image=image, member=member, status=status)
        except IntegrityError:
            raise Conflict(f"{member} is already a member of image {image.id}") from None


def share_v1(credentials: Credentials, image: SystemImage, member: object) -> ImageMember:
    """Plankton semantics: sharing is immediate (accepted), private becomes shared."""
    _owner_only(credentials, image)
    member = _valid_member(member)
    if image.visibility == "private":
        SystemImage.objects.filter(pk=image.pk).update(visibility="shared")
        image.visibility = "shared"
    existing = image.members.filter(member=member).first()
    if existing is not None:
        existing.status = "accepted"
        existing.save(update_fields=["status", "updated"])
        return existing
    return add_member(credentials, image, member, status="accepted")


def set_members_v1(credentials: Credentials, image: SystemImage, members: list[str]) -> None:
    """Replace the member list (Glance v1 PUT /members)."""
    _owner_only(credentials, image)
    wanted = {_valid_member(m) for m in members}
    with transaction.atomic():
        image.members.exclude(member__in=wanted).delete()
    for member in sorted(wanted):
        share_v1(credentials, image, member)


def set_status(credentials: Credentials, image: SystemImage, member: str,
               status: object) -> ImageMember:
    if status not in MEMBER_STATUSES:
        raise BadRequest(f"Status must be one of {', '.join(MEMBER_STATUSES)}.")
    entry = get_member(credentials, image, member)
    if member != credentials.user_id:
        raise Forbidden("Only the member may change their membership status.")
    entry.status = status
    entry.save(update_fields=["status", "updated"])
    return entry


def remove_member(credentials: Credentials, image: SystemImage, member: str) -> None:
    _owner_only(credentials, image)
    deleted, _ = image.members.filter(member=member).delete()
    if not deleted:
        raise ItemNotFound(f"{member} is not a member of image {image.id}")
