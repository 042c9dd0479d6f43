"""pithos-manage commands: service-definition, account-usage, blocks-gc."""

import json
from io import StringIO

from django.core.management import call_command


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_service_definition_lists_swift_endpoint_and_diskspace(settings):
    settings.PITHOS_BASE_URL = "http://127.0.0.1:8701"
    data = json.loads(run("service-definition"))
    assert data["component"] == "pithos"
    swift = next(e for e in data["endpoints"] if e["name"] == "swift")
    assert swift == {"name": "swift", "type": "object-store", "version": "v1",
                     "url": "http://127.0.0.1:8701/object-store/v1/{user_id}"}
    assert any(e["name"] == "pithos_object-store" for e in data["endpoints"])
    (res,) = data["resources"]
    assert res["name"] == "pithos.diskspace" and res["unit"] == "bytes"
    assert res["default_limit"] == 53687091200 and res["service_type"] == "object-store"


def test_account_usage_and_gc_commands(swift):
    alice = swift("alice")
    alice.call("PUT", "c")
    alice.call("PUT", "c/f", data=b"12345")
    rows = json.loads(run("account-usage", "-o", "json"))
    assert rows == [{"account": "alice", "containers": 1, "objects": 1, "bytes": 5}]
    report = json.loads(run("blocks-gc", "--grace", "0", "-o", "json"))
    assert report["deleted"] == 0 and report["scanned"] >= 2
