import hashlib
import json

import pytest

from archipelago.hashmaps import parse_hashmap
from archipelago.mapper import VolumeError


def test_raw_digests_that_start_like_json_are_still_raw_digests():
    # find a digest whose first byte is '{' (and one starting with '['): binary, not JSON
    for opener in (b"{", b"["):
        digest = next(d for d in (hashlib.sha256(str(i).encode()).digest() for i in range(10**5))
                      if d[:1] == opener)
        other = hashlib.sha256(b"x").digest()
        assert parse_hashmap(digest + other) == [digest.hex(), other.hex()]


def test_whitespace_bytes_at_the_start_of_raw_digests_are_kept():
    digest = b" " + hashlib.sha256(b"y").digest()[1:]
    assert parse_hashmap(digest) == [digest.hex()]


def test_json_maps_and_garbage():
    hashes = [hashlib.sha256(b"a").hexdigest()]
    assert parse_hashmap(json.dumps(hashes).encode()) == hashes
    assert parse_hashmap(json.dumps({"hashes": hashes}).encode()) == hashes
    with pytest.raises(VolumeError):
        parse_hashmap(b"not a map")
