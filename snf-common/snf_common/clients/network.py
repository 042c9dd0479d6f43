"""Network (Neutron v2.0 as Cyclades serves it) client.

`endpoint` may be the catalog URL (.../network) or the versioned one (.../network/v2.0).
"""

from __future__ import annotations

from typing import Any

from snf_common.clients.base import HttpClient


class NetworkClient(HttpClient):

    def __init__(self, endpoint: str, token: str = "", **kwargs: Any) -> None:
        endpoint = endpoint.rstrip("/")
        if not endpoint.endswith("/v2.0"):
            endpoint += "/v2.0"
        super().__init__(endpoint, token, **kwargs)

    def _list(self, kind: str, filters: dict[str, Any]) -> list[dict]:
        return self.get_json(kind, params={k: v for k, v in filters.items()
                                           if v is not None} or None)[kind]

    def _get(self, kind: str, one: str, item_id: str) -> dict:
        return self.get_json(f"{kind}/{item_id}")[one]

    def _create(self, kind: str, one: str, fields: dict[str, Any]) -> dict:
        body = {one: {k: v for k, v in fields.items() if v is not None}}
        return self.post_json(kind, body, expect=(201, 200))[one]

    def _update(self, kind: str, one: str, item_id: str, fields: dict[str, Any]) -> dict:
        body = {one: {k: v for k, v in fields.items() if v is not None}}
        return self.request("PUT", f"{kind}/{item_id}", json_body=body).json()[one]

    def _delete(self, kind: str, item_id: str) -> None:
        self.request("DELETE", f"{kind}/{item_id}", expect=(204, 200, 202))

    # ---- networks ----------------------------------------------------------
    def list_networks(self, **filters: Any) -> list[dict]:
        return self._list("networks", filters)

    def get_network(self, network_id: str) -> dict:
        return self._get("networks", "network", network_id)

    def create_network(self, name: str, *, type: str = "MAC_FILTERED",
                       project: str | None = None, **fields: Any) -> dict:
        return self._create("networks", "network",
                            {"name": name, "type": type, "project": project, **fields})

    def update_network(self, network_id: str, **fields: Any) -> dict:
        return self._update("networks", "network", network_id, fields)

    def delete_network(self, network_id: str) -> None:
        self._delete("networks", network_id)

    # ---- subnets -----------------------------------------------------------
    def list_subnets(self, **filters: Any) -> list[dict]:
        return self._list("subnets", filters)

    def get_subnet(self, subnet_id: str) -> dict:
        return self._get("subnets", "subnet", subnet_id)

    def create_subnet(self, network_id: str, cidr: str, *, ip_version: int = 4,
                      name: str | None = None, gateway_ip: str | None = None,
                      enable_dhcp: bool | None = None, **fields: Any) -> dict:
        return self._create("subnets", "subnet", {
            "network_id": network_id, "cidr": cidr, "ip_version": ip_version, "name": name,
            "gateway_ip": gateway_ip, "enable_dhcp": enable_dhcp, **fields})

    def update_subnet(self, subnet_id: str, **fields: Any) -> dict:
        return self._update("subnets", "subnet", subnet_id, fields)

    def delete_subnet(self, subnet_id: str) -> None:
        self._delete("subnets", subnet_id)

    # ---- ports -------------------------------------------------------------
    def list_ports(self, **filters: Any) -> list[dict]:
        return self._list("ports", filters)

    def get_port(self, port_id: str) -> dict:
        return self._get("ports", "port", port_id)

    def create_port(self, network_id: str, *, device_id: str | None = None,
                    name: str | None = None, fixed_ips: list[dict] | None = None,
                    **fields: Any) -> dict:
        return self._create("ports", "port", {"network_id": network_id,
                                              "device_id": device_id, "name": name,
                                              "fixed_ips": fixed_ips, **fields})

    def update_port(self, port_id: str, **fields: Any) -> dict:
        return self._update("ports", "port", port_id, fields)

    def delete_port(self, port_id: str) -> None:
        self._delete("ports", port_id)

    # ---- floating IPs ------------------------------------------------------
    def list_floating_ips(self, **filters: Any) -> list[dict]:
        return self._list("floatingips", filters)

    def get_floating_ip(self, ip_id: str) -> dict:
        return self._get("floatingips", "floatingip", ip_id)

    def create_floating_ip(self, floating_network_id: str | None = None, *,
                           floating_ip_address: str | None = None,
                           project: str | None = None) -> dict:
        return self._create("floatingips", "floatingip", {
            "floating_network_id": floating_network_id,
            "floating_ip_address": floating_ip_address, "project": project})

    def update_floating_ip(self, ip_id: str, **fields: Any) -> dict:
        return self._update("floatingips", "floatingip", ip_id, fields)

    def delete_floating_ip(self, ip_id: str) -> None:
        self._delete("floatingips", ip_id)
