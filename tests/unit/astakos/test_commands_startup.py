"""astakos-manage start-up and bootstrap: lazy provider libraries, several definitions in one
service-import, passwords that never appear on a command line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from astakos_factories import CYCLADES_DEFINITION, PITHOS_DEFINITION
from django.core.management import call_command
from django.core.management.base import CommandError

from astakos.identity.providers.local import authenticate
from astakos.tokens.models import Component, Service


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_commands_and_urls_do_not_import_provider_libraries(tmp_path):
    # A fresh interpreter: what `astakos-manage check` (URLs, every view module) imports.
    code = ("import sys, django; django.setup(); "
            "from django.core.management import call_command; call_command('check'); "
            "import astakos.project.urls, astakos.ui.views.auth; "
            "print(sorted(m for m in ('saml2', 'social_core', 'social_django', 'ldap') "
            "if m in sys.modules))")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="astakos.project.settings",
               SNF_STATE_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_service_import_takes_several_files(db, tmp_path):
    paths = []
    for definition in (PITHOS_DEFINITION, CYCLADES_DEFINITION):
        path = tmp_path / f"{definition['component']}.json"
        path.write_text(json.dumps(definition))
        paths.append(str(path))
    out = json.loads(run("service-import", *paths, "-o", "json"))
    assert [o["component"] for o in out] == ["pithos", "cyclades"]
    assert all(len(o["service_token"]) == 43 for o in out)
    assert set(Service.objects.values_list("name", flat=True)) == {"swift", "nova", "cinderv3"}
    # Same tokens on a second run (idempotent); one alone still prints one object.
    again = json.loads(run("service-import", paths[1], "-o", "json"))
    assert again["service_token"] == out[1]["service_token"]


def test_service_import_reads_several_documents_from_stdin(db, monkeypatch):
    text = json.dumps(PITHOS_DEFINITION, indent=2) + "\n" + json.dumps(CYCLADES_DEFINITION)
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    out = json.loads(run("service-import", "-", "-o", "json"))
    assert [o["component"] for o in out] == ["pithos", "cyclades"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps([PITHOS_DEFINITION])))
    table = run("service-import", "-").strip()
    assert table == out[0]["service_token"]


def test_service_import_with_a_bad_document_imports_nothing(db, monkeypatch):
    bad = {"component": "broken", "endpoints": [{"name": "x"}]}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps([PITHOS_DEFINITION, bad])))
    with pytest.raises(CommandError, match=r"endpoints\[0\]"):
        run("service-import", "-")
    assert not Component.objects.exists() and not Service.objects.exists()
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(PITHOS_DEFINITION) + " {oops"))
    with pytest.raises(CommandError, match="cannot read -"):
        run("service-import", "-")
    assert not Component.objects.exists()


def test_bootstrap_demo_reads_the_password_from_stdin_or_a_file(db, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.StringIO("-starts-with-dash\n"))
    first = json.loads(run("bootstrap-demo", "--username", "demo", "--password-file", "-",
                           "-o", "json"))
    assert authenticate("demo", "-starts-with-dash").uuid == first["user_id"]
    path = tmp_path / "pw"
    path.write_text("second password\r\n")
    run("bootstrap-demo", "--username", "demo", "--password-file", str(path))
    assert authenticate("demo", "second password") is not None
    assert authenticate("demo", "-starts-with-dash") is None


def test_bootstrap_demo_refuses_an_empty_or_missing_password(db, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    with pytest.raises(CommandError, match="no password"):
        run("bootstrap-demo", "--username", "demo", "--password-file", "-")
    with pytest.raises(CommandError, match="cannot read"):
        run("bootstrap-demo", "--username", "demo", "--password-file", str(tmp_path / "none"))
    with pytest.raises(CommandError):
        run("bootstrap-demo", "--username", "demo")
    from astakos.identity.models import User

    assert not User.objects.filter(username="demo").exists()
