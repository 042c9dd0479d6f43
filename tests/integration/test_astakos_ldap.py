"""LDAP login through the Astakos UI against a real slapd started on loopback.

slapd runs in the foreground with a throwaway slapd.conf and MDB database in a
temp dir; users and groups are loaded with ldapadd. Astakos runs under gunicorn.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.fixtures.astakos_web import UiSession, astakos_server, free_port, manage

pytestmark = pytest.mark.integration

SUFFIX = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PW = "ldap-root-secret"

LDIF = f"""dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,{SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: uid=carol,ou=people,{SUFFIX}
objectClass: inetOrgPerson
uid: carol
cn: Carol Smith
givenName: Carol
sn: Smith
mail: carol@example.org
userPassword: pw-carol

dn: uid=dan,ou=people,{SUFFIX}
objectClass: inetOrgPerson
uid: dan
cn: Dan Jones
sn: Jones
mail: dan.ldap@example.org
userPassword: pw-dan

dn: cn=cloud-admins,ou=groups,{SUFFIX}
objectClass: groupOfNames
cn: cloud-admins
member: uid=carol,ou=people,{SUFFIX}
"""


def ldap_tool(tool: str, uri: str, ldif: str) -> None:
    result = subprocess.run([tool, "-x", "-H", uri, "-D", ROOT_DN, "-w", ROOT_PW],
                            input=ldif, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def slapd(tmp_path_factory):
    binary = shutil.which("slapd") or "/usr/sbin/slapd"
    if not Path(binary).exists() or not shutil.which("ldapadd"):
        pytest.skip("slapd and ldap-utils are not installed (deploy/system-packages.sh)")
    pytest.importorskip("ldap")
    home = tmp_path_factory.mktemp("slapd")
    (home / "db").mkdir()
    conf = home / "slapd.conf"
    conf.write_text("\n".join([
        *(f"include /etc/ldap/schema/{s}.schema" for s in ("core", "cosine", "inetorgperson",
                                                            "nis")),
        f"pidfile {home}/slapd.pid", "modulepath /usr/lib/ldap", "moduleload back_mdb",
        "database mdb", f'suffix "{SUFFIX}"', f'rootdn "{ROOT_DN}"', f"rootpw {ROOT_PW}",
        f"directory {home}/db", "maxsize 10485760", ""]))
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}"
    log = open(home / "slapd.log", "w")
    proc = subprocess.Popen([binary, "-d", "0", "-f", str(conf), "-h", f"{uri}/"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while subprocess.run(["ldapwhoami", "-x", "-H", uri], capture_output=True,
                             timeout=10).returncode != 0:
            assert proc.poll() is None, (home / "slapd.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "slapd did not start"
            time.sleep(0.2)
        ldap_tool("ldapadd", uri, LDIF)
        yield uri
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def astakos(slapd, tmp_path_factory):
    settings = {
        "ASTAKOS_IM_MODULES": ["local", "ldap"],
        "ASTAKOS_LDAP_URI": slapd, "ASTAKOS_LDAP_BIND_DN": ROOT_DN,
        "ASTAKOS_LDAP_BIND_PASSWORD": ROOT_PW, "ASTAKOS_LDAP_USER_BASE": f"ou=people,{SUFFIX}",
        "ASTAKOS_LDAP_GROUP_BASE": f"ou=groups,{SUFFIX}",
        "ASTAKOS_LDAP_GROUP_MAP": {"cloud-admins": "admin"},
        "ASTAKOS_AUTH_PROVIDER_POLICIES": {"ldap": {"automoderate": True}},
        "ASTAKOS_LOGIN_FAILURES_MAX": "4",
    }
    with astakos_server(tmp_path_factory.mktemp("astakos-ldap"), settings) as server:
        yield server


def roles_of(base: str, token: str) -> list[str]:
    response = requests.get(f"{base}/identity/v3/auth/tokens", timeout=10,
                            headers={"X-Auth-Token": token, "X-Subject-Token": token})
    assert response.status_code == 200, response.text
    return sorted(r["name"] for r in response.json()["token"]["roles"])


def ldap_login(ui: UiSession, name: str, password: str, **extra) -> requests.Response:
    return ui.post_form("/ui/login/ldap", {"username": name, "password": password, **extra},
                        form_page="/ui/login")


def test_login_page_offers_ldap(astakos):
    page = UiSession(astakos["base"]).get("/ui/login").text
    assert 'action="/ui/login/ldap"' in page and 'action="/ui/login"' in page


def test_first_ldap_login_creates_account_with_mapped_groups(astakos, slapd):
    ui = UiSession(astakos["base"])
    response = ldap_login(ui, "carol", "pw-carol")
    assert response.status_code == 200 and response.url.endswith("/ui/profile")
    assert "Carol Smith" in response.text and "carol@example.org" in response.text
    token = ui.token()
    assert roles_of(astakos["base"], token) == ["admin", "member"]
    # Leaving the LDAP group drops the role at the next login.
    ldap_tool("ldapmodify", slapd, f"dn: cn=cloud-admins,ou=groups,{SUFFIX}\nchangetype: modify\n"
              f"replace: member\nmember: uid=dan,ou=people,{SUFFIX}\n")
    again = UiSession(astakos["base"])
    ldap_login(again, "carol", "pw-carol")
    assert roles_of(astakos["base"], again.token()) == ["member"]


def test_wrong_empty_and_wildcard_passwords_fail(astakos):
    ui = UiSession(astakos["base"])
    assert ldap_login(ui, "dan", "wrong").status_code == 401
    # An empty password would be an anonymous bind, which LDAP accepts.
    assert ldap_login(ui, "dan", "").status_code == 401
    assert ldap_login(ui, "*", "pw-dan").status_code == 401
    assert "/ui/login" in ui.get("/ui/profile").url


def test_add_ldap_to_a_local_account_then_log_in_with_it(astakos):
    manage(astakos["env"], "user-add", "erin@example.org", "--password", "pw-erin-local")
    ui = UiSession(astakos["base"])
    response = ui.post_form("/ui/login", {"username": "erin@example.org",
                                          "password": "pw-erin-local"})
    assert response.url.endswith("/ui/profile")
    uuid = ui.get("/ui/profile").text.split("<dt>UUID</dt><dd><code>")[1].split("<")[0]
    response = ldap_login(ui, "dan", "pw-dan", intent="add")
    assert "Added the ldap login" in response.text
    assert ">ldap<" in response.text and ">dan<" in response.text
    other = UiSession(astakos["base"])
    ldap_login(other, "dan", "pw-dan")
    assert uuid in other.get("/ui/profile").text  # the same account, not a new one


def test_failed_ldap_logins_are_throttled(astakos):
    # Runs last: failures from this address (earlier tests too) count toward the limit of 4.
    ui = UiSession(astakos["base"])
    codes = [ldap_login(ui, "nobody", "wrong").status_code for _ in range(5)]
    assert codes[0] == 401
    assert codes[-1] == 429 and set(codes) <= {401, 429}
    # Once throttled, even the right password does not get in from this address.
    assert ldap_login(ui, "carol", "pw-carol").status_code == 429
