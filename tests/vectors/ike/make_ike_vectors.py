#!/usr/bin/python3
"""Writes tests/vectors/ike/ikev2_messages.txt and the ike_message fuzz seed corpus.

IKEv2 messages built with scapy 2.5.0's independent encoder (scapy.contrib.ikev2), so the
C++ codec is checked against bytes it did not produce. Run from the repository root with
Debian's /usr/bin/python3 (the one that has scapy):

    /usr/bin/python3 tests/vectors/ike/make_ike_vectors.py

Everything is deterministic (fixed SPIs, nonces and key shares), so re-running gives
identical files. SK/SKF contents are opaque fixed bytes: the codec only frames them.
"""
import hashlib
import os
import socket
import struct

from scapy.contrib.ikev2 import (IKEv2, IKEv2_payload_CERTREQ, IKEv2_payload_Encrypted,
                                 IKEv2_payload_Encrypted_Fragment, IKEv2_payload_KE,
                                 IKEv2_payload_Nonce, IKEv2_payload_Notify,
                                 IKEv2_payload_Proposal, IKEv2_payload_SA,
                                 IKEv2_payload_Transform, IKEv2_payload_VendorID)

VECTORS = "tests/vectors/ike/ikev2_messages.txt"
CORPUS = "tests/fuzz/corpus/ike_message"

SPI_I = bytes.fromhex("8a3f2c1d5e6b7a09")
SPI_R = bytes.fromhex("1122334455667788")
ADDR_I, ADDR_R, PORT = "192.0.2.1", "192.0.2.2", 500

# Payload type numbers (RFC 7296 3.2, RFC 7383).
SA, KE, IDI, CERTREQ, NONCE, N, V, SK, SKF = 33, 34, 35, 38, 40, 41, 43, 46, 53
# Notify types.
NAT_SRC, NAT_DST, COOKIE, FRAG_OK, SIG_HASH = 16388, 16389, 16390, 16430, 16431
INVALID_KE = 17


def pattern(n, seed):
    """n deterministic bytes."""
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s-%d" % (seed.encode(), counter)).digest()
        counter += 1
    return out[:n]


def nat_hash(spi_r, addr, port):
    """RFC 7296 2.23: SHA-1(SPIi | SPIr | IP | port)."""
    return hashlib.sha1(SPI_I + spi_r + socket.inet_aton(addr) + struct.pack("!H", port)).digest()


def transform(ttype, tid, key_length=None, more=True):
    kw = dict(next_payload=3 if more else 0, transform_type=ttype, transform_id=tid)
    if key_length is None:
        return IKEv2_payload_Transform(length=8, **kw)
    return IKEv2_payload_Transform(length=12, key_length=0x800E0000 | key_length, **kw)


def proposal(num, transforms, more):
    trans = transforms[0]
    for t in transforms[1:]:
        trans = trans / t
    return IKEv2_payload_Proposal(next_payload=2 if more else 0, proposal=num, proto=1,
                                  trans_nb=len(transforms), trans=trans)


def sa_offer():
    # 1: AES-CBC-256 / HMAC-SHA2-256 PRF / HMAC-SHA2-256-128 / ECP-256
    p1 = proposal(1, [transform(1, 12, 256), transform(2, 5), transform(3, 12),
                      transform(4, 19, more=False)], more=True)
    # 2: AES-GCM-16-128 / HMAC-SHA2-256 PRF / Curve25519
    p2 = proposal(2, [transform(1, 20, 128), transform(2, 5), transform(4, 31, more=False)],
                  more=False)
    return IKEv2_payload_SA(prop=p1 / p2)


def sa_choice():
    return IKEv2_payload_SA(prop=proposal(
        1, [transform(1, 12, 256), transform(2, 5), transform(3, 12),
            transform(4, 19, more=False)], more=False))


def header(exch, flags, msg_id=0, spi_r=b"\0" * 8, next_payload=0):
    return IKEv2(init_SPI=SPI_I, resp_SPI=spi_r, next_payload=next_payload, exch_type=exch,
                 flags=flags, id=msg_id)


# scapy fills in only the header's Next Payload; each payload's own Next Payload is set here
# from the type of the payload that follows it.
TYPE_OF = {IKEv2_payload_SA: SA, IKEv2_payload_KE: KE, IKEv2_payload_Nonce: NONCE,
           IKEv2_payload_Notify: N, IKEv2_payload_VendorID: V, IKEv2_payload_CERTREQ: CERTREQ}


def message(hdr, *payloads):
    for this, following in zip(payloads, payloads[1:] + (None,)):
        this.next_payload = 0 if following is None else TYPE_OF[type(following)]
    hdr.next_payload = TYPE_OF[type(payloads[0])]
    pkt = hdr
    for p in payloads:
        pkt = pkt / p
    return pkt


def messages():
    out = []
    # IKE_SA_INIT request: SA, KE, Ni, N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP),
    # N(IKEV2_FRAGMENTATION_SUPPORTED), N(SIGNATURE_HASH_ALGORITHMS), V.
    req = message(header(34, 0x08), sa_offer(),
                  IKEv2_payload_KE(group=19, load=pattern(64, "kei")),
                  IKEv2_payload_Nonce(load=pattern(32, "ni")),
                  IKEv2_payload_Notify(type=NAT_SRC, load=nat_hash(b"\0" * 8, ADDR_I, PORT)),
                  IKEv2_payload_Notify(type=NAT_DST, load=nat_hash(b"\0" * 8, ADDR_R, PORT)),
                  IKEv2_payload_Notify(type=FRAG_OK),
                  IKEv2_payload_Notify(type=SIG_HASH, load=bytes.fromhex("000200030004")),
                  IKEv2_payload_VendorID(vendorID=hashlib.md5(b"tunnelisa").digest()))
    out.append(("ike_sa_init_request", req, 34, 0, [SA, KE, NONCE, N, N, N, N, V], ""))
    # IKE_SA_INIT response: SA (chosen proposal), KE, Nr, N x3, CERTREQ.
    resp = message(header(34, 0x20, spi_r=SPI_R), sa_choice(),
                   IKEv2_payload_KE(group=19, load=pattern(64, "ker")),
                   IKEv2_payload_Nonce(load=pattern(32, "nr")),
                   IKEv2_payload_Notify(type=NAT_SRC, load=nat_hash(SPI_R, ADDR_R, PORT)),
                   IKEv2_payload_Notify(type=NAT_DST, load=nat_hash(SPI_R, ADDR_I, PORT)),
                   IKEv2_payload_Notify(type=FRAG_OK),
                   IKEv2_payload_CERTREQ(cert_type=4, cert_data=pattern(20, "ca")))
    out.append(("ike_sa_init_response", resp, 34, 1, [SA, KE, NONCE, N, N, N, CERTREQ], ""))
    # IKE_SA_INIT response asking for a cookie, and the request retried with it.
    cookie = pattern(32, "cookie")
    out.append(("ike_sa_init_cookie_response",
                 message(header(34, 0x20), IKEv2_payload_Notify(type=COOKIE, load=cookie)),
                 34, 1, [N], ""))
    retry = message(header(34, 0x08), IKEv2_payload_Notify(type=COOKIE, load=cookie),
                    sa_offer(), IKEv2_payload_KE(group=19, load=pattern(64, "kei")),
                    IKEv2_payload_Nonce(load=pattern(32, "ni")))
    out.append(("ike_sa_init_cookie_retry", retry, 34, 0, [N, SA, KE, NONCE], ""))
    # INVALID_KE_PAYLOAD response naming group 31.
    out.append(("ike_sa_init_invalid_ke",
                message(header(34, 0x20),
                        IKEv2_payload_Notify(type=INVALID_KE, load=struct.pack("!H", 31))),
                34, 1, [N], ""))
    # IKE_AUTH request: SK with AES-CBC framing (IV 16, ciphertext 80, ICV 16).
    sk_body = pattern(16, "iv") + pattern(80, "ct") + pattern(16, "icv")
    out.append(("ike_auth_request_sk",
                header(35, 0x08, msg_id=1, spi_r=SPI_R, next_payload=SK) /
                IKEv2_payload_Encrypted(next_payload=IDI, load=sk_body),
                35, 0, [SK], "16 80 16"))
    # IKE_AUTH request in two fragments (RFC 7383).
    for number in (1, 2):
        body = pattern(16, "fiv%d" % number) + pattern(48, "fct%d" % number) + \
            pattern(16, "ficv%d" % number)
        out.append(("ike_auth_request_fragment_%d" % number,
                    header(35, 0x08, msg_id=1, spi_r=SPI_R, next_payload=SKF) /
                    IKEv2_payload_Encrypted_Fragment(next_payload=IDI if number == 1 else 0,
                                                     frag_number=number, frag_total=2,
                                                     load=body),
                    35, 0, [SKF], "16 48 16"))
    # INFORMATIONAL response (liveness check reply): an SK with AES-GCM framing
    # (IV 8, ciphertext 1 = Pad Length only, ICV 16), no inner payloads.
    out.append(("informational_response_empty_sk",
                header(37, 0x20, msg_id=2, spi_r=SPI_R, next_payload=SK) /
                IKEv2_payload_Encrypted(next_payload=0, load=pattern(8, "giv") + b"\0" +
                                        pattern(16, "gicv")),
                37, 1, [SK], "8 1 16"))
    return out


def main():
    os.makedirs(CORPUS, exist_ok=True)
    lines = [
        "# IKEv2 messages encoded by scapy 2.5.0 (scapy.contrib.ikev2), an encoder independent",
        "# of tunnelisa's. Generated by tests/vectors/ike/make_ike_vectors.py; do not edit.",
        "# Exchange: exchange type (hex). Response: 1 if the R flag is set.",
        "# Payloads: payload types (hex) in order, outside encryption.",
        "# Protected (SK/SKF messages): IV, ciphertext and ICV sizes in octets (decimal).",
        "",
    ]
    for name, pkt, exch, response, payloads, protected in messages():
        data = bytes(pkt)
        assert len(data) == struct.unpack("!I", data[24:28])[0], name
        lines.append("Name = %s" % name)
        lines.append("Exchange = %02x" % exch)
        lines.append("Response = %d" % response)
        lines.append("Payloads = %s" % "".join("%02x" % p for p in payloads))
        if protected:
            lines.append("Protected = %s" % protected)
        lines.append("Message = %s" % data.hex())
        lines.append("")
        with open(os.path.join(CORPUS, name + ".bin"), "wb") as f:
            f.write(data)
    with open(VECTORS, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
