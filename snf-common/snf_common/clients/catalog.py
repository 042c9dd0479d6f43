"""Endpoints out of a Keystone token response (v3 `token.catalog` or v2.0 `access.serviceCatalog`).

One flat list of Endpoint records, whatever the version, so callers pick by
service type, name, interface and region without caring how the token was issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from snf_common.clients.base import ClientError

V2_INTERFACES = {"publicURL": "public", "internalURL": "internal", "adminURL": "admin"}


@dataclass(frozen=True)
class Endpoint:
    service_type: str
    service_name: str
    interface: str
    url: str
    region: str = ""
    version: str = ""


def parse_catalog(body: dict[str, Any]) -> list[Endpoint]:
    """Every endpoint of a v3 or v2.0 token body (or of a bare `{"catalog": [...]}`)."""
    if "token" in body:
        return _parse_v3(body["token"].get("catalog") or [])
    if "catalog" in body:
        return _parse_v3(body["catalog"] or [])
    if "access" in body:
        return _parse_v2(body["access"].get("serviceCatalog") or [])
    raise ValueError("not a Keystone token response: expected 'token' or 'access'")


def _parse_v3(services: list[dict[str, Any]]) -> list[Endpoint]:
    found = []
    for service in services:
        for ep in service.get("endpoints", []):
            found.append(Endpoint(
                service_type=service.get("type", ""), service_name=service.get("name", ""),
                interface=ep.get("interface", "public"), url=ep.get("url", ""),
                region=ep.get("region_id") or ep.get("region") or "",
                version=ep.get("versionId", "")))
    return found


def _parse_v2(services: list[dict[str, Any]]) -> list[Endpoint]:
    found = []
    for service in services:
        for ep in service.get("endpoints", []):
            for key, interface in V2_INTERFACES.items():
                if ep.get(key):
                    found.append(Endpoint(
                        service_type=service.get("type", ""),
                        service_name=service.get("name", ""), interface=interface,
                        url=ep[key], region=ep.get("region", "") or "",
                        version=ep.get("versionId", "")))
    return found


class Catalog:
    """The endpoints a token may use; `url_for` answers "where is the compute API?"."""

    def __init__(self, endpoints: list[Endpoint]) -> None:
        self.endpoints = endpoints

    @classmethod
    def from_token_body(cls, body: dict[str, Any]) -> Catalog:
        return cls(parse_catalog(body))

    def find(self, service_type: str | None = None, *, name: str | None = None,
             interface: str = "public", region: str | None = None) -> list[Endpoint]:
        return [ep for ep in self.endpoints
                if (service_type is None or ep.service_type == service_type)
                and (name is None or ep.service_name == name)
                and (not interface or ep.interface == interface)
                and (not region or ep.region == region)]

    def url_for(self, service_type: str | tuple[str, ...] | None = None, *,
                name: str | None = None, interface: str = "public",
                region: str | None = None) -> str:
        """First matching URL; several types may be given in order of preference."""
        types = (service_type,) if isinstance(service_type, str) or service_type is None \
            else service_type
        for one in types:
            matches = self.find(one, name=name, interface=interface, region=region)
            if matches:
                return matches[0].url
        wanted = ", ".join(f"{k}={v}" for k, v in (
            ("type", "/".join(t for t in types if t)), ("name", name),
            ("interface", interface), ("region", region)) if v)
        raise ClientError(f"No endpoint in the catalog matching {wanted}", status=404)

    def service_types(self) -> list[str]:
        return sorted({ep.service_type for ep in self.endpoints})
