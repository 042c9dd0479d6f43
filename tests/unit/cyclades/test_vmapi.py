"""vmapi: a create job carries config_url, never the password; the document works once."""

from __future__ import annotations

import datetime
import json
import time

import pytest
from django.test import Client
from django.utils import timezone

from cyclades.backends.ganeti import fake
from cyclades.vmapi import params
from cyclades.vmapi.models import ServerParams

pytestmark = pytest.mark.django_db(transaction=True)


def create(api, flavor, image, **extra):
    body = {"server": {"name": "vm1", "flavorRef": flavor.public_id,
                       "imageRef": str(image.id), **extra}}
    return api.call("POST", "servers", body)


def test_create_job_holds_config_url_and_no_secret(alice, backend, flavor, image, quota,
                                                    settings):
    settings.CYCLADES_BASE_URL = "http://cyclades.example.org:8702/"
    personality = [{"path": "/etc/motd", "contents": "aGVsbG8K"}]
    response = create(alice, flavor, image, personality=personality)
    assert response.status_code == 202, response.content
    password = response.data["server"]["adminPass"]
    cluster = fake.cluster_for("cluster-a")
    job = cluster.jobs[cluster.pending[0]]
    osparams = job.body["osparams"]
    assert set(osparams) == {"img_id", "img_format", "config_url"}
    assert password not in json.dumps(job.body)
    prefix = "http://cyclades.example.org:8702/vmapi/v1.0/server-params/"
    assert osparams["config_url"].startswith(prefix)
    path = osparams["config_url"][len("http://cyclades.example.org:8702"):]

    client = Client()
    first = client.get(path)         # no token: the uuid is the credential
    assert first.status_code == 200 and first["Cache-Control"] == "no-store"
    document = json.loads(first.content)
    assert document["img_passwd"] == password
    assert json.loads(document["img_personality"])[0]["path"] == "/etc/motd"
    assert "img_properties" in document
    again = client.get(path)         # one time only
    assert again.status_code == 404 and "itemNotFound" in json.loads(again.content)
    assert not ServerParams.objects.exists()


def test_expired_document_is_refused_and_purged(monkeypatch):
    old = params.store(7, {"img_passwd": "x"})
    ServerParams.objects.filter(pk=params.row_id(old)).update(expires=timezone.now()
                                               - datetime.timedelta(seconds=1))
    assert params.take(old) is None
    stale = params.store(8, {"img_passwd": "y"})
    ServerParams.objects.filter(pk=params.row_id(stale)).update(expires=timezone.now()
                                                 - datetime.timedelta(seconds=1))
    # Storing purges the expired ones, at most once per PURGE_EVERY_SECONDS and process.
    monkeypatch.setattr(params, "_last_purge", time.monotonic())
    kept = params.store(9, {"img_passwd": "z"})
    assert ServerParams.objects.filter(pk=params.row_id(stale)).exists()
    assert params.take(stale) is None                  # refused all the same
    stale = params.store(10, {"img_passwd": "w"})
    ServerParams.objects.filter(pk=params.row_id(stale)).update(expires=timezone.now()
                                                 - datetime.timedelta(seconds=1))
    monkeypatch.setattr(params, "_last_purge", time.monotonic() - params.PURGE_EVERY_SECONDS)
    fresh = params.store(11, {"img_passwd": "v"})
    assert sorted(ServerParams.objects.values_list("pk", flat=True)) == \
        sorted([params.row_id(kept), params.row_id(fresh)])
    assert params.take(fresh) == {"img_passwd": "v"}


def test_unknown_uuid_is_404():
    response = Client().get("/vmapi/v1.0/server-params/not-a-real-one")
    assert response.status_code == 404


def test_seal_keeps_public_params_and_moves_secrets():
    sealed = params.seal_osparams(3, {"img_id": "a", "img_format": "diskdump",
                                      "img_passwd": "p", "img_properties": "{}"})
    assert set(sealed) == {"img_id", "img_format", "config_url"}
    assert params.peek(params.key_of(sealed["config_url"])) == {"img_passwd": "p",
                                                                 "img_properties": "{}"}
    assert params.seal_osparams(3, {"img_id": "a"}) == {"img_id": "a"}


def test_database_holds_neither_the_uuid_nor_the_clear_document():
    key = params.store(5, {"img_passwd": "s3cret-Passw0rd"})
    row = ServerParams.objects.get()
    stored = json.dumps([row.pk, row.sealed])
    assert key not in stored and "s3cret-Passw0rd" not in stored
    assert params.take(key) == {"img_passwd": "s3cret-Passw0rd"}
