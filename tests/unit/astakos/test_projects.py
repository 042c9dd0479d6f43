"""Projects through /account/v1.0/projects: applications, approval, memberships, shared quota."""

from __future__ import annotations

from astakos_factories import make_user, user_token

from astakos.projects.models import Membership


def spec(**kw):
    body = {"name": "lab", "description": "a lab", "join_policy": "moderated",
            "leave_policy": "auto", "max_members": 3,
            "resources": {"cyclades.vm": {"project_capacity": 3, "member_capacity": 2}}}
    body.update(kw)
    return body


def create_approved(api, owner, admin, **kw):
    created = api.post("/account/v1.0/projects", spec(**kw), token=user_token(owner))
    assert created.status_code == 201, created.content
    pid, app = created.json()["id"], created.json()["application"]
    ok = api.post(f"/account/v1.0/projects/{pid}/action",
                  {"approve": {"app_id": app, "reason": "fine"}}, token=user_token(admin))
    assert ok.status_code == 200, ok.content
    return pid


def vm(user, project, qty):
    return {"holder": user.uuid, "source": project, "resource": "cyclades.vm", "quantity": qty}


def test_application_lifecycle_and_shared_quota(api, alice, cyclades_token):
    admin = make_user("root", "pw", admin=True)
    bob = make_user("bob", "pw")
    carol = make_user("carol", "pw")
    created = api.post("/account/v1.0/projects", spec(), token=user_token(alice))
    pid = created.json()["id"]
    project = api.get(f"/account/v1.0/projects/{pid}", token=user_token(alice)).json()
    assert project["state"] == "uninitialized"
    assert project["last_application"]["state"] == "pending"
    # users cannot approve; admins can
    app = created.json()["application"]
    assert api.post(f"/account/v1.0/projects/{pid}/action", {"approve": {"app_id": app}},
                    token=user_token(alice)).status_code == 403
    assert api.post(f"/account/v1.0/projects/{pid}/action", {"approve": {"app_id": app}},
                    token=user_token(admin)).status_code == 200
    project = api.get(f"/account/v1.0/projects/{pid}", token=user_token(alice)).json()
    assert project["state"] == "active"
    assert project["resources"]["cyclades.vm"] == {"project_capacity": 3, "member_capacity": 2}

    # bob asks to join (moderated), alice accepts; carol is enrolled by alice
    mid = api.post("/account/v1.0/projects/memberships", {"join": {"project": pid}},
                   token=user_token(bob)).json()["id"]
    assert api.get(f"/account/v1.0/projects/memberships/{mid}",
                   token=user_token(bob)).json()["state"] == "requested"
    assert api.post(f"/account/v1.0/projects/memberships/{mid}/action", {"accept": ""},
                    token=user_token(bob)).status_code == 403
    assert api.post(f"/account/v1.0/projects/memberships/{mid}/action", {"accept": ""},
                    token=user_token(alice)).status_code == 200
    assert api.post("/account/v1.0/projects/memberships",
                    {"enroll": {"project": pid, "user": "carol@example.org"}},
                    token=user_token(alice)).status_code == 201

    quotas = api.get("/account/v1.0/quotas", token=user_token(bob)).json()
    assert quotas[pid]["cyclades.vm"]["limit"] == 2
    assert quotas[pid]["cyclades.vm"]["project_limit"] == 3

    # the project's total is shared: 2 + 1 fit, the next one does not
    issue = lambda provisions: api.post("/account/v1.0/commissions",  # noqa: E731
                                        {"provisions": provisions, "auto_accept": True},
                                        token=cyclades_token)
    assert issue([vm(bob, pid, 3)]).status_code == 413      # member limit 2
    assert issue([vm(bob, pid, 2)]).status_code == 201
    assert issue([vm(carol, pid, 1)]).status_code == 201
    full = issue([vm(alice, pid, 1)])
    assert full.status_code == 413
    assert full.json()["overLimit"]["data"]["provision"]["holder"] == f"project:{pid}"

    # bob leaves (auto policy): his limit drops to 0, his usage stays recorded
    assert api.post(f"/account/v1.0/projects/memberships/{mid}/action", {"leave": ""},
                    token=user_token(bob)).status_code == 200
    assert Membership.objects.get(id=mid).state == "removed"
    assert issue([vm(bob, pid, 1)]).status_code == 413
    assert issue([vm(bob, pid, -2)]).status_code == 201   # releases still work

    # suspending the project zeroes every limit
    assert api.post(f"/account/v1.0/projects/{pid}/action", {"suspend": {}},
                    token=user_token(admin)).status_code == 200
    assert issue([vm(carol, pid, 1)]).status_code == 413
    assert api.post(f"/account/v1.0/projects/{pid}/action", {"unsuspend": {}},
                    token=user_token(admin)).status_code == 200
    assert issue([vm(carol, pid, 1)]).status_code == 201


def test_closed_and_auto_join_policies_and_max_members(api, alice, cyclades_token):
    admin = make_user("root", "pw", admin=True)
    closed = create_approved(api, alice, admin, join_policy="closed")
    bob = make_user("bob", "pw")
    assert api.post("/account/v1.0/projects/memberships", {"join": {"project": closed}},
                    token=user_token(bob)).status_code == 403
    auto = create_approved(api, alice, admin, name="auto", join_policy="auto", max_members=2)
    mid = api.post("/account/v1.0/projects/memberships", {"join": {"project": auto}},
                   token=user_token(bob)).json()["id"]
    assert Membership.objects.get(id=mid).state == "accepted"
    carol = make_user("carol", "pw")  # alice (owner) + bob fill it
    assert api.post("/account/v1.0/projects/memberships", {"join": {"project": auto}},
                    token=user_token(carol)).status_code == 409
    # joining twice is a conflict; base projects cannot be joined
    assert api.post("/account/v1.0/projects/memberships", {"join": {"project": auto}},
                    token=user_token(bob)).status_code == 409
    assert api.post("/account/v1.0/projects/memberships", {"join": {"project": alice.uuid}},
                    token=user_token(bob)).status_code == 404


def test_pending_applications_are_limited(api, alice, cyclades_token):
    # astakos.pending_app defaults to 2 per user
    for name in ("one", "two"):
        assert api.post("/account/v1.0/projects", spec(name=name),
                        token=user_token(alice)).status_code == 201
    third = api.post("/account/v1.0/projects", spec(name="three"), token=user_token(alice))
    assert third.status_code == 413
    first = api.get("/account/v1.0/projects?mode=default", token=user_token(alice)).json()
    app = next(p for p in first if p["name"] == "one")["last_application"]
    assert api.post(f"/account/v1.0/projects/{app['project']}/action",
                    {"cancel": {"app_id": app["id"]}}, token=user_token(alice)).status_code == 200
    assert api.post("/account/v1.0/projects", spec(name="three"),
                    token=user_token(alice)).status_code == 201


def test_bad_applications_are_400(api, alice, cyclades_token):
    token = user_token(alice)
    for body in ({"name": ""}, spec(join_policy="sometimes"),
                 spec(resources={"no.such": {"project_capacity": 1, "member_capacity": 1}}),
                 spec(resources={"cyclades.vm": {"project_capacity": 1, "member_capacity": 2}}),
                 spec(max_members=-1), spec(end_date="tomorrow"), [1]):
        assert api.post("/account/v1.0/projects", body, token=token).status_code == 400, body
    listed = api.get("/account/v1.0/projects", token=token).json()
    assert [p["id"] for p in listed] == [alice.uuid]  # only the base project
    assert listed[0]["system_project"] is True


def test_private_projects_are_hidden(api, alice, cyclades_token):
    admin = make_user("root", "pw", admin=True)
    pid = create_approved(api, alice, admin, private=True)
    bob = make_user("bob", "pw")
    assert api.get(f"/account/v1.0/projects/{pid}", token=user_token(bob)).status_code == 404
    seen = [p["id"] for p in api.get("/account/v1.0/projects", token=user_token(bob)).json()]
    assert seen == [bob.uuid]
    seen = [p["id"] for p in api.get("/account/v1.0/projects", token=user_token(admin)).json()]
    assert pid in seen
