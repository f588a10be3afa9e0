#!/usr/bin/env bash
# tests/radius/run_freeradius_test.sh PROBE WORKDIR CASE
#
# One case of tunnelisa's RADIUS client (driven by radius_probe over UDP) against Debian's
# freeradius 3.2, which this script starts on 127.0.0.1 with a configuration directory it
# writes into WORKDIR (radiusd.conf with pap, files and detail modules, a users file, the
# client with require_message_authenticator) on random free high ports, and stops by PID at
# the end. Cases (tests/radius/CMakeLists.txt lists them): accept, reject, failover,
# accounting, wrong-secret, no-message-authenticator, and engine-accounting (PROBE is then
# engine_accounting_interop: the engine's session accounting, not the bare client).
#
# Every wait is bounded; only the PIDs started here are stopped. No root needed.
# Exit 0 pass, 1 fail, 77 skip (no freeradius) unless TUNNELISA_INTEROP_REQUIRED=1.
set -euo pipefail

PROBE=$1
WORK=$2
CASE=$3
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=freeradius_lib.sh
. "$HERE/freeradius_lib.sh"
SECRET="probe-secret-$$"
start_s=$(date +%s.%N)

skip_or_fail() {
  if [ "${TUNNELISA_INTEROP_REQUIRED:-0}" = 1 ]; then
    echo "FAIL: $* (TUNNELISA_INTEROP_REQUIRED=1)" >&2
    exit 1
  fi
  echo "SKIP: $*" >&2
  exit 77
}
fail() {
  echo "FAIL [$CASE]: $*" >&2
  for log in "$WORK"/*/freeradius.log; do
    [ -f "$log" ] && { echo "--- last lines of $log" >&2; tail -n 40 "$log" >&2; }
  done
  exit 1
}

freeradius_require
command -v python3 > /dev/null || skip_or_fail "python3 missing (free port search)"

rm -rf "$WORK"
mkdir -p "$WORK"

cleanup() { freeradius_stop_all; }
trap cleanup EXIT

# free_port_pair: prints P such that UDP ports P and P+1 on 127.0.0.1 are free right now.
free_port_pair() {
  python3 - << 'EOF'
import random, socket
for _ in range(200):
    p = random.randrange(20000, 60000, 2)
    socks = []
    try:
        for port in (p, p + 1):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind(("127.0.0.1", port))
        print(p)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
else:
    raise SystemExit("no free UDP port pair found")
EOF
}

# probe ARGS...: runs radius_probe (its own 60 s bound; `timeout` as a second one).
probe() {
  local rc=0
  timeout 90 "$PROBE" "$@" > "$WORK/probe.out" 2> "$WORK/probe.err" || rc=$?
  cat "$WORK/probe.out"
  [ -s "$WORK/probe.err" ] && cat "$WORK/probe.err" >&2
  [ $rc -eq 0 ] || fail "radius_probe exited $rc"
}
expect() {
  grep -qF -- "$1" "$WORK/probe.out" || fail "expected '$1' in the probe's output"
}
expect_log() {
  grep -qF -- "$2" "$1/freeradius.log" || fail "expected '$2' in freeradius's log"
}

PORT=$(free_port_pair)
SERVER="127.0.0.1:$PORT:$((PORT + 1)):$SECRET"
ONE="$WORK/one"

case "$CASE" in
  accept)
    freeradius_write_config "$ONE" "$PORT" yes "$SECRET"
    freeradius_start "$ONE"
    probe --server "$SERVER" auth:alice:alice-password
    expect "auth alice accept server=127.0.0.1:$PORT framed_ip=10.99.0.5 netmask=255.255.255.255"
    expect "class=636c732d616c696365 session_timeout=3600 reply=\"welcome alice\""
    expect "sent=1 retransmits=0 failovers=0 timeouts=0 accepts=1"
    expect "bad_authenticators=0 bad_message_authenticators=0 malformed=0"
    # The server saw (and, with require_message_authenticator, checked) ours.
    expect_log "$ONE" "Message-Authenticator = 0x"
    expect_log "$ONE" "Login OK: [alice]"
    ;;
  reject)
    freeradius_write_config "$ONE" "$PORT" yes "$SECRET"
    freeradius_start "$ONE"
    probe --server "$SERVER" auth:alice:not-her-password auth:mallory:x
    expect "auth alice reject server=127.0.0.1:$PORT"
    # This minimal freeradius (no attr_filter) sends alice's reply items with the Reject; the
    # client must not report them as a grant.
    ! grep -q "framed_ip" "$WORK/probe.out" || fail "a Reject reported a Framed-IP-Address"
    expect "auth mallory reject server=127.0.0.1:$PORT"
    expect "rejects=2"
    expect "bad_message_authenticators=0"
    expect_log "$ONE" "Login incorrect"
    ;;
  failover)
    # The first server's ports have nothing listening: 2 tries of 0.5 s, then the second.
    DEAD=$(free_port_pair)
    freeradius_write_config "$ONE" "$PORT" yes "$SECRET"
    freeradius_start "$ONE"
    probe --timeout-ms 500 --tries 2 --server "127.0.0.1:$DEAD:$((DEAD + 1)):$SECRET" \
      --server "$SERVER" auth:alice:alice-password acct:start:failover-$$:alice
    expect "auth alice accept server=127.0.0.1:$PORT framed_ip=10.99.0.5"
    # The accounting record then goes to the second server first (the first is in hold-down).
    expect "acct start failover-$$ response server=127.0.0.1:$((PORT + 1))"
    expect "sent=3 retransmits=1 failovers=1 timeouts=0 accepts=1"
    ;;
  accounting)
    freeradius_write_config "$ONE" "$PORT" yes "$SECRET"
    freeradius_start "$ONE"
    SESSION="sess-$$-$RANDOM"
    # Interim: 5000 in, 2^32 + 100 out; Stop: 123456 in, 2 * 2^32 + 1234 out.
    probe --server "$SERVER" "acct:start:$SESSION:alice" \
      "acct:interim:$SESSION:alice:5000:4294967396:50:70:60" \
      "acct:stop:$SESSION:alice:123456:8589935826:100:200:120"
    expect "acct start $SESSION response server=127.0.0.1:$((PORT + 1))"
    expect "acct interim $SESSION response"
    expect "acct stop $SESSION response"
    expect "accounting_responses=3"
    DETAIL="$ONE/log/detail"
    [ -f "$DETAIL" ] || fail "no detail file $DETAIL"
    # Split the detail file into its three records (blank-line separated), in order.
    python3 - "$DETAIL" "$SESSION" << 'EOF' || fail "detail records do not match"
import sys
path, session = sys.argv[1], sys.argv[2]
records = [r for r in open(path).read().split("\n\n") if r.strip()]
def attrs(record):
    out = {}
    for line in record.splitlines()[1:]:
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip().strip('"')
    return out
want = [
    {"Acct-Status-Type": "Start"},
    {"Acct-Status-Type": "Interim-Update", "Acct-Input-Octets": "5000",
     "Acct-Input-Gigawords": "0", "Acct-Output-Octets": "100", "Acct-Output-Gigawords": "1",
     "Acct-Input-Packets": "50", "Acct-Output-Packets": "70", "Acct-Session-Time": "60"},
    {"Acct-Status-Type": "Stop", "Acct-Input-Octets": "123456", "Acct-Input-Gigawords": "0",
     "Acct-Output-Octets": "1234", "Acct-Output-Gigawords": "2", "Acct-Input-Packets": "100",
     "Acct-Output-Packets": "200", "Acct-Session-Time": "120",
     "Acct-Terminate-Cause": "User-Request"},
]
if len(records) != 3:
    sys.exit(f"{len(records)} records in {path}, expected 3")
for record, expected in zip(records, want):
    got = attrs(record)
    expected = dict(expected, **{"Acct-Session-Id": session, "User-Name": "alice",
                                 "Framed-IP-Address": "10.99.0.5",
                                 "NAS-Identifier": "tunnelisa-probe", "Acct-Delay-Time": "0"})
    for k, v in expected.items():
        if got.get(k) != v:
            sys.exit(f"{expected['Acct-Status-Type']}: {k} = {got.get(k)!r}, expected {v!r}")
print("detail: 3 records match")
EOF
    ;;
  engine-accounting)
    # PROBE is engine_accounting_interop (src/engine): the engine's own accounting of an
    # IKEv2 remote-access session (Start, Interim-Update after 5 minutes of its fake clock, a
    # CHILD SA rekey, Stop when the client leaves) over a real UDP socket; it checks the
    # records freeradius wrote to the detail file itself, field by field.
    freeradius_write_config "$ONE" "$PORT" yes "$SECRET"
    freeradius_start "$ONE"
    rc=0
    TUNNELISA_RADIUS_ACCT="127.0.0.1:$((PORT + 1)):$SECRET" \
      TUNNELISA_RADIUS_DETAIL="$ONE/log/detail" \
      timeout 120 "$PROBE" > "$WORK/probe.out" 2> "$WORK/probe.err" || rc=$?
    cat "$WORK/probe.out"
    [ -s "$WORK/probe.err" ] && cat "$WORK/probe.err" >&2
    [ $rc -eq 0 ] || fail "engine_accounting_interop exited $rc"
    ! grep -q "SKIPPED" "$WORK/probe.out" || fail "the interop test skipped"
    expect "detail: 3 records of session"
    [ "$(grep -c "Acct-Status-Type = " "$ONE/log/detail")" = 3 ] ||
      fail "expected 3 records in $ONE/log/detail"
    ;;
  wrong-secret)
    freeradius_write_config "$ONE" "$PORT" yes "$SECRET"
    freeradius_start "$ONE"
    probe --timeout-ms 500 --tries 2 --server "127.0.0.1:$PORT:$((PORT + 1)):not-$SECRET" \
      auth:alice:alice-password
    expect "auth alice timeout"
    expect "sent=1 retransmits=1 failovers=0 timeouts=1 accepts=0"
    expect_log "$ONE" "invalid Message-Authenticator"
    ;;
  no-message-authenticator)
    freeradius_write_config "$ONE" "$PORT" no "$SECRET"
    freeradius_start "$ONE"
    probe --timeout-ms 500 --tries 2 --server "$SERVER" auth:alice:alice-password
    # freeradius accepted, but its unsigned answer (and the copy it resends for our
    # retransmission) is dropped: an attacker could have forged it (BlastRADIUS).
    expect_log "$ONE" "Login OK: [alice]"
    expect "auth alice timeout"
    expect "accepts=0"
    grep -Eq "bad_message_authenticators=[12] " "$WORK/probe.out" ||
      fail "expected the unsigned answers counted as bad_message_authenticators"
    ;;
  *)
    echo "unknown case $CASE" >&2
    exit 2
    ;;
esac

awk -v c="$CASE" -v a="$start_s" -v b="$(date +%s.%N)" 'BEGIN { printf "PASS [%s] in %.1f s\n", c, b - a }'
