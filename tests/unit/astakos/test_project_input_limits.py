"""Project applications refuse what their columns cannot hold (400, nothing recorded),
instead of failing later in the database (a 500 on PostgreSQL, or at approval)."""

from __future__ import annotations

from astakos_factories import user_token

from astakos.projects.models import Project, ProjectApplication


def spec(**kw):
    body = {"name": "lab.example.org", "max_members": 3,
            "resources": {"cyclades.vm": {"project_capacity": 3, "member_capacity": 2}}}
    body.update(kw)
    return body


def test_oversized_fields_and_capacities_are_bad_requests(api, alice, cyclades_token):
    token = user_token(alice)
    projects, applications = Project.objects.count(), ProjectApplication.objects.count()
    for body in (spec(name="n" * 201), spec(homepage="h" * 256),
                 spec(resources={"cyclades.vm": {"project_capacity": 2**63,
                                                 "member_capacity": 1}}),
                 spec(resources={"cyclades.vm": {"project_capacity": 10**30,
                                                 "member_capacity": 10**30}}),
                 spec(max_members=2**31)):
        answer = api.post("/account/v1.0/projects", body, token=token)
        assert answer.status_code == 400, (answer.status_code, answer.content[:200])
        assert answer.json()["badRequest"]["message"]
    assert (Project.objects.count(), ProjectApplication.objects.count()) == \
        (projects, applications)
    # the largest values that fit are still accepted
    fine = api.post("/account/v1.0/projects", spec(
        name="n" * 200, homepage="h" * 255, resources={"cyclades.vm": {
            "project_capacity": 2**63 - 1, "member_capacity": 2**63 - 1}},
        max_members=2**31 - 1), token=token)
    assert fine.status_code == 201, fine.content
