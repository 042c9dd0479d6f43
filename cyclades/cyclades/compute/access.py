"""Funnels to owned objects: another user's server is simply not found."""

from __future__ import annotations

from cyclades.compute.models import Flavor, KeyPair, Server
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, ItemNotFound


def server_for(credentials: Credentials, server_id: str | int, *, for_update: bool = False,
               include_deleted: bool = False) -> Server:
    try:
        pk = int(server_id)
    except (TypeError, ValueError):
        raise ItemNotFound(f"Server {server_id} not found.") from None
    query = Server.objects.select_related("flavor", "backend")
    if for_update:
        query = query.select_for_update(of=("self",))
    query = query.filter(pk=pk, owner=credentials.user_id)
    if not include_deleted:
        query = query.filter(deleted=False)
    server = query.first()
    if server is None:
        raise ItemNotFound(f"Server {server_id} not found.")
    return server


def flavor_for(flavor_ref: str | int, *, allow_deleted: bool = False) -> Flavor:
    ref = str(flavor_ref).rstrip("/").rsplit("/", 1)[-1]
    query = Flavor.objects.filter(public_id=ref)
    if not allow_deleted:
        query = query.filter(deleted=False)
    # public_id is unique: no ordering to compile (first() would sort by Meta.ordering).
    flavor = next(iter(query.order_by()[:1]), None)
    if flavor is None:
        raise ItemNotFound(f"Flavor {ref} not found.")
    return flavor


def flavor_ref_for_request(flavor_ref: object) -> Flavor:
    """A flavorRef in a request body: unknown means the request is bad (400)."""
    if not isinstance(flavor_ref, (str, int)) or not str(flavor_ref):
        raise BadRequest("flavorRef is required.")
    try:
        return flavor_for(flavor_ref)
    except ItemNotFound:
        raise BadRequest(f"Invalid flavorRef {flavor_ref}.") from None


def keypair_for(credentials: Credentials, name: str) -> KeyPair:
    keypair = KeyPair.objects.filter(owner=credentials.user_id, name=name).first()
    if keypair is None:
        raise ItemNotFound(f"Keypair {name} not found.")
    return keypair
