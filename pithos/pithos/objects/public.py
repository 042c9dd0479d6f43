"""Public links: a random 16-character token that reads one object without a token."""

from __future__ import annotations

import secrets
import string

from django.conf import settings
from django.db import IntegrityError, transaction

from pithos.objects.models import Node, PublicLink, Version
from snf_common.faults import ItemNotFound

ALPHABET = string.digits + string.ascii_letters
TOKEN_LENGTH = 16


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def publish(node: Node) -> str:
    link = PublicLink.objects.filter(node=node).first()
    if link:
        return link.token
    for _ in range(5):
        try:
            with transaction.atomic():
                return PublicLink.objects.create(node=node, token=new_token()).token
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a public token")


def unpublish(node: Node) -> None:
    PublicLink.objects.filter(node=node).delete()


def token_of(node: Node) -> str | None:
    return PublicLink.objects.filter(node=node).values_list("token", flat=True).first()


def public_url(token: str) -> str:
    base = (settings.PITHOS_BASE_URL or "").rstrip("/")
    return f"{base}/public/{token}"


def resolve(token: str) -> Version:
    link = PublicLink.objects.filter(token=token).select_related("node__latest").first()
    if link is None or link.node.latest_id is None:
        raise ItemNotFound("No such public object.")
    version = link.node.latest
    version.node = link.node
    return version
