"""Image client: Glance v2 for reading and editing, Plankton (v1.0) for registering.

`endpoint` may be the catalog URL (.../image) or a versioned one (.../image/v2,
.../image/v1.0): the unversioned root is derived from it.
"""

from __future__ import annotations

from typing import Any

from snf_common.clients.base import HttpClient

VERSION_SUFFIXES = ("/v2", "/v2.0", "/v1.0", "/v1")


def _root(endpoint: str) -> str:
    endpoint = endpoint.rstrip("/")
    for suffix in VERSION_SUFFIXES:
        if endpoint.endswith(suffix):
            return endpoint[: -len(suffix)]
    return endpoint


def parse_v1_headers(headers: Any) -> dict[str, Any]:
    """Glance v1 `X-Image-Meta-*` headers -> an image dict with `properties`."""
    image: dict[str, Any] = {"properties": {}}
    for key, value in headers.items():
        low = key.lower()
        if low.startswith("x-image-meta-property-"):
            image["properties"][low[len("x-image-meta-property-"):].upper()] = value
        elif low.startswith("x-image-meta-"):
            image[low[len("x-image-meta-"):].replace("-", "_")] = value
    return image


class ImageClient(HttpClient):

    def __init__(self, endpoint: str, token: str = "", **kwargs: Any) -> None:
        super().__init__(_root(endpoint), token, **kwargs)

    # ---- Glance v2 ---------------------------------------------------------
    def list_images(self, **filters: Any) -> list[dict]:
        return self.get_json("v2/images", params=filters or None)["images"]

    def get_image(self, image_id: str) -> dict:
        return self.get_json(f"v2/images/{image_id}")

    def update_image(self, image_id: str, changes: dict[str, Any]) -> dict:
        """Set (value not None) or remove (None) top-level attributes/properties."""
        patch = [{"op": "remove", "path": f"/{k}"} if v is None else
                 {"op": "replace", "path": f"/{k}", "value": v} for k, v in changes.items()]
        return self.request(
            "PATCH", f"v2/images/{image_id}", json_body=patch,
            headers={"Content-Type": "application/openstack-images-v2.1-json-patch"}).json()

    def delete_image(self, image_id: str) -> None:
        self.request("DELETE", f"v2/images/{image_id}", expect=(204, 200))

    def list_members(self, image_id: str) -> list[dict]:
        return self.get_json(f"v2/images/{image_id}/members")["members"]

    def add_member(self, image_id: str, member: str) -> dict:
        return self.post_json(f"v2/images/{image_id}/members", {"member": member})

    def remove_member(self, image_id: str, member: str) -> None:
        self.request("DELETE", f"v2/images/{image_id}/members/{member}", expect=(204, 200))

    # ---- Plankton v1.0 -----------------------------------------------------
    def register(self, name: str, location: str, *, properties: dict[str, str] | None = None,
                 is_public: bool = False, disk_format: str = "diskdump",
                 container_format: str = "bare") -> dict:
        """Register a Pithos file (`pithos://<account>/<container>/<path>`) as an image."""
        headers = {"X-Image-Meta-Name": name, "X-Image-Meta-Location": location,
                   "X-Image-Meta-Disk-Format": disk_format,
                   "X-Image-Meta-Container-Format": container_format,
                   "X-Image-Meta-Is-Public": "true" if is_public else "false"}
        for key, value in (properties or {}).items():
            # WSGI servers drop header names with "_" (ROOT_PARTITION); Plankton reads
            # "-" in a property name back as "_".
            headers[f"X-Image-Meta-Property-{key.replace('_', '-')}"] = str(value)
        response = self.request("POST", "v1.0/images", headers=headers, expect=(200, 201),
                                retry=False)
        body = response.json() if response.content else {}
        return body.get("image", body) or parse_v1_headers(response.headers)

    def unregister(self, image_id: str) -> None:
        self.request("DELETE", f"v1.0/images/{image_id}", expect=(200, 204))

    def get_image_v1(self, image_id: str) -> dict:
        return parse_v1_headers(self.request("HEAD", f"v1.0/images/{image_id}").headers)
