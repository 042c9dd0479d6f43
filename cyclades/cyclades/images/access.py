"""Who sees which image, and who may boot it (Glance semantics).

- the owner sees and boots all of their images;
- `public` images: everyone, listed by default; `community`: everyone, listed only
  when asked for (`visibility=community`);
- `shared` images: members see them by id whatever their status, list them by
  default only once they accepted (`member_status` filter), and may boot them only
  once accepted (the member's consent: an image pushed on someone is inert);
- `private`: the owner only.
Another user's image they may not see answers 404, never 403.
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from cyclades.images.models import SystemImage
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, ItemNotFound


def live() -> QuerySet:
    return SystemImage.objects.filter(deleted=False)


def _membership(user: str, member_status: str | None) -> Q:
    inner = Q(members__member=user)
    if member_status and member_status != "all":
        inner &= Q(members__status=member_status)
    return Q(visibility="shared") & inner


def listed(credentials: Credentials, *, visibility: str | None = None,
           member_status: str | None = "accepted") -> QuerySet:
    """What GET /images lists for this user, before the other filters."""
    user = credentials.user_id
    own = Q(owner=user)
    if visibility is None:
        condition = own | Q(visibility="public") | _membership(user, member_status)
    elif visibility == "all":
        condition = (own | Q(visibility__in=("public", "community"))
                     | _membership(user, member_status))
    elif visibility in ("public", "community"):
        condition = Q(visibility=visibility)
    elif visibility == "private":
        condition = own & Q(visibility="private")
    elif visibility == "shared":
        condition = Q(visibility="shared") & (own | _membership(user, member_status))
    else:
        raise BadRequest(f"Invalid visibility value: {visibility}")
    return live().filter(condition).distinct()


def valid_id(image_id: str) -> bool:
    try:
        uuid.UUID(str(image_id))
    except ValueError:
        return False
    return True


def image_for(credentials: Credentials, image_id: str) -> SystemImage:
    """An image this user may see by id (owner, public, community, any member), else 404."""
    if not valid_id(image_id):
        raise ItemNotFound(f"No image found with ID {image_id}")
    image = live().filter(pk=image_id).first()
    if image is None or not may_see(credentials, image):
        raise ItemNotFound(f"No image found with ID {image_id}")
    return image


def may_see(credentials: Credentials, image: SystemImage) -> bool:
    if image.owner == credentials.user_id or image.visibility in ("public", "community"):
        return True
    if credentials.is_admin:
        return True
    return image.visibility == "shared" and \
        image.members.filter(member=credentials.user_id).exists()


def may_boot(credentials: Credentials, image: SystemImage) -> bool:
    if image.status != "active":
        return False
    if image.owner == credentials.user_id or image.visibility in ("public", "community"):
        return True
    return image.visibility == "shared" and image.members.filter(
        member=credentials.user_id, status="accepted").exists()


def image_for_boot(credentials: Credentials, image_ref: object) -> SystemImage:
    """Resolve a server create's imageRef (an id or a link ending in one), else 400."""
    if not isinstance(image_ref, str) or not image_ref:
        raise BadRequest("imageRef is required (boot from volume is not supported yet).")
    ref = image_ref.rstrip("/").rsplit("/", 1)[-1]
    # By primary key: no ordering to compile (first() would sort by Meta.ordering).
    image = next(iter(live().filter(pk=ref).order_by()[:1]), None) if valid_id(ref) else None
    if image is None or not may_boot(credentials, image):
        raise BadRequest(f"Invalid imageRef {image_ref}.")
    return image
