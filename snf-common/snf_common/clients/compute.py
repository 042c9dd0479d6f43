"""Compute (Nova v2.1 as Cyclades serves it) client. `endpoint` = .../compute/v2.1."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

from snf_common.clients.base import ClientError, HttpClient

TERMINAL_ERROR_STATUSES = frozenset({"ERROR"})


class ComputeClient(HttpClient):

    # ---- servers -----------------------------------------------------------
    def list_servers(self, *, detail: bool = True, **filters: Any) -> list[dict]:
        path = "servers/detail" if detail else "servers"
        return self.get_json(path, params=filters or None)["servers"]

    def get_server(self, server_id: str) -> dict:
        return self.get_json(f"servers/{server_id}")["server"]

    def create_server(self, name: str, flavor_ref: str, image_ref: str, *,
                      networks: list[dict] | str | None = None,
                      metadata: dict[str, str] | None = None,
                      personality: list[dict] | None = None, key_name: str | None = None,
                      user_data: bytes | str | None = None,
                      project: str | None = None) -> dict:
        """`networks`: [{"uuid": id} | {"port": id}], or "none"/"auto" (microversion style)."""
        server: dict[str, Any] = {"name": name, "flavorRef": flavor_ref,
                                  "imageRef": image_ref}
        if networks is not None:
            server["networks"] = networks
        if metadata:
            server["metadata"] = metadata
        if personality:
            server["personality"] = personality
        if key_name:
            server["key_name"] = key_name
        if user_data is not None:
            raw = user_data.encode() if isinstance(user_data, str) else user_data
            server["user_data"] = base64.b64encode(raw).decode()
        if project:
            server["project"] = project
        return self.post_json("servers", {"server": server}, expect=(202,))["server"]

    def rename_server(self, server_id: str, name: str) -> dict:
        body = self.request("PUT", f"servers/{server_id}",
                            json_body={"server": {"name": name}}).json()
        return body["server"]

    def delete_server(self, server_id: str) -> None:
        self.request("DELETE", f"servers/{server_id}", expect=(202, 204))

    def server_action(self, server_id: str, action: dict[str, Any]) -> Any:
        response = self.request("POST", f"servers/{server_id}/action", json_body=action,
                                expect=(200, 202, 204), retry=False)
        return response.json() if response.content else None

    def start_server(self, server_id: str) -> None:
        self.server_action(server_id, {"os-start": None})

    def shutdown_server(self, server_id: str) -> None:
        self.server_action(server_id, {"os-stop": None})

    def reboot_server(self, server_id: str, *, hard: bool = False) -> None:
        self.server_action(server_id, {"reboot": {"type": "HARD" if hard else "SOFT"}})

    def resize_server(self, server_id: str, flavor_ref: str) -> None:
        self.server_action(server_id, {"resize": {"flavorRef": flavor_ref}})

    def get_console(self, server_id: str, kind: str = "vnc") -> dict:
        return self.server_action(server_id, {"console": {"type": kind}})["console"]

    def wait_server(self, server_id: str, statuses: set[str] | str, *,
                    timeout: float = 300.0, interval: float = 2.0,
                    on_poll: Callable[[dict], None] | None = None) -> dict:
        """Poll until the status is one of `statuses` (DELETED also matches a 404)."""
        wanted = {statuses} if isinstance(statuses, str) else set(statuses)
        deadline = time.monotonic() + timeout
        while True:
            try:
                server = self.get_server(server_id)
            except ClientError as exc:
                if exc.status == 404 and "DELETED" in wanted:
                    return {"id": server_id, "status": "DELETED"}
                raise
            if on_poll:
                on_poll(server)
            if server.get("status") in wanted:
                return server
            if server.get("status") in TERMINAL_ERROR_STATUSES - wanted:
                fault = (server.get("fault") or {}).get("message")
                raise ClientError(f"server {server_id} went to {server['status']}"
                                  + (f": {fault[:300]}" if fault else ""), status=409)
            if time.monotonic() >= deadline:
                raise ClientError(f"server {server_id} still {server.get('status')} after "
                                  f"{timeout:.0f}s", status=408)
            time.sleep(interval)

    # ---- server metadata ---------------------------------------------------
    def get_server_metadata(self, server_id: str) -> dict[str, str]:
        return self.get_json(f"servers/{server_id}/metadata")["metadata"]

    def update_server_metadata(self, server_id: str, metadata: dict[str, str]) -> dict:
        return self.post_json(f"servers/{server_id}/metadata", {"metadata": metadata})["metadata"]

    def delete_server_metadata(self, server_id: str, key: str) -> None:
        self.request("DELETE", f"servers/{server_id}/metadata/{key}")

    # ---- volume attachments ------------------------------------------------
    def list_attachments(self, server_id: str) -> list[dict]:
        return self.get_json(f"servers/{server_id}/os-volume_attachments")["volumeAttachments"]

    def attach_volume(self, server_id: str, volume_id: str) -> dict:
        body = {"volumeAttachment": {"volumeId": volume_id}}
        return self.post_json(f"servers/{server_id}/os-volume_attachments",
                              body)["volumeAttachment"]

    def detach_volume(self, server_id: str, volume_id: str) -> None:
        self.request("DELETE", f"servers/{server_id}/os-volume_attachments/{volume_id}")

    # ---- flavors, images, keypairs -----------------------------------------
    def list_flavors(self, *, detail: bool = True) -> list[dict]:
        return self.get_json("flavors/detail" if detail else "flavors")["flavors"]

    def get_flavor(self, flavor_id: str) -> dict:
        return self.get_json(f"flavors/{flavor_id}")["flavor"]

    def list_images(self, *, detail: bool = True) -> list[dict]:
        return self.get_json("images/detail" if detail else "images")["images"]

    def get_image(self, image_id: str) -> dict:
        return self.get_json(f"images/{image_id}")["image"]

    def list_keypairs(self) -> list[dict]:
        return [k["keypair"] for k in self.get_json("os-keypairs")["keypairs"]]

    def create_keypair(self, name: str, public_key: str | None = None) -> dict:
        keypair = {"name": name}
        if public_key:
            keypair["public_key"] = public_key
        return self.post_json("os-keypairs", {"keypair": keypair})["keypair"]

    def delete_keypair(self, name: str) -> None:
        self.request("DELETE", f"os-keypairs/{name}")
