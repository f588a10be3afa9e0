#!/usr/bin/env bash
# tests/interop/key_export_test.sh TUNNELISA [WORKDIR [cbc|gcm]]
#
# `tunnelisa run --export-keys DIR` checked with Wireshark's tshark: two gateways in two network
# namespaces (the IKE mode of run_manual_test.sh: gw_ike_a.cfg / gw_ike_b.cfg, IKEv2 with a
# pre-shared key; `gcm` swaps both the IKE and the ESP transform to aes128gcm16), each exporting
# its keys. dumpcap records A's public interface while IKE comes up and PINGS pings cross the
# tunnel; then tshark reads the capture with A's exported tables (WIRESHARK_CONFIG_DIR=DIR) and
# must show:
#   - exactly PINGS inner ICMP echo requests 10.1.0.10 -> 10.2.0.10 and PINGS replies, which
#     exist only inside ESP (decrypted with the esp_sa table);
#   - IKE_AUTH decrypted (ikev2_decryption_table): the ID payloads, which travel inside SK;
#   - B's export holding the same SAs as A's (two implementations of one negotiation agree);
# and, with a wrong encryption key in the table, no inner ICMP at all, and without the IKEv2
# table no ID payload. The tables must be mode 0600.
#
# Needs root, iproute2, iputils-ping and tshark/dumpcap (scripts/deps.sh); exits 77 (skipped)
# without them, or 1 when TUNNELISA_INTEROP_REQUIRED=1. Traffic stays in the two namespaces it
# creates; every wait is bounded; the namespaces are deleted and only the processes it started
# are killed, whatever happens.
set -euo pipefail

TL=${1:?usage: key_export_test.sh TUNNELISA [WORKDIR [cbc|gcm]]}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${2:-$(mktemp -d)}
SUITE=${3:-cbc}
PINGS=5

# shellcheck source-path=SCRIPTDIR source=gateway_pair_lib.sh
. "$HERE/gateway_pair_lib.sh"
GWP_REQUIRED_NOT_SKIPPED=1
GWP_ROOT_WHY="network namespaces, TUN, capture"
GWP_TOOL_HINT="scripts/deps.sh installs tshark"
gwp_require_machine ip ping tshark dumpcap

rm -rf "$WORK"
mkdir -p "$WORK"
GWP_FAIL_TAIL=20
GWP_FAIL_EXTRA=("$WORK/dumpcap.err")
gwp_init tlkey
gwp_public_addresses 4

for side in a b; do
  cfg=$HERE/gw_ike_$side.cfg
  if [ "$SUITE" = gcm ]; then
    # AES-GCM for IKE and ESP: Wireshark's AEAD rows (salt in the key, no integrity key).
    sed -e 's/^    encryption-algorithm aes128$/    encryption-algorithm aes128gcm16/' \
      -e 's/^    esp-encryption-algorithm aes128$/    esp-encryption-algorithm aes128gcm16/' \
      -e '/^    esp-auth-algorithm /d' "$cfg" >"$WORK/$side.cfg"
    grep -q "esp-encryption-algorithm aes128gcm16" "$WORK/$side.cfg" || fail "gcm config"
  else
    cp "$cfg" "$WORK/$side.cfg"
  fi
done

log "namespaces $NS_A / $NS_B, veth $PUB_A <-> $PUB_B ($SUITE)"
gwp_setup_namespaces tlk

log "capturing A's public side"
in_a dumpcap -q -i tlk-a -w "$WORK/public.pcapng" 2>"$WORK/dumpcap.err" &
CAP_PID=$!
GWP_HELPER_PIDS=("$CAP_PID")
for _ in $(seq 100); do
  grep -q "Capturing on" "$WORK/dumpcap.err" 2>/dev/null && break
  kill -0 "$CAP_PID" 2>/dev/null || fail "dumpcap exited: $(cat "$WORK/dumpcap.err")"
  sleep 0.1
done
grep -q "Capturing on" "$WORK/dumpcap.err" || fail "dumpcap did not start within 10 s"

log "gateways with --export-keys"
for side in a b; do
  gwp_start_gateway "$side" "$WORK/$side.cfg" --export-keys "$WORK/keys-$side"
done
gwp_wait_ready a b
grep -q "exporting the keys of every SA to" "$WORK/a.log" || fail "no export warning in a.log"
gwp_lan tl101 10.1.0 10.2.0

log "IKEv2 up, then $PINGS pings 10.1.0.10 -> 10.2.0.10 over ESP"
gwp_ike_up
in_a ping -c "$PINGS" -i 0.2 -W 1 -I 10.1.0.10 10.2.0.10 >"$WORK/ping.out" ||
  fail "ping over the tunnel: $(cat "$WORK/ping.out")"
# Stop the capture once dumpcap has written every ESP packet of the pings (bounded: 10 s); a
# busy machine may take a while to drain its ring buffer into the file.
for _ in $(seq 50); do
  n=$(tshark -r "$WORK/public.pcapng" -Y esp 2>/dev/null | wc -l)
  [ "$n" -ge $((2 * PINGS)) ] && break
  sleep 0.2
done
# SIGTERM (a background job ignores SIGINT): dumpcap finishes the file and exits.
kill -TERM "$CAP_PID"
for _ in $(seq 50); do kill -0 "$CAP_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$CAP_PID" 2>/dev/null && fail "dumpcap still running 5 s after SIGTERM"
wait "$CAP_PID" 2>/dev/null || true
GWP_HELPER_PIDS=()
[ -s "$WORK/public.pcapng" ] || fail "empty capture"

log "exported tables"
for side in a b; do
  for t in esp_sa ikev2_decryption_table; do
    f=$WORK/keys-$side/$t
    [ -f "$f" ] || fail "no $f"
    [ "$(stat -c %a "$f")" = 600 ] || fail "$f has mode $(stat -c %a "$f"), not 600"
    # Shown without the keys (and IKE SPIs): 17 or more hex digits become "…".
    sed -E 's/[0-9a-f]{17,}/…/g' "$f" | grep -v '^#' | sed "s|^|   $side/$t: |"
  done
done
[ "$(stat -c %a "$WORK/keys-a")" = 700 ] || fail "keys-a has mode $(stat -c %a "$WORK/keys-a")"
rows() { grep -v '^#' "$1" | sort; }
[ "$(rows "$WORK/keys-a/esp_sa" | wc -l)" -eq 2 ] || fail "A's esp_sa: not the 2 SAs of one CHILD SA"
[ "$(rows "$WORK/keys-a/ikev2_decryption_table" | wc -l)" -eq 1 ] || fail "A: not one IKE SA"
[ "$(rows "$WORK/keys-a/esp_sa")" = "$(rows "$WORK/keys-b/esp_sa")" ] ||
  fail "A and B exported different ESP SAs"
[ "$(rows "$WORK/keys-a/ikev2_decryption_table")" = \
  "$(rows "$WORK/keys-b/ikev2_decryption_table")" ] || fail "A and B exported different IKE SAs"

# count DIR FILTER: packets of the capture matching FILTER, read with DIR's tables.
count() {
  WIRESHARK_CONFIG_DIR=$1 tshark -r "$WORK/public.pcapng" -o esp.enable_encryption_decode:TRUE \
    -Y "$2" 2>"$WORK/tshark.err" | wc -l
}
log "tshark with A's tables"
requests=$(count "$WORK/keys-a" "icmp.type == 8 && ip.src == 10.1.0.10 && ip.dst == 10.2.0.10")
replies=$(count "$WORK/keys-a" "icmp.type == 0 && ip.src == 10.2.0.10 && ip.dst == 10.1.0.10")
esp=$(count "$WORK/keys-a" "esp")
ids=$(count "$WORK/keys-a" "isakmp.exchangetype == 35 && isakmp.id.type")
echo "   ESP packets $esp; decrypted echo requests $requests, replies $replies; IKE_AUTH with ID $ids"
grep -v "Running as user" "$WORK/tshark.err" | sed 's/^/   tshark: /' || true
[ "$esp" -ge $((2 * PINGS)) ] || fail "only $esp ESP packets captured"
[ "$requests" -eq "$PINGS" ] || fail "$requests decrypted echo requests, expected $PINGS"
[ "$replies" -eq "$PINGS" ] || fail "$replies decrypted echo replies, expected $PINGS"
[ "$ids" -ge 2 ] || fail "IKE_AUTH not decrypted: $ids messages with an ID payload (IDi, IDr)"
ids_b=$(count "$WORK/keys-b" "isakmp.exchangetype == 35 && isakmp.id.type")
[ "$ids_b" -ge 2 ] || fail "B's IKEv2 table does not decrypt IKE_AUTH"

log "negative: a wrong encryption key, no IKEv2 table"
mkdir -p "$WORK/wrong"
# Flip the first key digit of every ESP row (the 6th field, "0x<key>").
awk -F'","' 'BEGIN { OFS = "\",\"" } /^#/ { print; next }
  { k = $6; d = substr(k, 3, 1); $6 = "0x" (d == "0" ? "1" : "0") substr(k, 4); print }' \
  "$WORK/keys-a/esp_sa" >"$WORK/wrong/esp_sa"
cmp -s "$WORK/wrong/esp_sa" "$WORK/keys-a/esp_sa" && fail "the wrong table is not wrong"
wrong=$(count "$WORK/wrong" "icmp && ip.dst == 10.2.0.10")
ids_none=$(count "$WORK/wrong" "isakmp.exchangetype == 35 && isakmp.id.type")
echo "   wrong ESP key: $wrong inner ICMP; no IKEv2 table: $ids_none ID payloads"
# The wrong table must load (only its key is wrong): tshark names a table it refuses.
if grep -q "esp_sa" "$WORK/tshark.err"; then fail "tshark refused the table: $(cat "$WORK/tshark.err")"; fi
[ "$(count "$WORK/wrong" "esp")" -eq "$esp" ] || fail "the wrong table changed the ESP count"
[ "$wrong" -eq 0 ] || fail "$wrong inner ICMP packets with a wrong key"
[ "$ids_none" -eq 0 ] || fail "ID payloads visible without the IKEv2 keys"

echo "OK: tshark decrypted $requests/$PINGS echo requests, $replies replies and IKE_AUTH ($SUITE)"
