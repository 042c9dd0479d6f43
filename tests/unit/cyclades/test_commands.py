"""Admin commands: backends, flavors, images, servers, service definition."""

from __future__ import annotations

import io
import json

import pytest
from conftest import run_cluster_jobs
from django.core.management import call_command

from cyclades.backends.ganeti import fake
from cyclades.backends.models import Backend

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_backend_add_reads_capacity_and_flags_toggle():
    data = json.loads(run("backend-add", "--name", "c1", "--host", "cluster-x", "--user", "snf",
                          "--password", "pw", "--tls-verify", "false", "-o", "json"))
    assert data["mtotal"] == 32768 and "file" in data["disk_templates"]
    backend = Backend.objects.get(name="c1")
    assert backend.verify is False and backend.hypervisor == "fake"
    run("backend-drain", "c1")
    assert Backend.objects.get(name="c1").drained
    run("backend-undrain", str(backend.id))
    run("backend-offline", "c1")
    backend.refresh_from_db()
    assert backend.offline and not backend.drained
    fake.cluster_for("cluster-x").nodes[0]["mfree"] = 1234
    run("backend-online", "c1")
    run("backend-update-status")
    assert Backend.objects.get(name="c1").mfree == 1234
    assert "cluster-x" in run("backend-list")


def test_flavor_image_server_commands(alice, backend):
    flavor = json.loads(run("flavor-create", "--cpu", "1", "--ram", "256", "--disk", "1",
                            "--disk-template", "file", "-o", "json"))
    image = json.loads(run("image-register", "--name", "deb", "--location", "debian-base",
                           "--property", "OSFAMILY=linux", "-o", "json"))
    assert image["properties"] == {"OSFAMILY": "linux"}
    assert "deb" in run("image-list") and "C1R256D1file" in run("flavor-list")
    body = {"server": {"name": "vm", "flavorRef": flavor["id"], "imageRef": image["id"]}}
    server_id = alice.call("POST", "servers", body).data["server"]["id"]
    run_cluster_jobs()
    listed = json.loads(run("server-list", "-o", "json"))
    assert listed[0]["status"] == "ACTIVE"
    shown = json.loads(run("server-show", server_id, "-o", "json"))
    assert shown["jobs"][0]["action"] == "CREATE" and shown["jobs"][0]["status"] == "success"
    assert "job history" in run("server-show", server_id)
    run("server-modify", server_id, "--name", "renamed")
    assert alice.call("GET", f"servers/{server_id}").data["server"]["name"] == "renamed"


def test_service_definition(settings):
    settings.CYCLADES_BASE_URL = "http://127.0.0.1:8702"
    data = json.loads(run("service-definition"))
    assert {"name": "nova", "type": "compute", "version": "v2.1",
            "url": "http://127.0.0.1:8702/compute/v2.1",
            "ui_url": "http://127.0.0.1:8702/ui/"} in data["endpoints"]
    # The dashboard is every endpoint's web UI (the only page a login hands a token to).
    assert {e["ui_url"] for e in data["endpoints"]} == {"http://127.0.0.1:8702/ui/"}
    names = {r["name"] for r in data["resources"]}
    assert {"cyclades.vm", "cyclades.total_cpu", "cyclades.cpu", "cyclades.total_ram",
            "cyclades.ram", "cyclades.disk", "cyclades.network.private",
            "cyclades.floating_ip"} == names
