#!/usr/bin/env bash
# tests/interop/strongswan/make_certs.sh OUTDIR
#
# Makes, with strongSwan's `pki` tool (Debian strongswan-pki), the certificates of the
# certificate-authentication interop tests: two roots, an intermediate, end-entity
# certificates for both peers of lib.sh (tunnelisa "tl" at 192.0.2.1, strongSwan "ss" at
# 192.0.2.2), a revoked one, and a CRL per CA. Offline, no network; OUTDIR is emptied of the
# files below and written again on each run (new keys every time; serials are fixed). Files
# are in the encodings strongSwan writes by default (DER) except where PEM is named, so an
# importer sees both. Keys: RSA as PKCS#1, ECDSA as SEC 1 ("EC PRIVATE KEY"), i.e. the
# traditional forms, not PKCS#8.
#
#   file                          what                                  issuer          serial
#   ca-rsa.key  ca-rsa.crt        RSA 3072 root CA                      self            01
#     DN "C=US, O=tunnelisa interop, CN=RSA Root CA"
#   ca-ecdsa.key.pem ca-ecdsa.crt.pem  ECDSA P-384 root CA              self            02
#     DN "C=US, O=tunnelisa interop, CN=ECDSA Root CA"
#   int-rsa.key int-rsa.crt       RSA 2048 intermediate CA              ca-rsa          03
#     DN "C=US, O=tunnelisa interop, CN=RSA Intermediate CA"
#   tl-rsa.key  tl-rsa.crt        RSA 2048 end entity, tunnelisa        ca-rsa          10
#   ss-rsa.key  ss-rsa.crt        RSA 2048 end entity, strongSwan       ca-rsa          11
#   tl-ecdsa.key.pem tl-ecdsa.crt.pem  ECDSA P-256, tunnelisa           ca-ecdsa        20
#   ss-ecdsa.key.pem ss-ecdsa.crt.pem  ECDSA P-256, strongSwan          ca-ecdsa        21
#   tl-chain.key tl-chain.crt     RSA 2048, tunnelisa, via the intermediate   int-rsa   30
#   ss-chain.key ss-chain.crt     RSA 2048, strongSwan, via the intermediate  int-rsa   31
#   ss-revoked.key ss-revoked.crt RSA 2048, strongSwan, revoked         ca-rsa          66
#   ca-rsa.crl                    CRLv2 of ca-rsa: revokes serial 66 (key-compromise)
#   ca-ecdsa.crl.pem              CRLv2 of ca-ecdsa: empty
#   int-rsa.crl                   CRLv2 of int-rsa: empty
#
# End entities: DN "C=US, O=tunnelisa interop, CN=<tl|ss>.example.com" (the revoked one
# "CN=ss-revoked.example.com"), subjectAltNames DNS:<tl|ss>.example.com, IP 192.0.2.<1|2> and
# email <tl|ss>@example.com, extendedKeyUsage serverAuth + clientAuth, and no keyUsage
# (strongSwan adds none to end entities: every usage allowed, RFC 5280); CAs get
# basicConstraints cA and keyUsage keyCertSign + cRLSign. Certificates are valid from now for
# 30 days (CAs 365 days); CRLs for 15 days.
#
# Exit 0 when every file was made; 1 (with pki's output) otherwise; 77 (skipped) when pki is
# not installed, unless TUNNELISA_INTEROP_REQUIRED=1 makes that a failure.
set -euo pipefail

OUT=${1:?usage: make_certs.sh OUTDIR}
PKI=${PKI:-pki}
if ! command -v "$PKI" >/dev/null; then
  if [ "${TUNNELISA_INTEROP_REQUIRED:-0}" = 1 ]; then
    echo "FAIL: needs strongSwan's pki tool (Debian strongswan-pki; scripts/deps.sh)" >&2
    exit 1
  fi
  echo "SKIP: needs strongSwan's pki tool (Debian strongswan-pki; scripts/deps.sh)"
  exit 77
fi
mkdir -p "$OUT"
cd "$OUT"
LOG=$PWD/make_certs.log
: >"$LOG"
O="C=US, O=tunnelisa interop"

# run ARGS...: pki with its chatter (plugin loading) in the log; the log on failure.
run() {
  if ! "$PKI" "$@" 2>>"$LOG"; then
    echo "FAIL: pki $*" >&2
    grep -v -e "TPM 2.0" -e "plugin 'tpm'" "$LOG" | tail -n 20 >&2
    exit 1
  fi
}

rm -f ca-rsa.* ca-ecdsa.* int-rsa.* tl-*.* ss-*.*

# Roots and the intermediate.
run --gen --type rsa --size 3072 >ca-rsa.key
run --self --in ca-rsa.key --type rsa --dn "$O, CN=RSA Root CA" --ca --lifetime 365 \
  --serial 01 >ca-rsa.crt
run --gen --type ecdsa --size 384 --outform pem >ca-ecdsa.key.pem
run --self --in ca-ecdsa.key.pem --type ecdsa --dn "$O, CN=ECDSA Root CA" --ca --lifetime 365 \
  --serial 02 --outform pem >ca-ecdsa.crt.pem
run --gen --type rsa --size 2048 >int-rsa.key
run --pub --in int-rsa.key --type rsa >int-rsa.pub
run --issue --in int-rsa.pub --cacert ca-rsa.crt --cakey ca-rsa.key \
  --dn "$O, CN=RSA Intermediate CA" --ca --lifetime 365 --serial 03 >int-rsa.crt
rm -f int-rsa.pub

# end_entity NAME HOST OCTET TYPE CA SERIAL OUTFORM: NAME.key / NAME.crt (".pem" added to both
# for OUTFORM pem), HOST.example.com at 192.0.2.OCTET, issued by CA.
end_entity() {
  local name=$1 host=$2 octet=$3 type=$4 ca=$5 serial=$6 form=$7
  local sfx="" cacert=$ca.crt cakey=$ca.key
  [ "$form" = pem ] && sfx=.pem
  [ -e "$cacert" ] || cacert=$ca.crt.pem
  [ -e "$cakey" ] || cakey=$ca.key.pem
  if [ "$type" = rsa ]; then
    run --gen --type rsa --size 2048 --outform "$form" >"$name.key$sfx"
  else
    run --gen --type ecdsa --size 256 --outform "$form" >"$name.key$sfx"
  fi
  run --pub --in "$name.key$sfx" --type "$type" >"$name.pub"
  run --issue --in "$name.pub" --cacert "$cacert" --cakey "$cakey" \
    --dn "$O, CN=$host.example.com" --san "$host.example.com" --san "192.0.2.$octet" \
    --san "$host@example.com" --flag serverAuth --flag clientAuth --lifetime 30 \
    --serial "$serial" --outform "$form" >"$name.crt$sfx"
  rm -f "$name.pub"
}
end_entity tl-rsa tl 1 rsa ca-rsa 10 der
end_entity ss-rsa ss 2 rsa ca-rsa 11 der
end_entity tl-ecdsa tl 1 ecdsa ca-ecdsa 20 pem
end_entity ss-ecdsa ss 2 ecdsa ca-ecdsa 21 pem
end_entity tl-chain tl 1 rsa int-rsa 30 der
end_entity ss-chain ss 2 rsa int-rsa 31 der
end_entity ss-revoked ss-revoked 2 rsa ca-rsa 66 der

# CRLs: one per CA, ca-rsa's revoking ss-revoked.
run --signcrl --cacert ca-rsa.crt --cakey ca-rsa.key --reason key-compromise \
  --cert ss-revoked.crt >ca-rsa.crl
run --signcrl --cacert ca-ecdsa.crt.pem --cakey ca-ecdsa.key.pem --outform pem >ca-ecdsa.crl.pem
run --signcrl --cacert int-rsa.crt --cakey int-rsa.key >int-rsa.crl
chmod 600 ./*.key ./*.key.pem
made=(./*.crt ./*.crt.pem ./*.crl ./*.crl.pem)
echo "make_certs: ${#made[@]} certificates and CRLs in $PWD"
