#!/usr/bin/env python3
"""Writes the seed corpus for radius_packet_fuzz: RFC 2865 section 7.1's Access-Request and
Access-Accept, and answers of every kind the client reads (Accept with the attributes the
IKE side uses and a Vendor-Specific, Reject, Challenge with State and EAP-Message fragments,
Accounting-Response), each with a Message-Authenticator where the client requires one.
Signed with the fuzz target's secret and request authenticator (0x5c * 16), so they start
authentic. Run from the repo root; deterministic."""
import hashlib
import hmac
import os
import struct

OUT = "tests/fuzz/corpus/radius_packet"
SECRET = b"fuzz-secret"
RA = b"\x5c" * 16


def attr(t, v):
    return bytes([t, 2 + len(v)]) + v


def u32(t, n):
    return attr(t, struct.pack("!I", n))


def packet(code, ident, attrs, sign=True):
    """An answer to a request with authenticator RA: Message-Authenticator first when
    `sign`, then the Response Authenticator."""
    body = (attr(80, b"\0" * 16) if sign else b"") + b"".join(attrs)
    length = 20 + len(body)
    wire = bytearray(struct.pack("!BBH", code, ident, length) + RA + body)
    if sign:
        mac = hmac.new(SECRET, bytes(wire), hashlib.md5).digest()
        wire[22:38] = mac
    wire[4:20] = hashlib.md5(bytes(wire[:4]) + RA + bytes(wire[20:]) + SECRET).digest()
    return bytes(wire)


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {
        # RFC 2865 section 7.1 (also tests/vectors/radius/rfc2865_examples.txt).
        "rfc2865_request": bytes.fromhex(
            "010000380f403f9473978057bd83d5cb98f4227a01066e656d6f02120dbe708d93d413ce3196"
            "e43f782a0aee0406c0a80110050600000003"),
        "rfc2865_accept": bytes.fromhex(
            "0200002686fe220e7624ba2a1005f6bf9b55e0b20606000000010f06000000000e06c0a80103"),
        "accept_full": packet(2, 1, [
            attr(8, bytes([10, 99, 0, 5])), attr(9, bytes([255, 255, 255, 0])),
            attr(25, b"cls-alice"), u32(27, 3600), attr(18, b"welcome alice"),
            attr(88, b"pool-a"), attr(26, struct.pack("!I", 9) + attr(1, b"shell:priv-lvl=5")),
        ]),
        "reject": packet(3, 2, [attr(18, b"Login incorrect")]),
        "challenge_eap": packet(11, 3, [
            attr(24, b"state-0123456789"),
            attr(79, bytes([1, 7]) + struct.pack("!H", 253 + 40) + b"\x04" * 249),
            attr(79, b"\x04" * 40),
        ]),
        "accounting_response": packet(5, 4, [], sign=False),
        "accept_unsigned": packet(2, 5, [attr(8, bytes([10, 0, 0, 1]))], sign=False),
        "accept_bad_sizes": packet(2, 6, [attr(8, bytes([10, 0, 0])), attr(27, b"\0\1")]),
        "padded_reject": packet(3, 7, []) + b"\0\0\0\0",
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
