"""Fixtures of the Cyclades unit tests: a token double, a quota holder double, the fake RAPI."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from django.test import Client

from cyclades import quotas
from cyclades.backends.ganeti import fake
from cyclades.backends.models import Backend
from cyclades.compute.models import Flavor
from cyclades.images.models import SystemImage
from snf_common.credentials import Credentials
from snf_common.django import auth
from snf_common.faults import QuotaExceeded

USERS = {"tok-alice": "alice-uuid", "tok-bob": "bob-uuid"}


def validate(token: str) -> Credentials | None:
    user = USERS.get(token)
    if user is None:
        return None
    return Credentials(user_id=user, user_name=user.split("-")[0], project_id=user,
                       roles=("member",), token=token)


class QuotaDouble:
    """Astakos' commission semantics in memory: usage_max grows at issue, limits checked."""

    def __init__(self, limits: dict[str, int] | None = None) -> None:
        self.limits = dict(limits or {})
        self.usage_min: dict[tuple[str, str, str], int] = {}
        self.usage_max: dict[tuple[str, str, str], int] = {}
        self.pending_: dict[int, dict] = {}
        self.log: list[tuple[str, int]] = []
        self.serials = itertools.count(1000)
        self.lock = threading.Lock()
        self.down = False

    def issue(self, *, owner, project, provisions, name, force=False):
        if self.down:
            from snf_common.faults import ServiceUnavailable
            raise ServiceUnavailable("astakos down")
        with self.lock:
            for resource, q in provisions.items():
                key = (owner, project, resource)
                if q > 0 and not force and resource in self.limits and \
                        self.usage_max.get(key, 0) + q > self.limits[resource]:
                    raise QuotaExceeded(f"Limit exceeded for {resource}")
            for resource, q in provisions.items():
                # As Astakos: a release is checked against committed usage, force or not.
                key = (owner, project, resource)
                if q < 0 and self.usage_min.get(key, 0) + q < 0:
                    raise QuotaExceeded(f"Release below zero for {resource}")
            for resource, q in provisions.items():
                key = (owner, project, resource)
                if q >= 0:
                    self.usage_max[key] = self.usage_max.get(key, 0) + q
                else:
                    self.usage_min[key] = self.usage_min.get(key, 0) + q
            serial = next(self.serials)
            self.pending_[serial] = {"owner": owner, "project": project,
                                     "provisions": dict(provisions)}
            self.log.append(("issue", serial))
            return serial

    def resolve(self, *, accept, reject):
        if self.down:
            from snf_common.faults import ServiceUnavailable
            raise ServiceUnavailable("astakos down")
        with self.lock:
            for serial in accept:
                c = self.pending_.pop(serial, None)
                if c is None:
                    continue
                self.log.append(("accept", serial))
                for r, q in c["provisions"].items():
                    key = (c["owner"], c["project"], r)
                    if q >= 0:
                        self.usage_min[key] = self.usage_min.get(key, 0) + q
                    else:
                        self.usage_max[key] = self.usage_max.get(key, 0) + q
            for serial in reject:
                c = self.pending_.pop(serial, None)
                if c is None:
                    continue
                self.log.append(("reject", serial))
                for r, q in c["provisions"].items():
                    key = (c["owner"], c["project"], r)
                    if q >= 0:
                        self.usage_max[key] = self.usage_max.get(key, 0) - q
                    else:
                        self.usage_min[key] = self.usage_min.get(key, 0) - q

    def pending(self):
        return list(self.pending_)

    def usage(self, *, owner, project):
        result = {}
        for resource, limit in self.limits.items():
            result[resource] = {"limit": limit,
                                "usage": self.usage_max.get((owner, project, resource), 0)}
        return result

    def held(self, owner, resource, project=None):
        """Final usage (what is left after all resolutions)."""
        key = (owner, project or owner, resource)
        return self.usage_max.get(key, 0), self.usage_min.get(key, 0)


@pytest.fixture(autouse=True)
def doubles(monkeypatch, settings):
    settings.CYCLADES_RAPI_CLIENT = "cyclades.backends.ganeti.fake.FakeRapiClient"
    settings.CYCLADES_BASE_URL = "http://cyclades.test"
    fake.reset()
    monkeypatch.setattr(auth, "_validator", validate)
    holder = QuotaDouble()
    monkeypatch.setattr(quotas, "_holder", holder)
    yield holder
    fake.reset()


@pytest.fixture
def quota(doubles):
    return doubles


@pytest.fixture
def backend(db):
    return make_backend("cluster-a")


def make_backend(host: str, **fields) -> Backend:
    from django.utils import timezone

    values = {"name": host, "host": host, "port": 5080, "username": "snf", "password": "pw",
              "hypervisor": "fake", "disk_templates": ["file", "ext", "diskless"],
              "mfree": 16384, "mtotal": 32768, "dfree": 500_000, "dtotal": 1_000_000,
              "ctotal": 8, "pinst_cnt": 0, "updated": timezone.now()}
    values.update(fields)
    return Backend.objects.create(**values)


@pytest.fixture
def flavor(db):
    return Flavor.objects.create(public_id="1", name="c1r512d5", cpu=1, ram=512, disk=5,
                                 disk_template="file")


@pytest.fixture
def big_flavor(db):
    return Flavor.objects.create(public_id="2", name="c2r1024d5", cpu=2, ram=1024, disk=5,
                                 disk_template="file")


@pytest.fixture
def image(db):
    return SystemImage.objects.create(name="debian", location="debian-base",
                                      format="diskdump", properties={"OSFAMILY": "linux"})


class Api:
    """A thin JSON helper around Django's test client for one user."""

    def __init__(self, token: str) -> None:
        self.client = Client(raise_request_exception=False)
        self.headers = {"HTTP_X_AUTH_TOKEN": token}

    def call(self, method: str, path: str, body=None, **headers):
        kwargs = dict(self.headers)
        kwargs.update(headers)
        data = json.dumps(body) if body is not None else None
        response = getattr(self.client, method.lower())(
            "/compute/v2.1/" + path.lstrip("/"), data=data, content_type="application/json",
            **kwargs)
        response.data = json.loads(response.content) if response.content and \
            response["Content-Type"].startswith("application/json") else None
        return response


@pytest.fixture
def alice():
    return Api("tok-alice")


@pytest.fixture
def bob():
    return Api("tok-bob")


def run_cluster_jobs(host: str = "cluster-a", *, resolve: bool = True):
    """Run the fake cluster's queued jobs and apply their messages through the handlers
    (resolve=False: as the dispatcher between its commit and its delayed resolve)."""
    from cyclades.compute import commissions
    from cyclades.updates.dispatcher import apply

    messages = fake.cluster_for(host).run_jobs()
    for message in messages:
        server_id = apply(message)
        if server_id is not None and resolve:
            commissions.resolve(server_id)
    return messages
