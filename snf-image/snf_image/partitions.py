"""Find the ext2/3/4 filesystems of an image: a whole-disk filesystem, or the
partitions of an MBR or GPT partition table (read directly; no losetup, no kpartx)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

SECTOR_BYTES = 512
EXT_MAGIC_OFFSET = 1024 + 56
EXT_MAGIC = b"\x53\xef"
GPT_PROTECTIVE = 0xEE
EXTENDED_TYPES = (0x05, 0x0F, 0x85)


@dataclass(frozen=True)
class Partition:
    number: int                 # 1-based, as Linux names them (sda1...); 0 = whole disk
    offset: int                 # bytes
    size: int                   # bytes


def _read_at(handle: BinaryIO, offset: int, length: int) -> bytes:
    handle.seek(offset)
    return handle.read(length)


def is_ext(handle: BinaryIO, offset: int) -> bool:
    return _read_at(handle, offset + EXT_MAGIC_OFFSET, 2) == EXT_MAGIC


def _gpt_partitions(handle: BinaryIO) -> list[Partition]:
    header = _read_at(handle, SECTOR_BYTES, 92)
    if header[:8] != b"EFI PART":
        return []
    entries_lba, count, entry_size = struct.unpack_from("<QII", header, 72)
    found = []
    for index in range(min(count, 128)):
        entry = _read_at(handle, entries_lba * SECTOR_BYTES + index * entry_size, entry_size)
        if len(entry) < 48 or entry[:16] == b"\x00" * 16:
            continue
        first, last = struct.unpack_from("<QQ", entry, 32)
        found.append(Partition(index + 1, first * SECTOR_BYTES, (last - first + 1) * SECTOR_BYTES))
    return found


def list_partitions(handle: BinaryIO) -> list[Partition]:
    """Primary MBR partitions or GPT entries; [] when there is no partition table."""
    mbr = _read_at(handle, 0, SECTOR_BYTES)
    if len(mbr) < SECTOR_BYTES or mbr[510:512] != b"\x55\xaa":
        return []
    found = []
    for index in range(4):
        entry = mbr[446 + 16 * index: 446 + 16 * (index + 1)]
        kind = entry[4]
        start, sectors = struct.unpack_from("<II", entry, 8)
        if kind == GPT_PROTECTIVE:
            return _gpt_partitions(handle)
        if kind and kind not in EXTENDED_TYPES and sectors:
            found.append(Partition(index + 1, start * SECTOR_BYTES, sectors * SECTOR_BYTES))
    return found


def find_root(handle: BinaryIO, root_partition: int | None = None) -> Partition | None:
    """The ext filesystem to customise: the whole disk, the requested partition, or
    the first partition that holds an ext filesystem."""
    handle.seek(0, 2)
    disk_size = handle.tell()
    if is_ext(handle, 0):
        return Partition(0, 0, disk_size)
    for part in list_partitions(handle):
        if root_partition and part.number != root_partition:
            continue
        if is_ext(handle, part.offset):
            return part
    return None
