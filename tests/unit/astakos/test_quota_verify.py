"""quota-verify and --fix with raw `project:<id>` provisions beside members' provisions."""

from __future__ import annotations

import io

import pytest
from astakos_factories import make_user
from django.core.management import call_command
from django.core.management.base import CommandError

from astakos.quotas.models import Holding
from astakos.quotas.verify import problems, raw_usage


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def commission(api, token, provisions, *, accept=True):
    response = api.post("/account/v1.0/commissions",
                        {"provisions": provisions, "auto_accept": accept}, token=token)
    assert response.status_code == 201, response.content
    return response.json()["serial"]


def total(user, resource="cyclades.vm"):
    h = Holding.objects.get(holder=f"project:{user.uuid}", source="", resource=resource)
    return h.usage_min, h.usage_max


@pytest.fixture
def charged(api, cyclades_token):
    """alice: 2 VMs as a member, 1 raw on her project, 1 raw released again, and a pending
    raw import of 1 and member import of 1."""
    alice = make_user("alice", "pw")
    member = {"holder": alice.uuid, "source": alice.uuid, "resource": "cyclades.vm"}
    raw = {"holder": f"project:{alice.uuid}", "resource": "cyclades.vm"}
    commission(api, cyclades_token, [dict(member, quantity=2)])
    commission(api, cyclades_token, [dict(raw, quantity=2)])
    commission(api, cyclades_token, [dict(raw, quantity=-1)])
    # A mixed commission: a member import and a raw release on the same total, rejected.
    serial = commission(api, cyclades_token, [dict(member, quantity=1), dict(raw, quantity=-1)],
                        accept=False)
    api.post(f"/account/v1.0/commissions/{serial}/action", {"reject": ""}, token=cyclades_token)
    commission(api, cyclades_token, [dict(raw, quantity=1), dict(member, quantity=1)],
               accept=False)
    return alice


def test_raw_project_provisions_are_consistent(charged):
    assert raw_usage()[(f"project:{charged.uuid}", "cyclades.vm")] == 1
    assert total(charged) == (3, 5)   # 2 member + 1 raw committed; 2 pending
    assert problems() == []
    assert "quotas consistent" in run("quota-verify")


def test_fix_leaves_raw_usage_alone(charged):
    out = run("quota-verify", "--fix")
    assert "project totals fixed: 0" in out and "quotas consistent" in out
    assert total(charged) == (3, 5)


def test_fix_restores_members_plus_raw_plus_pending(charged):
    Holding.objects.filter(holder=f"project:{charged.uuid}", resource="cyclades.vm").update(
        usage_min=2, usage_max=2)   # what the old fix wrote: members only, no pending
    with pytest.raises(CommandError, match="problem"):
        run("quota-verify")
    assert "project totals fixed: 1" in run("quota-verify", "--fix")
    assert total(charged) == (3, 5)
    assert problems() == []


def test_raw_release_and_member_usage_resolve_to_consistent_totals(api, cyclades_token,
                                                                  charged):
    pending = api.get("/account/v1.0/commissions", token=cyclades_token).json()
    assert len(pending) == 1
    api.post(f"/account/v1.0/commissions/{pending[0]}/action", {"accept": ""},
             token=cyclades_token)
    assert total(charged) == (5, 5)
    assert raw_usage()[(f"project:{charged.uuid}", "cyclades.vm")] == 2
    assert problems() == []
