"""snf-deploy's volume steps: one block store for Pithos, Cyclades and the devcluster's provider."""

import json
import os
from pathlib import Path

import pytest

from archipelago.blockstore.config import parse_blockstore_spec
from snf_deploy import processes, volumes
from snf_deploy.processes import Context
from snf_deploy.state import Layout, Ports


@pytest.fixture
def ctx(tmp_path):
    layout = Layout(tmp_path)
    layout.create()
    return Context(layout=layout, ports=Ports(9000), env=dict(os.environ), say=lambda s: None)


def test_default_store_is_pithos_blocks_dir_and_written_before_processes_start(ctx):
    step = next(s for s in processes.BOOTSTRAP if s.name == "archipelago store")
    assert step.phase == "before"
    assert step.commands(ctx) == []          # local work only: no process to wait for
    text = (ctx.layout.etc / volumes.ARCHIPELAGO_CONF).read_text()
    namespace: dict = {}
    exec(text, namespace)                    # a literal assignment, as the loader reads it
    config = parse_blockstore_spec(namespace["CYCLADES_ARCHIPELAGO_BLOCKSTORE"])
    assert config["OPTIONS"]["path"] == str(ctx.layout.root / "blocks")
    assert oct((ctx.layout.etc / volumes.ARCHIPELAGO_CONF).stat().st_mode & 0o777) == "0o600"


def test_production_store_follows_pithos_blockstore(ctx):
    rados = {"BACKEND": "archipelago.blockstore.rados.RadosBlockStore",
             "OPTIONS": {"pool": "synnefo", "block_namespace": "blocks"}}
    ctx.settings = {"pithos": {"PITHOS_BLOCKSTORE": rados}, "cyclades": {}}
    volumes.write_archipelago_conf(ctx)
    assert parse_blockstore_spec(volumes.shared_store_spec(ctx)) == rados
    env = processes.devcluster_env(ctx)
    assert parse_blockstore_spec(env["SNF_ARCHIPELAGO_BLOCKSTORE"]) == rados


def test_a_site_value_wins_for_the_cluster_too(ctx):
    ctx.settings = {"pithos": {}, "cyclades": {"CYCLADES_ARCHIPELAGO_BLOCKSTORE": "/srv/archip"}}
    env = processes.devcluster_env(ctx)
    assert env["SNF_ARCHIPELAGO_BLOCKSTORE"] == "/srv/archip"


def test_devcluster_provider_gets_store_run_dir_and_userspace_nbd(ctx):
    env = processes.devcluster_env(ctx)
    assert json.loads(env["SNF_ARCHIPELAGO_BLOCKSTORE"])["OPTIONS"]["path"] == \
        str(ctx.layout.root / "blocks")
    assert env["SNF_ARCHIPELAGO_RUN_DIR"] == str(volumes.nbd_run_dir(ctx.layout))
    short = volumes.nbd_run_dir(Layout(Path("/srv/synnefo")))
    assert short == Path("/srv/synnefo/devcluster/archipelago")   # under the state dir
    assert env["SNF_ARCHIPELAGO_NBD_MODE"] == "userspace"
    assert env["SNF_DEVCLUSTER_PASSWORD"]     # still there


def test_volume_bootstrap_runs_after_migrations_and_skips_flavor_without_devcluster(ctx):
    step = next(s for s in processes.BOOTSTRAP if s.name == "volume types and flavor")
    migrate = next(s for s in processes.BOOTSTRAP if s.name == "migrate")
    assert (step.phase, migrate.phase) == ("before", "before") and step.stage > migrate.stage
    [command] = step.commands(ctx)
    assert "volume-bootstrap" in command.argv and "--no-flavor" not in command.argv
    ctx.devcluster = False
    [command] = step.commands(ctx)
    assert "--no-flavor" in command.argv
    said = []
    ctx.say = said.append
    step.collect(ctx, [json.dumps([{"kind": "flavor", "name": "f", "created": True},
                                   {"kind": "volume-type", "name": "t", "created": False}])])
    assert said == ["created the flavor 'f'"]
    assert step.commands(ctx) == []               # once per database
    ctx.settings = {"cyclades": {"CYCLADES_DATABASE_URL": "postgresql://db/cyclades"}}
    assert len(step.commands(ctx)) == 1           # another database: again
    ctx.devcluster = True
    assert "--no-flavor" not in step.commands(ctx)[0].argv


def test_down_stops_the_nbd_servers_attach_left(ctx):
    """A userspace NBD server as the provider's attach starts it (own session)."""
    import shutil
    import subprocess
    import time

    from archipelago.extprovider import attach

    run_dir = volumes.nbd_run_dir(ctx.layout)     # pytest's tmp path is long: a /tmp one
    store = ctx.layout.root / "blocks"
    from archipelago import mapper
    from archipelago.blockstore import open_blockstore
    from archipelago.blockstore.config import parse_blockstore_spec

    with open_blockstore(parse_blockstore_spec(str(store))) as opened:
        mapper.create(opened, "u1.ext.disk0", 1 << 22)
    run_dir.mkdir(parents=True, exist_ok=True)
    state = attach.attach(str(store), str(run_dir), "u1.ext.disk0", "userspace")
    try:
        assert attach.current(str(run_dir), "u1.ext.disk0") is not None
        assert volumes.stop_nbd_servers(ctx.layout) == ["u1.ext.disk0"]
        assert attach.current(str(run_dir), "u1.ext.disk0") is None
        deadline = time.monotonic() + 10
        while subprocess.run(["kill", "-0", str(state.pid)], capture_output=True).returncode == 0:
            assert time.monotonic() < deadline, "the NBD server still runs"
            time.sleep(0.1)
        assert volumes.stop_nbd_servers(ctx.layout) == []
    finally:
        attach.detach(str(run_dir), "u1.ext.disk0")
        shutil.rmtree(run_dir, ignore_errors=True)
    assert len(str(run_dir)) < len(str(ctx.layout.root))
