import base64
import json
import struct
import sys

import pytest
from image_samples import (
    build_tree,
    debugfs_cat,
    debugfs_stat,
    make_ext4_image,
    needs_e2fsprogs,
)

from snf_image.deploy import DeployError, create
from snf_image.partitions import find_root

pytestmark = needs_e2fsprogs


def settings(tmp_path):
    return {"SNF_IMAGE_DIR": str(tmp_path), "SNF_IMAGE_SOURCES": [], "SNF_IMAGE_BLOCKSTORE": {},
            "SNF_IMAGE_PROGRESS_MONITOR": "", "SNF_IMAGE_CONFIG_URL_TIMEOUT": 5.0}


def new_disk(path, size_mib):
    with open(path, "wb") as handle:
        handle.truncate(size_mib * 1024 * 1024)
    return path


def environ(image, disk, **osp):
    env = {"INSTANCE_NAME": "snf-7.example", "DISK_0_PATH": str(disk), "DISK_COUNT": "1",
           "OSP_IMG_ID": str(image), "OSP_IMG_FORMAT": "diskdump"}
    env.update({f"OSP_{k.upper()}": v for k, v in osp.items()})
    return env


def test_create_copies_grows_and_customises(tmp_path):
    image = make_ext4_image(tmp_path / "debian.img", build_tree(tmp_path / "tree"))
    disk = new_disk(tmp_path / "disk0", 32)
    events = tmp_path / "events.jsonl"
    monitor = f"{sys.executable} -c 'import sys; open(sys.argv[1], \"w\").write(sys.stdin.read())' {events}"
    personality = [{"path": "/etc/snf/hello.txt", "contents": base64.b64encode(b"hello\n").decode(),
                    "owner": "user", "group": "user", "mode": 0o640}]
    env = environ(image, disk, img_passwd="s3cret", img_personality=json.dumps(personality),
                  img_properties='{"USERS": "user"}', auth_keys="ssh-ed25519 AAAAkey me@host")
    env["PROGRESS_MONITOR"] = monitor
    create(env, settings(tmp_path))

    assert debugfs_cat(disk, "/etc/hostname") == b"snf-7.example\n"
    assert debugfs_cat(disk, "/etc/snf/hello.txt") == b"hello\n"
    stat = debugfs_stat(disk, "/etc/snf/hello.txt")
    assert "User:  1000" in stat and "Group:  1000" in stat and "Mode:  0640" in stat
    assert debugfs_cat(disk, "/root/.ssh/authorized_keys") == b"ssh-ed25519 AAAAkey me@host\n"
    assert "Mode:  0700" in debugfs_stat(disk, "/root/.ssh")
    shadow = debugfs_cat(disk, "/etc/shadow").decode().splitlines()
    assert shadow[0].startswith("root:$6$") and shadow[1].startswith("user:$6$")
    # the filesystem now fills the 32 MiB disk (it was made 8 MiB)
    with open(disk, "rb") as handle:
        handle.seek(1024 + 4)
        (block_count,) = struct.unpack("<I", handle.read(4))
        handle.seek(1024 + 24)
        (log_block,) = struct.unpack("<I", handle.read(4))
    assert block_count * (1024 << log_block) == 32 * 1024 * 1024

    sent = [json.loads(line) for line in events.read_text().splitlines()]
    copies = [e for e in sent if e["type"] == "image-copy-progress"]
    assert copies and copies[-1]["progress"] == 100.0
    tasks = [e["task"] for e in sent if e["type"] == "image-helper" and e["subtype"] == "task-end"]
    assert any(t.startswith("EnforcePersonality") for t in tasks)


def test_partitioned_image_is_customised_at_its_partition_offset(tmp_path):
    fs = make_ext4_image(tmp_path / "root.fs", build_tree(tmp_path / "tree"))
    image = tmp_path / "disk.img"
    start_sector = 2048
    data = fs.read_bytes()
    mbr = bytearray(512)
    mbr[446 + 4] = 0x83
    struct.pack_into("<II", mbr, 446 + 8, start_sector, len(data) // 512)
    mbr[510:512] = b"\x55\xaa"
    image.write_bytes(bytes(mbr) + b"\x00" * (start_sector * 512 - 512) + data)
    disk = new_disk(tmp_path / "disk0", 16)
    create(environ(image, disk, auth_keys="ssh-rsa KEY"), settings(tmp_path))
    with open(disk, "rb") as handle:
        root = find_root(handle)
    assert (root.number, root.offset) == (1, start_sector * 512)
    assert debugfs_cat(disk, "/etc/hostname", root.offset) == b"snf-7.example\n"
    assert debugfs_cat(disk, "/root/.ssh/authorized_keys", root.offset) == b"ssh-rsa KEY\n"


def test_image_larger_than_disk_fails(tmp_path):
    image = make_ext4_image(tmp_path / "big.img", build_tree(tmp_path / "tree"), size_mib=8)
    disk = new_disk(tmp_path / "disk0", 4)
    with pytest.raises(DeployError, match="disk only"):
        create(environ(image, disk), settings(tmp_path))


def test_no_filesystem_with_requested_password_fails(tmp_path):
    image = tmp_path / "raw.img"
    image.write_bytes(b"\x01" * 4096)
    disk = new_disk(tmp_path / "disk0", 1)
    create(environ(image, disk), settings(tmp_path))  # nothing to inject: copied as is
    assert disk.read_bytes()[:4096] == b"\x01" * 4096
    with pytest.raises(DeployError, match="no ext2/3/4"):
        create(environ(image, disk, img_passwd="x"), settings(tmp_path))


def test_windows_image_is_copied_but_not_customised(tmp_path):
    image = make_ext4_image(tmp_path / "w.img", build_tree(tmp_path / "tree"))
    disk = new_disk(tmp_path / "disk0", 8)
    create(environ(image, disk, img_properties='{"OSFAMILY": "windows"}'), settings(tmp_path))
    assert debugfs_cat(disk, "/etc/hostname") == b"localhost\n"
    with pytest.raises(DeployError, match="windows"):
        create(environ(image, disk, img_properties='{"OSFAMILY": "windows"}', img_passwd="x"),
               settings(tmp_path))
