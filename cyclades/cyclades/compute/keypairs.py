"""SSH key pairs per user: import a public key or generate a pair (private key shown once)."""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import IntegrityError, transaction

from cyclades.compute.models import KeyPair
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Conflict, OverLimit

NAME_PATTERN = re.compile(r"^[A-Za-z0-9 _.@-]{1,255}$")
KEY_TYPES = ("ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
             "ecdsa-sha2-nistp521", "ssh-dss")


def fingerprint(public_key: str) -> str:
    """The MD5 colon-hex fingerprint of an OpenSSH public key (as Nova reports it)."""
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        raise BadRequest("Keypair data is invalid: not an OpenSSH public key.")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except ValueError:
        raise BadRequest("Keypair data is invalid: bad base64 key body.") from None
    # The blob starts with the key type as an SSH string: it must agree with the prefix.
    if len(blob) < 4 or blob[4:4 + int.from_bytes(blob[:4], "big")] != parts[0].encode():
        raise BadRequest("Keypair data is invalid: key body does not match its type.")
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def generate() -> tuple[str, str]:
    """A new RSA pair: (OpenSSH public key, PEM private key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return public, private


def create_keypair(credentials: Credentials, *, name: str, public_key: str | None = None,
                   key_type: str = "ssh") -> tuple[KeyPair, str | None]:
    """Import `public_key`, or generate a pair; returns (keypair, private key or None)."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or name.strip() != name:
        raise BadRequest("Keypair name must be 1-255 letters, digits, spaces or _.@-, "
                         "without leading or trailing spaces.")
    if key_type not in ("ssh",):
        raise BadRequest("Only ssh key pairs are supported.")
    private = None
    if public_key is None:
        public_key, private = generate()
    elif not isinstance(public_key, str):
        raise BadRequest("public_key must be a string.")
    public_key = public_key.strip()
    print_ = fingerprint(public_key)
    with transaction.atomic():
        count = KeyPair.objects.select_for_update().filter(owner=credentials.user_id).count()
        if count >= settings.CYCLADES_MAX_KEYPAIRS:
            raise OverLimit("Quota exceeded, too many key pairs.")
        try:
            with transaction.atomic():
                keypair = KeyPair.objects.create(owner=credentials.user_id, name=name,
                                                 public_key=public_key, fingerprint=print_,
                                                 type=key_type)
        except IntegrityError:
            raise Conflict(f"Key pair '{name}' already exists.") from None
    return keypair, private


def delete_keypair(keypair: KeyPair) -> None:
    keypair.delete()
