"""The kamaki CLI as a subprocess (.venv/bin/kamaki) against the in-test fake cloud."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fake_cloud import TOKEN, USER_ID, USER_NAME, FakeCloud

KAMAKI = str(Path(sys.executable).with_name("kamaki"))
BS = 4096


@pytest.fixture()
def cloud():
    with FakeCloud(block_size=BS) as fake:
        yield fake


@pytest.fixture()
def run(cloud, tmp_path):
    config = tmp_path / "kamakirc"
    config.write_text(f'[global]\ndefault_cloud = fake\n\n[cloud "fake"]\n'
                      f"url = {cloud.url}/identity/v3\ntoken = {TOKEN}\n")

    def invoke(*args, code=0):
        env = {**os.environ, "KAMAKI_CONFIG": str(config),
               "XDG_CACHE_HOME": str(tmp_path / "cache")}
        proc = subprocess.run([KAMAKI, *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=60)
        assert proc.returncode == code, (args, proc.returncode, proc.stdout, proc.stderr)
        return proc

    invoke.config = config
    return invoke


def test_user_info_json(run):
    info = json.loads(run("user", "info", "-o", "json").stdout)
    assert info["id"] == USER_ID and info["name"] == USER_NAME


def test_v2_identity_url_works_too(run, cloud):
    run.config.write_text(f'[cloud "old"]\nurl = {cloud.url}/identity/v2.0\n'
                          f"token = {TOKEN}\n")
    assert json.loads(run("-o", "json", "user", "info").stdout)["id"] == USER_ID


def test_bad_token_exits_3_with_one_line(run):
    text = run.config.read_text().replace(TOKEN, "wrong")
    run.config.write_text(text)
    proc = run("container", "list", code=3)
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("Error:")


def test_missing_config_exits_9(run):
    run.config.unlink()
    run("file", "list", code=9)


def test_upload_list_download_roundtrip(run, cloud, tmp_path):
    run("container", "create", "pithos")
    data = os.urandom(BS * 5 + 123)
    (tmp_path / "data.bin").write_bytes(data)
    up = json.loads(run("file", "upload", "data.bin", "pithos/dir/", "-o", "json").stdout)
    assert up == {**up, "blocks_total": 6, "blocks_sent": 6, "bytes": len(data)}
    listing = json.loads(run("-o", "json", "file", "list", "pithos").stdout)
    assert [o["name"] for o in listing] == ["dir/data.bin"]
    table = run("file", "list", "pithos").stdout
    assert "NAME" in table and "dir/data.bin" in table
    run("file", "download", "pithos/dir/data.bin", "copy.bin")
    assert (tmp_path / "copy.bin").read_bytes() == data
    (tmp_path / "t.txt").write_text("some text\n")
    run("file", "upload", "t.txt", "pithos/t.txt")
    assert run("file", "cat", "pithos/t.txt").stdout == "some text\n"


def test_existing_object_needs_sync_or_force(run, tmp_path):
    run("container", "create", "c")
    (tmp_path / "f").write_bytes(b"x" * 10)
    run("file", "upload", "f", "c/f")
    proc = run("file", "upload", "f", "c/f", code=5)
    assert "--sync" in proc.stderr


def test_upload_sync_after_one_block_change_sends_one_block(run, cloud, tmp_path):
    run("container", "create", "c")
    data = bytearray(os.urandom(BS * 16))
    (tmp_path / "big").write_bytes(data)
    run("file", "upload", "big", "c/big")
    data[7 * BS + 1] ^= 0xFF
    (tmp_path / "big").write_bytes(data)
    cloud.reset_counts()
    out = json.loads(run("file", "upload", "--sync", "big", "c/big", "-o", "json").stdout)
    assert out["blocks_sent"] == 1 and out["blocks_total"] == 16
    assert cloud.count("POST", r"^/object-store/v1/[^/]+/c\?") == 1


def test_download_sync_fetches_only_changed_blocks(run, cloud, tmp_path):
    run("container", "create", "c")
    data = bytearray(os.urandom(BS * 10))
    (tmp_path / "src").write_bytes(data)
    run("file", "upload", "src", "c/obj")
    run("file", "download", "c/obj", "local")
    data[0] ^= 1
    data[9 * BS] ^= 1
    (tmp_path / "src").write_bytes(data)
    run("file", "upload", "--sync", "src", "c/obj")
    run("file", "download", "c/obj", "local", code=5)  # exists, no --sync
    cloud.reset_counts()
    out = json.loads(run("file", "download", "--sync", "c/obj", "local", "-o",
                         "json").stdout)
    assert out["blocks_fetched"] == 2
    assert cloud.count("GET", r"/c/obj\?$") == 2
    assert (tmp_path / "local").read_bytes() == bytes(data)


def test_resume_partial_download(run, tmp_path):
    run("container", "create", "c")
    data = os.urandom(BS * 8)
    (tmp_path / "src").write_bytes(data)
    run("file", "upload", "src", "c/obj")
    (tmp_path / "part").write_bytes(data[: BS * 3])
    out = json.loads(run("file", "download", "--resume", "c/obj", "part", "-o",
                         "json").stdout)
    assert out["blocks_fetched"] == 5
    assert (tmp_path / "part").read_bytes() == data


def test_not_found_exits_4(run):
    run("container", "create", "c")
    run("file", "info", "c/nothing", code=4)
    run("file", "download", "c/nothing", code=4)


def test_copy_move_delete_metadata_sharing_publish_versions(run, tmp_path):
    run("container", "create", "c")
    (tmp_path / "a").write_bytes(b"hello")
    run("file", "upload", "a", "c/a")
    run("file", "copy", "c/a", "c/b")
    run("file", "move", "c/b", "c/d")
    names = [o["name"] for o in json.loads(run("file", "list", "c", "-o", "json").stdout)]
    assert names == ["a", "d"]
    meta = json.loads(run("file", "metadata", "c/a", "--set", "k=v", "-o", "json").stdout)
    assert meta == {"k": "v"}
    run("file", "sharing", "set", "c/a", "--read", "u1,u2", "--write", "u3")
    rows = json.loads(run("file", "sharing", "list", "c/a", "-o", "json").stdout)
    assert {(r["permission"], r["who"]) for r in rows} == {
        ("read", "u1"), ("read", "u2"), ("write", "u3")}
    url = json.loads(run("file", "publish", "c/a", "-o", "json").stdout)["public_url"]
    assert "/public/" in url
    run("file", "unpublish", "c/a")
    versions = json.loads(run("file", "versions", "c/a", "-o", "json").stdout)
    assert len(versions) == 1
    run("file", "delete", "c/d")
    run("container", "delete", "c", code=5)  # not empty


def test_quota_and_name_translation(run):
    rows = json.loads(run("quota", "list", "-o", "json").stdout)
    assert rows[0]["resource"] == "pithos.diskspace"
    out = json.loads(run("user", "uuid2name", USER_ID, "-o", "json").stdout)
    assert out == [{"uuid": USER_ID, "name": USER_NAME}]
    out = json.loads(run("user", "name2uuid", USER_NAME, "-o", "json").stdout)
    assert out == [{"name": USER_NAME, "uuid": USER_ID}]


def test_server_create_wait_list_delete(run):
    created = json.loads(run("server", "create", "--name", "vm1", "--flavor-id", "1",
                             "--image-id", "img", "-o", "json").stdout)
    assert created["adminPass"]
    waited = json.loads(run("server", "wait", created["id"], "--timeout", "30",
                            "--interval", "0.1", "-o",
                            "json").stdout)
    assert waited["status"] == "ACTIVE"
    table = run("server", "list").stdout
    assert "vm1" in table and "ACTIVE" in table
    run("server", "shutdown", created["id"])
    assert json.loads(run("server", "info", created["id"], "-o", "json").stdout)[
        "status"] == "STOPPED"
    run("server", "delete", created["id"])
    run("server", "info", created["id"], code=4)
    flavors = json.loads(run("flavor", "list", "-o", "json").stdout)
    assert flavors[0]["ram"] == 1024


def test_missing_service_in_catalog_is_404_exit_4(run):
    run("network", "list", code=4)


def test_completion_scripts(run):
    assert "_KAMAKI_COMPLETE" in run("completion", "bash").stdout
    assert "compdef" in run("completion", "zsh").stdout


def test_config_hides_tokens(run):
    table = run("config", "list").stdout
    assert TOKEN not in table and "cloud.fake.url" in table
    assert run("config", "get", "cloud.fake.token").stdout.strip() == TOKEN


def test_wait_timeout_exits_8(run):
    created = json.loads(run("server", "create", "--name", "vm", "--flavor-id", "1",
                             "--image-id", "img", "-o", "json").stdout)
    proc = run("server", "wait", created["id"], "--status", "STOPPED", "--timeout", "0.3",
               "--interval", "0.1", code=8)
    assert "after" in proc.stderr


def test_checked_token_is_kept_between_runs_until_refused(run, cloud, tmp_path):
    tokens = tmp_path / "cache" / "kamaki" / "tokens"
    run("user", "info")
    run("container", "list")
    assert cloud.count("POST", "^/identity/v3/auth/tokens") == 1
    (entry,) = tokens.iterdir()
    assert entry.stat().st_mode & 0o777 == 0o600
    run("user", "authenticate")                  # always asks Astakos
    assert cloud.count("POST", "^/identity/v3/auth/tokens") == 2
    cloud.revoked = True
    run("container", "list", code=3)             # refused by the service: forgotten
    assert list(tokens.iterdir()) == []
    run("container", "list", code=3)
    assert cloud.count("POST", "^/identity/v3/auth/tokens") == 3


def test_token_cache_can_be_turned_off(run, cloud, tmp_path, monkeypatch):
    monkeypatch.setenv("KAMAKI_TOKEN_CACHE", "off")
    run("user", "info")
    run("user", "info")
    assert cloud.count("POST", "^/identity/v3/auth/tokens") == 2
    assert not (tmp_path / "cache" / "kamaki" / "tokens").exists()


def test_verbose_logs_each_request_but_never_the_token(run):
    proc = run("-v", "container", "list")
    lines = [line for line in proc.stderr.splitlines() if "->" in line]
    assert any("POST" in line and "/identity/v3/auth/tokens -> 201" in line for line in lines)
    assert any(re.search(r"GET \S+/object-store/v1/\S+ -> 20[04] ", line) for line in lines)
    assert TOKEN not in proc.stderr
