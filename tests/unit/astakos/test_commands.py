"""astakos-manage commands: service-import, bootstrap-demo, user-*, token-issue."""

from __future__ import annotations

import io
import json

import pytest
from astakos_factories import PITHOS_DEFINITION, make_user
from django.core.management import call_command
from django.core.management.base import CommandError

from astakos.identity.models import User
from astakos.quotas.models import Holding, Resource
from astakos.tokens.models import Service


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_service_import_is_idempotent_and_prints_a_working_token(api, tmp_path):
    path = tmp_path / "pithos.json"
    path.write_text(json.dumps(PITHOS_DEFINITION))
    first = run("service-import", str(path)).strip()
    second = run("service-import", str(path)).strip()
    assert first == second and len(first) == 43
    assert Service.objects.filter(name="swift").count() == 1
    assert Resource.objects.get(name="pithos.diskspace").default_limit == 1000
    assert User.objects.filter(username="service:pithos", is_service=True).count() == 1
    alice = make_user("alice", "pw")
    # the service token validates other users' tokens
    from astakos_factories import user_token

    response = api.get("/identity/v3/auth/tokens", token=first, x_subject_token=user_token(alice))
    assert response.status_code == 200
    # and every user's base project got a holding for the new resource
    assert Holding.objects.filter(holder=f"user:{alice.uuid}", resource="pithos.diskspace",
                                  source=f"project:{alice.uuid}", limit=1000).exists()


def test_service_import_rejects_bad_definitions(db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"component": "x", "resources": [{"name": "x.r",
                                                                 "default_limit": -1}]}))
    with pytest.raises(CommandError, match="default_limit"):
        run("service-import", str(path))
    assert not Resource.objects.filter(name="x.r").exists()


def test_bootstrap_demo_is_idempotent_and_gives_fresh_tokens(api):
    first = json.loads(run("bootstrap-demo", "--username", "demo", "--password", "p1",
                           "--email", "demo@example.org", "-o", "json"))
    second = json.loads(run("bootstrap-demo", "--username", "demo", "--password", "p2",
                            "--email", "demo@example.org", "--admin", "-o", "json"))
    assert first["user_id"] == second["user_id"] == first["project_id"]
    assert first["token"] != second["token"]
    body = api.get("/identity/v3/auth/tokens", token=second["token"],
                   x_subject_token=second["token"]).json()
    assert "admin" in [r["name"] for r in body["token"]["roles"]]
    # the password was updated
    from astakos_factories import password_auth

    assert api.post("/identity/v3/auth/tokens", password_auth("demo", "p2")).status_code == 201
    assert api.post("/identity/v3/auth/tokens", password_auth("demo", "p1")).status_code == 401


def test_user_modify_list_show_and_token_issue(api):
    make_user("alice", "pw")
    run("user-modify", "alice", "--deactivate", "--reason", "abuse")
    assert User.objects.get(username="alice").state == "deactivated"
    shown = json.loads(run("user-show", "alice@example.org", "-o", "json"))
    assert shown["state"] == "deactivated"
    with pytest.raises(CommandError):
        run("token-issue", "alice")  # an inactive user has no project scope
    run("user-modify", "alice", "--activate", "--admin", "--password", "new")
    issued = json.loads(run("token-issue", "alice", "-o", "json"))
    assert api.get("/identity/v3/auth/catalog", token=issued["token"]).status_code == 200
    listing = run("user-list")
    assert "alice" in listing and "admin" in listing
    with pytest.raises(CommandError):
        run("user-show", "nobody")


def test_quota_and_commission_commands(api, cyclades_token):
    alice = make_user("alice", "pw")
    provision = {"holder": alice.uuid, "source": alice.uuid, "resource": "cyclades.vm",
                 "quantity": 2}
    serial = api.post("/account/v1.0/commissions", {"provisions": [provision]},
                      token=cyclades_token).json()["serial"]
    listed = run("commission-list")
    assert str(serial) in listed and "cyclades" in listed
    assert "quotas consistent" in run("quota-verify")
    # an inconsistency (usage without a commission) is reported, and --fix repairs totals
    Holding.objects.filter(holder=f"project:{alice.uuid}", resource="cyclades.vm").update(
        usage_max=9)
    with pytest.raises(CommandError, match="problem"):
        run("quota-verify")
    assert "project totals fixed: 1" in run("quota-verify", "--fix")
    result = json.loads(run("commission-resolve", "--accept", str(serial), "-o", "json"))
    assert result["accepted"] == [serial]
    rows = run("quota-list", "alice")
    assert "cyclades.vm" in rows
    run("resource-modify", "cyclades.vm", "--system-default", "7")
    assert Holding.objects.get(holder=f"user:{alice.uuid}", resource="cyclades.vm").limit == 7
    assert "cyclades.vm" in run("resource-list")


def test_project_commands(api, cyclades_token):
    alice = make_user("alice", "pw")
    make_user("root", "pw", admin=True)
    from astakos_factories import user_token

    created = api.post("/account/v1.0/projects", {"name": "lab", "resources": {
        "cyclades.vm": {"project_capacity": 4, "member_capacity": 2}}},
        token=user_token(alice)).json()
    assert str(created["application"]) in run("project-list", "--pending")
    run("project-control", "--approve", str(created["application"]))
    shown = json.loads(run("project-show", created["id"], "-o", "json"))
    assert shown["state"] == "active" and shown["members"][0]["user"] == alice.uuid
    run("project-control", "--suspend", created["id"])
    assert json.loads(run("project-show", created["id"], "-o", "json"))["state"] == "suspended"
