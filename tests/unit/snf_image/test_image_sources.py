import hashlib

import pytest

from archipelago.blockstore.base import BlockNotFound, BlockStore
from snf_common.hashing import BLOCK_SIZE_BYTES, block_hash_hex
from snf_image.sources import SourceError, open_image, parse_map


class DictStore(BlockStore):
    """A minimal in-memory block store for the pithosmap source."""

    blocks: dict = {}
    maps: dict = {}

    def __init__(self):
        pass

    def put_block(self, data):
        name = block_hash_hex(data)
        self.blocks[name] = data.rstrip(b"\x00")
        return name

    def get_block(self, name):
        if name not in self.blocks:
            raise BlockNotFound(name)
        return self.blocks[name]

    def has_blocks(self, names):
        return {n for n in names if n in self.blocks}

    def delete_block(self, name):
        self.blocks.pop(name, None)

    def iter_block_names(self):
        return iter(list(self.blocks))

    def put_map(self, name, data):
        self.maps[name] = data

    def get_map(self, name):
        if name not in self.maps:
            raise BlockNotFound(name)
        return self.maps[name]

    def delete_map(self, name):
        self.maps.pop(name, None)


def settings(tmp_path, **extra):
    return {"SNF_IMAGE_DIR": str(tmp_path), "SNF_IMAGE_SOURCES": [],
            "SNF_IMAGE_BLOCKSTORE": {}, **extra}


def read_all(stream):
    return b"".join(stream.chunks)


def test_local_names_paths_and_file_urls(tmp_path):
    (tmp_path / "debian").write_bytes(b"image-bytes")
    conf = settings(tmp_path)
    for img_id in ("debian", "local://debian", str(tmp_path / "debian"),
                   (tmp_path / "debian").as_uri()):
        stream = open_image(img_id, conf)
        assert (read_all(stream), stream.size) == (b"image-bytes", 11)
    with pytest.raises(SourceError):
        open_image("../etc/passwd", conf)
    with pytest.raises(SourceError):
        open_image("missing", conf)
    with pytest.raises(SourceError, match="no image source"):
        open_image("gopher://x", conf)


def test_pithosmap_reads_blocks_and_restores_trailing_zeros(tmp_path):
    DictStore.blocks, DictStore.maps = {}, {}
    store = DictStore()
    first = b"A" * (BLOCK_SIZE_BYTES - 10) + b"\x00" * 10  # zeros stripped when stored
    last = b"tail" + b"\x00" * 6
    names = [store.put_block(first), store.put_block(last)]
    store.put_map("img-map", b"".join(bytes.fromhex(n) for n in names))
    size = BLOCK_SIZE_BYTES + len(last)
    conf = settings(tmp_path, SNF_IMAGE_BLOCKSTORE={
        "BACKEND": f"{__name__}.DictStore", "OPTIONS": {}})
    data = read_all(open_image(f"pithosmap://img-map/{size}", conf))
    assert data == first + last
    assert hashlib.sha256(data).digest() == hashlib.sha256(first + last).digest()
    with pytest.raises(SourceError):
        open_image("pithosmap://absent/10", conf)
    with pytest.raises(SourceError, match="BLOCKSTORE"):
        open_image("pithosmap://img-map/10", settings(tmp_path))


def test_parse_map_formats():
    digest = "ab" * 32
    assert parse_map(bytes.fromhex(digest)) == [digest]
    assert parse_map(f'["{digest}"]'.encode()) == [digest]
    assert parse_map(f'{{"hashes": ["{digest}"]}}'.encode()) == [digest]
    with pytest.raises(SourceError):
        parse_map(b"short")
