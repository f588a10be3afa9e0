#!/bin/bash
# Tests of `tunnelisa pki`: every verb's success path and its failures (exit 2 with a message
# naming the file or argument), and import -> export -> display round trips for every type and
# format pair the guide's "Import and Export" allows. Certificates, CRLs and foreign key files
# are made with the openssl command (a CA that signs tunnelisa's own certificate request), so
# the tool's exports are also read back by OpenSSL.
# Usage: pki_command_test.sh TUNNELISA_BINARY WORK_DIR
# Needs the openssl command (scripts/deps.sh installs it); skipped (exit 77) without it.
set -u
TOOL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=$2
command -v openssl >/dev/null || { echo "SKIP: no openssl command"; exit 77; }
rm -rf "$WORK" && mkdir -p "$WORK" || exit 2
WORK=$(cd "$WORK" && pwd)
cd "$WORK" || exit 2
DIR=$WORK/pki           # the PKI directory under test
IN=$WORK/in             # ordinary input files
OUT=$WORK/out           # ordinary output files
mkdir -p "$IN" "$OUT"
FAILS=0
N=0

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

# expect CODE DESCRIPTION -- CMD...: runs CMD, checks its exit status; output in $WORK/o,e.
expect() {
  local want=$1 what=$2
  shift 3
  N=$((N + 1))
  "$@" >"$WORK/o" 2>"$WORK/e"
  local got=$?
  if [ "$got" != "$want" ]; then
    fail "$what: exit $got, expected $want: $*"
    sed 's/^/    out: /' "$WORK/o" | head -20
    sed 's/^/    err: /' "$WORK/e" | head -20
    return 1
  fi
  return 0
}
# has o|e PATTERN DESCRIPTION: PATTERN (grep -F) in the last command's stdout / stderr.
has() {
  if ! grep -qF -- "$2" "$WORK/$1"; then
    fail "$3: '$2' not in std$([ "$1" = o ] && echo out || echo err):"
    sed 's/^/    /' "$WORK/$1" | head -20
  fi
}
# pki ARGS...: the tool over the test's PKI directory.
pki() { "$TOOL" pki --pki-dir "$DIR" "$@"; }
# refused DESCRIPTION MESSAGE -- ARGS...: `pki ARGS` exits 2 with MESSAGE on stderr.
refused() {
  local what=$1 msg=$2
  shift 3
  expect 2 "$what" -- pki "$@" && has e "$msg" "$what"
}
ossl() { openssl "$@" 2>"$WORK/ossl.err" || { fail "openssl $*"; cat "$WORK/ossl.err"; }; }

# ---- help and arguments -----------------------------------------------------------------
expect 0 "--help" -- "$TOOL" pki --help && has o "usage: tunnelisa pki" "help" &&
  has o "password-file PATH" "help names password-file" && has o "gen-local-cert-req" "help"
expect 0 "verb --help" -- "$TOOL" pki import --help && has o "Formats (FORMAT)" "verb help"
expect 0 "tool help lists pki" -- "$TOOL" --help && has o "pki VERB" "tool help"
expect 2 "no arguments" -- "$TOOL" pki && has e "usage" "no arguments"
refused "unknown verb" "unknown verb 'frobnicate'" -- frobnicate
refused "unknown option" "unknown option '--bogus'" -- list --bogus
refused "keyword of another verb" "'size' is not a keyword of import" -- import size 2048
refused "keyword without value" "'type' needs a value" -- import type
refused "keyword twice" "'type' given twice" -- import type cert type key
refused "--force on export" "--force does not apply to export" -- export --force
refused "--stored on import" "--stored does not apply to import" -- import --stored
refused "--pki-dir twice" "--pki-dir given twice" -- --pki-dir x list

# ---- before anything is stored ----------------------------------------------------------
refused "list without a directory" "no PKI directory" -- list
[ ! -e "$DIR" ] || fail "list created the PKI directory"

# ---- gen-keypair ------------------------------------------------------------------------
expect 0 "gen-keypair default (rsa 2048)" -- pki gen-keypair gw1.key &&
  has o "generated rsa 2048-bit key \"gw1.key\"" "default key"
[ "$(stat -c %a "$DIR")" = 700 ] || fail "PKI directory mode $(stat -c %a "$DIR"), want 700"
[ "$(stat -c %a "$DIR/.store-key")" = 600 ] || fail ".store-key mode is not 600"
[ "$(stat -c %a "$DIR/gw1.key")" = 600 ] || fail "stored key mode is not 600"
openssl pkey -inform DER -in "$DIR/gw1.key" -passin pass:x >/dev/null 2>&1 &&
  fail "the stored key is readable without the store's key"
for spec in "rsa 512" "rsa 1024" "dsa 1024"; do
  read -r ktype ksize <<<"$spec"
  expect 0 "gen-keypair $spec" -- pki gen-keypair "k-$ktype-$ksize" type "$ktype" size "$ksize" &&
    has e "warning: " "weak $spec" && has e "weak" "weak $spec"
done
expect 0 "gen-keypair rsa 3072" -- pki gen-keypair k-rsa-3072 size 3072 type rsa &&
  has o "rsa 3072-bit" "rsa 3072"
[ -s "$WORK/e" ] && fail "rsa 3072 printed a warning: $(cat "$WORK/e")"
for t in ecdsa-p256 ecdsa-p384 ecdsa-p521 ed25519; do
  expect 0 "gen-keypair $t" -- pki gen-keypair "k-$t" type "$t" && has o "$t" "gen $t"
done
expect 0 "a curve's own size" -- pki gen-keypair k-p384-sized size 384 type ecdsa-p384
refused "rsa size 4000" "size 4000 is not allowed for type rsa (512, 1024, 2048, 3072, 4096)" \
  -- gen-keypair bad size 4000 type rsa
refused "dsa size 512" "size 512 is not allowed for type dsa" -- gen-keypair bad size 512 type dsa
refused "size on a curve" "the curve sets the size" -- gen-keypair bad size 2048 type ecdsa-p256
refused "size not a number" "size big is not allowed" -- gen-keypair bad size big
refused "unknown key type" "unknown key type 'rsa4096'" -- gen-keypair bad type rsa4096
refused "name with /" "must be a plain name, not a path" -- gen-keypair sub/gw1.key
refused "name with .." "must be a plain name, not a path" -- gen-keypair ../gw1.key
refused "name starting with ." "must not start with '.'" -- gen-keypair .store-key
refused "no name" "gen-keypair needs the key's NAME" -- gen-keypair
refused "existing name" "\"gw1.key\" is already in" -- gen-keypair gw1.key type ed25519
expect 0 "existing name with --force" -- pki gen-keypair gw1.key type ecdsa-p256 --force
expect 0 "display the replaced key" -- pki display type key input gw1.key --stored &&
  has o "ecdsa-p256 256 bits" "replaced key"
[ -e "$DIR/bad" ] && fail "a refused gen-keypair stored something"

# ---- gen-local-cert-req -----------------------------------------------------------------
expect 0 "gen-local-cert-req" -- pki gen-local-cert-req keypair gw1.key \
  subject-dn "C=US,O=Example,CN=gw1" domain-name gw1.example.com domain-name vpn.example.com \
  ip-addr 192.0.2.1 ip-addr 2001:db8::1 email ops@example.com file "$OUT/gw1.csr" &&
  has o "wrote certificate request" "csr"
grep -q "BEGIN CERTIFICATE REQUEST" "$OUT/gw1.csr" || fail "the request is not PEM PKCS#10"
openssl req -in "$OUT/gw1.csr" -verify -noout >/dev/null 2>&1 || fail "openssl rejects the request"
expect 0 "display the request" -- pki display type cert input "$OUT/gw1.csr" format pkcs10 &&
  has o "Subject:   C=US, O=Example, CN=gw1" "csr subject" &&
  has o "DNS:gw1.example.com, DNS:vpn.example.com, IP:192.0.2.1, IP:2001:db8::1, email:ops@example.com" \
    "csr alt names" && has o "Signature: valid" "csr signature"
refused "req: key not stored" "nokey: not in the PKI directory" -- gen-local-cert-req \
  keypair nokey subject-dn "CN=x" file "$OUT/x.csr"
refused "req: bad DN" "" -- gen-local-cert-req keypair gw1.key subject-dn "C=US,Bogus" \
  file "$OUT/x.csr"
has e "Bogus" "bad DN named"
refused "req: bad ip" "300.1.1.1" -- gen-local-cert-req keypair gw1.key subject-dn "CN=x" \
  ip-addr 300.1.1.1 file "$OUT/x.csr"
refused "req: no file" "gen-local-cert-req needs 'file'" -- gen-local-cert-req \
  keypair gw1.key subject-dn "CN=x"
refused "req: unwritable output" "$WORK/nodir/x.csr: cannot write" -- gen-local-cert-req \
  keypair gw1.key subject-dn "CN=x" file "$WORK/nodir/x.csr"
[ -e "$OUT/x.csr" ] && fail "a refused request wrote its file"

# ---- a CA (openssl) that signs the request, revokes a certificate, makes the inputs ------
CA=$WORK/ca
mkdir -p "$CA/new" && : >"$CA/index.txt" && echo 1000 >"$CA/serial" && echo 01 >"$CA/crlnumber"
cat >"$CA/ca.cnf" <<EOF
[ca]
default_ca = test_ca
[test_ca]
database = $CA/index.txt
new_certs_dir = $CA/new
certificate = $CA/ca.pem
private_key = $CA/ca.key
serial = $CA/serial
crlnumber = $CA/crlnumber
default_md = sha256
default_crl_days = 30
EOF
ossl ecparam -name prime256v1 -genkey -noout -out "$CA/ca.key"
ossl req -new -x509 -key "$CA/ca.key" -subj "/C=US/O=Example/CN=Test Root CA" -days 30 \
  -out "$CA/ca.pem"
ossl x509 -req -in "$OUT/gw1.csr" -CA "$CA/ca.pem" -CAkey "$CA/ca.key" -set_serial 0x1a2b \
  -days 30 -copy_extensions copy -out "$IN/gw1.pem"
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$IN/peer.key"
ossl req -new -key "$IN/peer.key" -subj "/C=US/O=Example/CN=peer" -out "$IN/peer.csr"
ossl x509 -req -in "$IN/peer.csr" -CA "$CA/ca.pem" -CAkey "$CA/ca.key" -set_serial 0x5a5a \
  -days 30 -out "$IN/peer.pem"
ossl ca -config "$CA/ca.cnf" -revoke "$IN/peer.pem" -batch
ossl ca -config "$CA/ca.cnf" -gencrl -out "$IN/ca.crl.pem" -batch
# The inputs in every format.
ossl x509 -in "$IN/gw1.pem" -outform DER -out "$IN/gw1.der"
ossl crl2pkcs7 -nocrl -certfile "$IN/gw1.pem" -out "$IN/gw1.p7.pem"
ossl crl2pkcs7 -nocrl -certfile "$IN/gw1.pem" -outform DER -out "$IN/gw1.p7.der"
cat "$IN/gw1.pem" "$CA/ca.pem" >"$IN/bundle.pem"
ossl pkey -in "$IN/peer.key" -outform DER -out "$IN/peer.key.der"
ossl pkcs8 -topk8 -in "$IN/peer.key" -v2 aes-256-cbc -passout pass:s3cret -out "$IN/peer.enc.pem"
ossl pkcs12 -export -inkey "$IN/peer.key" -in "$IN/peer.pem" -passout pass:s3cret \
  -out "$IN/peer.p12"
ossl crl -in "$IN/ca.crl.pem" -outform DER -out "$IN/ca.crl.der"
ossl crl2pkcs7 -in "$IN/ca.crl.pem" -out "$IN/ca.crl.p7.pem"
ossl crl2pkcs7 -in "$IN/ca.crl.pem" -outform DER -out "$IN/ca.crl.p7.der"
printf 's3cret\n' >"$IN/pw.txt"
printf 'wrong\n' >"$IN/wrong-pw.txt"
: >"$IN/empty-pw.txt"
: >"$IN/empty"
head -c 100 "$IN/gw1.der" >"$IN/truncated.der"
head -c 300 "$IN/gw1.pem" >"$IN/truncated.pem"
head -c 700 /dev/urandom >"$IN/garbage.bin"
printf -- '-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n' \
  >"$IN/garbage.pem"

# ---- import -----------------------------------------------------------------------------
ext_of() { case $1 in der) echo der ;; pem) echo pem ;; pkcs7-der) echo p7.der ;; pkcs7-pem) echo p7.pem ;; esac; }
for f in der pem pkcs7-der pkcs7-pem; do
  expect 0 "import cert $f" -- pki import type cert input "$IN/gw1.$(ext_of "$f")" \
    output "gw1-$f.der" format "$f" && has o "C=US, O=Example, CN=gw1" "import cert $f"
  cmp -s "$DIR/gw1-$f.der" "$IN/gw1.der" || fail "import cert $f: stored DER differs"
  expect 0 "import crl $f" -- pki import type crl input "$IN/ca.crl.$(ext_of "$f")" \
    output "ca-$f.crl" format "$f" && has o "1 revoked" "import crl $f"
  cmp -s "$DIR/ca-$f.crl" "$IN/ca.crl.der" || fail "import crl $f: stored DER differs"
done
expect 0 "import cert pkcs12" -- pki import type cert input "$IN/peer.p12" output peer.der \
  format pkcs12 password s3cret && has o "CN=peer" "cert from pkcs12"
expect 0 "import a bundle: the first" -- pki import type cert input "$IN/bundle.pem" \
  output first.der format pem && has e "holds 2 certificates: the first one is stored" "bundle"
cmp -s "$DIR/first.der" "$IN/gw1.der" || fail "bundle: not the first certificate stored"
expect 0 "import key pem" -- pki import type key input "$IN/peer.key" output peer-pem.key \
  format pem && has o "rsa 2048 bits" "key pem"
expect 0 "import key der" -- pki import type key input "$IN/peer.key.der" output peer-der.key \
  format der
expect 0 "import key encrypted pem" -- pki import type key input "$IN/peer.enc.pem" \
  output peer-enc.key format pem password-file "$IN/pw.txt"
expect 0 "import key pkcs12" -- pki import type key input "$IN/peer.p12" output peer.key \
  format pkcs12 password s3cret && has e "also holds the key's certificate" "p12 note"
[ "$(stat -c %a "$DIR/peer.key")" = 600 ] || fail "imported key mode is not 600"
cmp -s "$DIR/peer.key" "$IN/peer.key.der" && fail "imported key stored in the clear"
expect 0 "import ca cert" -- pki import type cert input "$CA/ca.pem" output ca.der format pem
# Import failures: nothing stored, the message names the file and what is wrong.
refused "bad format word" "unknown format \"p12\"" -- import type key input "$IN/peer.p12" \
  output x format p12
refused "bad type word" "unknown type 'certificate'" -- import type certificate \
  input "$IN/gw1.pem" output x format pem
refused "cert as pkcs10" "pkcs10 is a certificate request, not a certificate" -- import \
  type cert input "$OUT/gw1.csr" output x format pkcs10
refused "key as pkcs7" "PKCS#7 and PKCS#10 carry no private keys" -- import type key \
  input "$IN/gw1.p7.der" output x format pkcs7-der
refused "crl as pkcs12" "carry no CRLs" -- import type crl input "$IN/peer.p12" output x \
  format pkcs12
refused "wrong pkcs12 password" "$IN/peer.p12: pkcs12: wrong or missing password" -- import \
  type key input "$IN/peer.p12" output x format pkcs12 password nope
refused "wrong password file" "wrong or missing password" -- import type cert \
  input "$IN/peer.p12" output x format pkcs12 password-file "$IN/wrong-pw.txt"
refused "missing pkcs12 password" "wrong or missing password" -- import type key \
  input "$IN/peer.p12" output x format pkcs12
refused "wrong pem key password" "$IN/peer.enc.pem" -- import type key \
  input "$IN/peer.enc.pem" output x format pem password nope
refused "truncated der" "$IN/truncated.der: der:" -- import type cert \
  input "$IN/truncated.der" output x format der
refused "truncated pem" "$IN/truncated.pem: pem:" -- import type cert \
  input "$IN/truncated.pem" output x format pem
refused "garbage der cert" "$IN/garbage.bin: der:" -- import type cert \
  input "$IN/garbage.bin" output x format der
refused "garbage pem cert" "$IN/garbage.pem: pem:" -- import type cert \
  input "$IN/garbage.pem" output x format pem
refused "garbage pkcs7" "$IN/garbage.bin: pkcs7-der:" -- import type crl \
  input "$IN/garbage.bin" output x format pkcs7-der
refused "garbage pkcs12" "$IN/garbage.bin: pkcs12:" -- import type key \
  input "$IN/garbage.bin" output x format pkcs12 password s3cret
refused "a key as a certificate" "$IN/peer.key: pem:" -- import type cert \
  input "$IN/peer.key" output x format pem
refused "a certificate as a CRL" "$IN/gw1.der: der:" -- import type crl \
  input "$IN/gw1.der" output x format der
refused "missing input" "$IN/nothing.pem: cannot read" -- import type cert \
  input "$IN/nothing.pem" output x format pem
refused "input is a directory" "$IN: is a directory" -- import type cert input "$IN" \
  output x format pem
refused "empty input" "$IN/empty: empty file" -- import type cert input "$IN/empty" \
  output x format der
refused "output with /" "must be a plain name, not a path" -- import type cert \
  input "$IN/gw1.pem" output ../x.der format pem
refused "no output" "import needs 'output'" -- import type cert input "$IN/gw1.pem" format pem
refused "no format" "import needs 'format'" -- import type cert input "$IN/gw1.pem" output x
refused "password for a crl" "a password applies to keys and PKCS#12 only" -- import \
  type crl input "$IN/ca.crl.der" output x format der password s3cret
refused "password for a der cert" "a password applies to keys and PKCS#12 only" -- import \
  type cert input "$IN/gw1.der" output x format der password s3cret
refused "password and password-file" "not both" -- import type key input "$IN/peer.p12" \
  output x format pkcs12 password s3cret password-file "$IN/pw.txt"
refused "empty password file" "password-file $IN/empty-pw.txt: empty password" -- import \
  type key input "$IN/peer.p12" output x format pkcs12 password-file "$IN/empty-pw.txt"
refused "missing password file" "password-file $IN/no-pw.txt" -- import type key \
  input "$IN/peer.p12" output x format pkcs12 password-file "$IN/no-pw.txt"
refused "import over a name" "\"ca.der\" is already in" -- import type cert \
  input "$IN/gw1.pem" output ca.der format pem
[ -e "$DIR/x" ] || [ -e "$DIR/x.der" ] && fail "a refused import stored something"
expect 0 "import over a name with --force" -- pki import type cert input "$CA/ca.pem" \
  output ca.der format pem --force
# A password that looks like an option is a keyword's value all the same.
ossl pkcs12 -export -inkey "$IN/peer.key" -in "$IN/peer.pem" -passout pass:--help \
  -out "$IN/dash.p12"
expect 0 "password starting with --" -- pki import type key input "$IN/dash.p12" \
  output dash.key format pkcs12 password --help

# ---- the enrolled certificate goes with the generated key -------------------------------
expect 0 "import the signed certificate" -- pki import type cert input "$IN/gw1.pem" \
  output gw1.der format pem
expect 0 "export key+cert as pkcs12" -- pki export type key input gw1.key output "$OUT/gw1.p12" \
  format pkcs12 cert gw1.der password-file "$IN/pw.txt"
[ "$(stat -c %a "$OUT/gw1.p12")" = 600 ] || fail "exported pkcs12 mode is not 600"
openssl pkcs12 -in "$OUT/gw1.p12" -passin pass:s3cret -nokeys 2>/dev/null |
  grep -q "CN *= *gw1" || fail "openssl can't read the exported pkcs12"
expect 0 "display the pkcs12 key" -- pki display type key input "$OUT/gw1.p12" format pkcs12 \
  password s3cret && has o "ecdsa-p256 256 bits" "p12 key" && has o "CN=gw1" "p12 cert"
refused "pkcs12 with the wrong certificate" "certificate \"peer.der\" is not for key \"gw1.key\"" \
  -- export type key input gw1.key output "$OUT/bad.p12" format pkcs12 cert peer.der password pw
refused "pkcs12 without a certificate" "name it with 'cert NAME'" -- export type key \
  input gw1.key output "$OUT/bad.p12" format pkcs12 password pw
refused "pkcs12 without a password" "password-protected" -- export type key input gw1.key \
  output "$OUT/bad.p12" format pkcs12 cert gw1.der
refused "cert keyword for pem" "'cert' applies to export type key format pkcs12 only" -- \
  export type key input gw1.key output "$OUT/bad.pem" format pem cert gw1.der
refused "export cert as pkcs12" "export type key input KEY format pkcs12 cert CERT" -- \
  export type cert input gw1.der output "$OUT/bad.p12" format pkcs12
refused "export cert as pkcs10" "pkcs10 is a certificate request" -- export type cert \
  input gw1.der output "$OUT/bad.csr" format pkcs10
refused "export a missing name" "nothing.der: not in the PKI directory" -- export type cert \
  input nothing.der output "$OUT/bad.der" format der
refused "export a key as a cert" "gw1.key: malformed certificate" -- export type cert \
  input gw1.key output "$OUT/bad.der" format der
refused "export into a missing directory" "$WORK/nodir/gw1.der: cannot write" -- export \
  type cert input gw1.der output "$WORK/nodir/gw1.der" format der
[ -e "$OUT/bad.p12" ] && fail "a refused export wrote its file"

# ---- round trips: import -> export -> display, every format pair ------------------------
# For each type: the display of each exported file equals the display of the original, and
# re-importing it stores the same object.
# roundtrip TYPE STORED_NAME ORIGINAL ORIGINAL_FORMAT FORMATS...: keys with password s3cret.
roundtrip() {
  local type=$1 name=$2 orig=$3 origfmt=$4
  shift 4
  local pw=()
  [ "$type" = key ] && pw=(password s3cret)
  pki display type "$type" input "$orig" format "$origfmt" "${pw[@]}" >"$WORK/want" 2>&1 ||
    { fail "display $orig"; return; }
  local g
  for g in "$@"; do
    local extra=() xpw=()
    [ "$type" = key ] && xpw=(password s3cret)
    [ "$type" = key ] && [ "$g" = pkcs12 ] && extra=(cert peer.der)
    expect 0 "export $type $name as $g" -- pki export type "$type" input "$name" \
      output "$OUT/$name.$g" format "$g" "${xpw[@]}" "${extra[@]}" || continue
    expect 0 "display exported $type $g" -- pki display type "$type" input "$OUT/$name.$g" \
      format "$g" "${xpw[@]}" || continue
    # A key's display may go on with the certificate a PKCS#12 file carries: compare the
    # key's own three lines.
    local lines=1000
    [ "$type" = key ] && lines=3
    head -n $lines "$WORK/o" >"$WORK/got"
    head -n $lines "$WORK/want" >"$WORK/want.head"
    cmp -s "$WORK/got" "$WORK/want.head" || {
      fail "$type $name exported as $g displays differently"
      diff "$WORK/want.head" "$WORK/got" | head -10
    }
    expect 0 "re-import $type $g" -- pki import type "$type" input "$OUT/$name.$g" \
      output "rt-$name-$g" format "$g" "${xpw[@]}" || continue
    if [ "$type" != key ]; then
      cmp -s "$DIR/rt-$name-$g" "$DIR/$name" || fail "$type $name via $g: stored DER differs"
    else
      pki display type key input "rt-$name-$g" --stored >"$WORK/a" 2>&1
      pki display type key input "$name" --stored >"$WORK/b" 2>&1
      cmp -s "$WORK/a" "$WORK/b" || fail "key $name via $g: a different key came back"
    fi
  done
}
roundtrip cert gw1-der.der "$IN/gw1.der" der der pem pkcs7-der pkcs7-pem
roundtrip crl ca-pem.crl "$IN/ca.crl.pem" pem der pem pkcs7-der pkcs7-pem
roundtrip key peer.key "$IN/peer.p12" pkcs12 der pem pkcs12
# Exported keys: plain PKCS#8 without a password, encrypted with one; OpenSSL reads both.
expect 0 "export key plain der" -- pki export type key input peer.key output "$OUT/plain.der" \
  format der && has o "not encrypted" "plain key export"
openssl pkey -inform DER -in "$OUT/plain.der" -noout 2>/dev/null || fail "openssl: plain der key"
[ "$(stat -c %a "$OUT/plain.der")" = 600 ] || fail "exported key mode is not 600"
openssl pkey -in "$OUT/peer.key.pem" -passin pass:s3cret -noout 2>/dev/null ||
  fail "openssl: encrypted pem key"
openssl pkey -in "$OUT/peer.key.pem" -passin pass:wrong -noout 2>/dev/null &&
  fail "the encrypted export opens with a wrong password"
grep -q "ENCRYPTED PRIVATE KEY" "$OUT/peer.key.pem" || fail "pem key export not encrypted"
openssl x509 -in "$OUT/gw1-der.der.pem" -noout 2>/dev/null || fail "openssl: exported pem cert"
openssl pkcs7 -inform DER -in "$OUT/gw1-der.der.pkcs7-der" -print_certs -noout >/dev/null 2>&1 ||
  fail "openssl: exported pkcs7-der"
openssl crl -inform DER -in "$OUT/ca-pem.crl.der" -noout 2>/dev/null || fail "openssl: exported crl"

# ---- display ----------------------------------------------------------------------------
expect 0 "display cert" -- pki display type cert input "$IN/gw1.der" format der &&
  has o "Subject:    C=US, O=Example, CN=gw1" "cert subject" &&
  has o "Issuer:     C=US, O=Example, CN=Test Root CA" "cert issuer" &&
  has o "Serial:     1A:2B" "cert serial" && has o "DNS:vpn.example.com" "cert SAN"
expect 0 "display a bundle" -- pki display type cert input "$IN/bundle.pem" format pem &&
  has o "[1 of 2: the one import stores]" "bundle 1" && has o "[2 of 2]" "bundle 2"
expect 0 "display crl" -- pki display type crl input "$IN/ca.crl.p7.der" format pkcs7-der &&
  has o "Issuer:      C=US, O=Example, CN=Test Root CA" "crl issuer" &&
  has o "Serial 5A:5A" "crl revoked serial"
expect 0 "display stored crl" -- pki display type crl input ca-der.crl --stored &&
  has o "Serial 5A:5A" "stored crl"
expect 0 "display stored cert" -- pki display type cert input gw1.der --stored &&
  has o "CN=gw1" "stored cert"
expect 0 "display key with pem certs" -- pki display type key input "$IN/peer.key" format pem &&
  has o "rsa 2048 bits" "pem key"
refused "display --stored with format" "'format' does not apply with --stored" -- display \
  type cert input gw1.der --stored format der
refused "display --stored missing" "nothing: not in the PKI directory" -- display type crl \
  input nothing --stored
refused "display garbage crl" "$IN/garbage.bin: der:" -- display type crl \
  input "$IN/garbage.bin" format der
refused "display a cert as a request" "$IN/gw1.pem: pkcs10:" -- display type cert \
  input "$IN/gw1.pem" format pkcs10
refused "display missing file" "$IN/none: cannot read" -- display type cert input "$IN/none" \
  format der
refused "display without type" "display needs 'type'" -- display input "$IN/gw1.der" format der

# ---- list -------------------------------------------------------------------------------
head -c 50 /dev/urandom >"$DIR/junk"
expect 0 "list" -- pki list && has o "gw1.der" "list cert" && has o "CN=Test Root CA (CA)" \
  "list CA" && has o "issuer C=US, O=Example, CN=Test Root CA, 1 revoked" "list crl" &&
  has o "ecdsa-p256 256 bits" "list key" && has o "not a certificate, CRL or key" "list junk"
grep -E '^gw1\.key +key ' "$WORK/o" >/dev/null || fail "list: gw1.key is not a key"
grep -E '^ca-der\.crl +crl ' "$WORK/o" >/dev/null || fail "list: ca-der.crl is not a crl"
grep -E '^gw1\.der +cert ' "$WORK/o" >/dev/null || fail "list: gw1.der is not a cert"
grep -q "store-key" "$WORK/o" && fail "list shows the store's key file"
# Another store's key can't open these keys.
mkdir -p "$WORK/other" && cp "$DIR/gw1.key" "$WORK/other/"
expect 2 "a key from another directory" -- "$TOOL" pki --pki-dir "$WORK/other" display \
  type key input gw1.key --stored && has e "does not decrypt with this store's key" "other store"
chmod 644 "$DIR/.store-key"
refused "a readable store key" "readable by group or others" -- list
chmod 600 "$DIR/.store-key"

echo "$N checks, $FAILS failures"
[ "$FAILS" -eq 0 ]
