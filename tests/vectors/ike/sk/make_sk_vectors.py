#!/usr/bin/python3
"""Writes sk_vectors.txt: IKEv2 messages protected by an Encrypted payload SK (RFC 7296 3.14)
or Encrypted Fragment payloads SKF (RFC 7383 2.5), built independently of tunnelisa.

Run with /usr/bin/python3 (pyca/cryptography 38 for the ciphers, the standard library's hmac
for integrity). The payloads, the IKE header, padding, associated data (RFC 5282 5.1: the IKE
header through the SK generic header; for SKF through Total Fragments), nonces (salt || IV,
RFC 5282 / RFC 7634) and ICVs are assembled here by hand from the RFC text, so the C++ test
(src/ike/protect/sk_vectors_test.cc) cross-checks SkProtector against a second implementation.

Keys and IVs are fixed patterns (not secret). Regenerate with:
    /usr/bin/python3 tests/vectors/ike/sk/make_sk_vectors.py > tests/vectors/ike/sk/sk_vectors.txt
"""

import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

SK = 46
SKF = 53
IKE_AUTH = 35
INFORMATIONAL = 37
FLAG_INITIATOR = 0x08
FLAG_RESPONSE = 0x20
SPI_I = bytes.fromhex("8a3f2c1d5e6b7a09")
SPI_R = bytes.fromhex("1122334455667788")


def pattern(n, start):
    return bytes((start + 7 * i) & 0xFF for i in range(n))


def payload(next_type, body):
    return struct.pack("!BBH", next_type, 0, 4 + len(body)) + body


def chain(payloads):
    """payloads: [(type, body)] -> (first type, serialized chain)."""
    out = b""
    for i, (_, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += payload(nxt, body)
    return (payloads[0][0] if payloads else 0), out


def ike_header(next_type, exchange, flags, message_id, length):
    return SPI_I + SPI_R + struct.pack("!BBBBII", next_type, 0x20, exchange, flags,
                                       message_id, length)


def idi_fqdn(name):
    return (35, bytes([2, 0, 0, 0]) + name.encode())


def auth_psk(data):
    return (39, bytes([2, 0, 0, 0]) + data)


def notify(ntype, data=b""):
    return (41, struct.pack("!BBH", 0, 0, ntype) + data)


def delete_esp(spis):
    return (42, struct.pack("!BBH", 3, 4, len(spis)) + b"".join(struct.pack("!I", s) for s in spis))


def vendor_id(data):
    return (43, data)


# Suites: (name, encr id, key bits, integ id, key len, salt, iv, block, icv, integ key len,
#          hash for HMAC or None)
SUITES = {
    "aes128-sha256": (12, 128, 12, 16, 0, 16, 16, 16, 32, hashlib.sha256),
    "aes256gcm16": (20, 256, 0, 32, 4, 8, 1, 16, 0, None),
    "chacha20poly1305": (28, 0, 0, 32, 4, 8, 1, 16, 0, None),
    "3des-sha1": (3, 0, 2, 24, 0, 8, 8, 12, 20, hashlib.sha1),
}


def pad(plain, block):
    n = (block - (len(plain) + 1) % block) % block
    return plain + bytes(n) + bytes([n])


def protect(suite, key, integ_key, iv, head, padded):
    """head: IKE header + SK/SKF generic header (+ fragment fields); returns head||IV||C||ICV."""
    encr, bits, integ, klen, salt, ivlen, block, icv, ilen, digest = SUITES[suite]
    if salt:
        nonce = key[klen:] + iv
        aead = AESGCM(key[:klen]) if encr == 20 else ChaCha20Poly1305(key[:klen])
        sealed = aead.encrypt(nonce, padded, head)  # ciphertext || 16-octet tag
        return head + iv + sealed[: len(padded)] + sealed[len(padded):][:icv]
    algo = algorithms.AES(key) if encr == 12 else algorithms.TripleDES(key)
    enc = Cipher(algo, modes.CBC(iv)).encryptor()
    ct = enc.update(padded) + enc.finalize()
    body = head + iv + ct
    return body + hmac.new(integ_key, body, digest).digest()[:icv]


def sizes(suite):
    encr, bits, integ, klen, salt, ivlen, block, icv, ilen, digest = SUITES[suite]
    return klen + salt, ivlen, block, icv, ilen


def seal_sk(suite, key, integ_key, iv, exchange, flags, message_id, payloads):
    _, ivlen, block, icv, _ = sizes(suite)
    first, inner = chain(payloads)
    padded = pad(inner, block)
    sk_len = 4 + ivlen + len(padded) + icv
    head = ike_header(SK, exchange, flags, message_id, 28 + sk_len)
    head += struct.pack("!BBH", first, 0, sk_len)
    return first, inner, protect(suite, key, integ_key, iv, head, padded)


def seal_skf(suite, key, integ_key, ivs, exchange, flags, message_id, payloads, max_size):
    _, ivlen, block, icv, _ = sizes(suite)
    first, inner = chain(payloads)
    room = max_size - (28 + 4 + 4 + ivlen + icv)
    room -= room % block
    chunk = room - 1
    pieces = [inner[i:i + chunk] for i in range(0, len(inner), chunk)] or [b""]
    out = []
    for n, piece in enumerate(pieces, start=1):
        padded = pad(piece, block)
        skf_len = 4 + 4 + ivlen + len(padded) + icv
        head = ike_header(SKF, exchange, flags, message_id, 28 + skf_len)
        head += struct.pack("!BBHHH", first if n == 1 else 0, 0, skf_len, n, len(pieces))
        out.append(protect(suite, key, integ_key, ivs[n - 1], head, padded))
    return first, inner, out


def emit(fields):
    for k, v in fields:
        print(f"{k} = {v}")
    print()


def common_fields(name, suite, key, integ_key, iv):
    encr, bits, integ = SUITES[suite][:3]
    return [("Name", name), ("Suite", suite), ("Encr", f"{encr:04x}"), ("KeyBits", f"{bits:04x}"),
            ("Integ", f"{integ:04x}"), ("EncrKey", key.hex()), ("IntegKey", integ_key.hex()),
            ("IV", iv.hex())]


def main():
    for line in __doc__.strip().splitlines():
        print(("# " + line).rstrip())
    print("#")
    print("# Fields: Encr/KeyBits/Integ are the IKEv2 transform IDs and Key Length (hex).")
    print("# EncrKey/IntegKey: the sender's SK_e*/SK_a* (AEAD: key || 4-octet salt; no IntegKey).")
    print("# IV: the IV of the (first) protected payload; for AEAD a big-endian 64-bit counter")
    print("# that later fragments increment, for CBC the same IV in every fragment.")
    print("# FirstInner (hex) and Inner: the first inner payload type and the serialized inner")
    print("# payloads before padding. Datagram (SK) or Datagram1..N (SKF, MaxDatagram hex).")
    print()

    auth_payloads = [idi_fqdn("initiator.example"), auth_psk(pattern(32, 0x40)),
                     notify(16384)]
    delete_payloads = [delete_esp([0x0A0B0C0D, 0x01020304])]
    big_payloads = [idi_fqdn("initiator.example"), auth_psk(pattern(48, 0x11)),
                    vendor_id(pattern(200, 0x99)), notify(16384)]

    for suite in ["aes128-sha256", "aes256gcm16", "chacha20poly1305", "3des-sha1"]:
        klen, ivlen, block, icv, ilen = sizes(suite)
        key = pattern(klen, 0x01)
        integ_key = pattern(ilen, 0x80)
        iv = pattern(ivlen, 0xA0) if SUITES[suite][4] == 0 else bytes.fromhex("0000000000000001")
        cases = [("ike-auth", IKE_AUTH, FLAG_INITIATOR, 1, auth_payloads),
                 ("delete", INFORMATIONAL, FLAG_RESPONSE, 2, delete_payloads),
                 ("liveness", INFORMATIONAL, FLAG_INITIATOR, 3, [])]
        for case, exchange, flags, mid, payloads in cases:
            first, inner, datagram = seal_sk(suite, key, integ_key, iv, exchange, flags, mid,
                                             payloads)
            emit(common_fields(f"{suite}-{case}", suite, key, integ_key, iv) +
                 [("FirstInner", f"{first:02x}"), ("Inner", inner.hex()),
                  ("Datagram", datagram.hex())])

    for suite, max_size in [("aes256gcm16", 0xA0), ("aes128-sha256", 0x90)]:
        klen, ivlen, block, icv, ilen = sizes(suite)
        key = pattern(klen, 0x05)
        integ_key = pattern(ilen, 0x60)
        aead = SUITES[suite][4] != 0
        iv = bytes.fromhex("00000000000000fe") if aead else pattern(ivlen, 0x33)
        ivs = [(int.from_bytes(iv, "big") + i).to_bytes(8, "big") if aead else iv
               for i in range(64)]
        first, inner, datagrams = seal_skf(suite, key, integ_key, ivs, IKE_AUTH, FLAG_INITIATOR,
                                           1, big_payloads, max_size)
        fields = common_fields(f"{suite}-skf", suite, key, integ_key, iv) + [
            ("FirstInner", f"{first:02x}"), ("Inner", inner.hex()),
            ("MaxDatagram", f"{max_size:04x}"), ("Fragments", f"{len(datagrams):04x}")]
        fields += [(f"Datagram{i + 1}", d.hex()) for i, d in enumerate(datagrams)]
        emit(fields)


if __name__ == "__main__":
    main()
