#!/bin/sh
# Writes the seed corpora of the PKI fuzz targets with the openssl command-line tool:
# tests/fuzz/corpus/pki_{der_cert,pem,pkcs7,pkcs12,crl}/. Run from the repository root.
set -eu
out=tests/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
cat > ca.cnf <<'CNF'
[ca]
default_ca = ca
[ca]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
crlnumber = crlnumber
default_md = sha256
default_crl_days = 30
policy = any
[any]
commonName = supplied
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[leaf]
keyUsage = digitalSignature
subjectAltName = DNS:gw1.example.com,IP:192.0.2.1,email:ops@example.com
CNF
touch index.txt; echo 01 > serial; echo 01 > crlnumber
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
  -subj "/C=US/O=Example/CN=Seed CA" -days 3650 -out ca.pem -extensions v3_ca -config ca.cnf \
  2>/dev/null
openssl req -newkey rsa:1024 -nodes -keyout leaf.key -subj "/CN=gw1" -out leaf.csr 2>/dev/null
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
  -extfile ca.cnf -extensions leaf -out leaf.pem 2>/dev/null
openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -revoke leaf.pem 2>/dev/null
openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -gencrl -out ca.crl.pem 2>/dev/null
openssl x509 -in leaf.pem -outform DER -out leaf.der
openssl x509 -in ca.pem -outform DER -out ca.der
openssl crl -in ca.crl.pem -outform DER -out ca.crl.der
openssl crl2pkcs7 -in ca.crl.pem -certfile leaf.pem -out bundle.p7b
openssl crl2pkcs7 -in ca.crl.pem -certfile leaf.pem -outform DER -out bundle.p7b.der
openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile ca.pem -passout pass:pw \
  -out leaf.p12
openssl pkcs8 -topk8 -in leaf.key -passout pass:pw -out leaf.enc.pem
cd - >/dev/null
mkdir -p "$out/pki_der_cert" "$out/pki_pem" "$out/pki_pkcs7" "$out/pki_pkcs12" "$out/pki_crl"
cat "$tmp/leaf.der" > "$out/pki_der_cert/leaf.der"
cat "$tmp/leaf.der" "$tmp/ca.der" > "$out/pki_der_cert/bundle.der"
cp "$tmp/leaf.pem" "$out/pki_pem/leaf.pem"
cat "$tmp/leaf.key" "$tmp/leaf.pem" > "$out/pki_pem/key_and_cert.pem"
cp "$tmp/leaf.enc.pem" "$out/pki_pem/encrypted_key.pem"
cp "$tmp/ca.crl.pem" "$out/pki_pem/crl.pem"
cp "$tmp/leaf.csr" "$out/pki_pem/request.pem"
cp "$tmp/bundle.p7b" "$out/pki_pkcs7/bundle.p7b"
cp "$tmp/bundle.p7b.der" "$out/pki_pkcs7/bundle.p7b.der"
cp "$tmp/leaf.p12" "$out/pki_pkcs12/leaf.p12"
cp "$tmp/ca.crl.der" "$out/pki_crl/ca.crl"
