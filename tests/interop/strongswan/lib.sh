# tests/interop/strongswan/lib.sh: helpers of run_case.sh (sourced, not run).
# shellcheck shell=bash
#
# One test = two network namespaces joined by a veth pair (the "public network"):
#   $NS_T  tunnelisa: `tunnelisa run` on 192.0.2.1, its LAN host 10.1.0.10 on the TUN tl101;
#   $NS_S  strongSwan: charon on 192.0.2.2, its LAN host 10.2.0.10 on lo.
# Both use the standard ports 500 / 4500 (one charon per namespace binds 0.0.0.0).
#
# strongSwan 5.9.8 runs without kernel IPsec: the kernel-libipsec plugin does ESP in user space
# over a TUN device (ipsecN), and always as ESP-in-UDP on port 4500 (it fakes NAT detection, so
# tunnelisa must float to 4500 and encapsulate). Each charon gets its own strongswan.conf
# (STRONGSWAN_CONF, an explicit plugin list with kernel-libipsec before kernel-netlink), its own
# VICI socket, and a private /run (charon writes /var/run/charon.pid unconditionally): `ip netns
# exec` gives it a private mount namespace, in which our run directory is bound over /run.
#
# Every wait is bounded; cleanup stops only the processes started here (by PID) and deletes
# the namespaces.

CHARON=${CHARON:-/usr/lib/ipsec/charon}
TL_PUB=192.0.2.1
SS_PUB=192.0.2.2
TL_LAN=10.1.0.0/24
SS_LAN=10.2.0.0/24
TL_HOST=10.1.0.10
SS_HOST=10.2.0.10
PIDS_TL=()
EXTRA_PIDS=()  # pings in the background
CHARON_PID=""

log() { echo "== $*"; }
note() { echo "   $*"; }

# skip_or_fail MESSAGE: exit 77 (ctest: skipped), or 1 when TUNNELISA_INTEROP_REQUIRED=1 (CI,
# where a missing tool must not silently turn the interop tests into skips).
skip_or_fail() {
  if [ "${TUNNELISA_INTEROP_REQUIRED:-0}" = 1 ]; then
    echo "FAIL: $* (TUNNELISA_INTEROP_REQUIRED=1)" >&2
    exit 1
  fi
  echo "SKIP: $*"
  exit 77
}

require_tools() {
  [ "$(id -u)" -eq 0 ] || skip_or_fail "needs root (network namespaces, TUN)"
  local tool
  for tool in ip ping timeout swanctl awk; do
    command -v "$tool" >/dev/null || skip_or_fail "needs $tool"
  done
  [ -x "$CHARON" ] || skip_or_fail "needs strongSwan's charon ($CHARON; scripts/deps.sh)"
  [ -c /dev/net/tun ] || skip_or_fail "no /dev/net/tun"
  local p
  for p in kernel-libipsec vici openssl gcm curve25519 chapoly; do
    [ -e "/usr/lib/ipsec/plugins/libstrongswan-$p.so" ] ||
      skip_or_fail "needs the strongSwan plugin $p (scripts/deps.sh)"
  done
}

# require_cert_tools: what the cert-* cases need beyond require_tools: strongSwan's pki tool
# (make_certs.sh) and charon's certificate plugins.
require_cert_tools() {
  command -v pki >/dev/null || skip_or_fail "needs strongSwan's pki tool (strongswan-pki)"
  local p
  for p in pem pkcs1 pkcs8 x509 pubkey revocation constraints; do
    [ -e "/usr/lib/ipsec/plugins/libstrongswan-$p.so" ] ||
      skip_or_fail "needs the strongSwan plugin $p (scripts/deps.sh)"
  done
}

fail() {
  echo "FAIL: $*" >&2
  dump_logs
  if [ "${TL_CASE_ATTEMPT:-}" = 1 ] && xauth_race_seen; then
    echo "   charon's log shows strongSwan's XAUTH race: exit 75, run_case.sh runs it again" >&2
    exit 75
  fi
  exit 1
}

# xauth_race_seen: charon's log shows the race strongSwan 5.9.8 runs into as an IKEv1 XAUTH
# client (docs/testing.md): its worker threads take the gateway's XAUTH request before Main
# Mode message 6 (queued: harmless by itself, in most runs), or a transaction message arrives
# while one is queued already or phase 1 is incomplete (dropped). Only a failed case with it
# is retried.
XAUTH_RACE='queueing TRANSACTION request as tasks still active'
XAUTH_RACE+='|ignoring TRANSACTION request, queue full'
XAUTH_RACE+='|ignoring TRANSACTION request while phase 1 is incomplete'
xauth_race_seen() { grep -Eq "$XAUTH_RACE" "$SSDIR/charon.log" 2>/dev/null; }

dump_logs() {
  local f
  for f in "$WORK/tl.log" "$WORK/tl.stderr" "$SSDIR/charon.log" "$SSDIR/charon.stdout" \
    "${FR_DIR:-$WORK}/freeradius.log" "$WORK/radius/freeradius.log"; do
    [ -s "$f" ] && { echo "--- $f (last 40 lines)" >&2; tail -n 40 "$f" >&2; }
  done
  return 0
}

# stop_pid PID SIGNAL: signal one process we started, wait (5 s) for it, then SIGKILL.
stop_pid() {
  local pid=$1 sig=${2:-TERM}
  [ -n "$pid" ] || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  set +e
  local pid
  for pid in "${EXTRA_PIDS[@]}"; do stop_pid "$pid" TERM; done
  for pid in "${PIDS_TL[@]}"; do stop_pid "$pid" TERM; done
  stop_pid "$CHARON_PID" TERM
  freeradius_stop_all
  ip netns del "$NS_T" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null
  [ -n "${SHORT_DIR:-}" ] && rm -rf "$SHORT_DIR"
  exit "$rc"
}

in_t() { ip netns exec "$NS_T" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }

# wait_until SECONDS WHAT COMMAND...: polls COMMAND every 0.1 s; fails the test after SECONDS.
wait_until() {
  local limit=$1 what=$2
  shift 2
  for _ in $(seq $((limit * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "$what: not within $limit s"
}

# now_ms: milliseconds of CLOCK_REALTIME, for the durations printed.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

setup_namespaces() {
  NS_T=tlss-t-$$
  NS_S=tlss-s-$$
  log "namespaces $NS_T ($TL_PUB, tunnelisa) <-> $NS_S ($SS_PUB, strongSwan)"
  ip netns add "$NS_T"
  ip netns add "$NS_S"
  ip link add tlv-t netns "$NS_T" type veth peer name tlv-s netns "$NS_S"
  in_t ip link set lo up
  in_s ip link set lo up
  in_t ip addr add "$TL_PUB/24" dev tlv-t
  in_s ip addr add "$SS_PUB/24" dev tlv-s
  in_s ip addr add "$SS_HOST/32" dev lo  # strongSwan's LAN host, inside its local_ts
  in_t ip link set tlv-t up
  in_s ip link set tlv-s up
}

# ---- strongSwan -------------------------------------------------------------------------

# ss_write_conf: strongswan.conf and swanctl.conf of the charon, from
#   SS_IKE, SS_ESP (proposals), SS_PSK, SS_DPD (dpd_delay, "" for none);
#   SS_LIFE_BYTES (the CHILD SA's life_bytes: IKEv1 Quick Modes then carry a lifetime in
#   kilobytes beside the one in seconds);
#   SS_LOG_IKE / SS_LOG_CFG / SS_LOG_ENC / SS_LOG_NET (charon's log levels, for debugging: ike
#   4 and enc 3 show the exchanges in detail, net 4 the datagrams' bytes);
#   SS_VERSION (the connection's IKE version: 1 or [2]) and SS_AGGRESSIVE (yes: IKEv1
#   Aggressive Mode; charon then also answers Aggressive Mode with a pre-shared key, which it
#   refuses unless told i_dont_care_about_security_and_use_aggressive_mode_psk);
#   SS_XAUTH_USER / SS_XAUTH_PASSWORD (IKEv1 remote access: a second local round `auth =
#   xauth` as this user, whose password is the secret `xauth-USER`; charon then offers
#   XAUTHInitPreShared and answers the gateway's XAUTH request; the xauth-generic plugin);
# and for the certificate cases (all unset: the PSK configuration, as before)
#   SS_LOCAL_AUTH / SS_REMOTE_AUTH (psk | pubkey; [psk]), SS_LOCAL_ID / SS_REMOTE_ID ([the
#   addresses]; DNs are quoted), SS_CERT (our certificate's base name in make_certs.sh's
#   directory, installed by ss_install_certs), SS_REMOTE_CA (the only CA the remote's
#   certificate may chain to: `cacerts`, a CA of SS_CAS). A remote proving itself with a
#   certificate is checked with `revocation = strict`: its certificate's status must be known
#   to be good (from the CRLs in x509crl), so a CRL that does not apply fails the case.
ss_write_conf() {
  local SS_PLUGINS="random nonce aes sha1 sha2 md5 hmac gcm chapoly curve25519 gmp openssl pem"
  [ -n "${SS_EAP_ID:-}" ] && SS_PLUGINS+=" eap-identity eap-md5 eap-mschapv2"
  SS_PLUGINS+=" pkcs1 pkcs8 x509 pubkey kdf kernel-libipsec kernel-netlink socket-default vici"
  SS_PLUGINS+=" updown"
  # XAUTH client: a second local round, its password among the secrets.
  local xauth_round="" xauth_secret=""
  if [ -n "${SS_XAUTH_USER:-}" ]; then
    SS_PLUGINS+=" xauth-generic"
    xauth_round="
    local-xauth {
      auth = xauth
      xauth_id = $SS_XAUTH_USER
    }"
    xauth_secret="
  xauth-$SS_XAUTH_USER {
    id = $SS_XAUTH_USER
    secret = \"$SS_XAUTH_PASSWORD\"
  }"
  fi
  local local_auth=${SS_LOCAL_AUTH:-psk} remote_auth=${SS_REMOTE_AUTH:-psk}
  # Certificates: CRLs (revocation) and path constraints (constraints) are checked too.
  [ "$local_auth/$remote_auth" = psk/psk ] || SS_PLUGINS+=" revocation constraints"
  local local_sect remote_sect
  local_sect="      auth = $local_auth
      id = $(ss_quote "${SS_LOCAL_ID:-$SS_PUB}")"
  [ -n "${SS_CERT:-}" ] &&
    local_sect+=$'\n'"      certs = $(basename "$(cert_path "$SS_CERT.crt")")"
  # EAP (eap-* cases): the user strongSwan authenticates as (eap_id) and its password below.
  [ -n "${SS_EAP_ID:-}" ] && local_sect+=$'\n'"      eap_id = $SS_EAP_ID"
  remote_sect="      auth = $remote_auth
      id = $(ss_quote "${SS_REMOTE_ID:-$TL_PUB}")"
  [ "$remote_auth" = pubkey ] && remote_sect+=$'\n'"      revocation = strict"
  [ -n "${SS_REMOTE_CA:-}" ] &&
    remote_sect+=$'\n'"      cacerts = $(basename "$(cert_path "$SS_REMOTE_CA.crt")")"
  mkdir -p "$SSDIR/run" "$SSDIR/swanctl"
  local x
  # Every directory `swanctl --load-all` scans, so it does not complain.
  for x in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 \
    pkcs12; do
    mkdir -p "$SSDIR/swanctl/$x"
  done
  cat >"$SSDIR/strongswan.conf" <<EOF
# Written by tests/interop/strongswan/lib.sh: one self-contained charon (no includes).
charon {
  # IKEv1 Aggressive Mode with a pre-shared key: charon refuses to answer it unless told.
  i_dont_care_about_security_and_use_aggressive_mode_psk = ${SS_AGGRESSIVE:-no}
  # kernel-libipsec (ESP in user space over a TUN) must come before kernel-netlink, which
  # still provides addresses, routes and interfaces.
  load = $SS_PLUGINS
  port = 500
  port_nat_t = 4500
  install_routes = yes
  retransmit_tries = 3
  retransmit_timeout = 1.0
  retransmit_base = 1.4
  filelog {
    main {
      path = $SSDIR/charon.log
      time_format = %H:%M:%S
      default = 1
      ike = ${SS_LOG_IKE:-2}
      chd = 1
      cfg = ${SS_LOG_CFG:-1}
      knl = 1
      esp = 1
      enc = ${SS_LOG_ENC:-1}
      net = ${SS_LOG_NET:-1}
      flush_line = yes
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
  plugins {
    vici {
      socket = unix://$SSDIR/run/charon.vici
    }
  }
}
swanctl {
  socket = unix://$SSDIR/run/charon.vici
}
EOF
  cat >"$SSDIR/swanctl/swanctl.conf" <<EOF
connections {
  tl {
    version = ${SS_VERSION:-2}
    aggressive = ${SS_AGGRESSIVE:-no}
    local_addrs = $SS_PUB
    remote_addrs = $TL_PUB
    mobike = no
    proposals = $SS_IKE${SS_VIPS:+
    vips = $SS_VIPS}
    dpd_delay = ${SS_DPD:-0s}
    local {
$local_sect
    }$xauth_round
    remote {
$remote_sect
    }
    children {
      tl {
        local_ts = ${SS_LOCAL_TS:-$SS_LAN}
        remote_ts = $TL_LAN
        esp_proposals = $SS_ESP
        start_action = none${SS_LIFE_BYTES:+
        life_bytes = $SS_LIFE_BYTES}
        dpd_action = clear
      }
    }
  }
}
EOF
  # The pre-shared key, when either side uses it (found by tunnelisa's address, whatever
  # identity strongSwan has itself).
  [ "$local_auth/$remote_auth" = pubkey/pubkey ] && return 0
  cat >>"$SSDIR/swanctl/swanctl.conf" <<EOF
secrets {
  ike-tl {
    id-tl = $TL_PUB
    id-ss = $SS_PUB
    secret = "$SS_PSK"
  }${SS_EAP_ID:+
  eap-user {
    id = $SS_EAP_ID
    secret = "$SS_EAP_SECRET"
  \}}$xauth_secret
}
EOF
}

# ss_quote VALUE: VALUE for swanctl.conf, in double quotes when it has spaces or commas (a DN).
ss_quote() {
  case $1 in
    *[\ ,]*) printf '"%s"' "$1" ;;
    *) printf '%s' "$1" ;;
  esac
}

# ---- certificates -------------------------------------------------------------------------
# The cert-* cases: make_certs.sh (strongSwan's `pki`) writes every certificate, key and CRL
# into $CERTS; tunnelisa gets its share through `tunnelisa pki import` into its PKI directory
# (tl_import_pki), strongSwan copies in its swanctl directories (ss_install_certs). Names are
# make_certs.sh's base names: ca-rsa, ca-ecdsa, int-rsa (CAs), tl-rsa, ss-ecdsa, ss-chain,
# ss-revoked...
CERTS=""
TL_PKI_DIR=""

# cert_path FILE: $CERTS/FILE, or $CERTS/FILE.pem where make_certs.sh wrote PEM.
cert_path() {
  if [ -e "$CERTS/$1" ]; then echo "$CERTS/$1"; else echo "$CERTS/$1.pem"; fi
}

# make_certs: a fresh set in $WORK/certs (new keys on every run).
make_certs() {
  CERTS=$WORK/certs
  local rc=0
  bash "$HERE/make_certs.sh" "$CERTS" >"$WORK/make_certs.out" 2>&1 || rc=$?
  [ "$rc" -eq 77 ] && skip_or_fail "$(cat "$WORK/make_certs.out")"
  [ "$rc" -eq 0 ] || fail "make_certs.sh: $(tail -n 5 "$WORK/make_certs.out")"
  note "$(tail -n 1 "$WORK/make_certs.out")"
}

# ss_install_certs: strongSwan's files from SS_CAS (CA base names: certificate into x509ca,
# CRL into x509crl) and SS_CERT (certificate into x509, key into rsa/ or ecdsa/ by its kind:
# make_certs.sh writes RSA keys as PKCS#1 DER, ECDSA keys as SEC 1 PEM).
ss_install_certs() {
  local ca key
  for ca in ${SS_CAS:-}; do
    cp "$(cert_path "$ca.crt")" "$SSDIR/swanctl/x509ca/"
    cp "$(cert_path "$ca.crl")" "$SSDIR/swanctl/x509crl/"
  done
  [ -n "${SS_CERT:-}" ] || return 0
  cp "$(cert_path "$SS_CERT.crt")" "$SSDIR/swanctl/x509/"
  key=$(cert_path "$SS_CERT.key")
  if grep -q "EC PRIVATE KEY" "$key"; then
    cp "$key" "$SSDIR/swanctl/ecdsa/"
  else
    cp "$key" "$SSDIR/swanctl/rsa/"
  fi
}

# tl_pki_import TYPE FILE NAME: `tunnelisa pki import` of $CERTS/FILE (DER, or PEM where
# make_certs.sh wrote FILE.pem) into tunnelisa's PKI directory as NAME.
tl_pki_import() {
  local f form=der
  f=$(cert_path "$2")
  [[ $f == *.pem ]] && form=pem
  "$TL" pki import --pki-dir "$TL_PKI_DIR" type "$1" input "$f" output "$3" format "$form" \
    >>"$WORK/pki_import.out" 2>&1 ||
    fail "tunnelisa pki import type $1 input $f: $(tail -n 3 "$WORK/pki_import.out")"
}

# tl_import_pki: tunnelisa's PKI directory $WORK/pki: for each of TL_CA_PROFILES its
# certificate NAME.der and CRL NAME.crl; TL_CERT's certificate and key as TL_CERT.der and
# TL_CERT.key.
tl_import_pki() {
  TL_PKI_DIR=$WORK/pki
  rm -rf "$TL_PKI_DIR" "$WORK/pki_import.out"
  local ca
  for ca in ${TL_CA_PROFILES:-}; do
    tl_pki_import cert "$ca.crt" "$ca.der"
    tl_pki_import crl "$ca.crl" "$ca.crl"
  done
  if [ -n "${TL_CERT:-}" ]; then
    tl_pki_import cert "$TL_CERT.crt" "$TL_CERT.der"
    tl_pki_import key "$TL_CERT.key" "$TL_CERT.key"
  fi
  note "tunnelisa's PKI directory:" \
    "$("$TL" pki list --pki-dir "$TL_PKI_DIR" | awk 'NR > 2 { print $1 }' | tr '\n' ' ')"
}

# sw ARGS...: swanctl against our charon's VICI socket (bounded).
sw() {
  STRONGSWAN_CONF=$SSDIR/strongswan.conf timeout 30 swanctl "$@" \
    --uri "unix://$SSDIR/run/charon.vici"
}

start_charon() {
  : >"$SSDIR/charon.log"
  local t0
  t0=$(now_ms)
  # `ip netns exec` runs sh in a private mount namespace; sh binds our run directory over /run
  # and execs charon, so $! is charon's PID.
  # shellcheck disable=SC2016  # $1 and $2 are sh's, not ours
  STRONGSWAN_CONF=$SSDIR/strongswan.conf ip netns exec "$NS_S" \
    sh -c 'mount --bind "$1" /run && exec "$2"' sh \
    "$SSDIR/run" "$CHARON" >>"$SSDIR/charon.stdout" 2>&1 &
  CHARON_PID=$!
  for _ in $(seq 100); do
    [ -S "$SSDIR/run/charon.vici" ] && break
    kill -0 "$CHARON_PID" 2>/dev/null || fail "charon exited at start-up"
    sleep 0.1
  done
  [ -S "$SSDIR/run/charon.vici" ] || fail "charon: no VICI socket after 10 s"
  [ "$(cat "$SSDIR/run/charon.pid" 2>/dev/null)" = "$CHARON_PID" ] ||
    fail "charon.pid says $(cat "$SSDIR/run/charon.pid" 2>/dev/null), we started $CHARON_PID"
  sw --load-all --file "$SSDIR/swanctl/swanctl.conf" >"$SSDIR/load.out" 2>&1 ||
    fail "swanctl --load-all: $(cat "$SSDIR/load.out")"
  note "charon $CHARON_PID up and configured in $(($(now_ms) - t0)) ms"
}

# ss_sas: swanctl --list-sas of our connection (empty without one).
ss_sas() { sw --list-sas --ike tl 2>/dev/null; }
# (No `... | grep -q` anywhere: grep leaving early makes the writer die of SIGPIPE, which
# pipefail turns into a failure of the whole pipeline, and `!` into a false success.)
ss_established() {
  local s
  s=$(ss_sas) || return 1
  grep -q "ESTABLISHED" <<<"$s" && grep -q "INSTALLED" <<<"$s"
}
# ss_no_sa: charon answers and lists no SA of ours.
ss_no_sa() {
  local s
  s=$(sw --list-sas --ike tl 2>&1) || return 1
  ! grep -q "^tl:" <<<"$s"
}
# ss_child_spis: "in-spi/out-spi" of the installed CHILD SA(s).
ss_child_spis() {
  ss_sas |
    awk '/INSTALLED/ { f = 1 }
         f && $1 == "in" { i = $2 }
         f && $1 == "out" { print i "/" $2; f = 0 }' |
    tr -d ',' | sort | tr '\n' ' '
}
ss_ike_spis() {
  ss_sas | grep -o '[0-9a-f]\{16\}_i[*]\? [0-9a-f]\{16\}_r[*]\?' | tr -d '*' | tr ' \n' '/ '
}

# ---- tunnelisa ---------------------------------------------------------------------------

# tl_write_v2_policies / tl_write_v1_policies: ike-policy 1's commands and ipsec-transform 1
# (tl_write_conf's variables).
tl_write_v2_policies() {
  local peer_auth=${TL_PEER_AUTH:-psk} own_auth=${TL_OWN_AUTH:-psk}
  echo "    ike-version 2"
  if [ "$peer_auth/$own_auth" != psk/psk ]; then
    echo "    auth-method $peer_auth"
    echo "    own-auth-method $own_auth"
  fi
  cat <<EOF
    auth-algorithm $TL_IKE_AUTH
    encryption-algorithm $TL_IKE_ENC
    dh-group $TL_IKE_DH
EOF
  [ -n "${TL_DPD:-}" ] && echo "    dpd $TL_DPD"
  cat <<EOF
  exit
  ipsec-transform 1
    esp-encryption-algorithm $TL_ESP_ENC
EOF
  [ -n "${TL_ESP_AUTH:-}" ] && echo "    esp-auth-algorithm $TL_ESP_AUTH"
  [ -n "${TL_PFS:-}" ] && echo "    pfs-dh-group $TL_PFS"
  echo "  exit"
}
tl_write_v1_policies() {
  cat <<EOF
    auth-algorithm $TL_IKE_AUTH
    dh-group $TL_IKE_DH
    encryption-algorithm $TL_IKE_ENC
    ike-mode ${TL_IKE_MODE:-main}
    ike-version 1
EOF
  # IKEv1 has one method for both sides (cert-auth: RSA signatures).
  [ "${TL_PEER_AUTH:-psk}" = psk ] || echo "    auth-method $TL_PEER_AUTH"
  [ -n "${TL_DPD:-}" ] && echo "    dpd $TL_DPD"
  echo "  exit"
  echo "  ipsec-transform 1"
  [ -n "${TL_ESP_AUTH:-}" ] && echo "    esp-auth-algorithm $TL_ESP_AUTH"
  echo "    esp-encryption-algorithm $TL_ESP_ENC"
  [ -n "${TL_PFS:-}" ] && echo "    pfs-dh-group $TL_PFS"
  echo "  exit"
}

# tl_write_conf: the gateway's configuration from
#   TL_IKE_ENC TL_IKE_AUTH TL_IKE_DH  (ike-policy), TL_DPD ("interval 10 max-retries 1" or ""),
#   TL_ESP_ENC TL_ESP_AUTH ("" with AEAD) TL_PFS ("" or a group), TL_PSK, TL_AUTO (yes|no);
#   TL_IKE_VERSION (1 or [2]) and, with 1, TL_IKE_MODE (main | aggressive): IKEv1 policies are
#   written as the guide writes Figure 27's (its commands in its order: auth-algorithm,
#   dh-group, encryption-algorithm, ike-mode, ike-version; esp-auth-algorithm before
#   esp-encryption-algorithm), and with TL_FIGURE27=yes the tunnel's dynamic-keying is the
#   guide's too (`transform 1` after the pre-shared key, at the tunnel's indentation);
# and for the certificate cases (all unset: the PSK configuration, as before)
#   TL_PEER_AUTH / TL_OWN_AUTH (the ike-policy's auth-method / own-auth-method: psk |
#   cert-auth), TL_CA_PROFILES (ca-profiles NAME with NAME.der and NAME.crl, tl_import_pki's
#   names), TL_CERT (our certificate NAME.der and key NAME.key), TL_ANCHOR (the trust anchor),
#   TL_REMOTE_ID ("" or a remote-id line's TYPE VALUE: what strongSwan's certificate must carry).
tl_write_conf() {
  local peer_auth=${TL_PEER_AUTH:-psk} own_auth=${TL_OWN_AUTH:-psk} ca
  local kind=PSK
  [ "$peer_auth/$own_auth" = psk/psk ] || kind=certificate
  {
    cat <<EOF
# Written by tests/interop/strongswan/lib.sh: tunnelisa ($TL_PUB) against strongSwan
# ($SS_PUB). VPRN 101: $TL_LAN <-> $SS_LAN over an IKEv${TL_IKE_VERSION:-2} ($kind) ipsec-tunnel.
EOF
    [ "$kind" = PSK ] || echo "# The peer authenticates with $peer_auth, tunnelisa with $own_auth."
    if [ -n "${TL_CA_PROFILES:-}" ]; then
      echo "config system security pki"
      for ca in $TL_CA_PROFILES; do
        cat <<EOF
  ca-profile "$ca" create
    cert-file "$ca.der"
    crl-file "$ca.crl"
    no shutdown
  exit
EOF
      done
      echo "exit all"
      echo
    fi
    cat <<EOF
config isa
  tunnel-group 1 create
    primary 1/1
    backup 2/1
    no shutdown
  exit
exit all

config ipsec
  ike-policy 1 create
EOF
    if [ "${TL_IKE_VERSION:-2}" = 1 ]; then
      tl_write_v1_policies
    else
      tl_write_v2_policies
    fi
    cat <<EOF
exit all

config service ies 100 customer 1 create
  interface "public" create
    address $TL_PUB/24
    sap tunnel-1.public:1 create
  exit
exit all

config service vprn 101 customer 1 create
  ipsec
    security-policy 1 create
      entry 1 create
        local-ip $TL_LAN
        remote-ip $SS_LAN
      exit
    exit
  interface "to-ss" tunnel create
    sap tunnel-1.private:1 create
    ipsec-tunnel "to-ss" create
      security-policy 1
      local-gateway-address $TL_PUB peer $SS_PUB delivery-service 100
      dynamic-keying
        ike-policy 1
EOF
    [ "$peer_auth" = psk ] || [ "$own_auth" = psk ] && echo "        pre-shared-key \"$TL_PSK\""
    if [ "${TL_FIGURE27:-no}" = yes ]; then
      echo "      transform 1"
    else
      echo "        transform 1"
    fi
    [ -n "${TL_REMOTE_ID:-}" ] && echo "        remote-id $TL_REMOTE_ID"
    [ "${TL_AUTO:-no}" = yes ] && echo "        auto-establish"
    if [ -n "${TL_ANCHOR:-}${TL_CERT:-}" ]; then
      echo "        cert"
      if [ -n "${TL_CERT:-}" ]; then
        echo "          cert \"$TL_CERT.der\""
        echo "          key \"$TL_CERT.key\""
      fi
      [ -n "${TL_ANCHOR:-}" ] && echo "          trust-anchor \"$TL_ANCHOR\""
      echo "        exit"
    fi
    cat <<EOF
      exit
      no shutdown
    exit
  exit
  interface "lan" create
    address 10.1.0.1/24
  exit
  static-route $SS_LAN next-hop ipsec-tunnel "to-ss"
exit all
EOF
  } >"$WORK/tl.cfg"
}

# tl_write_ra_conf: the gateway as a remote-access concentrator: ipsec-gw "ra" on $TL_PUB
# whose clients get an address from the pool $TL_POOL ("FIRST LAST") in the private tunnel
# interface "clients" ($TL_POOL_IF, e.g. 10.9.0.1/24) of VPRN 101, with the DNS server
# $TL_DNS; the algorithms from the same variables as tl_write_conf. IKEv2 (PSK, CP) by
# default; with TL_IKE_VERSION=1 an IKEv1 XAUTH server (`auth-method plain-psk-xauth`, phase
# 1 in TL_IKE_MODE, Mode Config) that checks its users with the RADIUS server
# 127.0.0.1:$TL_RADIUS_PORT (secret $TL_RADIUS_SECRET), on the loopback of its namespace.
tl_write_ra_conf() {
  local kind="IKEv2 clients get an inner address from the pool $TL_POOL (CP)"
  [ "${TL_IKE_VERSION:-2}" = 1 ] &&
    kind="IKEv1 XAUTH clients (users checked by RADIUS) get an inner address from the pool
# $TL_POOL (Mode Config)"
  {
    cat <<EOF
# Written by tests/interop/strongswan/lib.sh: tunnelisa ($TL_PUB) as a remote-access gateway:
# $kind, routed into their tunnel in VPRN 101, whose LAN is $TL_LAN.
EOF
    if [ "${TL_IKE_VERSION:-2}" = 1 ]; then
      cat <<EOF
config router
  radius-server
    server "rad-1" address 127.0.0.1 secret "$TL_RADIUS_SECRET" create
      auth-port $TL_RADIUS_PORT
      acct-port $((TL_RADIUS_PORT + 1))
    exit
  exit
exit all

config aaa
  radius-server-policy "rsp" create
    nas-identifier "tunnelisa-interop"
    servers
      timeout 3
      retry 2
      server 1 name "rad-1"
    exit
  exit
exit all

EOF
    fi
    cat <<EOF
config isa
  tunnel-group 1 create
    primary 1/1
    no shutdown
  exit
exit all

config ipsec
  ike-policy 1 create
EOF
    if [ "${TL_IKE_VERSION:-2}" = 1 ]; then
      cat <<EOF
    ike-version 1
    auth-method plain-psk-xauth
    ike-mode ${TL_IKE_MODE:-main}
EOF
    else
      echo "    ike-version 2"
    fi
    cat <<EOF
    auth-algorithm $TL_IKE_AUTH
    encryption-algorithm $TL_IKE_ENC
    dh-group $TL_IKE_DH
  exit
  ipsec-transform 1
    esp-encryption-algorithm $TL_ESP_ENC
EOF
    [ -n "${TL_ESP_AUTH:-}" ] && echo "    esp-auth-algorithm $TL_ESP_AUTH"
    cat <<EOF
  exit
  tunnel-template 1 create
    transform 1
  exit
EOF
    if [ "${TL_IKE_VERSION:-2}" = 1 ]; then
      cat <<EOF
  radius-authentication-policy "ra-auth" create
    radius-server-policy "rsp"
  exit
EOF
    fi
    cat <<EOF
exit all

config service ies 100 customer 1 create
  interface "public" create
    address $TL_PUB/24
    sap tunnel-1.public:1 create
      ipsec-gw "ra" create
        gateway-address $TL_PUB
        ike-policy 1
        pre-shared-key "$TL_PSK"
        default-tunnel-template 1
        default-secure-service 101 interface "clients"
EOF
    [ "${TL_IKE_VERSION:-2}" = 1 ] && echo '        radius-authentication-policy "ra-auth"'
    cat <<EOF
        local-address-assignment
          ipv4
            address-range $TL_POOL
            dns-server $TL_DNS
          exit
        exit
        no shutdown
      exit
    exit
  exit
exit all

config service vprn 101 customer 1 create
  interface "clients" tunnel create
    address $TL_POOL_IF
    sap tunnel-1.private:1 create
    exit
  exit
  interface "lan" create
    address 10.1.0.1/24
  exit
exit all
EOF
  } >"$WORK/tl.cfg"
}

# ---- RADIUS ------------------------------------------------------------------------------

# start_radius: freeradius (tests/radius/freeradius_lib.sh) on the loopback of $NS_T, where
# tunnelisa's RADIUS socket lives: 127.0.0.1:$TL_RADIUS_PORT (accounting + 1), the client
# 127.0.0.1 with $TL_RADIUS_SECRET and require_message_authenticator, every answer signed
# (Message-Authenticator: tunnelisa drops unsigned ones), and one user: alice with the
# password alice-password, without a Framed-IP-Address (her address comes from the pool).
start_radius() {
  RADIUS_DIR=$WORK/radius
  rm -rf "$RADIUS_DIR"
  # shellcheck disable=SC2034  # read by freeradius_write_config (freeradius_lib.sh)
  FREERADIUS_USERS='alice Cleartext-Password := "alice-password"
      Reply-Message = "welcome alice"'
  freeradius_write_config "$RADIUS_DIR" "$TL_RADIUS_PORT" yes "$TL_RADIUS_SECRET" tunnelisa
  freeradius_start "$RADIUS_DIR" ip netns exec "$NS_T"
  note "freeradius $FREERADIUS_PID up on 127.0.0.1:$TL_RADIUS_PORT in $NS_T"
}
# radius_count TEXT: how many lines of freeradius's log have TEXT.
radius_count() { grep -cF -- "$1" "$RADIUS_DIR/freeradius.log" 2>/dev/null || true; }

TL_SOCK=""
TL_PID=""
start_tunnelisa() {
  rm -f "$TL_SOCK" "$WORK/tl.ready"
  # Not through in_t: $! must be the gateway itself (ip netns exec execs it), not a subshell.
  local pki_args=()
  [ -n "$TL_PKI_DIR" ] && pki_args=(--pki-dir "$TL_PKI_DIR")
  ip netns exec "$NS_T" "$TL" run "$WORK/tl.cfg" --control "$TL_SOCK" \
    --ready-file "$WORK/tl.ready" --log "$WORK/tl.log" "${pki_args[@]}" 2>>"$WORK/tl.stderr" &
  TL_PID=$!
  PIDS_TL+=("$TL_PID")
  for _ in $(seq 100); do
    [ -f "$WORK/tl.ready" ] && break
    kill -0 "$TL_PID" 2>/dev/null || fail "tunnelisa exited before it was ready"
    sleep 0.1
  done
  [ -f "$WORK/tl.ready" ] || fail "tunnelisa: no ready file after 10 s"
  in_t ip addr add "$TL_HOST/24" dev tl101
  in_t ip route add "${TL_ROUTE:-$SS_LAN}" dev tl101
  note "tunnelisa $TL_PID up (tl101 $TL_HOST, route ${TL_ROUTE:-$SS_LAN})"
}

# tl_check_conf: `tunnelisa check` of the configuration (with the PKI directory when there is
# one) must pass before the gateway runs it.
tl_check_conf() {
  local args=()
  [ -n "$TL_PKI_DIR" ] && args=(--pki-dir "$TL_PKI_DIR")
  "$TL" check "${args[@]}" "$WORK/tl.cfg" >"$WORK/check.out" 2>&1 ||
    fail "tunnelisa check $WORK/tl.cfg: $(cat "$WORK/check.out")"
  note "tunnelisa check: $(tail -n 1 "$WORK/check.out")"
}

tl_ctl() { timeout 10 "$TL" show --control "$TL_SOCK" "$@"; }
tl_sessions() { tl_ctl sessions 2>/dev/null; }
tl_up() {
  local s
  s=$(tl_sessions) || return 1
  grep -q ", up$" <<<"$s"
}
# tl_none_up: the gateway answers and lists no IKE session as up.
tl_none_up() {
  local s
  s=$(tl_sessions) || return 1
  grep -q "^IKE sessions:" <<<"$s" && ! grep -q ", up$" <<<"$s"
}
# tl_spis: "inbound/outbound" SPIs (decimal) of the ipsec-tunnel's current CHILD SA, as
# `show ipsec tunnel` prints them.
tl_spis() {
  tl_ctl ipsec tunnel to-ss 2>/dev/null |
    awk -F: '/Inbound SPI/ { gsub(/ /, "", $2); i = $2 }
             /Outbound SPI/ { gsub(/ /, "", $2); o = $2 }
             END { print i "/" o }'
}
# spis_agree: tunnelisa's inbound SPI is strongSwan's outbound one and the other way round
# (one CHILD SA on strongSwan's side).
spis_agree() {
  local s ss_in ss_out
  s=$(ss_child_spis)
  [ "$(echo "$s" | wc -w)" -eq 1 ] || return 1
  ss_in=${s%%/*}
  ss_out=${s#*/}
  ss_out=${ss_out%% *}
  [ "$(tl_spis)" = "$((16#$ss_out))/$((16#$ss_in))" ]
}
# tl_events KIND: the number of `event: ike KIND` lines in the gateway's log.
tl_events() { grep -c "event: ike $1 " "$WORK/tl.log" 2>/dev/null || true; }

# ---- traffic ----------------------------------------------------------------------------

# ping_both COUNT: pings between the two LAN hosts both ways through the tunnel.
ping_both() {
  local n=${1:-3} out
  out=$(in_t ping -c "$n" -i 0.2 -W 2 -I "$TL_HOST" "$SS_HOST" 2>&1) ||
    fail "ping $TL_HOST -> $SS_HOST: $out"
  note "$TL_HOST -> $SS_HOST: $(echo "$out" | grep "packets transmitted")"
  out=$(in_s ping -c "$n" -i 0.2 -W 2 -I "$SS_HOST" "$TL_HOST" 2>&1) ||
    fail "ping $SS_HOST -> $TL_HOST: $out"
  note "$SS_HOST -> $TL_HOST: $(echo "$out" | grep "packets transmitted")"
}

# ---- EAP relayed to RADIUS (eap-* cases) -------------------------------------------------

# tl_add_eap_conf: turns tl_write_ra_conf's gateway into an EAP one: ike-policy 1 with
# `auth-method eap` (the client proves itself with EAP only) and `own-auth-method psk` (the
# gateway with the pre-shared key), and a radius-authentication-policy whose server is the
# freeradius on 127.0.0.1:$FR_PORT in tunnelisa's namespace (timeout 1 s, 2 tries).
tl_add_eap_conf() {
  local cfg=$WORK/tl.cfg tmp=$WORK/tl.cfg.tmp
  {
    cat <<EOF
config router
  radius-server
    server "fr" address 127.0.0.1 secret "$FR_SECRET" create
      auth-port $FR_PORT
      acct-port $((FR_PORT + 1))
    exit
  exit
exit all
config aaa
  radius-server-policy "rsp" create
    nas-identifier "tunnelisa-interop"
    servers
      timeout 1
      retry 2
      server 1 name "fr"
    exit
  exit
exit all
EOF
    sed -e 's/^    dh-group .*$/&\n    auth-method eap\n    own-auth-method psk/' \
      -e 's/^  tunnel-template 1 create$/  radius-authentication-policy "ra-auth" create\n    radius-server-policy "rsp"\n  exit\n&/' \
      -e 's/^        pre-shared-key .*$/&\n        radius-authentication-policy "ra-auth"/' "$cfg"
  } >"$tmp"
  mv "$tmp" "$cfg"
}
