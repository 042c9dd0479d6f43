"""Faults, request ids and health checks through a real Django request cycle."""

import json

import django
import pytest
from django.conf import settings
from django.http import JsonResponse
from django.urls import path

from snf_common.faults import Conflict


def conflict_view(request):
    raise Conflict("server is building")


def crash_view(request):
    raise RuntimeError("boom X-Auth-Token: topsecret")


def ok_view(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("conflict", conflict_view), path("crash", crash_view),
               path("identity/conflict", conflict_view), path("object-store/conflict", conflict_view),
               path("ok", ok_view)]
handler404 = "snf_common.django.middleware.handler404"


@pytest.fixture(scope="module")
def client():
    if not settings.configured:
        settings.configure(
            ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"], SECRET_KEY="x", DEBUG=False,
            MIDDLEWARE=["snf_common.django.middleware.RequestIdMiddleware",
                        "snf_common.django.middleware.FaultMiddleware"],
            FAULT_FORMATS=[("/identity/", "keystone"), ("/object-store/", "swift")],
            INSTALLED_APPS=[], DATABASES={})
        django.setup()
    from django.test import Client

    return Client(raise_request_exception=False)


def test_fault_becomes_openstack_json_with_request_id(client):
    response = client.get("/conflict")
    assert response.status_code == 409
    assert json.loads(response.content) == {"conflict": {"code": 409, "message": "server is building"}}
    assert int(response["Content-Length"]) == len(response.content)
    assert response["X-Openstack-Request-Id"].startswith("req-")


def test_keystone_and_swift_formats_by_path(client):
    body = json.loads(client.get("/identity/conflict").content)
    assert body["error"]["code"] == 409 and body["error"]["title"] == "Conflict"
    response = client.get("/object-store/conflict")
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"server is building\n"


def test_unknown_url_is_a_json_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "itemNotFound" in json.loads(response.content)


def test_unexpected_error_is_a_500_fault_with_request_id_and_no_secret(client, caplog):
    response = client.get("/crash")
    assert response.status_code == 500
    message = json.loads(response.content)["computeFault"]["message"]
    assert response["X-Openstack-Request-Id"] in message
    assert "topsecret" not in response.content.decode()


def test_fault_answer_to_head_has_no_body(client):
    response = client.head("/conflict")
    assert response.status_code == 409 and response.content == b""
