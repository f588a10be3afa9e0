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

fail() {
  echo "FAIL: $*" >&2
  dump_logs
  exit 1
}

dump_logs() {
  local f
  for f in "$WORK/tl.log" "$WORK/tl.stderr" "$SSDIR/charon.log" "$SSDIR/charon.stdout"; do
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
#   SS_IKE, SS_ESP (proposals), SS_PSK, SS_DPD (dpd_delay, "" for none).
ss_write_conf() {
  local SS_PLUGINS="random nonce aes sha1 sha2 md5 hmac gcm chapoly curve25519 gmp openssl pem"
  SS_PLUGINS+=" pkcs1 pkcs8 x509 pubkey kdf kernel-libipsec kernel-netlink socket-default vici"
  SS_PLUGINS+=" updown"
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
      ike = 2
      chd = 1
      cfg = 1
      knl = 1
      esp = 1
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
    version = 2
    local_addrs = $SS_PUB
    remote_addrs = $TL_PUB
    mobike = no
    proposals = $SS_IKE
    dpd_delay = ${SS_DPD:-0s}
    local {
      auth = psk
      id = $SS_PUB
    }
    remote {
      auth = psk
      id = $TL_PUB
    }
    children {
      tl {
        local_ts = $SS_LAN
        remote_ts = $TL_LAN
        esp_proposals = $SS_ESP
        start_action = none
        dpd_action = clear
      }
    }
  }
}
secrets {
  ike-tl {
    id-tl = $TL_PUB
    id-ss = $SS_PUB
    secret = "$SS_PSK"
  }
}
EOF
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

# tl_write_conf: the gateway's configuration from
#   TL_IKE_ENC TL_IKE_AUTH TL_IKE_DH  (ike-policy), TL_DPD ("interval 10 max-retries 1" or ""),
#   TL_ESP_ENC TL_ESP_AUTH ("" with AEAD) TL_PFS ("" or a group), TL_PSK, TL_AUTO (yes|no).
tl_write_conf() {
  {
    cat <<EOF
# Written by tests/interop/strongswan/lib.sh: tunnelisa ($TL_PUB) against strongSwan
# ($SS_PUB). VPRN 101: $TL_LAN <-> $SS_LAN over an IKEv2 (PSK) ipsec-tunnel.
config isa
  tunnel-group 1 create
    primary 1/1
    backup 2/1
    no shutdown
  exit
exit all

config ipsec
  ike-policy 1 create
    ike-version 2
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
    cat <<EOF
  exit
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
        pre-shared-key "$TL_PSK"
        transform 1
EOF
    [ "${TL_AUTO:-no}" = yes ] && echo "        auto-establish"
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

TL_SOCK=""
TL_PID=""
start_tunnelisa() {
  rm -f "$TL_SOCK" "$WORK/tl.ready"
  # Not through in_t: $! must be the gateway itself (ip netns exec execs it), not a subshell.
  ip netns exec "$NS_T" "$TL" run "$WORK/tl.cfg" --control "$TL_SOCK" \
    --ready-file "$WORK/tl.ready" --log "$WORK/tl.log" 2>>"$WORK/tl.stderr" &
  TL_PID=$!
  PIDS_TL+=("$TL_PID")
  for _ in $(seq 100); do
    [ -f "$WORK/tl.ready" ] && break
    kill -0 "$TL_PID" 2>/dev/null || fail "tunnelisa exited before it was ready"
    sleep 0.1
  done
  [ -f "$WORK/tl.ready" ] || fail "tunnelisa: no ready file after 10 s"
  in_t ip addr add "$TL_HOST/24" dev tl101
  in_t ip route add "$SS_LAN" dev tl101
  note "tunnelisa $TL_PID up (tl101 $TL_HOST, route $SS_LAN)"
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
