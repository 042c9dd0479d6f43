"""Secrets stay out of logs, databases and Ganeti's job files (snf-deploy, embedded parts).

A user logs in with a password (Keystone v3, v2.0, the web UI, and once with a wrong
password), uses the tokens against every service (a Pithos upload, a public link, a
server created with an admin password and personality, a console), sends a token id
in a URL path, and revokes a token. Then every file under STATE/log, every SQLite file
of the three services (with their write-ahead logs) and the development cluster's job
files are searched for each secret in clear.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
from pathlib import Path

import pytest
import requests

from tests.e2e.e2e_helpers import CloudUser, ensure_flavor, public_image, wait_status

pytestmark = [pytest.mark.integration,
              pytest.mark.parametrize("cloud", ["embedded"], indirect=True)]

PERSONALITY = b"personality-secret-" + b"7" * 16
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")


def keystone_v3_token(cloud, user: CloudUser, password: str) -> requests.Response:
    return requests.post(f"{cloud.urls['identity']}/auth/tokens", timeout=30, json={
        "auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": user.name, "password": password, "domain": {"id": "default"}}}}}})


def ui_login(cloud, user: CloudUser) -> str:
    """Log in to the Astakos web UI; the API token its profile page shows."""
    web = requests.Session()
    base = cloud.urls["astakos"]
    assert web.get(f"{base}/ui/login", timeout=30).status_code == 200
    done = web.post(f"{base}/ui/login", timeout=30, headers={"Referer": f"{base}/ui/login"},
                    data={"username": user.name, "password": user.password,
                          "csrfmiddlewaretoken": web.cookies.get("csrftoken", "")})
    assert done.status_code == 200 and "/ui/login" not in done.url, done.text[:500]
    page = web.get(f"{base}/ui/profile", timeout=30).text
    for candidate in TOKEN_RE.findall(page):
        if user.identity("GET", "auth/tokens",
                         headers={"X-Subject-Token": candidate}).status_code == 200:
            return candidate
    raise AssertionError("the profile page shows no live API token")


@pytest.fixture(scope="module")
def scenario(cloud, make_user) -> dict:
    user = make_user(cloud, "sec")
    secrets: dict[str, str] = {"password": user.password, "bootstrap token": user.token}
    wrong = "wrong-" + user.password[::-1]
    assert keystone_v3_token(cloud, user, wrong).status_code == 401
    secrets["wrong password"] = wrong
    issued = keystone_v3_token(cloud, user, user.password)
    assert issued.status_code == 201, issued.text
    secrets["v3 token"] = issued.headers["X-Subject-Token"]
    v2 = requests.post(f"{cloud.urls['astakos']}/identity/v2.0/tokens", timeout=30, json={
        "auth": {"passwordCredentials": {"username": user.name, "password": user.password},
                 "tenantName": user.name}})
    assert v2.status_code == 200, v2.text
    secrets["v2 token"] = v2.json()["access"]["token"]["id"]
    secrets["ui token"] = ui_login(cloud, user)
    user.token = secrets["v3 token"]

    # Pithos: an upload, a public link fetched anonymously
    assert user.pithos("PUT", "files").status_code in (201, 202)
    assert user.pithos("PUT", "files/a.txt", data=b"hello",
                       headers={"X-Object-Public": "true"}).status_code == 201
    public_url = user.pithos("HEAD", "files/a.txt").headers["X-Object-Public"]
    assert requests.get(public_url, timeout=30).content == b"hello"
    secrets["public link"] = public_url.rsplit("/", 1)[-1]
    # a client that puts a token id in a URL path (Keystone v2.0 style validation)
    user.call("astakos", "GET", f"identity/v2.0/tokens/{secrets['v2 token']}")

    # Cyclades: a server with an admin password and a personality file, its console
    made = user.compute("POST", "servers", json={"server": {
        "name": "sec-vm", "flavorRef": ensure_flavor(cloud), "imageRef": public_image(user),
        "personality": [{"path": "/root/secret.txt",
                         "contents": base64.b64encode(PERSONALITY).decode()}]}})
    assert made.status_code == 202, made.text
    server = made.json()["server"]
    secrets["admin password"] = server["adminPass"]
    assert wait_status(user, server["id"])["status"] == "ACTIVE"
    console = user.compute("POST", f"servers/{server['id']}/action",
                           json={"console": {"type": "vnc"}})
    assert console.status_code == 200, console.text
    secrets["console password"] = console.json()["console"]["password"]

    # revoke the v2.0 token through the header path
    assert user.identity("DELETE", "auth/tokens",
                         headers={"X-Subject-Token": secrets["v2 token"]}).status_code == 204
    return {"user": user, "secrets": secrets, "server": server["id"],
            "personality": PERSONALITY.decode(),
            "personality_b64": base64.b64encode(PERSONALITY).decode()}


def operator_secrets(state: Path) -> dict[str, str]:
    """The service tokens and the RAPI password snf-deploy made (never to be logged)."""
    found = {}
    conf = (state / "etc" / "30-service-tokens.conf").read_text()
    for name, value in re.findall(r"(\w+_SERVICE_TOKEN)\s*=\s*['\"]([^'\"]+)['\"]", conf):
        found[name] = value
    devcluster = state / "devcluster.json"
    if devcluster.exists():
        found["RAPI password"] = json.loads(devcluster.read_text())["password"]
    return found


def files_holding(paths: list[Path], secrets: dict[str, str]) -> list[str]:
    hits = []
    for path in paths:
        data = path.read_bytes()
        for name, value in secrets.items():
            if value and value.encode() in data:
                hits.append(f"{name} in {path}")
    return hits


def test_logs_hold_no_secrets(cloud, scenario):
    logs = sorted(p for p in (cloud.state_dir / "log").rglob("*") if p.is_file())
    assert logs and any(p.name == "astakos.log" for p in logs)
    # the scenario really went through the logged paths
    text = "".join(p.read_text(errors="replace") for p in logs)
    assert "/identity/v2.0/tokens/" in text and "/vmapi/v1.0/server-params/" in text
    assert "/public/" in text
    secrets = {**scenario["secrets"], **operator_secrets(cloud.state_dir),
               "personality": scenario["personality"],
               "personality (base64)": scenario["personality_b64"]}
    assert files_holding(logs, secrets) == []


def sqlite_files(state: Path) -> list[Path]:
    files = sorted(p for p in state.glob("*.sqlite3*") if p.is_file())
    assert {p.name for p in files} >= {"astakos.sqlite3", "pithos.sqlite3", "cyclades.sqlite3"}
    return files


def test_databases_hold_no_passwords_or_tokens(cloud, scenario):
    s = scenario["secrets"]
    wanted = {k: s[k] for k in ("password", "wrong password", "bootstrap token", "v3 token",
                                "v2 token")}
    assert files_holding(sqlite_files(cloud.state_dir), wanted) == []
    # Astakos keeps the sha256 of each token, and a salted slow hash of the password
    with sqlite3.connect(f"file:{cloud.state_dir / 'astakos.sqlite3'}?mode=ro", uri=True) as db:
        digests = {row[0] for row in db.execute("SELECT digest FROM astakos_tokens_token")}
        (stored,) = db.execute("SELECT password FROM astakos_identity_user WHERE username = ?",
                               (scenario["user"].name,)).fetchone()
    for key in ("v3 token", "v2 token", "bootstrap token"):
        assert hashlib.sha256(s[key].encode()).hexdigest() in digests, key
    algorithm, iterations, salt, _ = stored.split("$")
    assert algorithm.startswith(("pbkdf2", "argon2", "bcrypt", "scrypt")) and salt
    # the revoked token is gone at Astakos (other services may cache it TOKEN_CACHE_SECONDS)
    user = scenario["user"]
    assert user.identity("GET", "auth/tokens",
                         headers={"X-Subject-Token": s["v2 token"]}).status_code == 404


def test_cyclades_database_holds_no_admin_password(cloud, scenario):
    s = scenario["secrets"]
    assert files_holding(sqlite_files(cloud.state_dir),
                         {"admin password": s["admin password"]}) == []


def test_ui_sessions_hold_no_clear_tokens(cloud, scenario):
    from django.core import signing

    token = scenario["secrets"]["ui token"]
    with sqlite3.connect(f"file:{cloud.state_dir / 'astakos.sqlite3'}?mode=ro", uri=True) as db:
        rows = [row[0] for row in db.execute("SELECT session_data FROM django_session")]
    decoded = []
    for data in rows:
        payload = data.split(":", 1)[0]
        raw = signing.b64_decode(payload.lstrip(".").encode())
        if payload.startswith("."):
            import zlib

            raw = zlib.decompress(raw)
        decoded.append(raw.decode(errors="replace"))
    assert not [d for d in decoded if token in d]


def test_ganeti_job_files_hold_no_admin_password(cloud, scenario):
    cluster = cloud.state_dir / "devcluster"
    jobs = [p for p in cluster.rglob("*") if p.is_file() and "queue" in p.parts]
    assert jobs, "the development cluster keeps its job files"
    create = [p for p in jobs if f"snf-{scenario['server']}" in p.read_text(errors="replace")
              and "config_url" in p.read_text(errors="replace")]
    assert create, "the create job carries config_url instead of the secrets"
    everything = [p for p in cluster.rglob("*") if p.is_file() and p.stat().st_size < 2**26
                  and "file-storage" not in p.parts]
    s = scenario["secrets"]
    assert files_holding(everything, {
        "admin password": s["admin password"], "personality": scenario["personality"],
        "personality (base64)": scenario["personality_b64"], "v3 token": s["v3 token"]}) == []
