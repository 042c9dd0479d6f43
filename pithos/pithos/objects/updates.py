"""Changes made from existing content: copy, move, partial overwrite, append, truncate.

None of these moves data it does not have to: a copy or a move reuses the
block names, and a partial update re-writes only the blocks the range touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pithos.objects import blocks, versions
from pithos.objects.models import Version
from snf_common.faults import BadRequest, RangeNotSatisfiable


def copy(source: Version, account: str, container: str, name: str, *, user: str,
         meta: dict[str, str] | None, content_type: str | None, move: bool = False,
         if_none_match_any: bool = False) -> Version:
    """A new version at the destination with the source's blocks; a move keeps the UUID."""
    content = versions.Content(
        size=source.size, hashes=source.hash_list(), md5=source.md5,
        content_type=content_type or source.content_type,
        content_encoding=source.content_encoding,
        content_disposition=source.content_disposition, manifest=source.manifest,
        meta=versions.meta_of(source) if meta is None else meta)
    return versions.commit(account, container, name, content, user=user,
                           keep_uuid=source.uuid if move else None,
                           if_none_match_any=if_none_match_any)


def _chunks_exactly(chunks: Iterable[bytes], length: int) -> Iterator[bytes]:
    """Pieces of `chunks` totalling exactly `length` bytes (400 if fewer arrive)."""
    got = 0
    for chunk in chunks:
        if got + len(chunk) > length:
            chunk = chunk[:length - got]
        got += len(chunk)
        if chunk:
            yield chunk
        if got >= length:
            return
    if got < length:
        raise BadRequest(f"Expected {length} bytes of data, got {got}.")


def patch(version: Version, *, offset: int | None, data: Iterable[bytes], length: int,
          final_size: int | None = None) -> versions.Content:
    """Content of `version` with `length` bytes of `data` written at `offset`
    (None = append), then truncated or zero-extended to `final_size` if given."""
    bsize = blocks.block_size()
    hashes = version.hash_list()
    size = version.size
    if offset is None:
        offset = size
    if offset < 0 or offset > size:
        raise RangeNotSatisfiable("The range starts past the end of the object.",
                                  headers={"Content-Range": f"bytes */{size}"})
    if size == 0:
        hashes = []
    new_size = max(size, offset + length)
    pos = offset
    buffer: bytes = b""
    stream = _chunks_exactly(data, length)
    # rewrite block by block: old bytes around, new bytes in the middle
    for chunk in stream:
        buffer += chunk
        while buffer:
            index = pos // bsize
            block_start = index * bsize
            inner = pos - block_start
            room = bsize - inner
            if len(buffer) < room and pos + len(buffer) < offset + length:
                break  # wait for more data to fill this block
            piece, buffer = buffer[:room], buffer[room:]
            old_len = min(bsize, max(0, size - block_start))
            old = blocks.read_block(hashes[index], old_len) if index < len(hashes) else b""
            old = old.ljust(inner, b"\x00")
            block = old[:inner] + piece + old[inner + len(piece):]
            name = blocks.put_block(block)
            while len(hashes) <= index:
                hashes.append(blocks.empty_block_name())
            hashes[index] = name
            pos += len(piece)
    content = versions.Content(
        size=new_size, hashes=hashes or [blocks.empty_block_name()],
        content_type=version.content_type, content_encoding=version.content_encoding,
        content_disposition=version.content_disposition, meta=versions.meta_of(version))
    if final_size is not None:
        resize(content, final_size)
    # blocks between the old end and a write past it hold zeros: pad their names
    needed = max(1, -(-content.size // bsize))
    while len(content.hashes) < needed:
        content.hashes.append(blocks.empty_block_name())
    return content


def resize(content: versions.Content, final_size: int) -> None:
    """Truncate (the cut block is re-stored shorter) or extend with zeros."""
    bsize = blocks.block_size()
    if final_size < 0:
        raise BadRequest("X-Object-Bytes must not be negative.")
    if final_size < content.size:
        keep = max(1, -(-final_size // bsize))
        content.hashes = content.hashes[:keep]
        tail = final_size - (keep - 1) * bsize
        if final_size == 0:
            content.hashes = [blocks.empty_block_name()]
        elif tail < bsize:
            last = blocks.read_block(content.hashes[-1], tail)
            content.hashes[-1] = blocks.put_block(last)
    content.size = final_size
