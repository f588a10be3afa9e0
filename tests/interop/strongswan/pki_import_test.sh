#!/usr/bin/env bash
# tests/interop/strongswan/pki_import_test.sh TUNNELISA WORKDIR
#
# strongSwan's `pki` tool and `tunnelisa pki`, both ways, offline (no namespaces, no charon):
#  1. make_certs.sh makes two roots (RSA, ECDSA), an intermediate, RSA / ECDSA / chained end
#     entities and a CRL revoking one of them; `tunnelisa pki import` takes them all as
#     strongSwan wrote them (certificates DER and PEM, keys PKCS#1 / SEC 1 in DER and PEM,
#     CRLs DER and PEM);
#  2. `tunnelisa pki display` agrees with `pki --print`: subject, issuer, serial, alt names,
#     the CRL's revoked serial, and each key's SPKI SHA-1 with `pki --keyid` (and with its
#     certificate's);
#  3. strongSwan reads tunnelisa's exports: `pki --print` of exported certificates and CRLs,
#     `pki --keyid` of an exported plain key, and `pki --verify` of exported certificates
#     against exported CAs and CRL (the chain is trusted, the revoked one is refused);
#  4. enrollment with strongSwan as the CA: `tunnelisa pki gen-keypair` + `gen-local-cert-req`,
#     `pki --issue --type pkcs10`, `tunnelisa pki import`, and the key and the certificate go
#     together (`export ... format pkcs12 cert`), for RSA, ECDSA and Ed25519.
# Exits 77 (skipped) without strongSwan's pki tool, or 1 with TUNNELISA_INTEROP_REQUIRED=1.
set -uo pipefail

TL=${1:?usage: pki_import_test.sh TUNNELISA WORKDIR}
WORK=${2:?usage: pki_import_test.sh TUNNELISA WORKDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
export PKI=${PKI:-pki}  # strongSwan's tool (make_certs.sh uses it too)
TL=$(cd "$(dirname "$TL")" && pwd)/$(basename "$TL")
rm -rf "$WORK" && mkdir -p "$WORK" || exit 2
WORK=$(cd "$WORK" && pwd)
C=$WORK/certs  # strongSwan's files
DIR=$WORK/pki  # tunnelisa's PKI directory
X=$WORK/export # tunnelisa's exports
mkdir -p "$X"
FAILS=0
N=0

bash "$HERE/make_certs.sh" "$C"
rc=$?
[ $rc -eq 0 ] || exit $rc

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
# tl ARGS...: `tunnelisa pki` over the test's directory; output in $WORK/o, $WORK/e.
tl() {
  N=$((N + 1))
  "$TL" pki --pki-dir "$DIR" "$@" >"$WORK/o" 2>"$WORK/e" && return 0
  fail "tunnelisa pki $*: exit $?"
  sed 's/^/    /' "$WORK/e" | head -10
  return 1
}
# ss ARGS...: strongSwan's pki, without its plugin-loading chatter.
ss() { "$PKI" "$@" 2>"$WORK/ss.err"; }
has() { # has PATTERN WHAT: PATTERN (fixed string) in tunnelisa's last stdout
  N=$((N + 1))
  grep -qF -- "$1" "$WORK/o" || {
    fail "$2: '$1' not in:"
    sed 's/^/    /' "$WORK/o" | head -20
  }
}
# field TEXT_FILE LABEL: the value after "LABEL" in a `pki --print` output, quotes dropped.
ss_field() { sed -n "s/^ *$2: *//p" "$1" | head -1 | tr -d '"'; }
ours() { sed -n "s/^ *$1: *//p" "$WORK/o" | head -1; }
# keyid FILE TYPE: strongSwan's SHA-1 of the SubjectPublicKeyInfo, as tunnelisa prints it.
keyid() {
  ss --keyid --in "$1" --type "$2" | sed -n '/^keyid/{n;p}' | tr -d ' ' | tr a-f A-F
}

# ---- 1. import everything as strongSwan wrote it ----------------------------------------
import() { # import TYPE FILE NAME FORMAT
  tl import type "$1" input "$C/$2" output "$3" format "$4"
}
import cert ca-rsa.crt ca-rsa.der der
import cert ca-ecdsa.crt.pem ca-ecdsa.der pem
import cert int-rsa.crt int-rsa.der der
import crl ca-rsa.crl ca-rsa.crl der && has "1 revoked" "ca-rsa.crl import"
import crl ca-ecdsa.crl.pem ca-ecdsa.crl pem && has "0 revoked" "ca-ecdsa.crl import"
import crl int-rsa.crl int-rsa.crl der
for p in tl ss; do
  import cert "$p-rsa.crt" "$p-rsa.der" der
  import key "$p-rsa.key" "$p-rsa.key" der && has "rsa 2048 bits" "$p-rsa.key import"
  import cert "$p-ecdsa.crt.pem" "$p-ecdsa.der" pem
  import key "$p-ecdsa.key.pem" "$p-ecdsa.key" pem && has "ecdsa-p256 256 bits" "$p-ecdsa key"
  import cert "$p-chain.crt" "$p-chain.der" der
  import key "$p-chain.key" "$p-chain.key" der
done
import cert ss-revoked.crt ss-revoked.der der
import key ss-revoked.key ss-revoked.key der
import key ca-ecdsa.key.pem ca-ecdsa.key pem && has "ecdsa-p384 384 bits" "ca-ecdsa key"
if tl list; then
  for row in "ca-rsa.der +cert +C=US, O=tunnelisa interop, CN=RSA Root CA \(CA\)" \
    "ca-rsa.crl +crl +issuer C=US, O=tunnelisa interop, CN=RSA Root CA, 1 revoked" \
    "tl-ecdsa.key +key +ecdsa-p256 256 bits" "ss-chain.der +cert +C=US, O=tunnelisa interop, CN=ss.example.com"; do
    N=$((N + 1))
    grep -qE "^$row\$" "$WORK/o" || fail "list: no row '$row'"
  done
  [ "$(grep -c . "$WORK/o")" = 23 ] || fail "list: not 21 files: $(cat "$WORK/o")"
fi

# ---- 2. tunnelisa's display agrees with strongSwan's print ------------------------------
# check_cert FILE(strongSwan's) STORED_NAME: subject, issuer, serial, alt names, CA flag.
check_cert() {
  local file=$1 name=$2
  ss --print --type x509 --in "$C/$file" >"$WORK/ss.print" || { fail "pki --print $file"; return; }
  tl display type cert input "$name" --stored || return
  local what
  for what in subject issuer; do
    local want got
    want=$(ss_field "$WORK/ss.print" "$what")
    got=$(ours "${what^}")
    [ "$want" = "$got" ] || fail "$name $what: tunnelisa '$got', strongSwan '$want'"
  done
  local serial
  serial=$(ss_field "$WORK/ss.print" serial | tr a-f A-F)
  [ "$(ours Serial)" = "$serial" ] || fail "$name serial: tunnelisa '$(ours Serial)', strongSwan '$serial'"
  # strongSwan lists alt names as "a, b, c"; ours are typed ("DNS:a, IP:b, email:c").
  local alt
  alt=$(ss_field "$WORK/ss.print" altNames)
  if [ -n "$alt" ]; then
    local ours_alt
    ours_alt=$(ours "Alt names" | sed 's/\(DNS\|IP\|email\)://g')
    local a
    IFS=', ' read -r -a names <<<"$alt"
    for a in "${names[@]}"; do
      [[ ", $ours_alt," == *", $a,"* ]] || fail "$name: alt name $a missing from '$ours_alt'"
    done
  fi
  case $name in
    ca-* | int-*) has "CA:         yes" "$name is a CA" ;;
    *) has "CA:         no" "$name is no CA" ;;
  esac
}
check_cert ca-rsa.crt ca-rsa.der
check_cert ca-ecdsa.crt.pem ca-ecdsa.der
check_cert int-rsa.crt int-rsa.der
for p in tl ss; do
  check_cert "$p-rsa.crt" "$p-rsa.der"
  check_cert "$p-ecdsa.crt.pem" "$p-ecdsa.der"
  check_cert "$p-chain.crt" "$p-chain.der"
done
check_cert ss-revoked.crt ss-revoked.der
tl display type cert input ss-rsa.der --stored &&
  has "Alt names:  DNS:ss.example.com, IP:192.0.2.2, email:ss@example.com" "ss-rsa SANs" &&
  has "Key:        rsa 2048 bits" "ss-rsa key" &&
  has "Issuer:     C=US, O=tunnelisa interop, CN=RSA Root CA" "ss-rsa issuer"
tl display type cert input tl-chain.der --stored &&
  has "Issuer:     C=US, O=tunnelisa interop, CN=RSA Intermediate CA" "chain issuer"
tl display type cert input ca-ecdsa.der --stored && has "ecdsa-p384 384 bits" "ECDSA CA key" &&
  has "Key usage:  keyCertSign, cRLSign" "CA key usage"
# The CRL: issuer, version 2, the revoked serial (read from the file as strongSwan wrote it).
tl display type crl input "$C/ca-rsa.crl" format der &&
  has "CRL (v2)" "crl version" &&
  has "Issuer:      C=US, O=tunnelisa interop, CN=RSA Root CA" "crl issuer" &&
  has "Revoked:     1 certificate(s)" "crl count" && has "Serial 66" "crl revoked serial"
ss --print --type crl --in "$C/ca-rsa.crl" | grep -q "^ *66:" || fail "strongSwan: serial 66 not revoked"
tl display type crl input "$C/ca-ecdsa.crl.pem" format pem &&
  has "Revoked:     0 certificate(s)" "empty crl" &&
  has "Issuer:      C=US, O=tunnelisa interop, CN=ECDSA Root CA" "ecdsa crl issuer"
# Keys: SPKI SHA-1 = strongSwan's keyid of the key file and of the certificate.
check_key() { # check_key KEYFILE TYPE STORED_KEY CERTFILE
  local want cert_id
  want=$(keyid "$C/$1" "$2")
  cert_id=$(keyid "$C/$4" x509)
  [ -n "$want" ] || { fail "pki --keyid $1"; return; }
  [ "$want" = "$cert_id" ] || fail "strongSwan: $1 is not the key of $4"
  tl display type key input "$3" --stored && has "SPKI SHA-1: $want" "$3 keyid"
  tl display type key input "$C/$1" format "$([[ $1 == *.pem ]] && echo pem || echo der)" &&
    has "SPKI SHA-1: $want" "$1 keyid (file)"
}
for p in tl ss; do
  check_key "$p-rsa.key" rsa "$p-rsa.key" "$p-rsa.crt"
  check_key "$p-ecdsa.key.pem" ecdsa "$p-ecdsa.key" "$p-ecdsa.crt.pem"
  check_key "$p-chain.key" rsa "$p-chain.key" "$p-chain.crt"
done
# Keys and certificates go together (a PKCS#12 export checks it), and not crosswise.
for p in tl-rsa tl-ecdsa tl-chain ss-rsa ss-revoked; do
  tl export type key input "$p.key" output "$X/$p.p12" format pkcs12 cert "$p.der" password pw
done
N=$((N + 1))
if "$TL" pki --pki-dir "$DIR" export type key input tl-rsa.key output "$X/bad.p12" \
  format pkcs12 cert ss-rsa.der password pw >/dev/null 2>"$WORK/e"; then
  fail "tl-rsa.key exported with ss-rsa's certificate"
else
  grep -qF "is not for key" "$WORK/e" || fail "crosswise pkcs12: $(cat "$WORK/e")"
fi

# ---- 3. strongSwan reads tunnelisa's exports --------------------------------------------
tl export type cert input ca-rsa.der output "$X/ca-rsa.pem" format pem
tl export type cert input int-rsa.der output "$X/int-rsa.der" format der
tl export type cert input ss-rsa.der output "$X/ss-rsa.der" format der
tl export type cert input ss-revoked.der output "$X/ss-revoked.pem" format pem
tl export type cert input tl-chain.der output "$X/tl-chain.pem" format pem
tl export type crl input ca-rsa.crl output "$X/ca-rsa.crl.pem" format pem
tl export type crl input ca-ecdsa.crl output "$X/ca-ecdsa.crl" format der
tl export type key input tl-ecdsa.key output "$X/tl-ecdsa.key" format der
ss --print --in "$X/ss-revoked.pem" >"$WORK/ss.print" || fail "pki --print ss-revoked.pem"
[ "$(ss_field "$WORK/ss.print" subject)" = "C=US, O=tunnelisa interop, CN=ss-revoked.example.com" ] ||
  fail "strongSwan can't read the exported PEM certificate"
ss --print --type crl --in "$X/ca-rsa.crl.pem" | grep -q "^ *66:" ||
  fail "strongSwan: the exported CRL does not revoke serial 66"
ss --print --type crl --in "$X/ca-ecdsa.crl" | grep -q "ECDSA Root CA" ||
  fail "strongSwan can't read the exported DER CRL"
[ "$(keyid "$X/tl-ecdsa.key" priv)" = "$(keyid "$C/tl-ecdsa.crt.pem" x509)" ] ||
  fail "strongSwan: the exported tl-ecdsa key is not the certificate's"
N=$((N + 4))
ss --verify --in "$X/ss-rsa.der" --cacert "$X/ca-rsa.pem" --crl "$X/ca-rsa.crl.pem" >"$WORK/v" ||
  fail "strongSwan does not trust the exported ss-rsa: $(cat "$WORK/v")"
grep -q "certificate not revoked" "$WORK/v" || fail "strongSwan did not check the exported CRL"
"$PKI" --verify --debug 2 --in "$X/ss-revoked.pem" --cacert "$X/ca-rsa.pem" \
  --crl "$X/ca-rsa.crl.pem" >"$WORK/v" 2>&1 && fail "strongSwan trusts the revoked certificate"
grep -q "certificate was revoked" "$WORK/v" || fail "strongSwan: no revocation from the exported CRL"
ss --verify --in "$X/tl-chain.pem" --cacert "$X/int-rsa.der" --cacert "$X/ca-rsa.pem" >"$WORK/v" ||
  fail "strongSwan does not trust the exported chain: $(cat "$WORK/v")"

# ---- 4. enrollment: tunnelisa's request, strongSwan's CA ---------------------------------
enroll() { # enroll KEYTYPE CA SERIAL
  local type=$1 ca=$2 serial=$3 name=enr-$1
  local cacert=$C/$ca.crt cakey=$C/$ca.key
  [ -e "$cacert" ] || cacert=$C/$ca.crt.pem
  [ -e "$cakey" ] || cakey=$C/$ca.key.pem
  tl gen-keypair "$name.key" type "$type" || return
  tl gen-local-cert-req keypair "$name.key" subject-dn "C=US,O=tunnelisa interop,CN=$name" \
    domain-name "$name.example.com" ip-addr 192.0.2.1 email "$name@example.com" \
    file "$X/$name.csr" || return
  N=$((N + 1))
  ss --issue --type pkcs10 --in "$X/$name.csr" --cacert "$cacert" --cakey "$cakey" \
    --serial "$serial" --lifetime 30 --outform pem >"$X/$name.crt.pem" ||
    { fail "strongSwan refuses tunnelisa's $type request: $(grep -v -i tpm "$WORK/ss.err")"; return; }
  tl import type cert input "$X/$name.crt.pem" output "$name.der" format pem || return
  tl display type cert input "$name.der" --stored &&
    has "Subject:    C=US, O=tunnelisa interop, CN=$name" "$name subject" &&
    has "DNS:$name.example.com" "$name DNS from the request" &&
    has "IP:192.0.2.1" "$name IP from the request" &&
    has "email:$name@example.com" "$name email from the request" &&
    has "Serial:     $serial" "$name serial"
  tl export type key input "$name.key" output "$X/$name.p12" format pkcs12 cert "$name.der" \
    password pw
}
enroll rsa ca-rsa 40
enroll ecdsa-p256 ca-ecdsa 41
enroll ed25519 ca-ecdsa 42

echo "$N checks, $FAILS failures"
[ "$FAILS" -eq 0 ]
