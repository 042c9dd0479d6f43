import hashlib
import io

from snf_common import hashing

H = lambda data: hashlib.sha256(data).digest()  # noqa: E731


def test_block_hash_strips_trailing_zero_bytes_only():
    assert hashing.block_hash(b"abc\x00\x00") == H(b"abc")
    assert hashing.block_hash(b"\x00abc") == H(b"\x00abc")
    assert hashing.block_hash(b"\x00" * 4096) == H(b"")


def test_merkle_root_of_one_block_is_the_block_hash():
    assert hashing.merkle_root([H(b"a")]) == H(b"a")


def test_merkle_root_pads_to_a_power_of_two_with_zero_digests():
    a, b, c = H(b"a"), H(b"b"), H(b"c")
    zero = b"\x00" * 32
    assert hashing.merkle_root([a, b]) == H(a + b)
    assert hashing.merkle_root([a, b, c]) == H(H(a + b) + H(c + zero))


def test_empty_stream_has_one_empty_block_hash():
    size, hashes = hashing.hashmap_of_stream(io.BytesIO(b""), block_size=4)
    assert size == 0 and hashes == [H(b"").hex()]


def test_stream_is_cut_into_blocks_of_block_size():
    data = b"abcdefghij"
    size, hashes = hashing.hashmap_of_stream(io.BytesIO(data), block_size=4)
    assert size == 10
    assert hashes == [H(b"abcd").hex(), H(b"efgh").hex(), H(b"ij").hex()]
    assert hashing.block_count(10, 4) == 3 and hashing.block_count(0, 4) == 1


def test_block_hash_of_buffers_strips_trailing_nuls_like_bytes():
    from snf_common import hashing as h

    for data in (b"xyz\0\0", b"\0\0\0", b"abc", b""):
        expected = h.block_hash(data)
        assert h.block_hash(bytearray(data)) == expected
        assert h.block_hash(memoryview(bytearray(data + b"tail"))[:len(data)]) == expected
