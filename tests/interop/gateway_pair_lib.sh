# shellcheck shell=bash
# tests/interop/gateway_pair_lib.sh: the scaffolding shared by the interop scripts that run two
# `tunnelisa run` gateways, A and B, in two network namespaces joined by a veth pair
# (run_manual_test.sh, metrics_http_test.sh, run_syslog_test.sh, key_export_test.sh). Sourced,
# not run. What differs between the scripts (configurations, IPv6, IKE, dumpcap, collectors,
# the checks themselves) stays in them.
#
# The caller must set, before calling the functions below:
#   TL    the tunnelisa binary;
#   WORK  the work directory (a.sock, a.ready, a.log, b.*: the gateways' files live there).
# and may set:
#   GWP_REQUIRED_NOT_SKIPPED=1  gwp_skip fails (exit 1) instead of skipping (exit 77) when
#                               TUNNELISA_INTEROP_REQUIRED=1 (key_export_test.sh: CI has tshark);
#   GWP_ROOT_WHY                what root is needed for, in the skip message
#                               (default "network namespaces, TUN");
#   GWP_TOOL_HINT               appended to "needs TOOL" in the skip message;
#   GWP_FAIL_TAIL               lines of a.log / b.log that fail shows (default 30);
#   GWP_FAIL_EXTRA              an array of more files whose tails fail shows;
#   GWP_HELPER_PIDS             an array of other processes the script started (a collector,
#                               dumpcap) that the exit trap stops with the gateways; empty it
#                               once the script has stopped and waited for them itself.
# gwp_init PREFIX sets NS_A / NS_B (PREFIX-a-$$, PREFIX-b-$$), empties PIDS (the gateways:
# gwp_start_gateway appends to it and sets PID_A / PID_B) and installs the EXIT trap. The trap
# sends SIGTERM to the started processes only (by PID), waits up to 5 s for each, then SIGKILL,
# deletes both namespaces and exits with the script's exit code.

# gwp_skip MESSAGE: exit 77 (skipped), or 1 under GWP_REQUIRED_NOT_SKIPPED and
# TUNNELISA_INTEROP_REQUIRED=1.
gwp_skip() {
  if [ "${GWP_REQUIRED_NOT_SKIPPED:-0}" = 1 ] && [ "${TUNNELISA_INTEROP_REQUIRED:-0}" = 1 ]; then
    echo "FAIL: $* (TUNNELISA_INTEROP_REQUIRED=1)" >&2
    exit 1
  fi
  echo "SKIP: $*"
  exit 77
}

# gwp_require_machine TOOL...: root, every TOOL on PATH and /dev/net/tun, or gwp_skip.
gwp_require_machine() {
  [ "$(id -u)" -eq 0 ] || gwp_skip "needs root (${GWP_ROOT_WHY:-network namespaces, TUN})"
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || gwp_skip "needs $tool${GWP_TOOL_HINT:+ ($GWP_TOOL_HINT)}"
  done
  [ -c /dev/net/tun ] || gwp_skip "no /dev/net/tun"
}

log() { echo "== $*"; }

# fail MESSAGE: the message, the tails of the gateways' logs (and GWP_FAIL_EXTRA), exit 1.
fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$WORK"/a.log "$WORK"/b.log "${GWP_FAIL_EXTRA[@]}"; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -n "${GWP_FAIL_TAIL:-30}" "$f" >&2; }
  done
  exit 1
}

gwp_init() {
  NS_A=$1-a-$$
  NS_B=$1-b-$$
  PIDS=()
  GWP_HELPER_PIDS=()
  trap gwp_cleanup EXIT
}

gwp_cleanup() {
  local rc=$? pid
  set +e
  for pid in "${PIDS[@]}" "${GWP_HELPER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}" "${GWP_HELPER_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  ip netns del "$NS_A" 2>/dev/null
  ip netns del "$NS_B" 2>/dev/null
  exit "$rc"
}

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# gwp_public_addresses 4|6: PUB_A, PUB_A2 (A's), PUB_B, PUB_B2 (B's) and PLEN of the public
# network the gw*.cfg files use: 192.0.2.0/24, or 2001:db8::/64.
gwp_public_addresses() {
  if [ "$1" = 6 ]; then
    PUB_A=2001:db8::1 PUB_A2=2001:db8::11 PUB_B=2001:db8::2 PUB_B2=2001:db8::12 PLEN=64
  else
    PUB_A=192.0.2.1 PUB_A2=192.0.2.11 PUB_B=192.0.2.2 PUB_B2=192.0.2.12 PLEN=24
  fi
}

# gwp_setup_namespaces VETH: both namespaces, their loopbacks up, the veth pair VETH-a (in A)
# / VETH-b (in B) with PUB_A, PUB_A2 / PUB_B, PUB_B2 (gwp_public_addresses), up. IPv6
# addresses skip duplicate address detection so that they are usable at once.
gwp_setup_namespaces() {
  local nodad=()
  case $PUB_A in *:*) nodad=(nodad) ;; esac
  ip netns add "$NS_A"
  ip netns add "$NS_B"
  ip link add "$1-a" netns "$NS_A" type veth peer name "$1-b" netns "$NS_B"
  in_a ip link set lo up
  in_b ip link set lo up
  in_a ip addr add "$PUB_A/$PLEN" dev "$1-a" "${nodad[@]}"
  in_a ip addr add "$PUB_A2/$PLEN" dev "$1-a" "${nodad[@]}"
  in_b ip addr add "$PUB_B/$PLEN" dev "$1-b" "${nodad[@]}"
  in_b ip addr add "$PUB_B2/$PLEN" dev "$1-b" "${nodad[@]}"
  in_a ip link set "$1-a" up
  in_b ip link set "$1-b" up
}

# gwp_start_gateway a|b CONFIG [OPTION...]: `tunnelisa run CONFIG` in the side's namespace with
# --control WORK/SIDE.sock, --ready-file WORK/SIDE.ready, --log WORK/SIDE.log and the OPTIONs,
# in the background; its PID in PID_A or PID_B and appended to PIDS. Started with `ip netns
# exec` itself (not a shell function) so that $! is the gateway's PID.
gwp_start_gateway() {
  local side=$1 cfg=$2 ns=$NS_A
  shift 2
  [ "$side" = b ] && ns=$NS_B
  ip netns exec "$ns" "$TL" run "$cfg" --control "$WORK/$side.sock" \
    --ready-file "$WORK/$side.ready" --log "$WORK/$side.log" "$@" &
  PIDS+=($!)
  if [ "$side" = a ]; then PID_A=$!; else PID_B=$!; fi
}

# gwp_wait_ready a|b...: for each side, a bounded wait (10 s) for its ready file; fails if the
# gateway (gwp_start_gateway's PID_A / PID_B) exits first.
gwp_wait_ready() {
  local side pid
  for side in "$@"; do
    pid=$PID_A
    [ "$side" = b ] && pid=$PID_B
    for _ in $(seq 100); do
      [ -f "$WORK/$side.ready" ] && break
      kill -0 "$pid" 2>/dev/null || fail "gateway $side ($pid) exited before it was ready"
      sleep 0.1
    done
    [ -f "$WORK/$side.ready" ] || fail "gateway $side: no ready file $WORK/$side.ready after 10 s"
  done
}

# gwp_lan DEV NET_A NET_B: the LAN hosts of a VPRN whose TUN is DEV on both sides: A owns
# NET_A.10/24 and routes NET_B.0/24 into DEV, B the other way round (NET_*: three octets).
gwp_lan() {
  in_a ip addr add "$2.10/24" dev "$1"
  in_a ip route add "$3.0/24" dev "$1"
  in_b ip addr add "$3.10/24" dev "$1"
  in_b ip route add "$2.0/24" dev "$1"
}

# gwp_ike_up: `initiate 101 to-b` on A's control socket, then a bounded wait (10 s) until both
# gateways list an IKE session up; A's sessions are shown. Both: B (the responder) has its
# CHILD SA before A has read IKE_AUTH's response, and an echo A sends before that can be lost
# (key_export_test.sh, waiting for B only, once lost its first ping on a loaded machine).
gwp_ike_up() {
  "$TL" show --control "$WORK/a.sock" initiate 101 to-b | sed 's/^/   /' ||
    fail "initiate 101 to-b refused"
  for _ in $(seq 100); do
    "$TL" show --control "$WORK/a.sock" sessions | grep -q ", up$" &&
      "$TL" show --control "$WORK/b.sock" sessions | grep -q ", up$" && break
    sleep 0.1
  done
  "$TL" show --control "$WORK/a.sock" sessions | sed 's/^/   /'
  "$TL" show --control "$WORK/a.sock" sessions | grep -q ", up$" || fail "no IKE session up on A"
  "$TL" show --control "$WORK/b.sock" sessions | grep -q ", up$" || fail "no IKE session up on B"
}

# gwp_stop_gateway NAME PID: SIGTERM; the gateway must exit within 5 s, with exit code 0.
gwp_stop_gateway() {
  kill -TERM "$2"
  for _ in $(seq 50); do kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$2" 2>/dev/null && fail "gateway $1 still running 5 s after SIGTERM"
  local rc=0
  wait "$2" || rc=$?
  [ "$rc" -eq 0 ] || fail "gateway $1 exited $rc after SIGTERM"
}
