"""Names of accounts, containers, objects and metadata: what is allowed, checked once."""

from __future__ import annotations

from snf_common.faults import BadRequest

MAX_CONTAINER_NAME_BYTES = 256
MAX_OBJECT_NAME_BYTES = 1024
MAX_META_KEY_BYTES = 128
MAX_META_VALUE_BYTES = 256


def _check_common(kind: str, name: str, limit: int) -> None:
    if not name:
        raise BadRequest(f"Empty {kind} name.")
    if "\x00" in name:
        raise BadRequest(f"The {kind} name contains a NUL character.")
    if len(name.encode("utf-8", "surrogatepass")) > limit:
        raise BadRequest(f"The {kind} name is longer than {limit} bytes.")


def check_account(name: str) -> str:
    _check_common("account", name, MAX_CONTAINER_NAME_BYTES)
    if "/" in name or name in (".", ".."):
        raise BadRequest("Invalid account name.")
    return name


def check_container(name: str) -> str:
    _check_common("container", name, MAX_CONTAINER_NAME_BYTES)
    if "/" in name or name in (".", ".."):
        raise BadRequest("Invalid container name.")
    return name


def check_object(name: str) -> str:
    _check_common("object", name, MAX_OBJECT_NAME_BYTES)
    # "." and ".." components would make names that file-system syncs cannot map back.
    if any(part in (".", "..") for part in name.split("/")):
        raise BadRequest("Object names may not contain '.' or '..' path components.")
    return name


def check_meta(meta: dict[str, str], *, limit: int) -> dict[str, str]:
    """Validate user metadata (keys already lower-cased); returns it unchanged."""
    if len(meta) > limit:
        raise BadRequest(f"Too many metadata items (at most {limit}).")
    for key, value in meta.items():
        if not key or len(key.encode()) > MAX_META_KEY_BYTES:
            raise BadRequest(f"Metadata key too long or empty (at most {MAX_META_KEY_BYTES} bytes).")
        if len(value.encode("utf-8", "surrogatepass")) > MAX_META_VALUE_BYTES:
            raise BadRequest(f"Metadata value of {key!r} is longer than "
                             f"{MAX_META_VALUE_BYTES} bytes.")
    return meta


def object_path(account: str, container: str, name: str) -> str:
    return f"{account}/{container}/{name}"


def container_path(account: str, container: str) -> str:
    return f"{account}/{container}"
