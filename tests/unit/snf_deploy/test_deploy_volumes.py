"""snf-deploy's volume steps: one block store for Pithos, Cyclades and the devcluster's provider."""

import json
import os

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
    assert env["SNF_ARCHIPELAGO_RUN_DIR"].startswith(str(ctx.layout.root))
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
