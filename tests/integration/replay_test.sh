#!/bin/bash
# `tunnelisa replay` end to end: usage: replay_test.sh TOOL SOURCE_DIR WORKDIR
#  1. Router A (router_a.cfg) replays its LAN's capture into VPRN 101: GRE over IPsec out of
#     the public side, one packet without a route; the printed report must match.
#  2. Router B replays A's public output: it must deliver A's packets byte for byte
#     (b_private_out.pcap) and print the matching report.
#  3. Router A, VPRN 102: ip-mtu fragmentation and the ICMP error, both captures byte exact.
#  4. Exit code 2 for bad input files, configurations and services.
set -u
tool=$1
src=$2
work=$3
vec=tests/vectors/engine
mkdir -p "$work"
cd "$src" || exit 1
fail=0

check() {  # check NAME EXPECTED_FILE ACTUAL_FILE
  if ! diff -u "$2" "$3"; then
    echo "FAIL: $1"
    fail=1
  fi
}

"$tool" replay $vec/router_a.cfg --service 101 --private-in $vec/a_private_in.pcap \
  --public-out "$work/a_public_out.pcap" > "$work/a_101.txt"
[ $? -eq 0 ] || { echo "FAIL: router A replay exit code"; fail=1; }
check "router A report" $vec/replay_a_101.txt "$work/a_101.txt"

"$tool" replay $vec/router_b.cfg --service 101 --public-in "$work/a_public_out.pcap" \
  --private-out "$work/b_private_out.pcap" > "$work/b_101.txt"
[ $? -eq 0 ] || { echo "FAIL: router B replay exit code"; fail=1; }
check "router B report" $vec/replay_b_101.txt "$work/b_101.txt"
cmp $vec/b_private_out.pcap "$work/b_private_out.pcap" || { echo "FAIL: B's LAN output"; fail=1; }

"$tool" replay $vec/router_a.cfg --service 102 --private-in $vec/a_private_in_102.pcap \
  --public-out "$work/a_public_out_102.pcap" --private-out "$work/a_private_out_102.pcap" \
  > "$work/a_102.txt"
[ $? -eq 0 ] || { echo "FAIL: router A 102 exit code"; fail=1; }
check "router A 102 report" $vec/replay_a_102.txt "$work/a_102.txt"
cmp $vec/a_public_out_102.pcap "$work/a_public_out_102.pcap" || { echo "FAIL: fragments"; fail=1; }
cmp $vec/a_private_out_102.pcap "$work/a_private_out_102.pcap" || { echo "FAIL: ICMP"; fail=1; }

expect2() {  # expect2 NAME ARGS...
  local name=$1
  shift
  "$tool" replay "$@" > /dev/null 2>&1
  local rc=$?
  if [ $rc -ne 2 ]; then
    echo "FAIL: $name: exit code $rc, want 2"
    fail=1
  fi
}
printf 'not a pcap file at all' > "$work/garbage.pcap"
printf 'config service vprn\n' > "$work/bad.cfg"
expect2 "missing capture" $vec/router_a.cfg --service 101 --private-in "$work/nope.pcap"
expect2 "garbage capture" $vec/router_a.cfg --service 101 --public-in "$work/garbage.pcap"
expect2 "bad config" "$work/bad.cfg" --service 101
expect2 "missing config" "$work/nope.cfg" --service 101
expect2 "unknown service" $vec/router_a.cfg --service 7
expect2 "no service" $vec/router_a.cfg

[ $fail -eq 0 ] && echo "replay_test: OK"
exit $fail
