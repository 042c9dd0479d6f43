#!/usr/bin/env bash
# Debian packages the test suite and the production parts need on one host.
# Idempotent: installs only what is missing. Run as root (or with sudo).
set -euo pipefail

PACKAGES=(
  python3-venv
  postgresql-client
  qemu-utils e2fsprogs
  ceph-mon ceph-osd python3-rados
  slapd ldap-utils libldap2-dev libsasl2-dev gcc python3-dev xmlsec1  # Astakos LDAP (python-ldap builds from source) and SAML
  chromium  # the Astakos UI browser test (Playwright drives Debian's build)
  ganeti  # starts no daemon until a cluster is initialised (deploy/ganeti/setup-ganeti.sh)
)

missing=()
for pkg in "${PACKAGES[@]}" ${SNF_EXTRA_PACKAGES:-}; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
