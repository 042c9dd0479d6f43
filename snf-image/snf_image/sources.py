"""Where images come from: one small class per kind of img_id, tried in order.

A source answers `accepts(img_id)` and `open(img_id)` -> ImageStream (an
iterator of byte chunks plus the total size when known). Operators add their own
with the SNF_IMAGE_SOURCES setting (dotted class paths, tried first).
"""

from __future__ import annotations

import importlib
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from snf_common.hashing import BLOCK_SIZE_BYTES

CHUNK_BYTES = 4 * 1024 * 1024


class SourceError(Exception):
    """The image cannot be found or read."""


@dataclass
class ImageStream:
    chunks: Iterator[bytes]
    size: int | None
    description: str


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


class ImageSource:
    name = "base"

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings

    def accepts(self, img_id: str) -> bool:
        raise NotImplementedError

    def open(self, img_id: str) -> ImageStream:
        raise NotImplementedError


class LocalSource(ImageSource):
    """An absolute path, file:///path, local://name or a bare name in SNF_IMAGE_DIR."""

    name = "local"

    def _path(self, img_id: str) -> Path:
        if img_id.startswith("file://"):
            return Path(urllib.parse.unquote(urllib.parse.urlparse(img_id).path))
        if img_id.startswith("local://"):
            img_id = img_id[len("local://"):]
        if img_id.startswith("/"):
            return Path(img_id)
        if "/" in img_id or img_id in ("", ".", ".."):
            raise SourceError(f"{img_id!r}: a local image name cannot contain '/'")
        return Path(self.settings["SNF_IMAGE_DIR"]) / img_id

    def accepts(self, img_id: str) -> bool:
        return "://" not in img_id or img_id.startswith(("file://", "local://"))

    def open(self, img_id: str) -> ImageStream:
        path = self._path(img_id)
        if not path.is_file():
            raise SourceError(f"image {img_id!r}: no file {path}")
        return ImageStream(_file_chunks(path), path.stat().st_size, str(path))


class HttpSource(ImageSource):
    name = "network"

    def accepts(self, img_id: str) -> bool:
        return img_id.startswith(("http://", "https://"))

    def open(self, img_id: str) -> ImageStream:
        try:
            response = urllib.request.urlopen(img_id, timeout=60)  # noqa: S310 (operator URL)
        except OSError as exc:
            raise SourceError(f"image {img_id}: {exc}") from None
        length = response.headers.get("Content-Length")

        def chunks() -> Iterator[bytes]:
            with response:
                while chunk := response.read(CHUNK_BYTES):
                    yield chunk

        return ImageStream(chunks(), int(length) if length else None, img_id)


def parse_map(data: bytes) -> list[str]:
    """Block names of a stored map (JSON or Pithos' raw digests): Archipelago's reader."""
    from archipelago.hashmaps import parse_hashmap
    from archipelago.mapper import VolumeError

    try:
        return parse_hashmap(data)
    except VolumeError as exc:
        raise SourceError(str(exc)) from None


class PithosMapSource(ImageSource):
    """pithosmap://<map name>/<size>: an image's blocks read straight from the block store
    that Pithos and Archipelago share (no Pithos server in the path)."""

    name = "pithos"

    def accepts(self, img_id: str) -> bool:
        return img_id.startswith("pithosmap://")

    def open(self, img_id: str) -> ImageStream:
        config = self.settings.get("SNF_IMAGE_BLOCKSTORE") or {}
        if not config:
            raise SourceError("pithosmap images need the SNF_IMAGE_BLOCKSTORE setting")
        rest = img_id[len("pithosmap://"):]
        map_name, _, size_text = rest.rpartition("/")
        if not map_name or not size_text.isdigit():
            raise SourceError(f"{img_id!r}: expected pithosmap://<map>/<size>")
        from archipelago.blockstore.base import BlockStoreError, open_blockstore

        store = open_blockstore(config)
        try:
            names = parse_map(store.get_map(map_name))
        except BlockStoreError as exc:
            store.close()
            raise SourceError(f"image {img_id}: {exc}") from None
        size = int(size_text)

        def chunks() -> Iterator[bytes]:
            remaining = size
            try:
                for name in names:
                    if remaining <= 0:
                        break
                    block = store.get_block(name)
                    want = min(BLOCK_SIZE_BYTES, remaining)
                    # stored blocks lost their trailing zeros: pad back to the block size
                    yield block[:want] + b"\x00" * max(0, want - len(block))
                    remaining -= want
                if remaining > 0:
                    raise SourceError(f"image {img_id}: map is {remaining} bytes short")
            finally:
                store.close()

        return ImageStream(chunks(), size, f"map {map_name}")


class NullSource(ImageSource):
    """null: nothing to copy (the disk already holds the image, e.g. a thin clone)."""

    name = "null"

    def accepts(self, img_id: str) -> bool:
        return img_id in ("null", "null://")

    def open(self, img_id: str) -> ImageStream:
        return ImageStream(iter(()), 0, "no copy")


BUILTIN_SOURCES: list[type[ImageSource]] = [NullSource, PithosMapSource, HttpSource, LocalSource]


def _load_class(path: str) -> type[ImageSource]:
    module_name, _, class_name = path.rpartition(".")
    return getattr(importlib.import_module(module_name), class_name)


def open_image(img_id: str, settings: dict[str, Any]) -> ImageStream:
    classes = [_load_class(p) for p in settings.get("SNF_IMAGE_SOURCES") or []] + BUILTIN_SOURCES
    for cls in classes:
        source = cls(settings)
        if source.accepts(img_id):
            return source.open(img_id)
    raise SourceError(f"no image source understands {img_id!r}")
