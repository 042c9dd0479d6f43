"""Test helpers: a Swift-speaking wrapper over Django's test client."""

from __future__ import annotations


class Swift:
    """A thin Swift-speaking wrapper over Django's test client for one user."""

    def __init__(self, client, user: str) -> None:
        self.client = client
        self.user = user
        self.token = "tok-" + user

    def url(self, path: str = "", account: str | None = None) -> str:
        base = f"/object-store/v1/{account or self.user}"
        return base + ("/" + path if path else "")

    def call(self, method: str, path: str = "", *, data: bytes | str = b"", account=None,
             headers: dict | None = None, query: str = "", content_type: str | None = None):
        extra = {"HTTP_X_AUTH_TOKEN": self.token}
        for key, value in (headers or {}).items():
            name = key.upper().replace("-", "_")
            extra[name if name in ("CONTENT_TYPE",) else "HTTP_" + name] = value
        url = self.url(path, account) + (("?" + query) if query else "")
        if isinstance(data, str):
            data = data.encode()
        ctype = content_type or extra.pop("CONTENT_TYPE", "application/octet-stream")
        extra.setdefault("CONTENT_LENGTH", str(len(data)))  # real clients always send it
        return self.client.generic(method, url, data=data, content_type=ctype, **extra)


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
