#!/usr/bin/env bash
# bench/ike_vs_charon.sh TUNNELISA [N...]
#
# Issue 14: the responder CPU per IKEv2 handshake of `tunnelisa run` (an ipsec-gw) against
# strongSwan's charon (5.9.8, a connection with remote_addrs = %any), on the same work: N
# distinct peers, each one IKE SA (IKE_SA_INIT + IKE_AUTH with a pre-shared key, IKE
# aes128gcm16-prfsha256-x25519) with one CHILD SA (ESP aes128gcm16), ramped from 0 to N.
#
# Two network namespaces joined by a veth pair: the responder on 192.0.2.1, the initiator on
# 192.0.2.2 with N more addresses 10.50.0.1... (one per peer; the responder routes 10.50/16 to
# 192.0.2.2, so it holds one neighbour) and each peer's inner address 10.60.0.1... on its lo
# (libipsec installs a route per CHILD SA whose source must be local, even with
# install_routes = no). The initiator is the same for both responders: one
# charon (kernel-libipsec, no routes installed) driven over VICI by ike_vs_charon_drive.py,
# which loads N connections (connection i from 10.50.0.1 + i, its own identity, inner
# 10.60.0.1 + i / 32 to 10.1.0.0/24), initiates them with at most WINDOW handshakes in flight
# (8: below charon's cookie threshold of 10 half-open SAs and tunnelisa's 64, so neither
# responder demands cookies) and counts the IKE and CHILD SAs up from charon's events.
# The figure: utime + stime of the responder process (every thread, /proc/PID/stat) from the
# first initiation until the last SA is up, divided by the SAs up; and the marginal cost, the
# CPU of the last 10 % (the ramp pauses at 90 % until nothing is in flight) over their count.
# After the ramp, the responder's own count of IKE SAs is checked against the initiator's.
#
# Responders (one at a time, fresh namespaces for every run):
#   tl      `tunnelisa run` with ipsec-gw "gw" (PSK, any peer) in IES 100, default secure
#           service VPRN 101 (its TSi become routes there), --workers default;
#   charon  charon with kernel-libipsec (the only way it does ESP on this kernel: CHILD SAs go
#           into libipsec, routes to the peers' inner /32 via its TUN), a conn with
#           remote_addrs = %any, remote_ts = 10.60.0.0/16 (narrowed to each peer's /32), the IKE
#           SA table sized for the load (charon.ikesa_table_size 16384, 16 segments; its default
#           is ONE bucket, a linked list: CHARON_DEFAULT_TABLE=1 measures that instead).
# Both log at their normal level to a file (tunnelisa: its events; charon: level 0 = one line
# per established SA).
#
# Environment: REPS (runs per size and responder, default 1; the table takes the median),
# RESPONDERS ("tl charon"), WORK (default /tmp/ike_vs_charon), DEADLINE_PER_1K (seconds of ramp
# allowed per 1,000 peers, default 60), WINDOW (8), CHARON_LOG (both charons' log level, 0;
# 1 shows why a CHILD SA failed), IVC_DEBUG=1 (the driver prints every VICI event to
# $WORK/*/drive.stderr). Run the measured part under `flock -x /tmp/tunnelisa-machine.lock`
# on the shared machines (docs/performance.md, "tunnelisa run vs charon").
# Output: one line per run "RUN responder n rep {json}" and a summary table at the end;
# $WORK/results.txt keeps the lines. Needs root, iproute2, strongSwan's charon and swanctl
# (scripts/deps.sh), /usr/bin/python3. Every wait is bounded; cleanup stops only the PIDs it
# started and deletes its namespaces.
set -euo pipefail

TL=${1:?usage: ike_vs_charon.sh TUNNELISA [N...]}
shift
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 5000 10000)
TL=$(cd "$(dirname "$TL")" && pwd)/$(basename "$TL")
HERE=$(cd "$(dirname "$0")" && pwd)
DRIVE=$HERE/ike_vs_charon_drive.py
REPS=${REPS:-1}
RESPONDERS=${RESPONDERS:-tl charon}
WORK=${WORK:-/tmp/ike_vs_charon}
DEADLINE_PER_1K=${DEADLINE_PER_1K:-60}
WINDOW=${WINDOW:-8}
CHARON=${CHARON:-/usr/lib/ipsec/charon}
PSK="ike-vs-charon-psk-0123456789"
R_PUB=192.0.2.1
I_PUB=192.0.2.2

[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; exit 1; }
for t in ip swanctl timeout /usr/bin/python3 "$CHARON" "$TL"; do
  command -v "$t" >/dev/null || [ -x "$t" ] || { echo "needs $t" >&2; exit 1; }
done
[ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] ||
  { echo "needs strongSwan's kernel-libipsec plugin" >&2; exit 1; }

mkdir -p "$WORK"
NS_I="" NS_R=""
PIDS=()
cleanup() {
  local pid
  set +e
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
  [ -n "$NS_I" ] && ip netns del "$NS_I" 2>/dev/null
  [ -n "$NS_R" ] && ip netns del "$NS_R" 2>/dev/null
  NS_I="" NS_R=""
}
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

# stop_pid PID: SIGTERM one process we started, wait up to 10 s, then SIGKILL.
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# setup_namespaces N: the two namespaces, the veth, N initiator addresses.
setup_namespaces() {
  local n=$1 i
  NS_I=ivc-i-$$ NS_R=ivc-r-$$
  ip netns add "$NS_I"
  ip netns add "$NS_R"
  ip link add ivc-i netns "$NS_I" type veth peer name ivc-r netns "$NS_R"
  ip -n "$NS_I" link set lo up
  ip -n "$NS_R" link set lo up
  ip -n "$NS_I" addr add "$I_PUB/24" dev ivc-i
  ip -n "$NS_R" addr add "$R_PUB/24" dev ivc-r
  ip -n "$NS_I" link set ivc-i up
  ip -n "$NS_R" link set ivc-r up
  ip -n "$NS_R" route add 10.50.0.0/16 via "$I_PUB"
  # 10.50.0.1 + i for i < n (n <= 65,000)
  for ((i = 0; i < n; i++)); do
    echo "addr add 10.50.$(((i + 1) / 256)).$(((i + 1) % 256))/32 dev ivc-i"
    # its inner address (local_ts): libipsec's route to 10.1.0.0/24 takes its source there
    echo "addr add 10.60.$(((i + 1) / 256)).$(((i + 1) % 256))/32 dev lo"
  done >"$WORK/addrs.batch"
  ip -n "$NS_I" -batch "$WORK/addrs.batch"
}

# sconf DIR ROLE: a self-contained strongswan.conf (explicit plugin list, kernel-libipsec
# before kernel-netlink; lib.sh of tests/interop/strongswan explains why).
sconf() {
  local d=$1 role=$2 routes=yes table="ikesa_table_size = 16384
  ikesa_table_segments = 16"
  [ "$role" = initiator ] && routes=no
  [ "$role" = responder ] && [ "${CHARON_DEFAULT_TABLE:-0}" = 1 ] && table=""
  mkdir -p "$d/run"
  cat >"$d/strongswan.conf" <<EOF
charon {
  load = random nonce aes sha1 sha2 hmac gcm curve25519 openssl kdf kernel-libipsec kernel-netlink socket-default vici
  port = 500
  port_nat_t = 4500
  install_routes = $routes
  install_virtual_ip = no
  retransmit_tries = 3
  retransmit_timeout = 4.0
  $table
  filelog {
    main {
      path = $d/charon.log
      time_format = %H:%M:%S
      default = ${CHARON_LOG:-0}
      flush_line = no
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
  plugins {
    vici {
      socket = unix://$d/run/charon.vici
    }
  }
}
EOF
}

# start_charon DIR NETNS: charon in NETNS with DIR/run over /run; prints its PID.
start_charon() {
  local d=$1 ns=$2 pid
  rm -f "$d/run/charon.vici" "$d/run/charon.pid"
  # shellcheck disable=SC2016  # $1 and $2 are sh's
  STRONGSWAN_CONF=$d/strongswan.conf ip netns exec "$ns" \
    sh -c 'mount --bind "$1" /run && exec "$2"' sh "$d/run" "$CHARON" >"$d/charon.stdout" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 100); do
    [ -S "$d/run/charon.vici" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "charon exited at start-up" >&2; return 1; }
    sleep 0.1
  done
  [ -S "$d/run/charon.vici" ] || { echo "charon: no VICI socket after 10 s" >&2; return 1; }
  START_PID=$pid
}

sw() {
  local d=$1
  shift
  STRONGSWAN_CONF=$d/strongswan.conf timeout 60 swanctl "$@" --uri "unix://$d/run/charon.vici"
}

tl_conf() {
  cat >"$1" <<EOF
# Written by bench/ike_vs_charon.sh: an ipsec-gw answering any peer with the PSK.
config isa
  tunnel-group 1 create
    primary 1/1
    no shutdown
  exit
exit all

config ipsec
  ike-policy 1 create
    ike-version 2
    auth-algorithm sha256
    encryption-algorithm aes128gcm16
    dh-group 31
  exit
  ipsec-transform 1
    esp-encryption-algorithm aes128gcm16
  exit
  tunnel-template 1 create
    transform 1
  exit
exit all

config service ies 100 customer 1 create
  interface "public" create
    address $R_PUB/24
    sap tunnel-1.public:1 create
      ipsec-gw "gw" create
        gateway-address $R_PUB
        ike-policy 1
        pre-shared-key "$PSK"
        default-tunnel-template 1
        default-secure-service 101 interface "clients"
        no shutdown
      exit
    exit
  exit
  # the peers' addresses (the initiator's 10.50/16) are behind the initiator's public address
  static-route 10.50.0.0/16 next-hop $I_PUB
exit all

config service vprn 101 customer 1 create
  interface "clients" tunnel create
    address 10.1.0.1/24
    sap tunnel-1.private:1 create
    exit
  exit
exit all
EOF
}

charon_responder_conf() {
  mkdir -p "$1/swanctl"
  cat >"$1/swanctl/swanctl.conf" <<EOF
connections {
  gw {
    version = 2
    local_addrs = $R_PUB
    remote_addrs = %any
    proposals = aes128gcm16-prfsha256-x25519
    mobike = no
    local {
      auth = psk
    }
    remote {
      auth = psk
    }
    children {
      c {
        local_ts = 10.1.0.0/24
        remote_ts = 10.60.0.0/16
        esp_proposals = aes128gcm16
      }
    }
  }
}
secrets {
  ike-any {
    secret = "$PSK"
  }
}
EOF
}

# run_one RESPONDER N REP: one ramp; appends "RUN ..." to results.txt.
run_one() {
  local who=$1 n=$2 rep=$3 dir=$WORK/$1-$2-$3 rpid count json
  rm -rf "$dir"
  mkdir -p "$dir"
  setup_namespaces "$n"
  if [ "$who" = tl ]; then
    tl_conf "$dir/tl.cfg"
    "$TL" check "$dir/tl.cfg" >"$dir/check.out" 2>&1 || { cat "$dir/check.out" >&2; return 1; }
    ip netns exec "$NS_R" "$TL" run "$dir/tl.cfg" --control "$dir/tl.sock" \
      --ready-file "$dir/tl.ready" --log "$dir/tl.log" 2>"$dir/tl.stderr" &
    rpid=$!
    PIDS+=("$rpid")
    for _ in $(seq 100); do
      [ -f "$dir/tl.ready" ] && break
      kill -0 "$rpid" 2>/dev/null || { cat "$dir/tl.stderr" >&2; return 1; }
      sleep 0.1
    done
    [ -f "$dir/tl.ready" ] || { echo "tunnelisa: no ready file after 10 s" >&2; return 1; }
  else
    mkdir -p "$dir/resp"
    # its LAN address, inside local_ts: charon's route to each peer's inner /32 (through
    # libipsec's TUN) takes its source from there, and the CHILD SA fails without one
    ip -n "$NS_R" addr add 10.1.0.1/32 dev lo
    sconf "$dir/resp" responder
    charon_responder_conf "$dir/resp"
    start_charon "$dir/resp" "$NS_R"
    rpid=$START_PID
    sw "$dir/resp" --load-all --file "$dir/resp/swanctl/swanctl.conf" >"$dir/resp/load.out" 2>&1 ||
      { cat "$dir/resp/load.out" >&2; return 1; }
  fi
  mkdir -p "$dir/init"
  sconf "$dir/init" initiator
  start_charon "$dir/init" "$NS_I"
  sleep 1 # both idle: the responder's start-up is over before its CPU is read
  local deadline=$((DEADLINE_PER_1K * (n + 999) / 1000))
  json=$(timeout $((deadline + 120)) /usr/bin/python3 "$DRIVE" --vici "$dir/init/run/charon.vici" \
    --n "$n" --first-addr 10.50.0.1 --responder "$R_PUB" --responder-pid "$rpid" \
    --psk "$PSK" --window "$WINDOW" --deadline "$deadline" 2>"$dir/drive.stderr") ||
    { cat "$dir/drive.stderr" >&2; return 1; }
  # the responder's own count, after the CPU was read
  if [ "$who" = tl ]; then
    # (`show sessions` keeps the newest 1,024 records only: Engine::kMaxSessionLog; the
    # log's ike-up / ike-down events count them all)
    local ups downs
    ups=$(grep -c "event: ike ike-up " "$dir/tl.log" || true)
    downs=$(grep -c "event: ike ike-down " "$dir/tl.log" || true)
    count=$((ups - downs))
  else
    count=$(sw "$dir/resp" --stats 2>/dev/null |
      awk '/^IKE_SAs:/ { print $2 - $4 }')
  fi
  json=${json%\}}", \"responder_count\": ${count:-0}}"
  echo "RUN $who $n $rep $json" | tee -a "$WORK/results.txt"
  cleanup
}

echo "# $(date -u +%FT%TZ) $(uname -r) load: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$WORK/results.txt"
for n in "${SIZES[@]}"; do
  for rep in $(seq "$REPS"); do
    for who in $RESPONDERS; do
      run_one "$who" "$n" "$rep"
    done
  done
done

# Summary: medians per (responder, n) of this invocation's runs.
echo
/usr/bin/python3 - "$WORK/results.txt" "$REPS" "${SIZES[@]}" <<'EOF'
import json, statistics, sys
path, reps, sizes = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
runs = {}
lines = open(path).read().splitlines()
# this invocation's runs: after the last header line
start = max(i for i, l in enumerate(lines) if l.startswith("#"))
for l in lines[start + 1:]:
    if l.startswith("RUN "):
        _, who, n, rep, js = l.split(" ", 4)
        runs.setdefault((who, int(n)), []).append(json.loads(js))
def med(who, n, key):
    xs = [r[key] for r in runs.get((who, n), []) if r.get(key) is not None]
    return statistics.median(xs) if xs else None
print("| n | tunnelisa ms/handshake | charon ms/handshake | ratio | tunnelisa marginal | charon marginal | up (tl/charon) |")
print("|---:|---:|---:|---:|---:|---:|---|")
for n in sizes:
    t, c = med("tl", n, "ms_per_handshake"), med("charon", n, "ms_per_handshake")
    tm, cm = med("tl", n, "marginal_ms_per_handshake"), med("charon", n, "marginal_ms_per_handshake")
    ratio = f"{c / t:.2f}" if t and c else "-"
    f = lambda x: f"{x:.3f}" if x is not None else "-"
    up = "/".join(str(med(w, n, "established")) for w in ("tl", "charon"))
    print(f"| {n} | {f(t)} | {f(c)} | {ratio} | {f(tm)} | {f(cm)} | {up} |")
EOF
