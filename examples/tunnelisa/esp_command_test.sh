#!/bin/bash
# Tests of `tunnelisa esp`: exit codes 0/1/2, messages, and encrypt -> decrypt round trips for
# every ESP suite of algorithms.h (with and without ESN and UDP encapsulation, IPv4 and IPv6
# outer headers).
# Usage: esp_command_test.sh TUNNELISA_BINARY VECTOR_DIR WORK_DIR
# VECTOR_DIR is tests/vectors/scapy (only its *.inner.pcap are used: plain IP packets).
set -u
TOOL=$1
VEC=$2
WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK" || exit 2
INNER=$VEC/aes128gcm16.inner.pcap    # six IPv4/IPv6 packets, 0..1400 payload bytes
INNER2=$VEC/aes256-sha512.inner.pcap
FAILS=0
N=0

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

# expect CODE DESCRIPTION -- CMD...: runs CMD, checks its exit status; output in $WORK/out,err.
expect() {
  local want=$1 what=$2
  shift 3
  N=$((N + 1))
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  if [ "$got" != "$want" ]; then
    fail "$what: exit $got, expected $want: $*"
    sed 's/^/    out: /' "$WORK/out" | head -20
    sed 's/^/    err: /' "$WORK/err" | head -20
    return 1
  fi
  return 0
}
# grep_in FILE PATTERN DESCRIPTION
grep_in() {
  if ! grep -q -- "$2" "$WORK/$1"; then
    fail "$3: '$2' not in std$1:"
    sed 's/^/    /' "$WORK/$1" | head -20
  fi
}

hexkey() { # hexkey BYTES SEED: a deterministic key of BYTES bytes
  local i s=""
  for ((i = 0; i < $1; i++)); do s+=$(printf '%02x' $(((i * 37 + $2 * 11 + 5) % 256))); done
  echo "$s"
}

# ---- exit status 0: help ---------------------------------------------------------------
expect 0 "--help" -- "$TOOL" esp --help && grep_in out "usage: tunnelisa esp" "--help"
expect 0 "help after the verb" -- "$TOOL" esp decrypt --help && grep_in out "--replay-window" "help"
expect 2 "no arguments" -- "$TOOL" esp && grep_in err "usage" "no arguments"

# ---- round trips over every suite ------------------------------------------------------
# enc:keybytes:auth:authkeybytes
SUITES="
null:0:sha1:20
des:8:sha1:20
3des:24:sha1:20
3des:24:md5:16
aes128:16:md5:16
aes128:16:sha1:20
aes128:16:sha256:32
aes128:16:sha384:48
aes128:16:sha512:64
aes192:24:sha256:32
aes256:32:sha512:64
aes256:32:sha384:48
aes128gcm8:20:none:0
aes128gcm12:20:none:0
aes128gcm16:20:none:0
aes192gcm8:28:none:0
aes192gcm12:28:none:0
aes192gcm16:28:none:0
aes256gcm8:36:none:0
aes256gcm12:36:none:0
aes256gcm16:36:none:0
chacha20poly1305:36:none:0
"
seed=0
for s in $SUITES; do
  IFS=: read -r enc ekl auth akl <<<"$s"
  seed=$((seed + 1))
  sa=(--spi "0x$(printf '%x' $((0x1000 + seed)))" --enc "$enc")
  [ "$ekl" -gt 0 ] && sa+=(--enc-key "$(hexkey "$ekl" "$seed")")
  [ "$auth" != none ] && sa+=(--auth "$auth" --auth-key "0x$(hexkey "$akl" $((seed + 50)))")
  for variant in plain esn udp esn-udp v6 v6-esn-udp; do
    extra=()
    src=192.0.2.1 dst=192.0.2.2
    case $variant in *esn*) extra+=(--esn) ;; esac
    case $variant in *udp*) extra+=(--udp-encap) ;; esac
    case $variant in v6*) src=2001:db8::1 dst=2001:db8::2 ;; esac
    name="$enc-$auth-$variant"
    esp=$WORK/$name.esp.pcap
    back=$WORK/$name.back.pcap
    if [ "$enc" = des ] || [ "$enc" = null ]; then
      # DES needs OpenSSL's legacy provider and null encryption may be refused outside test
      # builds: an install error is a clean exit 2; anything else must round-trip.
      "$TOOL" esp encrypt "${sa[@]}" "${extra[@]}" --src $src --dst $dst "$INNER" "$esp" \
        >"$WORK/out" 2>"$WORK/err"
      rc=$?
      if [ $rc = 2 ] && grep -q "cannot install the SA" "$WORK/err"; then
        echo "note: $name: $(cat "$WORK/err")"
        continue
      fi
      [ $rc = 0 ] || { fail "$name: encrypt exit $rc"; cat "$WORK/err"; continue; }
    else
      expect 0 "$name encrypt" -- "$TOOL" esp encrypt "${sa[@]}" "${extra[@]}" \
        --src $src --dst $dst "$INNER" "$esp" || continue
      grep_in out "encrypted 6 of 6 packets; dropped 0" "$name encrypt"
    fi
    # Decrypt with the endpoints given, and (for IPv6) taken from the first packet.
    addr=(--src $src --dst $dst)
    case $variant in v6*) addr=() ;; esac
    expect 0 "$name decrypt" -- "$TOOL" esp decrypt "${sa[@]}" "${extra[@]}" "${addr[@]}" \
      "$esp" "$back" || continue
    grep_in out "decrypted 6 of 6 packets; dropped 0" "$name decrypt"
    cmp -s "$INNER" "$back" || fail "$name: round trip differs from the input"
    # The ESP packets must differ from the plaintext and be larger.
    [ "$(stat -c %s "$esp")" -gt "$(stat -c %s "$INNER")" ] || fail "$name: ESP not larger"
  done
done

# ---- exit status 1: drops --------------------------------------------------------------
K16=$(hexkey 20 1)
GCM=(--spi 0x2000 --enc aes128gcm16 --enc-key "$K16")
expect 0 "gcm encrypt" -- "$TOOL" esp encrypt "${GCM[@]}" --src 192.0.2.1 --dst 192.0.2.2 \
  "$INNER2" "$WORK/g.esp.pcap"
# Tamper with the last byte of the file (the ICV of the last packet).
cp "$WORK/g.esp.pcap" "$WORK/bad.esp.pcap"
size=$(stat -c %s "$WORK/bad.esp.pcap")
b=$(od -An -tu1 -j $((size - 1)) -N1 "$WORK/bad.esp.pcap" | tr -d ' ')
printf "\\$(printf %03o $((b ^ 1)))" |
  dd of="$WORK/bad.esp.pcap" bs=1 seek=$((size - 1)) conv=notrunc status=none
expect 1 "tampered ICV" -- "$TOOL" esp decrypt "${GCM[@]}" "$WORK/bad.esp.pcap" "$WORK/o.pcap"
grep_in out "packet 6: dropped: bad-icv" "tampered ICV"
grep_in out "decrypted 5 of 6 packets; dropped 1" "tampered ICV summary"
grep_in out "bad-icv *1" "tampered ICV summary by reason"
# Duplicate the first record: a replay.
len=$(od -An -tu4 -j 32 -N4 "$WORK/g.esp.pcap" | tr -d ' ')
{
  head -c $((24 + 16 + len)) "$WORK/g.esp.pcap"
  tail -c +25 "$WORK/g.esp.pcap" | head -c $((16 + len))
  tail -c +$((24 + 16 + len + 1)) "$WORK/g.esp.pcap"
} >"$WORK/dup.esp.pcap"
expect 1 "replayed packet" -- "$TOOL" esp decrypt "${GCM[@]}" "$WORK/dup.esp.pcap" "$WORK/o.pcap"
grep_in out "packet 2: dropped: replayed" "replayed packet"
grep_in out "decrypted 6 of 7 packets; dropped 1" "replay summary"
expect 0 "replay window 0 accepts the duplicate" -- "$TOOL" esp decrypt "${GCM[@]}" \
  --replay-window 0 "$WORK/dup.esp.pcap" "$WORK/o.pcap"
# One packet per data plane call gives the same result.
expect 1 "replayed packet, burst 1" -- "$TOOL" esp decrypt "${GCM[@]}" --burst 1 \
  "$WORK/dup.esp.pcap" "$WORK/o.pcap"
grep_in out "packet 2: dropped: replayed" "replayed packet, burst 1"
expect 0 "burst 2" -- "$TOOL" esp decrypt "${GCM[@]}" --burst 2 "$WORK/g.esp.pcap" "$WORK/o.pcap"
cmp -s "$WORK/o.pcap" "$INNER2" || fail "burst 2: output differs from the input"
# Wrong SPI: every packet unknown.
expect 1 "wrong SPI" -- "$TOOL" esp decrypt --spi 0x2001 --enc aes128gcm16 --enc-key "$K16" \
  "$WORK/g.esp.pcap" "$WORK/o.pcap"
grep_in out "packet 1: dropped: unknown-spi" "wrong SPI"
# Wrong key: every ICV fails.
expect 1 "wrong key" -- "$TOOL" esp decrypt --spi 0x2000 --enc aes128gcm16 \
  --enc-key "$(hexkey 20 2)" "$WORK/g.esp.pcap" "$WORK/o.pcap"
grep_in out "bad-icv *6" "wrong key"
# Plain IP packets given to decrypt are not ESP.
expect 1 "not ESP" -- "$TOOL" esp decrypt "${GCM[@]}" "$INNER2" "$WORK/o.pcap"

# ---- exit status 2: bad usage and bad input --------------------------------------------
OK=(--spi 0x2000 --enc aes128gcm16 --enc-key "$K16" --src 192.0.2.1 --dst 192.0.2.2)
expect 2 "unknown verb" -- "$TOOL" esp frobnicate && grep_in err "decrypt' or 'encrypt" "verb"
expect 2 "unknown option" -- "$TOOL" esp encrypt "${OK[@]}" --bogus "$INNER" "$WORK/o.pcap" &&
  grep_in err "unknown option '--bogus'" "unknown option"
expect 2 "missing value" -- "$TOOL" esp encrypt "${OK[@]}" "$INNER" "$WORK/o.pcap" --spi &&
  grep_in err "needs a value" "missing value"
expect 2 "option twice" -- "$TOOL" esp encrypt "${OK[@]}" --esn --esn "$INNER" "$WORK/o.pcap"
expect 2 "switch with value" -- "$TOOL" esp encrypt "${OK[@]}" --esn=1 "$INNER" "$WORK/o.pcap"
expect 2 "bad hex" -- "$TOOL" esp encrypt --spi 0x2000 --enc aes128gcm16 --enc-key 0xzz12 \
  --src 192.0.2.1 --dst 192.0.2.2 "$INNER" "$WORK/o.pcap" && grep_in err "enc-key" "bad hex"
expect 2 "odd hex" -- "$TOOL" esp encrypt --spi 0x2000 --enc aes128gcm16 --enc-key 0x123 \
  --src 192.0.2.1 --dst 192.0.2.2 "$INNER" "$WORK/o.pcap"
expect 2 "wrong key length" -- "$TOOL" esp encrypt --spi 0x2000 --enc aes128gcm16 \
  --enc-key "$(hexkey 16 1)" --src 192.0.2.1 --dst 192.0.2.2 "$INNER" "$WORK/o.pcap" &&
  grep_in err "cannot install the SA" "wrong key length"
expect 2 "wrong auth key length" -- "$TOOL" esp encrypt --spi 0x2000 --enc aes128 \
  --enc-key "$(hexkey 16 1)" --auth sha256 --auth-key "$(hexkey 20 1)" --src 192.0.2.1 \
  --dst 192.0.2.2 "$INNER" "$WORK/o.pcap"
expect 2 "unknown enc" -- "$TOOL" esp encrypt --spi 0x2000 --enc aes512 --enc-key 00 \
  --src 192.0.2.1 --dst 192.0.2.2 "$INNER" "$WORK/o.pcap" && grep_in err "aes512" "unknown enc"
expect 2 "CBC without integrity" -- "$TOOL" esp encrypt --spi 0x2000 --enc aes128 \
  --enc-key "$(hexkey 16 1)" --src 192.0.2.1 --dst 192.0.2.2 "$INNER" "$WORK/o.pcap" &&
  grep_in err "cannot install the SA" "CBC without integrity"
expect 2 "unknown auth" -- "$TOOL" esp encrypt --spi 0x2000 --enc aes128 --enc-key 00 \
  --auth sha3 --auth-key 00 --src 192.0.2.1 --dst 192.0.2.2 "$INNER" "$WORK/o.pcap"
expect 2 "auth without key" -- "$TOOL" esp encrypt --spi 0x2000 --enc aes128 \
  --enc-key "$(hexkey 16 1)" --auth sha1 --src 192.0.2.1 --dst 192.0.2.2 "$INNER" "$WORK/o.pcap"
expect 2 "missing --spi" -- "$TOOL" esp encrypt --enc aes128gcm16 --enc-key "$K16" \
  --src 192.0.2.1 --dst 192.0.2.2 "$INNER" "$WORK/o.pcap"
expect 2 "bad SPI" -- "$TOOL" esp encrypt --spi 0x1ffffffff --enc aes128gcm16 \
  --enc-key "$K16" --src 192.0.2.1 --dst 192.0.2.2 "$INNER" "$WORK/o.pcap"
expect 2 "reserved SPI" -- "$TOOL" esp encrypt --spi 7 --enc aes128gcm16 \
  --enc-key "$K16" --src 192.0.2.1 --dst 192.0.2.2 "$INNER" "$WORK/o.pcap"
expect 2 "encrypt without endpoints" -- "$TOOL" esp encrypt --spi 0x2000 --enc aes128gcm16 \
  --enc-key "$K16" "$INNER" "$WORK/o.pcap" && grep_in err "--src and --dst" "endpoints"
expect 2 "only --src" -- "$TOOL" esp decrypt "${GCM[@]}" --src 192.0.2.1 "$INNER" "$WORK/o.pcap"
expect 2 "bad address" -- "$TOOL" esp encrypt "${GCM[@]}" --src 192.0.2.300 --dst 192.0.2.2 \
  "$INNER" "$WORK/o.pcap"
expect 2 "mixed families" -- "$TOOL" esp encrypt "${GCM[@]}" --src 192.0.2.1 --dst 2001:db8::2 \
  "$INNER" "$WORK/o.pcap"
expect 2 "one file" -- "$TOOL" esp encrypt "${OK[@]}" "$INNER"
expect 2 "three files" -- "$TOOL" esp encrypt "${OK[@]}" "$INNER" "$WORK/o.pcap" "$WORK/p.pcap"
expect 2 "bad replay window" -- "$TOOL" esp decrypt "${GCM[@]}" --replay-window x \
  "$WORK/g.esp.pcap" "$WORK/o.pcap"
expect 2 "burst 0" -- "$TOOL" esp decrypt "${GCM[@]}" --burst 0 "$WORK/g.esp.pcap" "$WORK/o.pcap"
expect 2 "burst 65" -- "$TOOL" esp decrypt "${GCM[@]}" --burst 65 "$WORK/g.esp.pcap" "$WORK/o.pcap"
expect 2 "first-seq 0" -- "$TOOL" esp encrypt "${OK[@]}" --first-seq 0 "$INNER" "$WORK/o.pcap"
expect 2 "first-seq beyond 32 bits without ESN" -- "$TOOL" esp encrypt "${OK[@]}" \
  --first-seq 0x100000000 "$INNER" "$WORK/o.pcap"
expect 2 "missing input" -- "$TOOL" esp encrypt "${OK[@]}" "$WORK/nope.pcap" "$WORK/o.pcap" &&
  grep_in err "nope.pcap" "missing input"
expect 2 "unwritable output" -- "$TOOL" esp encrypt "${OK[@]}" "$INNER" "$WORK/no/dir/o.pcap"
printf 'this is a text file, not a pcap capture.\n' >"$WORK/text.pcap"
expect 2 "not a pcap" -- "$TOOL" esp decrypt "${GCM[@]}" "$WORK/text.pcap" "$WORK/o.pcap" &&
  grep_in err "unknown magic" "not a pcap"
head -c 100 "$WORK/g.esp.pcap" >"$WORK/trunc.pcap"
expect 2 "truncated pcap" -- "$TOOL" esp decrypt "${GCM[@]}" "$WORK/trunc.pcap" "$WORK/o.pcap" &&
  grep_in err "record 1: truncated record" "truncated pcap"

# ---- --export-keys: the SA as a row of Wireshark's esp_sa table -----------------------------
# enc:keybytes:auth:authkeybytes:family:udp, the expected algorithm names of the row.
EXPORTS="
aes128:16:sha256:32:4:no:AES-CBC [RFC3602]:HMAC-SHA-256-128 [RFC4868]
3des:24:sha1:20:4:udp:TripleDES-CBC [RFC2451]:HMAC-SHA-1-96 [RFC2404]
aes256:32:sha512:64:6:no:AES-CBC [RFC3602]:HMAC-SHA-512-256 [RFC4868]
aes256gcm16:36:none:0:6:udp:AES-GCM with 16 octet ICV [RFC4106]:NULL
aes128gcm8:20:none:0:4:no:AES-GCM with 8 octet ICV [RFC4106]:NULL
"
HAVE_TSHARK=0
command -v tshark >/dev/null && HAVE_TSHARK=1
[ "$HAVE_TSHARK" = 1 ] || echo "note: no tshark: --export-keys rows checked, not decrypted"
seed=200
while IFS=: read -r enc ekl auth akl fam udp wenc wauth; do
  [ -n "$enc" ] || continue
  seed=$((seed + 1))
  name=export-$enc-$auth-$fam-$udp
  keys=$WORK/keys-$name
  ekey=$(hexkey "$ekl" "$seed")
  akey=""
  spi=$(printf '0x%08x' $((0x5000 + seed)))
  sa=(--spi "$spi" --enc "$enc" --enc-key "$ekey")
  [ "$auth" != none ] && akey=$(hexkey "$akl" $((seed + 50))) && sa+=(--auth "$auth" --auth-key "$akey")
  src=192.0.2.1 dst=192.0.2.2 proto=IPv4
  [ "$fam" = 6 ] && src=2001:db8::1 dst=2001:db8::2 proto=IPv6
  extra=()
  [ "$udp" = udp ] && extra=(--udp-encap)
  expect 0 "$name encrypt" -- "$TOOL" esp encrypt "${sa[@]}" "${extra[@]}" --src $src --dst $dst \
    --export-keys "$keys" "$INNER" "$WORK/$name.esp.pcap" || continue
  want="\"$proto\",\"$src\",\"$dst\",\"$spi\",\"$wenc\",\"0x$ekey\",\"$wauth\",\"0x$akey\""
  rows=$(grep -v '^#' "$keys/esp_sa")
  [ "$rows" = "$want" ] || fail "$name: esp_sa row is
    $rows
  expected
    $want"
  [ "$(stat -c %a "$keys/esp_sa")" = 600 ] || fail "$name: esp_sa mode $(stat -c %a "$keys/esp_sa")"
  [ "$(stat -c %a "$keys")" = 700 ] || fail "$name: directory mode $(stat -c %a "$keys")"
  # decrypt exports the same SA (the peer's packets, src -> dst): appended, same row.
  expect 0 "$name decrypt" -- "$TOOL" esp decrypt "${sa[@]}" "${extra[@]}" --src $src \
    --dst $dst --export-keys "$keys" "$WORK/$name.esp.pcap" "$WORK/$name.back.pcap" || continue
  [ "$(grep -v '^#' "$keys/esp_sa" | sort -u)" = "$want" ] &&
    [ "$(grep -vc '^#' "$keys/esp_sa")" = 2 ] || fail "$name: decrypt's row differs or is missing"
  if [ "$HAVE_TSHARK" = 1 ]; then
    # Each of the 6 inner packets (IPv4 and IPv6) shows up only once ESP is decrypted: a
    # second IP layer (without the table: none, checked too).
    inner="esp && (count(ip) == 2 || count(ipv6) == 2 || (ip && ipv6))"
    n=$(WIRESHARK_CONFIG_DIR=$keys tshark -r "$WORK/$name.esp.pcap" \
      -o esp.enable_encryption_decode:TRUE -Y "$inner" 2>"$WORK/err" | wc -l)
    n0=$(WIRESHARK_CONFIG_DIR=$WORK/no-keys tshark -r "$WORK/$name.esp.pcap" \
      -o esp.enable_encryption_decode:TRUE -Y "$inner" 2>/dev/null | wc -l)
    [ "$n0" = 0 ] || fail "$name: tshark found $n0 inner packets without the keys"
    N=$((N + 1))
    [ "$n" = 6 ] || { fail "$name: tshark decrypted $n of 6 packets"; cat "$WORK/err"; }
  fi
done <<<"$EXPORTS"
expect 2 "--export-keys without a value" -- "$TOOL" esp encrypt "${OK[@]}" --export-keys= \
  "$INNER" "$WORK/o.pcap" && grep_in err "export-keys needs a directory" "--export-keys="
expect 2 "--export-keys with ChaCha20-Poly1305" -- "$TOOL" esp encrypt --spi 0x2000 \
  --enc chacha20poly1305 --enc-key "$(hexkey 36 9)" --src 192.0.2.1 --dst 192.0.2.2 \
  --export-keys "$WORK/keys-chacha" "$INNER" "$WORK/o.pcap" &&
  grep_in err "Wireshark 4.0 cannot decrypt ESP with chacha20poly1305" "chacha export"
grep -q '^# SPI 0x00002000 192.0.2.1 -> 192.0.2.2 not exported' "$WORK/keys-chacha/esp_sa" ||
  fail "no comment row for the ChaCha20-Poly1305 SA"
printf 'x' >"$WORK/not-a-dir"
expect 2 "--export-keys on a file" -- "$TOOL" esp encrypt "${OK[@]}" \
  --export-keys "$WORK/not-a-dir" "$INNER" "$WORK/o.pcap" && grep_in err "not a directory" "file"

echo "$N checks, $FAILS failed"
[ "$FAILS" = 0 ]
