#!/usr/bin/env bash
# tests/interop/run_syslog_test.sh TUNNELISA [WORKDIR]
#
# `tunnelisa run --syslog` end to end (docs/gateway.md, "Syslog"): two gateways in two
# network namespaces joined by a veth pair, configured as tests/interop/gw_ike_a.cfg /
# gw_ike_b.cfg but with different pre-shared keys. A collector (syslog_collector.py) listens
# on UDP 127.0.0.1 inside A's namespace, where A sends (--syslog udp:..., facility local3),
# and on a Unix datagram socket in WORKDIR, where B sends (--syslog unix:..., daemon).
# Checks, each message parsed strictly as RFC 5424 (PRI, VERSION 1, TIMESTAMP in UTC,
# HOSTNAME, APP-NAME tunnelisa, PROCID the gateway's pid, MSGID, SD-ELEMENT
# tunnelisa@32473):
#   - both gateways' start-up log lines arrive (MSGID log);
#   - IKE with the wrong PSK: auth-failed from both, with tunnel, peer and SPIs;
#   - `isa 1/1 fail` over A's control socket: isa-failed (isa="1/1") and group-down;
#   - forged ESP-in-UDP packets (unknown SPI) to B: one drops report (reason unknown-spi);
#   - the collector gone: B counts syslog-errors, warns once in its log, keeps running;
#   - bad --syslog / --syslog-facility values: exit 2.
# Needs root, `ip` and python3; exits 77 (skipped) without them. Traffic stays in the two
# namespaces it creates (and their loopbacks); every wait is bounded; the namespaces are
# deleted and only the processes it started are killed, whatever happens.
set -euo pipefail

TL=${1:?usage: run_syslog_test.sh TUNNELISA [WORKDIR]}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${2:-$(mktemp -d)}
mkdir -p "$WORK"
rm -f "$WORK"/*.sock "$WORK"/*.ready "$WORK"/*.pid "$WORK"/*.log "$WORK"/syslog.jsonl

# shellcheck source-path=SCRIPTDIR source=gateway_pair_lib.sh
. "$HERE/gateway_pair_lib.sh"
GWP_FAIL_TAIL=20
GWP_FAIL_EXTRA=("$WORK/syslog.jsonl")

log "bad options: exit 2"
for bad in "--syslog tcp:127.0.0.1:514" "--syslog udp:localhost:514" "--syslog udp:127.0.0.1:0" \
  "--syslog unix:" "--syslog unix:/dev/log --syslog-facility local8" "--syslog-facility daemon"; do
  rc=0
  # shellcheck disable=SC2086  # the options are words
  "$TL" run "$HERE/gw_ike_a.cfg" --control none $bad 2>"$WORK/bad.err" || rc=$?
  [ "$rc" -eq 2 ] || fail "run $bad: exit $rc, expected 2"
  head -n 1 "$WORK/bad.err" | grep -q "syslog" || fail "run $bad: no message naming the option"
done

gwp_require_machine ip python3
gwp_init tlsys
gwp_public_addresses 4
gwp_setup_namespaces tls

PORT=5514
SOCK=$WORK/syslog.sock
OUT=$WORK/syslog.jsonl
log "collector: udp 127.0.0.1:$PORT in $NS_A, unix $SOCK"
# Not through in_a: $! must be the process itself, so that cleanup kills it.
ip netns exec "$NS_A" python3 "$HERE/syslog_collector.py" listen "$OUT" "$PORT" "$SOCK" 100 &
COLLECTOR=$!
GWP_HELPER_PIDS=("$COLLECTOR")
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || fail "collector did not start"

sed 's/pre-shared-key "interop-test-psk"/pre-shared-key "not-the-same-psk"/' \
  "$HERE/gw_ike_b.cfg" >"$WORK/b.cfg"
grep -q not-the-same-psk "$WORK/b.cfg" || fail "could not change B's pre-shared key"
gwp_start_gateway a "$HERE/gw_ike_a.cfg" --syslog "udp:127.0.0.1:$PORT" --syslog-facility local3
gwp_start_gateway b "$WORK/b.cfg" --syslog "unix:$SOCK" --workers 0
gwp_wait_ready a b
grep -qx "pid $PID_A" "$WORK/a.ready" || fail "A's pid is not $PID_A: $(head -n 1 "$WORK/a.ready")"
grep -qx "pid $PID_B" "$WORK/b.ready" || fail "B's pid is not $PID_B: $(head -n 1 "$WORK/b.ready")"

# expect VIA FACILITY PID MSGID [KEY=VALUE...]: bounded wait (10 s) for such a message.
expect() {
  for _ in $(seq 100); do
    python3 "$HERE/syslog_collector.py" check "$OUT" "$@" >"$WORK/check.out" 2>&1 && {
      cat "$WORK/check.out"
      return 0
    }
    sleep 0.1
  done
  fail "$(cat "$WORK/check.out")"
}
LOCAL3=19
DAEMON=3

log "start-up lines as MSGID log"
expect udp $LOCAL3 "$PID_A" log
expect unix $DAEMON "$PID_B" log

log "IKE with different pre-shared keys: auth-failed on both sides"
"$TL" show --control "$WORK/a.sock" initiate 101 to-b >/dev/null || fail "initiate refused"
expect udp $LOCAL3 "$PID_A" auth-failed 'tunnel=ipsec-tunnel 101/to-b' peer=192.0.2.2 \
  peer-port=500 'ike-spi-i=*' 'ike-spi-r=*'
expect unix $DAEMON "$PID_B" auth-failed peer=192.0.2.1 'ike-spi-i=*'

log "forged ESP-in-UDP (unknown SPI) to B: one drops report"
in_a python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 0))
for i in range(5):
    s.sendto(bytes.fromhex("deadbeef") + (i + 1).to_bytes(4, "big") + bytes(32), ("192.0.2.2", 4500))'
expect unix $DAEMON "$PID_B" drops reason=unknown-spi 'packets=*' 'window-ms=*'

log "ISA failure on A: isa-failed and group-down"
"$TL" show --control "$WORK/a.sock" isa 1/1 fail >/dev/null || fail "isa 1/1 fail refused"
expect udp $LOCAL3 "$PID_A" isa-failed isa=1/1
expect udp $LOCAL3 "$PID_A" group-down tunnel-group=1

sent=$("$TL" show --control "$WORK/a.sock" counters | awk '$1 == "syslog-sent" { print $2 }')
errors=$("$TL" show --control "$WORK/a.sock" counters | awk '$1 == "syslog-errors" { print $2 }')
echo "   A: syslog-sent $sent, syslog-errors $errors"
[ "${sent:-0}" -ge 4 ] && [ "${errors:-1}" -eq 0 ] || fail "A's syslog counters: $sent / $errors"

log "collector gone: B counts the failures, warns once, runs on"
kill -TERM "$COLLECTOR"
wait "$COLLECTOR" 2>/dev/null || true
GWP_HELPER_PIDS=()
for _ in 1 2 3; do
  "$TL" show --control "$WORK/b.sock" isa 1/1 fail >/dev/null 2>&1 || true
  "$TL" show --control "$WORK/b.sock" isa 1/1 recover >/dev/null 2>&1 || true
done
errors=$("$TL" show --control "$WORK/b.sock" counters | awk '$1 == "syslog-errors" { print $2 }')
[ "${errors:-0}" -ge 3 ] || fail "B's syslog-errors: ${errors:-none}"
[ "$(grep -c "message not sent" "$WORK/b.log")" -eq 1 ] || fail "B did not warn exactly once"
kill -0 "$PID_B" || fail "B died without its collector"
echo "   B: syslog-errors $errors, one warning"

gwp_stop_gateway a "$PID_A"
gwp_stop_gateway b "$PID_B"
PIDS=()
echo "OK: tunnelisa run --syslog: RFC 5424 over UDP and a Unix socket, auth failures, ISA" \
  "events and drop reports"
