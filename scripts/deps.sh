#!/usr/bin/env bash
# Installs the Debian 12 packages tunnelisa needs to build, test and fuzz, but only those that
# are missing (apt-get runs only when something is). Needs root (or sudo) for the install.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libssl-dev libsodium-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-scapy iproute2 iputils-ping
  # The openssl command: the CA that signs certificates in `tunnelisa pki`'s tests.
  openssl
  # The strongSwan peer of the interop tests (tests/interop/strongswan/): charon with the
  # kernel-libipsec plugin (ESP in user space), swanctl/VICI, and the crypto plugins (openssl,
  # gcm; curve25519, chapoly). No daemon is started in a container; on a systemd host the
  # package enables strongswan-starter (docs/testing.md).
  strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
  libstrongswan-extra-plugins libcharon-extra-plugins libcharon-extauth-plugins
  # strongSwan's `pki` tool: the CAs, certificates and CRLs of the certificate interop tests
  # (tests/interop/strongswan/make_certs.sh).
  strongswan-pki
  # freeradius for the RADIUS client's tests (tests/radius/, label `radius`): started by the
  # test on loopback with its own configuration; radclient from freeradius-utils for manual
  # checks. No daemon is started in a container (policy-rc.d); on a systemd host the package
  # enables freeradius.service, which the tests do not need (they use other ports).
  freeradius freeradius-utils
  # tshark (and its dumpcap) for the key export tests (tests/interop/key_export_test.sh,
  # label `wireshark`): a capture of `tunnelisa run --export-keys` traffic must decrypt.
  # DEBIAN_FRONTEND=noninteractive (below) answers its question about non-root capture: no.
  tshark
)
# Intel IPsec-MB for the optional `ipsecmb` crypto backend: Debian builds it for amd64 only
# (the build goes on without it elsewhere).
if [ "$(dpkg --print-architecture)" = amd64 ]; then
  PACKAGES+=(libipsec-mb-dev)
fi
# CI's extras (.ci/run): clang and its libFuzzer for the fuzz build; lld, the linker of CI's
# builds (faster than GNU ld on the big sanitizer test binaries).
if [ "${TUNNELISA_DEPS_FUZZ:-0}" = 1 ]; then
  PACKAGES+=(clang libclang-rt-14-dev lld)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
