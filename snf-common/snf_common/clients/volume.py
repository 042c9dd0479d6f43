"""Block storage (Cinder v3 as Cyclades serves it) client. `endpoint` = .../volume/v3[/project]."""

from __future__ import annotations

import time
from typing import Any

from snf_common.clients.base import ClientError, HttpClient


class VolumeClient(HttpClient):

    # ---- volumes -----------------------------------------------------------
    def list_volumes(self, *, detail: bool = True, **filters: Any) -> list[dict]:
        return self.get_json("volumes/detail" if detail else "volumes",
                             params=filters or None)["volumes"]

    def get_volume(self, volume_id: str) -> dict:
        return self.get_json(f"volumes/{volume_id}")["volume"]

    def create_volume(self, size_gib: int, *, name: str | None = None,
                      volume_type: str | None = None, image_ref: str | None = None,
                      snapshot_id: str | None = None, server_id: str | None = None,
                      project: str | None = None, description: str | None = None,
                      metadata: dict[str, str] | None = None) -> dict:
        fields = {"size": size_gib, "name": name, "volume_type": volume_type,
                  "imageRef": image_ref, "snapshot_id": snapshot_id, "server_id": server_id,
                  "project": project, "description": description, "metadata": metadata}
        body = {"volume": {k: v for k, v in fields.items() if v is not None}}
        return self.post_json("volumes", body, expect=(200, 202))["volume"]

    def update_volume(self, volume_id: str, **fields: Any) -> dict:
        return self.request("PUT", f"volumes/{volume_id}",
                            json_body={"volume": fields}).json()["volume"]

    def delete_volume(self, volume_id: str) -> None:
        self.request("DELETE", f"volumes/{volume_id}", expect=(202, 204))

    def wait_volume(self, volume_id: str, statuses: set[str] | str, *,
                    timeout: float = 300.0, interval: float = 2.0) -> dict:
        wanted = {statuses} if isinstance(statuses, str) else set(statuses)
        deadline = time.monotonic() + timeout
        while True:
            try:
                volume = self.get_volume(volume_id)
            except ClientError as exc:
                if exc.status == 404 and "deleted" in {s.lower() for s in wanted}:
                    return {"id": volume_id, "status": "deleted"}
                raise
            if volume.get("status", "").lower() in {s.lower() for s in wanted}:
                return volume
            if time.monotonic() >= deadline:
                raise ClientError(f"volume {volume_id} still {volume.get('status')}",
                                  status=408)
            time.sleep(interval)

    def list_volume_types(self) -> list[dict]:
        return self.get_json("types")["volume_types"]

    # ---- snapshots ---------------------------------------------------------
    def list_snapshots(self, *, detail: bool = True) -> list[dict]:
        return self.get_json("snapshots/detail" if detail else "snapshots")["snapshots"]

    def get_snapshot(self, snapshot_id: str) -> dict:
        return self.get_json(f"snapshots/{snapshot_id}")["snapshot"]

    def create_snapshot(self, volume_id: str, *, name: str | None = None,
                        description: str | None = None) -> dict:
        fields = {"volume_id": volume_id, "name": name, "description": description}
        body = {"snapshot": {k: v for k, v in fields.items() if v is not None}}
        return self.post_json("snapshots", body, expect=(200, 202))["snapshot"]

    def update_snapshot(self, snapshot_id: str, **fields: Any) -> dict:
        return self.request("PUT", f"snapshots/{snapshot_id}",
                            json_body={"snapshot": fields}).json()["snapshot"]

    def delete_snapshot(self, snapshot_id: str) -> None:
        self.request("DELETE", f"snapshots/{snapshot_id}", expect=(202, 204))
