"""IP allocation under concurrency on PostgreSQL: row locks hand out every address once.

A child process (Cyclades settings on a uniquely named PostgreSQL database,
dropped afterwards) creates 100 ports at once on a /26 without gateway: 62
addresses exist, so exactly 62 creations succeed with distinct addresses and
the other 38 are refused with "No more IP addresses"; deleting every port at
once returns every address (reconcile-pools finds nothing).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
WORKERS = 40          # concurrent connections (PostgreSQL allows 100 for everyone)
PORTS = 100

SCRIPT = textwrap.dedent('''
    import json, sys
    from concurrent.futures import ThreadPoolExecutor
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    call_command("migrate", verbosity=0)
    from cyclades.network import networks, ports, subnets
    from cyclades.network.models import IPAddress, Network, Pool, Port
    from cyclades.updates.reconcile import pools as reconcile_pools
    from snf_common.credentials import Credentials
    from snf_common.faults import Fault

    user = Credentials(user_id="u1", user_name="u1", project_id="u1", roles=("member",),
                       token="t")
    net = networks.create_network(None, name="concurrency", flavor="MAC_FILTERED")
    Network.objects.filter(pk=net.pk).update(owner="u1")
    subnets.create_subnet(None, net, cidr="10.77.0.0/26", gateway_ip=None)
    connection.close()
    start = __import__("threading").Barrier(%(workers)d)

    def make(i):
        if i < %(workers)d:
            start.wait(timeout=60)
        try:
            port = ports.create_port(user, Network.objects.get(pk=net.pk), name=f"p{i}")
            return {"ok": True, "ip": ports.ipv4_of(port), "mac": port.mac, "id": port.id}
        except Fault as fault:
            return {"ok": False, "status": fault.status, "message": fault.message}
        finally:
            connection.close()

    with ThreadPoolExecutor(%(workers)d) as pool:
        results = list(pool.map(make, range(%(ports)d)))

    def drop(port_id):
        try:
            ports.delete_port(Port.objects.get(pk=port_id))
        finally:
            connection.close()

    made = [r["id"] for r in results if r["ok"]]
    after_create = {"addresses": IPAddress.objects.count(),
                    "pool_free": Pool.objects.get(kind="ip").available.count("1")}
    with ThreadPoolExecutor(%(workers)d) as pool:
        list(pool.map(drop, made))
    print(json.dumps({"results": results, "after_create": after_create,
                      "addresses_left": IPAddress.objects.count(),
                      "ports_left": Port.objects.count(),
                      "pool_free": Pool.objects.get(kind="ip").available.count("1"),
                      "reconcile": reconcile_pools.reconcile()}))
''')


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def database():
    if not answers(PG["host"], PG["port"]):
        pytest.skip("PostgreSQL does not answer at 127.0.0.1:5432")
    import psycopg2

    name = f"cyclades_netpool_{secrets.token_hex(4)}"
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_concurrent_port_creations_on_a_slash_26(database, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNF_")}
    env.update(DJANGO_SETTINGS_MODULE="cyclades.project.settings",
               SNF_STATE_DIR=str(tmp_path), SNF_SETTINGS_DIR=str(tmp_path / "conf"),
               SNF_CYCLADES_DATABASE_URL=database, SNF_LOG_LEVEL="ERROR")
    (tmp_path / "conf").mkdir()
    script = tmp_path / "run.py"
    script.write_text(SCRIPT % {"workers": WORKERS, "ports": PORTS})
    result = subprocess.run([sys.executable, str(script)], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    ok = [r for r in report["results"] if r["ok"]]
    refused = [r for r in report["results"] if not r["ok"]]
    assert len(ok) == 62, refused[:3]
    assert len({r["ip"] for r in ok}) == 62 and len({r["mac"] for r in ok}) == 62
    assert {r["ip"] for r in ok} == {f"10.77.0.{i}" for i in range(1, 63)}
    assert len(refused) == 38
    assert all(r["status"] == 409 and "No more IP addresses" in r["message"] for r in refused)
    assert report["after_create"] == {"addresses": 62, "pool_free": 0}
    assert report["addresses_left"] == 0 and report["ports_left"] == 0
    assert report["pool_free"] == 62
    assert report["reconcile"] == []
