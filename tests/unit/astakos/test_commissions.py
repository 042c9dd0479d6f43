"""Quota holder semantics through the Account API (/account/v1.0/commissions ...)."""

from __future__ import annotations

from astakos_factories import make_user, user_token

from astakos.quotas.models import Commission, Holding, ProvisionLog


def holding(holder, source, resource="cyclades.vm"):
    h = Holding.objects.get(holder=holder, source=source, resource=resource)
    return h.limit, h.usage_min, h.usage_max


def issue(api, token, provisions, **kw):
    return api.post("/account/v1.0/commissions", {"provisions": provisions, **kw}, token=token)


def vm(user, qty, resource="cyclades.vm", source=None):
    return {"holder": user.uuid, "source": source or user.uuid, "resource": resource,
            "quantity": qty}


def test_issue_reserves_on_member_and_project_then_accept(api, alice, cyclades_token):
    response = issue(api, cyclades_token, [vm(alice, 2)], name="build")
    assert response.status_code == 201
    serial = response.json()["serial"]
    u, p = f"user:{alice.uuid}", f"project:{alice.uuid}"
    assert holding(u, p) == (5, 0, 2)
    assert holding(p, "") == (5, 0, 2)
    quotas = api.get("/account/v1.0/quotas", token=user_token(alice)).json()
    assert quotas[alice.uuid]["cyclades.vm"] == {
        "limit": 5, "usage": 2, "pending": 2,
        "project_limit": 5, "project_usage": 2, "project_pending": 2}
    assert api.get("/account/v1.0/commissions", token=cyclades_token).json() == [serial]
    detail = api.get(f"/account/v1.0/commissions/{serial}", token=cyclades_token).json()
    assert detail["name"] == "build" and len(detail["provisions"]) == 2
    ok = api.post(f"/account/v1.0/commissions/{serial}/action", {"accept": ""},
                  token=cyclades_token)
    assert ok.status_code == 200
    assert holding(u, p) == (5, 2, 2)
    assert Commission.objects.count() == 0
    assert ProvisionLog.objects.filter(serial=serial, reason__startswith="ACCEPT:").count() == 2
    assert api.get(f"/account/v1.0/commissions/{serial}",
                   token=cyclades_token).status_code == 404


def test_over_limit_is_413_with_data_and_changes_nothing(api, alice, cyclades_token):
    issue(api, cyclades_token, [vm(alice, 4)], auto_accept=True)
    response = issue(api, cyclades_token, [vm(alice, 1, "cyclades.ram"), vm(alice, 2)])
    assert response.status_code == 413
    fault = response.json()["overLimit"]
    assert fault["data"]["name"] == "NoCapacityError"
    assert fault["data"]["limit"] == 5 and fault["data"]["usage"] == 4
    assert fault["data"]["provision"]["resource"] == "cyclades.vm"
    # all or nothing: the ram provision was not kept
    assert holding(f"user:{alice.uuid}", f"project:{alice.uuid}", "cyclades.ram")[2] == 0
    assert holding(f"user:{alice.uuid}", f"project:{alice.uuid}") == (5, 4, 4)
    assert Commission.objects.count() == 0


def test_force_exceeds_limit_but_release_below_zero_fails(api, alice, cyclades_token):
    assert issue(api, cyclades_token, [vm(alice, 7)], force=True,
                 auto_accept=True).status_code == 201
    assert holding(f"user:{alice.uuid}", f"project:{alice.uuid}") == (5, 7, 7)
    response = issue(api, cyclades_token, [vm(alice, -8)], force=True)
    assert response.status_code == 413
    assert response.json()["overLimit"]["data"]["name"] == "NoQuantityError"


def test_release_then_reject_restores(api, alice, cyclades_token):
    issue(api, cyclades_token, [vm(alice, 3)], auto_accept=True)
    serial = issue(api, cyclades_token, [vm(alice, -2)]).json()["serial"]
    assert holding(f"user:{alice.uuid}", f"project:{alice.uuid}") == (5, 1, 3)
    api.post(f"/account/v1.0/commissions/{serial}/action", {"reject": "failed"},
             token=cyclades_token)
    assert holding(f"user:{alice.uuid}", f"project:{alice.uuid}") == (5, 3, 3)


def test_same_holding_provisions_are_summed(api, alice, cyclades_token):
    response = issue(api, cyclades_token, [vm(alice, 3), vm(alice, 3)])
    assert response.status_code == 413
    assert issue(api, cyclades_token, [vm(alice, 3), vm(alice, -1)]).status_code == 201


def test_missing_holding_is_404_and_bad_input_400(api, alice, cyclades_token):
    response = issue(api, cyclades_token, [vm(alice, 1, "no.such")])
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["data"]["name"] == "NoHoldingError"
    for bad in ([{"holder": alice.uuid}], [vm(alice, "1")], [vm(alice, True)], "x"):
        assert issue(api, cyclades_token, bad).status_code == 400
    assert api.call("POST", "/account/v1.0/commissions", raw=b"{",
                    token=cyclades_token).status_code == 400
    assert Commission.objects.count() == 0


def test_resolve_many_reports_failures_and_conflicts(api, alice, cyclades_token):
    s1 = issue(api, cyclades_token, [vm(alice, 1)]).json()["serial"]
    s2 = issue(api, cyclades_token, [vm(alice, 1)]).json()["serial"]
    s3 = issue(api, cyclades_token, [vm(alice, 1)]).json()["serial"]
    result = api.post("/account/v1.0/commissions/action",
                      {"accept": [s1, s3, 999], "reject": [s2, s3]}, token=cyclades_token).json()
    assert result["accepted"] == [s1] and result["rejected"] == [s2]
    failed = dict((s, fault) for s, fault in result["failed"])
    assert "itemNotFound" in failed[999] and "badRequest" in failed[s3]
    assert holding(f"user:{alice.uuid}", f"project:{alice.uuid}") == (5, 1, 2)


def test_commissions_are_per_component_and_need_a_service_token(api, alice, cyclades_token,
                                                                pithos_token):
    serial = issue(api, cyclades_token, [vm(alice, 1)]).json()["serial"]
    assert api.get("/account/v1.0/commissions", token=pithos_token).json() == []
    assert api.post(f"/account/v1.0/commissions/{serial}/action", {"accept": ""},
                    token=pithos_token).status_code == 404
    assert issue(api, user_token(alice), [vm(alice, 1)]).status_code == 403
    assert api.get("/account/v1.0/commissions").status_code == 401
    assert api.post(f"/account/v1.0/commissions/{serial}/action", {"accept": "", "reject": ""},
                    token=cyclades_token).status_code == 400


def test_service_quotas_and_resources(api, alice, cyclades_token, pithos_token):
    quotas = api.get(f"/account/v1.0/service_quotas?user={alice.uuid}",
                     token=cyclades_token).json()
    assert set(quotas[alice.uuid][alice.uuid]) == {"cyclades.vm", "cyclades.ram"}
    assert api.get("/account/v1.0/service_quotas?user=nobody",
                   token=cyclades_token).status_code == 404
    all_users = api.get("/account/v1.0/service_quotas", token=pithos_token).json()
    assert alice.uuid in all_users
    projects = api.get(f"/account/v1.0/service_project_quotas?project={alice.uuid}",
                       token=cyclades_token).json()
    assert projects[alice.uuid]["cyclades.vm"]["project_limit"] == 5
    resources = api.get("/account/v1.0/resources").json()
    assert resources["cyclades.ram"]["unit"] == "bytes"
    assert resources["astakos.pending_app"]["ui_visible"] is False


def test_user_catalogs(api, alice, pithos_token):
    bob = make_user("bob", "pw")
    body = {"uuids": [alice.uuid, "unknown"], "displaynames": ["bob@example.org", "nobody"]}
    result = api.post("/account/v1.0/user_catalogs", body, token=user_token(alice)).json()
    assert result == {"uuid_catalog": {alice.uuid: "alice@example.org"},
                      "displayname_catalog": {"bob@example.org": bob.uuid}}
    assert api.post("/account/v1.0/service/user_catalogs", body,
                    token=pithos_token).status_code == 200
    assert api.post("/account/v1.0/service/user_catalogs", body,
                    token=user_token(alice)).status_code == 403
    assert api.post("/account/v1.0/user_catalogs", {"uuids": "x"},
                    token=user_token(alice)).status_code == 400
