#!/usr/bin/env bash
# tests/interop/run_manual_test.sh TUNNELISA [WORKDIR [4|6 [manual|ike]]]
#
# Two `tunnelisa run` gateways in two network namespaces joined by a veth pair (the "public
# network": 192.0.2.0/24, or 2001:db8::/64 with family 6), configured by gw_a.cfg / gw_b.cfg
# (gw6_a.cfg / gw6_b.cfg) beside this script:
#   - VPRN 101: 10.1.0.0/24 <-> 10.2.0.0/24 over a manual-keyed ipsec-tunnel (raw ESP);
#   - VPRN 102: 10.11.0.0/24 <-> 10.12.0.0/24 over a GRE ip-tunnel.
# Each namespace's own stack is the LAN host: it owns .10 of its LAN on the service's TUN and
# routes the far LAN into that TUN. Checks: pings both ways over ESP and GRE, the control
# socket's `show ipsec tunnel` / `show ip tunnel` / `counters` (traffic counted, UDP 500 and
# 4500 reach the engine as IKE / NAT-T), start-up errors (exit 2 bad config, exit 1 TUN busy),
# and SIGTERM: exit 0 within 5 s, TUNs, control socket and ready file gone.
#
# IKE mode (IPv4 only; gw_ike_a.cfg / gw_ike_b.cfg): the ipsec-tunnel is dynamically keyed.
# The test starts IKEv2 with the control socket's `initiate`, waits (bounded) until both
# gateways list the session as up, and expects IKE deletes (ike-down events) at SIGTERM.
#
# Needs root, `ip` (iproute2), `ping` (iputils-ping) and python3 (to send UDP probes from a
# chosen address); exits 77 (skipped) without them.
# Traffic stays inside the two namespaces it creates; every wait is bounded; the namespaces
# are deleted and only the gateways it started are killed, whatever happens.
set -euo pipefail

TL=${1:?usage: run_manual_test.sh TUNNELISA [WORKDIR [4|6 [manual|ike]]]}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${2:-$(mktemp -d)}
FAMILY=${3:-4}
KEYING=${4:-manual}
if [ "$KEYING" = ike ]; then
  [ "$FAMILY" = 4 ] || { echo "IKE mode is IPv4 only" >&2; exit 2; }
  CFG_A=$HERE/gw_ike_a.cfg CFG_B=$HERE/gw_ike_b.cfg
elif [ "$FAMILY" = 6 ]; then
  CFG_A=$HERE/gw6_a.cfg CFG_B=$HERE/gw6_b.cfg
else
  CFG_A=$HERE/gw_a.cfg CFG_B=$HERE/gw_b.cfg
fi
mkdir -p "$WORK"
rm -f "$WORK"/*.sock "$WORK"/*.ready "$WORK"/*.pid "$WORK"/*.log

# shellcheck source-path=SCRIPTDIR source=gateway_pair_lib.sh
. "$HERE/gateway_pair_lib.sh"
gwp_public_addresses "$FAMILY"
gwp_require_machine ip ping python3
gwp_init "tlgw$FAMILY"

# counter SOCKET NAME: a value of `tunnelisa show --control SOCKET counters`.
counter() {
  "$TL" show --control "$1" counters | awk -v n="$2" '$1 == n { print $2; exit }'
}

log "namespaces $NS_A / $NS_B, veth $PUB_A <-> $PUB_B"
gwp_setup_namespaces tlv

log "bad input: exit codes"
set +e
"$TL" run "$WORK/missing.cfg" --control none 2>/dev/null
rc_missing=$?
printf 'config service vprn 1 customer 1 create\n  bogus-keyword\nexit all\n' >"$WORK/bad.cfg"
"$TL" run "$WORK/bad.cfg" --control none 2>"$WORK/bad.err"
rc_bad=$?
"$TL" run "$HERE/gw_a.cfg" --control none --ike-port 0 2>/dev/null
rc_usage=$?
set -e
[ "$rc_missing" -eq 2 ] || fail "missing config: exit $rc_missing, expected 2"
[ "$rc_bad" -eq 2 ] || fail "invalid config: exit $rc_bad, expected 2"
grep -q "bad.cfg:2:" "$WORK/bad.err" || fail "no FILE:LINE diagnostic for bad.cfg"
[ "$rc_usage" -eq 2 ] || fail "--ike-port 0: exit $rc_usage, expected 2"

log "starting gateways"
# A runs a worker thread per ISA slot (the default), B one thread (--workers 0).
gwp_start_gateway a "$CFG_A" --pidfile "$WORK/a.pid"
gwp_start_gateway b "$CFG_B" --pidfile "$WORK/b.pid" --workers 0
gwp_wait_ready a b
grep -q "^tun 101 tl101$" "$WORK/a.ready" || fail "a.ready lacks tl101: $(cat "$WORK/a.ready")"
grep -q "worker thread(s) for" "$WORK/a.log" || fail "A started no worker threads: $(cat "$WORK/a.log")"
if grep -q "worker thread(s) for" "$WORK/b.log"; then fail "B (--workers 0) started workers"; fi
[ "$(cat "$WORK/a.pid")" = "$PID_A" ] || fail "pidfile says $(cat "$WORK/a.pid"), not $PID_A"

log "a second gateway on the same TUNs and ports must fail with exit 1"
set +e
in_a "$TL" run "$CFG_A" --control none 2>"$WORK/busy.err"
rc_busy=$?
set -e
[ "$rc_busy" -eq 1 ] || fail "second gateway: exit $rc_busy, expected 1"
grep -q "tl101" "$WORK/busy.err" || fail "no clear error for the busy TUN: $(cat "$WORK/busy.err")"

log "LAN side: addresses and routes on the TUNs"
gwp_lan tl101 10.1.0 10.2.0
gwp_lan tl102 10.11.0 10.12.0

ping_ok() {  # NS-RUNNER FROM TO [ping options]
  local runner=$1 from=$2 to=$3
  shift 3
  local out
  out=$($runner ping -c 3 -W 1 -I "$from" "$@" "$to" 2>&1) || fail "ping $from -> $to: $out"
  echo "$out" | grep -E "packets transmitted|^rtt" | sed "s|^|   $from -> $to: |"
}
# Public neighbours first (IPv6 neighbour discovery on a fresh veth takes about a second), so
# the RTTs below are the tunnels'.
for peer in "$PUB_B" "$PUB_B2"; do in_a ping -c 1 -W 2 "$peer" >/dev/null || true; done
if [ "$KEYING" = ike ]; then
  log "IKE: initiate over the control socket, wait for the session on both sides"
  gwp_ike_up
fi
log "ping over ESP (VPRN 101) and GRE (VPRN 102), both ways"
ping_ok in_a 10.1.0.10 10.2.0.10
ping_ok in_b 10.2.0.10 10.1.0.10
ping_ok in_a 10.11.0.10 10.12.0.10
ping_ok in_b 10.12.0.10 10.11.0.10
# Near the MTU: ESP over IPv6 adds ~100 bytes, and the veth MTU is 1500.
ping_ok in_a 10.1.0.10 10.2.0.10 -s "$([ "$FAMILY" = 6 ] && echo 1300 || echo 1400)"

log "control socket: show ipsec tunnel / ip tunnel"
"$TL" show --control "$WORK/a.sock" ipsec tunnel to-b | tee "$WORK/a.ipsec" | sed 's/^/   /'
grep -Eq "Inbound Packets +: [1-9]" "$WORK/a.ipsec" || fail "no inbound ESP packets counted"
grep -Eq "Outbound Packets +: [1-9]" "$WORK/a.ipsec" || fail "no outbound ESP packets counted"
"$TL" show --control "$WORK/b.sock" ipsec tunnel to-a | grep -Eq "Inbound Packets +: [1-9]" ||
  fail "gateway B counted no inbound ESP packets"
"$TL" show --control "$WORK/a.sock" ip tunnel | grep -q "gre-to-b" || fail "show ip tunnel"
"$TL" show --control "$WORK/a.sock" --json ip tunnel | grep -q '"gre-to-b"' || fail "show --json"
set +e
"$TL" show --control "$WORK/a.sock" ipsec tunnel no-such-tunnel >/dev/null 2>&1
rc_nf=$?
"$TL" show --control "$WORK/nowhere.sock" counters >/dev/null 2>&1
rc_nosock=$?
"$TL" show --control "$WORK/a.sock" initiate 101 to-b >"$WORK/initiate.out" 2>&1
rc_init=$?
"$TL" show --control "$WORK/a.sock" initiate 101 no-such-tunnel >/dev/null 2>&1
rc_init_nf=$?
set -e
[ "$rc_nf" -eq 1 ] || fail "show of an unknown tunnel: exit $rc_nf, expected 1"
[ "$rc_nosock" -eq 2 ] || fail "show on a missing socket: exit $rc_nosock, expected 2"
[ "$rc_init_nf" -eq 1 ] || fail "initiate of an unknown tunnel: exit $rc_init_nf, expected 1"
if [ "$KEYING" = manual ]; then
  # Manual keying: Initiate refuses (FailedPrecondition), through the socket, with a reason.
  [ "$rc_init" -eq 2 ] && [ -s "$WORK/initiate.out" ] ||
    fail "initiate on a manual tunnel: exit $rc_init"
else
  [ "$rc_init" -eq 0 ] || fail "initiate with an IKE SA up: exit $rc_init" # OK: already up
fi
"$TL" show --control "$WORK/a.sock" sessions | grep -q "^IKE sessions:" || fail "sessions"

log "UDP 500 / 4500 from the peer reach B's engine (synthesized headers, demux)"
# From A's tunnel address explicitly: with two addresses in one IPv6 /64 the kernel's source
# choice is a tie, and the engine listens only to the configured peer.
udp_probe() {  # PORT PAYLOAD-HEX [REPEAT]
  in_a python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.sendto(bytes.fromhex(sys.argv[4]) * int(sys.argv[5]), (sys.argv[2], int(sys.argv[3])))' \
    "$PUB_A" "$PUB_B" "$1" "$2" "${3:-1}"
}
udp_probe 500 "$(printf ike-probe | od -An -tx1 | tr -d ' \n')"
udp_probe 4500 ff  # a NAT-T keepalive
if [ "$FAMILY" = 6 ]; then
  # 65500 bytes of UDP payload + the IPv6 and UDP headers we synthesize exceed the largest IP
  # packet the engine takes (65535): counted as rx-oversize and dropped. (Over IPv4 a UDP
  # payload is at most 65507 bytes, which always fits.)
  udp_probe 500 00 65500
  for _ in $(seq 50); do
    [ "$(counter "$WORK/b.sock" rx-oversize)" -ge 1 ] && break
    sleep 0.1
  done
  [ "$(counter "$WORK/b.sock" rx-oversize)" -ge 1 ] || fail "oversize datagram not counted"
fi
for _ in $(seq 50); do
  [ "$(counter "$WORK/b.sock" rx-udp)" -ge 2 ] && break
  sleep 0.1
done
"$TL" show --control "$WORK/b.sock" counters | sed 's/^/   /'
[ "$(counter "$WORK/b.sock" rx-udp)" -ge 2 ] || fail "B received no UDP datagrams"
[ "$(counter "$WORK/b.sock" to-control)" -ge 1 ] || fail "UDP 500 did not reach the control plane"
[ "$(counter "$WORK/b.sock" ike-in)" -ge 1 ] || fail "OnControlPacket was not called"
for side in a b; do
  c=$WORK/$side.sock
  [ "$(counter "$c" rx-raw)" -ge 8 ] || fail "$side: rx-raw $(counter "$c" rx-raw)"
  [ "$(counter "$c" tx-raw)" -ge 8 ] || fail "$side: tx-raw $(counter "$c" tx-raw)"
  [ "$(counter "$c" rx-tun)" -ge 8 ] || fail "$side: rx-tun $(counter "$c" rx-tun)"
  [ "$(counter "$c" tx-tun)" -ge 8 ] || fail "$side: tx-tun $(counter "$c" tx-tun)"
done

log "configuration reload: control request and SIGHUP; refusals change nothing"
# reload_rc FILE...: the exit code of `config reload [FILE]` on A, its output in reload.out.
reload_rc() {
  local rc=0
  "$TL" show --control "$WORK/a.sock" config reload "$@" >"$WORK/reload.out" 2>&1 || rc=$?
  echo "$rc"
}
[ "$(reload_rc)" -eq 0 ] || fail "config reload of the same file: $(cat "$WORK/reload.out")"
grep -q "configuration reloaded from" "$WORK/reload.out" || fail "reload: $(cat "$WORK/reload.out")"
printf 'config service vprn 1 customer 1 create\n  bogus-keyword\nexit all\n' >"$WORK/bad.cfg"
[ "$(reload_rc "$WORK/bad.cfg")" -eq 2 ] || fail "reload of a broken file was not refused"
grep -q "bad.cfg:2:" "$WORK/reload.out" || fail "reload: no FILE:LINE: $(cat "$WORK/reload.out")"
[ "$(reload_rc "$WORK/missing.cfg")" -eq 1 ] || fail "reload of a missing file: not NOT_FOUND"
if [ "$KEYING" = manual ]; then
  # The guide: a transform assignment needs the tunnel shut down (refused while it runs),
  # even to a transform with the same algorithms.
  awk '/ipsec-transform 1$/ && !done { print "  ipsec-transform 2"; print "    esp-auth-algorithm sha256";
         print "    esp-encryption-algorithm aes128"; print "  exit"; done = 1 } { print }' \
    "$CFG_A" |
    sed 's/ transform 1 direction outbound/ transform 2 direction outbound/' >"$WORK/t2.cfg"
  [ "$(reload_rc "$WORK/t2.cfg")" -eq 2 ] || fail "transform change while up: $(cat "$WORK/reload.out")"
  grep -q "requires the tunnel to be shutdown" "$WORK/reload.out" ||
    fail "transform change refused without the guide's rule: $(cat "$WORK/reload.out")"
  sed 's/^/   refused: /' "$WORK/reload.out" | head -n 3
fi
# A reload that adds a private service (a second GRE tunnel to B in VPRN 103, over the raw GRE
# socket already open) gets its TUN device; the original file is then reloaded again.
if [ "$KEYING" = manual ] && [ "$FAMILY" = 4 ]; then
  cp "$CFG_A" "$WORK/a103.cfg"
  printf '%s\n' 'config service vprn 103 customer 1 create' \
    '  interface "gre-103" tunnel create' '    address 10.9.3.1/30' \
    '    sap tunnel-1.private:3 create' '    ip-tunnel "gre-103" create' '      gre-header' \
    '      dest-ip 10.9.3.2' '      source 192.0.2.11' '      remote-ip 192.0.2.13' \
    '      delivery-service 100' '      no shutdown' '    exit' '  exit' 'exit all' \
    >>"$WORK/a103.cfg"
  [ "$(reload_rc "$WORK/a103.cfg")" -eq 0 ] || fail "reload adding VPRN 103: $(cat "$WORK/reload.out")"
  in_a ip link show tl103 >/dev/null 2>&1 || fail "no TUN tl103 after the reload added VPRN 103"
  "$TL" show --control "$WORK/a.sock" ip tunnel | grep -q "gre-103" || fail "gre-103 not shown"
  [ "$(reload_rc "$CFG_A")" -eq 0 ] || fail "reload of the original file: $(cat "$WORK/reload.out")"
  echo "   VPRN 103 added by a reload: TUN tl103 made, gre-103 shown; the original file again"
fi
n_before=$(grep -c "configuration reloaded" "$WORK/a.log" || true)
kill -HUP "$PID_A"
for _ in $(seq 50); do
  [ "$(grep -c "configuration reloaded" "$WORK/a.log")" -gt "$n_before" ] && break
  sleep 0.1
done
[ "$(grep -c "configuration reloaded" "$WORK/a.log")" -gt "$n_before" ] || fail "SIGHUP: no reload"
ping_ok in_a 10.1.0.10 10.2.0.10  # the tunnels still run after all of it

log "SIGTERM: exit 0 within 5 s, TUNs and files removed"
for side in a b; do
  pid=$PID_A
  [ "$side" = b ] && pid=$PID_B
  start=$(date +%s%N)
  gwp_stop_gateway "$side" "$pid"
  echo "   gateway $side stopped in $((($(date +%s%N) - start) / 1000000)) ms"
  for f in "$WORK/$side.sock" "$WORK/$side.ready" "$WORK/$side.pid"; do
    [ ! -e "$f" ] || fail "$f left behind"
  done
done
PIDS=()
in_a ip link show tl101 >/dev/null 2>&1 && fail "tl101 still exists in $NS_A"
in_b ip link show tl102 >/dev/null 2>&1 && fail "tl102 still exists in $NS_B"
grep -q "shutting down" "$WORK/a.log" || fail "no shutdown line in a.log"
if [ "$KEYING" = ike ]; then
  grep -q "event: ike ike-down" "$WORK/a.log" || fail "Shutdown logged no ike-down in a.log"
  # A stopped first: its Shutdown's IKE delete must have taken B's SA down before B's own.
  first=$(awk '/event: ike ike-down/ { print "peer"; exit } /shutting down/ { print "own"; exit }' \
    "$WORK/b.log")
  [ "$first" = peer ] || fail "B's IKE SA was not deleted by A's shutdown"
fi

echo "OK: ESP ($KEYING keys) and GRE over IPv$FAMILY both ways through two tunnelisa gateways"
